//! The tools the commands need, installed when missing: the wasm32 target
//! (rustup), Trunk 0.21 and wasm-bindgen-cli at the Cargo.lock version
//! (crates.io through `cargo install`), binaryen's wasm-opt (the npm
//! registry's `binaryen` package, into `target/tools`), and Debian packages
//! (apt). Nothing else is downloaded: Trunk runs with `--offline` and finds
//! them on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use padan_testkit::postgres::postgres_bin_dir;

use crate::proc::{probe, run};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_SERIES: &str = "0.21";

/// binaryen's version for wasm-opt; Trunk.toml pins the same.
/// Debian's binaryen (108) corrupts the externref table that wasm-bindgen
/// emits for today's rustc, so the SPA would not start.
const BINARYEN: &str = "132.0.0";

/// Everything `trunk build` needs. Returns the folder to put first on
/// PATH (where wasm-opt lives) when running Trunk.
pub(crate) fn ensure_spa_tools() -> anyhow::Result<PathBuf> {
    ensure_apt(&[AptNeed { package: "npm", provides: Provides::OnPath("npm") }])?;
    ensure_wasm_target()?;
    ensure_trunk()?;
    let root = crate::repo_root()?;
    ensure_wasm_bindgen(&root)?;
    ensure_wasm_opt(&root)
}

/// What the test suite needs on top of the SPA tools: a browser with its
/// WebDriver, PostgreSQL for the store tests, and pcscd with vsmartcard's
/// virtual reader (plus the PC/SC headers the reader-agent builds against).
pub(crate) fn ensure_test_tools() -> anyhow::Result<PathBuf> {
    ensure_apt(&[
        AptNeed::binary("chromium", "/usr/bin/chromium"),
        AptNeed::binary("chromium-driver", "/usr/bin/chromedriver"),
        AptNeed { package: "postgresql", provides: Provides::PostgresServer },
        AptNeed::binary("pcscd", "/usr/sbin/pcscd"),
        AptNeed::binary("libpcsclite-dev", "/usr/include/PCSC/winscard.h"),
        AptNeed::binary("vsmartcard-vpcd", "/etc/reader.conf.d/vpcd"),
        AptNeed::binary("pcsc-tools", "/usr/bin/pcsc_scan"),
        // The reader-agent's Windows build (WinSCard through the same crate).
        AptNeed::binary("gcc-mingw-w64-x86-64", "/usr/bin/x86_64-w64-mingw32-gcc"),
    ])?;
    ensure_rust_target(WINDOWS_TARGET)?;
    ensure_spa_tools()
}

/// wasm-opt from the npm registry's `binaryen` package, kept per checkout
/// under `target/tools` (git-ignored). Returns its `bin` folder.
fn ensure_wasm_opt(root: &Path) -> anyhow::Result<PathBuf> {
    let prefix = root.join("target/tools/binaryen");
    let bin = prefix.join("node_modules/binaryen/bin");
    let major = BINARYEN.split('.').next().unwrap_or_default();
    let version = probe(Command::new(bin.join("wasm-opt")).arg("--version")).unwrap_or_default();
    if version.contains(&format!("version_{major}")) {
        return Ok(bin);
    }
    crate::header(&format!("installing wasm-opt (binaryen {BINARYEN}, npm registry)"));
    std::fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
        .arg(&prefix)
        .arg(format!("binaryen@{BINARYEN}")))?;
    Ok(bin)
}

struct AptNeed {
    package: &'static str,
    provides: Provides,
}

/// How to tell that a package is already installed, without asking dpkg
/// (a binary copied by hand counts too).
enum Provides {
    File(&'static str),
    /// A command found on PATH (wherever the package put it).
    OnPath(&'static str),
    PostgresServer,
}

impl AptNeed {
    const fn binary(package: &'static str, path: &'static str) -> Self {
        Self { package, provides: Provides::File(path) }
    }

    fn present(&self) -> bool {
        match self.provides {
            Provides::File(path) => Path::new(path).is_file(),
            Provides::OnPath(cmd) => probe(Command::new(cmd).arg("--version")).is_some(),
            Provides::PostgresServer => postgres_bin_dir().is_some(),
        }
    }
}

fn ensure_apt(needs: &[AptNeed]) -> anyhow::Result<()> {
    let missing: Vec<&str> = needs.iter().filter(|n| !n.present()).map(|n| n.package).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !is_root() {
        bail!(
            "missing Debian packages: {list}\nInstall them, then run this command again:\n  sudo apt-get install -y {list}"
        );
    }
    crate::header(&format!("installing Debian packages: {list}"));
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get").args(["install", "-y"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive"))
        .with_context(|| format!("installing {list}"))?;
    if let Some(still) = needs.iter().find(|n| !n.present()) {
        bail!("apt-get installed {} but what it should provide is still missing", still.package);
    }
    Ok(())
}

fn is_root() -> bool {
    probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    ensure_rust_target(WASM_TARGET)
}

/// The Windows target the reader-agent is cross-built for.
pub(crate) const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

fn ensure_rust_target(target: &str) -> anyhow::Result<()> {
    let installed = probe(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    crate::header(&format!("adding the Rust target {target}"));
    run(Command::new("rustup").args(["target", "add", target]))
}

fn ensure_trunk() -> anyhow::Result<()> {
    let version = probe(Command::new("trunk").arg("--version")).unwrap_or_default();
    if version.trim().starts_with(&format!("trunk {TRUNK_SERIES}")) {
        return Ok(());
    }
    crate::header(&format!("installing Trunk {TRUNK_SERIES} (one-off, takes a few minutes)"));
    run(Command::new("cargo").args(["install", "trunk", "--version", &format!("~{TRUNK_SERIES}"), "--locked"]))
}

/// wasm-bindgen's CLI must match the library exactly, or the generated JS
/// glue does not fit the wasm. `--locked` is left out on purpose: the CLI's
/// own lockfile can predate toolchain fixes its dependencies need.
fn ensure_wasm_bindgen(root: &Path) -> anyhow::Result<()> {
    let wanted = locked_version(root, "wasm-bindgen")?;
    let version = probe(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(wanted.as_str()) {
        return Ok(());
    }
    crate::header(&format!("installing wasm-bindgen-cli {wanted} (matches Cargo.lock)"));
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted, "--force"]))
}

/// The version of `name` recorded in Cargo.lock.
fn locked_version(root: &Path, name: &str) -> anyhow::Result<String> {
    let path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let wanted_name = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted_name {
            let version = lines.next().unwrap_or_default().trim();
            if let Some(v) = version.strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')) {
                return Ok(v.to_owned());
            }
        }
    }
    bail!("{name} is not in {}; build the frontend once so it is locked", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_locked_wasm_bindgen_version() {
        let root = crate::repo_root().unwrap();
        let v = locked_version(&root, "wasm-bindgen").unwrap();
        assert!(v.starts_with("0.2."), "{v}");
    }
}
