//! The reader side of Padan's KTP-el emulation profile
//! (`docs/ktp-el-emulation-profile.md`): SAM opening, SAM-mediated mutual
//! authentication, secure reads, issuer-signature check and the attestation.
//!
//! This module is the only card-specific part of the agent; a licensed
//! profile would replace it without touching the transport or the WebSocket.

use std::sync::atomic::{AtomicBool, Ordering};

use aes::Aes128;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cmac::{Cmac, Mac};
use padan_protocol::agent::v1::{
    ActivationInfo, AgentErrorCode, Attestation, CardData, CardField, CardReadResult, FileDigest, ReadStep, SamState,
    SamStatus,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::apdu::{self, ApduError, Command, Response, StatusWord};
use crate::transport::{self, CardTransport, TransportError};

pub const PROFILE_NAME: &str = "padan-emulation/1";
use padan_ktpel::{ACTIVATION_LEN, ALL_EFS as EFS, CONTROL_LEN, DF_KTPEL, EF_CONTROL, SAM_AID, SM_CHUNK, ins};
/// Refuse EFs larger than this (the length prefix is 2 bytes anyway).
const MAX_EF: usize = 0xFFFF + 2;

/// A failed profile operation: a stable code plus a detail without personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub code: AgentErrorCode,
    pub detail: String,
}

impl ReadError {
    pub fn new(code: AgentErrorCode, detail: impl Into<String>) -> ReadError {
        ReadError { code, detail: detail.into() }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.detail)
    }
}

impl std::error::Error for ReadError {}

/// Which device an error came from decides its meaning.
#[derive(Clone, Copy)]
enum Side {
    Card,
    Sam,
}

fn map_transport(side: Side, e: &TransportError) -> AgentErrorCode {
    match (side, e) {
        (_, TransportError::ServiceDown) => AgentErrorCode::PcscServiceDown,
        (Side::Card, TransportError::CardRemoved | TransportError::NoCard) => AgentErrorCode::CardRemoved,
        (Side::Card, TransportError::ReaderGone) => AgentErrorCode::NoReader,
        (Side::Sam, TransportError::CardRemoved | TransportError::NoCard | TransportError::ReaderGone) => {
            AgentErrorCode::NoSam
        }
        (_, TransportError::Other(_)) => AgentErrorCode::CardError,
    }
}

fn sam_err(e: ApduError, what: &str) -> ReadError {
    let code = match &e {
        ApduError::Transport(t) => map_transport(Side::Sam, t),
        ApduError::Status(StatusWord::AUTH_BLOCKED) => AgentErrorCode::SamLocked,
        ApduError::Status(sw) if sw.wrong_key_tries().is_some() => AgentErrorCode::SamAuthFailed,
        ApduError::Status(StatusWord::SAM_NOT_ACTIVATED) => AgentErrorCode::SamNotActivated,
        ApduError::Status(StatusWord::SAM_EXPIRED) => AgentErrorCode::SamExpired,
        ApduError::Status(StatusWord::SAM_DEACTIVATED) => AgentErrorCode::SamDeactivated,
        ApduError::Status(StatusWord::ISSUER_SIGNATURE_INVALID) => AgentErrorCode::DataTampered,
        ApduError::Status(StatusWord::FILE_NOT_FOUND) => AgentErrorCode::NoSam,
        _ => AgentErrorCode::CardError,
    };
    ReadError::new(code, format!("SAM {what}: {e}"))
}

fn card_err(e: ApduError, what: &str) -> ReadError {
    let code = match &e {
        ApduError::Transport(t) => map_transport(Side::Card, t),
        ApduError::Status(
            StatusWord::FILE_NOT_FOUND | StatusWord::INS_NOT_SUPPORTED | StatusWord::CLA_NOT_SUPPORTED,
        ) => AgentErrorCode::CardUnsupported,
        ApduError::Status(
            StatusWord::AUTH_FAILED | StatusWord::SM_OBJECTS_MISSING | StatusWord::SM_OBJECTS_INCORRECT,
        ) => AgentErrorCode::CardNotGenuine,
        _ => AgentErrorCode::CardError,
    };
    ReadError::new(code, format!("card {what}: {e}"))
}

fn sam_cmd(sam: &mut dyn CardTransport, cmd: &Command, what: &str) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    apdu::transmit(sam, cmd).and_then(apdu::ok).map_err(|e| sam_err(e, what))
}

fn card_cmd(card: &mut dyn CardTransport, cmd: &Command, what: &str) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    apdu::transmit(card, cmd).and_then(apdu::ok).map_err(|e| card_err(e, what))
}

/// The installation secret that opens the SAM. `Debug` hides it.
#[derive(Clone)]
pub struct SamCredentials {
    pub pcid: [u8; 16],
    pub config_key: Zeroizing<[u8; 16]>,
}

