//! The browser flows every end-to-end test shares, written once: signing
//! in (with the second factor when the account has one, from the demo
//! authenticator key), typing into a field, the verify-by-elements form and
//! its verdicts, the face-match and look-up pages, the simulator's test
//! persons and fixtures, and keeping evidence (screenshot, page, console,
//! logs) when a flow fails. A test file keeps only what it asserts.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail, ensure};
use serde_json::Value;

use crate::harness::{DEMO_TOTP_SECRET, Stack, totp_code};
use crate::webdriver::{ElementRef, Session};

/// Every demo account's password (backend/src/store/seed.rs).
pub const DEMO_PASSWORD: &str = "padan-demo-2026";
/// The purpose the officer flows pick (an agreement's purpose code).
pub const PURPOSE: &str = "data_casn_asn";
/// How long a page may take to show what a flow waits for.
pub const WAIT: Duration = Duration::from_secs(20);

/// Clears the field `css` and types `value` into it, key by key.
pub async fn type_into(browser: &Session, css: &str, value: &str) -> anyhow::Result<()> {
    let el = browser.find(css).await?;
    browser.clear(&el).await?;
    browser.send_keys(&el, value).await
}

/// Opens the sign-in page and submits `username` and `password`; what
/// follows (an error, the second step, the first page) is the caller's to
/// check.
pub async fn submit_password(browser: &Session, app: &str, username: &str, password: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{app}/masuk")).await?;
    browser.wait_for("#username", WAIT).await?;
    type_into(browser, "#username", username).await?;
    type_into(browser, "#password", password).await?;
    browser.click(&browser.find("#sign-in").await?).await
}

/// Types `code` into the second step of the sign-in and submits it.
pub async fn submit_totp(browser: &Session, code: &str) -> anyhow::Result<()> {
    type_into(browser, "#totp-code", code).await?;
    browser.click(&browser.find("#totp-submit").await?).await
}

/// The demo authenticator's code now (every demo account is enrolled with
/// [`DEMO_TOTP_SECRET`]).
pub fn demo_totp_code_now() -> anyhow::Result<String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    totp_code(DEMO_TOTP_SECRET, now)
}

/// Signs a demo account in with [`DEMO_PASSWORD`] and, when the backend
/// asks for it, the demo authenticator's current code; done when the
/// officer's name shows. Returns whether the second step was asked for.
/// A code is accepted once: a second sign-in of the same account within one
/// 30-second step is refused as a replay.
pub async fn sign_in(browser: &Session, app: &str, username: &str) -> anyhow::Result<bool> {
    submit_password(browser, app, username, DEMO_PASSWORD).await?;
    browser.wait_for("#officer-name, #totp-code", WAIT).await.with_context(|| format!("signing in as {username}"))?;
    if browser.exists("#officer-name").await? {
        return Ok(false);
    }
    submit_totp(browser, &demo_totp_code_now()?).await?;
    browser
        .wait_for("#officer-name", WAIT)
        .await
        .with_context(|| format!("signing in as {username} with the demo authenticator's code"))?;
    Ok(true)
}

/// Signs out; done when the sign-in page shows.
pub async fn sign_out(browser: &Session) -> anyhow::Result<()> {
    browser.click(&browser.find("#sign-out").await?).await?;
    browser.wait_for("#username", WAIT).await.context("after #sign-out the sign-in page must show")?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Verification by elements
// ---------------------------------------------------------------------------

/// Opens `/verifikasi/elemen` and waits for its form.
pub async fn open_verify_page(browser: &Session, app: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{app}/verifikasi/elemen")).await?;
    browser.wait_for("#nik", WAIT).await.context("the verify page did not show #nik")?;
    browser.wait_for("#verify-submit", WAIT).await?;
    Ok(())
}

/// A record's values under their wire names (`NAMA_LGKP`, `TGL_LHR`, …),
/// with `overrides` applied; empty values left out.
pub fn claims_from(record: &Value, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    let Some(fields) = record.as_object() else { return Vec::new() };
    fields
        .iter()
        .filter_map(|(k, v)| {
            let value = overrides.iter().find(|(o, _)| o == k).map(|(_, o)| (*o).to_owned());
            let value = value.or_else(|| v.as_str().map(str::to_owned))?;
            (!value.is_empty()).then(|| (k.clone(), value))
        })
        .collect()
}

/// `dd-mm-yyyy` (the wire) → `yyyy-mm-dd` (an `<input type=date>`'s value).
pub fn to_iso(dmy: &str) -> Option<String> {
    let parts: Vec<&str> = dmy.split('-').collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => Some(format!("{y}-{m}-{d}")),
        _ => None,
    }
}

