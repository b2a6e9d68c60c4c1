//! Sign-in (password, then the second factor), sign-out, "sign out
//! everywhere", password changes and TOTP enrolment.

use padan_protocol::v1::{
    AccountNotice, AccountNoticeKind, OfficerInfo, SessionInfo, SessionStage, StartTotpEnrolmentRequest, TotpEnrolment,
};

use super::{Officer, password, random_token, stage_to_db, throttle, token_hash, totp};
use crate::{
    AppState,
    error::AppError,
    store::{self, audit::AuditRecord, officers::TotpSlot},
};

/// A session that passed the password but not the second factor lives this
/// long at most.
const PENDING_SESSION_MS: i64 = 5 * 60_000;

/// A PHC string for a password nobody has, verified when the username is
/// unknown so that both paths take the same time.
pub fn dummy_hash() -> String {
    password::hash(&random_token()).unwrap_or_default()
}

#[derive(Debug)]
pub struct SignedIn {
    pub session: SessionInfo,
    /// The cookie value; only its hash is stored.
    pub token: String,
}

/// What goes into the audit trail as the "username" of a sign-in attempt:
/// whatever was typed, unless it looks like an identity number (an NIK or
/// KK typed into the wrong field must not land at rest).
fn typed_username(username: &str) -> String {
    let digits = username.chars().filter(char::is_ascii_digit).count();
    if digits >= 10 {
        "[angka disamarkan]".to_owned()
    } else {
        // Whatever was typed reaches the trail with its control and format characters escaped.
        let typed: String = username.chars().take(64).collect();
        padan_protocol::validate::escape_invisible(&typed).into_owned()
    }
}

fn security_event(state: &AppState, request_id: &str, event: &str, username: &str, outcome: &str) -> AuditRecord {
    AuditRecord {
        at: state.clock().now_millis(),
        request_id: request_id.to_owned(),
        event: event.to_owned(),
        username: Some(typed_username(username)),
        client: "spa".to_owned(),
        outcome: outcome.to_owned(),
        ..AuditRecord::default()
    }
}

fn officer_event(state: &AppState, officer: &Officer, request_id: &str, event: &str, outcome: &str) -> AuditRecord {
    let mut record = crate::audit::for_officer(state, officer, request_id, event);
    record.outcome = outcome.to_owned();
    record
}

pub fn session_info(
    state: &AppState,
    mut officer: OfficerInfo,
    csrf_token: String,
    stage: SessionStage,
) -> SessionInfo {
    // A display name stored before the character check is shown escaped.
    officer.display_name = padan_protocol::validate::escape_invisible(&officer.display_name).into_owned();
    SessionInfo {
        officer,
        csrf_token,
        idle_timeout_secs: (state.idle_timeout_ms() / 1000) as u64,
        stage,
        notices: Vec::new(),
    }
}

fn totp_required(state: &AppState, officer: &OfficerInfo) -> bool {
    state.config().security.totp_required_roles.contains(&officer.role)
}

