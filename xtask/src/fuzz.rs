//! `cargo xtask fuzz <target> <seconds>` / `cargo xtask fuzz --list`: runs
//! one cargo-fuzz target of `fuzz/` (its own workspace) for a while, from
//! the checked-in seed corpus `fuzz/corpus/<target>/`.
//!
//! Installs cargo-fuzz from crates.io when missing. Builds without a
//! sanitizer (`-s none`): that works on the stable toolchain, and every
//! crate of ours on the fuzzed paths forbids `unsafe` (`padan-resident`,
//! the store's page-cache holder, is not on them), so AddressSanitizer would only watch
//! dependencies; libFuzzer's coverage guidance and our targets' property
//! assertions are what find bugs here. New interesting inputs go to
//! `fuzz/target/corpus/<target>/` (never into the checked-in seeds); a
//! crashing input is written to `fuzz/artifacts/<target>/` and fails the
//! command. Not part of `cargo xtask test` (docs/fuzzing.md).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::proc::{describe, exit_text, probe, run};

const USAGE: &str = "usage: cargo xtask fuzz <target> <seconds> | cargo xtask fuzz --list";

/// `cargo xtask fuzz`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// List the fuzz targets (also `cargo xtask fuzz list`)
    #[arg(long, conflicts_with_all = ["target", "seconds"])]
    list: bool,
    /// The fuzz target (a `[[bin]]` of fuzz/Cargo.toml)
    #[arg(required_unless_present = "list")]
    target: Option<String>,
    /// How long to run it
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    seconds: Option<u64>,
}

impl Args {
    /// What clap cannot say alone: a target needs its seconds (`list`
    /// alone, the old spelling of `--list`, does not).
    pub(crate) fn missing(&self) -> Option<&'static str> {
        match (&self.target, self.seconds) {
            (Some(target), None) if target != "list" => Some("a fuzz target needs <SECONDS>"),
            _ => None,
        }
    }
}

pub(crate) fn run_command(args: Args) -> anyhow::Result<()> {
    let root = crate::repo_root()?;
    let fuzz_dir = root.join("fuzz");
    let targets = targets(&fuzz_dir)?;
    match (args.list, args.target, args.seconds) {
        (true, None, None) => print_targets(&targets),
        (false, Some(list), None) if list == "list" => print_targets(&targets),
        (false, Some(target), Some(seconds)) => {
            if !targets.contains(&target) {
                bail!("no fuzz target {target:?}; there are: {}", targets.join(", "));
            }
            ensure_cargo_fuzz()?;
            fuzz(&fuzz_dir, &target, seconds)
        }
        _ => bail!("{USAGE}"),
    }
}

fn print_targets(targets: &[String]) -> anyhow::Result<()> {
    for t in targets {
        println!("{t}");
    }
    Ok(())
}

/// The `[[bin]]` names of fuzz/Cargo.toml.
fn targets(fuzz_dir: &Path) -> anyhow::Result<Vec<String>> {
    let manifest = fuzz_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let mut in_bin = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some(name) = line.strip_prefix("name").map(str::trim).and_then(|l| l.strip_prefix('=')) {
                names.push(name.trim().trim_matches('"').to_owned());
            }
        }
    }
    Ok(names)
}

fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    if probe(Command::new("cargo").args(["fuzz", "--version"])).is_none() {
        crate::header("installing cargo-fuzz (crates.io, one-off)");
        run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    // libfuzzer-sys compiles libFuzzer (C++).
    if probe(Command::new("c++").arg("--version")).is_none() {
        bail!("fuzzing needs a C++ compiler for libFuzzer: apt-get install g++");
    }
    Ok(())
}

fn fuzz(fuzz_dir: &Path, target: &str, seconds: u64) -> anyhow::Result<()> {
    let seeds = fuzz_dir.join("corpus").join(target);
    let work = fuzz_dir.join("target").join("corpus").join(target);
    let artifacts = fuzz_dir.join("artifacts").join(target);
    for dir in [&work, &artifacts] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }

    // The fuzz workspace resolves the same versions as the main one: its
    // lock file is the main Cargo.lock (cargo adds libfuzzer-sys and its
    // two dependencies), refreshed on every run and not checked in.
    let lock = fuzz_dir.join("Cargo.lock");
    std::fs::copy(fuzz_dir.join("..").join("Cargo.lock"), &lock)
        .with_context(|| format!("copying Cargo.lock to {}", lock.display()))?;

    crate::header(&format!("cargo fuzz build -s none {target}"));
    run(Command::new("cargo").current_dir(fuzz_dir).args(["fuzz", "build", "-s", "none", target]))?;
    // Run the binary just built (not `cargo fuzz run`, which builds again
    // and would rebuild whatever changed in the tree in between).
    let host = probe(Command::new("rustc").arg("-vV"))
        .and_then(|v| v.lines().find_map(|l| l.strip_prefix("host: ").map(str::to_owned)))
        .context("rustc -vV printed no host triple")?;
    let binary = fuzz_dir.join("target").join(host).join("release").join(target);

    crate::header(&format!("fuzzing {target} for {seconds} s"));
    let mut cmd = Command::new(&binary);
    cmd.current_dir(fuzz_dir)
        .arg(&work)
        .arg(&seeds)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"])
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    let shown = describe(&cmd);
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("could not start `{shown}`"))?;
    let mut runs = None;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                runs = n.trim().parse::<u64>().ok();
            }
        }
    }
    let status = child.wait()?;
    let elapsed = started.elapsed().as_secs();
    if !status.success() {
        bail!(
            "fuzz target {target} failed ({}): a crashing input is in fuzz/artifacts/{target}/ — fix the bug, then \
             add the input to fuzz/corpus/{target}/",
            exit_text(status)
        );
    }
    let runs = runs.map_or_else(|| "?".to_owned(), |n| n.to_string());
    println!("fuzz {target}: clean, {runs} executions in {seconds} s of fuzzing ({elapsed} s wall clock)");
    Ok(())
}
