//! Look-ups (`CALL_NIK`, with `CALL_KK` for the family and `CALL_FOTO` for
//! the face photo when granted), stripped to the granted elements.
//!
//! Dukcapil returns far more than any agreement grants. The full record
//! never leaves this module: [`strip`] keeps only the granted elements, in
//! grant order, and everything else is dropped with the parsed response.

use std::time::Instant;

use base64::Engine;
use padan_protocol::{
    v1::{AGAMA, Element, ElementValue, FamilyMember, JENIS_KLMIN, NotFoundReason, PersonStatus},
    validate::{CivilDate, Nik},
};
use serde_json::{Map, Value, json};

use super::{DukcapilClient, DukcapilError, ResponseCode, Service, verify::person_status, wire};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupResult {
    Found {
        status: PersonStatus,
        elements: Vec<ElementValue>,
        family: Option<Vec<FamilyMember>>,
        photo_jpeg_base64: Option<String>,
    },
    NotFound(NotFoundReason),
}

#[derive(Debug)]
pub struct LookupReply {
    pub result: LookupResult,
    pub code: ResponseCode,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Numbers that lost their leading zeros on the way (JSON numbers).
fn padded(v: &Value, width: usize) -> Option<String> {
    let s = text(v)?;
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() < width { Some(format!("{s:0>width$}")) } else { Some(s) }
}

fn coded(v: &Value, labels: &[&str]) -> Option<String> {
    let s = text(v)?;
    match s.parse::<usize>() {
        Ok(n) if (1..=labels.len()).contains(&n) => Some(labels[n - 1].to_owned()),
        _ => Some(s.to_uppercase()),
    }
}

fn date(v: &Value) -> Option<String> {
    let s = text(v)?;
    Some(CivilDate::parse(&s).map(|d| d.iso()).unwrap_or(s))
}

fn address(fields: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| fields.get(k).and_then(text);
    let mut parts = vec![get("ALAMAT")?];
    if let (Some(rt), Some(rw)) =
        (fields.get("NO_RT").and_then(|v| padded(v, 3)), fields.get("NO_RW").and_then(|v| padded(v, 3)))
    {
        parts.push(format!("RT {rt}/RW {rw}"));
    }
    for (key, prefix) in [("KEL_NAME", "KEL. "), ("KEC_NAME", "KEC. "), ("KAB_NAME", ""), ("PROP_NAME", "")] {
        if let Some(v) = get(key) {
            parts.push(format!("{prefix}{v}"));
        }
    }
    Some(parts.join(", "))
}

/// The value of one granted element in a Dukcapil record.
fn element_value(fields: &Map<String, Value>, element: Element) -> Option<String> {
    let field = fields.get(element.wire_name());
    match element {
        Element::Nik | Element::NoKk => padded(field?, 16),
        Element::JenisKlmin => coded(field?, &JENIS_KLMIN),
        Element::Agama => coded(field?, &AGAMA),
        Element::TglLhr | Element::TglKwn => date(field?),
        Element::Alamat => address(fields),
        Element::AnggotaKeluarga | Element::Foto => None,
        _ => text(field?),
    }
}

/// Keeps the granted elements, in grant order; drops everything else. A
/// granted field Dukcapil holds empty stays, empty ("not recorded").
pub fn strip(fields: &Map<String, Value>, granted: &[Element]) -> Vec<ElementValue> {
    granted
        .iter()
        .filter(|e| !matches!(e, Element::AnggotaKeluarga | Element::Foto))
        .filter_map(|e| {
            let value = element_value(fields, *e).or_else(|| fields.contains_key(e.wire_name()).then(String::new))?;
            Some(ElementValue { element: *e, value })
        })
        .collect()
}

fn family_member(fields: &Map<String, Value>) -> Option<FamilyMember> {
    Some(FamilyMember {
        nik: padded(fields.get("NIK")?, 16)?,
        nama_lgkp: text(fields.get("NAMA_LGKP")?)?,
        stat_hbkel: fields.get("STAT_HBKEL").and_then(text).unwrap_or_default(),
    })
}

fn upper(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.to_ascii_uppercase(), v.clone())).collect()
}

