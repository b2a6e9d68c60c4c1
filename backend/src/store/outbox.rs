//! The data-balikan outbox: accessed NIKs waiting to be reported back to
//! Dukcapil with their NIP (ARCHITECTURE invariants 1 and 6).
//!
//! A row enters in the same transaction as the audit record of the access
//! ([`enqueue_in`]), already joined with the ASN registry when the NIK is
//! there. Workers claim due rows with a lease ([`claim`]): on PostgreSQL
//! `FOR UPDATE SKIP LOCKED`, so several instances drain one outbox without
//! sending a row twice at once; SQLite serialises writers, so its
//! `UPDATE … RETURNING` is the claim. A lease that runs out (its instance
//! died) makes the row claimable again: nothing is lost, and the receiver
//! absorbs what was sent just before the crash.

use padan_protocol::v1::{OutboxCounts, OutboxGroup};
use sqlx::{AnyPool, Row};

use super::{Engine, Store, WriteTx};

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// States a row can be in.
pub const WAITING: &str = "waiting";
pub const READY: &str = "ready";
pub const IN_FLIGHT: &str = "in_flight";
pub const DELIVERED: &str = "delivered";
pub const PARKED: &str = "parked";
pub const CLOSED: &str = "closed";

/// An access to enqueue. `nik` is the raw NIK: the outbox is one of the two
/// places allowed to keep it.
pub struct NewEntry<'a> {
    pub nik: &'a str,
    pub nik_token: &'a str,
    pub audit_id: i64,
    pub mechanism: &'a str,
    pub office_code: &'a str,
    pub accessed_at: i64,
    /// `YYYY-MM-DD` in WIB.
    pub accessed_day: &'a str,
}

/// No identifiers in logs.
impl std::fmt::Debug for NewEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewEntry").finish_non_exhaustive()
    }
}

/// An access to enqueue once its audit record has an id (the appender
/// writes both in one transaction). Owns the raw NIK.
pub struct Pending {
    pub nik: String,
    pub nik_token: String,
    pub mechanism: String,
    pub office_code: String,
    pub accessed_at: i64,
    /// `YYYY-MM-DD` in WIB.
    pub accessed_day: String,
}

impl Pending {
    pub fn entry(&self, audit_id: i64) -> NewEntry<'_> {
        NewEntry {
            nik: &self.nik,
            nik_token: &self.nik_token,
            audit_id,
            mechanism: &self.mechanism,
            office_code: &self.office_code,
            accessed_at: self.accessed_at,
            accessed_day: &self.accessed_day,
        }
    }
}

/// No identifiers in logs.
impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

/// Adds an access unless the NIK already has a pending row; shared with
/// the SQLite appender (`store::audit_sqlite`), which binds the same
/// parameters in order.
pub(crate) const ENQUEUE: &str = "INSERT INTO balikan_outbox (nik, nik_token, audit_id, mechanism, office_code, \
         accessed_at, accessed_day, state, nip, status_kepegawaian, kedudukan_hukum, attempts, next_attempt_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, CASE WHEN r.nik IS NULL THEN 'waiting' ELSE 'ready' END, \
         r.nip, r.status_kepegawaian, r.kedudukan_hukum, 0, $6, $6 \
         FROM (SELECT 1 AS one) AS x LEFT JOIN asn_registry r ON r.nik = $1 \
         WHERE NOT EXISTS (SELECT 1 FROM balikan_outbox o WHERE o.nik = $1 \
                           AND o.state IN ('waiting', 'ready', 'in_flight'))";

