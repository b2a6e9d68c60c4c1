//! The WebSocket surface on loopback. Everything here assumes the client is
//! hostile until proven otherwise (ARCHITECTURE invariant 4):
//!
//! 1. bound to 127.0.0.1 and ::1 only;
//! 2. handshake refused (403) unless `Host` is a loopback name with our port
//!    (DNS rebinding) and `Origin` is exactly one of the configured origins;
//! 3. one client at a time: a second one gets `BUSY` and is closed;
//! 4. the first message must be `HELLO` with a valid backend ticket, within
//!    [`HELLO_TIMEOUT`];
//! 5. client messages are capped at [`MAX_CLIENT_MESSAGE_BYTES`];
//! 6. only high-level verbs: there is no raw-APDU message;
//! 7. each `READ_CARD` needs a fresh backend-signed nonce for this session's
//!    officer and origin, and returns only fields the ticket and the nonce
//!    grant (never fingerprint minutiae).
//!
//! Logs carry event names and codes only, never card data.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use padan_protocol::agent::v1::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::apdu;
use crate::clock::Clock;
use crate::config::Config;
use crate::devices::{DeviceEvent, Devices};
use crate::profile::{self, ReadRequest};
use crate::ticket::{TicketVerifier, fields_granted};

/// Time allowed for the HTTP upgrade.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed between the upgrade and `HELLO` (slow clients are dropped).
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared state of a running agent.
pub struct Agent {
    config: Config,
    port: u16,
    devices: Arc<dyn Devices>,
    clock: Arc<dyn Clock>,
    tickets: TicketVerifier,
    busy: AtomicBool,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent").field("port", &self.port).finish_non_exhaustive()
    }
}

pub fn agent_info() -> AgentInfo {
    AgentInfo {
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
        protocol_version: PROTOCOL_VERSION.to_string(),
        min_api_level: MIN_API_LEVEL,
        max_api_level: MAX_API_LEVEL,
        profile: profile::PROFILE_NAME.to_string(),
        platform: std::env::consts::OS.to_string(),
    }
}

/// A bound, running agent.
#[derive(Debug)]
pub struct RunningAgent {
    pub port: u16,
    pub agent: Arc<Agent>,
}

