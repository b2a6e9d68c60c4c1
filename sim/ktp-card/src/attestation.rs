//! The records that cross trust boundaries, and the pure functions the
//! backend needs to check a read: activation records, SAM certificates, the
//! canonical result and the attestation signature.
//!
//! All formats are fixed-layout binary so a SAM can parse them; all are
//! specified in `docs/ktp-el-emulation-profile.md` §7–§9.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

use crate::crypto::sha256;
use crate::profile::ALL_EFS;

pub const ACTIVATION_DOMAIN: &[u8] = b"PADAN-ACTIVATION/1";
pub const SAM_CERT_DOMAIN: &[u8] = b"PADAN-SAM-CERT/1";
pub const CANONICAL_DOMAIN: &[u8] = b"PADAN-KTPEL-RESULT/1";
pub const ACTIVATION_BODY_LEN: usize = 57;
pub const ACTIVATION_LEN: usize = ACTIVATION_BODY_LEN + 64;
pub const SAM_CERT_BODY_LEN: usize = 90;
pub const SAM_CERT_LEN: usize = SAM_CERT_BODY_LEN + 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    Malformed,
    BadSignature,
}

fn fixed16(s: &str) -> [u8; 16] {
    let mut out = [b' '; 16];
    for (o, b) in out.iter_mut().zip(s.bytes()) {
        *o = b;
    }
    out
}

fn unfixed(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim_end().to_string()
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(a)
}

/// Dukcapil's activation of one SAM in one reader at one office, until `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRecord {
    pub sam_serial: [u8; 8],
    /// At most 16 ASCII characters.
    pub reader_serial: String,
    /// At most 16 ASCII characters.
    pub office: String,
    pub valid_from: u64,
    pub valid_until: u64,
}

impl ActivationRecord {
    pub fn body(&self) -> [u8; ACTIVATION_BODY_LEN] {
        let mut b = [0u8; ACTIVATION_BODY_LEN];
        b[0] = 0x01;
        b[1..9].copy_from_slice(&self.sam_serial);
        b[9..25].copy_from_slice(&fixed16(&self.reader_serial));
        b[25..41].copy_from_slice(&fixed16(&self.office));
        b[41..49].copy_from_slice(&self.valid_from.to_be_bytes());
        b[49..57].copy_from_slice(&self.valid_until.to_be_bytes());
        b
    }

    /// Body followed by the Ed25519 signature over `"PADAN-ACTIVATION/1" ‖ body`.
    pub fn sign(&self, key: &ed25519_dalek::SigningKey) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        let body = self.body();
        let sig = key.sign(&[ACTIVATION_DOMAIN, &body].concat());
        [&body[..], &sig.to_bytes()].concat()
    }

    pub fn parse(raw: &[u8]) -> Result<ActivationRecord, RecordError> {
        if raw.len() != ACTIVATION_LEN || raw[0] != 0x01 {
            return Err(RecordError::Malformed);
        }
        let mut sam_serial = [0u8; 8];
        sam_serial.copy_from_slice(&raw[1..9]);
        Ok(ActivationRecord {
            sam_serial,
            reader_serial: unfixed(&raw[9..25]),
            office: unfixed(&raw[25..41]),
            valid_from: u64_at(raw, 41),
            valid_until: u64_at(raw, 49),
        })
    }

    /// Parses and checks the Dukcapil signature.
    pub fn verify(raw: &[u8], key: &ed25519_dalek::VerifyingKey) -> Result<ActivationRecord, RecordError> {
        let rec = Self::parse(raw)?;
        let sig =
            ed25519_dalek::Signature::from_slice(&raw[ACTIVATION_BODY_LEN..]).map_err(|_| RecordError::Malformed)?;
        key.verify_strict(&[ACTIVATION_DOMAIN, &raw[..ACTIVATION_BODY_LEN]].concat(), &sig)
            .map_err(|_| RecordError::BadSignature)?;
        Ok(rec)
    }
}

/// The SAM's certificate: its serial and attestation public key, signed by the Dukcapil SAM CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamCertificate {
    pub sam_serial: [u8; 8],
    pub public_key: VerifyingKey,
    pub not_before: u64,
    pub not_after: u64,
}

impl SamCertificate {
    pub fn body(&self) -> [u8; SAM_CERT_BODY_LEN] {
        let mut b = [0u8; SAM_CERT_BODY_LEN];
        b[0] = 0x01;
        b[1..9].copy_from_slice(&self.sam_serial);
        b[9..74].copy_from_slice(self.public_key.to_encoded_point(false).as_bytes());
        b[74..82].copy_from_slice(&self.not_before.to_be_bytes());
        b[82..90].copy_from_slice(&self.not_after.to_be_bytes());
        b
    }

    /// Body followed by ECDSA-P256-SHA256 (`r ‖ s`) over `"PADAN-SAM-CERT/1" ‖ body`.
    pub fn sign(&self, ca: &SigningKey) -> Vec<u8> {
        let body = self.body();
        let sig: Signature = ca.sign(&[SAM_CERT_DOMAIN, &body].concat());
        [&body[..], &sig.to_bytes()[..]].concat()
    }

