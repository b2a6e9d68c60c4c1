//! KTP-el reading through the reader-agent (ARCHITECTURE invariant 4):
//! agent tickets, single-use read nonces, the verification of an attested
//! read, and the reader/SAM registry.
//!
//! Every read the agent performs is bound to a nonce this backend signed and
//! audited (`card_read_nonce`) before handing it out, and returns only the
//! fields the ticket and the nonce grant ([`read_fields`]); fingerprint
//! minutiae never leave the agent.
//!
//! A read is trusted only when it is proven: the SAM certificate chains to
//! Dukcapil's SAM CA, the activation record is Dukcapil-signed and the SAM
//! and reader are registered, active and assigned to the officer's office
//! within the agreement; the nonce is this officer's, fresh and consumed; the
//! origin is the page's; the SAM's signature covers origin, nonce and the
//! per-file digests; and the card data sent hash to those digests. Only then
//! is the card's data checked against Dukcapil. Nothing of the card is stored.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use ed25519_dalek::Signer as _;
use padan_ktpel::{ALL_EFS, ActivationRecord, AttestationError, AttestationInput, sha256};
use padan_protocol::{
    agent::v1::{CardField, MAX_NONCE_LIFETIME_SECS, MAX_TICKET_LIFETIME_SECS, NonceClaims, TicketClaims},
    v1::{
        CardVerifyRequest, CardVerifyResponse, CardView, Element, FieldError, Mechanism, NewReaderRequest,
        NonceRequest, NonceResponse, ReaderState, ReaderView, TicketResponse,
    },
    validate::{CivilDate, Nik, parse_nik},
};
use rand::RngCore;
use time::{Date, OffsetDateTime};

use crate::{
    AppState,
    auth::Officer,
    clock::{WIB, wib},
    config::CardKeys,
    dukcapil::Service,
    error::AppError,
    policy::{self, Client, Decision, date_id},
    services::access::{Access, Caller},
    store::{self, audit::AuditRecord, card_readers::ReaderRecord},
};

fn card_keys(state: &AppState) -> Result<&CardKeys, AppError> {
    state.card_keys().ok_or_else(|| {
        AppError::MechanismClosed(
            "Pembacaan KTP-el belum dikonfigurasi di Padan. Hubungi admin (bagian [card] konfigurasi).".into(),
        )
    })
}

/// The page's `Origin`, if it is one the agents accept.
fn allowed_origin(state: &AppState, origin: Option<&str>) -> Result<String, AppError> {
    let origin = origin.ok_or(AppError::OriginNotAllowed)?;
    if state.config().card.allowed_origins.iter().any(|o| o == origin) {
        Ok(origin.to_owned())
    } else {
        Err(AppError::OriginNotAllowed)
    }
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// What an agent read may return: the policy of the KTP-el mechanism. The
/// attested read feeds `verify_elements` (EF 6FF1, the printed data: the NIK
/// and the claims) and shows the card's face photo (EF 6FF2) for the officer
/// to compare with the holder. No mechanism of the agreements needs the
/// signature image or the fingerprint minutiae, so they are never granted
/// (their digests still travel in the attestation).
pub fn read_fields() -> Vec<CardField> {
    vec![CardField::Biodata, CardField::Photo]
}

fn field_names(fields: &[CardField]) -> String {
    fields
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok()?.as_str().map(str::to_owned))
        .collect::<Vec<_>>()
        .join(",")
}

/// `base64url(claims JSON) "." base64url(Ed25519 signature)`, the wire form
/// of tickets and nonces (`docs/agent-protocol.md` §Tickets).
fn sign_token(keys: &CardKeys, claims: &impl serde::Serialize) -> Result<String, AppError> {
    let raw = serde_json::to_vec(claims).map_err(|e| AppError::Internal(format!("token claims: {e}")))?;
    let signature = keys.ticket.sign(&raw);
    Ok(format!("{}.{}", B64URL.encode(&raw), B64URL.encode(signature.to_bytes())))
}

