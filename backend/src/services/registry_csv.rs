//! Reading a SIASN-style ASN export (see `docs/data-balikan.md`): a
//! streaming CSV reader that accepts what real exports look like (`,` `;`
//! or tab, a UTF-8 byte-order mark, quoted fields with embedded separators,
//! quotes and newlines, CRLF), and the per-row checks of the validation
//! report. Pure: no database, so every variation is unit-tested here.

use std::io::{self, BufRead};

use padan_protocol::{
    v1::ProblemKind,
    validate::{Mismatch, nik_agrees_with_nip, parse_nik, parse_nip},
};

/// Longest physical record accepted (a quoted field left open would
/// otherwise swallow the rest of the file).
const MAX_RECORD_BYTES: usize = 64 * 1024;

/// Reads one CSV record at a time, reusing its buffers.
pub struct CsvReader<R> {
    inner: R,
    sep: u8,
    /// Line of the file where the next record starts (1-based).
    next_line: u64,
    raw: Vec<u8>,
}

/// No identifiers in logs.
impl<R> std::fmt::Debug for CsvReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReader").finish_non_exhaustive()
    }
}

/// A record: its first line and its fields, or why it could not be split.
pub type Record = (u64, Result<(), &'static str>);

impl<R: BufRead> CsvReader<R> {
    /// Reads the header, detects the separator from it and strips a BOM.
    /// `Ok(None)` for an empty file.
    pub fn open(mut inner: R) -> io::Result<Option<(Self, Vec<String>)>> {
        let mut raw = Vec::new();
        let mut next_line = 1;
        if !read_record(&mut inner, &mut raw, &mut next_line)? {
            return Ok(None);
        }
        if raw.starts_with(b"\xEF\xBB\xBF") {
            raw.drain(..3);
        }
        let sep = detect_separator(&raw);
        let mut header = Vec::new();
        let _ = split(&raw, sep, &mut header);
        for h in &mut header {
            *h = h.trim().to_owned();
        }
        Ok(Some((Self { inner, sep, next_line, raw }, header)))
    }

    pub fn separator(&self) -> u8 {
        self.sep
    }

    /// The next non-blank record into `fields`; `None` at the end.
    pub fn next_record(&mut self, fields: &mut Vec<String>) -> io::Result<Option<Record>> {
        loop {
            let line = self.next_line;
            if !read_record(&mut self.inner, &mut self.raw, &mut self.next_line)? {
                return Ok(None);
            }
            if self.raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            if self.raw.len() > MAX_RECORD_BYTES {
                fields.clear();
                return Ok(Some((line, Err("baris terlalu panjang atau tanda kutip tidak ditutup"))));
            }
            return Ok(Some((line, split(&self.raw, self.sep, fields))));
        }
    }
}

/// One record's bytes (without the line ending), continuing over newlines
/// inside quotes. `false` at the end of the input.
fn read_record(inner: &mut impl BufRead, raw: &mut Vec<u8>, next_line: &mut u64) -> io::Result<bool> {
    raw.clear();
    let mut in_quotes = false;
    loop {
        let start = raw.len();
        let n = inner.read_until(b'\n', raw)?;
        if n == 0 {
            return Ok(!raw.is_empty());
        }
        *next_line += 1;
        for &b in &raw[start..] {
            if b == b'"' {
                in_quotes = !in_quotes;
            }
        }
        if !in_quotes || raw.len() > MAX_RECORD_BYTES {
            while matches!(raw.last(), Some(b'\n' | b'\r')) {
                raw.pop();
            }
            return Ok(true);
        }
    }
}

/// The separator that occurs most often outside quotes in the header.
fn detect_separator(header: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
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

/// Splits a record into fields (RFC 4180 quoting, `""` for a quote).
fn split(raw: &[u8], sep: u8, fields: &mut Vec<String>) -> Result<(), &'static str> {
    fields.clear();
    let mut field = Vec::with_capacity(32);
    let mut i = 0;
    let mut quoted = false;
    let mut after_quote = false;
    let mut ok = Ok(());
    while i < raw.len() {
        let b = raw[i];
        if quoted {
            if b == b'"' {
                if raw.get(i + 1) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                    after_quote = true;
                }
            } else {
                field.push(b);
            }
        } else if b == sep {
            fields.push(String::from_utf8_lossy(&field).into_owned());
            field.clear();
            after_quote = false;
        } else if b == b'"' && field.iter().all(u8::is_ascii_whitespace) && !after_quote {
            field.clear();
            quoted = true;
        } else {
            if after_quote && !b.is_ascii_whitespace() {
                ok = Err("tanda kutip di tengah isian");
            }
            field.push(b);
        }
        i += 1;
    }
    if quoted {
        ok = Err("tanda kutip tidak ditutup");
    }
    fields.push(String::from_utf8_lossy(&field).into_owned());
    ok
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

/// A valid registry row.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryRow {
    pub nik: String,
    pub nip: String,
    pub nama: String,
    pub status_kepegawaian: &'static str,
    pub kedudukan_hukum: &'static str,
    pub instansi: String,
    pub office_code: String,
    pub source_updated: Option<String>,
}

/// Masks the identifiers: rows end up in error paths.
impl std::fmt::Debug for RegistryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryRow")
            .field("status_kepegawaian", &self.status_kepegawaian)
            .field("kedudukan_hukum", &self.kedudukan_hukum)
            .finish_non_exhaustive()
    }
}

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
    }

    #[test]
    fn broken_quotes_are_reported() {
        let (_, _, rows) = read_all(b"A,B\n\"x\"y,2\n");
        assert!(rows[0].1.is_err());
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
