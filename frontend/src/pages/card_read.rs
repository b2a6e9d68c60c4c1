//! `/ktp-el` ("Baca KTP-el"): read a KTP-el through the local reader-agent,
//! have the backend prove the read genuine and match it with Dukcapil.
//!
//! The page (only this page talks to the agent) fetches a ticket from the
//! backend, connects to the agent (`agent_url` of the ticket, else
//! `ws://127.0.0.1:47443/`), greets it with `HELLO` and shows its state in
//! `#card-agent-state[data-state]`: `connecting`, `not_running`, `blocked`
//! (Chrome's Local Network Access), `disconnected`, `outdated`, `busy`,
//! `unavailable`, `pcsc_down`, `no_reader`, `no_sam`, `sam_not_activated`,
//! `sam_expired`, `sam_deactivated`, `sam_locked`, `sam_error`,
//! `waiting_for_card`, `card_present`, `reading`, `verifying`, `done`.
//! "Baca KTP-el" (`#card-read`) takes a nonce from the backend (signed for
//! the agent and audited with the purpose before it is returned), sends
//! `READ_CARD`, follows its `PROGRESS` and forwards the `READ_RESULT` to
//! `POST /api/v1/card/verify` with the purpose (`#card-purpose`).
//!
//! The answer (`#card-result[data-genuine]`) follows the portal's
//! display-only rules: watermark (`#card-watermark`), no selection, copy or
//! print, cleared after `display_seconds` without activity, on "Tutup" and
//! when the officer leaves. A card that is not genuine shows
//! `#card-result[data-genuine=false]`; every other failure
//! `#card-error[data-code]` (agent codes as sent, e.g. `CARD_REMOVED`;
//! backend codes in snake case) with `#card-retry`.

use std::time::Duration;

use leptos::prelude::*;
use leptos::reactive::computed::ScopedFuture;
use padan_protocol::v1::{CardVerifyResponse, CardView, ErrorCode, Mechanism, Purpose, VerifyElementsResponse};

use crate::agent::{self, Connection, Event, Incoming};
use crate::api::{self, ApiFailure};
use crate::components::error_banner::ErrorBanner;
use crate::components::fields::PurposeField;
use crate::components::mechanism::MechanismPage;
use crate::components::result_table::VerifyResultView;
use crate::dom::focus;
use crate::i18n::{self, Text, tr, use_i18n};
use crate::pages::lookup::WatermarkOverlay;

const HELLO_ID: u32 = 1;
const INFO_ID: u32 = 2;
/// Ticket refusals answered by fetching a new ticket before giving up.
const TICKET_RETRIES: u8 = 2;

#[component]
pub fn CardRead() -> impl IntoView {
    view! {
        <MechanismPage
            title_id="card-title"
            title=i18n::CARD_TITLE
            lead=i18n::CARD_LEAD
            mechanism=Mechanism::VerifyElements
            error_id="card-mechanisms-error"
            form=|_| view! { <CardReader /> }.into_any()
        />
    }
}

/// How far the connection to the agent got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Connecting,
    /// The socket never opened: no agent listens (or it refused the origin).
    NotRunning,
    /// Never opened, and the browser's Local Network Access is denied.
    Blocked,
    /// Was open, then closed.
    Lost,
    Outdated,
    Busy,
    /// The backend gave no ticket, or the agent refused it for good.
    Unavailable,
    Ready,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Idle,
    Reading(u8),
    Verifying,
}

#[derive(Debug, Clone)]
enum Failure {
    /// An agent `ERROR` code (`CARD_REMOVED`, …), as sent.
    Agent(String),
    /// `BAD_STATE` for this page's read.
    BadState,
    Api(ApiFailure),
}

impl Failure {
    /// Whether it says the card itself is not to be trusted.
    fn not_genuine(&self) -> Option<(Text, Text)> {
        let code = match self {
            Failure::Agent(code) => code.as_str(),
            Failure::Api(f) => match f.code() {
                Some(ErrorCode::CardNotGenuine) => "CARD_NOT_GENUINE",
                Some(ErrorCode::CardDataTampered) => "DATA_TAMPERED",
                _ => return None,
            },
            Failure::BadState => return None,
        };
        match code {
            "CARD_NOT_GENUINE" => Some((i18n::CARD_NOT_GENUINE, i18n::CARD_NOT_GENUINE_HINT)),
            "DATA_TAMPERED" => Some((i18n::CARD_TAMPERED, i18n::CARD_TAMPERED_HINT)),
            _ => None,
        }
    }

