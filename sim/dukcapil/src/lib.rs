//! Stand-in for Dukcapil's population-registry web services (see README.md:
//! `CALL_VERIFY_BY_ELEMEN`, `CALL_NIK`, `CALL_KK`, `CALL_FOTO`, `CALL_FR`, faces, faults).
//!
//! A deterministic synthetic population (see [`Population::generate`]) behind
//! the wire format described in `shared/design/DUKCAPIL-WEB-SERVICE.md`:
//! `POST /dukcapil/get_json/{instansi}/CALL_VERIFY_BY_ELEMEN`, with Dukcapil's
//! credentials-in-body, HTTP-200 errors, Spring-style page envelope and
//! daily quota, plus runtime fault injection for the backend's tests.
//! Used by the embedded demo and by tests; never by production paths.
//!
//! # Special NIKs
//!
//! The same for every seed (constants in [`special`]):
//!
//! | NIK | constant | answer |
//! |---|---|---|
//! | `3171016708929904` | [`special::ACTIVE`] | found, active (fixed demo person DEWI KARTIKA SARI, 27-08-1992, JAKARTA) |
//! | `3171011708459901` | [`special::DECEASED`] | verdicts + `RESPONSE_CODE` `11` |
//! | `3273016605809902` | [`special::DUPLICATE`] | verdicts + `RESPONSE_CODE` `12` |
//! | `3578011203909903` | [`special::INACTIVE`] | verdicts + `RESPONSE_CODE` `14` |
//! | `3471015101859908` | [`special::UNPROCESSABLE`] | `08` |
//! | `3171010101009999` | [`special::NOT_FOUND`] | `13` (so does any well-formed NIK not in the population) |
//! | `3199011708459915` | [`special::BAD_FORMAT`] | `15` (regency code ≥ 80; also any NIK `parse_nik` rejects) |
//!
//! # Order of checks
//!
//! empty `USER_ID`/`PASSWORD`/`IP_USER` → 09; unknown `{instansi}` → 16;
//! user in `inactive_users` → 17; wrong credentials → 03; `IP_USER` not in
//! `allowed_ips` → 10; `IP_USER` ≠ TCP peer (when `check_peer_ip`) → 04;
//! outside `access_hours` → 06; missing `NIK` or missing/invalid `TRESHOLD`
//! → 07; quota exhausted → 05 (each call reaching this point costs one unit);
//! then 15, 08, 13, or the verdicts (with 11/12/14 alongside).

pub mod balikan;
pub mod canary;
mod config;
mod data;
pub mod face;
pub mod fr;
mod population;
mod rng;
mod server;
pub mod similarity;
pub mod special;
mod verify;
mod wire;

pub use config::{AccessHours, DateFormat, Faults, SimConfig};
pub use data::{ASN, PNS, REGENCIES, Regency};
pub use face::{face_jpeg, face_rgb, face_y4m, match_score};
pub use fr::{FR_PUBLIC_KEY_PEM, FrErrorCode};
pub use population::{Person, Population, REFERENCE_DATE, RecordStatus};
pub use server::{
    FACE_CACHE_CAPACITY, FOTO_PATH, FR_PATH, KK_PATH, Method, NIK_PATH, SimHandle, SimState, VERIFY_PATH, router,
    spawn, spawn_with_population,
};
pub use verify::{ELEMENTS, SESUAI, TIDAK_SESUAI};
pub use wire::ResponseCode;
