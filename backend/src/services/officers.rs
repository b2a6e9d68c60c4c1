//! Officer account management by admins: list, create, change role or
//! office, deactivate / reactivate, reset the second factor.
//!
//! Every change is a security event in the audit trail (`officer_created`,
//! `role_change`, `officer_deactivated` / `officer_reactivated`,
//! `second_factor_reset`), and so is every refusal of one (outcome
//! `denied`). Two rules keep the service administrable: an admin cannot
//! change, deactivate or reset their own account here (no self-escalation,
//! no self-lock-out), and the last active admin can be neither demoted nor
//! deactivated. Changing an account ends its sessions: the officer signs in
//! again under the new role.

use padan_protocol::{
    v1::{ChangeRoleRequest, NewOfficerRequest, OfficerView, OfficersResponse, Role, SetActiveRequest},
    validate::{Lines, parse_nip},
};

use crate::{
    AppState,
    audit::AuditRecord,
    auth::{Officer, password},
    clock::wib,
    error::AppError,
    store::{self, officers::OfficerRecord},
};

fn view(record: &OfficerRecord, last_sign_in: Option<i64>) -> OfficerView {
    OfficerView {
        id: record.id,
        username: record.info.username.clone(),
        // Rows from before the character check are shown escaped.
        display_name: padan_protocol::validate::escape_invisible(&record.info.display_name).into_owned(),
        nip: record.info.nip.clone(),
        role: record.info.role,
        office: record.info.office.clone(),
        active: record.active,
        totp_enrolled: record.totp_secret.is_some(),
        failed_sign_ins: record.failed_attempts,
        last_sign_in: last_sign_in.map(wib),
    }
}

pub async fn list(state: &AppState) -> Result<OfficersResponse, AppError> {
    let pool = state.store().pool();
    let officers = store::officers::list_all(pool).await?;
    Ok(OfficersResponse {
        officers: officers.iter().map(|o| view(&o.record, o.last_sign_in)).collect(),
        offices: store::officers::offices(pool).await?,
        roles: Role::ALL.to_vec(),
    })
}

/// The view of one account after a change.
async fn view_of(state: &AppState, id: i64) -> Result<OfficerView, AppError> {
    let listed = store::officers::listed_by_id(state.store().pool(), id).await?.ok_or(AppError::NotFound)?;
    Ok(view(&listed.record, listed.last_sign_in))
}

fn event(
    state: &AppState,
    admin: &Officer,
    request_id: &str,
    name: &str,
    outcome: &str,
    detail: String,
) -> AuditRecord {
    crate::audit::officer_action(state, admin, request_id, name, outcome, detail)
}

/// Audits a refusal (outcome `denied`) and returns it.
async fn deny(state: &AppState, record: AuditRecord, refusal: AppError) -> AppError {
    match crate::audit::append(state, &record).await {
        Ok(_) => refusal,
        Err(e) => e.into(),
    }
}

async fn office_exists(state: &AppState, code: &str) -> Result<bool, AppError> {
    Ok(store::officers::offices(state.store().pool()).await?.iter().any(|o| o.code == code))
}

fn unknown_office(code: &str) -> AppError {
    AppError::field(
        "office_code",
        format!("Kantor {code:?} tidak dikenal. Pilih salah satu kantor BKN yang terdaftar."),
        format!("Unknown office {code:?}."),
    )
}

async fn target(state: &AppState, id: i64) -> Result<OfficerRecord, AppError> {
    store::officers::by_id(state.store().pool(), id).await?.ok_or(AppError::NotFound)
}

