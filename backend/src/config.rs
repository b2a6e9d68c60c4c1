//! Typed configuration, validated at start-up.
//!
//! Sources, later ones winning: built-in defaults, a TOML file
//! (`padan.toml`, or `--config FILE`), then `PADAN_` environment variables
//! with `__` between sections (`PADAN_DUKCAPIL__BASE_URL`). Every secret can
//! also be given as a file: `password_file = "/run/secrets/x"` in TOML or
//! `PADAN_DUKCAPIL__PASSWORD_FILE`. Unknown keys are errors, so a typo never
//! silently falls back to a default. `padan.example.toml` documents each key
//! (checked against these types by `example_check`).

use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
    value::{Dict, Value},
};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod example_check;
mod secret;

pub use secret::Secret;

/// `Serialize` is for the example-file check (`example_check`): it walks a
/// serialised `Config::default()` for the key set; secrets come out redacted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub dukcapil: DukcapilConfig,
    #[serde(default)]
    pub security: SecurityConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub card: CardConfig,
    #[serde(default)]
    pub demo: DemoConfig,
    #[serde(default)]
    pub audit: crate::audit::settings::AuditConfig,
    #[serde(default)]
    pub balikan: crate::services::balikan_config::BalikanConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder with the built SPA (Trunk's `dist`).
    pub spa_dir: PathBuf,
    /// Set when officers reach Padan over HTTPS (directly or through a TLS
    /// terminator): cookies get `Secure` and HSTS is sent.
    pub https: bool,
    /// Largest accepted request body, in bytes (face photos need ~300 KB).
    pub max_body_bytes: usize,
    /// Seconds of inactivity after which displayed population data is
    /// cleared from the officer's screen.
    pub display_seconds: u32,
    /// PEM certificate chain: with `tls_key`, Padan serves HTTPS itself
    /// (`https` is then implied). Usually given as `tls_cert_file`.
    pub tls_cert: Option<String>,
    /// PEM private key of `tls_cert`. Secret: give it as `tls_key_file`.
    pub tls_key: Option<Secret>,
    /// Behind a reverse proxy: the header it sets to the client address
    /// (`x-forwarded-for`, rightmost value is used; `x-real-ip`). Unset: the
    /// TCP peer address. Used for sign-in rate limits and logs.
    pub client_ip_header: Option<String>,
    /// The origins (`scheme://host[:port]`) officers reach Padan at, e.g.
    /// `["https://padan.bkn.go.id"]`. Requests for any other `Host` are
    /// refused (421), and a state-changing request's `Origin` must be one of
    /// them. Empty: loopback hosts only (the demo, tests). Required when
    /// `https` is set.
    pub public_origins: Vec<String>,
    /// Lock the process's memory in RAM (`mlockall`): population data in
    /// answers is never written to swap, and code pages are never evicted
    /// and read back from a disk that is busy syncing (which stalled
    /// requests for up to a second on a shared virtual disk). Needs
    /// `CAP_IPC_LOCK` or `LimitMEMLOCK=infinity`; without them Padan warns
    /// and runs unlocked.
    pub lock_memory: bool,
    /// Seconds a client has to send a request's headers (and to finish the
    /// TLS handshake). The clock also runs while a kept-alive connection
    /// waits for its next request, so it is the idle limit too.
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's whole body, counted from
    /// its headers (a total, not per chunk: one byte every few seconds does
    /// not keep it open). Late: 408 and the connection is closed. A
    /// registry CSV through the admin page must arrive within it as well.
    pub body_read_timeout_secs: u64,
    /// Open connections one client address may hold; more are closed at
    /// once. Behind a reverse proxy or load balancer every connection comes
    /// from its address: set 0 (off) there and cap at the proxy.
    pub max_connections_per_address: u32,
    /// Address of the management listener serving `/metrics` (and `/livez`,
    /// `/healthz`) over plain HTTP, apart from the officers' listener. Unset:
    /// metrics are not served. Bind it to loopback or a management network.
    pub management_listen: Option<SocketAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            spa_dir: PathBuf::from("dist"),
            https: false,
            max_body_bytes: 512 * 1024,
            display_seconds: 120,
            tls_cert: None,
            tls_key: None,
            client_ip_header: None,
            public_origins: Vec::new(),
            lock_memory: true,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 60,
            max_connections_per_address: 128,
            management_listen: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/padan.db` (created if missing) or `postgres://…`.
    pub url: Secret,
    pub max_connections: u32,
    /// SQLite: how much of the database file (its newest end) and of its
    /// write-ahead log (its start) the checkpointer keeps in the page cache,
    /// held mapped, in MiB; 0 turns it off. See `store::resident`.
    pub keep_cached_mib: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: Secret::new("sqlite://.padan/padan.db"), max_connections: 8, keep_cached_mib: 256 }
    }
}

