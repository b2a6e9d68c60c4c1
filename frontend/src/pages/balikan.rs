//! Data balikan (issue 6), for admins: `/admin/registri-asn` (import BKN's
//! ASN registry from a SIASN export and read the validation report) and
//! `/admin/data-balikan` (the outbox dashboard, with manual retry of parked
//! records). Reports carry line numbers and reasons, never row values; the
//! dashboard shows NIKs masked.

use leptos::prelude::*;
use padan_protocol::v1::{
    BalikanDashboard, ImportStatus, OutboxCounts, OutboxGroup, ParkedRecord, ProblemKind, RegistryImportReport,
    RegistryImportSummary,
};
use send_wrapper::SendWrapper;

use crate::api::{self, ApiFailure};
use crate::components::error_banner::{ErrorBanner, failure_view};
use crate::components::page::{Page, ResourceView};
use crate::components::table::{Col, DataTable};
use crate::i18n::{Text, text, tr};

pub const REGISTRY: &str = "/admin/registri-asn";
pub const BALIKAN: &str = "/admin/data-balikan";

pub const NAV_REGISTRY: Text = text("Registri ASN", "ASN registry");
pub const NAV_BALIKAN: Text = text("Data balikan", "Data feedback");
const REGISTRY_TITLE: Text = text("Registri ASN", "ASN registry");
const REGISTRY_LEAD: Text = text(
    "Impor ekspor SIASN (CSV) berisi NIK, NIP, nama, status kepegawaian, kedudukan hukum dan instansi. \
     Pemisah koma, titik koma atau tab; BOM dan kolom berkutip diterima. Satu baris salah membatalkan seluruh \
     impor: tidak ada yang berubah. Baris yang sudah ada diperbarui.",
    "Import a SIASN export (CSV) with NIK, NIP, name, employment status, legal status and agency. Comma, \
     semicolon or tab separators; a BOM and quoted fields are accepted. One bad row cancels the whole import: \
     nothing changes. Existing rows are updated in place.",
);
const FILE_LABEL: Text = text("Berkas CSV", "CSV file");
const DRY_RUN: Text = text("Periksa saja (tanpa menyimpan)", "Check only (save nothing)");
const IMPORT: Text = text("Impor", "Import");
const IMPORTING: Text = text("Mengimpor…", "Importing…");
const CHOOSE_FILE: Text = text("Pilih berkas CSV terlebih dahulu.", "Choose a CSV file first.");
const REPORT_TITLE: Text = text("Laporan validasi", "Validation report");
const HISTORY_TITLE: Text = text("Riwayat impor", "Import history");
const NO_IMPORTS: Text = text("Belum ada impor.", "No imports yet.");
const SHOW_REPORT: Text = text("Lihat laporan", "Show report");
const APPLIED: Text = text("Diterapkan", "Applied");
const REJECTED: Text = text("Ditolak — tidak ada yang berubah", "Rejected — nothing changed");
const CHECKED: Text = text("Diperiksa (uji coba)", "Checked (dry run)");
const ROWS: Text = text("Baris", "Rows");
const INSERTED: Text = text("Baru", "New");
const UPDATED: Text = text("Diperbarui", "Updated");
const UNCHANGED: Text = text("Tetap", "Unchanged");
const REJECTED_ROWS: Text = text("Baris ditolak", "Rejected rows");
const JOINED: Text = text("Catatan data balikan yang kini memiliki NIP", "Outbox records that now have a NIP");
const COL_LINE: Text = text("Baris", "Line");
const COL_PROBLEM: Text = text("Masalah", "Problem");
const COL_REASON: Text = text("Keterangan", "Details");
const COL_FILE: Text = text("Berkas", "File");
const COL_BY: Text = text("Oleh", "By");
const COL_AT: Text = text("Waktu", "Time");
const COL_STATUS: Text = text("Status", "Status");
const MORE_PROBLEMS: Text =
    text("Hanya 1.000 masalah pertama yang ditampilkan.", "Only the first 1,000 problems are listed.");

