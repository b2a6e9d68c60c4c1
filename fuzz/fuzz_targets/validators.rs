//! The NIK, KK and NIP validators and `CivilDate` (`padan_protocol::validate`),
//! which run in the SPA and in the backend on what officers type.
//!
//! Input: byte 0 picks the validator, the rest is the text (lossy UTF-8).
//! Properties: never panics; what is accepted is the trimmed input, all
//! ASCII digits of the right length, and re-parsing its canonical form gives
//! the same value; decoded parts are in range; refusals carry an Indonesian
//! and an English message; a date re-formatted as ISO, dd-mm-yyyy and
//! dd.mm.yyyy parses back to itself.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use padan_protocol::validate::{
    CivilDate, nik_agrees_with_claims, nik_agrees_with_nip, parse_kk, parse_nik, parse_nip, province_name,
};

/// What every accepted number satisfies: its canonical form is the trimmed
/// input, `len` ASCII digits, and parses back to the same value.
fn canonical<T: PartialEq + Debug, E: PartialEq + Debug>(
    input: &str,
    form: &str,
    len: usize,
    parse: fn(&str) -> Result<T, E>,
    value: &T,
) {
    assert_eq!(form, input.trim());
    assert!(form.len() == len && form.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(parse(form).as_ref(), Ok(value));
}

/// Every refusal has a message in both languages.
fn refused(id: String, en: String) {
    assert!(!id.is_empty() && !en.is_empty());
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let input = text.as_ref();
    match pick % 4 {
        0 => match parse_nik(input) {
            Ok(nik) => {
                canonical(input, nik.as_str(), 16, parse_nik, &nik);
                assert!(province_name(nik.province).is_some());
                assert!(nik.regency > 0 && nik.district > 0 && nik.serial > 0);
                assert!((1..=12).contains(&nik.birth_date.month) && (1..=31).contains(&nik.birth_date.day));
                assert_eq!(nik.regency_code(), u16::from(nik.province) * 100 + u16::from(nik.regency));
                let _ = nik_agrees_with_claims(&nik, CivilDate::new(1990, 1, 1), Some(nik.sex));
                if let Ok(nip) = parse_nip("199001012015031001") {
                    let _ = nik_agrees_with_nip(&nik, &nip);
                }
            }
            Err(e) => refused(e.message_id(), e.message_en()),
        },
        1 => match parse_kk(input) {
            Ok(kk) => {
                canonical(input, kk.as_str(), 16, parse_kk, &kk);
                assert!(province_name(kk.province).is_some());
            }
            Err(e) => refused(e.message_id(), e.message_en()),
        },
        2 => match parse_nip(input) {
            Ok(nip) => {
                canonical(input, nip.as_str(), 18, parse_nip, &nip);
                let b = nip.birth_date;
                assert_eq!(CivilDate::new(b.year, b.month, b.day), Some(b));
                assert!(nip.serial > 0);
            }
            Err(e) => refused(e.message_id(), e.message_en()),
        },
        _ => {
            if let Some(d) = CivilDate::parse(input) {
                assert_eq!(CivilDate::new(d.year, d.month, d.day), Some(d));
                for form in [d.iso(), d.dmy('-'), d.dmy('.'), d.to_string()] {
                    assert_eq!(CivilDate::parse(&form), Some(d), "{form}");
                }
            }
        }
    }
});
