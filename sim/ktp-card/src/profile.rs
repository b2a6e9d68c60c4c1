//! Constants of the emulation profile (`docs/ktp-el-emulation-profile.md`):
//! file identifiers, biodata tags, instruction bytes and status words.

pub use padan_ktpel::{
    ALL_EFS, DF_KTPEL, EF_BIODATA, EF_CONTROL, EF_ISSUER_SIGNATURE, EF_MINUTIAE_LEFT, EF_MINUTIAE_RIGHT, EF_PHOTO,
    EF_SIGNATURE,
};
/// Size of EF 6FF0.
pub const CONTROL_LEN: usize = 0x35;
/// Largest plaintext chunk a protected READ BINARY returns (fits a short APDU after SM overhead).
pub const SM_CHUNK: usize = 0xC0;

/// AID of the SAM application (fictitious, demo RID).
pub const SAM_AID: [u8; 9] = [0xA0, 0x00, 0x00, 0x06, 0x24, 0x4B, 0x54, 0x50, 0x53];

/// Biodata TLV tags (EF 6FF1), one byte each.
pub use padan_ktpel::tag;

/// Instruction bytes.
pub mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const READ_BINARY: u8 = 0xB0;
    pub const GET_CHALLENGE: u8 = 0x84;
    pub const EXTERNAL_AUTHENTICATE: u8 = 0x82;
    pub const INTERNAL_AUTHENTICATE: u8 = 0x88;
    pub const GET_DATA_UID: u8 = 0xCA;
    pub const GET_RESPONSE: u8 = 0xC0;
    // SAM, CLA 80
    pub const SAM_OPEN: u8 = 0x10;
    pub const SAM_GET_STATUS: u8 = 0x14;
    pub const SAM_LOAD_ACTIVATION: u8 = 0x20;
    pub const SAM_READ_ACTIVATION: u8 = 0x22;
    pub const SAM_DEACTIVATE: u8 = 0x26;
    pub const SAM_AUTH_EXTERNAL: u8 = 0x30;
    pub const SAM_AUTH_INTERNAL: u8 = 0x32;
    pub const SAM_SM_WRAP: u8 = 0x40;
    pub const SAM_SM_UNWRAP: u8 = 0x42;
    pub const SAM_VERIFY_ISSUER: u8 = 0x50;
    pub const SAM_ATTEST: u8 = 0x52;
    pub const SAM_GET_CERTIFICATE: u8 = 0x54;
}

/// Status words.
pub mod sw {
    pub const OK: u16 = 0x9000;
    pub const END_OF_FILE: u16 = 0x6282;
    pub const AUTH_FAILED: u16 = 0x6300;
    /// `63Cx`: wrong configuration key, x tries left.
    pub const WRONG_KEY_TRIES: u16 = 0x63C0;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const SECURITY_NOT_SATISFIED: u16 = 0x6982;
    pub const AUTH_BLOCKED: u16 = 0x6983;
    pub const CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
    pub const NO_EF_SELECTED: u16 = 0x6986;
    pub const SM_OBJECTS_MISSING: u16 = 0x6987;
    pub const SM_OBJECTS_INCORRECT: u16 = 0x6988;
    /// SAM: no activation record loaded.
    pub const SAM_NOT_ACTIVATED: u16 = 0x6901;
    /// SAM: the activation record's validity has ended.
    pub const SAM_EXPIRED: u16 = 0x6902;
    /// SAM: deactivated by Dukcapil.
    pub const SAM_DEACTIVATED: u16 = 0x6903;
    /// SAM: the issuer signature over the card's files does not verify.
    pub const ISSUER_SIGNATURE_INVALID: u16 = 0x6904;
    pub const WRONG_DATA: u16 = 0x6A80;
    pub const FILE_NOT_FOUND: u16 = 0x6A82;
    pub const WRONG_P1P2: u16 = 0x6B00;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
}
