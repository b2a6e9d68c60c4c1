//! PC/SC (pcsc-lite on Linux, WinSCard on Windows) through the `pcsc` crate.
//!
//! A dedicated monitor thread blocks in `SCardGetStatusChange` over every
//! reader plus the `\\?PnP?\Notification` pseudo-reader, keeps a snapshot and
//! broadcasts reader/card events. Reads open their own context and card
//! handle on the (blocking) thread that performs them, and hold a PC/SC
//! transaction on each for the whole multi-APDU read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use padan_protocol::agent::v1::{CardEvent, ReaderEvent, ReaderInfo, ReaderRole};
use pcsc::{Context, Error as PcscError, Protocols, ReaderState, Scope, ShareMode, State};
use tokio::sync::broadcast;
use zeroize::Zeroizing;

use crate::devices::{DeviceEvent, DeviceSnapshot, Devices, classify};
use crate::transport::{CardTransport, TransportError};

fn map_err(e: PcscError) -> TransportError {
    match e {
        PcscError::RemovedCard | PcscError::ResetCard | PcscError::NoSmartcard | PcscError::UnpoweredCard => {
            TransportError::CardRemoved
        }
        PcscError::ReaderUnavailable | PcscError::UnknownReader | PcscError::NoReadersAvailable => {
            TransportError::ReaderGone
        }
        PcscError::NoService | PcscError::ServiceStopped => TransportError::ServiceDown,
        other => TransportError::Other(other.to_string()),
    }
}

/// One connected card.
pub struct PcscTransport {
    card: pcsc::Card,
    atr: Vec<u8>,
    _context: Context,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PcscTransport")
    }
}

impl PcscTransport {
    /// Connects (shared, T=0 or T=1) to the card in the first reader of `role`.
    pub fn connect(patterns: &Patterns, role: ReaderRole) -> Result<PcscTransport, TransportError> {
        let ctx = Context::establish(Scope::User).map_err(map_err)?;
        let readers = ctx.list_readers_owned().map_err(map_err)?;
        let name = readers
            .into_iter()
            .find(|r| patterns.role(&r.to_string_lossy()) == role)
            .ok_or(TransportError::ReaderGone)?;
        let card = ctx.connect(&name, ShareMode::Shared, Protocols::ANY).map_err(map_err)?;
        let atr = card.status2_owned().map(|s| s.atr().to_vec()).unwrap_or_default();
        Ok(PcscTransport { card, atr, _context: ctx })
    }
}

impl CardTransport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(&self.card, apdu)
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.card.reconnect(ShareMode::Shared, Protocols::ANY, pcsc::Disposition::ResetCard).map_err(map_err)
    }

    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    /// Holds a `pcsc::Transaction` (`SCardBeginTransaction`) while `body`
    /// runs. Beginning one on a removed card fails like a transmit would
    /// ([`TransportError::CardRemoved`]); ending it (on drop, `LeaveCard`)
    /// cannot fail in a way the body has not already reported.
    ///
    /// Windows resets a card whose transaction stays idle for more than
    /// five seconds; a read sends APDUs far more often than that.
    fn transaction(&mut self, body: &mut dyn FnMut(&mut dyn CardTransport)) -> Result<(), TransportError> {
        let tx = self.card.transaction().map_err(map_err)?;
        body(&mut Exclusive { tx, atr: &self.atr });
        Ok(())
    }
}

/// The card inside a transaction: every exchange goes through it.
struct Exclusive<'a> {
    tx: pcsc::Transaction<'a>,
    atr: &'a [u8],
}

impl CardTransport for Exclusive<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(&self.tx, apdu)
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.tx.reconnect(ShareMode::Shared, Protocols::ANY, pcsc::Disposition::ResetCard).map_err(map_err)
    }

    fn atr(&self) -> Vec<u8> {
        self.atr.to_vec()
    }
    // `transaction`: the default runs the body here, already exclusive.
}

