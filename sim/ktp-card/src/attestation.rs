//! The records that cross trust boundaries (activation records, SAM
//! certificates, the canonical result and the attestation signature) live in
//! the shared crate [`padan_ktpel`], so the agent and the backend check
//! exactly what this simulator produces. Re-exported here for the
//! simulator's own modules and its users.

pub use padan_ktpel::{
    ACTIVATION_BODY_LEN, ACTIVATION_DOMAIN, ACTIVATION_LEN, ActivationRecord, AttestationError, AttestationInput,
    CANONICAL_DOMAIN, RecordError, SAM_CERT_BODY_LEN, SAM_CERT_DOMAIN, SAM_CERT_LEN, SamCertificate,
    VerifiedAttestation, attestation_message, canonical_result, verify_attestation,
};
