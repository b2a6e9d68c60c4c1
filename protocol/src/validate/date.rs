use std::fmt;

/// A calendar date without time zone (birth dates, TMT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// A date whose century is unknown, as encoded in NIK and KK (`DDMMYY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year_2digit: u8,
    pub month: u8,
    pub day: u8,
}

pub(crate) fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl CivilDate {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || u32::from(day) > days_in_month(year.into(), month.into()) {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// Parses `yyyy-mm-dd` (ISO, what `<input type=date>` gives),
    /// `dd-mm-yyyy` and `dd.mm.yyyy` (what Dukcapil integrators send).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() != 10 {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            super::all_digits(part).then(|| super::num(part))
        };
        let (y, m, d) = if b[4] == b'-' && b[7] == b'-' {
            (digits(0..4)?, digits(5..7)?, digits(8..10)?)
        } else if (b[2] == b'-' && b[5] == b'-') || (b[2] == b'.' && b[5] == b'.') {
            (digits(6..10)?, digits(3..5)?, digits(0..2)?)
        } else {
            return None;
        };
        Self::new(y as u16, m as u8, d as u8)
    }

    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `dd-mm-yyyy`, the format most Dukcapil clients send.
    pub fn dmy(&self, sep: char) -> String {
        format!("{:02}{sep}{:02}{sep}{:04}", self.day, self.month, self.year)
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl PartialDate {
    /// Valid in at least one of the two centuries a living person's
    /// registration can fall in (19yy or 20yy): 29 February needs `yy % 4 == 0`.
    pub(crate) fn new(year_2digit: u8, month: u8, day: u8) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let max = days_in_month(2000 + u32::from(year_2digit), month.into())
            .max(days_in_month(1900 + u32::from(year_2digit), month.into()));
        (u32::from(day) <= max).then_some(Self { year_2digit, month, day })
    }
}
