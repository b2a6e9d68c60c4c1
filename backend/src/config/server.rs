//! `[server]`: the officers' listener, its limits and TLS.

use std::{net::SocketAddr, path::PathBuf};

use super::Secret;

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct ServerConfig {
        /// Address to listen on.
        pub listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)),
        /// Folder with the built SPA (Trunk's `dist`).
        pub spa_dir: PathBuf = PathBuf::from("dist"),
        /// Set when officers reach Padan over HTTPS (directly or through a TLS
        /// terminator): cookies get `Secure` and HSTS is sent.
        pub https: bool = false,
        /// Largest accepted request body, in bytes (face photos need ~300 KB).
        pub max_body_bytes: usize = 512 * 1024,
        /// Seconds of inactivity after which displayed population data is
        /// cleared from the officer's screen.
        pub display_seconds: u32 = 120,
        /// PEM certificate chain: with `tls_key`, Padan serves HTTPS itself
        /// (`https` is then implied). Usually given as `tls_cert_file`.
        pub tls_cert: Option<String> = None,
        /// PEM private key of `tls_cert`. Secret: give it as `tls_key_file`.
        pub tls_key: Option<Secret> = None,
        /// Behind a reverse proxy: the header it sets to the client address
        /// (`x-forwarded-for`, rightmost value is used; `x-real-ip`). Unset: the
        /// TCP peer address. Used for sign-in rate limits and logs.
        pub client_ip_header: Option<String> = None,
        /// The origins (`scheme://host[:port]`) officers reach Padan at, e.g.
        /// `["https://padan.bkn.go.id"]`. Requests for any other `Host` are
        /// refused (421), and a state-changing request's `Origin` must be one of
        /// them. Empty: loopback hosts only (the demo, tests). Required when
        /// `https` is set.
        pub public_origins: Vec<String> = Vec::new(),
        /// Lock the process's memory in RAM (`mlockall`): population data in
        /// answers is never written to swap, and code pages are never evicted
        /// and read back from a disk that is busy syncing (which stalled
        /// requests for up to a second on a shared virtual disk). Needs
        /// `CAP_IPC_LOCK` or `LimitMEMLOCK=infinity`; without them Padan warns
        /// and runs unlocked.
        pub lock_memory: bool = true,
        /// Seconds a client has to send a request's headers (and to finish the
        /// TLS handshake). The clock also runs while a kept-alive connection
        /// waits for its next request, so it is the idle limit too.
        pub header_read_timeout_secs: u64 = 10,
        /// Seconds a client has to send a request's whole body, counted from
        /// its headers (a total, not per chunk: one byte every few seconds does
        /// not keep it open). Late: 408 and the connection is closed. A
        /// registry CSV through the admin page must arrive within it as well.
        pub body_read_timeout_secs: u64 = 60,
        /// Open connections one client address may hold; more are closed at
        /// once. Behind a reverse proxy or load balancer every connection comes
        /// from its address: set 0 (off) there and cap at the proxy.
        pub max_connections_per_address: u32 = 128,
        /// Address of the management listener serving `/metrics` (and `/livez`,
        /// `/healthz`) over plain HTTP, apart from the officers' listener. Unset:
        /// metrics are not served. Bind it to loopback or a management network.
        pub management_listen: Option<SocketAddr> = None,
    }
}

impl ServerConfig {
    /// `tls_cert` with `tls_key` means Padan serves HTTPS itself.
    pub(super) fn imply_https(&mut self) {
        if self.tls_cert.is_some() && self.tls_key.is_some() {
            self.https = true;
        }
    }

    pub(super) fn validate(&self, problems: &mut Vec<String>) {
        match (&self.tls_cert, &self.tls_key) {
            (None, None) => {}
            (Some(cert), Some(key)) => {
                if !cert.contains("-----BEGIN CERTIFICATE-----") {
                    problems.push("server.tls_cert must be a PEM certificate chain (tls_cert_file = path)".to_owned());
                }
                if !key.expose().contains("PRIVATE KEY-----") {
                    problems.push("server.tls_key must be a PEM private key (tls_key_file = path)".to_owned());
                }
            }
            _ => problems.push(
                "server.tls_cert_file and server.tls_key_file must be set together (or neither, behind a TLS \
                 terminator)"
                    .to_owned(),
            ),
        }
        if !(1..=300).contains(&self.header_read_timeout_secs) {
            problems.push("server.header_read_timeout_secs must be between 1 and 300".to_owned());
        }
        if !(1..=3600).contains(&self.body_read_timeout_secs) {
            problems.push("server.body_read_timeout_secs must be between 1 and 3600".to_owned());
        }
        if let Some(management) = self.management_listen {
            if management == self.listen {
                problems.push(format!(
                    "server.management_listen ({management}) must differ from server.listen: metrics are not for \
                     the officers' listener"
                ));
            }
        }
        for origin in &self.public_origins {
            if !is_origin(origin) {
                problems.push(format!(
                    "server.public_origins: {origin:?} is not an origin (scheme://host[:port], no path)"
                ));
            }
        }
        if self.https && self.public_origins.is_empty() {
            problems.push(
                "server.public_origins must list the address officers open Padan at (e.g. \
                 [\"https://padan.bkn.go.id\"]) when HTTPS is on: requests for any other host are refused"
                    .to_owned(),
            );
        }
    }
}

/// `scheme://host[:port]` with nothing after it.
pub(super) fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest.rsplit_once(':').is_none_or(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}
