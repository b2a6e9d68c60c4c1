//! Persistence: SQLite (embedded default, a file) or PostgreSQL (a URL),
//! through one `sqlx::AnyPool` so the same SQL and the same tests serve both.
//!
//! Portable SQL only: `$n` placeholders (both engines accept them), BIGINT
//! for every integer and time (Unix milliseconds), TEXT for the rest.
//! Migrations are kept per engine because DDL differs (`AUTOINCREMENT` vs
//! `BIGSERIAL`).

pub mod agreements;
pub mod alerts;
pub mod audit;
pub mod audit_sqlite;
pub mod card_nonces;
pub mod card_readers;
pub mod notices;
pub mod officers;
pub mod outbox;
pub mod registry;
mod resident;
pub mod seed;
pub mod service_clients;
pub mod sessions;

use std::str::FromStr;

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// SQLite: one writing transaction at a time, queued here rather than
    /// in SQLite's busy handler (which sleeps 1, 2, 5, 10… ms between
    /// retries: under concurrent appends that turned into 100 ms tails).
    /// PostgreSQL queues on its own row locks and does not use it.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the database file (the audit appender opens its own
    /// connection to it).
    sqlite_path: Option<std::path::PathBuf>,
    /// SQLite: frames in the write-ahead log at the last background
    /// checkpoint (the audit appender starts the log over when it is long).
    wal_frames: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// SQLite: sessions read in the last second ([`sessions::Cache`]).
    sessions: Option<std::sync::Arc<sessions::Cache>>,
    /// SQLite: the database file, open for as long as the store, for the
    /// checkpointer's page-cache passes (`resident`). Never closed early:
    /// closing *any* descriptor of the database file drops every POSIX lock
    /// this process holds on it, SQLite's included, and another process
    /// could then write under a reader's feet (SQLite's "How To Corrupt",
    /// 2.2; a test caught exactly that when a pass opened the file itself).
    db_file: Option<std::sync::Arc<std::fs::File>>,
}

/// A statement built with `sqlx::query`, before it runs.
pub type Statement<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// A transaction that writes, from [`Store::begin_write`]: derefs to the
/// `sqlx` transaction; on SQLite it holds the store's writer slot until it
/// is committed or dropped. When it wrote sessions or officers
/// (`sessions::write_in`), committing marks the store's cached sessions
/// stale.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _slot: Option<tokio::sync::OwnedMutexGuard<()>>,
    sessions: Option<std::sync::Arc<sessions::Cache>>,
    sessions_stale: bool,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteTx")
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx { tx, _slot, sessions, sessions_stale } = self;
        let done = tx.commit().await;
        // Also after a failed commit: it may have landed.
        if let (true, Some(cache)) = (sessions_stale, sessions) {
            cache.changed();
        }
        done
        // `_slot` is released here, after the commit.
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// PASSIVE checkpoints in a row at most, catching up with the appends that
/// arrived during the previous one ([`Store::checkpoint`]).
const CATCH_UP_PASSES: usize = 4;