/// How `TGL_LHR` is written in requests to Dukcapil.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum DateFormat {
    #[serde(rename = "dd-mm-yyyy")]
    DdMmYyyy,
    #[serde(rename = "yyyy-mm-dd")]
    YyyyMmDd,
    #[serde(rename = "dd.mm.yyyy")]
    DdMmYyyyDots,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DukcapilConfig {
    /// Base URL of Dukcapil's web-service gateway on the closed network.
    pub base_url: String,
    /// Institution segment of the URL path.
    pub instansi: String,
    /// User ID issued by Dukcapil (PKS 2024 Pasal 2(1)f).
    pub user_id: Option<Secret>,
    pub password: Option<Secret>,
    /// The caller IP registered with Dukcapil, sent as `IP_USER`.
    pub ip_user: String,
    /// Similarity threshold for fuzzy elements (0–100), sent as `TRESHOLD`.
    pub threshold: u8,
    pub date_format: DateFormat,
    /// PEM bundle of the CA that signed Dukcapil's certificate.
    pub ca_bundle: Option<PathBuf>,
    /// Timeout for verification calls (and the default for the others).
    pub timeout_secs: u64,
    /// Timeout for look-up calls (portal, IKD, SIASN).
    pub lookup_timeout_secs: Option<u64>,
    /// Extra attempts for look-ups after a transport error (never for
    /// verification or face match, which spend quota on every call).
    pub lookup_retries: u32,
    /// Face recognition host; defaults to `base_url`.
    pub fr_base_url: Option<String>,
    /// The credential segment of the face-recognition URL.
    pub fr_credential: String,
    /// Dukcapil's RSA public key (PEM) used to encrypt NIK and credentials
    /// for face recognition. Face match stays closed without it.
    pub fr_public_key: Option<Secret>,
    /// Similarity threshold sent to face recognition (0–100).
    pub fr_threshold: u8,
    pub fr_transaction_source: String,
    pub face_timeout_secs: Option<u64>,
    /// Consecutive availability failures that open the circuit.
    pub breaker_failures: u32,
    /// How long the circuit stays open before one probe is let through.
    pub breaker_cooldown_secs: u64,
    /// Remaining-quota levels at which admins are alerted.
    pub quota_alert_thresholds: Vec<i64>,
}

impl Default for DukcapilConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8001".into(),
            instansi: "BKN".into(),
            user_id: None,
            password: None,
            ip_user: "127.0.0.1".into(),
            threshold: 80,
            date_format: DateFormat::DdMmYyyy,
            ca_bundle: None,
            timeout_secs: 60,
            lookup_timeout_secs: None,
            lookup_retries: 2,
            fr_base_url: None,
            fr_credential: "BKN".into(),
            fr_public_key: None,
            fr_threshold: 75,
            fr_transaction_source: "PADAN-BKN".into(),
            face_timeout_secs: None,
            breaker_failures: 5,
            breaker_cooldown_secs: 30,
            quota_alert_thresholds: vec![5000, 1000, 100],
        }
    }
}

