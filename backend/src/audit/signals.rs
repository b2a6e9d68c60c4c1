//! Misuse signals: patterns in the trail a supervisor or admin should look
//! at (PKS 2024: BKN answers for every access). Computed from the trail on
//! the injected clock, on demand and by a periodic scan that raises them
//! as admin alerts. Each lists the audit records behind it.
//!
//! - `volume`: an officer's accesses in the window exceed `volume_factor`
//!   times both their own daily baseline and their office colleagues'
//!   average (and are at least `volume_min`);
//! - `repeated_nik`: one officer accessed the same NIK `repeat_nik` times;
//! - `outside_hours`: portal look-ups outside working hours (WIB) or at
//!   the weekend;
//! - `no_follow_up`: look-ups (portal, IKD) whose NIK nobody in the office
//!   verified within `follow_up_hours`, at least `no_follow_up_min` times.

use std::collections::{BTreeMap, HashMap};

use padan_protocol::v1::MisuseSignal;
use time::Weekday;

use crate::{
    AppState,
    clock::{WIB, millis_to_datetime},
    store::{self, audit::AccessRow},
};

const HOUR_MS: i64 = 3_600_000;
const MAX_IDS: usize = 200;
const LOOKUPS: [&str; 3] = ["portal_lookup", "ikd_lookup", "siasn_lookup"];

/// The signals for the window ending now, limited to `office` if given.
/// Returns them with the window's bounds (ms).
pub async fn scan(state: &AppState, office: Option<&str>) -> Result<(Vec<MisuseSignal>, i64, i64), sqlx::Error> {
    let cfg = &state.config().audit.signals;
    let pool = state.store().pool();
    let now = state.clock().now_millis();
    let window = cfg.window_hours as i64 * HOUR_MS;
    let follow = cfg.follow_up_hours as i64 * HOUR_MS;
    let from = now - window;
    let in_scope = |r: &AccessRow| office.is_none_or(|o| r.office_code == o);
    let all: Vec<AccessRow> = store::audit::officer_accesses(pool, from - follow, now).await?;
    let recent: Vec<&AccessRow> = all.iter().filter(|r| r.at >= from).collect();
    let mut signals = Vec::new();

    // volume
    let baseline_days = cfg.baseline_days as i64;
    let baseline: HashMap<String, i64> =
        store::audit::access_counts(pool, from - baseline_days * 24 * HOUR_MS, from).await?.into_iter().collect();
    let mut per_officer: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
    for r in &recent {
        per_officer.entry((&r.username, &r.office_code)).or_default().push(r.id);
    }
    for (&(officer, office_code), ids) in &per_officer {
        if office.is_some_and(|o| o != office_code) {
            continue;
        }
        let count = ids.len() as f64;
        let own = baseline.get(officer).copied().unwrap_or(0) as f64 / baseline_days as f64 * window as f64
            / (24 * HOUR_MS) as f64;
        let colleagues: Vec<f64> = per_officer
            .iter()
            .filter(|((o, oc), _)| *oc == office_code && *o != officer)
            .map(|(_, ids)| ids.len() as f64)
            .collect();
        let office_avg =
            if colleagues.is_empty() { 0.0 } else { colleagues.iter().sum::<f64>() / colleagues.len() as f64 };
        if count >= cfg.volume_min as f64 && count > cfg.volume_factor * own.max(office_avg) {
            signals.push(signal(
                "volume",
                officer,
                office_code,
                format!(
                    "{officer} mengakses {} data dalam {} jam terakhir; biasanya {own:.0}, rata-rata rekan sekantor \
                     {office_avg:.0}.",
                    ids.len(),
                    cfg.window_hours
                ),
                ids,
            ));
        }
    }

    // repeated NIK
    let mut per_nik: BTreeMap<(&str, &str, &str), Vec<i64>> = BTreeMap::new();
    for r in recent.iter().filter(|r| in_scope(r)) {
        if let Some(token) = &r.nik_token {
            per_nik.entry((&r.username, &r.office_code, token)).or_default().push(r.id);
        }
    }
    for ((officer, office_code, _), ids) in &per_nik {
        if ids.len() as u64 >= cfg.repeat_nik {
            signals.push(signal(
                "repeated_nik",
                officer,
                office_code,
                format!(
                    "{officer} mengakses NIK yang sama {} kali dalam {} jam terakhir.",
                    ids.len(),
                    cfg.window_hours
                ),
                ids,
            ));
        }
    }

    // portal look-ups outside working hours
    let mut outside: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
    for r in recent.iter().filter(|r| in_scope(r) && r.mechanism == "portal_lookup") {
        let t = millis_to_datetime(r.at).to_offset(WIB);
        let weekend = matches!(t.weekday(), Weekday::Saturday | Weekday::Sunday);
        if weekend || t.hour() < cfg.working_hours_start || t.hour() >= cfg.working_hours_end {
            outside.entry((&r.username, &r.office_code)).or_default().push(r.id);
        }
    }
    for ((officer, office_code), ids) in &outside {
        signals.push(signal(
            "outside_hours",
            officer,
            office_code,
            format!(
                "{officer} melakukan {} pencarian portal di luar jam kerja ({:02}.00–{:02}.00 WIB, Senin–Jumat).",
                ids.len(),
                cfg.working_hours_start,
                cfg.working_hours_end
            ),
            ids,
        ));
    }

    // look-ups with no follow-up: those old enough to have had one
    let mut follow_ups: HashMap<(&str, &str), Vec<i64>> = HashMap::new();
    for r in all.iter().filter(|r| !LOOKUPS.contains(&r.mechanism.as_str())) {
        if let Some(token) = &r.nik_token {
            follow_ups.entry((&r.office_code, token)).or_default().push(r.at);
        }
    }
    let mut unfollowed: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
    for r in all.iter().filter(|r| in_scope(r) && r.at >= from - follow && r.at < now - follow) {
        let (true, Some(token)) = (LOOKUPS.contains(&r.mechanism.as_str()), &r.nik_token) else { continue };
        let followed = follow_ups
            .get(&(r.office_code.as_str(), token.as_str()))
            .is_some_and(|ats| ats.iter().any(|at| *at > r.at && *at <= r.at + follow));
        if !followed {
            unfollowed.entry((&r.username, &r.office_code)).or_default().push(r.id);
        }
    }
    for ((officer, office_code), ids) in &unfollowed {
        if ids.len() as u64 >= cfg.no_follow_up_min {
            signals.push(signal(
                "no_follow_up",
                officer,
                office_code,
                format!(
                    "{officer} melakukan {} pencarian yang tidak ditindaklanjuti verifikasi dalam {} jam.",
                    ids.len(),
                    cfg.follow_up_hours
                ),
                ids,
            ));
        }
    }
    Ok((signals, from, now))
}

