//! Free text officers and admins type (display names, reasons, agreement
//! titles, filters…): which characters it may hold.
//!
//! Refused everywhere: Unicode control characters (C0, DEL, C1; the line
//! and paragraph separators U+2028/U+2029) and the invisible format
//! characters that change how text is *shown* without showing themselves:
//! bidi overrides, embeddings, isolates and marks (U+202A–U+202E,
//! U+2066–U+2069, U+200E/U+200F, U+061C), zero-width spaces and joiners
//! (U+200B–U+200D, U+2060), the BOM (U+FEFF), the soft hyphen, variation
//! selectors, tag characters and the rest of category Cf and of
//! Default_Ignorable_Code_Point. Indonesian text in Latin script needs none
//! of them (ZWJ/ZWNJ only shape Indic and Arabic scripts and emoji), and
//! each can forge what a watermark or an audit screen appears to say, or
//! drive a terminal that shows a log (ESC).
//!
//! Single-line fields refuse tab and line breaks too; multi-line fields
//! (the portal reason) accept a line feed, nothing else.
//!
//! A small hand table rather than a Unicode-tables crate: this crate also
//! builds the SPA's wasm, whose size is budgeted.

use std::{borrow::Cow, fmt};

/// Whether a field may hold line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Names, titles, filters: no tab, no line break.
    Single,
    /// Notes and reasons: line feeds (`\n`) allowed.
    Multi,
}

/// Why a free-text value is refused. Carries the first offending character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// A control character (NUL, ESC, DEL, C1…), or a tab / line break in a
    /// single-line field.
    Control(char),
    /// An invisible format character (bidi override or mark, zero-width
    /// space or joiner, BOM, soft hyphen, variation selector, tag…).
    Format(char),
}

impl TextError {
    /// The offending character as `U+XXXX`.
    pub fn code_point(&self) -> String {
        let (Self::Control(c) | Self::Format(c)) = self;
        format!("U+{:04X}", u32::from(*c))
    }

    pub fn message_id(&self) -> String {
        let cp = self.code_point();
        match self {
            Self::Control(_) => format!(
                "Isian mengandung karakter kendali ({cp}) yang tidak diizinkan, mis. NUL, ESC, tab atau pindah \
                 baris. Hapus karakter itu atau ketik ulang isian."
            ),
            Self::Format(_) => format!(
                "Isian mengandung karakter format tak terlihat ({cp}) yang tidak diizinkan, mis. pembalik arah \
                 teks atau spasi lebar nol. Ketik ulang isian tanpa menyalin-tempel."
            ),
        }
    }

