//! Simulator configuration and runtime fault injection.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

padan_settings::settings! {
    /// Everything the simulator can be told at start. Every field has a
    /// default, so `{}` is a valid configuration.
    #[derive(Clone)]
    pub struct SimConfig {
        /// Where to listen. [`crate::spawn`] defaults to `127.0.0.1:0` (any free port).
        pub listen: SocketAddr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        /// Population seed.
        pub seed: u64 = 20_240_628,
        /// Number of generated persons (the special records come on top).
        pub persons: usize = 100_000,
        /// The `{instansi}` path segment accepted; any other answers 16.
        pub instansi: String = "BKN".into(),
        /// The credentials the caller must send as `USER_ID` / `PASSWORD`.
        pub user_id: String = "BKN_PADAN".into(),
        /// The password that goes with `user_id`.
        pub password: String = "rahasia-sim".into(),
        /// Registered `IP_USER` values; any other answers 10.
        pub allowed_ips: Vec<String> = vec!["127.0.0.1".into()],
        /// When true, `IP_USER` must equal the TCP peer's address (else 04).
        pub check_peer_ip: bool = false,
        /// User IDs that exist but are deactivated: answer 17.
        pub inactive_users: Vec<String> = Vec::new(),
        /// Calls allowed per day (WIB). `quotaLimiter` counts down from it.
        pub daily_quota: u64 = 100_000,
        /// Permitted access hours (WIB); outside them calls answer 06.
        pub access_hours: Option<AccessHours> = None,
        /// The `{credential}` path segment `CALL_FR` accepts; any other answers 5001.
        pub fr_credential: String = "BKN".into(),
        /// Faults active from the start (change them at runtime via `/_sim/faults`).
        pub faults: Faults = Faults::default(),
        /// Bearer token the data-balikan receiver accepts (`crate::balikan`).
        pub balikan_token: String = crate::balikan::DEFAULT_BALIKAN_TOKEN.into(),
    }
}

/// Hand-written so that the password never reaches a log.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("seed", &self.seed)
            .field("persons", &self.persons)
            .field("instansi", &self.instansi)
            .field("user_id", &self.user_id)
            .field("password", &"<redacted>")
            .field("allowed_ips", &self.allowed_ips)
            .field("check_peer_ip", &self.check_peer_ip)
            .field("inactive_users", &self.inactive_users)
            .field("daily_quota", &self.daily_quota)
            .field("access_hours", &self.access_hours)
            .field("fr_credential", &self.fr_credential)
            .field("faults", &self.faults)
            .field("balikan_token", &"<redacted>")
            .finish()
    }
}

/// A daily window `[start_hour, end_hour)` in WIB (UTC+7). It wraps past
/// midnight when `start_hour > end_hour`; `start_hour == end_hour` means
/// never open (useful to test code 06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessHours {
    pub start_hour: u8,
    pub end_hour: u8,
}

impl AccessHours {
    pub fn is_open(&self, hour: u8) -> bool {
        use std::cmp::Ordering::*;
        match self.start_hour.cmp(&self.end_hour) {
            Less => (self.start_hour..self.end_hour).contains(&hour),
            Greater => hour >= self.start_hour || hour < self.end_hour,
            Equal => false,
        }
    }
}

/// How dates (`TGL_LHR`, `TGL_KWN`, `TGL_CRAI`) are written in `CALL_NIK`
/// and `CALL_KK` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DateFormat {
    /// `27-08-1992` (what most gateways send).
    #[default]
    #[serde(rename = "dd-mm-yyyy")]
    DdMmYyyy,
    /// `1992-08-27`.
    #[serde(rename = "yyyy-mm-dd")]
    YyyyMmDd,
    /// `27.08.1992`.
    #[serde(rename = "dd.mm.yyyy")]
    DdMmYyyyDots,
}

