//! The processes an end-to-end test runs against: the Dukcapil simulator,
//! the backend (serving the built SPA) and chromedriver, each on a free
//! loopback port, with logs captured to files in one temporary directory;
//! for KTP-el reading also a private pcscd with vsmartcard's vpcd, the
//! virtual card (`padan-ktp-card`) and the reader-agent ([`CardReader`]).
//! The processes themselves are `padan_testkit`'s: stopped on drop, by PID
//! (SIGTERM, then SIGKILL), so a failing test leaves nothing behind.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use padan_testkit::card::{AgentConfig, VirtualCard};
use padan_testkit::servers::{demo_simulator_config, start_chromedriver};
use padan_testkit::{Backend, CallerEnv, Group, Output, Simulator};
use serde_json::Value;

use crate::webdriver::Session;

pub use padan_testkit::card::{CARD_SEED, CardKeys, DEMO_READER_OFFICE, DEMO_TICKET_PUBLIC_KEY, Pcscd, VPCD_DRIVER};
pub use padan_testkit::free_port;
/// A child process stopped on drop (the kit's [`padan_testkit::Process`]).
pub type Proc = padan_testkit::Process;

/// Small enough to generate in a moment, large enough to sample from.
pub const PERSONS: usize = 20_000;
/// The simulator's seed in [`Stack::start`].
pub const SEED: u64 = 2026;

/// Backend configuration that keeps the second factor required for admins
/// and auditors (the harness turns it off by default): pass to
/// [`Stack::start_with_env`]. The demo accounts are then enrolled with
/// [`DEMO_TOTP_SECRET`].
pub const SECOND_FACTOR_FOR_ADMINS: (&str, &str) = ("PADAN_SECURITY__TOTP_REQUIRED_ROLES", "[\"admin\",\"auditor\"]");

/// The documented demo authenticator secret (base32), as in
/// `backend/src/auth/totp.rs`.
pub const DEMO_TOTP_SECRET: &str = "PADANDEMOTOTPSECRETJANGANDIPAKAI";

/// The 6-digit TOTP code (RFC 6238: HMAC-SHA1, 30-second steps) of a base32
/// secret (any case, padding optional) at `unix_secs`. Computed here, not
/// by the backend's `auth::totp`, so that the browser test checks the
/// backend against an independent reading of the RFC.
pub fn totp_code(secret_base32: &str, unix_secs: u64) -> anyhow::Result<String> {
    use hmac::{Hmac, Mac};
    let secret = secret_base32.trim_end_matches('=').to_ascii_uppercase();
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).context("not base32")?;
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(&key).context("HMAC key")?;
    mac.update(&(unix_secs / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value =
        u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]]) & 0x7fff_ffff;
    Ok(format!("{:06}", value % 1_000_000))
}

/// Where the prerequisites built by `cargo xtask test` live.
#[derive(Debug, Clone)]
pub struct Prerequisites {
    pub dist: PathBuf,
    pub bin_dir: PathBuf,
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

impl Prerequisites {
    /// `None` when the developer opted out with `PADAN_E2E_SKIP=1`.
    /// Panics with instructions when something is missing: a silent skip
    /// would let CI pass without ever running a browser.
    pub fn from_env() -> Option<Self> {
        if std::env::var("PADAN_E2E_SKIP").is_ok_and(|v| v == "1") {
            eprintln!("PADAN_E2E_SKIP=1: end-to-end test skipped");
            return None;
        }
        match Self::check() {
            Ok(p) => Some(p),
            Err(e) => panic!(
                "end-to-end prerequisites missing: {e:#}\n\
                 Run `cargo xtask test` (it builds dist/ and the binaries and installs Chromium),\n\
                 or set PADAN_E2E_SKIP=1 to skip the browser tests locally."
            ),
        }
    }

