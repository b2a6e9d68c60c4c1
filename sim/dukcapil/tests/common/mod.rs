//! Set-up shared by the test binaries that talk to the simulator over TCP.
//! Each binary names its population's seed as a crate-level `SEED`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use padan_sim_dukcapil::{Population, SimConfig, SimHandle, spawn_with_population};
use serde_json::{Value, json};

/// The binary's population of 3 000, generated once from `crate::SEED`.
pub fn population() -> Arc<Population> {
    static POP: OnceLock<Arc<Population>> = OnceLock::new();
    POP.get_or_init(|| Arc::new(Population::generate(crate::SEED, 3_000))).clone()
}

pub async fn start_with(config: SimConfig) -> SimHandle {
    spawn_with_population(config, population()).await.unwrap()
}

pub async fn start() -> SimHandle {
    start_with(SimConfig::default()).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// The default credentials plus the members of `extra`.
pub fn creds(extra: Value) -> Value {
    let c = SimConfig::default();
    let mut b = json!({ "USER_ID": c.user_id, "PASSWORD": c.password, "IP_USER": "127.0.0.1" });
    if let (Some(b), Value::Object(e)) = (b.as_object_mut(), extra) {
        b.extend(e);
    }
    b
}

/// POSTs `body` to `url`, expects HTTP 200 and returns the JSON answer.
pub async fn post(url: &str, body: &Value) -> Value {
    let resp = client().post(url).json(body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

pub fn entry(v: &Value) -> &serde_json::Map<String, Value> {
    v["content"][0].as_object().expect("content[0]")
}

pub fn code(v: &Value) -> Option<&str> {
    entry(v).get("RESPONSE_CODE").and_then(Value::as_str)
}
