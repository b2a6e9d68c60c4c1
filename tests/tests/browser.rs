//! An officer's session in a real headless Chromium, against the real
//! backend serving the built SPA and the Dukcapil simulator: sign-in
//! (wrong then right password), verification by elements (match, mismatch,
//! NIK/claims mismatch confirmation, unknown NIK, malformed NIK blocked in
//! the browser), sign-out — then proof that none of the population data
//! shown or typed reached the database or the logs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use padan_e2e::harness::occurrences;
use padan_e2e::{Prerequisites, Session, Stack};
use serde_json::{Value, json};

const PASSWORD: &str = "padan-demo-2026";
const PURPOSE: &str = "data_casn_asn";
/// The simulator's documented NIK that is well-formed but never on record.
const UNKNOWN_NIK: &str = "3171010101009999";
/// A claimed birthplace no generated person has.
const WRONG_BIRTHPLACE: &str = "KOTA TIDAK TERDAFTAR";
const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_session_in_chromium_leaves_no_population_data() {
    let Some(prerequisites) = Prerequisites::from_env() else { return };
    let mut stack = Stack::start(prerequisites).await.expect("starting simulator, backend and chromedriver");
    let browser = stack.browser().await.expect("starting headless Chromium");

    let outcome = officer_session(&stack, &browser).await;
    if let Err(e) = &outcome {
        keep_evidence(&stack, &browser, "officer-session").await;
        let _ = browser.close().await;
        panic!("browser flow failed: {e:#}");
    }
    let used = outcome.unwrap_or_default();
    browser.close().await.expect("closing the browser session");

    // Stopped first so the logs are flushed and SQLite has checkpointed.
    stack.stop_servers();
    if let Err(e) = assert_no_population_data(&stack, &used) {
        keep_evidence_files(&stack, "no-retention");
        panic!("{e:#}");
    }
}