    fn check() -> anyhow::Result<Self> {
        let var = |name: &str, default: Option<&str>| -> anyhow::Result<PathBuf> {
            match (std::env::var_os(name), default) {
                (Some(v), _) => Ok(PathBuf::from(v)),
                (None, Some(d)) => Ok(PathBuf::from(d)),
                (None, None) => bail!("{name} is not set"),
            }
        };
        let p = Self {
            dist: var("PADAN_E2E_DIST", None)?,
            bin_dir: var("PADAN_E2E_BIN_DIR", None)?,
            chromedriver: var("CHROMEDRIVER", Some("/usr/bin/chromedriver"))?,
            chromium: var("CHROMIUM", Some("/usr/bin/chromium"))?,
        };
        let index = p.dist.join("index.html");
        anyhow::ensure!(index.is_file(), "{} does not exist (the SPA is not built)", index.display());
        for file in [p.backend(), p.simulator(), p.chromedriver.clone(), p.chromium.clone()] {
            anyhow::ensure!(file.is_file(), "{} does not exist", file.display());
        }
        Ok(p)
    }

    pub fn backend(&self) -> PathBuf {
        self.bin_dir.join("padan")
    }

    pub fn simulator(&self) -> PathBuf {
        self.bin_dir.join("padan-sim-dukcapil")
    }

    /// The virtual KTP-el card and SAM (`sim/ktp-card`).
    pub fn ktp_card(&self) -> PathBuf {
        self.bin_dir.join("padan-ktp-card")
    }

    pub fn reader_agent(&self) -> PathBuf {
        self.bin_dir.join("padan-reader-agent")
    }
}

/// The backend's `TMPDIR`, under the stack's directory.
pub const TMP_BACKEND: &str = "tmp-backend";
/// chromedriver's and so Chromium's `TMPDIR`, under the stack's directory.
pub const TMP_BROWSER: &str = "tmp-browser";

/// What [`Stack::start_with_options`] starts.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The simulator's population seed and size.
    pub seed: u64,
    pub persons: usize,
    /// Canary families the simulator adds (`--canaries`, see `sim/dukcapil/src/canary.rs`).
    pub canaries: usize,
    /// A PostgreSQL database for the backend instead of the SQLite file
    /// [`Stack::database`].
    pub database_url: Option<String>,
    /// Extra backend configuration as `PADAN_*` environment variables.
    pub backend_env: Vec<(String, String)>,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self { seed: SEED, persons: PERSONS, canaries: 0, database_url: None, backend_env: Vec::new() }
    }
}

impl StackOptions {
    /// A stack for reading the virtual KTP-el card: the [`CARD_SEED`]
    /// population (so the card's NIK is a registered person), and a backend
    /// that sends the SPA to a reader-agent on `agent_port` and trusts the
    /// SAM CA and activation authority of `keys` (the demo's values, given
    /// explicitly).
    pub fn for_card(keys: &CardKeys, agent_port: u16) -> anyhow::Result<Self> {
        let backend_env = [
            ("PADAN_CARD__AGENT_URL", format!("ws://127.0.0.1:{agent_port}/")),
            ("PADAN_CARD__SAM_CA_PUBLIC_KEY", keys.get("sam_ca_public_key")?.to_owned()),
            ("PADAN_CARD__ACTIVATION_PUBLIC_KEY", keys.get("activation_public_key")?.to_owned()),
        ];
        Ok(Self {
            seed: CARD_SEED,
            persons: PERSONS,
            backend_env: backend_env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            ..Self::default()
        })
    }
}

