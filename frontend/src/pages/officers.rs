//! `/admin/petugas` (admin): officer accounts. The list, a form to create an
//! account, and per-row actions — change role or office, deactivate /
//! reactivate, reset the second factor — each confirmed first. The backend
//! refuses (and audits) changes to one's own account and to the last active
//! admin; its message is shown as is.

use leptos::prelude::*;
use padan_protocol::v1::{ChangeRoleRequest, NewOfficerRequest, Office, OfficerView, OfficersResponse, Role};
use padan_protocol::validate::Lines;

use crate::api::{self, ApiFailure};
use crate::components::form::{
    TextField, backend_error, field, local_or_backend, on_success, outcome_view, text_error,
};
use crate::components::page::{Page, ResourceView};
use crate::components::table::{Caption, Col, DataTable};
use crate::i18n::{self, Text, text, tr, use_i18n};
use crate::session::use_auth;

pub const OFFICERS: &str = "/admin/petugas";

pub const NAV_OFFICERS: Text = text("Petugas", "Officers");
const TITLE: Text = text("Akun petugas", "Officer accounts");
const LEAD: Text = text(
    "Akun petugas BKN, peran dan kantornya. Setiap perubahan tercatat di jejak audit dan mengakhiri sesi petugas \
     yang diubah. Anda tidak dapat mengubah akun Anda sendiri di sini, dan admin aktif terakhir tidak dapat \
     diturunkan atau dinonaktifkan.",
    "BKN officer accounts, their roles and offices. Every change is recorded in the audit trail and ends the \
     changed officer's sessions. You cannot change your own account here, and the last active admin cannot be \
     demoted or deactivated.",
);
const COL_USERNAME: Text = text("Nama pengguna", "Username");
const COL_NAME: Text = text("Nama", "Name");
const COL_NIP: Text = text("NIP", "NIP");
const COL_ROLE: Text = text("Peran", "Role");
const COL_OFFICE: Text = text("Kantor", "Office");
const COL_STATUS: Text = text("Status", "Status");
const COL_SECOND_FACTOR: Text = text("Faktor kedua", "Second factor");
const COL_LAST_SIGN_IN: Text = text("Terakhir masuk", "Last sign-in");
const COL_ACTIONS: Text = text("Tindakan", "Actions");
const ACTIVE: Text = text("Aktif", "Active");
const INACTIVE: Text = text("Nonaktif", "Inactive");
const FAILED_SIGN_INS: Text = text("kali gagal masuk berturut-turut", "failed sign-ins in a row");
const ENROLLED: Text = text("Terpasang", "Enrolled");
const NOT_ENROLLED: Text = text("Belum", "Not yet");
const NEVER: Text = text("Belum pernah", "Never");
const YOU: Text = text("(Anda)", "(you)");
const EDIT: Text = text("Ubah peran/kantor", "Change role/office");
const DEACTIVATE: Text = text("Nonaktifkan", "Deactivate");
const REACTIVATE: Text = text("Aktifkan", "Reactivate");
const RESET_SECOND_FACTOR: Text = text("Reset faktor kedua", "Reset second factor");
const EDIT_TITLE: Text = text("Ubah peran dan kantor", "Change role and office");
const SAVE_CHANGE: Text = text("Simpan perubahan", "Save change");
const CANCEL: Text = text("Batal", "Cancel");
const CONFIRM_TITLE: Text = text("Konfirmasi", "Confirm");
const CONFIRM_YES: Text = text("Ya, lanjutkan", "Yes, go ahead");
const SESSIONS_END: Text = text(
    "Semua sesi petugas ini akan diakhiri; ia harus masuk kembali.",
    "All of this officer's sessions will end; they must sign in again.",
);
const DONE: Text = text("Perubahan disimpan dan dicatat di jejak audit:", "Change saved and audited:");
const FORM_TITLE: Text = text("Tambah petugas", "Add an officer");
const FORM_HINT: Text = text(
    "Kata sandi awal minimal 12 karakter, tidak umum, tanpa nama pengguna atau NIP. Sampaikan kepada petugas \
     melalui saluran terpisah.",
    "Initial password: at least 12 characters, not a common one, without the username or NIP. Hand it over \
     through a separate channel.",
);
const USERNAME: Text = text("Nama pengguna", "Username");
const USERNAME_HINT: Text =
    text("3–40 karakter: huruf kecil, angka, titik, garis bawah, tanda hubung.", "3–40 characters: a-z, 0-9, . _ -");
