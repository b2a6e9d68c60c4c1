//! `[audit]` configuration: the hash chain, signed checkpoints and the
//! thresholds of the misuse signals. Declared here, mounted in
//! [`crate::config::Config`].

use crate::config::Secret;

/// DEMO ONLY — the checkpoint signing seed of the embedded demo:
/// SHA-256("padan-demo-key/v1/audit-checkpoint"). Anyone can derive it.
pub const DEMO_AUDIT_SIGNING_KEY: &str = "70e8bf7759f18aa68e125d4969c7ded32a27f5f205d7bb5e49a0ad270496d59c";

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct AuditConfig {
        /// Chain each record to the previous one (SHA-256). On by default; the
        /// switch exists only so the benchmark can measure what the chain costs.
        /// Records written while it is off are reported by `padan audit verify`.
        pub chain: bool = true,
        /// Hex Ed25519 seed (32 bytes) signing the checkpoints. Secret: give it
        /// as `signing_key_file`.
        pub signing_key: Option<Secret> = None,
        /// Hex Ed25519 public keys of earlier signing keys (after a rotation),
        /// still trusted when verifying older checkpoints.
        pub trusted_public_keys: Vec<String> = Vec::new(),
        /// A signed checkpoint after this many records…
        pub checkpoint_every: u64 = 1000,
        /// …or on the first append after this many minutes since the last one.
        pub checkpoint_minutes: u64 = 60,
        /// Thresholds of the misuse signals (`docs/audit.md`).
        pub signals: SignalsConfig = SignalsConfig::default(),
    }
}

padan_settings::settings! {
    /// Thresholds of the misuse signals (`docs/audit.md`).
    #[derive(Debug, Clone)]
    pub struct SignalsConfig {
        /// The period examined, ending now.
        pub window_hours: u64 = 24,
        /// The officer's own history the window is compared against.
        pub baseline_days: u64 = 14,
        /// Raise when an officer's accesses in the window exceed this many
        /// times their own daily baseline or their office's average…
        pub volume_factor: f64 = 3.0,
        /// …and are at least this many.
        pub volume_min: u64 = 50,
        /// Raise when one officer accesses the same NIK this many times.
        pub repeat_nik: u64 = 3,
        /// Start of working hours (WIB, Monday–Friday): portal look-ups
        /// outside [start, end) are signalled.
        pub working_hours_start: u8 = 7,
        /// End of working hours (WIB), the first hour outside them.
        pub working_hours_end: u8 = 18,
        /// A look-up is "followed up" when the same NIK is verified (elements,
        /// face, card) within this many hours…
        pub follow_up_hours: u64 = 24,
        /// …and an officer is signalled when at least this many of their
        /// look-ups in the window were not.
        pub no_follow_up_min: u64 = 10,
        /// How often the background scan raises signals as admin alerts.
        pub scan_minutes: u64 = 15,
    }
}

impl AuditConfig {
    /// Fills the demo signing key when the demo is on and none is set.
    pub fn apply_demo_defaults(&mut self) {
        self.signing_key.get_or_insert_with(|| Secret::new(DEMO_AUDIT_SIGNING_KEY));
    }