padan_settings::settings! {
    /// Faults applied to the Dukcapil method endpoints (`CALL_VERIFY_BY_ELEMEN`,
    /// `CALL_NIK`, `CALL_KK`, `CALL_FOTO`, `CALL_FR`), not to `/_sim/*`.
    ///
    /// JSON shape (every field optional; missing fields take these defaults):
    ///
    /// ```json
    /// { "latency_ms": 0, "latency_jitter_ms": 0, "error_rate_percent": 0,
    ///   "fault_seed": 1, "force_response_code": null, "force_fr_error_code": null,
    ///   "http_500": false, "garbage_body": false, "truncated_json": false,
    ///   "hang": false, "hang_ms": 120000, "lowercase_keys": false,
    ///   "older_gateway": false, "numbers_as_json": false,
    ///   "date_format": "dd-mm-yyyy", "times": null }
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Faults {
        /// Added to every call before anything else.
        pub latency_ms: u64 = 0,
        /// A further delay drawn uniformly from `0..=latency_jitter_ms` per call
        /// (deterministic: see `fault_seed`).
        pub latency_jitter_ms: u64 = 0,
        /// This share of calls (0–100) answers HTTP 500, chosen by a PRNG.
        pub error_rate_percent: u8 = 0,
        /// Seeds the PRNG behind `latency_jitter_ms` and `error_rate_percent`;
        /// it restarts whenever faults are set, so a sequence of calls after
        /// setting the same faults always sees the same delays and failures.
        pub fault_seed: u64 = 1,
        /// Answer every call with this code (e.g. `"05"`), as an error entry
        /// (Dukcapil methods; not `CALL_FR`).
        pub force_response_code: Option<String> = None,
        /// Answer every `CALL_FR` with this error code (e.g. `6012`).
        pub force_fr_error_code: Option<u16> = None,
        /// Answer HTTP 500 with a plain-text body.
        pub http_500: bool = false,
        /// Answer HTTP 200, `Content-Type: application/json`, with a body that is not JSON.
        pub garbage_body: bool = false,
        /// Answer HTTP 200 with the real JSON cut in half.
        pub truncated_json: bool = false,
        /// Sleep `hang_ms` before answering (longer than a client's timeout).
        pub hang: bool = false,
        /// How long `hang` sleeps, in milliseconds.
        pub hang_ms: u64 = 120_000,
        /// Lower-case every key of `content[0]` (`nik`, `response_code`, ...).
        pub lowercase_keys: bool = false,
        /// Errors carry `RESPON` only (short text), no `RESPONSE_CODE`.
        pub older_gateway: bool = false,
        /// `CALL_NIK` / `CALL_KK` / `CALL_FOTO`: `NIK`, `NO_KK`, `NO_RT`, `NO_RW`,
        /// `NO_PROP`, `NO_KAB`, `NO_KEC`, `NO_KEL` and `KODE_POS` as JSON
        /// numbers, leading zeros lost.
        pub numbers_as_json: bool = false,
        /// Date format of `CALL_NIK` / `CALL_KK` output.
        pub date_format: DateFormat = DateFormat::DdMmYyyy,
        /// Apply these faults to the next `times` calls only, then clear them.
        pub times: Option<u32> = None,
    }
}

impl Faults {
    /// True when no fault is set (the `times` counter aside).
    pub fn is_clear(&self) -> bool {
        let mut me = self.clone();
        me.times = None;
        me.fault_seed = Faults::default().fault_seed;
        me == Faults::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_json_is_default_config() {
        #[allow(clippy::unwrap_used)]
        let c: SimConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c.persons, SimConfig::default().persons);
        assert!(!format!("{c:?}").contains(&c.password));
    }

    /// `sim.example.json` is every key with its default (`null`: unset), so
    /// a key added, renamed or re-defaulted in [`SimConfig`] fails here.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn the_example_config_is_every_key_with_its_default() {
        let text = include_str!("../sim.example.json");
        let _: SimConfig = serde_json::from_str(text).unwrap(); // unknown keys are refused
        let example: serde_json::Value = serde_json::from_str(text).unwrap();
        let defaults = serde_json::to_value(SimConfig::default()).unwrap();
        assert_eq!(
            example,
            defaults,
            "sim.example.json should be:\n{}",
            serde_json::to_string_pretty(&defaults).unwrap()
        );
    }

    #[test]
    fn every_setting_is_documented() {
        use padan_settings::Section;
        let settings = padan_settings::leaves(SimConfig::SETTINGS);
        assert_eq!(settings.len(), 13 + 16, "the faults are a nested section");
        for (key, setting) in settings {
            assert!(!setting.summary().is_empty(), "{key} has no doc comment");
        }
    }

    #[test]
    fn access_hours_windows() {
        let day = AccessHours { start_hour: 8, end_hour: 16 };
        assert!(day.is_open(8) && day.is_open(15) && !day.is_open(16) && !day.is_open(3));
        let night = AccessHours { start_hour: 22, end_hour: 6 };
        assert!(night.is_open(23) && night.is_open(2) && !night.is_open(12));
        assert!(!AccessHours { start_hour: 0, end_hour: 0 }.is_open(0));
    }
}
