//! Officer accounts: BKN's own staff, each in one office.

use padan_protocol::v1::{Office, OfficerInfo, Role};
use sqlx::{AnyPool, Row};

use super::{
    Store, WriteTx,
    sessions::{write, write_in},
};

#[derive(Debug, Clone)]
pub struct OfficerRecord {
    pub id: i64,
    pub info: OfficerInfo,
    pub password_hash: String,
    pub failed_attempts: i64,
    pub active: bool,
    /// Encrypted TOTP secret, once enrolled (see `auth::totp`).
    pub totp_secret: Option<String>,
    /// Last accepted TOTP time step: each code works once.
    pub totp_last_step: Option<i64>,
}

pub(super) const SELECT: &str = "SELECT o.id, o.username, o.display_name, o.nip, o.role, o.office_code, f.name AS office_name, \
     o.password_hash, o.failed_attempts, o.active, o.totp_secret, o.totp_last_step \
     FROM officers o JOIN offices f ON f.code = o.office_code";

pub(super) fn from_row(row: &sqlx::any::AnyRow) -> Result<OfficerRecord, sqlx::Error> {
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role:?}").into()))?;
    Ok(OfficerRecord {
        id: row.try_get("id")?,
        info: OfficerInfo {
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            nip: row.try_get("nip")?,
            role,
            office: Office { code: row.try_get("office_code")?, name: row.try_get("office_name")? },
        },
        password_hash: row.try_get("password_hash")?,
        failed_attempts: row.try_get("failed_attempts")?,
        active: row.try_get::<i64, _>("active")? != 0,
        totp_secret: row.try_get("totp_secret")?,
        totp_last_step: row.try_get("totp_last_step")?,
    })
}

pub async fn by_username(pool: &AnyPool, username: &str) -> Result<Option<OfficerRecord>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.username = $1")).bind(username).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<OfficerRecord>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.id = $1")).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug)]
pub struct NewOfficer<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub nip: Option<&'a str>,
    pub role: Role,
    pub office_code: &'a str,
    pub password_hash: &'a str,
}

pub async fn insert(pool: &AnyPool, o: &NewOfficer<'_>, now_ms: i64) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO officers (username, display_name, nip, role, office_code, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(o.username)
    .bind(o.display_name)
    .bind(o.nip)
    .bind(o.role.as_str())
    .bind(o.office_code)
    .bind(o.password_hash)
    .bind(now_ms)
    .fetch_one(pool)
    .await?;
    // A new officer has no session: nothing cached can be stale.
    row.try_get(0)
}

/// Counts a failed sign-in in a row (shown in the admin alert). Accounts
/// are never locked by failures: the throttle slows the caller instead
/// (`auth::throttle`); `locked_until` is cleared for rows from before.
pub async fn record_failure(store: &Store, id: i64) -> Result<i64, sqlx::Error> {
    let statement =
        sqlx::query("UPDATE officers SET failed_attempts = failed_attempts + 1, locked_until = NULL WHERE id = $1");
    write(store, statement.bind(id)).await?;
    let row =
        sqlx::query("SELECT failed_attempts FROM officers WHERE id = $1").bind(id).fetch_one(store.pool()).await?;
    row.try_get(0)
}

pub async fn record_success(store: &Store, id: i64) -> Result<(), sqlx::Error> {
    let statement = sqlx::query("UPDATE officers SET failed_attempts = 0, locked_until = NULL WHERE id = $1");
    write(store, statement.bind(id)).await.map(|_| ())
}

/// Sets a new password hash (the caller checked the policy).
pub async fn set_password(store: &Store, id: i64, password_hash: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    let statement = sqlx::query("UPDATE officers SET password_hash = $2, password_changed_at = $3 WHERE id = $1");
    write(store, statement.bind(id).bind(password_hash).bind(now_ms)).await.map(|_| ())
}

/// Parks a new (encrypted) TOTP secret until the officer confirms it.
pub async fn set_totp_pending(store: &Store, id: i64, sealed: &str) -> Result<(), sqlx::Error> {
    let statement = sqlx::query("UPDATE officers SET totp_pending = $2 WHERE id = $1");
    write(store, statement.bind(id).bind(sealed)).await.map(|_| ())
}

pub async fn totp_pending(pool: &AnyPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT totp_pending FROM officers WHERE id = $1").bind(id).fetch_optional(pool).await?;
    Ok(row.map(|r| r.try_get::<Option<String>, _>(0)).transpose()?.flatten())
}

/// Makes the pending secret the officer's second factor.
pub async fn confirm_totp(store: &Store, id: i64, sealed: &str, step: i64) -> Result<(), sqlx::Error> {
    let statement =
        sqlx::query("UPDATE officers SET totp_secret = $2, totp_pending = NULL, totp_last_step = $3 WHERE id = $1");
    write(store, statement.bind(id).bind(sealed).bind(step)).await.map(|_| ())
}

/// Which of an officer's sealed TOTP secrets: the enrolled one, or the
/// one waiting for its confirming code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpSlot {
    Enrolled,
    Pending,
}

