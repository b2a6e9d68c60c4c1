//! Every access and security event is appended here before the response
//! leaves (ARCHITECTURE invariant 5). NIKs enter only as a keyed hash.
//!
//! The trail is tamper-evident: records are hash-chained and the chain is
//! checkpointed with an Ed25519 signature (`chain`); `padan audit …` (`cli`)
//! verifies and exports; `signals` looks for misuse; `query` serves the
//! auditor and supervisor views. Design: `docs/audit.md`.

pub mod appender;
pub mod chain;
pub mod cli;
pub mod denied;
pub mod query;
pub mod settings;
pub mod signals;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::store::audit::AuditRecord;
use crate::{AppState, auth::Officer, store};

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

/// An officer's action with its outcome and detail.
pub fn officer_action(
    state: &AppState,
    officer: &Officer,
    request_id: &str,
    event: &str,
    outcome: &str,
    detail: String,
) -> AuditRecord {
    AuditRecord { outcome: outcome.to_owned(), detail: Some(detail), ..for_officer(state, officer, request_id, event) }
}

/// Appends an officer's accepted action (outcome `ok`); returns its id.
pub async fn append_ok(
    state: &AppState,
    officer: &Officer,
    request_id: &str,
    event: &str,
    detail: String,
) -> Result<i64, sqlx::Error> {
    append(state, &officer_action(state, officer, request_id, event, "ok", detail)).await
}

/// Appends a record through the process's appender (group commit) and
/// returns its id once it is committed.
pub async fn append(state: &AppState, record: &AuditRecord) -> Result<i64, sqlx::Error> {
    state.audit().append(record.clone(), None).await
}

/// Appends the record of an access that reached a person's data together
/// with its data-balikan outbox row (one transaction; the access service
/// builds the row, `services::balikan::pending`); returns the record's id.
pub async fn append_access(
    state: &AppState,
    record: AuditRecord,
    pending: store::outbox::Pending,
) -> Result<i64, sqlx::Error> {
    state.audit().append(record, Some(pending)).await
}

/// Appends a chained record inside the caller's transaction; returns its
/// id. For callers that must commit other rows atomically with the record;
/// the request path uses [`append`] / [`append_access`], which batch. The
/// chain's head stays locked until the caller commits: keep the
/// transaction short.
pub async fn append_in(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    record: &AuditRecord,
) -> Result<i64, sqlx::Error> {
    let config = &state.config().audit;
    let id = if config.chain {
        let policy = chain::CheckpointPolicy {
            every: config.checkpoint_every as i64,
            every_ms: config.checkpoint_minutes as i64 * 60_000,
            key: config.signing_key.as_ref(),
        };
        chain::append(tx, record, state.clock().now_millis(), policy).await?
    } else {
        store::audit::insert(tx, record, None).await?
    };
    metrics::counter!("padan_audit_records_total", "event" => record.event.clone()).increment(1);
    Ok(id)
}

/// Start-up: chains records written before the chain existed and says,
/// loudly, when the chain is off.
pub async fn on_start(store: &store::Store, config: &settings::AuditConfig) -> anyhow::Result<()> {
    if !config.chain {
        tracing::warn!(
            "AUDIT CHAIN OFF: audit.chain = false, records are NOT tamper-evident and `padan audit verify` will \
             report them. This switch exists for benchmarks only; never in production."
        );
        return Ok(());
    }
    let chained = chain::chain_legacy(store.pool()).await?;
    if chained > 0 {
        tracing::info!(chained, "audit records written before the chain existed were chained");
    }
    let mut conn = store.pool().acquire().await?;
    if !store::audit::unchained_ids(&mut conn, 1).await?.is_empty() {
        tracing::error!(
            "the audit trail holds records outside the hash chain (inserted directly, or written while audit.chain              was off): run `padan audit verify`"
        );
    }
    Ok(())
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
