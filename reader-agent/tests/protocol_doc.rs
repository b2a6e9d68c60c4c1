//! Every JSON example in `docs/agent-protocol.md` parses as the protocol
//! types, round-trips, and every message type is exemplified.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use padan_protocol::agent::v1::{AgentMessage, ClientMessage, NonceClaims, TicketClaims};

const DOC: &str = include_str!("../../docs/agent-protocol.md");

fn examples(kind: &str) -> Vec<&'static str> {
    let fence = format!("```json {kind}\n");
    DOC.split(&fence).skip(1).map(|rest| rest.split("```").next().unwrap().trim()).collect()
}

fn type_of(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json).unwrap()["type"].as_str().unwrap().to_string()
}

#[test]
fn every_example_parses_and_every_message_has_one() {
    let mut seen = BTreeSet::new();
    for ex in examples("client") {
        let m: ClientMessage = serde_json::from_str(ex).unwrap_or_else(|e| panic!("{e}: {ex}"));
        let back: ClientMessage = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(m, back);
        seen.insert(type_of(ex));
    }
    for ex in examples("agent") {
        let m: AgentMessage = serde_json::from_str(ex).unwrap_or_else(|e| panic!("{e}: {ex}"));
        let back: AgentMessage = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(m, back);
        seen.insert(type_of(ex));
    }
    assert!(!examples("ticket-claims").is_empty() && !examples("nonce-claims").is_empty());
    for ex in examples("ticket-claims") {
        serde_json::from_str::<TicketClaims>(ex).unwrap();
    }
    for ex in examples("nonce-claims") {
        serde_json::from_str::<NonceClaims>(ex).unwrap();
    }
    let all = [
        "HELLO",
        "GET_INFO",
        "READ_CARD",
        "CANCEL",
        "DIAGNOSE",
        "WELCOME",
        "INFO",
        "READER",
        "CARD",
        "SAM",
        "PROGRESS",
        "READ_RESULT",
        "CANCELLED",
        "DIAGNOSIS",
        "BAD_STATE",
        "ERROR",
    ];
    for t in all {
        assert!(seen.contains(t), "no example for {t}");
    }
    assert_eq!(seen.len(), all.len(), "examples for unknown types: {seen:?}");
}

#[test]
fn example_config_is_valid() {
    padan_reader_agent::config::Config::parse(include_str!("../packaging/agent.example.toml"), None).unwrap();
}

#[test]
fn config_refuses_group_or_world_writable_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.toml");
    std::fs::write(&path, include_str!("../packaging/agent.example.toml")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
    let err = padan_reader_agent::config::Config::load(&path).unwrap_err();
    assert!(err.0.contains("writable by group or others"), "{err}");
}
