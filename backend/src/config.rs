//! Typed configuration, validated at start-up.
//!
//! Sources, later ones winning: built-in defaults, a TOML file
//! (`padan.toml`, or `--config FILE`), then `PADAN_` environment variables
//! with `__` between sections (`PADAN_DUKCAPIL__BASE_URL`). Every secret can
//! also be given as a file: `password_file = "/run/secrets/x"` in TOML or
//! `PADAN_DUKCAPIL__PASSWORD_FILE`. Unknown keys are errors, so a typo never
//! silently falls back to a default.
//!
//! Each section is declared once per setting (doc, type and default
//! together, through [`padan_settings::settings!`]) in its own module, with
//! the validation of that section next to it. `padan.example.toml` and the
//! reference in `docs/configuration.md` are checked against the
//! declarations (`example_check`, `reference`).

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
    value::{Dict, Value},
};

mod card;
mod database;
mod demo;
mod dukcapil;
#[cfg(test)]
mod example_check;
mod log;
#[cfg(test)]
mod reference;
mod secret;
mod security;
mod server;

pub use card::{CardConfig, CardKeys};
pub use database::DatabaseConfig;
pub use demo::{
    DEMO_ACTIVATION_PUBLIC_KEY, DEMO_DUKCAPIL_PASSWORD, DEMO_DUKCAPIL_USER, DEMO_READER_OFFICE, DEMO_READER_SERIAL,
    DEMO_SAM_CA_PUBLIC_KEY, DEMO_SAM_SERIAL, DEMO_TICKET_PUBLIC_KEY, DEMO_TICKET_SIGNING_KEY, DemoConfig,
};
pub use dukcapil::{DateFormat, DukcapilConfig};
pub use log::{LogConfig, LogFormat};
pub use secret::Secret;
pub use security::SecurityConfig;
pub use server::ServerConfig;

use crate::{audit::settings::AuditConfig, services::balikan_config::BalikanConfig};

padan_settings::settings! {
    /// The whole configuration, one section a table. `Serialize` is for the
    /// checks (`example_check`, `reference`), which read the defaults from a
    /// serialised `Config::default()`; secrets come out redacted.
    #[derive(Debug, Clone)]
    pub struct Config {
        /// The officers' listener: address, TLS, origins and connection limits.
        pub server: ServerConfig = ServerConfig::default(),
        /// Padan's own database (officers, sessions, agreements, the audit trail).
        pub database: DatabaseConfig = DatabaseConfig::default(),
        /// Dukcapil's web services: verification, look-ups and face recognition.
        pub dukcapil: DukcapilConfig = DukcapilConfig::default(),
        /// The NIK pseudonym key, sessions, the second factor and sign-in limits.
        pub security: SecurityConfig = SecurityConfig::default(),
        /// Log format and filter.
        pub log: LogConfig = LogConfig::default(),
        /// KTP-el reading through the reader-agent.
        pub card: CardConfig = CardConfig::default(),
        /// The embedded demonstration.
        pub demo: DemoConfig = DemoConfig::default(),
        /// The audit trail's hash chain, checkpoints and misuse signals.
        pub audit: AuditConfig = AuditConfig::default(),
        /// The data-balikan worker and the ASN registry import.
        pub balikan: BalikanConfig = BalikanConfig::default(),
    }
}

/// `PADAN_<prefix>…` variables used by tests and tools, ignored here.
const TOOLING_ENV_PREFIXES: [&str; 4] = ["test_", "e2e_", "pcsc_", "real_reader"];

/// Whether `PADAN_<key>` belongs to the test tooling rather than the backend.
fn is_tooling_variable(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    TOOLING_ENV_PREFIXES.iter().any(|p| key.starts_with(p))
}

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
        figment = figment.merge(Env::prefixed("PADAN_").filter(|key| !is_tooling_variable(key.as_str())).split("__"));
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
        if self.demo.enabled {
            self.dukcapil.apply_demo_defaults();
            self.security.apply_demo_defaults();
            self.audit.apply_demo_defaults();
            self.balikan.apply_demo_defaults(&self.dukcapil.base_url);
            self.card.apply_demo_defaults(self.server.listen);
        }
        self.server.imply_https();
        let mut problems = Vec::new();
        self.dukcapil.validate(&mut problems);
        self.security.validate(&mut problems);
        self.database.validate(&mut problems);
        self.server.validate(&mut problems);
        self.card.validate(&mut problems);
        self.audit.validate(&mut problems);
        self.balikan.validate(&mut problems);
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
    use std::net::SocketAddr;

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
