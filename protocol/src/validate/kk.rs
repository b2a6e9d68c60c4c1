use std::fmt;

use super::shape::{self, Noun, Shape};
use super::{PartialDate, num};

const NOUN: Noun = Noun { id: "Nomor KK", en: "KK number", len: 16 };

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
    /// The message for the officer, in Bahasa Indonesia and in English.
    fn messages(&self) -> (String, String) {
        match self {
            Self::Empty => Shape::Empty.messages(&NOUN),
            Self::Length { got } => Shape::Length { got: *got }.messages(&NOUN),
            Self::NotDigits => Shape::NotDigits.messages(&NOUN),
            Self::UnknownProvince { code } => (
                format!("Kode provinsi {code:02} pada nomor KK tidak dikenal."),
                format!("Unknown province code {code:02} in KK number."),
            ),
            Self::ZeroRegion => (
                "Kode wilayah pada nomor KK tidak boleh 00.".into(),
                "Region codes in the KK number must not be 00.".into(),
            ),
            Self::InvalidDate => {
                ("Tanggal dalam nomor KK tidak valid.".into(), "The date encoded in the KK number is not valid.".into())
            }
        }
    }
}

shape::messages!(KkError);
shape::from_shape!(KkError);
shape::from_prefix!(KkError);

pub fn parse_kk(input: &str) -> Result<Kk, KkError> {
    let s = shape::digits(input, &NOUN)?;
    let (province, _, _) = shape::region(s)?;
    let entry_date = PartialDate::new(num(&s[10..12]) as u8, num(&s[8..10]) as u8, num(&s[6..8]) as u8)
        .ok_or(KkError::InvalidDate)?;
    let mut digits = [0u8; 16];
    digits.copy_from_slice(s.as_bytes());
    Ok(Kk { digits, province, entry_date })
}
