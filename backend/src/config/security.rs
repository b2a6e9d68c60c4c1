//! `[security]`: the NIK pseudonym key, sessions, TOTP and sign-in limits.

use padan_protocol::v1::Role;

use super::{Secret, demo::DEMO_NIK_TOKEN_KEY};

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct SecurityConfig {
        /// Hex key (≥ 32 bytes) for the keyed hash that pseudonymises NIKs in
        /// the audit trail. Changing it breaks audit search by NIK.
        pub nik_token_key: Option<Secret> = None,
        /// Minutes without a request after which a session ends.
        pub session_idle_minutes: u64 = 15,
        /// Hours after sign-in after which a session ends, active or not.
        pub session_absolute_hours: u64 = 8,
        /// Roles that must sign in with an authenticator app (TOTP) as well.
        pub totp_required_roles: Vec<Role> = vec![Role::Admin, Role::Auditor],
        /// Window of the sign-in rate limits, in minutes.
        pub sign_in_window_minutes: u64 = 15,
        /// Failed sign-ins per account name within the window (known or not)
        /// before each further attempt must wait (1 s, doubling). Accounts are
        /// never locked: the caller is slowed, the owner is not kept out.
        pub sign_in_max_failures_per_account: u32 = 10,
        /// The longest wait between attempts on one account name, in seconds.
        pub sign_in_max_delay_seconds: u64 = 60,
        /// Failed sign-ins per client address within the window. An office
        /// behind one NAT address shares it: keep it generous.
        pub sign_in_max_failures_per_address: u32 = 50,
    }
}

impl SecurityConfig {
    /// The demo's NIK pseudonym key, where none is set.
    pub(super) fn apply_demo_defaults(&mut self) {
        self.nik_token_key.get_or_insert_with(|| Secret::new(DEMO_NIK_TOKEN_KEY));
    }

    pub(super) fn validate(&self, problems: &mut Vec<String>) {
        match &self.nik_token_key {
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
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            problems.push("security.session_idle_minutes and session_absolute_hours must be positive".to_owned());
        }
        if self.sign_in_window_minutes == 0
            || self.sign_in_max_failures_per_account == 0
            || self.sign_in_max_failures_per_address == 0
        {
            problems.push("security.sign_in_* limits must be positive".to_owned());
        }
        if self.sign_in_max_delay_seconds == 0 || self.sign_in_max_delay_seconds > 900 {
            problems.push(
                "security.sign_in_max_delay_seconds must be between 1 and 900 (a longer wait keeps the owner out)"
                    .to_owned(),
            );
        }
    }
}
