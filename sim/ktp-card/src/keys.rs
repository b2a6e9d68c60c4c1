//! **Demo keys.** Every secret of the emulated KTP-el ecosystem, derived
//! deterministically from the population seed so that the simulator, the
//! tests and the demo agree without exchanging files.
//!
//! These keys are public by construction (anyone with the seed can derive
//! them). They exist for the demo and the tests only; a real deployment uses
//! Dukcapil's keys inside a real SAM, which Padan never sees.

use p256::ecdsa::{SigningKey as P256SigningKey, VerifyingKey as P256VerifyingKey};

use crate::crypto::{Key, sha256};

/// Domain separator of every demo-key derivation.
const DEMO_DOMAIN: &[u8] = b"padan-demo-key/v1/";

fn derive(seed: u64, label: &str, counter: u32) -> [u8; 32] {
    sha256(&[DEMO_DOMAIN, label.as_bytes(), b"/", &seed.to_be_bytes(), &counter.to_be_bytes()])
}

fn derive_p256(seed: u64, label: &str) -> P256SigningKey {
    // A 32-byte hash is a valid scalar with overwhelming probability; retry otherwise.
    let mut counter = 0;
    loop {
        let bytes = derive(seed, label, counter);
        if let Ok(k) = P256SigningKey::from_bytes(&bytes.into()) {
            return k;
        }
        counter += 1;
    }
}

fn derive_16(seed: u64, label: &str) -> Key {
    let mut k = [0u8; 16];
    k.copy_from_slice(&derive(seed, label, 0)[..16]);
    k
}

/// All demo keys for one seed. `Debug` prints public halves only.
#[derive(Clone)]
pub struct DemoKeys {
    pub seed: u64,
    /// Chip-authentication master key (AES-128), held only by the SAM.
    pub card_master: Key,
    /// Dukcapil's card-issuer key (ECDSA P-256) signing EF 6FF6.
    pub issuer: P256SigningKey,
    /// Dukcapil's activation key (Ed25519) signing activation records.
    pub activation: ed25519_dalek::SigningKey,
    /// Dukcapil's SAM certificate authority (ECDSA P-256).
    pub sam_ca: P256SigningKey,
    /// The demo SAM's own attestation key (ECDSA P-256).
    pub sam: P256SigningKey,
    /// The demo SAM's serial number.
    pub sam_serial: [u8; 8],
    /// The installation binding: the reader/PC identifier …
    pub pcid: [u8; 16],
    /// … and the configuration key that together open the SAM.
    pub config_key: Key,
}

impl std::fmt::Debug for DemoKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoKeys").field("seed", &self.seed).field("sam_serial", &hex::encode(self.sam_serial)).finish()
    }
}

impl DemoKeys {
    pub fn from_seed(seed: u64) -> DemoKeys {
        let mut sam_serial = [0u8; 8];
        sam_serial.copy_from_slice(&derive(seed, "sam-serial", 0)[..8]);
        sam_serial[0] = 0x5A; // recognisable prefix for demo SAMs
        DemoKeys {
            seed,
            card_master: derive_16(seed, "card-master"),
            issuer: derive_p256(seed, "issuer"),
            activation: ed25519_dalek::SigningKey::from_bytes(&derive(seed, "activation", 0)),
            sam_ca: derive_p256(seed, "sam-ca"),
            sam: derive_p256(seed, "sam"),
            sam_serial,
            pcid: derive_16(seed, "pcid"),
            config_key: derive_16(seed, "config-key"),
        }
    }

    /// A wrong master key, for clone cards.
    pub fn clone_master(&self) -> Key {
        derive_16(self.seed, "clone-master")
    }

    pub fn issuer_public(&self) -> P256VerifyingKey {
        *self.issuer.verifying_key()
    }

    pub fn sam_ca_public(&self) -> P256VerifyingKey {
        *self.sam_ca.verifying_key()
    }

    pub fn activation_public(&self) -> ed25519_dalek::VerifyingKey {
        self.activation.verifying_key()
    }

    /// Uncompressed SEC1 encoding (65 bytes) of a P-256 public key.
    pub fn sec1(key: &P256VerifyingKey) -> Vec<u8> {
        key.to_encoded_point(false).as_bytes().to_vec()
    }

    /// Key id used in EF 6FF0/6FF6: the first 8 bytes of SHA-256 of the SEC1 key.
    pub fn key_id(key: &P256VerifyingKey) -> [u8; 8] {
        let mut id = [0u8; 8];
        id.copy_from_slice(&sha256(&[&Self::sec1(key)])[..8]);
        id
    }
}
