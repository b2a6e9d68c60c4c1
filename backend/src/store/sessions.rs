//! Server-side sessions with idle and absolute expiry.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use sqlx::{AnyPool, Row};

use super::officers::OfficerRecord;

/// Bumped after every write this process makes to `sessions` or
/// `officers`: a cached session read before it is no longer used.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Marks every cached session stale. Called by each write to `sessions`
/// or `officers` once it has run, and again by callers that wrote inside a
/// transaction, once it has committed.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// How long a cached session is used at most. Bounds what a write from
/// *another* process (the `padan` command line on the same SQLite file)
/// takes to be seen; writes made by this process are seen at once
/// ([`changed`]).
const FRESH_FOR: Duration = Duration::from_secs(1);

/// Sessions cached at most (signed-in officers active in the last second).
const MAX_CACHED: usize = 4_096;

/// SQLite only: the last answers of [`get_with_officer`], so an officer's
/// requests within a second of each other check their session without a
/// round trip to a database thread (on two busy cores that hand-over was a
/// visible part of each request's tail). Entries are exact: any write
/// to sessions or officers in this process invalidates all of them.
/// PostgreSQL deployments may run several backends, whose writes this
/// process would not see, and read every time.
#[derive(Debug, Default)]
pub struct Cache {
    entries: std::sync::Mutex<HashMap<String, Cached>>,
}

#[derive(Debug)]
struct Cached {
    read_at: Instant,
    generation: u64,
    found: (SessionRecord, OfficerRecord),
}

impl Cache {
    fn get(&self, token_hash: &str) -> Option<(SessionRecord, OfficerRecord)> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let hit = entries.get(token_hash)?;
        let fresh = hit.generation == GENERATION.load(Ordering::SeqCst) && hit.read_at.elapsed() < FRESH_FOR;
        fresh.then(|| hit.found.clone())
    }

    /// `generation`: as it was *before* the read, so a write that raced
    /// the read leaves the entry stale.
    fn put(&self, token_hash: &str, generation: u64, read_at: Instant, found: &(SessionRecord, OfficerRecord)) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_CACHED {
            let now = GENERATION.load(Ordering::SeqCst);
            entries.retain(|_, c| c.generation == now && c.read_at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_CACHED {
                entries.clear();
            }
        }
        entries.insert(token_hash.to_owned(), Cached { read_at, generation, found: found.clone() });
    }
}

/// [`get_with_officer`], answered from `cache` when it holds a fresh entry.
pub async fn get_with_officer_cached(
    pool: &AnyPool,
    cache: Option<&Cache>,
    token_hash: &str,
) -> Result<Option<(SessionRecord, OfficerRecord)>, sqlx::Error> {
    let Some(cache) = cache else { return get_with_officer(pool, token_hash).await };
    if let Some(hit) = cache.get(token_hash) {
        return Ok(Some(hit));
    }
    let (generation, read_at) = (GENERATION.load(Ordering::SeqCst), Instant::now());
    let found = get_with_officer(pool, token_hash).await?;
    if let Some(found) = &found {
        cache.put(token_hash, generation, read_at, found);
    }
    Ok(found)
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub officer_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// `complete`, `totp_required` or `totp_enrolment_required`.
    pub stage: String,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub officer_id: i64,
    pub csrf_token: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
    pub stage: &'a str,
}

pub async fn insert(pool: &AnyPool, s: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, officer_id, csrf_token, created_at, last_seen_at, expires_at, stage) \
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(s.token_hash)
    .bind(s.officer_id)
    .bind(s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(s.stage)
    .execute(pool)
    .await
    .map(|_| ())
}

