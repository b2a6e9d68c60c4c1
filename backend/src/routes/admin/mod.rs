pub mod agreements;
pub mod alerts;
pub mod balikan;
pub mod officers;
pub mod readers;
pub mod registry;
