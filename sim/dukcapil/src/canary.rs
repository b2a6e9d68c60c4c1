//! Canary persons: records whose every free-text field carries a unique,
//! searchable marker, for the proof that BKN retains no population data
//! (`tests/tests/no_retention.rs`).
//!
//! `padan-sim-dukcapil --canaries N` appends `N` canary families to the
//! generated population (two persons each, on one KK: a head and a spouse),
//! so the mechanisms answer them like any record; `GET /_sim/canaries` lists
//! them with their markers. They are reproducible: the same seed and `N`
//! give the same NIKs, KKs and markers.
//!
//! A marker is `KANARI` + a tag derived from the seed (4 characters) + the
//! person's number (2 digits) + a field code (3 letters), e.g.
//! `KANARIQ7XM03NMA` for the `NAMA_LGKP` of canary person 3. Every marker
//! has the same length, so none is a prefix of another, and a hit names the
//! person and the field that leaked. Markers are upper-case letters and
//! digits only: they survive Dukcapil's and the backend's normalisation
//! (white space collapsed, codes upper-cased) unchanged.
//!
//! Not marked, because their wire format cannot carry text: the NIK and KK
//! (valid 16-digit numbers: serials 9950 and up, which generated records
//! never use; the special records use 9901–9999 only for fixed NIKs listed
//! in [`crate::special`]), `JENIS_KLMIN`, dates and the numeric codes
//! (`NO_RT`, `NO_RW`, `KODE_POS`, `NO_PROP`…). The portrait is unique all
//! the same: the face generator is seeded by the NIK.

use padan_protocol::validate::{CivilDate, Sex};
use serde::Serialize;

use crate::population::{Person, Population, RecordStatus};

/// What every marker starts with.
pub const MARKER_PREFIX: &str = "KANARI";
/// The length of every marker.
pub const MARKER_LEN: usize = MARKER_PREFIX.len() + 4 + 2 + 3;
/// The most canary families one population can hold (two persons each,
/// serials 9950–9998 for the persons, 9950–9974 for the KKs).
pub const MAX_FAMILIES: usize = 24;
/// The first NIK and KK serial canaries use.
const FIRST_SERIAL: u16 = 9950;
/// Their home: KOTA JAKARTA SELATAN, district 01 (the names are markers).
const REGENCY: u16 = 3171;
const DISTRICT: u8 = 1;

/// The marked fields, with their 3-letter codes (unique, fixed width).
pub const FIELDS: [(&str, &str); 21] = [
    ("NAMA_LGKP", "NMA"),
    ("TMPT_LHR", "TLH"),
    ("AGAMA", "AGM"),
    ("STATUS_KAWIN", "SKW"),
    ("STAT_HBKEL", "SHK"),
    ("PDDK_AKH", "PDK"),
    ("JENIS_PKRJN", "PKR"),
    ("GOL_DARAH", "GDR"),
    ("NAMA_LGKP_IBU", "IBU"),
    ("NAMA_LGKP_AYAH", "AYH"),
    ("NO_AKTA_LHR", "ALH"),
    ("ALAMAT", "ALM"),
    ("DUSUN", "DSN"),
    ("PROP_NAME", "PRP"),
    ("KAB_NAME", "KAB"),
    ("KEC_NAME", "KEC"),
    ("KEL_NAME", "KEL"),
    ("EKTP_STATUS", "EKT"),
    ("NO_AKTA_KWN", "AKW"),
    ("NO_AKTA_CRAI", "ACR"),
    ("PNYDNG_CCT", "CCT"),
];

/// The 4-character tag of a seed's markers (no 0/O or 1/I to misread).
pub fn tag(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // SplitMix64 finaliser: neighbouring seeds get unrelated tags.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (0..4).map(|i| ALPHABET[((z >> (i * 5)) & 31) as usize] as char).collect()
}

/// The marker of canary person `person` (0-based) for the field with `code`.
pub fn marker(seed: u64, person: usize, code: &str) -> String {
    format!("{MARKER_PREFIX}{}{:02}{code}", tag(seed), person % 100)
}

