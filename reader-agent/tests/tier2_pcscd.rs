//! Tier 2: the whole agent through a REAL pcscd with vsmartcard's vpcd
//! driver; the virtual card and SAM connect to vpcd as vicc clients.
//!
//! Needs the Debian packages `pcscd vsmartcard-vpcd` (and `libpcsclite-dev`
//! to build). Fails with a clear message when they are missing, unless
//! `PADAN_PCSC_SKIP=1`. Starts its own `pcscd --foreground` under `setsid`
//! with a private reader.conf directory (`padan_testkit::card::Pcscd`) and
//! stops it by PID; refuses to run if another pcscd owns the socket. `PADAN_VPCD_PORT` (default 35963) picks
//! the vpcd port pair (card on it, SAM on it + 1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use padan_protocol::agent::v1::{AgentErrorCode, AgentMessage, CardEvent, CardField, ClientMessage, ReaderRole};
use padan_reader_agent::clock::{Clock, SystemClock};
use padan_reader_agent::pcsc_backend::{Patterns, PcscDevices, PcscTransport};
use padan_reader_agent::profile::{self, ReadRequest};
use padan_sim_ktp_card::{Icc, Kit, Scenario, vpcd};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Where the pcscd started by this test writes, for failure messages.
static PCSCD_LOG: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// The kit's pcscd (stopped by PID on drop) and its directory, which goes after it.
struct Pcscd {
    _pcscd: padan_testkit::card::Pcscd,
    _dir: tempfile::TempDir,
}

fn vpcd_port() -> u16 {
    padan_testkit::card::vpcd_port_from_env()
}

