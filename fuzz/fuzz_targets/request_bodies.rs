//! Every JSON request body the backend accepts, through the backend's own
//! `ApiJson` extractor (what the handlers use) and through serde.
//!
//! Input: byte 0 picks the request type, the rest is the body.
//! Properties: never panics; the extractor accepts exactly what serde
//! accepts, and refuses everything else as `InvalidRequest` (a 400 with a
//! precise message), never as a server error; an accepted value survives a
//! serialise → deserialise round trip unchanged.

#![no_main]

use std::sync::OnceLock;

use axum::extract::FromRequest;
use libfuzzer_sys::fuzz_target;
use padan_backend::error::{ApiJson, AppError};
use padan_protocol::v1::{
    CardVerifyRequest, FaceMatchRequest, LookupRequest, NewAgreementRequest, NewReaderRequest, SiasnLookupRequest,
    SignInRequest, VerifyElementsRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime"))
}

fn check<T: Serialize + DeserializeOwned>(body: &[u8]) {
    let direct = serde_json::from_slice::<T>(body);
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/x")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_vec()))
        .expect("a request");
    let extracted = runtime().block_on(ApiJson::<T>::from_request(request, &()));
    match (&direct, extracted) {
        (Ok(value), Ok(ApiJson(got))) => {
            let a = serde_json::to_value(value).expect("serialises");
            assert_eq!(a, serde_json::to_value(&got).expect("serialises"), "extractor and serde disagree");
            let again: T = serde_json::from_value(a.clone()).expect("a serialised request deserialises again");
            assert_eq!(serde_json::to_value(&again).expect("serialises"), a, "round trip changed the value");
        }
        (Err(_), Err(AppError::InvalidRequest(message))) => assert!(!message.is_empty()),
        (Ok(_), Err(e)) => panic!("serde accepts, the extractor refuses: {e}"),
        (Err(e), Ok(_)) => panic!("serde refuses ({e}), the extractor accepts"),
        (Err(_), Err(e)) => panic!("refused as {e:?}, not InvalidRequest"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    match pick % 8 {
        0 => check::<SignInRequest>(body),
        1 => check::<VerifyElementsRequest>(body),
        2 => check::<FaceMatchRequest>(body),
        3 => check::<LookupRequest>(body),
        4 => check::<SiasnLookupRequest>(body),
        5 => check::<CardVerifyRequest>(body),
        6 => check::<NewAgreementRequest>(body),
        _ => check::<NewReaderRequest>(body),
    }
});