impl DukcapilConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
    pub fn lookup_timeout(&self) -> Duration {
        Duration::from_secs(self.lookup_timeout_secs.unwrap_or(self.timeout_secs))
    }
    pub fn face_timeout(&self) -> Duration {
        Duration::from_secs(self.face_timeout_secs.unwrap_or(self.timeout_secs))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Hex key (≥ 32 bytes) for the keyed hash that pseudonymises NIKs in
    /// the audit trail. Changing it breaks audit search by NIK.
    pub nik_token_key: Option<Secret>,
    pub session_idle_minutes: u64,
    pub session_absolute_hours: u64,
    /// Roles that must sign in with an authenticator app (TOTP) as well.
    pub totp_required_roles: Vec<padan_protocol::v1::Role>,
    /// Window of the sign-in rate limits, in minutes.
    pub sign_in_window_minutes: u64,
    /// Failed sign-ins per account name within the window (known or not)
    /// before each further attempt must wait (1 s, doubling). Accounts are
    /// never locked: the caller is slowed, the owner is not kept out.
    pub sign_in_max_failures_per_account: u32,
    /// The longest wait between attempts on one account name, in seconds.
    pub sign_in_max_delay_seconds: u64,
    /// Failed sign-ins per client address within the window. An office
    /// behind one NAT address shares it: keep it generous.
    pub sign_in_max_failures_per_address: u32,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            nik_token_key: None,
            session_idle_minutes: 15,
            session_absolute_hours: 8,
            totp_required_roles: vec![padan_protocol::v1::Role::Admin, padan_protocol::v1::Role::Auditor],
            sign_in_window_minutes: 15,
            sign_in_max_failures_per_account: 10,
            sign_in_max_delay_seconds: 60,
            sign_in_max_failures_per_address: 50,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// `tracing` filter, e.g. `info,padan_backend=debug`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Json, filter: "info".into() }
    }
}

/// KTP-el reading through the reader-agent (`docs/agent-protocol.md`).
/// Card reading stays closed until the three keys are set (the demo fills
/// them with the demo keys).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardConfig {
    /// Hex Ed25519 seed (32 bytes) signing the agent tickets. Secret; give
    /// it as `ticket_signing_key_file`. Agents are configured with its public half.
    pub ticket_signing_key: Option<Secret>,
    /// Dukcapil's SAM certificate authority: hex SEC1 P-256 public key.
    pub sam_ca_public_key: Option<String>,
    /// Dukcapil's activation authority: hex Ed25519 public key (32 bytes).
    pub activation_public_key: Option<String>,
    /// The SPA origins (`scheme://host[:port]`) agents accept; tickets and
    /// nonces are issued only to pages on these.
    pub allowed_origins: Vec<String>,
    /// Lifetime of a read nonce, in seconds.
    pub nonce_seconds: u64,
    /// Lifetime of an agent ticket, in seconds (at most 300).
    pub ticket_seconds: u64,
    /// Where the SPA finds the agent.
    pub agent_url: String,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self {
            ticket_signing_key: None,
            sam_ca_public_key: None,
            activation_public_key: None,
            allowed_origins: Vec::new(),
            nonce_seconds: 120,
            ticket_seconds: 300,
            agent_url: "ws://127.0.0.1:47443/".into(),
        }
    }
}

/// The parsed keys of [`CardConfig`].
#[derive(Clone)]
pub struct CardKeys {
    pub ticket: ed25519_dalek::SigningKey,
    pub sam_ca: p256::ecdsa::VerifyingKey,
    pub activation: ed25519_dalek::VerifyingKey,
}

impl fmt::Debug for CardKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardKeys")
            .field("ticket_public", &hex::encode(self.ticket.verifying_key().to_bytes()))
            .finish_non_exhaustive()
    }
}