pub async fn create(
    state: &AppState,
    admin: &Officer,
    req: NewOfficerRequest,
    request_id: &str,
) -> Result<OfficerView, AppError> {
    let pool = state.store().pool();
    // NFKC first: a fullwidth `ｒｉｎａ` is the username `rina` (and is taken if `rina` is).
    let username = crate::text::nfkc(req.username.trim());
    let username = username.as_str();
    if !padan_protocol::v1::is_valid_username(username) {
        return Err(AppError::field(
            "username",
            "Nama pengguna 3–40 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung, diawali huruf \
             atau angka.",
            "Username: 3–40 characters a-z, 0-9, '.', '_' or '-', starting with a letter or digit.",
        ));
    }
    crate::text::free_text("display_name", req.display_name.trim(), Lines::Single)?;
    // Stored NFKC: it is shown on watermarks and compared by people.
    let display_name = crate::text::nfkc(req.display_name.trim());
    let display_name = display_name.as_str();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(AppError::field(
            "display_name",
            "Nama lengkap wajib diisi (maks. 100 karakter).",
            "The display name is required (max 100 characters).",
        ));
    }
    let nip = parse_nip(&req.nip).map_err(|e| AppError::field("nip", e.message_id(), e.message_en()))?;
    let office_code = req.office_code.trim();
    if !office_exists(state, office_code).await? {
        return Err(unknown_office(office_code));
    }
    if let Err(v) = password::check_policy(&req.password, username, Some(nip.as_str())) {
        return Err(AppError::field("password", v.message_id, v.message_en));
    }
    if store::officers::by_username(pool, username).await?.is_some() {
        return Err(AppError::field("username", "Nama pengguna sudah dipakai.", "The username is taken."));
    }
    if store::officers::nip_taken(pool, nip.as_str()).await? {
        return Err(AppError::field(
            "nip",
            "NIP ini sudah terdaftar pada akun petugas lain.",
            "Another officer account already has this NIP.",
        ));
    }
    let secret = req.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
        .map_err(|e| AppError::Internal(format!("hashing: {e}")))?;
    let new = store::officers::NewOfficer {
        username,
        display_name,
        nip: Some(nip.as_str()),
        role: req.role,
        office_code,
        password_hash: &hash,
    };
    let id = {
        let _slot = state.store().write_slot().await;
        store::officers::insert(pool, &new, state.clock().now_millis()).await?
    };
    let detail = format!("officer {id} ({username}): role {}, office {office_code}", req.role.as_str());
    crate::audit::append(state, &event(state, admin, request_id, "officer_created", "ok", detail)).await?;
    view_of(state, id).await
}

pub async fn change_role(
    state: &AppState,
    admin: &Officer,
    id: i64,
    req: ChangeRoleRequest,
    request_id: &str,
) -> Result<OfficerView, AppError> {
    let before = target(state, id).await?;
    let new_role = req.role.unwrap_or(before.info.role);
    let new_office = req.office_code.as_deref().map(str::trim).unwrap_or(&before.info.office.code).to_owned();
    let mut changes = Vec::new();
    if new_role != before.info.role {
        changes.push(format!("{}→{}", before.info.role.as_str(), new_role.as_str()));
    }
    if new_office != before.info.office.code {
        changes.push(format!("office {}→{new_office}", before.info.office.code));
    }
    if changes.is_empty() {
        return Err(AppError::field(
            "role",
            "Tidak ada perubahan: pilih peran atau kantor yang berbeda.",
            "Nothing to change: choose another role or office.",
        ));
    }
    let detail = format!("officer {id}: {}", changes.join(", "));
    if id == admin.id {
        return Err(deny(
            state,
            event(state, admin, request_id, "role_change", "denied", format!("{detail} (own account)")),
            AppError::field(
                "role",
                "Anda tidak dapat mengubah peran atau kantor akun Anda sendiri. Minta admin lain melakukannya.",
                "You cannot change your own role or office; ask another admin.",
            ),
        )
        .await);
    }
    if !office_exists(state, &new_office).await? {
        return Err(unknown_office(&new_office));
    }
    let mut tx = state.store().begin_write().await?;
    let admins = store::officers::active_admins_for_update(&mut tx, state.store().engine()).await?;
    if new_role != Role::Admin && admins.iter().all(|a| *a == id) && admins.contains(&id) {
        drop(tx);
        return Err(last_admin(state, admin, request_id, "role_change", "role", detail).await);
    }
    if !store::officers::set_role_office(&mut tx, id, new_role, &new_office).await? {
        return Err(AppError::NotFound);
    }
    let ended = store::officers::end_sessions(&mut tx, id).await?;
    // The record commits with the change: no role change without its record.
    let detail = format!("{detail}; {ended} session(s) ended");
    crate::audit::append_in(state, &mut tx, &event(state, admin, request_id, "role_change", "ok", detail)).await?;
    tx.commit().await?;
    view_of(state, id).await
}

