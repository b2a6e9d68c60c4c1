//! The steps every access to population data shares: who is asking, is the
//! mechanism open for them today, and the audit record written before any
//! answer leaves (ARCHITECTURE invariants 2 and 5).

use padan_protocol::v1::{Mechanism, Purpose};

use crate::{
    AppState,
    auth::Officer,
    dukcapil::{DukcapilError, Service},
    error::AppError,
    policy::{self, Client, Decision, Grant},
    store::audit::AuditRecord,
};

/// Who is asking: an officer through the SPA, or a service client.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    Officer(&'a Officer),
    Service(&'a crate::auth::ServiceClient),
}

impl Caller<'_> {
    fn client(&self) -> Client {
        match self {
            Caller::Officer(_) => Client::Officer,
            Caller::Service(_) => Client::Siasn,
        }
    }
}

/// An access in progress: its audit record is filled as it goes.
#[derive(Debug)]
pub struct Access {
    pub record: AuditRecord,
    pub mechanism: Mechanism,
    /// The NIK asked about, in memory only (its `Debug` is masked): it goes
    /// to the data-balikan outbox when the access touched a person's data.
    nik: Option<padan_protocol::validate::Nik>,
}

impl Access {
    pub fn begin(
        state: &AppState,
        caller: Caller<'_>,
        request_id: &str,
        mechanism: Mechanism,
        purpose: Purpose,
    ) -> Self {
        let mut record = match caller {
            Caller::Officer(officer) => crate::audit::for_officer(state, officer, request_id, "access"),
            Caller::Service(client) => AuditRecord {
                at: state.clock().now_millis(),
                request_id: request_id.to_owned(),
                event: "access".into(),
                username: Some(client.name.clone()),
                client: client.kind.clone(),
                ..AuditRecord::default()
            },
        };
        record.mechanism = Some(mechanism.as_str().into());
        record.purpose = Some(purpose.as_str().into());
        Self { record, mechanism, nik: None }
    }

    pub fn nik(&mut self, state: &AppState, nik: &str) {
        self.record.nik_token = Some(crate::audit::nik_token(state.nik_key(), nik));
        self.nik = padan_protocol::validate::parse_nik(nik).ok();
    }

    /// The grant for this mechanism today, or a recorded denial.
    pub async fn grant(&mut self, state: &AppState, caller: Caller<'_>) -> Result<Grant, AppError> {
        match policy::decide(&state.agreements(), state.clock().today(), caller.client(), self.mechanism) {
            Decision::Open(grant) => {
                self.record.detail = Some(format!("agreement {}", grant.agreement.id));
                Ok(grant)
            }
            Decision::Closed { reason, .. } => {
                self.record.outcome = "denied".into();
                self.record.detail = Some("mechanism closed by policy".into());
                crate::audit::append(state, &self.record).await?;
                Err(AppError::MechanismClosed(reason))
            }
        }
    }

    /// Records the upstream outcome (and raises admin alerts), then hands it
    /// back: no audit record, no answer.
    pub async fn finish<T>(
        mut self,
        state: &AppState,
        service: Service,
        outcome: Result<T, DukcapilError>,
        describe: impl Fn(&T) -> (&'static str, String),
    ) -> Result<T, AppError> {
        match &outcome {
            Ok(reply) => {
                let (result, codes) = describe(reply);
                self.record.outcome = result.into();
                self.record.verdicts = Some(codes);
            }
            Err(e) => {
                self.record.outcome = "upstream_error".into();
                self.record.verdicts = Some(e.metric_code());
            }
        }
        // Data balikan: an access that reached a person's data (outcome "ok":
        // verdicts, a face score, looked-up elements) enters the outbox in
        // the same transaction as its audit record. Denials, "not found"
        // and upstream errors touched nobody's data and are not reported.
        match (self.nik, self.record.outcome.as_str()) {
            (Some(nik), "ok") => {
                let pending = crate::services::balikan::pending(state, &self.record, nik.as_str());
                crate::audit::append_access(state, self.record, pending).await?
            }
            _ => crate::audit::append(state, &self.record).await?,
        };
        crate::services::alerts::observe(state, service, outcome.as_ref().err()).await;
        outcome.map_err(AppError::Upstream)
    }
}

/// Who looked, and when: drawn across population data on the screen.
pub fn watermark(state: &AppState, officer: &Officer, request_id: &str) -> padan_protocol::v1::Watermark {
    let now = state.clock().now().to_offset(crate::clock::WIB);
    padan_protocol::v1::Watermark {
        // A name stored before the character check is drawn escaped, never raw.
        officer: padan_protocol::validate::escape_invisible(&officer.info.display_name).into_owned(),
        nip: officer.info.nip.clone(),
        office: officer.info.office.code.clone(),
        at: format!(
            "{:04}-{:02}-{:02} {:02}:{:02} WIB",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute()
        ),
        request_id: request_id.to_owned(),
    }
}
