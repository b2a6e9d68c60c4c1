//! Domain services: what a request means, below the HTTP layer.

pub mod access;
pub mod agreements;
pub mod alerts;
pub mod balikan;
pub mod balikan_config;
pub mod card;
pub mod face;
pub mod lookup;
pub mod mechanisms;
pub mod officers;
pub mod registry;
pub mod registry_csv;
pub mod verify;
