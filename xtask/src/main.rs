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
mod load;
mod proc;
mod spa;
mod test;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand, error::ErrorKind};

/// The commands the README gives a newcomer; each installs the tools it needs.
#[derive(Debug, Parser)]
#[command(name = "xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build and run the embedded demo (simulator, backend, and the virtual reader when pcscd and vpcd are there)
    Demo(demo::Options),
    /// Everything CI checks (what .ci/run calls)
    Test,
    /// Build the SPA into dist/ (release)
    Spa,
    /// Benchmarks (docs/benchmarks.md)
    Bench(bench::Options),
    /// Run one fuzz target for a while, or list them (docs/fuzzing.md)
    Fuzz(fuzz::Args),
}

fn main() -> ExitCode {
    // Usage errors exit 2 with the usage; `--help` exits 0.
    let cli = Cli::parse();
    // Printed by hand: anyhow's `Termination` would add a backtrace whenever
    // RUST_BACKTRACE is set, burying the one line that says what to do.
    match dispatch(cli.task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(task: Task) -> anyhow::Result<()> {
    match task {
        Task::Demo(options) => demo::run(options),
        Task::Test => test::run(),
        Task::Spa => {
            let root = repo_root()?;
            let tool_path = tools::ensure_spa_tools()?;
            spa::build(&root, spa::Freshness::Always, &tool_path)
        }
        Task::Bench(options) => bench::run(options),
        Task::Fuzz(args) => {
            if let Some(missing) = args.missing() {
                let mut cli = Cli::command();
                cli.build();
                let fuzz = cli.find_subcommand_mut("fuzz").context("xtask has no fuzz command")?;
                fuzz.error(ErrorKind::MissingRequiredArgument, missing).exit()
            }
            fuzz::run_command(args)
        }
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, error::ErrorKind};

    use super::{Cli, Task};

    fn help(args: &[&str]) -> String {
        let e = Cli::try_parse_from(args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DisplayHelp, "{args:?}");
        e.to_string()
    }

    #[test]
    fn help_lists_every_command_and_flag() {
        Cli::command().debug_assert();
        let top = help(&["xtask", "--help"]);
        for word in ["demo", "test", "spa", "bench", "fuzz", "Usage: cargo xtask"] {
            assert!(top.contains(word), "{word}: {top}");
        }
        let demo = help(&["xtask", "demo", "--help"]);
        for word in ["--port", "--sim-port", "--card-scenario"] {
            assert!(demo.contains(word), "{word}: {demo}");
        }
        let bench = help(&["xtask", "bench", "--help"]);
        for word in ["--quick", "--keep-spa", "--latency", "--rounds", "--audit", "--balikan"] {
            assert!(bench.contains(word), "{word}: {bench}");
        }
        let fuzz = help(&["xtask", "fuzz", "--help"]);
        for word in ["--list", "[TARGET]", "[SECONDS]"] {
            assert!(fuzz.contains(word), "{word}: {fuzz}");
        }
    }

    #[test]
    fn unknown_flags_and_bad_values_are_usage_errors() {
        for args in [
            &["xtask", "--bogus"][..],
            &["xtask", "test", "--fast"],
            &["xtask", "demo", "--bogus=1"],
            &["xtask", "bench", "--quik"],
            &["xtask", "fuzz", "--list", "--bogus"],
        ] {
            let e = Cli::try_parse_from(args).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (ErrorKind::UnknownArgument, 2), "{args:?}");
            assert!(e.render().to_string().contains("Usage: cargo xtask"), "{args:?}: {e}");
        }
        for args in [
            &["xtask"][..],
            &["xtask", "deploy"],
            &["xtask", "demo", "--port", "http"],
            &["xtask", "bench", "--rounds", "0"],
            &["xtask", "bench", "--rounds"],
            &["xtask", "fuzz"],
            &["xtask", "fuzz", "--list", "dukcapil_lookup"],
            &["xtask", "fuzz", "dukcapil_lookup", "0"],
        ] {
            let e = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        }
        let Task::Fuzz(args) = Cli::try_parse_from(["xtask", "fuzz", "dukcapil_lookup"]).unwrap().task else {
            panic!("not fuzz")
        };
        assert_eq!(args.missing(), Some("a fuzz target needs <SECONDS>"));
    }

    #[test]
    fn the_documented_invocations_parse() {
        let Task::Demo(demo) =
            Cli::try_parse_from(["xtask", "demo", "--port=9090", "--sim-port", "9001", "--card-scenario", "clone"])
                .unwrap()
                .task
        else {
            panic!("not demo")
        };
        assert_eq!(format!("{demo:?}"), r#"Options { port: 9090, sim_port: 9001, card_scenario: "clone" }"#);
        let Task::Bench(bench) =
            Cli::try_parse_from(["xtask", "bench", "--quick", "--keep-spa", "--latency", "--rounds", "3"])
                .unwrap()
                .task
        else {
            panic!("not bench")
        };
        assert_eq!(
            format!("{bench:?}"),
            "Options { quick: true, keep_spa: true, latency_only: true, rounds: 3, audit: false, balikan: false }"
        );
        for args in [
            &["xtask", "bench", "--audit", "--quick"][..],
            &["xtask", "bench", "--balikan"],
            &["xtask", "fuzz", "--list"],
            &["xtask", "fuzz", "list"],
            &["xtask", "fuzz", "dukcapil_lookup", "120"],
            &["xtask", "test"],
            &["xtask", "spa"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            if let Task::Fuzz(fuzz) = cli.task {
                assert_eq!(fuzz.missing(), None, "{args:?}");
            }
        }
    }
}