/// The file behind a `sqlite:` URL (`None` for `:memory:` or no path).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Every SQLite connection's settings (the pool's and the audit appender's).
///
/// - WAL with `synchronous = NORMAL`: a commit writes the log without a
///   sync; checkpoints sync (see [`Store::checkpoint`]).
/// - `wal_autocheckpoint = 0`: no commit ever runs a checkpoint itself.
/// - `journal_size_limit = -1`: when the log starts over, SQLite writes it
///   again from the start and never cuts the file back. Cutting it back
///   frees its blocks, and on a disk mounted with `discard` that waits for
///   the device to discard them, inside the commit that holds the write
///   lock: measured with `perf sched` at 200 accesses/s, one such
///   `ftruncate` took 821 ms, and every access waited behind it. The
///   overwritten frames are partial-page writes (a frame is 24 bytes + a
///   page), which read the old page back from disk where the kernel dropped
///   it (18,305 such reads, up to 265 ms each, before the checkpointer kept
///   the log cached, `resident`). The file stays at its high-water
///   mark: about 34 MB at the appender's restart threshold, more after a
///   burst.
///
/// No `mmap_size`: a page fault that waits for the disk holds the
/// process's memory-map lock, and SQLite remaps the file as it grows
/// (measured: a tokio worker waited 471 ms in `mmap` behind one). Pages
/// are read with `pread` from the kernel's cache, which the checkpointer
/// keeps cached (`resident`).
///
/// `busy_timeout` is the pool's; the appender replaces it with its own
/// busy handler (`store::audit_sqlite::open`).
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0; \
     PRAGMA journal_size_limit = -1;";

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") { Engine::Sqlite } else { Engine::Postgres };
        let mut url = url.to_owned();
        if engine == Engine::Sqlite {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or_default();
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            if !url.contains('?') {
                url.push_str("?mode=rwc");
            }
        }
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            // A pooled SQLite connection is a file handle on a worker
            // thread: it cannot go stale, and pinging it before every use
            // was one more round trip to that thread on every query.
            // PostgreSQL connections can die with the network: test them.
            .test_before_acquire(engine == Engine::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let sqlite_path = match engine {
            Engine::Sqlite => sqlite_path(&url),
            Engine::Postgres => None,
        };
        let db_file = match &sqlite_path {
            Some(path) => Some(std::sync::Arc::new(std::fs::File::open(path)?)),
            None => None,
        };
        Ok(Self {
            pool,
            engine,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(())),
            sqlite_path,
            wal_frames: std::sync::Arc::default(),
            sessions: (engine == Engine::Sqlite).then(std::sync::Arc::default),
            db_file,
        })
    }

    /// SQLite only: moves the write-ahead log into the database file.
    ///
    /// Automatic checkpoints are off on every connection (they would run
    /// inside whichever request's commit crossed the threshold, adding an
    /// fsync to its latency); [`Store::spawn_checkpointer`] runs this
    /// instead, off the request path. PASSIVE never blocks writers, so it
    /// does the copying and the syncing. Under steady load it never lets
    /// the log start over: the audit appender does that, between its
    /// batches, once the log has grown long ([`Store::wal_frames`],
    /// `store::audit_sqlite::checkpoint`).
    ///
    /// The log starts over by itself at the first write after a checkpoint
    /// that copied every frame (that write goes to the start of the same
    /// file, see `SQLITE_PRAGMAS`; no sync needed: the
    /// checkpoint synced the database). Appends that
    /// land while PASSIVE syncs leave a few frames behind, so it runs
    /// again at once, a few times, until it has caught up; at moderate
    /// load one of those passes does, and no writer ever waits for a sync.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if self.engine == Engine::Sqlite {
            for _ in 0..CATCH_UP_PASSES {
                let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&self.pool).await?;
                let frames: i64 = sqlx::Row::try_get(&row, 1).unwrap_or(0);
                let copied: i64 = sqlx::Row::try_get(&row, 2).unwrap_or(0);
                self.wal_frames.store(frames, std::sync::atomic::Ordering::Relaxed);
                if copied >= frames {
                    break;
                }
            }
        }
        Ok(())
    }

    /// SQLite: frames in the write-ahead log when the background
    /// checkpoint last ran (0 before it ran, and on PostgreSQL).
    pub fn wal_frames(&self) -> std::sync::Arc<std::sync::atomic::AtomicI64> {
        std::sync::Arc::clone(&self.wal_frames)
    }

    /// Checkpoints the SQLite WAL every `every` in the background (a no-op
    /// on PostgreSQL), and after each checkpoint keeps up to `keep_cached`
    /// bytes of the database and of its log in the page cache (`resident`;
    /// 0: no passes). The task ends with the runtime.
    pub fn spawn_checkpointer(&self, every: std::time::Duration, keep_cached: u64) {
        if self.engine != Engine::Sqlite {
            return;
        }
        let store = self.clone();
        let mut resident = (keep_cached > 0).then(|| resident::Resident::new(keep_cached));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = store.checkpoint().await {
                    tracing::warn!(error = %e, "SQLite checkpoint failed; will retry");
                }
                if let (Some(path), Some(db), Some(mut kept)) =
                    (store.sqlite_path.clone(), store.db_file.clone(), resident.take())
                {
                    let started = std::time::Instant::now();
                    let pass = tokio::task::spawn_blocking(move || {
                        let done = kept.pass(&db, &path);
                        (kept, done)
                    })
                    .await;
                    metrics::histogram!("padan_sqlite_resident_pass_seconds").record(started.elapsed().as_secs_f64());
                    match pass {
                        Ok((kept, done)) => {
                            if let Err(e) = done {
                                tracing::debug!(error = %e, "could not keep the database cached this pass");
                            }
                            metrics::gauge!("padan_sqlite_resident_mapped_bytes").set(kept.mapped_bytes() as f64);
                            resident = Some(kept);
                        }
                        Err(e) => tracing::warn!(error = %e, "the page-cache pass failed; no further passes"),
                    }
                }
            }
        });
    }
}

impl Store {
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Begins a transaction that will write. On SQLite, waits for the
    /// writer slot first, so concurrent writing transactions queue in
    /// order instead of colliding on SQLite's lock; PostgreSQL begins at once.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let slot = match self.engine {
            Engine::Sqlite => Some(std::sync::Arc::clone(&self.writer).lock_owned().await),
            Engine::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _slot: slot, sessions: self.sessions.clone(), sessions_stale: false })
    }

    /// Waits for the writer slot (SQLite; `None` on PostgreSQL) before a
    /// single-statement write on the request path, so that it queues with
    /// the audit appender instead of meeting its lock in SQLite's busy
    /// handler (which sleeps in steps of up to 100 ms).
    pub async fn write_slot(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.engine {
            Engine::Sqlite => Some(std::sync::Arc::clone(&self.writer).lock_owned().await),
            Engine::Postgres => None,
        }
    }

    /// The writer slot of [`Store::begin_write`], for a writer that runs
    /// outside the pool (the SQLite audit appender).
    pub fn writer_slot(&self) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        std::sync::Arc::clone(&self.writer)
    }

    /// SQLite: the database file.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.sqlite_path.as_deref()
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}
