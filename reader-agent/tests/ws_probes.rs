//! Security probes and the protocol flow against a running agent over a real
//! WebSocket on loopback (in-process virtual card + SAM behind it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use padan_protocol::agent::v1::{
    AgentErrorCode, AgentMessage, AgentState, CardField, ClientMessage, MAX_API_LEVEL, MIN_API_LEVEL,
};
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
    ClientMessage::Hello { id: 1, ticket, min_api_level: MIN_API_LEVEL, max_api_level: MAX_API_LEVEL }
}

async fn greeted(port: u16, tid: &str) -> Client {
    greeted_with(port, ticket(tid, NOW - 10, NOW + 290)).await
}

async fn greeted_with(port: u16, ticket: String) -> Client {
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello(ticket)).await;
    assert!(matches!(answer(&mut ws, 1).await, Some(AgentMessage::Welcome { api_level: MAX_API_LEVEL, .. })));
    ws
}

fn read_card(id: u32, nonce: String, fields: &[CardField]) -> ClientMessage {
    ClientMessage::ReadCard { id, nonce, fields: fields.to_vec() }
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
    // A level-1 SPA cannot read (no signed nonces): refused at HELLO.
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(
        &mut ws,
        &ClientMessage::Hello { id: 1, ticket: ticket("lvl3", NOW, NOW + 60), min_api_level: 1, max_api_level: 1 },
    )
    .await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::UnsupportedApiLevel);
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
    let n = nonce("n-ws", NOW);
    send(&mut ws, &read_card(3, n.clone(), &[CardField::Biodata])).await;
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
    assert_eq!(result.attestation.nonce, n, "the attestation binds the backend's nonce");
    let bio = result.card.biodata.as_ref().unwrap();
    assert_eq!(bio.nik, population().persons()[0].nik);
    let tier1 = include_str!("tier1_profile.rs");
    assert!(tier1.contains("pub fn verify"));
    verify_result(&result, &n);
    send(&mut ws, &ClientMessage::Diagnose { id: 4, test_read: true }).await;
    match answer(&mut ws, 4).await {
        Some(AgentMessage::Diagnosis { checks, .. }) => assert!(checks.iter().all(|c| c.ok), "{checks:?}"),
        other => panic!("{other:?}"),
    }
}

fn verify_result(r: &padan_protocol::agent::v1::CardReadResult, nonce: &str) {
    use base64::Engine as _;
    let b = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    let uid = hex::decode(&r.card.uid).unwrap();
    let digests: [[u8; 32]; 7] =
        std::array::from_fn(|i| hex::decode(&r.card.files[i].sha256).unwrap().try_into().unwrap());
    let (sig, cert, act) =
        (b(&r.attestation.signature), b(&r.attestation.sam_certificate), b(&r.attestation.activation_record));
    let input = padan_ktpel::AttestationInput {
        origin: ORIGIN,
        nonce,
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
    send(&mut ws, &read_card(10, nonce("n", NOW), &[])).await;
    send(&mut ws, &read_card(11, nonce("n1", NOW), &[])).await;
    assert!(matches!(
        answer(&mut ws, 11).await,
        Some(AgentMessage::BadState { id: 11, state: AgentState::Reading, .. })
    ));
    send(&mut ws, &ClientMessage::Cancel { id: 12, target: 99 }).await;
    assert!(matches!(answer(&mut ws, 12).await, Some(AgentMessage::BadState { id: 12, .. })));
    send(&mut ws, &ClientMessage::Cancel { id: 13, target: 10 }).await;
    assert!(matches!(answer(&mut ws, 10).await, Some(AgentMessage::Cancelled { id: 10 })));
    // The agent is usable again.
    send(&mut ws, &read_card(14, nonce("n2", NOW), &[])).await;
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
        send(&mut ws, &read_card(20, nonce("n", NOW), &[])).await;
        assert_eq!(error_code(answer(&mut ws, 20).await), code, "{scenario:?}");
    }
}

