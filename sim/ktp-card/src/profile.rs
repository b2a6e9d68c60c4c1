//! Constants of the emulation profile (`docs/ktp-el-emulation-profile.md`):
//! file identifiers, biodata tags, instruction bytes and status words.

/// The KTP-el application DF.
pub const DF_KTPEL: u16 = 0x7F0A;
pub const EF_CONTROL: u16 = 0x6FF0;
pub const EF_BIODATA: u16 = 0x6FF1;
pub const EF_PHOTO: u16 = 0x6FF2;
pub const EF_SIGNATURE: u16 = 0x6FF3;
pub const EF_MINUTIAE_RIGHT: u16 = 0x6FF4;
pub const EF_MINUTIAE_LEFT: u16 = 0x6FF5;
pub const EF_ISSUER_SIGNATURE: u16 = 0x6FF6;
/// Every EF, in the order used by the issuer signature (first six) and the canonical result (all seven).
pub const ALL_EFS: [u16; 7] =
    [EF_CONTROL, EF_BIODATA, EF_PHOTO, EF_SIGNATURE, EF_MINUTIAE_RIGHT, EF_MINUTIAE_LEFT, EF_ISSUER_SIGNATURE];
/// Size of EF 6FF0.
pub const CONTROL_LEN: usize = 0x35;
/// Largest plaintext chunk a protected READ BINARY returns (fits a short APDU after SM overhead).
pub const SM_CHUNK: usize = 0xC0;

/// AID of the SAM application (fictitious, demo RID).
pub const SAM_AID: [u8; 9] = [0xA0, 0x00, 0x00, 0x06, 0x24, 0x4B, 0x54, 0x50, 0x53];

/// Biodata TLV tags (EF 6FF1), one byte each.
pub mod tag {
    pub const NIK: u8 = 0x01;
    pub const NAMA: u8 = 0x02;
    pub const TEMPAT_LAHIR: u8 = 0x03;
    pub const TANGGAL_LAHIR: u8 = 0x04;
    pub const JENIS_KELAMIN: u8 = 0x05;
    pub const GOLONGAN_DARAH: u8 = 0x06;
    pub const ALAMAT: u8 = 0x07;
    pub const RT: u8 = 0x08;
    pub const RW: u8 = 0x09;
    pub const KEL_DESA: u8 = 0x0A;
    pub const KECAMATAN: u8 = 0x0B;
    pub const KABUPATEN: u8 = 0x0C;
    pub const PROVINSI: u8 = 0x0D;
    pub const AGAMA: u8 = 0x0E;
    pub const STATUS_PERKAWINAN: u8 = 0x0F;
    pub const PEKERJAAN: u8 = 0x10;
    pub const KEWARGANEGARAAN: u8 = 0x11;
    pub const BERLAKU_HINGGA: u8 = 0x12;
    pub const TANGGAL_TERBIT: u8 = 0x13;
    pub const TEMPAT_TERBIT: u8 = 0x14;
}

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
