//! "Baca KTP-el" end to end in a real headless Chromium: the SPA served by
//! the real backend, the reader-agent on loopback, a private pcscd with
//! vsmartcard's vpcd, the virtual KTP-el card + SAM (`padan-ktp-card`) and
//! the Dukcapil simulator.
//!
//! * a genuine card → read → `#card-result[data-genuine=true]` with the
//!   card's data (watermarked) and Dukcapil's verdicts for its person;
//! * a clone → "Kartu tidak asli" (`#card-result[data-genuine=false]`);
//! * the card pulled mid-read → "Kartu dicabut saat dibaca …"
//!   (`#card-error[data-code=CARD_REMOVED]`), the card comes back, "Coba
//!   lagi" (`#card-retry`) reads it.
//!
//! The simulator runs the population the card's demo keys belong to
//! (`CARD_SEED`), so the card's NIK is a registered person and the
//! backend's demo reader registration (SAM serial, office KANREG-V)
//! matches the virtual SAM. The agent trusts the backend's demo ticket key
//! and only the backend's origin. Needs pcscd + vpcd: fails with how to
//! install them unless `PADAN_PCSC_SKIP=1`. Starts pcscd itself and stops
//! every process by PID; nextest runs it alone in the `pcscd` group.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use padan_e2e::flows::{PURPOSE, active_person, close_browser, sign_in, wait_card_state};
use padan_e2e::harness::{CARD_SEED, CardKeys, CardReader, StackOptions, free_port, pcsc_available};
use padan_e2e::{Prerequisites, Session, Stack, evidence};
use serde_json::Value;

const OFFICER_NAME: &str = "Rina Kusuma";
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ktp_el_read_in_chromium() {
    let Some(prerequisites) = Prerequisites::from_env() else { return };
    if !pcsc_available() {
        return;
    }
    let keys = CardKeys::for_seed(&prerequisites.ktp_card(), CARD_SEED)
        .expect("the demo keys of the virtual card (is padan-ktp-card built?)");
    let agent_port = free_port().expect("a free port for the agent");
    let options = StackOptions::for_card(&keys, agent_port).expect("the SAM CA and activation keys");
    let stack =
        Stack::start_with_options(prerequisites, &options).await.expect("starting simulator, backend and chromedriver");
    let person = active_person(&stack).await.expect("an active person in the simulator's population");
    let nik = person["NIK"].as_str().expect("NIK").to_owned();

    let mut reader = CardReader::start_for(&stack, agent_port, &keys, &nik)
        .await
        .expect("starting pcscd, vpcd and the reader-agent");

    let browser = stack.browser().await.expect("starting headless Chromium");
    let outcome = card_flows(&stack, &browser, &mut reader, &person).await;
    let evidence = evidence!("card").with_stack_logs(&stack).with_logs(reader.log_files());
    if let Err(e) = close_browser(browser, outcome, &evidence).await {
        let alive = reader.check_alive().err().map(|e| format!("\n{e:#}")).unwrap_or_default();
        panic!("KTP-el reading in the browser failed: {e:#}{alive}");
    }
    // Dropping `reader` stops the card, the agent and pcscd (by PID).
}

