//! Structure checks for the identity numbers officers type (NIK, KK and
//! NIP), and the character rule for free text ([`check_text`]).
//!
//! These are cheap, offline checks that save Dukcapil quota and catch typos
//! before a request is sent. They say nothing about whether a number exists.
//! The same functions run in the SPA (as the officer types) and in the
//! backend (before anything leaves BKN), so the two can never disagree.

mod date;
mod kk;
mod nik;
mod nip;
mod region;
mod shape;
mod text;

pub use date::{CivilDate, PartialDate};
pub use kk::{Kk, KkError, parse_kk};
pub use nik::{Nik, NikError, parse_nik};
pub use nip::{Nip, NipError, NipKind, parse_nip};
pub use region::{PROVINCES, province_name};
pub use text::{Lines, TextError, check_text, escape_invisible, is_control, is_format};

/// Sex as encoded in NIK (day + 40) and NIP (digit 1 / 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// A disagreement between two numbers (or a number and a claimed value)
/// that describe the same person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    BirthDate,
    Sex,
}

/// Checks that a NIK and a NIP can belong to the same person: same birth
/// date (the NIK carries only two year digits) and same sex.
pub fn nik_agrees_with_nip(nik: &Nik, nip: &Nip) -> Result<(), Mismatch> {
    let nb = nik.birth_date;
    let pb = nip.birth_date;
    if nb.day != pb.day || nb.month != pb.month || nb.year_2digit != (pb.year % 100) as u8 {
        return Err(Mismatch::BirthDate);
    }
    if nik.sex != nip.sex {
        return Err(Mismatch::Sex);
    }
    Ok(())
}

/// Checks a NIK against a claimed birth date and sex (either may be absent).
/// Returns every disagreement found, so the form can flag each field.
pub fn nik_agrees_with_claims(nik: &Nik, birth_date: Option<CivilDate>, sex: Option<Sex>) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(d) = birth_date {
        let nb = nik.birth_date;
        if nb.day != d.day || nb.month != d.month || nb.year_2digit != (d.year % 100) as u8 {
            out.push(Mismatch::BirthDate);
        }
    }
    if let Some(s) = sex {
        if s != nik.sex {
            out.push(Mismatch::Sex);
        }
    }
    out
}

pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn num(s: &str) -> u32 {
    s.bytes().fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}
