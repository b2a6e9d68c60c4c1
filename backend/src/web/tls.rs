//! HTTPS served by Padan itself (rustls with the `ring` provider), for
//! installations without a TLS-terminating reverse proxy in front.
//! See docs/security-operations.md for which to choose.
//!
//! Handshakes run in their own tasks (with a timeout) so one slow client
//! never holds up the others; finished connections are handed to axum
//! through [`TlsListener`]. The certificate and key are read at start-up:
//! rotating them means a restart (rolling, with several instances).

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_rustls::{TlsAcceptor, rustls, server::TlsStream};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A rustls server configuration from PEM text (certificate chain, key).
pub fn server_config(cert_pem: &str, key_pem: &str) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("server.tls_cert: not a PEM certificate chain ({e})"))?;
    if certs.is_empty() {
        anyhow::bail!("server.tls_cert: no certificate found");
    }
    // The error names the problem, never the key material.
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|_| anyhow::anyhow!("server.tls_key: not a PEM private key (PKCS#8, PKCS#1 or SEC1)"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| anyhow::anyhow!("server.tls_cert/tls_key do not match or are unusable: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepted, handshaken TLS connections, for `axum::serve`.
#[derive(Debug)]
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `listener`; the accept loop ends when the
    /// `TlsListener` is dropped.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(c) => {
                        no_delay(&c.0);
                        c
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    break;
                }
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop only ends with us; never resolve otherwise.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Serves `app` on `listener`, over TLS when `tls` is given; the client
/// address reaches handlers as `ConnectInfo<SocketAddr>` either way.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    use axum::serve::ListenerExt;
    let make = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => {
            let listener = TlsListener::new(listener, config)?.tap_io(|_| {});
            axum::serve(listener, make).with_graceful_shutdown(shutdown).await
        }
        None => {
            let listener = listener.tap_io(|tcp: &mut TcpStream| no_delay(tcp));
            axum::serve(listener, make).with_graceful_shutdown(shutdown).await
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
