use serde::{Deserialize, Serialize};

use super::{Element, NotFoundReason, PersonStatus, Purpose};

/// Portal or IKD look-up of one NIK. The portal requires a reason besides
/// the purpose (PKS 2024 Pasal 2(1)c: display only, accountable).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub nik: String,
    pub purpose: Purpose,
    #[serde(default)]
    pub reason: Option<String>,
}

impl std::fmt::Debug for LookupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupRequest").field("nik", &"****").field("purpose", &self.purpose).finish_non_exhaustive()
    }
}

/// One granted element's value, as Dukcapil holds it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElementValue {
    pub element: Element,
    pub value: String,
}

impl std::fmt::Debug for ElementValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElementValue").field("element", &self.element).field("value", &"***").finish()
    }
}

/// A member of the same KK, reduced to what the grant allows.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyMember {
    pub nik: String,
    pub nama_lgkp: String,
    pub stat_hbkel: String,
}

impl std::fmt::Debug for FamilyMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FamilyMember(***)")
    }
}

/// Who looked, and when: drawn across displayed data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Watermark {
    pub officer: String,
    pub nip: Option<String>,
    pub office: String,
    /// `yyyy-mm-dd hh:mm WIB`
    pub at: String,
    pub request_id: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LookupOutcome {
    Found {
        status: PersonStatus,
        /// The granted elements, in grant order (family and photo separately).
        elements: Vec<ElementValue>,
        /// Present when `ANGGOTA_KELUARGA` is granted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        family: Option<Vec<FamilyMember>>,
        /// Base64 JPEG, present when `FOTO` is granted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        photo_jpeg_base64: Option<String>,
    },
    NotFound {
        reason: NotFoundReason,
    },
}

impl std::fmt::Debug for LookupOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Found { status, elements, .. } => {
                write!(f, "Found {{ status: {status:?}, elements: {} }}", elements.len())
            }
            Self::NotFound { reason } => write!(f, "NotFound {{ reason: {reason:?} }}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LookupResponse {
    pub request_id: String,
    pub outcome: LookupOutcome,
    pub watermark: Watermark,
    /// Seconds of inactivity after which the SPA must clear the data.
    pub display_seconds: u32,
}

/// The SIASN application's request (service API, not for officers).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SiasnLookupRequest {
    pub nik: String,
    pub purpose: Purpose,
    /// The SIASN user on whose behalf the call is made (for the audit).
    pub siasn_user: String,
}

impl std::fmt::Debug for SiasnLookupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiasnLookupRequest")
            .field("nik", &"****")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiasnLookupResponse {
    pub request_id: String,
    pub outcome: LookupOutcome,
}
