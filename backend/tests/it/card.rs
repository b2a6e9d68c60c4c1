//! KTP-el reading end to end on the backend side: REAL attested reads made
//! in-process by the reader-agent's profile code against the virtual card and
//! SAM (`padan-sim-ktp-card`), sent over real HTTP, checked against the
//! registry, the agreements and the Dukcapil simulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::AtomicBool;

use crate::support::{Builder, Engine, PASSWORD, TestApp};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use padan_backend::clock::Clock as _;
use padan_backend::config::{DEMO_READER_SERIAL, DEMO_TICKET_PUBLIC_KEY};
use padan_ktpel::ActivationRecord;
use padan_protocol::agent::v1::{CardField, CardReadResult};
use padan_protocol::v1::Role;
use padan_reader_agent::profile::{ReadRequest, SamCredentials, read_card};
use padan_reader_agent::transport::{CardTransport, TransportError};
use padan_sim_dukcapil::{Person, RecordStatus};
use padan_sim_ktp_card::{CardImage, DemoKeys, Icc, Kit, SamOptions, Scenario, VirtualSam};
use serde_json::{Value, json};
use time::macros::datetime;

// Without `server.public_origins` the backend serves loopback hosts only
// (issue 14, finding 7): the page's origin is a loopback one.
const HOST: &str = "localhost";
const ORIGIN: &str = "http://localhost";
/// A page the backend serves but the agents do not accept (not in `card.allowed_origins`).
const OTHER_PAGE: &str = "http://127.0.0.1";
const DAY: u64 = 86_400;

/// The demo keys the backend trusts by default (seed of `padan-ktp-card`).
fn keys() -> DemoKeys {
    DemoKeys::from_seed(20_240_628)
}

/// An active person of the TestApp's Dukcapil population: the card's NIK verifies there.
fn person() -> Person {
    crate::support::population().persons().iter().find(|p| p.record_status == RecordStatus::Active).cloned().unwrap()
}

fn options(engine: Engine, demo: bool) -> Builder {
    TestApp::on(engine).demo(demo).with_config(json!({ "card": { "allowed_origins": [ORIGIN] } }))
}

struct Chip(Box<dyn Icc>);

impl CardTransport for Chip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.process(apdu).map_err(|_| TransportError::CardRemoved)
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.0.reset();
        Ok(())
    }
    fn atr(&self) -> Vec<u8> {
        self.0.atr()
    }
}

/// A full read by the agent's profile code: chip authentication, secure
/// messaging, issuer signature, SAM attestation for `origin` and `nonce`.
fn read_with(sam_keys: &DemoKeys, sam: Option<SamOptions>, now: u64, origin: &str, nonce: &str) -> CardReadResult {
    let image = CardImage::issue(&person(), &keys());
    let kit = Kit::new(sam_keys, image, Scenario::Genuine, now, 42);
    let sam = match sam {
        Some(opts) => VirtualSam::new(sam_keys, &opts, 7),
        None => kit.sam.unwrap(),
    };
    let credentials = SamCredentials { pcid: sam_keys.pcid, config_key: zeroize::Zeroizing::new(sam_keys.config_key) };
    let req =
        ReadRequest { origin, nonce, fields: &[CardField::Biodata, CardField::Photo], now, credentials: &credentials };
    read_card(&mut Chip(Box::new(kit.card)), &mut Chip(Box::new(sam)), &req, &mut |_, _| {}, &AtomicBool::new(false))
        .expect("read")
}

fn now(app: &TestApp) -> u64 {
    app.clock.now().unix_timestamp() as u64
}

