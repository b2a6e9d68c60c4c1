//! Reading a SIASN-style ASN export (see `docs/data-balikan.md`): a
//! streaming reader on the `csv` crate that accepts what real exports look
//! like (`,` `;` or tab, a UTF-8 byte-order mark, quoted fields with
//! embedded separators, quotes and newlines, CRLF), and the per-row checks
//! of the validation report. Pure: no database, so every variation is
//! unit-tested here.

use std::io::{self, BufRead, Cursor, Read};

use padan_protocol::{
    v1::ProblemKind,
    validate::{Mismatch, nik_agrees_with_nip, parse_nik, parse_nip},
};

/// Longest record accepted (a quoted field left open would otherwise
/// swallow the rest of the file).
const MAX_RECORD_BYTES: usize = 64 * 1024;
/// The `csv` reader's own buffer.
const CSV_BUFFER: usize = 8 * 1024;
/// Bytes [`Tap`] holds at most: one record plus what `csv` read ahead. Past
/// it the record is refused and reading stops (memory stays bounded).
const TAP_LIMIT: usize = MAX_RECORD_BYTES + 2 * CSV_BUFFER;
/// Separators tried on the header, in the order ties are broken (the last wins).
const SEPARATORS: [u8; 4] = [b',', b';', b'\t', b'|'];
const TOO_LONG: &str = "baris terlalu panjang atau tanda kutip tidak ditutup";

/// Reads one CSV record at a time, reusing its buffers.
pub struct CsvReader<R> {
    csv: csv::Reader<Tap<io::Chain<Cursor<Vec<u8>>, R>>>,
    sep: u8,
    /// Line of the file where the unread input starts (1-based).
    line: u64,
    record: csv::ByteRecord,
    done: bool,
}

/// No identifiers in logs.
impl<R> std::fmt::Debug for CsvReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReader").finish_non_exhaustive()
    }
}

/// A record: its first line and its fields, or why it could not be split.
pub type Record = (u64, Result<(), &'static str>);

/// Keeps the bytes `csv` reads until the record they belong to was handed
/// out: `csv` says where records are (and splits them), but not which line
/// a record starts on, nor whether its quoting was broken (it is lenient,
/// like Python's), and the validation report needs both.
struct Tap<R> {
    inner: R,
    /// Input from the start of the current record (the first byte is at
    /// stream offset `base`) up to what `csv` has read.
    seen: Vec<u8>,
    base: u64,
    /// Newlines of blank lines dropped from the front of `seen` (`csv`
    /// skips blank lines inside one read: a long run of them must not
    /// count as a long record).
    dropped_newlines: u64,
    overflow: bool,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.seen.len() >= TAP_LIMIT {
            let blank = self.seen.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            self.dropped_newlines += count_newlines(&self.seen[..blank]);
            self.seen.drain(..blank);
            self.base += blank as u64;
        }
        if self.seen.len() >= TAP_LIMIT {
            self.overflow = true;
            return Err(io::Error::other(TOO_LONG));
        }
        let room = buf.len().min(TAP_LIMIT - self.seen.len());
        let n = self.inner.read(&mut buf[..room])?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> CsvReader<R> {
    /// Reads the header, detects the separator from it and strips a BOM.
    /// `Ok(None)` for an empty file.
    pub fn open(mut inner: R) -> io::Result<Option<(Self, Vec<String>)>> {
        // The separator must be known before `csv` starts: sniff it on the
        // first line, then hand that line back to `csv` in front of the rest.
        let mut first = Vec::new();
        (&mut inner).take(MAX_RECORD_BYTES as u64).read_until(b'\n', &mut first)?;
        if first.is_empty() {
            return Ok(None);
        }
        if first.starts_with(b"\xEF\xBB\xBF") {
            first.drain(..3);
        }
        let sep = detect_separator(&first);
        let tap = Tap {
            inner: Cursor::new(first).chain(inner),
            seen: Vec::new(),
            base: 0,
            dropped_newlines: 0,
            overflow: false,
        };
        let csv = csv::ReaderBuilder::new()
            .delimiter(sep)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(tap);
        let mut reader = Self { csv, sep, line: 1, record: csv::ByteRecord::new(), done: false };
        let mut header = Vec::new();
        // The header is the first line: a blank first line is an empty header.
        match reader.read()? {
            Some((1, _)) => header.extend(reader.record.iter().map(|h| String::from_utf8_lossy(h).trim().to_owned())),
            _ => header.push(String::new()),
        }
        Ok(Some((reader, header)))
    }

    pub fn separator(&self) -> u8 {
        self.sep
    }

    /// The next non-blank record into `fields`; `None` at the end.
    pub fn next_record(&mut self, fields: &mut Vec<String>) -> io::Result<Option<Record>> {
        fields.clear();
        let next = self.read()?;
        if let Some((_, Ok(()))) = next {
            fields.extend(self.record.iter().map(|f| String::from_utf8_lossy(f).into_owned()));
        }
        Ok(next)
    }

    /// The next non-blank record into `self.record`, with its first line.
    fn read(&mut self) -> io::Result<Option<Record>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let more = match self.csv.read_byte_record(&mut self.record) {
                Ok(more) => more,
                Err(_) if self.csv.get_ref().overflow => {
                    // An open quote ran on for too long: nothing after it can be trusted.
                    self.done = true;
                    self.record.clear();
                    return Ok(Some((self.line, Err(TOO_LONG))));
                }
                Err(e) => {
                    self.done = true;
                    return Err(match e.into_kind() {
                        csv::ErrorKind::Io(e) => e,
                        other => io::Error::other(format!("{other:?}")),
                    });
                }
            };
            if !more {
                self.done = true;
                return Ok(None);
            }
            let end = self.csv.position().byte();
            let tap = self.csv.get_mut();
            let len = usize::try_from(end.saturating_sub(tap.base)).unwrap_or(usize::MAX).min(tap.seen.len());
            let raw = &tap.seen[..len];
            // `csv` skips blank lines before a record: they still count.
            let leading = raw.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            let line = self.line + tap.dropped_newlines + count_newlines(&raw[..leading]);
            self.line += tap.dropped_newlines + count_newlines(raw);
            tap.dropped_newlines = 0;
            let raw = &raw[leading..];
            let result = if raw.iter().all(u8::is_ascii_whitespace) {
                None
            } else if raw.len() > MAX_RECORD_BYTES {
                Some(Err(TOO_LONG))
            } else {
                Some(quoting(raw, self.sep))
            };
            tap.seen.drain(..len);
            tap.base = end;
            if let Some(result) = result {
                return Ok(Some((line, result)));
            }
        }
    }
}

