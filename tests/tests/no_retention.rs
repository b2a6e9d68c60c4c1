//! Proof of no retention (ARCHITECTURE invariant 1, issue 4): every officer
//! mechanism and the SIASN service API run end to end for **canary
//! persons** — simulator records whose every free-text field carries a
//! unique marker (`sim/dukcapil/src/canary.rs`, `--canaries`) and whose
//! portrait is unique — and then everything BKN's side wrote is searched,
//! byte for byte, for any trace of them. Zero hits is the only pass.
//!
//! Mechanisms driven (in Chromium unless said otherwise): verification by
//! elements (markers typed as claims, plus a typed claim that is on no
//! record), face match by upload and through Chromium's fake camera, the
//! portal look-up (13 elements, family, photo), the IKD look-up, the SIASN
//! service API over HTTP, and — in its own test, since it needs pcscd — the
//! KTP-el read of a canary's card (`padan-ktp-card --canaries`) through
//! pcscd, vpcd and the reader-agent. New mechanisms belong here too.
//!
//! What is searched, recursively, under the stack's directory: the SQLite
//! database with its `-wal` and `-shm` files (once while the backend still
//! runs, before any checkpoint, and again after it stopped), or a
//! `pg_dump` of the PostgreSQL database; the backend's log (stdout and
//! stderr, debug level); the backend's working directory and its own
//! `TMPDIR`; Chromium's profiles (HTTP cache, Local Storage, IndexedDB,
//! Cache Storage, Service Worker, Code Cache …) and its `TMPDIR`;
//! chromedriver's log; for the card, the reader-agent's and pcscd's logs.
//! Not searched, on purpose: the simulator's log and configuration
//! (Dukcapil is outside BKN), the virtual card's own logs (the card is the
//! citizen's) and `fixtures/` (what the test wrote to upload).
//!
//! What counts as a hit: a marker (any `KANARI<tag>` string, as ASCII,
//! UTF-16 or base64 at any alignment), a slice of a canary's portrait (raw
//! JPEG bytes or its base64), an API look-up cached by the browser (its URL
//! as a cache key), and — everywhere except the database, where raw NIKs
//! are allowed for BKN's registry and the data-balikan outbox — a canary's
//! NIK or KK number. A planted control file in the backend's `TMPDIR`
//! must be found, so the search provably reads the tree and can fail.
//!
//! Runs on SQLite always and on PostgreSQL when `PADAN_TEST_POSTGRES_URL`
//! is set (`cargo xtask test` sets it; with `CI` set it must be).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use base64::Engine;
use padan_e2e::flows::{
    PURPOSE, WAIT, claims_from, close_browser, ensure_verdict, fake_camera_args, fetch_from_simulator, fill_form,
    ikd_lookup, open_face_page, open_portal, open_verify_page, read_verdicts, sign_in, sign_out, submit_face,
    submit_portal, submit_verify, upload_face, wait_card_state,
};
use padan_e2e::harness::{CARD_SEED, CardKeys, CardReader, StackOptions, TMP_BACKEND, free_port, pcsc_available};
use padan_e2e::{Prerequisites, Session, Stack, evidence};
use serde_json::{Value, json};

