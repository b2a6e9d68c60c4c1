//! Population generation: size, determinism and structural validity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use padan_protocol::validate::{PROVINCES, Sex, parse_kk, parse_nik};
use padan_sim_dukcapil::{ASN, PNS, Population, RecordStatus, special};

const SEED: u64 = 20_240_628;
const SIZE: usize = 100_000;

fn big() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| {
        let t = Instant::now();
        let p = Population::generate(SEED, SIZE);
        eprintln!("generated {} persons in {:?} (this build profile)", p.len(), t.elapsed());
        p
    })
}

#[test]
fn generates_at_least_100k_persons_plus_specials() {
    let pop = big();
    assert_eq!(pop.len(), SIZE + special::COUNT);
    assert!(pop.family_count() > SIZE / 6, "families: {}", pop.family_count());
}

#[test]
fn same_seed_same_population_other_seed_differs() {
    let a = Population::generate(7, 20_000);
    let b = Population::generate(7, 20_000);
    assert!(a.persons() == b.persons());
    let c = Population::generate(8, 20_000);
    assert!(a.persons() != c.persons());
    // Prefix property is not promised, but the big one is reproducible too.
    let again = Population::generate(SEED, SIZE);
    assert!(again.persons() == big().persons());
}

#[test]
fn every_nik_and_kk_is_valid_unique_and_agrees_with_the_person() {
    let pop = big();
    let provinces: HashSet<u8> = PROVINCES.iter().map(|(c, _)| *c).collect();
    let mut niks = HashSet::with_capacity(pop.len());
    for p in pop.persons() {
        let nik = parse_nik(&p.nik).unwrap_or_else(|e| panic!("invalid NIK: {e}"));
        assert!(niks.insert(p.nik.clone()), "duplicate NIK");
        assert!(provinces.contains(&nik.province));
        assert_eq!(nik.sex, p.jenis_klmin);
        assert_eq!(nik.birth_date.day, p.tgl_lhr.day);
        assert_eq!(nik.birth_date.month, p.tgl_lhr.month);
        assert_eq!(u16::from(nik.birth_date.year_2digit), p.tgl_lhr.year % 100);
        assert!(nik.regency < 80, "no regency code at or above 80 exists");
        assert!(special::is_dukcapil_format(&p.nik));

        let kk = parse_kk(&p.no_kk).unwrap_or_else(|e| panic!("invalid KK: {e}"));
        // KK region = where the family lives.
        let region = format!("{:02}{:02}{:02}", p.no_prop, p.no_kab, p.no_kec);
        assert_eq!(&p.no_kk[..6], region);
        assert_eq!(kk.province, p.no_prop);
        // KK entry date lies after 2006 and not after the reference date.
        assert!((6..=26).contains(&kk.entry_date.year_2digit));

        // O(1) lookup finds the same record.
        assert!(std::ptr::eq(pop.get(&p.nik).unwrap(), p));
    }
    assert!(pop.get(special::NOT_FOUND).is_none());
    assert!(pop.get(special::UNPROCESSABLE).is_none());
    assert!(!special::is_dukcapil_format(special::BAD_FORMAT));
    assert!(parse_nik(special::BAD_FORMAT).is_ok(), "15 must pass the client's validator");
    assert!(parse_nik(special::NOT_FOUND).is_ok());
    assert!(parse_nik(special::UNPROCESSABLE).is_ok());
}

