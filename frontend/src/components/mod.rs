//! Small presentational pieces shared by the pages.

pub mod error_banner;
pub mod layout;
pub mod result_table;