fn signal(kind: &str, officer: &str, office: &str, message: String, ids: &[i64]) -> MisuseSignal {
    MisuseSignal {
        kind: kind.into(),
        officer: officer.into(),
        office: office.into(),
        message,
        count: ids.len() as i64,
        record_ids: ids.iter().take(MAX_IDS).copied().collect(),
    }
}

/// Raises each signal as an admin alert (kind `misuse`), deduplicated
/// while open. Never fails the caller.
pub async fn raise_alerts(state: &AppState, signals: &[MisuseSignal]) {
    let now = state.clock().now_millis();
    for s in signals {
        let code = format!("{}:{}", s.kind, s.officer);
        let message = format!("Sinyal penyalahgunaan ({}): {}", s.office, s.message);
        if let Err(e) = store::alerts::raise(state.store(), "misuse", Some(&code), &message, now).await {
            tracing::error!(error = %e, "could not raise a misuse alert");
        }
    }
}

/// Scans every `signals.scan_minutes` in the background and raises alerts.
pub fn spawn(state: &AppState) {
    let state = state.clone();
    let every = std::time::Duration::from_secs(state.config().audit.signals.scan_minutes * 60);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match scan(&state, None).await {
                Ok((signals, _, _)) => raise_alerts(&state, &signals).await,
                Err(e) => tracing::warn!(error = %e, "misuse scan failed; will retry"),
            }
        }
    });
}
