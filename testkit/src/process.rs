//! A child process that is stopped by PID when its guard goes: SIGTERM,
//! a grace period, then SIGKILL (through `rustix`, not kill(1)).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
pub use rustix::process::Signal;
use rustix::process::{Pid, kill_process, kill_process_group};

/// How many lines of a process's log an error quotes.
pub const LOG_TAIL_LINES: usize = 30;

/// Where a child's stdout and stderr go.
#[derive(Debug, Clone)]
pub enum Output {
    /// Both into this file (created, or truncated).
    Log(PathBuf),
    /// Discarded.
    Null,
    /// The caller's terminal.
    Inherit,
}

/// Whether a child gets a process group of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The caller's group: a terminal's Ctrl-C reaches it too.
    Same,
    /// Its own group, signalled as a whole: what it spawns (chromedriver →
    /// Chromium, runuser → postgres) stops with it, and a terminal's Ctrl-C
    /// reaches only the caller, which then stops it in order.
    Own,
}

/// Sends `signal` to `pid`; a process that is already gone is not an error.
pub fn signal(pid: u32, signal: Signal) {
    if let Some(pid) = to_pid(pid) {
        let _ = kill_process(pid, signal);
    }
}

/// Sends `signal` to the process group `pgid`; a group that is gone is not an error.
pub fn signal_group(pgid: u32, signal: Signal) {
    if let Some(pid) = to_pid(pgid) {
        let _ = kill_process_group(pid, signal);
    }
}

fn to_pid(pid: u32) -> Option<Pid> {
    Pid::from_raw(i32::try_from(pid).ok()?)
}

/// `exit code N` or `killed by a signal`.
pub fn exit_text(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_owned(),
    }
}

/// The last `lines` lines of a file (empty when it cannot be read).
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A running child, stopped on drop (SIGTERM, up to its grace period, then
/// SIGKILL; to the whole group for [`Group::Own`]).
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Option<Child>,
    pid: u32,
    group: Group,
    log: Option<PathBuf>,
    grace: Duration,
}

