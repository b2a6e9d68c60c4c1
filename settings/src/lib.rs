//! Configuration sections declared once per setting: its doc comment, type
//! and default stand together, and [`settings!`] derives the rest.
//!
//! ```
//! padan_settings::settings! {
//!     /// The listener.
//!     #[derive(Debug, Clone)]
//!     pub struct ServerConfig {
//!         /// Port to listen on.
//!         pub port: u16 = 8080,
//!         /// Host name officers use; unset: any.
//!         pub host: Option<String> = None,
//!     }
//! }
//!
//! use padan_settings::Section;
//! assert_eq!(ServerConfig::default().port, 8080);
//! assert_eq!(ServerConfig::SETTINGS[1].key, "host");
//! assert_eq!(ServerConfig::SETTINGS[0].summary(), "Port to listen on.");
//! ```

/// One declared setting: what tests and the generated reference read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Its key, as written in a file (the field name).
    pub key: &'static str,
    /// Its Rust type, as declared (`Option<Secret>`).
    pub ty: &'static str,
    /// Its doc comment, one line of the comment per line.
    pub doc: &'static str,
    /// The settings of the section it holds, when it is a section itself
    /// (a field whose type was declared with [`settings!`]).
    pub section: Option<&'static [Setting]>,
}

impl Setting {
    /// The doc comment as one line of prose.
    pub fn doc_text(&self) -> String {
        self.doc.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The doc comment's first sentence: up to the first `. ` before a
    /// capital letter (so `e.g. ` does not end it).
    pub fn summary(&self) -> String {
        let text = self.doc_text();
        let end =
            text.match_indices(". ").map(|(i, _)| i).find(|&i| text[i + 2..].starts_with(|c: char| c.is_uppercase()));
        match end {
            Some(end) => text[..=end].to_owned(),
            None => text,
        }
    }
}

/// A struct declared with [`settings!`]: its settings, in declaration order.
pub trait Section {
    const SETTINGS: &'static [Setting];
}

/// Every setting below `settings` that is not a section, with its dotted
/// path (`signals.window_hours`), in declaration order.
pub fn leaves(settings: &'static [Setting]) -> Vec<(String, &'static Setting)> {
    fn walk(prefix: &str, settings: &'static [Setting], out: &mut Vec<(String, &'static Setting)>) {
        for setting in settings {
            let path = if prefix.is_empty() { setting.key.to_owned() } else { format!("{prefix}.{}", setting.key) };
            match setting.section {
                Some(section) => walk(&path, section, out),
                None => out.push((path, setting)),
            }
        }
    }
    let mut out = Vec::new();
    walk("", settings, &mut out);
    out
}

/// How [`settings!`] tells a section field from a plain one without being
/// told: `Probe::<T>::SECTION` names the inherent constant when `T:
/// Section` and falls back to [`probe::Leaf`]'s `None` otherwise.
#[doc(hidden)]
pub mod probe {
    use super::{Section, Setting};

    #[allow(missing_debug_implementations)]
    pub struct Probe<T: ?Sized>(core::marker::PhantomData<T>);

    pub trait Leaf {
        const SECTION: Option<&'static [Setting]> = None;
    }

    impl<T: ?Sized> Leaf for Probe<T> {}

    impl<T: ?Sized + Section> Probe<T> {
        pub const SECTION: Option<&'static [Setting]> = Some(T::SETTINGS);
    }
}

/// Declares a configuration section: a struct whose every field is written
/// `/// doc` `pub name: Type = default,`.
///
/// It emits the struct (with the given attributes, plus serde's
/// `Deserialize` and `Serialize` under `deny_unknown_fields, default`: an
/// unknown key is an error, a missing one takes its default), its
/// `Default` from the per-field defaults, and its [`Section`] list. Fields
/// take doc comments only. The crate using it depends on `serde` (derive).
#[macro_export]
macro_rules! settings {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $fvis:vis $field:ident : $ty:ty = $default:expr
            ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive(::serde::Deserialize, ::serde::Serialize)]
        #[serde(deny_unknown_fields, default)]
        $vis struct $name {
            $(
                $(#[doc = $doc])*
                $fvis $field: $ty,
            )*
        }

        impl ::core::default::Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)* }
            }
        }

        impl $crate::Section for $name {
            const SETTINGS: &'static [$crate::Setting] = &[$(
                $crate::Setting {
                    key: ::core::stringify!($field),
                    ty: ::core::stringify!($ty),
                    doc: ::core::concat!($($doc, "\n",)*),
                    section: {
                        // Unused where `$ty` is a section: the inherent constant wins.
                        #[allow(unused_imports)]
                        use $crate::probe::Leaf as _;
                        $crate::probe::Probe::<$ty>::SECTION
                    },
                },
            )*];
        }
    };
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Section, leaves};

    settings! {
        /// Inner.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Inner {
            /// Hours. Counted in WIB.
            pub hours: u8 = 7,
        }
    }

    settings! {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Outer {
            /// Name, e.g. `x`. Never empty.
            pub name: String = "x".into(),
            /// Unset by default.
            pub maybe: Option<u64> = None,
            /// A nested section.
            pub inner: Inner = Inner::default(),
        }
    }

    #[test]
    fn defaults_serde_and_the_list_come_from_one_declaration() {
        let d = Outer::default();
        assert_eq!((d.name.as_str(), d.maybe, d.inner.hours), ("x", None, 7));
        let parsed: Outer = serde_json::from_str(r#"{"inner": {}}"#).unwrap();
        assert_eq!(parsed, d);
        assert!(serde_json::from_str::<Outer>(r#"{"nmae": "y"}"#).is_err(), "unknown keys are refused");
        let keys: Vec<_> = Outer::SETTINGS.iter().map(|s| (s.key, s.ty)).collect();
        assert_eq!(keys, [("name", "String"), ("maybe", "Option<u64>"), ("inner", "Inner")]);
        assert_eq!(Outer::SETTINGS[2].section, Some(Inner::SETTINGS));
        assert_eq!(Outer::SETTINGS[0].section, None);
        assert_eq!(Inner::SETTINGS[0].summary(), "Hours.");
        assert_eq!(Inner::SETTINGS[0].doc_text(), "Hours. Counted in WIB.");
        assert_eq!(Outer::SETTINGS[0].summary(), "Name, e.g. `x`.");
    }

    #[test]
    fn leaves_walk_into_sections() {
        let paths: Vec<_> = leaves(Outer::SETTINGS).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["name", "maybe", "inner.hours"]);
    }
}
