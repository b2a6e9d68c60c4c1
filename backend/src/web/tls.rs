//! HTTPS served by Padan itself (rustls with the `ring` provider), for
//! installations without a TLS-terminating reverse proxy in front.
//! See docs/security-operations.md for which to choose.
//!
//! Handshakes run in each connection's own task, within
//! `server.header_read_timeout_secs`, so one slow client never holds up
//! the others ([`super::server`]). The certificate and key are read at
//! start-up: rotating them means a restart (rolling, with several
//! instances).

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio_rustls::rustls;

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