/// A write from the SPA's page at `origin` (the `Host` the backend is reached at is the origin's).
async fn post_from(app: &TestApp, path: &str, body: &Value, origin: Option<&str>) -> (u16, Value) {
    let host = origin.and_then(|o| o.split_once("://")).map_or(HOST, |(_, h)| h);
    let mut req = app.http.post(app.url(path)).json(body).header("host", host);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if let Some(csrf) = &app.csrf {
        req = req.header("x-csrf-token", csrf);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// What the SPA sends for a nonce: the purpose of the read it is about to ask for.
fn nonce_request() -> Value {
    json!({ "purpose": "data_casn_asn" })
}

async fn nonce(app: &TestApp) -> String {
    let (status, body) = post_from(app, "/api/v1/card/nonce", &nonce_request(), Some(ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    body["nonce"].as_str().unwrap().to_owned()
}

async fn verify(app: &TestApp, nonce: &str, read: &CardReadResult) -> (u16, Value) {
    let body = json!({ "nonce": nonce, "purpose": "data_casn_asn", "read": read });
    post_from(app, "/api/v1/card/verify", &body, Some(ORIGIN)).await
}

fn code(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

both_engines!(genuine_read_verifies_against_dukcapil_and_the_nonce_is_single_use, |engine| async move {
    let Some(mut app) = options(engine, true).start_signed_in(Role::Officer).await else { return };
    let n = nonce(&app).await;
    let read = read_with(&keys(), None, now(&app), ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!(status, 200, "{body}");
    let p = person();
    assert_eq!(body["genuine"], true);
    assert_eq!(body["card"]["nik"], p.nik.as_str());
    assert_eq!(body["card"]["nama"], p.nama_lgkp.as_str());
    assert!(body["card"]["photo_jpeg_base64"].as_str().is_some_and(|s| s.starts_with("/9j/")), "{body}");
    assert_eq!(body["outcome"]["kind"], "found", "{body}");
    assert_eq!(body["outcome"]["status"], "aktif");
    let verdicts = body["outcome"]["verdicts"].as_array().unwrap();
    assert!(verdicts.len() >= 6, "{body}");
    assert!(verdicts.iter().all(|v| v["verdict"] == "sesuai"), "{body}");
    assert_eq!(body["reader_serial"], DEMO_READER_SERIAL);
    assert_eq!(body["watermark"]["office"], "KANREG-V");
    assert!(body["display_seconds"].as_u64().unwrap() > 0);

    // Audited as card_read, without the NIK or any card data.
    let audit = app.audit().await;
    let rec = audit.iter().find(|r| r.event == "card_read").expect("card_read audited");
    assert_eq!((rec.outcome.as_str(), rec.mechanism.as_deref()), ("ok", Some("verify_elements")));
    assert!(rec.nik_token.is_some());
    let all = format!("{audit:?}");
    assert!(!all.contains(&p.nik) && !all.contains(&p.nama_lgkp), "no card data in the audit trail");

    // The same read again: the nonce is spent.
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (409, Some("nonce_invalid")), "{body}");
    let refused = app.audit().await;
    assert!(refused.iter().any(|r| r.event == "card_read" && r.outcome == "refused"));

    // The demo reader learnt its activation from the SAM and shows active.
    app.sign_in("admin", PASSWORD).await;
    let (status, body) = app.get_json("/api/v1/admin/readers").await;
    assert_eq!(status, 200, "{body}");
    let demo = &body.as_array().unwrap()[0];
    assert_eq!((demo["office_code"].as_str(), demo["state"].as_str()), (Some("KANREG-V"), Some("active")), "{body}");
    assert!(demo["valid_until"].as_str().is_some(), "{body}");
});

both_engines!(nonce_is_bound_to_its_officer_its_origin_and_its_purpose, |engine| async move {
    let Some(mut app) = options(engine, true).start_signed_in(Role::Supervisor).await else { return };
    let theirs = nonce(&app).await;
    app.sign_in("petugas", PASSWORD).await;
    let read = read_with(&keys(), None, now(&app), ORIGIN, &theirs);
    let (status, body) = verify(&app, &theirs, &read).await;
    assert_eq!((status, code(&body)), (409, Some("nonce_invalid")), "{body}");

    // A read made for another page.
    let n = nonce(&app).await;
    let read = read_with(&keys(), None, now(&app), "https://evil.test", &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (403, Some("origin_not_allowed")), "{body}");

    // A read for another purpose than the nonce was issued (and audited) for.
    let n = nonce(&app).await;
    let read = read_with(&keys(), None, now(&app), ORIGIN, &n);
    let body = json!({ "nonce": n, "purpose": "pelamar_casn", "read": read });
    let (status, body) = post_from(&app, "/api/v1/card/verify", &body, Some(ORIGIN)).await;
    assert_eq!((status, code(&body)), (409, Some("nonce_invalid")), "{body}");

    // Nonces only for allowed origins.
    let (status, body) = post_from(&app, "/api/v1/card/nonce", &nonce_request(), Some(OTHER_PAGE)).await;
    assert_eq!((status, code(&body)), (403, Some("origin_not_allowed")), "{body}");
    let (status, body) = post_from(&app, "/api/v1/card/nonce", &nonce_request(), None).await;
    assert_eq!((status, code(&body)), (403, Some("origin_not_allowed")), "{body}");

    // Expired.
    let n = nonce(&app).await;
    app.clock.advance(time::Duration::seconds(121));
    let read = read_with(&keys(), None, now(&app), ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (409, Some("nonce_invalid")), "{body}");
});

both_engines!(altered_data_and_forged_proofs_are_refused, |engine| async move {
    let Some(app) = options(engine, true).start_signed_in(Role::Officer).await else { return };
    let fresh = || async {
        let n = nonce(&app).await;
        let read = read_with(&keys(), None, now(&app), ORIGIN, &n);
        (n, read)
    };

    // The raw EF 6FF1 changed: it no longer hashes to the attested digest.
    let (n, mut read) = fresh().await;
    let mut raw = B64.decode(read.card.biodata_raw.as_ref().unwrap()).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 0x01;
    read.card.biodata_raw = Some(B64.encode(&raw));
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (422, Some("card_data_tampered")), "{body}");

    // The decoded fields changed (what a page would show).
    let (n, mut read) = fresh().await;
    read.card.biodata.as_mut().unwrap().nama = "ORANG LAIN".into();
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (422, Some("card_data_tampered")), "{body}");

    // The photo swapped.
    let (n, mut read) = fresh().await;
    read.card.photo_jpeg = Some(B64.encode(b"\xFF\xD8not the card's photo"));
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (422, Some("card_data_tampered")), "{body}");

    // A digest changed to match altered data: the SAM's signature fails.
    let (n, mut read) = fresh().await;
    read.card.files[1].sha256 = hex::encode([0u8; 32]);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (422, Some("card_not_genuine")), "{body}");

    // A forged attestation signature.
    let (n, mut read) = fresh().await;
    let mut sig = B64.decode(&read.attestation.signature).unwrap();
    sig[10] ^= 0x40;
    read.attestation.signature = B64.encode(&sig);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (422, Some("card_not_genuine")), "{body}");

    // A SAM certified by another CA.
    let mut rogue = keys();
    rogue.sam_ca = DemoKeys::from_seed(99).sam_ca;
    let n = nonce(&app).await;
    let read = read_with(&rogue, None, now(&app), ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (422, Some("card_not_genuine")), "{body}");

    let audit = app.audit().await;
    assert_eq!(audit.iter().filter(|r| r.event == "card_read" && r.outcome == "refused").count(), 6);
});

