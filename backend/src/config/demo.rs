//! `[demo]`: the embedded demonstration, and the demo-only values it fills
//! in where a secret is not set.

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct DemoConfig {
        /// Embedded demonstration: seeds demo accounts and a clearly labelled
        /// demonstration agreement, and fills missing secrets with demo values.
        /// Never in production.
        pub enabled: bool = false,
    }
}

/// Demo-only values, used when `demo.enabled` and the secret is not set.
pub const DEMO_DUKCAPIL_USER: &str = "BKN_DEMO";
pub const DEMO_DUKCAPIL_PASSWORD: &str = "demo-dukcapil-password";
pub(super) const DEMO_NIK_TOKEN_KEY: &str = "64656d6f2d6f6e6c792d6e696b2d746f6b656e2d6b65792d6e6f742d666f722d70726f64";

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
