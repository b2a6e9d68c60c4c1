use std::fmt;

use super::shape::{self, Noun, Shape};
use super::{PartialDate, Sex, num};

const NOUN: Noun = Noun { id: "NIK", en: "NIK", len: 16 };

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
    /// The message for the officer, in Bahasa Indonesia and in English.
    fn messages(&self) -> (String, String) {
        match self {
            Self::Empty => Shape::Empty.messages(&NOUN),
            Self::Length { got } => Shape::Length { got: *got }.messages(&NOUN),
            Self::NotDigits => Shape::NotDigits.messages(&NOUN),
            Self::UnknownProvince { code } => (
                format!("Kode provinsi {code:02} pada NIK tidak dikenal."),
                format!("Unknown province code {code:02} in NIK."),
            ),
            Self::ZeroRegion => (
                "Kode kabupaten/kota atau kecamatan pada NIK tidak boleh 00.".into(),
                "Regency or district code in NIK must not be 00.".into(),
            ),
            Self::InvalidBirthDate => (
                "Tanggal lahir yang terkandung dalam NIK tidak valid.".into(),
                "The birth date encoded in the NIK is not a valid date.".into(),
            ),
            Self::ZeroSerial => {
                ("Nomor urut pada NIK tidak boleh 0000.".into(), "The NIK serial must not be 0000.".into())
            }
        }
    }
}

shape::messages!(NikError);
shape::from_shape!(NikError);
shape::from_prefix!(NikError);

/// Parses and structurally validates a NIK. Surrounding white space is
/// ignored; anything else that is not a digit is an error.
pub fn parse_nik(input: &str) -> Result<Nik, NikError> {
    let s = shape::digits(input, &NOUN)?;
    let (province, regency, district) = shape::region(s)?;
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