impl Process {
    /// Starts `cmd` (stdin from /dev/null) as `name` (used in messages:
    /// "the backend", "pcscd").
    pub fn spawn(name: &str, cmd: &mut Command, output: Output, group: Group) -> anyhow::Result<Self> {
        use std::os::unix::process::CommandExt;
        cmd.stdin(Stdio::null());
        let log = match output {
            Output::Log(path) => {
                let out = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
                cmd.stdout(out.try_clone()?).stderr(out);
                Some(path)
            }
            Output::Null => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                None
            }
            Output::Inherit => None,
        };
        if group == Group::Own {
            cmd.process_group(0);
        }
        let child = cmd.spawn().with_context(|| format!("could not start {name}: `{}`", describe(cmd)))?;
        let pid = child.id();
        Ok(Self { name: name.to_owned(), child: Some(child), pid, group, log, grace: Duration::from_secs(5) })
    }

    /// How long [`Process::stop`] and drop wait after SIGTERM (default 5 s).
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The file its output goes to, with [`Output::Log`].
    pub fn log_path(&self) -> Option<&Path> {
        self.log.as_deref()
    }

    /// Its captured output so far (empty without a log file).
    pub fn log(&self) -> String {
        self.log.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default()
    }

    /// `Some(status)` once it has exited (or was stopped).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Fails when it has exited, quoting the end of its log.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        let Some(child) = self.child.as_mut() else { bail!("{} was stopped", self.name) };
        match child.try_wait()? {
            None => Ok(()),
            Some(status) => match &self.log {
                Some(log) => {
                    bail!("{} exited ({status}); the end of its output:\n{}", self.name, tail(log, LOG_TAIL_LINES))
                }
                None => bail!("{} exited ({})", self.name, exit_text(status)),
            },
        }
    }

    /// Sends `sig` to it (to its group with [`Group::Own`]), unless it is gone.
    pub fn signal(&mut self, sig: Signal) {
        if self.exited().is_some() || self.child.is_none() {
            return;
        }
        match self.group {
            Group::Own => signal_group(self.pid, sig),
            Group::Same => signal(self.pid, sig),
        }
    }

    /// SIGKILL now, no grace, and reap it (a crash, as a test means one).
    pub fn kill(&mut self) {
        self.signal(Signal::KILL);
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// Stops it with the grace period of [`Process::with_grace`].
    pub fn stop(&mut self) {
        self.stop_within(self.grace);
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL; for [`Group::Own`] the
    /// whole group, and the SIGKILL also reaps strays left in the group.
    pub fn stop_within(&mut self, grace: Duration) {
        let Some(mut child) = self.child.take() else { return };
        if child.try_wait().ok().flatten().is_none() {
            let send = |sig| match self.group {
                Group::Own => signal_group(self.pid, sig),
                Group::Same => signal(self.pid, sig),
            };
            send(Signal::TERM);
            let deadline = Instant::now() + grace;
            let mut exited = false;
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    exited = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if !exited {
                eprintln!("{} did not stop within {grace:?}; killing it", self.name);
            }
            if !exited || self.group == Group::Own {
                send(Signal::KILL);
            }
        }
        let _ = child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The command line of `cmd`, for messages.
pub fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Polls `ready` every 100 ms until it holds; fails when `process` exits
/// first (quoting its log) or `timeout` passes ("{name} did not {what}
/// within …", with the end of its log).
pub fn wait_until(
    process: &mut Process,
    what: &str,
    timeout: Duration,
    mut ready: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        process.check_alive().with_context(|| format!("while waiting for it to {what}"))?;
        if ready() {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = match process.log_path() {
                Some(path) => format!("; the end of its output:\n{}", tail(path, LOG_TAIL_LINES)),
                None => String::new(),
            };
            bail!("{} did not {what} within {timeout:?}{log}", process.name());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    /// `sh -c script` as `name`, its output in `log`.
    pub(crate) fn sh(name: &str, script: &str, log: PathBuf) -> Process {
        Process::spawn(name, Command::new("sh").args(["-c", script]), Output::Log(log), Group::Same).unwrap()
    }

    /// Whether `pid` is still a process (a zombie counts as gone).
    fn running(pid: u32) -> bool {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        !status.is_empty() && !status.contains("State:\tZ")
    }

    #[test]
    fn stop_ends_the_process_by_pid() {
        let mut sleep = Process::spawn("sleep", Command::new("sleep").arg("60"), Output::Null, Group::Same).unwrap();
        let pid = sleep.pid();
        assert!(running(pid));
        sleep.check_alive().unwrap();
        let started = Instant::now();
        sleep.stop();
        assert!(started.elapsed() < Duration::from_secs(4), "SIGTERM should end sleep at once");
        assert!(!running(pid), "sleep {pid} still runs");
        assert!(sleep.check_alive().is_err());
    }

    #[test]
    fn drop_stops_the_process() {
        let sleep = Process::spawn("sleep", Command::new("sleep").arg("60"), Output::Null, Group::Same).unwrap();
        let pid = sleep.pid();
        drop(sleep);
        assert!(!running(pid), "sleep {pid} survived its guard");
    }

    #[test]
    fn a_process_that_ignores_sigterm_is_killed_after_the_grace() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stubborn.log");
        let script = "trap '' TERM; echo ready; while true; do sleep 0.1; done";
        let mut stubborn =
            Process::spawn("stubborn", Command::new("sh").args(["-c", script]), Output::Log(log), Group::Own)
                .unwrap()
                .with_grace(Duration::from_millis(500));
        let pid = stubborn.pid();
        wait_until(&mut stubborn, "say ready", Duration::from_secs(10), || {
            std::fs::read_to_string(dir.path().join("stubborn.log")).is_ok_and(|l| l.contains("ready"))
        })
        .unwrap();
        let started = Instant::now();
        stubborn.stop();
        assert!(started.elapsed() >= Duration::from_millis(500), "it ignored SIGTERM, so the grace ran out");
        assert!(!running(pid), "sh {pid} survived SIGKILL");
    }

    #[test]
    fn check_alive_quotes_the_end_of_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("dying.log");
        let mut dying = sh("the dying one", "echo first words; echo last words >&2; exit 3", log);
        let deadline = Instant::now() + Duration::from_secs(10);
        while dying.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let err = format!("{:#}", dying.check_alive().unwrap_err());
        assert!(err.contains("the dying one exited"), "{err}");
        assert!(err.contains("first words") && err.contains("last words"), "{err}");
        assert!(dying.log().contains("last words"));
    }

    #[test]
    fn a_readiness_wait_that_times_out_quotes_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut quiet = sh("the slow one", "echo still loading; sleep 60", dir.path().join("slow.log"));
        std::thread::sleep(Duration::from_millis(200));
        let err =
            format!("{:#}", wait_until(&mut quiet, "get ready", Duration::from_millis(300), || false).unwrap_err());
        assert!(err.contains("the slow one did not get ready within"), "{err}");
        assert!(err.contains("still loading"), "{err}");
    }

    #[test]
    fn kill_is_immediate() {
        let mut sleep = Process::spawn("sleep", Command::new("sleep").arg("60"), Output::Null, Group::Own).unwrap();
        let pid = sleep.pid();
        sleep.kill();
        assert!(!running(pid));
        sleep.stop();
    }
}
