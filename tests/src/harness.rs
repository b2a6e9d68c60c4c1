//! The processes an end-to-end test runs against: the Dukcapil simulator,
//! the backend (serving the built SPA) and chromedriver, each on a free
//! loopback port, with logs captured to files in one temporary directory.
//! Every process is stopped on drop (SIGTERM, then SIGKILL): a failing
//! test leaves nothing behind.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::webdriver::Session;

/// Credentials the backend uses in demo mode; the simulator is told to
/// expect exactly these.
const DUKCAPIL_USER: &str = "BKN_DEMO";
const DUKCAPIL_PASSWORD: &str = "demo-dukcapil-password";
/// Small enough to generate in a moment, large enough to sample from.
const PERSONS: usize = 20_000;

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
}

/// A free TCP port on 127.0.0.1 (the listener is closed again at once).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A child process stopped on drop. `group` children run in their own
/// process group so that what they spawn (chromedriver → Chromium) is
/// stopped with them.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    group: bool,
    log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path, group: bool) -> anyhow::Result<Self> {
        use std::os::unix::process::CommandExt;
        let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        cmd.stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out);
        if group {
            cmd.process_group(0);
        }
        let child = cmd.spawn().with_context(|| format!("starting {name} ({:?})", cmd.get_program()))?;
        Ok(Self { name: name.to_owned(), child, group, log: log.to_owned() })
    }

    /// Fails when the process has already exited, quoting the end of its log.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            Some(status) => {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(30)..].join("\n");
                bail!("{} exited ({status}); the end of its output:\n{tail}", self.name)
            }
            None => Ok(()),
        }
    }

    fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let pid = i64::from(self.child.id());
        let target = if self.group { -pid } else { pid };
        kill(target, "TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                if self.group {
                    kill(target, "KILL");
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} ignored SIGTERM for 5 s; killing it", self.name);
        kill(target, "KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// kill(1): the workspace forbids `unsafe`, so no libc::kill.
fn kill(pid: i64, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
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
        let dir = tempfile::Builder::new().prefix("padan-e2e-").tempdir().context("creating a temp dir")?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;

        let sim_port = free_port()?;
        let sim_url = format!("http://127.0.0.1:{sim_port}");
        let sim_config = dir.path().join("sim.json");
        let config = json!({
            "instansi": "BKN",
            "user_id": DUKCAPIL_USER,
            "password": DUKCAPIL_PASSWORD,
            "allowed_ips": ["127.0.0.1"],
        });
        std::fs::write(&sim_config, serde_json::to_vec(&config)?)?;
        let mut simulator = Proc::spawn(
            "the simulator",
            Command::new(prerequisites.simulator())
                .arg("--config")
                .arg(&sim_config)
                .args(["--listen", &format!("127.0.0.1:{sim_port}"), "--seed", "2026"])
                .args(["--persons", &PERSONS.to_string()])
                .env("RUST_LOG", "info,padan_sim_dukcapil=debug"),
            &dir.path().join("simulator.log"),
            false,
        )?;
        wait_http_ok(&http, &mut simulator, &format!("{sim_url}/_sim/health"), Duration::from_secs(60)).await?;

        let port = free_port()?;
        let app_url = format!("http://127.0.0.1:{port}");
        let db = dir.path().join("padan.db");
        let mut backend_cmd = Command::new(prerequisites.backend());
        // The backend reads every PADAN_* variable as configuration and
        // rejects unknown ones, and the test runner's (PADAN_E2E_*,
        // PADAN_TEST_*) are not for it: it gets only what is set below.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PADAN_") {
                backend_cmd.env_remove(key);
            }
        }
        for (key, value) in backend_env {
            backend_cmd.env(key, value);
        }
        let mut backend = Proc::spawn(
            "the backend",
            backend_cmd
                .arg("serve")
                .current_dir(dir.path())
                .env("PADAN_DEMO__ENABLED", "true")
                .env("PADAN_SERVER__LISTEN", format!("127.0.0.1:{port}"))
                .env("PADAN_SERVER__SPA_DIR", &prerequisites.dist)
                .env("PADAN_DATABASE__URL", format!("sqlite://{}", db.display()))
                .env("PADAN_DUKCAPIL__BASE_URL", &sim_url)
                .env("PADAN_LOG__FORMAT", "json")
                // Verbose on purpose: the no-retention check greps these logs.
                .env("PADAN_LOG__FILTER", "info,padan_backend=debug"),
            &dir.path().join("backend.log"),
            false,
        )?;
        wait_http_ok(&http, &mut backend, &format!("{app_url}/healthz"), Duration::from_secs(60)).await?;

        let driver_port = free_port()?;
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        let mut chromedriver = Proc::spawn(
            "chromedriver",
            Command::new(&prerequisites.chromedriver).arg(format!("--port={driver_port}")),
            &dir.path().join("chromedriver.log"),
            true,
        )?;
        wait_http_ok(&http, &mut chromedriver, &format!("{driver_url}/status"), Duration::from_secs(30)).await?;

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

async fn wait_http_ok(http: &reqwest::Client, proc: &mut Proc, url: &str, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        proc.check_alive().with_context(|| format!("while waiting for {url}"))?;
        if let Ok(answer) = http.get(url).timeout(Duration::from_secs(2)).send().await {
            if answer.status().is_success() {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!("{} did not answer {url} within {timeout:?}", proc.name);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