/// Whether a record is a canary (its name is a marker).
pub fn is_canary(person: &Person) -> bool {
    person.nama_lgkp.len() == MARKER_LEN && person.nama_lgkp.starts_with(MARKER_PREFIX)
}

/// A canary as `GET /_sim/canaries` lists it: the identifiers to type and
/// every marker the record carries, by wire field name.
#[derive(Debug, Clone, Serialize)]
pub struct CanaryView {
    pub nik: String,
    pub no_kk: String,
    pub markers: Vec<MarkedField>,
    /// The full record, as `CALL_NIK` answers it.
    pub person: Person,
}

#[derive(Debug, Clone, Serialize)]
pub struct MarkedField {
    pub field: &'static str,
    pub marker: String,
}

/// The markers a record carries (empty for a record that is no canary).
pub fn view(person: &Person) -> Option<CanaryView> {
    if !is_canary(person) {
        return None;
    }
    let markers = FIELDS
        .iter()
        .filter_map(|(field, _)| {
            let value = field_value(person, field)?;
            (value.len() == MARKER_LEN && value.starts_with(MARKER_PREFIX))
                .then(|| MarkedField { field, marker: value.to_owned() })
        })
        .collect();
    Some(CanaryView { nik: person.nik.clone(), no_kk: person.no_kk.clone(), markers, person: person.clone() })
}

fn field_value<'a>(p: &'a Person, field: &str) -> Option<&'a str> {
    Some(match field {
        "NAMA_LGKP" => &p.nama_lgkp,
        "TMPT_LHR" => p.tmpt_lhr,
        "AGAMA" => p.agama,
        "STATUS_KAWIN" => p.status_kawin,
        "STAT_HBKEL" => p.stat_hbkel,
        "PDDK_AKH" => p.pddk_akh,
        "JENIS_PKRJN" => p.jenis_pkrjn,
        "GOL_DARAH" => p.gol_darah,
        "NAMA_LGKP_IBU" => &p.nama_lgkp_ibu,
        "NAMA_LGKP_AYAH" => &p.nama_lgkp_ayah,
        "NO_AKTA_LHR" => &p.no_akta_lhr,
        "ALAMAT" => &p.alamat,
        "DUSUN" => p.dusun,
        "PROP_NAME" => p.prop_name,
        "KAB_NAME" => p.kab_name,
        "KEC_NAME" => p.kec_name,
        "KEL_NAME" => p.kel_name,
        "EKTP_STATUS" => p.ektp_status,
        "NO_AKTA_KWN" => &p.no_akta_kwn,
        "NO_AKTA_CRAI" => &p.no_akta_crai,
        "PNYDNG_CCT" => p.pnydng_cct,
        _ => return None,
    })
}

/// `Person` holds its coded fields as `&'static str` (they come from fixed
/// tables); a canary's are markers made once at start-up, so leaking them
/// is bounded (at most [`MAX_FAMILIES`] × 2 × 21 short strings).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Appends `families` canary families (capped at [`MAX_FAMILIES`]) to the
/// population; returns how many persons were added.
pub fn add(population: &mut Population, families: usize) -> usize {
    let seed = population.seed();
    let mut added = 0;
    for family in 0..families.min(MAX_FAMILIES) {
        let members = family_members(seed, family);
        added += members.len();
        population.push_family(members);
    }
    added
}