/// Types the NIK, picks [`PURPOSE`], and fills every `#el-*` control the
/// form offers for which `claims` has a value the control can take.
/// Returns the wire names filled.
pub async fn fill_form(browser: &Session, nik: &str, claims: &[(String, String)]) -> anyhow::Result<Vec<String>> {
    type_into(browser, "#nik", nik).await?;
    browser.set_value("#purpose", PURPOSE).await?;
    let controls = browser
        .execute(
            "return Array.from(document.querySelectorAll('input[id^=\"el-\"], select[id^=\"el-\"]'))\
               .map(el => [el.id, el.tagName.toLowerCase(), el.type,\
                 el.tagName === 'SELECT' ? Array.from(el.options).map(o => o.value) : []]);",
            vec![],
        )
        .await?;
    let mut filled = Vec::new();
    for control in controls.as_array().context("controls is not an array")? {
        let (Some(id), Some(tag), Some(kind)) = (control[0].as_str(), control[1].as_str(), control[2].as_str()) else {
            continue;
        };
        let wire = id.trim_start_matches("el-");
        let Some((_, value)) = claims.iter().find(|(w, _)| w == wire) else { continue };
        let css = format!("#{id}");
        if tag == "select" {
            let options: Vec<&str> = control[3].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            if !options.contains(&value.as_str()) {
                continue;
            }
            browser.set_value(&css, value).await?;
        } else if kind == "date" {
            let Some(iso) = to_iso(value) else { continue };
            browser.set_value(&css, &iso).await?;
        } else {
            type_into(browser, &css, value).await?;
        }
        filled.push(wire.to_owned());
    }
    Ok(filled)
}

/// Clicks "Verifikasi".
pub async fn submit_verify(browser: &Session) -> anyhow::Result<()> {
    browser.click(&browser.find("#verify-submit").await?).await
}

/// `(element, verdict)` for every row of the result table; an error when
/// it has none.
pub async fn read_verdicts(browser: &Session) -> anyhow::Result<Vec<(String, String)>> {
    let rows = browser
        .execute(
            "return Array.from(document.querySelectorAll('#verify-result tr[data-element]'))\
               .map(tr => [tr.dataset.element, tr.dataset.verdict]);",
            vec![],
        )
        .await?;
    let rows: Vec<(String, String)> = serde_json::from_value(rows).context("reading the result rows")?;
    ensure!(!rows.is_empty(), "#verify-result has no rows");
    Ok(rows)
}

/// The verdict of the row for `wire`, if there is one.
pub fn verdict_of<'a>(verdicts: &'a [(String, String)], wire: &str) -> Option<&'a str> {
    verdicts.iter().find(|(w, _)| w == wire).map(|(_, v)| v.as_str())
}

/// Fails unless the row for `wire` says `expected`.
pub fn ensure_verdict(verdicts: &[(String, String)], wire: &str, expected: &str) -> anyhow::Result<()> {
    let verdict = verdict_of(verdicts, wire);
    ensure!(verdict == Some(expected), "{wire}: expected {expected}, got {verdict:?} (all: {verdicts:?})");
    Ok(())
}

// ---------------------------------------------------------------------------
// Face match, portal, IKD, KTP-el
// ---------------------------------------------------------------------------

/// Opens `/verifikasi/wajah`, types the NIK and picks [`PURPOSE`].
pub async fn open_face_page(browser: &Session, app: &str, nik: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{app}/verifikasi/wajah")).await?;
    browser.wait_for("#face-submit", WAIT).await.context("the face page shows no form")?;
    type_into(browser, "#face-nik", nik).await?;
    browser.set_value("#face-purpose", PURPOSE).await
}

/// Picks `photo` in the face page's file input and waits for its preview.
pub async fn upload_face(browser: &Session, photo: &Path) -> anyhow::Result<()> {
    browser.send_keys(&browser.find("#face-file").await?, &photo.display().to_string()).await?;
    browser.wait_for("#face-preview", WAIT).await.context("the upload shows no #face-preview")?;
    Ok(())
}

/// Submits the face shown in the preview; the scored result's band
/// (`cocok`, `tidak_cocok`, …).
pub async fn submit_face(browser: &Session) -> anyhow::Result<Option<String>> {
    browser.click(&browser.find("#face-submit").await?).await?;
    let result = browser.wait_for("#face-result[data-kind=\"scored\"]", WAIT).await.context("face match result")?;
    browser.attribute(&result, "data-band").await
}

