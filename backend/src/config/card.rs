//! `[card]`: KTP-el reading through the reader-agent.

use std::{fmt, net::SocketAddr};

use super::{
    Secret,
    demo::{DEMO_ACTIVATION_PUBLIC_KEY, DEMO_SAM_CA_PUBLIC_KEY, DEMO_TICKET_SIGNING_KEY},
    server::is_origin,
};

padan_settings::settings! {
    /// KTP-el reading through the reader-agent (`docs/agent-protocol.md`).
    /// Card reading stays closed until the three keys are set (the demo fills
    /// them with the demo keys).
    #[derive(Debug, Clone)]
    pub struct CardConfig {
        /// Hex Ed25519 seed (32 bytes) signing the agent tickets. Secret; give
        /// it as `ticket_signing_key_file`. Agents are configured with its public half.
        pub ticket_signing_key: Option<Secret> = None,
        /// Dukcapil's SAM certificate authority: hex SEC1 P-256 public key.
        pub sam_ca_public_key: Option<String> = None,
        /// Dukcapil's activation authority: hex Ed25519 public key (32 bytes).
        pub activation_public_key: Option<String> = None,
        /// The SPA origins (`scheme://host[:port]`) agents accept; tickets and
        /// nonces are issued only to pages on these.
        pub allowed_origins: Vec<String> = Vec::new(),
        /// Lifetime of a read nonce, in seconds.
        pub nonce_seconds: u64 = 120,
        /// Lifetime of an agent ticket, in seconds (at most 300).
        pub ticket_seconds: u64 = 300,
        /// Where the SPA finds the agent.
        pub agent_url: String = "ws://127.0.0.1:47443/".into(),
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
                    "card.ticket_signing_key must be 64 hex characters (an Ed25519 seed): set PADAN_CARD__TICKET_SIGNING_KEY_FILE"
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

    /// The demo keys where none are set, and the demo listener's origins.
    pub(super) fn apply_demo_defaults(&mut self, listen: SocketAddr) {
        self.ticket_signing_key.get_or_insert_with(|| Secret::new(DEMO_TICKET_SIGNING_KEY));
        self.sam_ca_public_key.get_or_insert_with(|| DEMO_SAM_CA_PUBLIC_KEY.to_owned());
        self.activation_public_key.get_or_insert_with(|| DEMO_ACTIVATION_PUBLIC_KEY.to_owned());
        if self.allowed_origins.is_empty() {
            self.allowed_origins.push(format!("http://{listen}"));
            if listen.ip().is_loopback() {
                self.allowed_origins.push(format!("http://localhost:{}", listen.port()));
            }
        }
    }

    pub(super) fn validate(&self, problems: &mut Vec<String>) {
        if let Err(card) = self.keys() {
            problems.extend(card);
        }
        for origin in &self.allowed_origins {
            if !is_origin(origin) {
                problems
                    .push(format!("card.allowed_origins: {origin:?} is not an origin (scheme://host[:port], no path)"));
            }
        }
        if !(10..=600).contains(&self.nonce_seconds) {
            problems.push("card.nonce_seconds must be between 10 and 600".to_owned());
        }
        if !(10..=300).contains(&self.ticket_seconds) {
            problems
                .push("card.ticket_seconds must be between 10 and 300 (the agent refuses longer tickets)".to_owned());
        }
    }
}