const DISPLAY_NAME: Text = text("Nama lengkap", "Full name");
const NIP: Text = text("NIP (18 digit)", "NIP (18 digits)");
const INITIAL_PASSWORD: Text = text("Kata sandi awal", "Initial password");
const CREATE: Text = text("Buat akun", "Create account");
const CREATED: Text = text("Akun dibuat:", "Account created:");

/// An action waiting for the admin's confirmation.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Change { officer: OfficerView, role: Role, office: String },
    Active { officer: OfficerView, active: bool },
    ResetSecondFactor { officer: OfficerView },
}

impl Pending {
    fn officer(&self) -> &OfficerView {
        match self {
            Pending::Change { officer, .. }
            | Pending::Active { officer, .. }
            | Pending::ResetSecondFactor { officer } => officer,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Pending::Change { .. } => "role",
            Pending::Active { active: false, .. } => "deactivate",
            Pending::Active { active: true, .. } => "reactivate",
            Pending::ResetSecondFactor { .. } => "reset_second_factor",
        }
    }

    fn question(&self, lang: i18n::Lang) -> String {
        let o = self.officer();
        let who = format!("{} ({})", o.display_name, o.username);
        match self {
            Pending::Change { officer, role, office } => {
                let mut parts = Vec::new();
                if *role != officer.role {
                    parts.push(lang.pick(
                        format!("peran {} → {}", i18n::role_label(officer.role, lang), i18n::role_label(*role, lang)),
                        format!("role {} → {}", i18n::role_label(officer.role, lang), i18n::role_label(*role, lang)),
                    ));
                }
                if *office != officer.office.code {
                    parts.push(lang.pick(
                        format!("kantor {} → {office}", officer.office.code),
                        format!("office {} → {office}", officer.office.code),
                    ));
                }
                let parts = parts.join(", ");
                lang.pick(format!("Ubah {who}: {parts}?"), format!("Change {who}: {parts}?"))
            }
            Pending::Active { active: false, .. } => {
                lang.pick(format!("Nonaktifkan akun {who}?"), format!("Deactivate {who}?"))
            }
            Pending::Active { active: true, .. } => {
                lang.pick(format!("Aktifkan kembali akun {who}?"), format!("Reactivate {who}?"))
            }
            Pending::ResetSecondFactor { .. } => lang.pick(
                format!("Reset faktor kedua {who}? Ia harus memasang aplikasi autentikator lagi saat masuk."),
                format!("Reset the second factor of {who}? They must enrol an authenticator app again."),
            ),
        }
    }
}

async fn perform(pending: Pending) -> Result<OfficerView, ApiFailure> {
    match pending {
        Pending::Change { officer, role, office } => {
            let request = ChangeRoleRequest {
                role: (role != officer.role).then_some(role),
                office_code: (office != officer.office.code).then_some(office),
            };
            api::change_officer_role(officer.id, request).await
        }
        Pending::Active { officer, active } => api::set_officer_active(officer.id, active).await,
        Pending::ResetSecondFactor { officer } => api::reset_officer_second_factor(officer.id).await,
    }
}

