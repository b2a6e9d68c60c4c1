//! Group commit for the audit trail: one appender per process writes the
//! audit records (and the data-balikan outbox rows that go with them) of
//! every concurrent request in one transaction, and hands each request its
//! record's id only after that transaction committed.
//!
//! A request submits its record and waits; the appender takes everything
//! that arrived while the previous batch was being written, chains it in
//! memory from the head (one head read and one head write per batch, not
//! per record) and commits once. Under light load a batch is one record
//! and nobody waits for anybody; under heavy load the per-commit cost is
//! shared. Nothing is answered before its record is durable (invariant 5):
//! a failed batch is retried record by record, so one bad record fails only
//! its own request.
//!
//! - **SQLite**: one `rusqlite` connection (`store::audit_sqlite`) writes
//!   every record, always on the store's writer slot, so it queues with the
//!   other writers rather than colliding with them. When nobody is writing
//!   and nothing is queued, the request's own thread commits its record
//!   there and then (`tokio::task::block_in_place`): no hand-over to another
//!   thread and back, which on two busy cores was most of an access's
//!   added tail. Otherwise the record goes to a dedicated thread that
//!   commits whatever queued up as one batch.
//! - **PostgreSQL**: a task on the runtime writes each batch through the
//!   pool; the head row lock still orders batches across instances.

use std::{
    sync::{
        Arc, Mutex, MutexGuard, PoisonError, TryLockError,
        atomic::{AtomicUsize, Ordering},
        mpsc as std_mpsc,
    },
    time::Instant,
};

use tokio::sync::{mpsc, oneshot};

use super::{chain, settings::AuditConfig};
use crate::{
    clock::SharedClock,
    store::{
        self, Engine, Store,
        audit::{AuditRecord, Head},
        audit_sqlite, outbox,
    },
};

/// Records written in one transaction at most.
const MAX_BATCH: usize = 512;

/// SQLite: how often the appender looks at the write-ahead log's length.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// SQLite: the log length (frames, as the store's background PASSIVE
/// checkpoint last saw it) from which the appender starts it over between
/// batches (`store::audit_sqlite::checkpoint`): 32 MiB of 4 KiB pages.
///
/// Starting over blocks writers while it copies what PASSIVE has not yet
/// copied and syncs the database file, and on a shared disk a sync now and
/// then takes hundreds of milliseconds (measured here: p50 0.4 ms, p99
/// 300 ms, max 1 s). Done every second, such a pause reached the 99th
/// percentile of request latency at 200 accesses/s; by length, it comes
/// every few seconds at that rate, and under a second at 4,800/s as before.
const RESTART_AT_FRAMES: i64 = 8_192;

/// One record to append, and the outbox row that goes with it.
#[derive(Debug)]
struct Entry {
    record: AuditRecord,
    balikan: Option<outbox::Pending>,
}

/// An entry waiting for the appender, and where to send its id.
#[derive(Debug)]
struct Job {
    entry: Entry,
    reply: oneshot::Sender<Result<i64, sqlx::Error>>,
}

/// How records are chained and checkpointed.
struct Chaining {
    chain: bool,
    every: i64,
    every_ms: i64,
    signer: Option<ed25519_dalek::SigningKey>,
    clock: SharedClock,
}

impl Chaining {
    fn plan<'r>(&self, head: &Head, records: impl IntoIterator<Item = &'r AuditRecord>) -> chain::BatchPlan {
        chain::plan_batch(head, records, self.clock.now_millis(), self.every, self.every_ms, self.signer.as_ref())
    }
}

enum Submit {
    Sqlite { queue: std_mpsc::Sender<Job>, writer: Arc<SqliteWriter> },
    Postgres(mpsc::UnboundedSender<Job>),
}

/// SQLite: the one connection that writes the audit trail, shared by the
/// appender thread and the requests that commit their own record.
///
/// Lock order, everywhere: the store's writer slot, then `conn`.
struct SqliteWriter {
    conn: Mutex<rusqlite::Connection>,
    slot: Arc<tokio::sync::Mutex<()>>,
    chaining: Chaining,
    /// Jobs sent to the appender thread that it has not yet taken: while
    /// any wait, a request queues behind them rather than overtaking.
    queued: AtomicUsize,
}

