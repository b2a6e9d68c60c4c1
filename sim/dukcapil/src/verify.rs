//! `CALL_VERIFY_BY_ELEMEN`: per-element verdicts for a found person.

use padan_protocol::v1::{AGAMA, STAT_HBKEL, STATUS_KAWIN};
use padan_protocol::validate::{CivilDate, Sex};
use serde_json::{Map, Value};

use crate::population::{Person, key16};
use crate::similarity::{normalize, similarity};

pub const SESUAI: &str = "Sesuai";
pub const TIDAK_SESUAI: &str = "Tidak Sesuai";

/// Request keys that are not elements (credentials, threshold).
pub const NON_ELEMENT_KEYS: [&str; 4] = ["USER_ID", "PASSWORD", "IP_USER", "TRESHOLD"];

/// The elements the simulator verifies; other keys are ignored.
pub const ELEMENTS: [&str; 21] = [
    "NIK",
    "NO_KK",
    "NAMA_LGKP",
    "JENIS_KLMIN",
    "AGAMA",
    "TMPT_LHR",
    "TGL_LHR",
    "STATUS_KAWIN",
    "STAT_HBKEL",
    "JENIS_PKRJN",
    "ALAMAT",
    "NO_RT",
    "NO_RW",
    "NO_PROP",
    "PROP_NAME",
    "NO_KAB",
    "KAB_NAME",
    "NO_KEC",
    "KEC_NAME",
    "NO_KEL",
    "KEL_NAME",
];

