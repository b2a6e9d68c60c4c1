//! Test support: the in-process virtual card + SAM behind the agent's
//! `Devices`/`CardTransport` traits, keys, tickets and a WebSocket client.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use padan_protocol::agent::v1::{CardField, NonceClaims, ReaderInfo, ReaderRole, TicketClaims};
use padan_reader_agent::config::Config;
use padan_reader_agent::devices::{DeviceEvent, DeviceSnapshot, Devices};
use padan_reader_agent::profile::SamCredentials;
use padan_reader_agent::transport::{CardTransport, TransportError};
use padan_sim_dukcapil::Population;
use padan_sim_ktp_card::{CardImage, DemoKeys, Icc, Kit, Scenario};
use tokio::sync::broadcast;

/// The Dukcapil simulator's default seed: cards and registry agree.
pub const SEED: u64 = 20_240_628;
/// A small population: the first persons are the same for any size.
pub const PERSONS: usize = 200;
/// 2026-01-01T00:00:00Z
pub const NOW: u64 = 1_767_225_600;
pub const ORIGIN: &str = "https://padan.bkn.test";

pub fn population() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| Population::generate(SEED, PERSONS))
}

pub fn keys() -> &'static DemoKeys {
    static KEYS: OnceLock<DemoKeys> = OnceLock::new();
    KEYS.get_or_init(|| DemoKeys::from_seed(SEED))
}

pub fn image(index: usize) -> CardImage {
    CardImage::for_population(population(), index, keys()).unwrap()
}

pub fn credentials() -> SamCredentials {
    SamCredentials { pcid: keys().pcid, config_key: zeroize::Zeroizing::new(keys().config_key) }
}

/// One chip shared by every connection to it (a physical card keeps its state).
#[derive(Clone)]
pub struct Shared(pub Arc<Mutex<Box<dyn Icc>>>, pub Duration);

impl CardTransport for Shared {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.1.is_zero() {
            std::thread::sleep(self.1);
        }
        self.0.lock().unwrap().process(apdu).map_err(|_| TransportError::CardRemoved)
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.0.lock().unwrap().reset();
        Ok(())
    }
    fn atr(&self) -> Vec<u8> {
        self.0.lock().unwrap().atr()
    }
}

/// `Devices` over an in-process [`Kit`].
pub struct VirtualDevices {
    pub card: Option<Shared>,
    pub sam: Option<Shared>,
    pub events: broadcast::Sender<DeviceEvent>,
}

impl VirtualDevices {
    pub fn new(scenario: Scenario, delay: Duration) -> VirtualDevices {
        let kit = Kit::new(keys(), image(0), scenario, NOW, 42);
        let card: Box<dyn Icc> = Box::new(kit.card);
        let sam = kit.sam.map(|s| Shared(Arc::new(Mutex::new(Box::new(s) as Box<dyn Icc>)), Duration::ZERO));
        VirtualDevices { card: Some(Shared(Arc::new(Mutex::new(card)), delay)), sam, events: broadcast::channel(16).0 }
    }
}

impl Devices for VirtualDevices {
    fn snapshot(&self) -> DeviceSnapshot {
        DeviceSnapshot {
            service_up: true,
            readers: vec![
                ReaderInfo { name: "Virtual PCD 00 00".into(), role: ReaderRole::Card },
                ReaderInfo { name: "Virtual PCD 00 01".into(), role: ReaderRole::Sam },
            ],
            card_present: self.card.is_some(),
            sam_present: self.sam.is_some(),
        }
    }
    fn subscribe(&self) -> broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }
    fn connect_card(&self) -> Result<Box<dyn CardTransport>, TransportError> {
        self.card.clone().map(|c| Box::new(c) as Box<dyn CardTransport>).ok_or(TransportError::NoCard)
    }
    fn connect_sam(&self) -> Result<Box<dyn CardTransport>, TransportError> {
        self.sam.clone().map(|c| Box::new(c) as Box<dyn CardTransport>).ok_or(TransportError::NoCard)
    }
}

/// The backend's ticket key in tests.
pub fn backend_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[0x42; 32])
}

pub fn config(port: u16) -> Config {
    let text = format!(
        r#"
listen_port = {port}
allowed_origins = ["{ORIGIN}"]
backend_ticket_public_key = "{}"
office = "BKN-PUSAT"
sam_pcid = "{}"
sam_config_key = "{}"
"#,
        hex::encode(backend_key().verifying_key().to_bytes()),
        hex::encode(keys().pcid),
        hex::encode(keys().config_key),
    );
    let mut c = Config::parse(&text, None).unwrap();
    c.hello_timeout = Duration::from_millis(400);
    c
}

/// What the backend's policy grants a card read today.
pub const GRANTED: [CardField; 2] = [CardField::Biodata, CardField::Photo];
/// The officer pseudonym of the test tickets and nonces.
pub const OFFICER: &str = "officer-7f3a";

pub fn ticket(tid: &str, iat: u64, exp: u64) -> String {
    ticket_with(tid, iat, exp, &GRANTED)
}

pub fn ticket_with(tid: &str, iat: u64, exp: u64, fields: &[CardField]) -> String {
    padan_reader_agent::ticket::sign_ticket(
        &backend_key(),
        &TicketClaims {
            tid: tid.into(),
            officer: OFFICER.into(),
            office: "BKN-PUSAT".into(),
            origin: ORIGIN.into(),
            iat,
            exp,
            fields: fields.to_vec(),
        },
    )
}

/// The claims of a read nonce as the backend issues them (`GRANTED`, [`OFFICER`], [`ORIGIN`]).
pub fn nonce_claims(nid: &str, iat: u64, exp: u64) -> NonceClaims {
    NonceClaims {
        nid: nid.into(),
        officer: OFFICER.into(),
        office: "BKN-PUSAT".into(),
        origin: ORIGIN.into(),
        iat,
        exp,
        fields: GRANTED.to_vec(),
    }
}

pub fn sign_nonce(claims: &NonceClaims) -> String {
    padan_reader_agent::ticket::sign_nonce(&backend_key(), claims)
}

/// A backend-signed read nonce valid for two minutes from `now`.
pub fn nonce(nid: &str, now: u64) -> String {
    sign_nonce(&nonce_claims(nid, now, now + 120))
}