/// Replaces a sealed secret with the same secret sealed anew (a newer
/// format), only while the row still holds `old`: an enrolment confirmed
/// meanwhile wins.
pub async fn reseal_totp(store: &Store, id: i64, slot: TotpSlot, old: &str, new: &str) -> Result<bool, sqlx::Error> {
    let sql = match slot {
        TotpSlot::Enrolled => "UPDATE officers SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2",
        TotpSlot::Pending => "UPDATE officers SET totp_pending = $3 WHERE id = $1 AND totp_pending = $2",
    };
    let done = write(store, sqlx::query(sql).bind(id).bind(old).bind(new)).await?;
    Ok(done.rows_affected() == 1)
}

/// Records an accepted code's time step, only if it is newer than the last
/// one: `false` means the code was already used (a replay), also across
/// instances racing on the same code.
pub async fn advance_totp_step(store: &Store, id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE officers SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    );
    let done = write(store, statement.bind(id).bind(step)).await?;
    Ok(done.rows_affected() == 1)
}

// ---- Account management (admins): see `services::officers`. ----

/// An account as the admin list shows it.
#[derive(Debug, Clone)]
pub struct ListedOfficer {
    pub record: OfficerRecord,
    /// Last accepted password sign-in (from the audit trail), if any.
    pub last_sign_in: Option<i64>,
}

/// The last accepted password sign-in of `o.id`, read from the audit trail
/// newest-first through its `(officer_id, at)` index (stops at the first).
const LAST_SIGN_IN: &str = "(SELECT a.at FROM audit_log a WHERE a.officer_id = o.id AND a.event = 'sign_in' \
     AND a.outcome = 'ok' ORDER BY a.at DESC LIMIT 1) AS last_sign_in";

fn listed(filter: &str) -> String {
    let (columns, from) = SELECT.split_once(" FROM ").unwrap_or((SELECT, ""));
    format!("{columns}, {LAST_SIGN_IN} FROM {from} {filter}")
}

fn listed_from_row(r: &sqlx::any::AnyRow) -> Result<ListedOfficer, sqlx::Error> {
    Ok(ListedOfficer { record: from_row(r)?, last_sign_in: r.try_get("last_sign_in")? })
}

/// Every account, by username, with its last accepted sign-in.
pub async fn list_all(pool: &AnyPool) -> Result<Vec<ListedOfficer>, sqlx::Error> {
    let rows = sqlx::query(&listed("ORDER BY o.username")).fetch_all(pool).await?;
    rows.iter().map(listed_from_row).collect()
}

/// One account with its last accepted sign-in.
pub async fn listed_by_id(pool: &AnyPool, id: i64) -> Result<Option<ListedOfficer>, sqlx::Error> {
    let row = sqlx::query(&listed("WHERE o.id = $1")).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(listed_from_row).transpose()
}

/// The offices, by code.
pub async fn offices(pool: &AnyPool) -> Result<Vec<Office>, sqlx::Error> {
    let rows = sqlx::query("SELECT code, name FROM offices ORDER BY code").fetch_all(pool).await?;
    rows.iter().map(|r| Ok(Office { code: r.try_get(0)?, name: r.try_get(1)? })).collect()
}

/// Whether another account already carries this NIP.
pub async fn nip_taken(pool: &AnyPool, nip: &str) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM officers WHERE nip = $1").bind(nip).fetch_one(pool).await?.try_get(0)?;
    Ok(n > 0)
}

/// Ids of the active admins. On PostgreSQL the rows are locked until the
/// transaction ends, so two admins demoting each other at the same moment
/// cannot both pass the "last admin" check (SQLite serializes writing
/// transactions already).
pub async fn active_admins_for_update(
    conn: &mut sqlx::AnyConnection,
    engine: super::Engine,
) -> Result<Vec<i64>, sqlx::Error> {
    let lock = if engine == super::Engine::Postgres { " FOR UPDATE" } else { "" };
    let rows = sqlx::query(&format!("SELECT id FROM officers WHERE role = 'admin' AND active = 1 ORDER BY id{lock}"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Sets role and office in the caller's transaction.
pub async fn set_role_office(tx: &mut WriteTx, id: i64, role: Role, office_code: &str) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query("UPDATE officers SET role = $2, office_code = $3 WHERE id = $1");
    let done = write_in(tx, statement.bind(id).bind(role.as_str()).bind(office_code)).await?;
    Ok(done.rows_affected() == 1)
}

/// Activates or deactivates an account in the caller's transaction.
/// Reactivation also clears a lock-out.
pub async fn set_active(tx: &mut WriteTx, id: i64, active: bool) -> Result<bool, sqlx::Error> {
    let sql = if active {
        "UPDATE officers SET active = 1, failed_attempts = 0, locked_until = NULL WHERE id = $1"
    } else {
        "UPDATE officers SET active = 0 WHERE id = $1"
    };
    Ok(write_in(tx, sqlx::query(sql).bind(id)).await?.rows_affected() == 1)
}

/// Forgets the second factor (also a pending enrolment): the officer enrols
/// again at the next sign-in if the role requires one.
pub async fn clear_totp(tx: &mut WriteTx, id: i64) -> Result<bool, sqlx::Error> {
    let statement =
        sqlx::query("UPDATE officers SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = $1");
    Ok(write_in(tx, statement.bind(id)).await?.rows_affected() == 1)
}

/// Ends every session of the officer in the caller's transaction.
pub async fn end_sessions(tx: &mut WriteTx, id: i64) -> Result<u64, sqlx::Error> {
    let statement = sqlx::query("DELETE FROM sessions WHERE officer_id = $1");
    write_in(tx, statement.bind(id)).await.map(|r| r.rows_affected())
}