impl DukcapilClient {
    async fn gateway_call(
        &self,
        method: &'static str,
        mechanism: &'static str,
        mut body: Map<String, Value>,
    ) -> Result<(wire::Parsed, Value), DukcapilError> {
        self.credentials(&mut body);
        let started = Instant::now();
        let outcome = self
            .post(
                Service::Gateway,
                self.gateway_url(method),
                &Value::Object(body),
                self.config.lookup_timeout(),
                self.config.lookup_retries,
            )
            .await
            .and_then(|bytes| interpret_gateway(&bytes));
        self.observe(
            Service::Gateway,
            mechanism,
            started,
            &outcome,
            |(p, _)| p.code.map_or("01", ResponseCode::code).into(),
            |(p, _)| p.quota_remaining,
        );
        outcome
    }

    /// Looks a NIK up and returns only `granted`. Family members and the
    /// photo cost one more call each, made only when granted.
    pub async fn lookup(
        &self,
        nik: &Nik,
        granted: &[Element],
        mechanism: &'static str,
    ) -> Result<LookupReply, DukcapilError> {
        let mut body = Map::new();
        body.insert("NIK".into(), json!(nik.as_str()));
        let (parsed, _) = self.gateway_call("CALL_NIK", mechanism, body).await?;
        let reply = interpret_record(&parsed, granted)?;
        let (code, status, elements) = match reply.result {
            LookupResult::Found { status, elements, .. } => (reply.code, status, elements),
            LookupResult::NotFound(_) => return Ok(reply),
        };

        let family = if granted.contains(&Element::AnggotaKeluarga) {
            let no_kk = parsed.fields.get("NO_KK").and_then(|v| padded(v, 16));
            match no_kk {
                Some(no_kk) => {
                    let mut body = Map::new();
                    body.insert("NO_KK".into(), json!(no_kk));
                    let (_, raw) = self.gateway_call("CALL_KK", mechanism, body).await?;
                    Some(family_members(&raw))
                }
                None => Some(Vec::new()),
            }
        } else {
            None
        };

        let photo_jpeg_base64 = if granted.contains(&Element::Foto) {
            let mut body = Map::new();
            body.insert("NIK".into(), json!(nik.as_str()));
            let (parsed, _) = self.gateway_call("CALL_FOTO", mechanism, body).await?;
            photo(&parsed)
        } else {
            None
        };

        Ok(LookupReply { result: LookupResult::Found { status, elements, family, photo_jpeg_base64 }, code })
    }
}

/// Reads a gateway answer (`CALL_NIK`, `CALL_KK`, `CALL_FOTO`): the
/// envelope and the raw JSON; unknown codes and a spent quota are errors.
pub fn interpret_gateway(body: &[u8]) -> Result<(wire::Parsed, Value), DukcapilError> {
    let raw: Value = serde_json::from_slice(body).map_err(|_| DukcapilError::Malformed("not JSON".into()))?;
    let parsed = wire::parse_envelope(body).map_err(|e| DukcapilError::Malformed(e.to_string()))?;
    if let Some(code) = &parsed.unknown_code {
        return Err(DukcapilError::UnknownCode(code.clone()));
    }
    if parsed.code == Some(ResponseCode::QuotaExhausted) {
        return Err(DukcapilError::QuotaExhausted);
    }
    Ok((parsed, raw))
}

/// A `CALL_NIK` answer reduced to the outcome and the granted elements
/// (family and photo, separate calls, not filled in).
pub fn interpret_record(parsed: &wire::Parsed, granted: &[Element]) -> Result<LookupReply, DukcapilError> {
    let code = match parsed.code {
        Some(code) => code,
        None if parsed.fields.contains_key("NIK") => ResponseCode::Found,
        None => return Err(DukcapilError::Malformed("neither a response code nor a record".into())),
    };
    let status = match person_status(code)? {
        Ok(status) => status,
        Err(reason) => return Ok(LookupReply { result: LookupResult::NotFound(reason), code }),
    };
    let elements = strip(&parsed.fields, granted);
    if elements.iter().all(|e| e.element != Element::Nik) && granted.contains(&Element::Nik) {
        return Err(DukcapilError::Malformed("record without NIK".into()));
    }
    Ok(LookupReply { result: LookupResult::Found { status, elements, family: None, photo_jpeg_base64: None }, code })
}

/// The family members in a `CALL_KK` answer: NIK, name and relation only.
pub fn family_members(raw: &Value) -> Vec<FamilyMember> {
    let content = raw.as_object().map(upper).and_then(|m| m.get("CONTENT").cloned());
    match content {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(upper)
            .filter(|m| !m.contains_key("RESPONSE_CODE") || m.contains_key("NIK"))
            .filter_map(|m| family_member(&m))
            .collect(),
        _ => Vec::new(),
    }
}

