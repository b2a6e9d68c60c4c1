//! KTP-el reading without hardware: a private pcscd whose only readers are
//! vsmartcard's vpcd slots, the virtual card and SAM (`padan-ktp-card`)
//! plugged into them, and the reader-agent configured for one backend.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use crate::net::{listening, wait_listening};
use crate::process::{Group, Output, Process};

/// vsmartcard's vpcd driver for pcscd.
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// vpcd's default ports: the card slot on it, the SAM slot on it + 1.
pub const VPCD_PORT: u16 = 35_963;
/// The population seed the virtual card's demo keys and the backend's demo
/// reader registration are built for (`padan-ktp-card keys`; the
/// simulator's default seed). The simulator must use it too.
pub const CARD_SEED: u64 = 20_240_628;
/// DEMO ONLY — the public half of the backend's demo ticket key
/// (`DEMO_TICKET_PUBLIC_KEY` in backend/src/config.rs): what the demo
/// backend signs agent tickets with unless `card.ticket_signing_key` is set.
pub const DEMO_TICKET_PUBLIC_KEY: &str = "b7ca315459539aa3148293635d2890ebe7b7131d2ef70b37c6df4af240804177";
/// The demo reader's office (backend/src/config.rs `DEMO_READER_OFFICE`):
/// the office of the demo officer `petugas`.
pub const DEMO_READER_OFFICE: &str = "KANREG-V";

/// The vpcd port pair to use: `PADAN_VPCD_PORT`, else [`VPCD_PORT`].
pub fn vpcd_port_from_env() -> u16 {
    std::env::var("PADAN_VPCD_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(VPCD_PORT)
}

/// The Debian packages missing for the emulated reader (pcscd, the vpcd
/// driver, and with `build` also the PC/SC headers the agent builds against).
pub fn missing_packages(build: bool) -> Vec<&'static str> {
    let mut needs = vec![("pcscd", "/usr/sbin/pcscd"), ("vsmartcard-vpcd", VPCD_DRIVER)];
    if build {
        needs.push(("libpcsclite-dev", "/usr/include/PCSC/winscard.h"));
    }
    needs.into_iter().filter(|(_, path)| !Path::new(path).exists()).map(|(package, _)| package).collect()
}

/// The PID of a pcscd that already runs (it owns /run/pcscd/pcscd.comm:
/// pcscd 1.9.9 serves one socket per machine, so only one may run).
pub fn other_pcscd() -> Option<String> {
    let pid = std::fs::read_to_string("/run/pcscd/pcscd.pid").ok()?;
    let pid = pid.trim().to_owned();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    (!status.is_empty() && !status.contains("State:\tZ")).then_some(pid)
}

/// A private `pcscd --foreground` whose only readers are vpcd's two slots
/// (card on `vpcd_port`, SAM on `vpcd_port + 1`), under `setsid` (away from
/// the caller's terminal; it keeps the PID), its log in `dir/pcscd.log`.
/// `start` refuses when another pcscd owns the socket.
#[derive(Debug)]
pub struct Pcscd {
    process: Process,
    pub vpcd_port: u16,
}

impl Pcscd {
    pub fn start(dir: &Path, vpcd_port: u16) -> anyhow::Result<Self> {
        if let Some(pid) = other_pcscd() {
            anyhow::bail!("another pcscd (pid {pid}) is running and owns /run/pcscd/pcscd.comm; stop it first");
        }
        anyhow::ensure!(!listening(vpcd_port), "port {vpcd_port} (vpcd) is already in use");
        // pcscd parses every file in its config directory as reader.conf,
        // so the log lives beside it, not in it.
        let conf = dir.join("pcscd-readers");
        std::fs::create_dir_all(&conf).with_context(|| format!("creating {}", conf.display()))?;
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x{vpcd_port:X}\nLIBPATH {VPCD_DRIVER}\n\
                 CHANNELID 0x{vpcd_port:X}\n"
            ),
        )?;
        let mut process = Process::spawn(
            "pcscd",
            Command::new("setsid").args(["pcscd", "--foreground", "--config"]).arg(&conf),
            Output::Log(dir.join("pcscd.log")),
            Group::Same,
        )?;
        // vpcd listens once pcscd has loaded it.
        wait_listening(&mut process, &[vpcd_port, vpcd_port + 1], Duration::from_secs(15))
            .context("pcscd's vpcd slots did not open")?;
        Ok(Self { process, vpcd_port })
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.process.check_alive()
    }

    pub fn process(&mut self) -> &mut Process {
        &mut self.process
    }

    pub fn log_path(&self) -> Option<&Path> {
        self.process.log_path()
    }
}

/// The keys `padan-ktp-card keys --seed N` prints (`name = "hex"` lines):
/// `sam_serial`, `sam_pcid`, `sam_config_key`, `sam_ca_public_key`, `activation_public_key`, …
#[derive(Debug, Clone)]
pub struct CardKeys(Vec<(String, String)>);

impl CardKeys {
    pub fn for_seed(ktp_card: &Path, seed: u64) -> anyhow::Result<Self> {
        let out = Command::new(ktp_card)
            .args(["keys", "--seed", &seed.to_string()])
            .output()
            .with_context(|| format!("running {} keys", ktp_card.display()))?;
        anyhow::ensure!(out.status.success(), "{} keys failed: {}", ktp_card.display(), out.status);
        Ok(Self::parse(&String::from_utf8(out.stdout)?))
    }

    fn parse(text: &str) -> Self {
        let keys = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect();
        Self(keys)
    }

