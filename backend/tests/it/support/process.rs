//! Tests that change what a process has only one of — the global `tracing`
//! subscriber, the panic hook — run in a process of their own, so that the
//! other tests of this one test binary neither see nor disturb them.

use std::process::Command;

const ALONE: &str = "PADAN_TEST_ALONE";

/// Re-runs this test binary on the one test named `test` (its path from
/// the crate root, e.g. `security::log_canaries_never_reach_the_log`) and
/// asserts that it ran and passed. `true` in that child process, where the
/// caller goes on with the test's body; `false` in the parent, which then
/// has nothing more to do.
pub fn alone(test: &str) -> bool {
    if std::env::var(ALONE).as_deref() == Ok(test) {
        return true;
    }
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, test)
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test} in a process of its own failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{test} did not run in its own process:\n{stdout}\n{stderr}");
    false
}