/// The page origin when agents accept it; otherwise the refusal is
/// recorded in `record` (`refused`, "origin not allowed") first.
async fn audited_origin(state: &AppState, origin: Option<&str>, record: &mut AuditRecord) -> Result<String, AppError> {
    match allowed_origin(state, origin) {
        Ok(o) => Ok(o),
        Err(e) => {
            record.outcome = "refused".into();
            record.detail = Some("origin not allowed".into());
            crate::audit::append(state, record).await?;
            Err(e)
        }
    }
}

/// `POST /api/v1/card/ticket`: an Ed25519-signed ticket for the agent
/// (`docs/agent-protocol.md` §Tickets), bound to officer, office and origin.
pub async fn ticket(
    state: &AppState,
    officer: &Officer,
    origin: Option<&str>,
    request_id: &str,
) -> Result<TicketResponse, AppError> {
    officer.ensure_may_verify()?;
    let keys = card_keys(state)?;
    let mut record = crate::audit::for_officer(state, officer, request_id, "agent_ticket");
    let origin = audited_origin(state, origin, &mut record).await?;
    let b = Binding::new(state, officer, origin, state.config().card.ticket_seconds.min(MAX_TICKET_LIFETIME_SECS));
    let exp = b.exp;
    let claims = TicketClaims {
        tid: random_hex(16),
        officer: b.officer,
        office: b.office,
        origin: b.origin,
        iat: b.iat,
        exp,
        fields: b.fields,
    };
    let ticket = sign_token(keys, &claims)?;
    record.outcome = "ok".into();
    record.detail =
        Some(format!("tid {}; origin {}; fields {}", claims.tid, claims.origin, field_names(&claims.fields)));
    crate::audit::append(state, &record).await?;
    Ok(TicketResponse { ticket, expires_at: exp as i64, agent_url: Some(state.config().card.agent_url.clone()) })
}

/// What a ticket and a nonce both bind: the officer (pseudonymous), the
/// office, the origin, their lifetime from now and the fields a read may
/// return.
struct Binding {
    officer: String,
    office: String,
    origin: String,
    iat: u64,
    exp: u64,
    fields: Vec<CardField>,
}

impl Binding {
    fn new(state: &AppState, officer: &Officer, origin: String, lifetime_secs: u64) -> Self {
        let iat = (state.clock().now_millis() / 1000).max(0) as u64;
        Self {
            officer: format!("off-{}", officer.id),
            office: officer.info.office.code.clone(),
            origin,
            iat,
            exp: iat + lifetime_secs,
            fields: read_fields(),
        }
    }
}

/// `POST /api/v1/card/nonce`: single use, short-lived, bound to the officer,
/// office and origin, signed for the agent (which refuses to read without
/// one) with the fields the read may return. Audited (`card_read_nonce`)
/// before it is returned, so every read the agent performs has a record
/// even if `/card/verify` is never called (invariant 5).
pub async fn nonce(
    state: &AppState,
    officer: &Officer,
    origin: Option<&str>,
    req: NonceRequest,
    request_id: &str,
) -> Result<NonceResponse, AppError> {
    officer.ensure_may_verify()?;
    let keys = card_keys(state)?;
    let mut record = crate::audit::for_officer(state, officer, request_id, "card_read_nonce");
    record.mechanism = Some(Mechanism::VerifyElements.as_str().into());
    record.purpose = Some(req.purpose.as_str().into());
    let origin = audited_origin(state, origin, &mut record).await?;
    let now = state.clock().now_millis();
    let b = Binding::new(state, officer, origin, state.config().card.nonce_seconds.min(MAX_NONCE_LIFETIME_SECS));
    let exp = b.exp;
    let claims = NonceClaims {
        nid: random_hex(16),
        officer: b.officer,
        office: b.office,
        origin: b.origin,
        iat: b.iat,
        exp,
        fields: b.fields,
    };
    let nonce = sign_token(keys, &claims)?;
    let pool = state.store().pool();
    let purpose = req.purpose.as_str();
    store::card_nonces::insert(pool, &nonce, officer.id, &claims.origin, purpose, now, exp as i64 * 1000).await?;
    record.outcome = "ok".into();
    record.detail =
        Some(format!("nid {}; origin {}; fields {}", claims.nid, claims.origin, field_names(&claims.fields)));
    crate::audit::append(state, &record).await?;
    Ok(NonceResponse { nonce, expires_at: exp as i64 })
}