    /// The checkpoint signing key, if configured and well-formed.
    pub fn signing_key(&self) -> Option<ed25519_dalek::SigningKey> {
        let bytes = hex::decode(self.signing_key.as_ref()?.expose().trim()).ok()?;
        let seed = <[u8; 32]>::try_from(bytes.as_slice()).ok()?;
        Some(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Public keys whose checkpoints `padan audit verify` accepts: the
    /// current key's and the configured older ones.
    pub fn trusted_keys(&self) -> Vec<ed25519_dalek::VerifyingKey> {
        let mut keys: Vec<_> = self.signing_key().map(|k| k.verifying_key()).into_iter().collect();
        keys.extend(self.trusted_public_keys.iter().filter_map(|k| parse_public_key(k)));
        keys
    }

    /// What is wrong with this section, for start-up validation.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        self.validate(&mut problems);
        problems
    }

    /// Adds what is wrong with this section to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        match &self.signing_key {
            None => problems.push(
                "audit.signing_key is missing: set PADAN_AUDIT__SIGNING_KEY_FILE to a file holding an Ed25519 seed \
                 as 64 hex characters (e.g. `openssl rand -hex 32`)"
                    .to_owned(),
            ),
            Some(_) if self.signing_key().is_none() => {
                problems.push("audit.signing_key must be 64 hex characters (an Ed25519 seed)".to_owned())
            }
            Some(_) => {}
        }
        for k in &self.trusted_public_keys {
            if parse_public_key(k).is_none() {
                problems
                    .push(format!("audit.trusted_public_keys: {k:?} is not an Ed25519 public key (64 hex characters)"));
            }
        }
        if self.checkpoint_every == 0 || self.checkpoint_minutes == 0 {
            problems.push("audit.checkpoint_every and audit.checkpoint_minutes must be at least 1".to_owned());
        }
        let s = &self.signals;
        if s.working_hours_start >= s.working_hours_end || s.working_hours_end > 24 {
            problems.push("audit.signals.working_hours_start must be before working_hours_end (hours 0–24)".to_owned());
        }
        if s.volume_factor.is_nan() || s.volume_factor <= 1.0 {
            problems.push("audit.signals.volume_factor must be greater than 1".to_owned());
        }
        if s.window_hours == 0 || s.baseline_days == 0 || s.repeat_nik < 2 || s.scan_minutes == 0 {
            problems.push(
                "audit.signals: window_hours, baseline_days and scan_minutes must be at least 1, repeat_nik at least 2"
                    .to_owned(),
            );
        }
    }
}

pub fn parse_public_key(hex_key: &str) -> Option<ed25519_dalek::VerifyingKey> {
    let bytes = hex::decode(hex_key.trim()).ok()?;
    let bytes = <[u8; 32]>::try_from(bytes.as_slice()).ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use figment::{Figment, providers::Format};

    use crate::config::Config;

    fn load(toml: &str) -> Result<Config, String> {
        Config::from_figment(Figment::new().merge(figment::providers::Toml::string(toml))).map_err(|e| e.to_string())
    }

    const BASE: &str = "[dukcapil]\nuser_id = \"u\"\npassword = \"p\"\n[security]\nnik_token_key = \"abababababababababababababababababababababababababababababababab\"\n";

    #[test]
    fn the_signing_key_is_required_and_checked() {
        let err = load(BASE).unwrap_err();
        assert!(err.contains("audit.signing_key is missing"), "{err}");
        let err = load(&format!("{BASE}[audit]\nsigning_key = \"abcd\"")).unwrap_err();
        assert!(err.contains("audit.signing_key must be 64 hex"), "{err}");
        let err = load(&format!("{BASE}[audit]\nsigning_key = \"{}\"\ntrusted_public_keys = [\"x\"]\n[audit.signals]\nworking_hours_start = 19", "cd".repeat(32))).unwrap_err();
        assert!(err.contains("trusted_public_keys"), "{err}");
        assert!(err.contains("working_hours_start"), "{err}");
        let c = load(&format!("{BASE}[audit]\nsigning_key = \"{}\"", "cd".repeat(32))).unwrap();
        assert_eq!(c.audit.trusted_keys().len(), 1);
        assert!(!format!("{c:?}").contains(&"cd".repeat(32)), "the key is printed");
    }

    #[test]
    fn the_demo_fills_the_demo_key() {
        let c = load("[demo]\nenabled = true").unwrap();
        let key = c.audit.signing_key().unwrap();
        assert_eq!(hex::encode(key.to_bytes()), super::DEMO_AUDIT_SIGNING_KEY);
        assert!(c.audit.chain);
    }
}
