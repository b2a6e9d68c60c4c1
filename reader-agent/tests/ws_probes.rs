//! Security probes and the protocol flow against a running agent over a real
//! WebSocket on loopback (in-process virtual card + SAM behind it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use padan_protocol::agent::v1::{AgentErrorCode, AgentMessage, AgentState, ClientMessage, MAX_API_LEVEL};
use padan_reader_agent::clock::ManualClock;
use padan_reader_agent::server;
use padan_sim_ktp_card::Scenario;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn agent_with(scenario: Scenario, delay: Duration) -> (u16, ManualClock) {
    let clock = ManualClock::new(NOW);
    let devices = Arc::new(VirtualDevices::new(scenario, delay));
    let running = server::start(config(0), devices, Arc::new(clock.clone())).await.unwrap();
    (running.port, clock)
}

async fn connect(port: u16, host: Option<&str>, origin: Option<&str>) -> Result<Client, u16> {
    let mut req = format!("ws://127.0.0.1:{port}/").into_client_request().unwrap();
    if let Some(h) = host {
        req.headers_mut().insert("host", h.parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("unexpected handshake error {e}"),
    }
}

async fn send(ws: &mut Client, msg: &ClientMessage) {
    ws.send(Message::text(serde_json::to_string(msg).unwrap())).await.unwrap();
}

/// Next protocol message, or `None` when the agent closed the connection.
async fn recv(ws: &mut Client) -> Option<AgentMessage> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("agent answered in time") {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Skips pushed events and progress until the next answer (`id` documents which one is awaited).
async fn answer(ws: &mut Client, _id: u32) -> Option<AgentMessage> {
    loop {
        let m = recv(ws).await?;
        match &m {
            AgentMessage::Sam(_) | AgentMessage::Reader { .. } | AgentMessage::Card { .. } => continue,
            AgentMessage::Progress { .. } => continue,
            _ => return Some(m),
        }
    }
}

fn hello(ticket: String) -> ClientMessage {
    ClientMessage::Hello { id: 1, ticket, min_api_level: 1, max_api_level: 1 }
}

async fn greeted(port: u16, tid: &str) -> Client {
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello(ticket(tid, NOW - 10, NOW + 290))).await;
    assert!(matches!(answer(&mut ws, 1).await, Some(AgentMessage::Welcome { api_level: 1, .. })));
    ws
}

fn error_code(m: Option<AgentMessage>) -> AgentErrorCode {
    match m {
        Some(AgentMessage::Error { code, .. }) => code,
        other => panic!("expected ERROR, got {other:?}"),
    }
}

#[tokio::test]
async fn handshake_refuses_foreign_or_missing_origin_and_rebinding_host() {
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    assert_eq!(connect(port, None, Some("https://evil.example")).await.err(), Some(403));
    assert_eq!(connect(port, None, Some("https://padan.bkn.test.evil.example")).await.err(), Some(403));
    assert_eq!(connect(port, None, None).await.err(), Some(403));
    assert_eq!(connect(port, Some(&format!("evil.example:{port}")), Some(ORIGIN)).await.err(), Some(403));
    assert_eq!(connect(port, Some("127.0.0.1:1"), Some(ORIGIN)).await.err(), Some(403));
    assert!(connect(port, Some(&format!("localhost:{port}")), Some(ORIGIN)).await.is_ok());
}

#[tokio::test]
async fn tickets_forged_expired_replayed_or_missing_are_refused() {
    let (port, clock) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    // Forged: signed by another key.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    let forged = padan_reader_agent::ticket::sign_ticket(
        &ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
        &serde_json::from_slice(&base64_claims(&ticket("f", NOW, NOW + 60))).unwrap(),
    );
    send(&mut ws, &hello(forged)).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::TicketInvalid);
    assert!(recv(&mut ws).await.is_none(), "closed after refusal");
    // Garbage.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello("not-a-ticket".into())).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::TicketInvalid);
    // Expired.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello(ticket("e", NOW - 400, NOW - 100))).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::TicketExpired);
    // Replayed.
    drop(greeted(port, "r").await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello(ticket("r", NOW - 10, NOW + 290))).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::TicketReplayed);
    // The injected clock drives expiry.
    let t = ticket("later", NOW, NOW + 60);
    clock.advance(61);
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello(t)).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::TicketExpired);
    // A first message that is not HELLO.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &ClientMessage::GetInfo { id: 3 }).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::HelloRequired);
}