/// Next text message as sent, skipping pushed events and progress.
async fn answer_raw(ws: &mut Client) -> String {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("agent answered in time") {
            Some(Ok(Message::Text(t))) => {
                let kind = serde_json::from_str::<serde_json::Value>(&t).unwrap()["type"].as_str().unwrap().to_owned();
                if !matches!(kind.as_str(), "SAM" | "READER" | "CARD" | "PROGRESS") {
                    return t.to_string();
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => panic!("agent closed"),
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn reads_need_a_fresh_backend_signed_nonce_of_this_session() {
    let (port, clock) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let mut ws = greeted(port, "nonces").await;
    let fields = [CardField::Biodata];
    // Any string the page makes up: refused (it was never issued, nor audited, by the backend).
    send(&mut ws, &read_card(30, "n-made-up".into(), &fields)).await;
    assert_eq!(error_code(answer(&mut ws, 30).await), AgentErrorCode::NonceInvalid);
    // Signed by another key.
    let forged = padan_reader_agent::ticket::sign_nonce(
        &ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
        &nonce_claims("forged", NOW, NOW + 120),
    );
    send(&mut ws, &read_card(31, forged, &fields)).await;
    assert_eq!(error_code(answer(&mut ws, 31).await), AgentErrorCode::NonceInvalid);
    // A ticket is not a nonce.
    send(&mut ws, &read_card(32, ticket("not-a-nonce", NOW, NOW + 60), &fields)).await;
    assert_eq!(error_code(answer(&mut ws, 32).await), AgentErrorCode::NonceInvalid);
    // Another officer's, another office's, another page's, or too long-lived.
    for (i, change) in [
        (|c: &mut padan_protocol::agent::v1::NonceClaims| c.officer = "off-other".into()) as fn(&mut _),
        |c| c.office = "KANREG-V".into(),
        |c| c.origin = "https://evil.test".into(),
        |c| c.exp = c.iat + padan_protocol::agent::v1::MAX_NONCE_LIFETIME_SECS + 1,
    ]
    .into_iter()
    .enumerate()
    {
        let mut claims = nonce_claims(&format!("bound-{i}"), NOW, NOW + 120);
        change(&mut claims);
        send(&mut ws, &read_card(40 + i as u32, sign_nonce(&claims), &fields)).await;
        assert_eq!(error_code(answer(&mut ws, 40 + i as u32).await), AgentErrorCode::NonceInvalid, "case {i}");
    }
    // Expired, on the injected clock.
    let stale = nonce("stale", NOW);
    clock.advance(121);
    send(&mut ws, &read_card(50, stale, &fields)).await;
    assert_eq!(error_code(answer(&mut ws, 50).await), AgentErrorCode::NonceExpired);
    // A genuine nonce reads once; the same nonce again is a replay.
    let once = nonce("once", NOW + 121);
    send(&mut ws, &read_card(51, once.clone(), &fields)).await;
    match answer(&mut ws, 51).await {
        Some(AgentMessage::ReadResult { id: 51, result }) => assert_eq!(result.attestation.nonce, once),
        other => panic!("expected READ_RESULT, got {other:?}"),
    }
    send(&mut ws, &read_card(52, once, &fields)).await;
    assert_eq!(error_code(answer(&mut ws, 52).await), AgentErrorCode::NonceReplayed);
}

#[tokio::test]
async fn reads_return_only_fields_granted_and_never_minutiae() {
    use padan_protocol::agent::v1::CardField::{Biodata, Minutiae, Photo, Signature};
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    // The ticket grants BIODATA and PHOTO (the backend's policy today).
    let mut ws = greeted(port, "fields").await;
    send(&mut ws, &read_card(60, nonce("sig", NOW), &[Biodata, Signature])).await;
    assert_eq!(error_code(answer(&mut ws, 60).await), AgentErrorCode::FieldsNotGranted);
    send(&mut ws, &read_card(61, nonce("min", NOW), &[Minutiae])).await;
    assert_eq!(error_code(answer(&mut ws, 61).await), AgentErrorCode::FieldsNotGranted);
    // The nonce narrows the ticket.
    let mut narrow = nonce_claims("narrow", NOW, NOW + 120);
    narrow.fields = vec![Biodata];
    send(&mut ws, &read_card(62, sign_nonce(&narrow), &[Biodata, Photo])).await;
    assert_eq!(error_code(answer(&mut ws, 62).await), AgentErrorCode::FieldsNotGranted);
    send(&mut ws, &read_card(63, nonce("ok", NOW), &[Biodata, Photo])).await;
    let raw = answer_raw(&mut ws).await;
    assert!(raw.contains(r#""type":"READ_RESULT""#) && raw.contains("photo_jpeg"), "{raw}");
    assert!(!raw.contains("signature_jpeg") && !raw.contains("minutiae"), "{raw}");
    drop(ws);

    // Even a ticket and a nonce granting everything never get minutiae back.
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let all = [Biodata, Photo, Signature, Minutiae];
    let mut ws = greeted_with(port, ticket_with("all", NOW, NOW + 120, &all)).await;
    let mut everything = nonce_claims("all-1", NOW, NOW + 120);
    everything.fields = all.to_vec();
    send(&mut ws, &read_card(64, sign_nonce(&everything), &all)).await;
    assert_eq!(error_code(answer(&mut ws, 64).await), AgentErrorCode::FieldsNotGranted);
    everything.nid = "all-2".into();
    send(&mut ws, &read_card(65, sign_nonce(&everything), &[Biodata, Photo, Signature])).await;
    let raw = answer_raw(&mut ws).await;
    assert!(raw.contains(r#""type":"READ_RESULT""#) && raw.contains("signature_jpeg"), "{raw}");
    assert!(!raw.contains("minutiae"), "no fingerprint templates on the wire: {raw}");
    let files: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let fids: Vec<&str> =
        files["result"]["card"]["files"].as_array().unwrap().iter().map(|f| f["fid"].as_str().unwrap()).collect();
    assert!(fids.contains(&"6FF4") && fids.contains(&"6FF5"), "their digests serve the attestation: {fids:?}");
}

#[tokio::test]
async fn a_ticket_without_fields_is_refused() {
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let (port, _) = agent_with(Scenario::Genuine, Duration::ZERO).await;
    let claims = serde_json::json!({
        "tid": "old", "officer": OFFICER, "office": "BKN-PUSAT", "origin": ORIGIN, "iat": NOW, "exp": NOW + 60,
    });
    let raw = serde_json::to_vec(&claims).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let old = format!("{}.{}", b64.encode(&raw), b64.encode(backend_key().sign(&raw).to_bytes()));
    let mut ws = connect(port, None, Some(ORIGIN)).await.unwrap();
    send(&mut ws, &hello(old)).await;
    assert_eq!(error_code(recv(&mut ws).await), AgentErrorCode::TicketInvalid);
}
