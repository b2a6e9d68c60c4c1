//! Padan's reader-agent: reads KTP-el cards through PC/SC with a Dukcapil SAM
//! and offers the result to the SPA over a secured loopback WebSocket.
//!
//! Layers, bottom up: [`pcsc_backend`] (PC/SC on its own thread, hot-plug
//! monitoring) → [`transport::CardTransport`] (exchanges, transactions) →
//! [`apdu`] (the shared `padan_ktpel::iso7816` codec, GET RESPONSE, status
//! words as errors) → [`profile`] (the KTP-el emulation profile: card + SAM
//! operations) → [`server`] (WebSocket, protocol `padan_protocol::agent::v1`).

pub mod apdu;
pub mod clock;
pub mod config;
pub mod devices;
pub mod pcsc_backend;
pub mod profile;
pub mod server;
pub mod ticket;
pub mod transport;