both_engines!(only_registered_active_readers_of_the_office_are_trusted, |engine| async move {
    let Some(mut app) = options(engine, true).start_signed_in(Role::Officer).await else { return };
    let t0 = now(&app);

    // A genuine SAM Padan does not know.
    let mut other = keys();
    other.sam_serial = [0x5A, 0, 0, 0, 0, 0, 0, 1];
    let n = nonce(&app).await;
    let read = read_with(&other, None, t0, ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (403, Some("reader_not_activated")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("belum terdaftar"), "{body}");

    // The activation has ended (read while the SAM still thought it valid).
    app.clock.advance(time::Duration::days(181));
    app.sign_in("petugas", PASSWORD).await;
    let n = nonce(&app).await;
    let read = read_with(&keys(), None, t0, ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (403, Some("reader_not_activated")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("aktivasi"), "{body}");
    app.clock.advance(time::Duration::days(-181));

    // Registered for another office.
    app.sign_in("petugas", PASSWORD).await;
    let record = ActivationRecord {
        sam_serial: keys().sam_serial,
        reader_serial: DEMO_READER_SERIAL.into(),
        office: "KANREG-I".into(),
        valid_from: t0 - DAY,
        valid_until: t0 + 90 * DAY,
    };
    let raw = record.sign(&keys().activation);
    app.sign_in("admin", PASSWORD).await;
    let req = json!({ "reader_serial": DEMO_READER_SERIAL, "office_code": "KANREG-I", "activation_record": hex::encode(&raw) });
    let (status, body) = post_from(&app, "/api/v1/admin/readers", &req, Some(ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["office_code"].as_str(), body["state"].as_str()), (Some("KANREG-I"), Some("active")), "{body}");
    let audit = app.audit().await;
    assert!(audit.iter().any(|r| r.event == "reader_registered"));
    // A forged record, and an office that is not the record's, are refused.
    let mut forged = raw.clone();
    forged[30] ^= 1;
    let bad = json!({ "reader_serial": DEMO_READER_SERIAL, "office_code": "KANREG-I", "activation_record": hex::encode(&forged) });
    let (status, body) = post_from(&app, "/api/v1/admin/readers", &bad, Some(ORIGIN)).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("activation_record")), "{body}");
    let bad = json!({ "reader_serial": DEMO_READER_SERIAL, "office_code": "KANREG-V", "activation_record": hex::encode(&raw) });
    let (status, body) = post_from(&app, "/api/v1/admin/readers", &bad, Some(ORIGIN)).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("office_code")), "{body}");
    // Officers cannot administer readers.
    app.sign_in("petugas", PASSWORD).await;
    let (status, _) = app.get_json("/api/v1/admin/readers").await;
    assert_eq!(status, 403);

    let sam = SamOptions {
        activation: Some(record),
        ..SamOptions::activated(&keys(), t0, 90, DEMO_READER_SERIAL, "KANREG-I")
    };
    let n = nonce(&app).await;
    let read = read_with(&keys(), Some(sam), t0, ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (403, Some("reader_not_activated")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("KANREG-I"), "{body}");
});

