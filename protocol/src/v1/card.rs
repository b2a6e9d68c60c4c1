//! KTP-el reading through the reader-agent (`docs/agent-protocol.md`): the
//! agent ticket, the single-use nonce, the verification of an attested read,
//! and the reader/SAM registry administered by admins.

use serde::{Deserialize, Serialize};

use super::{Element, Purpose, VerifyOutcome, Watermark};
use crate::agent::v1::CardReadResult;

/// `POST /api/v1/card/ticket`: what the SPA passes to the agent in `HELLO`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketResponse {
    /// `base64url(claims JSON) "." base64url(Ed25519 signature)`; single use, ≤ 5 minutes.
    pub ticket: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Where the agent listens, e.g. `ws://127.0.0.1:47443/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_url: Option<String>,
}

/// A ticket is a bearer credential for the agent: never printed.
impl std::fmt::Debug for TicketResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketResponse").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// `POST /api/v1/card/nonce`: the read the SPA is about to ask the agent
/// for. Issuing the nonce is audited (`card_read_nonce`) with this purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NonceRequest {
    pub purpose: Purpose,
}

/// `POST /api/v1/card/nonce`: the value the SPA puts in `READ_CARD`; single
/// use, bound to the officer, office and the page origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NonceResponse {
    /// Backend-signed (Ed25519, the ticket key), in the ticket's wire form:
    /// `base64url(NonceClaims JSON) "." base64url(signature)`; the claims
    /// carry the fields the read may return (`docs/agent-protocol.md` §Read nonces).
    pub nonce: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// `POST /api/v1/card/verify`: the agent's `READ_RESULT.result`, forwarded
/// unchanged, with the nonce it was read for and the purpose of the access.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardVerifyRequest {
    pub nonce: String,
    pub purpose: Purpose,
    /// `result` of the agent's `READ_RESULT` message exactly as received
    /// (`padan_protocol::agent::v1::CardReadResult`, see docs/agent-protocol.md).
    /// Must include `biodata_raw` (read with the `BIODATA` field).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub read: CardReadResult,
}

impl std::fmt::Debug for CardVerifyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardVerifyRequest").field("purpose", &self.purpose).finish_non_exhaustive()
    }
}

/// The card's printed data as attested by the SAM (EF 6FF1 re-parsed by the
/// backend), for display only: never stored, never cached.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardView {
    pub nik: String,
    pub nama: String,
    pub tempat_lahir: String,
    /// `DD-MM-YYYY`, as printed.
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
    /// Face photo from EF 6FF2 (base64 JPEG), when the read included it and it matches its digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_jpeg_base64: Option<String>,
}

/// Personal data never reaches a log through `Debug`.
impl std::fmt::Debug for CardView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardView").finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardVerifyResponse {
    pub request_id: String,
    /// The chip, its data and the read were proven by a registered, activated SAM.
    pub genuine: bool,
    pub card: CardView,
    /// Dukcapil's answer for the card's NIK and data (`CALL_VERIFY_BY_ELEMEN`):
    /// whether the person is current and whether the card data still match.
    pub outcome: VerifyOutcome,
    /// The similarity threshold Dukcapil applied to fuzzy elements.
    pub threshold: u8,
    /// Card elements the agreement does not grant: not sent to Dukcapil.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_granted: Vec<Element>,
    /// The reader/SAM that attested the read (not personal data).
    pub reader_serial: String,
    pub sam_serial: String,
    pub watermark: Watermark,
    /// Seconds of inactivity after which the SPA must clear the data.
    pub display_seconds: u32,
}

impl std::fmt::Debug for CardVerifyResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardVerifyResponse")
            .field("request_id", &self.request_id)
            .field("genuine", &self.genuine)
            .field("outcome", &self.outcome)
            .field("reader_serial", &self.reader_serial)
            .finish_non_exhaustive()
    }
}

/// A registered reader/SAM, as computed today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReaderState {
    /// Registered, activated, within validity, and an agreement grants verification.
    Active,
    /// The activation starts later.
    NotYetValid,
    /// The activation's validity has ended: Dukcapil must renew it.
    Expired,
    /// Deactivated: by an admin, or because no valid agreement grants verification any more.
    Deactivated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderView {
    pub id: i64,
    pub reader_serial: String,
    /// Hex, 16 digits.
    pub sam_serial: String,
    pub office_code: String,
    /// Start of the activation, `yyyy-mm-dd hh:mm WIB`; absent until an
    /// activation record is known (the demo reader learns it from its SAM's first read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// End of the activation, `yyyy-mm-dd hh:mm WIB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub state: ReaderState,
    /// Why the reader is not active, in Bahasa Indonesia.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `yyyy-mm-dd hh:mm WIB`.
    pub registered_at: String,
    pub registered_by: String,
}

/// Registers a reader with the activation record Dukcapil issued for its SAM
/// (re-registering the same SAM and reader replaces the record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReaderRequest {
    pub reader_serial: String,
    pub office_code: String,
    /// The 121-byte activation record (profile §8.3), hex.
    pub activation_record: String,
}
