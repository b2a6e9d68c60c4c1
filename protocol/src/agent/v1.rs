//! Version 1 of the agent protocol.
//!
//! Messages are JSON objects tagged by `type` (SCREAMING_SNAKE_CASE). Requests
//! from the SPA carry an `id` that the agent echoes in its answers; pushed
//! events (`READER`, `CARD`, `SAM`) carry none.
//!
//! Binary payloads (photo, images, signatures, certificates) are standard
//! base64 with padding; hashes are lowercase hex.

use serde::{Deserialize, Serialize};

/// The protocol version this module describes (the path segment of the docs).
pub const PROTOCOL_VERSION: &str = "v1";
/// Lowest API level this version of the crate can speak. Level 2 made
/// reads need a backend-signed nonce ([`NonceClaims`]) and tickets carry
/// the fields a read may return; a level-1 client cannot read, so it is
/// refused at `HELLO` (`UNSUPPORTED_API_LEVEL`).
pub const MIN_API_LEVEL: u32 = 2;
/// Highest API level this version of the crate can speak.
pub const MAX_API_LEVEL: u32 = 2;
/// Largest text message the agent accepts from a client, in bytes.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;
/// Longest lifetime a backend ticket may have (`exp - iat`), in seconds.
pub const MAX_TICKET_LIFETIME_SECS: u64 = 300;
/// Longest lifetime a backend read nonce may have (`exp - iat`), in seconds.
pub const MAX_NONCE_LIFETIME_SECS: u64 = 600;
/// Longest `READ_CARD` nonce (a signed token) the agent accepts, in characters.
pub const MAX_NONCE_LEN: usize = 2048;
/// Default loopback port of the agent.
pub const DEFAULT_PORT: u16 = 47_443;

/// Everything the SPA may send. There is deliberately no raw-APDU verb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum ClientMessage {
    /// Must be the first message of a connection.
    Hello {
        id: u32,
        /// Backend-signed ticket, see [`TicketClaims`] for its contents.
        ticket: String,
        /// Range of API levels the SPA understands.
        min_api_level: u32,
        max_api_level: u32,
    },
    GetInfo {
        id: u32,
    },
    ReadCard {
        id: u32,
        /// Single-use, backend-signed nonce from `POST /api/v1/card/nonce`
        /// (wire form of [`NonceClaims`]), bound into the attestation. The
        /// agent refuses a nonce that does not verify, has expired, was used,
        /// or belongs to another officer or origin (`NONCE_*`).
        nonce: String,
        /// What to return besides the attestation; the agent always reads (and
        /// the SAM always hashes) every file. Must be within the ticket's and
        /// the nonce's `fields` (`FIELDS_NOT_GRANTED`); `MINUTIAE` is never
        /// returned.
        #[serde(default = "default_fields")]
        fields: Vec<CardField>,
    },
    Cancel {
        id: u32,
        /// The `id` of the `READ_CARD` to cancel.
        target: u32,
    },
    Diagnose {
        id: u32,
        /// Also authenticate and read the card in the reader, if one is present.
        #[serde(default)]
        test_read: bool,
    },
}

fn default_fields() -> Vec<CardField> {
    vec![CardField::Biodata, CardField::Photo]
}

impl ClientMessage {
    pub fn id(&self) -> u32 {
        match self {
            ClientMessage::Hello { id, .. }
            | ClientMessage::GetInfo { id }
            | ClientMessage::ReadCard { id, .. }
            | ClientMessage::Cancel { id, .. }
            | ClientMessage::Diagnose { id, .. } => *id,
        }
    }
}

/// Parts of the card the SPA wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardField {
    /// EF 6FF1: the printed data of the card.
    Biodata,
    /// EF 6FF2: the face photo (JPEG).
    Photo,
    /// EF 6FF3: the holder's signature image.
    Signature,
    /// EF 6FF4/6FF5: fingerprint minutiae templates. Never returned to a
    /// client (no mechanism of the agreements needs them; their digests in
    /// [`CardData::files`] serve the attestation): asking for it is
    /// `FIELDS_NOT_GRANTED`. Kept so the name stays reserved on the wire.
    Minutiae,
}

