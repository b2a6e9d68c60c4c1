//! Serves the built SPA (Trunk's `dist/`) from memory.
//!
//! Files are read and gzip-compressed once at start-up. Hashed assets are
//! immutable for a year; `index.html` is revalidated every time so a new
//! release reaches officers on their next page load. Client routes
//! (`/verifikasi/elemen`, …) get `index.html`. The Content-Security-Policy
//! allows exactly the inline bootstrap script Trunk wrote, by its hash.

use std::{collections::HashMap, io::Write, path::Path};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use flate2::{Compression, write::GzEncoder};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
struct Asset {
    body: Vec<u8>,
    gzip: Option<Vec<u8>>,
    content_type: &'static str,
    immutable: bool,
}

#[derive(Debug, Clone)]
pub struct Spa {
    assets: HashMap<String, Asset>,
    csp: HeaderValue,
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>Padan</title>\
<p>Antarmuka belum dibangun. Jalankan <code>cargo xtask demo</code>.</p>\
<p>The SPA has not been built. Run <code>cargo xtask demo</code>.</p></html>";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Trunk names assets `name-<hash>.ext` (or `_bg.wasm`): a 64-bit hash in
/// hex, without leading zeros.
fn is_hashed(name: &str) -> bool {
    let stem = name.rsplit('/').next().unwrap_or(name);
    let stem = stem.split('.').next().unwrap_or(stem).trim_end_matches("_bg");
    stem.rsplit('-').next().is_some_and(|h| (8..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).ok()?;
    enc.finish().ok()
}

/// `'sha256-…'` for every inline `<script>` in the page.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        let body = &after[body_start..body_start + close];
        if !tag.contains(" src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            out.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &after[body_start + close..];
    }
    out
}

fn build_csp(script_hashes: &[String]) -> HeaderValue {
    // 'wasm-unsafe-eval' lets the page instantiate its own wasm; nothing else
    // runs that did not come from this origin or is not pinned by hash.
    // The reader-agent listens on loopback (ws://127.0.0.1 / [::1]).
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self' ws://127.0.0.1:*; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        script_hashes.join(" ")
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

impl Spa {
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut assets = HashMap::new();
        if dir.is_dir() {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                if !entry.file_type()?.is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                let body = std::fs::read(entry.path())?;
                let content_type = content_type(&name);
                let compressible = !matches!(content_type, "image/png" | "font/woff2");
                let gzip = if compressible && body.len() > 512 { gzip(&body) } else { None };
                assets.insert(name.clone(), Asset { body, gzip, content_type, immutable: is_hashed(&name) });
            }
        }
        let index = match assets.get("index.html") {
            Some(a) => a.clone(),
            None => {
                tracing::warn!(dir = %dir.display(), "SPA not built: serving a placeholder page");
                let body = NOT_BUILT.as_bytes().to_vec();
                Asset { body, gzip: None, content_type: "text/html; charset=utf-8", immutable: false }
            }
        };
        let csp = build_csp(&inline_script_hashes(&String::from_utf8_lossy(&index.body)));
        assets.insert("index.html".into(), Asset { immutable: false, ..index });
        Ok(Self { assets, csp })
    }

    pub fn csp(&self) -> &HeaderValue {
        &self.csp
    }

    pub fn respond(&self, uri: &Uri, request_headers: &HeaderMap) -> Response {
        let path = uri.path().trim_start_matches('/');
        let asset = match self.assets.get(path) {
            Some(a) if !path.is_empty() => a,
            // A path with an extension is a file: missing is a real 404.
            _ if path.rsplit('/').next().is_some_and(|last| last.contains('.')) => {
                return StatusCode::NOT_FOUND.into_response();
            }
            _ => match self.assets.get("index.html") {
                Some(a) => a,
                None => return StatusCode::NOT_FOUND.into_response(),
            },
        };
        let accepts_gzip = request_headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, asset.content_type)
            .header(header::VARY, "accept-encoding")
            .header(
                header::CACHE_CONTROL,
                if asset.immutable { "public, max-age=31536000, immutable" } else { "no-cache" },
            );
        let body = match (&asset.gzip, accepts_gzip) {
            (Some(gz), true) => {
                builder = builder.header(header::CONTENT_ENCODING, "gzip");
                gz.clone()
            }
            _ => asset.body.clone(),
        };
        builder.body(Body::from(body)).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("padan-frontend-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed("padan-frontend-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed("padan-0123456789abcdef.css"));
        assert!(is_hashed("padan-a9bd4ef35d316e2.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("favicon.ico"));
    }

    #[test]
    fn inline_scripts_are_pinned_by_hash() {
        let html = r#"<script src="/a.js"></script><script type="module">import init from '/x.js';</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"import init from '/x.js';"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }
}