/// Chromium's flags for a fake camera that plays `y4m` as its video.
pub fn fake_camera_args(y4m: &Path) -> Vec<String> {
    vec![
        "--use-fake-device-for-media-stream".to_owned(),
        "--use-fake-ui-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", y4m.display()),
    ]
}

/// Opens `/portal`, types the NIK and picks [`PURPOSE`] (the reason is
/// [`submit_portal`]'s: the form refuses to send without one).
pub async fn open_portal(browser: &Session, app: &str, nik: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{app}/portal")).await?;
    browser.wait_for("#portal-submit", WAIT).await.context("the portal page shows no form")?;
    type_into(browser, "#portal-nik", nik).await?;
    browser.set_value("#portal-purpose", PURPOSE).await
}

/// Types the look-up's `reason`, submits, and waits for the result.
pub async fn submit_portal(browser: &Session, reason: &str) -> anyhow::Result<()> {
    type_into(browser, "#portal-reason", reason).await?;
    browser.click(&browser.find("#portal-submit").await?).await?;
    browser.wait_for("#portal-result", WAIT).await.context("waiting for #portal-result")?;
    Ok(())
}

/// Looks `nik` up on `/ikd` (purpose `pelamar_casn`); the result element.
pub async fn ikd_lookup(browser: &Session, app: &str, nik: &str) -> anyhow::Result<ElementRef> {
    browser.goto(&format!("{app}/ikd")).await?;
    browser.wait_for("#ikd-submit", WAIT).await.context("the IKD page shows no form")?;
    type_into(browser, "#ikd-nik", nik).await?;
    browser.set_value("#ikd-purpose", "pelamar_casn").await?;
    browser.click(&browser.find("#ikd-submit").await?).await?;
    browser.wait_for("#ikd-result", WAIT).await.context("waiting for #ikd-result")
}

/// Waits up to `timeout` for the KTP-el page's agent state to be `state`;
/// the error names the state it is in instead.
pub async fn wait_card_state(browser: &Session, state: &str, timeout: Duration) -> anyhow::Result<()> {
    let css = format!("#card-agent-state[data-state=\"{state}\"]");
    if browser.wait_for(&css, timeout).await.is_ok() {
        return Ok(());
    }
    let now = match browser.find("#card-agent-state").await {
        Ok(el) => browser.attribute(&el, "data-state").await?.unwrap_or_default(),
        Err(_) => "no #card-agent-state".to_owned(),
    };
    bail!("the agent state did not become {state} (it is {now})")
}

// ---------------------------------------------------------------------------
// The simulator's persons and fixtures
// ---------------------------------------------------------------------------

/// The first `count` persons of the simulator's sample whose record is
/// active and named (special records aside).
pub async fn active_persons(stack: &Stack, count: usize) -> anyhow::Result<Vec<Value>> {
    let persons: Vec<Value> = stack
        .sample_persons(0, 40)
        .await?
        .into_iter()
        .filter(|p| p["SIM_RECORD_STATUS"] == "ACTIVE" && p["NAMA_LGKP"].as_str().is_some_and(|n| !n.is_empty()))
        .take(count)
        .collect();
    ensure!(persons.len() == count, "the simulator's sample has fewer than {count} active persons");
    Ok(persons)
}

/// The first active, named person of the simulator's sample.
pub async fn active_person(stack: &Stack) -> anyhow::Result<Value> {
    active_persons(stack, 1).await?.into_iter().next().context("the simulator's sample has no active person")
}

/// A person's field as text.
pub fn text(person: &Value, key: &str) -> anyhow::Result<String> {
    person[key].as_str().map(str::to_owned).with_context(|| format!("the sample person has no {key}"))
}

/// GETs a simulator fixture (`/_sim/…`) into the file `to`.
pub async fn fetch_from_simulator(stack: &Stack, path: &str, to: PathBuf) -> anyhow::Result<PathBuf> {
    let url = format!("{}{path}", stack.sim_url);
    let bytes = stack.http.get(&url).send().await?.error_for_status()?.bytes().await?;
    std::fs::write(&to, &bytes).with_context(|| format!("writing {}", to.display()))?;
    Ok(to)
}

// ---------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------

/// The [`Evidence`] of a failed test, kept in
/// `target/tmp/e2e-evidence/<label>` (`CARGO_TARGET_TMPDIR` exists only
/// when an integration test is compiled, hence a macro).
#[macro_export]
macro_rules! evidence {
    ($label:expr) => {
        $crate::flows::Evidence::new(
            ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-evidence").join($label),
        )
    };
}

