//! `CALL_NIK`, `CALL_KK` and `CALL_FOTO` answers: any bytes, any grant.
//!
//! Input: bytes 0–1 pick the granted elements (a bit per element of
//! `Element::ALL`), the rest is the response body, read as all three.
//! Properties (ARCHITECTURE invariant 2, "elements outside the grant are
//! stripped"): never panics; a found record yields only granted elements,
//! in grant order, each at most once, never the family or photo as an
//! element; the result depends on nothing but the granted fields — the same
//! body with every other field removed gives the same elements; a photo is
//! only ever base64 of something that starts like a JPEG; family members
//! come only from the answer's entries and always carry a NIK.

#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use padan_backend::dukcapil::{LookupResult, parse};
use padan_protocol::v1::Element;
use serde_json::{Map, Value};

/// The fields the address element is built from.
const ADDRESS_PARTS: [&str; 7] = ["ALAMAT", "NO_RT", "NO_RW", "KEL_NAME", "KEC_NAME", "KAB_NAME", "PROP_NAME"];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let mask = u16::from_le_bytes([data[0], data[1]]);
    let body = &data[2..];
    let granted: Vec<Element> =
        Element::ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, e)| *e).collect();

    let Ok((parsed, raw)) = parse::gateway_response(body) else { return };

    // CALL_NIK
    if let Ok(reply) = parse::interpret_record(&parsed, &granted) {
        if let LookupResult::Found { elements, family, photo_jpeg_base64, .. } = &reply.result {
            assert!(family.is_none() && photo_jpeg_base64.is_none());
            let mut last = None;
            for e in elements {
                let pos = granted.iter().position(|g| *g == e.element);
                assert!(pos.is_some(), "{:?} returned but not granted", e.element);
                assert!(pos > last, "{:?} out of grant order or repeated", e.element);
                last = pos;
                assert!(!matches!(e.element, Element::AnggotaKeluarga | Element::Foto));
            }
            // Only the granted fields may shape the answer.
            let allowed: Vec<&str> = granted
                .iter()
                .map(|e| e.wire_name())
                .chain(granted.contains(&Element::Alamat).then_some(ADDRESS_PARTS).into_iter().flatten())
                .collect();
            let only_granted: Map<String, Value> = parsed
                .fields
                .iter()
                .filter(|(k, _)| allowed.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(&parse::strip(&only_granted, &granted), elements, "the answer depends on ungranted fields");
        }
    }

    // CALL_KK
    let members = parse::family_members(&raw);
    let entries = raw
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("content")).map(|(_, v)| v))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    assert!(members.len() <= entries, "{} members from {entries} entries", members.len());
    for m in &members {
        assert!(!m.nik.is_empty() && !m.nama_lgkp.is_empty());
    }

    // CALL_FOTO
    if let Some(b64) = parse::photo(&parsed) {
        let bytes = base64::engine::general_purpose::STANDARD.decode(&b64).expect("accepted photo is base64");
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "accepted photo is no JPEG");
    }
});
