//! The SPA ↔ reader-agent WebSocket protocol (`ws://127.0.0.1:PORT`).
//!
//! Versioned like the backend API: [`v1`] is the only version so far. Within
//! a version, the *API level* grows when messages or fields are added (never
//! removed or renamed); the SPA and the agent agree on a level in the first
//! exchange (`HELLO` → `WELCOME`). Every message is documented with a JSON
//! example in `docs/agent-protocol.md`, and a test parses every example.

pub mod v1;
