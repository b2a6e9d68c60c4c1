use super::shape::{self, Noun, Shape};
use super::{CivilDate, Sex, num};

const NOUN: Noun = Noun { id: "NIP", en: "NIP", len: 18 };

/// Whether a NIP belongs to a civil servant (PNS) or a contract employee (PPPK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NipKind {
    /// `YYYYMMDD` birth date + `YYYYMM` appointment (TMT) + sex + serial.
    Pns { tmt_year: u16, tmt_month: u8 },
    /// `YYYYMMDD` birth date + `YYYY` TMT year + `2` + digit 1–9 + sex + serial.
    Pppk { tmt_year: u16 },
}

/// A structurally valid NIP (Nomor Induk Pegawai), decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nip {
    digits: String,
    pub birth_date: CivilDate,
    pub kind: NipKind,
    pub sex: Sex,
    pub serial: u16,
}

impl Nip {
    pub fn as_str(&self) -> &str {
        &self.digits
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NipError {
    Empty,
    Length { got: usize },
    NotDigits,
    InvalidBirthDate,
    InvalidTmt,
    TmtBeforeBirth,
    InvalidSex,
    ZeroSerial,
}

impl NipError {
    /// The message for the officer, in Bahasa Indonesia and in English.
    fn messages(&self) -> (String, String) {
        match self {
            Self::Empty => Shape::Empty.messages(&NOUN),
            Self::Length { got } => Shape::Length { got: *got }.messages(&NOUN),
            Self::NotDigits => Shape::NotDigits.messages(&NOUN),
            Self::InvalidBirthDate => {
                ("Tanggal lahir pada NIP tidak valid.".into(), "The birth date in the NIP is not valid.".into())
            }
            Self::InvalidTmt => (
                "TMT pengangkatan pada NIP tidak valid.".into(),
                "The appointment date (TMT) in the NIP is not valid.".into(),
            ),
            Self::TmtBeforeBirth => (
                "TMT pada NIP lebih awal dari tanggal lahir.".into(),
                "The NIP's appointment date precedes its birth date.".into(),
            ),
            Self::InvalidSex => {
                ("Kode jenis kelamin pada NIP harus 1 atau 2.".into(), "The NIP's sex digit must be 1 or 2.".into())
            }
            Self::ZeroSerial => {
                ("Nomor urut pada NIP tidak boleh 000.".into(), "The NIP serial must not be 000.".into())
            }
        }
    }
}

shape::messages!(NipError);
shape::from_shape!(NipError);

pub fn parse_nip(input: &str) -> Result<Nip, NipError> {
    let s = shape::digits(input, &NOUN)?;
    let birth_date = CivilDate::new(num(&s[0..4]) as u16, num(&s[4..6]) as u8, num(&s[6..8]) as u8)
        .ok_or(NipError::InvalidBirthDate)?;
    let tmt_year = num(&s[8..12]) as u16;
    let b12 = num(&s[12..13]);
    let b13 = num(&s[13..14]);
    // PNS: positions 12–13 are a month (01–12). PPPK: `2` + 1–9, i.e. 21–29,
    // which can never be a month, so the two layouts never collide.
    let kind = match (b12, b13) {
        (2, 1..=9) => NipKind::Pppk { tmt_year },
        _ => {
            let tmt_month = (b12 * 10 + b13) as u8;
            if !(1..=12).contains(&tmt_month) {
                return Err(NipError::InvalidTmt);
            }
            NipKind::Pns { tmt_year, tmt_month }
        }
    };
    if !(1900..=2200).contains(&tmt_year) {
        return Err(NipError::InvalidTmt);
    }
    if tmt_year < birth_date.year {
        return Err(NipError::TmtBeforeBirth);
    }
    let sex = match num(&s[14..15]) {
        1 => Sex::Male,
        2 => Sex::Female,
        _ => return Err(NipError::InvalidSex),
    };
    let serial = num(&s[15..18]) as u16;
    if serial == 0 {
        return Err(NipError::ZeroSerial);
    }
    Ok(Nip { digits: s.to_owned(), birth_date, kind, sex, serial })
}