both_engines!(when_the_agreement_ends_readers_are_deactivated, |engine| async move {
    let opts = options(engine, false).with_config(json!({ "card": {
        "ticket_signing_key": padan_backend::config::DEMO_TICKET_SIGNING_KEY,
        "sam_ca_public_key": padan_backend::config::DEMO_SAM_CA_PUBLIC_KEY,
        "activation_public_key": padan_backend::config::DEMO_ACTIVATION_PUBLIC_KEY,
    } }));
    let Some(mut app) = opts.start().await else { return };
    app.add_officer("admin1", Role::Admin, "PUSAT").await;
    app.add_officer("rina", Role::Officer, "KANREG-V").await;
    // 1 March 2026: PKS 2024 (until 30 June 2026) grants verification.
    app.clock.set(datetime!(2026-03-01 03:00 UTC));
    let t0 = now(&app);
    let end = datetime!(2026-06-30 12:00 UTC).unix_timestamp() as u64;
    let record = |until: u64| ActivationRecord {
        sam_serial: keys().sam_serial,
        reader_serial: DEMO_READER_SERIAL.into(),
        office: "KANREG-V".into(),
        valid_from: t0 - DAY,
        valid_until: until,
    };
    app.sign_in("admin1", PASSWORD).await;
    let register = |until: u64| {
        json!({ "reader_serial": DEMO_READER_SERIAL, "office_code": "KANREG-V",
                "activation_record": hex::encode(record(until).sign(&keys().activation)) })
    };
    let (status, body) = post_from(&app, "/api/v1/admin/readers", &register(end + 30 * DAY), Some(ORIGIN)).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("activation_record")), "{body}");
    assert!(body["fields"][0]["message"].as_str().unwrap().contains("30 Juni 2026"), "{body}");
    let (status, body) = post_from(&app, "/api/v1/admin/readers", &register(end), Some(ORIGIN)).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("active")), "{body}");

    // 1 July 2026: the agreement has ended.
    app.clock.set(datetime!(2026-07-01 03:00 UTC));
    app.sign_in("admin1", PASSWORD).await;
    let (status, body) = app.get_json("/api/v1/admin/readers").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["state"], "deactivated", "{body}");
    assert!(body[0]["reason"].as_str().unwrap().contains("30 Juni 2026"), "{body}");

    // Even a SAM carrying a longer Dukcapil activation cannot read for Padan.
    app.sign_in("rina", PASSWORD).await;
    let n = nonce(&app).await;
    let read = read_with(&keys(), None, now(&app), ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!((status, code(&body)), (403, Some("reader_not_activated")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("30 Juni 2026"), "{body}");
});