/// The end (last second, WIB) of the agreement that grants verification
/// today, or why there is none.
fn agreement_end(state: &AppState, today: Date) -> Result<(i64, Date), String> {
    match policy::decide(&state.agreements(), today, Client::Officer, Mechanism::VerifyElements) {
        Decision::Open(grant) => {
            let agreements = state.agreements();
            let until = agreements
                .iter()
                .find(|a| a.id == grant.agreement.id)
                .map(|a| a.valid_until)
                .ok_or_else(|| "Perjanjian tidak ditemukan.".to_owned())?;
            let next = until.next_day().unwrap_or(until);
            Ok((OffsetDateTime::new_in_offset(next, time::Time::MIDNIGHT, WIB).unix_timestamp() - 1, until))
        }
        Decision::Closed { reason, .. } => Err(reason),
    }
}

/// A registered reader's state today.
fn reader_state(
    r: &ReaderRecord,
    now_ms: i64,
    agreement: &Result<(i64, Date), String>,
) -> (ReaderState, Option<String>) {
    if r.status != "active" {
        return (ReaderState::Deactivated, Some("Dinonaktifkan oleh admin.".into()));
    }
    let (end, end_date) = match agreement {
        Ok(a) => *a,
        Err(reason) => {
            return (
                ReaderState::Deactivated,
                Some(format!("Dinonaktifkan karena perjanjian tidak berlaku: {reason}")),
            );
        }
    };
    if let Some(until) = r.valid_until {
        if until / 1000 > end {
            return (
                ReaderState::Deactivated,
                Some(format!(
                    "Masa aktivasi ({}) melampaui akhir perjanjian ({}); minta Dukcapil menerbitkan aktivasi baru.",
                    wib(until),
                    date_id(end_date)
                )),
            );
        }
        if now_ms > until {
            return (
                ReaderState::Expired,
                Some(format!("Masa aktivasi berakhir pada {}; minta perpanjangan aktivasi ke Dukcapil.", wib(until))),
            );
        }
    }
    if r.valid_from.is_some_and(|from| now_ms < from) {
        return (ReaderState::NotYetValid, Some("Masa aktivasi belum dimulai.".into()));
    }
    (ReaderState::Active, None)
}

fn view(r: &ReaderRecord, now_ms: i64, agreement: &Result<(i64, Date), String>) -> ReaderView {
    let (state, reason) = reader_state(r, now_ms, agreement);
    ReaderView {
        id: r.id,
        reader_serial: r.reader_serial.clone(),
        sam_serial: r.sam_serial.clone(),
        office_code: r.office_code.clone(),
        valid_from: r.valid_from.map(wib),
        valid_until: r.valid_until.map(wib),
        state,
        reason,
        registered_at: wib(r.registered_at),
        registered_by: r.registered_by.clone(),
    }
}

/// `GET /api/v1/admin/readers`.
pub async fn readers(state: &AppState, officer: &Officer) -> Result<Vec<ReaderView>, AppError> {
    officer.ensure_admin()?;
    let now = state.clock().now_millis();
    let agreement = agreement_end(state, state.clock().today());
    let all = store::card_readers::all(state.store().pool()).await?;
    Ok(all.iter().map(|r| view(r, now, &agreement)).collect())
}

fn field(name: &str, id: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError { field: name.into(), message: id.into(), message_en: en.into() }])
}

