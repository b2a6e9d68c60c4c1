//! End-to-end test support: a minimal WebDriver client ([`webdriver`]),
//! the stack ([`harness`]) that runs the real simulator, backend and
//! chromedriver (and for KTP-el reading pcscd, the virtual card and the
//! reader-agent) through `padan_testkit`'s launchers, and the browser flows
//! the tests in `tests/` share ([`flows`]: sign-in, forms, verdicts, evidence).

pub mod flows;
pub mod harness;
pub mod webdriver;

pub use harness::{Prerequisites, Stack};
pub use webdriver::{ElementRef, Session};
