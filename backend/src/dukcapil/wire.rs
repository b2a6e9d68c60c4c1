//! Dukcapil's wire format, read tolerantly.
//!
//! Integrators disagree on key case, on numbers versus strings and on
//! whether an error carries a code; this module absorbs all of that and
//! hands typed values to the client. It is the only place that knows the
//! shape of a Dukcapil response.

use padan_protocol::v1::{Element, Verdict};
use serde_json::{Map, Value};

use super::ResponseCode;

/// A parsed `content[0]` plus the envelope fields the client uses.
#[derive(Debug)]
pub struct Parsed {
    pub code: Option<ResponseCode>,
    /// The raw code when it is not one we know.
    pub unknown_code: Option<String>,
    pub quota_remaining: Option<i64>,
    /// Upper-cased keys of `content[0]` with their values.
    pub fields: Map<String, Value>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("body is not JSON")]
    NotJson,
    #[error("no content in response")]
    NoContent,
}

pub fn parse_envelope(body: &[u8]) -> Result<Parsed, WireError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| WireError::NotJson)?;
    let Value::Object(envelope) = value else {
        return Err(WireError::NotJson);
    };
    let envelope = upper_keys(envelope);
    let quota_remaining = envelope.get("QUOTALIMITER").and_then(as_i64);
    let first = match envelope.get("CONTENT") {
        Some(Value::Array(items)) => items.first().cloned(),
        Some(obj @ Value::Object(_)) => Some(obj.clone()),
        _ => None,
    };
    let fields = match first {
        Some(Value::Object(m)) => upper_keys(m),
        // Some gateways answer errors at the top level.
        _ if envelope.contains_key("RESPONSE_CODE") || envelope.contains_key("RESPON") => envelope.clone(),
        _ => return Err(WireError::NoContent),
    };
    let raw_code = fields.get("RESPONSE_CODE").and_then(as_code);
    let (code, unknown_code) = match raw_code {
        Some(c) => match ResponseCode::from_code(&c) {
            Some(rc) => (Some(rc), None),
            None => (None, Some(c)),
        },
        None => {
            let text = fields.get("RESPON").or_else(|| fields.get("RESPONSE_DESC")).and_then(Value::as_str);
            (text.and_then(ResponseCode::from_text), None)
        }
    };
    Ok(Parsed { code, unknown_code, quota_remaining, fields })
}

fn upper_keys(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter().map(|(k, v)| (k.to_ascii_uppercase(), v)).collect()
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Codes arrive as `"05"`, `"5"` or `5`: normalise to two digits.
fn as_code(v: &Value) -> Option<String> {
    let n = as_i64(v)?;
    Some(format!("{n:02}"))
}

/// Reads one verdict: `"Sesuai"`, `"Tidak Sesuai"`, `"Sesuai (87)"`,
/// `"TIDAK SESUAI(59)"`.
pub fn parse_verdict(v: &Value) -> Option<(Verdict, Option<u8>)> {
    let s = v.as_str()?.trim();
    let (label, score) = match s.find('(') {
        Some(i) => {
            let inner = s[i + 1..].trim_end_matches(')').trim();
            let score = inner.trim_end_matches('%').trim().parse::<f64>().ok()?;
            (&s[..i], Some(score.clamp(0.0, 100.0).round() as u8))
        }
        None => (s, None),
    };
    let label: String = label.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let verdict = match label.as_str() {
        "SESUAI" => Verdict::Sesuai,
        "TIDAK SESUAI" => Verdict::TidakSesuai,
        _ => return None,
    };
    Some((verdict, score))
}

/// The per-element verdicts in `content[0]`, for the elements that were sent.
pub fn verdicts(fields: &Map<String, Value>, sent: &[Element]) -> Result<Vec<(Element, Verdict, Option<u8>)>, String> {
    let mut out = Vec::with_capacity(sent.len());
    for element in sent {
        let Some(raw) = fields.get(element.wire_name()) else {
            return Err(format!("verdict for {} missing", element.wire_name()));
        };
        let Some((verdict, score)) = parse_verdict(raw) else {
            return Err(format!("verdict for {} unreadable", element.wire_name()));
        };
        out.push((*element, verdict, score));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verdict_spellings() {
        let cases = [
            ("Sesuai", Some((Verdict::Sesuai, None))),
            ("Tidak Sesuai", Some((Verdict::TidakSesuai, None))),
            ("Sesuai (87)", Some((Verdict::Sesuai, Some(87)))),
            ("TIDAK  SESUAI(59)", Some((Verdict::TidakSesuai, Some(59)))),
            ("sesuai (100.0)", Some((Verdict::Sesuai, Some(100)))),
            ("Mungkin", None),
            ("Sesuai (x)", None),
        ];
        for (s, expected) in cases {
            assert_eq!(parse_verdict(&json!(s)), expected, "{s}");
        }
        assert_eq!(parse_verdict(&json!(1)), None);
    }

    #[test]
    fn envelope_variants() {
        let p = parse_envelope(br#"{"content":[{"NIK":"Sesuai"}],"quotaLimiter":56616}"#).unwrap();
        assert_eq!(p.quota_remaining, Some(56616));
        assert_eq!(p.code, None);
        let p = parse_envelope(br#"{"content":[{"response_code":5,"respon":"x"}],"quotalimiter":"0"}"#).unwrap();
        assert_eq!(p.code, Some(ResponseCode::QuotaExhausted));
        assert_eq!(p.quota_remaining, Some(0));
        let p = parse_envelope(br#"{"content":[{"RESPON":"Data Tidak Ditemukan"}]}"#).unwrap();
        assert_eq!(p.code, Some(ResponseCode::NikNotFound));
        let p = parse_envelope(br#"{"content":[{"RESPONSE_CODE":"99"}]}"#).unwrap();
        assert_eq!(p.unknown_code.as_deref(), Some("99"));
        let p = parse_envelope(br#"{"RESPONSE_CODE":"03","RESPON":"Login Gagal"}"#).unwrap();
        assert_eq!(p.code, Some(ResponseCode::LoginFailed));
        assert_eq!(parse_envelope(b"<html>").unwrap_err(), WireError::NotJson);
        assert_eq!(parse_envelope(br#"{"content":[]}"#).unwrap_err(), WireError::NoContent);
        assert_eq!(parse_envelope(br#"{"content":[{"NIK":"Ses"#).unwrap_err(), WireError::NotJson);
    }
}
