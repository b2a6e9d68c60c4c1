//! The hash chain and its signed checkpoints (`docs/audit.md`).
//!
//! Record `n` stores `hash_n = SHA-256(encode(n, hash_{n-1}, fields))`,
//! where `encode` is a canonical, length-prefixed encoding of every field,
//! so no two different records encode alike. Changing, removing, adding or
//! moving a record breaks the chain at that point. Someone with database
//! access could recompute the whole chain after a change; the signed
//! checkpoints ("the chain had hash H at seq N", Ed25519, key held as a
//! secret) catch that, and exported checkpoints catch a rewrite of the
//! checkpoint table too.

use std::{collections::BTreeMap, fmt};

use ed25519_dalek::{Signer, Verifier};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool};

use crate::store::{
    Engine,
    audit::{self as rows, AuditRecord, CheckpointRow},
};

/// The "previous hash" of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const RECORD_DOMAIN: &[u8] = b"padan-audit-record-v1\0";
const CHECKPOINT_DOMAIN: &[u8] = b"padan-audit-checkpoint-v1\0";

fn put_str(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

fn put_opt_str(h: &mut Sha256, s: Option<&str>) {
    match s {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            put_str(h, s);
        }
    }
}

/// A record's fields, borrowed: what the hash covers. Verification hashes
/// rows straight from the database without copying them.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    pub at: i64,
    pub request_id: &'a str,
    pub event: &'a str,
    pub officer_id: Option<i64>,
    pub username: Option<&'a str>,
    pub office_code: Option<&'a str>,
    pub role: Option<&'a str>,
    pub client: &'a str,
    pub mechanism: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub nik_token: Option<&'a str>,
    pub outcome: &'a str,
    pub verdicts: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> From<&'a AuditRecord> for RecordRef<'a> {
    fn from(r: &'a AuditRecord) -> Self {
        Self {
            at: r.at,
            request_id: &r.request_id,
            event: &r.event,
            officer_id: r.officer_id,
            username: r.username.as_deref(),
            office_code: r.office_code.as_deref(),
            role: r.role.as_deref(),
            client: &r.client,
            mechanism: r.mechanism.as_deref(),
            purpose: r.purpose.as_deref(),
            nik_token: r.nik_token.as_deref(),
            outcome: &r.outcome,
            verdicts: r.verdicts.as_deref(),
            detail: r.detail.as_deref(),
        }
    }
}

/// The hash of record `seq` whose predecessor's hash is `prev_hash`.
pub fn record_hash(seq: i64, prev_hash: &str, r: &AuditRecord) -> [u8; 32] {
    hash_ref(seq, prev_hash, &RecordRef::from(r))
}

pub fn hash_ref(seq: i64, prev_hash: &str, r: &RecordRef<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(RECORD_DOMAIN);
    h.update(seq.to_be_bytes());
    put_str(&mut h, prev_hash);
    h.update(r.at.to_be_bytes());
    put_str(&mut h, r.request_id);
    put_str(&mut h, r.event);
    match r.officer_id {
        None => h.update([0u8]),
        Some(id) => {
            h.update([1u8]);
            h.update(id.to_be_bytes());
        }
    }
    put_opt_str(&mut h, r.username);
    put_opt_str(&mut h, r.office_code);
    put_opt_str(&mut h, r.role);
    put_str(&mut h, r.client);
    put_opt_str(&mut h, r.mechanism);
    put_opt_str(&mut h, r.purpose);
    put_opt_str(&mut h, r.nik_token);
    put_str(&mut h, r.outcome);
    put_opt_str(&mut h, r.verdicts);
    put_opt_str(&mut h, r.detail);
    h.finalize().into()
}

pub fn record_hash_hex(seq: i64, prev_hash: &str, r: &AuditRecord) -> String {
    hex::encode(record_hash(seq, prev_hash, r))
}