    /// The stable code for `data-code`: the agent's as sent, the backend's in snake case.
    fn code(&self) -> Option<String> {
        match self {
            Failure::Agent(code) => Some(code.clone()),
            Failure::BadState => Some("BAD_STATE".into()),
            Failure::Api(f) => {
                f.code().and_then(|c| serde_json::to_value(c).ok()).and_then(|v| v.as_str().map(str::to_owned))
            }
        }
    }
}

/// The officer-facing text of an agent error code (`docs/agent-protocol.md`).
fn agent_error_text(code: &str) -> Text {
    match code {
        "PCSC_SERVICE_DOWN" => i18n::CARD_PCSC_DOWN,
        "NO_READER" => i18n::CARD_NO_READER,
        "NO_CARD" => i18n::CARD_NO_CARD,
        "NO_SAM" => i18n::CARD_NO_SAM,
        "SAM_AUTH_FAILED" => i18n::CARD_SAM_ERROR,
        "SAM_NOT_ACTIVATED" => i18n::CARD_SAM_NOT_ACTIVATED,
        "SAM_EXPIRED" => i18n::CARD_SAM_EXPIRED,
        "SAM_DEACTIVATED" => i18n::CARD_SAM_DEACTIVATED,
        "SAM_LOCKED" => i18n::CARD_SAM_LOCKED,
        "CARD_REMOVED" => i18n::CARD_REMOVED,
        "CARD_UNSUPPORTED" => i18n::CARD_UNSUPPORTED,
        "CARD_NOT_GENUINE" => i18n::CARD_NOT_GENUINE,
        "DATA_TAMPERED" => i18n::CARD_TAMPERED,
        "CARD_ERROR" => i18n::CARD_ERROR,
        "TICKET_INVALID" | "TICKET_EXPIRED" | "TICKET_REPLAYED" => i18n::CARD_TICKET_REFUSED,
        "NONCE_INVALID" | "NONCE_EXPIRED" | "NONCE_REPLAYED" => i18n::CARD_NONCE_REFUSED,
        "FIELDS_NOT_GRANTED" => i18n::CARD_FIELDS_NOT_GRANTED,
        "BUSY" => i18n::CARD_BUSY,
        "UNSUPPORTED_API_LEVEL" => i18n::CARD_OUTDATED,
        // MALFORMED_MESSAGE, MESSAGE_TOO_LARGE, HELLO_REQUIRED, INTERNAL and codes of newer agents.
        _ => i18n::CARD_INTERNAL,
    }
}

/// What the agent said about the SAM: present, valid, state.
type Sam = (bool, bool, String);

/// Everything the page knows, as signals (all `Copy`).
#[derive(Clone, Copy)]
struct Ctx {
    link: RwSignal<Link>,
    /// `INFO.status.state`.
    agent: RwSignal<Option<String>>,
    card_present: RwSignal<bool>,
    sam: RwSignal<Option<Sam>>,
    flow: RwSignal<Flow>,
    failure: RwSignal<Option<Failure>>,
    result: RwSignal<Option<CardVerifyResponse>>,
    cleared: RwSignal<bool>,
    purpose: RwSignal<String>,
    submitted: RwSignal<bool>,
    /// The read in flight: its id, nonce and purpose.
    read: StoredValue<Option<(u32, String, Purpose)>>,
    next_id: StoredValue<u32>,
    ticket_retries: StoredValue<u8>,
    conn: StoredValue<Option<Connection>, LocalStorage>,
    owner: StoredValue<Owner>,
}

impl Ctx {
    /// The page is gone: late answers are dropped.
    fn gone(self) -> bool {
        self.flow.is_disposed()
    }

    /// Runs `fut` under the page's owner, so its backend calls are aborted when the officer leaves.
    fn spawn(self, fut: impl Future<Output = ()> + 'static) {
        if let Some(owner) = self.owner.try_get_value() {
            leptos::task::spawn_local(owner.with(|| ScopedFuture::new_untracked(fut)));
        }
    }

    fn send(self, message: &str) -> bool {
        self.conn.with_value(|c| c.as_ref().is_some_and(|c| c.send(message)))
    }

