//! Tiny DOM helpers the reactive layer does not cover.

use wasm_bindgen::JsCast;

/// Moves keyboard focus to the element with this id, if it exists.
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        // Focus fails only for detached elements; nothing to do then.
        let _ = el.focus();
    }
}