fn base64_claims(ticket: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(ticket.split('.').next().unwrap()).unwrap()
}

#[tokio::test]
async fn second_client_is_busy_and_slot_frees_after_close() {
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let first = greeted(port, "one").await;
    let mut second = connect(port, None, Some(ORIGIN)).await.unwrap();
    assert_eq!(error_code(recv(&mut second).await), AgentErrorCode::Busy);
    assert!(recv(&mut second).await.is_none());
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(greeted(port, "two").await);
}

#[tokio::test]
async fn oversized_malformed_and_slow_clients() {
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    // Oversized frame before HELLO.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    let _ = ws.send(Message::text("x".repeat(64 * 1024))).await;
    let m = recv(&mut ws).await;
    assert!(m.is_none() || error_code(m) == AgentErrorCode::MessageTooLarge);
    // Malformed JSON as first message.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    ws.send(Message::text("{not json")).await.unwrap();
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::MalformedMessage);
    // Slow client: no HELLO in time.
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::HelloRequired);
    // After HELLO: malformed JSON is answered, the session goes on; oversized closes it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut ws = greeted(port, "m").await;
    ws.send(Message::text("[1,2")).await.unwrap();
    assert_eq!(error_code(answer(&mut ws, 0).await), AgentErrorCode::MalformedMessage);
    ws.send(Message::text(r#"{"type":"SEND_APDU","id":5,"apdu":"00A40400"}"#)).await.unwrap();
    assert_eq!(error_code(answer(&mut ws, 5).await), AgentErrorCode::MalformedMessage, "no raw-APDU verb");
    send(&mut ws, &ClientMessage::GetInfo { id: 6 }).await;
    assert!(matches!(answer(&mut ws, 6).await, Some(AgentMessage::Info { id: 6, .. })));
    let _ = ws.send(Message::text("y".repeat(64 * 1024))).await;
    let m = answer(&mut ws, 0).await;
    assert!(m.is_none() || error_code(m) == AgentErrorCode::MessageTooLarge);
}

#[tokio::test]
async fn api_level_negotiation() {
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(
        &mut ws,
        &ClientMessage::Hello {
            id: 1,
            ticket: ticket("lvl", NOW, NOW + 60),
            min_api_level: MAX_API_LEVEL + 1,
            max_api_level: MAX_API_LEVEL + 3,
        },
    )
    .await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::UnsupportedApiLevel);
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(
        &mut ws,
        &ClientMessage::Hello { id: 1, ticket: ticket("lvl2", NOW, NOW + 60), min_api_level: 1, max_api_level: 9 },
    )
    .await;
    assert!(matches!(recv(&mut ws).await, Some(AgentMessage::Welcome { api_level: MAX_API_LEVEL, .. })));
}