pub async fn sign_in(
    state: &AppState,
    username: &str,
    password_given: &str,
    previous_token: Option<String>,
    request_id: &str,
    address: &str,
) -> Result<SignedIn, AppError> {
    let pool = state.store().pool();
    // NFKC: the fullwidth `ｒｉｎａ` is the account `rina` (usernames are ASCII by rule).
    let username = crate::text::nfkc(username.trim());
    let username = username.as_str();
    let now = state.clock().now_millis();
    if let Err(limited) = throttle::check(state, username, address).await {
        let mut event = security_event(state, request_id, "sign_in", username, "rate_limited");
        if let AppError::RateLimited { scope, .. } = &limited {
            event.detail = Some(format!("limit per {scope} reached"));
        }
        crate::audit::append(state, &event).await?;
        return Err(limited);
    }
    let Some(officer) = store::officers::by_username(pool, username).await?.filter(|o| o.active) else {
        password::verify_async(password_given.to_owned(), state.dummy_hash().to_owned()).await;
        throttle::record_failure(state, username, address).await?;
        crate::audit::append(state, &security_event(state, request_id, "sign_in", username, "unknown_user")).await?;
        return Err(AppError::InvalidCredentials);
    };
    let mut event = security_event(state, request_id, "sign_in", username, "ok");
    event.officer_id = Some(officer.id);
    // A known account: its name as stored (typed_username masks only what
    // could be an identity number typed by mistake).
    event.username = Some(officer.info.username.clone());
    event.office_code = Some(officer.info.office.code.clone());
    event.role = Some(officer.info.role.as_str().to_owned());

    if !password::verify_async(password_given.to_owned(), officer.password_hash.clone()).await {
        // Answered exactly like an unknown name: 401, and the throttle's
        // 429 for both alike. Only the audit trail and the admins know.
        throttle::record_failure(state, username, address).await?;
        let in_a_row = store::officers::record_failure(state.store(), officer.id).await?;
        event.outcome = "wrong_password".into();
        crate::audit::append(state, &event).await?;
        let security = &state.config().security;
        if throttle::account_failures(state, username).await? == i64::from(security.sign_in_max_failures_per_account) {
            let mut slowed = event.clone();
            slowed.event = "sign_in_slowdown".into();
            slowed.outcome = "slowed".into();
            slowed.detail = Some(format!(
                "{} failed sign-ins within {} minutes ({in_a_row} in a row): further attempts are slowed",
                security.sign_in_max_failures_per_account, security.sign_in_window_minutes
            ));
            crate::audit::append(state, &slowed).await?;
            let message = format!(
                "Akun {}: {} kali gagal masuk dalam {} menit. Percobaan berikutnya diperlambat (akun tidak \
                 dikunci). Jika bukan pemilik akun, periksa asal percobaan di jejak audit.",
                officer.info.username, security.sign_in_max_failures_per_account, security.sign_in_window_minutes
            );
            throttle::raise_alert(state, &format!("sign_in_account:{}", officer.id), &message).await;
        }
        return Err(AppError::InvalidCredentials);
    }

    store::officers::record_success(state.store(), officer.id).await?;
    // A new session on every sign-in (no fixation); the old one, if any, ends.
    if let Some(old) = previous_token {
        store::sessions::delete(state.store(), &token_hash(&old)).await?;
    }
    // A secret sealed under a previous security.nik_token_key no longer
    // opens: the officer enrols again (docs/security-operations.md).
    let totp_usable = enrolled_secret(state, &officer).await?.is_some();
    if officer.totp_secret.is_some() && !totp_usable {
        tracing::warn!(officer_id = officer.id, "TOTP secret does not open with the current key: re-enrolment");
    }
    let stage = if totp_usable {
        SessionStage::TotpRequired
    } else if totp_required(state, &officer.info) {
        SessionStage::TotpEnrolmentRequired
    } else {
        SessionStage::Complete
    };
    let token = random_token();
    let csrf_token = random_token();
    let expires_at =
        if stage == SessionStage::Complete { now + state.absolute_timeout_ms() } else { now + PENDING_SESSION_MS };
    let new = store::sessions::NewSession {
        token_hash: &token_hash(&token),
        officer_id: officer.id,
        csrf_token: &csrf_token,
        created_at: now,
        expires_at,
        stage: stage_to_db(stage),
    };
    store::sessions::insert(pool, &new).await?;
    if stage != SessionStage::Complete {
        event.outcome = "second_factor_pending".into();
    }
    crate::audit::append(state, &event).await?;
    let mut session = session_info(state, officer.info, csrf_token, stage);
    if stage == SessionStage::Complete {
        session.notices = notices(state, officer.id, now).await?;
    }
    Ok(SignedIn { session, token })
}

