//! The agent's configuration: one TOML file, validated at start-up; a bad
//! file refuses to start with a message that says what to fix.

use std::path::{Path, PathBuf};

use padan_protocol::agent::v1::DEFAULT_PORT;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::profile::SamCredentials;

// `Serialize` only for the example-file check below (tests only: it would
// write the SAM key out).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_port")]
    listen_port: u16,
    allowed_origins: Vec<String>,
    backend_ticket_public_key: String,
    #[serde(default)]
    office: Option<String>,
    #[serde(default = "default_card_patterns")]
    card_reader_patterns: Vec<String>,
    #[serde(default = "default_sam_patterns")]
    sam_reader_patterns: Vec<String>,
    sam_pcid: String,
    #[serde(default)]
    sam_config_key: Option<String>,
    #[serde(default)]
    sam_config_key_file: Option<PathBuf>,
    #[serde(default = "default_log")]
    log: String,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}
fn default_card_patterns() -> Vec<String> {
    vec!["PICC".into(), "Contactless".into(), "Virtual PCD 00 00".into()]
}
fn default_sam_patterns() -> Vec<String> {
    vec!["SAM".into(), "Virtual PCD 00 01".into()]
}
fn default_log() -> String {
    "info".into()
}

/// The validated configuration. `Debug` hides the SAM secret.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_port: u16,
    pub allowed_origins: Vec<String>,
    pub ticket_key: ed25519_dalek::VerifyingKey,
    pub office: Option<String>,
    pub card_reader_patterns: Vec<String>,
    pub sam_reader_patterns: Vec<String>,
    pub sam: SamCredentials,
    pub log: String,
    /// Time a client has between the upgrade and `HELLO` (not in the file; tests shorten it).
    pub hello_timeout: std::time::Duration,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

fn hex_n<const N: usize>(field: &str, v: &str) -> Result<[u8; N], ConfigError> {
    let bytes = hex::decode(v.trim()).map_err(|_| err(format!("{field}: not hex")))?;
    bytes.try_into().map_err(|_| err(format!("{field}: must be {N} bytes ({} hex digits)", 2 * N)))
}

/// Refuses a file (or secret file) that group or others may write (Unix).
pub fn check_permissions(path: &Path) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let mode = meta.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(err(format!(
                "{} is writable by group or others (mode {:o}); run `chmod go-w {}`",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = path; // On Windows the file lives in the user's profile; ACLs are the installer's job.
    Ok(())
}

impl Config {
    /// Reads, checks permissions and validates.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        check_permissions(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        Config::parse(&text, path.parent())
    }

    /// Validates `text`; relative secret-file paths resolve against `base`.
    pub fn parse(text: &str, base: Option<&Path>) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| err(format!("configuration: {e}")))?;
        if raw.allowed_origins.is_empty() {
            return Err(err("allowed_origins: list at least one backend origin, e.g. \"https://padan.bkn.go.id\""));
        }
        for o in &raw.allowed_origins {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && o.split("://").nth(1).is_some_and(|h| !h.is_empty() && !h.contains('/'));
            if !ok {
                return Err(err(format!("allowed_origins: {o:?} is not an origin (scheme://host[:port], no path)")));
            }
        }
        let key = hex_n::<32>("backend_ticket_public_key", &raw.backend_ticket_public_key)?;
        let ticket_key = ed25519_dalek::VerifyingKey::from_bytes(&key)
            .map_err(|_| err("backend_ticket_public_key: not an Ed25519 public key"))?;
        let config_key_hex = match (&raw.sam_config_key, &raw.sam_config_key_file) {
            (Some(k), None) => Zeroizing::new(k.clone()),
            (None, Some(f)) => {
                let f = base.map(|b| b.join(f)).unwrap_or_else(|| f.clone());
                check_permissions(&f)?;
                Zeroizing::new(std::fs::read_to_string(&f).map_err(|e| err(format!("{}: {e}", f.display())))?)
            }
            _ => return Err(err("set exactly one of sam_config_key or sam_config_key_file")),
        };
        let sam = SamCredentials {
            pcid: hex_n::<16>("sam_pcid", &raw.sam_pcid)?,
            config_key: Zeroizing::new(hex_n::<16>("sam_config_key", &config_key_hex)?),
        };
        if raw.card_reader_patterns.is_empty() || raw.sam_reader_patterns.is_empty() {
            return Err(err("card_reader_patterns and sam_reader_patterns must not be empty"));
        }
        Ok(Config {
            listen_port: raw.listen_port,
            allowed_origins: raw.allowed_origins,
            ticket_key,
            office: raw.office,
            card_reader_patterns: raw.card_reader_patterns,
            sam_reader_patterns: raw.sam_reader_patterns,
            sam,
            log: raw.log,
            hello_timeout: crate::server::HELLO_TIMEOUT,
        })
    }
}

