//! Tier 1: the agent's KTP-el profile against the in-process virtual card and
//! SAM, including every APDU-level failure mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use padan_ktpel::{AttestationError, AttestationInput, verify_attestation};
use padan_protocol::agent::v1::{AgentErrorCode, CardField, CardReadResult, SamState};
use padan_reader_agent::profile::{self, ReadError, ReadRequest};
use padan_reader_agent::transport::{CardTransport, TransportError};
use padan_sim_ktp_card::Scenario;

fn read_with(
    card: &mut dyn CardTransport,
    sam: &mut dyn CardTransport,
    nonce: &str,
    fields: &[CardField],
) -> Result<CardReadResult, ReadError> {
    let creds = credentials();
    let req = ReadRequest { origin: ORIGIN, nonce, fields, now: NOW, credentials: &creds };
    profile::read_card(card, sam, &req, &mut |_, _| {}, &AtomicBool::new(false))
}

fn read(scenario: Scenario) -> Result<CardReadResult, ReadError> {
    let d = VirtualDevices::new(scenario, Duration::ZERO);
    let mut card = d.card.clone().unwrap();
    let mut sam = d.sam.clone().expect("scenario has a SAM");
    read_with(
        &mut card,
        &mut sam,
        "nonce-1",
        &[CardField::Biodata, CardField::Photo, CardField::Signature, CardField::Minutiae],
    )
}

/// What the backend does with a result.
pub fn verify(r: &CardReadResult, origin: &str, nonce: &str, now: u64) -> Result<(), AttestationError> {
    let uid = hex::decode(&r.card.uid).unwrap();
    let digests: [[u8; 32]; 7] =
        std::array::from_fn(|i| hex::decode(&r.card.files[i].sha256).unwrap().try_into().unwrap());
    let a = &r.attestation;
    let (sig, cert, act) = (
        B64.decode(&a.signature).unwrap(),
        B64.decode(&a.sam_certificate).unwrap(),
        B64.decode(&a.activation_record).unwrap(),
    );
    let input = AttestationInput {
        origin,
        nonce,
        uid: &uid,
        file_digests: &digests,
        signature: &sig,
        sam_certificate: &cert,
        activation_record: &act,
    };
    verify_attestation(&input, &keys().sam_ca_public(), &keys().activation_public(), now).map(|_| ())
}

#[test]
fn full_read_returns_the_population_person_and_a_verifiable_attestation() {
    let r = read(Scenario::Genuine).unwrap();
    let person = &population().persons()[0];
    let bio = r.card.biodata.as_ref().unwrap();
    assert_eq!(bio.nik, person.nik);
    assert_eq!(bio.nama, person.nama_lgkp);
    assert_eq!(bio.tanggal_lahir, person.tgl_lhr.dmy('-'));
    assert!(population().get(&bio.nik).is_some(), "the card's NIK exists in the Dukcapil simulator's population");
    let photo = B64.decode(r.card.photo_jpeg.as_ref().unwrap()).unwrap();
    assert_eq!(&photo[..2], &[0xFF, 0xD8], "JPEG SOI");
    assert_eq!(&photo[photo.len() - 2..], &[0xFF, 0xD9], "JPEG EOI");
    // Asked for, minutiae still never leave the profile: only their digests (EF 6FF4/6FF5) do.
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("minutiae"), "{json}");
    assert_eq!(r.card.files.len(), 7);
    // The backend's checks: chain, activation, origin, nonce, canonical result.
    verify(&r, ORIGIN, "nonce-1", NOW).unwrap();
    assert_eq!(verify(&r, ORIGIN, "nonce-2", NOW), Err(AttestationError::Signature));
    assert_eq!(verify(&r, "https://evil.test", "nonce-1", NOW), Err(AttestationError::Signature));
    assert_eq!(verify(&r, ORIGIN, "nonce-1", NOW + 400 * 86_400), Err(AttestationError::ActivationExpired));
    // The raw biodata returned is what was hashed.
    let raw = B64.decode(r.card.biodata_raw.as_ref().unwrap()).unwrap();
    assert_eq!(hex::encode(sha2::Sha256::digest(&raw)), r.card.files[1].sha256);
}

use sha2::Digest as _;

#[test]
fn card_removed_mid_read() {
    for n in [3, 7, 12, 25] {
        assert_eq!(read(Scenario::RemovedAfter(n)).unwrap_err().code, AgentErrorCode::CardRemoved, "after {n} APDUs");
    }
}

#[test]
fn clone_card_is_not_genuine() {
    assert_eq!(read(Scenario::Clone).unwrap_err().code, AgentErrorCode::CardNotGenuine);
}

