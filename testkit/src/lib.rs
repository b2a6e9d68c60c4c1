//! The process kit: everything the demo, the benchmarks and the tests run
//! beside (or as) the backend, started and stopped by PID in one place.
//!
//! - [`process`]: a child guard ([`Process`]) with its output in a log
//!   file, an optional process group of its own, `check_alive` quoting the
//!   log's end, and stop by PID (SIGTERM, a grace period, SIGKILL) on drop.
//! - [`net`]: free loopback ports, LISTEN probes and HTTP readiness waits.
//! - [`servers`]: the Dukcapil simulator, the backend binary, chromedriver.
//! - [`postgres`]: a throw-away PostgreSQL cluster.
//! - [`card`]: pcscd with vsmartcard's vpcd, the virtual KTP-el card and
//!   SAM (`padan-ktp-card`), the reader-agent.

pub mod card;
pub mod net;
pub mod postgres;
pub mod process;
pub mod servers;

pub use net::{free_addr, free_port, http_get, http_status, listening, wait_http_ok, wait_listening};
pub use process::{Group, Output, Process, Signal, exit_text, wait_until};
pub use servers::{Backend, CallerEnv, Simulator};