fn count_newlines(raw: &[u8]) -> u64 {
    raw.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The separator that occurs most often outside quotes on the header line.
/// Counted here rather than by splitting with `csv` and each candidate:
/// `csv` ends a quoted field at its closing quote and takes later quotes
/// literally, so a wrong candidate would count separators inside quotes.
fn detect_separator(header: &[u8]) -> u8 {
    let mut counts = SEPARATORS.map(|sep| (sep, 0usize));
    let mut in_quotes = false;
    for &b in header {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            for c in &mut counts {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts.iter().max_by_key(|c| c.1).filter(|c| c.1 > 0).map_or(b',', |c| c.0)
}

/// What `csv` lets through but an export should not contain (RFC 4180):
/// text after a closing quote (`"x"y`) and a quote never closed. `raw` is
/// one record as read, from its first byte.
fn quoting(raw: &[u8], sep: u8) -> Result<(), &'static str> {
    #[derive(PartialEq)]
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        AfterQuote,
    }
    let mut at = At::FieldStart;
    let mut bytes = raw.iter().peekable();
    while let Some(&b) = bytes.next() {
        at = match at {
            At::Quoted if b == b'"' && bytes.peek() == Some(&&b'"') => {
                bytes.next();
                At::Quoted
            }
            At::Quoted if b == b'"' => At::AfterQuote,
            At::Quoted => At::Quoted,
            _ if b == sep => At::FieldStart,
            At::FieldStart if b == b'"' => At::Quoted,
            At::AfterQuote if b.is_ascii_whitespace() => At::AfterQuote,
            At::AfterQuote => return Err("tanda kutip di tengah isian"),
            _ => At::Unquoted,
        };
    }
    if at == At::Quoted { Err("tanda kutip tidak ditutup") } else { Ok(()) }
}

/// Where each column is in the file's header.
#[derive(Debug, Clone)]
pub struct Columns {
    nik: usize,
    nip: usize,
    nama: usize,
    status: usize,
    kedudukan: usize,
    instansi: usize,
    office: Option<usize>,
    updated: Option<usize>,
    count: usize,
}

/// Accepted header names per column, compared without case, spaces,
/// underscores or dots (documented in `docs/data-balikan.md`).
const NIK: &[&str] = &["nik", "noktp", "nomorindukkependudukan"];
const NIP: &[&str] = &["nip", "nipbaru", "nip18"];
const NAMA: &[&str] = &["nama", "namalengkap", "namapegawai"];
const STATUS: &[&str] = &["statuskepegawaian", "statuscpnspns", "jenispegawai", "status"];
const KEDUDUKAN: &[&str] = &["kedudukanhukum", "kedudukanhukumnama", "kedudukan"];
const INSTANSI: &[&str] = &["instansi", "instansiinduk", "instansiindukname", "namainstansi"];
const OFFICE: &[&str] = &["kanreg", "kantorregional", "kanregid", "office", "officecode", "unitkerja", "satuankerja"];
const UPDATED: &[&str] = &["tglupdate", "lastupdate", "updatedat", "tanggalupdate", "tmtupdate"];

fn norm(h: &str) -> String {
    h.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl Columns {
    /// The column positions, or the names of the missing required columns.
    pub fn find(header: &[String]) -> Result<Self, Vec<&'static str>> {
        let names: Vec<String> = header.iter().map(|h| norm(h)).collect();
        let pos = |aliases: &[&str]| aliases.iter().find_map(|a| names.iter().position(|n| n == a));
        let mut missing = Vec::new();
        let mut need = |aliases: &[&str], label: &'static str| {
            let p = pos(aliases);
            if p.is_none() {
                missing.push(label);
            }
            p.unwrap_or_default()
        };
        let c = Self {
            nik: need(NIK, "NIK"),
            nip: need(NIP, "NIP"),
            nama: need(NAMA, "NAMA"),
            status: need(STATUS, "STATUS_KEPEGAWAIAN"),
            kedudukan: need(KEDUDUKAN, "KEDUDUKAN_HUKUM"),
            instansi: need(INSTANSI, "INSTANSI"),
            office: pos(OFFICE),
            updated: pos(UPDATED),
            count: header.len(),
        };
        if missing.is_empty() { Ok(c) } else { Err(missing) }
    }
}

