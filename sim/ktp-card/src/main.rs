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

use padan_sim_dukcapil::{Population, SimConfig};
use padan_sim_ktp_card::{CardImage, DemoKeys, Icc, Kit, Scenario, vpcd};

struct Args {
    keys_only: bool,
    seed: u64,
    persons: usize,
    person: usize,
    nik: Option<String>,
    scenario: Scenario,
    host: String,
    card_port: u16,
    sam_port: u16,
    reinsert_after_ms: Option<u64>,
    no_card: bool,
    /// Canary families on top of the population (`padan_sim_dukcapil::canary`).
    canaries: usize,
}

fn parse_args() -> Result<Args, String> {
    let defaults = SimConfig::default();
    let mut a = Args {
        keys_only: false,
        seed: defaults.seed,
        persons: defaults.persons,
        person: 0,
        nik: None,
        scenario: Scenario::Genuine,
        host: "127.0.0.1".into(),
        card_port: 35_963,
        sam_port: 35_964,
        reinsert_after_ms: None,
        no_card: false,
        canaries: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|_| format!("{arg}: not a number: {v}"));
        match arg.as_str() {
            "keys" => a.keys_only = true,
            "--seed" => a.seed = num(val()?)?,
            "--persons" => a.persons = num(val()?)? as usize,
            "--person" => a.person = num(val()?)? as usize,
            "--nik" => a.nik = Some(val()?),
            "--scenario" => {
                let v = val()?;
                a.scenario = Scenario::parse(&v).ok_or_else(|| format!("unknown scenario {v}"))?;
            }
            "--vpcd-host" => a.host = val()?,
            "--card-port" => a.card_port = num(val()?)? as u16,
            "--sam-port" => a.sam_port = num(val()?)? as u16,
            "--reinsert-after-ms" => a.reinsert_after_ms = Some(num(val()?)?),
            "--no-card" => a.no_card = true,
            "--canaries" => a.canaries = num(val()?)? as usize,
            "-h" | "--help" => return Err(HELP.into()),
            other => return Err(format!("unknown argument {other}\n{HELP}")),
        }
    }
    Ok(a)
}

const HELP: &str = "usage: padan-ktp-card [keys] [--seed N] [--persons N] [--person I | --nik NIK] \
[--scenario genuine|clone|tampered|removed-after-N|sam-absent|sam-not-activated|sam-expired|sam-locked|sam-deactivated] \
[--vpcd-host H] [--card-port P] [--sam-port P] [--reinsert-after-ms MS] [--no-card] [--canaries N]";

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
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let keys = DemoKeys::from_seed(args.seed);
    if args.keys_only {
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
