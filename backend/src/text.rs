//! Free text from requests: the character rule (shared with the SPA, in
//! `padan_protocol::validate::check_text`) as a field error, and NFKC
//! normalisation before names are stored or compared.
//!
//! What is normalised (NFKC, Unicode compatibility composition):
//! - stored: officer display names, agreement titles, numbers and clauses,
//!   so a name typed with fullwidth letters or ligatures is the same name;
//! - compared only: usernames at sign-in and at creation (the stored
//!   username is ASCII by rule), coded choices and names in
//!   verify-by-elements claims and KTP-el card claims before they go to
//!   Dukcapil, audit filters.
//!
//! The portal reason is not normalised: it is the officer's own statement
//! and the auditor reads it as typed (its line breaks folded to spaces, as
//! the audit record is one line).

use padan_protocol::validate::{Lines, check_text};
use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

/// Refuses control and invisible format characters in `value`, as a field
/// error for `field` (Bahasa Indonesia and English, naming the code point).
pub fn free_text(field: &str, value: &str, lines: Lines) -> Result<(), AppError> {
    check_text(value, lines).map_err(|e| AppError::field(field, e.message_id(), e.message_en()))
}

/// The same rule for a query parameter (a filter, an upload's file name):
/// not a form field, so a 400 naming the parameter, as the other filter
/// checks answer.
pub fn query_text(param: &str, value: &str, lines: Lines) -> Result<(), AppError> {
    check_text(value, lines).map_err(|e| {
        AppError::InvalidRequest(format!(
            "{param}: karakter kendali atau format tak terlihat ({}) tidak diizinkan",
            e.code_point()
        ))
    })
}

/// NFKC: compatibility forms (fullwidth `ＲＩＮＡ`, ligatures `ﬁ`, `ｶ`…)
/// become their plain equivalents, and composed/decomposed accents agree.
pub fn nfkc(value: &str) -> String {
    value.nfkc().collect()
}

/// A name or coded label as compared: NFKC, runs of whitespace folded to
/// one space, upper case (Dukcapil's SIAK labels and names are upper case).
pub fn name_key(value: &str) -> String {
    nfkc(value).split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_compare_equal() {
        assert_eq!(name_key("ＲＩＮＡ　ｋｕｓｕｍａ"), "RINA KUSUMA");
        assert_eq!(name_key("Rina  Kusuma "), "RINA KUSUMA");
        // Decomposed é (e + U+0301) and precomposed é are one name.
        assert_eq!(name_key("De\u{301}wi"), name_key("D\u{e9}wi"));
        assert_eq!(nfkc("ｒｉｎａ"), "rina");
    }

    #[test]
    fn the_field_error_names_the_field() {
        let Err(AppError::Validation(fields)) = free_text("display_name", "a\u{0}b", Lines::Single) else {
            panic!("refused")
        };
        assert_eq!(fields[0].field, "display_name");
        assert!(fields[0].message.contains("U+0000"));
        assert!(free_text("reason", "baris\nbaris", Lines::Multi).is_ok());
    }
}
