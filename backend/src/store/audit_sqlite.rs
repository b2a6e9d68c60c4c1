//! The SQLite side of the audit appender (`crate::audit::appender`): one
//! `rusqlite` connection, owned by one thread, that writes a whole batch of
//! audit records and their data-balikan outbox rows in one transaction.
//!
//! Why not `sqlx` here: every `sqlx` statement on SQLite is a round trip to
//! its worker thread, and an access needs five of them inside the single
//! write lock (begin, head, record, outbox row, commit). On this thread the
//! same statements are plain function calls on cached prepared statements,
//! and the request pays one hand-over each way. The SQL is the same as in
//! `store::audit` and `store::outbox`, shared as constants: SQLite numbers
//! `$1`…`$n` by first appearance, so they bind positionally here too.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, Transaction, params};

use super::{audit::AuditRecord, audit::CheckpointRow, audit::Head, outbox::NewEntry};

/// SQLite's own page cache for this connection, in KiB (`cache_size`
/// takes a negative number as KiB): 64 MiB rather than the default 2 MiB.
///
/// An append touches the table's newest leaf, the newest leaf of the
/// time-ordered indexes, and a leaf anywhere in the two indexes keyed by
/// NIK token (`audit_log_nik`, `balikan_outbox_nik`), plus every interior
/// page above them. This connection writes nearly every change to the
/// database, so its cache stays valid between appends (SQLite drops a
/// connection's cache only when another connection has committed); kept in
/// the process's memory, which `server.lock_memory` locks, those pages are
/// never read back from a disk the kernel dropped them to. Pages are
/// allocated as they are first read, so a small database costs little.
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// Opens the writer connection with the pool's pragmas.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(super::SQLITE_PRAGMAS)?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    conn.busy_handler(Some(retry_soon))?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

/// Busy handler: when another connection (a background worker writing
/// through the pool) holds the write lock, retry after 100 µs for the first
/// 5 ms, then every millisecond, and give up after about 5 s, the pool's
/// `busy_timeout`. SQLite's own handler sleeps 1, 2, 5 … 100 ms between
/// tries, which turned short collisions into long request tails.
fn retry_soon(attempt: i32) -> bool {
    match attempt {
        0..50 => std::thread::sleep(std::time::Duration::from_micros(100)),
        50..5_050 => std::thread::sleep(std::time::Duration::from_millis(1)),
        _ => return false,
    }
    true
}

/// Copies the write-ahead log into the database file and starts it over,
/// waiting (through the busy handler) for readers still on old frames.
/// Returns the log frames that were checkpointed.
///
/// A PASSIVE checkpoint on another connection is not enough under steady
/// load: appends keep adding frames while it runs, readers keep the log
/// busy, and SQLite never starts the log over, so it grows without bound
/// (measured: 1.4 GB after 50 s at 2,000 accesses/s). Run between batches
/// by the only writer, this one completes; the next commit writes the log
/// again from the start of the same file (`store::SQLITE_PRAGMAS`).
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| {
        let busy: i64 = r.get(0)?;
        if busy != 0 {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some("readers kept the write-ahead log busy".into()),
            ));
        }
        r.get(2)
    })
}

/// Begins the batch's transaction, taking SQLite's write lock at once.
pub fn begin(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// The chain's tip. The write lock is already held (`begin`), so nobody
/// can move it until commit. The hash is the last record's, read from the
/// record itself as `store::audit::lock_head` does.
pub fn head(tx: &Transaction<'_>) -> rusqlite::Result<Head> {
    tx.prepare_cached(
        "SELECT h.seq, COALESCE((SELECT l.hash FROM audit_log l WHERE l.seq = h.seq), h.hash), \
         h.checkpoint_seq, h.checkpoint_at FROM audit_head h WHERE h.id = 1",
    )?
    .query_row([], |r| {
        Ok(Head { seq: r.get(0)?, hash: r.get(1)?, checkpoint_seq: r.get(2)?, checkpoint_at: r.get(3)? })
    })
}

/// Inserts a record; `chain` is `(seq, prev_hash, hash)`, `None` when the
/// chain is switched off. Returns its id.
pub fn insert(tx: &Transaction<'_>, r: &AuditRecord, chain: Option<(i64, &str, &str)>) -> rusqlite::Result<i64> {
    let (seq, prev, hash) = match chain {
        Some((s, p, h)) => (Some(s), Some(p), Some(h)),
        None => (None, None, None),
    };
    tx.prepare_cached(super::audit::INSERT)?.execute(params![
        r.at,
        r.request_id,
        r.event,
        r.officer_id,
        r.username,
        r.office_code,
        r.role,
        r.client,
        r.mechanism,
        r.purpose,
        r.nik_token,
        r.outcome,
        r.verdicts,
        r.detail,
        seq,
        prev,
        hash
    ])?;
    Ok(tx.last_insert_rowid())
}

pub fn insert_checkpoint(tx: &Transaction<'_>, c: &CheckpointRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_checkpoints (seq, hash, at, public_key, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![c.seq, c.hash, c.at, c.public_key, c.signature])?;
    Ok(())
}

/// Moves the head to the batch's last record (and its last checkpoint).
pub fn set_head(tx: &Transaction<'_>, seq: i64, hash: &str, checkpoint: Option<(i64, i64)>) -> rusqlite::Result<()> {
    match checkpoint {
        Some((cp_seq, cp_at)) => tx
            .prepare_cached(
                "UPDATE audit_head SET seq = ?1, hash = ?2, checkpoint_seq = ?3, checkpoint_at = ?4 WHERE id = 1",
            )?
            .execute(params![seq, hash, cp_seq, cp_at])?,
        None => {
            tx.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")?.execute(params![seq, hash])?
        }
    };
    Ok(())
}

/// `store::outbox::enqueue_in` on this connection: adds the access to the
/// outbox unless the NIK already has a pending row. Returns whether a row
/// was added.
pub fn enqueue(tx: &Transaction<'_>, e: &NewEntry<'_>) -> rusqlite::Result<bool> {
    let added = tx.prepare_cached(super::outbox::ENQUEUE)?.execute(params![
        e.nik,
        e.nik_token,
        e.audit_id,
        e.mechanism,
        e.office_code,
        e.accessed_at,
        e.accessed_day
    ])?;
    Ok(added == 1)
}
