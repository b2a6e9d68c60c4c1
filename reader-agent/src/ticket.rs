//! Backend-signed tickets: the proof that a WebSocket client is a signed-in
//! officer's page. Format and rules in `docs/agent-protocol.md` §Tickets.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::{Signature, VerifyingKey};
use padan_protocol::agent::v1::{AgentErrorCode, MAX_TICKET_LIFETIME_SECS, TicketClaims};

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

/// Verifies tickets and remembers used ids until they expire.
pub struct TicketVerifier {
    key: VerifyingKey,
    office: Option<String>,
    used: Mutex<HashMap<String, u64>>,
}

impl std::fmt::Debug for TicketVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketVerifier").field("office", &self.office).finish_non_exhaustive()
    }
}

impl TicketVerifier {
    /// `office`: when set, tickets must be bound to it.
    pub fn new(key: VerifyingKey, office: Option<String>) -> TicketVerifier {
        TicketVerifier { key, office, used: Mutex::new(HashMap::new()) }
    }

    /// Checks signature, lifetime, origin and office; consumes the ticket id.
    pub fn verify(&self, ticket: &str, origin: &str, now: u64) -> Result<TicketClaims, TicketError> {
        if ticket.len() > MAX_TICKET_LEN {
            return Err(TicketError::Invalid);
        }
        let (claims_b64, sig_b64) = ticket.split_once('.').ok_or(TicketError::Invalid)?;
        let claims_raw = B64URL.decode(claims_b64).map_err(|_| TicketError::Invalid)?;
        let sig = B64URL.decode(sig_b64).map_err(|_| TicketError::Invalid)?;
        let sig = Signature::from_slice(&sig).map_err(|_| TicketError::Invalid)?;
        self.key.verify_strict(&claims_raw, &sig).map_err(|_| TicketError::Invalid)?;
        let claims: TicketClaims = serde_json::from_slice(&claims_raw).map_err(|_| TicketError::Invalid)?;
        if claims.exp <= claims.iat || claims.exp - claims.iat > MAX_TICKET_LIFETIME_SECS || claims.tid.is_empty() {
            return Err(TicketError::Invalid);
        }
        if claims.origin != origin || self.office.as_ref().is_some_and(|o| *o != claims.office) {
            return Err(TicketError::Invalid);
        }
        if now >= claims.exp || claims.iat > now + CLOCK_SKEW_SECS {
            return Err(TicketError::Expired);
        }
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        used.retain(|_, exp| *exp > now);
        if used.contains_key(&claims.tid) {
            return Err(TicketError::Replayed);
        }
        used.insert(claims.tid.clone(), claims.exp);
        Ok(claims)
    }
}

/// Builds a ticket the way the backend does (used by tests and the docs' example).
pub fn sign_ticket(key: &ed25519_dalek::SigningKey, claims: &TicketClaims) -> String {
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
