//! `padan.example.toml` and `docs/configuration.md`, checked against the
//! configuration types, so that neither can drift from the code.
//!
//! The key set comes from the declarations (`Config::SETTINGS`, through
//! `padan_settings::leaves`), every default from a serialised
//! `Config::default()` (secrets serialise redacted), never from a list kept
//! by hand. The rules are stated where readers meet
//! them: at the top of `padan.example.toml` and in `docs/configuration.md`.

use std::collections::{BTreeMap, BTreeSet};

use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
    value::Dict,
};
use padan_settings::Section;
use serde_json::Value;

use super::{Config, is_tooling_variable, secret::REDACTED};

const EXAMPLE: &str = include_str!("../../../padan.example.toml");
const DOC: &str = include_str!("../../../docs/configuration.md");

/// Secrets with a built-in value: serialised redacted, so their default is
/// compared through the typed configuration instead. A new one fails
/// [`the_example_lists_every_key_with_its_default`] until it is added here.
type ExposeFn = fn(&Config) -> String;
pub(super) const SECRET_DEFAULTS: [(&str, ExposeFn); 1] = [("database.url", |c| c.database.url.expose().to_owned())];

/// `section.key` (`audit.signals.window_hours`) → its serialised value.
pub(super) fn leaves(value: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(&path, value, out);
                }
            }
            leaf => {
                out.insert(prefix.to_owned(), leaf.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", value, &mut out);
    out
}

/// Every declared key with its built-in default (`null`: unset), taken
/// from a serialised `Config::default()`.
pub(super) fn defaults() -> BTreeMap<String, Value> {
    let serialised = serde_json::to_value(Config::default()).unwrap();
    padan_settings::leaves(Config::SETTINGS)
        .into_iter()
        .map(|(key, _)| {
            let value = serialised.pointer(&format!("/{}", key.replace('.', "/")));
            let value = value.unwrap_or_else(|| panic!("{key} is declared but not serialised"));
            (key, value.clone())
        })
        .collect()
}

/// The key a name stands for: `x_file` stands for the key `x`.
fn key_named(name: &str, keys: &BTreeMap<String, Value>) -> Option<String> {
    if keys.contains_key(name) {
        return Some(name.to_owned());
    }
    name.strip_suffix("_file").filter(|base| keys.contains_key(*base)).map(str::to_owned)
}

/// The `section.key` of each commented-out example line (`# key = value`).
fn commented_keys(example: &str) -> Vec<(usize, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (n, line) in example.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.trim().to_owned();
            continue;
        }
        let Some(comment) = line.strip_prefix('#') else { continue };
        let comment = comment.trim_start();
        let name: String =
            comment.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
        let starts_with_letter = name.starts_with(|c: char| c.is_ascii_lowercase());
        if starts_with_letter && comment[name.len()..].trim_start().starts_with('=') {
            out.push((n + 1, format!("{section}.{name}")));
        }
    }
    out
}

/// What is wrong with `example` as the list of every key with its default.
fn example_problems(example: &str) -> Vec<String> {
    let defaults = defaults();
    let mut problems = Vec::new();

    // Active lines: unknown keys are refused by the types themselves.
    let figment = Figment::from(Toml::string(example));
    let active: Dict = match figment.extract() {
        Ok(dict) => dict,
        Err(e) => return vec![format!("not TOML: {e}")],
    };
    let active = leaves(&serde_json::to_value(active).unwrap());
    let typed: Config = match figment.extract() {
        Ok(config) => config,
        Err(e) => return vec![format!("unknown key or bad value: {e}")],
    };
    let typed_values = leaves(&serde_json::to_value(&typed).unwrap());
    for (key, default) in &defaults {
        if active.contains_key(key) && typed_values.get(key) != Some(default) {
            problems.push(format!("{key}: shows {} but the default is {default}", active[key]));
        }
    }
    let redacted: BTreeSet<&str> =
        defaults.iter().filter(|(_, v)| v.as_str() == Some(REDACTED)).map(|(k, _)| k.as_str()).collect();
    let listed: BTreeSet<&str> = SECRET_DEFAULTS.iter().map(|(k, _)| *k).collect();
    if redacted != listed {
        problems.push(format!("secrets with a built-in value {redacted:?} must be listed in SECRET_DEFAULTS"));
    }
    for (key, expose) in SECRET_DEFAULTS {
        if active.contains_key(key) && expose(&typed) != expose(&Config::default()) {
            problems.push(format!("{key}: shows {} but the default differs", active[key]));
        }
    }

    // Commented lines: examples for keys whose default is unset.
    let mut commented = BTreeSet::new();
    for (line, name) in commented_keys(example) {
        match key_named(&name, &defaults) {
            Some(key) => {
                commented.insert(key);
            }
            None => problems.push(format!("line {line}: `# {name} = …` is not a configuration key")),
        }
    }
    for (key, default) in &defaults {
        match (active.contains_key(key), commented.contains(key)) {
            (false, false) => problems.push(format!("{key} is missing (default {default})")),
            (false, true) if !default.is_null() => {
                problems.push(format!("{key} is only commented out: show its default as `{key} = {default}`"))
            }
            _ => {}
        }
    }
    problems
}