/// The two persons of canary family `family`: canary persons `2·family`
/// (head, male) and `2·family + 1` (spouse, female).
pub fn family_members(seed: u64, family: usize) -> Vec<Person> {
    let serial = FIRST_SERIAL + family as u16;
    let married = CivilDate { year: 2012, month: 5, day: 1 + (family % 28) as u8 };
    let no_kk =
        format!("{REGENCY:04}{DISTRICT:02}{:02}{:02}{:02}{serial:04}", married.day, married.month, married.year % 100);
    let head = CivilDate { year: 1980 + (family % 15) as u16, month: 1 + (family % 12) as u8, day: 3 };
    let spouse = CivilDate { year: 1983 + (family % 15) as u16, month: 12 - (family % 12) as u8, day: 9 };
    [(2 * family, Sex::Male, head), (2 * family + 1, Sex::Female, spouse)]
        .into_iter()
        .map(|(index, sex, birth)| {
            let m = |code: &str| marker(seed, index, code);
            let day = if sex == Sex::Female { birth.day + 40 } else { birth.day };
            let nik = format!(
                "{REGENCY:04}{DISTRICT:02}{day:02}{:02}{:02}{:04}",
                birth.month,
                birth.year % 100,
                FIRST_SERIAL + index as u16
            );
            Person {
                nik,
                no_kk: no_kk.clone(),
                nama_lgkp: m("NMA"),
                jenis_klmin: sex,
                tmpt_lhr: leak(m("TLH")),
                tgl_lhr: birth,
                agama: leak(m("AGM")),
                status_kawin: leak(m("SKW")),
                stat_hbkel: leak(m("SHK")),
                pddk_akh: leak(m("PDK")),
                jenis_pkrjn: leak(m("PKR")),
                gol_darah: leak(m("GDR")),
                nama_lgkp_ibu: m("IBU"),
                nama_lgkp_ayah: m("AYH"),
                no_akta_lhr: m("ALH"),
                alamat: m("ALM"),
                no_rt: 7,
                no_rw: 3,
                dusun: leak(m("DSN")),
                kode_pos: 12_150,
                no_prop: (REGENCY / 100) as u8,
                prop_name: leak(m("PRP")),
                no_kab: (REGENCY % 100) as u8,
                kab_name: leak(m("KAB")),
                no_kec: DISTRICT,
                kec_name: leak(m("KEC")),
                no_kel: 1001,
                kel_name: leak(m("KEL")),
                ektp_status: leak(m("EKT")),
                tgl_kwn: Some(married),
                no_akta_kwn: m("AKW"),
                tgl_crai: None,
                no_akta_crai: m("ACR"),
                pnydng_cct: leak(m("CCT")),
                record_status: RecordStatus::Active,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_are_valid_unique_and_found() {
        let mut pop = Population::generate(7, 300);
        let before = pop.len();
        assert_eq!(add(&mut pop, 3), 6);
        assert_eq!(pop.len(), before + 6);
        let canaries: Vec<&Person> = pop.persons().iter().filter(|p| is_canary(p)).collect();
        assert_eq!(canaries.len(), 6);
        let mut markers = Vec::new();
        for p in &canaries {
            assert!(padan_protocol::validate::parse_nik(&p.nik).is_ok(), "{}", p.nik);
            assert!(padan_protocol::validate::parse_kk(&p.no_kk).is_ok(), "{}", p.no_kk);
            assert!(crate::special::is_dukcapil_format(&p.nik));
            assert_eq!(pop.get(&p.nik).map(|q| &q.nama_lgkp), Some(&p.nama_lgkp));
            assert_eq!(pop.family(&p.no_kk).map(<[Person]>::len), Some(2));
            let v = view(p).expect("a canary");
            assert_eq!(v.markers.len(), FIELDS.len());
            markers.extend(v.markers.into_iter().map(|m| m.marker));
        }
        let total = markers.len();
        markers.sort();
        markers.dedup();
        assert_eq!(markers.len(), total, "markers must be distinct");
        assert!(markers.iter().all(|m| m.len() == MARKER_LEN && m.bytes().all(|b| b.is_ascii_alphanumeric())));
        // No canary shadows a generated record.
        let niks: std::collections::HashSet<&str> = pop.persons().iter().map(|p| p.nik.as_str()).collect();
        assert_eq!(niks.len(), pop.len());
        assert!(!pop.persons().iter().take(before).any(is_canary));
    }

    #[test]
    fn reproducible_per_seed() {
        assert_eq!(family_members(5, 2), family_members(5, 2));
        assert_ne!(tag(5), tag(6));
        assert_eq!(marker(5, 3, "NMA").len(), MARKER_LEN);
    }
}