fn checkpoint_message(seq: i64, hash: &str, at: i64) -> Vec<u8> {
    let mut m = CHECKPOINT_DOMAIN.to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&at.to_be_bytes());
    m.extend_from_slice(hash.as_bytes());
    m
}

pub fn sign_checkpoint(key: &ed25519_dalek::SigningKey, seq: i64, hash: &str, at: i64) -> CheckpointRow {
    let signature = key.sign(&checkpoint_message(seq, hash, at));
    CheckpointRow {
        seq,
        hash: hash.to_owned(),
        at,
        public_key: hex::encode(key.verifying_key().to_bytes()),
        signature: hex::encode(signature.to_bytes()),
    }
}

/// Why a checkpoint cannot be trusted, if it cannot.
pub fn checkpoint_problem(c: &CheckpointRow, trusted: &[ed25519_dalek::VerifyingKey]) -> Option<String> {
    let Some(key) = crate::audit::settings::parse_public_key(&c.public_key) else {
        return Some("its public key is malformed".into());
    };
    if !trusted.contains(&key) {
        return Some(format!("it is signed by a key that is not trusted ({})", c.public_key));
    }
    let signature = hex::decode(&c.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b));
    match signature {
        Some(s) if key.verify(&checkpoint_message(c.seq, &c.hash, c.at), &s).is_ok() => None,
        _ => Some("its signature does not match its content".into()),
    }
}

/// When to sign a checkpoint, and with what.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointPolicy<'a> {
    pub every: i64,
    pub every_ms: i64,
    pub key: Option<&'a crate::config::Secret>,
}

/// Appends `r` to the chain on `conn`, which must be inside a transaction
/// (the head row stays locked until it commits).
pub async fn append(
    conn: &mut AnyConnection,
    r: &AuditRecord,
    now_ms: i64,
    policy: CheckpointPolicy<'_>,
) -> Result<i64, sqlx::Error> {
    let head = rows::next_seq(conn).await?;
    let hash = record_hash_hex(head.seq, &head.hash, r);
    let id = rows::insert(conn, r, Some((head.seq, &head.hash, &hash))).await?;
    let due = head.seq - head.checkpoint_seq >= policy.every || now_ms - head.checkpoint_at >= policy.every_ms;
    let signer = if due { policy.key.and_then(parse_seed) } else { None };
    if let Some(key) = signer {
        rows::insert_checkpoint(conn, &sign_checkpoint(&key, head.seq, &hash, now_ms)).await?;
        rows::set_head(conn, head.seq, &hash, Some((head.seq, now_ms))).await?;
    }
    Ok(id)
}

fn parse_seed(s: &crate::config::Secret) -> Option<ed25519_dalek::SigningKey> {
    let bytes = hex::decode(s.expose().trim()).ok()?;
    Some(ed25519_dalek::SigningKey::from_bytes(&<[u8; 32]>::try_from(bytes.as_slice()).ok()?))
}

/// Chains records written before the chain existed (only while the chain
/// is still empty: a record slipped in later must stay visible to
/// `verify`, not be legitimised). Returns how many were chained.
pub async fn chain_legacy(pool: &AnyPool) -> Result<u64, sqlx::Error> {
    if rows::head(pool).await?.seq != 0 {
        return Ok(0);
    }
    let mut chained = 0;
    loop {
        let mut tx = pool.begin().await?;
        let head = rows::lock_head(&mut tx).await?;
        let ids = rows::unchained_ids(&mut tx, 500).await?;
        if ids.is_empty() {
            return Ok(chained);
        }
        let (mut seq, mut prev) = (head.seq, head.hash);
        for id in ids {
            let Some(stored) = rows::by_id(&mut tx, id).await? else { continue };
            seq += 1;
            let hash = record_hash_hex(seq, &prev, &stored.record);
            rows::set_chain(&mut tx, id, seq, &prev, &hash).await?;
            prev = hash;
            chained += 1;
        }
        rows::set_head(&mut tx, seq, &prev, None).await?;
        tx.commit().await?;
    }
}