/// The photo in a `CALL_FOTO` answer, when it is base64 of a JPEG.
pub fn photo(parsed: &wire::Parsed) -> Option<String> {
    parsed.fields.get("FOTO").and_then(Value::as_str).and_then(valid_jpeg_base64)
}

/// Accepts only base64 that decodes to something that starts like a JPEG.
fn valid_jpeg_base64(b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    bytes.starts_with(&[0xFF, 0xD8]).then(|| b64.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CALL_NIK record as Dukcapil sends it: far more than any grant.
    fn full_record() -> Map<String, Value> {
        let v = json!({
            "NIK": 3171016708929904u64, "NO_KK": "3171010101150003", "NAMA_LGKP": "DEWI  KARTIKA SARI",
            "JENIS_KLMIN": "2", "TMPT_LHR": "JAKARTA", "TGL_LHR": "27-08-1992", "AGAMA": 1,
            "STATUS_KAWIN": "KAWIN", "STAT_HBKEL": "ISTRI", "PDDK_AKH": "DIPLOMA IV/STRATA I",
            "JENIS_PKRJN": "KARYAWAN SWASTA", "GOL_DARAH": "O", "NAMA_LGKP_IBU": "SITI AMINAH",
            "NAMA_LGKP_AYAH": "BUDI", "NO_AKTA_LHR": "3171-LT-01011992-0001", "ALAMAT": "JL. MAWAR NO. 12",
            "NO_RT": 3, "NO_RW": "005", "KEL_NAME": "GANDARIA", "KEC_NAME": "KEBAYORAN BARU",
            "KAB_NAME": "KOTA JAKARTA SELATAN", "PROP_NAME": "DKI JAKARTA", "TGL_CRAI": "",
            "NO_AKTA_CRAI": "", "PNYDNG_CCT": "TIDAK ADA", "TGL_KWN": "20.06.2015", "NO_AKTA_KWN": "AK-123"
        });
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn strips_to_the_grant_and_normalises() {
        let granted =
            [Element::Nik, Element::NamaLgkp, Element::JenisKlmin, Element::Agama, Element::TglLhr, Element::Alamat];
        let out = strip(&full_record(), &granted);
        let got: Vec<(Element, &str)> = out.iter().map(|e| (e.element, e.value.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Element::Nik, "3171016708929904"),
                (Element::NamaLgkp, "DEWI KARTIKA SARI"),
                (Element::JenisKlmin, "PEREMPUAN"),
                (Element::Agama, "ISLAM"),
                (Element::TglLhr, "1992-08-27"),
                (
                    Element::Alamat,
                    "JL. MAWAR NO. 12, RT 003/RW 005, KEL. GANDARIA, KEC. KEBAYORAN BARU, KOTA JAKARTA SELATAN, DKI JAKARTA"
                ),
            ]
        );
    }

    #[test]
    fn nothing_outside_every_grant_survives() {
        // The union of every element any agreement can grant.
        let everything: Vec<Element> = Element::ALL.to_vec();
        let out = strip(&full_record(), &everything);
        let serialized = serde_json::to_string(&out).unwrap();
        for forbidden in ["SITI AMINAH", "BUDI", "DIPLOMA", "TIDAK ADA", "GOL_DARAH", "\"O\""] {
            assert!(!serialized.contains(forbidden), "{forbidden} leaked: {serialized}");
        }
        assert!(serialized.contains("2015-06-20"), "TGL_KWN normalised: {serialized}");
    }

    #[test]
    fn family_members_keep_only_nik_name_and_relation() {
        let m = family_member(&full_record()).unwrap();
        assert_eq!(
            (m.nik.as_str(), m.nama_lgkp.as_str(), m.stat_hbkel.as_str()),
            ("3171016708929904", "DEWI KARTIKA SARI", "ISTRI")
        );
    }

    #[test]
    fn photo_must_be_jpeg() {
        let jpeg = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 1, 2]);
        assert!(valid_jpeg_base64(&jpeg).is_some());
        assert!(valid_jpeg_base64("bm90IGEganBlZw==").is_none());
        assert!(valid_jpeg_base64("%%%").is_none());
    }
}
