//! Backend-signed tickets and read nonces: the proof that a WebSocket client
//! is a signed-in officer's page, and that the backend issued (and audited)
//! each read. Format and rules in `docs/agent-protocol.md` §Tickets and
//! §Read nonces.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::{Signature, VerifyingKey};
use padan_protocol::agent::v1::{
    AgentErrorCode, CardField, MAX_NONCE_LEN, MAX_NONCE_LIFETIME_SECS, MAX_TICKET_LIFETIME_SECS, NonceClaims,
    TicketClaims,
};
use serde::de::DeserializeOwned;

/// Tolerated clock difference between backend and agent for `iat`.
pub const CLOCK_SKEW_SECS: u64 = 30;
/// Longest ticket string accepted.
const MAX_TICKET_LEN: usize = 2048;

/// Why a ticket was refused (all map to a `TICKET_*` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketError {
    Invalid,
    Expired,
    Replayed,
}

impl TicketError {
    pub fn code(self) -> AgentErrorCode {
        match self {
            TicketError::Invalid => AgentErrorCode::TicketInvalid,
            TicketError::Expired => AgentErrorCode::TicketExpired,
            TicketError::Replayed => AgentErrorCode::TicketReplayed,
        }
    }
}

/// Why a `READ_CARD` nonce was refused (all map to a `NONCE_*` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceError {
    Invalid,
    Expired,
    Replayed,
}

impl NonceError {
    pub fn code(self) -> AgentErrorCode {
        match self {
            NonceError::Invalid => AgentErrorCode::NonceInvalid,
            NonceError::Expired => AgentErrorCode::NonceExpired,
            NonceError::Replayed => AgentErrorCode::NonceReplayed,
        }
    }
}

/// Opens `base64url(claims) "." base64url(Ed25519 signature)`: the claims,
/// when `key` signed exactly their bytes and they parse as `T`.
fn open_signed<T: DeserializeOwned>(key: &VerifyingKey, token: &str, max_len: usize) -> Option<T> {
    if token.len() > max_len {
        return None;
    }
    let (claims_b64, sig_b64) = token.split_once('.')?;
    let claims_raw = B64URL.decode(claims_b64).ok()?;
    let sig = Signature::from_slice(&B64URL.decode(sig_b64).ok()?).ok()?;
    key.verify_strict(&claims_raw, &sig).ok()?;
    serde_json::from_slice(&claims_raw).ok()
}

/// Remembers used ids until their expiry; false when `id` was already used.
fn first_use(used: &Mutex<HashMap<String, u64>>, id: &str, exp: u64, now: u64) -> bool {
    let mut used = used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    used.retain(|_, e| *e > now);
    if used.contains_key(id) {
        return false;
    }
    used.insert(id.to_owned(), exp);
    true
}

/// Whether a read of `asked` is within what `ticket` and `nonce` grant.
/// `MINUTIAE` never is: fingerprint templates never leave the agent.
pub fn fields_granted(asked: &[CardField], ticket: &TicketClaims, nonce: &NonceClaims) -> bool {
    asked.iter().all(|f| *f != CardField::Minutiae && ticket.fields.contains(f) && nonce.fields.contains(f))
}

/// Verifies tickets and read nonces and remembers used ids until they expire.
pub struct TicketVerifier {
    key: VerifyingKey,
    office: Option<String>,
    used: Mutex<HashMap<String, u64>>,
    used_nonces: Mutex<HashMap<String, u64>>,
}

impl std::fmt::Debug for TicketVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketVerifier").field("office", &self.office).finish_non_exhaustive()
    }
}

impl TicketVerifier {
    /// `office`: when set, tickets must be bound to it.
    pub fn new(key: VerifyingKey, office: Option<String>) -> TicketVerifier {
        TicketVerifier { key, office, used: Mutex::new(HashMap::new()), used_nonces: Mutex::new(HashMap::new()) }
    }