/// Canary families (two persons each): family 0 for the officer's
/// mechanisms, family 1 for the SIASN API and the camera.
const CANARY_FAMILIES: usize = 2;
/// The demo SIASN key (backend/src/store/seed.rs `DEMO_SIASN_KEY`).
const SIASN_KEY: &str = "padan-demo-siasn-key-0000000000000000";
/// The simulator's demo-only CALL_FR public key: without one the backend
/// keeps face match closed.
const FR_PUBLIC_KEY_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sim/dukcapil/keys/fr-demo-public.pem");
/// Where the test's own files go (excluded from the search).
const FIXTURES: &str = "fixtures";
/// Files of the stack directory that are not BKN's (see the module doc).
const NOT_BKN: [&str; 2] = ["simulator.log", "sim.json"];
/// The planted positive control.
const CONTROL: &str = "positive-control.bin";
/// What the database must hold after the run (the officer, and the audit
/// records of the mechanisms driven): proof that the search reads the
/// database this run wrote.
const DATABASE_CONTROLS: [&str; 4] = ["petugas", "portal_lookup", "siasn_lookup", "face_match"];
/// The PostgreSQL dump, written into the stack's directory.
const PG_DUMP: &str = "pg_dump.sql";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_leave_no_trace_sqlite() {
    let Some(prerequisites) = Prerequisites::from_env() else { return };
    if let Err(e) = prove_no_retention(prerequisites, None).await {
        panic!("{e:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_leave_no_trace_postgres() {
    let Some(prerequisites) = Prerequisites::from_env() else { return };
    let Some(database) = PostgresDatabase::create().expect("creating a PostgreSQL test database") else { return };
    let outcome = prove_no_retention(prerequisites, Some(&database)).await;
    database.drop_database();
    if let Err(e) = outcome {
        panic!("{e:#}");
    }
}

/// The KTP-el read of a canary's card (issued by `padan-ktp-card
/// --canaries`): through pcscd + vpcd, the reader-agent and Chromium, then
/// the same search, which here also covers the agent's and pcscd's logs.
/// Needs pcscd (skips loudly with `PADAN_PCSC_SKIP=1`); nextest runs it in
/// the `pcscd` group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_leave_no_trace_card() {
    let Some(prerequisites) = Prerequisites::from_env() else { return };
    if !pcsc_available() {
        return;
    }
    if let Err(e) = prove_no_retention_card(prerequisites).await {
        panic!("{e:#}");
    }
}

async fn prove_no_retention(prerequisites: Prerequisites, postgres: Option<&PostgresDatabase>) -> anyhow::Result<()> {
    let label = if postgres.is_some() { "no-retention-postgres" } else { "no-retention-sqlite" };
    let options = StackOptions {
        canaries: CANARY_FAMILIES,
        database_url: postgres.map(|p| p.url.clone()),
        backend_env: vec![("PADAN_DUKCAPIL__FR_PUBLIC_KEY_FILE".to_owned(), FR_PUBLIC_KEY_FILE.to_owned())],
        ..StackOptions::default()
    };
    let mut stack = Stack::start_with_options(prerequisites, &options)
        .await
        .context("starting simulator, backend and chromedriver")?;
    let canaries = Canaries::fetch(&stack).await.context("the simulator's canaries")?;
    canaries.plant_control(stack.dir()).context("planting the positive control")?;

    if let Err(e) = drive_mechanisms(&stack, &canaries).await {
        evidence!(label).with_stack_logs(&stack).keep_logs();
        bail!("driving the mechanisms for the canaries failed: {e:#}");
    }
    stack.check_alive().context("a server died during the flows")?;
    // The canaries passed through the backend's memory: it is locked in
    // RAM (`server.lock_memory`, on by default), so none of it can have
    // gone to swap. CI runs as root, which may lock memory.
    let locked_kb = locked_memory_kb(stack.backend.pid())?;
    if locked_kb == 0 {
        bail!("the backend's memory is not locked in RAM (VmLck 0 kB): population data could be swapped to disk");
    }
    search_and_judge(&mut stack, &canaries, postgres, label, &DATABASE_CONTROLS)
}

/// `VmLck` of a process, in kB.
fn locked_memory_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the backend's status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("no VmLck line in /proc/PID/status")
}