    fn is_current(self, id: u32) -> bool {
        self.read.with_value(|r| r.as_ref().is_some_and(|(rid, _, _)| *rid == id))
    }

    fn end_read(self, failure: Option<Failure>) {
        self.read.set_value(None);
        self.flow.set(Flow::Idle);
        self.failure.set(failure);
    }

    /// The state shown in `#card-agent-state`.
    fn state(self) -> (&'static str, Text) {
        match self.link.get() {
            Link::Connecting => ("connecting", i18n::CARD_CONNECTING),
            Link::NotRunning => ("not_running", i18n::CARD_NOT_RUNNING),
            Link::Blocked => ("blocked", i18n::CARD_BLOCKED),
            Link::Lost => ("disconnected", i18n::CARD_LOST),
            Link::Outdated => ("outdated", i18n::CARD_OUTDATED),
            Link::Busy => ("busy", i18n::CARD_BUSY),
            Link::Unavailable => ("unavailable", i18n::CARD_UNAVAILABLE),
            Link::Ready => match (self.flow.get(), self.agent.get().as_deref()) {
                (Flow::Reading(_), _) => ("reading", i18n::CARD_READING_STATE),
                (Flow::Verifying, _) => ("verifying", i18n::CARD_VERIFYING),
                (_, None) => ("connecting", i18n::CARD_CONNECTING),
                (_, Some("PCSC_SERVICE_DOWN")) => ("pcsc_down", i18n::CARD_PCSC_DOWN),
                (_, Some("NO_READER")) => ("no_reader", i18n::CARD_NO_READER),
                (_, Some("NO_SAM")) => ("no_sam", i18n::CARD_NO_SAM),
                _ => match self.sam.get() {
                    Some((false, _, _)) => ("no_sam", i18n::CARD_NO_SAM),
                    Some((true, false, state)) => match state.as_str() {
                        "PERSONALISED" => ("sam_not_activated", i18n::CARD_SAM_NOT_ACTIVATED),
                        "ACTIVATED" => ("sam_expired", i18n::CARD_SAM_EXPIRED),
                        "DEACTIVATED" => ("sam_deactivated", i18n::CARD_SAM_DEACTIVATED),
                        "LOCKED" => ("sam_locked", i18n::CARD_SAM_LOCKED),
                        _ => ("sam_error", i18n::CARD_SAM_ERROR),
                    },
                    _ if !self.card_present.get() => ("waiting_for_card", i18n::CARD_WAITING),
                    _ if self.result.with(Option::is_some) => ("done", i18n::CARD_DONE),
                    _ => ("card_present", i18n::CARD_PRESENT),
                },
            },
        }
    }
}

/// Fetches a ticket and (re)connects to the agent.
fn connect(ctx: Ctx) {
    ctx.conn.set_value(None);
    ctx.link.set(Link::Connecting);
    ctx.agent.set(None);
    ctx.sam.set(None);
    ctx.end_read(None);
    ctx.spawn(async move {
        let ticket = api::card_ticket().await;
        if ctx.gone() {
            return;
        }
        let ticket = match ticket {
            Ok(t) => t,
            Err(failure) => {
                ctx.link.set(Link::Unavailable);
                if !failure.is_unauthenticated() {
                    ctx.failure.set(Some(Failure::Api(failure)));
                }
                return;
            }
        };
        let url = ticket.agent_url.unwrap_or_else(|| agent::DEFAULT_URL.to_owned());
        let hello = agent::hello(HELLO_ID, &ticket.ticket);
        let conn = Connection::open(&url, move |event| on_event(ctx, event, &hello));
        if conn.is_none() {
            ctx.link.set(Link::NotRunning);
        }
        ctx.conn.set_value(conn);
    });
}

fn on_event(ctx: Ctx, event: Event, hello: &str) {
    if ctx.gone() {
        return;
    }
    match event {
        Event::Opened => {
            ctx.send(hello);
        }
        Event::Closed { opened } => {
            ctx.conn.set_value(None);
            if matches!(ctx.link.get_untracked(), Link::Busy | Link::Outdated | Link::Unavailable) {
                return;
            }
            ctx.agent.set(None);
            ctx.end_read(None);
            if opened {
                ctx.link.set(Link::Lost);
            } else {
                ctx.link.set(Link::NotRunning);
                ctx.spawn(async move {
                    if agent::local_network_denied().await
                        && !ctx.gone()
                        && ctx.link.get_untracked() == Link::NotRunning
                    {
                        ctx.link.set(Link::Blocked);
                    }
                });
            }
        }
        Event::Message(message) => on_message(ctx, message),
    }
}

