//! `cargo xtask …`: the commands the README gives a newcomer.
//!
//! ```text
//! cargo xtask demo [--port 8080] [--sim-port 8001]   build and run the embedded demo
//! cargo xtask test                                    everything CI checks (what .ci/run calls)
//! cargo xtask spa                                     build the SPA into dist/ (release)
//! cargo xtask bench [...]                             benchmarks
//! cargo xtask fuzz <target> <seconds> | --list        run one fuzz target (docs/fuzzing.md)
//! ```
//!
//! Each command installs the tools it needs first (see [`tools`]), so a fresh
//! Debian machine with only rustup's Rust is enough.

mod bench;
mod bench_audit;
mod bench_balikan;
mod demo;
mod fuzz;
mod http;
mod load;
mod postgres;
mod proc;
mod spa;
mod test;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <demo [--port N] [--sim-port N] | test | spa | bench [...] | fuzz <target> <seconds> | fuzz --list>";

fn main() -> ExitCode {
    // Printed by hand: anyhow's `Termination` would add a backtrace whenever
    // RUST_BACKTRACE is set, burying the one line that says what to do.
    match dispatch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        bail!("{USAGE}");
    };
    match command.as_str() {
        "demo" => demo::run(rest),
        "test" => test::run(rest),
        "spa" => {
            let root = repo_root()?;
            let tool_path = tools::ensure_spa_tools()?;
            spa::build(&root, spa::Freshness::Always, &tool_path)
        }
        "bench" => bench::run(rest),
        "fuzz" => fuzz::run_command(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn repo_root() -> anyhow::Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().context("xtask has no parent directory")?.to_path_buf();
    Ok(root)
}

/// A step header, so a failing log says which step failed.
pub(crate) fn header(title: &str) {
    println!("\n==> {title}");
}
