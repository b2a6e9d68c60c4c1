//! The one client for the local reader-agent's WebSocket
//! (`docs/agent-protocol.md`; the full wire types are
//! `padan_protocol::agent::v1`).
//!
//! Only the "Baca KTP-el" page opens it, so offices without a reader never
//! see anything of the agent elsewhere. A [`Connection`] reports what
//! happens through one callback ([`Event`]): opened, each agent message,
//! closed (and whether it had ever opened: a connection that never opens
//! means no agent listens, or the browser blocked it). Dropping the
//! connection detaches the callback and closes the socket.
//!
//! To keep the wasm small, agent messages are read into one flat
//! [`Incoming`] (just the fields the page uses; codes and states as their
//! wire strings, so a code added by a newer agent still shows) and the
//! `READ_RESULT`'s `result` is kept as raw JSON: the backend gets it
//! exactly as the agent sent it, never re-encoded.

use std::cell::Cell;
use std::rc::Rc;

use padan_protocol::agent::v1::{MAX_API_LEVEL, MIN_API_LEVEL};
use serde::Deserialize;
use serde_json::value::RawValue;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

/// Where the agent listens unless the backend's ticket says otherwise.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:47443/";

/// One agent message, flattened: `kind` is its `type`; the other fields
/// are set for the kinds that carry them.
#[derive(Debug, Deserialize)]
pub struct Incoming {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<u32>,
    /// `ERROR`: the stable error code.
    pub code: Option<String>,
    /// `CARD` (`INSERTED`, `RECOGNISED`, `REMOVED`) and `READER` events.
    pub event: Option<String>,
    /// `INFO`.
    pub status: Option<Status>,
    /// `SAM`: the SAM's state (`PERSONALISED`, `ACTIVATED`, …); `BAD_STATE`: the agent's.
    pub state: Option<String>,
    /// `SAM`.
    pub present: Option<bool>,
    /// `SAM`: activated and within validity.
    pub valid: Option<bool>,
    /// `PROGRESS`.
    pub percent: Option<u8>,
    /// `READ_RESULT`, untouched.
    pub result: Option<Box<RawValue>>,
}

/// `INFO.status`.
#[derive(Debug, Deserialize)]
pub struct Status {
    /// `PCSC_SERVICE_DOWN`, `NO_READER`, `NO_SAM`, `WAITING_FOR_CARD`, `CARD_PRESENT`, `READING`.
    pub state: String,
    pub card_present: bool,
}

/// What the connection reports.
#[derive(Debug)]
pub enum Event {
    Opened,
    Message(Incoming),
    /// The socket closed; `opened` is false when it never opened.
    Closed {
        opened: bool,
    },
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// `HELLO` with the backend's ticket and the API levels this SPA speaks.
pub fn hello(id: u32, ticket: &str) -> String {
    format!(
        r#"{{"type":"HELLO","id":{id},"ticket":{},"min_api_level":{MIN_API_LEVEL},"max_api_level":{MAX_API_LEVEL}}}"#,
        json_string(ticket)
    )
}

/// `GET_INFO`.
pub fn get_info(id: u32) -> String {
    format!(r#"{{"type":"GET_INFO","id":{id}}}"#)
}

/// `READ_CARD` of the printed data and the photo.
pub fn read_card(id: u32, nonce: &str) -> String {
    format!(r#"{{"type":"READ_CARD","id":{id},"nonce":{},"fields":["BIODATA","PHOTO"]}}"#, json_string(nonce))
}

type Handlers = (Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(JsValue)>);

/// One WebSocket to the agent.
pub struct Connection {
    ws: WebSocket,
    handlers: Option<Handlers>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("ready_state", &self.ws.ready_state()).finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens `url`; `None` when the browser refuses the URL outright.
    pub fn open(url: &str, on_event: impl Fn(Event) + 'static) -> Option<Connection> {
        let ws = WebSocket::new(url).ok()?;
        let on_event = Rc::new(on_event);
        let opened = Rc::new(Cell::new(false));

        let (cb, flag) = (on_event.clone(), opened.clone());
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            flag.set(true);
            cb(Event::Opened);
        });
        let cb = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            // Text frames only; one this SPA cannot read is ignored.
            if let Some(text) = ev.data().as_string() {
                if let Ok(message) = serde_json::from_str::<Incoming>(&text) {
                    cb(Event::Message(message));
                }
            }
        });
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| on_event(Event::Closed { opened: opened.get() }));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Some(Connection { ws, handlers: Some((on_open, on_message, on_close)) })
    }

    /// Sends one message (see [`hello`], [`get_info`], [`read_card`]);
    /// false when the socket is not open.
    pub fn send(&self, message: &str) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_str(message).is_ok()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        // Closing an already closed socket is a no-op.
        let _ = self.ws.close();
        // The connection may be dropped from inside one of its own
        // handlers: free them only after the current event is done.
        if let Some(handlers) = self.handlers.take() {
            wasm_bindgen_futures::spawn_local(async move { drop(handlers) });
        }
    }
}

/// Whether Chrome's Local Network Access permission for this page is
/// denied (the browser then blocks the page from reaching 127.0.0.1).
/// Browsers without the permission answer false.
pub async fn local_network_denied() -> bool {
    let Some(permissions) = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"permissions".into()).ok())
        .filter(|p| !p.is_undefined())
    else {
        return false;
    };
    let Ok(query) = js_sys::Reflect::get(&permissions, &"query".into()).and_then(|q| q.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    // Chrome 141 named it `local-network-access`; later versions split it
    // into `loopback-network` and `local-network`.
    for name in ["loopback-network", "local-network-access", "local-network"] {
        let descriptor = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&descriptor, &"name".into(), &name.into());
        let Ok(promise) = query.call1(&permissions, &descriptor) else { continue };
        let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else { continue };
        // An unknown permission name rejects the promise.
        if let Ok(status) = wasm_bindgen_futures::JsFuture::from(promise).await {
            let state = js_sys::Reflect::get(&status, &"state".into()).ok().and_then(|s| s.as_string());
            if state.as_deref() == Some("denied") {
                return true;
            }
        }
    }
    false
}