/// Simulator + backend + chromedriver, ready to drive.
#[derive(Debug)]
pub struct Stack {
    // Field order is drop order: processes stop before their directory goes.
    pub chromedriver: Proc,
    pub backend: Proc,
    pub simulator: Proc,
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT` of the backend (and the SPA).
    pub app_url: String,
    pub sim_url: String,
    pub driver_url: String,
    pub prerequisites: Prerequisites,
    dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start(prerequisites: Prerequisites) -> anyhow::Result<Self> {
        Self::start_with_env(prerequisites, &[]).await
    }

    /// Like [`Stack::start`], with extra backend configuration as
    /// `PADAN_*` environment variables (e.g. `PADAN_SERVER__DISPLAY_SECONDS`).
    pub async fn start_with_env(prerequisites: Prerequisites, backend_env: &[(&str, &str)]) -> anyhow::Result<Self> {
        Self::start_with_population(prerequisites, SEED, PERSONS, backend_env).await
    }

    /// Like [`Stack::start_with_env`], with the simulator's population seed
    /// and size (a virtual KTP-el card must be issued from the same).
    pub async fn start_with_population(
        prerequisites: Prerequisites,
        seed: u64,
        persons: usize,
        backend_env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let options = StackOptions {
            seed,
            persons,
            backend_env: backend_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..StackOptions::default()
        };
        Self::start_with_options(prerequisites, &options).await
    }

    /// The general form: population, canaries, database and backend configuration.
    pub async fn start_with_options(prerequisites: Prerequisites, options: &StackOptions) -> anyhow::Result<Self> {
        let (seed, persons, backend_env) = (options.seed, options.persons, &options.backend_env);
        let dir = tempfile::Builder::new().prefix("padan-e2e-").tempdir().context("creating a temp dir")?;
        // Own temp directories, so the no-retention check can search what
        // the backend and the browser put in theirs.
        for tmp in [TMP_BACKEND, TMP_BROWSER] {
            std::fs::create_dir_all(dir.path().join(tmp))?;
        }
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;

        let sim_port = free_port()?;
        let sim_url = format!("http://127.0.0.1:{sim_port}");
        let simulator = Simulator::new(prerequisites.simulator(), loopback(sim_port))
            .config(&dir.path().join("sim.json"), &demo_simulator_config())?
            .seed(seed)
            .persons(persons)
            .canaries(options.canaries)
            .env("RUST_LOG", "info,padan_sim_dukcapil=debug")
            .start(Output::Log(dir.path().join("simulator.log")), Group::Same)?;

        let port = free_port()?;
        let app_url = format!("http://127.0.0.1:{port}");
        let database_url = match &options.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", dir.path().join("padan.db").display()),
        };
        // The backend reads every PADAN_* variable as configuration and
        // rejects unknown ones, and the test runner's (PADAN_E2E_*,
        // PADAN_TEST_*) are not for it: it gets only what is set below.
        let mut backend = Backend::new(prerequisites.backend(), dir.path(), loopback(port))
            .caller_env(CallerEnv::DropAll)
            // The browser tests sign in as admin/auditor with a password only;
            // the second factor is covered by backend/tests/it/security.rs and, in
            // the browser, with [`SECOND_FACTOR_FOR_ADMINS`] (set after this, so it wins).
            .env("PADAN_SECURITY__TOTP_REQUIRED_ROLES", "[]")
            .spa_dir(&prerequisites.dist)
            .database_url(&database_url)
            .env("TMPDIR", dir.path().join(TMP_BACKEND))
            .dukcapil(&sim_url)
            .env("PADAN_LOG__FORMAT", "json")
            // Verbose on purpose: the no-retention check greps these logs.
            .log_filter("info,padan_backend=debug");
        for (key, value) in backend_env {
            backend = backend.env(key, value);
        }
        let backend = backend.start(Output::Log(dir.path().join("backend.log")), Group::Same)?;

        let driver_port = free_port()?;
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        let chromedriver = start_chromedriver(
            &prerequisites.chromedriver,
            driver_port,
            &dir.path().join(TMP_BROWSER),
            &dir.path().join("chromedriver.log"),
        )?;

        Ok(Self { chromedriver, backend, simulator, http, app_url, sim_url, driver_url, prerequisites, dir })
    }

    /// A new headless Chromium with a fresh profile.
    pub async fn browser(&self) -> anyhow::Result<Session> {
        let profile = tempfile::Builder::new().prefix("profile-").tempdir_in(self.dir.path())?.keep();
        Session::new(&self.driver_url, &self.prerequisites.chromium, &profile).await
    }

    /// A new headless Chromium with a fresh profile and extra flags.
    pub async fn browser_with_args(&self, extra_args: &[String]) -> anyhow::Result<Session> {
        let profile = tempfile::Builder::new().prefix("profile-").tempdir_in(self.dir.path())?.keep();
        Session::with_args(&self.driver_url, &self.prerequisites.chromium, &profile, extra_args).await
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The backend's SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("padan.db")
    }

    pub fn backend_log(&self) -> PathBuf {
        self.dir.path().join("backend.log")
    }

    pub fn simulator_log(&self) -> PathBuf {
        self.dir.path().join("simulator.log")
    }

    /// Generated persons from the simulator's fixture endpoint, as its JSON
    /// objects (Dukcapil wire names: `NIK`, `NAMA_LGKP`, `TGL_LHR` dd-mm-yyyy …).
    pub async fn sample_persons(&self, offset: usize, count: usize) -> anyhow::Result<Vec<Value>> {
        let url = format!("{}/_sim/persons/sample?offset={offset}&count={count}", self.sim_url);
        let answer = self.http.get(&url).send().await?.error_for_status()?;
        let persons: Vec<Value> = answer.json().await.context("parsing the persons sample")?;
        Ok(persons)
    }

    /// The simulator's remaining daily quota: it drops by one for every call
    /// that reaches Dukcapil, so it tells whether the backend called out.
    pub async fn sim_quota_remaining(&self) -> anyhow::Result<u64> {
        let health: Value =
            self.http.get(format!("{}/_sim/health", self.sim_url)).send().await?.error_for_status()?.json().await?;
        health["quotaRemaining"]
            .as_u64()
            .or_else(|| health["quota_remaining"].as_u64())
            .with_context(|| format!("no quotaRemaining in /_sim/health: {health}"))
    }

    /// Stops the backend and the simulator now (so their logs and the
    /// database are complete and closed) but keeps the files.
    pub fn stop_servers(&mut self) {
        self.backend.stop();
        self.simulator.stop();
    }

    /// Fails when a server died behind the test's back.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.simulator.check_alive()?;
        self.backend.check_alive()?;
        self.chromedriver.check_alive()
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Byte offsets of every occurrence of `needle` in the file (empty when the
/// file does not exist).
pub fn occurrences(path: &Path, needle: &[u8]) -> anyhow::Result<Vec<usize>> {
    if needle.is_empty() || !path.exists() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect())
}

// ---------------------------------------------------------------------------
// KTP-el reading: pcscd + vpcd, the virtual card, the reader-agent
// ---------------------------------------------------------------------------

/// Whether pcscd and vpcd are installed. When they are not, panics with
/// how to install them, unless `PADAN_PCSC_SKIP=1` (then `false`: skip).
pub fn pcsc_available() -> bool {
    if padan_testkit::card::missing_packages(false).is_empty() {
        return true;
    }
    if std::env::var("PADAN_PCSC_SKIP").is_ok_and(|v| v == "1") {
        eprintln!("PADAN_PCSC_SKIP=1 and pcscd/vpcd are not installed: KTP-el reader test skipped");
        return false;
    }
    panic!(
        "KTP-el reading needs pcscd and vsmartcard's vpcd: `apt-get install pcscd libpcsclite-dev vsmartcard-vpcd` \
         (`cargo xtask test` installs them), or set PADAN_PCSC_SKIP=1 to skip"
    );
}

/// pcscd, the reader-agent on a loopback port and (when inserted) the
/// virtual card + SAM, wired for one backend origin. Field order is drop
/// order: the card and the agent stop before pcscd.
#[derive(Debug)]
pub struct CardReader {
    pub card: Option<Proc>,
    pub agent: Proc,
    pub pcscd: Pcscd,
    /// `ws://127.0.0.1:PORT/`.
    pub agent_url: String,
    ktp_card: PathBuf,
    dir: PathBuf,
    seed: u64,
    persons: usize,
    nik: String,
    inserted: usize,
    canaries: usize,
}