/// The text of a JSON value as a client meant it: strings as is, numbers
/// in decimal; `null`, booleans and containers count as absent.
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `TRESHOLD` as sent: `"80"`, `80` or `80.0`; must lie in 0–100.
pub fn parse_threshold(v: &Value) -> Option<f64> {
    let t = match v {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    (0.0..=100.0).contains(&t).then_some(t)
}

fn verdict(ok: bool) -> Value {
    Value::String(if ok { SESUAI } else { TIDAK_SESUAI }.into())
}

fn fuzzy(claimed: &str, actual: &str, threshold: f64) -> Value {
    let s = similarity(claimed, actual);
    let word = if f64::from(s) >= threshold { SESUAI } else { TIDAK_SESUAI };
    Value::String(format!("{word} ({s})"))
}

fn label_eq(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// Compares against a coded label, also accepting its SIAK number (1-based
/// position in `list`) and a few common spellings.
fn coded_eq(claimed: &str, actual: &str, list: &[&str], aliases: &[(&str, &str)]) -> bool {
    let c = normalize(claimed);
    if let Some(n) = number(&c) {
        return n >= 1 && list.get(n as usize - 1).is_some_and(|l| *l == actual);
    }
    let c = aliases.iter().find(|(from, _)| *from == c).map_or(c.clone(), |(_, to)| (*to).to_owned());
    c == normalize(actual)
}

fn sex_eq(claimed: &str, actual: Sex) -> bool {
    let c = normalize(claimed).replace(' ', "-");
    let claimed = match c.as_str() {
        "LAKI-LAKI" | "L" | "1" | "PRIA" | "LAKI" => Sex::Male,
        "PEREMPUAN" | "P" | "2" | "WANITA" => Sex::Female,
        _ => return false,
    };
    claimed == actual
}

fn code_eq(claimed: &str, short: u64, full: u64) -> bool {
    number(claimed).is_some_and(|n| n == short || n == full)
}

fn name_eq(claimed: &str, actual: &str, prefixes: &[&str]) -> bool {
    let strip = |s: String| {
        for p in prefixes {
            if let Some(rest) = s.strip_prefix(p) {
                return rest.trim().to_owned();
            }
        }
        s
    };
    strip(normalize(claimed)) == strip(normalize(actual))
}

/// Verdict for one element, or `None` if `element` is not one the
/// simulator verifies.
pub fn element_verdict(person: &Person, element: &str, claimed: &str, threshold: f64) -> Option<Value> {
    let p = person;
    let prop = u64::from(p.no_prop);
    let kab = prop * 100 + u64::from(p.no_kab);
    let kec = kab * 100 + u64::from(p.no_kec);
    let kel = kec * 10_000 + u64::from(p.no_kel);
    let v = match element {
        "NIK" => verdict(key16(claimed).is_some() && key16(claimed) == key16(&p.nik)),
        "NO_KK" => verdict(key16(claimed).is_some() && key16(claimed) == key16(&p.no_kk)),
        "NAMA_LGKP" => fuzzy(claimed, &p.nama_lgkp, threshold),
        "TMPT_LHR" => fuzzy(claimed, p.tmpt_lhr, threshold),
        "ALAMAT" => fuzzy(claimed, &p.alamat, threshold),
        "JENIS_KLMIN" => verdict(sex_eq(claimed, p.jenis_klmin)),
        "AGAMA" => verdict(coded_eq(
            claimed,
            p.agama,
            &AGAMA,
            &[("KATOLIK", "KATHOLIK"), ("BUDDHA", "BUDHA"), ("KONGHUCU", "KHONGHUCU")],
        )),
        "STATUS_KAWIN" => verdict(coded_eq(
            claimed,
            p.status_kawin,
            &STATUS_KAWIN,
            &[("KAWIN TERCATAT", "KAWIN"), ("KAWIN BELUM TERCATAT", "KAWIN")],
        )),
        "STAT_HBKEL" => verdict(coded_eq(claimed, p.stat_hbkel, &STAT_HBKEL, &[("ORANG TUA", "ORANGTUA")])),
        "JENIS_PKRJN" => verdict(label_eq(claimed, p.jenis_pkrjn)),
        "TGL_LHR" => verdict(CivilDate::parse(claimed) == Some(p.tgl_lhr)),
        "NO_RT" => verdict(number(claimed) == Some(u64::from(p.no_rt))),
        "NO_RW" => verdict(number(claimed) == Some(u64::from(p.no_rw))),
        "NO_PROP" => verdict(code_eq(claimed, prop, prop)),
        "NO_KAB" => verdict(code_eq(claimed, u64::from(p.no_kab), kab)),
        "NO_KEC" => verdict(code_eq(claimed, u64::from(p.no_kec), kec)),
        "NO_KEL" => verdict(code_eq(claimed, u64::from(p.no_kel), kel)),
        "PROP_NAME" => verdict(name_eq(claimed, p.prop_name, &["PROVINSI "])),
        "KAB_NAME" => verdict(name_eq(claimed, p.kab_name, &["KABUPATEN ", "KAB ", "KOTA "])),
        "KEC_NAME" => verdict(name_eq(claimed, p.kec_name, &["KECAMATAN ", "KEC "])),
        "KEL_NAME" => verdict(name_eq(claimed, p.kel_name, &["KELURAHAN ", "KEL ", "DESA "])),
        _ => return None,
    };
    Some(v)
}

/// One verdict per element present in `request` (keys already upper-cased).
pub fn verdicts(person: &Person, request: &Map<String, Value>, threshold: f64) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in request {
        if NON_ELEMENT_KEYS.contains(&key.as_str()) {
            continue;
        }
        let Some(claimed) = value_text(value) else {
            continue;
        };
        if let Some(v) = element_verdict(person, key, &claimed, threshold) {
            out.insert(key.clone(), v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::Population;

    #[test]
    fn exact_fuzzy_and_coded_elements() {
        let pop = Population::generate(11, 200);
        let p = &pop.persons()[0];
        let t = 80.0;
        assert_eq!(element_verdict(p, "NIK", &p.nik, t), Some(Value::from("Sesuai")));
        assert_eq!(element_verdict(p, "NAMA_LGKP", &p.nama_lgkp.to_lowercase(), t), Some(Value::from("Sesuai (100)")));
        let dmy = p.tgl_lhr.dmy('-');
        assert_eq!(element_verdict(p, "TGL_LHR", &dmy, t), Some(Value::from("Sesuai")));
        assert_eq!(element_verdict(p, "TGL_LHR", &p.tgl_lhr.iso(), t), Some(Value::from("Sesuai")));
        assert_eq!(element_verdict(p, "TGL_LHR", &p.tgl_lhr.dmy('.'), t), Some(Value::from("Sesuai")));
        assert_eq!(
            element_verdict(p, "AGAMA", &format!("  {} ", p.agama.to_lowercase()), t),
            Some(Value::from("Sesuai"))
        );
        let rt = p.no_rt.to_string();
        assert_eq!(element_verdict(p, "NO_RT", &rt, t), Some(Value::from("Sesuai")));
        assert_eq!(element_verdict(p, "UNKNOWN", "x", t), None);
    }

    #[test]
    fn threshold_parsing() {
        assert_eq!(parse_threshold(&Value::from("80")), Some(80.0));
        assert_eq!(parse_threshold(&Value::from(75)), Some(75.0));
        assert_eq!(parse_threshold(&Value::from("abc")), None);
        assert_eq!(parse_threshold(&Value::from(101)), None);
    }
}