impl std::fmt::Debug for SamCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SamCredentials(..)")
    }
}

/// Selects the SAM application and opens it with PCID + configuration key at `now`.
pub fn open_sam(sam: &mut dyn CardTransport, creds: &SamCredentials, now: u64) -> Result<(), ReadError> {
    transport::with_transaction(sam, |sam| open_sam_exclusive(sam, creds, now))
        .map_err(|e| sam_err(ApduError::Transport(e), "transaction"))?
}

fn select_sam(sam: &mut dyn CardTransport) -> Result<(), ReadError> {
    sam_cmd(sam, &Command::new(0x00, ins::SELECT, 0x04, 0x00).data(SAM_AID), "select").map(drop)
}

fn open_sam_exclusive(sam: &mut dyn CardTransport, creds: &SamCredentials, now: u64) -> Result<(), ReadError> {
    select_sam(sam)?;
    let challenge = sam_cmd(sam, &Command::new(0x00, ins::GET_CHALLENGE, 0x00, 0x00).le(8), "challenge")?;
    let mut mac = <Cmac<Aes128> as cmac::digest::KeyInit>::new((&*creds.config_key).into());
    mac.update(&creds.pcid);
    mac.update(&challenge);
    let mut data = Zeroizing::new(Vec::with_capacity(40));
    data.extend_from_slice(&creds.pcid);
    data.extend_from_slice(&mac.finalize().into_bytes());
    data.extend_from_slice(&now.to_be_bytes());
    sam_cmd(sam, &Command::new(0x80, ins::SAM_OPEN, 0x00, 0x00).data(&data), "open")?;
    Ok(())
}

/// Parses a Dukcapil activation record (layout in profile §8; the signature is the backend's to check).
pub fn parse_activation(raw: &[u8]) -> Option<ActivationInfo> {
    if raw.len() != ACTIVATION_LEN || raw[0] != 0x01 {
        return None;
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim_end().to_string();
    let num = |at: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&raw[at..at + 8]);
        u64::from_be_bytes(a)
    };
    Some(ActivationInfo {
        sam_serial: hex::encode(&raw[1..9]),
        reader_serial: text(&raw[9..25]),
        office: text(&raw[25..41]),
        valid_from: num(41),
        valid_until: num(49),
    })
}

/// The SAM's state as the SPA shows it. Errors (absent SAM…) become a status, not a failure.
pub fn sam_status(sam: Option<&mut dyn CardTransport>, now: u64) -> SamStatus {
    let unknown = |present| SamStatus { present, state: SamState::Unknown, activation: None, valid: false };
    let Some(sam) = sam else { return unknown(false) };
    transport::with_transaction(sam, |sam| sam_status_exclusive(sam, now)).unwrap_or_else(|_| unknown(true))
}

fn sam_status_exclusive(sam: &mut dyn CardTransport, now: u64) -> SamStatus {
    let mut status = SamStatus { present: true, state: SamState::Unknown, activation: None, valid: false };
    if select_sam(sam).is_err() {
        return status;
    }
    if let Ok(st) = sam_cmd(sam, &Command::new(0x80, ins::SAM_GET_STATUS, 0x00, 0x00).le(256), "status") {
        status.state = match st.first() {
            _ if st.get(1) == Some(&1) => SamState::Locked,
            Some(1) => SamState::Personalised,
            Some(2) => SamState::Activated,
            Some(3) => SamState::Deactivated,
            _ => SamState::Unknown,
        };
    }
    if status.state != SamState::Personalised {
        if let Ok(raw) = sam_cmd(sam, &Command::new(0x80, ins::SAM_READ_ACTIVATION, 0x00, 0x00).le(256), "activation") {
            status.activation = parse_activation(&raw);
        }
    }
    status.valid = status.state == SamState::Activated
        && status.activation.as_ref().is_some_and(|a| a.valid_from <= now && now <= a.valid_until);
    status
}

/// What to read, for whom.
#[derive(Debug, Clone)]
pub struct ReadRequest<'a> {
    pub origin: &'a str,
    pub nonce: &'a str,
    pub fields: &'a [CardField],
    pub now: u64,
    pub credentials: &'a SamCredentials,
}

fn check_cancel(cancel: &AtomicBool) -> Result<(), ReadError> {
    if cancel.load(Ordering::Relaxed) {
        return Err(ReadError::new(AgentErrorCode::Internal, "cancelled"));
    }
    Ok(())
}

/// Error code a cancelled read reports (the server turns it into `CANCELLED`).
pub fn is_cancelled(e: &ReadError) -> bool {
    e.code == AgentErrorCode::Internal && e.detail == "cancelled"
}

