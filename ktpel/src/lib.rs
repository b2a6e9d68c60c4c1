//! The KTP-el emulation profile's record formats, shared by the virtual
//! card, the agent and the backend (`docs/ktp-el-emulation-profile.md`).
//!
//! Pure data and checks, no I/O: the APDU layer ([`iso7816`]), the file
//! identifiers and instruction bytes, the biodata TLV (§4), the activation
//! record (§8.3), the SAM certificate (§8.4), the canonical result and the
//! attestation message (§9), and [`verify_attestation`], everything the
//! backend checks cryptographically before it trusts a read.
//!
//! All formats are fixed-layout binary so a SAM can parse them.

pub mod iso7816;

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The KTP-el application DF.
pub const DF_KTPEL: u16 = 0x7F0A;
pub const EF_CONTROL: u16 = 0x6FF0;
pub const EF_BIODATA: u16 = 0x6FF1;
pub const EF_PHOTO: u16 = 0x6FF2;
pub const EF_SIGNATURE: u16 = 0x6FF3;
pub const EF_MINUTIAE_RIGHT: u16 = 0x6FF4;
pub const EF_MINUTIAE_LEFT: u16 = 0x6FF5;
pub const EF_ISSUER_SIGNATURE: u16 = 0x6FF6;
/// Every EF, in the order used by the issuer signature (first six) and the canonical result (all seven).
pub const ALL_EFS: [u16; 7] =
    [EF_CONTROL, EF_BIODATA, EF_PHOTO, EF_SIGNATURE, EF_MINUTIAE_RIGHT, EF_MINUTIAE_LEFT, EF_ISSUER_SIGNATURE];

/// Size of EF 6FF0.
pub const CONTROL_LEN: usize = 0x35;
/// Largest plaintext chunk a protected READ BINARY returns (fits a short APDU after SM overhead).
pub const SM_CHUNK: usize = 0xC0;
/// AID of the SAM application (fictitious, demo RID).
pub const SAM_AID: [u8; 9] = [0xA0, 0x00, 0x00, 0x06, 0x24, 0x4B, 0x54, 0x50, 0x53];

/// Instruction bytes: ISO 7816-4 (CLA `00`, `0C` under secure messaging, `FF` for the reader's GET DATA) and the SAM's (CLA `80`).
pub mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const READ_BINARY: u8 = 0xB0;
    pub const GET_CHALLENGE: u8 = 0x84;
    pub const EXTERNAL_AUTHENTICATE: u8 = 0x82;
    pub const INTERNAL_AUTHENTICATE: u8 = 0x88;
    pub const GET_DATA_UID: u8 = 0xCA;
    pub const GET_RESPONSE: u8 = 0xC0;
    pub const SAM_OPEN: u8 = 0x10;
    pub const SAM_GET_STATUS: u8 = 0x14;
    pub const SAM_LOAD_ACTIVATION: u8 = 0x20;
    pub const SAM_READ_ACTIVATION: u8 = 0x22;
    pub const SAM_DEACTIVATE: u8 = 0x26;
    pub const SAM_AUTH_EXTERNAL: u8 = 0x30;
    pub const SAM_AUTH_INTERNAL: u8 = 0x32;
    pub const SAM_SM_WRAP: u8 = 0x40;
    pub const SAM_SM_UNWRAP: u8 = 0x42;
    pub const SAM_VERIFY_ISSUER: u8 = 0x50;
    pub const SAM_ATTEST: u8 = 0x52;
    pub const SAM_GET_CERTIFICATE: u8 = 0x54;
}

/// Biodata TLV tags (EF 6FF1), one byte each.
pub mod tag {
    pub const NIK: u8 = 0x01;
    pub const NAMA: u8 = 0x02;
    pub const TEMPAT_LAHIR: u8 = 0x03;
    pub const TANGGAL_LAHIR: u8 = 0x04;
    pub const JENIS_KELAMIN: u8 = 0x05;
    pub const GOLONGAN_DARAH: u8 = 0x06;
    pub const ALAMAT: u8 = 0x07;
    pub const RT: u8 = 0x08;
    pub const RW: u8 = 0x09;
    pub const KEL_DESA: u8 = 0x0A;
    pub const KECAMATAN: u8 = 0x0B;
    pub const KABUPATEN: u8 = 0x0C;
    pub const PROVINSI: u8 = 0x0D;
    pub const AGAMA: u8 = 0x0E;
    pub const STATUS_PERKAWINAN: u8 = 0x0F;
    pub const PEKERJAAN: u8 = 0x10;
    pub const KEWARGANEGARAAN: u8 = 0x11;
    pub const BERLAKU_HINGGA: u8 = 0x12;
    pub const TANGGAL_TERBIT: u8 = 0x13;
    pub const TEMPAT_TERBIT: u8 = 0x14;
}

pub const ACTIVATION_DOMAIN: &[u8] = b"PADAN-ACTIVATION/1";
pub const SAM_CERT_DOMAIN: &[u8] = b"PADAN-SAM-CERT/1";
pub const CANONICAL_DOMAIN: &[u8] = b"PADAN-KTPEL-RESULT/1";
pub const ACTIVATION_BODY_LEN: usize = 57;
pub const ACTIVATION_LEN: usize = ACTIVATION_BODY_LEN + 64;
pub const SAM_CERT_BODY_LEN: usize = 90;
pub const SAM_CERT_LEN: usize = SAM_CERT_BODY_LEN + 64;

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Parses a BER length; returns `(length, bytes used)`.
pub fn read_len(b: &[u8]) -> Option<(usize, usize)> {
    match *b.first()? {
        l if l < 0x80 => Some((l as usize, 1)),
        0x81 => Some((*b.get(1)? as usize, 2)),
        0x82 => Some(((*b.get(1)? as usize) << 8 | *b.get(2)? as usize, 3)),
        _ => None,
    }
}

