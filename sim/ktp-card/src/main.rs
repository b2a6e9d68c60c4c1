//! `padan-ktp-card`: the virtual KTP-el card and SAM, plugged into pcscd via vpcd.
//!
//! ```text
//! padan-ktp-card [--seed N] [--persons N] [--person I | --nik NIK] [--scenario NAME]
//!                [--vpcd-host H] [--card-port 35963] [--sam-port 35964]
//!                [--reinsert-after-ms MS] [--no-card]
//! padan-ktp-card keys [--seed N]      # demo public keys + PCID/config key, for configs
//! ```
//! Scenarios: genuine, clone, tampered, removed-after-N, sam-absent,
//! sam-not-activated, sam-expired, sam-locked, sam-deactivated.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use padan_sim_dukcapil::{Population, SimConfig};
use padan_sim_ktp_card::{CardImage, DemoKeys, Icc, Kit, Scenario, vpcd};

/// The virtual KTP-el card and SAM, plugged into pcscd via vpcd.
#[derive(Debug, Parser)]
#[command(name = "padan-ktp-card", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Population seed (the card's person and the demo keys)
    #[arg(long, global = true, value_name = "N", default_value_t = SimConfig::default().seed)]
    seed: u64,
    /// Number of persons in the population
    #[arg(long, global = true, value_name = "N", default_value_t = SimConfig::default().persons)]
    persons: usize,
    /// The card's person, by index in the population
    #[arg(long, value_name = "I", default_value_t = 0)]
    person: usize,
    /// The card's person, by NIK (wins over --person)
    #[arg(long, value_name = "NIK")]
    nik: Option<String>,
    /// genuine, clone, tampered, removed-after-N, sam-absent, sam-not-activated, sam-expired, sam-locked, sam-deactivated
    #[arg(long, value_name = "NAME", default_value = "genuine", value_parser = scenario)]
    scenario: Scenario,
    /// vpcd's host
    #[arg(long = "vpcd-host", value_name = "H", default_value = "127.0.0.1")]
    host: String,
    /// vpcd's port for the card slot
    #[arg(long, value_name = "P", default_value_t = 35_963)]
    card_port: u16,
    /// vpcd's port for the SAM slot
    #[arg(long, value_name = "P", default_value_t = 35_964)]
    sam_port: u16,
    /// After a removal, insert a (genuine) card again after MS milliseconds
    #[arg(long, value_name = "MS")]
    reinsert_after_ms: Option<u64>,
    /// Only the SAM: no card in the reader
    #[arg(long)]
    no_card: bool,
    /// Canary families on top of the population (`padan_sim_dukcapil::canary`)
    #[arg(long, global = true, value_name = "N", default_value_t = 0)]
    canaries: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum Command {
    /// Print the demo public keys and the PCID/config key for configs, and exit
    Keys,
}

