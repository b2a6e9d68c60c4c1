//! Server-side sessions with idle and absolute expiry.
//!
//! Every statement that changes `sessions` or `officers` runs through
//! [`write`] (on the pool) or [`write_in`] (in a [`WriteTx`]), the one place
//! that marks the store's cached sessions stale. Inserts are the exception:
//! a new officer has no session yet and a new session's token was never
//! found, so neither can make a cached answer wrong.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use sqlx::{AnyPool, Row, any::AnyQueryResult};

use super::{Statement, Store, WriteTx, officers::OfficerRecord};

/// How long a cached session is used at most. Bounds what a write from
/// *another* process (the `padan` command line on the same SQLite file)
/// takes to be seen; writes made through this store are seen at once.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// Sessions cached at most (signed-in officers active in the last second).
const MAX_CACHED: usize = 4_096;

/// SQLite only: the last answers of [`get_with_officer`], so an officer's
/// requests within a second of each other check their session without a
/// round trip to a database thread (on two busy cores that hand-over was a
/// visible part of each request's tail). Entries are exact: any write
/// to sessions or officers through the store that holds the cache
/// invalidates all of them. PostgreSQL deployments may run several
/// backends, whose writes this process would not see, and read every time.
#[derive(Debug, Default)]
pub struct Cache {
    entries: std::sync::Mutex<HashMap<String, Cached>>,
    /// Bumped by every write to `sessions` or `officers`: an entry read
    /// before it is no longer used.
    generation: AtomicU64,
}

#[derive(Debug)]
struct Cached {
    read_at: Instant,
    generation: u64,
    found: (SessionRecord, OfficerRecord),
}

impl Cache {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Marks every entry stale.
    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn get(&self, token_hash: &str) -> Option<(SessionRecord, OfficerRecord)> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let hit = entries.get(token_hash)?;
        let fresh = hit.generation == self.generation() && hit.read_at.elapsed() < FRESH_FOR;
        fresh.then(|| hit.found.clone())
    }

    /// `generation`: as it was *before* the read, so a write that raced
    /// the read leaves the entry stale.
    fn put(&self, token_hash: &str, generation: u64, read_at: Instant, found: &(SessionRecord, OfficerRecord)) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_CACHED {
            let now = self.generation();
            entries.retain(|_, c| c.generation == now && c.read_at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_CACHED {
                entries.clear();
            }
        }
        entries.insert(token_hash.to_owned(), Cached { read_at, generation, found: found.clone() });
    }
}

/// Runs a statement that writes `sessions` or `officers` on the pool, then
/// marks the cached sessions stale (also when it failed: it may have run).
pub(super) async fn write(store: &Store, statement: Statement<'_>) -> Result<AnyQueryResult, sqlx::Error> {
    let done = statement.execute(store.pool()).await;
    if let Some(cache) = &store.sessions {
        cache.changed();
    }
    done
}

/// Runs a statement that writes `sessions` or `officers` in the caller's
/// transaction; the cached sessions are marked stale when it commits
/// ([`WriteTx::commit`]): a session read before then saw the old rows.
pub(super) async fn write_in(tx: &mut WriteTx, statement: Statement<'_>) -> Result<AnyQueryResult, sqlx::Error> {
    tx.sessions_stale = true;
    statement.execute(&mut *tx.tx).await
}

/// [`get_with_officer`], answered from the store's cache (SQLite) when it
/// holds a fresh entry.
pub async fn get_with_officer_cached(
    store: &Store,
    token_hash: &str,
) -> Result<Option<(SessionRecord, OfficerRecord)>, sqlx::Error> {
    let Some(cache) = store.sessions.as_deref() else { return get_with_officer(store.pool(), token_hash).await };
    if let Some(hit) = cache.get(token_hash) {
        return Ok(Some(hit));
    }
    let (generation, read_at) = (cache.generation(), Instant::now());
    let found = get_with_officer(store.pool(), token_hash).await?;
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

pub async fn touch(store: &Store, token_hash: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    let statement = sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1");
    write(store, statement.bind(token_hash).bind(now_ms)).await.map(|_| ())
}

pub async fn delete(store: &Store, token_hash: &str) -> Result<(), sqlx::Error> {
    write(store, sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash)).await.map(|_| ())
}

