//! Keeps chosen ranges of files in the kernel's page cache by holding them
//! mapped.
//!
//! A page of a file that a process only reads and writes with `pread` and
//! `pwrite`, as SQLite does, is an *unmapped* page-cache page: the cheapest
//! page for the kernel to drop, and hosts that reclaim memory proactively
//! drop such pages within seconds of looking idle. Padan's benchmark
//! machine runs DAMON with a `pageout` scheme that does exactly that, for
//! whole multi-megabyte regions at a time, hot pages included; the next
//! append that needs one of them (a B-tree page, or the page a log frame
//! only partly overwrites) then waits for the disk inside the commit.
//!
//! A [`Hold`] maps a range of a file shared and read-only and has the
//! kernel fill its page tables (`MADV_POPULATE_READ`, which reads back any
//! page it had dropped). The pages are then *mapped*: reclaim must unmap
//! them first, and policies that only take unmapped pages (DAMON's
//! `unmapped` filter) leave them alone. It is not a lock: under real memory
//! pressure the kernel may still reclaim them, and the next
//! [`Hold::populate`] brings them back.
//!
//! # Why this crate uses `unsafe`
//!
//! The standard library has no `mmap`. The mapping is **never read or
//! written from Rust**: no pointer into it is dereferenced and no reference
//! or slice is made of it. What makes file mappings unsound elsewhere,
//! another process truncating or rewriting the file under a `&[u8]`, has
//! nothing to act on: a page past the end of a truncated file would raise
//! `SIGBUS` only when touched, and only the kernel touches these pages (to
//! populate them, where it reports `EFAULT` for pages past the end instead
//! of raising a signal). The three `unsafe` calls are `mmap` (a fresh
//! mapping the kernel places, so it overlaps nothing), `madvise` and
//! `munlock` (on that mapping, within its bounds), and `munmap` (once, on
//! drop, of exactly that mapping).

// Denied crate-wide in Cargo.toml; allowed here for the four calls above,
// each with its SAFETY argument.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

/// A range of a file held mapped, read-only and shared, so its page-cache
/// pages count as mapped. Unmapped on drop.
#[derive(Debug)]
pub struct Hold {
    /// Address of the mapping (kept as an integer: it is never dereferenced).
    addr: usize,
    /// Length of the mapping in bytes (whole pages).
    len: usize,
    /// File offset of the mapping's first byte (page-aligned).
    offset: u64,
}

/// The system's page size.
pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

impl Hold {
    /// Maps `len` bytes of `file` from `offset`, widened to whole pages. The
    /// range may extend past the end of the file (pages there join the hold
    /// as the file grows into them, at the next [`Hold::populate`]).
    ///
    /// Nothing is read yet: call [`Hold::populate`]. If the process locked
    /// its future mappings (`mlockall(MCL_FUTURE)`), the mapping is unlocked
    /// again: a hold keeps pages cached, it does not pin them.
    pub fn map(file: &File, offset: u64, len: u64) -> io::Result<Hold> {
        let page = page_size();
        let start = offset - offset % page;
        let end = offset
            .checked_add(len)
            .and_then(|e| e.checked_next_multiple_of(page))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "range overflows"))?;
        let len = usize::try_from(end - start)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "range larger than the address space"))?;
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty range"));
        }
        // SAFETY: a new shared, read-only mapping at an address the kernel
        // chooses (null hint, no MAP_FIXED), so it replaces no existing
        // mapping; `file` is a valid descriptor for the duration of the call
        // and the mapping keeps its own reference to the file.
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                rustix::mm::ProtFlags::READ,
                rustix::mm::MapFlags::SHARED,
                file,
                start,
            )
        }?;
        let hold = Hold { addr: ptr as usize, len, offset: start };
        // SAFETY: exactly the mapping just created. Unlocking memory that is
        // not locked is a no-op.
        let _ = unsafe { rustix::mm::munlock(ptr, len) };
        Ok(hold)
    }

    /// The file range `[start, end)` this hold maps.
    pub fn range(&self) -> (u64, u64) {
        (self.offset, self.offset + self.len as u64)
    }

    /// Fills the page tables for the file bytes `[from, to)` that lie within
    /// this hold, reading back from disk any page the kernel had dropped
    /// (synchronously: call it off latency-sensitive paths). Pass the
    /// file's current size as `to` at most: pages past its end cannot be
    /// mapped (`EFAULT`, harmless, for a file cut shorter meanwhile).
    pub fn populate(&self, from: u64, to: u64) -> io::Result<()> {
        let (start, end) = self.range();
        let page = page_size();
        let from = from.max(start);
        let from = from - from % page;
        let to = to.min(end);
        if to <= from {
            return Ok(());
        }
        let to = to.next_multiple_of(page).min(end);
        let skip = usize::try_from(from - start).map_err(io::Error::other)?;
        let len = usize::try_from(to - from).map_err(io::Error::other)?;
        // SAFETY: `[addr + skip, addr + skip + len)` lies within this
        // mapping (from >= start, to <= end, both page-aligned). The advice
        // only asks the kernel to fault the pages in for reading; no memory
        // is accessed from Rust.
        unsafe {
            rustix::mm::madvise((self.addr + skip) as *mut std::ffi::c_void, len, rustix::mm::Advice::LinuxPopulateRead)
        }?;
        Ok(())
    }

    /// The mapping's address, for tests that inspect `/proc/self/smaps`.
    pub fn address(&self) -> usize {
        self.addr
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `map` created, once; nothing
        // refers into it.
        let _ = unsafe { rustix::mm::munmap(self.addr as *mut std::ffi::c_void, self.len) };
    }
}
