//! A throw-away PostgreSQL cluster: initdb into a fresh temporary
//! directory, a postmaster on a free loopback port with fsync off, and on
//! drop a fast shutdown followed by deleting the directory.
//!
//! initdb and postgres refuse to run as root, so as root the directory is
//! handed to the `postgres` system user (created by Debian's package) and
//! both run through `runuser -u postgres --`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::process::{Group, Output, Process, Signal, describe, exit_text, signal};

/// The newest `/usr/lib/postgresql/<major>/bin` that has `initdb`.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

#[derive(Debug)]
pub struct TempCluster {
    dir: PathBuf,
    port: u16,
    postmaster: Option<Process>,
}

fn chown_to_postgres(path: &Path) -> anyhow::Result<()> {
    let mut cmd = Command::new("chown");
    cmd.arg("postgres:postgres").arg(path);
    let status = cmd.status().with_context(|| format!("could not start `{}`", describe(&cmd)))?;
    anyhow::ensure!(status.success(), "`{}` failed ({})", describe(&cmd), exit_text(status));
    Ok(())
}

impl TempCluster {
    pub fn start() -> anyhow::Result<Self> {
        let bin = postgres_bin_dir().context("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")?;
        let as_root = rustix::process::getuid().is_root();
        let dir = std::env::temp_dir().join(format!("padan-pg-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing stale {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // From here on Drop cleans up, whatever fails next.
        let mut cluster = Self { dir: dir.clone(), port: crate::net::free_port()?, postmaster: None };
        if as_root {
            chown_to_postgres(&dir).context("handing the cluster directory to the postgres user")?;
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

        let server_log = dir.join("postgres.log");
        std::fs::File::create(&server_log).context("creating postgres.log")?;
        if as_root {
            chown_to_postgres(&server_log)?;
        }
        let port = cluster.port.to_string();
        cluster.postmaster = Some(
            Process::spawn(
                "PostgreSQL",
                as_owner(&bin.join("postgres"))
                    .arg("-D")
                    .arg(&data)
                    .arg("-k")
                    .arg(&dir)
                    .args(["-p", &port, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
                    .args(["-c", "full_page_writes=off", "-c", "synchronous_commit=off", "-c", "max_connections=200"]),
                Output::Log(server_log),
                Group::Own,
            )?
            .with_grace(Duration::from_secs(5)),
        );
        cluster.wait_ready(&bin)?;
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn wait_ready(&mut self, bin: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = self.port.to_string();
        loop {
            if let Some(status) = self.postmaster.as_mut().and_then(Process::exited) {
                let log = std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
                bail!("PostgreSQL exited during start-up ({}):\n{log}", exit_text(status));
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
    fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if let Some(pid) = self.postmaster_pid() {
            // SIGINT is PostgreSQL's "fast shutdown": it does not wait for
            // clients to disconnect, unlike SIGTERM's "smart" one.
            signal(pid, Signal::INT);
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && self.dir.join("data/postmaster.pid").exists() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if let Some(mut postmaster) = self.postmaster.take() {
            postmaster.stop();
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("could not remove {}: {e}", self.dir.display());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, SocketAddr, TcpStream};

    #[test]
    fn temp_cluster_starts_accepts_connections_and_cleans_up() {
        if postgres_bin_dir().is_none() {
            eprintln!("PostgreSQL not installed; `cargo xtask test` installs it");
            return;
        }
        let cluster = TempCluster::start().unwrap();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, cluster.port()));
        assert!(TcpStream::connect(addr).is_ok());
        assert!(cluster.url().starts_with("postgres://postgres@127.0.0.1:"));
        let dir = cluster.dir().to_owned();
        drop(cluster);
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(TcpStream::connect(addr).is_err(), "PostgreSQL still listening");
    }
}