/// Adds the access to the outbox inside the caller's transaction, unless
/// the NIK already has a pending row (it will carry this access too).
/// Returns whether a row was added.
pub async fn enqueue_in(tx: &mut Tx, e: &NewEntry<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(ENQUEUE)
        .bind(e.nik)
        .bind(e.nik_token)
        .bind(e.audit_id)
        .bind(e.mechanism)
        .bind(e.office_code)
        .bind(e.accessed_at)
        .bind(e.accessed_day)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What a join pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JoinResult {
    /// Waiting rows that found their NIP.
    pub joined: u64,
    /// Ready rows whose NIK and NIP were delivered before: not sent again.
    pub earlier: u64,
    /// Waiting rows closed after the horizon.
    pub closed: u64,
}

/// Rows (by id) one join transaction covers at most.
///
/// The join runs every minute over every waiting and ready row, and a
/// selection round can leave hundreds of thousands of applicants' NIKs
/// waiting (not in the registry). In one transaction that held SQLite's
/// write lock long enough to stall every access's audit append behind it
/// (measured: 50–250 ms pauses at 200 accesses/s with some 30,000 rows
/// waiting); in slices of this many ids, each holds it for a few
/// milliseconds and appends take their turn in between.
pub const JOIN_SLICE: usize = 2_000;

/// Joins waiting rows with the registry, refreshes ready rows from it,
/// settles rows already delivered under the same NIK and NIP, and closes
/// waiting rows accessed before `horizon_before`.
///
/// Slice by slice of ids ([`JOIN_SLICE`]), each slice one transaction: a
/// pass is idempotent, so a crash between slices leaves rows a later pass
/// (a minute later) completes, and nothing is lost.
pub async fn join(store: &Store, now_ms: i64, horizon_before: i64, reason: &str) -> Result<JoinResult, sqlx::Error> {
    // The rows a pass may change, read first (no lock held); rows that
    // arrive meanwhile wait for the next pass.
    let ids: Vec<i64> = sqlx::query("SELECT id FROM balikan_outbox WHERE state IN ('waiting', 'ready') ORDER BY id")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut total = JoinResult::default();
    for slice in ids.chunks(JOIN_SLICE) {
        let (Some(from), Some(to)) = (slice.first(), slice.last()) else { continue };
        let r = join_slice(store, now_ms, horizon_before, reason, *from, *to).await?;
        total.joined += r.joined;
        total.earlier += r.earlier;
        total.closed += r.closed;
    }
    Ok(total)
}

/// One slice of [`join`]: rows with `from <= id <= to`, in one transaction.
///
/// On SQLite the outbox is read `NOT INDEXED` (the rowid range still
/// applies): otherwise the planner may take the `state` index and walk
/// every waiting row in every slice.
async fn join_slice(
    store: &Store,
    now_ms: i64,
    horizon_before: i64,
    reason: &str,
    from: i64,
    to: i64,
) -> Result<JoinResult, sqlx::Error> {
    let outbox = match store.engine() {
        Engine::Sqlite => "balikan_outbox NOT INDEXED",
        Engine::Postgres => "balikan_outbox",
    };
    let mut tx = store.begin_write().await?;
    let in_range = format!(
        "UPDATE {outbox} SET nip = r.nip, status_kepegawaian = r.status_kepegawaian, \
         kedudukan_hukum = r.kedudukan_hukum, updated_at = $1 FROM asn_registry r \
         WHERE balikan_outbox.id BETWEEN $2 AND $3 \
         AND balikan_outbox.nik = r.nik AND balikan_outbox.state = 'ready' \
         AND (balikan_outbox.nip <> r.nip OR balikan_outbox.status_kepegawaian <> r.status_kepegawaian \
              OR balikan_outbox.kedudukan_hukum <> r.kedudukan_hukum)"
    );
    update_range(&mut tx, &in_range, now_ms, from, to).await?;
    let joined = format!(
        "UPDATE {outbox} SET state = 'ready', nip = r.nip, status_kepegawaian = r.status_kepegawaian, \
         kedudukan_hukum = r.kedudukan_hukum, next_attempt_at = $1, updated_at = $1 FROM asn_registry r \
         WHERE balikan_outbox.id BETWEEN $2 AND $3 \
         AND balikan_outbox.nik = r.nik AND balikan_outbox.state = 'waiting'"
    );
    let joined = update_range(&mut tx, &joined, now_ms, from, to).await?;
    let earlier = format!(
        "UPDATE {outbox} SET state = 'delivered', delivery = 'earlier', delivered_at = $1, updated_at = $1 \
         WHERE id BETWEEN $2 AND $3 AND state = 'ready' \
         AND EXISTS (SELECT 1 FROM balikan_outbox d WHERE d.nik = balikan_outbox.nik \
         AND d.nip = balikan_outbox.nip AND d.state = 'delivered')"
    );
    let earlier = update_range(&mut tx, &earlier, now_ms, from, to).await?;
    let closed = sqlx::query(&format!(
        "UPDATE {outbox} SET state = 'closed', closed_reason = $1, updated_at = $2 \
         WHERE id BETWEEN $3 AND $4 AND state = 'waiting' AND accessed_at < $5"
    ))
    .bind(reason)
    .bind(now_ms)
    .bind(from)
    .bind(to)
    .bind(horizon_before)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(JoinResult { joined, earlier, closed })
}

/// Runs one statement over the outbox ids `$2..=$3` at `$1` (now).
async fn update_range(tx: &mut WriteTx, sql: &str, now_ms: i64, from: i64, to: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sql).bind(now_ms).bind(from).bind(to).execute(&mut ***tx).await?.rows_affected())
}

