//! What the server needs from the hardware layer: a snapshot of readers,
//! hot-plug events, and fresh connections to the card and the SAM.

use padan_protocol::agent::v1::{CardEvent, ReaderEvent, ReaderInfo, ReaderRole};
use tokio::sync::broadcast;

use crate::transport::{CardTransport, TransportError};

/// The current view of the PC/SC world.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceSnapshot {
    pub service_up: bool,
    pub readers: Vec<ReaderInfo>,
    pub card_present: bool,
    pub sam_present: bool,
}

impl DeviceSnapshot {
    pub fn has_role(&self, role: ReaderRole) -> bool {
        self.readers.iter().any(|r| r.role == role)
    }
}

/// A change pushed to the connected client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    Reader {
        event: ReaderEvent,
        reader: ReaderInfo,
    },
    Card {
        event: CardEvent,
        reader: String,
    },
    /// The SAM slot's card changed: the server re-reads the SAM status.
    SamChanged,
    Service {
        up: bool,
    },
}

/// A source of readers and cards (PC/SC, or an in-process virtual kit).
pub trait Devices: Send + Sync + 'static {
    fn snapshot(&self) -> DeviceSnapshot;
    fn subscribe(&self) -> broadcast::Receiver<DeviceEvent>;
    /// Connects to the card in the contactless slot.
    fn connect_card(&self) -> Result<Box<dyn CardTransport>, TransportError>;
    /// Connects to the SAM in the SAM slot.
    fn connect_sam(&self) -> Result<Box<dyn CardTransport>, TransportError>;
}

/// Classifies a reader name by the configured patterns (case-insensitive
/// substrings; SAM patterns win, as dual readers name both slots alike).
pub fn classify(name: &str, card_patterns: &[String], sam_patterns: &[String]) -> ReaderRole {
    let lower = name.to_lowercase();
    if sam_patterns.iter().any(|p| lower.contains(&p.to_lowercase())) {
        ReaderRole::Sam
    } else if card_patterns.iter().any(|p| lower.contains(&p.to_lowercase())) {
        ReaderRole::Card
    } else {
        ReaderRole::Other
    }
}
