//! Reference data every installation starts with (offices, the agreements
//! on record) and the embedded demo's accounts and demonstration agreement.

use padan_protocol::v1::{Element as E, Mechanism as M, Role};
use sqlx::AnyPool;
use time::{Date, Month};

use super::agreements::{AgreementRecord, GrantRecord, insert_if_absent};

pub const OFFICES: [(&str, &str); 15] = [
    ("PUSAT", "BKN Pusat (Jakarta)"),
    ("KANREG-I", "Kantor Regional I BKN Yogyakarta"),
    ("KANREG-II", "Kantor Regional II BKN Surabaya"),
    ("KANREG-III", "Kantor Regional III BKN Bandung"),
    ("KANREG-IV", "Kantor Regional IV BKN Makassar"),
    ("KANREG-V", "Kantor Regional V BKN Jakarta"),
    ("KANREG-VI", "Kantor Regional VI BKN Medan"),
    ("KANREG-VII", "Kantor Regional VII BKN Palembang"),
    ("KANREG-VIII", "Kantor Regional VIII BKN Banjarmasin"),
    ("KANREG-IX", "Kantor Regional IX BKN Jayapura"),
    ("KANREG-X", "Kantor Regional X BKN Denpasar"),
    ("KANREG-XI", "Kantor Regional XI BKN Manado"),
    ("KANREG-XII", "Kantor Regional XII BKN Pekanbaru"),
    ("KANREG-XIII", "Kantor Regional XIII BKN Banda Aceh"),
    ("KANREG-XIV", "Kantor Regional XIV BKN Manokwari"),
];

pub async fn offices(pool: &AnyPool) -> Result<(), sqlx::Error> {
    for (code, name) in OFFICES {
        // Portable upsert-or-ignore: SQLite and PostgreSQL both accept it.
        sqlx::query("INSERT INTO offices (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING")
            .bind(code)
            .bind(name)
            .execute(pool)
            .await?;
    }
    Ok(())
}

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
}

fn grant(mechanism: M, client: &str, clause: &str, elements: &[E]) -> GrantRecord {
    GrantRecord { mechanism, client: client.into(), clause: clause.into(), elements: elements.to_vec() }
}

/// "Family members in the same KK" is not itemised in the text; the least
/// that serves the purpose is granted (ANGGOTA_KELUARGA = NIK, name, relation).
const PKS_2024_VERIFY: [E; 10] = [
    E::Nik,
    E::NoKk,
    E::NamaLgkp,
    E::JenisKlmin,
    E::Agama,
    E::TmptLhr,
    E::TglLhr,
    E::StatusKawin,
    E::StatHbkel,
    E::Alamat,
];
const PKS_2024_PORTAL: [E; 13] = [
    E::NoKk,
    E::Nik,
    E::NamaLgkp,
    E::JenisKlmin,
    E::Agama,
    E::TmptLhr,
    E::TglLhr,
    E::StatusKawin,
    E::JenisPkrjn,
    E::StatHbkel,
    E::Alamat,
    E::AnggotaKeluarga,
    E::Foto,
];
const PKS_2024_IKD: [E; 9] =
    [E::Nik, E::NamaLgkp, E::JenisKlmin, E::TmptLhr, E::TglLhr, E::Agama, E::StatusKawin, E::JenisPkrjn, E::Alamat];

fn pks_2024_grants() -> Vec<GrantRecord> {
    vec![
        grant(M::VerifyElements, "officer", "2(1)a", &PKS_2024_VERIFY),
        grant(M::VerifyElements, "officer", "3(2)a", &PKS_2024_VERIFY),
        grant(M::FaceMatch, "officer", "2(1)b", &[E::Nik, E::Foto]),
        grant(M::FaceMatch, "officer", "3(2)b", &[E::Nik, E::Foto]),
        grant(M::PortalLookup, "officer", "2(1)c", &PKS_2024_PORTAL),
        grant(M::PortalLookup, "officer", "3(2)c", &PKS_2024_PORTAL),
        grant(M::IkdLookup, "officer", "2(1)d", &PKS_2024_IKD),
        grant(M::IkdLookup, "officer", "3(2)d", &PKS_2024_IKD),
    ]
}

fn siasn_grant() -> GrantRecord {
    grant(
        M::SiasnLookup,
        "siasn",
        "2(1)a",
        &[
            E::Nik,
            E::NamaLgkp,
            E::TmptLhr,
            E::TglLhr,
            E::StatusKawin,
            E::NoAktaLhr,
            E::NoAktaKwn,
            E::TglKwn,
            E::AnggotaKeluarga,
        ],
    )
}