async fn card_flows(stack: &Stack, browser: &Session, reader: &mut CardReader, person: &Value) -> anyhow::Result<()> {
    let app = &stack.app_url;
    let nik = person["NIK"].as_str().context("NIK")?;
    sign_in(browser, app, "petugas").await?;
    ensure!(browser.exists(".site-nav a[href=\"/ktp-el\"]").await?, "the officer's menu lacks Baca KTP-el");

    browser.goto(&format!("{app}/ktp-el")).await?;
    // Connected; the SAM and the card come with the virtual card's process.
    wait_state(browser, "no_sam").await.context("the agent connected, no SAM and no card yet")?;
    browser.set_value("#card-purpose", PURPOSE).await?;

    // --- a genuine card ---
    reader.insert("genuine", None)?;
    wait_state(browser, "card_present").await?;
    browser.click(&browser.find("#card-read").await?).await?;
    let result = browser
        .wait_for("#card-result[data-genuine=\"true\"]", WAIT)
        .await
        .context("a genuine card must give #card-result[data-genuine=true]")?;
    let text = browser.text(&result).await?;
    ensure!(text.contains(nik), "the result does not show the card's NIK {nik}: {text}");
    let name = person["NAMA_LGKP"].as_str().unwrap_or_default();
    ensure!(text.contains(name), "the result does not show the card's name {name}");
    ensure!(browser.exists("#card-photo").await?, "no photo from the chip");
    let verdicts = browser.find_all("#card-result tr[data-verdict]").await?;
    ensure!(!verdicts.is_empty(), "no Dukcapil verdicts in the result");
    let matched = browser.find_all("#card-result tr[data-verdict=\"sesuai\"]").await?;
    ensure!(!matched.is_empty(), "no element of the card matches Dukcapil for its own person");
    let status = browser.find("#card-result #person-status").await.context("no person status")?;
    ensure!(
        browser.attribute(&status, "data-status").await?.as_deref() == Some("aktif"),
        "the card's person should be active in the simulator"
    );
    let watermark = browser.execute("return document.getElementById('card-watermark').textContent;", vec![]).await?;
    ensure!(
        watermark.as_str().is_some_and(|w| w.contains(OFFICER_NAME)),
        "the watermark lacks the officer's name: {watermark}"
    );
    wait_state(browser, "done").await?;
    browser.click(&browser.find("#card-close").await?).await?;
    browser.wait_gone("#card-result", WAIT).await?;

    // --- a clone ---
    reader.remove();
    wait_state_not(browser, "card_present").await.context("the agent noticed the card leaving")?;
    reader.insert("clone", None)?;
    wait_state(browser, "card_present").await.context("the clone in the reader")?;
    browser.click(&browser.find("#card-read").await?).await?;
    let result = browser
        .wait_for("#card-result[data-genuine=\"false\"]", WAIT)
        .await
        .context("a clone must give #card-result[data-genuine=false]")?;
    let text = browser.text(&result).await?;
    ensure!(text.to_lowercase().contains("kartu tidak asli"), "a clone must read \"Kartu tidak asli\": {text}");
    let error = browser.find("#card-error").await?;
    ensure!(
        browser.attribute(&error, "data-code").await?.as_deref() == Some("CARD_NOT_GENUINE"),
        "the clone's code should be CARD_NOT_GENUINE"
    );
    ensure!(!text.contains(nik), "nothing of a clone's data may be shown");

    // --- the card pulled mid-read, then put back ---
    reader.remove();
    wait_state_not(browser, "card_present").await?;
    reader.insert("removed-after-15", Some(1_500))?;
    wait_state(browser, "card_present").await.context("the flaky card in the reader")?;
    browser.click(&browser.find("#card-read").await?).await?;
    let error = browser
        .wait_for("#card-error[data-code=\"CARD_REMOVED\"]", WAIT)
        .await
        .context("a card pulled mid-read must give #card-error[data-code=CARD_REMOVED]")?;
    let text = browser.text(&error).await?;
    ensure!(text.contains("Kartu dicabut saat dibaca"), "unclear message for a pulled card: {text}");
    // The card comes back (genuine) after 1.5 s.
    let deadline = Instant::now() + WAIT;
    while reader.card_insertions() < 2 {
        reader.check_alive()?;
        ensure!(Instant::now() < deadline, "the virtual card did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_state(browser, "card_present").await.context("the card back in the reader")?;
    browser.click(&browser.find("#card-retry").await?).await?;
    let result = browser
        .wait_for("#card-result[data-genuine=\"true\"]", WAIT)
        .await
        .context("retry after putting the card back must read it")?;
    ensure!(browser.text(&result).await?.contains(nik), "the retried read shows another NIK");
    ensure!(!browser.exists("#card-error").await?, "the old error stays after a good retry");
    Ok(())
}

async fn wait_state(browser: &Session, state: &str) -> anyhow::Result<()> {
    wait_card_state(browser, state, WAIT).await
}

async fn wait_state_not(browser: &Session, state: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + WAIT;
    loop {
        let el = browser.find("#card-agent-state").await?;
        if browser.attribute(&el, "data-state").await?.as_deref() != Some(state) {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "the agent state stayed {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