fn on_message(ctx: Ctx, message: Incoming) {
    let Incoming { kind, id, code, event, status, state, present, valid, percent, result } = message;
    let current = id.is_some_and(|id| ctx.is_current(id));
    match kind.as_str() {
        "WELCOME" => {
            ctx.ticket_retries.set_value(0);
            ctx.link.set(Link::Ready);
            ctx.send(&agent::get_info(INFO_ID));
        }
        "INFO" => {
            if let Some(status) = status {
                ctx.agent.set(Some(status.state));
                ctx.card_present.set(status.card_present);
            }
        }
        "READER" => {
            ctx.send(&agent::get_info(INFO_ID));
        }
        "SAM" => {
            ctx.sam.set(Some((present.unwrap_or(false), valid.unwrap_or(false), state.unwrap_or_default())));
            ctx.send(&agent::get_info(INFO_ID));
        }
        "CARD" => ctx.card_present.set(event.as_deref() != Some("REMOVED")),
        "PROGRESS" if current => ctx.flow.set(Flow::Reading(percent.unwrap_or(0))),
        "READ_RESULT" if current => {
            let (Some((_, nonce, purpose)), Some(result)) = (ctx.read.with_value(Clone::clone), result) else {
                return;
            };
            ctx.flow.set(Flow::Verifying);
            ctx.spawn(async move {
                let answer = api::card_verify(&nonce, purpose, &result).await;
                if ctx.gone() {
                    return;
                }
                match answer {
                    Ok(response) => {
                        ctx.end_read(None);
                        ctx.result.set(Some(response));
                    }
                    Err(failure) => ctx.end_read((!failure.is_unauthenticated()).then_some(Failure::Api(failure))),
                }
            });
        }
        "CANCELLED" if current => ctx.end_read(None),
        "BAD_STATE" if current => ctx.end_read(Some(Failure::BadState)),
        "ERROR" if current => {
            let code = code.unwrap_or_default();
            if matches!(code.as_str(), "CARD_REMOVED" | "NO_CARD") {
                // Whatever the events said, the card is not there now.
                ctx.card_present.set(false);
            }
            ctx.end_read(Some(Failure::Agent(code)));
        }
        // Refusals of the connection itself (no id, or HELLO's).
        "ERROR" if id.is_none_or(|id| id == HELLO_ID) => match code.as_deref().unwrap_or_default() {
            "TICKET_INVALID" | "TICKET_EXPIRED" | "TICKET_REPLAYED"
                if ctx.ticket_retries.get_value() < TICKET_RETRIES =>
            {
                ctx.ticket_retries.update_value(|n| *n += 1);
                connect(ctx);
            }
            "BUSY" => ctx.link.set(Link::Busy),
            "UNSUPPORTED_API_LEVEL" => ctx.link.set(Link::Outdated),
            _ => {
                ctx.link.set(Link::Unavailable);
                ctx.failure.set(Some(Failure::Agent(code.unwrap_or_default())));
            }
        },
        _ => {}
    }
}