pub use crate::store::registry::RegistryRow;

/// The status codes Padan stores.
pub const STATUS_KEPEGAWAIAN: [&str; 3] = ["PNS", "CPNS", "PPPK"];
/// The kedudukan hukum codes Padan stores, in the order of their numeric codes `01`–`08`.
pub const KEDUDUKAN_HUKUM: [&str; 8] = [
    "aktif",
    "cltn",
    "tugas_belajar",
    "pemberhentian_sementara",
    "masa_persiapan_pensiun",
    "pensiun",
    "meninggal",
    "diberhentikan",
];

pub fn parse_status(s: &str) -> Option<&'static str> {
    match norm(s).as_str() {
        "pns" | "p" => Some("PNS"),
        "cpns" | "c" => Some("CPNS"),
        "pppk" => Some("PPPK"),
        _ => None,
    }
}

pub fn parse_kedudukan(s: &str) -> Option<&'static str> {
    let n = norm(s);
    if let Ok(code) = n.parse::<usize>() {
        return KEDUDUKAN_HUKUM.get(code.checked_sub(1)?).copied();
    }
    Some(match n.as_str() {
        "aktif" => "aktif",
        "cltn" | "cutidiluartanggungannegara" => "cltn",
        "tugasbelajar" => "tugas_belajar",
        "pemberhentiansementara" => "pemberhentian_sementara",
        "masapersiapanpensiun" | "mpp" => "masa_persiapan_pensiun",
        "pensiun" => "pensiun",
        "meninggal" | "meninggaldunia" | "wafat" => "meninggal",
        "diberhentikan" | "berhenti" | "diberhentikantidakdenganhormat" | "diberhentikandenganhormat" => {
            "diberhentikan"
        }
        _ => return None,
    })
}

/// Excel rounded a long number into scientific notation: digits are gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigitsLost;

