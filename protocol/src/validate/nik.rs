use std::fmt;

use super::{PartialDate, Sex, all_digits, num, province_name};

/// A structurally valid NIK (Nomor Induk Kependudukan), decoded.
///
/// Layout: `PP KK CC DDMMYY SSSS` — province, regency/city and district of
/// registration, birth date (day + 40 for women), serial.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik {
    digits: [u8; 16],
    pub province: u8,
    pub regency: u8,
    pub district: u8,
    pub birth_date: PartialDate,
    pub sex: Sex,
    pub serial: u16,
}

/// Hand-written so a NIK never reaches a log through `{:?}`.
impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({}{}**********)", self.digits[0] as char, self.digits[1] as char)
    }
}

impl Nik {
    pub fn as_str(&self) -> &str {
        // The 16 bytes are ASCII digits by construction.
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }

    /// Four-digit regency/city code (`PPKK`).
    pub fn regency_code(&self) -> u16 {
        u16::from(self.province) * 100 + u16::from(self.regency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NikError {
    Empty,
    Length { got: usize },
    NotDigits,
    UnknownProvince { code: u8 },
    ZeroRegion,
    InvalidBirthDate,
    ZeroSerial,
}

impl NikError {
    /// Message for the officer, in Bahasa Indonesia.
    pub fn message_id(&self) -> String {
        match self {
            Self::Empty => "NIK wajib diisi.".into(),
            Self::Length { got } => format!("NIK harus 16 digit (sekarang {got})."),
            Self::NotDigits => "NIK hanya boleh berisi angka.".into(),
            Self::UnknownProvince { code } => format!("Kode provinsi {code:02} pada NIK tidak dikenal."),
            Self::ZeroRegion => "Kode kabupaten/kota atau kecamatan pada NIK tidak boleh 00.".into(),
            Self::InvalidBirthDate => "Tanggal lahir yang terkandung dalam NIK tidak valid.".into(),
            Self::ZeroSerial => "Nomor urut pada NIK tidak boleh 0000.".into(),
        }
    }

    /// The same message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Empty => "NIK is required.".into(),
            Self::Length { got } => format!("NIK must have 16 digits (has {got})."),
            Self::NotDigits => "NIK may contain digits only.".into(),
            Self::UnknownProvince { code } => format!("Unknown province code {code:02} in NIK."),
            Self::ZeroRegion => "Regency or district code in NIK must not be 00.".into(),
            Self::InvalidBirthDate => "The birth date encoded in the NIK is not a valid date.".into(),
            Self::ZeroSerial => "The NIK serial must not be 0000.".into(),
        }
    }
}

impl fmt::Display for NikError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for NikError {}

/// Parses and structurally validates a NIK. Surrounding white space is
/// ignored; anything else that is not a digit is an error.
pub fn parse_nik(input: &str) -> Result<Nik, NikError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(NikError::Empty);
    }
    if !all_digits(s) {
        return Err(NikError::NotDigits);
    }
    if s.len() != 16 {
        return Err(NikError::Length { got: s.len() });
    }
    let province = num(&s[0..2]) as u8;
    if province_name(province).is_none() {
        return Err(NikError::UnknownProvince { code: province });
    }
    let regency = num(&s[2..4]) as u8;
    let district = num(&s[4..6]) as u8;
    if regency == 0 || district == 0 {
        return Err(NikError::ZeroRegion);
    }
    let raw_day = num(&s[6..8]) as u8;
    let (day, sex) = if raw_day > 40 { (raw_day - 40, Sex::Female) } else { (raw_day, Sex::Male) };
    let birth_date =
        PartialDate::new(num(&s[10..12]) as u8, num(&s[8..10]) as u8, day).ok_or(NikError::InvalidBirthDate)?;
    let serial = num(&s[12..16]) as u16;
    if serial == 0 {
        return Err(NikError::ZeroSerial);
    }
    let mut digits = [0u8; 16];
    digits.copy_from_slice(s.as_bytes());
    Ok(Nik { digits, province, regency, district, birth_date, sex, serial })
}