    pub fn message_en(&self) -> String {
        let cp = self.code_point();
        match self {
            Self::Control(_) => format!(
                "Contains a control character ({cp}), e.g. NUL, ESC, tab or a line break, which is not allowed. \
                 Remove it or retype the text."
            ),
            Self::Format(_) => format!(
                "Contains an invisible format character ({cp}), e.g. a right-to-left override or a zero-width \
                 space, which is not allowed. Retype the text instead of pasting it."
            ),
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for TextError {}

/// Control characters: general category Cc, and the line and paragraph
/// separators (Zl, Zp), which break lines like a control does.
pub fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}')
}

/// Invisible format characters: general category Cf and the
/// Default_Ignorable_Code_Point property (Unicode 15.1).
pub fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{600}'..='\u{605}'
            | '\u{61C}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{890}'..='\u{891}'
            | '\u{8E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

fn refused(c: char, lines: Lines) -> Option<TextError> {
    if c == '\n' && lines == Lines::Multi {
        None
    } else if is_control(c) {
        Some(TextError::Control(c))
    } else if is_format(c) {
        Some(TextError::Format(c))
    } else {
        None
    }
}

/// Checks the characters of a free-text value (length and emptiness are
/// each field's own rule). The same check runs in the form and in the
/// handler.
pub fn check_text(value: &str, lines: Lines) -> Result<(), TextError> {
    value.chars().find_map(|c| refused(c, lines)).map_or(Ok(()), Err)
}

/// `value` with every control and format character (the single-line rule)
/// written out as a visible `\u{XXXX}`, for showing text stored before
/// these checks existed (audit screens, the CSV export, watermarks).
pub fn escape_invisible(value: &str) -> Cow<'_, str> {
    if check_text(value, Lines::Single).is_ok() {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if refused(c, Lines::Single).is_some() {
            out.push_str(&format!("\\u{{{:04X}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_indonesian_text_passes() {
        for ok in ["Rina Kusuma, S.Kom.", "Verifikasi berkas CASN 2026 (tahap II)", "Ni Made Ayu Déwi", "O'Neil-Putra"]
        {
            assert_eq!(check_text(ok, Lines::Single), Ok(()), "{ok:?}");
        }
        assert_eq!(check_text("", Lines::Single), Ok(()));
    }

    #[test]
    fn the_issues_display_name_is_refused_at_the_first_control() {
        assert_eq!(check_text("a\u{0}b\r\nc\u{1b}[31m", Lines::Single), Err(TextError::Control('\u{0}')));
        assert_eq!(check_text("ab\r\nc", Lines::Multi), Err(TextError::Control('\r')));
        assert_eq!(check_text("abc\u{1b}[31m", Lines::Multi), Err(TextError::Control('\u{1b}')));
        assert_eq!(check_text("a\u{7f}", Lines::Single), Err(TextError::Control('\u{7f}')));
        assert_eq!(check_text("a\u{85}", Lines::Single), Err(TextError::Control('\u{85}')));
        assert_eq!(check_text("a\u{2028}b", Lines::Multi), Err(TextError::Control('\u{2028}')));
    }

    #[test]
    fn line_feed_only_in_multi_line_fields() {
        assert_eq!(check_text("baris 1\nbaris 2", Lines::Multi), Ok(()));
        assert_eq!(check_text("baris 1\nbaris 2", Lines::Single), Err(TextError::Control('\n')));
        assert_eq!(check_text("a\tb", Lines::Single), Err(TextError::Control('\t')));
        assert_eq!(check_text("a\tb", Lines::Multi), Err(TextError::Control('\t')));
    }

    #[test]
    fn bidi_and_zero_width_characters_are_refused() {
        let samples = "\u{202E}\u{202A}\u{2066}\u{2069}\u{200E}\u{200F}\u{61C}\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{AD}\u{FE0F}\u{E0041}\u{180E}\u{FFF9}";
        for c in samples.chars() {
            let s = format!("Rina{c}Kusuma");
            assert_eq!(check_text(&s, Lines::Multi), Err(TextError::Format(c)), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn messages_name_the_code_point_in_both_languages() {
        let e = TextError::Format('\u{202E}');
        assert!(e.message_id().contains("U+202E") && e.message_id().contains("tidak diizinkan"));
        assert!(e.message_en().contains("U+202E") && e.message_en().contains("not allowed"));
        assert!(TextError::Control('\u{0}').message_id().contains("U+0000"));
    }

    #[test]
    fn stored_text_is_shown_escaped() {
        assert!(matches!(escape_invisible("Rina Kusuma"), Cow::Borrowed("Rina Kusuma")));
        assert_eq!(escape_invisible("a\u{0}b\r\nc\u{1b}[31m"), "a\\u{0000}b\\u{000D}\\u{000A}c\\u{001B}[31m");
        assert_eq!(escape_invisible("abc\u{202E}fed"), "abc\\u{202E}fed");
    }

    #[test]
    fn every_other_char_passes_the_escape_unchanged() {
        // The escape leaves exactly the refused characters visible-escaped.
        for c in (0u32..0x11_0000).filter_map(char::from_u32) {
            let s = c.to_string();
            let refused = check_text(&s, Lines::Single).is_err();
            assert_eq!(escape_invisible(&s) != s, refused, "U+{:04X}", u32::from(c));
        }
    }
}
