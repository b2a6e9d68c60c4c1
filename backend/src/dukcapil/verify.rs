//! `CALL_VERIFY_BY_ELEMEN`: claimed values in, per-element verdicts out.

use std::time::Instant;

use padan_protocol::{
    v1::{Element, NotFoundReason, PersonStatus, Verdict},
    validate::{CivilDate, Nik},
};
use serde_json::{Map, Value};

use super::{DukcapilClient, DukcapilError, ResponseCode, Service, wire};

/// What a verification returned, reduced to what BKN may keep and show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyResult {
    Found { status: PersonStatus, verdicts: Vec<(Element, Verdict, Option<u8>)> },
    NotFound(NotFoundReason),
}

#[derive(Debug)]
pub struct VerifyReply {
    pub result: VerifyResult,
    pub code: ResponseCode,
    pub quota_remaining: Option<i64>,
}

impl DukcapilClient {
    /// `claims` must already be limited to the granted elements; dates are
    /// ISO and re-written in the configured format. Never retried: a
    /// verification spends quota.
    pub async fn verify_elements(&self, nik: &Nik, claims: &[(Element, String)]) -> Result<VerifyReply, DukcapilError> {
        let mut body = Map::new();
        body.insert("NIK".into(), Value::String(nik.as_str().to_owned()));
        for (element, value) in claims {
            let value = match element {
                Element::TglLhr => {
                    CivilDate::parse(value).map(|d| self.format_date(d)).unwrap_or_else(|| value.clone())
                }
                _ => value.clone(),
            };
            body.insert(element.wire_name().into(), Value::String(value));
        }
        body.insert("TRESHOLD".into(), Value::String(self.config.threshold.to_string()));
        self.credentials(&mut body);

        let started = Instant::now();
        let timeout = self.config.timeout();
        let outcome = self
            .post(Service::Gateway, self.gateway_url("CALL_VERIFY_BY_ELEMEN"), &Value::Object(body), timeout, 0)
            .await
            .and_then(|bytes| {
                let sent: Vec<Element> = std::iter::once(Element::Nik).chain(claims.iter().map(|(e, _)| *e)).collect();
                interpret(&bytes, &sent)
            });
        self.observe(
            Service::Gateway,
            "verify_elements",
            started,
            &outcome,
            |r| r.code.code().into(),
            |r| r.quota_remaining,
        );
        outcome
    }
}

/// Maps a found / not-found / error code to an outcome; shared with the look-ups.
pub(super) fn person_status(code: ResponseCode) -> Result<Result<PersonStatus, NotFoundReason>, DukcapilError> {
    Ok(match code {
        ResponseCode::Found => Ok(PersonStatus::Aktif),
        ResponseCode::Deceased => Ok(PersonStatus::Meninggal),
        ResponseCode::Duplicate => Ok(PersonStatus::DataGanda),
        ResponseCode::Inactive => Ok(PersonStatus::NonAktif),
        ResponseCode::NikNotFound => Err(NotFoundReason::NikTidakTerdaftar),
        ResponseCode::NikFormat => Err(NotFoundReason::FormatNikTidakSesuai),
        ResponseCode::NikUnprocessable => Err(NotFoundReason::NikTidakDapatDiproses),
        ResponseCode::QuotaExhausted => return Err(DukcapilError::QuotaExhausted),
        other => return Err(DukcapilError::Rejected(other)),
    })
}

/// Reads a `CALL_VERIFY_BY_ELEMEN` answer for the elements `sent` (NIK first).
pub fn interpret(body: &[u8], sent: &[Element]) -> Result<VerifyReply, DukcapilError> {
    let parsed = wire::parse_envelope(body).map_err(|e| DukcapilError::Malformed(e.to_string()))?;
    if let Some(code) = parsed.unknown_code {
        return Err(DukcapilError::UnknownCode(code));
    }
    let has_verdicts = sent.iter().any(|e| parsed.fields.contains_key(e.wire_name()));
    let code = match parsed.code {
        Some(code) => code,
        None if has_verdicts => ResponseCode::Found,
        None => return Err(DukcapilError::Malformed("neither a response code nor verdicts".into())),
    };
    let quota_remaining = parsed.quota_remaining;
    let status = match person_status(code)? {
        Ok(status) => status,
        Err(reason) => return Ok(VerifyReply { result: VerifyResult::NotFound(reason), code, quota_remaining }),
    };
    // Found, deceased, duplicate and inactive may come without verdicts on
    // some gateways; a verdict that is present must be readable.
    let verdicts = if has_verdicts || code == ResponseCode::Found {
        wire::verdicts(&parsed.fields, sent).map_err(DukcapilError::Malformed)?
    } else {
        Vec::new()
    };
    Ok(VerifyReply { result: VerifyResult::Found { status, verdicts }, code, quota_remaining })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interprets_found_with_verdicts() {
        let body =
            br#"{"content":[{"NIK":"Sesuai","NAMA_LGKP":"Sesuai (92)","TGL_LHR":"Tidak Sesuai"}],"quotaLimiter":10}"#;
        let reply = interpret(body, &[Element::Nik, Element::NamaLgkp, Element::TglLhr]).unwrap();
        assert_eq!(reply.quota_remaining, Some(10));
        let VerifyResult::Found { status, verdicts } = reply.result else { panic!("not found") };
        assert_eq!(status, PersonStatus::Aktif);
        assert_eq!(verdicts[1], (Element::NamaLgkp, Verdict::Sesuai, Some(92)));
        assert_eq!(verdicts[2], (Element::TglLhr, Verdict::TidakSesuai, None));
    }

    #[test]
    fn missing_verdict_is_malformed() {
        let body = br#"{"content":[{"NIK":"Sesuai"}]}"#;
        assert!(matches!(interpret(body, &[Element::Nik, Element::Agama]), Err(DukcapilError::Malformed(_))));
    }

    #[test]
    fn codes_become_outcomes() {
        let nf = interpret(br#"{"content":[{"RESPONSE_CODE":"13"}]}"#, &[Element::Nik]).unwrap();
        assert_eq!(nf.result, VerifyResult::NotFound(NotFoundReason::NikTidakTerdaftar));
        assert!(matches!(
            interpret(br#"{"content":[{"RESPONSE_CODE":"05"}]}"#, &[Element::Nik]),
            Err(DukcapilError::QuotaExhausted)
        ));
        assert!(matches!(
            interpret(br#"{"content":[{"RESPONSE_CODE":"10"}]}"#, &[Element::Nik]),
            Err(DukcapilError::Rejected(ResponseCode::IpNotRegistered))
        ));
        let dead = interpret(br#"{"content":[{"RESPONSE_CODE":"11","NIK":"Sesuai"}]}"#, &[Element::Nik]).unwrap();
        assert!(matches!(dead.result, VerifyResult::Found { status: PersonStatus::Meninggal, .. }));
    }
}
