//! Running one-shot commands (steps that must succeed, probes for tools)
//! and noticing Ctrl-C; the long-lived children (servers) are
//! `padan_testkit` processes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
pub(crate) use padan_testkit::process::{describe, exit_text};

/// Runs `cmd` to completion with inherited stdio; fails unless it exits 0.
pub(crate) fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = describe(cmd);
    let status = cmd.status().with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({})", exit_text(status));
    }
    Ok(())
}

/// Runs `cmd` and returns its stdout, or `None` when it cannot start or fails.
/// Used to probe for tools, where "missing" is an answer, not an error.
pub(crate) fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Set once SIGINT or SIGTERM arrives; long waits poll it.
pub(crate) fn interrupt_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&flag)).context("installing a signal handler")?;
    }
    Ok(flag)
}

pub(crate) fn interrupted(flag: &AtomicBool) -> bool {
    flag.load(Ordering::Relaxed)
}

/// Newest modification time of any file under `path` (or of `path` itself).
pub(crate) fn newest_mtime(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path).ok()?.filter_map(Result::ok).filter_map(|e| newest_mtime(&e.path())).max()
}
