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
//! - **SQLite**: a dedicated thread owns a `rusqlite` connection
//!   (`store::audit_sqlite`) and takes the store's writer slot per batch, so
//!   it queues with the other writers rather than colliding with them.
//! - **PostgreSQL**: a task on the runtime writes each batch through the
//!   pool; the head row lock still orders batches across instances.

use std::sync::{Arc, mpsc as std_mpsc};

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
struct Job {
    record: AuditRecord,
    balikan: Option<outbox::Pending>,
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
    fn plan(&self, head: &Head, jobs: &[Job]) -> chain::BatchPlan {
        chain::plan_batch(
            head,
            jobs.iter().map(|j| &j.record),
            self.clock.now_millis(),
            self.every,
            self.every_ms,
            self.signer.as_ref(),
        )
    }
}

enum Submit {
    Sqlite(std_mpsc::Sender<Job>),
    Postgres(mpsc::UnboundedSender<Job>),
}

/// The process's audit appender (held by `AppState`).
pub struct Appender {
    submit: Submit,
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
                let (tx, rx) = std_mpsc::channel();
                let (slot, wal_frames) = (store.writer_slot(), store.wal_frames());
                std::thread::Builder::new()
                    .name("padan-audit-appender".into())
                    .spawn(move || sqlite_loop(conn, rx, slot, &wal_frames, chaining))?;
                Submit::Sqlite(tx)
            }
            Engine::Postgres => {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(postgres_loop(store.pool().clone(), rx, chaining));
                Submit::Postgres(tx)
            }
        };
        Ok(Self { submit })
    }

    /// Appends `record` (and, for an access that reached a person's data,
    /// its outbox row) and returns the record's id once it is committed.
    pub async fn append(&self, record: AuditRecord, balikan: Option<outbox::Pending>) -> Result<i64, sqlx::Error> {
        let submitted = std::time::Instant::now();
        let (reply, answer) = oneshot::channel();
        let job = Job { record, balikan, reply };
        let sent = match &self.submit {
            Submit::Sqlite(tx) => tx.send(job).is_ok(),
            Submit::Postgres(tx) => tx.send(job).is_ok(),
        };
        if !sent {
            tracing::error!("the audit appender has stopped: no access can be recorded, so none is answered");
            return Err(sqlx::Error::WorkerCrashed);
        }
        let outcome = answer.await.unwrap_or(Err(sqlx::Error::WorkerCrashed));
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

/// Answers every job of a committed batch.
fn answer(batch: Vec<Job>, ids: Vec<i64>) {
    metrics::histogram!("padan_audit_batch_records").record(batch.len() as f64);
    for (job, id) in batch.into_iter().zip(ids) {
        metrics::counter!("padan_audit_records_total", "event" => job.record.event.clone()).increment(1);
        // The request may have gone (client disconnected); its record stays.
        let _ = job.reply.send(Ok(id));
    }
}

fn sqlite_loop(
    mut conn: rusqlite::Connection,
    jobs: std_mpsc::Receiver<Job>,
    slot: Arc<tokio::sync::Mutex<()>>,
    wal_frames: &std::sync::atomic::AtomicI64,
    chaining: Chaining,
) {
    let write = |conn: &mut rusqlite::Connection, batch: &[Job]| {
        let waited = std::time::Instant::now();
        let _slot = slot.blocking_lock();
        let started = std::time::Instant::now();
        let written = write_sqlite(conn, batch, &chaining);
        metrics::histogram!("padan_audit_slot_wait_seconds").record((started - waited).as_secs_f64());
        metrics::histogram!("padan_audit_batch_seconds").record(started.elapsed().as_secs_f64());
        written
    };
    let mut next_checkpoint = std::time::Instant::now() + CHECKPOINT_EVERY;
    loop {
        let wait = next_checkpoint.saturating_duration_since(std::time::Instant::now());
        let first = match jobs.recv_timeout(wait) {
            Ok(job) => Some(job),
            Err(std_mpsc::RecvTimeoutError::Timeout) => None,
            Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let now = std::time::Instant::now();
        let long = wal_frames.load(std::sync::atomic::Ordering::Relaxed) >= RESTART_AT_FRAMES;
        if now >= next_checkpoint && !long {
            next_checkpoint = now + CHECKPOINT_EVERY;
        } else if now >= next_checkpoint {
            let _slot = slot.blocking_lock();
            let started = std::time::Instant::now();
            next_checkpoint = match audit_sqlite::checkpoint(&conn) {
                Ok(frames) => {
                    metrics::histogram!("padan_sqlite_checkpoint_frames").record(frames as f64);
                    // The log starts over with the next write.
                    wal_frames.store(0, std::sync::atomic::Ordering::Relaxed);
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
        let batch = batch_after(first, || jobs.try_recv().ok());
        match write(&mut conn, &batch) {
            Ok(ids) => answer(batch, ids),
            Err(e) if batch.len() == 1 => fail(batch, e),
            Err(e) => {
                tracing::warn!(error = %e, records = batch.len(), "audit batch failed; writing its records one by one");
                for job in batch {
                    let one = [job];
                    match write(&mut conn, &one) {
                        Ok(ids) => answer(Vec::from(one), ids),
                        Err(e) => fail(Vec::from(one), e),
                    }
                }
            }
        }
    }
}

fn fail(batch: Vec<Job>, e: rusqlite::Error) {
    tracing::error!(error = %e, "audit record could not be written; the request fails");
    for job in batch {
        let _ = job.reply.send(Err(sqlx::Error::AnyDriverError(Box::new(SqliteWriteError(e.to_string())))));
    }
}

/// A write of the SQLite appender failed (the message is rusqlite's).
#[derive(Debug, thiserror::Error)]
#[error("audit appender (SQLite): {0}")]
struct SqliteWriteError(String);

fn write_sqlite(conn: &mut rusqlite::Connection, batch: &[Job], chaining: &Chaining) -> rusqlite::Result<Vec<i64>> {
    let tx = audit_sqlite::begin(conn)?;
    let mut ids = Vec::with_capacity(batch.len());
    if chaining.chain {
        let plan = chaining.plan(&audit_sqlite::head(&tx)?, batch);
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
        let plan = chaining.plan(&store::audit::lock_head(&mut tx).await?, batch);
        for (job, (seq, prev, hash)) in batch.iter().zip(&plan.links) {
            ids.push(store::audit::insert(&mut tx, &job.record, Some((*seq, prev, hash))).await?);
        }
        for c in &plan.checkpoints {
            store::audit::insert_checkpoint(&mut tx, c).await?;
        }
        store::audit::set_head(&mut tx, plan.seq, &plan.hash, plan.checkpoint).await?;
    } else {
        for job in batch {
            ids.push(store::audit::insert(&mut tx, &job.record, None).await?);
        }
    }
    for (job, id) in batch.iter().zip(&ids) {
        if let Some(b) = &job.balikan {
            outbox::enqueue_in(&mut tx, &b.entry(*id)).await?;
        }
    }
    tx.commit().await?;
    Ok(ids)
}