impl SqliteWriter {
    fn conn(&self) -> MutexGuard<'_, rusqlite::Connection> {
        // A panic while writing rolled its transaction back when the
        // transaction was dropped: the connection is fine to reuse.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `entries` in one transaction, waiting for the writer slot
    /// (the appender thread).
    fn write_waiting(&self, entries: &[&Entry]) -> rusqlite::Result<Vec<i64>> {
        let waited = Instant::now();
        let _slot = self.slot.blocking_lock();
        let mut conn = self.conn();
        let started = Instant::now();
        let written = write_sqlite(&mut conn, entries, &self.chaining);
        metrics::histogram!("padan_audit_slot_wait_seconds").record((started - waited).as_secs_f64());
        metrics::histogram!("padan_audit_batch_seconds").record(started.elapsed().as_secs_f64());
        written
    }

    /// The request's own thread commits `entry` when the writer is free and
    /// nothing is queued for it; `None` when it is not (or when this is not
    /// a multi-threaded Tokio runtime, where blocking a thread would block
    /// every task): the caller queues the entry instead.
    ///
    /// The write blocks this thread for the commit (about 0.1–0.2 ms), so
    /// it runs in `block_in_place`: should the disk stall, the runtime
    /// hands this worker's other tasks to another thread meanwhile.
    fn try_write_now(&self, entry: &Entry) -> Option<rusqlite::Result<i64>> {
        let multi_threaded = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if !multi_threaded || self.queued.load(Ordering::Acquire) > 0 {
            return None;
        }
        let _slot = self.slot.try_lock().ok()?;
        let mut conn = match self.conn.try_lock() {
            Ok(conn) => conn,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        let started = Instant::now();
        let written = tokio::task::block_in_place(|| write_sqlite(&mut conn, &[entry], &self.chaining));
        metrics::histogram!("padan_audit_slot_wait_seconds").record(0.0);
        metrics::histogram!("padan_audit_batch_seconds").record(started.elapsed().as_secs_f64());
        Some(written.map(|ids| ids.first().copied().unwrap_or_default()))
    }
}

/// The process's audit appender (held by `AppState`).
pub struct Appender {
    submit: Submit,
    /// Records committed by the request's own thread, and through the
    /// appender's queue: see [`Appender::paths`].
    by_request: AtomicUsize,
    by_queue: AtomicUsize,
}

impl std::fmt::Debug for Appender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appender").finish_non_exhaustive()
    }
}

impl Appender {
    /// Starts the appender for `store`. On PostgreSQL it must be called
    /// inside the Tokio runtime that will serve requests.
    pub fn start(store: &Store, config: &AuditConfig, clock: SharedClock) -> anyhow::Result<Self> {
        let chaining = Chaining {
            chain: config.chain,
            every: i64::try_from(config.checkpoint_every).unwrap_or(i64::MAX).max(1),
            every_ms: i64::try_from(config.checkpoint_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX),
            signer: config.signing_key(),
            clock,
        };
        let submit = match store.engine() {
            Engine::Sqlite => {
                let path = store.sqlite_path().ok_or_else(|| {
                    anyhow::anyhow!("the SQLite database has no file path: the audit appender needs one")
                })?;
                let conn = audit_sqlite::open(path)
                    .map_err(|e| anyhow::anyhow!("opening the audit writer on {}: {e}", path.display()))?;
                let writer = Arc::new(SqliteWriter {
                    conn: Mutex::new(conn),
                    slot: store.writer_slot(),
                    chaining,
                    queued: AtomicUsize::new(0),
                });
                let (queue, rx) = std_mpsc::channel();
                let (thread_writer, wal_frames) = (Arc::clone(&writer), store.wal_frames());
                std::thread::Builder::new()
                    .name("padan-audit-appender".into())
                    .spawn(move || sqlite_loop(&thread_writer, rx, &wal_frames))?;
                Submit::Sqlite { queue, writer }
            }
            Engine::Postgres => {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(postgres_loop(store.pool().clone(), rx, chaining));
                Submit::Postgres(tx)
            }
        };
        Ok(Self { submit, by_request: AtomicUsize::new(0), by_queue: AtomicUsize::new(0) })
    }

    /// How many records this process committed on the request's own thread
    /// and how many through the queue (batches), so far. On PostgreSQL
    /// every record goes through the queue.
    pub fn paths(&self) -> (usize, usize) {
        (self.by_request.load(Ordering::Relaxed), self.by_queue.load(Ordering::Relaxed))
    }