/// Takes a nonce and starts a read of the card in the reader.
fn start_read(ctx: Ctx) {
    ctx.submitted.set(true);
    let Some(purpose) = Purpose::parse(&ctx.purpose.get_untracked()) else {
        focus("card-purpose");
        return;
    };
    if ctx.flow.get_untracked() != Flow::Idle {
        return;
    }
    let id = ctx.next_id.get_value();
    ctx.next_id.set_value(id + 1);
    ctx.failure.set(None);
    ctx.result.set(None);
    ctx.cleared.set(false);
    ctx.read.set_value(Some((id, String::new(), purpose)));
    ctx.flow.set(Flow::Reading(0));
    ctx.spawn(async move {
        let nonce = api::card_nonce(purpose).await;
        if ctx.gone() || !ctx.is_current(id) {
            return;
        }
        match nonce {
            Ok(n) => {
                ctx.read.set_value(Some((id, n.nonce.clone(), purpose)));
                if !ctx.send(&agent::read_card(id, &n.nonce)) {
                    ctx.end_read(None);
                    ctx.link.set(Link::Lost);
                }
            }
            Err(failure) => ctx.end_read((!failure.is_unauthenticated()).then_some(Failure::Api(failure))),
        }
    });
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
fn CardReader() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = Ctx {
        link: RwSignal::new(Link::Connecting),
        agent: RwSignal::new(None),
        card_present: RwSignal::new(false),
        sam: RwSignal::new(None),
        flow: RwSignal::new(Flow::Idle),
        failure: RwSignal::new(None),
        result: RwSignal::new(None),
        cleared: RwSignal::new(false),
        purpose: RwSignal::new(String::new()),
        submitted: RwSignal::new(false),
        read: StoredValue::new(None),
        next_id: StoredValue::new(10),
        ticket_retries: StoredValue::new(0),
        conn: StoredValue::new_local(None),
        owner: StoredValue::new(Owner::current().unwrap_or_default()),
    };
    connect(ctx);

    // Idle clear, as on the portal: any keyboard or mouse activity restarts the clock.
    let last_activity = StoredValue::new(now_ms());
    let listeners: Vec<_> = ["keydown", "mousedown", "mousemove", "wheel", "touchstart", "scroll"]
        .into_iter()
        .map(|name| window_event_listener_untyped(name, move |_| last_activity.set_value(now_ms())))
        .collect();
    let interval = set_interval_with_handle(
        move || {
            let limit = ctx.result.with_untracked(|r| r.as_ref().map(|r| f64::from(r.display_seconds.max(1)) * 1000.0));
            if limit.is_some_and(|limit| now_ms() - last_activity.get_value() >= limit) {
                ctx.result.set(None);
                ctx.cleared.set(true);
            }
        },
        Duration::from_millis(500),
    )
    .ok();
    let teardown = send_wrapper::SendWrapper::new((listeners, interval));
    on_cleanup(move || {
        let (listeners, interval) = teardown.take();
        listeners.into_iter().for_each(|l| l.remove());
        if let Some(i) = interval {
            i.clear();
        }
        // Closes the socket: the agent is free for the next page or tab.
        ctx.conn.try_update_value(|c| *c = None);
    });
    Effect::new(move |_| {
        if ctx.result.with(Option::is_some) {
            last_activity.set_value(now_ms());
            focus("card-result");
        } else if let Some(not_genuine) = ctx.failure.with(|f| f.as_ref().map(|f| f.not_genuine().is_some())) {
            focus(if not_genuine { "card-result" } else { "card-error" });
        }
    });

    let state = Memo::new(move |_| ctx.state());
    let can_read = move || matches!(state.get().0, "card_present" | "done");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if can_read() {
            start_read(ctx);
        }
    };

    view! {
        <AgentStatePanel ctx=ctx state=state />
        <form class="form" autocomplete="off" novalidate on:submit=on_submit>
            <PurposeField id="card-purpose" value=ctx.purpose submitted=ctx.submitted />
            <div class="actions">
                <button id="card-read" type="submit" class="button button--primary" disabled=move || !can_read()>
                    {move || if ctx.flow.get() == Flow::Idle { i18n.t(i18n::CARD_READ) } else { i18n.t(i18n::CARD_READING) }}
                </button>
            </div>
        </form>
        <Show when=move || ctx.cleared.get()>
            <div id="card-cleared" class="alert alert--info" role="status">
                <p class="alert__title">{tr(i18n::DATA_CLEARED)}</p>
            </div>
        </Show>
        {move || ctx.failure.get().map(|failure| view! { <FailurePanel ctx=ctx failure=failure /> })}
        {move || {
            ctx.result
                .get()
                .map(|response| {
                    view! {
                        <CardResult
                            response=response
                            on_close=move || {
                                ctx.result.set(None);
                                focus("card-read");
                            }
                        />
                    }
                })
        }}
    }
}

