//! Padan's wire contract.
//!
//! Everything the SPA, the backend and (later) the reader-agent exchange is
//! declared here, once, in versioned modules. The crate depends on serde only
//! so that it compiles for `wasm32-unknown-unknown` and native alike, and the
//! validators in [`validate`] run unchanged in the officer's form and in the
//! backend handler.

pub mod agent;
pub mod v1;
pub mod validate;