async fn prove_no_retention_card(prerequisites: Prerequisites) -> anyhow::Result<()> {
    let label = "no-retention-card";
    let keys = CardKeys::for_seed(&prerequisites.ktp_card(), CARD_SEED)
        .context("the demo keys of the virtual card (is padan-ktp-card built?)")?;
    let agent_port = free_port()?;
    let options = StackOptions { canaries: CANARY_FAMILIES, ..StackOptions::for_card(&keys, agent_port)? };
    let mut stack = Stack::start_with_options(prerequisites, &options).await.context("starting the stack")?;
    let canaries = Canaries::fetch(&stack).await.context("the simulator's canaries")?;
    canaries.plant_control(stack.dir()).context("planting the positive control")?;
    let nik = canaries.person(0).nik.clone();
    let mut reader = CardReader::start_for(&stack, agent_port, &keys, &nik)
        .await
        .context("starting pcscd, vpcd and the reader-agent")?
        .with_canaries(CANARY_FAMILIES);

    let browser = stack.browser().await?;
    let outcome = card_flow(&stack, &browser, &mut reader, &canaries).await;
    let evidence = evidence!(label).with_stack_logs(&stack);
    if let Err(e) = close_browser(browser, outcome, &evidence).await {
        bail!("reading the canary's KTP-el failed: {e:#}");
    }
    // The card, the agent and pcscd stop first, so their logs are complete.
    drop(reader);
    search_and_judge(&mut stack, &canaries, None, label, &["petugas", "card_read"])
}

