//! Launchers for the Dukcapil simulator, the backend binary and
//! chromedriver: the command line each needs, started as a [`Process`] and
//! waited on until it answers.

use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

use crate::net::wait_http_ok;
use crate::process::{Group, Output, Process};

/// The Dukcapil account the backend uses in demo mode
/// (backend/src/config.rs); the simulator is told to expect exactly it.
pub const DUKCAPIL_USER: &str = "BKN_DEMO";
pub const DUKCAPIL_PASSWORD: &str = "demo-dukcapil-password";
/// The demo accounts' password (backend demo mode).
pub const DEMO_PASSWORD: &str = "padan-demo-2026";

/// The simulator configuration for the demo account: instansi BKN, the
/// demo credentials, loopback callers only.
pub fn demo_simulator_config() -> Value {
    json!({
        "instansi": "BKN",
        "user_id": DUKCAPIL_USER,
        "password": DUKCAPIL_PASSWORD,
        "allowed_ips": ["127.0.0.1"],
    })
}

/// `padan-sim-dukcapil --listen ADDR …`, healthy (`/_sim/health`) when started.
#[derive(Debug, Clone)]
pub struct Simulator {
    binary: PathBuf,
    listen: SocketAddr,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
}

impl Simulator {
    pub fn new(binary: impl Into<PathBuf>, listen: SocketAddr) -> Self {
        Self { binary: binary.into(), listen, args: Vec::new(), env: Vec::new(), timeout: Duration::from_secs(60) }
    }

    /// Writes `config` (JSON) to `path` and passes it as `--config`.
    pub fn config(mut self, path: &Path, config: &Value) -> anyhow::Result<Self> {
        std::fs::write(path, serde_json::to_vec_pretty(config)?)
            .with_context(|| format!("writing {}", path.display()))?;
        self.args.extend(["--config".into(), path.into()]);
        Ok(self)
    }

    pub fn seed(self, seed: u64) -> Self {
        self.arg("--seed", seed)
    }

    pub fn persons(self, persons: usize) -> Self {
        self.arg("--persons", persons)
    }

    /// Canary families (`--canaries`, see `sim/dukcapil/src/canary.rs`).
    pub fn canaries(self, families: usize) -> Self {
        self.arg("--canaries", families)
    }

    fn arg(mut self, flag: &str, value: impl ToString) -> Self {
        self.args.extend([flag.into(), value.to_string().into()]);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// How long it may take to answer its health check (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.args(&self.args).arg("--listen").arg(self.listen.to_string());
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Starts it as "the simulator" and waits for `/_sim/health`.
    pub fn start(&self, output: Output, group: Group) -> anyhow::Result<Process> {
        let ready = (self.listen, "/_sim/health", self.timeout);
        start_ready("the simulator", &mut self.command(), (output, group), ready)
    }
}

/// Which of the caller's `PADAN_*` variables the backend must not see: it
/// reads every one as configuration and rejects unknown keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerEnv {
    /// Drop them all: the backend gets only what the launcher sets.
    DropAll,
    /// Drop the test runner's own (`PADAN_TEST_*`, `PADAN_E2E_*`); keep a
    /// developer's `PADAN_*` tweaks on purpose.
    DropTestOnly,
    /// Pass everything through.
    Keep,
}

/// `padan serve` in demo mode on `listen`, healthy (`/healthz`) when started.
/// Configured by `PADAN_*` environment variables, as operators do.
#[derive(Debug, Clone)]
pub struct Backend {
    binary: PathBuf,
    dir: PathBuf,
    listen: SocketAddr,
    caller_env: CallerEnv,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
}

impl Backend {
    /// The binary, run in `dir` (its working directory), listening on `listen`.
    pub fn new(binary: impl Into<PathBuf>, dir: impl Into<PathBuf>, listen: SocketAddr) -> Self {
        Self {
            binary: binary.into(),
            dir: dir.into(),
            listen,
            caller_env: CallerEnv::Keep,
            env: Vec::new(),
            timeout: Duration::from_secs(60),
        }
        .env("PADAN_DEMO__ENABLED", "true")
        .env("PADAN_SERVER__LISTEN", listen.to_string())
    }

    pub fn caller_env(mut self, caller_env: CallerEnv) -> Self {
        self.caller_env = caller_env;
        self
    }

    /// Sets a `PADAN_*` (or any) variable; a later one for the same key wins.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn database_url(self, url: &str) -> Self {
        self.env("PADAN_DATABASE__URL", url)
    }

    /// `PADAN_DATABASE__URL=sqlite://<path>`.
    pub fn sqlite(self, path: &Path) -> Self {
        self.database_url(&format!("sqlite://{}", path.display()))
    }

    pub fn dukcapil(self, base_url: &str) -> Self {
        self.env("PADAN_DUKCAPIL__BASE_URL", base_url)
    }

    pub fn spa_dir(self, dist: &Path) -> Self {
        self.env("PADAN_SERVER__SPA_DIR", dist)
    }

    /// The management listener (`/metrics`).
    pub fn management(self, addr: SocketAddr) -> Self {
        self.env("PADAN_SERVER__MANAGEMENT_LISTEN", addr.to_string())
    }

    /// `PADAN_LOG__FILTER`.
    pub fn log_filter(self, filter: &str) -> Self {
        self.env("PADAN_LOG__FILTER", filter)
    }

    /// How long it may take to answer `/healthz` (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// `padan serve` with the environment above, without starting it.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        for (key, _) in std::env::vars_os() {
            let text = key.to_string_lossy();
            let drop = match self.caller_env {
                CallerEnv::DropAll => text.starts_with("PADAN_"),
                CallerEnv::DropTestOnly => text.starts_with("PADAN_TEST_") || text.starts_with("PADAN_E2E_"),
                CallerEnv::Keep => false,
            };
            if drop {
                cmd.env_remove(&key);
            }
        }
        cmd.arg("serve").current_dir(&self.dir);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Starts it as "the backend" and waits for `/healthz`.
    pub fn start(&self, output: Output, group: Group) -> anyhow::Result<Process> {
        start_ready("the backend", &mut self.command(), (output, group), (self.listen, "/healthz", self.timeout))
    }
}

/// Spawns `cmd` and waits until `GET path` on `addr` answers 2xx.
fn start_ready(
    name: &str,
    cmd: &mut Command,
    (output, group): (Output, Group),
    (addr, path, timeout): (SocketAddr, &str, Duration),
) -> anyhow::Result<Process> {
    let mut process = Process::spawn(name, cmd, output, group)?;
    wait_http_ok(&mut process, addr, path, timeout)?;
    Ok(process)
}

/// chromedriver on `port` (in its own process group, so the Chromium it
/// starts stops with it), with `TMPDIR=tmpdir`, ready when `/status`
/// answers (30 s).
pub fn start_chromedriver(binary: &Path, port: u16, tmpdir: &Path, log: &Path) -> anyhow::Result<Process> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    start_ready(
        "chromedriver",
        Command::new(binary).arg(format!("--port={port}")).env("TMPDIR", tmpdir),
        (Output::Log(log.to_owned()), Group::Own),
        (addr, "/status", Duration::from_secs(30)),
    )
}
