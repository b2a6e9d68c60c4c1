use serde::{Deserialize, Serialize};

use super::Element;

/// An access mechanism granted by an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    VerifyElements,
    FaceMatch,
    PortalLookup,
    IkdLookup,
    SiasnLookup,
}

impl Mechanism {
    pub const ALL: [Mechanism; 5] = [
        Mechanism::VerifyElements,
        Mechanism::FaceMatch,
        Mechanism::PortalLookup,
        Mechanism::IkdLookup,
        Mechanism::SiasnLookup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::VerifyElements => "verify_elements",
            Mechanism::FaceMatch => "face_match",
            Mechanism::PortalLookup => "portal_lookup",
            Mechanism::IkdLookup => "ikd_lookup",
            Mechanism::SiasnLookup => "siasn_lookup",
        }
    }

    pub fn parse(s: &str) -> Option<Mechanism> {
        Mechanism::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Mechanism::VerifyElements => "Verifikasi elemen data",
            Mechanism::FaceMatch => "Pencocokan wajah",
            Mechanism::PortalLookup => "Portal data kependudukan",
            Mechanism::IkdLookup => "Identitas Kependudukan Digital (IKD)",
            Mechanism::SiasnLookup => "Layanan SIASN",
        }
    }
}

/// Whether a mechanism is open for the signed-in officer today, and which
/// elements the agreement behind it grants. The SPA renders exactly these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MechanismStatus {
    pub mechanism: Mechanism,
    pub open: bool,
    /// Granted elements, in form order. Empty when closed.
    pub elements: Vec<Element>,
    /// The agreement behind the grant (or the last one that granted it).
    pub agreement: Option<AgreementRef>,
    /// Why it is closed, for the officer (Bahasa Indonesia).
    pub closed_reason: Option<String>,
    /// Days until the agreement ends, when that is within the warning window.
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementRef {
    pub id: i64,
    pub title: String,
    pub numbers: String,
    /// ISO date `yyyy-mm-dd`, inclusive.
    pub valid_until: String,
    /// A demonstration agreement seeded by the embedded demo: never real.
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MechanismsResponse {
    /// The backend's "today" (ISO date), so the SPA never trusts the PC clock.
    pub today: String,
    pub mechanisms: Vec<MechanismStatus>,
}
