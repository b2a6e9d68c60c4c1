//! A throw-away PostgreSQL cluster for the test run: initdb into a fresh
//! temporary directory, a postmaster on a free loopback port with fsync off,
//! and on drop a fast shutdown followed by deleting the directory.
//!
//! initdb and postgres refuse to run as root, so as root the directory is
//! handed to the `postgres` system user (created by Debian's package) and
//! both run through `runuser -u postgres --`.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::proc::{Daemon, probe, run, signal};

#[derive(Debug)]
pub(crate) struct TempCluster {
    dir: PathBuf,
    port: u16,
    daemon: Option<Daemon>,
}

impl TempCluster {
    pub(crate) fn start() -> anyhow::Result<Self> {
        let bin = crate::tools::postgres_bin_dir()
            .context("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")?;
        let as_root = probe(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
        let dir = std::env::temp_dir().join(format!("padan-pg-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing stale {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // From here on Drop cleans up, whatever fails next.
        let mut cluster = Self { dir: dir.clone(), port: free_port()?, daemon: None };
        if as_root {
            run(Command::new("chown").args(["postgres:postgres"]).arg(&dir))
                .context("handing the cluster directory to the postgres user")?;
        }
        let data = dir.join("data");
        let as_owner = |program: &Path| -> Command {
            if as_root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(program);
                c
            } else {
                Command::new(program)
            }
        };

        let init_log = std::fs::File::create(dir.join("initdb.log")).context("creating initdb.log")?;
        let status = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
            .stdin(Stdio::null())
            .stdout(init_log.try_clone()?)
            .stderr(init_log)
            .status()
            .context("running initdb")?;
        if !status.success() {
            let log = std::fs::read_to_string(dir.join("initdb.log")).unwrap_or_default();
            bail!("initdb failed:\n{log}");
        }

        let server_log = std::fs::File::create(dir.join("postgres.log")).context("creating postgres.log")?;
        if as_root {
            run(Command::new("chown").args(["postgres:postgres"]).arg(dir.join("postgres.log")))?;
        }
        let port = cluster.port.to_string();
        cluster.daemon = Some(Daemon::spawn(
            "PostgreSQL",
            as_owner(&bin.join("postgres"))
                .arg("-D")
                .arg(&data)
                .arg("-k")
                .arg(&dir)
                .args(["-p", &port, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
                .args(["-c", "full_page_writes=off", "-c", "synchronous_commit=off", "-c", "max_connections=200"])
                .stdout(server_log.try_clone()?)
                .stderr(server_log),
        )?);
        cluster.wait_ready(&bin)?;
        Ok(cluster)
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn wait_ready(&mut self, bin: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = self.port.to_string();
        loop {
            if let Some(status) = self.daemon.as_mut().and_then(Daemon::exited) {
                let log = std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
                bail!("PostgreSQL exited during start-up ({}):\n{log}", crate::proc::exit_text(status));
            }
            let ready = Command::new(bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &port, "-U", "postgres"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("PostgreSQL did not accept connections on port {port} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The postmaster's own PID: with runuser in between, the child we
    /// spawned is runuser, and the postmaster needs the signal first-hand.
    fn postmaster_pid(&self) -> Option<i64> {
        let text = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if let Some(pid) = self.postmaster_pid() {
            // SIGINT is PostgreSQL's "fast shutdown": it does not wait for
            // clients to disconnect, unlike SIGTERM's "smart" one.
            signal(pid, "INT");
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && self.dir.join("data/postmaster.pid").exists() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if let Some(mut daemon) = self.daemon.take() {
            daemon.stop(Duration::from_secs(5));
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("could not remove {}: {e}", self.dir.display());
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_cluster_starts_accepts_connections_and_cleans_up() {
        if crate::tools::postgres_bin_dir().is_none() {
            eprintln!("PostgreSQL not installed; `cargo xtask test` installs it");
            return;
        }
        let cluster = TempCluster::start().unwrap();
        let addr = std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, cluster.port));
        assert!(std::net::TcpStream::connect(addr).is_ok());
        assert!(cluster.url().starts_with("postgres://postgres@127.0.0.1:"));
        let dir = cluster.dir.clone();
        drop(cluster);
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(std::net::TcpStream::connect(addr).is_err(), "PostgreSQL still listening");
    }
}
