//! Just enough HTTP/1.1 to poll health endpoints and read a fixture, over
//! std's TcpStream, so xtask needs no HTTP client or async runtime.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::proc::Daemon;

/// `GET http://{addr}{path}` → (status, body). Reads until the server closes.
pub(crate) fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, String)> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).with_context(|| format!("reading the answer to GET {path}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").context("malformed HTTP answer")?;
    let status =
        head.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok()).context("malformed HTTP status line")?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Ok((status, body))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// Polls `GET path` until it answers 200, the daemon dies, or `timeout` passes.
pub(crate) fn wait_healthy(daemon: &mut Daemon, addr: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = daemon.exited() {
            bail!("{} exited before it became healthy ({})", daemon.name(), crate::proc::exit_text(status));
        }
        if let Ok((200, _)) = get(addr, path) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{} did not answer 200 on http://{addr}{path} within {timeout:?}", daemon.name());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
