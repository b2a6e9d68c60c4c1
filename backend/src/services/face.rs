//! Face match: a NIK and a face photo, checked by Dukcapil's face
//! recognition. The photo lives in memory for this request only.

use base64::Engine;
use padan_protocol::{
    v1::{FACE_MAX_JPEG_BYTES, FaceBand, FaceMatchRequest, FaceMatchResponse, FaceOutcome, Mechanism},
    validate::parse_nik,
};

use crate::{
    AppState,
    auth::Officer,
    dukcapil::{DukcapilError, FaceResult, Service},
    error::AppError,
    services::access::{Access, Caller},
};

pub async fn face_match(
    state: &AppState,
    officer: &Officer,
    req: FaceMatchRequest,
    request_id: &str,
) -> Result<FaceMatchResponse, AppError> {
    officer.ensure_may_verify()?;
    let nik = parse_nik(&req.nik).map_err(|e| AppError::field("nik", e.message_id(), e.message_en()))?;
    let jpeg = base64::engine::general_purpose::STANDARD.decode(req.image_jpeg_base64.trim()).map_err(|_| {
        AppError::field(
            "image_jpeg_base64",
            "Foto tidak terbaca (base64 tidak valid).",
            "The photo is not valid base64.",
        )
    })?;
    if jpeg.len() > FACE_MAX_JPEG_BYTES {
        return Err(AppError::field(
            "image_jpeg_base64",
            format!("Foto terlalu besar ({} KB; maksimal {} KB).", jpeg.len() / 1024, FACE_MAX_JPEG_BYTES / 1024),
            format!("The photo is too large ({} KB; at most {} KB).", jpeg.len() / 1024, FACE_MAX_JPEG_BYTES / 1024),
        ));
    }
    if !(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) && jpeg.ends_with(&[0xFF, 0xD9])) {
        return Err(AppError::field("image_jpeg_base64", "Foto harus berformat JPEG.", "The photo must be a JPEG."));
    }
    let caller = Caller::Officer(officer);
    let mut access = Access::begin(state, caller, request_id, Mechanism::FaceMatch, req.purpose);
    access.nik(state, nik.as_str());
    access.grant(state, caller).await?;
    let upstream = state.dukcapil().face_match(nik.as_str(), &jpeg).await;
    let threshold = state.config().dukcapil.fr_threshold;
    let reply = access
        .finish(state, Service::Face, upstream, |r| match r.result {
            FaceResult::NotFound => ("not_found", r.code.to_string()),
            FaceResult::Score(s) => ("ok", format!("{} score:{s:.1}", r.code)),
        })
        .await
        .map_err(|e| match e {
            // Dukcapil could not use this photo: the officer can take another.
            AppError::Upstream(DukcapilError::FrError(6006 | 6015)) => AppError::field(
                "image_jpeg_base64",
                "Dukcapil tidak dapat memproses foto ini. Ambil ulang foto: wajah menghadap kamera, pencahayaan cukup.",
                "Dukcapil could not process this photo. Take another: face the camera, in good light.",
            ),
            other => other,
        })?;
    let outcome = match reply.result {
        FaceResult::NotFound => FaceOutcome::NotFound,
        FaceResult::Score(score) => FaceOutcome::Scored { score, band: FaceBand::of(score, threshold) },
    };
    Ok(FaceMatchResponse { request_id: request_id.to_owned(), outcome, threshold })
}
