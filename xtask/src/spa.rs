//! The SPA release build (`trunk build --release --offline` into `dist/`),
//! skipped when nothing it is built from changed since the last build.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::proc::{newest_mtime, run};

/// What the SPA is built from, relative to the repository root.
const INPUTS: &[&str] = &["frontend", "protocol", "style", "Trunk.toml", "Cargo.lock"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Build even when dist/ looks current.
    Always,
    /// Skip when dist/index.html is newer than every input.
    IfChanged,
}

/// `tool_path`: the folder with wasm-opt, put first on PATH for Trunk.
pub(crate) fn build(root: &Path, freshness: Freshness, tool_path: &Path) -> anyhow::Result<()> {
    if freshness == Freshness::IfChanged && is_current(root) {
        crate::header("SPA: dist/ is up to date (nothing under frontend/, protocol/, style/ changed)");
        return Ok(());
    }
    crate::header("SPA: trunk build --release --offline");
    // Trunk's own backtraces bury the compiler's message that matters.
    let path = std::env::join_paths(
        std::iter::once(tool_path.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )?;
    run(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .env("RUST_BACKTRACE", "0")
        .env("PATH", path)
        .current_dir(root))
    .context("building the SPA failed")?;
    let index = root.join("dist/index.html");
    anyhow::ensure!(index.is_file(), "trunk finished but {} is missing", index.display());
    Ok(())
}

fn is_current(root: &Path) -> bool {
    let Some(built) = std::fs::metadata(root.join("dist/index.html")).and_then(|m| m.modified()).ok() else {
        return false;
    };
    INPUTS.iter().filter_map(|p| newest_mtime(&root.join(p))).all(|changed| changed <= built)
}
