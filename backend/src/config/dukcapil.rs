//! `[dukcapil]`: how Padan reaches Dukcapil's web services.

use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    Secret,
    demo::{DEMO_DUKCAPIL_PASSWORD, DEMO_DUKCAPIL_USER},
};

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

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct DukcapilConfig {
        /// Base URL of Dukcapil's web-service gateway on the closed network.
        pub base_url: String = "http://127.0.0.1:8001".into(),
        /// Institution segment of the URL path.
        pub instansi: String = "BKN".into(),
        /// User ID issued by Dukcapil (PKS 2024 Pasal 2(1)f).
        pub user_id: Option<Secret> = None,
        /// The password issued with `user_id`. Secret: give it as `password_file`.
        pub password: Option<Secret> = None,
        /// The caller IP registered with Dukcapil, sent as `IP_USER`.
        pub ip_user: String = "127.0.0.1".into(),
        /// Similarity threshold for fuzzy elements (0–100), sent as `TRESHOLD`.
        pub threshold: u8 = 80,
        /// How `TGL_LHR` is sent: `dd-mm-yyyy`, `yyyy-mm-dd` or `dd.mm.yyyy`.
        pub date_format: DateFormat = DateFormat::DdMmYyyy,
        /// PEM bundle of the CA that signed Dukcapil's certificate.
        pub ca_bundle: Option<PathBuf> = None,
        /// Timeout for verification calls (and the default for the others).
        pub timeout_secs: u64 = 60,
        /// Timeout for look-up calls (portal, IKD, SIASN); unset: `timeout_secs`.
        pub lookup_timeout_secs: Option<u64> = None,
        /// Extra attempts for look-ups after a transport error (never for
        /// verification or face match, which spend quota on every call).
        pub lookup_retries: u32 = 2,
        /// Face recognition host; defaults to `base_url`.
        pub fr_base_url: Option<String> = None,
        /// The credential segment of the face-recognition URL.
        pub fr_credential: String = "BKN".into(),
        /// Dukcapil's RSA public key (PEM) used to encrypt NIK and credentials
        /// for face recognition. Face match stays closed without it.
        pub fr_public_key: Option<Secret> = None,
        /// Similarity threshold sent to face recognition (0–100).
        pub fr_threshold: u8 = 75,
        /// Sent as `transactionSource` with every face-recognition call.
        pub fr_transaction_source: String = "PADAN-BKN".into(),
        /// Timeout for face-recognition calls; unset: `timeout_secs`.
        pub face_timeout_secs: Option<u64> = None,
        /// Consecutive availability failures that open the circuit.
        pub breaker_failures: u32 = 5,
        /// How long the circuit stays open before one probe is let through.
        pub breaker_cooldown_secs: u64 = 30,
        /// Remaining-quota levels at which admins are alerted.
        pub quota_alert_thresholds: Vec<i64> = vec![5000, 1000, 100],
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

    /// The demo's credentials, where none are set.
    pub(super) fn apply_demo_defaults(&mut self) {
        self.user_id.get_or_insert_with(|| Secret::new(DEMO_DUKCAPIL_USER));
        self.password.get_or_insert_with(|| Secret::new(DEMO_DUKCAPIL_PASSWORD));
    }

    pub(super) fn validate(&self, problems: &mut Vec<String>) {
        if self.user_id.is_none() {
            problems.push(
                "dukcapil.user_id is missing: set PADAN_DUKCAPIL__USER_ID or PADAN_DUKCAPIL__USER_ID_FILE".to_owned(),
            );
        }
        if self.password.is_none() {
            problems.push(
                "dukcapil.password is missing: set PADAN_DUKCAPIL__PASSWORD or PADAN_DUKCAPIL__PASSWORD_FILE"
                    .to_owned(),
            );
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            problems.push(format!("dukcapil.base_url must start with http:// or https:// (got {:?})", self.base_url));
        }
        if self.fr_threshold > 100 {
            problems.push(format!("dukcapil.fr_threshold must be 0–100 (got {})", self.fr_threshold));
        }
        if let Some(pem) = &self.fr_public_key {
            if !pem.expose().contains("PUBLIC KEY-----") {
                problems
                    .push("dukcapil.fr_public_key must be a PEM public key (-----BEGIN PUBLIC KEY-----)".to_owned());
            }
        }
        if self.breaker_failures == 0 {
            problems.push("dukcapil.breaker_failures must be at least 1".to_owned());
        }
        if self.threshold > 100 {
            problems.push(format!("dukcapil.threshold must be 0–100 (got {})", self.threshold));
        }
        if !(1..=600).contains(&self.timeout_secs) {
            problems.push("dukcapil.timeout_secs must be between 1 and 600".to_owned());
        }
        if let Some(ca) = &self.ca_bundle {
            if !ca.is_file() {
                problems.push(format!("dukcapil.ca_bundle: file {} not found", ca.display()));
            }
        }
    }
}
