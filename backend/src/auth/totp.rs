//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps,
//! 6 digits), the second factor admins and auditors must use.
//!
//! Secrets are stored sealed (`v2:`): XChaCha20-Poly1305 under a key derived
//! by HKDF-SHA256 from the server's NIK-token key, with a random 192-bit
//! nonce and the officer id as associated data. A copy of the database
//! alone yields no working codes, and a sealed secret copied onto another
//! officer's row does not open. Values sealed before that (`v1:`, an HMAC
//! keystream and a truncated HMAC tag) still open, read-only: callers seal
//! them again in the current format on first use ([`needs_reseal`]).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use data_encoding::BASE32_NOPAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

pub const DIGITS: u32 = 6;
pub const PERIOD_SECS: i64 = 30;
/// Codes of the previous and next step are accepted too (clock drift).
const DRIFT_STEPS: i64 = 1;
const SECRET_BYTES: usize = 20;

/// DEMO ONLY — the authenticator secret of the demo admin and auditor
/// (base32; "jangan dipakai" = do not use). Printed by `cargo xtask demo`.
pub const DEMO_SECRET: &str = "PADANDEMOTOTPSECRETJANGANDIPAKAI";

pub fn base32_encode(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes)
}

/// Lenient about case, spaces, dashes and padding, as people type them;
/// `None` for anything else that is not base32 (also a length no encoder
/// produces, rather than silently dropping the odd bits).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '=' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    BASE32_NOPAD.decode(cleaned.as_bytes()).ok()
}

/// A fresh random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The code for one time step (RFC 4226 HOTP with the step as counter).
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(secret) else { return String::new() };
    mac.update(&(step as u64).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary =
        u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:0width$}", binary % 10u32.pow(DIGITS), width = DIGITS as usize)
}

pub fn step_at(unix_ms: i64) -> i64 {
    unix_ms.div_euclid(1000).div_euclid(PERIOD_SECS)
}

/// The code valid at `unix_ms`.
pub fn code_at(secret: &[u8], unix_ms: i64) -> String {
    code_at_step(secret, step_at(unix_ms))
}

/// The time step `code` belongs to, if it is valid now (± one step) and
/// newer than `last_step` (each code is accepted once).
pub fn verify(secret: &[u8], code: &str, unix_ms: i64, last_step: Option<i64>) -> Option<i64> {
    let code = code.trim();
    if !padan_protocol::v1::is_totp_code(code) {
        return None;
    }
    let now = step_at(unix_ms);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .filter(|step| last_step.is_none_or(|last| *step > last))
        .find(|step| super::same_token(&code_at_step(secret, *step), code))
}

pub fn otpauth_uri(secret: &[u8], username: &str) -> String {
    let label: String =
        username.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')).collect();
    format!(
        "otpauth://totp/Padan%20BKN:{label}?secret={}&issuer=Padan%20BKN&algorithm=SHA1&digits={DIGITS}&period={PERIOD_SECS}",
        base32_encode(secret)
    )
}

/// Sealing failed. Never in practice (a 32-byte HKDF output, a 20-byte
/// secret); a type rather than a panic or a fallback key.
#[derive(Debug, thiserror::Error)]
#[error("sealing the TOTP secret failed")]
pub struct SealError;

const SEALED_PREFIX: &str = "v2:";
/// HKDF info: this key seals TOTP secrets and nothing else.
const SEAL_KEY_INFO: &[u8] = b"padan/totp-seal/v2 xchacha20poly1305";
const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;

fn cipher(server_key: &[u8]) -> Result<XChaCha20Poly1305, SealError> {
    // The NIK-token key is already uniformly random: no salt needed.
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, server_key).expand(SEAL_KEY_INFO, key.as_mut_slice()).map_err(|_| SealError)?;
    Ok(XChaCha20Poly1305::new(Key::from_slice(key.as_slice())))
}

/// The associated data: a sealed secret opens only on its officer's row.
fn associated_data(officer_id: i64) -> [u8; 8] {
    officer_id.to_be_bytes()
}

/// `v2:` + hex(nonce ‖ ciphertext ‖ tag), bound to `officer_id`.
pub fn seal(server_key: &[u8], officer_id: i64, secret: &[u8]) -> Result<String, SealError> {
    let mut nonce = XNonce::default();
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let aad = associated_data(officer_id);
    let sealed = cipher(server_key)?.encrypt(&nonce, Payload { msg: secret, aad: &aad }).map_err(|_| SealError)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{SEALED_PREFIX}{}", hex::encode(out)))
}

/// The secret, when `sealed` was sealed for `officer_id` under this key (in
/// the current format or the old one).
pub fn open(server_key: &[u8], officer_id: i64, sealed: &str) -> Option<Vec<u8>> {
    let Some(body) = sealed.strip_prefix(SEALED_PREFIX) else {
        return legacy::open(server_key, officer_id, sealed);
    };
    let bytes = hex::decode(body).ok()?;
    if bytes.len() < NONCE_BYTES + TAG_BYTES + 1 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let aad = associated_data(officer_id);
    cipher(server_key).ok()?.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad }).ok()
}

/// Whether `sealed` is in an older format, to be sealed again (with
/// [`seal`]) once it has opened.
pub fn needs_reseal(sealed: &str) -> bool {
    !sealed.starts_with(SEALED_PREFIX)
}