    /// Parses and checks the CA signature (validity dates are the caller's to check against its clock).
    pub fn verify(raw: &[u8], ca: &VerifyingKey) -> Result<SamCertificate, RecordError> {
        if raw.len() != SAM_CERT_LEN || raw[0] != 0x01 {
            return Err(RecordError::Malformed);
        }
        let sig = Signature::from_slice(&raw[SAM_CERT_BODY_LEN..]).map_err(|_| RecordError::Malformed)?;
        ca.verify(&[SAM_CERT_DOMAIN, &raw[..SAM_CERT_BODY_LEN]].concat(), &sig)
            .map_err(|_| RecordError::BadSignature)?;
        let mut sam_serial = [0u8; 8];
        sam_serial.copy_from_slice(&raw[1..9]);
        let public_key = VerifyingKey::from_sec1_bytes(&raw[9..74]).map_err(|_| RecordError::Malformed)?;
        Ok(SamCertificate { sam_serial, public_key, not_before: u64_at(raw, 74), not_after: u64_at(raw, 82) })
    }
}

/// The canonical result the SAM signs (hashed):
/// `"PADAN-KTPEL-RESULT/1" ‖ len(UID) ‖ UID ‖ 7 × (FID ‖ SHA-256(EF body)) ‖ 01`.
///
/// `file_digests` must be in [`ALL_EFS`] order (6FF0 … 6FF6). The trailing
/// `01` records that the SAM verified the issuer signature before signing.
pub fn canonical_result(uid: &[u8], file_digests: &[[u8; 32]; 7]) -> Vec<u8> {
    let mut out = Vec::with_capacity(CANONICAL_DOMAIN.len() + 1 + uid.len() + 7 * 34 + 1);
    out.extend_from_slice(CANONICAL_DOMAIN);
    out.push(uid.len() as u8);
    out.extend_from_slice(uid);
    for (fid, d) in ALL_EFS.iter().zip(file_digests) {
        out.extend_from_slice(&fid.to_be_bytes());
        out.extend_from_slice(d);
    }
    out.push(0x01);
    out
}

/// The 96-byte message the SAM signs: `SHA-256(origin) ‖ SHA-256(nonce) ‖ SHA-256(canonical)`.
/// `origin` and `nonce` are hashed as their UTF-8 bytes, exactly as sent.
pub fn attestation_message(origin: &str, nonce: &str, canonical_sha256: &[u8; 32]) -> [u8; 96] {
    let mut m = [0u8; 96];
    m[..32].copy_from_slice(&sha256(&[origin.as_bytes()]));
    m[32..64].copy_from_slice(&sha256(&[nonce.as_bytes()]));
    m[64..].copy_from_slice(canonical_sha256);
    m
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationError {
    /// The SAM certificate is malformed or not signed by the trusted CA.
    Certificate,
    /// The SAM certificate is outside its validity at `now`.
    CertificateExpired,
    /// The activation record is malformed, not Dukcapil-signed, or for another SAM.
    Activation,
    /// `now` is outside the activation's validity.
    ActivationExpired,
    /// The canonical hash does not match the file digests.
    Canonical,
    /// The attestation signature does not verify.
    Signature,
}

/// What a verified attestation proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAttestation {
    pub sam_serial: [u8; 8],
    pub activation: ActivationRecord,
}

/// Inputs of [`verify_attestation`], all as received from the agent (decoded from base64/hex).
#[derive(Debug, Clone, Copy)]
pub struct AttestationInput<'a> {
    pub origin: &'a str,
    pub nonce: &'a str,
    pub uid: &'a [u8],
    pub file_digests: &'a [[u8; 32]; 7],
    pub signature: &'a [u8],
    pub sam_certificate: &'a [u8],
    pub activation_record: &'a [u8],
}

/// Everything the backend checks cryptographically (the registry, nonce
/// freshness and origin allowlist are its own): the certificate chain to the
/// SAM CA, the activation record for that SAM and `now`, and the signature
/// over origin, nonce and the canonical result rebuilt from the digests.
pub fn verify_attestation(
    input: &AttestationInput<'_>,
    sam_ca: &VerifyingKey,
    activation_key: &ed25519_dalek::VerifyingKey,
    now: u64,
) -> Result<VerifiedAttestation, AttestationError> {
    let cert = SamCertificate::verify(input.sam_certificate, sam_ca).map_err(|_| AttestationError::Certificate)?;
    if now < cert.not_before || now > cert.not_after {
        return Err(AttestationError::CertificateExpired);
    }
    let act =
        ActivationRecord::verify(input.activation_record, activation_key).map_err(|_| AttestationError::Activation)?;
    if act.sam_serial != cert.sam_serial {
        return Err(AttestationError::Activation);
    }
    if now < act.valid_from || now > act.valid_until {
        return Err(AttestationError::ActivationExpired);
    }
    let canonical = sha256(&[&canonical_result(input.uid, input.file_digests)]);
    let msg = attestation_message(input.origin, input.nonce, &canonical);
    let sig = Signature::from_slice(input.signature).map_err(|_| AttestationError::Signature)?;
    cert.public_key.verify(&msg, &sig).map_err(|_| AttestationError::Signature)?;
    Ok(VerifiedAttestation { sam_serial: cert.sam_serial, activation: act })
}
