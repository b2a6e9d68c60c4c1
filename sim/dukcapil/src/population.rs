//! The synthetic population: persons in families, each family on one KK.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use padan_protocol::validate::{CivilDate, Sex};
use serde::{Serialize, Serializer};

use crate::data::{self, Regency};
use crate::rng::Rng;
use crate::special;

/// The date ages are computed against. Fixed, so that a seed always
/// produces the same population whatever day it runs.
pub const REFERENCE_DATE: CivilDate = CivilDate { year: 2026, month: 1, day: 1 };

/// How the registry holds a record. Only the documented special NIKs
/// (see [`special`]) carry anything but [`RecordStatus::Active`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordStatus {
    Active,
    /// Answers response code 11.
    Deceased,
    /// Answers response code 12.
    Duplicate,
    /// Answers response code 14.
    Inactive,
}

/// One synthetic resident, with the fields Dukcapil's `CALL_NIK` returns.
///
/// Serialises with Dukcapil's wire names (`NIK`, `NAMA_LGKP`, `TGL_LHR` as
/// `dd-mm-yyyy`, codes zero-padded), plus the simulator-only
/// `SIM_RECORD_STATUS`. `Debug` deliberately prints no personal data.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Person {
    pub nik: String,
    pub no_kk: String,
    pub nama_lgkp: String,
    #[serde(serialize_with = "ser_sex")]
    pub jenis_klmin: Sex,
    pub tmpt_lhr: &'static str,
    #[serde(serialize_with = "ser_date")]
    pub tgl_lhr: CivilDate,
    pub agama: &'static str,
    pub status_kawin: &'static str,
    pub stat_hbkel: &'static str,
    pub pddk_akh: &'static str,
    pub jenis_pkrjn: &'static str,
    pub gol_darah: &'static str,
    pub nama_lgkp_ibu: String,
    pub nama_lgkp_ayah: String,
    /// Empty when the person has no birth certificate on record.
    pub no_akta_lhr: String,
    /// Street line, e.g. `JL. MAWAR NO. 12`.
    pub alamat: String,
    #[serde(serialize_with = "ser_pad3")]
    pub no_rt: u16,
    #[serde(serialize_with = "ser_pad3")]
    pub no_rw: u16,
    pub dusun: &'static str,
    #[serde(serialize_with = "ser_pad5")]
    pub kode_pos: u32,
    #[serde(serialize_with = "ser_pad2")]
    pub no_prop: u8,
    pub prop_name: &'static str,
    /// Regency part only (`71` for 3171).
    #[serde(serialize_with = "ser_pad2")]
    pub no_kab: u8,
    pub kab_name: &'static str,
    #[serde(serialize_with = "ser_pad2")]
    pub no_kec: u8,
    pub kec_name: &'static str,
    #[serde(serialize_with = "ser_pad4")]
    pub no_kel: u16,
    pub kel_name: &'static str,
    pub ektp_status: &'static str,
    #[serde(serialize_with = "ser_opt_date")]
    pub tgl_kwn: Option<CivilDate>,
    pub no_akta_kwn: String,
    #[serde(serialize_with = "ser_opt_date")]
    pub tgl_crai: Option<CivilDate>,
    pub no_akta_crai: String,
    pub pnydng_cct: &'static str,
    /// Simulator-only: how the registry holds this record.
    #[serde(rename = "SIM_RECORD_STATUS")]
    pub record_status: RecordStatus,
}

/// Hand-written so that no name, address or number reaches a log.
impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Person")
            .field("province", &self.no_prop)
            .field("record_status", &self.record_status)
            .finish_non_exhaustive()
    }
}

impl Person {
    pub fn jenis_klmin_label(&self) -> &'static str {
        sex_label(self.jenis_klmin)
    }

    /// Age in whole years on [`REFERENCE_DATE`].
    pub fn age(&self) -> u32 {
        age_on(self.tgl_lhr, REFERENCE_DATE)
    }
}

pub(crate) fn sex_label(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "LAKI-LAKI",
        Sex::Female => "PEREMPUAN",
    }
}

fn ser_sex<S: Serializer>(v: &Sex, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(sex_label(*v))
}
fn ser_date<S: Serializer>(v: &CivilDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.dmy('-'))
}
fn ser_opt_date<S: Serializer>(v: &Option<CivilDate>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.serialize_str(&d.dmy('-')),
        None => s.serialize_str(""),
    }
}
fn ser_pad2<S: Serializer>(v: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:02}"))
}
fn ser_pad3<S: Serializer>(v: &u16, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:03}"))
}
fn ser_pad4<S: Serializer>(v: &u16, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:04}"))
}
fn ser_pad5<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:05}"))
}