#[test]
fn families_share_a_kk_and_make_sense() {
    let pop = big();
    let mut families: HashMap<&str, Vec<&padan_sim_dukcapil::Person>> = HashMap::new();
    for p in pop.persons() {
        families.entry(&p.no_kk).or_default().push(p);
    }
    assert_eq!(families.len(), pop.family_count());
    let mut sizes = [0usize; 16];
    for (kk, members) in &families {
        let fam = pop.family(kk).unwrap();
        assert_eq!(fam.len(), members.len());
        assert_eq!(fam[0].stat_hbkel, "KEPALA KELUARGA");
        assert_eq!(members.iter().filter(|m| m.stat_hbkel == "KEPALA KELUARGA").count(), 1);
        sizes[fam.len().min(15)] += 1;
        let head = &fam[0];
        for m in fam {
            assert_eq!(m.alamat, head.alamat, "a family shares its address");
            assert_eq!((m.no_rt, m.no_rw, m.no_kel), (head.no_rt, head.no_rw, head.no_kel));
            match m.stat_hbkel {
                "ISTRI" => {
                    assert_eq!(m.jenis_klmin, Sex::Female);
                    assert_eq!(m.status_kawin, "KAWIN");
                    assert_eq!(head.status_kawin, "KAWIN");
                    assert!(m.tgl_kwn.is_some());
                }
                "SUAMI" => assert_eq!(m.jenis_klmin, Sex::Male),
                "ANAK" => {
                    assert_eq!(m.status_kawin, "BELUM KAWIN");
                    assert!(m.tgl_lhr > head.tgl_lhr, "a child is younger than the head");
                    assert!(m.tgl_kwn.is_none());
                }
                _ => {}
            }
            if m.age() < 17 {
                assert_eq!(m.status_kawin, "BELUM KAWIN");
                assert_ne!(m.jenis_pkrjn, PNS);
            }
            if m.status_kawin == "BELUM KAWIN" {
                assert!(m.no_akta_kwn.is_empty());
            }
        }
    }
    // Real variety: singles, couples, and larger families.
    assert!(sizes[1] > 0 && sizes[2] > 0 && sizes[4] > 0 && sizes[6] > 0, "{sizes:?}");
    let roles: HashSet<&str> = pop.persons().iter().map(|p| p.stat_hbkel).collect();
    for r in ["KEPALA KELUARGA", "ISTRI", "ANAK", "ORANGTUA", "FAMILI LAIN", "CUCU"] {
        assert!(roles.contains(r), "{r}");
    }
}

#[test]
fn code_lists_and_occupations_are_siak_labels() {
    let pop = big();
    let jobs: HashSet<&str> = pop.persons().iter().map(|p| p.jenis_pkrjn).collect();
    assert!(jobs.contains(PNS) && jobs.contains(ASN));
    assert!(jobs.contains("PELAJAR/MAHASISWA") && jobs.contains("PENSIUNAN"));
    for p in pop.persons() {
        assert!(padan_protocol::v1::AGAMA.contains(&p.agama));
        assert!(padan_protocol::v1::STATUS_KAWIN.contains(&p.status_kawin));
        assert!(padan_protocol::v1::STAT_HBKEL.contains(&p.stat_hbkel));
        assert!(!p.nama_lgkp.is_empty() && !p.nama_lgkp_ibu.is_empty() && !p.nama_lgkp_ayah.is_empty());
        assert!(p.alamat.len() > 5);
    }
    let religions: HashSet<&str> = pop.persons().iter().map(|p| p.agama).collect();
    assert!(religions.len() >= 5, "{religions:?}");
    let regencies: HashSet<u16> =
        pop.persons().iter().map(|p| u16::from(p.no_prop) * 100 + u16::from(p.no_kab)).collect();
    assert!(regencies.len() >= 40);
}

#[test]
fn special_records_exist_with_full_data() {
    let pop = big();
    for (nik, status) in [
        (special::ACTIVE, RecordStatus::Active),
        (special::DECEASED, RecordStatus::Deceased),
        (special::DUPLICATE, RecordStatus::Duplicate),
        (special::INACTIVE, RecordStatus::Inactive),
    ] {
        let p = pop.get(nik).expect("special record");
        assert_eq!(p.record_status, status);
        assert!(!p.nama_lgkp.is_empty() && !p.alamat.is_empty());
        parse_kk(&p.no_kk).unwrap();
        assert_eq!(pop.family(&p.no_kk).unwrap().len(), 1);
    }
    let active = pop.get(special::ACTIVE).unwrap();
    assert_eq!(active.nama_lgkp, "DEWI KARTIKA SARI");
    assert_eq!(active.tgl_lhr.dmy('-'), "27-08-1992");
    // The same for every seed.
    let other = Population::generate(99, 10);
    assert!(other.get(special::DECEASED).unwrap() == pop.get(special::DECEASED).unwrap());
    // Generated records are all active.
    assert_eq!(pop.persons().iter().filter(|p| p.record_status != RecordStatus::Active).count(), 3);
}

