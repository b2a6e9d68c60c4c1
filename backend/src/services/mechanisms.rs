//! What officers see as open today: the policy's answer, then closed where
//! Dukcapil's quota is spent or face recognition is not configured.

use padan_protocol::v1::{Mechanism, MechanismStatus, MechanismsResponse};

use crate::{
    AppState,
    clock::{WIB, millis_to_datetime},
    dukcapil::Service,
    policy,
    store::agreements::format_date,
};

fn service_of(mechanism: Mechanism) -> Service {
    match mechanism {
        Mechanism::FaceMatch => Service::Face,
        _ => Service::Gateway,
    }
}

fn close(status: &mut MechanismStatus, reason: String) {
    status.open = false;
    status.elements.clear();
    status.closed_reason = Some(reason);
}

pub fn list(state: &AppState) -> MechanismsResponse {
    let today = state.clock().today();
    let mut mechanisms = policy::statuses(&state.agreements(), today);
    for status in mechanisms.iter_mut().filter(|s| s.open) {
        let service = service_of(status.mechanism);
        if let Some(until) = state.dukcapil().quota(service).exhausted_until(state.clock()) {
            let t = millis_to_datetime(until).to_offset(WIB);
            close(
                status,
                format!(
                    "Kuota akses Dukcapil hari ini telah habis. Layanan dibuka kembali pada {} pukul {:02}.{:02} WIB.",
                    crate::policy::date_id(t.date()),
                    t.hour(),
                    t.minute()
                ),
            );
        } else if status.mechanism == Mechanism::FaceMatch && state.config().dukcapil.fr_public_key.is_none() {
            close(status, "Pencocokan wajah belum dikonfigurasi oleh admin (kunci publik Dukcapil).".into());
        }
    }
    MechanismsResponse { today: format_date(today), mechanisms }
}