    pub fn get(&self, name: &str) -> anyhow::Result<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .with_context(|| format!("`padan-ktp-card keys` printed no {name}"))
    }
}

/// The virtual KTP-el card and SAM (`padan-ktp-card`) for one person of a
/// population, plugged into vpcd's slots.
#[derive(Debug, Clone)]
pub struct VirtualCard {
    pub binary: PathBuf,
    pub seed: u64,
    pub persons: usize,
    pub nik: String,
    /// `genuine`, `clone`, `removed-after-N`, `sam-expired`, …
    pub scenario: String,
    /// Canary families added to the population (as the simulator's `--canaries`).
    pub canaries: usize,
    pub vpcd_port: u16,
    /// A card that left the reader comes back (genuine) after this long.
    pub reinsert_after_ms: Option<u64>,
}

impl VirtualCard {
    pub fn command(&self) -> Command {
        let port = self.vpcd_port;
        let mut cmd = Command::new(&self.binary);
        cmd.args(["--seed", &self.seed.to_string(), "--persons", &self.persons.to_string(), "--nik", &self.nik])
            .args(["--scenario", &self.scenario, "--vpcd-host", "127.0.0.1"])
            .args(["--canaries", &self.canaries.to_string()])
            .args(["--card-port", &port.to_string(), "--sam-port", &(port + 1).to_string()]);
        if let Some(ms) = self.reinsert_after_ms {
            cmd.args(["--reinsert-after-ms", &ms.to_string()]);
        }
        cmd
    }

    /// Starts it as "the virtual card (<scenario>)".
    pub fn start(&self, output: Output, group: Group) -> anyhow::Result<Process> {
        Process::spawn(&format!("the virtual card ({})", self.scenario), &mut self.command(), output, group)
    }
}

/// The reader-agent's configuration for the virtual reader: vpcd's slot
/// names, the SAM's keys, one backend's origins and ticket key.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub listen_port: u16,
    pub allowed_origins: Vec<String>,
    pub ticket_public_key: String,
    pub office: String,
    pub sam_pcid: String,
    pub sam_config_key: String,
    /// Comment lines written first (each without its `# `).
    pub comment: Option<String>,
}

impl AgentConfig {
    /// For the SAM of `keys`, trusting the demo backend's ticket key, for
    /// the demo reader's office.
    pub fn demo(keys: &CardKeys, listen_port: u16, allowed_origins: Vec<String>) -> anyhow::Result<Self> {
        Ok(Self {
            listen_port,
            allowed_origins,
            ticket_public_key: DEMO_TICKET_PUBLIC_KEY.to_owned(),
            office: DEMO_READER_OFFICE.to_owned(),
            sam_pcid: keys.get("sam_pcid")?.to_owned(),
            sam_config_key: keys.get("sam_config_key")?.to_owned(),
            comment: None,
        })
    }

    pub fn to_toml(&self) -> String {
        let comment = self.comment.as_ref().map(|c| format!("# {c}\n")).unwrap_or_default();
        let origins: Vec<String> = self.allowed_origins.iter().map(|o| format!("\"{o}\"")).collect();
        format!(
            "{comment}listen_port = {}\nallowed_origins = [{}]\nbackend_ticket_public_key = \"{}\"\n\
             office = \"{}\"\ncard_reader_patterns = [\"Virtual PCD 00 00\"]\nsam_reader_patterns = [\"Virtual PCD 00 01\"]\n\
             sam_pcid = \"{}\"\nsam_config_key = \"{}\"\nlog = \"info\"\n",
            self.listen_port,
            origins.join(", "),
            self.ticket_public_key,
            self.office,
            self.sam_pcid,
            self.sam_config_key,
        )
    }
}

/// Writes `config` to `path` (owner-only: the agent refuses a config others
/// may write), starts `padan-reader-agent run --config PATH` as "the
/// reader-agent" and waits until it listens (20 s).
pub fn start_reader_agent(
    binary: &Path,
    path: &Path,
    config: &AgentConfig,
    output: Output,
    group: Group,
) -> anyhow::Result<Process> {
    write_private(path, &config.to_toml())?;
    let mut agent =
        Process::spawn("the reader-agent", Command::new(binary).arg("run").arg("--config").arg(path), output, group)?;
    wait_listening(&mut agent, &[config.listen_port], Duration::from_secs(20))?;
    Ok(agent)
}

/// Writes a file readable by its owner only (an older file is tightened too).
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn card_keys_read_the_printed_lines() {
        let keys = CardKeys::parse("# DEMO\nsam_pcid = \"00ff\"\nsam_config_key = \"abcd\"\n");
        assert_eq!(keys.get("sam_pcid").unwrap(), "00ff");
        assert!(keys.get("activation_public_key").is_err());
    }

    #[test]
    fn the_agent_config_is_private_and_names_the_virtual_readers() {
        let dir = tempfile::tempdir().unwrap();
        let keys = CardKeys::parse("sam_pcid = \"01\"\nsam_config_key = \"02\"\n");
        let config = AgentConfig::demo(&keys, 47_443, vec!["http://127.0.0.1:8080".into(), "http://x".into()]).unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(&path, "old").unwrap();
        write_private(&path, &config.to_toml()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("allowed_origins = [\"http://127.0.0.1:8080\", \"http://x\"]"), "{text}");
        assert!(text.contains("card_reader_patterns = [\"Virtual PCD 00 00\"]"), "{text}");
        assert!(text.contains(&format!("backend_ticket_public_key = \"{DEMO_TICKET_PUBLIC_KEY}\"")), "{text}");
    }
}
