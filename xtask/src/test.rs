//! `cargo xtask test`: every check CI runs, in order, failing fast.
//! The test runner's summary is the last thing printed (CI reads it).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::proc::{self, probe};
use crate::spa::{self, Freshness};
use crate::{header, tools};
use padan_testkit::postgres::TempCluster;

pub(crate) fn run_all(root: &Path) -> anyhow::Result<()> {
    header("tools and test prerequisites");
    let tool_path = tools::ensure_test_tools()?;

    header("cargo fmt --all -- --check");
    proc::run(cargo(root).args(["fmt", "--all", "--", "--check"]))
        .context("formatting differs: run `cargo fmt --all`")?;

    header("clippy (native)");
    proc::run(cargo(root).args([
        "clippy",
        "--workspace",
        "--exclude",
        "padan-frontend",
        "--all-targets",
        // The benchmark-data binary builds only with this feature: lint it too.
        "--features",
        "padan-backend/bench-tools",
        "--",
        "-D",
        "warnings",
    ]))?;

    header("clippy (wasm32: frontend, protocol)");
    proc::run(cargo(root).args([
        "clippy",
        "-p",
        "padan-frontend",
        "-p",
        "padan-protocol",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;

    header("reader-agent cross-built for Windows (x86_64-pc-windows-gnu)");
    proc::run(cargo(root).args(["build", "-p", "padan-reader-agent", "--target", tools::WINDOWS_TARGET]))
        .context("the reader-agent no longer builds for Windows")?;

    // The browser tests load the real SPA from dist/.
    spa::build(root, Freshness::IfChanged, &tool_path)?;

    header("debug binaries for the end-to-end tests");
    // The KTP-el browser test also runs the virtual card and the reader-agent.
    proc::run(cargo(root).args([
        "build",
        "-p",
        "padan-backend",
        "-p",
        "padan-sim-dukcapil",
        "-p",
        "padan-sim-ktp-card",
        "-p",
        "padan-reader-agent",
    ]))?;

    header("throw-away PostgreSQL cluster");
    // Dropped on every way out of this function, panics included.
    let cluster = TempCluster::start()?;
    println!("PostgreSQL ready at {}", cluster.url());

    let nextest = probe(cargo(root).args(["nextest", "--version"])).is_some();
    let mut tests = cargo(root);
    if nextest {
        header("cargo nextest run --workspace --exclude padan-frontend --no-fail-fast");
        tests.args(["nextest", "run", "--workspace", "--exclude", "padan-frontend", "--no-fail-fast"]);
    } else {
        header("cargo test --workspace --exclude padan-frontend (cargo-nextest not found)");
        tests.args(["test", "--workspace", "--exclude", "padan-frontend", "--no-fail-fast"]);
    }
    tests
        .env("PADAN_TEST_POSTGRES_URL", cluster.url())
        .env("PADAN_E2E_DIST", root.join("dist"))
        .env("PADAN_E2E_BIN_DIR", root.join("target/debug"))
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("CHROMIUM", "/usr/bin/chromium");
    let status = tests.status().context("could not start the test runner")?;
    drop(cluster);
    if !status.success() {
        bail!("tests failed");
    }

    // `padan-bench-data` exists only with `bench-tools` (release builds lack
    // it); its test is ignored in the run above, so run it here with the
    // feature, as `cargo xtask bench` builds it.
    header("padan-bench-data (feature bench-tools)");
    proc::run(cargo(root).args([
        "test",
        "-p",
        "padan-backend",
        "--features",
        "bench-tools",
        "--test",
        "it",
        "audit::the_bench_data_binary",
    ]))?;
    Ok(())
}

pub(crate) fn run() -> anyhow::Result<()> {
    let root = crate::repo_root()?;
    // Ctrl-C reaches the runner in the foreground; xtask keeps living long
    // enough to stop PostgreSQL and remove its directory.
    let _flag = crate::proc::interrupt_flag()?;
    run_all(&root)
}

fn cargo(root: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root);
    c
}
