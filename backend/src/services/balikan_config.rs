//! `[balikan]`: the data-balikan worker and the ASN registry import.

use crate::config::Secret;

/// The simulator's data-balikan receiver (`sim/dukcapil`), used by the demo.
pub const DEMO_BALIKAN_PATH: &str = "/databalikan/api/store";
/// DEMO ONLY — the bearer token the simulator's receiver accepts by default.
pub const DEMO_BALIKAN_TOKEN: &str = "demo-balikan-token";

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct BalikanConfig {
        /// Dukcapil's data-balikan "store" URL. Secret (it may embed a key);
        /// without it the worker does not run (the outbox still fills).
        pub endpoint: Option<Secret> = None,
        /// Bearer token for the endpoint; give it as `token_file`.
        pub token: Option<Secret> = None,
        /// `id_lembaga` sent with every batch.
        pub id_lembaga: String = "BKN".into(),
        /// `nama_lembaga` sent with every batch.
        pub nama_lembaga: String = "Badan Kepegawaian Negara".into(),
        /// Records per request (1–1000).
        pub batch_size: u32 = 200,
        /// Pause between worker cycles when there was nothing to send, in milliseconds.
        pub interval_ms: u64 = 2_000,
        /// Timeout of one request to the endpoint, in seconds.
        pub timeout_secs: u64 = 30,
        /// First retry delay after a failed send; doubles per attempt, ±50 % jitter.
        pub backoff_base_secs: u64 = 5,
        /// The longest retry delay, in seconds.
        pub backoff_max_secs: u64 = 900,
        /// After this many failed attempts a record is sent alone, so that a
        /// bad record cannot hold its batch back.
        pub split_after: u32 = 2,
        /// A record failing alone this many times in all is parked for an admin.
        pub max_attempts: u32 = 6,
        /// How long a claimed batch stays leased to one instance before another
        /// may take it over (the first one crashed), in seconds.
        pub lease_secs: u64 = 120,
        /// Records whose NIK has no NIP in the registry are closed after this many days.
        pub horizon_days: u32 = 90,
        /// Admins are alerted when a record stays undelivered longer than this.
        pub alert_after_hours: u32 = 24,
        /// Largest registry CSV accepted through the admin page, in megabytes.
        pub import_max_mb: u64 = 200,
    }
}

impl BalikanConfig {
    /// The demo sends to the simulator next to the Dukcapil one.
    pub fn apply_demo_defaults(&mut self, dukcapil_base_url: &str) {
        if self.endpoint.is_none() {
            let base = dukcapil_base_url.trim_end_matches('/');
            self.endpoint = Some(Secret::new(format!("{base}{DEMO_BALIKAN_PATH}")));
            self.token.get_or_insert_with(|| Secret::new(DEMO_BALIKAN_TOKEN));
        }
    }

    /// What is wrong with this section, for start-up validation.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        self.validate(&mut p);
        p
    }

    /// Adds what is wrong with this section to `p`.
    pub fn validate(&self, p: &mut Vec<String>) {
        if let Some(url) = &self.endpoint {
            let url = url.expose();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                p.push("balikan.endpoint must start with http:// or https://".to_owned());
            }
            if self.token.is_none() {
                p.push("balikan.token is missing: set PADAN_BALIKAN__TOKEN_FILE".to_owned());
            }
        }
        if !(1..=1000).contains(&self.batch_size) {
            p.push(format!("balikan.batch_size must be 1–1000 (got {})", self.batch_size));
        }
        if !(50..=3_600_000).contains(&self.interval_ms) {
            p.push(format!("balikan.interval_ms must be 50–3600000 (got {})", self.interval_ms));
        }
        if !(1..=600).contains(&self.timeout_secs) {
            p.push(format!("balikan.timeout_secs must be 1–600 (got {})", self.timeout_secs));
        }
        if self.backoff_base_secs == 0 || self.backoff_max_secs < self.backoff_base_secs {
            p.push("balikan.backoff_base_secs must be positive and at most balikan.backoff_max_secs".to_owned());
        }
        if self.split_after == 0 || self.max_attempts < self.split_after {
            p.push("balikan.split_after must be at least 1 and at most balikan.max_attempts".to_owned());
        }
        if self.lease_secs <= self.timeout_secs {
            p.push("balikan.lease_secs must be longer than balikan.timeout_secs".to_owned());
        }
        if self.horizon_days == 0 {
            p.push("balikan.horizon_days must be at least 1".to_owned());
        }
        if self.alert_after_hours == 0 {
            p.push("balikan.alert_after_hours must be at least 1".to_owned());
        }
        if self.import_max_mb == 0 {
            p.push("balikan.import_max_mb must be at least 1".to_owned());
        }
        if self.id_lembaga.trim().is_empty() || self.nama_lembaga.trim().is_empty() {
            p.push("balikan.id_lembaga and balikan.nama_lembaga must not be empty".to_owned());
        }
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_named() {
        let c = BalikanConfig {
            endpoint: Some(Secret::new("ftp://x")),
            batch_size: 0,
            split_after: 9,
            ..BalikanConfig::default()
        };
        let p = c.problems().join("\n");
        assert!(p.contains("balikan.endpoint"), "{p}");
        assert!(p.contains("balikan.token is missing"), "{p}");
        assert!(p.contains("balikan.batch_size"), "{p}");
        assert!(p.contains("balikan.split_after"), "{p}");
        assert!(BalikanConfig::default().problems().is_empty());
    }

    #[test]
    fn demo_points_at_the_simulator() {
        let mut c = BalikanConfig::default();
        c.apply_demo_defaults("http://127.0.0.1:8001/");
        assert_eq!(c.endpoint.as_ref().map(Secret::expose), Some("http://127.0.0.1:8001/databalikan/api/store"));
        assert_eq!(c.token.as_ref().map(Secret::expose), Some(DEMO_BALIKAN_TOKEN));
    }
}