/// One exchange; the receive buffer is zeroed (it holds card data).
fn transmit_on(card: &pcsc::Card, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut buf = Zeroizing::new(vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED]);
    match card.transmit(apdu, &mut buf) {
        Ok(r) if r.len() >= 2 => Ok(r.to_vec()),
        // A contactless card leaving the field mid-exchange surfaces as an
        // empty answer or a transmission failure first; the card status
        // tells what happened.
        Ok(_) => diagnose_failure(card, PcscError::CommError),
        Err(e @ (PcscError::NotTransacted | PcscError::CommError | PcscError::UnknownError)) => {
            diagnose_failure(card, e)
        }
        Err(e) => Err(map_err(e)),
    }
}

/// After a failed exchange, asks PC/SC whether the card is still there.
/// The reader driver may notice the absence only at its next poll, so
/// this looks for up to [`REMOVAL_GRACE`].
fn diagnose_failure(card: &pcsc::Card, e: PcscError) -> Result<Vec<u8>, TransportError> {
    let deadline = std::time::Instant::now() + REMOVAL_GRACE;
    loop {
        match card.status2_owned() {
            Ok(st) if st.status().contains(pcsc::Status::PRESENT) => {}
            _ => return Err(TransportError::CardRemoved),
        }
        if std::time::Instant::now() >= deadline {
            return Err(TransportError::Other(e.to_string()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How long a failed exchange waits for PC/SC to report a removal.
const REMOVAL_GRACE: Duration = Duration::from_millis(1500);

/// Reader-name patterns from the configuration.
#[derive(Debug, Clone)]
pub struct Patterns {
    pub card: Vec<String>,
    pub sam: Vec<String>,
}

impl Patterns {
    pub fn role(&self, name: &str) -> ReaderRole {
        classify(name, &self.card, &self.sam)
    }
}

/// PC/SC devices with a monitor thread.
pub struct PcscDevices {
    patterns: Patterns,
    snapshot: Arc<Mutex<DeviceSnapshot>>,
    events: broadcast::Sender<DeviceEvent>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for PcscDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscDevices").field("patterns", &self.patterns).finish_non_exhaustive()
    }
}

impl Drop for PcscDevices {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl PcscDevices {
    /// Starts the monitor thread.
    pub fn start(patterns: Patterns) -> std::io::Result<PcscDevices> {
        let (events, _) = broadcast::channel(64);
        let snapshot = Arc::new(Mutex::new(DeviceSnapshot::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let monitor = Monitor {
            patterns: patterns.clone(),
            snapshot: snapshot.clone(),
            events: events.clone(),
            stop: stop.clone(),
        };
        std::thread::Builder::new().name("pcsc-monitor".into()).spawn(move || monitor.run())?;
        Ok(PcscDevices { patterns, snapshot, events, stop })
    }
}

impl Devices for PcscDevices {
    fn snapshot(&self) -> DeviceSnapshot {
        self.snapshot.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
    fn subscribe(&self) -> broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }
    fn connect_card(&self) -> Result<Box<dyn CardTransport>, TransportError> {
        Ok(Box::new(PcscTransport::connect(&self.patterns, ReaderRole::Card)?))
    }
    fn connect_sam(&self) -> Result<Box<dyn CardTransport>, TransportError> {
        Ok(Box::new(PcscTransport::connect(&self.patterns, ReaderRole::Sam)?))
    }
}

struct Monitor {
    patterns: Patterns,
    snapshot: Arc<Mutex<DeviceSnapshot>>,
    events: broadcast::Sender<DeviceEvent>,
    stop: Arc<AtomicBool>,
}

impl Monitor {
    fn publish(&self, snap: DeviceSnapshot, events: Vec<DeviceEvent>) {
        *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) = snap;
        for e in events {
            let _ = self.events.send(e);
        }
    }

    fn run(self) {
        let mut service_up: Option<bool> = None;
        while !self.stop.load(Ordering::Relaxed) {
            match Context::establish(Scope::User) {
                Ok(ctx) => {
                    if service_up != Some(true) {
                        let _ = self.events.send(DeviceEvent::Service { up: true });
                    }
                    service_up = Some(true);
                    if let Err(e) = self.watch(&ctx) {
                        tracing::warn!(error = %e, "PC/SC monitor lost the service");
                    }
                }
                Err(_) => {
                    if service_up != Some(false) {
                        tracing::warn!("PC/SC service not available");
                        let snap = DeviceSnapshot { service_up: false, ..DeviceSnapshot::default() };
                        let mut events = vec![DeviceEvent::Service { up: false }];
                        let old = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner).clone();
                        for r in old.readers {
                            events.push(DeviceEvent::Reader { event: ReaderEvent::Removed, reader: r });
                        }
                        self.publish(snap, events);
                    }
                    service_up = Some(false);
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }

    /// Tracks readers and cards until the service goes away.
    fn watch(&self, ctx: &Context) -> Result<(), PcscError> {
        // name -> (role, card present)
        let mut known: BTreeMap<String, (ReaderRole, bool)> = BTreeMap::new();
        let mut states: Vec<ReaderState> = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
        let mut first = true;
        while !self.stop.load(Ordering::Relaxed) {
            // Refresh the reader list (PnP told us, or first round).
            let names = match ctx.list_readers_owned() {
                Ok(n) => n,
                Err(PcscError::NoReadersAvailable) => Vec::new(),
                Err(e) => return Err(e),
            };
            states.retain(|s| s.name() == pcsc::PNP_NOTIFICATION() || names.iter().any(|n| n.as_c_str() == s.name()));
            for n in &names {
                if !states.iter().any(|s| s.name() == n.as_c_str()) {
                    states.push(ReaderState::new(n.clone(), State::UNAWARE));
                }
            }
            match ctx.get_status_change(Duration::from_millis(if first { 0 } else { 1500 }), &mut states) {
                Ok(()) | Err(PcscError::Timeout) => {}
                Err(PcscError::NoReadersAvailable) => {}
                Err(e) => return Err(e),
            }
            first = false;
            let mut events = Vec::new();
            let mut now: BTreeMap<String, (ReaderRole, bool)> = BTreeMap::new();
            for s in &mut states {
                if s.name() == pcsc::PNP_NOTIFICATION() {
                    s.sync_current_state();
                    continue;
                }
                let name = s.name().to_string_lossy().to_string();
                let ev = s.event_state();
                if ev.intersects(State::UNKNOWN | State::IGNORE) {
                    continue;
                }
                let present = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
                s.sync_current_state();
                now.insert(name.clone(), (self.patterns.role(&name), present));
            }
            for (name, (role, present)) in &now {
                let reader = ReaderInfo { name: name.clone(), role: *role };
                match known.get(name) {
                    None => {
                        events.push(DeviceEvent::Reader { event: ReaderEvent::Attached, reader });
                        if *present {
                            events.push(card_event(*role, name, CardEvent::Inserted));
                        }
                    }
                    Some((_, was)) if was != present => {
                        let e = if *present { CardEvent::Inserted } else { CardEvent::Removed };
                        events.push(card_event(*role, name, e));
                    }
                    Some(_) => {}
                }
            }
            for (name, (role, present)) in &known {
                if !now.contains_key(name) {
                    if *present {
                        events.push(card_event(*role, name, CardEvent::Removed));
                    }
                    events.push(DeviceEvent::Reader {
                        event: ReaderEvent::Removed,
                        reader: ReaderInfo { name: name.clone(), role: *role },
                    });
                }
            }
            let snap = DeviceSnapshot {
                service_up: true,
                readers: now.iter().map(|(n, (r, _))| ReaderInfo { name: n.clone(), role: *r }).collect(),
                card_present: now.values().any(|(r, p)| *r == ReaderRole::Card && *p),
                sam_present: now.values().any(|(r, p)| *r == ReaderRole::Sam && *p),
            };
            if !events.is_empty() || *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) != snap {
                self.publish(snap, events);
            }
            known = now;
        }
        Ok(())
    }
}

fn card_event(role: ReaderRole, reader: &str, event: CardEvent) -> DeviceEvent {
    if role == ReaderRole::Sam {
        DeviceEvent::SamChanged
    } else {
        DeviceEvent::Card { event, reader: reader.to_string() }
    }
}