    /// Appends `record` (and, for an access that reached a person's data,
    /// its outbox row) and returns the record's id once it is committed.
    pub async fn append(&self, record: AuditRecord, balikan: Option<outbox::Pending>) -> Result<i64, sqlx::Error> {
        let submitted = Instant::now();
        let entry = Entry { record, balikan };
        if let Submit::Sqlite { writer, .. } = &self.submit
            && let Some(written) = writer.try_write_now(&entry)
        {
            let outcome = match written {
                Ok(id) => {
                    count(&entry);
                    self.by_request.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("padan_audit_appends_total", "path" => "request").increment(1);
                    // A commit of one record: the batch-size histogram counts every commit.
                    metrics::histogram!("padan_audit_batch_records").record(1.0);
                    Ok(id)
                }
                Err(e) => Err(write_failed(&e)),
            };
            metrics::histogram!("padan_audit_append_seconds").record(submitted.elapsed().as_secs_f64());
            return outcome;
        }
        let (reply, answer) = oneshot::channel();
        let job = Job { entry, reply };
        let sent = match &self.submit {
            Submit::Sqlite { queue, writer } => {
                writer.queued.fetch_add(1, Ordering::AcqRel);
                let sent = queue.send(job).is_ok();
                if !sent {
                    writer.queued.fetch_sub(1, Ordering::AcqRel);
                }
                sent
            }
            Submit::Postgres(tx) => tx.send(job).is_ok(),
        };
        if !sent {
            tracing::error!("the audit appender has stopped: no access can be recorded, so none is answered");
            return Err(sqlx::Error::WorkerCrashed);
        }
        let outcome = answer.await.unwrap_or(Err(sqlx::Error::WorkerCrashed));
        if outcome.is_ok() {
            self.by_queue.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("padan_audit_appends_total", "path" => "queue").increment(1);
        }
        metrics::histogram!("padan_audit_append_seconds").record(submitted.elapsed().as_secs_f64());
        outcome
    }
}

/// Takes the next batch: waits for one job, then whatever else is queued.
fn batch_after(first: Job, mut next: impl FnMut() -> Option<Job>) -> Vec<Job> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match next() {
            Some(job) => batch.push(job),
            None => break,
        }
    }
    batch
}

/// Counts a committed record.
fn count(entry: &Entry) {
    metrics::counter!("padan_audit_records_total", "event" => entry.record.event.clone()).increment(1);
}

/// Answers every job of a committed batch.
fn answer(batch: Vec<Job>, ids: Vec<i64>) {
    metrics::histogram!("padan_audit_batch_records").record(batch.len() as f64);
    for (job, id) in batch.into_iter().zip(ids) {
        count(&job.entry);
        // The request may have gone (client disconnected); its record stays.
        let _ = job.reply.send(Ok(id));
    }
}