/// `POST /api/v1/admin/readers`: registers a reader with its Dukcapil-signed
/// activation record; never beyond the agreement's end.
pub async fn register(
    state: &AppState,
    officer: &Officer,
    req: NewReaderRequest,
    request_id: &str,
) -> Result<ReaderView, AppError> {
    officer.ensure_admin()?;
    let keys = card_keys(state)?;
    let raw = hex::decode(req.activation_record.trim()).map_err(|_| {
        field("activation_record", "Rekaman aktivasi harus berupa heksadesimal.", "The activation record must be hex.")
    })?;
    let act = ActivationRecord::verify(&raw, &keys.activation).map_err(|_| {
        field(
            "activation_record",
            "Rekaman aktivasi tidak sah: bukan terbitan otoritas aktivasi Dukcapil.",
            "Invalid activation record: not signed by Dukcapil's activation authority.",
        )
    })?;
    if req.reader_serial.trim() != act.reader_serial {
        return Err(field(
            "reader_serial",
            format!("Nomor seri pembaca tidak sama dengan rekaman aktivasi ({}).", act.reader_serial),
            format!("The reader serial differs from the activation record ({}).", act.reader_serial),
        ));
    }
    let office = req.office_code.trim();
    if !store::seed::OFFICES.iter().any(|(code, _)| *code == office) {
        return Err(field("office_code", "Kantor tidak dikenal.", "Unknown office."));
    }
    if office != act.office {
        return Err(field(
            "office_code",
            format!("Rekaman aktivasi diterbitkan untuk kantor {}, bukan {office}.", act.office),
            format!("The activation record is for office {}, not {office}.", act.office),
        ));
    }
    let now = state.clock().now_millis();
    if (act.valid_until as i64) < now / 1000 || act.valid_from > act.valid_until {
        return Err(field(
            "activation_record",
            "Masa aktivasi pada rekaman ini sudah berakhir.",
            "This activation record's validity has ended.",
        ));
    }
    match agreement_end(state, state.clock().today()) {
        Err(reason) => {
            return Err(field(
                "activation_record",
                format!("Pembaca tidak dapat diaktifkan: {reason}"),
                "No valid agreement grants verification: readers cannot be activated.",
            ));
        }
        Ok((end, end_date)) if act.valid_until as i64 > end => {
            return Err(field(
                "activation_record",
                format!(
                    "Masa aktivasi ({}) melampaui akhir perjanjian ({}). Minta Dukcapil menerbitkan aktivasi yang \
                     berakhir paling lambat pada akhir perjanjian.",
                    wib(act.valid_until as i64 * 1000),
                    date_id(end_date)
                ),
                "The activation outlives the agreement; ask Dukcapil for one that ends with it.",
            ));
        }
        Ok(_) => {}
    }
    let sam = hex::encode(act.sam_serial);
    let hex_record = hex::encode(&raw);
    let new = store::card_readers::NewReader {
        sam_serial: &sam,
        reader_serial: &act.reader_serial,
        office_code: office,
        activation_record: Some(&hex_record),
        valid_from: Some(act.valid_from as i64 * 1000),
        valid_until: Some(act.valid_until as i64 * 1000),
        registered_by: &officer.info.username,
    };
    let stored = store::card_readers::upsert(state.store().pool(), &new, now).await?;
    let detail = format!("sam {sam}; reader {}; office {office}", act.reader_serial);
    crate::audit::append_ok(state, officer, request_id, "reader_registered", detail).await?;
    Ok(view(&stored, now, &agreement_end(state, state.clock().today())))
}

/// The embedded demo's reader (the one `padan-ktp-card` emulates), learning
/// its activation record from its SAM's first verified read.
pub async fn seed_demo_reader(pool: &sqlx::AnyPool, now_ms: i64) -> Result<(), sqlx::Error> {
    use crate::config::{DEMO_READER_OFFICE, DEMO_READER_SERIAL, DEMO_SAM_SERIAL};
    let demo = store::card_readers::NewReader {
        sam_serial: DEMO_SAM_SERIAL,
        reader_serial: DEMO_READER_SERIAL,
        office_code: DEMO_READER_OFFICE,
        activation_record: None,
        valid_from: None,
        valid_until: None,
        registered_by: "demo",
    };
    store::card_readers::insert_if_absent(pool, &demo, now_ms).await
}

/// What the checks established about a read.
struct CheckedRead {
    card: CardView,
    nik: Nik,
    reader: ReaderRecord,
    activation: ActivationRecord,
    activation_hex: String,
}

