use std::fmt;

use super::{PartialDate, all_digits, num, province_name};

/// A structurally valid KK (family card) number: region code (`PPKKCC`), the
/// date the family's data was entered (`DDMMYY`), serial (`SSSS`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Kk {
    digits: [u8; 16],
    pub province: u8,
    pub entry_date: PartialDate,
}

impl fmt::Debug for Kk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kk({}{}**********)", self.digits[0] as char, self.digits[1] as char)
    }
}

impl Kk {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KkError {
    Empty,
    Length { got: usize },
    NotDigits,
    UnknownProvince { code: u8 },
    ZeroRegion,
    InvalidDate,
}

impl KkError {
    pub fn message_id(&self) -> String {
        match self {
            Self::Empty => "Nomor KK wajib diisi.".into(),
            Self::Length { got } => format!("Nomor KK harus 16 digit (sekarang {got})."),
            Self::NotDigits => "Nomor KK hanya boleh berisi angka.".into(),
            Self::UnknownProvince { code } => format!("Kode provinsi {code:02} pada nomor KK tidak dikenal."),
            Self::ZeroRegion => "Kode wilayah pada nomor KK tidak boleh 00.".into(),
            Self::InvalidDate => "Tanggal dalam nomor KK tidak valid.".into(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            Self::Empty => "KK number is required.".into(),
            Self::Length { got } => format!("KK number must have 16 digits (has {got})."),
            Self::NotDigits => "KK number may contain digits only.".into(),
            Self::UnknownProvince { code } => format!("Unknown province code {code:02} in KK number."),
            Self::ZeroRegion => "Region codes in the KK number must not be 00.".into(),
            Self::InvalidDate => "The date encoded in the KK number is not valid.".into(),
        }
    }
}

impl fmt::Display for KkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for KkError {}

pub fn parse_kk(input: &str) -> Result<Kk, KkError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(KkError::Empty);
    }
    if !all_digits(s) {
        return Err(KkError::NotDigits);
    }
    if s.len() != 16 {
        return Err(KkError::Length { got: s.len() });
    }
    let province = num(&s[0..2]) as u8;
    if province_name(province).is_none() {
        return Err(KkError::UnknownProvince { code: province });
    }
    if num(&s[2..4]) == 0 || num(&s[4..6]) == 0 {
        return Err(KkError::ZeroRegion);
    }
    let entry_date = PartialDate::new(num(&s[10..12]) as u8, num(&s[8..10]) as u8, num(&s[6..8]) as u8)
        .ok_or(KkError::InvalidDate)?;
    let mut digits = [0u8; 16];
    digits.copy_from_slice(s.as_bytes());
    Ok(Kk { digits, province, entry_date })
}