/// The first sign of tampering `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// The record's content no longer matches its hash, or it was replaced.
    Modified { seq: i64, id: i64 },
    /// Records are missing from `seq` on (a gap in the chain).
    Deleted { seq: i64 },
    /// A record that is not part of the chain (`seq` when it claims one).
    Inserted { id: i64, seq: Option<i64> },
    /// A genuine record found at `seq` that was written at `recorded_seq`.
    Reordered { seq: i64, id: i64, recorded_seq: i64 },
    /// The chain ends at `last_seq` but a checkpoint or the head says it
    /// reached `expected_seq`.
    Truncated { last_seq: i64, expected_seq: i64 },
    /// The chain is internally consistent but disagrees with a signed
    /// checkpoint: records in `from_seq..=to_seq` were rewritten and the
    /// chain recomputed.
    Rewritten { from_seq: i64, to_seq: i64 },
    /// A checkpoint that is not genuine.
    BadCheckpoint { seq: i64, reason: String },
}

impl Tamper {
    /// The position in the chain where it shows, for "which comes first".
    fn seq(&self) -> i64 {
        match self {
            Tamper::Modified { seq, .. }
            | Tamper::Deleted { seq }
            | Tamper::Reordered { seq, .. }
            | Tamper::BadCheckpoint { seq, .. } => *seq,
            Tamper::Inserted { seq, .. } => seq.unwrap_or(i64::MAX),
            Tamper::Truncated { last_seq, .. } => last_seq + 1,
            Tamper::Rewritten { to_seq, .. } => *to_seq,
        }
    }
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tamper::Modified { seq, id } => write!(f, "record seq {seq} (id {id}) was modified"),
            Tamper::Deleted { seq } => write!(f, "record seq {seq} was deleted (the chain skips it)"),
            Tamper::Inserted { id, seq: Some(seq) } => {
                write!(f, "record id {id} was inserted (it claims seq {seq}, which the chain already has)")
            }
            Tamper::Inserted { id, seq: None } => {
                write!(f, "record id {id} was inserted outside the chain (or written while audit.chain was off)")
            }
            Tamper::Reordered { seq, id, recorded_seq } => {
                write!(f, "record id {id} was moved: it is at seq {seq} but was written at seq {recorded_seq}")
            }
            Tamper::Truncated { last_seq, expected_seq } => {
                write!(f, "records after seq {last_seq} were deleted (the trail reached seq {expected_seq})")
            }
            Tamper::Rewritten { from_seq, to_seq } => write!(
                f,
                "the chain was rewritten: records seq {from_seq}..={to_seq} differ from the signed checkpoint at seq {to_seq}"
            ),
            Tamper::BadCheckpoint { seq, reason } => write!(f, "checkpoint at seq {seq} is not genuine: {reason}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Chained records checked.
    pub records: u64,
    /// Hash of the last record checked.
    pub head: String,
    pub checkpoints: u64,
    pub tamper: Option<Tamper>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tamper {
            None => write!(f, "OK, {} records, head {}", self.records, self.head),
            Some(t) => write!(f, "TAMPERED: {t} ({} records verified before it)", self.records),
        }
    }
}

/// The checks of one walk along the chain, whatever the row source.
struct Walker<'k> {
    checkpoints: BTreeMap<i64, Vec<CheckpointRow>>,
    first_bad_checkpoint: Option<Tamper>,
    head: rows::Head,
    expected: i64,
    prev: String,
    prev_id: i64,
    last_good_checkpoint: i64,
    beyond_head: Option<i64>,
    computed: [u8; 64],
    _trusted: std::marker::PhantomData<&'k ()>,
}

