//! A hold maps the pages it covers, keeps them mapped while the kernel is
//! asked to drop the file's cache, follows the file as it grows, and
//! survives the file being cut short. Residency is read from the kernel's
//! own account of the mapping (`/proc/self/smaps`, `Rss`: pages present in
//! its page tables, which for a file mapping are page-cache pages).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use padan_resident::Hold;

const MIB: u64 = 1024 * 1024;

fn file_of(len: u64) -> (tempfile::TempDir, std::fs::File) {
    // On the target's disk, not /tmp: tmpfs pages cannot be dropped.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("data");
    let mut f = std::fs::OpenOptions::new().create(true).read(true).write(true).truncate(true).open(&path).unwrap();
    let block = vec![0xA5u8; MIB as usize];
    for _ in 0..len / MIB {
        f.write_all(&block).unwrap();
    }
    f.sync_all().unwrap();
    (dir, f)
}

fn grow(f: &mut std::fs::File, by: u64) {
    use std::io::Seek;
    f.seek(std::io::SeekFrom::End(0)).unwrap();
    let block = vec![0x5Au8; MIB as usize];
    for _ in 0..by / MIB {
        f.write_all(&block).unwrap();
    }
    f.sync_all().unwrap();
}

/// Resident bytes of the mapping starting at `addr`, `None` if there is none.
fn rss(addr: usize) -> Option<u64> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let head = format!("{addr:x}-");
    let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&head));
    lines.next()?;
    let rss = lines.find(|l| l.starts_with("Rss:"))?;
    let kib: u64 = rss.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn drop_cache(f: &std::fs::File) {
    rustix::fs::fadvise(f, 0, None, rustix::fs::Advice::DontNeed).unwrap();
}

/// How many of the file's first `len` bytes' pages are in the page cache,
/// by mincore(2) on a mapping that is itself never populated.
fn cached_pages(f: &std::fs::File, len: u64) -> (usize, usize) {
    let probe = Hold::map(f, 0, len).unwrap();
    let pages = (len / padan_resident::page_size()) as usize;
    let mut vec = vec![0u8; pages];
    // SAFETY: the probe maps `len` bytes (whole pages) at its address, and
    // `vec` has one byte per page, as mincore(2) requires.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::mincore(probe.address() as *mut libc::c_void, len as usize, vec.as_mut_ptr()) };
    assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
    (vec.iter().filter(|b| *b & 1 == 1).count(), pages)
}

#[test]
fn held_pages_stay_cached_when_the_cache_is_dropped_and_the_rest_goes() {
    let (_dir, f) = file_of(4 * MIB);
    let held = Hold::map(&f, 0, 2 * MIB).unwrap();
    assert_eq!(rss(held.address()), Some(0), "nothing is mapped before populate");
    held.populate(0, 4 * MIB).unwrap();
    assert_eq!(rss(held.address()), Some(2 * MIB));
    drop_cache(&f);
    let page = padan_resident::page_size();
    let (first, n) = cached_pages(&f, 2 * MIB);
    assert_eq!((first, n), ((2 * MIB / page) as usize, (2 * MIB / page) as usize), "the held half stays cached");
    let all = cached_pages(&f, 4 * MIB).0;
    assert_eq!(all, first, "the half not held was dropped");
    drop(held);
    drop_cache(&f);
    assert_eq!(cached_pages(&f, 4 * MIB).0, 0, "without the hold, everything goes");
}

#[test]
fn a_hold_takes_in_what_the_file_grows_into_at_the_next_populate() {
    let (_dir, mut f) = file_of(MIB);
    let held = Hold::map(&f, 0, 8 * MIB).unwrap();
    held.populate(0, MIB).unwrap();
    assert_eq!(rss(held.address()), Some(MIB));
    grow(&mut f, 2 * MIB);
    assert_eq!(rss(held.address()), Some(MIB), "new pages are not mapped until populated");
    held.populate(0, 3 * MIB).unwrap();
    assert_eq!(rss(held.address()), Some(3 * MIB));
}

#[test]
fn ranges_widen_to_whole_pages_and_populate_stays_within_the_hold() {
    let page = padan_resident::page_size();
    let (_dir, f) = file_of(4 * MIB);
    let held = Hold::map(&f, MIB + 1, MIB).unwrap();
    assert_eq!(held.range(), (MIB, 2 * MIB + page));
    // Asked for more than it holds: fills only its own range.
    held.populate(0, 4 * MIB).unwrap();
    assert_eq!(rss(held.address()), Some(MIB + page));
    assert!(Hold::map(&f, 0, 0).is_err(), "an empty range is refused");
}

#[test]
fn a_file_cut_short_under_a_hold_is_an_error_at_most_never_a_signal() {
    let (_dir, f) = file_of(2 * MIB);
    let held = Hold::map(&f, 0, 2 * MIB).unwrap();
    held.populate(0, 2 * MIB).unwrap();
    f.set_len(0).unwrap();
    // The caller passes the size it last saw; the kernel refuses the pages
    // past the new end instead of raising SIGBUS.
    assert!(held.populate(0, 2 * MIB).is_err());
    assert_eq!(rss(held.address()), Some(0), "the cut pages left the mapping");
    let addr = held.address();
    drop(held);
    assert_eq!(rss(addr), None, "dropping the hold unmaps it");
}