/// Searches while the backend runs and after it stopped (with the
/// PostgreSQL dump when there is one); fails on any hit or on a positive
/// control that did not show.
fn search_and_judge(
    stack: &mut Stack,
    canaries: &Canaries,
    postgres: Option<&PostgresDatabase>,
    label: &str,
    database_controls: &[&'static str],
) -> anyhow::Result<()> {
    // 1. While the backend still runs: the WAL holds what was written and
    //    not yet checkpointed.
    let live = canaries.search(stack, database_controls).context("searching the stack directory")?;
    // 2. After it stopped (SQLite checkpointed, logs flushed), with the
    //    PostgreSQL dump written into the directory.
    stack.stop_servers();
    if let Some(pg) = postgres {
        pg.dump(&stack.dir().join(PG_DUMP)).context("pg_dump of the test database")?;
    }
    let stopped = canaries.search(stack, database_controls).context("searching the stack directory")?;
    // While the backend ran there is no dump yet: the PostgreSQL run's
    // database control comes from the dump only.
    let (live_db, stopped_db) =
        if postgres.is_some() { (None, "the pg_dump") } else { (Some("the SQLite files"), "the SQLite files") };
    let mut failures = Vec::new();
    for (when, report, database) in
        [("while the backend ran", &live, live_db), ("after it stopped", &stopped, Some(stopped_db))]
    {
        if let Err(e) = report.verdict(database, database_controls) {
            failures.push(format!("{when}: {e:#}"));
        }
    }
    if !failures.is_empty() {
        evidence!(label).with_stack_logs(stack).keep_logs();
        bail!("{}", failures.join("\n"));
    }
    eprintln!(
        "no-retention ({label}): {} files, {} bytes searched after the run ({} files while it ran); no canary trace",
        stopped.files, stopped.bytes, live.files
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The canaries and what to look for
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct CanaryPerson {
    nik: String,
    no_kk: String,
    /// The full record (wire names), as `CALL_NIK` answers it.
    record: Value,
    face_jpeg: Vec<u8>,
}

#[derive(Debug)]
struct Canaries {
    persons: Vec<CanaryPerson>,
    /// `KANARI` + the seed's tag: what every marker starts with.
    prefix: String,
    /// Marker → "person N (NIK …) FIELD", to name what leaked.
    fields: BTreeMap<String, String>,
}

/// One needle: what it is, and where it must not be.
#[derive(Debug)]
struct Needle {
    bytes: Vec<u8>,
    what: String,
    /// NIKs and KKs may be in the database (registry, outbox).
    allowed_in_database: bool,
}

#[derive(Debug, Default)]
struct Report {
    files: usize,
    bytes: u64,
    hits: Vec<String>,
    control_hits: usize,
    /// Files the positive controls rely on.
    profile_files: usize,
    /// Which of the database controls the database files hold.
    database_controls: Vec<&'static str>,
    backend_log_bytes: u64,
}

impl Canaries {
    async fn fetch(stack: &Stack) -> anyhow::Result<Self> {
        let url = format!("{}/_sim/canaries", stack.sim_url);
        let list: Vec<Value> = stack.http.get(&url).send().await?.error_for_status()?.json().await?;
        ensure!(list.len() == 2 * CANARY_FAMILIES, "expected {} canaries, got {}", 2 * CANARY_FAMILIES, list.len());
        let fixtures = stack.dir().join(FIXTURES);
        std::fs::create_dir_all(&fixtures)?;
        std::fs::write(fixtures.join("canaries.json"), serde_json::to_vec_pretty(&list)?)?;
        let mut persons = Vec::new();
        let mut fields = BTreeMap::new();
        let mut prefix = String::new();
        for (i, c) in list.iter().enumerate() {
            let nik = c["nik"].as_str().context("canary without nik")?.to_owned();
            let no_kk = c["no_kk"].as_str().context("canary without no_kk")?.to_owned();
            for m in c["markers"].as_array().context("canary without markers")? {
                let (Some(field), Some(marker)) = (m["field"].as_str(), m["marker"].as_str()) else { continue };
                ensure!(marker.starts_with("KANARI") && marker.len() == 15, "odd marker {marker:?}");
                prefix = marker[..10].to_owned();
                fields.insert(marker.to_owned(), format!("canary person {i} (NIK {nik}) field {field}"));
            }
            let face = format!("{}/_sim/persons/{nik}/face.jpg", stack.sim_url);
            let face_jpeg = stack.http.get(&face).send().await?.error_for_status()?.bytes().await?.to_vec();
            ensure!(face_jpeg.len() > 1000 && face_jpeg.starts_with(&[0xFF, 0xD8]), "canary {i}: odd face JPEG");
            persons.push(CanaryPerson { nik, no_kk, record: c["person"].clone(), face_jpeg });
        }
        ensure!(fields.len() >= 20 * persons.len(), "too few markers: {}", fields.len());
        Ok(Self { persons, prefix, fields })
    }

    fn person(&self, i: usize) -> &CanaryPerson {
        &self.persons[i]
    }

    fn marker(&self, person: usize, field: &str) -> anyhow::Result<String> {
        let v = self.persons[person].record[field].as_str().with_context(|| format!("canary {person}: no {field}"))?;
        ensure!(v.starts_with(&self.prefix), "canary {person}: {field} = {v:?} is no marker");
        Ok(v.to_owned())
    }

    /// A typed claim that is on no record: a marker with the field code
    /// `TYP`, and enough besides that it cannot pass for the real name.
    fn typed_only_marker(&self) -> String {
        format!("{}00TYP SALAH SAMA SEKALI", self.prefix)
    }

    fn needles(&self) -> Vec<Needle> {
        let mut needles = Vec::new();
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut add = |bytes: Vec<u8>, what: String, allowed_in_database: bool| {
            needles.push(Needle { bytes, what, allowed_in_database })
        };
        // Markers: the shared prefix as text (ASCII/UTF-8, UTF-16 LE and
        // BE) and as base64 at each of the three alignments.
        let prefix = self.prefix.as_bytes();
        add(prefix.to_vec(), "marker".into(), false);
        add(utf16(&self.prefix, false), "marker (UTF-16LE)".into(), false);
        add(utf16(&self.prefix, true), "marker (UTF-16BE)".into(), false);
        for shift in 0..3 {
            let mut padded = vec![0u8; shift];
            padded.extend_from_slice(prefix);
            let encoded = b64.encode(&padded);
            // Only the characters that depend on the prefix alone.
            let start = (shift * 4).div_ceil(3);
            let end = (padded.len() / 3) * 4;
            add(encoded.as_bytes()[start..end].to_vec(), format!("marker (base64, alignment {shift})"), false);
        }
        for (i, p) in self.persons.iter().enumerate() {
            // The portrait: raw bytes from the middle of its entropy-coded
            // data, and a slice of its base64 (what CALL_FOTO and the SPA carry).
            let mid = p.face_jpeg.len() / 2;
            add(p.face_jpeg[mid..mid + 24].to_vec(), format!("canary person {i}'s portrait (JPEG bytes)"), false);
            let encoded = b64.encode(&p.face_jpeg);
            let mid = encoded.len() / 2;
            add(encoded.as_bytes()[mid..mid + 32].to_vec(), format!("canary person {i}'s portrait (base64)"), false);
            // A family shares its KK: one needle per number.
            let kk_seen = self.persons[..i].iter().any(|q| q.no_kk == p.no_kk);
            for (kind, number) in [("NIK", &p.nik), ("KK", &p.no_kk)] {
                if kind == "KK" && kk_seen {
                    continue;
                }
                add(number.as_bytes().to_vec(), format!("canary person {i}'s {kind}"), true);
                add(utf16(number, false), format!("canary person {i}'s {kind} (UTF-16LE)"), true);
            }
        }
        needles
    }

    /// Writes the control file into the backend's TMPDIR: a marker in each
    /// encoding and a slice of a portrait. The search must find it there.
    fn plant_control(&self, dir: &Path) -> anyhow::Result<()> {
        let mut bytes = b"positive control, planted by no_retention.rs:\n".to_vec();
        for needle in self.needles().iter().filter(|n| !n.allowed_in_database) {
            bytes.extend_from_slice(&needle.bytes);
            bytes.push(b'\n');
        }
        std::fs::write(dir.join(TMP_BACKEND).join(CONTROL), bytes)?;
        Ok(())
    }

    /// Searches every file under the stack's directory (bar the
    /// exclusions) for every needle.
    fn search(&self, stack: &Stack, database_controls: &[&'static str]) -> anyhow::Result<Report> {
        let needles = self.needles();
        let finders: Vec<memchr::memmem::Finder<'_>> =
            needles.iter().map(|n| memchr::memmem::Finder::new(&n.bytes)).collect();
        let api_keys: Vec<String> =
            ["lookup", "verify", "siasn"].iter().map(|api| format!("{}/api/v1/{api}", stack.app_url)).collect();
        let mut report = Report::default();
        let mut files = Vec::new();
        walk(stack.dir(), &mut files)?;
        for file in files {
            let relative = file.strip_prefix(stack.dir()).unwrap_or(&file).to_path_buf();
            let name = relative.to_string_lossy().into_owned();
            // The virtual card's own logs: the card is the citizen's, not BKN's.
            let card_log = name.starts_with("card-") && name.ends_with(".log");
            if NOT_BKN.contains(&name.as_str()) || name.starts_with(FIXTURES) || card_log {
                continue;
            }
            // Chromium may remove files while we walk (lock files, journals).
            let Ok(bytes) = std::fs::read(&file) else { continue };
            report.files += 1;
            report.bytes += bytes.len() as u64;
            let in_database = is_database(&name);
            let is_control = name == format!("{TMP_BACKEND}/{CONTROL}");
            if name.starts_with("profile-") {
                report.profile_files += 1;
            }
            if in_database {
                for &control in database_controls {
                    if !report.database_controls.contains(&control)
                        && memchr::memmem::find(&bytes, control.as_bytes()).is_some()
                    {
                        report.database_controls.push(control);
                    }
                }
            }
            if name == "backend.log" {
                report.backend_log_bytes = bytes.len() as u64;
            }
            for (needle, finder) in needles.iter().zip(&finders) {
                if needle.allowed_in_database && in_database {
                    continue;
                }
                for offset in finder.find_iter(&bytes).take(5) {
                    if is_control {
                        report.control_hits += 1;
                        continue;
                    }
                    let which = self.identify(&bytes, offset, needle);
                    report.hits.push(format!("{name} @ byte {offset}: {which}"));
                }
            }
            if name.starts_with("profile-") {
                for key in &api_keys {
                    if let Some(offset) = memchr::memmem::find(&bytes, key.as_bytes()) {
                        report.hits.push(format!("{name} @ byte {offset}: a cached API answer ({key})"));
                    }
                }
            }
        }
        Ok(report)
    }

    /// Names the person and field of a marker hit (ASCII or UTF-16).
    fn identify(&self, bytes: &[u8], offset: usize, needle: &Needle) -> String {
        let ascii: Option<String> = if needle.what == "marker" {
            bytes.get(offset..offset + 15).map(|m| String::from_utf8_lossy(m).into_owned())
        } else if needle.what == "marker (UTF-16LE)" {
            bytes.get(offset..offset + 30).map(|m| m.iter().step_by(2).map(|b| *b as char).collect())
        } else {
            None
        };
        match ascii {
            Some(marker) => match self.fields.get(&marker) {
                Some(field) => format!("{marker} = {field}"),
                None => format!("{marker} (a typed claim or an unknown marker)"),
            },
            None => needle.what.clone(),
        }
    }
}

impl Report {
    /// `database`: where the officer's username must be found, if anywhere.
    fn verdict(&self, database: Option<&str>, database_controls: &[&str]) -> anyhow::Result<()> {
        // The search can fail: it found every planted needle in the control.
        ensure!(
            self.control_hits >= 6,
            "the planted control was not found ({} hits): the search is blind",
            self.control_hits
        );
        ensure!(self.profile_files > 10, "only {} files in Chromium's profiles: wrong directory?", self.profile_files);
        ensure!(self.backend_log_bytes > 0, "the backend log is empty");
        if let Some(database) = database {
            let missing: Vec<&&str> =
                database_controls.iter().filter(|c| !self.database_controls.contains(c)).collect();
            ensure!(missing.is_empty(), "{missing:?} not found in {database}: the search reads the wrong files");
        }
        if !self.hits.is_empty() {
            bail!(
                "population data of the canaries was retained ({} hits):\n  {}",
                self.hits.len(),
                self.hits.join("\n  ")
            );
        }
        Ok(())
    }
}

fn is_database(name: &str) -> bool {
    name.starts_with("padan.db") || name == PG_DUMP
}

fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The mechanisms
// ---------------------------------------------------------------------------

async fn drive_mechanisms(stack: &Stack, canaries: &Canaries) -> anyhow::Result<()> {
    let browser = stack.browser().await?;
    let outcome = officer_flows(stack, &browser, canaries).await;
    close_browser(browser, outcome, &evidence!("no-retention-officer")).await?;

    siasn_api(stack, canaries).await.context("the SIASN service API")?;

    // Face match through Chromium's fake camera, playing canary 3's portrait.
    let nik = canaries.person(3).nik.clone();
    let path = format!("/_sim/persons/{nik}/face.y4m?frames=10");
    let y4m = fetch_from_simulator(stack, &path, stack.dir().join(FIXTURES).join("face.y4m")).await?;
    let camera = stack.browser_with_args(&fake_camera_args(&y4m)).await?;
    let outcome = camera_flow(stack, &camera, &nik).await;
    close_browser(camera, outcome, &evidence!("no-retention-camera")).await.context("face match through the camera")
}

async fn officer_flows(stack: &Stack, browser: &Session, canaries: &Canaries) -> anyhow::Result<()> {
    let app = &stack.app_url;
    sign_in(browser, app, "petugas").await?;
    let head = canaries.person(0);
    let spouse = canaries.person(1);

    // --- verification by elements: the record's own values, all sesuai ---
    open_verify_page(browser, app).await?;
    let filled = fill_form(browser, &head.nik, &claims_from(&head.record, &[])).await?;
    for wire in ["NAMA_LGKP", "TMPT_LHR", "ALAMAT"] {
        ensure!(filled.iter().any(|w| w == wire), "the form has no #el-{wire} (filled: {filled:?})");
    }
    submit_verify(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("the canary's verification result")?;
    let verdicts = read_verdicts(browser).await?;
    for wire in &filled {
        ensure_verdict(&verdicts, wire, "sesuai")?;
    }

    // --- a typed claim on no record: tidak sesuai, and typed data is data too ---
    open_verify_page(browser, app).await?;
    let typed = canaries.typed_only_marker();
    fill_form(browser, &head.nik, &claims_from(&head.record, &[("NAMA_LGKP", &typed)])).await?;
    submit_verify(browser).await?;
    browser.wait_for("#verify-result", WAIT).await.context("the typed claim's result")?;
    let verdicts = read_verdicts(browser).await?;
    ensure_verdict(&verdicts, "NAMA_LGKP", "tidak_sesuai").context("a name on no record")?;

    // --- face match by upload: the canary's own portrait ---
    let face = stack.dir().join(FIXTURES).join("canary-face.jpg");
    std::fs::write(&face, &head.face_jpeg)?;
    open_face_page(browser, app, &head.nik).await?;
    upload_face(browser, &face).await?;
    let band = submit_face(browser).await?;
    ensure!(band.as_deref() == Some("cocok"), "the canary's own portrait scored {band:?}");

    // --- portal: 13 elements, the family and the photo ---
    open_portal(browser, app, &head.nik).await?;
    submit_portal(browser, "Verifikasi berkas usul kenaikan pangkat").await?;
    let shown = browser
        .execute(
            "const q = s => document.querySelector(s);\
             const photo = q('#portal-photo');\
             return {\
               name: (q('#portal-result [data-element=\"NAMA_LGKP\"] dd') || {}).textContent || '',\
               family: (q('#portal-family') || {}).textContent || '',\
               photo: photo ? photo.src.length : 0,\
               text: (q('#portal-result') || {}).textContent || ''\
             };",
            vec![],
        )
        .await?;
    let name = canaries.marker(0, "NAMA_LGKP")?;
    ensure!(shown["name"].as_str() == Some(name.as_str()), "the portal shows another name: {shown}");
    let spouse_name = canaries.marker(1, "NAMA_LGKP")?;
    ensure!(shown["family"].as_str().is_some_and(|f| f.contains(&spouse_name)), "family without the spouse: {shown}");
    ensure!(shown["photo"].as_u64().is_some_and(|n| n > 1000), "no photo: {shown}");
    let text = shown["text"].as_str().unwrap_or_default();
    let markers_shown = text.matches(canaries.prefix.as_str()).count();
    ensure!(markers_shown >= 8, "only {markers_shown} markers on the portal page: {text}");
    browser.click(&browser.find("#portal-close").await?).await?;
    browser.wait_gone("#portal-result", WAIT).await.context("Tutup must clear the data")?;

    // --- IKD: the spouse's nine elements ---
    let result = ikd_lookup(browser, app, &spouse.nik).await?;
    let text = browser.text(&result).await?;
    ensure!(text.contains(&spouse_name), "the IKD result lacks the canary's name: {text}");

    // --- sign out ---
    sign_out(browser).await
}

async fn card_flow(
    stack: &Stack,
    browser: &Session,
    reader: &mut CardReader,
    canaries: &Canaries,
) -> anyhow::Result<()> {
    let app = &stack.app_url;
    sign_in(browser, app, "petugas").await?;
    browser.goto(&format!("{app}/ktp-el")).await?;
    wait_card_state(browser, "no_sam", WAIT).await.context("the agent did not connect")?;
    browser.set_value("#card-purpose", PURPOSE).await?;
    reader.insert("genuine", None)?;
    wait_card_state(browser, "card_present", WAIT).await.context("no card in the reader")?;
    browser.click(&browser.find("#card-read").await?).await?;
    let result = browser
        .wait_for("#card-result[data-genuine=\"true\"]", WAIT)
        .await
        .context("the canary's genuine card must give #card-result[data-genuine=true]")?;
    let text = browser.text(&result).await?;
    let name = canaries.marker(0, "NAMA_LGKP")?;
    ensure!(text.contains(&name), "the card result lacks the canary's name {name}: {text}");
    ensure!(browser.exists("#card-photo").await?, "no photo from the chip");
    browser.click(&browser.find("#card-close").await?).await?;
    browser.wait_gone("#card-result", WAIT).await?;
    reader.remove();
    sign_out(browser).await
}

async fn siasn_api(stack: &Stack, canaries: &Canaries) -> anyhow::Result<()> {
    let person = canaries.person(2);
    let answer = stack
        .http
        .post(format!("{}/api/v1/siasn/lookup", stack.app_url))
        .bearer_auth(SIASN_KEY)
        .json(&json!({ "nik": person.nik, "purpose": PURPOSE, "siasn_user": "operator.siasn.01" }))
        .send()
        .await?;
    let status = answer.status();
    let body: Value = answer.json().await?;
    ensure!(status.is_success(), "SIASN look-up: HTTP {status}: {body}");
    let name = canaries.marker(2, "NAMA_LGKP")?;
    ensure!(body.to_string().contains(&name), "the SIASN answer lacks the canary's name: {body}");
    Ok(())
}

async fn camera_flow(stack: &Stack, browser: &Session, nik: &str) -> anyhow::Result<()> {
    let app = &stack.app_url;
    sign_in(browser, app, "petugas").await?;
    open_face_page(browser, app, nik).await?;
    browser.click(&browser.find("#face-camera-start").await?).await?;
    let capture = browser
        .wait_for("#face-capture:not([disabled]):not([hidden])", WAIT)
        .await
        .context("the camera did not start playing")?;
    browser.click(&capture).await?;
    browser.wait_for("#face-preview", WAIT).await.context("capturing shows no #face-preview")?;
    let band = submit_face(browser).await.context("the camera capture")?;
    ensure!(band.as_deref() == Some("cocok"), "the camera capture scored {band:?}, expected cocok");
    sign_out(browser).await
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

/// A fresh database in the cluster of `PADAN_TEST_POSTGRES_URL`.
#[derive(Debug)]
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// `None` outside CI when no cluster is configured; panics in CI.
    fn create() -> anyhow::Result<Option<Self>> {
        let admin_url = match std::env::var("PADAN_TEST_POSTGRES_URL") {
            Ok(url) => url,
            Err(_) if std::env::var("CI").is_ok() => {
                panic!("PADAN_TEST_POSTGRES_URL must be set in CI (cargo xtask test)")
            }
            Err(_) => {
                eprintln!("PADAN_TEST_POSTGRES_URL is not set: the PostgreSQL no-retention run is skipped");
                return Ok(None);
            }
        };
        let millis = std::time::UNIX_EPOCH.elapsed().map_or(0, |d| d.as_millis());
        let name = format!("padan_noret_{}_{millis}", std::process::id());
        let (prefix, _) = admin_url.rsplit_once('/').context("PADAN_TEST_POSTGRES_URL has no database part")?;
        let url = format!("{prefix}/{name}");
        psql(&admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(Some(Self { admin_url, name, url }))
    }

    /// `pg_dump` of the whole database (schema and data, plain SQL) into `file`.
    fn dump(&self, file: &Path) -> anyhow::Result<()> {
        let out = Command::new(postgres_bin("pg_dump"))
            .args(["--no-owner", "--file"])
            .arg(file)
            .arg(&self.url)
            .output()
            .context("running pg_dump")?;
        ensure!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
        Ok(())
    }

    fn drop_database(&self) {
        if let Err(e) = psql(&self.admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)) {
            eprintln!("could not drop {}: {e:#}", self.name);
        }
    }
}

fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new(postgres_bin("psql"))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .arg(url)
        .output()
        .context("running psql")?;
    ensure!(out.status.success(), "psql {sql:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

/// The newest `/usr/lib/postgresql/<major>/bin/<tool>`, else `<tool>` on PATH.
fn postgres_bin(tool: &str) -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin").join(tool);
            bin.is_file().then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map_or_else(|| PathBuf::from(tool), |(_, bin)| bin)
}