/// A row leased for sending. Hand-written `Debug`: no NIK in logs.
#[derive(Clone)]
pub struct Claimed {
    pub id: i64,
    pub nik: String,
    pub nip: String,
    pub status_kepegawaian: String,
    pub kedudukan_hukum: String,
    pub attempts: i64,
}

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed").field("id", &self.id).field("attempts", &self.attempts).finish_non_exhaustive()
    }
}

/// Leases up to `limit` due rows to `owner` until `lease_until`: ready
/// rows whose retry time has come, and in-flight rows whose lease ran out.
pub async fn claim(
    store: &Store,
    owner: &str,
    now_ms: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = match store.engine() {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE balikan_outbox SET state = 'in_flight', lease_owner = $1, lease_until = $2, updated_at = $3 \
         WHERE id IN (SELECT id FROM balikan_outbox WHERE (state = 'ready' AND next_attempt_at <= $3) \
                      OR (state = 'in_flight' AND lease_until < $3) ORDER BY id LIMIT $4{lock}) \
         RETURNING id, nik, nip, status_kepegawaian, kedudukan_hukum, attempts"
    );
    let rows = {
        let _slot = store.write_slot().await;
        sqlx::query(&sql).bind(owner).bind(lease_until).bind(now_ms).bind(limit).fetch_all(store.pool()).await?
    };
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get(0)?,
                nik: r.try_get(1)?,
                nip: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
                status_kepegawaian: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                kedudukan_hukum: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                attempts: r.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    out.sort_by_key(|c| c.id);
    Ok(out)
}

fn id_list(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Marks rows delivered (`sent` or `already_sent`). Whoever holds the
/// lease now, the receiver has them.
pub async fn delivered(store: &Store, ids: &[i64], how: &str, now_ms: i64) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE balikan_outbox SET state = 'delivered', delivery = $1, delivered_at = $2, updated_at = $2, \
         lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE state <> 'delivered' AND id IN ({})",
        id_list(3, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(how).bind(now_ms);
    for id in ids {
        q = q.bind(*id);
    }
    let _slot = store.write_slot().await;
    Ok(q.execute(store.pool()).await?.rows_affected())
}

/// Puts leased rows back for a later attempt (counting the attempt when
/// `count_attempt`). Rows no longer leased to `owner` are left alone.
pub async fn retry_later(
    store: &Store,
    owner: &str,
    ids: &[i64],
    count_attempt: bool,
    next_attempt_at: i64,
    error: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE balikan_outbox SET state = 'ready', attempts = attempts + $1, next_attempt_at = $2, \
         last_error = $3, updated_at = $4, lease_owner = NULL, lease_until = NULL \
         WHERE state = 'in_flight' AND lease_owner = $5 AND id IN ({})",
        id_list(6, ids.len())
    );
    let mut q =
        sqlx::query(&sql).bind(i64::from(count_attempt)).bind(next_attempt_at).bind(error).bind(now_ms).bind(owner);
    for id in ids {
        q = q.bind(*id);
    }
    let _slot = store.write_slot().await;
    q.execute(store.pool()).await?;
    Ok(())
}