/// `packaging/agent.example.toml` held to [`RawConfig`]: every key appears,
/// none is unknown, and an active line shows the default unless the file
/// would be invalid without it (the rule is stated at the top of the file).
#[cfg(test)]
mod example_check {
    use std::collections::BTreeSet;

    use super::{Config, RawConfig};

    const EXAMPLE: &str = include_str!("../packaging/agent.example.toml");

    /// The key each line sets, if any: `(key, commented out)`.
    fn line_key(line: &str) -> Option<(String, bool)> {
        let line = line.trim();
        let (text, commented) = match line.strip_prefix('#') {
            Some(rest) => (rest.trim_start(), true),
            None => (line, false),
        };
        let name: String = text.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
        let sets = !name.is_empty() && text[name.len()..].trim_start().starts_with('=');
        sets.then_some((name, commented))
    }

    fn values(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        match serde_json::to_value(raw) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            other => Err(format!("not an object: {other:?}")),
        }
    }

    fn example_problems(example: &str) -> Vec<String> {
        let full = match values(example) {
            Ok(full) => full,
            Err(e) => return vec![format!("unknown key or bad value: {e}")],
        };
        let mut problems = Vec::new();
        let (mut active, mut commented) = (BTreeSet::new(), BTreeSet::new());
        for (n, (name, is_comment)) in example.lines().enumerate().filter_map(|(n, l)| Some((n + 1, line_key(l)?))) {
            if !full.contains_key(&name) {
                problems.push(format!("line {n}: `{name}` is not a configuration key"));
            } else if is_comment {
                commented.insert(name);
            } else {
                active.insert(name);
            }
        }
        for (key, value) in &full {
            let without: String = example
                .lines()
                .filter(|l| line_key(l) != Some((key.clone(), false)))
                .map(|l| format!("{l}\n"))
                .collect();
            if active.contains(key) {
                // Needed (no default, or one of a required pair): any value.
                if Config::parse(&without, None).is_err() {
                    continue;
                }
                let default = values(&without).ok().and_then(|v| v.get(key).cloned()).unwrap_or_default();
                if &default != value {
                    let shown =
                        if default.is_null() { "unset: comment it out".to_owned() } else { default.to_string() };
                    problems.push(format!("{key}: shows {value} but the default is {shown}"));
                }
            } else if !commented.contains(key) {
                problems.push(format!("{key} is missing"));
            }
        }
        problems
    }

    #[test]
    fn the_example_lists_every_key_with_its_default() {
        let problems = example_problems(EXAMPLE);
        assert!(problems.is_empty(), "agent.example.toml:\n  {}", problems.join("\n  "));
    }

    #[test]
    fn the_example_check_catches_missing_unknown_and_changed_keys() {
        let missing = EXAMPLE.replace("\nlog = \"info\"", "\n");
        assert!(example_problems(&missing).iter().any(|p| p == "log is missing"));
        let unknown = format!("{EXAMPLE}\nlisten_addr = 1\n");
        assert!(example_problems(&unknown).iter().any(|p| p.contains("listen_addr")));
        let changed = EXAMPLE.replace("listen_port = 47443", "listen_port = 47444");
        assert!(example_problems(&changed).iter().any(|p| p.starts_with("listen_port: shows 47444")));
        let optional_set = EXAMPLE.replace("# office = ", "office = ");
        assert!(example_problems(&optional_set).iter().any(|p| p.starts_with("office: shows")));
    }
}