fn select(card: &mut dyn CardTransport, fid: u16) -> Result<(), ReadError> {
    card_cmd(card, &Command::new(0x00, ins::SELECT, 0x00, 0x00).data(fid.to_be_bytes()), "select").map(drop)
}

/// Reads one protected EF through the SAM. Returns the EF body (length prefix included).
fn read_protected(
    card: &mut dyn CardTransport,
    sam: &mut dyn CardTransport,
    fid: u16,
    cancel: &AtomicBool,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    select(card, fid)?;
    let mut body = Zeroizing::new(Vec::new());
    let mut total = None;
    loop {
        check_cancel(cancel)?;
        let offset = body.len();
        let want = total.map_or(SM_CHUNK, |t: usize| (t - offset).min(SM_CHUNK));
        let [p1, p2] = (offset as u16).to_be_bytes();
        let read = [0x00, ins::READ_BINARY, p1, p2, want as u8];
        let wrapped = sam_cmd(sam, &Command::new(0x80, ins::SAM_SM_WRAP, 0, 0).data(read).le(256), "wrap")?;
        let raw = Zeroizing::new(card.transmit(&wrapped).map_err(|e| card_err(ApduError::Transport(e), "read"))?);
        let resp = Response::parse(&raw).map_err(|_| card_err(ApduError::Malformed, "read"))?;
        if resp.sw != StatusWord::OK {
            return Err(card_err(ApduError::Status(resp.sw), "protected read"));
        }
        let [f1, f2] = fid.to_be_bytes();
        let unwrap = Command::new(0x80, ins::SAM_SM_UNWRAP, f1, f2).data(&resp.data).le(256);
        let plain = sam_cmd(sam, &unwrap, "unwrap").map_err(|e| {
            if e.code == AgentErrorCode::CardError {
                ReadError::new(AgentErrorCode::CardNotGenuine, e.detail)
            } else {
                e
            }
        })?;
        if plain.len() < 2 {
            return Err(ReadError::new(AgentErrorCode::CardError, "short unwrap"));
        }
        let inner = StatusWord::from_be_bytes([plain[0], plain[1]]);
        if !inner.is_ok() {
            return Err(card_err(ApduError::Status(inner), "protected read"));
        }
        body.extend_from_slice(&plain[2..]);
        if total.is_none() && body.len() >= 2 {
            let t = 2 + usize::from(u16::from_be_bytes([body[0], body[1]]));
            if t > MAX_EF {
                return Err(ReadError::new(AgentErrorCode::CardUnsupported, "EF too large"));
            }
            total = Some(t);
        }
        match total {
            Some(t) if body.len() >= t => {
                body.truncate(t);
                return Ok(body);
            }
            _ if plain.len() == 2 || inner == StatusWord::END_OF_FILE => {
                return Err(ReadError::new(AgentErrorCode::CardUnsupported, "EF shorter than its length prefix"));
            }
            _ => {}
        }
    }
}