/// `None` when skipped on purpose.
fn start_pcscd() -> Option<Pcscd> {
    if !padan_testkit::card::missing_packages(false).is_empty() {
        if std::env::var("PADAN_PCSC_SKIP").as_deref() == Ok("1") {
            eprintln!("tier 2 skipped: pcscd/vpcd not installed and PADAN_PCSC_SKIP=1");
            return None;
        }
        panic!(
            "tier 2 needs pcscd and vsmartcard's vpcd: `apt-get install pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools` \
             (or set PADAN_PCSC_SKIP=1 to skip)"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    // Refuses when another pcscd owns /run/pcscd/pcscd.comm.
    let pcscd = padan_testkit::card::Pcscd::start(dir.path(), vpcd_port()).unwrap_or_else(|e| panic!("{e:#}"));
    if let Some(log) = pcscd.log_path() {
        let _ = PCSCD_LOG.set(log.to_owned());
    }
    let guard = Pcscd { _pcscd: pcscd, _dir: dir };
    // Wait until both vpcd slots are listed.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) {
            if ctx.list_readers_owned().is_ok_and(|r| r.len() >= 2) {
                return Some(guard);
            }
        }
        assert!(Instant::now() < deadline, "pcscd did not list the vpcd readers in time");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A virtual chip inserted into one vpcd slot.
struct Slot {
    stream: TcpStream,
    thread: JoinHandle<()>,
    role: ReaderRole,
    /// pcscd's event counter for the reader once it had seen this chip.
    seen_at: u32,
}

/// Plugs `icc` into the vpcd slot on `port` and returns once pcscd's reader
/// thread has taken it in (the reader shows PRESENT and a connect works).
fn insert(port: u16, mut icc: Box<dyn Icc>) -> Slot {
    let role = if port == vpcd_port() { ReaderRole::Card } else { ReaderRole::Sam };
    let mut stream = vpcd::connect(&format!("127.0.0.1:{port}"), Duration::from_secs(10)).unwrap();
    let handle = stream.try_clone().unwrap();
    let thread = std::thread::spawn(move || {
        let _ = vpcd::serve(&mut stream, icc.as_mut());
    });
    let seen_at = wait_reader(role, "the chip to be taken in", |state, _| {
        state.contains(pcsc::State::PRESENT)
            && !state.contains(pcsc::State::MUTE)
            && PcscTransport::connect(&patterns(), role).is_ok()
    });
    Slot { stream: handle, thread, role, seen_at }
}

impl Slot {
    /// Pulls the chip and returns once pcscd's reader thread has seen it go.
    ///
    /// A failing connect is not enough: when a client's reset of the dead
    /// card fails, pcscd marks the reader empty without its reader thread
    /// having polled the absence, and a chip plugged in before that poll is
    /// taken by the thread for the old one, never powered up, and the reader
    /// stays EMPTY. The thread bumps the reader's event counter when it sees
    /// the card leave, so wait for that.
    fn remove(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        let _ = self.thread.join();
        let since = self.seen_at;
        wait_reader(self.role, "the chip to leave", |state, count| {
            state.contains(pcsc::State::EMPTY)
                && count != since
                && PcscTransport::connect(&patterns(), self.role).is_err()
        });
    }
}

fn kit(scenario: Scenario) -> Kit {
    Kit::new(keys(), image(0), scenario, SystemClock.now(), SystemClock.now())
}

/// Polls the reader in `role` as pcscd publishes it (state, event counter)
/// until `done`; returns the counter. Fails with pcscd's view and log tail.
fn wait_reader(role: ReaderRole, what: &str, mut done: impl FnMut(pcsc::State, u32) -> bool) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    loop {
        if let Some((state, count)) = reader_status(role) {
            if done(state, count) {
                return count;
            }
            last = Some((state, count));
        }
        if Instant::now() >= deadline {
            let log = PCSCD_LOG.get().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
            panic!(
                "{role:?} reader: timed out waiting for {what}; last state and event count {last:?}\npcscd log (tail):\n{}",
                tail.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The state and event counter pcscd publishes for the reader in `role`.
fn reader_status(role: ReaderRole) -> Option<(pcsc::State, u32)> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).ok()?;
    let p = patterns();
    let name = ctx.list_readers_owned().ok()?.into_iter().find(|n| p.role(&n.to_string_lossy()) == role)?;
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    ctx.get_status_change(Duration::from_millis(0), &mut states).ok()?;
    Some((states[0].event_state(), states[0].event_count()))
}

fn patterns() -> Patterns {
    let c = config(0);
    Patterns { card: c.card_reader_patterns, sam: c.sam_reader_patterns }
}

fn read_direct(nonce: &str) -> Result<padan_protocol::agent::v1::CardReadResult, profile::ReadError> {
    let p = patterns();
    let mut sam = PcscTransport::connect(&p, ReaderRole::Sam).unwrap();
    let mut card = PcscTransport::connect(&p, ReaderRole::Card).unwrap();
    let creds = credentials();
    let req = ReadRequest {
        origin: ORIGIN,
        nonce,
        fields: &[CardField::Biodata, CardField::Photo],
        now: SystemClock.now(),
        credentials: &creds,
    };
    profile::read_card(&mut card, &mut sam, &req, &mut |_, _| {}, &std::sync::atomic::AtomicBool::new(false))
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next(ws: &mut Ws) -> AgentMessage {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.next()).await.expect("agent message in time") {
            Some(Ok(Message::Text(t))) => return serde_json::from_str::<AgentMessage>(&t).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("connection ended: {other:?}"),
        }
    }
}

/// Next message that is not progress or a SAM/reader event.
async fn next_answer(ws: &mut Ws) -> AgentMessage {
    loop {
        match next(ws).await {
            AgentMessage::Progress { .. } | AgentMessage::Sam(_) | AgentMessage::Reader { .. } => {}
            m => return m,
        }
    }
}

static PCSCD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn tier2_full_stack_through_pcscd_and_vpcd() {
    let _lock = PCSCD_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(_pcscd) = start_pcscd() else { return };
    let port = vpcd_port();
    let sam_kit = kit(Scenario::Genuine);
    let sam = insert(port + 1, Box::new(sam_kit.sam.unwrap()));
    let card = insert(port, Box::new(kit(Scenario::Genuine).card));

    // 1. Profile directly over PC/SC: a genuine read verifies.
    let r = read_direct("t2-direct").unwrap();
    assert_eq!(r.card.biodata.as_ref().unwrap().nik, population().persons()[0].nik);

    // 2. Timing (the figure for docs/benchmarks.md; not asserted in debug builds).
    let mut times: Vec<f64> = (0..10)
        .map(|i| {
            let t = Instant::now();
            read_direct(&format!("t2-{i}")).unwrap();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    eprintln!(
        "tier 2: full read through pcscd/vpcd, median {:.1} ms over {} reads",
        times[times.len() / 2],
        times.len()
    );

    // 3. The running agent over WebSocket, PC/SC devices underneath.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let devices = Arc::new(PcscDevices::start(patterns()).unwrap());
        let running = padan_reader_agent::server::start(config(0), devices, Arc::new(SystemClock)).await.unwrap();
        let mut req = format!("ws://127.0.0.1:{}/", running.port).into_client_request().unwrap();
        req.headers_mut().insert("origin", ORIGIN.parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let now = SystemClock.now();
        let hello = ClientMessage::Hello {
            id: 1,
            ticket: ticket("t2", now, now + 120),
            min_api_level: padan_protocol::agent::v1::MIN_API_LEVEL,
            max_api_level: padan_protocol::agent::v1::MAX_API_LEVEL,
        };
        ws.send(Message::text(serde_json::to_string(&hello).unwrap())).await.unwrap();
        assert!(matches!(next(&mut ws).await, AgentMessage::Welcome { .. }));
        loop {
            if let AgentMessage::Sam(s) = next(&mut ws).await {
                assert!(s.present && s.valid, "{s:?}");
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await; // let the monitor see the card
        let read = |id: u32| ClientMessage::ReadCard {
            id,
            nonce: nonce(&format!("ws-{id}"), now),
            fields: vec![CardField::Biodata],
        };
        ws.send(Message::text(serde_json::to_string(&read(2)).unwrap())).await.unwrap();
        assert!(matches!(next_answer(&mut ws).await, AgentMessage::ReadResult { id: 2, .. }));
        // A nonce the backend did not sign reads nothing.
        let unsigned = ClientMessage::ReadCard { id: 9, nonce: "ws-unsigned".into(), fields: vec![CardField::Biodata] };
        ws.send(Message::text(serde_json::to_string(&unsigned).unwrap())).await.unwrap();
        assert!(matches!(
            next_answer(&mut ws).await,
            AgentMessage::Error { id: Some(9), code: AgentErrorCode::NonceInvalid, .. }
        ));

        // 4. Card pulled mid-read: CARD_REMOVED, events, and a retry with the card back works.
        tokio::task::spawn_blocking(move || card.remove()).await.unwrap();
        let mut saw_removed = false;
        for _ in 0..5 {
            if let AgentMessage::Card { event: CardEvent::Removed, .. } = next_answer(&mut ws).await {
                saw_removed = true;
                break;
            }
        }
        assert!(saw_removed, "CARD REMOVED pushed");
        let flaky = tokio::task::spawn_blocking(move || insert(port, Box::new(kit(Scenario::RemovedAfter(15)).card)))
            .await
            .unwrap();
        loop {
            if let AgentMessage::Card { event: CardEvent::Inserted, .. } = next_answer(&mut ws).await {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        ws.send(Message::text(serde_json::to_string(&read(3)).unwrap())).await.unwrap();
        loop {
            match next_answer(&mut ws).await {
                AgentMessage::Error { id: Some(3), code, message } => {
                    assert_eq!(code, AgentErrorCode::CardRemoved, "{message}");
                    break;
                }
                AgentMessage::Card { .. } => {}
                other => panic!("expected CARD_REMOVED, got {other:?}"),
            }
        }
        tokio::task::spawn_blocking(move || flaky.remove()).await.unwrap();
        let good =
            tokio::task::spawn_blocking(move || insert(port, Box::new(kit(Scenario::Genuine).card))).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        ws.send(Message::text(serde_json::to_string(&read(4)).unwrap())).await.unwrap();
        loop {
            match next_answer(&mut ws).await {
                AgentMessage::ReadResult { id: 4, .. } => break,
                AgentMessage::Card { .. } => {}
                other => panic!("retry should succeed, got {other:?}"),
            }
        }

        // 5. A clone in the reader.
        tokio::task::spawn_blocking(move || good.remove()).await.unwrap();
        let clone =
            tokio::task::spawn_blocking(move || insert(port, Box::new(kit(Scenario::Clone).card))).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        ws.send(Message::text(serde_json::to_string(&read(5)).unwrap())).await.unwrap();
        loop {
            match next_answer(&mut ws).await {
                AgentMessage::Error { id: Some(5), code, .. } => {
                    assert_eq!(code, AgentErrorCode::CardNotGenuine);
                    break;
                }
                AgentMessage::Card { .. } => {}
                other => panic!("expected CARD_NOT_GENUINE, got {other:?}"),
            }
        }
        tokio::task::spawn_blocking(move || clone.remove()).await.unwrap();
    });
    sam.remove();
}

/// Tier 3: real hardware. Opt in with `PADAN_REAL_READER=1` and
/// `PADAN_REAL_AGENT_CONFIG=/path/agent.toml` (the installation's SAM
/// credentials) with a card on the reader; runs against the system pcscd.
#[test]
#[ignore = "real hardware: PADAN_REAL_READER=1 cargo test -p padan-reader-agent --test tier2_pcscd -- --ignored tier3"]
fn tier3_real_reader() {
    if std::env::var("PADAN_REAL_READER").as_deref() != Ok("1") {
        eprintln!("tier 3 skipped: set PADAN_REAL_READER=1");
        return;
    }
    let path = std::env::var("PADAN_REAL_AGENT_CONFIG").expect("PADAN_REAL_AGENT_CONFIG");
    let cfg = padan_reader_agent::config::Config::load(std::path::Path::new(&path)).unwrap();
    let p = Patterns { card: cfg.card_reader_patterns.clone(), sam: cfg.sam_reader_patterns.clone() };
    let mut sam = PcscTransport::connect(&p, ReaderRole::Sam).expect("SAM slot with a SAM");
    let mut card = PcscTransport::connect(&p, ReaderRole::Card).expect("card reader with a card");
    let req = ReadRequest {
        origin: &cfg.allowed_origins[0],
        nonce: "tier3",
        fields: &[],
        now: SystemClock.now(),
        credentials: &cfg.sam,
    };
    let r = profile::read_card(&mut card, &mut sam, &req, &mut |_, _| {}, &std::sync::atomic::AtomicBool::new(false));
    assert!(r.is_ok(), "real read failed: {:?}", r.err());
}