/// Everything the agent may send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum AgentMessage {
    /// Answer to `HELLO`: the ticket was accepted and a level agreed.
    Welcome { id: u32, api_level: u32, info: AgentInfo },
    /// Answer to `GET_INFO`.
    Info { id: u32, info: AgentInfo, status: AgentStatus },
    /// Pushed: a reader appeared or disappeared.
    Reader { event: ReaderEvent, reader: ReaderInfo },
    /// Pushed: a card was inserted, removed, or recognised as a KTP-el.
    Card { event: CardEvent, reader: String },
    /// Pushed (and sent once after `WELCOME`): the SAM's state.
    Sam(SamStatus),
    /// Progress of a `READ_CARD`.
    Progress { id: u32, step: ReadStep, percent: u8 },
    /// Successful end of a `READ_CARD`.
    ReadResult { id: u32, result: Box<CardReadResult> },
    /// Answer to `CANCEL`, and the end of the cancelled read.
    Cancelled { id: u32 },
    /// Answer to `DIAGNOSE`.
    Diagnosis { id: u32, checks: Vec<DiagnosticCheck> },
    /// The command is valid but not now (e.g. `READ_CARD` while reading).
    BadState { id: u32, state: AgentState, message: String },
    /// A request failed, or (without `id`) the connection is being refused.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
        code: AgentErrorCode,
        /// English, for logs and developers; the SPA shows its own Indonesian text keyed on `code`.
        message: String,
    },
}

/// Versions and capabilities of the running agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// The agent's package version (semver).
    pub agent_version: String,
    /// Always [`PROTOCOL_VERSION`] for this module.
    pub protocol_version: String,
    pub min_api_level: u32,
    pub max_api_level: u32,
    /// The card profile in use, e.g. `padan-emulation/1`.
    pub profile: String,
    /// `linux`, `windows`, …
    pub platform: String,
}

/// A snapshot of what the agent sees, for the SPA's state display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatus {
    pub state: AgentState,
    pub readers: Vec<ReaderInfo>,
    pub card_present: bool,
}

/// Coarse agent state, as the SPA's "Baca KTP-el" page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgentState {
    PcscServiceDown,
    NoReader,
    NoSam,
    WaitingForCard,
    CardPresent,
    Reading,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderInfo {
    /// The PC/SC reader name.
    pub name: String,
    pub role: ReaderRole,
}

/// Which slot of a KTP-el reader a PC/SC reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReaderRole {
    /// The contactless slot for the citizen's card.
    Card,
    /// The contact slot holding the SAM.
    Sam,
    /// A reader matching neither configured pattern.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReaderEvent {
    Attached,
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardEvent {
    Inserted,
    Removed,
    /// The inserted card answered the KTP-el application selection.
    Recognised,
}

/// What the agent knows about the SAM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamStatus {
    pub present: bool,
    pub state: SamState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<ActivationInfo>,
    /// True when the SAM is activated and the activation is within its validity.
    pub valid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SamState {
    Unknown,
    Personalised,
    Activated,
    Deactivated,
    Locked,
}

/// The decoded activation record (Dukcapil-signed; the raw record travels in
/// the attestation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationInfo {
    /// Hex.
    pub sam_serial: String,
    pub reader_serial: String,
    pub office: String,
    /// Unix seconds.
    pub valid_from: u64,
    /// Unix seconds; never after the agreement's end.
    pub valid_until: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReadStep {
    OpeningSam,
    Authenticating,
    ReadingBiodata,
    ReadingPhoto,
    ReadingSignature,
    ReadingMinutiae,
    VerifyingSignature,
    Attesting,
}

/// The outcome of a successful `READ_CARD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardReadResult {
    pub card: CardData,
    pub attestation: Attestation,
}

/// The card's contents as read. `files` lists the SHA-256 of every EF, which
/// together with `uid` make up the canonical result the SAM signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardData {
    /// Chip UID, hex.
    pub uid: String,
    /// Card serial number from EF 6FF0, hex.
    pub card_serial: String,
    /// SHA-256 of each EF body as stored, in file order 6FF0…6FF6.
    pub files: Vec<FileDigest>,
    /// Raw EF 6FF1 body (base64) so the backend can re-parse what was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biodata_raw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biodata: Option<Biodata>,
    /// JPEG, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_jpeg: Option<String>,
    /// JPEG, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_jpeg: Option<String>,
    // There is deliberately no minutiae field (API level 2): fingerprint
    // templates never leave the agent; `files` carries their digests.
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// EF identifier, 4 hex digits, e.g. `6FF1`.
    pub fid: String,
    /// Lowercase hex SHA-256 of the EF body.
    pub sha256: String,
}

/// The printed data of the card (EF 6FF1). Values as stored on the card.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Biodata {
    pub nik: String,
    pub nama: String,
    pub tempat_lahir: String,
    /// `DD-MM-YYYY`.
    pub tanggal_lahir: String,
    pub jenis_kelamin: String,
    pub golongan_darah: String,
    pub alamat: String,
    pub rt: String,
    pub rw: String,
    pub kel_desa: String,
    pub kecamatan: String,
    pub kabupaten: String,
    pub provinsi: String,
    pub agama: String,
    pub status_perkawinan: String,
    pub pekerjaan: String,
    pub kewarganegaraan: String,
    pub berlaku_hingga: String,
    /// `DD-MM-YYYY`.
    pub tanggal_terbit: String,
    pub tempat_terbit: String,
}