/// Replaces the session's token and CSRF token and moves it to `complete`:
/// the pre-second-factor token stops working.
async fn complete_session(state: &AppState, officer: &Officer) -> Result<SignedIn, AppError> {
    let now = state.clock().now_millis();
    let token = random_token();
    let csrf_token = random_token();
    let rotated = store::sessions::rotate(
        state.store(),
        &officer.token_hash,
        &token_hash(&token),
        &csrf_token,
        stage_to_db(SessionStage::Complete),
        now,
        now + state.absolute_timeout_ms(),
    )
    .await?;
    if !rotated {
        return Err(AppError::Unauthenticated);
    }
    let mut session = session_info(state, officer.info.clone(), csrf_token, SessionStage::Complete);
    session.notices = notices(state, officer.id, officer.session_created_at).await?;
    Ok(SignedIn { session, token })
}

async fn refuse_code(state: &AppState, officer: &Officer, request_id: &str, event: &str, address: &str) -> AppError {
    if let Err(e) = throttle::record_failure(state, &officer.info.username, address).await {
        return e;
    }
    let record = officer_event(state, officer, request_id, event, "wrong_code");
    match crate::audit::append(state, &record).await {
        Ok(_) => AppError::TotpInvalid,
        Err(e) => e.into(),
    }
}

/// The second step: a code from the enrolled authenticator app.
pub async fn verify_totp(
    state: &AppState,
    officer: &Officer,
    code: &str,
    request_id: &str,
    address: &str,
) -> Result<SignedIn, AppError> {
    if officer.stage != SessionStage::TotpRequired {
        return Err(AppError::InvalidRequest("langkah kode autentikator tidak diminta untuk sesi ini".into()));
    }
    throttle::check(state, &officer.info.username, address).await?;
    let pool = state.store().pool();
    let record = store::officers::by_id(pool, officer.id).await?.ok_or(AppError::Unauthenticated)?;
    let secret = enrolled_secret(state, &record)
        .await?
        .ok_or_else(|| AppError::Internal("TOTP secret does not open (was security.nik_token_key rotated?)".into()))?;
    let now = state.clock().now_millis();
    let Some(step) = totp::verify(&secret, code, now, record.totp_last_step) else {
        return Err(refuse_code(state, officer, request_id, "sign_in_totp", address).await);
    };
    if !store::officers::advance_totp_step(state.store(), officer.id, step).await? {
        return Err(refuse_code(state, officer, request_id, "sign_in_totp", address).await);
    }
    let signed_in = complete_session(state, officer).await?;
    crate::audit::append(state, &officer_event(state, officer, request_id, "sign_in_totp", "ok")).await?;
    Ok(signed_in)
}

/// The officer's enrolled authenticator secret, when it opens with the
/// current key (`None`: nothing enrolled, or enrolled under a rotated key).
async fn enrolled_secret(
    state: &AppState,
    record: &store::officers::OfficerRecord,
) -> Result<Option<Vec<u8>>, AppError> {
    let Some(sealed) = record.totp_secret.as_deref() else { return Ok(None) };
    Ok(open_sealed(state, record.id, sealed, TotpSlot::Enrolled).await?.map(|(secret, _)| secret))
}

fn seal_totp(state: &AppState, officer_id: i64, secret: &[u8]) -> Result<String, AppError> {
    totp::seal(state.nik_key(), officer_id, secret).map_err(|e| AppError::Internal(e.to_string()))
}

/// Opens one of the officer's sealed TOTP secrets, with the value sealed in
/// the current format. One sealed the old way (`v1:`) is sealed again and
/// stored in its place, if the row still holds it, so the old format dies
/// out as second factors are used. `None`: it does not open with this key.
async fn open_sealed(
    state: &AppState,
    officer_id: i64,
    sealed: &str,
    slot: TotpSlot,
) -> Result<Option<(Vec<u8>, String)>, AppError> {
    let Some(secret) = totp::open(state.nik_key(), officer_id, sealed) else { return Ok(None) };
    if !totp::needs_reseal(sealed) {
        return Ok(Some((secret, sealed.to_owned())));
    }
    let resealed = seal_totp(state, officer_id, &secret)?;
    if store::officers::reseal_totp(state.store(), officer_id, slot, sealed, &resealed).await? {
        tracing::info!(officer_id, "TOTP secret sealed again in the current format");
    }
    Ok(Some((secret, resealed)))
}

