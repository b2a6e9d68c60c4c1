//! `CALL_VERIFY_BY_ELEMEN` answers: any bytes, for any set of sent elements.
//!
//! Input: byte 0 picks the sent elements (NIK always first, then the
//! elements whose bit is set), the rest is the response body.
//! Properties: never panics; a found answer carries exactly one verdict per
//! sent element, in the order sent, and a score only within 0–100.

#![no_main]

use libfuzzer_sys::fuzz_target;
use padan_backend::dukcapil::{VerifyResult, parse};
use padan_protocol::v1::Element;

/// What the verify form can claim (NIK is always sent).
const CLAIMABLE: [Element; 8] = [
    Element::NamaLgkp,
    Element::JenisKlmin,
    Element::Agama,
    Element::TmptLhr,
    Element::TglLhr,
    Element::StatusKawin,
    Element::JenisPkrjn,
    Element::Alamat,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let sent: Vec<Element> = std::iter::once(Element::Nik)
        .chain(CLAIMABLE.iter().enumerate().filter(|(i, _)| pick & (1 << i) != 0).map(|(_, e)| *e))
        .collect();
    let Ok(reply) = parse::verify_response(body, &sent) else { return };
    if let VerifyResult::Found { verdicts, .. } = &reply.result {
        if !verdicts.is_empty() {
            let got: Vec<Element> = verdicts.iter().map(|(e, _, _)| *e).collect();
            assert_eq!(got, sent, "verdicts for other elements than sent");
        }
        for (_, _, score) in verdicts {
            assert!(score.is_none_or(|s| s <= 100), "score {score:?} outside 0-100");
        }
    }
});