/// Removes sessions that can no longer be used.
pub async fn purge_expired(store: &Store, now_ms: i64, idle_ms: i64) -> Result<u64, sqlx::Error> {
    let statement = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2");
    write(store, statement.bind(now_ms).bind(now_ms - idle_ms)).await.map(|r| r.rows_affected())
}

/// Ends every session of an officer ("keluar dari semua perangkat"), or
/// every one but `keep` (after a password change). Returns how many ended.
pub async fn delete_all_for_officer(store: &Store, officer_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    let statement = sqlx::query("DELETE FROM sessions WHERE officer_id = $1 AND token_hash <> $2");
    write(store, statement.bind(officer_id).bind(keep.unwrap_or(""))).await.map(|r| r.rows_affected())
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
    store: &Store,
    old_hash: &str,
    new_hash: &str,
    csrf_token: &str,
    stage: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE sessions SET token_hash = $2, csrf_token = $3, stage = $4, last_seen_at = $5, expires_at = $6 \
         WHERE token_hash = $1",
    )
    .bind(old_hash)
    .bind(new_hash)
    .bind(csrf_token)
    .bind(stage)
    .bind(now_ms)
    .bind(expires_at);
    write(store, statement).await.map(|r| r.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use padan_protocol::v1::Role;

    use super::{Cache, NewSession, SessionRecord, get_with_officer_cached};
    use crate::store::{Store, WriteTx, officers, seed};

    async fn open(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("padan.db").display());
        let store = Store::connect(&url, 2).await.expect("connect");
        store.migrate().await.expect("migrate");
        seed::offices(store.pool()).await.expect("offices");
        store
    }

    fn cache(store: &Store) -> &Cache {
        store.sessions.as_deref().expect("SQLite stores cache sessions")
    }

    async fn new_officer(store: &Store, username: &str) -> i64 {
        let new = officers::NewOfficer {
            username,
            display_name: username,
            nip: None,
            role: Role::Officer,
            office_code: "PUSAT",
            password_hash: "not-a-hash",
        };
        officers::insert(store.pool(), &new, 0).await.expect("officer")
    }

    async fn new_session(store: &Store, officer_id: i64, token_hash: &str) {
        let new = NewSession {
            token_hash,
            officer_id,
            csrf_token: "csrf",
            created_at: 1_000,
            expires_at: i64::MAX / 2,
            stage: "complete",
        };
        super::insert(store.pool(), &new).await.expect("session");
    }

    /// Reads the session through the cache, and checks the cache now
    /// answers it.
    async fn warm(store: &Store, token_hash: &str) -> (SessionRecord, officers::OfficerRecord) {
        let found = get_with_officer_cached(store, token_hash).await.expect("read").expect("a session");
        assert!(cache(store).get(token_hash).is_some(), "the read was not cached");
        found
    }

    /// Runs `write` in a writing transaction and commits it.
    async fn committed(
        store: &Store,
        write: impl AsyncFnOnce(&mut WriteTx) -> Result<(), sqlx::Error>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = store.begin_write().await?;
        write(&mut tx).await?;
        tx.commit().await
    }

    /// Warms the cache, runs the write, and checks the cached entry is no
    /// longer used.
    macro_rules! invalidates {
        ($store:expr, $hash:expr, $what:literal, $write:expr) => {{
            warm($store, $hash).await;
            $write.await.expect($what);
            assert!(cache($store).get($hash).is_none(), "{} left a cached session in use", $what);
        }};
    }

    #[tokio::test]
    async fn every_write_to_officers_or_sessions_invalidates_cached_sessions() {
        let dir = tempfile::tempdir().expect("dir");
        let store = &open(&dir).await;
        let id = new_officer(store, "rina").await;
        new_session(store, id, "h1").await;

        // On the pool.
        invalidates!(store, "h1", "failed sign-in", officers::record_failure(store, id));
        invalidates!(store, "h1", "accepted sign-in", officers::record_success(store, id));
        invalidates!(store, "h1", "password change", officers::set_password(store, id, "new-hash", 2_000));
        invalidates!(store, "h1", "TOTP enrolment", officers::set_totp_pending(store, id, "sealed"));
        invalidates!(store, "h1", "TOTP confirmation", officers::confirm_totp(store, id, "sealed", 5));
        invalidates!(store, "h1", "TOTP step", officers::advance_totp_step(store, id, 6));
        let reseal = officers::reseal_totp(store, id, officers::TotpSlot::Enrolled, "sealed", "resealed");
        invalidates!(store, "h1", "TOTP reseal", reseal);
        invalidates!(store, "h1", "session touch", super::touch(store, "h1", 3_000));
        invalidates!(store, "h1", "expired-session purge", super::purge_expired(store, 4_000, 10_000));
        let rotate = super::rotate(store, "h1", "h2", "csrf2", "complete", 5_000, i64::MAX / 2);
        invalidates!(store, "h1", "second factor completed (rotation)", rotate);
        invalidates!(store, "h2", "sign-out", super::delete(store, "h2"));
        new_session(store, id, "h3").await;
        invalidates!(store, "h3", "sign-out everywhere", super::delete_all_for_officer(store, id, None));
        new_session(store, id, "h4").await;
        invalidates!(
            store,
            "h4",
            "password change (other sessions)",
            super::delete_all_for_officer(store, id, Some("x"))
        );

        // In a transaction: stale once it commits.
        new_session(store, id, "h5").await;
        let role_change =
            committed(store, async |tx| officers::set_role_office(tx, id, Role::Supervisor, "PUSAT").await.map(|_| ()));
        invalidates!(store, "h5", "role change", role_change);
        assert_eq!(warm(store, "h5").await.1.info.role, Role::Supervisor);
        let deactivation = committed(store, async |tx| officers::set_active(tx, id, false).await.map(|_| ()));
        invalidates!(store, "h5", "deactivation", deactivation);
        assert!(!warm(store, "h5").await.1.active);
        let reset = committed(store, async |tx| officers::clear_totp(tx, id).await.map(|_| ()));
        invalidates!(store, "h5", "second-factor reset", reset);
        let ended = committed(store, async |tx| officers::end_sessions(tx, id).await.map(|_| ()));
        invalidates!(store, "h5", "sessions ended by an admin", ended);
        assert!(get_with_officer_cached(store, "h5").await.expect("read").is_none());
    }

    #[tokio::test]
    async fn a_session_read_during_a_transaction_is_stale_once_it_commits() {
        let dir = tempfile::tempdir().expect("dir");
        let store = &open(&dir).await;
        let id = new_officer(store, "rina").await;
        new_session(store, id, "h1").await;
        let mut tx = store.begin_write().await.expect("begin");
        officers::set_role_office(&mut tx, id, Role::Auditor, "PUSAT").await.expect("role");
        // Read meanwhile: the old role, cached.
        assert_eq!(warm(store, "h1").await.1.info.role, Role::Officer);
        tx.commit().await.expect("commit");
        assert!(cache(store).get("h1").is_none());
        assert_eq!(warm(store, "h1").await.1.info.role, Role::Auditor);
    }

    #[tokio::test]
    async fn stores_invalidate_only_their_own_cache() {
        let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let (a, b) = (&open(&dir_a).await, &open(&dir_b).await);
        let (id_a, id_b) = (new_officer(a, "rina").await, new_officer(b, "rina").await);
        new_session(a, id_a, "h").await;
        new_session(b, id_b, "h").await;
        warm(a, "h").await;
        super::delete(b, "h").await.expect("delete");
        assert!(cache(a).get("h").is_some(), "a write to another store invalidated this one's cache");
    }

    /// The statements that change what a cached session holds live only in
    /// `store::sessions` and `store::officers`, whose writes go through
    /// `write` / `write_in` (the test above runs each one).
    #[test]
    fn only_the_session_and_officer_stores_write_those_tables() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        let owners = [src.join("store/sessions.rs"), src.join("store/officers.rs")];
        let writes = ["update officers", "delete from officers", "update sessions", "delete from sessions"];
        for file in files.iter().filter(|f| !owners.contains(f)) {
            let text = std::fs::read_to_string(file).expect("read").to_lowercase();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for w in writes {
                assert!(!text.contains(w), "{} runs `{w}` outside store::sessions / store::officers", file.display());
            }
        }
    }
}
