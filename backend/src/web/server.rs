//! The connection loop: Padan drives hyper's HTTP/1.1 server itself, over
//! plain TCP or TLS ([`super::tls`]), so that slow clients are cut off
//! (issue 14, finding 1; docs/security.md):
//!
//! - headers (and the TLS handshake) must arrive within
//!   `server.header_read_timeout_secs`; the same clock closes a kept-alive
//!   connection that waits that long for its next request;
//! - a body must arrive whole within `server.body_read_timeout_secs` of its
//!   headers ([`limit_request_bodies`], a layer of the router): late, the
//!   request is answered 408 and the connection closed;
//! - a declared `Content-Length` above the route's limit is answered 413
//!   before a byte of the body is read;
//! - one client address holds at most `server.max_connections_per_address`
//!   open connections; more are closed as soon as they are accepted.
//!
//! HTTP/1.1 only, as before (TLS offers `http/1.1` by ALPN). Handlers see
//! the TCP peer as `ConnectInfo<SocketAddr>`. On shutdown the listener
//! stops accepting, idle connections close, and requests in flight finish.

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::{Pin, pin},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{mpsc, watch},
    time::{Instant, Sleep},
};
use tokio_rustls::{TlsAcceptor, rustls};
use tower::ServiceExt;

use crate::{AppState, config::ServerConfig, error::AppError};

/// The limits the connection loop enforces, from [`ServerConfig`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Headers, TLS handshake, and idle time between kept-alive requests.
    pub header_read_timeout: Duration,
    /// Open connections per client address; 0: no cap.
    pub max_per_address: u32,
}

impl ConnectionLimits {
    pub fn from_config(server: &ServerConfig) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(server.header_read_timeout_secs),
            max_per_address: server.max_connections_per_address,
        }
    }
}

/// Serves `app` on `listener`, over TLS when `tls` is given, until
/// `shutdown` resolves; then waits for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let acceptor = tls.map(TlsAcceptor::from);
    let per_address = Arc::new(PerAddress { max: limits.max_per_address, open: Mutex::default() });
    // Connections watch `closing`; each holds a clone of `live`, so the
    // receiver ends when the last connection has finished.
    let (closing_tx, closing) = watch::channel(false);
    let (live, mut all_closed) = mpsc::channel::<()>(1);
    let mut shutdown = pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, usually: let some close.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = per_address.claim(peer.ip()) else {
            metrics::counter!("padan_http_connections_refused_total", "reason" => "per_address_cap").increment(1);
            tracing::debug!("connection refused: server.max_connections_per_address reached for its address");
            drop(tcp);
            continue;
        };
        no_delay(&tcp);
        let connection = Connection {
            peer,
            app: app.clone(),
            header_read_timeout: limits.header_read_timeout,
            closing: closing.clone(),
            _slot: slot,
            _live: live.clone(),
        };
        tokio::spawn(connection.run(tcp, acceptor.clone()));
    }
    drop(listener);
    let _ = closing_tx.send(true);
    drop(live);
    let _ = all_closed.recv().await;
    Ok(())
}

/// One accepted connection and what it holds until it ends.
struct Connection {
    peer: SocketAddr,
    app: Router,
    header_read_timeout: Duration,
    closing: watch::Receiver<bool>,
    _slot: Slot,
    _live: mpsc::Sender<()>,
}

impl Connection {
    async fn run(mut self, tcp: TcpStream, acceptor: Option<TlsAcceptor>) {
        metrics::gauge!("padan_http_connections_open").increment(1.0);
        match acceptor {
            None => self.drive(TokioIo::new(tcp)).await,
            Some(acceptor) => {
                let handshake = tokio::time::timeout(self.header_read_timeout, acceptor.accept(tcp));
                let tls = tokio::select! {
                    done = handshake => done,
                    () = closing(&mut self.closing) => Ok(Err(io::ErrorKind::Interrupted.into())),
                };
                match tls {
                    Ok(Ok(tls)) => self.drive(TokioIo::new(tls)).await,
                    Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                    Err(_) => {
                        metrics::counter!("padan_http_timeouts_total", "phase" => "handshake").increment(1);
                        tracing::debug!("TLS handshake timed out");
                    }
                }
            }
        }
        metrics::gauge!("padan_http_connections_open").decrement(1.0);
    }

    async fn drive<I>(&mut self, io: I)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (peer, app) = (self.peer, self.app.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(self.header_read_timeout);
        let mut connection = pin!(builder.serve_connection(io, service));
        let result = tokio::select! {
            result = connection.as_mut() => result,
            // Also when the loop is gone (its sender dropped).
            () = closing(&mut self.closing) => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = result {
            if e.is_timeout() {
                metrics::counter!("padan_http_timeouts_total", "phase" => "header").increment(1);
            }
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }
}

/// Resolves when the server shuts down (or its loop is gone).
async fn closing(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

/// Live connections per client address.
#[derive(Debug)]
struct PerAddress {
    max: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

impl PerAddress {
    /// A slot for one more connection from `ip`, or `None` at the cap.
    fn claim(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        if self.max == 0 {
            return Some(Slot(None));
        }
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot(Some((self.clone(), ip))))
    }
}

/// Gives its connection's place back when dropped.
struct Slot(Option<(Arc<PerAddress>, IpAddr)>);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((owner, ip)) = self.0.take() {
            let mut open = owner.open.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(count) = open.get_mut(&ip) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&ip);
                }
            }
        }
    }
}

/// Answers go out as soon as they are written: without `TCP_NODELAY` a
/// response written in two segments waits, by Nagle's algorithm, for the
/// client's delayed acknowledgement of the first (40 ms or more; measured:
/// rare 40–150 ms pauses outside the handler at 200 requests/s).
fn no_delay(tcp: &TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}

/// Router layer: refuses a declared body above the route's limit before
/// reading it (413), and gives the body `server.body_read_timeout_secs`
/// in total (408 when late). Both answers close the connection.
pub async fn limit_request_bodies(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let config = state.config();
    let limit = crate::routes::body_limit(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str), config);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        metrics::counter!("padan_http_bodies_refused_total", "reason" => "declared_too_large").increment(1);
        return closing_connection(AppError::PayloadTooLarge.into_response());
    }
    let (parts, body) = request.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let timed_out = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(config.server.body_read_timeout_secs);
    let body = Body::new(DeadlineBody { inner: body, deadline, sleep: None, timed_out: timed_out.clone() });
    let response = next.run(Request::from_parts(parts, body)).await;
    if timed_out.load(Ordering::Acquire) {
        // Whatever the handler made of the failed read, the cause is this.
        metrics::counter!("padan_http_timeouts_total", "phase" => "body").increment(1);
        return closing_connection(AppError::RequestTimeout.into_response());
    }
    response
}

fn closing_connection(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request body that fails once its deadline has passed.
struct DeadlineBody {
    inner: Body,
    deadline: Instant,
    /// Armed the first time the body has to wait for the client.
    sleep: Option<Pin<Box<Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

/// The error a late body ends with.
#[derive(Debug, thiserror::Error)]
#[error("request body not received within server.body_read_timeout_secs")]
struct BodyTimedOut;

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.timed_out.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))));
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        let deadline = this.deadline;
        let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.timed_out.store(true, Ordering::Release);
                Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