impl CardConfig {
    /// `Ok(None)` when card reading is not configured at all.
    pub fn keys(&self) -> Result<Option<CardKeys>, Vec<String>> {
        let (ticket, ca, act) = (&self.ticket_signing_key, &self.sam_ca_public_key, &self.activation_public_key);
        if ticket.is_none() && ca.is_none() && act.is_none() {
            return Ok(None);
        }
        let mut problems = Vec::new();
        let ticket = match ticket.as_ref().map(|k| hex::decode(k.expose().trim())) {
            Some(Ok(b)) if b.len() == 32 => {
                let mut seed = [0u8; 32];
                seed.copy_from_slice(&b);
                Some(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            _ => {
                problems.push(
                    "card.ticket_signing_key must be 64 hex characters (an Ed25519 seed): set                      PADAN_CARD__TICKET_SIGNING_KEY_FILE"
                        .to_owned(),
                );
                None
            }
        };
        let sam_ca = ca
            .as_ref()
            .and_then(|k| hex::decode(k.trim()).ok())
            .and_then(|b| p256::ecdsa::VerifyingKey::from_sec1_bytes(&b).ok());
        if sam_ca.is_none() {
            problems.push("card.sam_ca_public_key must be a hex SEC1 P-256 public key".to_owned());
        }
        let activation = act
            .as_ref()
            .and_then(|k| hex::decode(k.trim()).ok())
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok());
        if activation.is_none() {
            problems.push("card.activation_public_key must be 64 hex characters (an Ed25519 public key)".to_owned());
        }
        match (ticket, sam_ca, activation) {
            (Some(ticket), Some(sam_ca), Some(activation)) if problems.is_empty() => {
                Ok(Some(CardKeys { ticket, sam_ca, activation }))
            }
            _ => Err(problems),
        }
    }
}

/// `scheme://host[:port]` with nothing after it.
fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest.rsplit_once(':').is_none_or(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    /// Embedded demonstration: seeds demo accounts and a clearly labelled
    /// demonstration agreement, and fills missing secrets with demo values.
    /// Never in production.
    pub enabled: bool,
}

/// `PADAN_<prefix>…` variables used by tests and tools, ignored here.
const TOOLING_ENV_PREFIXES: [&str; 4] = ["test_", "e2e_", "pcsc_", "real_reader"];

/// Demo-only values, used when `demo.enabled` and the secret is not set.
pub const DEMO_DUKCAPIL_USER: &str = "BKN_DEMO";
pub const DEMO_DUKCAPIL_PASSWORD: &str = "demo-dukcapil-password";
const DEMO_NIK_TOKEN_KEY: &str = "64656d6f2d6f6e6c792d6e696b2d746f6b656e2d6b65792d6e6f742d666f722d70726f64";

/// DEMO ONLY — the agent-ticket seed of the embedded demo:
/// SHA-256("padan-demo-key/v1/backend-ticket"). Its public half, for the
/// demo agent's `backend_ticket_public_key`, is [`DEMO_TICKET_PUBLIC_KEY`].
pub const DEMO_TICKET_SIGNING_KEY: &str = "1a7c459a7e136cc05602ad28bbcd47bada0f9024426dc656d84107601bd231f4";
pub const DEMO_TICKET_PUBLIC_KEY: &str = "b7ca315459539aa3148293635d2890ebe7b7131d2ef70b37c6df4af240804177";
/// DEMO ONLY — the emulated Dukcapil SAM CA and activation authority of
/// `sim/ktp-card` for the default population seed 20240628 (public keys, as
/// printed by `padan-ktp-card keys`). Anyone can derive the matching private
/// keys: never trust them in production.
pub const DEMO_SAM_CA_PUBLIC_KEY: &str = "042a36f402328fda59d63f583cbbd608b098e0c986009cf2371d109e87306742487766f60d0ca6419cfa1bc4764e2bdf9534d99c8b7e1dea44e3c08179f3525505";
pub const DEMO_ACTIVATION_PUBLIC_KEY: &str = "4e31efe0747493caf20d1a696c9f91be6f88e54f3a02d587a9748213bec414cf";
/// DEMO ONLY — the reader/SAM `padan-ktp-card` emulates by default,
/// registered at start-up for the demo officers' office.
pub const DEMO_SAM_SERIAL: &str = "5aaf986ef79388b8";
pub const DEMO_READER_SERIAL: &str = "PADAN-VR-0001";
pub const DEMO_READER_OFFICE: &str = "KANREG-V";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Load(String),
    #[error("configuration is invalid:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

impl Config {
    /// Loads from the optional file and the process environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Load(format!("config file {} does not exist", path.display())));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("padan.toml")),
        }
        // PADAN_TEST_*, PADAN_E2E_* … belong to the test tooling, not to the
        // backend; every other PADAN_ variable must be a known key.
        figment = figment.merge(
            Env::prefixed("PADAN_")
                .filter(|key| !TOOLING_ENV_PREFIXES.iter().any(|p| key.as_str().to_ascii_lowercase().starts_with(p)))
                .split("__"),
        );
        Self::from_figment(figment)
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let dict: Dict = figment.extract().map_err(|e| ConfigError::Load(e.to_string()))?;
        let dict = resolve_secret_files(dict)?;
        let config: Config =
            Figment::from(Serialized::globals(dict)).extract().map_err(|e| ConfigError::Load(e.to_string()))?;
        config.validated()
    }

    fn validated(mut self) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        if self.demo.enabled {
            self.dukcapil.user_id.get_or_insert_with(|| Secret::new(DEMO_DUKCAPIL_USER));
            self.dukcapil.password.get_or_insert_with(|| Secret::new(DEMO_DUKCAPIL_PASSWORD));
            self.security.nik_token_key.get_or_insert_with(|| Secret::new(DEMO_NIK_TOKEN_KEY));
            self.audit.apply_demo_defaults();
            self.balikan.apply_demo_defaults(&self.dukcapil.base_url);
            let card = &mut self.card;
            card.ticket_signing_key.get_or_insert_with(|| Secret::new(DEMO_TICKET_SIGNING_KEY));
            card.sam_ca_public_key.get_or_insert_with(|| DEMO_SAM_CA_PUBLIC_KEY.to_owned());
            card.activation_public_key.get_or_insert_with(|| DEMO_ACTIVATION_PUBLIC_KEY.to_owned());
            if card.allowed_origins.is_empty() {
                let listen = self.server.listen;
                card.allowed_origins.push(format!("http://{listen}"));
                if listen.ip().is_loopback() {
                    card.allowed_origins.push(format!("http://localhost:{}", listen.port()));
                }
            }
        }
        if self.dukcapil.user_id.is_none() {
            problems.push(
                "dukcapil.user_id is missing: set PADAN_DUKCAPIL__USER_ID or PADAN_DUKCAPIL__USER_ID_FILE".to_owned(),
            );
        }
        if self.dukcapil.password.is_none() {
            problems.push(
                "dukcapil.password is missing: set PADAN_DUKCAPIL__PASSWORD or PADAN_DUKCAPIL__PASSWORD_FILE"
                    .to_owned(),
            );
        }
        match &self.security.nik_token_key {
            None => problems.push(
                "security.nik_token_key is missing: set PADAN_SECURITY__NIK_TOKEN_KEY_FILE to a file holding \
                 at least 64 hex characters (e.g. `openssl rand -hex 32`)"
                    .to_owned(),
            ),
            Some(k) => match hex::decode(k.expose().trim()) {
                Ok(bytes) if bytes.len() >= 32 => {}
                _ => problems.push("security.nik_token_key must be at least 64 hex characters (32 bytes)".to_owned()),
            },
        }
        if !(self.dukcapil.base_url.starts_with("http://") || self.dukcapil.base_url.starts_with("https://")) {
            problems.push(format!(
                "dukcapil.base_url must start with http:// or https:// (got {:?})",
                self.dukcapil.base_url
            ));
        }
        if self.dukcapil.fr_threshold > 100 {
            problems.push(format!("dukcapil.fr_threshold must be 0–100 (got {})", self.dukcapil.fr_threshold));
        }
        if let Some(pem) = &self.dukcapil.fr_public_key {
            if !pem.expose().contains("PUBLIC KEY-----") {
                problems
                    .push("dukcapil.fr_public_key must be a PEM public key (-----BEGIN PUBLIC KEY-----)".to_owned());
            }
        }
        if self.dukcapil.breaker_failures == 0 {
            problems.push("dukcapil.breaker_failures must be at least 1".to_owned());
        }
        if self.dukcapil.threshold > 100 {
            problems.push(format!("dukcapil.threshold must be 0–100 (got {})", self.dukcapil.threshold));
        }
        if !(1..=600).contains(&self.dukcapil.timeout_secs) {
            problems.push("dukcapil.timeout_secs must be between 1 and 600".to_owned());
        }
        if let Some(ca) = &self.dukcapil.ca_bundle {
            if !ca.is_file() {
                problems.push(format!("dukcapil.ca_bundle: file {} not found", ca.display()));
            }
        }
        let url = self.database.url.expose();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            problems.push("database.url must start with sqlite: or postgres://".to_owned());
        }
        if self.database.max_connections == 0 {
            problems.push("database.max_connections must be at least 1".to_owned());
        }
        if self.security.session_idle_minutes == 0 || self.security.session_absolute_hours == 0 {
            problems.push("security.session_idle_minutes and session_absolute_hours must be positive".to_owned());
        }
        match (&self.server.tls_cert, &self.server.tls_key) {
            (None, None) => {}
            (Some(cert), Some(key)) => {
                if !cert.contains("-----BEGIN CERTIFICATE-----") {
                    problems.push("server.tls_cert must be a PEM certificate chain (tls_cert_file = path)".to_owned());
                }
                if !key.expose().contains("PRIVATE KEY-----") {
                    problems.push("server.tls_key must be a PEM private key (tls_key_file = path)".to_owned());
                }
                self.server.https = true;
            }
            _ => problems.push(
                "server.tls_cert_file and server.tls_key_file must be set together (or neither, behind a TLS \
                 terminator)"
                    .to_owned(),
            ),
        }
        if !(1..=300).contains(&self.server.header_read_timeout_secs) {
            problems.push("server.header_read_timeout_secs must be between 1 and 300".to_owned());
        }
        if !(1..=3600).contains(&self.server.body_read_timeout_secs) {
            problems.push("server.body_read_timeout_secs must be between 1 and 3600".to_owned());
        }
        if let Some(management) = self.server.management_listen {
            if management == self.server.listen {
                problems.push(format!(
                    "server.management_listen ({management}) must differ from server.listen: metrics are not for \
                     the officers' listener"
                ));
            }
        }
        if self.security.sign_in_window_minutes == 0
            || self.security.sign_in_max_failures_per_account == 0
            || self.security.sign_in_max_failures_per_address == 0
        {
            problems.push("security.sign_in_* limits must be positive".to_owned());
        }
        if self.security.sign_in_max_delay_seconds == 0 || self.security.sign_in_max_delay_seconds > 900 {
            problems.push(
                "security.sign_in_max_delay_seconds must be between 1 and 900 (a longer wait keeps the owner out)"
                    .to_owned(),
            );
        }
        if let Err(card) = self.card.keys() {
            problems.extend(card);
        }
        problems.extend(self.audit.problems());
        problems.extend(self.balikan.problems());
        for origin in &self.server.public_origins {
            if !is_origin(origin) {
                problems.push(format!(
                    "server.public_origins: {origin:?} is not an origin (scheme://host[:port], no path)"
                ));
            }
        }
        if self.server.https && self.server.public_origins.is_empty() {
            problems.push(
                "server.public_origins must list the address officers open Padan at (e.g. \
                 [\"https://padan.bkn.go.id\"]) when HTTPS is on: requests for any other host are refused"
                    .to_owned(),
            );
        }
        for origin in &self.card.allowed_origins {
            if !is_origin(origin) {
                problems
                    .push(format!("card.allowed_origins: {origin:?} is not an origin (scheme://host[:port], no path)"));
            }
        }
        if !(10..=600).contains(&self.card.nonce_seconds) {
            problems.push("card.nonce_seconds must be between 10 and 600".to_owned());
        }
        if !(10..=300).contains(&self.card.ticket_seconds) {
            problems
                .push("card.ticket_seconds must be between 10 and 300 (the agent refuses longer tickets)".to_owned());
        }
        if problems.is_empty() { Ok(self) } else { Err(ConfigError::Invalid(problems)) }
    }

    pub fn nik_token_key(&self) -> Vec<u8> {
        self.security.nik_token_key.as_ref().and_then(|k| hex::decode(k.expose().trim()).ok()).unwrap_or_default()
    }
}