/// Parks a leased row with the upstream's reason, for an admin.
pub async fn park(store: &Store, owner: &str, id: i64, reason: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    let _slot = store.write_slot().await;
    sqlx::query(
        "UPDATE balikan_outbox SET state = 'parked', attempts = attempts + 1, last_error = $1, updated_at = $2, \
         lease_owner = NULL, lease_until = NULL WHERE id = $3 AND state = 'in_flight' AND lease_owner = $4",
    )
    .bind(reason)
    .bind(now_ms)
    .bind(id)
    .bind(owner)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Makes parked rows due again (all of them when `ids` is empty).
pub async fn retry_parked(store: &Store, ids: &[i64], now_ms: i64) -> Result<u64, sqlx::Error> {
    let filter = if ids.is_empty() { String::new() } else { format!(" AND id IN ({})", id_list(2, ids.len())) };
    let sql = format!(
        "UPDATE balikan_outbox SET state = 'ready', attempts = 0, next_attempt_at = $1, updated_at = $1 \
         WHERE state = 'parked'{filter}"
    );
    let mut q = sqlx::query(&sql).bind(now_ms);
    for id in ids {
        q = q.bind(*id);
    }
    let _slot = store.write_slot().await;
    Ok(q.execute(store.pool()).await?.rows_affected())
}

fn add(counts: &mut OutboxCounts, state: &str, n: i64) {
    match state {
        WAITING => counts.waiting += n,
        READY => counts.ready += n,
        IN_FLIGHT => counts.in_flight += n,
        DELIVERED => counts.delivered += n,
        PARKED => counts.parked += n,
        _ => counts.closed += n,
    }
}

pub async fn counts(pool: &AnyPool) -> Result<OutboxCounts, sqlx::Error> {
    let mut c = OutboxCounts::default();
    for r in sqlx::query("SELECT state, COUNT(*) FROM balikan_outbox GROUP BY state").fetch_all(pool).await? {
        add(&mut c, &r.try_get::<String, _>(0)?, r.try_get(1)?);
    }
    Ok(c)
}

/// Counts by state grouped by `office_code` or `accessed_day`.
pub async fn grouped(pool: &AnyPool, by_day: bool, limit: usize) -> Result<Vec<OutboxGroup>, sqlx::Error> {
    let column = if by_day { "accessed_day" } else { "office_code" };
    let sql = format!("SELECT {column}, state, COUNT(*) FROM balikan_outbox GROUP BY {column}, state");
    let mut groups: std::collections::BTreeMap<String, OutboxCounts> = std::collections::BTreeMap::new();
    for r in sqlx::query(&sql).fetch_all(pool).await? {
        add(groups.entry(r.try_get(0)?).or_default(), &r.try_get::<String, _>(1)?, r.try_get(2)?);
    }
    let mut out: Vec<OutboxGroup> = groups.into_iter().map(|(key, counts)| OutboxGroup { key, counts }).collect();
    if by_day {
        out.reverse();
    }
    out.truncate(limit);
    Ok(out)
}

/// When the oldest row still to be delivered (ready, in flight or parked) was accessed.
pub async fn oldest_undelivered(pool: &AnyPool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query("SELECT MIN(accessed_at) FROM balikan_outbox WHERE state IN ('ready', 'in_flight', 'parked')")
        .fetch_one(pool)
        .await?
        .try_get(0)
}

/// A parked row for the dashboard. `nik` is masked by the caller.
#[derive(Clone)]
pub struct ParkedRow {
    pub id: i64,
    pub nik: String,
    pub office_code: String,
    pub accessed_at: i64,
    pub attempts: i64,
    pub reason: String,
}

/// No identifiers in logs.
impl std::fmt::Debug for ParkedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParkedRow").finish_non_exhaustive()
    }
}

pub async fn parked(pool: &AnyPool, limit: i64) -> Result<Vec<ParkedRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, nik, office_code, accessed_at, attempts, last_error FROM balikan_outbox \
         WHERE state = 'parked' ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ParkedRow {
                id: r.try_get(0)?,
                nik: r.try_get(1)?,
                office_code: r.try_get(2)?,
                accessed_at: r.try_get(3)?,
                attempts: r.try_get(4)?,
                reason: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            })
        })
        .collect()
}

/// The state and delivery of every row, for tests and the crash check:
/// `(nik_token, state, delivery)`.
pub async fn states(pool: &AnyPool) -> Result<Vec<(String, String, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query("SELECT nik_token, state, delivery FROM balikan_outbox ORDER BY id").fetch_all(pool).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}
