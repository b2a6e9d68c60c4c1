//! An officer's session in a real headless Chromium, against the real
//! backend serving the built SPA and the Dukcapil simulator: sign-in
//! (wrong then right password), verification by elements (match, mismatch,
//! NIK/claims mismatch confirmation, unknown NIK, malformed NIK blocked in
//! the browser), sign-out — then proof that none of the population data
//! shown or typed reached the database or the logs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use padan_e2e::flows::{
    DEMO_PASSWORD, WAIT, active_person, claims_from, close_browser, ensure_verdict, fill_form, open_verify_page,
    read_verdicts, sign_out, submit_password, submit_verify, text, type_into,
};
use padan_e2e::harness::occurrences;
use padan_e2e::{Prerequisites, Session, Stack, evidence};
use serde_json::Value;

/// The simulator's documented NIK that is well-formed but never on record.
const UNKNOWN_NIK: &str = "3171010101009999";
/// A claimed birthplace no generated person has.
const WRONG_BIRTHPLACE: &str = "KOTA TIDAK TERDAFTAR";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_session_in_chromium_leaves_no_population_data() {
    let Some(prerequisites) = Prerequisites::from_env() else { return };
    let mut stack = Stack::start(prerequisites).await.expect("starting simulator, backend and chromedriver");
    let browser = stack.browser().await.expect("starting headless Chromium");

    let outcome = officer_session(&stack, &browser).await;
    let used = close_browser(browser, outcome, &evidence!("officer-session").with_stack_logs(&stack))
        .await
        .unwrap_or_else(|e| panic!("browser flow failed: {e:#}"));

    // Stopped first so the logs are flushed and SQLite has checkpointed.
    stack.stop_servers();
    if let Err(e) = assert_no_population_data(&stack, &used) {
        evidence!("no-retention").with_stack_logs(&stack).keep_logs();
        panic!("{e:#}");
    }
}

/// Runs the flows; returns the population values that passed through the
/// browser (typed or shown), for the retention check.
async fn officer_session(stack: &Stack, browser: &Session) -> anyhow::Result<Vec<String>> {
    let app = &stack.app_url;

    // --- sign-in: a wrong password is refused, the right one lets in ---
    submit_password(browser, app, "petugas", "not-the-password").await?;
    browser.wait_for("#sign-in-error", WAIT).await.context("a wrong password must show #sign-in-error")?;
    ensure!(!browser.exists("#officer-name").await?, "signed in with a wrong password");

    type_into(browser, "#password", DEMO_PASSWORD).await?;
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
    submit_verify(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("waiting for the result of a matching person")?;
    let verdicts = read_verdicts(browser).await?;
    for wire in &filled {
        ensure_verdict(&verdicts, wire, "sesuai")?;
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
    submit_verify(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("waiting for the result of a mismatch")?;
    let verdicts = read_verdicts(browser).await?;
    for (wire, expected) in [("TMPT_LHR", "tidak_sesuai"), ("AGAMA", "tidak_sesuai"), ("NAMA_LGKP", "sesuai")] {
        if !filled.iter().any(|w| w == wire) {
            continue;
        }
        ensure_verdict(&verdicts, wire, expected)?;
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
    submit_verify(browser).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    ensure!(!browser.exists("#verify-result").await?, "submitted a NIK/claims mismatch without confirmation");
    ensure!(stack.sim_quota_remaining().await? == quota, "an unconfirmed mismatch reached Dukcapil");
    browser.click(&browser.find("#confirm-mismatch").await?).await?;
    submit_verify(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("waiting for the result after confirming")?;
    let verdicts = read_verdicts(browser).await?;
    ensure_verdict(&verdicts, "TGL_LHR", "tidak_sesuai")?;

    // --- a well-formed NIK that is not on record ---
    open_verify_page(browser, app).await?;
    fill_form(browser, UNKNOWN_NIK, &[("NAMA_LGKP".to_owned(), "BUDI NOT FOUND".to_owned())]).await?;
    submit_verify(browser).await?;
    browser.wait_for("#verify-not-found", WAIT).await.context("an unknown NIK must show #verify-not-found")?;

    // --- a malformed NIK never leaves the browser ---
    open_verify_page(browser, app).await?;
    let quota = stack.sim_quota_remaining().await?;
    fill_form(browser, &nik[..15], &[]).await?;
    let error = browser.wait_for("#nik-error", WAIT).await.context("15 digits must show #nik-error")?;
    ensure!(browser.is_displayed(&error).await?, "#nik-error is not visible");
    submit_verify(browser).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    for css in ["#verify-result", "#verify-not-found", "#verify-error"] {
        ensure!(!browser.exists(css).await?, "{css} appeared for a malformed NIK: it was sent");
    }
    ensure!(stack.sim_quota_remaining().await? == quota, "a malformed NIK reached Dukcapil");

    // --- sign out: back at the sign-in page, and the session is gone ---
    sign_out(browser).await?;
    let url = browser.current_url().await?;
    ensure!(url.ends_with("/masuk"), "after sign-out the URL is {url}");
    browser.goto(&format!("{app}/verifikasi/elemen")).await?;
    browser.wait_for("#username", WAIT).await.context("a signed-out officer must be sent to sign in")?;

    Ok(used)
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
