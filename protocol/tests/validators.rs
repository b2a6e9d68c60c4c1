//! Table and property tests for the shared NIK / KK / NIP validators.

use padan_protocol::validate::*;
use proptest::prelude::*;

#[test]
fn nik_table() {
    let cases: &[(&str, Result<(), NikError>)] = &[
        ("3171015501900001", Ok(())),   // woman born 15-01-1990, Jakarta Selatan
        (" 3273011203850123 ", Ok(())), // surrounding space is ignored
        ("", Err(NikError::Empty)),
        ("317101550190000", Err(NikError::Length { got: 15 })),
        ("31710155019000011", Err(NikError::Length { got: 17 })),
        ("31710155019O0001", Err(NikError::NotDigits)),
        ("3171-01550190001", Err(NikError::NotDigits)),
        ("2071015501900001", Err(NikError::UnknownProvince { code: 20 })),
        ("9971015501900001", Err(NikError::UnknownProvince { code: 99 })),
        ("3100015501900001", Err(NikError::ZeroRegion)),
        ("3171005501900001", Err(NikError::ZeroRegion)),
        ("3171013201900001", Err(NikError::InvalidBirthDate)), // day 32
        ("3171017201900001", Err(NikError::InvalidBirthDate)), // day 72 (=32 for a woman)
        ("3171014001900001", Err(NikError::InvalidBirthDate)), // day 40 (=0 for a woman)
        ("3171010013900001", Err(NikError::InvalidBirthDate)), // day 0
        ("3171011513900001", Err(NikError::InvalidBirthDate)), // month 13
        ("3171013102900001", Err(NikError::InvalidBirthDate)), // 31 February
        ("3171012902010001", Err(NikError::InvalidBirthDate)), // 29-02-(19|20)01
        ("3171012902000001", Ok(())),                          // 29-02-2000
        ("3171016902960001", Ok(())),                          // woman, 29-02-1996
        ("3171011501900000", Err(NikError::ZeroSerial)),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_nik(input).map(|_| ()), *expected, "input {input:?}");
    }
}

#[test]
fn nik_decodes_sex_and_birth_date() {
    let nik = parse_nik("3171015501900001").unwrap();
    assert_eq!(nik.sex, Sex::Female);
    assert_eq!((nik.birth_date.day, nik.birth_date.month, nik.birth_date.year_2digit), (15, 1, 90));
    assert_eq!(nik.regency_code(), 3171);
    let nik = parse_nik("3273011203850123").unwrap();
    assert_eq!(nik.sex, Sex::Male);
    assert_eq!(nik.serial, 123);
    // Debug never prints the number.
    assert!(!format!("{nik:?}").contains("3273011203850123"));
}

#[test]
fn kk_table() {
    assert!(parse_kk("3171010101150003").is_ok());
    assert_eq!(parse_kk("").map(|_| ()), Err(KkError::Empty));
    assert_eq!(parse_kk("31710101011500").map(|_| ()), Err(KkError::Length { got: 14 }));
    assert_eq!(parse_kk("0071010101150003").map(|_| ()), Err(KkError::UnknownProvince { code: 0 }));
    assert_eq!(parse_kk("3171013201150003").map(|_| ()), Err(KkError::InvalidDate));
    assert_eq!(parse_kk("31710101x1150003").map(|_| ()), Err(KkError::NotDigits));
}

#[test]
fn nip_table() {
    let pns = parse_nip("199001152015031002").unwrap();
    assert_eq!(pns.kind, NipKind::Pns { tmt_year: 2015, tmt_month: 3 });
    assert_eq!(pns.sex, Sex::Male);
    assert_eq!(pns.birth_date, CivilDate::new(1990, 1, 15).unwrap());
    let pppk = parse_nip("198506302021212005").unwrap();
    assert_eq!(pppk.kind, NipKind::Pppk { tmt_year: 2021 });
    assert_eq!(pppk.sex, Sex::Female);
    let cases: &[(&str, NipError)] = &[
        ("", NipError::Empty),
        ("19900115201503100", NipError::Length { got: 17 }),
        ("19900115201503100a", NipError::NotDigits),
        ("199013152015031002", NipError::InvalidBirthDate),
        ("199002302015031002", NipError::InvalidBirthDate),
        ("199001152015131002", NipError::InvalidTmt),
        ("199001152015001002", NipError::InvalidTmt),
        ("199001151985031002", NipError::TmtBeforeBirth),
        ("199001152015033002", NipError::InvalidSex),
        ("199001152015031000", NipError::ZeroSerial),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_nip(input).as_ref().err(), Some(expected), "input {input:?}");
    }
}

#[test]
fn nik_and_nip_cross_check() {
    let nik = parse_nik("3171015501900001").unwrap(); // woman, 15-01-1990
    let same = parse_nip("199001152015032001").unwrap();
    assert_eq!(nik_agrees_with_nip(&nik, &same), Ok(()));
    let wrong_sex = parse_nip("199001152015031001").unwrap();
    assert_eq!(nik_agrees_with_nip(&nik, &wrong_sex), Err(Mismatch::Sex));
    let wrong_date = parse_nip("199001162015032001").unwrap();
    assert_eq!(nik_agrees_with_nip(&nik, &wrong_date), Err(Mismatch::BirthDate));
    let claims = nik_agrees_with_claims(&nik, CivilDate::parse("16-01-1990"), Some(Sex::Male));
    assert_eq!(claims, vec![Mismatch::BirthDate, Mismatch::Sex]);
    assert!(nik_agrees_with_claims(&nik, CivilDate::parse("1990-01-15"), Some(Sex::Female)).is_empty());
}