both_engines!(agent_tickets_are_signed_for_the_officer_office_and_origin, |engine| async move {
    let Some(app) = options(engine, true).start_signed_in(Role::Officer).await else { return };
    let (status, body) = post_from(&app, "/api/v1/card/ticket", &json!({}), Some(OTHER_PAGE)).await;
    assert_eq!((status, code(&body)), (403, Some("origin_not_allowed")), "{body}");

    let (status, body) = post_from(&app, "/api/v1/card/ticket", &json!({}), Some(ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    let ticket = body["ticket"].as_str().unwrap();
    assert_eq!(body["agent_url"], "ws://127.0.0.1:47443/");
    let key: [u8; 32] = hex::decode(DEMO_TICKET_PUBLIC_KEY).unwrap().try_into().unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
    let agent = padan_reader_agent::ticket::TicketVerifier::new(key, Some("KANREG-V".into()));
    let claims = agent.verify(ticket, ORIGIN, now(&app)).expect("the agent accepts the ticket");
    assert_eq!((claims.office.as_str(), claims.origin.as_str()), ("KANREG-V", ORIGIN));
    assert!(claims.exp - claims.iat <= 300);
    assert_eq!(body["expires_at"].as_i64(), Some(claims.exp as i64));
    assert!(agent.verify(ticket, ORIGIN, now(&app)).is_err(), "single use");
    assert!(agent.verify(ticket, "https://evil.test", now(&app)).is_err(), "bound to the origin");

    let audit = app.audit().await;
    assert_eq!(audit.iter().filter(|r| r.event == "agent_ticket").count(), 2);
});

both_engines!(a_read_nonce_is_audited_before_it_is_issued_and_signed_for_the_agent, |engine| async move {
    use padan_protocol::agent::v1::CardField;
    let Some(app) = options(engine, true).start_signed_in(Role::Officer).await else { return };
    let key: [u8; 32] = hex::decode(DEMO_TICKET_PUBLIC_KEY).unwrap().try_into().unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
    let agent = padan_reader_agent::ticket::TicketVerifier::new(key, Some("KANREG-V".into()));
    let (status, body) = post_from(&app, "/api/v1/card/ticket", &json!({}), Some(ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    let ticket = agent.verify(body["ticket"].as_str().unwrap(), ORIGIN, now(&app)).expect("ticket");
    assert_eq!(ticket.fields, [CardField::Biodata, CardField::Photo], "the policy's fields, never minutiae");

    let (status, body) = post_from(&app, "/api/v1/card/nonce", &nonce_request(), Some(ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    let n = body["nonce"].as_str().unwrap().to_owned();
    let request_id = body["request_id"].as_str().map(str::to_owned);

    // Audited now, before any read, and whether or not /card/verify is ever called.
    let audit = app.audit().await;
    let issued: Vec<_> = audit.iter().filter(|r| r.event == "card_read_nonce").collect();
    assert_eq!(issued.len(), 1, "{audit:?}");
    let rec = issued[0];
    assert_eq!(rec.outcome, "ok");
    assert_eq!(rec.purpose.as_deref(), Some("data_casn_asn"));
    assert_eq!(rec.mechanism.as_deref(), Some("verify_elements"));
    assert_eq!(rec.office_code.as_deref(), Some("KANREG-V"));
    assert!(rec.officer_id.is_some() && !rec.request_id.is_empty());
    if let Some(id) = request_id {
        assert_eq!(rec.request_id, id);
    }
    assert!(!audit.iter().any(|r| r.event == "card_read"), "no verify yet");

    // Signed with the ticket key: the agent accepts it for this session, once.
    let claims = agent.verify_nonce(&n, &ticket, ORIGIN, now(&app)).expect("the agent accepts the nonce");
    assert_eq!(claims.fields, [CardField::Biodata, CardField::Photo]);
    assert_eq!((claims.officer.as_str(), claims.office.as_str()), (ticket.officer.as_str(), "KANREG-V"));
    assert!(rec.detail.as_deref().is_some_and(|d| d.contains(&claims.nid)), "{:?}", rec.detail);
    assert_eq!(body["expires_at"].as_i64(), Some(claims.exp as i64));
    assert!(claims.exp - claims.iat <= padan_protocol::agent::v1::MAX_NONCE_LIFETIME_SECS);
    assert_eq!(
        agent.verify_nonce(&n, &ticket, ORIGIN, now(&app)).err(),
        Some(padan_reader_agent::ticket::NonceError::Replayed)
    );
    let other = agent.verify_nonce(&n, &ticket, "https://evil.test", now(&app)).err();
    assert_eq!(other, Some(padan_reader_agent::ticket::NonceError::Invalid), "bound to the origin");

    // A read with it still verifies (the attestation binds the signed nonce).
    let read = read_with(&keys(), None, now(&app), ORIGIN, &n);
    let (status, body) = verify(&app, &n, &read).await;
    assert_eq!(status, 200, "{body}");

    // A refused nonce is audited too; a nonce needs a purpose.
    let (status, body) = post_from(&app, "/api/v1/card/nonce", &nonce_request(), Some(OTHER_PAGE)).await;
    assert_eq!((status, code(&body)), (403, Some("origin_not_allowed")), "{body}");
    let audit = app.audit().await;
    assert!(audit.iter().any(|r| r.event == "card_read_nonce" && r.outcome == "refused"));
    let (status, _) = post_from(&app, "/api/v1/card/nonce", &json!({}), Some(ORIGIN)).await;
    assert_eq!(status, 400);
    let all = format!("{audit:?}");
    assert!(!all.contains(&person().nik), "no card data in the audit trail");
});