#[component]
fn AgentStatePanel(ctx: Ctx, state: Memo<(&'static str, Text)>) -> impl IntoView {
    let i18n = use_i18n();
    let code = move || state.get().0;
    let problem = move || {
        !matches!(code(), "connecting" | "waiting_for_card" | "card_present" | "reading" | "verifying" | "done")
    };
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    view! {
        <div
            id="card-agent-state"
            class="alert card-state"
            class:alert--warning=problem
            class:alert--info=move || !problem()
            data-state=code
            role="status"
            aria-live="polite"
        >
            <p class="alert__title">{move || i18n.t(state.get().1)}</p>
            {move || match ctx.flow.get() {
                Flow::Reading(percent) => {
                    Some(view! { <progress id="card-progress" class="card-progress" max="100" value=percent></progress> })
                }
                _ => None,
            }}
            {move || match code() {
                "not_running" | "outdated" => {
                    Some(
                        view! {
                            <div id="card-install" class="card-help">
                                <p>{tr(i18n::CARD_NOT_RUNNING_HINT)}</p>
                                <ul>
                                    <li>{tr(i18n::CARD_INSTALL_LINUX)}</li>
                                    <li>{tr(i18n::CARD_INSTALL_WINDOWS)}</li>
                                    <li>{tr(i18n::CARD_INSTALL_ORIGIN)} " " <code>{origin.clone()}</code></li>
                                    <li>{tr(i18n::CARD_INSTALL_DOCS)}</li>
                                </ul>
                            </div>
                        }
                            .into_any(),
                    )
                }
                "blocked" => Some(view! { <p id="card-blocked-help" class="alert__hint">{tr(i18n::CARD_BLOCKED_HINT)}</p> }.into_any()),
                _ => None,
            }}
            <Show when=move || {
                matches!(
                    ctx.link.get(),
                    Link::NotRunning | Link::Blocked | Link::Lost | Link::Outdated | Link::Busy | Link::Unavailable
                )
            }>
                <div class="actions">
                    <button
                        id="card-connect"
                        type="button"
                        class="button button--secondary"
                        on:click=move |_| {
                            ctx.failure.set(None);
                            ctx.ticket_retries.set_value(0);
                            connect(ctx);
                        }
                    >
                        {tr(i18n::CARD_RECONNECT)}
                    </button>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn FailurePanel(ctx: Ctx, failure: Failure) -> impl IntoView {
    let code = failure.code();
    let retry = move || {
        view! {
            <div class="actions">
                <button
                    id="card-retry"
                    type="button"
                    class="button button--secondary"
                    on:click=move |_| {
                        ctx.failure.set(None);
                        if matches!(ctx.state().0, "card_present" | "done") {
                            start_read(ctx);
                        }
                    }
                >
                    {tr(i18n::CARD_RETRY)}
                </button>
            </div>
        }
    };
    if let Some((title, hint)) = failure.not_genuine() {
        let request_id = failure_request_id(&failure);
        return view! {
            <section id="card-result" class="result" data-genuine="false" tabindex="-1">
                <div id="card-error" class="status-banner status-banner--critical" role="alert" data-code=code>
                    <p class="status-banner__title">
                        <strong>{tr(title)}</strong>
                    </p>
                    <p class="status-banner__hint">{tr(hint)}</p>
                </div>
                {request_id.map(|id| view! { <crate::components::error_banner::RequestId id=id /> })}
                {retry()}
            </section>
        }
        .into_any();
    }
    match failure {
        Failure::Api(failure) => view! {
            <ErrorBanner id="card-error" failure=failure />
            {retry()}
        }
        .into_any(),
        Failure::Agent(agent_code) => view! {
            <div id="card-error" class="alert alert--error" role="alert" data-code=code>
                <p class="alert__title">{tr(agent_error_text(&agent_code))}</p>
                {retry()}
            </div>
        }
        .into_any(),
        Failure::BadState => view! {
            <div id="card-error" class="alert alert--error" role="alert" data-code=code>
                <p class="alert__title">{tr(i18n::CARD_BAD_STATE)}</p>
                {retry()}
            </div>
        }
        .into_any(),
    }
}

fn failure_request_id(failure: &Failure) -> Option<String> {
    match failure {
        Failure::Api(f) => f.request_id().map(str::to_owned),
        _ => None,
    }
}

const fn label(id: &'static str, en: &'static str) -> Text {
    Text { id, en }
}

/// The card's printed fields, in the order of the card.
fn card_rows(card: CardView) -> [(Text, String); 17] {
    let CardView {
        nik,
        nama,
        tempat_lahir,
        tanggal_lahir,
        jenis_kelamin,
        golongan_darah,
        alamat,
        rt,
        rw,
        kel_desa,
        kecamatan,
        kabupaten,
        provinsi,
        agama,
        status_perkawinan,
        pekerjaan,
        kewarganegaraan,
        berlaku_hingga,
        tanggal_terbit,
        tempat_terbit,
        ..
    } = card;
    [
        (label("NIK", "NIK"), nik),
        (label("Nama", "Name"), nama),
        (label("Tempat/Tgl lahir", "Place/date of birth"), format!("{tempat_lahir}, {tanggal_lahir}")),
        (label("Jenis kelamin", "Sex"), jenis_kelamin),
        (label("Gol. darah", "Blood type"), golongan_darah),
        (label("Alamat", "Address"), alamat),
        (label("RT/RW", "RT/RW"), format!("{rt}/{rw}")),
        (label("Kel/Desa", "Village"), kel_desa),
        (label("Kecamatan", "District"), kecamatan),
        (label("Kabupaten/Kota", "Regency/City"), kabupaten),
        (label("Provinsi", "Province"), provinsi),
        (label("Agama", "Religion"), agama),
        (label("Status perkawinan", "Marital status"), status_perkawinan),
        (label("Pekerjaan", "Occupation"), pekerjaan),
        (label("Kewarganegaraan", "Citizenship"), kewarganegaraan),
        (label("Berlaku hingga", "Valid until"), berlaku_hingga),
        (label("Diterbitkan", "Issued"), format!("{tempat_terbit}, {tanggal_terbit}")),
    ]
}

/// A proven read: the chip's data and Dukcapil's verdicts, display only, watermarked.
#[component]
fn CardResult(response: CardVerifyResponse, on_close: impl Fn() + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let CardVerifyResponse {
        request_id,
        genuine,
        mut card,
        outcome,
        threshold,
        not_granted,
        reader_serial,
        sam_serial,
        watermark,
        display_seconds,
    } = response;
    let photo = card.photo_jpeg_base64.take();
    let verdicts = VerifyElementsResponse { request_id: request_id.clone(), outcome, threshold, not_granted };
    let (banner, text) = if genuine {
        ("status-banner status-banner--ok", i18n::CARD_GENUINE)
    } else {
        ("status-banner status-banner--critical", i18n::CARD_NOT_GENUINE)
    };
    view! {
        <section
            id="card-result"
            class="result display-only"
            tabindex="-1"
            aria-labelledby="card-result-title"
            data-genuine=genuine.to_string()
            data-request-id=request_id
            on:contextmenu=|ev| ev.prevent_default()
            on:dragstart=|ev| ev.prevent_default()
            on:copy=|ev| ev.prevent_default()
            on:cut=|ev| ev.prevent_default()
        >
            <WatermarkOverlay id="card-watermark".to_owned() watermark=watermark />
            <h2 id="card-result-title">{tr(i18n::CARD_RESULT_TITLE)}</h2>
            <div id="card-genuine" class=banner role="status">
                <p class="status-banner__title">
                    <strong>{tr(text)}</strong>
                </p>
            </div>
            <h3>{tr(i18n::CARD_DATA_TITLE)}</h3>
            <div class="lookup">
                {photo
                    .map(|photo| {
                        view! {
                            <img
                                id="card-photo"
                                class="lookup__photo"
                                src=format!("data:image/jpeg;base64,{photo}")
                                alt=move || i18n.t(i18n::CARD_PHOTO_ALT)
                                draggable="false"
                            />
                        }
                    })}
                <dl id="card-data" class="lookup__data">
                    {card_rows(card)
                        .into_iter()
                        .map(|(label, value)| {
                            view! {
                                <div class="lookup__row">
                                    <dt>{tr(label)}</dt>
                                    <dd>{value}</dd>
                                </div>
                            }
                        })
                        .collect_view()}
                </dl>
            </div>
            <h3>{tr(i18n::CARD_DUKCAPIL_TITLE)}</h3>
            <VerifyResultView response=verdicts />
            <p class="muted">{tr(i18n::CARD_READER_LINE)} " " {reader_serial} " · SAM " {sam_serial}</p>
            <p class="muted display-note">
                {move || format!("{} {display_seconds} {}", i18n.t(i18n::DISPLAY_NOTE), i18n.t(i18n::SECONDS))}
            </p>
        </section>
        <div class="actions">
            <button id="card-close" type="button" class="button button--secondary" on:click=move |_| on_close()>
                {tr(i18n::CLOSE)}
            </button>
        </div>
    }
}
