//! The policy engine: on date D, for client C, is mechanism M open, and
//! with which elements? Answered from the agreements on record (data), never
//! from code in handlers (ARCHITECTURE invariant 2).

use padan_protocol::v1::{AgreementRef, Element, Mechanism, MechanismStatus};
use time::Date;

use crate::store::agreements::{AgreementRecord, format_date};

/// Days before an agreement's end at which officers see a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// BKN staff through the SPA.
    Officer,
    /// The SIASN application, through its service API.
    Siasn,
}

impl Client {
    fn as_str(self) -> &'static str {
        match self {
            Client::Officer => "officer",
            Client::Siasn => "siasn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub agreement: AgreementRef,
    /// The elements granted: where clauses disagree, only those all grant.
    pub elements: Vec<Element>,
    /// For admins: clauses of the agreement that disagree on this grant.
    pub discrepancies: Vec<String>,
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Open(Grant),
    Closed { reason: String, last: Option<AgreementRef> },
}

fn agreement_ref(a: &AgreementRecord) -> AgreementRef {
    AgreementRef {
        id: a.id,
        title: a.title.clone(),
        numbers: a.numbers.clone(),
        valid_until: format_date(a.valid_until),
        demo: a.demo,
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// `30 Juni 2026`.
pub fn date_id(d: Date) -> String {
    format!("{} {} {}", d.day(), MONTHS_ID[usize::from(u8::from(d.month())) - 1], d.year())
}

pub fn decide(agreements: &[AgreementRecord], today: Date, client: Client, mechanism: Mechanism) -> Decision {
    let granting =
        |a: &&AgreementRecord| a.grants.iter().any(|g| g.mechanism == mechanism && g.client == client.as_str());
    let valid = agreements
        .iter()
        .filter(granting)
        .filter(|a| a.status == "active" && a.signed_on <= today && today <= a.valid_until)
        // A real agreement wins over a demonstration one; then the longest-lived.
        .max_by_key(|a| (!a.demo, a.valid_until));
    let Some(agreement) = valid else {
        let last = agreements.iter().filter(granting).filter(|a| a.valid_until < today).max_by_key(|a| a.valid_until);
        let reason = match last {
            Some(a) => format!(
                "Perjanjian kerja sama ({}) berakhir pada {}. Layanan ini ditutup sampai perpanjangan atau \
                 perjanjian baru dicatat oleh admin.",
                a.numbers,
                date_id(a.valid_until)
            ),
            None => "Tidak ada perjanjian kerja sama yang berlaku untuk layanan ini.".to_owned(),
        };
        return Decision::Closed { reason, last: last.map(agreement_ref) };
    };
    let clauses: Vec<_> =
        agreement.grants.iter().filter(|g| g.mechanism == mechanism && g.client == client.as_str()).collect();
    let mut elements = clauses[0].elements.clone();
    elements.retain(|e| clauses.iter().all(|c| c.elements.contains(e)));
    let discrepancies = clauses
        .iter()
        .filter(|c| c.elements.len() != elements.len())
        .map(|c| {
            let extra: Vec<_> = c.elements.iter().filter(|e| !elements.contains(e)).map(|e| e.wire_name()).collect();
            format!(
                "Pasal {} juga mencantumkan {} yang tidak dicantumkan pasal lain; yang diberikan hanya irisannya.",
                c.clause,
                extra.join(", ")
            )
        })
        .collect();
    let days_left = (agreement.valid_until - today).whole_days();
    Decision::Open(Grant {
        agreement: agreement_ref(agreement),
        elements,
        discrepancies,
        expires_in_days: (days_left <= EXPIRY_WARNING_DAYS).then_some(days_left),
    })
}

/// What the SPA shows for each officer mechanism.
pub fn statuses(agreements: &[AgreementRecord], today: Date) -> Vec<MechanismStatus> {
    Mechanism::ALL
        .into_iter()
        .filter(|m| *m != Mechanism::SiasnLookup)
        .map(|mechanism| match decide(agreements, today, Client::Officer, mechanism) {
            Decision::Open(g) => MechanismStatus {
                mechanism,
                open: true,
                elements: g.elements,
                agreement: Some(g.agreement),
                closed_reason: None,
                expires_in_days: g.expires_in_days,
            },
            Decision::Closed { reason, last } => MechanismStatus {
                mechanism,
                open: false,
                elements: Vec::new(),
                agreement: last,
                closed_reason: Some(reason),
                expires_in_days: None,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::seed::{demo_agreement, real_agreements};
    use time::macros::date;

    fn seeded(with_demo: Option<Date>) -> Vec<AgreementRecord> {
        let mut all = real_agreements();
        all.extend(with_demo.map(demo_agreement));
        all.iter_mut().enumerate().for_each(|(i, a)| a.id = i as i64 + 1);
        all
    }

    #[test]
    fn verify_elements_around_each_validity_end() {
        let agreements = seeded(None);
        let cases = [
            (date!(2023 - 02 - 27), None), // before the addendum was signed
            (date!(2023 - 02 - 28), Some(9)),
            (date!(2024 - 02 - 29), Some(9)),
            (date!(2024 - 03 - 01), None), // gap until PKS 2024
            (date!(2024 - 06 - 28), Some(10)),
            (date!(2026 - 06 - 30), Some(10)),
            (date!(2026 - 07 - 01), None),
            (date!(2026 - 11 - 22), None),
        ];
        for (day, expected) in cases {
            let got = match decide(&agreements, day, Client::Officer, Mechanism::VerifyElements) {
                Decision::Open(g) => Some(g.elements.len()),
                Decision::Closed { .. } => None,
            };
            assert_eq!(got, expected, "on {day}");
        }
    }

    #[test]
    fn addendum_discrepancy_grants_the_narrower_set_and_says_so() {
        let agreements = seeded(None);
        let Decision::Open(g) = decide(&agreements, date!(2023 - 06 - 01), Client::Officer, Mechanism::VerifyElements)
        else {
            panic!("closed");
        };
        assert!(!g.elements.contains(&Element::JenisPkrjn));
        assert_eq!(g.discrepancies.len(), 1);
        assert!(g.discrepancies[0].contains("JENIS_PKRJN"), "{:?}", g.discrepancies);
    }

    #[test]
    fn expired_agreement_closes_with_its_end_date() {
        let agreements = seeded(None);
        let Decision::Closed { reason, last } =
            decide(&agreements, date!(2026 - 11 - 22), Client::Officer, Mechanism::VerifyElements)
        else {
            panic!("open");
        };
        assert!(reason.contains("berakhir pada 30 Juni 2026"), "{reason}");
        assert_eq!(last.map(|a| a.demo), Some(false));
    }

    #[test]
    fn siasn_is_only_for_the_siasn_client() {
        let agreements = seeded(None);
        let day = date!(2023 - 06 - 01);
        assert!(matches!(decide(&agreements, day, Client::Siasn, Mechanism::SiasnLookup), Decision::Open(_)));
        assert!(matches!(decide(&agreements, day, Client::Officer, Mechanism::SiasnLookup), Decision::Closed { .. }));
        assert!(matches!(decide(&agreements, day, Client::Siasn, Mechanism::VerifyElements), Decision::Closed { .. }));
    }

    #[test]
    fn demo_agreement_opens_and_real_one_wins_when_valid() {
        let today = date!(2026 - 11 - 22);
        let agreements = seeded(Some(today));
        let Decision::Open(g) = decide(&agreements, today, Client::Officer, Mechanism::VerifyElements) else {
            panic!("closed");
        };
        assert!(g.agreement.demo);
        let earlier = date!(2026 - 05 - 01);
        let agreements = seeded(Some(earlier));
        let Decision::Open(g) = decide(&agreements, earlier, Client::Officer, Mechanism::PortalLookup) else {
            panic!("closed");
        };
        assert!(!g.agreement.demo);
        assert_eq!(g.elements.len(), 13);
        assert_eq!(g.expires_in_days, Some(60));
    }
}
