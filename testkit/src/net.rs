//! Loopback ports and readiness: free ports, LISTEN sockets, and just
//! enough HTTP/1.1 over std's `TcpStream` to poll a health endpoint or read
//! a fixture (no HTTP client, no async runtime).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use anyhow::Context;

use crate::process::{Process, wait_until};

/// A free TCP port on 127.0.0.1 (the listener is closed again at once).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(free_addr()?.port())
}

/// `127.0.0.1:<a free port>`.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// Whether something LISTENs on `port` on 127.0.0.1 or 0.0.0.0 (from
/// /proc/net/tcp: a probe that neither binds nor connects, since a
/// connection to vpcd would be a card insertion).
pub fn listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let needle = format!(":{port:04X}");
    table.lines().skip(1).any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        cols.len() > 3 && cols[1].ends_with(&needle) && cols[3] == "0A"
    })
}

/// Waits until `process` listens on every port of `ports`.
pub fn wait_listening(process: &mut Process, ports: &[u16], timeout: Duration) -> anyhow::Result<()> {
    let shown: Vec<String> = ports.iter().map(u16::to_string).collect();
    let what = format!("listen on {}", shown.join(" and "));
    wait_until(process, &what, timeout, || ports.iter().all(|p| listening(*p)))
}

/// Waits until `GET http://{addr}{path}` answers 2xx.
pub fn wait_http_ok(process: &mut Process, addr: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<()> {
    let what = format!("answer 200 on http://{addr}{path}");
    wait_until(process, &what, timeout, || http_status(addr, path).is_ok_and(|s| (200..300).contains(&s)))
}

fn request(addr: SocketAddr, path: &str) -> anyhow::Result<TcpStream> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n\r\n")?;
    Ok(stream)
}

fn status_of(line: &str) -> anyhow::Result<u16> {
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("malformed HTTP status line")
}

/// The status of `GET http://{addr}{path}` (reads the status line only).
pub fn http_status(addr: SocketAddr, path: &str) -> anyhow::Result<u16> {
    let mut line = String::new();
    BufReader::new(request(addr, path)?).read_line(&mut line)?;
    status_of(&line)
}

/// `GET http://{addr}{path}` → (status, body). Reads until the server closes.
pub fn http_get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, String)> {
    let mut raw = Vec::new();
    request(addr, path)?.read_to_end(&mut raw).with_context(|| format!("reading the answer to GET {path}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").context("malformed HTTP answer")?;
    let status = status_of(head)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::process::{Group, Output};
    use std::process::Command;

    #[test]
    fn free_ports_are_bindable_and_listening_sees_a_listener() {
        let port = free_port().unwrap();
        assert!(!listening(port));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
        assert!(listening(port));
        drop(listener);
        let addr = free_addr().unwrap();
        assert!(addr.ip().is_loopback());
        TcpListener::bind(addr).unwrap();
    }

    /// A one-shot HTTP server on a thread: answers `answer` to the first request.
    fn serve_once(answer: &'static str) -> SocketAddr {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            stream.write_all(answer.as_bytes()).unwrap();
        });
        addr
    }

    #[test]
    fn http_get_reads_plain_and_chunked_bodies() {
        let addr = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
        assert_eq!(http_get(addr, "/").unwrap(), (200, "hello".to_owned()));
        let addr =
            serve_once("HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        assert_eq!(http_get(addr, "/x").unwrap(), (404, "abcde".to_owned()));
        let addr = serve_once("HTTP/1.1 503 Service Unavailable\r\n\r\n");
        assert_eq!(http_status(addr, "/healthz").unwrap(), 503);
    }

    #[test]
    fn wait_http_ok_returns_once_a_server_answers() {
        let addr = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        let mut sleep = Process::spawn("sleep", Command::new("sleep").arg("30"), Output::Null, Group::Same).unwrap();
        wait_http_ok(&mut sleep, addr, "/healthz", Duration::from_secs(10)).unwrap();
    }

    #[test]
    fn wait_http_ok_fails_when_the_process_dies() {
        let dir = tempfile::tempdir().unwrap();
        let addr = free_addr().unwrap();
        let mut dying =
            crate::process::tests::sh("the server", "echo cannot bind >&2; exit 1", dir.path().join("server.log"));
        let err = format!("{:#}", wait_http_ok(&mut dying, addr, "/healthz", Duration::from_secs(10)).unwrap_err());
        assert!(err.contains("the server exited") && err.contains("cannot bind"), "{err}");
    }
}
