//! The signed-in officer's own account: password and second factor.

pub mod notices_ack;
pub mod password;
pub mod show;
pub mod totp_confirm;
pub mod totp_start;