#[component]
pub fn Officers() -> impl IntoView {
    let data = LocalResource::new(api::officers);
    let editing = RwSignal::new(None::<OfficerView>);
    let pending = RwSignal::new(None::<Pending>);
    let act = Action::new_local(|p: &Pending| perform(p.clone()));
    let acting = act.pending();
    let outcome = act.value();
    on_success(outcome, move || {
        pending.set(None);
        editing.set(None);
        data.refetch();
    });
    // The offices and roles the create form offers, from the first answer.
    let choices = RwSignal::new(None::<(Vec<Office>, Vec<Role>)>);
    Effect::new(move |_| {
        if let Some(Ok(response)) = data.get() {
            if choices.with_untracked(Option::is_none) {
                choices.set(Some((response.offices, response.roles)));
            }
        }
    });
    let ask = move |p: Pending| {
        outcome.set(None);
        pending.set(Some(p));
    };

    view! {
        <Page title_id="officers-title" title=TITLE lead=LEAD>
            {outcome_view(outcome, "officer-action-done", "officer-action-error", DONE, |o| o.username)}
            <ResourceView resource=data error_id="officers-error" let:response>
                {
                    let offices = response.offices.clone();
                    let roles = response.roles.clone();
                    view! {
                        <OfficersTable response=response editing=editing ask=ask />
                        {move || {
                            editing
                                .get()
                                .map(|officer| {
                                    view! {
                                        <EditPanel
                                            officer=officer
                                            roles=roles.clone()
                                            offices=offices.clone()
                                            editing=editing
                                            ask=ask
                                        />
                                    }
                                })
                        }}
                    }
                }
            </ResourceView>
            // Outside the list's Suspense, so a refetch after saving does not
            // re-create the form (and drop its outcome).
            <Show when=move || choices.with(Option::is_some)>
                {move || {
                    let (offices, roles) = choices.get_untracked().unwrap_or_default();
                    view! { <OfficerForm offices=offices roles=roles on_saved=move || data.refetch() /> }
                }}
            </Show>
            {move || {
                pending
                    .get()
                    .map(|p| {
                        let i18n = use_i18n();
                        let question = p.clone();
                        view! {
                            <div
                                id="officer-confirm"
                                class="panel card"
                                role="alertdialog"
                                aria-labelledby="officer-confirm-title"
                                data-action=p.kind()
                                data-officer=p.officer().username.clone()
                            >
                                <h2 id="officer-confirm-title">{tr(CONFIRM_TITLE)}</h2>
                                <p id="officer-confirm-question">{move || question.question(i18n.lang())}</p>
                                <p class="field__hint">{tr(SESSIONS_END)}</p>
                                <div class="actions">
                                    <button
                                        id="officer-confirm-yes"
                                        type="button"
                                        class="button button--primary"
                                        disabled=move || acting.get()
                                        on:click=move |_| {
                                            if let Some(p) = pending.get_untracked() {
                                                act.dispatch(p);
                                            }
                                        }
                                    >
                                        {tr(CONFIRM_YES)}
                                    </button>
                                    <button
                                        id="officer-confirm-no"
                                        type="button"
                                        class="button"
                                        on:click=move |_| pending.set(None)
                                    >
                                        {tr(CANCEL)}
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
        </Page>
    }
}

const OFFICER_COLUMNS: &[Col] = &[
    Col::Text(COL_USERNAME),
    Col::Text(COL_NAME),
    Col::Text(COL_NIP),
    Col::Text(COL_ROLE),
    Col::Text(COL_OFFICE),
    Col::Text(COL_STATUS),
    Col::Text(COL_SECOND_FACTOR),
    Col::Text(COL_LAST_SIGN_IN),
    Col::Text(COL_ACTIONS),
];

#[component]
fn OfficersTable(
    response: OfficersResponse,
    editing: RwSignal<Option<OfficerView>>,
    ask: impl Fn(Pending) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let me = auth.officer().map(|o| o.username).unwrap_or_default();
    view! {
        <DataTable
            id="officers-table"
            caption=Caption::Hidden(TITLE)
            columns=OFFICER_COLUMNS
            rows=response.officers
            row=move |o| {
                let own = o.username == me;
                let role = o.role;
                let (for_edit, for_active, for_reset) = (o.clone(), o.clone(), o.clone());
                let failed = (o.failed_sign_ins > 0).then_some(o.failed_sign_ins);
                view! {
                    <tr
                        data-officer=o.username.clone()
                        data-role=role.as_str()
                        data-office=o.office.code.clone()
                        data-active=if o.active { "true" } else { "false" }
                    >
                        <th scope="row">
                            <code>{o.username.clone()}</code>
                            {own.then(|| view! { " " <span class="muted">{tr(YOU)}</span> })}
                        </th>
                        <td>{o.display_name.clone()}</td>
                        <td>
                            <code>{o.nip.clone().unwrap_or_default()}</code>
                        </td>
                        <td class="officer-role">{move || i18n::role_label(role, i18n.lang())}</td>
                        <td title=o.office.name.clone()>{o.office.code.clone()}</td>
                        <td>
                            {if o.active {
                                view! { <span class="badge badge--ok">{tr(ACTIVE)}</span> }.into_any()
                            } else {
                                view! { <span class="badge badge--bad">{tr(INACTIVE)}</span> }.into_any()
                            }}
                            {failed
                                .map(|n| {
                                    view! {
                                        <br />
                                        <span class="muted" data-failed-sign-ins=n>
                                            {n} " " {tr(FAILED_SIGN_INS)}
                                        </span>
                                    }
                                })}
                        </td>
                        <td>
                            {if o.totp_enrolled { tr(ENROLLED).into_any() } else { tr(NOT_ENROLLED).into_any() }}
                        </td>
                        <td>
                            {match o.last_sign_in.clone() {
                                Some(at) => at.into_any(),
                                None => view! { <span class="muted">{tr(NEVER)}</span> }.into_any(),
                            }}
                        </td>
                        <td class="actions">
                            {(!own)
                                .then(|| {
                                    let active = for_active.active;
                                    let enrolled = for_reset.totp_enrolled;
                                    view! {
                                        <button
                                            type="button"
                                            class="button button--small officer-edit"
                                            on:click=move |_| editing.set(Some(for_edit.clone()))
                                        >
                                            {tr(EDIT)}
                                        </button>
                                        <button
                                            type="button"
                                            class="button button--small officer-toggle-active"
                                            on:click=move |_| {
                                                ask(Pending::Active {
                                                    officer: for_active.clone(),
                                                    active: !active,
                                                })
                                            }
                                        >
                                            {if active { tr(DEACTIVATE) } else { tr(REACTIVATE) }}
                                        </button>
                                        {enrolled
                                            .then(|| {
                                                view! {
                                                    <button
                                                        type="button"
                                                        class="button button--small officer-reset-second-factor"
                                                        on:click=move |_| {
                                                            ask(Pending::ResetSecondFactor {
                                                                officer: for_reset.clone(),
                                                            })
                                                        }
                                                    >
                                                        {tr(RESET_SECOND_FACTOR)}
                                                    </button>
                                                }
                                            })}
                                    }
                                })}
                        </td>
                    </tr>
                }
            }
        />
    }
}

/// Choosing the new role and office of one officer; saving asks for confirmation.
#[component]
fn EditPanel(
    officer: OfficerView,
    roles: Vec<Role>,
    offices: Vec<Office>,
    editing: RwSignal<Option<OfficerView>>,
    ask: impl Fn(Pending) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let role = RwSignal::new(officer.role);
    let office = RwSignal::new(officer.office.code.clone());
    let heading = format!("{} ({})", officer.display_name, officer.username);
    let unchanged = {
        let (r, o) = (officer.role, officer.office.code.clone());
        move || role.get() == r && office.with(|c| *c == o)
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ask(Pending::Change { officer: officer.clone(), role: role.get_untracked(), office: office.get_untracked() });
    };
    view! {
        <form id="officer-edit" class="form card" novalidate on:submit=on_submit>
            <h2>{tr(EDIT_TITLE)} ": " {heading}</h2>
            <div class="grid">
                <RoleSelect id="officer-edit-role" roles=roles value=role />
                <OfficeSelect id="officer-edit-office" offices=offices value=office />
            </div>
            <div class="actions">
                <button id="officer-edit-submit" type="submit" class="button button--primary" disabled=unchanged>
                    {tr(SAVE_CHANGE)}
                </button>
                <button id="officer-edit-cancel" type="button" class="button" on:click=move |_| editing.set(None)>
                    {tr(CANCEL)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn OfficerForm(offices: Vec<Office>, roles: Vec<Role>, on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let nip = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Officer);
    let office = RwSignal::new(offices.first().map(|o| o.code.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());

    let save = Action::new_local(|request: &NewOfficerRequest| api::create_officer(request.clone()));
    let pending = save.pending();
    let outcome = save.value();
    on_success(outcome, move || {
        // The password is not kept once the account exists.
        password.set(String::new());
        on_saved();
    });
    let error = move |field: &'static str| backend_error(outcome, field);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        // The character rule the backend applies, so the form says it first.
        if display_name.with_untracked(|v| text_error(v, Lines::Single, i18n.lang()).is_some()) {
            return;
        }
        save.dispatch(NewOfficerRequest {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            nip: nip.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
            office_code: office.get_untracked(),
            password: password.get_untracked(),
        });
    };

    view! {
        <form id="officer-form" class="form card" novalidate on:submit=on_submit>
            <h2>{tr(FORM_TITLE)}</h2>
            <p class="field__hint">{tr(FORM_HINT)}</p>
            <div class="grid">
                <TextField
                    id="officer-username"
                    label=USERNAME
                    hint=USERNAME_HINT
                    value=username
                    error=error("username")
                />
                <TextField
                    id="officer-display-name"
                    label=DISPLAY_NAME
                    value=display_name
                    error=local_or_backend(display_name, error("display_name"))
                />
                <TextField id="officer-nip" label=NIP value=nip error=error("nip") />
                <RoleSelect id="officer-role" roles=roles value=role />
                <OfficeSelect id="officer-office" offices=offices value=office error=error("office_code") />
                <TextField
                    id="officer-password"
                    label=INITIAL_PASSWORD
                    value=password
                    error=error("password")
                    input_type="password"
                    autocomplete="new-password"
                />
            </div>
            <div class="actions">
                <button id="officer-submit" type="submit" class="button button--primary" disabled=move || pending.get()>
                    {tr(CREATE)}
                </button>
            </div>
            {outcome_view(outcome, "officer-saved", "officer-error", CREATED, |o| o.username)}
        </form>
    }
}

/// The role `<select>` of the officer forms.
#[component]
fn RoleSelect(id: &'static str, roles: Vec<Role>, value: RwSignal<Role>) -> impl IntoView {
    let i18n = use_i18n();
    let initial = value.get_untracked();
    field(id, COL_ROLE, None, Signal::default(), false, move |aria| {
        view! {
            <select
                id=id
                class="input"
                aria-describedby=aria.described_by()
                prop:value=move || value.get().as_str()
                on:change=move |ev| {
                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                        value.set(r);
                    }
                }
            >
                {roles
                    .into_iter()
                    .map(|r| {
                        view! {
                            <option value=r.as_str() selected=r == initial>
                                {move || i18n::role_label(r, i18n.lang())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        }
    })
}

/// The office `<select>` of the officer forms.
#[component]
fn OfficeSelect(
    id: &'static str,
    offices: Vec<Office>,
    value: RwSignal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let initial = value.get_untracked();
    field(id, COL_OFFICE, None, error, false, move |aria| {
        view! {
            <select
                id=id
                class="input"
                aria-describedby=aria.described_by()
                aria-invalid=aria.invalid()
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {offices
                    .into_iter()
                    .map(|o| {
                        let selected = o.code == initial;
                        view! {
                            <option value=o.code.clone() selected=selected>
                                {format!("{} — {}", o.code, o.name)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        }
    })
}