const BALIKAN_TITLE: Text = text("Data balikan", "Data feedback (data balikan)");
const BALIKAN_LEAD: Text = text(
    "Setiap NIK yang datanya diakses dilaporkan kembali ke Dukcapil bersama NIP, status kepegawaian dan \
     kedudukan hukumnya (PKS Pasal 2 ayat (2) huruf c).",
    "Every NIK whose data was accessed is reported back to Dukcapil with its NIP, employment status and legal \
     status (PKS Article 2(2)c).",
);
const WAITING: Text = text("Menunggu NIP", "Waiting for a NIP");
const READY: Text = text("Siap dikirim", "Ready");
const IN_FLIGHT: Text = text("Sedang dikirim", "In flight");
const DELIVERED: Text = text("Terkirim", "Delivered");
const PARKED: Text = text("Gagal (ditahan)", "Failed (parked)");
const CLOSED: Text = text("Ditutup", "Closed");
const OLDEST: Text = text("Umur catatan tertua yang belum terkirim", "Age of the oldest undelivered record");
const NONE: Text = text("tidak ada", "none");
const MINUTES: Text = text("menit", "minutes");
const ALERT_AFTER: Text = text("Peringatan setelah (jam)", "Alert after (hours)");
const HORIZON: Text = text("Batas tunggu NIP (hari)", "NIP waiting horizon (days)");
const REGISTRY_SIZE: Text = text("Jumlah ASN di registri", "ASN in the registry");
const WORKER_OFF: Text = text(
    "Pengirim tidak aktif: balikan.endpoint belum dikonfigurasi. Catatan tetap tersimpan.",
    "The sender is off: balikan.endpoint is not configured. Records are kept.",
);
const PER_OFFICE: Text = text("Per kantor", "Per office");
const PER_DAY: Text = text("Per hari (WIB)", "Per day (WIB)");
const PARKED_TITLE: Text = text("Catatan yang ditahan", "Parked records");
const NO_PARKED: Text = text("Tidak ada catatan yang ditahan.", "No parked records.");
const RETRY: Text = text("Kirim ulang", "Retry");
const RETRY_ALL: Text = text("Kirim ulang semua", "Retry all");
const REFRESH: Text = text("Muat ulang", "Refresh");
const COL_KEY: Text = text("Kantor / hari", "Office / day");
const COL_NIK: Text = text("NIK (disamarkan)", "NIK (masked)");
const COL_OFFICE: Text = text("Kantor", "Office");
const COL_ATTEMPTS: Text = text("Percobaan", "Attempts");

fn status_info(s: ImportStatus) -> (&'static str, Text, &'static str) {
    match s {
        ImportStatus::Applied => ("applied", APPLIED, "badge badge--ok"),
        ImportStatus::Rejected => ("rejected", REJECTED, "badge badge--bad"),
        ImportStatus::Checked => ("checked", CHECKED, "badge"),
    }
}

fn problem_text(k: ProblemKind) -> Text {
    match k {
        ProblemKind::MissingColumn => text("Kolom wajib tidak ada", "Required column missing"),
        ProblemKind::MissingField => text("Isian wajib kosong", "Required field empty"),
        ProblemKind::MalformedRow => text("Baris rusak", "Malformed row"),
        ProblemKind::MalformedNik => text("NIK tidak valid", "Invalid NIK"),
        ProblemKind::MalformedNip => text("NIP tidak valid", "Invalid NIP"),
        ProblemKind::ScientificNotation => text("Angka rusak oleh Excel (notasi ilmiah)", "Excel-mangled number"),
        ProblemKind::NikNipBirthDate => text("Tanggal lahir NIK ≠ NIP", "NIK/NIP birth dates differ"),
        ProblemKind::NikNipSex => text("Jenis kelamin NIK ≠ NIP", "NIK/NIP sex differs"),
        ProblemKind::DuplicateNik => text("NIK ganda", "Duplicate NIK"),
        ProblemKind::DuplicateNip => text("NIP ganda", "Duplicate NIP"),
        ProblemKind::NipTaken => text("NIP milik NIK lain", "NIP belongs to another NIK"),
        ProblemKind::UnknownStatusKepegawaian => text("Status kepegawaian tak dikenal", "Unknown employment status"),
        ProblemKind::UnknownKedudukanHukum => text("Kedudukan hukum tak dikenal", "Unknown legal status"),
    }
}

