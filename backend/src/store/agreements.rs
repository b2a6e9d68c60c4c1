//! Agreements as data: what each grants, by mechanism and clause.

use padan_protocol::v1::{Element, Mechanism};
use sqlx::{AnyPool, Row};
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRecord {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub numbers: String,
    pub signed_on: Date,
    pub valid_until: Date,
    pub status: String,
    pub demo: bool,
    /// The agreement this one extends.
    pub extends: Option<i64>,
    pub grants: Vec<GrantRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub mechanism: Mechanism,
    /// `officer` (BKN staff through the SPA) or `siasn` (the SIASN application).
    pub client: String,
    pub clause: String,
    pub elements: Vec<Element>,
}

const ISO: &[time::format_description::FormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

pub fn parse_date(s: &str) -> Result<Date, sqlx::Error> {
    Date::parse(s, ISO).map_err(|e| sqlx::Error::Decode(format!("bad date {s:?}: {e}").into()))
}

pub fn format_date(d: Date) -> String {
    d.format(ISO).unwrap_or_default()
}

pub fn encode_elements(elements: &[Element]) -> String {
    elements.iter().map(|e| e.wire_name()).collect::<Vec<_>>().join(" ")
}

fn decode_elements(s: &str) -> Result<Vec<Element>, sqlx::Error> {
    s.split_whitespace()
        .map(|n| Element::from_wire_name(n).ok_or_else(|| sqlx::Error::Decode(format!("unknown element {n}").into())))
        .collect()
}

pub async fn all(pool: &AnyPool) -> Result<Vec<AgreementRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, code, title, numbers, signed_on, valid_until, status, demo, extends FROM agreements ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    let grants = sqlx::query(
        "SELECT agreement_id, mechanism, client, clause, elements FROM agreement_grants \
         ORDER BY agreement_id, mechanism, clause",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let mut record = AgreementRecord {
            id,
            code: r.try_get(1)?,
            title: r.try_get(2)?,
            numbers: r.try_get(3)?,
            signed_on: parse_date(&r.try_get::<String, _>(4)?)?,
            valid_until: parse_date(&r.try_get::<String, _>(5)?)?,
            status: r.try_get(6)?,
            demo: r.try_get::<i64, _>(7)? != 0,
            extends: r.try_get(8)?,
            grants: Vec::new(),
        };
        for g in grants.iter().filter(|g| g.try_get::<i64, _>(0).ok() == Some(id)) {
            let mechanism: String = g.try_get(1)?;
            record.grants.push(GrantRecord {
                mechanism: Mechanism::parse(&mechanism)
                    .ok_or_else(|| sqlx::Error::Decode(format!("unknown mechanism {mechanism}").into()))?,
                client: g.try_get(2)?,
                clause: g.try_get(3)?,
                elements: decode_elements(&g.try_get::<String, _>(4)?)?,
            });
        }
        out.push(record);
    }
    Ok(out)
}

/// Inserts an agreement with its grants unless one with the same code exists.
pub async fn insert_if_absent(pool: &AnyPool, a: &AgreementRecord, now_ms: i64) -> Result<bool, sqlx::Error> {
    let exists = sqlx::query("SELECT id FROM agreements WHERE code = $1").bind(&a.code).fetch_optional(pool).await?;
    if exists.is_some() {
        return Ok(false);
    }
    insert(pool, a, now_ms).await?;
    Ok(true)
}

/// Inserts an agreement with its grants, in one transaction. A duplicate
/// code is a unique-constraint error.
pub async fn insert(pool: &AnyPool, a: &AgreementRecord, now_ms: i64) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO agreements (code, title, numbers, signed_on, valid_until, status, demo, extends, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&a.code)
    .bind(&a.title)
    .bind(&a.numbers)
    .bind(format_date(a.signed_on))
    .bind(format_date(a.valid_until))
    .bind(&a.status)
    .bind(i64::from(a.demo))
    .bind(a.extends)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get(0)?;
    for g in &a.grants {
        sqlx::query(
            "INSERT INTO agreement_grants (agreement_id, mechanism, client, clause, elements) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(g.mechanism.as_str())
        .bind(&g.client)
        .bind(&g.clause)
        .bind(encode_elements(&g.elements))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}
