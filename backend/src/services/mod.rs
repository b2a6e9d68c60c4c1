//! Domain services: what a request means, below the HTTP layer.

pub mod access;
pub mod agreements;
pub mod alerts;
pub mod card;
pub mod face;
pub mod lookup;
pub mod mechanisms;
pub mod verify;
