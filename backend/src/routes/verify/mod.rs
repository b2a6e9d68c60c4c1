pub mod elements;
pub mod face;
