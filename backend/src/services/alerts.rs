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
        let Some(count) = state.recurrences().occur(kind, &code, &message, now) else { continue };
        write(state, kind, &code, &message, now, count).await;
    }
}

async fn write(state: &AppState, kind: &str, code: &str, message: &str, now: i64, count: i64) {
    if let Err(e) = store::alerts::raise_n(state.store(), kind, Some(code), message, now, count).await {
        tracing::error!(error = %e, kind, "could not record an admin alert");
    }
}

/// How long the recurrences of one alert are counted in memory before
/// they are written.
const COALESCE_MS: i64 = 1_000;

/// Recurrences of the alerts this process raised in the last second.
///
/// While Dukcapil is down every request raises `upstream_down`; writing
/// each recurrence would make the fail-fast path a database write. The
/// first occurrence is written at once; the next ones within a second are
/// counted here and written together, by the next occurrence after the
/// second or by [`spawn_flusher`], so the count stays exact.
#[derive(Debug, Default)]
pub struct Recurrences(std::sync::Mutex<std::collections::HashMap<(String, String), Recent>>);

#[derive(Debug)]
struct Recent {
    written_at: i64,
    pending: i64,
    message: String,
    last_at: i64,
}

impl Recurrences {
    /// Counts one occurrence; `Some(n)` when `n` occurrences are due to be
    /// written now.
    fn occur(&self, kind: &str, code: &str, message: &str, now: i64) -> Option<i64> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let recent = map.entry((kind.to_owned(), code.to_owned())).or_insert(Recent {
            written_at: i64::MIN,
            pending: 0,
            message: String::new(),
            last_at: now,
        });
        recent.pending += 1;
        recent.last_at = now;
        if now.saturating_sub(recent.written_at) < COALESCE_MS {
            message.clone_into(&mut recent.message);
            return None;
        }
        recent.written_at = now;
        Some(std::mem::take(&mut recent.pending))
    }

    /// Takes every count still waiting.
    fn drain(&self) -> Vec<(String, String, String, i64, i64)> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, r| r.pending > 0 || r.written_at != i64::MIN);
        map.iter_mut()
            .filter(|(_, r)| r.pending > 0)
            .map(|((kind, code), r)| {
                r.written_at = r.last_at;
                (kind.clone(), code.clone(), std::mem::take(&mut r.message), r.last_at, std::mem::take(&mut r.pending))
            })
            .collect()
    }
}

/// Writes the counted recurrences every second. The task ends with the
/// runtime.
pub fn spawn_flusher(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(COALESCE_MS as u64));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for (kind, code, message, at, count) in state.recurrences().drain() {
                write(&state, &kind, &code, &message, at, count).await;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::Recurrences;

    #[test]
    fn recurrences_within_a_second_are_counted_then_written_together() {
        let r = Recurrences::default();
        assert_eq!(r.occur("upstream_down", "verify", "m", 10_000), Some(1), "the first is written at once");
        assert_eq!(r.occur("upstream_down", "verify", "m", 10_100), None);
        assert_eq!(r.occur("upstream_down", "verify", "m", 10_900), None);
        assert_eq!(r.occur("upstream_down", "face", "m", 10_900), Some(1), "another alert is its own");
        assert_eq!(r.occur("upstream_down", "verify", "m", 11_000), Some(3), "a second later, all three");
        assert_eq!(r.occur("upstream_down", "verify", "m2", 11_200), None);
        let drained = r.drain();
        assert_eq!(drained, vec![("upstream_down".into(), "verify".into(), "m2".into(), 11_200, 1)]);
        assert!(r.drain().is_empty(), "nothing is written twice");
    }
}