/// The `v1:` format (until issue 15), opened only: XOR with an
/// HMAC-SHA256 keystream, then a 16-byte HMAC-SHA256 tag over the officer
/// id, nonce and ciphertext.
mod legacy {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    type HmacSha256 = Hmac<Sha256>;
    const NONCE_BYTES: usize = 16;
    const TAG_BYTES: usize = 16;

    fn mac(key: &[u8], parts: &[&[u8]]) -> Option<HmacSha256> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(key).ok()?;
        parts.iter().for_each(|p| mac.update(p));
        Some(mac)
    }

    pub(super) fn open(server_key: &[u8], officer_id: i64, sealed: &str) -> Option<Vec<u8>> {
        let bytes = hex::decode(sealed.strip_prefix("v1:")?).ok()?;
        if bytes.len() < NONCE_BYTES + TAG_BYTES + 1 {
            return None;
        }
        let key = mac(server_key, &[b"padan/totp-seal/v1"])?.finalize().into_bytes();
        let (nonce, rest) = bytes.split_at(NONCE_BYTES);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_BYTES);
        // Constant-time comparison of the truncated tag.
        mac(&key, &[b"tag", &officer_id.to_be_bytes(), nonce, ciphertext])?.verify_truncated_left(tag).ok()?;
        let mut secret = ciphertext.to_vec();
        for (block, chunk) in secret.chunks_mut(32).enumerate() {
            let stream = mac(&key, &[b"ks", nonce, &(block as u64).to_be_bytes()])?.finalize().into_bytes();
            chunk.iter_mut().zip(stream).for_each(|(b, k)| *b ^= k);
        }
        Some(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column (8 digits there; the last 6 here).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, code8) in
            [(59i64, "94287082"), (1_111_111_109, "07081804"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037")]
        {
            assert_eq!(code_at(secret, t * 1000), code8[2..], "t={t}");
        }
    }

    #[test]
    fn base32_round_trip_and_demo_secret() {
        let secret = b"12345678901234567890";
        assert_eq!(base32_encode(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(), secret);
        assert_eq!(base32_decode(DEMO_SECRET).unwrap().len(), 20);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn verify_window_and_replay() {
        let secret = new_secret();
        let now = 1_700_000_000_000;
        let code = code_at(&secret, now);
        let step = verify(&secret, &code, now, None).unwrap();
        assert_eq!(step, step_at(now));
        assert!(verify(&secret, &code, now, Some(step)).is_none(), "used once");
        assert!(verify(&secret, &code, now + 30_000, None).is_some(), "one step of drift");
        assert!(verify(&secret, &code, now + 90_000, None).is_none(), "stale");
        assert!(verify(&secret, "12345", now, None).is_none());
    }

    #[test]
    fn base32_refuses_what_no_encoder_produces() {
        assert_eq!(base32_encode(b""), "");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_decode("my======").unwrap(), b"f");
        assert_eq!(base32_decode("MZXW-6YTB").unwrap(), b"fooba");
        assert!(base32_decode("M").is_none(), "a length no encoder produces");
        assert!(base32_decode("MZ").is_none(), "non-zero trailing bits");
        assert!(base32_decode("MY1").is_none(), "1 is not in the alphabet");
    }

    #[test]
    fn sealed_secrets_open_only_for_their_officer_and_key() {
        let key = [7u8; 32];
        let secret = new_secret();
        let sealed = seal(&key, 42, &secret).unwrap();
        assert!(sealed.starts_with("v2:") && !needs_reseal(&sealed));
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_eq!(open(&key, 42, &sealed).unwrap(), secret);
        assert!(open(&key, 43, &sealed).is_none());
        assert!(open(&[8u8; 32], 42, &sealed).is_none());
        assert_ne!(seal(&key, 42, &secret).unwrap(), sealed, "a fresh nonce every time");
        // Any flipped bit (nonce, ciphertext or tag) fails authentication.
        let bytes = hex::decode(&sealed[3..]).unwrap();
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1;
            assert!(open(&key, 42, &format!("v2:{}", hex::encode(flipped))).is_none(), "byte {i}");
        }
        assert!(open(&key, 42, &sealed[..sealed.len() - 2]).is_none(), "truncated");
        assert!(open(&key, 42, "v2:").is_none());
    }

    /// A value sealed by the `v1:` code (before issue 15), computed
    /// independently: key [7; 32], officer 42, nonce 00..0f,
    /// secret "12345678901234567890".
    const LEGACY_SEALED: &str = "v1:000102030405060708090a0b0c0d0e0fd5b9bc95d41af5270ff2c33d41ae185e\
        4110faff792705b1c04181ed6f522e57f78a8b8a";

    #[test]
    fn secrets_sealed_the_old_way_still_open_and_ask_to_be_sealed_again() {
        let key = [7u8; 32];
        assert!(needs_reseal(LEGACY_SEALED));
        assert_eq!(open(&key, 42, LEGACY_SEALED).unwrap(), b"12345678901234567890");
        assert!(open(&key, 43, LEGACY_SEALED).is_none(), "bound to the officer");
        assert!(open(&[8u8; 32], 42, LEGACY_SEALED).is_none(), "and to the key");
        let mut tampered = LEGACY_SEALED.to_owned();
        tampered.replace_range(40..41, "0");
        assert!(open(&key, 42, &tampered).is_none(), "tag checked");
        assert!(open(&key, 42, "v0:00").is_none() && open(&key, 42, "").is_none());
    }
}