fn sqlite_loop(writer: &SqliteWriter, jobs: std_mpsc::Receiver<Job>, wal_frames: &std::sync::atomic::AtomicI64) {
    let take = |job: Option<Job>| {
        if job.is_some() {
            writer.queued.fetch_sub(1, Ordering::AcqRel);
        }
        job
    };
    let write = |batch: &[Job]| writer.write_waiting(&batch.iter().map(|j| &j.entry).collect::<Vec<_>>());
    let mut next_checkpoint = Instant::now() + CHECKPOINT_EVERY;
    loop {
        let wait = next_checkpoint.saturating_duration_since(Instant::now());
        let first = match jobs.recv_timeout(wait) {
            Ok(job) => take(Some(job)),
            Err(std_mpsc::RecvTimeoutError::Timeout) => None,
            Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let now = Instant::now();
        let long = wal_frames.load(Ordering::Relaxed) >= RESTART_AT_FRAMES;
        if now >= next_checkpoint && !long {
            next_checkpoint = now + CHECKPOINT_EVERY;
        } else if now >= next_checkpoint {
            let _slot = writer.slot.blocking_lock();
            let conn = writer.conn();
            let started = Instant::now();
            next_checkpoint = match audit_sqlite::checkpoint(&conn) {
                Ok(frames) => {
                    metrics::histogram!("padan_sqlite_checkpoint_frames").record(frames as f64);
                    // The log starts over with the next write.
                    wal_frames.store(0, Ordering::Relaxed);
                    started + CHECKPOINT_EVERY
                }
                // The background PASSIVE checkpoint was running, or a
                // reader held on: try again shortly.
                Err(e) => {
                    tracing::debug!(error = %e, "SQLite checkpoint did not complete; retrying shortly");
                    started + std::time::Duration::from_millis(50)
                }
            };
            metrics::histogram!("padan_sqlite_checkpoint_seconds").record(started.elapsed().as_secs_f64());
        }
        let Some(first) = first else { continue };
        let batch = batch_after(first, || take(jobs.try_recv().ok()));
        match write(&batch) {
            Ok(ids) => answer(batch, ids),
            Err(e) if batch.len() == 1 => fail(batch, &e),
            Err(e) => {
                tracing::warn!(error = %e, records = batch.len(), "audit batch failed; writing its records one by one");
                for job in batch {
                    let one = [job];
                    match write(&one) {
                        Ok(ids) => answer(Vec::from(one), ids),
                        Err(e) => fail(Vec::from(one), &e),
                    }
                }
            }
        }
    }
}

/// The error a request gets when its record could not be written.
fn write_failed(e: &rusqlite::Error) -> sqlx::Error {
    tracing::error!(error = %e, "audit record could not be written; the request fails");
    sqlx::Error::AnyDriverError(Box::new(SqliteWriteError(e.to_string())))
}

fn fail(batch: Vec<Job>, e: &rusqlite::Error) {
    for job in batch {
        let _ = job.reply.send(Err(write_failed(e)));
    }
}

/// A write of the SQLite appender failed (the message is rusqlite's).
#[derive(Debug, thiserror::Error)]
#[error("audit appender (SQLite): {0}")]
struct SqliteWriteError(String);

fn write_sqlite(conn: &mut rusqlite::Connection, batch: &[&Entry], chaining: &Chaining) -> rusqlite::Result<Vec<i64>> {
    let tx = audit_sqlite::begin(conn)?;
    let mut ids = Vec::with_capacity(batch.len());
    if chaining.chain {
        let plan = chaining.plan(&audit_sqlite::head(&tx)?, batch.iter().map(|e| &e.record));
        for (job, (seq, prev, hash)) in batch.iter().zip(&plan.links) {
            ids.push(audit_sqlite::insert(&tx, &job.record, Some((*seq, prev, hash)))?);
        }
        for c in &plan.checkpoints {
            audit_sqlite::insert_checkpoint(&tx, c)?;
        }
        audit_sqlite::set_head(&tx, plan.seq, &plan.hash, plan.checkpoint)?;
    } else {
        for job in batch {
            ids.push(audit_sqlite::insert(&tx, &job.record, None)?);
        }
    }
    for (job, id) in batch.iter().zip(&ids) {
        if let Some(b) = &job.balikan {
            audit_sqlite::enqueue(&tx, &b.entry(*id))?;
        }
    }
    tx.commit()?;
    Ok(ids)
}

async fn postgres_loop(pool: sqlx::AnyPool, mut jobs: mpsc::UnboundedReceiver<Job>, chaining: Chaining) {
    while let Some(first) = jobs.recv().await {
        let batch = batch_after(first, || jobs.try_recv().ok());
        match write_postgres(&pool, &batch, &chaining).await {
            Ok(ids) => answer(batch, ids),
            Err(e) if batch.len() == 1 => fail_postgres(batch, e),
            Err(e) => {
                tracing::warn!(error = %e, records = batch.len(), "audit batch failed; writing its records one by one");
                for job in batch {
                    let one = [job];
                    match write_postgres(&pool, &one, &chaining).await {
                        Ok(ids) => answer(Vec::from(one), ids),
                        Err(e) => fail_postgres(Vec::from(one), e),
                    }
                }
            }
        }
    }
}

fn fail_postgres(batch: Vec<Job>, e: sqlx::Error) {
    tracing::error!(error = %e, "audit record could not be written; the request fails");
    let mut e = Some(e);
    for job in batch {
        // A batch that reaches here holds one job.
        let _ = job.reply.send(Err(e.take().unwrap_or(sqlx::Error::WorkerCrashed)));
    }
}

async fn write_postgres(pool: &sqlx::AnyPool, batch: &[Job], chaining: &Chaining) -> Result<Vec<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(batch.len());
    if chaining.chain {
        let plan = chaining.plan(&store::audit::lock_head(&mut tx).await?, batch.iter().map(|j| &j.entry.record));
        for (job, (seq, prev, hash)) in batch.iter().zip(&plan.links) {
            ids.push(store::audit::insert(&mut tx, &job.entry.record, Some((*seq, prev, hash))).await?);
        }
        for c in &plan.checkpoints {
            store::audit::insert_checkpoint(&mut tx, c).await?;
        }
        store::audit::set_head(&mut tx, plan.seq, &plan.hash, plan.checkpoint).await?;
    } else {
        for job in batch {
            ids.push(store::audit::insert(&mut tx, &job.entry.record, None).await?);
        }
    }
    for (job, id) in batch.iter().zip(&ids) {
        if let Some(b) = &job.entry.balikan {
            outbox::enqueue_in(&mut tx, &b.entry(*id)).await?;
        }
    }
    tx.commit().await?;
    Ok(ids)
}