/// The session and its officer in one round trip (every authenticated
/// request needs both).
pub async fn get_with_officer(
    pool: &AnyPool,
    token_hash: &str,
) -> Result<Option<(SessionRecord, super::officers::OfficerRecord)>, sqlx::Error> {
    let sql = format!(
        "{}, s.csrf_token AS s_csrf, s.created_at AS s_created, s.last_seen_at AS s_seen, s.expires_at AS s_expires, s.stage AS s_stage \
         FROM sessions s JOIN officers o ON o.id = s.officer_id JOIN offices f ON f.code = o.office_code \
         WHERE s.token_hash = $1",
        super::officers::SELECT.split(" FROM ").next().unwrap_or_default()
    );
    let row = sqlx::query(&sql).bind(token_hash).fetch_optional(pool).await?;
    row.map(|r| {
        let officer = super::officers::from_row(&r)?;
        let session = SessionRecord {
            officer_id: officer.id,
            csrf_token: r.try_get("s_csrf")?,
            created_at: r.try_get("s_created")?,
            last_seen_at: r.try_get("s_seen")?,
            expires_at: r.try_get("s_expires")?,
            stage: r.try_get("s_stage")?,
        };
        Ok((session, officer))
    })
    .transpose()
}

pub async fn touch(pool: &AnyPool, token_hash: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now_ms)
        .execute(pool)
        .await
        .inspect(|_| changed())
        .map(|_| ())
}

pub async fn delete(pool: &AnyPool, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await
        .inspect(|_| changed())
        .map(|_| ())
}

/// Removes sessions that can no longer be used.
pub async fn purge_expired(pool: &AnyPool, now_ms: i64, idle_ms: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now_ms)
        .bind(now_ms - idle_ms)
        .execute(pool)
        .await
        .inspect(|_| changed())
        .map(|r| r.rows_affected())
}

/// Ends every session of an officer ("keluar dari semua perangkat"), or
/// every one but `keep` (after a password change). Returns how many ended.
pub async fn delete_all_for_officer(pool: &AnyPool, officer_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE officer_id = $1 AND token_hash <> $2")
        .bind(officer_id)
        .bind(keep.unwrap_or(""))
        .execute(pool)
        .await
        .inspect(|_| changed())
        .map(|r| r.rows_affected())
}

/// Live sessions of an officer (for the account page and tests).
pub async fn count_for_officer(pool: &AnyPool, officer_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM sessions WHERE officer_id = $1")
        .bind(officer_id)
        .fetch_one(pool)
        .await?
        .try_get(0)
}

/// Sign-in throttling: failed attempts per `scope` (`account`, `address`)
/// and keyed-hash `subject`, shared by every instance through the database.
pub async fn record_sign_in_failure(
    pool: &AnyPool,
    scope: &str,
    subject: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sign_in_failures (scope, subject, at) VALUES ($1, $2, $3)")
        .bind(scope)
        .bind(subject)
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Failed sign-ins of one subject within a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub oldest_ms: Option<i64>,
    pub latest_ms: Option<i64>,
}

/// Failures since `since_ms`: how many, the oldest and the latest.
pub async fn sign_in_failures_since(
    pool: &AnyPool,
    scope: &str,
    subject: &str,
    since_ms: i64,
) -> Result<Failures, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*), MIN(at), MAX(at) FROM sign_in_failures WHERE scope = $1 AND subject = $2 AND at > $3",
    )
    .bind(scope)
    .bind(subject)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    Ok(Failures { count: row.try_get(0)?, oldest_ms: row.try_get(1)?, latest_ms: row.try_get(2)? })
}

/// Forgets failures older than the window.
pub async fn purge_sign_in_failures(pool: &AnyPool, before_ms: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
        .bind(before_ms)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}

/// Moves a session to another stage under a new token (the old token stops
/// working): used when the second factor completes.
pub async fn rotate(
    pool: &AnyPool,
    old_hash: &str,
    new_hash: &str,
    csrf_token: &str,
    stage: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET token_hash = $2, csrf_token = $3, stage = $4, last_seen_at = $5, expires_at = $6 \
         WHERE token_hash = $1",
    )
    .bind(old_hash)
    .bind(new_hash)
    .bind(csrf_token)
    .bind(stage)
    .bind(now_ms)
    .bind(expires_at)
    .execute(pool)
    .await
    .inspect(|_| changed())
    .map(|r| r.rows_affected() == 1)
}