/// What a failed test keeps after its temporary directory is gone: the
/// browser's screen, page and console, and copies of log files.
#[derive(Debug, Clone)]
pub struct Evidence {
    dir: PathBuf,
    logs: Vec<PathBuf>,
}

impl Evidence {
    /// Evidence kept in `dir` (see [`evidence!`]).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, logs: Vec::new() }
    }

    /// With the backend's, the simulator's and chromedriver's logs.
    pub fn with_stack_logs(self, stack: &Stack) -> Self {
        let dir = stack.dir();
        self.with_logs(["backend.log", "simulator.log", "chromedriver.log"].map(|name| dir.join(name)))
    }

    /// With more log files (e.g. the reader-agent's and pcscd's).
    pub fn with_logs(mut self, files: impl IntoIterator<Item = PathBuf>) -> Self {
        self.logs.extend(files);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps a screenshot, the page's HTML and its console, then the log
    /// files. Best effort: a failure to keep something is only reported.
    pub async fn keep(&self, browser: &Session) {
        let _ = std::fs::create_dir_all(&self.dir);
        let screen = self.dir.join("screen.png");
        match browser.screenshot(&screen).await {
            Ok(()) => eprintln!("screenshot: {}", screen.display()),
            Err(e) => eprintln!("no screenshot: {e:#}"),
        }
        if let Ok(html) = browser.execute("return document.documentElement.outerHTML;", vec![]).await {
            let _ = std::fs::write(self.dir.join("page.html"), html.as_str().unwrap_or_default());
        }
        match browser.console_log().await {
            Ok(lines) => {
                let _ = std::fs::write(self.dir.join("console.log"), lines.join("\n"));
            }
            Err(e) => eprintln!("no console log: {e:#}"),
        }
        self.keep_logs();
    }

    /// Keeps copies of the log files (no browser needed).
    pub fn keep_logs(&self) {
        let _ = std::fs::create_dir_all(&self.dir);
        for file in &self.logs {
            if let Some(name) = file.file_name() {
                let _ = std::fs::copy(file, self.dir.join(name));
            }
        }
        eprintln!("evidence kept in {}", self.dir.display());
    }
}

/// Ends the browser session after a flow. When the flow failed, keeps the
/// `evidence` first and returns the flow's error; otherwise a failure to
/// close is the error.
pub async fn close_browser<T>(browser: Session, outcome: anyhow::Result<T>, evidence: &Evidence) -> anyhow::Result<T> {
    if outcome.is_err() {
        evidence.keep(&browser).await;
        let _ = browser.close().await;
        return outcome;
    }
    browser.close().await.context("closing the browser session")?;
    outcome
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::{claims_from, ensure_verdict, to_iso, verdict_of};

    #[test]
    fn claims_take_the_overrides_and_skip_empty_and_non_text_values() {
        let record = json!({ "NAMA_LGKP": "SITI", "AGAMA": "ISLAM", "ALAMAT": "", "NO_KK": 1 });
        let mut claims = claims_from(&record, &[("AGAMA", "HINDU")]);
        claims.sort();
        assert_eq!(claims, [("AGAMA".to_owned(), "HINDU".to_owned()), ("NAMA_LGKP".to_owned(), "SITI".to_owned())]);
        assert!(claims_from(&json!("not a record"), &[]).is_empty());
    }

    #[test]
    fn wire_dates_become_date_input_values() {
        assert_eq!(to_iso("07-03-1985").as_deref(), Some("1985-03-07"));
        assert_eq!(to_iso("07-03-85"), None);
        assert_eq!(to_iso("1985-03"), None);
    }

    #[test]
    fn a_verdict_is_found_by_its_element() {
        let verdicts =
            vec![("NAMA_LGKP".to_owned(), "sesuai".to_owned()), ("AGAMA".to_owned(), "tidak_sesuai".to_owned())];
        assert_eq!(verdict_of(&verdicts, "AGAMA"), Some("tidak_sesuai"));
        assert_eq!(verdict_of(&verdicts, "TMPT_LHR"), None);
        assert!(ensure_verdict(&verdicts, "NAMA_LGKP", "sesuai").is_ok());
        let error = ensure_verdict(&verdicts, "TMPT_LHR", "sesuai").unwrap_err().to_string();
        assert!(error.starts_with("TMPT_LHR: expected sesuai, got None"), "{error}");
    }
}
