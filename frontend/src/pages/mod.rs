//! One module per route.

pub mod account;
pub mod admin;
pub mod audit;
pub mod balikan;
pub mod card_read;
pub mod face_match;
pub mod lookup;
pub mod not_found;
pub mod officers;
pub mod sign_in;
pub mod verify_elements;