#[test]
fn tampered_file_fails_the_issuer_signature() {
    assert_eq!(read(Scenario::Tampered).unwrap_err().code, AgentErrorCode::DataTampered);
}

#[test]
fn sam_states_refuse_to_read() {
    assert_eq!(read(Scenario::SamNotActivated).unwrap_err().code, AgentErrorCode::SamNotActivated);
    assert_eq!(read(Scenario::SamExpired).unwrap_err().code, AgentErrorCode::SamExpired);
    assert_eq!(read(Scenario::SamLocked).unwrap_err().code, AgentErrorCode::SamLocked);
    assert_eq!(read(Scenario::SamDeactivated).unwrap_err().code, AgentErrorCode::SamDeactivated);
}

#[test]
fn sam_status_reports_state_and_activation() {
    let d = VirtualDevices::new(Scenario::Genuine, Duration::ZERO);
    let mut sam = d.sam.clone().unwrap();
    let st = profile::sam_status(Some(&mut sam), NOW);
    assert_eq!(st.state, SamState::Activated);
    assert!(st.valid);
    assert_eq!(st.activation.as_ref().unwrap().office, padan_sim_ktp_card::DEMO_OFFICE);
    let d = VirtualDevices::new(Scenario::SamExpired, Duration::ZERO);
    let st = profile::sam_status(Some(&mut d.sam.clone().unwrap()), NOW);
    assert!(!st.valid);
    let d = VirtualDevices::new(Scenario::SamLocked, Duration::ZERO);
    assert_eq!(profile::sam_status(Some(&mut d.sam.clone().unwrap()), NOW).state, SamState::Locked);
    assert!(!profile::sam_status(None, NOW).present);
}

#[test]
fn wrong_configuration_key_counts_down_then_locks() {
    let d = VirtualDevices::new(Scenario::Genuine, Duration::ZERO);
    let mut sam = d.sam.clone().unwrap();
    let mut wrong = credentials();
    wrong.config_key[0] ^= 1;
    for _ in 0..4 {
        assert_eq!(profile::open_sam(&mut sam, &wrong, NOW).unwrap_err().code, AgentErrorCode::SamAuthFailed);
    }
    assert_eq!(profile::open_sam(&mut sam, &wrong, NOW).unwrap_err().code, AgentErrorCode::SamLocked);
    assert_eq!(profile::open_sam(&mut sam, &credentials(), NOW).unwrap_err().code, AgentErrorCode::SamLocked);
}

/// A man in the middle flipping one bit of a protected response.
struct Flip<T>(T, usize, usize);
impl<T: CardTransport> CardTransport for Flip<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut r = self.0.transmit(apdu)?;
        self.1 += 1;
        if apdu[0] == 0x0C && self.1 > self.2 && r.len() > 4 {
            r[3] ^= 0x01;
        }
        Ok(r)
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.0.reset()
    }
    fn atr(&self) -> Vec<u8> {
        self.0.atr()
    }
}

#[test]
fn altered_secure_messaging_response_is_rejected() {
    let d = VirtualDevices::new(Scenario::Genuine, Duration::ZERO);
    let mut card = Flip(d.card.clone().unwrap(), 0, 12);
    let mut sam = d.sam.clone().unwrap();
    assert_eq!(read_with(&mut card, &mut sam, "n", &[]).unwrap_err().code, AgentErrorCode::CardNotGenuine);
}

#[test]
fn one_authentication_gives_one_attestation_and_retry_after_removal_works() {
    let d = VirtualDevices::new(Scenario::Genuine, Duration::ZERO);
    let (mut card, mut sam) = (d.card.clone().unwrap(), d.sam.clone().unwrap());
    let a = read_with(&mut card, &mut sam, "n1", &[]).unwrap();
    let b = read_with(&mut card, &mut sam, "n2", &[]).unwrap();
    assert_ne!(a.attestation.signature, b.attestation.signature);
    assert_eq!(a.card.files, b.card.files);
    assert!(a.card.biodata.is_none() && a.card.photo_jpeg.is_none(), "fields not asked are not returned");
}

#[test]
fn cancel_stops_a_read() {
    let d = VirtualDevices::new(Scenario::Genuine, Duration::ZERO);
    let (mut card, mut sam) = (d.card.clone().unwrap(), d.sam.clone().unwrap());
    let creds = credentials();
    let req = ReadRequest { origin: ORIGIN, nonce: "n", fields: &[], now: NOW, credentials: &creds };
    let e = profile::read_card(&mut card, &mut sam, &req, &mut |_, _| {}, &AtomicBool::new(true)).unwrap_err();
    assert!(profile::is_cancelled(&e));
}
