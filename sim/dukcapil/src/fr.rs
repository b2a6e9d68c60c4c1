//! `CALL_FR`: face recognition against the registry photo.
//!
//! Request fields `nik`, `user_id` and `password` arrive RSA-encrypted
//! (PKCS#1 v1.5, base64) with Dukcapil's public key. The simulator ships a
//! fixed **demo-only** keypair (`sim/dukcapil/keys/`): [`FR_PUBLIC_KEY_PEM`].

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};

/// The simulator's FR public key (SubjectPublicKeyInfo PEM). DEMO ONLY.
pub const FR_PUBLIC_KEY_PEM: &str = include_str!("../keys/fr-demo-public.pem");
/// The matching private key (PKCS#1 PEM). DEMO ONLY: it is public.
pub const FR_DEMO_PRIVATE_KEY_PEM: &str = include_str!("../keys/fr-demo-private.pem");

/// Largest decoded `image` accepted (bytes); larger answers 6015.
pub const MAX_IMAGE_BYTES: usize = 200 * 1024;

/// `error.errorCode` values of `CALL_FR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrErrorCode {
    /// 5000: server busy.
    Busy,
    /// 5001: account not found (unknown credential or user).
    AccountNotFound,
    /// 5002: rate limit / quota exhausted.
    RateLimit,
    /// 5003: caller IP not allowed.
    IpNotAllowed,
    /// 5004: invalid parameter (missing field, repeated `transactionId`, ...).
    InvalidParameter,
    /// 5005: invalid threshold.
    InvalidThreshold,
    /// 5006: decryption failed.
    DecryptionFailed,
    /// 6006: invalid data format (image not base64).
    InvalidDataFormat,
    /// 6012: busy.
    Busy6012,
    /// 6014: busy.
    Busy6014,
    /// 6015: cannot process the image (too large, not a JPEG, too small).
    CannotProcessImage,
    /// 6018: matched (score ≥ threshold).
    Match,
    /// 6019: face does not match (score below threshold).
    NoMatch,
    /// 6020: NIK not found.
    NikNotFound,
    /// 9002: wrong password.
    WrongPassword,
}

impl FrErrorCode {
    pub const ALL: [FrErrorCode; 15] = [
        Self::Busy,
        Self::AccountNotFound,
        Self::RateLimit,
        Self::IpNotAllowed,
        Self::InvalidParameter,
        Self::InvalidThreshold,
        Self::DecryptionFailed,
        Self::InvalidDataFormat,
        Self::Busy6012,
        Self::Busy6014,
        Self::CannotProcessImage,
        Self::Match,
        Self::NoMatch,
        Self::NikNotFound,
        Self::WrongPassword,
    ];

    pub fn code(self) -> u16 {
        match self {
            Self::Busy => 5000,
            Self::AccountNotFound => 5001,
            Self::RateLimit => 5002,
            Self::IpNotAllowed => 5003,
            Self::InvalidParameter => 5004,
            Self::InvalidThreshold => 5005,
            Self::DecryptionFailed => 5006,
            Self::InvalidDataFormat => 6006,
            Self::Busy6012 => 6012,
            Self::Busy6014 => 6014,
            Self::CannotProcessImage => 6015,
            Self::Match => 6018,
            Self::NoMatch => 6019,
            Self::NikNotFound => 6020,
            Self::WrongPassword => 9002,
        }
    }

    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Busy => "Server sedang sibuk",
            Self::AccountNotFound => "Account not found",
            Self::RateLimit => "Rate limit exceeded",
            Self::IpNotAllowed => "IP not allowed",
            Self::InvalidParameter => "Invalid parameter",
            Self::InvalidThreshold => "Invalid threshold",
            Self::DecryptionFailed => "Decryption failed",
            Self::InvalidDataFormat => "Invalid data format",
            Self::Busy6012 => "Server busy, please try again",
            Self::Busy6014 => "Service busy, please try again",
            Self::CannotProcessImage => "Cannot process image",
            Self::Match => "Success",
            Self::NoMatch => "Face does not match",
            Self::NikNotFound => "NIK not found",
            Self::WrongPassword => "Wrong password",
        }
    }
}

fn private_key() -> Option<&'static RsaPrivateKey> {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| match RsaPrivateKey::from_pkcs1_pem(FR_DEMO_PRIVATE_KEY_PEM) {
        Ok(k) => Some(k),
        Err(e) => {
            tracing::error!(error = %e, "demo FR private key does not parse");
            None
        }
    })
    .as_ref()
}

/// The demo public key, parsed.
pub fn public_key() -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_pem(FR_PUBLIC_KEY_PEM).ok()
}

/// Encrypts `plain` the way a `CALL_FR` client must: RSA PKCS#1 v1.5 with
/// the simulator's demo public key, then standard base64. For tests.
pub fn encrypt_field(plain: &str) -> String {
    let Some(key) = public_key() else {
        return String::new();
    };
    match key.encrypt(&mut rand::thread_rng(), Pkcs1v15Encrypt, plain.as_bytes()) {
        Ok(ct) => STANDARD.encode(ct),
        Err(_) => String::new(),
    }
}

/// Decrypts one base64 RSA PKCS#1 v1.5 field; `None` on any failure.
pub fn decrypt_field(b64: &str) -> Option<String> {
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let ct = STANDARD.decode(clean).ok()?;
    let plain = private_key()?.decrypt(Pkcs1v15Encrypt, &ct).ok()?;
    String::from_utf8(plain).ok().map(|s| s.trim().to_owned())
}

/// The `CALL_FR` response body.
pub fn response(code: FrErrorCode, score: f64, quota: u64, transaction_id: &str) -> Value {
    json!({
        "matchScore": score,
        "quotaLimiter": quota,
        "transactionId": transaction_id,
        "error": { "errorCode": code.code(), "message": code.message() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_keys_round_trip() {
        let ct = encrypt_field("3171016708929904");
        assert_eq!(decrypt_field(&ct).as_deref(), Some("3171016708929904"));
        assert_eq!(decrypt_field("not base64!"), None);
        assert_eq!(decrypt_field(&STANDARD.encode([1u8; 256])), None);
        assert!(FR_PUBLIC_KEY_PEM.starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn codes_round_trip() {
        for c in FrErrorCode::ALL {
            assert_eq!(FrErrorCode::from_code(c.code()), Some(c));
        }
        assert_eq!(FrErrorCode::from_code(1234), None);
    }
}