impl Walker<'_> {
    fn new(
        head: rows::Head,
        stored: Vec<CheckpointRow>,
        exported: &[CheckpointRow],
        trusted: &[ed25519_dalek::VerifyingKey],
    ) -> Self {
        let mut checkpoints: BTreeMap<i64, Vec<CheckpointRow>> = BTreeMap::new();
        for c in stored.into_iter().chain(exported.iter().cloned()) {
            checkpoints.entry(c.seq).or_default().push(c);
        }
        let first_bad_checkpoint = checkpoints.iter().find_map(|(seq, cs)| {
            cs.iter()
                .find_map(|c| checkpoint_problem(c, trusted))
                .map(|reason| Tamper::BadCheckpoint { seq: *seq, reason })
        });
        Self {
            checkpoints,
            first_bad_checkpoint,
            head,
            expected: 1,
            prev: GENESIS.to_owned(),
            prev_id: 0,
            last_good_checkpoint: 0,
            beyond_head: None,
            computed: [0u8; 64],
            _trusted: std::marker::PhantomData,
        }
    }

    /// Checks the next row in `seq` order; `Some` ends the walk.
    fn step(
        &mut self,
        id: i64,
        seq: Option<i64>,
        prev_hash: Option<&str>,
        hash: Option<&str>,
        r: &RecordRef<'_>,
    ) -> Option<Tamper> {
        let (Some(seq), Some(prev_hash), Some(hash)) = (seq, prev_hash, hash) else {
            return Some(Tamper::Modified { seq: seq.unwrap_or(self.expected), id });
        };
        if seq < self.expected {
            return Some(Tamper::Inserted { id, seq: Some(seq) });
        }
        if seq > self.expected {
            return Some(Tamper::Deleted { seq: self.expected });
        }
        let digest = hash_ref(seq, prev_hash, r);
        if hex::encode_to_slice(digest, &mut self.computed).is_err() || self.computed.as_slice() != hash.as_bytes() {
            // A genuine record written elsewhere in the chain hashes right
            // with its original seq.
            let moved_from = (seq.saturating_sub(64).max(1)..=seq.saturating_add(64))
                .filter(|q| *q != seq)
                .find(|q| hex::encode(hash_ref(*q, prev_hash, r)) == hash);
            return Some(match moved_from {
                Some(recorded_seq) => Tamper::Reordered { seq, id, recorded_seq },
                None => Tamper::Modified { seq, id },
            });
        }
        if prev_hash != self.prev {
            // This record is intact, so the one before it was replaced by
            // one with a recomputed hash.
            return Some(if seq == 1 {
                Tamper::Modified { seq, id }
            } else {
                Tamper::Modified { seq: seq - 1, id: self.prev_id }
            });
        }
        if let Some(cs) = self.checkpoints.get(&seq) {
            if cs.iter().any(|c| c.hash != hash) {
                return Some(Tamper::Rewritten { from_seq: self.last_good_checkpoint + 1, to_seq: seq });
            }
            self.last_good_checkpoint = seq;
        }
        if seq == self.head.seq + 1 {
            self.beyond_head = Some(id);
        }
        self.prev.clear();
        self.prev.push_str(hash);
        self.prev_id = id;
        self.expected += 1;
        None
    }

    /// After the last row: the tail, the head, and rows outside the chain
    /// (`first_unchained`).
    fn finish(self, found: Option<Tamper>, first_unchained: Option<i64>) -> Report {
        let last = self.expected - 1;
        let found = found.or_else(|| {
            if let Some((&cp_seq, _)) = self.checkpoints.range(last + 1..).next() {
                Some(Tamper::Truncated { last_seq: last, expected_seq: cp_seq })
            } else if self.head.seq > last {
                Some(Tamper::Truncated { last_seq: last, expected_seq: self.head.seq })
            } else if let (true, Some(id)) = (self.head.seq < last, self.beyond_head) {
                Some(Tamper::Inserted { id, seq: Some(self.head.seq + 1) })
            } else {
                first_unchained.map(|id| Tamper::Inserted { id, seq: None })
            }
        });
        let tamper = match (found, self.first_bad_checkpoint) {
            (Some(a), Some(b)) => Some(if b.seq() < a.seq() { b } else { a }),
            (a, b) => a.or(b),
        };
        Report { records: last as u64, head: self.prev, checkpoints: self.checkpoints.len() as u64, tamper }
    }
}

