use serde::{Deserialize, Serialize};

use super::{Element, Purpose};

/// Claimed values for verification. Absent or empty fields are not sent to
/// Dukcapil. `TGL_LHR` is ISO `yyyy-mm-dd`; coded fields use SIAK labels.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimedElements {
    #[serde(rename = "NO_KK", default, skip_serializing_if = "Option::is_none")]
    pub no_kk: Option<String>,
    #[serde(rename = "NAMA_LGKP", default, skip_serializing_if = "Option::is_none")]
    pub nama_lgkp: Option<String>,
    #[serde(rename = "JENIS_KLMIN", default, skip_serializing_if = "Option::is_none")]
    pub jenis_klmin: Option<String>,
    #[serde(rename = "AGAMA", default, skip_serializing_if = "Option::is_none")]
    pub agama: Option<String>,
    #[serde(rename = "TMPT_LHR", default, skip_serializing_if = "Option::is_none")]
    pub tmpt_lhr: Option<String>,
    #[serde(rename = "TGL_LHR", default, skip_serializing_if = "Option::is_none")]
    pub tgl_lhr: Option<String>,
    #[serde(rename = "STATUS_KAWIN", default, skip_serializing_if = "Option::is_none")]
    pub status_kawin: Option<String>,
    #[serde(rename = "STAT_HBKEL", default, skip_serializing_if = "Option::is_none")]
    pub stat_hbkel: Option<String>,
    #[serde(rename = "JENIS_PKRJN", default, skip_serializing_if = "Option::is_none")]
    pub jenis_pkrjn: Option<String>,
    #[serde(rename = "ALAMAT", default, skip_serializing_if = "Option::is_none")]
    pub alamat: Option<String>,
}

/// Population data: never printed.
impl std::fmt::Debug for ClaimedElements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given: Vec<&str> = self.given().map(|(e, _)| e.wire_name()).collect();
        f.debug_struct("ClaimedElements").field("given", &given).finish()
    }
}

impl ClaimedElements {
    /// The non-empty claimed values, with their element.
    pub fn given(&self) -> impl Iterator<Item = (Element, &str)> {
        [
            (Element::NoKk, &self.no_kk),
            (Element::NamaLgkp, &self.nama_lgkp),
            (Element::JenisKlmin, &self.jenis_klmin),
            (Element::Agama, &self.agama),
            (Element::TmptLhr, &self.tmpt_lhr),
            (Element::TglLhr, &self.tgl_lhr),
            (Element::StatusKawin, &self.status_kawin),
            (Element::StatHbkel, &self.stat_hbkel),
            (Element::JenisPkrjn, &self.jenis_pkrjn),
            (Element::Alamat, &self.alamat),
        ]
        .into_iter()
        .filter_map(|(e, v)| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (e, v)))
    }

    pub fn get_mut(&mut self, element: Element) -> Option<&mut Option<String>> {
        Some(match element {
            Element::NoKk => &mut self.no_kk,
            Element::NamaLgkp => &mut self.nama_lgkp,
            Element::JenisKlmin => &mut self.jenis_klmin,
            Element::Agama => &mut self.agama,
            Element::TmptLhr => &mut self.tmpt_lhr,
            Element::TglLhr => &mut self.tgl_lhr,
            Element::StatusKawin => &mut self.status_kawin,
            Element::StatHbkel => &mut self.stat_hbkel,
            Element::JenisPkrjn => &mut self.jenis_pkrjn,
            Element::Alamat => &mut self.alamat,
            _ => return None,
        })
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyElementsRequest {
    pub nik: String,
    pub purpose: Purpose,
    #[serde(default)]
    pub elements: ClaimedElements,
    /// Send even though the NIK's encoded birth date or sex contradicts the
    /// claimed values (the officer saw the warning and confirmed).
    #[serde(default)]
    pub confirm_mismatch: bool,
}

impl std::fmt::Debug for VerifyElementsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyElementsRequest")
            .field("nik", &"****")
            .field("purpose", &self.purpose)
            .field("elements", &self.elements)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Sesuai,
    TidakSesuai,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElementVerdict {
    pub element: Element,
    pub verdict: Verdict,
    /// 0–100 for fuzzy elements (name, birthplace, address).
    pub similarity: Option<u8>,
}

/// What Dukcapil said about the person as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Found and active (code 01).
    Aktif,
    /// Found, deceased (code 11).
    Meninggal,
    /// Found, duplicate records (code 12).
    DataGanda,
    /// Found, record inactive (code 14).
    NonAktif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotFoundReason {
    /// Code 13: the NIK is not in the population database.
    NikTidakTerdaftar,
    /// Code 15: the NIK is not in Dukcapil's format.
    FormatNikTidakSesuai,
    /// Code 08: the NIK cannot be processed.
    NikTidakDapatDiproses,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerifyOutcome {
    Found { status: PersonStatus, verdicts: Vec<ElementVerdict> },
    NotFound { reason: NotFoundReason },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyElementsResponse {
    pub request_id: String,
    pub outcome: VerifyOutcome,
    /// The similarity threshold Dukcapil applied to fuzzy elements.
    pub threshold: u8,
    /// Elements the officer filled in that the grant does not cover: not sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_granted: Vec<Element>,
}