#[component]
pub fn RegistryImport() -> impl IntoView {
    let history = LocalResource::new(api::registry_imports);
    let report: RwSignal<Option<RegistryImportReport>> = RwSignal::new(None);
    let failure: RwSignal<Option<ApiFailure>> = RwSignal::new(None);
    let missing_file = RwSignal::new(false);
    let dry_run = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let upload = Action::new_local(move |(file, dry): &(SendWrapper<web_sys::File>, bool)| {
        let file = (**file).clone();
        let dry = *dry;
        async move { api::import_registry(file, dry).await }
    });
    let busy = upload.pending();
    Effect::new(move |_| {
        if let Some(result) = upload.value().get() {
            match result {
                Ok(r) => {
                    report.set(Some(r));
                    failure.set(None);
                }
                Err(f) => failure.set(Some(f)),
            }
            history.refetch();
        }
    });
    let show = Action::new_local(|id: &i64| api::registry_import(*id));
    Effect::new(move |_| {
        if let Some(result) = show.value().get() {
            match result {
                Ok(r) => report.set(Some(r)),
                Err(f) => failure.set(Some(f)),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let file = file_input.get().and_then(|input| input.files()).and_then(|files| files.get(0));
        match file {
            Some(f) => {
                missing_file.set(false);
                upload.dispatch((SendWrapper::new(f), dry_run.get_untracked()));
            }
            None => missing_file.set(true),
        }
    };
    view! {
        <Page title_id="registry-title" title=REGISTRY_TITLE lead=REGISTRY_LEAD>
            <form id="registry-form" class="form" on:submit=submit>
                <label for="registry-file">{tr(FILE_LABEL)}</label>
                <input id="registry-file" type="file" accept=".csv,.txt,text/csv" node_ref=file_input />
                <label class="checkbox">
                    <input
                        id="registry-dry-run"
                        type="checkbox"
                        on:change=move |ev| dry_run.set(event_target_checked(&ev))
                    />
                    {tr(DRY_RUN)}
                </label>
                <Show when=move || missing_file.get()>
                    <p class="field-error" role="alert">{tr(CHOOSE_FILE)}</p>
                </Show>
                <button id="registry-import" type="submit" class="button" disabled=move || busy.get()>
                    {move || if busy.get() { tr(IMPORTING)() } else { tr(IMPORT)() }}
                </button>
            </form>
            {move || failure.get().map(|f| view! { <ErrorBanner id="registry-error" failure=f /> })}
            {move || report.get().map(|r| view! { <ReportView report=r /> })}
            <h2>{tr(HISTORY_TITLE)}</h2>
            <ResourceView resource=history error_id="history-error" let:rows>
                <HistoryTable
                    rows=rows
                    show=move |id| {
                        show.dispatch(id);
                    }
                />
            </ResourceView>
        </Page>
    }
}

#[component]
fn ReportView(report: RegistryImportReport) -> impl IntoView {
    let (code, label, class) = status_info(report.status);
    let listed = report.problems.len() as u64;
    let total: u64 = report.problem_counts.iter().map(|c| c.count).sum();
    let problems = report.problems.clone();
    view! {
        <div id="import-report" class="panel" data-status=code>
            <h2 class="panel__title">
                {tr(REPORT_TITLE)} " #" {report.id} " — " {report.file_name.clone()} " "
                <span class=class>{tr(label)}</span>
            </h2>
            <p class="muted">{report.at.clone()} " · " {report.by.clone()} " · " {report.duration_ms} " ms"</p>
            <dl class="stats">
                <dt>{tr(ROWS)}</dt>
                <dd id="report-rows">{report.rows_total}</dd>
                <dt>{tr(INSERTED)}</dt>
                <dd id="report-inserted">{report.inserted}</dd>
                <dt>{tr(UPDATED)}</dt>
                <dd id="report-updated">{report.updated}</dd>
                <dt>{tr(UNCHANGED)}</dt>
                <dd>{report.unchanged}</dd>
                <dt>{tr(REJECTED_ROWS)}</dt>
                <dd id="report-rejected">{report.rejected}</dd>
                <dt>{tr(JOINED)}</dt>
                <dd>{report.outbox_joined}</dd>
            </dl>
            <ul class="problem-counts">
                {report
                    .problem_counts
                    .iter()
                    .map(|c| view! { <li data-kind=format!("{:?}", c.kind)>{tr(problem_text(c.kind))} ": " {c.count}</li> })
                    .collect_view()}
            </ul>
            {(!problems.is_empty())
                .then(move || {
                    view! {
                        <DataTable
                            id="problems-table"
                            columns=PROBLEM_COLUMNS
                            rows=problems
                            row=|p| {
                                view! {
                                    <tr>
                                        <td>{p.line}</td>
                                        <td>{tr(problem_text(p.kind))}</td>
                                        <td>{p.message}</td>
                                    </tr>
                                }
                            }
                        />
                    }
                })}
            {(total > listed).then(|| view! { <p class="muted">{tr(MORE_PROBLEMS)}</p> })}
        </div>
    }
}

const PROBLEM_COLUMNS: &[Col] = &[Col::Text(COL_LINE), Col::Text(COL_PROBLEM), Col::Text(COL_REASON)];

const HISTORY_COLUMNS: &[Col] = &[
    Col::Text(COL_AT),
    Col::Text(COL_FILE),
    Col::Text(COL_BY),
    Col::Text(COL_STATUS),
    Col::Text(ROWS),
    Col::Text(REJECTED_ROWS),
    Col::Hidden(SHOW_REPORT),
];

#[component]
fn HistoryTable(rows: Vec<RegistryImportSummary>, show: impl Fn(i64) + Copy + 'static) -> impl IntoView {
    view! {
        <DataTable
            id="import-history"
            columns=HISTORY_COLUMNS
            empty=NO_IMPORTS
            rows=rows
            row=move |r| {
                let (code, label, class) = status_info(r.status);
                let id = r.id;
                view! {
                    <tr data-import=id data-status=code>
                        <td>{r.at}</td>
                        <td>{r.file_name}</td>
                        <td>{r.by}</td>
                        <td>
                            <span class=class>{tr(label)}</span>
                        </td>
                        <td>{r.rows_total}</td>
                        <td>{r.rejected}</td>
                        <td>
                            <button type="button" class="button button--secondary" on:click=move |_| show(id)>
                                {tr(SHOW_REPORT)}
                            </button>
                        </td>
                    </tr>
                }
            }
        />
    }
}

#[component]
pub fn Balikan() -> impl IntoView {
    let data = LocalResource::new(api::balikan_dashboard);
    let retry = Action::new_local(|ids: &Vec<i64>| api::balikan_retry(ids.clone()));
    let retried = retry.value();
    Effect::new(move |_| {
        if retried.read().is_some() {
            data.refetch();
        }
    });
    view! {
        <Page title_id="balikan-title" title=BALIKAN_TITLE lead=BALIKAN_LEAD>
            <button id="balikan-refresh" type="button" class="button button--secondary" on:click=move |_| data.refetch()>
                {tr(REFRESH)}
            </button>
            {move || retried.get().and_then(Result::err).map(|f| failure_view("balikan-error", f))}
            <ResourceView resource=data error_id="balikan-error" let:d>
                <DashboardView
                    d=d
                    retry=move |ids| {
                        retry.dispatch(ids);
                    }
                />
            </ResourceView>
        </Page>
    }
}

#[component]
fn DashboardView(d: BalikanDashboard, retry: impl Fn(Vec<i64>) + Copy + 'static) -> impl IntoView {
    let c = d.counts.clone();
    let oldest = d.oldest_undelivered_minutes;
    let late = oldest.is_some_and(|m| m > i64::from(d.alert_after_hours) * 60);
    let oldest_class = if late { "badge badge--bad" } else { "" };
    view! {
        {(!d.worker_enabled).then(|| view! { <p class="panel panel--closed" role="status">{tr(WORKER_OFF)}</p> })}
        <dl id="balikan-counts" class="stats">
            <dt>{tr(WAITING)}</dt>
            <dd id="count-waiting">{c.waiting}</dd>
            <dt>{tr(READY)}</dt>
            <dd id="count-ready">{c.ready}</dd>
            <dt>{tr(IN_FLIGHT)}</dt>
            <dd id="count-in-flight">{c.in_flight}</dd>
            <dt>{tr(DELIVERED)}</dt>
            <dd id="count-delivered">{c.delivered}</dd>
            <dt>{tr(PARKED)}</dt>
            <dd id="count-parked">{c.parked}</dd>
            <dt>{tr(CLOSED)}</dt>
            <dd id="count-closed">{c.closed}</dd>
            <dt>{tr(OLDEST)}</dt>
            <dd id="oldest-undelivered" class=oldest_class>
                {match oldest {
                    Some(m) => view! { {m} " " {tr(MINUTES)} }.into_any(),
                    None => tr(NONE)().into_any(),
                }}
            </dd>
            <dt>{tr(ALERT_AFTER)}</dt>
            <dd>{d.alert_after_hours}</dd>
            <dt>{tr(HORIZON)}</dt>
            <dd>{d.horizon_days}</dd>
            <dt>{tr(REGISTRY_SIZE)}</dt>
            <dd id="registry-size">{d.registry_size}</dd>
        </dl>
        <h2>{tr(PER_OFFICE)}</h2>
        <GroupTable id="per-office" groups=d.per_office />
        <h2>{tr(PER_DAY)}</h2>
        <GroupTable id="per-day" groups=d.per_day />
        <h2>{tr(PARKED_TITLE)}</h2>
        <ParkedTable parked=d.parked retry=retry />
    }
}

const GROUP_COLUMNS: &[Col] = &[
    Col::Text(COL_KEY),
    Col::Text(WAITING),
    Col::Text(READY),
    Col::Text(IN_FLIGHT),
    Col::Text(DELIVERED),
    Col::Text(PARKED),
    Col::Text(CLOSED),
];

#[component]
fn GroupTable(id: &'static str, groups: Vec<OutboxGroup>) -> impl IntoView {
    view! {
        <DataTable
            id=id
            columns=GROUP_COLUMNS
            rows=groups
            row=|g| {
                let c: OutboxCounts = g.counts;
                let key = g.key.clone();
                view! {
                    <tr data-key=key>
                        <th scope="row">{g.key}</th>
                        <td>{c.waiting}</td>
                        <td>{c.ready}</td>
                        <td>{c.in_flight}</td>
                        <td>{c.delivered}</td>
                        <td>{c.parked}</td>
                        <td>{c.closed}</td>
                    </tr>
                }
            }
        />
    }
}

const PARKED_COLUMNS: &[Col] = &[
    Col::Text(COL_NIK),
    Col::Text(COL_OFFICE),
    Col::Text(COL_AT),
    Col::Text(COL_ATTEMPTS),
    Col::Text(COL_REASON),
    Col::Hidden(RETRY),
];

#[component]
fn ParkedTable(parked: Vec<ParkedRecord>, retry: impl Fn(Vec<i64>) + Copy + 'static) -> impl IntoView {
    let empty = parked.is_empty();
    view! {
        {if empty {
            view! { <p class="muted">{tr(NO_PARKED)}</p> }.into_any()
        } else {
            view! {
                <button id="retry-all" type="button" class="button" on:click=move |_| retry(Vec::new())>
                    {tr(RETRY_ALL)}
                </button>
            }
                .into_any()
        }}
        <DataTable
            id="parked-table"
            columns=PARKED_COLUMNS
            rows=parked
            row=move |p| {
                let id = p.id;
                view! {
                    <tr data-parked=id>
                        <td>{p.nik_masked}</td>
                        <td>{p.office_code}</td>
                        <td>{p.accessed_at}</td>
                        <td>{p.attempts}</td>
                        <td>{p.reason}</td>
                        <td>
                            <button type="button" class="button button--secondary" on:click=move |_| retry(vec![id])>
                                {tr(RETRY)}
                            </button>
                        </td>
                    </tr>
                }
            }
        />
    }
}