/// Binds loopback (IPv4 and, when available, IPv6) and serves until the runtime stops.
pub async fn start(config: Config, devices: Arc<dyn Devices>, clock: Arc<dyn Clock>) -> std::io::Result<RunningAgent> {
    let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.listen_port))).await?;
    let port = v4.local_addr()?.port();
    let mut listeners = vec![v4];
    match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
        Ok(v6) => listeners.push(v6),
        Err(e) => tracing::warn!(error = %e, "IPv6 loopback unavailable; serving 127.0.0.1 only"),
    }
    let tickets = TicketVerifier::new(config.ticket_key, config.office.clone());
    let agent = Arc::new(Agent { config, port, devices, clock, tickets, busy: AtomicBool::new(false) });
    for l in listeners {
        let agent = agent.clone();
        tokio::spawn(async move {
            loop {
                match l.accept().await {
                    Ok((stream, _)) => {
                        let agent = agent.clone();
                        tokio::spawn(async move { agent.connection(stream).await });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }
    tracing::info!(port, "agent listening on loopback");
    Ok(RunningAgent { port, agent })
}

fn forbidden(why: &str) -> ErrorResponse {
    let mut r = ErrorResponse::new(Some(format!("forbidden: {why}")));
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

/// Frees the single client slot when a session ends.
struct BusyGuard<'a>(&'a AtomicBool);
impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

enum Outgoing {
    Msg(AgentMessage),
    ReadDone,
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn send(ws: &mut Ws, msg: &AgentMessage) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => ws.send(Message::text(text)).await.is_ok(),
        Err(_) => false,
    }
}

async fn refuse(ws: &mut Ws, id: Option<u32>, code: AgentErrorCode, message: &str) {
    tracing::info!(?code, "refusing client");
    let _ = send(ws, &AgentMessage::Error { id, code, message: message.into() }).await;
    let _ = ws.close(Some(CloseFrame { code: CloseCode::Policy, reason: "refused".into() })).await;
}

impl Agent {
    fn host_allowed(&self, host: &str) -> bool {
        let p = self.port;
        [format!("127.0.0.1:{p}"), format!("[::1]:{p}"), format!("localhost:{p}")]
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
    }

    fn state(&self, reading: bool) -> AgentStatus {
        let snap = self.devices.snapshot();
        let state = if !snap.service_up {
            AgentState::PcscServiceDown
        } else if !snap.has_role(ReaderRole::Card) {
            AgentState::NoReader
        } else if !snap.has_role(ReaderRole::Sam) || !snap.sam_present {
            AgentState::NoSam
        } else if reading {
            AgentState::Reading
        } else if snap.card_present {
            AgentState::CardPresent
        } else {
            AgentState::WaitingForCard
        };
        AgentStatus { state, readers: snap.readers, card_present: snap.card_present }
    }

    async fn connection(self: Arc<Self>, stream: TcpStream) {
        let origin: Arc<Mutex<Option<String>>> = Arc::default();
        let slot = origin.clone();
        let me = self.clone();
        // The callback's signature is fixed by tungstenite.
        #[allow(clippy::result_large_err)]
        let callback = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
            let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
            if !me.host_allowed(host) {
                tracing::info!("handshake refused: Host is not loopback");
                return Err(forbidden("host"));
            }
            let Some(o) = req.headers().get("origin").and_then(|h| h.to_str().ok()) else {
                tracing::info!("handshake refused: no Origin");
                return Err(forbidden("origin"));
            };
            if !me.config.allowed_origins.iter().any(|a| a == o) {
                tracing::info!("handshake refused: Origin not allowed");
                return Err(forbidden("origin"));
            }
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(o.to_string());
            Ok(resp)
        };
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(MAX_CLIENT_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_CLIENT_MESSAGE_BYTES));
        let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(ws_config));
        let mut ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Ok(ws)) => ws,
            _ => return,
        };
        let Some(origin) = origin.lock().unwrap_or_else(PoisonError::into_inner).take() else { return };
        if self.busy.swap(true, Ordering::SeqCst) {
            refuse(&mut ws, None, AgentErrorCode::Busy, "another client is connected").await;
            return;
        }
        let _guard = BusyGuard(&self.busy);
        let Some((api_level, ticket)) = self.hello(&mut ws, &origin).await else { return };
        tracing::info!(api_level, "client session started");
        self.session(ws, origin, ticket).await;
        tracing::info!("client session ended");
    }

    /// Waits for `HELLO`; returns the agreed API level and the ticket's
    /// claims, or `None` after refusing.
    async fn hello(&self, ws: &mut Ws, origin: &str) -> Option<(u32, TicketClaims)> {
        let first = match tokio::time::timeout(self.config.hello_timeout, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => t,
            Ok(Some(Ok(_))) => {
                refuse(ws, None, AgentErrorCode::HelloRequired, "first message must be HELLO").await;
                return None;
            }
            Ok(Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_)))) => {
                refuse(ws, None, AgentErrorCode::MessageTooLarge, "message too large").await;
                return None;
            }
            Ok(_) => return None,
            Err(_) => {
                refuse(ws, None, AgentErrorCode::HelloRequired, "no HELLO in time").await;
                return None;
            }
        };
        let msg: ClientMessage = match serde_json::from_str(&first) {
            Ok(m) => m,
            Err(_) => {
                refuse(ws, None, AgentErrorCode::MalformedMessage, "not a protocol message").await;
                return None;
            }
        };
        let ClientMessage::Hello { id, ticket, min_api_level, max_api_level } = msg else {
            refuse(ws, Some(msg.id()), AgentErrorCode::HelloRequired, "first message must be HELLO").await;
            return None;
        };
        let claims = match self.tickets.verify(&ticket, origin, self.clock.now()) {
            Ok(c) => c,
            Err(e) => {
                refuse(ws, Some(id), e.code(), "ticket refused").await;
                return None;
            }
        };
        let level = max_api_level.min(MAX_API_LEVEL);
        if level < min_api_level.max(MIN_API_LEVEL) {
            refuse(ws, Some(id), AgentErrorCode::UnsupportedApiLevel, "no common API level").await;
            return None;
        }
        send(ws, &AgentMessage::Welcome { id, api_level: level, info: agent_info() }).await.then_some((level, claims))
    }

    fn spawn_sam_status(self: &Arc<Self>, out: &mpsc::UnboundedSender<Outgoing>) {
        let (me, out) = (self.clone(), out.clone());
        tokio::task::spawn_blocking(move || {
            let mut sam = me.devices.connect_sam().ok();
            let status = profile::sam_status(sam.as_mut().map(|s| s.as_mut() as _), me.clock.now());
            let _ = out.send(Outgoing::Msg(AgentMessage::Sam(status)));
        });
    }

    async fn session(self: &Arc<Self>, mut ws: Ws, origin: String, ticket: TicketClaims) {
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Outgoing>();
        let mut events = self.devices.subscribe();
        let mut reading: Option<(u32, Arc<AtomicBool>)> = None;
        self.spawn_sam_status(&out_tx);
        loop {
            tokio::select! {
                incoming = ws.next() => {
                    let text = match incoming {
                        Some(Ok(Message::Text(t))) => t,
                        Some(Ok(Message::Close(_))) | None => break,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        Some(Ok(_)) => {
                            let _ = send(&mut ws, &AgentMessage::Error { id: None, code: AgentErrorCode::MalformedMessage, message: "text messages only".into() }).await;
                            continue;
                        }
                        Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => {
                            refuse(&mut ws, None, AgentErrorCode::MessageTooLarge, "message too large").await;
                            break;
                        }
                        Some(Err(_)) => break,
                    };
                    let Ok(msg) = serde_json::from_str::<ClientMessage>(&text) else {
                        let _ = send(&mut ws, &AgentMessage::Error { id: None, code: AgentErrorCode::MalformedMessage, message: "not a protocol message".into() }).await;
                        continue;
                    };
                    if let Some(reply) = self.dispatch(msg, &origin, &ticket, &mut reading, &out_tx) {
                        if !send(&mut ws, &reply).await { break; }
                    }
                }
                Some(out) = out_rx.recv() => match out {
                    Outgoing::Msg(m) => if !send(&mut ws, &m).await { break },
                    Outgoing::ReadDone => reading = None,
                },
                ev = events.recv() => match ev {
                    Ok(DeviceEvent::Reader { event, reader }) => {
                        let sam = reader.role == ReaderRole::Sam;
                        if !send(&mut ws, &AgentMessage::Reader { event, reader }).await { break }
                        if sam { self.spawn_sam_status(&out_tx) }
                    }
                    Ok(DeviceEvent::Card { event, reader }) => {
                        if !send(&mut ws, &AgentMessage::Card { event, reader: reader.clone() }).await { break }
                        if event == CardEvent::Inserted { self.spawn_recognise(reader, &out_tx) }
                    }
                    Ok(DeviceEvent::SamChanged) => self.spawn_sam_status(&out_tx),
                    Ok(DeviceEvent::Service { .. }) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => events = self.devices.subscribe(),
                },
            }
        }
        if let Some((_, cancel)) = reading {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    /// After an insertion, checks that the card answers the KTP-el application.
    fn spawn_recognise(self: &Arc<Self>, reader: String, out: &mpsc::UnboundedSender<Outgoing>) {
        let (me, out) = (self.clone(), out.clone());
        tokio::task::spawn_blocking(move || {
            let Ok(mut card) = me.devices.connect_card() else { return };
            let select = apdu::Command::new(0x00, padan_ktpel::ins::SELECT, 0x00, 0x00)
                .data(padan_ktpel::DF_KTPEL.to_be_bytes());
            // In a transaction: waits for a read in progress instead of interleaving.
            let answer = crate::transport::with_transaction(card.as_mut(), |c| apdu::transmit(c, &select));
            if answer.is_ok_and(|r| r.is_ok_and(|r| r.sw == apdu::StatusWord::OK)) {
                let _ = out.send(Outgoing::Msg(AgentMessage::Card { event: CardEvent::Recognised, reader }));
            }
        });
    }

    fn dispatch(
        self: &Arc<Self>,
        msg: ClientMessage,
        origin: &str,
        ticket: &TicketClaims,
        reading: &mut Option<(u32, Arc<AtomicBool>)>,
        out: &mpsc::UnboundedSender<Outgoing>,
    ) -> Option<AgentMessage> {
        match msg {
            ClientMessage::Hello { id, .. } => Some(AgentMessage::BadState {
                id,
                state: self.state(reading.is_some()).state,
                message: "already greeted".into(),
            }),
            ClientMessage::GetInfo { id } => {
                Some(AgentMessage::Info { id, info: agent_info(), status: self.state(reading.is_some()) })
            }
            ClientMessage::Cancel { id, target } => match reading {
                Some((rid, cancel)) if *rid == target => {
                    cancel.store(true, Ordering::Relaxed);
                    None
                }
                _ => Some(AgentMessage::BadState {
                    id,
                    state: self.state(reading.is_some()).state,
                    message: "no such read in progress".into(),
                }),
            },
            ClientMessage::ReadCard { id, nonce, fields } => {
                if reading.is_some() {
                    return Some(AgentMessage::BadState {
                        id,
                        state: AgentState::Reading,
                        message: "a read is in progress".into(),
                    });
                }
                // Every read is one the backend issued, and audited, a nonce for.
                let claims = match self.tickets.verify_nonce(&nonce, ticket, origin, self.clock.now()) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::info!(code = ?e.code(), "read refused: nonce");
                        return Some(AgentMessage::Error {
                            id: Some(id),
                            code: e.code(),
                            message: "nonce refused".into(),
                        });
                    }
                };
                if !fields_granted(&fields, ticket, &claims) {
                    tracing::info!("read refused: fields not granted");
                    return Some(AgentMessage::Error {
                        id: Some(id),
                        code: AgentErrorCode::FieldsNotGranted,
                        message: "fields not granted by the ticket and the nonce".into(),
                    });
                }
                let status = self.state(false);
                let code = match status.state {
                    AgentState::PcscServiceDown => Some(AgentErrorCode::PcscServiceDown),
                    AgentState::NoReader => Some(AgentErrorCode::NoReader),
                    AgentState::NoSam => Some(AgentErrorCode::NoSam),
                    AgentState::WaitingForCard => Some(AgentErrorCode::NoCard),
                    AgentState::CardPresent | AgentState::Reading => None,
                };
                if let Some(code) = code {
                    return Some(AgentMessage::Error { id: Some(id), code, message: "not ready to read".into() });
                }
                let cancel = Arc::new(AtomicBool::new(false));
                *reading = Some((id, cancel.clone()));
                self.spawn_read(id, nonce, fields, origin.to_string(), cancel, out.clone());
                None
            }
            ClientMessage::Diagnose { id, test_read } => {
                if reading.is_some() {
                    return Some(AgentMessage::BadState {
                        id,
                        state: AgentState::Reading,
                        message: "a read is in progress".into(),
                    });
                }
                let (me, out, origin) = (self.clone(), out.clone(), origin.to_string());
                tokio::task::spawn_blocking(move || {
                    let checks = me.diagnose(test_read, &origin);
                    let _ = out.send(Outgoing::Msg(AgentMessage::Diagnosis { id, checks }));
                });
                None
            }
        }
    }

    fn spawn_read(
        self: &Arc<Self>,
        id: u32,
        nonce: String,
        fields: Vec<CardField>,
        origin: String,
        cancel: Arc<AtomicBool>,
        out: mpsc::UnboundedSender<Outgoing>,
    ) {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let result = (|| {
                let mut sam = me.devices.connect_sam().map_err(|e| {
                    profile::ReadError::new(
                        if e == crate::transport::TransportError::ServiceDown {
                            AgentErrorCode::PcscServiceDown
                        } else {
                            AgentErrorCode::NoSam
                        },
                        e.to_string(),
                    )
                })?;
                let mut card = me.devices.connect_card().map_err(|e| {
                    let code = match e {
                        crate::transport::TransportError::ServiceDown => AgentErrorCode::PcscServiceDown,
                        crate::transport::TransportError::ReaderGone => AgentErrorCode::NoReader,
                        _ => AgentErrorCode::NoCard,
                    };
                    profile::ReadError::new(code, e.to_string())
                })?;
                let req = ReadRequest {
                    origin: &origin,
                    nonce: &nonce,
                    fields: &fields,
                    now: me.clock.now(),
                    credentials: &me.config.sam,
                };
                let mut progress = |step, percent| {
                    let _ = out.send(Outgoing::Msg(AgentMessage::Progress { id, step, percent }));
                };
                profile::read_card(card.as_mut(), sam.as_mut(), &req, &mut progress, &cancel)
            })();
            let msg = match result {
                Ok(r) => {
                    tracing::info!(ms = started.elapsed().as_millis() as u64, "card read");
                    AgentMessage::ReadResult { id, result: Box::new(r) }
                }
                Err(e) if profile::is_cancelled(&e) => AgentMessage::Cancelled { id },
                Err(e) => {
                    tracing::info!(code = ?e.code, "card read failed");
                    AgentMessage::Error { id: Some(id), code: e.code, message: e.detail }
                }
            };
            let _ = out.send(Outgoing::ReadDone);
            let _ = out.send(Outgoing::Msg(msg));
        });
    }

    /// Self-test for the help desk: no personal data in any detail.
    pub fn diagnose(&self, test_read: bool, origin: &str) -> Vec<DiagnosticCheck> {
        let snap = self.devices.snapshot();
        let check = |name, ok: bool, code: AgentErrorCode, detail: String| DiagnosticCheck {
            name,
            ok,
            code: (!ok).then_some(code),
            detail,
        };
        let mut checks = vec![check(
            DiagnosticName::PcscService,
            snap.service_up,
            AgentErrorCode::PcscServiceDown,
            if snap.service_up { "running".into() } else { "not running".into() },
        )];
        let count = |role| snap.readers.iter().filter(|r| r.role == role).count();
        checks.push(check(
            DiagnosticName::CardReader,
            count(ReaderRole::Card) > 0,
            AgentErrorCode::NoReader,
            format!("{} card reader(s)", count(ReaderRole::Card)),
        ));
        checks.push(check(
            DiagnosticName::SamReader,
            snap.sam_present,
            AgentErrorCode::NoSam,
            format!(
                "{} SAM slot(s), SAM {}",
                count(ReaderRole::Sam),
                if snap.sam_present { "present" } else { "absent" }
            ),
        ));
        let now = self.clock.now();
        match self.devices.connect_sam() {
            Ok(mut sam) => {
                let auth = profile::open_sam(sam.as_mut(), &self.config.sam, now);
                checks.push(match &auth {
                    Ok(()) => {
                        check(DiagnosticName::SamAuthentication, true, AgentErrorCode::SamAuthFailed, "opened".into())
                    }
                    Err(e) => check(DiagnosticName::SamAuthentication, false, e.code, e.detail.clone()),
                });
                let st = profile::sam_status(Some(sam.as_mut()), now);
                let code = match st.state {
                    SamState::Locked => AgentErrorCode::SamLocked,
                    SamState::Deactivated => AgentErrorCode::SamDeactivated,
                    SamState::Personalised => AgentErrorCode::SamNotActivated,
                    _ => AgentErrorCode::SamExpired,
                };
                let detail = match &st.activation {
                    Some(a) => format!("{:?}, valid until {} (office {})", st.state, a.valid_until, a.office),
                    None => format!("{:?}", st.state),
                };
                checks.push(check(DiagnosticName::SamActivation, st.valid, code, detail));
            }
            Err(e) => {
                checks.push(check(DiagnosticName::SamAuthentication, false, AgentErrorCode::NoSam, e.to_string()))
            }
        }
        if test_read {
            let res = (|| {
                let mut sam = self
                    .devices
                    .connect_sam()
                    .map_err(|e| profile::ReadError::new(AgentErrorCode::NoSam, e.to_string()))?;
                let mut card = self
                    .devices
                    .connect_card()
                    .map_err(|e| profile::ReadError::new(AgentErrorCode::NoCard, e.to_string()))?;
                let req = ReadRequest { origin, nonce: "diagnose", fields: &[], now, credentials: &self.config.sam };
                profile::read_card(card.as_mut(), sam.as_mut(), &req, &mut |_, _| {}, &AtomicBool::new(false))
            })();
            checks.push(match res {
                Ok(_) => check(
                    DiagnosticName::TestRead,
                    true,
                    AgentErrorCode::Internal,
                    "authenticated, read and verified".into(),
                ),
                Err(e) => check(DiagnosticName::TestRead, false, e.code, e.detail),
            });
        }
        checks
    }
}