/// Personal data never reaches a log through `Debug`.
impl std::fmt::Debug for Biodata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Biodata").finish_non_exhaustive()
    }
}

/// The SAM's signature over `SHA-256(origin) ‖ SHA-256(nonce) ‖ SHA-256(canonical result)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// Always `ECDSA-P256-SHA256`.
    pub algorithm: String,
    /// The `Origin` of the WebSocket handshake, as bound into the signature.
    pub origin: String,
    pub nonce: String,
    /// Lowercase hex SHA-256 of the canonical result, as computed by the SAM.
    pub canonical_sha256: String,
    /// Raw `r ‖ s`, 64 bytes, base64.
    pub signature: String,
    /// The SAM certificate (Dukcapil SAM CA-signed), base64.
    pub sam_certificate: String,
    /// The Dukcapil-signed activation record, base64.
    pub activation_record: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticCheck {
    pub name: DiagnosticName,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<AgentErrorCode>,
    /// Short English detail (no personal data).
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DiagnosticName {
    PcscService,
    CardReader,
    SamReader,
    SamAuthentication,
    SamActivation,
    TestRead,
}

/// Stable error codes; the SPA keys its Indonesian messages on them. Never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgentErrorCode {
    /// pcscd / the Smart Card service is not running.
    PcscServiceDown,
    /// No card reader (contactless slot) is attached.
    NoReader,
    /// No card in the reader.
    NoCard,
    /// No SAM in the SAM slot (or no SAM slot).
    NoSam,
    /// The SAM refused this installation's PCID / configuration key.
    SamAuthFailed,
    SamNotActivated,
    SamExpired,
    SamDeactivated,
    /// Too many wrong configuration keys: the SAM must be reset by Dukcapil.
    SamLocked,
    /// The card left the reader during the operation.
    CardRemoved,
    /// The card is not a KTP-el of this profile.
    CardUnsupported,
    /// Chip authentication failed: a clone or a foreign card.
    CardNotGenuine,
    /// The issuer signature over the card's files does not verify.
    DataTampered,
    /// Communication with the card or SAM failed unexpectedly.
    CardError,
    TicketInvalid,
    TicketExpired,
    TicketReplayed,
    /// Another client is connected.
    Busy,
    UnsupportedApiLevel,
    /// Not JSON, or not a known message.
    MalformedMessage,
    MessageTooLarge,
    /// The first message was not `HELLO`.
    HelloRequired,
    Internal,
    /// `READ_CARD`'s nonce is not a backend-signed nonce, or is for another
    /// officer, office or origin than the session's ticket.
    NonceInvalid,
    /// The nonce's lifetime is over (or it was issued in the future).
    NonceExpired,
    /// The nonce was already used for a read.
    NonceReplayed,
    /// `READ_CARD` asked for a field the ticket or the nonce does not grant
    /// (or `MINUTIAE`, which is never returned).
    FieldsNotGranted,
}

/// What the backend signs (Ed25519) and the SPA passes in `HELLO`.
///
/// Wire form of a ticket: `base64url(claims JSON) "." base64url(signature)`,
/// both without padding; the signature covers the exact decoded claim bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketClaims {
    /// Unique ticket id; the agent refuses a second use until `exp`.
    pub tid: String,
    /// Pseudonymous officer id (no name).
    pub officer: String,
    /// Office code; the agent checks it against its activation record's office when known.
    pub office: String,
    /// Must equal the handshake's `Origin` exactly.
    pub origin: String,
    /// Issued at, unix seconds.
    pub iat: u64,
    /// Expiry, unix seconds; `exp - iat` ≤ [`MAX_TICKET_LIFETIME_SECS`].
    pub exp: u64,
    /// What a read in this session may return, decided by the backend's
    /// policy. Required: the agent refuses a ticket without it
    /// (`TICKET_INVALID`) rather than assume everything.
    pub fields: Vec<CardField>,
}

/// What the backend signs (Ed25519, the ticket key) for one `READ_CARD`; its
/// wire form (the `nonce` of `READ_CARD` and of the attestation) is the
/// ticket's: `base64url(claims JSON) "." base64url(signature)`. The backend
/// audits each nonce before issuing it, so every read has a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonceClaims {
    /// Unique nonce id; the agent refuses a second read with it until `exp`.
    pub nid: String,
    /// Must equal the session ticket's `officer`.
    pub officer: String,
    /// Must equal the session ticket's `office`.
    pub office: String,
    /// Must equal the handshake's `Origin` exactly.
    pub origin: String,
    /// Issued at, unix seconds.
    pub iat: u64,
    /// Expiry, unix seconds; `exp - iat` ≤ [`MAX_NONCE_LIFETIME_SECS`].
    pub exp: u64,
    /// What this read may return (within the ticket's `fields`).
    pub fields: Vec<CardField>,
}