/// Walks the whole chain in one consistent snapshot, streaming, and checks
/// it against the stored checkpoints and `exported` ones (from
/// `export-checkpoints`), whose signatures must verify under `trusted`.
pub async fn verify(
    pool: &AnyPool,
    engine: Engine,
    trusted: &[ed25519_dalek::VerifyingKey],
    exported: &[CheckpointRow],
) -> Result<Report, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if engine == Engine::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    }
    let head = rows::head_in(&mut tx).await?;
    let stored = rows::checkpoints_in(&mut tx).await?;
    let mut walker = Walker::new(head, stored, exported, trusted);
    let mut found = None;
    {
        let sql = rows::chain_walk_sql();
        let mut stream = sqlx::query(&sql).fetch(&mut *tx);
        while let Some(row) = stream.try_next().await? {
            let r = rows::stored(&row)?;
            found = walker.step(r.id, r.seq, r.prev_hash.as_deref(), r.hash.as_deref(), &RecordRef::from(&r.record));
            if found.is_some() {
                break;
            }
        }
    }
    let unchained = if found.is_none() { rows::unchained_ids(&mut tx, 1).await?.first().copied() } else { None };
    Ok(walker.finish(found, unchained))
}

/// [`verify`] for a SQLite file, read in place: the same checks, but each
/// row's text is hashed where SQLite holds it instead of being copied into
/// owned values first (about three times as fast on a million records).
/// `padan audit verify` uses it; blocking.
///
/// Appends take the head lock before inserting, so record ids grow with
/// `seq`: the first pass walks in id order (a sequential scan of the
/// table, not an index walk). Only when that pass finds something wrong
/// does a second pass walk in `seq` order, to name the first problem
/// exactly as [`verify`] does.
pub fn verify_sqlite_file(
    path: &std::path::Path,
    trusted: &[ed25519_dalek::VerifyingKey],
    exported: &[CheckpointRow],
) -> Result<Report, rusqlite::Error> {
    let fast = walk_sqlite_file(path, trusted, exported, &rows::chain_walk_by_id_sql())?;
    if fast.tamper.is_none() {
        return Ok(fast);
    }
    walk_sqlite_file(path, trusted, exported, &rows::chain_walk_sql())
}

