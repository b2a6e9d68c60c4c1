use serde::{Deserialize, Serialize};

use super::Purpose;

/// Largest face image accepted, bytes of JPEG (Dukcapil's limit is ~200 KB).
pub const FACE_MAX_JPEG_BYTES: usize = 200 * 1024;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FaceMatchRequest {
    pub nik: String,
    pub purpose: Purpose,
    /// Base64 of a JPEG; the SPA resizes and re-encodes to fit the limit.
    pub image_jpeg_base64: String,
}

impl std::fmt::Debug for FaceMatchRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceMatchRequest")
            .field("nik", &"****")
            .field("purpose", &self.purpose)
            .field("image_bytes_b64", &self.image_jpeg_base64.len())
            .finish()
    }
}

/// How to read a similarity score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FaceBand {
    /// At or above the threshold.
    Cocok,
    /// Within 10 points below the threshold: check in person.
    Meragukan,
    /// Further below.
    TidakCocok,
}

impl FaceBand {
    pub fn of(score: f32, threshold: u8) -> Self {
        let t = f32::from(threshold);
        if score >= t {
            Self::Cocok
        } else if score >= t - 10.0 {
            Self::Meragukan
        } else {
            Self::TidakCocok
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaceOutcome {
    /// Dukcapil has no record (or no face) for this NIK.
    NotFound,
    Scored {
        score: f32,
        band: FaceBand,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceMatchResponse {
    pub request_id: String,
    pub outcome: FaceOutcome,
    pub threshold: u8,
}