/// An identifier as digits: strips an Excel text marker (`'`) and spaces,
/// and recovers scientific notation only when it is exact (every digit
/// written out, as in `3.171015501900001E+15`). `Err` when Excel dropped
/// digits (`3.17101E+15`): they cannot be guessed.
pub fn digits_of(raw: &str, len: usize) -> Result<String, DigitsLost> {
    let s: String = raw.trim().trim_start_matches('\'').chars().filter(|c| !c.is_whitespace()).collect();
    let Some((mantissa, exp)) = s.split_once(['E', 'e']) else { return Ok(s) };
    let Ok(exp) = exp.trim_start_matches('+').parse::<usize>() else { return Ok(s) };
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    if int.len() != 1 || !all_digits(int) || !all_digits_or_empty(frac) {
        return Ok(s);
    }
    if exp + 1 != len || frac.len() != exp {
        return Err(DigitsLost);
    }
    Ok(format!("{int}{frac}"))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn all_digits_or_empty(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks one record; `Err` lists every problem of the row.
pub fn check_row(cols: &Columns, fields: &[String]) -> Result<RegistryRow, Vec<(ProblemKind, String)>> {
    let mut problems = Vec::new();
    if fields.len() != cols.count {
        problems.push((
            ProblemKind::MalformedRow,
            format!("jumlah kolom {} berbeda dengan header ({})", fields.len(), cols.count),
        ));
        return Err(problems);
    }
    let get = |i: usize| fields.get(i).map(|s| s.trim()).unwrap_or_default();
    let mut required = |i: usize, label: &str| {
        let v = get(i);
        if v.is_empty() {
            problems.push((ProblemKind::MissingField, format!("kolom {label} kosong")));
        }
        v
    };
    let (nik_raw, nip_raw, nama) = (required(cols.nik, "NIK"), required(cols.nip, "NIP"), required(cols.nama, "NAMA"));
    let (status_raw, kedudukan_raw) =
        (required(cols.status, "STATUS_KEPEGAWAIAN"), required(cols.kedudukan, "KEDUDUKAN_HUKUM"));
    let instansi = required(cols.instansi, "INSTANSI");
    let nik = match digits_of(nik_raw, 16) {
        Err(DigitsLost) => {
            problems.push((
                ProblemKind::ScientificNotation,
                "NIK tertulis dalam notasi ilmiah (mis. 3.17101E+15) sehingga digitnya hilang; ekspor ulang \
                 dengan kolom NIK berformat teks"
                    .into(),
            ));
            None
        }
        Ok(_) if nik_raw.is_empty() => None,
        Ok(d) => match parse_nik(&d) {
            Ok(n) => Some(n),
            Err(e) => {
                problems.push((ProblemKind::MalformedNik, e.message_id()));
                None
            }
        },
    };
    let nip = match digits_of(nip_raw, 18) {
        Err(DigitsLost) => {
            problems.push((
                ProblemKind::ScientificNotation,
                "NIP tertulis dalam notasi ilmiah sehingga digitnya hilang; ekspor ulang dengan kolom NIP \
                 berformat teks"
                    .into(),
            ));
            None
        }
        Ok(_) if nip_raw.is_empty() => None,
        Ok(d) => match parse_nip(&d) {
            Ok(n) => Some(n),
            Err(e) => {
                problems.push((ProblemKind::MalformedNip, e.message_id()));
                None
            }
        },
    };
    if let (Some(nik), Some(nip)) = (&nik, &nip) {
        match nik_agrees_with_nip(nik, nip) {
            Ok(()) => {}
            Err(Mismatch::BirthDate) => problems.push((
                ProblemKind::NikNipBirthDate,
                "tanggal lahir pada NIK berbeda dengan tanggal lahir pada NIP".into(),
            )),
            Err(Mismatch::Sex) => {
                problems.push((ProblemKind::NikNipSex, "jenis kelamin pada NIK berbeda dengan kode pada NIP".into()))
            }
        }
    }
    let status = parse_status(status_raw);
    if status.is_none() && !status_raw.is_empty() {
        problems.push((
            ProblemKind::UnknownStatusKepegawaian,
            "status kepegawaian tidak dikenal (yang diterima: PNS, CPNS, PPPK)".into(),
        ));
    }
    let kedudukan = parse_kedudukan(kedudukan_raw);
    if kedudukan.is_none() && !kedudukan_raw.is_empty() {
        problems.push((
            ProblemKind::UnknownKedudukanHukum,
            "kedudukan hukum tidak dikenal (lihat daftar kode di docs/data-balikan.md)".into(),
        ));
    }
    match (nik, nip, status, kedudukan) {
        (Some(nik), Some(nip), Some(status), Some(kedudukan)) if problems.is_empty() => Ok(RegistryRow {
            nik: nik.as_str().to_owned(),
            nip: nip.as_str().to_owned(),
            nama: nama.to_owned(),
            status_kepegawaian: status,
            kedudukan_hukum: kedudukan,
            instansi: instansi.to_owned(),
            office_code: cols.office.map(|i| get(i).to_owned()).unwrap_or_default(),
            source_updated: cols.updated.map(|i| get(i).to_owned()).filter(|s| !s.is_empty()),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Result<(), &'static str>, Vec<String>)>;

    fn read_all(text: &[u8]) -> (u8, Vec<String>, Rows) {
        let (mut r, header) = CsvReader::open(text).unwrap().unwrap();
        let mut out = Vec::new();
        let mut fields = Vec::new();
        while let Some((line, ok)) = r.next_record(&mut fields).unwrap() {
            out.push((line, ok, fields.clone()));
        }
        (r.separator(), header, out)
    }

    #[test]
    fn separators_bom_quotes_and_crlf() {
        let (sep, header, rows) =
            read_all(b"\xEF\xBB\xBFNIK;NIP;NAMA\r\n1;2;\"Siti; S.Pd\"\r\n\r\n3;4;\"A \"\"B\"\"\nC\"\r\n");
        assert_eq!(sep, b';');
        assert_eq!(header, ["NIK", "NIP", "NAMA"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].2, ["1", "2", "Siti; S.Pd"]);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[1].2, ["3", "4", "A \"B\"\nC"]);
        assert_eq!(rows[1].0, 4, "the blank line counts");
        let (sep, _, rows) = read_all(b"NIK\tNIP\n1\t2");
        assert_eq!(sep, b'\t');
        assert_eq!(rows[0].2, ["1", "2"]);
        let (sep, _, _) = read_all(b"\"NIK,X\";NIP;NAMA\n");
        assert_eq!(sep, b';', "separators inside quotes do not count");
        // Found by the fuzzer: also not inside a later quoted field.
        let (sep, header, _) = read_all(b"\"NIK\"|\"A;B;C\"\n");
        assert_eq!((sep, &header[..]), (b'|', &["NIK".to_owned(), "A;B;C".to_owned()][..]));
    }

    #[test]
    fn broken_quotes_are_reported() {
        let (_, _, rows) = read_all(b"A,B\n\"x\"y,2\n");
        assert!(rows[0].1.is_err());
    }

    #[test]
    fn open_quotes_and_long_records_are_refused_within_bounds() {
        // A quote left open in the last field: `csv` alone would accept `c`.
        let (_, _, rows) = read_all(b"A,B,C\n1,2,3\na,b,\"c");
        assert_eq!((rows[0].1, rows[1].0), (Ok(()), 3));
        assert_eq!(rows[1].1, Err("tanda kutip tidak ditutup"));
        // One closed but over-long record is refused, the rows after it are read.
        let mut text = format!("A,B\n\"{}\",1\n3,4\n", "x".repeat(MAX_RECORD_BYTES)).into_bytes();
        let (_, _, rows) = read_all(&text);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].0, rows[0].1), (2, Err(TOO_LONG)));
        assert_eq!((rows[1].0, &rows[1].2[..]), (3, &["3".to_owned(), "4".to_owned()][..]));
        // A quote that never closes in a large file: reported once, and the
        // reader does not keep the rest of the file.
        text = b"A,B\n1,2\n\"open,3\n".to_vec();
        text.extend(b"5,6\n".repeat(100_000));
        let (mut reader, _) = CsvReader::open(&text[..]).unwrap().unwrap();
        let mut fields = Vec::new();
        assert_eq!(reader.next_record(&mut fields).unwrap(), Some((2, Ok(()))));
        assert_eq!(reader.next_record(&mut fields).unwrap(), Some((3, Err(TOO_LONG))));
        assert!(reader.csv.get_ref().seen.len() <= TAP_LIMIT);
        assert_eq!(reader.next_record(&mut fields).unwrap(), None);
    }

    #[test]
    fn blank_lines_count_however_many_there_are() {
        let mut text = b"A;B\r\n".to_vec();
        text.extend(b"\r\n".repeat(100_000));
        text.extend(b"1;2\n\n \t \n3;4");
        let (sep, _, rows) = read_all(&text);
        assert_eq!(sep, b';');
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [100_002, 100_005]);
        assert!(rows.iter().all(|r| r.1.is_ok()));
        assert_eq!(rows[1].2, ["3", "4"]);
    }

    #[test]
    fn an_empty_file_and_a_blank_first_line() {
        assert!(CsvReader::open(&b""[..]).unwrap().is_none());
        let (_, header, rows) = read_all(b"\nNIK,NIP\n1,2\n");
        assert_eq!(header, [""], "the header is the first line");
        assert_eq!(rows[0].0, 3);
    }

    #[test]
    fn scientific_notation_is_recovered_only_when_exact() {
        assert_eq!(digits_of("3.17101E+15", 16), Err(DigitsLost));
        assert_eq!(digits_of("3,17101E+15", 16), Err(DigitsLost));
        assert_eq!(digits_of("3.171015501900001E+15", 16), Ok("3171015501900001".into()));
        assert_eq!(digits_of("'3171015501900001", 16), Ok("3171015501900001".into()));
        assert_eq!(digits_of(" 3171 0155 0190 0001 ", 16), Ok("3171015501900001".into()));
        assert_eq!(digits_of("1.99001012020121E+17", 18), Err(DigitsLost));
    }

    #[test]
    fn status_and_kedudukan_codes() {
        assert_eq!(parse_status(" pppk "), Some("PPPK"));
        assert_eq!(parse_status("C"), Some("CPNS"));
        assert_eq!(parse_status("honorer"), None);
        assert_eq!(parse_kedudukan("Tugas Belajar"), Some("tugas_belajar"));
        assert_eq!(parse_kedudukan("MPP"), Some("masa_persiapan_pensiun"));
        assert_eq!(parse_kedudukan("05"), Some("masa_persiapan_pensiun"));
        assert_eq!(parse_kedudukan("09"), None);
        assert_eq!(parse_kedudukan("cuti"), None);
    }

    #[test]
    fn header_aliases_and_missing_columns() {
        let h: Vec<String> =
            ["NIP Baru", "nik", "Nama Lengkap", "status_cpns_pns", "Kedudukan Hukum", "Instansi Induk", "KANREG"]
                .map(String::from)
                .into();
        let c = Columns::find(&h).unwrap();
        assert_eq!((c.nip, c.nik, c.office), (0, 1, Some(6)));
        let missing = Columns::find(&["NIK".to_owned()]).unwrap_err();
        assert!(missing.contains(&"NIP") && missing.contains(&"KEDUDUKAN_HUKUM"), "{missing:?}");
    }

    #[test]
    fn rows_are_checked_against_the_nip() {
        let h: Vec<String> = ["NIK", "NIP", "NAMA", "STATUS", "KEDUDUKAN_HUKUM", "INSTANSI"].map(String::from).into();
        let c = Columns::find(&h).unwrap();
        let row = |nik: &str, nip: &str, status: &str| -> Vec<String> {
            [nik, nip, "Dewi", status, "Aktif", "BKN"].map(String::from).into()
        };
        // Woman born 1992-08-27 (day + 40 in the NIK), PNS TMT 2015-03.
        let ok = check_row(&c, &row("3171016708920001", "199208272015032001", "PNS")).unwrap();
        assert_eq!((ok.status_kepegawaian, ok.kedudukan_hukum), ("PNS", "aktif"));
        let kinds = |r: Result<RegistryRow, Vec<(ProblemKind, String)>>| -> Vec<ProblemKind> {
            r.unwrap_err().into_iter().map(|p| p.0).collect()
        };
        assert_eq!(
            kinds(check_row(&c, &row("3171016708920001", "199208282015032001", "PNS"))),
            [ProblemKind::NikNipBirthDate]
        );
        assert_eq!(
            kinds(check_row(&c, &row("3171012708920001", "199208272015032001", "PNS"))),
            [ProblemKind::NikNipSex]
        );
        assert_eq!(
            kinds(check_row(&c, &row("3.17101E+15", "199208272015032001", "honorer"))),
            [ProblemKind::ScientificNotation, ProblemKind::UnknownStatusKepegawaian]
        );
        assert_eq!(
            kinds(check_row(&c, &row("31710167089200", "1992", "PNS"))),
            [ProblemKind::MalformedNik, ProblemKind::MalformedNip]
        );
        assert_eq!(kinds(check_row(&c, &row("", "199208272015032001", "PNS"))), [ProblemKind::MissingField]);
        assert_eq!(kinds(check_row(&c, &["1".to_owned()])), [ProblemKind::MalformedRow]);
    }
}