/// The two agreements in `shared/seeds/`, exactly as AGREEMENTS.md reads them.
pub fn real_agreements() -> Vec<AgreementRecord> {
    let addendum_verify_obligation =
        [E::Nik, E::NoKk, E::NamaLgkp, E::JenisKlmin, E::Agama, E::TmptLhr, E::TglLhr, E::StatusKawin, E::Alamat];
    let mut addendum_verify_right = addendum_verify_obligation.to_vec();
    addendum_verify_right.push(E::JenisPkrjn);
    vec![
        AgreementRecord {
            id: 0,
            code: "pks-2024".into(),
            title: "Pemberian Hak Akses dan Pemanfaatan Data Kependudukan dalam Lingkup Tugas BKN".into(),
            numbers: "100.4.7.1/7482/DUKCAPIL; 19/HM.04.01/2024".into(),
            signed_on: date(2024, Month::June, 28),
            valid_until: date(2026, Month::June, 30),
            status: "active".into(),
            demo: false,
            extends: None,
            grants: pks_2024_grants(),
        },
        AgreementRecord {
            id: 0,
            code: "adendum-2023".into(),
            title: "Adendum Kedua PKS Pemanfaatan NIK, Data Kependudukan dan KTP-el".into(),
            numbers: "100.4.7.1/3719/DUKCAPIL; 9/HM.04.01/2023".into(),
            signed_on: date(2023, Month::February, 28),
            valid_until: date(2024, Month::February, 29),
            status: "active".into(),
            demo: false,
            extends: None,
            grants: vec![
                siasn_grant(),
                grant(M::VerifyElements, "officer", "2(1)b", &addendum_verify_obligation),
                // The rights clause lists JENIS_PKRJN too ("nine" items, ten listed):
                // the policy grants the intersection and shows admins the discrepancy.
                grant(M::VerifyElements, "officer", "3(2)a", &addendum_verify_right),
                grant(
                    M::PortalLookup,
                    "officer",
                    "2(1)c",
                    &[
                        E::NoKk,
                        E::Nik,
                        E::NamaLgkp,
                        E::JenisKlmin,
                        E::Agama,
                        E::TmptLhr,
                        E::TglLhr,
                        E::StatusKawin,
                        E::JenisPkrjn,
                        E::Alamat,
                        E::AnggotaKeluarga,
                        E::Foto,
                    ],
                ),
            ],
        },
    ]
}

/// A demonstration agreement for the embedded demo: valid one year from
/// `today`, granting what PKS 2024 grants plus the addendum's SIASN
/// service. Labelled as such everywhere.
pub fn demo_agreement(today: Date) -> AgreementRecord {
    AgreementRecord {
        id: 0,
        code: "demo".into(),
        title: "PERJANJIAN DEMO — hanya untuk uji coba, bukan perjanjian sebenarnya".into(),
        numbers: "DEMO/PADAN".into(),
        signed_on: today,
        valid_until: today.checked_add(time::Duration::days(365)).unwrap_or(today),
        status: "active".into(),
        demo: true,
        extends: None,
        grants: pks_2024_grants().into_iter().chain([siasn_grant()]).collect(),
    }
}

pub async fn agreements(pool: &AnyPool, now_ms: i64) -> Result<(), sqlx::Error> {
    for a in real_agreements() {
        insert_if_absent(pool, &a, now_ms).await?;
    }
    Ok(())
}

/// The demo SIASN application's API key (printed by `cargo xtask demo`).
pub const DEMO_SIASN_KEY: &str = "padan-demo-siasn-key-0000000000000000";

/// Demo accounts: one per role, printed by `cargo xtask demo`.
pub const DEMO_PASSWORD: &str = "padan-demo-2026";
pub const DEMO_ACCOUNTS: [(&str, &str, Role, &str, Option<&str>); 5] = [
    ("petugas", "Rina Kusuma (petugas demo)", Role::Officer, "KANREG-V", Some("199003152015032001")),
    ("supervisor", "Bambang Hartono (supervisor demo)", Role::Supervisor, "KANREG-V", Some("198204102006041003")),
    ("helpdesk", "Dewi Lestari (helpdesk demo)", Role::Helpdesk, "PUSAT", Some("199107222019032002")),
    ("admin", "Agus Santoso (admin demo)", Role::Admin, "PUSAT", Some("198512012010121001")),
    ("auditor", "Sri Wahyuni (auditor demo)", Role::Auditor, "PUSAT", Some("197905182003122004")),
];
