//! A virtual KTP-el card and SAM implementing Padan's emulation profile
//! (`docs/ktp-el-emulation-profile.md`) with real cryptography.
//!
//! - [`content`] issues a card from a synthetic [`padan_sim_dukcapil::Person`]
//!   (same seed as the Dukcapil simulator, so the NIK verifies there);
//! - [`card::VirtualCard`] and [`sam::VirtualSam`] process APDUs;
//! - [`vpcd`] plugs either into pcscd through vsmartcard's vpcd driver;
//! - [`attestation`] holds the pure functions the backend uses to check a read;
//! - [`Kit`] builds a card + SAM pair for a named [`Scenario`] (the failure modes).
//!
//! Keys come from [`keys::DemoKeys`]: deterministic **demo keys**, public by
//! construction, never for production.

pub mod attestation;
pub mod card;
pub mod content;
pub mod crypto;
pub mod image;
pub mod keys;
pub mod profile;
pub mod sam;
pub mod vpcd;

pub use attestation::{AttestationError, AttestationInput, VerifiedAttestation, verify_attestation};
pub use card::{CardFaults, Icc, Removed, VirtualCard};
pub use content::CardImage;
pub use keys::DemoKeys;
pub use sam::{SamOptions, VirtualSam};

/// Default reader serial and office bound into demo activation records.
pub const DEMO_READER_SERIAL: &str = "PADAN-VR-0001";
pub const DEMO_OFFICE: &str = "KANREG-V";
/// Default activation length of the demo SAM.
pub const DEMO_ACTIVATION_DAYS: u64 = 180;

/// The failure modes the simulator can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Genuine card, activated SAM.
    Genuine,
    /// The card leaves the field after this many APDUs.
    RemovedAfter(usize),
    /// Card keys from a wrong master key.
    Clone,
    /// EF 6FF1 altered after issuing: the issuer signature fails.
    Tampered,
    /// No SAM in the SAM slot.
    SamAbsent,
    /// SAM personalised but no activation record.
    SamNotActivated,
    /// Activation record whose validity ended yesterday.
    SamExpired,
    /// SAM locked after too many wrong configuration keys.
    SamLocked,
    /// SAM deactivated by Dukcapil.
    SamDeactivated,
}

impl Scenario {
    pub fn parse(s: &str) -> Option<Scenario> {
        Some(match s {
            "genuine" => Scenario::Genuine,
            "clone" => Scenario::Clone,
            "tampered" => Scenario::Tampered,
            "sam-absent" => Scenario::SamAbsent,
            "sam-not-activated" => Scenario::SamNotActivated,
            "sam-expired" => Scenario::SamExpired,
            "sam-locked" => Scenario::SamLocked,
            "sam-deactivated" => Scenario::SamDeactivated,
            other => Scenario::RemovedAfter(other.strip_prefix("removed-after-")?.parse().ok()?),
        })
    }
}

/// A card and a SAM set up for one scenario.
#[derive(Debug)]
pub struct Kit {
    pub keys: DemoKeys,
    pub card: VirtualCard,
    pub sam: Option<VirtualSam>,
}

impl Kit {
    /// `now` (unix seconds) anchors the activation validity; `entropy` seeds the chips' randomness.
    pub fn new(keys: &DemoKeys, image: CardImage, scenario: Scenario, now: u64, entropy: u64) -> Kit {
        let mut faults = CardFaults::default();
        let mut master = keys.card_master;
        let mut opts = SamOptions::activated(keys, now, DEMO_ACTIVATION_DAYS, DEMO_READER_SERIAL, DEMO_OFFICE);
        match scenario {
            Scenario::Genuine | Scenario::Tampered | Scenario::SamAbsent => {}
            Scenario::RemovedAfter(n) => faults.remove_after = Some(n),
            Scenario::Clone => {
                faults.clone = true;
                master = keys.clone_master();
            }
            Scenario::SamNotActivated => opts.activation = None,
            Scenario::SamExpired => {
                if let Some(a) = opts.activation.as_mut() {
                    a.valid_from = now.saturating_sub(200 * 86_400);
                    a.valid_until = now.saturating_sub(86_400);
                }
            }
            Scenario::SamLocked => opts.locked = true,
            Scenario::SamDeactivated => opts.deactivated = true,
        }
        let mut card = VirtualCard::new(image, &master, faults, entropy);
        if scenario == Scenario::Tampered {
            card.tamper_biodata();
        }
        let sam = (scenario != Scenario::SamAbsent).then(|| VirtualSam::new(keys, &opts, entropy ^ 0x5A5A));
        Kit { keys: keys.clone(), card, sam }
    }
}
