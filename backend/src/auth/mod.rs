//! Officers: passwords, sessions, and the extractors handlers use to ask
//! "who is this, and may they?".

mod extract;
pub mod password;
pub mod service;
mod service_client;
pub mod throttle;
pub mod totp;

pub use extract::{
    Admin, AuditReader, ClientAddress, Officer, PendingOfficer, SESSION_COOKIE, SESSION_COOKIE_SECURE, Verifier,
    session_cookie_token, stage_from_db, stage_to_db,
};
pub use service_client::ServiceClient;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, hex: session tokens and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison for tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