/// Runs the flows; returns the population values that passed through the
/// browser (typed or shown), for the retention check.
async fn officer_session(stack: &Stack, browser: &Session) -> anyhow::Result<Vec<String>> {
    let app = &stack.app_url;

    // --- sign-in: a wrong password is refused, the right one lets in ---
    browser.goto(&format!("{app}/masuk")).await?;
    browser.wait_for("#username", WAIT).await?;
    type_into(browser, "#username", "petugas").await?;
    type_into(browser, "#password", "not-the-password").await?;
    browser.click(&browser.find("#sign-in").await?).await?;
    browser.wait_for("#sign-in-error", WAIT).await.context("a wrong password must show #sign-in-error")?;
    ensure!(!browser.exists("#officer-name").await?, "signed in with a wrong password");

    type_into(browser, "#password", PASSWORD).await?;
    browser.click(&browser.find("#sign-in").await?).await?;
    browser.wait_for("#officer-name", WAIT).await.context("signing in as petugas")?;

    // --- a matching person: every element `sesuai`, status `aktif` ---
    let person = active_person(stack).await?;
    let nik = text(&person, "NIK")?;
    let mut used = population_values(&person);

    open_verify_page(browser, app).await?;
    let quota_before = stack.sim_quota_remaining().await?;
    let filled = fill_form(browser, &nik, &claims_from(&person, &[])).await?;
    ensure!(filled.iter().any(|w| w == "NAMA_LGKP"), "the form has no #el-NAMA_LGKP (filled: {filled:?})");
    submit(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("waiting for the result of a matching person")?;
    let verdicts = read_verdicts(browser).await?;
    for wire in &filled {
        let verdict = verdicts.iter().find(|(w, _)| w == wire).map(|(_, v)| v.as_str());
        ensure!(verdict == Some("sesuai"), "{wire}: expected sesuai, got {verdict:?} (all: {verdicts:?})");
    }
    ensure!(verdicts.iter().all(|(_, v)| v == "sesuai"), "not all rows sesuai: {verdicts:?}");
    browser.wait_for("#person-status[data-status=\"aktif\"]", WAIT).await?;
    // Makes the "quota unchanged" checks below able to fail.
    ensure!(stack.sim_quota_remaining().await? < quota_before, "a verification did not use the simulator's quota");

    // --- wrong birthplace and religion: those rows `tidak_sesuai` ---
    let other_religion = if text(&person, "AGAMA")? == "ISLAM" { "HINDU" } else { "ISLAM" };
    open_verify_page(browser, app).await?;
    let claims = claims_from(&person, &[("TMPT_LHR", WRONG_BIRTHPLACE), ("AGAMA", other_religion)]);
    let filled = fill_form(browser, &nik, &claims).await?;
    submit(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("waiting for the result of a mismatch")?;
    let verdicts = read_verdicts(browser).await?;
    for (wire, expected) in [("TMPT_LHR", "tidak_sesuai"), ("AGAMA", "tidak_sesuai"), ("NAMA_LGKP", "sesuai")] {
        if !filled.iter().any(|w| w == wire) {
            continue;
        }
        let verdict = verdicts.iter().find(|(w, _)| w == wire).map(|(_, v)| v.as_str());
        ensure!(verdict == Some(expected), "{wire}: expected {expected}, got {verdict:?} (all: {verdicts:?})");
    }
    ensure!(filled.iter().any(|w| w == "TMPT_LHR"), "the form has no #el-TMPT_LHR (filled: {filled:?})");
    used.push(WRONG_BIRTHPLACE.to_owned());

    // --- a birth date that contradicts the NIK needs an explicit confirmation ---
    let birth = text(&person, "TGL_LHR")?;
    let wrong_birth = shift_year(&birth)?;
    open_verify_page(browser, app).await?;
    let filled = fill_form(browser, &nik, &claims_from(&person, &[("TGL_LHR", &wrong_birth)])).await?;
    ensure!(filled.iter().any(|w| w == "TGL_LHR"), "the form has no #el-TGL_LHR (filled: {filled:?})");
    let quota = stack.sim_quota_remaining().await?;
    browser
        .wait_for("#confirm-mismatch", WAIT)
        .await
        .context("a birth date contradicting the NIK must ask to confirm")?;
    submit(browser).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    ensure!(!browser.exists("#verify-result").await?, "submitted a NIK/claims mismatch without confirmation");
    ensure!(stack.sim_quota_remaining().await? == quota, "an unconfirmed mismatch reached Dukcapil");
    browser.click(&browser.find("#confirm-mismatch").await?).await?;
    submit(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("waiting for the result after confirming")?;
    let verdicts = read_verdicts(browser).await?;
    let verdict = verdicts.iter().find(|(w, _)| w == "TGL_LHR").map(|(_, v)| v.as_str());
    ensure!(verdict == Some("tidak_sesuai"), "TGL_LHR: expected tidak_sesuai, got {verdict:?} ({verdicts:?})");

    // --- a well-formed NIK that is not on record ---
    open_verify_page(browser, app).await?;
    fill_form(browser, UNKNOWN_NIK, &[("NAMA_LGKP".to_owned(), "BUDI NOT FOUND".to_owned())]).await?;
    submit(browser).await?;
    browser.wait_for("#verify-not-found", WAIT).await.context("an unknown NIK must show #verify-not-found")?;

    // --- a malformed NIK never leaves the browser ---
    open_verify_page(browser, app).await?;
    let quota = stack.sim_quota_remaining().await?;
    fill_form(browser, &nik[..15], &[]).await?;
    let error = browser.wait_for("#nik-error", WAIT).await.context("15 digits must show #nik-error")?;
    ensure!(browser.is_displayed(&error).await?, "#nik-error is not visible");
    submit(browser).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    for css in ["#verify-result", "#verify-not-found", "#verify-error"] {
        ensure!(!browser.exists(css).await?, "{css} appeared for a malformed NIK: it was sent");
    }
    ensure!(stack.sim_quota_remaining().await? == quota, "a malformed NIK reached Dukcapil");

    // --- sign out: back at the sign-in page, and the session is gone ---
    browser.click(&browser.find("#sign-out").await?).await?;
    browser.wait_for("#username", WAIT).await.context("after #sign-out the sign-in page must show")?;
    let url = browser.current_url().await?;
    ensure!(url.ends_with("/masuk"), "after sign-out the URL is {url}");
    browser.goto(&format!("{app}/verifikasi/elemen")).await?;
    browser.wait_for("#username", WAIT).await.context("a signed-out officer must be sent to sign in")?;

    Ok(used)
}

/// A generated person whose record is active (special records aside).
async fn active_person(stack: &Stack) -> anyhow::Result<Value> {
    let persons = stack.sample_persons(0, 20).await?;
    persons
        .into_iter()
        .find(|p| p["SIM_RECORD_STATUS"] == "ACTIVE" && p["NAMA_LGKP"].as_str().is_some_and(|n| !n.is_empty()))
        .context("the simulator's sample has no active person")
}

fn text(person: &Value, key: &str) -> anyhow::Result<String> {
    person[key].as_str().map(str::to_owned).with_context(|| format!("the sample person has no {key}"))
}

/// The person's values under their wire names, with `overrides` applied.
fn claims_from(person: &Value, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    let Some(fields) = person.as_object() else { return Vec::new() };
    fields
        .iter()
        .filter_map(|(k, v)| {
            let value = overrides.iter().find(|(o, _)| o == k).map(|(_, o)| (*o).to_owned());
            let value = value.or_else(|| v.as_str().map(str::to_owned))?;
            (!value.is_empty()).then(|| (k.clone(), value))
        })
        .collect()
}

/// Names, address and birthplace: what must never be stored.
fn population_values(person: &Value) -> Vec<String> {
    ["NAMA_LGKP", "ALAMAT", "TMPT_LHR", "NAMA_LGKP_IBU", "NAMA_LGKP_AYAH"]
        .iter()
        .filter_map(|k| person[*k].as_str())
        .filter(|v| v.len() >= 4)
        .map(str::to_owned)
        .collect()
}

/// `dd-mm-yyyy` one year later, still a valid date (29 Feb becomes 28 Feb).
fn shift_year(dmy: &str) -> anyhow::Result<String> {
    let parts: Vec<&str> = dmy.split('-').collect();
    let [d, m, y] = parts.as_slice() else { bail!("TGL_LHR {dmy:?} is not dd-mm-yyyy") };
    let year: u32 = y.parse()?;
    let day = if *d == "29" && *m == "02" { "28" } else { d };
    Ok(format!("{day}-{m}-{}", year + 1))
}

/// `dd-mm-yyyy` (the wire) → `yyyy-mm-dd` (an `<input type=date>`'s value).
fn to_iso(dmy: &str) -> Option<String> {
    let parts: Vec<&str> = dmy.split('-').collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => Some(format!("{y}-{m}-{d}")),
        _ => None,
    }
}

async fn open_verify_page(browser: &Session, app: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{app}/verifikasi/elemen")).await?;
    browser.wait_for("#nik", WAIT).await.context("the verify page did not show #nik")?;
    browser.wait_for("#verify-submit", WAIT).await?;
    Ok(())
}

async fn type_into(browser: &Session, css: &str, value: &str) -> anyhow::Result<()> {
    let el = browser.find(css).await?;
    browser.clear(&el).await?;
    browser.send_keys(&el, value).await
}

/// Types the NIK, picks the purpose, and fills every `#el-*` control the
/// form offers for which `claims` has a value. Returns the wire names filled.
async fn fill_form(browser: &Session, nik: &str, claims: &[(String, String)]) -> anyhow::Result<Vec<String>> {
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

async fn submit(browser: &Session) -> anyhow::Result<()> {
    browser.click(&browser.find("#verify-submit").await?).await
}

/// `(element, verdict)` for every row of the result table.
async fn read_verdicts(browser: &Session) -> anyhow::Result<Vec<(String, String)>> {
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

fn assert_no_population_data(stack: &Stack, values: &[String]) -> anyhow::Result<()> {
    let db = stack.database();
    let with_suffix = |suffix: &str| PathBuf::from(format!("{}{suffix}", db.display()));
    let db_files = [db.clone(), with_suffix("-wal"), with_suffix("-shm")];
    let logs = [stack.backend_log(), stack.simulator_log()];

    // The search must be able to fail: the officer's username is in there.
    let mut control = 0;
    for file in &db_files {
        control += occurrences(file, b"petugas")?.len();
    }
    ensure!(control > 0, "'petugas' not found in {}: the retention search reads the wrong files", db.display());
    ensure!(std::fs::metadata(stack.backend_log())?.len() > 0, "the backend log is empty");

    let mut hits = Vec::new();
    for value in values {
        for file in db_files.iter().chain(&logs) {
            let found = occurrences(file, value.as_bytes())?;
            if let Some(first) = found.first() {
                hits.push(format!("{:?} ×{} in {} (first at byte {first})", value, found.len(), file.display()));
            }
        }
    }
    ensure!(hits.is_empty(), "population data was retained:\n  {}", hits.join("\n  "));
    eprintln!("no-retention: {} values searched in {} files, none found", values.len(), db_files.len() + logs.len());
    Ok(())
}

fn evidence_dir(label: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-evidence").join(label)
}

/// Screenshot and copies of the logs, kept after the temp dir is gone.
async fn keep_evidence(stack: &Stack, browser: &Session, label: &str) {
    let dir = evidence_dir(label);
    let _ = std::fs::create_dir_all(&dir);
    match browser.screenshot(&dir.join("screen.png")).await {
        Ok(()) => eprintln!("screenshot: {}", dir.join("screen.png").display()),
        Err(e) => eprintln!("no screenshot: {e:#}"),
    }
    if let Ok(html) = browser.execute("return document.documentElement.outerHTML;", vec![json!(null)]).await {
        let _ = std::fs::write(dir.join("page.html"), html.as_str().unwrap_or_default());
    }
    match browser.console_log().await {
        Ok(lines) => {
            let _ = std::fs::write(dir.join("console.log"), lines.join("\n"));
        }
        Err(e) => eprintln!("no console log: {e:#}"),
    }
    keep_evidence_files(stack, label);
}

fn keep_evidence_files(stack: &Stack, label: &str) {
    let dir = evidence_dir(label);
    let _ = std::fs::create_dir_all(&dir);
    for name in ["backend.log", "simulator.log", "chromedriver.log"] {
        let _ = std::fs::copy(stack.dir().join(name), dir.join(name));
    }
    eprintln!("evidence kept in {}", dir.display());
}