/// The `(tag, value)` pairs of an EF 6FF1 body (`len(2) ‖ TLV…`, §4), in
/// card order. `None` when the length prefix, a TLV length or a value's
/// UTF-8 is wrong. Unknown tags are returned too (callers skip them).
pub fn biodata_fields(ef_body: &[u8]) -> Option<Vec<(u8, String)>> {
    let declared = usize::from(u16::from_be_bytes([*ef_body.first()?, *ef_body.get(1)?]));
    let mut rest = ef_body.get(2..)?;
    if rest.len() != declared {
        return None;
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let tag = rest[0];
        let (len, used) = read_len(rest.get(1..)?)?;
        let value = std::str::from_utf8(rest.get(1 + used..1 + used + len)?).ok()?.to_owned();
        rest = &rest[1 + used + len..];
        out.push((tag, value));
    }
    Some(out)
}

/// EF 6FF1 (length-prefixed TLV) read into the agent protocol's `Biodata`;
/// `None` when the TLV is malformed. The one mapping from tags to fields,
/// used by the agent (to report) and the backend (to check what it shows).
pub fn biodata(ef: &[u8]) -> Option<padan_protocol::agent::v1::Biodata> {
    let mut b = padan_protocol::agent::v1::Biodata::default();
    for (t, value) in biodata_fields(ef)? {
        let slot = match t {
            tag::NIK => &mut b.nik,
            tag::NAMA => &mut b.nama,
            tag::TEMPAT_LAHIR => &mut b.tempat_lahir,
            tag::TANGGAL_LAHIR => &mut b.tanggal_lahir,
            tag::JENIS_KELAMIN => &mut b.jenis_kelamin,
            tag::GOLONGAN_DARAH => &mut b.golongan_darah,
            tag::ALAMAT => &mut b.alamat,
            tag::RT => &mut b.rt,
            tag::RW => &mut b.rw,
            tag::KEL_DESA => &mut b.kel_desa,
            tag::KECAMATAN => &mut b.kecamatan,
            tag::KABUPATEN => &mut b.kabupaten,
            tag::PROVINSI => &mut b.provinsi,
            tag::AGAMA => &mut b.agama,
            tag::STATUS_PERKAWINAN => &mut b.status_perkawinan,
            tag::PEKERJAAN => &mut b.pekerjaan,
            tag::KEWARGANEGARAAN => &mut b.kewarganegaraan,
            tag::BERLAKU_HINGGA => &mut b.berlaku_hingga,
            tag::TANGGAL_TERBIT => &mut b.tanggal_terbit,
            tag::TEMPAT_TERBIT => &mut b.tempat_terbit,
            _ => continue, // unknown tags are skipped (forward compatibility)
        };
        *slot = value;
    }
    Some(b)
}

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

#[cfg(test)]
mod tests {

    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn biodata_parser_skips_unknown_tags_and_rejects_truncation() {
        let ef =
            [&[0x00, 0x0C][..], &[0x01, 0x02, b'1', b'2', 0x7F, 0x01, b'x', 0x02, 0x03, b'A', b'N', b'I']].concat();
        let b = biodata(&ef).unwrap();
        assert_eq!((b.nik.as_str(), b.nama.as_str()), ("12", "ANI"));
        assert!(biodata(&[0, 4, 0x01, 0x05, b'1']).is_none());
    }

    #[test]
    fn activation_round_trip_and_forgery() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let rec = ActivationRecord {
            sam_serial: [1, 2, 3, 4, 5, 6, 7, 8],
            reader_serial: "R-1".into(),
            office: "KANREG-V".into(),
            valid_from: 10,
            valid_until: 20,
        };
        let mut raw = rec.sign(&key);
        assert_eq!(raw.len(), ACTIVATION_LEN);
        assert_eq!(ActivationRecord::verify(&raw, &key.verifying_key()).unwrap(), rec);
        raw[30] ^= 1;
        assert_eq!(ActivationRecord::verify(&raw, &key.verifying_key()), Err(RecordError::BadSignature));
        assert_eq!(ActivationRecord::parse(&raw[1..]), Err(RecordError::Malformed));
    }

    #[test]
    fn biodata_fields_parse_ber_lengths_and_refuse_truncation() {
        let long = "A".repeat(200);
        let mut tlv = vec![tag::NIK, 2, b'1', b'2', tag::NAMA, 0x81, 200];
        tlv.extend_from_slice(long.as_bytes());
        let ef = [&(tlv.len() as u16).to_be_bytes()[..], &tlv].concat();
        let f = biodata_fields(&ef).unwrap();
        assert_eq!(f, vec![(tag::NIK, "12".to_owned()), (tag::NAMA, long)]);
        assert!(biodata_fields(&ef[..ef.len() - 1]).is_none());
        assert!(biodata_fields(&[0, 3, 0x01, 0x05, b'1']).is_none());
    }
}