    /// Checks a `READ_CARD` nonce: the backend's signature, its lifetime, that
    /// it is for the session's officer, office and origin; consumes its id.
    pub fn verify_nonce(
        &self,
        nonce: &str,
        ticket: &TicketClaims,
        origin: &str,
        now: u64,
    ) -> Result<NonceClaims, NonceError> {
        let claims: NonceClaims = open_signed(&self.key, nonce, MAX_NONCE_LEN).ok_or(NonceError::Invalid)?;
        if claims.exp <= claims.iat || claims.exp - claims.iat > MAX_NONCE_LIFETIME_SECS || claims.nid.is_empty() {
            return Err(NonceError::Invalid);
        }
        if claims.origin != origin || claims.officer != ticket.officer || claims.office != ticket.office {
            return Err(NonceError::Invalid);
        }
        if now >= claims.exp || claims.iat > now + CLOCK_SKEW_SECS {
            return Err(NonceError::Expired);
        }
        if !first_use(&self.used_nonces, &claims.nid, claims.exp, now) {
            return Err(NonceError::Replayed);
        }
        Ok(claims)
    }

    /// Checks signature, lifetime, origin and office; consumes the ticket id.
    pub fn verify(&self, ticket: &str, origin: &str, now: u64) -> Result<TicketClaims, TicketError> {
        // A ticket without `fields` does not parse: refused, never "everything".
        let claims: TicketClaims = open_signed(&self.key, ticket, MAX_TICKET_LEN).ok_or(TicketError::Invalid)?;
        if claims.exp <= claims.iat || claims.exp - claims.iat > MAX_TICKET_LIFETIME_SECS || claims.tid.is_empty() {
            return Err(TicketError::Invalid);
        }
        if claims.origin != origin || self.office.as_ref().is_some_and(|o| *o != claims.office) {
            return Err(TicketError::Invalid);
        }
        if now >= claims.exp || claims.iat > now + CLOCK_SKEW_SECS {
            return Err(TicketError::Expired);
        }
        if !first_use(&self.used, &claims.tid, claims.exp, now) {
            return Err(TicketError::Replayed);
        }
        Ok(claims)
    }
}

/// Builds a ticket the way the backend does (used by tests and the docs' example).
pub fn sign_ticket(key: &ed25519_dalek::SigningKey, claims: &TicketClaims) -> String {
    sign_token(key, claims)
}

/// Builds a read nonce the way the backend does (used by tests).
pub fn sign_nonce(key: &ed25519_dalek::SigningKey, claims: &NonceClaims) -> String {
    sign_token(key, claims)
}

fn sign_token(key: &ed25519_dalek::SigningKey, claims: &impl serde::Serialize) -> String {
    use ed25519_dalek::Signer as _;
    let raw = serde_json::to_vec(claims).unwrap_or_default();
    let sig = key.sign(&raw);
    format!("{}.{}", B64URL.encode(&raw), B64URL.encode(sig.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(tid: &str, iat: u64, exp: u64) -> TicketClaims {
        TicketClaims {
            tid: tid.into(),
            officer: "off-1".into(),
            office: "BKN-PUSAT".into(),
            origin: "https://padan.test".into(),
            iat,
            exp,
            fields: vec![CardField::Biodata, CardField::Photo],
        }
    }

    #[test]
    fn accepts_once_and_refuses_replay_expiry_forgery_and_foreign_origin() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let v = TicketVerifier::new(key.verifying_key(), Some("BKN-PUSAT".into()));
        let t = sign_ticket(&key, &claims("a", 1000, 1200));
        assert!(v.verify(&t, "https://padan.test", 1100).is_ok());
        assert_eq!(v.verify(&t, "https://padan.test", 1101), Err(TicketError::Replayed));
        let t = sign_ticket(&key, &claims("b", 1000, 1200));
        assert_eq!(v.verify(&t, "https://padan.test", 1200), Err(TicketError::Expired));
        assert_eq!(v.verify(&t, "https://evil.test", 1100), Err(TicketError::Invalid));
        let long = sign_ticket(&key, &claims("c", 1000, 1000 + MAX_TICKET_LIFETIME_SECS + 1));
        assert_eq!(v.verify(&long, "https://padan.test", 1100), Err(TicketError::Invalid));
        let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
        let forged = sign_ticket(&other, &claims("d", 1000, 1200));
        assert_eq!(v.verify(&forged, "https://padan.test", 1100), Err(TicketError::Invalid));
        // A used id is forgotten after its expiry.
        let t = sign_ticket(&key, &claims("a", 1300, 1400));
        assert!(v.verify(&t, "https://padan.test", 1350).is_ok());
    }
}