/// The whole synthetic registry, indexed by NIK and by KK.
pub struct Population {
    seed: u64,
    persons: Vec<Person>,
    by_nik: HashMap<u64, u32>,
    by_kk: HashMap<u64, Range<u32>>,
}

impl fmt::Debug for Population {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Population")
            .field("seed", &self.seed)
            .field("persons", &self.persons.len())
            .field("families", &self.by_kk.len())
            .finish()
    }
}

/// 16 ASCII digits as a number (the index key); `None` for anything else.
pub(crate) fn key16(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0')))
}

impl Population {
    /// Generates `persons` synthetic residents (grouped in families) from
    /// `seed`, plus the records behind the documented special NIKs. The same
    /// seed and size always give the same population.
    pub fn generate(seed: u64, persons: usize) -> Population {
        let mut g = Generator::new(seed, persons);
        while g.persons.len() < persons {
            let room = persons - g.persons.len();
            g.family(room);
        }
        g.specials();
        g.finish(seed)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn len(&self) -> usize {
        self.persons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// Every record, families contiguous, special records last.
    pub fn persons(&self) -> &[Person] {
        &self.persons
    }

    /// O(1) lookup by NIK (surrounding white space ignored).
    pub fn get(&self, nik: &str) -> Option<&Person> {
        let i = *self.by_nik.get(&key16(nik)?)?;
        self.persons.get(i as usize)
    }

    /// The members of the family on KK `no_kk`, head first.
    pub fn family(&self, no_kk: &str) -> Option<&[Person]> {
        let r = self.by_kk.get(&key16(no_kk)?)?;
        self.persons.get(r.start as usize..r.end as usize)
    }

    pub fn family_count(&self) -> usize {
        self.by_kk.len()
    }

    /// Appends one family on one KK (the [`crate::canary`] persons). The
    /// caller guarantees that its NIKs and KK are used by no other record.
    pub(crate) fn push_family(&mut self, members: Vec<Person>) {
        let Some(kk) = members.first().and_then(|p| key16(&p.no_kk)) else { return };
        let start = self.persons.len() as u32;
        for p in members {
            if let Some(k) = key16(&p.nik) {
                self.by_nik.insert(k, self.persons.len() as u32);
            }
            self.persons.push(p);
        }
        self.by_kk.insert(kk, start..self.persons.len() as u32);
    }

    /// Active (non-special) persons in generation order, from `offset`.
    pub fn sample(&self, offset: usize, count: usize) -> impl Iterator<Item = &Person> {
        self.persons.iter().filter(|p| p.record_status == RecordStatus::Active).skip(offset).take(count)
    }
}

pub(crate) fn age_on(birth: CivilDate, on: CivilDate) -> u32 {
    let mut age = i32::from(on.year) - i32::from(birth.year);
    if (on.month, on.day) < (birth.month, birth.day) {
        age -= 1;
    }
    age.max(0) as u32
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Day number since 0000-03-01 (proleptic Gregorian), for date arithmetic.
fn day_number(d: CivilDate) -> i64 {
    let (y, m) = if d.month <= 2 {
        (i64::from(d.year) - 1, i64::from(d.month) + 9)
    } else {
        (i64::from(d.year), i64::from(d.month) - 3)
    };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + i64::from(d.day) - 1
}

fn from_day_number(n: i64) -> CivilDate {
    let mut y = (10000 * n + 14780) / 3_652_425;
    let mut ddd = n - (365 * y + y / 4 - y / 100 + y / 400);
    if ddd < 0 {
        y -= 1;
        ddd = n - (365 * y + y / 4 - y / 100 + y / 400);
    }
    let mi = (100 * ddd + 52) / 3060;
    let month = (mi + 2) % 12 + 1;
    let year = y + (mi + 2) / 12;
    let day = ddd - (mi * 306 + 5) / 10 + 1;
    CivilDate { year: year as u16, month: month as u8, day: day as u8 }
}

const ROMAN_MONTHS: [&str; 12] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];

/// Where a family lives.
#[derive(Clone, Copy)]
struct Home {
    regency: &'static Regency,
    district: u8,
    kec_name: &'static str,
    village: u16,
    kel_name: &'static str,
    rt: u16,
    rw: u16,
    kode_pos: u32,
}

/// What a member is, before becoming a [`Person`].
struct Member {
    name: String,
    sex: Sex,
    birth: CivilDate,
    role: &'static str,
    status: &'static str,
    mother: String,
    father: String,
    married: Option<CivilDate>,
    divorced: Option<CivilDate>,
    /// Regency where the NIK was first issued (may differ from the home).
    nik_region: (&'static Regency, u8),
    born_in: &'static str,
}

struct Generator {
    rng: Rng,
    persons: Vec<Person>,
    families: Vec<(u64, Range<u32>)>,
    nik_serials: HashMap<u64, u16>,
    kk_serials: HashMap<u64, u16>,
    regency_weights: Vec<(u32, usize)>,
}

/// Generated serials stay below this; the special NIKs and KKs use 9900+.
const SERIAL_LIMIT: u16 = 9899;

impl Generator {
    fn new(seed: u64, capacity: usize) -> Self {
        Self {
            rng: Rng::new(seed),
            persons: Vec::with_capacity(capacity + special::COUNT),
            families: Vec::with_capacity(capacity / 3 + special::COUNT),
            nik_serials: HashMap::with_capacity(capacity),
            kk_serials: HashMap::with_capacity(capacity / 3),
            regency_weights: data::REGENCIES.iter().enumerate().map(|(i, r)| (r.weight, i)).collect(),
        }
    }

    fn finish(self, seed: u64) -> Population {
        let mut by_nik = HashMap::with_capacity(self.persons.len());
        for (i, p) in self.persons.iter().enumerate() {
            if let Some(k) = key16(&p.nik) {
                by_nik.insert(k, i as u32);
            }
        }
        Population { seed, persons: self.persons, by_nik, by_kk: self.families.into_iter().collect() }
    }

    fn regency(&mut self) -> &'static Regency {
        let i = self.rng.weighted(&self.regency_weights);
        &data::REGENCIES[i]
    }

    fn home(&mut self, regency: &'static Regency, district: Option<u8>) -> Home {
        let district = district.unwrap_or_else(|| self.rng.range(1, u32::from(regency.districts)) as u8);
        let kec_name = regency.district_names.get(usize::from(district) - 1).copied().unwrap_or_else(|| {
            let i = (usize::from(regency.code) * 31 + usize::from(district) * 7) % data::DISTRICT_POOL.len();
            data::DISTRICT_POOL[i]
        });
        let kel = self.rng.range(1, if regency.is_city() { 8 } else { 14 }) as u16;
        let village = if regency.is_city() { 1000 + kel } else { 2000 + kel };
        let kel_name =
            data::VILLAGE_POOL[(usize::from(regency.code) * 13 + usize::from(district) * 17 + usize::from(kel))
                % data::VILLAGE_POOL.len()];
        let kode_pos = data::postal_prefix(regency.province()) * 1000
            + (u32::from(regency.regency_part()) * 37 + u32::from(district) * 11 + u32::from(kel)) % 900
            + 100;
        Home {
            regency,
            district,
            kec_name,
            village,
            kel_name,
            rt: self.rng.range(1, 15) as u16,
            rw: self.rng.range(1, 12) as u16,
            kode_pos,
        }
    }

    fn address(&mut self) -> String {
        let r = self.rng.below(100);
        let street = self.rng.pick(data::STREETS);
        let no = self.rng.range(1, 250);
        if r < 60 {
            format!("JL. {street} NO. {no}")
        } else if r < 75 {
            let gang = ROMAN_MONTHS[self.rng.below(8) as usize];
            format!("JL. {street} GG. {gang} NO. {}", self.rng.range(1, 60))
        } else if r < 88 {
            let block = (b'A' + self.rng.below(8) as u8) as char;
            let housing = self.rng.pick(data::HOUSING);
            format!("PERUM {housing} BLOK {block}{} NO. {}", self.rng.range(1, 12), self.rng.range(1, 40))
        } else {
            format!("KP. {} RT. {:03}", self.rng.pick(data::VILLAGE_POOL), self.rng.range(1, 15))
        }
    }

    fn date_between(&mut self, from: CivilDate, to: CivilDate) -> CivilDate {
        let a = day_number(from);
        let b = day_number(to).max(a);
        from_day_number(a + i64::from(self.rng.below((b - a + 1) as u32)))
    }

    fn birth_for_age(&mut self, age: u32) -> CivilDate {
        // Born between (age + 1) years and age years before the reference date.
        let year = REFERENCE_DATE.year - age as u16 - 1;
        let month = self.rng.range(1, 12) as u8;
        let day = self.rng.range(1, u32::from(days_in_month(year, month))) as u8;
        CivilDate { year, month, day }
    }

    fn add_years(d: CivilDate, years: u16) -> CivilDate {
        let year = d.year + years;
        let day = d.day.min(days_in_month(year, d.month));
        CivilDate { year, month: d.month, day }
    }

    /// Given name(s), then the family's surname or a second name.
    fn name_from(
        &mut self,
        given: &[&'static str],
        second: &[&'static str],
        second_percent: u32,
        surname: Option<&str>,
    ) -> String {
        let mut name = String::with_capacity(32);
        name.push_str(self.rng.pick(given));
        if self.rng.chance(25) {
            name.push(' ');
            name.push_str(self.rng.pick(given));
        }
        if let Some(s) = surname {
            name.push(' ');
            name.push_str(s);
        } else if self.rng.chance(second_percent) {
            name.push(' ');
            name.push_str(self.rng.pick(second));
        }
        name
    }

    fn name(&mut self, sex: Sex, surname: Option<&str>) -> String {
        match sex {
            Sex::Male => self.male_name(surname),
            Sex::Female => self.female_name(surname),
        }
    }

    fn male_name(&mut self, surname: Option<&str>) -> String {
        self.name_from(data::MALE_GIVEN, data::MALE_SECOND, 65, surname)
    }

    fn female_name(&mut self, surname: Option<&str>) -> String {
        self.name_from(data::FEMALE_GIVEN, data::FEMALE_SECOND, 70, surname)
    }

    fn surname_for(&mut self, province: u8) -> Option<&'static str> {
        let percent = match province {
            12 | 71 | 81 | 91..=96 => 85,
            _ => 12,
        };
        self.rng.chance(percent).then(|| self.rng.pick(data::FAMILY_NAMES))
    }

    fn birthplace(&mut self, regency: &'static Regency) -> &'static str {
        if self.rng.chance(70) { regency.town } else { self.rng.pick(data::BIRTH_TOWNS) }
    }

    fn nik_region(&mut self, home: &Home, moved_percent: u32) -> (&'static Regency, u8) {
        if self.rng.chance(moved_percent) {
            let r = self.regency();
            let d = self.rng.range(1, u32::from(r.districts)) as u8;
            (r, d)
        } else {
            (home.regency, home.district)
        }
    }

    fn parent_names(&mut self, province: u8) -> (String, String) {
        let surname = self.surname_for(province);
        let father = self.male_name(surname);
        let mother = self.female_name(None);
        (mother, father)
    }

    /// Adds one family of at most `room` members.
    fn family(&mut self, room: usize) {
        let regency = self.regency();
        let home = self.home(regency, None);
        let province = regency.province();
        let surname = self.surname_for(province);
        let religion_w = data::religion_weights(province);
        let religion_items: [(u32, &'static str); 7] =
            std::array::from_fn(|i| (religion_w[i], padan_protocol::v1::AGAMA[i]));
        let religion = self.rng.weighted(&religion_items);

        let kind = self.rng.below(100);
        let mut members: Vec<Member> = Vec::with_capacity(6);
        let head_sex;
        let head_age;
        let head_status;
        if kind < 75 {
            head_sex = if self.rng.chance(97) { Sex::Male } else { Sex::Female };
            head_age = self.rng.range(22, 75);
            head_status = "KAWIN";
        } else if kind < 85 {
            head_sex = if self.rng.chance(65) { Sex::Female } else { Sex::Male };
            head_age = self.rng.range(45, 88);
            head_status = "CERAI MATI";
        } else if kind < 90 {
            head_sex = if self.rng.chance(55) { Sex::Female } else { Sex::Male };
            head_age = self.rng.range(28, 65);
            head_status = "CERAI HIDUP";
        } else {
            head_sex = if self.rng.chance(55) { Sex::Male } else { Sex::Female };
            head_age = self.rng.range(19, 45);
            head_status = "BELUM KAWIN";
        }
        let head_birth = self.birth_for_age(head_age);
        let (hm, hf) = self.parent_names(province);
        let head_surname = if head_sex == Sex::Male { surname } else { self.surname_for(province) };
        let head_name = self.name(head_sex, head_surname);
        let head_region = self.nik_region(&home, 15);
        let head_born = self.birthplace(regency);
        members.push(Member {
            name: head_name,
            sex: head_sex,
            birth: head_birth,
            role: "KEPALA KELUARGA",
            status: head_status,
            mother: hm,
            father: hf,
            married: None,
            divorced: None,
            nik_region: head_region,
            born_in: head_born,
        });

        // Spouse.
        if head_status == "KAWIN" {
            let spouse_sex = if head_sex == Sex::Male { Sex::Female } else { Sex::Male };
            let spouse_age = if spouse_sex == Sex::Female {
                head_age.saturating_sub(self.rng.below(8)).max(19)
            } else {
                head_age + self.rng.below(6)
            };
            let spouse_birth = self.birth_for_age(spouse_age);
            let (sm, sf) = self.parent_names(province);
            let spouse_surname = if spouse_sex == Sex::Male { surname } else { self.surname_for(province) };
            let name = self.name(spouse_sex, spouse_surname);
            let region = self.nik_region(&home, 25);
            let born = self.birthplace(regency);
            members.push(Member {
                name,
                sex: spouse_sex,
                birth: spouse_birth,
                role: if spouse_sex == Sex::Female { "ISTRI" } else { "SUAMI" },
                status: "KAWIN",
                mother: sm,
                father: sf,
                married: None,
                divorced: None,
                nik_region: region,
                born_in: born,
            });
        }

        // Children: born after the mother turned 19 and before the reference date.
        let (mother, father, mother_birth) = match members.iter().find(|m| m.sex == Sex::Female) {
            Some(m) => {
                let father = members.iter().find(|m| m.sex == Sex::Male).map(|m| m.name.clone());
                (m.name.clone(), father, m.birth)
            }
            None => (String::new(), Some(members[0].name.clone()), members[0].birth),
        };
        let father = match father {
            Some(f) => f,
            None => self.male_name(surname),
        };
        let mother = if mother.is_empty() { self.female_name(None) } else { mother };
        let mother_age = age_on(mother_birth, REFERENCE_DATE);
        if head_status != "BELUM KAWIN" && mother_age >= 20 {
            let children = self.rng.weighted(&[(15, 0u32), (25, 1), (30, 2), (18, 3), (8, 4), (4, 5)]);
            let first = Self::add_years(mother_birth, 19);
            let last_by_age = Self::add_years(mother_birth, 44);
            let last = if day_number(last_by_age) < day_number(REFERENCE_DATE) { last_by_age } else { REFERENCE_DATE };
            for _ in 0..children {
                let birth = self.date_between(first, last);
                if day_number(birth) >= day_number(REFERENCE_DATE) {
                    continue;
                }
                let sex = if self.rng.chance(51) { Sex::Male } else { Sex::Female };
                let child_surname = surname.filter(|_| sex == Sex::Male || self.rng.chance(80));
                let name = self.name(sex, child_surname);
                let born = self.birthplace(regency);
                members.push(Member {
                    name,
                    sex,
                    birth,
                    role: "ANAK",
                    status: "BELUM KAWIN",
                    mother: mother.clone(),
                    father: father.clone(),
                    married: None,
                    divorced: None,
                    nik_region: (home.regency, home.district),
                    born_in: born,
                });
            }
        }

        // Sometimes a widowed parent, a grandchild or another relative.
        if head_age < 60 && self.rng.chance(8) {
            let sex = if self.rng.chance(75) { Sex::Female } else { Sex::Male };
            let age = (head_age + self.rng.range(20, 32)).min(98);
            let birth = self.birth_for_age(age);
            let (m, f) = self.parent_names(province);
            let name = self.name(sex, if sex == Sex::Male { surname } else { None });
            let region = self.nik_region(&home, 40);
            let born = self.birthplace(regency);
            members.push(Member {
                name,
                sex,
                birth,
                role: "ORANGTUA",
                status: "CERAI MATI",
                mother: m,
                father: f,
                married: None,
                divorced: None,
                nik_region: region,
                born_in: born,
            });
        }
        if head_age >= 55 && self.rng.chance(15) {
            for _ in 0..self.rng.range(1, 2) {
                let sex = if self.rng.chance(50) { Sex::Male } else { Sex::Female };
                let age = self.rng.below(10);
                let birth = self.birth_for_age(age);
                let (m, f) = self.parent_names(province);
                let name = self.name(sex, surname);
                let born = self.birthplace(regency);
                members.push(Member {
                    name,
                    sex,
                    birth,
                    role: "CUCU",
                    status: "BELUM KAWIN",
                    mother: m,
                    father: f,
                    married: None,
                    divorced: None,
                    nik_region: (home.regency, home.district),
                    born_in: born,
                });
            }
        }
        if self.rng.chance(4) {
            let sex = if self.rng.chance(50) { Sex::Male } else { Sex::Female };
            let age = self.rng.range(12, 40);
            let birth = self.birth_for_age(age);
            let (m, f) = self.parent_names(province);
            let name = self.name(sex, None);
            let region = self.nik_region(&home, 50);
            let born = self.birthplace(regency);
            members.push(Member {
                name,
                sex,
                birth,
                role: "FAMILI LAIN",
                status: "BELUM KAWIN",
                mother: m,
                father: f,
                married: None,
                divorced: None,
                nik_region: region,
                born_in: born,
            });
        }
        members.truncate(room.max(1));

        // Marriage and divorce dates.
        let head_birth = members[0].birth;
        if head_status == "KAWIN" || head_status == "CERAI HIDUP" || head_status == "CERAI MATI" {
            let youngest_adult = members
                .iter()
                .filter(|m| m.role == "KEPALA KELUARGA" || m.role == "ISTRI" || m.role == "SUAMI")
                .map(|m| m.birth)
                .max_by_key(|d| day_number(*d))
                .unwrap_or(head_birth);
            let earliest = Self::add_years(youngest_adult, 19);
            let eldest_child =
                members.iter().filter(|m| m.role == "ANAK").map(|m| m.birth).min_by_key(|d| day_number(*d));
            let latest = match eldest_child {
                Some(c) if day_number(c) > day_number(earliest) => c,
                _ => REFERENCE_DATE,
            };
            let married = self.date_between(earliest, latest);
            let divorced = (head_status == "CERAI HIDUP").then(|| self.date_between(married, REFERENCE_DATE));
            for m in members.iter_mut().filter(|m| m.role != "ANAK" && m.role != "CUCU" && m.role != "ORANGTUA") {
                if m.role == "FAMILI LAIN" {
                    continue;
                }
                m.married = Some(married);
                m.divorced = divorced;
            }
        }
        for m in members.iter_mut().filter(|m| m.role == "ORANGTUA") {
            let earliest = Self::add_years(m.birth, 19);
            let latest = Self::add_years(m.birth, 30);
            let a = day_number(earliest);
            let b = day_number(latest);
            m.married = Some(from_day_number(a + i64::from(self.rng.below((b - a) as u32 + 1))));
        }

        // KK: entered at or after marriage (or the head's 17th birthday), since 2006.
        let since = members[0].married.unwrap_or_else(|| Self::add_years(head_birth, 17));
        let since = if since.year < 2006 { CivilDate { year: 2006, month: 1, day: 2 } } else { since };
        let entry = self.date_between(since, REFERENCE_DATE);
        let Some(no_kk) = self.kk_number(&home, entry, None) else {
            return;
        };
        let address = self.address();
        let start = self.persons.len() as u32;
        for m in members {
            if let Some(p) = self.person(m, &home, &no_kk, &address, religion, None, RecordStatus::Active) {
                self.persons.push(p);
            }
        }
        let end = self.persons.len() as u32;
        if let Some(k) = key16(&no_kk) {
            self.families.push((k, start..end));
        }
    }

    fn kk_number(&mut self, home: &Home, entry: CivilDate, fixed_serial: Option<u16>) -> Option<String> {
        let prefix = format!(
            "{:04}{:02}{:02}{:02}{:02}",
            home.regency.code,
            home.district,
            entry.day,
            entry.month,
            entry.year % 100
        );
        let serial = match fixed_serial {
            Some(s) => s,
            None => next_serial(&mut self.kk_serials, &prefix)?,
        };
        Some(format!("{prefix}{serial:04}"))
    }

    #[allow(clippy::too_many_arguments)]
    fn person(
        &mut self,
        m: Member,
        home: &Home,
        no_kk: &str,
        address: &str,
        family_religion: &'static str,
        fixed_nik: Option<&str>,
        record_status: RecordStatus,
    ) -> Option<Person> {
        let (region, district) = m.nik_region;
        let day = if m.sex == Sex::Female { m.birth.day + 40 } else { m.birth.day };
        let nik = match fixed_nik {
            Some(n) => n.to_owned(),
            None => {
                let prefix =
                    format!("{:04}{:02}{:02}{:02}{:02}", region.code, district, day, m.birth.month, m.birth.year % 100);
                let serial = next_serial(&mut self.nik_serials, &prefix)?;
                format!("{prefix}{serial:04}")
            }
        };
        let age = age_on(m.birth, REFERENCE_DATE);
        let religion = if m.role == "ANAK" || m.role == "CUCU" || self.rng.chance(95) {
            family_religion
        } else {
            self.rng.weighted(&[(80, "ISLAM"), (10, "KRISTEN"), (10, "KATHOLIK")])
        };
        let job = self.occupation(age, &m);
        let education = self.education(age, job);
        // Birth certificate (akta kelahiran): `RRRR-LT-DDMMYYYY-SSSS`, the
        // regency of registration, the registration date (0–59 days after
        // the birth, never after the reference date) and a serial.
        let akta_lhr = if m.birth.year >= 1985 && self.rng.chance(85) {
            let serial = self.rng.range(1, 9999);
            let registered = day_number(m.birth) + i64::from(serial % 60);
            let registered = from_day_number(registered.min(day_number(REFERENCE_DATE)));
            format!(
                "{:04}-LT-{:02}{:02}{:04}-{serial:04}",
                home.regency.code, registered.day, registered.month, registered.year
            )
        } else {
            String::new()
        };
        let akta_kwn = match m.married {
            // Everyone who has married (KAWIN, CERAI HIDUP, CERAI MATI) holds
            // a marriage certificate; singles none.
            Some(d) if m.status != "BELUM KAWIN" => {
                if religion == "ISLAM" {
                    format!(
                        "{:04}/{:03}/{}/{}",
                        self.rng.range(1, 2500),
                        self.rng.range(1, 200),
                        ROMAN_MONTHS[usize::from(d.month) - 1],
                        d.year
                    )
                } else {
                    format!(
                        "{:04}-KW-{:02}{:02}{:04}-{:04}",
                        home.regency.code,
                        d.day,
                        d.month,
                        d.year,
                        self.rng.range(1, 9999)
                    )
                }
            }
            _ => String::new(),
        };
        let akta_crai = match m.divorced {
            Some(d) => format!("{:04}/AC/{}/PA", self.rng.range(1, 3000), d.year),
            None => String::new(),
        };
        let ektp = if age >= 17 || m.status != "BELUM KAWIN" {
            if self.rng.chance(96) { "ELECTRONIC" } else { "NOT ELECTRONIC" }
        } else {
            "NOT ELECTRONIC"
        };
        Some(Person {
            nik,
            no_kk: no_kk.to_owned(),
            nama_lgkp: m.name,
            jenis_klmin: m.sex,
            tmpt_lhr: m.born_in,
            tgl_lhr: m.birth,
            agama: religion,
            status_kawin: m.status,
            stat_hbkel: m.role,
            pddk_akh: education,
            jenis_pkrjn: job,
            gol_darah: self.rng.weighted(data::GOL_DARAH),
            nama_lgkp_ibu: m.mother,
            nama_lgkp_ayah: m.father,
            no_akta_lhr: akta_lhr,
            alamat: address.to_owned(),
            no_rt: home.rt,
            no_rw: home.rw,
            dusun: "-",
            kode_pos: home.kode_pos,
            no_prop: home.regency.province(),
            prop_name: padan_protocol::validate::province_name(home.regency.province()).unwrap_or("-"),
            no_kab: home.regency.regency_part(),
            kab_name: home.regency.name,
            no_kec: home.district,
            kec_name: home.kec_name,
            no_kel: home.village,
            kel_name: home.kel_name,
            ektp_status: ektp,
            tgl_kwn: if m.status == "BELUM KAWIN" { None } else { m.married },
            no_akta_kwn: akta_kwn,
            tgl_crai: m.divorced,
            no_akta_crai: akta_crai,
            pnydng_cct: "TIDAK ADA",
            record_status,
        })
    }

    fn occupation(&mut self, age: u32, m: &Member) -> &'static str {
        if age < 5 {
            return data::JOB_NONE;
        }
        if age < 19 || (age < 23 && self.rng.chance(60)) {
            return data::JOB_STUDENT;
        }
        if age >= 60 {
            return if self.rng.chance(45) {
                data::JOB_RETIRED
            } else if m.sex == Sex::Female && self.rng.chance(50) {
                data::JOB_HOUSEHOLD
            } else {
                data::JOB_NONE
            };
        }
        if m.sex == Sex::Female && m.status == "KAWIN" && self.rng.chance(45) {
            return data::JOB_HOUSEHOLD;
        }
        self.rng.weighted(data::ADULT_JOBS)
    }

    fn education(&mut self, age: u32, job: &str) -> &'static str {
        let e = data::PDDK_AKH;
        match age {
            0..=5 => e[0],
            6..=12 => e[1],
            13..=15 => e[2],
            16..=18 => e[3],
            _ => match job {
                "PEGAWAI NEGERI SIPIL" | "APARATUR SIPIL NEGARA (ASN)" | "GURU" | "DOKTER" | "AKUNTAN" => {
                    self.rng.weighted(&[(15, e[4]), (15, e[6]), (55, e[7]), (13, e[8]), (2, e[9])])
                }
                "DOSEN" => self.rng.weighted(&[(70, e[8]), (30, e[9])]),
                "BIDAN" | "PERAWAT" => self.rng.weighted(&[(60, e[6]), (40, e[7])]),
                _ => self.rng.weighted(&[
                    (4, e[0]),
                    (8, e[1]),
                    (20, e[2]),
                    (20, e[3]),
                    (33, e[4]),
                    (2, e[5]),
                    (4, e[6]),
                    (8, e[7]),
                    (1, e[8]),
                ]),
            },
        }
    }

    /// Adds the records behind the special NIKs. Their data is the same for
    /// every seed: they are built from a fixed stream.
    fn specials(&mut self) {
        let saved = std::mem::replace(&mut self.rng, Rng::new(0x005E_C1A1));
        for spec in special::RECORDS {
            let Some(regency) = data::REGENCIES.iter().find(|r| r.code == spec.regency) else {
                continue;
            };
            let home = self.home(regency, Some(spec.district));
            let birth = spec.birth;
            let (mother, father) = self.parent_names(regency.province());
            let status = if age_on(birth, REFERENCE_DATE) >= 19 { "KAWIN" } else { "BELUM KAWIN" };
            let married = (status == "KAWIN").then(|| Self::add_years(birth, 24));
            let member = Member {
                name: spec.name.to_owned(),
                sex: spec.sex,
                birth,
                role: "KEPALA KELUARGA",
                status,
                mother,
                father,
                married,
                divorced: None,
                nik_region: (regency, spec.district),
                born_in: spec.birthplace,
            };
            let entry = married.unwrap_or(CivilDate { year: 2010, month: 6, day: 1 });
            let entry = if entry.year < 2006 { CivilDate { year: 2006, month: 3, day: 1 } } else { entry };
            let Some(no_kk) = self.kk_number(&home, entry, Some(spec.kk_serial)) else {
                continue;
            };
            let address = self.address();
            let start = self.persons.len() as u32;
            let religion = spec.agama;
            if let Some(p) = self.person(member, &home, &no_kk, &address, religion, Some(spec.nik), spec.status) {
                self.persons.push(p);
            }
            if let Some(k) = key16(&no_kk) {
                self.families.push((k, start..self.persons.len() as u32));
            }
        }
        self.rng = saved;
    }
}

fn next_serial(counters: &mut HashMap<u64, u16>, prefix: &str) -> Option<u16> {
    let key = prefix.bytes().fold(0u64, |acc, b| acc * 10 + u64::from(b.wrapping_sub(b'0')));
    let c = counters.entry(key).or_insert(0);
    if *c >= SERIAL_LIMIT {
        return None;
    }
    *c += 1;
    Some(*c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for d in [
            CivilDate { year: 1945, month: 8, day: 17 },
            CivilDate { year: 2000, month: 2, day: 29 },
            CivilDate { year: 2026, month: 1, day: 1 },
            CivilDate { year: 1999, month: 12, day: 31 },
        ] {
            assert_eq!(from_day_number(day_number(d)), d);
        }
        let a = day_number(CivilDate { year: 2024, month: 2, day: 28 });
        assert_eq!(from_day_number(a + 1), CivilDate { year: 2024, month: 2, day: 29 });
    }

    #[test]
    fn age_counts_birthdays() {
        let b = CivilDate { year: 2000, month: 6, day: 15 };
        assert_eq!(age_on(b, CivilDate { year: 2026, month: 6, day: 14 }), 25);
        assert_eq!(age_on(b, CivilDate { year: 2026, month: 6, day: 15 }), 26);
    }

    #[test]
    fn debug_hides_personal_data() {
        let pop = Population::generate(3, 50);
        let p = &pop.persons()[0];
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(&p.nik));
        assert!(!dbg.contains(&p.nama_lgkp));
        assert!(!dbg.contains(&p.alamat));
    }
}
