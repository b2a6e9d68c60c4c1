pub mod agreements_create;
pub mod agreements_list;
pub mod alerts_list;
pub mod alerts_resolve;
pub mod readers_create;
pub mod readers_list;
