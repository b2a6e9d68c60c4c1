//! The last line of defence before a log line is written: personal fields
//! are dropped and identity-number-shaped digits are masked.
//!
//! Handlers log codes and outcomes, never values (invariant 1); this layer
//! catches what slips through anyway — an NIK in an unmatched URL path, in
//! an upstream error text, in a panic message, a `nama` field someone
//! logged. It wraps the writer of the `fmt` layer, so it sees every event
//! and every span field exactly as they would be written.
//!
//! Masked: every run of 16 or more digits (NIK, KK, NIP…), also when
//! written in groups (`3171 0167 0892 9904`, `3171-0167-…`), and every
//! free-standing run of 10–15 digits. Request ids are 16 hex characters
//! and survive unless all 16 happen to be digits (1 in 1,800).
//! Dropped (JSON output): fields whose names are personal data (`nama*`,
//! `alamat`, `nik`, `no_kk`, `tgl_lhr`, …) at any depth.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

pub const MASK: &str = "[angka-disamarkan]";
pub const DROPPED: &str = "[dihapus]";

/// Field names that are personal data, compared case-insensitively.
const PERSONAL_FIELDS: [&str; 27] = [
    "nik",
    "no_kk",
    "nokk",
    "kk",
    "nama",
    "nama_lgkp",
    "nama_lengkap",
    "nama_lgkp_ibu",
    "nama_lgkp_ayah",
    "full_name",
    "alamat",
    "address",
    "tmpt_lhr",
    "tempat_lahir",
    "tgl_lhr",
    "tanggal_lahir",
    "birth_date",
    "agama",
    "jenis_klmin",
    "status_kawin",
    "stat_hbkel",
    "jenis_pkrjn",
    "anggota_keluarga",
    "foto",
    "photo",
    "password",
    "kata_sandi",
];

pub fn is_personal_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    PERSONAL_FIELDS.contains(&n.as_str()) || n.starts_with("nama_") || n.starts_with("alamat") || n.starts_with("no_rt")
}

/// Masks identity-number-shaped digit runs in free text.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run: digit groups joined by single separators (space, dash, dot).
        let start = i;
        let mut end = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if matches!(chars[j], ' ' | '-' | '.') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                j += 1;
            } else {
                break;
            }
        }
        let alnum = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        let free_standing = !alnum(start.checked_sub(1).and_then(|p| chars.get(p))) && !alnum(chars.get(end));
        if digits >= 16 || (digits >= 10 && free_standing) {
            out.push_str(MASK);
        } else {
            out.extend(&chars[start..end]);
        }
        i = end;
    }
    out
}

/// Drops the values of personal keys written inside free text, as Debug
/// output and JSON bodies do: `nama_lgkp: "BUDI"`, `"NAMA_LGKP":"BUDI"`,
/// `alamat=JL. X`. (A bare name in prose cannot be recognised; handlers
/// never write one.)
pub fn mask_personal_pairs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let word_start = ident(chars[i]) && (i == 0 || !ident(chars[i - 1]));
        if !word_start {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && ident(chars[j]) {
            j += 1;
        }
        let word: String = chars[i..j].iter().collect();
        out.push_str(&word);
        i = j;
        if !is_personal_field(&word) {
            continue;
        }
        // Optional closing quote of the key, spaces, then `:` or `=`.
        let mut k = j;
        while k < chars.len() && matches!(chars[k], '"' | '\\' | '\'' | ' ') {
            k += 1;
        }
        if k >= chars.len() || !matches!(chars[k], ':' | '=') {
            continue;
        }
        k += 1;
        while k < chars.len() && chars[k] == ' ' {
            k += 1;
        }
        out.extend(&chars[j..k]);
        // The value: quoted (up to the closing quote) or a bare token.
        let mut end = k;
        if k < chars.len() && matches!(chars[k], '"' | '\'') {
            let quote = chars[k];
            end = k + 1;
            while end < chars.len() && !(chars[end] == quote && chars[end - 1] != '\\') {
                end += 1;
            }
            end = (end + 1).min(chars.len());
        } else {
            // Bare values (numbers, Display output) end at whitespace too;
            // `tracing` quotes string fields.
            while end < chars.len() && !matches!(chars[end], ',' | '}' | ')' | ']' | ';') && !chars[end].is_whitespace()
            {
                end += 1;
            }
        }
        if end > k {
            out.push_str(DROPPED);
        }
        i = end;
    }
    out
}

