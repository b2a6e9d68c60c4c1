//! Face recognition (`CALL_FR`): a NIK and a face photo in, "not found" or
//! a similarity score out. `nik`, `user_id` and `password` travel
//! RSA-encrypted (PKCS#1 v1.5) with Dukcapil's public key. The photo is
//! sent and forgotten: it is never stored or logged.

use std::time::Instant;

use base64::Engine;
use rand::RngCore;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey, pkcs8::DecodePublicKey};
use serde_json::{Value, json};

use super::{DukcapilClient, DukcapilError, Service};

#[derive(Debug, Clone, PartialEq)]
pub enum FaceResult {
    NotFound,
    Score(f32),
}

#[derive(Debug)]
pub struct FaceReply {
    pub result: FaceResult,
    pub code: u32,
    pub quota_remaining: Option<i64>,
}

pub fn parse_public_key(pem: &str) -> anyhow::Result<RsaPublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| anyhow::anyhow!("dukcapil.fr_public_key is not an RSA public key in PEM: {e}"))
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a `CALL_FR` answer.
pub fn interpret(body: &[u8]) -> Result<FaceReply, DukcapilError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| DukcapilError::Malformed("not JSON".into()))?;
    let obj = value.as_object().ok_or_else(|| DukcapilError::Malformed("not an object".into()))?;
    let get = |k: &str| obj.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v);
    let error = get("error");
    let code = error
        .and_then(Value::as_object)
        .and_then(|e| e.iter().find(|(k, _)| k.eq_ignore_ascii_case("errorCode")).map(|(_, v)| v))
        .and_then(|v| number(Some(v)))
        .ok_or_else(|| DukcapilError::Malformed("no error.errorCode".into()))? as u32;
    let quota_remaining = number(get("quotaLimiter")).map(|q| q as i64);
    let result = match code {
        6018 | 6019 => {
            let score = number(get("matchScore")).ok_or_else(|| DukcapilError::Malformed("no matchScore".into()))?;
            if !(0.0..=100.0).contains(&score) {
                return Err(DukcapilError::Malformed("matchScore outside 0–100".into()));
            }
            FaceResult::Score(score as f32)
        }
        6020 => FaceResult::NotFound,
        other => return Err(DukcapilError::FrError(other)),
    };
    Ok(FaceReply { result, code, quota_remaining })
}

fn encrypt(key: &RsaPublicKey, plain: &str) -> Result<String, DukcapilError> {
    key.encrypt(&mut rand::rngs::OsRng, Pkcs1v15Encrypt, plain.as_bytes())
        .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
        .map_err(|_| DukcapilError::NotConfigured("face recognition public key cannot encrypt"))
}

/// Dukcapil's FR public key and the account fields encrypted with it.
///
/// `user_id` and `password` are the same on every call, so they are
/// encrypted once, when the client is built (and again on restart, e.g.
/// after a key or credential rotation): the ciphertext of a password is
/// worth exactly as much as the password, and re-encrypting constants per
/// call only costs time. The NIK is encrypted afresh on every call, so two
/// calls about one person do not carry the same ciphertext.
pub(super) struct FrCipher {
    key: RsaPublicKey,
    user_id: String,
    password: String,
}

impl std::fmt::Debug for FrCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrCipher([redacted])")
    }
}

impl FrCipher {
    pub(super) fn new(key: RsaPublicKey, config: &crate::config::DukcapilConfig) -> anyhow::Result<Self> {
        let secret = |s: &Option<crate::config::Secret>| s.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
        let user_id = encrypt(&key, &secret(&config.user_id))
            .map_err(|_| anyhow::anyhow!("dukcapil.fr_public_key cannot encrypt the user id"))?;
        let password = encrypt(&key, &secret(&config.password))
            .map_err(|_| anyhow::anyhow!("dukcapil.fr_public_key cannot encrypt the password"))?;
        Ok(Self { key, user_id, password })
    }
}

impl DukcapilClient {
    /// `jpeg` must already be within Dukcapil's size limit.
    pub async fn face_match(&self, nik: &str, jpeg: &[u8]) -> Result<FaceReply, DukcapilError> {
        let fr = self.fr.as_ref().ok_or(DukcapilError::NotConfigured("dukcapil.fr_public_key"))?;
        let mut id = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let body = json!({
            "transactionId": hex::encode(id),
            "transactionSource": self.config.fr_transaction_source,
            "nik": encrypt(&fr.key, nik)?,
            "user_id": fr.user_id,
            "password": fr.password,
            "threshold": self.config.fr_threshold,
            "image": base64::engine::general_purpose::STANDARD.encode(jpeg),
            "template": "",
            "type": "Face",
            "position": "F",
            "ip": self.config.ip_user,
        });
        let base = self.config.fr_base_url.as_deref().unwrap_or(&self.config.base_url).trim_end_matches('/');
        let url = format!("{base}/api/face-recognition/dukcapil/{}/CALL_FR", self.config.fr_credential);
        let started = Instant::now();
        let outcome =
            self.post(Service::Face, url, &body, self.config.face_timeout(), 0).await.and_then(|b| interpret(&b));
        self.observe(Service::Face, "face_match", started, &outcome, |r| r.code.to_string(), |r| r.quota_remaining);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scores_and_codes() {
        let ok = interpret(br#"{"matchScore": 97.5, "quotaLimiter": "120", "error": {"errorCode": 6018}}"#).unwrap();
        assert_eq!((ok.result, ok.code, ok.quota_remaining), (FaceResult::Score(97.5), 6018, Some(120)));
        let low = interpret(br#"{"matchScore": "31", "error": {"errorCode": "6019", "message": "x"}}"#).unwrap();
        assert_eq!(low.result, FaceResult::Score(31.0));
        let nf = interpret(br#"{"error": {"errorCode": 6020}}"#).unwrap();
        assert_eq!(nf.result, FaceResult::NotFound);
        assert!(matches!(interpret(br#"{"error": {"errorCode": 9002}}"#), Err(DukcapilError::FrError(9002))));
        assert!(matches!(
            interpret(br#"{"matchScore": 140, "error": {"errorCode": 6018}}"#),
            Err(DukcapilError::Malformed(_))
        ));
        assert!(matches!(interpret(b"<html>"), Err(DukcapilError::Malformed(_))));
    }

    #[test]
    fn fr_error_kinds() {
        assert!(DukcapilError::FrError(9002).is_configuration_fault());
        assert!(DukcapilError::FrError(5003).is_configuration_fault());
        assert!(DukcapilError::FrError(6014).is_availability_failure());
        assert!(!DukcapilError::FrError(6015).is_availability_failure());
    }
}