async fn last_admin(
    state: &AppState,
    admin: &Officer,
    request_id: &str,
    name: &str,
    field: &str,
    detail: String,
) -> AppError {
    deny(
        state,
        event(state, admin, request_id, name, "denied", format!("{detail} (last active admin)")),
        AppError::field(
            field,
            "Akun ini adalah satu-satunya admin aktif: angkat admin lain terlebih dahulu.",
            "This is the last active admin; make another officer admin first.",
        ),
    )
    .await
}

pub async fn set_active(
    state: &AppState,
    admin: &Officer,
    id: i64,
    req: SetActiveRequest,
    request_id: &str,
) -> Result<OfficerView, AppError> {
    let before = target(state, id).await?;
    let name = if req.active { "officer_reactivated" } else { "officer_deactivated" };
    let detail = format!("officer {id} ({})", before.info.username);
    if before.active == req.active {
        let (message_id, message_en) = if req.active {
            ("Akun ini sudah aktif.", "The account is already active.")
        } else {
            ("Akun ini sudah nonaktif.", "The account is already inactive.")
        };
        return Err(AppError::field("active", message_id, message_en));
    }
    if id == admin.id {
        return Err(deny(
            state,
            event(state, admin, request_id, name, "denied", format!("{detail} (own account)")),
            AppError::field(
                "active",
                "Anda tidak dapat menonaktifkan akun Anda sendiri.",
                "You cannot deactivate your own account.",
            ),
        )
        .await);
    }
    let mut tx = state.store().begin_write().await?;
    if !req.active {
        let admins = store::officers::active_admins_for_update(&mut tx, state.store().engine()).await?;
        if admins.contains(&id) && admins.iter().all(|a| *a == id) {
            drop(tx);
            return Err(last_admin(state, admin, request_id, name, "active", detail).await);
        }
    }
    if !store::officers::set_active(&mut tx, id, req.active).await? {
        return Err(AppError::NotFound);
    }
    let ended = if req.active { 0 } else { store::officers::end_sessions(&mut tx, id).await? };
    let detail = if req.active { detail } else { format!("{detail}; {ended} session(s) ended") };
    crate::audit::append_in(state, &mut tx, &event(state, admin, request_id, name, "ok", detail)).await?;
    tx.commit().await?;
    view_of(state, id).await
}

pub async fn reset_second_factor(
    state: &AppState,
    admin: &Officer,
    id: i64,
    request_id: &str,
) -> Result<OfficerView, AppError> {
    let before = target(state, id).await?;
    let detail = format!("officer {id} ({})", before.info.username);
    if id == admin.id {
        return Err(deny(
            state,
            event(state, admin, request_id, "second_factor_reset", "denied", format!("{detail} (own account)")),
            AppError::field(
                "id",
                "Faktor kedua akun Anda sendiri tidak dapat direset di sini. Minta admin lain melakukannya.",
                "You cannot reset your own second factor here; ask another admin.",
            ),
        )
        .await);
    }
    if before.totp_secret.is_none() {
        return Err(AppError::field(
            "id",
            "Petugas ini belum memasang faktor kedua; tidak ada yang perlu direset.",
            "This officer has no second factor enrolled; nothing to reset.",
        ));
    }
    let mut tx = state.store().begin_write().await?;
    store::officers::clear_totp(&mut tx, id).await?;
    let ended = store::officers::end_sessions(&mut tx, id).await?;
    let detail = format!("{detail}; {ended} session(s) ended");
    let record = event(state, admin, request_id, "second_factor_reset", "ok", detail);
    crate::audit::append_in(state, &mut tx, &record).await?;
    tx.commit().await?;
    // The owner learns of it at their next sign-in (the admin's address is
    // not theirs to see; the audit trail has who did it).
    crate::auth::service::notify_owner(state, id, padan_protocol::v1::AccountNoticeKind::SecondFactorReset, "").await?;
    view_of(state, id).await
}
