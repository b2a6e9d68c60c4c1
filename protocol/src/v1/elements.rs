use serde::{Deserialize, Serialize};

/// A population-data element, named as Dukcapil names it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Element {
    #[serde(rename = "NIK")]
    Nik,
    #[serde(rename = "NO_KK")]
    NoKk,
    #[serde(rename = "NAMA_LGKP")]
    NamaLgkp,
    #[serde(rename = "JENIS_KLMIN")]
    JenisKlmin,
    #[serde(rename = "AGAMA")]
    Agama,
    #[serde(rename = "TMPT_LHR")]
    TmptLhr,
    #[serde(rename = "TGL_LHR")]
    TglLhr,
    #[serde(rename = "STATUS_KAWIN")]
    StatusKawin,
    #[serde(rename = "STAT_HBKEL")]
    StatHbkel,
    #[serde(rename = "JENIS_PKRJN")]
    JenisPkrjn,
    #[serde(rename = "ALAMAT")]
    Alamat,
    #[serde(rename = "NO_AKTA_LHR")]
    NoAktaLhr,
    #[serde(rename = "NO_AKTA_KWN")]
    NoAktaKwn,
    #[serde(rename = "TGL_KWN")]
    TglKwn,
    /// Family members in the same KK (each member's NIK, name, relation).
    #[serde(rename = "ANGGOTA_KELUARGA")]
    AnggotaKeluarga,
    /// Face photo.
    #[serde(rename = "FOTO")]
    Foto,
}

impl Element {
    pub const ALL: [Element; 16] = [
        Element::Nik,
        Element::NoKk,
        Element::NamaLgkp,
        Element::JenisKlmin,
        Element::Agama,
        Element::TmptLhr,
        Element::TglLhr,
        Element::StatusKawin,
        Element::StatHbkel,
        Element::JenisPkrjn,
        Element::Alamat,
        Element::NoAktaLhr,
        Element::NoAktaKwn,
        Element::TglKwn,
        Element::AnggotaKeluarga,
        Element::Foto,
    ];

    /// Dukcapil's field name.
    pub fn wire_name(self) -> &'static str {
        match self {
            Element::Nik => "NIK",
            Element::NoKk => "NO_KK",
            Element::NamaLgkp => "NAMA_LGKP",
            Element::JenisKlmin => "JENIS_KLMIN",
            Element::Agama => "AGAMA",
            Element::TmptLhr => "TMPT_LHR",
            Element::TglLhr => "TGL_LHR",
            Element::StatusKawin => "STATUS_KAWIN",
            Element::StatHbkel => "STAT_HBKEL",
            Element::JenisPkrjn => "JENIS_PKRJN",
            Element::Alamat => "ALAMAT",
            Element::NoAktaLhr => "NO_AKTA_LHR",
            Element::NoAktaKwn => "NO_AKTA_KWN",
            Element::TglKwn => "TGL_KWN",
            Element::AnggotaKeluarga => "ANGGOTA_KELUARGA",
            Element::Foto => "FOTO",
        }
    }

    pub fn from_wire_name(s: &str) -> Option<Element> {
        Element::ALL.into_iter().find(|e| e.wire_name().eq_ignore_ascii_case(s.trim()))
    }

    /// Form label, Bahasa Indonesia.
    pub fn label_id(self) -> &'static str {
        match self {
            Element::Nik => "NIK",
            Element::NoKk => "Nomor KK",
            Element::NamaLgkp => "Nama lengkap",
            Element::JenisKlmin => "Jenis kelamin",
            Element::Agama => "Agama",
            Element::TmptLhr => "Tempat lahir",
            Element::TglLhr => "Tanggal lahir",
            Element::StatusKawin => "Status perkawinan",
            Element::StatHbkel => "Status hubungan dalam keluarga",
            Element::JenisPkrjn => "Jenis pekerjaan",
            Element::Alamat => "Alamat",
            Element::NoAktaLhr => "Nomor akta kelahiran",
            Element::NoAktaKwn => "Nomor akta perkawinan",
            Element::TglKwn => "Tanggal perkawinan",
            Element::AnggotaKeluarga => "Anggota keluarga dalam KK",
            Element::Foto => "Foto wajah",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Element::Nik => "NIK",
            Element::NoKk => "Family card (KK) number",
            Element::NamaLgkp => "Full name",
            Element::JenisKlmin => "Sex",
            Element::Agama => "Religion",
            Element::TmptLhr => "Place of birth",
            Element::TglLhr => "Date of birth",
            Element::StatusKawin => "Marital status",
            Element::StatHbkel => "Relationship in family",
            Element::JenisPkrjn => "Occupation",
            Element::Alamat => "Address",
            Element::NoAktaLhr => "Birth certificate number",
            Element::NoAktaKwn => "Marriage certificate number",
            Element::TglKwn => "Marriage date",
            Element::AnggotaKeluarga => "Family members in the KK",
            Element::Foto => "Face photo",
        }
    }

    /// Elements Dukcapil compares by similarity rather than exactly.
    pub fn is_fuzzy(self) -> bool {
        matches!(self, Element::NamaLgkp | Element::TmptLhr | Element::Alamat)
    }

    /// Choices offered in the form for coded elements (SIAK labels).
    pub fn choices(self) -> &'static [&'static str] {
        match self {
            Element::JenisKlmin => &JENIS_KLMIN,
            Element::Agama => &AGAMA,
            Element::StatusKawin => &STATUS_KAWIN,
            Element::StatHbkel => &STAT_HBKEL,
            _ => &[],
        }
    }
}