/// Replaces every `<name>_file = "path"` with `<name> = <file contents>`.
fn resolve_secret_files(dict: Dict) -> Result<Dict, ConfigError> {
    let mut out = Dict::new();
    for (key, value) in dict {
        match value {
            Value::Dict(tag, inner) => {
                out.insert(key, Value::Dict(tag, resolve_secret_files(inner)?));
            }
            Value::String(_, path) if key.ends_with("_file") => {
                let name = key.trim_end_matches("_file").to_owned();
                let content = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::Load(format!("{key}: cannot read {path}: {e}")))?;
                out.insert(name, Value::from(content.trim_end_matches(['\n', '\r']).to_owned()));
            }
            other => {
                out.insert(key, other);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(Figment::new().merge(Toml::string(toml)))
    }

    #[test]
    fn demo_defaults_are_complete() {
        let c = load("[demo]\nenabled = true").unwrap();
        assert_eq!(c.dukcapil.threshold, 80);
        assert_eq!(c.nik_token_key().len(), 36);
    }

    #[test]
    fn missing_secrets_are_listed_with_what_to_do() {
        let err = load("").unwrap_err().to_string();
        assert!(err.contains("PADAN_DUKCAPIL__PASSWORD_FILE"), "{err}");
        assert!(err.contains("security.nik_token_key"), "{err}");
    }

    #[test]
    fn connection_limits_are_validated() {
        let c = load("[demo]\nenabled = true").unwrap();
        assert_eq!((c.server.header_read_timeout_secs, c.server.body_read_timeout_secs), (10, 60));
        assert_eq!((c.server.max_connections_per_address, c.server.management_listen), (128, None));
        let err = load("[demo]\nenabled = true\n[server]\nheader_read_timeout_secs = 0\nbody_read_timeout_secs = 0")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("server.header_read_timeout_secs") && err.contains("server.body_read_timeout_secs"),
            "{err}"
        );
        let same =
            "[demo]\nenabled = true\n[server]\nlisten = \"127.0.0.1:8080\"\nmanagement_listen = \"127.0.0.1:8080\"";
        assert!(load(same).unwrap_err().to_string().contains("server.management_listen"));
        let c = load("[demo]\nenabled = true\n[server]\nmanagement_listen = \"127.0.0.1:9464\"").unwrap();
        assert_eq!(c.server.management_listen, Some(SocketAddr::from(([127, 0, 0, 1], 9464))));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = load("[demo]\nenabled = true\n[server]\nlisten_addr = \"x\"").unwrap_err().to_string();
        assert!(err.contains("listen_addr"), "{err}");
    }

    #[test]
    fn secrets_come_from_files_and_never_print() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\n").unwrap();
        let key = "ab".repeat(32);
        let c = load(&format!(
            "[dukcapil]\nuser_id = \"u\"\npassword_file = \"{}\"\n[security]\nnik_token_key = \"{key}\"\n[audit]\nsigning_key = \"{key}\"",
            path.display()
        ))
        .unwrap();
        assert_eq!(c.dukcapil.password.as_ref().unwrap().expose(), "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn demo_card_keys_are_the_demo_keys_and_bad_card_keys_are_named() {
        let c = load("[demo]\nenabled = true").unwrap();
        let keys = c.card.keys().unwrap().unwrap();
        assert_eq!(hex::encode(keys.ticket.verifying_key().to_bytes()), DEMO_TICKET_PUBLIC_KEY);
        assert_eq!(c.card.allowed_origins, ["http://127.0.0.1:8080", "http://localhost:8080"]);
        assert!(!format!("{c:?}").contains(DEMO_TICKET_SIGNING_KEY));
        let err =
            load("[demo]\nenabled = true\n[card]\nsam_ca_public_key = \"04ab\"\nallowed_origins = [\"http://x/app\"]")
                .unwrap_err()
                .to_string();
        assert!(err.contains("card.sam_ca_public_key"), "{err}");
        assert!(err.contains("http://x/app"), "{err}");
        let c = load(&format!(
            "[dukcapil]\nuser_id = \"u\"\npassword = \"p\"\n[security]\nnik_token_key = \"{0}\"\n[audit]\nsigning_key = \"{0}\"",
            "ab".repeat(32)
        ))
        .unwrap();
        assert!(c.card.keys().unwrap().is_none(), "card reading is off unless configured");
    }

    #[test]
    fn bad_values_say_what_to_fix() {
        let err = load("[demo]\nenabled = true\n[dukcapil]\nthreshold = 120\nbase_url = \"ftp://x\"").unwrap_err();
        let err = err.to_string();
        assert!(err.contains("threshold must be 0–100"), "{err}");
        assert!(err.contains("base_url must start with http"), "{err}");
    }
}
