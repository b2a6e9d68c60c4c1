//! [`Secret`]: a configured secret (a password, a key, a URL that may embed
//! one). It owns the only copy the configuration keeps and wipes it when
//! dropped; it never prints and never serialises its value.
//!
//! What it cannot wipe: the copies made before it exists (the file or
//! environment text and figment's value tree while the configuration is
//! read, both dropped at start-up) and the copies callers make from
//! [`Secret::expose`] (keep those short-lived, or in `Zeroizing` too).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// What a secret serialises to and shows in `Debug`: never its value.
pub const REDACTED: &str = "[redacted]";

/// A secret string: zeroed on drop, never printed, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// Serialised as [`REDACTED`], so that a serialised configuration (the
/// example-file check walks one) keeps the key but never the value.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_neither_printed_nor_serialised() {
        let s = Secret::new("s3cret-value");
        assert_eq!(s.expose(), "s3cret-value");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(serde_json::to_value(&s).unwrap(), serde_json::json!(REDACTED));
        let back: Secret = serde_json::from_str("\"s3cret-value\"").unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn the_value_lives_in_a_buffer_that_is_zeroed_on_drop() {
        // The wiping itself is zeroize's (audited); this pins that the value
        // is held in `Zeroizing`, which wipes the whole buffer when dropped.
        let s = Secret::new("s3cret-value");
        let inner: &Zeroizing<String> = &s.0;
        assert_eq!(inner.as_str(), "s3cret-value");
    }
}
