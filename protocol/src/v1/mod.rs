//! Version 1 of the SPA ↔ backend API (`/api/v1`).
//!
//! Field names are part of the contract: renaming one is a breaking change
//! and shows up in the OpenAPI snapshot test.

mod account;
mod admin;
mod audit;
mod auth;
mod balikan;
mod card;
mod elements;
mod error;
mod face;
mod lookup;
mod mechanism;
mod officers;
mod verify;

pub use account::*;
pub use admin::*;
pub use audit::*;
pub use auth::*;
pub use balikan::*;
pub use card::*;
pub use elements::*;
pub use error::*;
pub use face::*;
pub use lookup::*;
pub use mechanism::*;
pub use officers::*;
pub use verify::*;

/// Header the SPA must echo on every state-changing request (CSRF defence).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Header carrying the request id on every response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
