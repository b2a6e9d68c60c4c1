//! The SIASN registry import's reader and row checks
//! (`padan_backend::services::registry_csv`), on any file an admin uploads.
//!
//! Input: the file's bytes.
//! Properties: never panics and ends; records come with increasing line
//! numbers after the header's line 1 (strictly, unless a lone CR, which
//! ends a record but not a line, is in the input), and a refused record
//! has no fields; an accepted row holds a valid 16-digit NIK and 18-digit NIP
//! that agree, and codes from Padan's lists; the records written back with
//! the `csv` crate (every field quoted, the detected separator) read back to
//! the same header and fields.

#![no_main]

use libfuzzer_sys::fuzz_target;
use padan_backend::services::registry_csv::{Columns, CsvReader, KEDUDUKAN_HUKUM, STATUS_KEPEGAWAIAN, check_row};
use padan_protocol::validate::{nik_agrees_with_nip, parse_nik, parse_nip};

type Parsed = (u8, Vec<String>, Vec<(u64, Vec<String>)>);

/// Every record the reader hands out: separator, header, (line, fields) of
/// the well-quoted ones; checks the line numbers on the way.
fn read_all(data: &[u8]) -> Option<Parsed> {
    let (mut reader, header) = CsvReader::open(data).expect("reading from memory cannot fail")?;
    let mut fields = Vec::new();
    let mut records = Vec::new();
    let mut last_line = 1;
    let columns = Columns::find(&header).ok();
    while let Some((line, split)) = reader.next_record(&mut fields).expect("reading from memory cannot fail") {
        let lone_cr = data.contains(&b'\r');
        assert!(line > last_line || (lone_cr && line == last_line), "line {line} after line {last_line}");
        last_line = line;
        if split.is_err() {
            assert!(fields.is_empty(), "a refused record has no fields");
            continue;
        }
        if let Some(Ok(row)) = columns.as_ref().map(|c| check_row(c, &fields)) {
            let (nik, nip) = (parse_nik(&row.nik).expect("a valid NIK"), parse_nip(&row.nip).expect("a valid NIP"));
            assert!(row.nik.len() == 16 && row.nip.len() == 18);
            assert!(nik_agrees_with_nip(&nik, &nip).is_ok());
            assert!(STATUS_KEPEGAWAIAN.contains(&row.status_kepegawaian));
            assert!(KEDUDUKAN_HUKUM.contains(&row.kedudukan_hukum));
            assert!(!row.nama.is_empty() && !row.instansi.is_empty());
        }
        records.push((line, fields.clone()));
    }
    Some((reader.separator(), header, records))
}

fuzz_target!(|data: &[u8]| {
    let Some((sep, header, records)) = read_all(data) else { return };
    // With one header field the separator is a guess the rewrite cannot
    // reproduce; a header field with a line break would move every line.
    // (Doubled quotes could push a record of a long input over the limit.)
    if data.len() > 16 * 1024 || header.len() < 2 || header.iter().any(|h| h.contains(['\n', '\r'])) {
        return;
    }
    let mut writer = csv::WriterBuilder::new()
        .delimiter(sep)
        .quote_style(csv::QuoteStyle::Always)
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(&header).expect("writing to memory");
    for (_, fields) in &records {
        writer.write_record(fields).expect("writing to memory");
    }
    let again = writer.into_inner().expect("writing to memory");
    let (sep2, header2, records2) = read_all(&again).expect("the rewrite has a header");
    assert_eq!(sep2, sep, "separator");
    assert_eq!(header2, header, "header");
    let fields = |r: &[(u64, Vec<String>)]| r.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
    assert_eq!(fields(&records2), fields(&records), "records");
});