/// Both text passes: numbers, then personal key/value pairs.
pub fn mask_text(text: &str) -> String {
    mask_personal_pairs(&mask_numbers(text))
}

fn redact_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let masked = mask_text(s);
            if masked != *s {
                *s = masked;
            }
        }
        Value::Number(n) if n.to_string().len() >= 10 => *value = Value::String(MASK.to_owned()),
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::Object(map) => {
            map.retain(|k, _| !is_personal_field(k));
            map.values_mut().for_each(redact_value);
        }
        _ => {}
    }
}

/// Redacts one written log line (JSON or plain text).
pub fn redact_line(line: &str) -> String {
    let trimmed = line.trim_end_matches('\n');
    if trimmed.starts_with('{') {
        if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(trimmed) {
            redact_value(&mut value);
            return serde_json::to_string(&value).unwrap_or_default() + "\n";
        }
    }
    // Plain text: `key=value` pairs of personal fields lose their value.
    mask_text(line)
}

/// A `MakeWriter` whose writers redact each event before it reaches `inner`.
#[derive(Debug, Clone)]
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter { inner: self.0.make_writer(), buffer: Vec::new() }
    }
}

/// Buffers one event (the `fmt` layer writes each event through one
/// writer) and writes it redacted when dropped or flushed.
#[derive(Debug)]
pub struct RedactingWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    fn emit(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buffer).into_owned();
        self.buffer.clear();
        let redacted: String = text.split_inclusive('\n').map(redact_line).collect();
        self.inner.write_all(redacted.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked() {
        assert_eq!(mask_numbers("nik 3171016708929904 x"), format!("nik {MASK} x"));
        assert_eq!(mask_numbers("/api/v1/x/3171016708929904"), format!("/api/v1/x/{MASK}"));
        assert_eq!(mask_numbers("kk=3171-0167-0892-9904."), format!("kk={MASK}."));
        assert_eq!(mask_numbers("3171 0167 0892 9904"), MASK);
        assert_eq!(mask_numbers("abc3171016708929904def"), format!("abc{MASK}def"));
        assert_eq!(mask_numbers("tel 0812345678901"), format!("tel {MASK}"));
        // Request ids, status codes, times and durations stay.
        for keep in ["9f86d081884c7d65", "status=502", "2026-11-22T03:00:00.123Z", "took 1234 ms", "a1234567890b"] {
            assert_eq!(mask_numbers(keep), keep);
        }
    }

    #[test]
    fn personal_pairs_in_text_lose_their_values() {
        let debug = r#"Person { nik: "x", nama_lgkp: "BUDI SANTOSO", umur: 3 }"#;
        assert_eq!(mask_personal_pairs(debug), format!("Person {{ nik: {DROPPED}, nama_lgkp: {DROPPED}, umur: 3 }}"));
        let body = r#"{"NAMA_LGKP":"SITI \"A\" AMINAH","ALAMAT":"JL. MAWAR, 3","RESPONSE_CODE":"00"}"#;
        let out = mask_personal_pairs(body);
        assert!(!out.contains("SITI") && !out.contains("MAWAR") && out.contains("RESPONSE_CODE"), "{out}");
        assert_eq!(mask_personal_pairs("alamat=\"JL. X\"; kode=1"), format!("alamat={DROPPED}; kode=1"));
        assert_eq!(mask_personal_pairs("nama=BUDI route=/x"), format!("nama={DROPPED} route=/x"));
        assert_eq!(mask_personal_pairs("the nama field"), "the nama field");
    }

    #[test]
    fn json_lines_lose_personal_fields_at_any_depth() {
        let line = r#"{"level":"INFO","fields":{"message":"x 3171016708929904","nama":"BUDI","NAMA_LGKP":"SITI","n":3171016708929904},"span":{"name":"request","alamat":"JL. MAWAR"}}"#;
        let out = redact_line(line);
        for leak in ["BUDI", "SITI", "MAWAR", "3171016708929904"] {
            assert!(!out.contains(leak), "{out}");
        }
        assert!(out.contains("\"name\":\"request\"") && out.contains(MASK), "{out}");
    }

    #[test]
    fn plain_lines_lose_personal_values() {
        let out = redact_line("INFO request: nama=BUDI alamat=\"JL\" route=/x nik=3171016708929904\n");
        assert!(!out.contains("BUDI") && !out.contains("3171016708929904"), "{out}");
        assert!(out.contains("route=/x"), "{out}");
    }
}
