//! Small presentational pieces shared by the pages.

pub mod error_banner;
pub mod fields;
pub mod form;
pub mod layout;
pub mod mechanism;
pub mod page;
pub mod result_table;
pub mod table;