fn not_registered(sam: &str, reader: &str) -> AppError {
    AppError::ReaderNotActivated(format!(
        "Pembaca KTP-el {reader} (SAM {sam}) belum terdaftar di Padan. Minta admin mendaftarkannya dengan rekaman \
         aktivasi dari Dukcapil."
    ))
}

fn b64(s: &str) -> Result<Vec<u8>, AppError> {
    B64.decode(s.trim()).map_err(|_| AppError::CardNotGenuine("malformed base64 in the read"))
}

/// `len(2) ‖ payload`, the EF body whose digest the SAM attested.
fn with_len(payload: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(payload.len()).ok()?;
    Some([&len.to_be_bytes()[..], payload].concat())
}

/// Every check but Dukcapil's, in the order that spends the least: the
/// nonce (consumed), the origin, the SAM's proofs, the registry and the
/// agreement, then the data against the attested digests.
async fn check_read(
    state: &AppState,
    keys: &CardKeys,
    officer: &Officer,
    origin_header: Option<&str>,
    req: &CardVerifyRequest,
) -> Result<CheckedRead, AppError> {
    let now_ms = state.clock().now_millis();
    // The purpose stated now must be the one the nonce was issued (and
    // audited) for: a read cannot change its reason on the way.
    let purpose = req.purpose.as_str();
    let origin = store::card_nonces::consume(state.store().pool(), &req.nonce, officer.id, purpose, now_ms)
        .await?
        .ok_or(AppError::NonceInvalid)?;
    if origin_header.is_some_and(|h| h != origin) || !state.config().card.allowed_origins.contains(&origin) {
        return Err(AppError::OriginNotAllowed);
    }
    let (card, att) = (&req.read.card, &req.read.attestation);
    if att.nonce != req.nonce {
        return Err(AppError::NonceInvalid);
    }
    if att.origin != origin {
        return Err(AppError::OriginNotAllowed);
    }

    let malformed = AppError::CardNotGenuine("malformed read");
    let uid = hex::decode(&card.uid).map_err(|_| AppError::CardNotGenuine("malformed read"))?;
    if card.files.len() != ALL_EFS.len() {
        return Err(malformed);
    }
    let mut digests = [[0u8; 32]; 7];
    for ((d, f), fid) in digests.iter_mut().zip(&card.files).zip(ALL_EFS) {
        let bytes = hex::decode(&f.sha256).ok().filter(|b| b.len() == 32);
        match bytes {
            Some(b) if f.fid.eq_ignore_ascii_case(&format!("{fid:04X}")) => d.copy_from_slice(&b),
            _ => return Err(malformed),
        }
    }
    let (signature, certificate, activation_raw) =
        (b64(&att.signature)?, b64(&att.sam_certificate)?, b64(&att.activation_record)?);
    let input = AttestationInput {
        origin: &origin,
        nonce: &req.nonce,
        uid: &uid,
        file_digests: &digests,
        signature: &signature,
        sam_certificate: &certificate,
        activation_record: &activation_raw,
    };
    let now = (now_ms / 1000).max(0) as u64;
    let verified =
        padan_ktpel::verify_attestation(&input, &keys.sam_ca, &keys.activation, now).map_err(|e| match e {
            AttestationError::Certificate => AppError::CardNotGenuine("SAM certificate not from the SAM CA"),
            AttestationError::CertificateExpired => AppError::CardNotGenuine("SAM certificate outside its validity"),
            AttestationError::Activation => {
                AppError::CardNotGenuine("activation record not Dukcapil's or for another SAM")
            }
            AttestationError::Canonical | AttestationError::Signature => {
                AppError::CardNotGenuine("attestation signature does not verify")
            }
            AttestationError::ActivationExpired => AppError::ReaderNotActivated(
                "Masa aktivasi SAM pada pembaca ini tidak berlaku saat ini. Minta perpanjangan aktivasi ke Dukcapil \
             melalui admin."
                    .into(),
            ),
        })?;
    let act = verified.activation;

    // The registry: this SAM in this reader, active, for the officer's office.
    let sam = hex::encode(verified.sam_serial);
    let reader = store::card_readers::by_sam(state.store().pool(), &sam)
        .await?
        .filter(|r| r.reader_serial == act.reader_serial)
        .ok_or_else(|| not_registered(&sam, &act.reader_serial))?;
    if reader.status != "active" {
        return Err(AppError::ReaderNotActivated(format!(
            "Pembaca KTP-el {} telah dinonaktifkan oleh admin.",
            reader.reader_serial
        )));
    }
    if act.office != reader.office_code {
        return Err(AppError::ReaderNotActivated(format!(
            "Aktivasi SAM diterbitkan untuk kantor {}, sedangkan pembaca {} terdaftar untuk kantor {}.",
            act.office, reader.reader_serial, reader.office_code
        )));
    }
    if reader.office_code != officer.info.office.code {
        return Err(AppError::ReaderNotActivated(format!(
            "Pembaca KTP-el {} terdaftar untuk kantor {}, bukan kantor Anda ({}).",
            reader.reader_serial, reader.office_code, officer.info.office.code
        )));
    }
    // Activation never outlives the agreement: no agreement, no reader.
    match agreement_end(state, state.clock().today()) {
        Err(reason) => {
            return Err(AppError::ReaderNotActivated(format!("Pembaca KTP-el dinonaktifkan. {reason}")));
        }
        Ok((end, end_date)) if act.valid_until as i64 > end => {
            return Err(AppError::ReaderNotActivated(format!(
                "Masa aktivasi SAM melampaui akhir perjanjian ({}); pembaca dinonaktifkan sampai Dukcapil \
                 menerbitkan aktivasi baru.",
                date_id(end_date)
            )));
        }
        Ok(_) => {}
    }

    // The data shown must be what the SAM attested.
    let raw = card.biodata_raw.as_deref().ok_or(AppError::CardDataTampered("biodata_raw missing"))?;
    let raw = B64.decode(raw.trim()).map_err(|_| AppError::CardDataTampered("biodata_raw not base64"))?;
    if sha256(&[&raw]) != digests[1] {
        return Err(AppError::CardDataTampered("EF 6FF1 digest"));
    }
    let biodata = padan_ktpel::biodata(&raw).ok_or(AppError::CardDataTampered("EF 6FF1 TLV"))?;
    if card.biodata.as_ref().is_some_and(|b| *b != biodata) {
        return Err(AppError::CardDataTampered("decoded biodata differ from EF 6FF1"));
    }
    let attested = |payload: Option<&str>, index: usize, what: &'static str| -> Result<Option<String>, AppError> {
        let Some(p) = payload else { return Ok(None) };
        let bytes = B64.decode(p.trim()).map_err(|_| AppError::CardDataTampered(what))?;
        match with_len(&bytes) {
            Some(body) if sha256(&[&body]) == digests[index] => Ok(Some(p.trim().to_owned())),
            _ => Err(AppError::CardDataTampered(what)),
        }
    };
    let photo = attested(card.photo_jpeg.as_deref(), 2, "EF 6FF2 digest")?;
    attested(card.signature_jpeg.as_deref(), 3, "EF 6FF3 digest")?;
    // Fingerprint minutiae never travel (level 2); the SAM's signature above
    // covers their digests (EF 6FF4/6FF5) with every other file's.
    let nik = parse_nik(&biodata.nik).map_err(|e| AppError::field("nik", e.message_id(), e.message_en()))?;
    Ok(CheckedRead {
        card: CardView {
            nik: biodata.nik,
            nama: biodata.nama,
            tempat_lahir: biodata.tempat_lahir,
            tanggal_lahir: biodata.tanggal_lahir,
            jenis_kelamin: biodata.jenis_kelamin,
            golongan_darah: biodata.golongan_darah,
            alamat: biodata.alamat,
            rt: biodata.rt,
            rw: biodata.rw,
            kel_desa: biodata.kel_desa,
            kecamatan: biodata.kecamatan,
            kabupaten: biodata.kabupaten,
            provinsi: biodata.provinsi,
            agama: biodata.agama,
            status_perkawinan: biodata.status_perkawinan,
            pekerjaan: biodata.pekerjaan,
            kewarganegaraan: biodata.kewarganegaraan,
            berlaku_hingga: biodata.berlaku_hingga,
            tanggal_terbit: biodata.tanggal_terbit,
            tempat_terbit: biodata.tempat_terbit,
            photo_jpeg_base64: photo,
        },
        nik,
        reader,
        activation: act,
        activation_hex: hex::encode(&activation_raw),
    })
}

