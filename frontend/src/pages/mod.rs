//! One module per route.

pub mod not_found;
pub mod sign_in;
pub mod verify_elements;