pub const JENIS_KLMIN: [&str; 2] = ["LAKI-LAKI", "PEREMPUAN"];
pub const AGAMA: [&str; 7] =
    ["ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KHONGHUCU", "KEPERCAYAAN TERHADAP TUHAN YME"];
pub const STATUS_KAWIN: [&str; 4] = ["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"];
pub const STAT_HBKEL: [&str; 11] = [
    "KEPALA KELUARGA",
    "SUAMI",
    "ISTRI",
    "ANAK",
    "MENANTU",
    "CUCU",
    "ORANGTUA",
    "MERTUA",
    "FAMILI LAIN",
    "PEMBANTU",
    "LAINNYA",
];

/// Why an officer accesses population data: the scope of use in PKS 2024
/// Pasal 1. Every access records one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Synchronising, verifying and validating CASN and ASN data.
    DataCasnAsn,
    /// Applicants to CASN selection.
    PelamarCasn,
    /// Applicants to JPT (senior executive) selection.
    PelamarJpt,
    /// Non-ASN government officials.
    PejabatNonAsn,
    /// ASN retirees.
    PensiunanAsn,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::DataCasnAsn,
        Purpose::PelamarCasn,
        Purpose::PelamarJpt,
        Purpose::PejabatNonAsn,
        Purpose::PensiunanAsn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::DataCasnAsn => "data_casn_asn",
            Purpose::PelamarCasn => "pelamar_casn",
            Purpose::PelamarJpt => "pelamar_jpt",
            Purpose::PejabatNonAsn => "pejabat_non_asn",
            Purpose::PensiunanAsn => "pensiunan_asn",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Purpose::DataCasnAsn => "Sinkronisasi, verifikasi dan validasi data CASN/ASN",
            Purpose::PelamarCasn => "Verifikasi pelamar seleksi CASN",
            Purpose::PelamarJpt => "Verifikasi pelamar seleksi JPT",
            Purpose::PejabatNonAsn => "Verifikasi data pejabat non-ASN",
            Purpose::PensiunanAsn => "Verifikasi data pensiunan ASN",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Purpose::DataCasnAsn => "Synchronise, verify and validate CASN/ASN data",
            Purpose::PelamarCasn => "Verify a CASN selection applicant",
            Purpose::PelamarJpt => "Verify a JPT selection applicant",
            Purpose::PejabatNonAsn => "Verify a non-ASN official",
            Purpose::PensiunanAsn => "Verify an ASN retiree",
        }
    }
}