/// A new authenticator secret, parked until confirmed. Holding a session is
/// not enough to replace a second factor (a borrowed or stolen session
/// would take the account over for good): with an authenticator enrolled,
/// a code from it is required; for a first enrolment, the password. A
/// session that must enrol during sign-in gave its password moments ago.
/// A session that still owes its code cannot start one at all.
pub async fn start_totp_enrolment(
    state: &AppState,
    officer: &Officer,
    proof: &StartTotpEnrolmentRequest,
    request_id: &str,
    address: &str,
) -> Result<TotpEnrolment, AppError> {
    enrolment_open(state, officer, address).await?;
    let pool = state.store().pool();
    let record = store::officers::by_id(pool, officer.id).await?.ok_or(AppError::Unauthenticated)?;
    let replacing = enrolled_secret(state, &record).await?;
    let proven_by = if let Some(current) = &replacing {
        let code = proof.current_code.as_deref().map(str::trim).unwrap_or_default();
        if code.is_empty() {
            return Err(AppError::field(
                "current_code",
                "Masukkan kode dari aplikasi autentikator yang sekarang terdaftar untuk menggantinya.",
                "Enter a code from the authenticator app enrolled now to replace it.",
            ));
        }
        let accepted = totp::verify(current, code, state.clock().now_millis(), record.totp_last_step);
        let used = match accepted {
            Some(step) => store::officers::advance_totp_step(state.store(), officer.id, step).await?,
            None => false,
        };
        if !used {
            return Err(refuse_code(state, officer, request_id, "totp_enrolment", address).await);
        }
        "current code"
    } else if officer.stage == SessionStage::TotpEnrolmentRequired {
        "password at this sign-in"
    } else {
        let given = proof.password.clone().unwrap_or_default();
        if given.is_empty() || !password::verify_async(given, record.password_hash.clone()).await {
            throttle::record_failure(state, &officer.info.username, address).await?;
            let event = officer_event(state, officer, request_id, "totp_enrolment", "wrong_password");
            crate::audit::append(state, &event).await?;
            return Err(AppError::field(
                "password",
                "Masukkan kata sandi Anda untuk mendaftarkan aplikasi autentikator.",
                "Enter your password to enrol an authenticator app.",
            ));
        }
        "password"
    };
    let secret = totp::new_secret();
    let sealed = seal_totp(state, officer.id, &secret)?;
    store::officers::set_totp_pending(state.store(), officer.id, &sealed).await?;
    let mut event = officer_event(state, officer, request_id, "totp_enrolment", "started");
    let what = if replacing.is_some() { "re-enrolment" } else { "first enrolment" };
    event.detail = Some(format!("{what}, proven by the {proven_by}"));
    crate::audit::append(state, &event).await?;
    Ok(TotpEnrolment {
        secret: totp::base32_encode(&secret),
        otpauth_uri: totp::otpauth_uri(&secret, &officer.info.username),
        digits: totp::DIGITS,
        period_secs: totp::PERIOD_SECS as u32,
    })
}

/// Enrolment is closed to a session that still owes its code; attempts
/// are throttled like sign-ins.
async fn enrolment_open(state: &AppState, officer: &Officer, address: &str) -> Result<(), AppError> {
    if officer.stage == SessionStage::TotpRequired {
        return Err(AppError::SecondFactorRequired);
    }
    throttle::check(state, &officer.info.username, address).await
}

