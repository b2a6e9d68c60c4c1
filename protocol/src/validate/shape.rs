//! The checks NIK, KK and NIP share: the leading shape checks (trimmed, not
//! empty, digits only, right length) and, for NIK and KK, the region prefix
//! (`PPKKCC`: known province, regency and district not `00`).

use super::{num, province_name};

/// How an identity number is named in the messages, and its length.
pub(super) struct Noun {
    pub id: &'static str,
    pub en: &'static str,
    pub len: usize,
}

/// A failed leading check; each number's error type has one variant per case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Empty,
    Length { got: usize },
    NotDigits,
}

impl Shape {
    /// The message in Bahasa Indonesia and in English.
    pub fn messages(self, noun: &Noun) -> (String, String) {
        let Noun { id, en, len } = noun;
        match self {
            Self::Empty => (format!("{id} wajib diisi."), format!("{en} is required.")),
            Self::Length { got } => (
                format!("{id} harus {len} digit (sekarang {got})."),
                format!("{en} must have {len} digits (has {got})."),
            ),
            Self::NotDigits => (format!("{id} hanya boleh berisi angka."), format!("{en} may contain digits only.")),
        }
    }
}

/// Trims `input` and checks it is `noun.len` ASCII digits (the digit check
/// comes first, so `12a` is "digits only", not "wrong length").
pub(super) fn digits<'a>(input: &'a str, noun: &Noun) -> Result<&'a str, Shape> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Shape::Empty);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Shape::NotDigits);
    }
    if s.len() != noun.len {
        return Err(Shape::Length { got: s.len() });
    }
    Ok(s)
}

/// A bad region prefix of a NIK or KK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Prefix {
    UnknownProvince { code: u8 },
    ZeroRegion,
}

/// Province, regency and district codes of the `PPKKCC` prefix of `s`, which
/// [`digits`] has already checked.
pub(super) fn region(s: &str) -> Result<(u8, u8, u8), Prefix> {
    let province = num(&s[0..2]) as u8;
    if province_name(province).is_none() {
        return Err(Prefix::UnknownProvince { code: province });
    }
    let (regency, district) = (num(&s[2..4]) as u8, num(&s[4..6]) as u8);
    if regency == 0 || district == 0 {
        return Err(Prefix::ZeroRegion);
    }
    Ok((province, regency, district))
}

/// `From<Shape>` for an error with `Empty`, `Length { got }` and `NotDigits`.
macro_rules! from_shape {
    ($error:ty) => {
        impl From<$crate::validate::shape::Shape> for $error {
            fn from(e: $crate::validate::shape::Shape) -> Self {
                use $crate::validate::shape::Shape;
                match e {
                    Shape::Empty => Self::Empty,
                    Shape::Length { got } => Self::Length { got },
                    Shape::NotDigits => Self::NotDigits,
                }
            }
        }
    };
}

/// `From<Prefix>` for an error with `UnknownProvince { code }` and `ZeroRegion`.
macro_rules! from_prefix {
    ($error:ty) => {
        impl From<$crate::validate::shape::Prefix> for $error {
            fn from(e: $crate::validate::shape::Prefix) -> Self {
                use $crate::validate::shape::Prefix;
                match e {
                    Prefix::UnknownProvince { code } => Self::UnknownProvince { code },
                    Prefix::ZeroRegion => Self::ZeroRegion,
                }
            }
        }
    };
}

/// `message_id`, `message_en`, `Display` (English) and `Error` for an error
/// with a private `fn messages(&self) -> (String, String)`.
macro_rules! messages {
    ($error:ty) => {
        impl $error {
            /// Message for the officer, in Bahasa Indonesia.
            pub fn message_id(&self) -> String {
                self.messages().0
            }

            /// The same message in English.
            pub fn message_en(&self) -> String {
                self.messages().1
            }
        }

        impl std::fmt::Display for $error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.message_en())
            }
        }

        impl std::error::Error for $error {}
    };
}

pub(super) use {from_prefix, from_shape, messages};
