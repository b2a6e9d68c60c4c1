//! SQLite: keeps the pages appends touch in the kernel's page cache, off
//! the request path (the checkpointer runs a pass after each checkpoint,
//! [`super::Store::spawn_checkpointer`]).
//!
//! An append reads B-tree pages near the database's newest end, and writes
//! log frames that only partly cover a page of the log file (a frame is
//! 24 bytes + a page), which reads the old page back first. A page the
//! kernel dropped is then read from disk, inside the commit that holds the
//! write lock, behind whatever sync is in progress: measured with
//! `perf sched` at 200 accesses/s, four such faults in the audit appender
//! took 285–583 ms.
//!
//! SQLite reads and writes with `pread`/`pwrite`, so its pages are
//! *unmapped* page-cache pages, the first a kernel drops. The benchmark
//! machine's kernel runs DAMON with a `pageout` scheme that drops unmapped
//! file pages of any multi-megabyte region that looks idle for 30 s, hot
//! pages included (`docs/benchmarks.md`). A pass therefore **holds** the
//! newest `limit` bytes of the database and the first `limit` bytes of the
//! log mapped ([`padan_resident::Hold`], populated each pass, which also
//! reads back whatever the kernel dropped): mapped pages are reclaimed only
//! under real memory pressure, and such schemes leave them alone.
//!
//! The log's *first* bytes: it starts over in place (`SQLITE_PRAGMAS`),
//! so its start is what appends overwrite next. The database's *newest*
//! end covers an office's working set and where SQLite adds pages. A
//! multi-gigabyte audit history on a server short of memory is never held
//! whole (`database.keep_cached_mib`).
//!
//! Where holding fails (a memory-lock limit refusing the mapping, a kernel
//! older than 5.14 without `MADV_POPULATE_READ`), passes fall back to
//! asking the kernel to read dropped pages back (`POSIX_FADV_WILLNEED`,
//! queued reads), which keeps them cached until the next trim only.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use padan_resident::Hold;

/// Holds are made per 16 MiB of file: as the database grows, a pass adds a
/// hold at its end and drops one at the far end of the window instead of
/// remapping the window.
const CHUNK: u64 = 16 * 1024 * 1024;

/// Every this many passes (30 s at the default 500 ms), a pass populates
/// its whole window again; in between, only what the files grew into. A
/// held page loses its mapping only when the kernel reclaims it under
/// memory pressure, and the full pass brings it back.
const FULL_EVERY: u64 = 60;

/// What the checkpointer keeps cached, between passes.
#[derive(Debug)]
pub(crate) struct Resident {
    limit: u64,
    db: Window,
    wal: Window,
    /// (device, inode) of the log `wal` holds: SQLite removes the log when
    /// its last connection closes and creates a new one after.
    wal_id: Option<(u64, u64)>,
    /// Holding failed once: read-ahead hints from then on.
    fallback: bool,
    /// Passes run so far.
    passes: u64,
}

/// Holds over one file, by chunk index.
#[derive(Debug, Default)]
struct Window {
    holds: BTreeMap<u64, Hold>,
    /// The file offset up to which the last pass populated.
    populated_to: u64,
}

impl Window {
    /// Holds the file bytes `[from, to)` (`to` at most the file's size) and
    /// populates them: all of them on a `full` pass, else what the file
    /// grew into since the last pass; releases whatever else it held.
    fn keep(&mut self, file: &File, from: u64, to: u64, full: bool) -> io::Result<()> {
        if to <= from {
            self.release();
            return Ok(());
        }
        let chunks = from / CHUNK..=(to - 1) / CHUNK;
        self.holds.retain(|k, _| chunks.contains(k));
        let mut fresh = false;
        for k in chunks {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.holds.entry(k) {
                slot.insert(Hold::map(file, k * CHUNK, CHUNK)?);
                fresh = true;
            }
        }
        let start = if full || fresh { from } else { self.populated_to.clamp(from, to) };
        // On an error the mark stays, and the next pass retries from it.
        self.holds.values().try_for_each(|hold| hold.populate(start, to))?;
        self.populated_to = to;
        Ok(())
    }

    fn release(&mut self) {
        self.holds.clear();
        self.populated_to = 0;
    }

    fn bytes(&self) -> u64 {
        self.holds.values().map(|h| h.range().1 - h.range().0).sum()
    }
}

impl Resident {
    /// Keeps at most `limit` bytes of the database and of its log.
    pub(crate) fn new(limit: u64) -> Resident {
        Resident { limit, db: Window::default(), wal: Window::default(), wal_id: None, fallback: false, passes: 0 }
    }

    /// Bytes of address space the holds map (at most `2 × limit` rounded up
    /// to whole chunks).
    pub(crate) fn mapped_bytes(&self) -> u64 {
        self.db.bytes() + self.wal.bytes()
    }

    /// Whether passes have fallen back to read-ahead hints.
    #[cfg(test)]
    fn fell_back(&self) -> bool {
        self.fallback
    }