impl CardReader {
    /// Starts pcscd and the agent (no card yet). The agent accepts
    /// `origin` and tickets signed by `ticket_public_key`, for `office`;
    /// cards are issued for `nik` from the population `seed`/`persons`.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        prerequisites: &Prerequisites,
        dir: &Path,
        agent_port: u16,
        origin: &str,
        ticket_public_key: &str,
        office: &str,
        keys: &CardKeys,
        (seed, persons, nik): (u64, usize, &str),
    ) -> anyhow::Result<Self> {
        for bin in [prerequisites.ktp_card(), prerequisites.reader_agent()] {
            anyhow::ensure!(
                bin.is_file(),
                "{} does not exist (build it: cargo build -p padan-sim-ktp-card -p padan-reader-agent)",
                bin.display()
            );
        }
        let pcscd = Pcscd::start(dir, padan_testkit::card::vpcd_port_from_env())?;
        let config = AgentConfig {
            listen_port: agent_port,
            allowed_origins: vec![origin.to_owned()],
            ticket_public_key: ticket_public_key.to_owned(),
            office: office.to_owned(),
            sam_pcid: keys.get("sam_pcid")?.to_owned(),
            sam_config_key: keys.get("sam_config_key")?.to_owned(),
            comment: None,
        };
        let agent = padan_testkit::card::start_reader_agent(
            &prerequisites.reader_agent(),
            &dir.join("agent.toml"),
            &config,
            Output::Log(dir.join("agent.log")),
            Group::Same,
        )?;
        Ok(Self {
            card: None,
            agent,
            pcscd,
            agent_url: format!("ws://127.0.0.1:{agent_port}/"),
            ktp_card: prerequisites.ktp_card(),
            dir: dir.to_owned(),
            seed,
            persons,
            nik: nik.to_owned(),
            inserted: 0,
            canaries: 0,
        })
    }

    /// [`CardReader::start`] for the backend of a stack started with
    /// [`StackOptions::for_card`]: the agent accepts the backend's origin
    /// and its demo ticket key, for the demo reader's office; cards are
    /// issued for `nik` from the [`CARD_SEED`] population.
    pub async fn start_for(stack: &Stack, agent_port: u16, keys: &CardKeys, nik: &str) -> anyhow::Result<Self> {
        let population = (CARD_SEED, PERSONS, nik);
        let (origin, dir) = (&stack.app_url, stack.dir());
        Self::start(
            &stack.prerequisites,
            dir,
            agent_port,
            origin,
            DEMO_TICKET_PUBLIC_KEY,
            DEMO_READER_OFFICE,
            keys,
            population,
        )
        .await
    }

    /// Issues the next cards from the population with `families` canary
    /// families added (as the simulator's `--canaries`), so `nik` may be a canary.
    pub fn with_canaries(mut self, families: usize) -> Self {
        self.canaries = families;
        self
    }

    /// Takes the current card (and SAM) out, then inserts a fresh card and
    /// SAM in `scenario` (`genuine`, `clone`, `removed-after-N`, …); with
    /// `reinsert_after_ms`, a card that left the reader comes back genuine.
    pub fn insert(&mut self, scenario: &str, reinsert_after_ms: Option<u64>) -> anyhow::Result<()> {
        self.remove();
        self.inserted += 1;
        let card = VirtualCard {
            binary: self.ktp_card.clone(),
            seed: self.seed,
            persons: self.persons,
            nik: self.nik.clone(),
            scenario: scenario.to_owned(),
            canaries: self.canaries,
            vpcd_port: self.pcscd.vpcd_port,
            reinsert_after_ms,
        };
        let log = self.dir.join(format!("card-{}-{scenario}.log", self.inserted));
        self.card = Some(card.start(Output::Log(log), Group::Same)?);
        Ok(())
    }

    /// Takes the card and the SAM out of the readers (stops the virtual card).
    pub fn remove(&mut self) {
        if let Some(mut card) = self.card.take() {
            card.stop();
        }
    }

    /// How many times the current card process put its card into the reader.
    pub fn card_insertions(&self) -> usize {
        self.card.as_ref().map_or(0, |c| c.log().matches("card: inserted into vpcd").count())
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.pcscd.check_alive()?;
        self.agent.check_alive()?;
        if let Some(card) = self.card.as_mut() {
            card.check_alive()?;
        }
        Ok(())
    }

    /// The agent's, pcscd's and the cards' logs, for evidence.
    pub fn log_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                            n == "agent.log" || n == "pcscd.log" || (n.starts_with("card-") && n.ends_with(".log"))
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::totp_code;

    /// RFC 6238, appendix B (SHA-1 seed "12345678901234567890", 8 digits
    /// there; the last 6 here).
    #[test]
    fn totp_matches_the_rfc_vectors() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(totp_code(secret, 59).unwrap(), "287082");
        assert_eq!(totp_code(secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(totp_code(secret, 1_234_567_890).unwrap(), "005924");
        assert_eq!(totp_code(secret, 20_000_000_000).unwrap(), "353130");
    }

    /// Authenticator apps show secrets in lower case or padded; both read
    /// the same. What is not base32 is an error, not a wrong code.
    #[test]
    fn totp_reads_any_case_and_padding_and_refuses_non_base32() {
        let upper = totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59).unwrap();
        assert_eq!(totp_code("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59).unwrap(), upper);
        assert_eq!(totp_code("GEZDGNBVGY3TQOJQ", 59).unwrap(), totp_code("GEZDGNBVGY3TQOJQ====", 59).unwrap());
        assert!(totp_code("GEZDGNBV1Y3TQOJQ", 59).is_err(), "1 is not in the base32 alphabet");
    }
}