/// Keys `doc` names nowhere, and table rows naming keys that do not exist.
fn doc_problems(doc: &str) -> Vec<String> {
    let defaults = defaults();
    let spans = |text: &str| -> Vec<String> { text.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    let mut documented: BTreeSet<String> = spans(doc).iter().filter_map(|s| key_named(s, &defaults)).collect();
    let mut problems = Vec::new();
    let mut section: Option<String> = None;
    for line in doc.lines() {
        if line.starts_with('#') {
            section = spans(line).into_iter().find_map(|s| s.strip_prefix('[')?.strip_suffix(']').map(str::to_owned));
        } else if let (Some(section), Some(row)) = (&section, line.strip_prefix('|')) {
            let first_cell = row.split('|').next().unwrap_or_default();
            for name in spans(first_cell) {
                match key_named(&format!("{section}.{name}"), &defaults) {
                    Some(key) => {
                        documented.insert(key);
                    }
                    None => problems.push(format!("the [{section}] table names `{name}`, which is not a key")),
                }
            }
        }
    }
    problems.extend(defaults.keys().filter(|k| !documented.contains(*k)).map(|k| format!("`{k}` is not named")));
    problems
}

#[test]
fn the_example_lists_every_key_with_its_default() {
    let problems = example_problems(EXAMPLE);
    assert!(problems.is_empty(), "padan.example.toml:\n  {}", problems.join("\n  "));
}

#[test]
fn the_example_check_catches_missing_unknown_and_changed_keys() {
    let missing = EXAMPLE.replace("display_seconds = 120\n", "");
    assert!(example_problems(&missing).iter().any(|p| p.starts_with("server.display_seconds is missing")));
    let unknown = EXAMPLE.replace("[server]\n", "[server]\nlisten_addr = \"127.0.0.1:8080\"\n");
    assert!(example_problems(&unknown).iter().any(|p| p.contains("listen_addr")));
    let commented_typo = EXAMPLE.replace("[server]\n", "[server]\n# tls_cert_fil = \"/x\"\n");
    assert!(example_problems(&commented_typo).iter().any(|p| p.contains("server.tls_cert_fil")));
    let changed = EXAMPLE.replace("max_body_bytes = 524288", "max_body_bytes = 65536");
    assert!(example_problems(&changed).iter().any(|p| p.starts_with("server.max_body_bytes: shows 65536")));
    let url = EXAMPLE.replace("url = \"sqlite://.padan/padan.db\"", "url = \"sqlite://other.db\"");
    assert!(example_problems(&url).iter().any(|p| p.starts_with("database.url")));
    let only_commented = EXAMPLE.replace("breaker_failures = 5", "# breaker_failures = 5");
    assert!(example_problems(&only_commented).iter().any(|p| p.contains("breaker_failures is only commented")));
}

#[test]
fn the_configuration_doc_names_every_key() {
    let problems = doc_problems(DOC);
    assert!(problems.is_empty(), "docs/configuration.md:\n  {}", problems.join("\n  "));
}

#[test]
fn the_doc_check_catches_unnamed_keys_and_stale_table_rows() {
    let unnamed: String =
        DOC.lines().filter(|l| !l.starts_with("| `display_seconds` |")).map(|l| format!("{l}\n")).collect();
    assert!(doc_problems(&unnamed).iter().any(|p| p == "`server.display_seconds` is not named"));
    let stale = DOC.replace("| `nonce_seconds` |", "| `nonce_secs` |");
    assert!(doc_problems(&stale).iter().any(|p| p.contains("[card] table names `nonce_secs`")));
}

/// Every key, given as a `PADAN_<SECTION>__<KEY>` variable showing its
/// default, reads back as that default: what figment's `Env` (as
/// `Config::load` sets it up) does with each is to drop the prefix,
/// lower-case the name, split it at `__` and parse the text as a value.
#[test]
fn every_key_can_be_given_as_an_environment_variable() {
    let defaults = defaults();
    let mut figment = Figment::new();
    let mut given = 0;
    for (key, default) in &defaults {
        let text = match default {
            Value::Null => continue,
            Value::String(s) if s == REDACTED => {
                let (_, expose) = SECRET_DEFAULTS.iter().find(|(k, _)| k == key).unwrap();
                expose(&Config::default())
            }
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let variable = key.to_ascii_uppercase().replace('.', "__");
        assert!(!is_tooling_variable(&variable), "PADAN_{variable} would be ignored as a tooling variable");
        let path = variable.to_ascii_lowercase().replace("__", ".");
        let value: figment::value::Value = text.parse().unwrap();
        figment = figment.merge(Serialized::globals(figment::util::nest(&path, value)));
        given += 1;
    }
    assert!(given > 60, "only {given} keys given");
    let typed: Config = figment.extract().unwrap_or_else(|e| panic!("{e}"));
    let read = leaves(&serde_json::to_value(&typed).unwrap());
    for (key, default) in &defaults {
        assert_eq!(read.get(key), Some(default), "PADAN_{}", key.to_ascii_uppercase().replace('.', "__"));
    }
    assert_eq!(typed.database.url.expose(), Config::default().database.url.expose());
}
