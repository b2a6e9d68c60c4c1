//! End-to-end test support: a minimal WebDriver client ([`webdriver`]) and
//! the process harness ([`harness`]) that runs the real simulator, backend
//! and chromedriver for the tests in `tests/`.

pub mod harness;
pub mod webdriver;

pub use harness::{Prerequisites, Stack};
pub use webdriver::{ElementRef, Session};