#[tokio::test]
async fn read_over_websocket_with_progress_sam_event_and_attestation() {
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let mut ws = greeted(port, "read").await;
    // The SAM state is pushed after WELCOME.
    match recv(&mut ws).await {
        Some(AgentMessage::Sam(s)) => assert!(s.present && s.valid),
        other => panic!("expected SAM, got {other:?}"),
    }
    send(&mut ws, &ClientMessage::GetInfo { id: 2 }).await;
    match answer(&mut ws, 2).await {
        Some(AgentMessage::Info { status, .. }) => assert_eq!(status.state, AgentState::CardPresent),
        other => panic!("{other:?}"),
    }
    send(
        &mut ws,
        &ClientMessage::ReadCard {
            id: 3,
            nonce: "n-ws".into(),
            fields: vec![padan_protocol::agent::v1::CardField::Biodata],
        },
    )
    .await;
    let mut progress = 0;
    let result = loop {
        match recv(&mut ws).await.unwrap() {
            AgentMessage::Progress { id: 3, percent, .. } => {
                assert!(percent >= progress);
                progress = percent;
            }
            AgentMessage::ReadResult { id: 3, result } => break result,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(progress, 100);
    assert_eq!(result.attestation.origin, ORIGIN);
    let bio = result.card.biodata.as_ref().unwrap();
    assert_eq!(bio.nik, population().persons()[0].nik);
    let tier1 = include_str!("tier1_profile.rs");
    assert!(tier1.contains("pub fn verify"));
    verify_result(&result);
    send(&mut ws, &ClientMessage::Diagnose { id: 4, test_read: true }).await;
    match answer(&mut ws, 4).await {
        Some(AgentMessage::Diagnosis { checks, .. }) => assert!(checks.iter().all(|c| c.ok), "{checks:?}"),
        other => panic!("{other:?}"),
    }
}

fn verify_result(r: &padan_protocol::agent::v1::CardReadResult) {
    use base64::Engine as _;
    let b = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    let uid = hex::decode(&r.card.uid).unwrap();
    let digests: [[u8; 32]; 7] =
        std::array::from_fn(|i| hex::decode(&r.card.files[i].sha256).unwrap().try_into().unwrap());
    let (sig, cert, act) =
        (b(&r.attestation.signature), b(&r.attestation.sam_certificate), b(&r.attestation.activation_record));
    let input = padan_ktpel::AttestationInput {
        origin: ORIGIN,
        nonce: "n-ws",
        uid: &uid,
        file_digests: &digests,
        signature: &sig,
        sam_certificate: &cert,
        activation_record: &act,
    };
    padan_ktpel::verify_attestation(&input, &keys().sam_ca_public(), &keys().activation_public(), NOW).unwrap();
}

#[tokio::test]
async fn bad_state_and_cancel_during_a_slow_read() {
    let (port, _) = agent_with(Scenario::Genuine, Duration::from_millis(5)).await;
    let mut ws = greeted(port, "slow").await;
    send(&mut ws, &ClientMessage::ReadCard { id: 10, nonce: "n".into(), fields: vec![] }).await;
    send(&mut ws, &ClientMessage::ReadCard { id: 11, nonce: "n".into(), fields: vec![] }).await;
    assert!(matches!(
        answer(&mut ws, 11).await,
        Some(AgentMessage::BadState { id: 11, state: AgentState::Reading, .. })
    ));
    send(&mut ws, &ClientMessage::Cancel { id: 12, target: 99 }).await;
    assert!(matches!(answer(&mut ws, 12).await, Some(AgentMessage::BadState { id: 12, .. })));
    send(&mut ws, &ClientMessage::Cancel { id: 13, target: 10 }).await;
    assert!(matches!(answer(&mut ws, 10).await, Some(AgentMessage::Cancelled { id: 10 })));
    // The agent is usable again.
    send(&mut ws, &ClientMessage::ReadCard { id: 14, nonce: "n2".into(), fields: vec![] }).await;
    assert!(matches!(answer(&mut ws, 14).await, Some(AgentMessage::ReadResult { id: 14, .. })));
}

#[tokio::test]
async fn failure_modes_surface_as_codes() {
    for (scenario, code) in [
        (Scenario::Clone, AgentErrorCode::CardNotGenuine),
        (Scenario::Tampered, AgentErrorCode::DataTampered),
        (Scenario::RemovedAfter(10), AgentErrorCode::CardRemoved),
        (Scenario::SamAbsent, AgentErrorCode::NoSam),
        (Scenario::SamNotActivated, AgentErrorCode::SamNotActivated),
        (Scenario::SamExpired, AgentErrorCode::SamExpired),
        (Scenario::SamLocked, AgentErrorCode::SamLocked),
    ] {
        let (port, _) = agent_with(scenario, Duration::ZERO).await;
        let mut ws = greeted(port, "f").await;
        send(&mut ws, &ClientMessage::ReadCard { id: 20, nonce: "n".into(), fields: vec![] }).await;
        assert_eq!(error_code(answer(&mut ws, 20).await), code, "{scenario:?}");
    }
}