#[test]
fn serialises_with_dukcapil_wire_names() {
    let p = big().get(special::ACTIVE).unwrap();
    let v = serde_json::to_value(p).unwrap();
    assert_eq!(v["NIK"], special::ACTIVE);
    assert_eq!(v["JENIS_KLMIN"], "PEREMPUAN");
    assert_eq!(v["TGL_LHR"], "27-08-1992");
    assert_eq!(v["NO_PROP"], "31");
    assert_eq!(v["NO_KAB"], "71");
    assert_eq!(v["NO_KEC"], "01");
    assert_eq!(v["NO_RT"].as_str().unwrap().len(), 3);
    for key in ["NAMA_LGKP_IBU", "GOL_DARAH", "PDDK_AKH", "KODE_POS", "EKTP_STATUS", "TGL_KWN", "PNYDNG_CCT"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert!(!format!("{p:?}").contains("DEWI"));
}

#[test]
fn certificates_and_marriage_dates_agree_with_family_status() {
    use padan_protocol::validate::CivilDate;
    let pop = big();
    let plus_years = |d: CivilDate, y: u16| CivilDate { year: d.year + y, ..d };
    let (mut married, mut divorced, mut akta_lhr) = (0, 0, 0);
    for p in pop.persons() {
        if p.status_kawin == "BELUM KAWIN" {
            assert!(p.tgl_kwn.is_none() && p.no_akta_kwn.is_empty(), "singles have no marriage");
            assert!(p.tgl_crai.is_none() && p.no_akta_crai.is_empty());
        } else {
            married += 1;
            let kwn = p.tgl_kwn.expect("married persons have TGL_KWN");
            assert!(!p.no_akta_kwn.is_empty(), "married persons have NO_AKTA_KWN");
            assert!(kwn >= plus_years(p.tgl_lhr, 16), "married after 16");
            assert!(kwn <= REFERENCE, "married before the reference date");
        }
        if p.status_kawin == "CERAI HIDUP" {
            divorced += 1;
            let crai = p.tgl_crai.expect("divorced persons have TGL_CRAI");
            assert!(crai >= p.tgl_kwn.unwrap() && !p.no_akta_crai.is_empty());
        } else {
            assert!(p.tgl_crai.is_none() && p.no_akta_crai.is_empty());
        }
        if !p.no_akta_lhr.is_empty() {
            akta_lhr += 1;
            // RRRR-LT-DDMMYYYY-SSSS, registered on or after the birth.
            let parts: Vec<&str> = p.no_akta_lhr.split('-').collect();
            assert_eq!(parts.len(), 4, "{}", p.no_akta_lhr);
            assert!(parts[0].len() == 4 && parts[1] == "LT" && parts[2].len() == 8 && parts[3].len() == 4);
            assert!(parts.iter().filter(|s| **s != "LT").all(|s| s.bytes().all(|b| b.is_ascii_digit())));
            let d = &parts[2];
            let reg = CivilDate::parse(&format!("{}-{}-{}", &d[..2], &d[2..4], &d[4..])).expect("a date");
            assert!(reg >= p.tgl_lhr && reg <= REFERENCE, "registered after birth");
        }
    }
    assert!(married > 10_000 && divorced > 100 && akta_lhr > 10_000, "{married} {divorced} {akta_lhr}");
}

const REFERENCE: padan_protocol::validate::CivilDate = padan_sim_dukcapil::REFERENCE_DATE;