/// A full read: SAM open, mutual authentication, every EF under secure
/// messaging, issuer signature (verified by the SAM), attestation. The SAM
/// and the card are each held in one transaction for the whole read.
pub fn read_card(
    card: &mut dyn CardTransport,
    sam: &mut dyn CardTransport,
    req: &ReadRequest<'_>,
    progress: &mut dyn FnMut(ReadStep, u8),
    cancel: &AtomicBool,
) -> Result<CardReadResult, ReadError> {
    exclusive(card, sam, |card, sam| {
        progress(ReadStep::OpeningSam, 0);
        open_sam_exclusive(sam, req.credentials, req.now)?;
        let activation = sam_cmd(sam, &Command::new(0x80, ins::SAM_READ_ACTIVATION, 0, 0).le(256), "activation")?;
        let certificate = sam_cmd(sam, &Command::new(0x80, ins::SAM_GET_CERTIFICATE, 0, 0).le(256), "certificate")?;
        check_cancel(cancel)?;

        progress(ReadStep::Authenticating, 5);
        let uid = card_cmd(card, &Command::new(0xFF, ins::GET_DATA_UID, 0, 0).le(256), "uid")?;
        if uid.len() != 7 {
            return Err(ReadError::new(AgentErrorCode::CardUnsupported, "UID is not 7 bytes"));
        }
        select(card, DF_KTPEL)?;
        select(card, EF_CONTROL)?;
        let control = card_cmd(card, &Command::new(0x00, ins::READ_BINARY, 0, 0).le(CONTROL_LEN), "control")?;
        if control.len() != CONTROL_LEN || control[0] != 0x01 {
            return Err(ReadError::new(AgentErrorCode::CardUnsupported, "unknown card control"));
        }
        let rnd_ic = card_cmd(card, &Command::new(0x00, ins::GET_CHALLENGE, 0, 0).le(8), "challenge")?;
        let auth =
            Command::new(0x80, ins::SAM_AUTH_EXTERNAL, 0, 0).data([&uid[..], &control, &rnd_ic].concat()).le(256);
        let ext = sam_cmd(sam, &auth, "auth")?;
        if ext.len() != 48 {
            return Err(ReadError::new(AgentErrorCode::CardError, "SAM auth answer"));
        }
        card_cmd(
            card,
            &Command::new(0x00, ins::EXTERNAL_AUTHENTICATE, 0, 0).data(&ext[..40]),
            "external authenticate",
        )?;
        let internal = Command::new(0x00, ins::INTERNAL_AUTHENTICATE, 0, 0).data(&ext[40..]).le(256);
        let c2 = card_cmd(card, &internal, "internal authenticate")?;
        sam_cmd(sam, &Command::new(0x80, ins::SAM_AUTH_INTERNAL, 0, 0).data(&c2), "verify card").map_err(|e| {
            if e.code == AgentErrorCode::CardError {
                ReadError::new(AgentErrorCode::CardNotGenuine, e.detail)
            } else {
                e
            }
        })?;

        let mut files: Vec<Zeroizing<Vec<u8>>> = vec![control];
        let steps = [
            (ReadStep::ReadingBiodata, 15),
            (ReadStep::ReadingPhoto, 25),
            (ReadStep::ReadingSignature, 65),
            (ReadStep::ReadingMinutiae, 75),
            (ReadStep::ReadingMinutiae, 80),
            (ReadStep::VerifyingSignature, 85),
        ];
        for (fid, (step, pct)) in EFS[1..].iter().zip(steps) {
            progress(step, pct);
            files.push(read_protected(card, sam, *fid, cancel)?);
        }
        progress(ReadStep::VerifyingSignature, 90);
        sam_cmd(sam, &Command::new(0x80, ins::SAM_VERIFY_ISSUER, 0, 0), "verify issuer")?;
        check_cancel(cancel)?;

        progress(ReadStep::Attesting, 95);
        let h = |s: &str| Sha256::digest(s.as_bytes());
        let att = sam_cmd(
            sam,
            &Command::new(0x80, ins::SAM_ATTEST, 0, 0).data([&h(req.origin)[..], &h(req.nonce)[..]].concat()).le(256),
            "attest",
        )?;
        if att.len() != 96 {
            return Err(ReadError::new(AgentErrorCode::CardError, "SAM attestation answer"));
        }
        let want = |f: CardField| req.fields.contains(&f);
        let card_data = CardData {
            uid: hex::encode(&uid),
            card_serial: hex::encode(&files[0][1..9]),
            files: EFS
                .iter()
                .zip(&files)
                .map(|(fid, body)| FileDigest { fid: format!("{fid:04X}"), sha256: hex::encode(Sha256::digest(body)) })
                .collect(),
            biodata_raw: want(CardField::Biodata).then(|| B64.encode(&files[1])),
            biodata: if want(CardField::Biodata) {
                Some(
                    padan_ktpel::biodata(&files[1])
                        .ok_or_else(|| ReadError::new(AgentErrorCode::CardUnsupported, "biodata TLV"))?,
                )
            } else {
                None
            },
            photo_jpeg: want(CardField::Photo).then(|| B64.encode(&files[2][2..])),
            signature_jpeg: want(CardField::Signature).then(|| B64.encode(&files[3][2..])),
            // Fingerprint minutiae (EF 6FF4/6FF5) never leave the agent: their digests are in `files`.
        };
        progress(ReadStep::Attesting, 100);
        Ok(CardReadResult {
            card: card_data,
            attestation: Attestation {
                algorithm: "ECDSA-P256-SHA256".into(),
                origin: req.origin.to_string(),
                nonce: req.nonce.to_string(),
                canonical_sha256: hex::encode(&att[..32]),
                signature: B64.encode(&att[32..]),
                sam_certificate: B64.encode(&certificate),
                activation_record: B64.encode(&activation),
            },
        })
    })
}

/// Runs `f` with the SAM and the card each held in one transaction.
fn exclusive<R>(
    card: &mut dyn CardTransport,
    sam: &mut dyn CardTransport,
    f: impl FnOnce(&mut dyn CardTransport, &mut dyn CardTransport) -> Result<R, ReadError>,
) -> Result<R, ReadError> {
    transport::with_transaction(sam, |sam| {
        transport::with_transaction(card, |card| f(card, sam))
            .map_err(|e| card_err(ApduError::Transport(e), "transaction"))?
    })
    .map_err(|e| sam_err(ApduError::Transport(e), "transaction"))?
}
