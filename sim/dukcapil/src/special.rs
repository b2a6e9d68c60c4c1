//! Documented NIKs with fixed behaviour, the same for every seed.
//!
//! | constant | NIK | answer |
//! |---|---|---|
//! | [`ACTIVE`] | `3171016708929904` | found, active: verdicts only (a fixed demo person) |
//! | [`DECEASED`] | `3171011708459901` | verdicts + `RESPONSE_CODE` 11 "Data Ditemukan, Meninggal Dunia" |
//! | [`DUPLICATE`] | `3273016605809902` | verdicts + `RESPONSE_CODE` 12 "Data Ditemukan, Data Ganda" |
//! | [`INACTIVE`] | `3578011203909903` | verdicts + `RESPONSE_CODE` 14 "Data Ditemukan, Status Non Aktif ..." |
//! | [`UNPROCESSABLE`] | `3471015101859908` | 08 "NIK tidak dapat diproses" (no record) |
//! | [`NOT_FOUND`] | `3171010101009999` | 13 (as is every well-formed NIK not in the population) |
//! | [`BAD_FORMAT`] | `3199011708459915` | 15: passes `padan_protocol::validate::parse_nik`, but regency code 99 does not exist |
//!
//! Generated NIKs and KKs use serials below 9900, so these never collide
//! with the generated population.

use padan_protocol::validate::{CivilDate, Sex};

use crate::population::RecordStatus;

/// An active person with fixed data: DEWI KARTIKA SARI, PEREMPUAN, born in
/// JAKARTA on 27-08-1992, ISLAM, living in KOTA JAKARTA SELATAN.
pub const ACTIVE: &str = "3171016708929904";
/// A person recorded as deceased: response code 11.
pub const DECEASED: &str = "3171011708459901";
/// A person with duplicate records: response code 12.
pub const DUPLICATE: &str = "3273016605809902";
/// A person whose record is inactive: response code 14.
pub const INACTIVE: &str = "3578011203909903";
/// A well-formed NIK the registry cannot process: response code 08.
pub const UNPROCESSABLE: &str = "3471015101859908";
/// A well-formed NIK guaranteed absent from every population: code 13.
pub const NOT_FOUND: &str = "3171010101009999";
/// Structurally valid for `parse_nik`, but the simulator rejects regency
/// codes 80 and above (none exists): response code 15.
pub const BAD_FORMAT: &str = "3199011708459915";

/// The fixed data behind a special record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpecialRecord {
    pub nik: &'static str,
    pub status: RecordStatus,
    pub regency: u16,
    pub district: u8,
    pub sex: Sex,
    pub birth: CivilDate,
    pub name: &'static str,
    pub birthplace: &'static str,
    pub agama: &'static str,
    pub kk_serial: u16,
}

pub(crate) const RECORDS: [SpecialRecord; 4] = [
    SpecialRecord {
        nik: ACTIVE,
        status: RecordStatus::Active,
        regency: 3171,
        district: 1,
        sex: Sex::Female,
        birth: CivilDate { year: 1992, month: 8, day: 27 },
        name: "DEWI KARTIKA SARI",
        birthplace: "JAKARTA",
        agama: "ISLAM",
        kk_serial: 9904,
    },
    SpecialRecord {
        nik: DECEASED,
        status: RecordStatus::Deceased,
        regency: 3171,
        district: 1,
        sex: Sex::Male,
        birth: CivilDate { year: 1945, month: 8, day: 17 },
        name: "SUPARMAN HADIWIJOYO",
        birthplace: "JAKARTA",
        agama: "ISLAM",
        kk_serial: 9901,
    },
    SpecialRecord {
        nik: DUPLICATE,
        status: RecordStatus::Duplicate,
        regency: 3273,
        district: 1,
        sex: Sex::Female,
        birth: CivilDate { year: 1980, month: 5, day: 26 },
        name: "ENDANG SRI WAHYUNI",
        birthplace: "BANDUNG",
        agama: "ISLAM",
        kk_serial: 9902,
    },
    SpecialRecord {
        nik: INACTIVE,
        status: RecordStatus::Inactive,
        regency: 3578,
        district: 1,
        sex: Sex::Male,
        birth: CivilDate { year: 1990, month: 3, day: 12 },
        name: "AGUS SETIAWAN PRATAMA",
        birthplace: "SURABAYA",
        agama: "KRISTEN",
        kk_serial: 9903,
    },
];

/// How many records [`RECORDS`] adds to every population.
pub const COUNT: usize = RECORDS.len();

/// Whether the simulator accepts `nik` as being in Dukcapil's format:
/// `parse_nik` must accept it and its regency code must be below 80.
pub fn is_dukcapil_format(nik: &str) -> bool {
    match padan_protocol::validate::parse_nik(nik) {
        Ok(n) => n.regency < 80,
        Err(_) => false,
    }
}