fn walk_sqlite_file(
    path: &std::path::Path,
    trusted: &[ed25519_dalek::VerifyingKey],
    exported: &[CheckpointRow],
    walk_sql: &str,
) -> Result<Report, rusqlite::Error> {
    use rusqlite::{OpenFlags, Row, types::ValueRef};

    fn opt_text<'r>(row: &'r Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
        match row.get_ref(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes).map(Some).map_err(rusqlite::Error::Utf8Error),
            other => Err(rusqlite::Error::InvalidColumnType(i, format!("column {i}"), other.data_type())),
        }
    }
    fn text<'r>(row: &'r Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
        opt_text(row, i)?.ok_or(rusqlite::Error::InvalidColumnType(
            i,
            format!("column {i}"),
            rusqlite::types::Type::Null,
        ))
    }

    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // One read transaction: one consistent snapshot, however busy the server.
    conn.execute_batch("BEGIN")?;
    let head =
        conn.query_row("SELECT seq, hash, checkpoint_seq, checkpoint_at FROM audit_head WHERE id = 1", [], |r| {
            Ok(rows::Head { seq: r.get(0)?, hash: r.get(1)?, checkpoint_seq: r.get(2)?, checkpoint_at: r.get(3)? })
        })?;
    let stored = conn
        .prepare("SELECT seq, hash, at, public_key, signature FROM audit_checkpoints ORDER BY seq")?
        .query_map([], |r| {
            Ok(CheckpointRow {
                seq: r.get(0)?,
                hash: r.get(1)?,
                at: r.get(2)?,
                public_key: r.get(3)?,
                signature: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut walker = Walker::new(head, stored, exported, trusted);
    let mut found = None;
    {
        let mut statement = conn.prepare(walk_sql)?;
        let mut rows_ = statement.query([])?;
        while let Some(row) = rows_.next()? {
            let r = RecordRef {
                at: row.get(4)?,
                request_id: text(row, 5)?,
                event: text(row, 6)?,
                officer_id: row.get(7)?,
                username: opt_text(row, 8)?,
                office_code: opt_text(row, 9)?,
                role: opt_text(row, 10)?,
                client: text(row, 11)?,
                mechanism: opt_text(row, 12)?,
                purpose: opt_text(row, 13)?,
                nik_token: opt_text(row, 14)?,
                outcome: text(row, 15)?,
                verdicts: opt_text(row, 16)?,
                detail: opt_text(row, 17)?,
            };
            found = walker.step(row.get(0)?, row.get(1)?, opt_text(row, 2)?, opt_text(row, 3)?, &r);
            if found.is_some() {
                break;
            }
        }
    }
    let unchained = if found.is_none() {
        let mut statement = conn.prepare("SELECT id FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT 1")?;
        let mut q = statement.query([])?;
        q.next()?.map(|r| r.get::<_, i64>(0)).transpose()?
    } else {
        None
    };
    Ok(walker.finish(found, unchained))
}

/// Where a batch of records goes in the chain: computed in memory from
/// the locked head, then written by whichever engine holds the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPlan {
    /// `(seq, prev_hash, hash)` of each record, in order.
    pub links: Vec<(i64, String, String)>,
    /// Checkpoints signed inside the batch.
    pub checkpoints: Vec<CheckpointRow>,
    /// The new head: seq, hash, and the last checkpoint when one was signed.
    pub seq: i64,
    pub hash: String,
    pub checkpoint: Option<(i64, i64)>,
}

/// Chains `records` after `head`, signing a checkpoint wherever the policy
/// says one is due (the same rule as [`append`]).
pub fn plan_batch<'r>(
    head: &rows::Head,
    records: impl IntoIterator<Item = &'r AuditRecord>,
    now_ms: i64,
    every: i64,
    every_ms: i64,
    signer: Option<&ed25519_dalek::SigningKey>,
) -> BatchPlan {
    let (mut seq, mut prev) = (head.seq, head.hash.clone());
    let mut last_checkpoint = (head.checkpoint_seq, head.checkpoint_at);
    let (mut links, mut checkpoints, mut moved) = (Vec::new(), Vec::new(), None);
    for r in records {
        seq += 1;
        let hash = record_hash_hex(seq, &prev, r);
        if let Some(key) = signer {
            if seq - last_checkpoint.0 >= every || now_ms - last_checkpoint.1 >= every_ms {
                checkpoints.push(sign_checkpoint(key, seq, &hash, now_ms));
                last_checkpoint = (seq, now_ms);
                moved = Some(last_checkpoint);
            }
        }
        links.push((seq, std::mem::replace(&mut prev, hash.clone()), hash));
    }
    BatchPlan { links, checkpoints, seq, hash: prev, checkpoint: moved }
}

/// Appends many records in the caller's transaction with one head update
/// (bulk loads: `padan-bench-data audit-trail`). Same hashing and
/// checkpoint rule as [`append`].
pub async fn append_many(
    conn: &mut AnyConnection,
    records: &[AuditRecord],
    now_ms: i64,
    policy: CheckpointPolicy<'_>,
) -> Result<(), sqlx::Error> {
    let head = rows::lock_head(conn).await?;
    let signer = policy.key.and_then(parse_seed);
    let plan = plan_batch(&head, records, now_ms, policy.every, policy.every_ms, signer.as_ref());
    for (r, (seq, prev, hash)) in records.iter().zip(&plan.links) {
        rows::insert(conn, r, Some((*seq, prev, hash))).await?;
    }
    for c in &plan.checkpoints {
        rows::insert_checkpoint(conn, c).await?;
    }
    rows::set_head(conn, plan.seq, &plan.hash, plan.checkpoint).await
}