#[test]
fn civil_date_formats() {
    let d = CivilDate::new(1990, 1, 15).unwrap();
    for s in ["1990-01-15", "15-01-1990", "15.01.1990", " 15-01-1990 "] {
        assert_eq!(CivilDate::parse(s), Some(d), "{s}");
    }
    for s in ["1990/01/15", "15-13-1990", "1990-02-30", "90-01-15", ""] {
        assert_eq!(CivilDate::parse(s), None, "{s}");
    }
    assert_eq!(d.dmy('-'), "15-01-1990");
}

fn province() -> impl Strategy<Value = u8> {
    prop::sample::select(PROVINCES.iter().map(|(c, _)| *c).collect::<Vec<_>>())
}

proptest! {
    /// Any NIK assembled from valid parts parses back to those parts.
    #[test]
    fn nik_roundtrip(p in province(), kab in 1u8..=99, kec in 1u8..=99,
                     year in 1940u16..2010, month in 1u8..=12, day in 1u8..=28,
                     female: bool, serial in 1u16..=9999) {
        let dd = if female { day + 40 } else { day };
        let s = format!("{p:02}{kab:02}{kec:02}{dd:02}{month:02}{:02}{serial:04}", year % 100);
        let nik = parse_nik(&s).unwrap();
        prop_assert_eq!(nik.as_str(), s.as_str());
        prop_assert_eq!(nik.sex, if female { Sex::Female } else { Sex::Male });
        prop_assert_eq!((nik.birth_date.day, nik.birth_date.month), (day, month));
        let birth = CivilDate::new(year, month, day).unwrap();
        let sex = if female { Sex::Female } else { Sex::Male };
        prop_assert!(nik_agrees_with_claims(&nik, Some(birth), Some(sex)).is_empty());
    }

    /// The validators never panic, whatever they are given.
    #[test]
    fn never_panics(s in "\\PC{0,24}") {
        let _ = parse_nik(&s);
        let _ = parse_kk(&s);
        let _ = parse_nip(&s);
        let _ = CivilDate::parse(&s);
    }

    /// A NIP built from valid parts is accepted and its birth date agrees.
    #[test]
    fn nip_roundtrip(year in 1950u16..2005, month in 1u8..=12, day in 1u8..=28,
                     tmt_off in 18u16..40, tmt_month in 1u8..=12, female: bool, serial in 1u16..=999) {
        let s = format!("{year:04}{month:02}{day:02}{:04}{tmt_month:02}{}{serial:03}",
                        year + tmt_off, if female { 2 } else { 1 });
        let nip = parse_nip(&s).unwrap();
        prop_assert_eq!(nip.birth_date, CivilDate::new(year, month, day).unwrap());
    }
}

#[test]
fn shape_messages_name_the_number() {
    let (nik, kk, nip) = (NikError::Length { got: 3 }, KkError::Length { got: 3 }, NipError::Length { got: 3 });
    let got = [
        NikError::Empty.message_id(),
        nik.message_id(),
        NikError::NotDigits.message_id(),
        NikError::Empty.message_en(),
        nik.message_en(),
        NikError::NotDigits.message_en(),
        KkError::Empty.message_id(),
        kk.message_id(),
        KkError::NotDigits.message_id(),
        KkError::Empty.message_en(),
        kk.message_en(),
        KkError::NotDigits.message_en(),
        NipError::Empty.message_id(),
        nip.message_id(),
        NipError::NotDigits.message_id(),
        NipError::Empty.message_en(),
        nip.message_en(),
        NipError::NotDigits.message_en(),
    ];
    let want = [
        "NIK wajib diisi.",
        "NIK harus 16 digit (sekarang 3).",
        "NIK hanya boleh berisi angka.",
        "NIK is required.",
        "NIK must have 16 digits (has 3).",
        "NIK may contain digits only.",
        "Nomor KK wajib diisi.",
        "Nomor KK harus 16 digit (sekarang 3).",
        "Nomor KK hanya boleh berisi angka.",
        "KK number is required.",
        "KK number must have 16 digits (has 3).",
        "KK number may contain digits only.",
        "NIP wajib diisi.",
        "NIP harus 18 digit (sekarang 3).",
        "NIP hanya boleh berisi angka.",
        "NIP is required.",
        "NIP must have 18 digits (has 3).",
        "NIP may contain digits only.",
    ];
    assert_eq!(got, want);
    assert_eq!(NikError::ZeroRegion.to_string(), "Regency or district code in NIK must not be 00.");
    assert_eq!(parse_kk(" 3100000000000000 "), Err(KkError::ZeroRegion));
    assert_eq!(parse_nik("9901011234560001"), Err(NikError::UnknownProvince { code: 99 }));
}
