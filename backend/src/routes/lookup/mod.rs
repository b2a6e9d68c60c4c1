pub mod ikd;
pub mod portal;
