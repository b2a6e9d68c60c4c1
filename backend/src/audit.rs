//! Every access and security event is appended here before the response
//! leaves (ARCHITECTURE invariant 5). NIKs enter only as a keyed hash.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{
    AppState,
    auth::Officer,
    store::{self, audit::AuditRecord},
};

/// Keyed hash of a NIK: the same NIK always gives the same token (so an
/// auditor can search by NIK), but the token cannot be reversed without the key.
pub fn nik_token(key: &[u8], nik: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key());
    mac.update(nik.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

// HMAC accepts keys of any length; this cannot happen.
fn unreachable_key() -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable!())
}

/// A record about an officer's action, pre-filled from who they are.
pub fn for_officer(state: &AppState, officer: &Officer, request_id: &str, event: &str) -> AuditRecord {
    AuditRecord {
        at: state.clock().now_millis(),
        request_id: request_id.to_owned(),
        event: event.to_owned(),
        officer_id: Some(officer.id),
        username: Some(officer.info.username.clone()),
        office_code: Some(officer.info.office.code.clone()),
        role: Some(officer.info.role.as_str().to_owned()),
        client: "spa".to_owned(),
        ..AuditRecord::default()
    }
}

pub async fn append(state: &AppState, record: &AuditRecord) -> Result<i64, sqlx::Error> {
    let id = store::audit::append(state.store().pool(), record).await?;
    metrics::counter!("padan_audit_records_total", "event" => record.event.clone()).increment(1);
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn nik_token_is_keyed_and_stable() {
        let a = super::nik_token(b"key-one-key-one-key-one-key-one!", "3171015501900001");
        let b = super::nik_token(b"key-one-key-one-key-one-key-one!", "3171015501900001");
        let c = super::nik_token(b"key-two-key-two-key-two-key-two!", "3171015501900001");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
        assert!(!a.contains("3171015501900001"));
    }
}