/// The card's data as claims for `CALL_VERIFY_BY_ELEMEN`.
fn card_claims(card: &CardView) -> Vec<(Element, String)> {
    // NFKC, folded, upper case: the same key typed claims are compared by.
    let label = crate::text::name_key;
    let mut claims = vec![(Element::NamaLgkp, label(&card.nama)), (Element::TmptLhr, label(&card.tempat_lahir))];
    if let Some(d) = CivilDate::parse(&card.tanggal_lahir) {
        claims.push((Element::TglLhr, d.iso()));
    }
    for (element, value) in [
        (Element::JenisKlmin, &card.jenis_kelamin),
        (Element::Agama, &card.agama),
        (Element::StatusKawin, &card.status_perkawinan),
    ] {
        let value = label(value);
        // A label Dukcapil does not know would only spend quota on a "tidak sesuai".
        if element.choices().contains(&value.as_str()) {
            claims.push((element, value));
        }
    }
    claims.push((Element::Alamat, label(&card.alamat)));
    claims.retain(|(_, v)| !v.is_empty());
    claims
}

/// `POST /api/v1/card/verify`: checks the read, then asks Dukcapil whether
/// the card's person and data are current. Every outcome is audited
/// (`card_read`).
pub async fn verify(
    state: &AppState,
    officer: &Officer,
    origin: Option<&str>,
    req: CardVerifyRequest,
    request_id: &str,
) -> Result<CardVerifyResponse, AppError> {
    officer.ensure_may_verify()?;
    let keys = card_keys(state)?;
    let checked = match check_read(state, keys, officer, origin, &req).await {
        Ok(c) => c,
        Err(e) => {
            let mut record = crate::audit::for_officer(state, officer, request_id, "card_read");
            record.mechanism = Some(Mechanism::VerifyElements.as_str().into());
            record.purpose = Some(req.purpose.as_str().into());
            record.outcome = "refused".into();
            record.detail = Some(e.to_string());
            crate::audit::append(state, &record).await?;
            return Err(e);
        }
    };

    let caller = Caller::Officer(officer);
    let mut access = Access::begin(state, caller, request_id, Mechanism::VerifyElements, req.purpose);
    access.record.event = "card_read".into();
    access.nik(state, checked.nik.as_str());
    let grant = access.grant(state, caller).await?;
    let sam = checked.reader.sam_serial.clone();
    let reader_serial = checked.reader.reader_serial.clone();
    access.record.detail =
        Some(format!("agreement {}; genuine; reader {reader_serial}; sam {sam}", grant.agreement.id));
    let (granted, not_granted): (Vec<_>, Vec<_>) =
        card_claims(&checked.card).into_iter().partition(|(e, _)| grant.elements.contains(e));
    let not_granted: Vec<Element> = not_granted.into_iter().map(|(e, _)| e).collect();
    let upstream = state.dukcapil().verify_elements(&checked.nik, &granted).await;
    let reply = access.finish(state, Service::Gateway, upstream, crate::services::verify::audited).await?;

    // A renewed (or the demo reader's first) Dukcapil-signed record is kept: it is BKN's registry, not card data.
    let act = &checked.activation;
    store::card_readers::refresh_activation(
        state.store().pool(),
        checked.reader.id,
        &checked.activation_hex,
        act.valid_from as i64 * 1000,
        act.valid_until as i64 * 1000,
    )
    .await?;

    let outcome = crate::services::verify::outcome(reply.result);
    Ok(CardVerifyResponse {
        request_id: request_id.to_owned(),
        genuine: true,
        card: checked.card,
        outcome,
        threshold: state.dukcapil().threshold(),
        not_granted,
        reader_serial,
        sam_serial: sam,
        watermark: crate::services::access::watermark(state, officer, request_id),
        display_seconds: state.config().server.display_seconds,
    })
}