/// Confirms the pending secret with one code. A session that was waiting
/// for enrolment becomes complete, under a new token (`Some`).
pub async fn confirm_totp_enrolment(
    state: &AppState,
    officer: &Officer,
    code: &str,
    request_id: &str,
    address: &str,
) -> Result<SignedIn, AppError> {
    enrolment_open(state, officer, address).await?;
    let pool = state.store().pool();
    let sealed = store::officers::totp_pending(pool, officer.id).await?.ok_or_else(|| {
        AppError::InvalidRequest("belum ada pendaftaran aplikasi autentikator yang menunggu konfirmasi".into())
    })?;
    let (secret, sealed) = open_sealed(state, officer.id, &sealed, TotpSlot::Pending)
        .await?
        .ok_or_else(|| AppError::Internal("pending TOTP secret does not open".into()))?;
    let Some(step) = totp::verify(&secret, code, state.clock().now_millis(), None) else {
        return Err(refuse_code(state, officer, request_id, "totp_enrolment", address).await);
    };
    let replaced = store::officers::by_id(pool, officer.id).await?.is_some_and(|r| r.totp_secret.is_some());
    store::officers::confirm_totp(state.store(), officer.id, &sealed, step).await?;
    let signed_in = if officer.stage == SessionStage::TotpEnrolmentRequired {
        complete_session(state, officer).await?
    } else {
        SignedIn {
            session: session_info(state, officer.info.clone(), officer.csrf_token.clone(), SessionStage::Complete),
            token: String::new(),
        }
    };
    let kind = if replaced { AccountNoticeKind::SecondFactorReplaced } else { AccountNoticeKind::SecondFactorEnrolled };
    let mut event = officer_event(state, officer, request_id, "totp_enrolment", "ok");
    if replaced {
        // Like a password change: every other session of the officer ends.
        let keep = if signed_in.token.is_empty() { officer.token_hash.clone() } else { token_hash(&signed_in.token) };
        let ended = store::sessions::delete_all_for_officer(state.store(), officer.id, Some(&keep)).await?;
        event.detail = Some(format!("replaced the previous authenticator; {ended} other session(s) ended"));
    }
    notify_owner(state, officer.id, kind, address).await?;
    crate::audit::append(state, &event).await?;
    Ok(signed_in)
}

/// Tells the account's owner about a security change to their account: a
/// notice in the SPA until they acknowledge it.
pub async fn notify_owner(
    state: &AppState,
    officer_id: i64,
    kind: AccountNoticeKind,
    address: &str,
) -> Result<(), AppError> {
    let _slot = state.store().write_slot().await;
    let now = state.clock().now_millis();
    Ok(store::notices::insert(state.store().pool(), officer_id, now, notice_kind_to_db(kind), address).await?)
}

fn notice_kind_to_db(kind: AccountNoticeKind) -> &'static str {
    match kind {
        AccountNoticeKind::SecondFactorEnrolled => "second_factor_enrolled",
        AccountNoticeKind::SecondFactorReplaced => "second_factor_replaced",
        AccountNoticeKind::SecondFactorReset => "second_factor_reset",
        AccountNoticeKind::PasswordChanged => "password_changed",
    }
}

fn notice_kind_from_db(kind: &str) -> Option<AccountNoticeKind> {
    Some(match kind {
        "second_factor_enrolled" => AccountNoticeKind::SecondFactorEnrolled,
        "second_factor_replaced" => AccountNoticeKind::SecondFactorReplaced,
        "second_factor_reset" => AccountNoticeKind::SecondFactorReset,
        "password_changed" => AccountNoticeKind::PasswordChanged,
        _ => return None,
    })
}

/// The owner's unacknowledged notices, as a session that began at
/// `session_began` sees them: only changes made before it began. The
/// session a change was made from (perhaps not the owner's) can neither see
/// nor dismiss its notice; the owner's next sign-in shows it.
pub async fn notices(state: &AppState, officer_id: i64, session_began: i64) -> Result<Vec<AccountNotice>, AppError> {
    let rows = store::notices::pending(state.store().pool(), officer_id, session_began).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AccountNotice {
                id: r.id,
                kind: notice_kind_from_db(&r.kind)?,
                at: crate::clock::wib(r.at),
                address: r.address,
            })
        })
        .collect())
}

/// The session as the SPA sees it, with the owner's pending notices.
pub async fn session_with_notices(state: &AppState, officer: &Officer) -> Result<SessionInfo, AppError> {
    let mut session = session_info(state, officer.info.clone(), officer.csrf_token.clone(), officer.stage);
    session.notices = notices(state, officer.id, officer.session_created_at).await?;
    Ok(session)
}

