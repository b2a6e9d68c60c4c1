//! Fallback for unknown paths.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{self, tr};

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page page--narrow" aria-labelledby="not-found-title">
            <h1 id="not-found-title">{tr(i18n::PAGE_NOT_FOUND_TITLE)}</h1>
            <p class="lead">{tr(i18n::PAGE_NOT_FOUND_LEAD)}</p>
            <p>
                <A href=crate::HOME>{tr(i18n::BACK_TO_VERIFY)}</A>
            </p>
        </section>
    }
}
