//! Turning what Dukcapil says into something an admin can act on.
//!
//! Officers see a generic "service unavailable" for configuration faults;
//! the admin sees the code and what to check here, and in the log.

use crate::{
    AppState,
    dukcapil::{BreakerState, DukcapilError, Service},
    store,
};

fn what_to_check(e: &DukcapilError) -> Option<(&'static str, String, String)> {
    use crate::dukcapil::ResponseCode as R;
    let cfg = |code: String, msg: &str| Some(("upstream_config", code, msg.to_owned()));
    match e {
        DukcapilError::Rejected(code) => match code {
            R::LoginFailed => {
                cfg(code.code().into(), "Dukcapil menolak login (03): periksa dukcapil.user_id / password.")
            }
            R::IpMismatch => cfg(
                code.code().into(),
                "IP pemanggil tidak sesuai (04): periksa dukcapil.ip_user dan alamat keluar server.",
            ),
            R::OutsideHours => cfg(code.code().into(), "Di luar jam akses yang diizinkan Dukcapil (06)."),
            R::IncompleteParams => {
                cfg(code.code().into(), "Parameter permintaan tidak lengkap (07): periksa versi klien dan konfigurasi.")
            }
            R::EmptyCredentials => {
                cfg(code.code().into(), "Kredensial kosong (09): dukcapil.user_id / password belum diisi.")
            }
            R::IpNotRegistered => {
                cfg(code.code().into(), "IP klien tidak terdaftar di Dukcapil (10): daftarkan dukcapil.ip_user.")
            }
            R::InstitutionInactive => {
                cfg(code.code().into(), "Lembaga tidak aktif di Dukcapil (16): hubungi Dukcapil.")
            }
            R::UserInactive => cfg(code.code().into(), "User ID tidak aktif (17): minta aktivasi ke Dukcapil."),
            _ => None,
        },
        DukcapilError::FrError(code @ (5001 | 5003 | 5004 | 5005 | 5006 | 9002)) => cfg(
            format!("FR-{code}"),
            match code {
                5001 => "Pengenalan wajah: akun tidak ditemukan (5001): periksa kredensial dan dukcapil.fr_credential.",
                5003 => "Pengenalan wajah: IP tidak diizinkan (5003): periksa dukcapil.ip_user.",
                5004 => "Pengenalan wajah: parameter tidak valid (5004): periksa versi klien.",
                5005 => "Pengenalan wajah: ambang tidak valid (5005): periksa dukcapil.fr_threshold.",
                5006 => "Pengenalan wajah: dekripsi gagal (5006): periksa dukcapil.fr_public_key.",
                _ => "Pengenalan wajah: kata sandi salah (9002): periksa dukcapil.password.",
            },
        ),
        DukcapilError::NotConfigured(what) => cfg("config".into(), &format!("Belum dikonfigurasi: {what}.")),
        DukcapilError::UnknownCode(code) => {
            Some(("upstream_unknown", code.clone(), format!("Dukcapil menjawab dengan kode tak dikenal {code}.")))
        }
        _ => None,
    }
}

/// Raises whatever alert an upstream outcome calls for. Never fails the
/// request: an alert that cannot be written is logged instead.
pub async fn observe(state: &AppState, service: Service, error: Option<&DukcapilError>) {
    let now = state.clock().now_millis();
    let pool = state.store().pool();
    let mut raise: Vec<(&str, String, String)> = Vec::new();
    if let Some(e) = error {
        if let Some(alert) = what_to_check(e) {
            tracing::error!(code = %alert.1, "Dukcapil configuration fault: {}", alert.2);
            raise.push((alert.0, alert.1, alert.2));
        }
        if matches!(e, DukcapilError::QuotaExhausted) {
            raise.push((
                "quota_exhausted",
                service.as_str().into(),
                "Kuota harian Dukcapil habis (05): layanan ditutup sampai pukul 00.00 WIB.".into(),
            ));
        }
        if e.is_availability_failure() && matches!(state.dukcapil().breaker(service).state(), BreakerState::Open { .. })
        {
            raise.push((
                "upstream_down",
                service.as_str().into(),
                format!("Layanan Dukcapil ({}) tidak dapat dihubungi; sirkuit dibuka sementara.", service.as_str()),
            ));
        }
    }
    let quota = state.dukcapil().quota(service).remaining();
    if let Some(remaining) = quota {
        let thresholds = &state.config().dukcapil.quota_alert_thresholds;
        if let Some(level) = thresholds.iter().filter(|t| remaining <= **t).min() {
            raise.push((
                "quota_low",
                format!("{}<={level}", service.as_str()),
                format!("Sisa kuota Dukcapil ({}) tinggal {remaining}.", service.as_str()),
            ));
        }
    }
    for (kind, code, message) in raise {
        if let Err(e) = store::alerts::raise(pool, kind, Some(&code), &message, now).await {
            tracing::error!(error = %e, kind, "could not record an admin alert");
        }
    }
}