/// The owner has read their notices up to `up_to_id`.
pub async fn acknowledge_notices(
    state: &AppState,
    officer: &Officer,
    up_to_id: i64,
    request_id: &str,
) -> Result<(), AppError> {
    let now = state.clock().now_millis();
    let acknowledged = {
        let _slot = state.store().write_slot().await;
        store::notices::acknowledge(state.store().pool(), officer.id, up_to_id, officer.session_created_at, now).await?
    };
    if acknowledged > 0 {
        let mut event = officer_event(state, officer, request_id, "account_notices_read", "ok");
        event.detail = Some(format!("{acknowledged} notice(s) acknowledged"));
        crate::audit::append(state, &event).await?;
    }
    Ok(())
}

/// Changes the password (current one required, policy applied) and ends
/// every other session of the officer.
pub async fn change_password(
    state: &AppState,
    officer: &Officer,
    current: &str,
    new: &str,
    request_id: &str,
    address: &str,
) -> Result<(), AppError> {
    throttle::check(state, &officer.info.username, address).await?;
    let pool = state.store().pool();
    let record = store::officers::by_id(pool, officer.id).await?.ok_or(AppError::Unauthenticated)?;
    if !password::verify_async(current.to_owned(), record.password_hash.clone()).await {
        throttle::record_failure(state, &officer.info.username, address).await?;
        let event = officer_event(state, officer, request_id, "password_change", "wrong_password");
        crate::audit::append(state, &event).await?;
        return Err(AppError::field(
            "current_password",
            "Kata sandi saat ini salah.",
            "The current password is wrong.",
        ));
    }
    if let Err(v) = password::check_policy(new, &officer.info.username, officer.info.nip.as_deref()) {
        return Err(AppError::field("new_password", v.message_id, v.message_en));
    }
    if current == new {
        return Err(AppError::field(
            "new_password",
            "Kata sandi baru harus berbeda dari yang lama.",
            "The new password must differ from the current one.",
        ));
    }
    let new = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
        .map_err(|e| AppError::Internal(format!("hashing: {e}")))?;
    store::officers::set_password(state.store(), officer.id, &hash, state.clock().now_millis()).await?;
    let ended = store::sessions::delete_all_for_officer(state.store(), officer.id, Some(&officer.token_hash)).await?;
    notify_owner(state, officer.id, AccountNoticeKind::PasswordChanged, address).await?;
    let mut event = officer_event(state, officer, request_id, "password_change", "ok");
    event.detail = Some(format!("{ended} other session(s) ended"));
    crate::audit::append(state, &event).await?;
    Ok(())
}

pub async fn sign_out(state: &AppState, officer: &Officer, request_id: &str) -> Result<(), AppError> {
    store::sessions::delete(state.store(), &officer.token_hash).await?;
    crate::audit::append(state, &officer_event(state, officer, request_id, "sign_out", "ok")).await?;
    Ok(())
}

/// "Keluar dari semua perangkat": ends every session of the officer,
/// this one included.
pub async fn sign_out_everywhere(state: &AppState, officer: &Officer, request_id: &str) -> Result<u64, AppError> {
    let ended = store::sessions::delete_all_for_officer(state.store(), officer.id, None).await?;
    let mut event = officer_event(state, officer, request_id, "sign_out_everywhere", "ok");
    event.detail = Some(format!("{ended} session(s) ended"));
    crate::audit::append(state, &event).await?;
    Ok(ended)
}

/// Whether the officer's account has a second factor (for the account page).
pub async fn totp_enrolled(state: &AppState, officer: &Officer) -> Result<bool, AppError> {
    Ok(store::officers::by_id(state.store().pool(), officer.id).await?.is_some_and(|r| r.totp_secret.is_some()))
}

pub fn totp_required_for(state: &AppState, officer: &Officer) -> bool {
    totp_required(state, &officer.info)
}