fn scenario(name: &str) -> Result<Scenario, String> {
    Scenario::parse(name).ok_or_else(|| format!("unknown scenario {name}"))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn print_keys(keys: &DemoKeys) {
    println!("# Padan DEMO keys for seed {} — public by construction, never for production", keys.seed);
    println!("sam_serial = \"{}\"", hex::encode(keys.sam_serial));
    println!("sam_pcid = \"{}\"", hex::encode(keys.pcid));
    println!("sam_config_key = \"{}\"", hex::encode(keys.config_key));
    println!("issuer_public_key = \"{}\"", hex::encode(DemoKeys::sec1(&keys.issuer_public())));
    println!("sam_ca_public_key = \"{}\"", hex::encode(DemoKeys::sec1(&keys.sam_ca_public())));
    println!("activation_public_key = \"{}\"", hex::encode(keys.activation_public().to_bytes()));
}

fn serve_forever(name: &str, addr: String, mut make: impl FnMut(bool) -> Box<dyn Icc>, reinsert: Option<u64>) {
    let mut first = true;
    loop {
        let mut icc = make(first);
        first = false;
        let mut stream = match vpcd::connect(&addr, Duration::from_secs(30)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{name}: cannot reach vpcd at {addr}: {e}");
                std::process::exit(2);
            }
        };
        eprintln!("{name}: inserted into vpcd at {addr}");
        match vpcd::serve(&mut stream, icc.as_mut()) {
            Ok(vpcd::SessionEnd::CardRemoved) => {
                eprintln!("{name}: removed from the reader");
                match reinsert {
                    Some(ms) => std::thread::sleep(Duration::from_millis(ms)),
                    None => return,
                }
            }
            Ok(vpcd::SessionEnd::VpcdClosed) | Err(_) => {
                eprintln!("{name}: vpcd closed the connection; reconnecting");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

fn main() -> ExitCode {
    // Usage errors exit 2 with the usage; `--help`/`--version` exit 0.
    let args = Args::parse();
    let keys = DemoKeys::from_seed(args.seed);
    if args.command == Some(Command::Keys) {
        print_keys(&keys);
        return ExitCode::SUCCESS;
    }
    let mut pop = Population::generate(args.seed, args.persons);
    // The simulator's canary persons (same seed, same N), for the no-retention test.
    padan_sim_dukcapil::canary::add(&mut pop, args.canaries);
    let person = match &args.nik {
        Some(nik) => pop.get(nik),
        None => pop.persons().get(args.person),
    };
    let Some(person) = person else {
        eprintln!("no such person in the population (seed {}, {} persons)", args.seed, args.persons);
        return ExitCode::from(2);
    };
    let image = CardImage::issue(person, &keys);
    let (scenario, now) = (args.scenario, now());
    let entropy = now ^ u64::from(std::process::id());
    let mut threads = Vec::new();
    if scenario != Scenario::SamAbsent {
        let (keys, image) = (keys.clone(), image.clone());
        let addr = format!("{}:{}", args.host, args.sam_port);
        threads.push(std::thread::spawn(move || {
            serve_forever(
                "sam",
                addr,
                move |_| {
                    let kit = Kit::new(&keys, image.clone(), scenario, now, entropy);
                    match kit.sam {
                        Some(sam) => Box::new(sam),
                        None => Box::new(kit.card),
                    }
                },
                Some(0),
            )
        }));
    }
    if !args.no_card {
        let addr = format!("{}:{}", args.host, args.card_port);
        let reinsert = args.reinsert_after_ms;
        threads.push(std::thread::spawn(move || {
            serve_forever(
                "card",
                addr,
                move |first| {
                    // A re-inserted card is a healthy one: "retry works".
                    let s = if first { scenario } else { Scenario::Genuine };
                    Box::new(Kit::new(&keys, image.clone(), s, now, entropy.wrapping_add(1)).card)
                },
                reinsert,
            )
        }));
    }
    for t in threads {
        let _ = t.join();
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, error::ErrorKind};
    use padan_sim_ktp_card::Scenario;

    use super::{Args, Command};

    #[test]
    fn help_lists_every_subcommand_and_flag() {
        Args::command().debug_assert();
        let help = Args::try_parse_from(["padan-ktp-card", "--help"]).unwrap_err();
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        for word in [
            "keys",
            "--seed",
            "--persons",
            "--person",
            "--nik",
            "--scenario",
            "--vpcd-host",
            "--card-port",
            "--sam-port",
            "--reinsert-after-ms",
            "--no-card",
            "--canaries",
        ] {
            assert!(help.to_string().contains(word), "{word}: {help}");
        }
    }

    #[test]
    fn unknown_flags_and_bad_values_are_usage_errors() {
        for args in [&["padan-ktp-card", "--bogus"][..], &["padan-ktp-card", "keys", "--bogus"]] {
            let e = Args::try_parse_from(args).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (ErrorKind::UnknownArgument, 2), "{args:?}");
            assert!(e.render().to_string().contains("Usage: padan-ktp-card"), "{args:?}: {e}");
        }
        for args in [
            &["padan-ktp-card", "--scenario", "stolen"][..],
            &["padan-ktp-card", "--card-port", "70000"],
            &["padan-ktp-card", "--persons", "-1"],
            &["padan-ktp-card", "--seed"],
        ] {
            let e = Args::try_parse_from(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        }
    }

    #[test]
    fn the_harness_invocations_parse() {
        let a = Args::try_parse_from(["padan-ktp-card", "keys", "--seed", "20240628"]).unwrap();
        assert_eq!((a.command, a.seed), (Some(Command::Keys), 20_240_628));
        let a = Args::try_parse_from([
            "padan-ktp-card",
            "--seed",
            "1",
            "--persons",
            "50",
            "--nik",
            "3171016708929904",
            "--scenario",
            "removed-after-15",
            "--vpcd-host",
            "127.0.0.1",
            "--canaries",
            "1",
            "--card-port",
            "40000",
            "--sam-port",
            "40001",
            "--reinsert-after-ms",
            "2000",
        ])
        .unwrap();
        assert_eq!(a.command, None);
        assert_eq!(a.scenario, Scenario::RemovedAfter(15));
        assert_eq!((a.card_port, a.sam_port, a.reinsert_after_ms, a.no_card), (40_000, 40_001, Some(2000), false));
    }
}
