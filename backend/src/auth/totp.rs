//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps,
//! 6 digits), the second factor admins and auditors must use.
//!
//! Secrets are stored sealed: XOR with an HMAC-SHA256 keystream under a key
//! derived from the server's NIK-token key and a random nonce, plus an
//! HMAC tag that binds the ciphertext to the officer. A copy of the
//! database alone yields no working codes, and a sealed secret copied onto
//! another officer's row does not open.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::Sha256;

pub const DIGITS: u32 = 6;
pub const PERIOD_SECS: i64 = 30;
/// Codes of the previous and next step are accepted too (clock drift).
const DRIFT_STEPS: i64 = 1;
const SECRET_BYTES: usize = 20;

/// DEMO ONLY — the authenticator secret of the demo admin and auditor
/// (base32; "jangan dipakai" = do not use). Printed by `cargo xtask demo`.
pub const DEMO_SECRET: &str = "PADANDEMOTOTPSECRETJANGANDIPAKAI";

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Lenient about case, spaces and padding, as people type them.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=' && *c != '-') {
        let v = BASE32.iter().position(|&b| b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// A fresh random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The code for one time step (RFC 4226 HOTP with the step as counter).
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { return String::new() };
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

fn derived_key(server_key: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this never falls back.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(server_key) else { return [0u8; 32] };
    mac.update(b"padan/totp-seal/v1");
    mac.finalize().into_bytes().into()
}

fn prf(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { return [0u8; 32] };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn keystream_xor(key: &[u8; 32], nonce: &[u8], data: &mut [u8]) {
    for (block, chunk) in data.chunks_mut(32).enumerate() {
        let ks = prf(key, &[b"ks", nonce, &(block as u64).to_be_bytes()]);
        chunk.iter_mut().zip(ks).for_each(|(b, k)| *b ^= k);
    }
}

/// `v1:` + hex(nonce ‖ ciphertext ‖ tag), bound to `officer_id`.
pub fn seal(server_key: &[u8], officer_id: i64, secret: &[u8]) -> String {
    let key = derived_key(server_key);
    let mut nonce = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut ct = secret.to_vec();
    keystream_xor(&key, &nonce, &mut ct);
    let tag = prf(&key, &[b"tag", &officer_id.to_be_bytes(), &nonce, &ct]);
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    out.extend_from_slice(&tag[..16]);
    format!("v1:{}", hex::encode(out))
}

pub fn open(server_key: &[u8], officer_id: i64, sealed: &str) -> Option<Vec<u8>> {
    let bytes = hex::decode(sealed.strip_prefix("v1:")?).ok()?;
    if bytes.len() < 16 + 16 + 1 {
        return None;
    }
    let key = derived_key(server_key);
    let (nonce, rest) = bytes.split_at(16);
    let (ct, tag) = rest.split_at(rest.len() - 16);
    let expected = prf(&key, &[b"tag", &officer_id.to_be_bytes(), nonce, ct]);
    if !super::same_token(&hex::encode(&expected[..16]), &hex::encode(tag)) {
        return None;
    }
    let mut secret = ct.to_vec();
    keystream_xor(&key, nonce, &mut secret);
    Some(secret)
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
    fn sealed_secrets_open_only_for_their_officer_and_key() {
        let key = [7u8; 32];
        let secret = new_secret();
        let sealed = seal(&key, 42, &secret);
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_eq!(open(&key, 42, &sealed).unwrap(), secret);
        assert!(open(&key, 43, &sealed).is_none());
        assert!(open(&[8u8; 32], 42, &sealed).is_none());
        assert_ne!(seal(&key, 42, &secret), sealed, "a fresh nonce every time");
    }
}
