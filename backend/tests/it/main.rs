//! The backend's integration tests: one test binary (one link), whose
//! modules share the `support` kit (`TestApp`, typed sessions).
//!
//! Process-wide state is shared by all modules: the simulated population
//! and the Prometheus recorder are made once (`support`); a test that
//! changes the global `tracing` subscriber or the panic hook runs in a
//! process of its own (`support::process::alone`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

mod api;
mod audit;
mod authz;
mod balikan;
mod balikan_crash;
mod card;
mod contract;
mod mechanisms;
mod officers;
mod security;