    /// One pass over the database `db` (open for the life of the store:
    /// closing any descriptor of it would drop SQLite's POSIX locks, see
    /// `super::Store`) at `db_path`, and its log.
    ///
    /// The log is opened per pass: it holds no locks (they are on the
    /// `-shm` file), and a hold keeps the file it maps, not its name.
    pub(crate) fn pass(&mut self, db: &File, db_path: &Path) -> io::Result<()> {
        let db_size = db.metadata()?.len();
        let db_from = db_size.saturating_sub(self.limit);
        let mut wal_path = db_path.as_os_str().to_owned();
        wal_path.push("-wal");
        let wal = match File::open(wal_path) {
            Ok(file) => {
                let meta = file.metadata()?;
                Some((file, (meta.dev(), meta.ino()), meta.len().min(self.limit)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if !self.fallback {
            let full = self.passes % FULL_EVERY == 0;
            self.passes += 1;
            let held = self.db.keep(db, db_from, db_size, full).and_then(|()| match &wal {
                Some((file, id, len)) => {
                    if self.wal_id != Some(*id) {
                        self.wal.release();
                        self.wal_id = Some(*id);
                    }
                    self.wal.keep(file, 0, *len, full)
                }
                None => {
                    self.wal.release();
                    self.wal_id = None;
                    Ok(())
                }
            });
            match held {
                Ok(()) => return Ok(()),
                // A file cut shorter between reading its size and populating
                // it (the log, when SQLite closes): the next pass sees it.
                Err(e) if e.raw_os_error() == Some(rustix::io::Errno::FAULT.raw_os_error()) => return Ok(()),
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        "cannot hold the SQLite database mapped in the page cache; asking the kernel to read back \
                         dropped pages instead (check the memory-lock limit, or a kernel older than 5.14)"
                    );
                    self.fallback = true;
                    self.db.release();
                    self.wal.release();
                }
            }
        }
        will_need(db, db_from, db_size - db_from)?;
        if let Some((file, _, len)) = &wal {
            will_need(file, 0, *len)?;
        }
        Ok(())
    }
}

/// `POSIX_FADV_WILLNEED` over `[from, from + len)`: queued reads of
/// whatever is not cached; pages already cached cost a lookup each.
fn will_need(file: &File, from: u64, len: u64) -> io::Result<()> {
    if let Some(len) = std::num::NonZeroU64::new(len) {
        rustix::fs::fadvise(file, from, Some(len), rustix::fs::Advice::WillNeed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    const MIB: u64 = 1024 * 1024;

    fn append(f: &mut File, mib: u64) {
        let block = vec![7u8; MIB as usize];
        for _ in 0..mib {
            f.write_all(&block).unwrap();
        }
    }

    #[test]
    fn holds_the_newest_end_of_the_database_and_the_start_of_the_log_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("a.db");
        let mut db = File::create(&db_path).unwrap();
        append(&mut db, 40);
        let mut wal = File::create(dir.path().join("a.db-wal")).unwrap();
        append(&mut wal, 40);
        let db = File::open(&db_path).unwrap();
        let mut r = Resident::new(20 * MIB);
        r.pass(&db, &db_path).unwrap();
        assert!(!r.fell_back());
        // Database: bytes 20..40 MiB are chunks 1 and 2; log: 0..20 MiB, chunks 0 and 1.
        assert_eq!(r.db.holds.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(r.wal.holds.keys().copied().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(r.mapped_bytes(), 4 * CHUNK);
        // The database grows past 48 MiB: chunk 1 leaves, chunk 3 joins.
        let mut grow = std::fs::OpenOptions::new().append(true).open(&db_path).unwrap();
        append(&mut grow, 10);
        r.pass(&db, &db_path).unwrap();
        assert_eq!(r.db.holds.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3], "30..50 MiB");
        append(&mut grow, 20);
        r.pass(&db, &db_path).unwrap();
        assert_eq!(r.db.holds.keys().copied().collect::<Vec<_>>(), vec![3, 4], "50..70 MiB");
        // A new log file (SQLite removed the old one): the old holds go.
        std::fs::remove_file(dir.path().join("a.db-wal")).unwrap();
        r.pass(&db, &db_path).unwrap();
        assert!(r.wal.holds.is_empty());
        let mut wal = File::create(dir.path().join("a.db-wal")).unwrap();
        append(&mut wal, 1);
        r.pass(&db, &db_path).unwrap();
        assert_eq!(r.wal.holds.keys().copied().collect::<Vec<_>>(), vec![0]);
    }

    /// Resident bytes of the mapping at `addr` (`/proc/self/smaps`).
    fn rss(addr: usize) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let head = format!("{addr:x}-");
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&head)).skip(1);
        let line = lines.find(|l| l.starts_with("Rss:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
    }

    #[test]
    fn passes_between_full_ones_map_what_the_database_grew_into() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("c.db");
        let mut grow = File::create(&db_path).unwrap();
        append(&mut grow, 2);
        let db = File::open(&db_path).unwrap();
        let mut r = Resident::new(64 * MIB);
        r.pass(&db, &db_path).unwrap(); // the first pass is a full one
        let chunk = r.db.holds[&0].address();
        assert_eq!(rss(chunk), 2 * MIB);
        append(&mut grow, 3);
        r.pass(&db, &db_path).unwrap(); // not a full pass: only the 3 new MiB
        assert_eq!(rss(chunk), 5 * MIB, "the grown part is mapped too");
        assert_eq!(r.db.populated_to, 5 * MIB);
    }

    #[test]
    fn an_empty_database_or_a_zero_limit_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("b.db");
        File::create(&db_path).unwrap();
        let db = File::open(&db_path).unwrap();
        let mut r = Resident::new(20 * MIB);
        r.pass(&db, &db_path).unwrap();
        assert_eq!(r.mapped_bytes(), 0);
        let mut r = Resident::new(0);
        r.pass(&db, &db_path).unwrap();
        assert_eq!(r.mapped_bytes(), 0);
    }
}
