//! The reference part of `docs/configuration.md` (between
//! [`BEGIN`] and [`END`]), generated from the declarations: every key with
//! its type, default and the first sentence of its doc comment. The test
//! fails when the file differs; `UPDATE_DOCS=1 cargo test -p padan-backend
//! --lib config::` writes it instead.

use std::{collections::BTreeMap, path::PathBuf};

use padan_settings::{Section, Setting};
use serde_json::Value;

use super::{
    Config,
    example_check::{SECRET_DEFAULTS, defaults, leaves},
    secret::REDACTED,
};

const BEGIN: &str = "<!-- settings:begin -->";
const END: &str = "<!-- settings:end -->";

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/configuration.md")
}

/// A default as it would be written in TOML (`unset` for none).
fn toml_value(value: &Value) -> String {
    match value {
        Value::Null => "unset".to_owned(),
        Value::Array(items) => format!("[{}]", items.iter().map(toml_value).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The generated reference, markers included.
fn reference() -> String {
    fn section(path: &str, doc: &Setting, settings: &[Setting], defaults: &BTreeMap<String, Value>, out: &mut String) {
        out.push_str(&format!("\n### `[{path}]`\n\n{}\n\n", doc.doc_text()));
        out.push_str("| key | type | default | meaning |\n|---|---|---|---|\n");
        for setting in settings.iter().filter(|s| s.section.is_none()) {
            let key = format!("{path}.{}", setting.key);
            let default = match &defaults[&key] {
                Value::String(s) if s == REDACTED => {
                    let (_, expose) = SECRET_DEFAULTS.iter().find(|(k, _)| *k == key).expect("listed secret");
                    Value::String(expose(&Config::default()))
                }
                other => other.clone(),
            };
            let default = match toml_value(&default).as_str() {
                "unset" => "unset".to_owned(),
                shown => format!("`{}`", cell(shown)),
            };
            out.push_str(&format!(
                "| `{}` | `{}` | {default} | {} |\n",
                setting.key,
                cell(setting.ty),
                cell(&setting.summary())
            ));
        }
        for setting in settings {
            if let Some(nested) = setting.section {
                section(&format!("{path}.{}", setting.key), setting, nested, defaults, out);
            }
        }
    }
    let defaults = defaults();
    let mut out = format!(
        "{BEGIN}\n<!-- Generated from the `settings!` declarations; regenerate with \
         `UPDATE_DOCS=1 cargo test -p padan-backend --lib config::`. -->\n"
    );
    for setting in Config::SETTINGS {
        let nested = setting.section.expect("every top-level key is a section");
        section(setting.key, setting, nested, &defaults, &mut out);
    }
    out.push('\n');
    out.push_str(END);
    out
}

/// `doc` with its reference part replaced by `reference`.
fn with_reference(doc: &str, reference: &str) -> Option<String> {
    let start = doc.find(BEGIN)?;
    let end = doc[start..].find(END)? + start + END.len();
    Some(format!("{}{reference}{}", &doc[..start], &doc[end..]))
}

#[test]
fn the_reference_in_the_doc_is_generated_from_the_declarations() {
    let path = doc_path();
    let doc = std::fs::read_to_string(&path).unwrap();
    let expected =
        with_reference(&doc, &reference()).unwrap_or_else(|| panic!("{} has no {BEGIN} … {END} part", path.display()));
    if std::env::var_os("UPDATE_DOCS").is_some() {
        if expected != doc {
            std::fs::write(&path, &expected).unwrap();
        }
        return;
    }
    assert!(
        expected == doc,
        "the reference in docs/configuration.md is stale: run `UPDATE_DOCS=1 cargo test -p padan-backend --lib config::`"
    );
}

#[test]
fn every_serialised_key_is_declared_and_documented() {
    let serialised = leaves(&serde_json::to_value(Config::default()).unwrap());
    let declared = defaults();
    assert_eq!(serialised.keys().collect::<Vec<_>>(), declared.keys().collect::<Vec<_>>());
    for (key, setting) in padan_settings::leaves(Config::SETTINGS) {
        assert!(!setting.summary().is_empty(), "{key} has no doc comment");
    }
    for setting in Config::SETTINGS {
        assert!(setting.section.is_some() && !setting.summary().is_empty(), "[{}]", setting.key);
    }
}

#[test]
fn the_reference_replaces_only_the_part_between_the_markers() {
    let generated = reference();
    assert!(generated.contains("| `display_seconds` | `u32` | `120` | Seconds of inactivity"), "{generated}");
    assert!(generated.contains("### `[audit.signals]`"), "{generated}");
    assert!(generated.contains("| `url` | `Secret` | `\"sqlite://.padan/padan.db\"` |"), "{generated}");
    let doc = format!("prose\n{BEGIN}\nold\n{END}\nmore prose\n");
    let updated = with_reference(&doc, &generated).unwrap();
    assert!(updated.starts_with("prose\n") && updated.ends_with("\nmore prose\n"));
    assert_ne!(updated, doc);
    assert_eq!(with_reference(&updated, &generated).unwrap(), updated);
}
