//! A small, dependency-free HTTP/1.1 load generator for `cargo xtask bench`.
//!
//! Keep-alive connections over plain `TcpStream`s, one per worker thread, so
//! the generator itself costs little CPU on a 2-core machine. Two modes:
//! closed loop (N workers as fast as the server answers: throughput) and
//! open loop (a fixed arrival rate; latency measured from each request's
//! *scheduled* time, so a slow server cannot hide its queueing).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// One request, ready to be written to the wire (minus `Host`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(path: &str) -> Self {
        Self { method: "GET", path: path.into(), headers: Vec::new(), body: Vec::new() }
    }

    pub fn post_json(path: &str, body: &serde_json::Value) -> Self {
        Self {
            method: "POST",
            path: path.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn encode(&self, addr: SocketAddr) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n",
            self.method,
            self.path,
            self.body.len()
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A keep-alive connection.
pub struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self { addr, reader: BufReader::new(stream) })
    }

    pub fn send(&mut self, request: &Request) -> anyhow::Result<Response> {
        self.reader.get_mut().write_all(&request.encode(self.addr))?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("bad status line")?;
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
                if k == "content-length" {
                    length = v.parse()?;
                }
                if k == "transfer-encoding" {
                    bail!("chunked responses are not supported by the load generator");
                }
                headers.push((k, v));
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Response { status, headers, body })
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The longest a 1 ms sleep of the load generator overran during the
    /// run (open loop only): a pause of the whole machine (the hypervisor,
    /// the disk) shows here, whatever the server does.
    pub stall_ms: f64,
}

impl Report {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// Latencies of calls made one after another: percentiles add up
    /// (an upper bound for p99, exact enough for "what the upstream costs").
    pub fn sum(parts: &[&Report]) -> Self {
        Self {
            requests: parts.iter().map(|r| r.requests).min().unwrap_or(0),
            errors: parts.iter().map(|r| r.errors).sum(),
            seconds: parts.iter().map(|r| r.seconds).fold(0.0, f64::max),
            p50_ms: parts.iter().map(|r| r.p50_ms).sum(),
            p99_ms: parts.iter().map(|r| r.p99_ms).sum(),
            max_ms: parts.iter().map(|r| r.max_ms).sum(),
            stall_ms: parts.iter().map(|r| r.stall_ms).fold(0.0, f64::max),
        }
    }

    fn from(mut latencies: Vec<Duration>, errors: usize, seconds: f64) -> Self {
        latencies.sort_unstable();
        let pick = |q: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[i].as_secs_f64() * 1000.0
        };
        Self {
            requests: latencies.len(),
            errors,
            seconds,
            p50_ms: pick(0.50),
            p99_ms: pick(0.99),
            max_ms: latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            stall_ms: 0.0,
        }
    }
}

/// `workers` connections send back-to-back for `duration`.
/// `make(i)` builds the i-th request (round-robin over fixtures).
pub fn closed_loop(
    addr: SocketAddr,
    workers: usize,
    duration: Duration,
    make: Arc<dyn Fn(usize) -> Request + Send + Sync>,
) -> anyhow::Result<Report> {
    closed_loop_inner(addr, workers, duration, make, false)
}

/// Like [`closed_loop`], but every answer counts as a completed request
/// (for measuring how fast errors come back).
pub fn closed_loop_any_status(
    addr: SocketAddr,
    workers: usize,
    duration: Duration,
    make: Arc<dyn Fn(usize) -> Request + Send + Sync>,
) -> anyhow::Result<Report> {
    closed_loop_inner(addr, workers, duration, make, true)
}

fn closed_loop_inner(
    addr: SocketAddr,
    workers: usize,
    duration: Duration,
    make: Arc<dyn Fn(usize) -> Request + Send + Sync>,
    any_status: bool,
) -> anyhow::Result<Report> {
    let counter = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let all = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let deadline = started + duration;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (counter, errors, all, make) = (counter.clone(), errors.clone(), all.clone(), make.clone());
            s.spawn(move || {
                let mut conn = match Conn::open(addr) {
                    Ok(c) => c,
                    Err(_) => return,
                };
                let mut mine = Vec::with_capacity(16_384);
                while Instant::now() < deadline {
                    let request = make(counter.fetch_add(1, Ordering::Relaxed));
                    let t = Instant::now();
                    match conn.send(&request) {
                        Ok(r) if r.status < 400 || any_status => mine.push(t.elapsed()),
                        Ok(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            if let Ok(c) = Conn::open(addr) {
                                conn = c;
                            }
                        }
                    }
                }
                if let Ok(mut all) = all.lock() {
                    all.extend(mine);
                }
            });
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    let latencies = std::mem::take(&mut *all.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(Report::from(latencies, errors.load(Ordering::Relaxed), seconds))
}

/// A fixed arrival rate for `duration`. Each request has a scheduled start;
/// its latency counts from then, including any wait for a free connection.
pub fn open_loop(
    addr: SocketAddr,
    rate_per_sec: u32,
    duration: Duration,
    connections: usize,
    make: Arc<dyn Fn(usize) -> Request + Send + Sync>,
) -> anyhow::Result<Report> {
    let total = (f64::from(rate_per_sec) * duration.as_secs_f64()) as usize;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate_per_sec));
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let all = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now() + Duration::from_millis(50);
    let stall = Arc::new(Mutex::new(Duration::ZERO));
    std::thread::scope(|s| {
        let (watching, stall) = (stop.clone(), stall.clone());
        s.spawn(move || {
            let mut worst = Duration::ZERO;
            while !watching.load(Ordering::Relaxed) {
                let t = Instant::now();
                std::thread::sleep(Duration::from_millis(1));
                worst = worst.max(t.elapsed().saturating_sub(Duration::from_millis(1)));
            }
            if let Ok(mut s) = stall.lock() {
                *s = worst;
            }
        });
        stopper(s, &stop, &next, total);
        for _ in 0..connections {
            let (next, errors, stop, all, make) =
                (next.clone(), errors.clone(), stop.clone(), all.clone(), make.clone());
            s.spawn(move || {
                let Ok(mut conn) = Conn::open(addr) else { return };
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let scheduled = start + interval * i as u32;
                    let now = Instant::now();
                    if scheduled > now {
                        std::thread::sleep(scheduled - now);
                    }
                    match conn.send(&make(i)) {
                        Ok(r) if r.status < 400 => mine.push(scheduled.elapsed()),
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                if let Ok(mut all) = all.lock() {
                    all.extend(mine);
                }
            });
        }
    });
    let seconds = duration.as_secs_f64();
    let latencies = std::mem::take(&mut *all.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    let mut report = Report::from(latencies, errors.load(Ordering::Relaxed), seconds);
    report.stall_ms = stall.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.as_secs_f64() * 1000.0;
    Ok(report)
}

/// Ends the stall watcher of [`open_loop`] once every request was taken.
fn stopper<'s>(s: &'s std::thread::Scope<'s, '_>, stop: &Arc<AtomicBool>, next: &Arc<AtomicUsize>, total: usize) {
    let (stop, next) = (stop.clone(), next.clone());
    s.spawn(move || {
        while next.load(Ordering::Relaxed) < total && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, Ordering::Relaxed);
    });
}
