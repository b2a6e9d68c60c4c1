//! `CALL_FR` answers: any bytes.
//!
//! Properties: never panics; a score is finite and within 0–100 and comes
//! only with codes 6018/6019; "not found" only with 6020.

#![no_main]

use libfuzzer_sys::fuzz_target;
use padan_backend::dukcapil::{FaceResult, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(reply) = parse::face_response(data) else { return };
    match reply.result {
        FaceResult::Score(score) => {
            assert!(score.is_finite() && (0.0..=100.0).contains(&score), "score {score}");
            assert!(matches!(reply.code, 6018 | 6019), "a score with code {}", reply.code);
        }
        FaceResult::NotFound => assert_eq!(reply.code, 6020),
    }
});
