//! Domain services: what a request means, below the HTTP layer.

pub mod verify;
