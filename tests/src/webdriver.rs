//! A minimal W3C WebDriver client over reqwest: the dozen commands the
//! browser tests use, no more. Errors carry the driver's own message.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use serde_json::{Value, json};

/// The key W3C WebDriver uses to mark an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium's flags: headless, sandbox-free (tests may run as root), and
/// quiet (no background traffic to anything but the app under test).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,1024",
];

/// One browser session.
#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

/// A reference to an element in the page.
#[derive(Debug, Clone)]
pub struct ElementRef {
    id: String,
}

impl Session {
    /// Opens a session on the driver at `driver_url`, with Chromium at
    /// `chromium` using `profile_dir` as a fresh profile.
    pub async fn new(driver_url: &str, chromium: &Path, profile_dir: &Path) -> anyhow::Result<Self> {
        Self::with_args(driver_url, chromium, profile_dir, &[]).await
    }

    /// Like [`Session::new`], with extra Chromium flags (e.g. the fake
    /// camera: `--use-fake-device-for-media-stream`).
    pub async fn with_args(
        driver_url: &str,
        chromium: &Path,
        profile_dir: &Path,
        extra_args: &[String],
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|&a| a.to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile_dir.display()));
        args.extend(extra_args.iter().cloned());
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": { "binary": chromium, "args": args },
                    // Keeps the page's console for `console_log` (failure evidence).
                    "goog:loggingPrefs": { "browser": "ALL" },
                }
            }
        });
        let answer = http
            .post(format!("{driver_url}/session"))
            .json(&capabilities)
            .send()
            .await
            .context("starting a WebDriver session")?;
        let value = unwrap_value(answer).await.context("starting a WebDriver session")?;
        let id = value["sessionId"].as_str().context("no sessionId in the new-session answer")?.to_owned();
        Ok(Self { http, base: format!("{driver_url}/session/{id}"), id })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        // W3C requires a JSON body on every POST, even an empty one.
        if method == reqwest::Method::POST {
            request = request.json(&body.unwrap_or_else(|| json!({})));
        }
        let answer = request.send().await.with_context(|| format!("{method} {path}"))?;
        unwrap_value(answer).await.with_context(|| format!("{method} {path}"))
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    pub async fn current_url(&self) -> anyhow::Result<String> {
        let v = self.get("/url").await?;
        v.as_str().map(str::to_owned).context("URL is not a string")
    }

    /// The first element matching `css`, or an error when there is none.
    pub async fn find(&self, css: &str) -> anyhow::Result<ElementRef> {
        let v = self.post("/element", json!({ "using": "css selector", "value": css })).await?;
        element_ref(&v).with_context(|| format!("finding {css}"))
    }

    /// Every element matching `css` (possibly none).
    pub async fn find_all(&self, css: &str) -> anyhow::Result<Vec<ElementRef>> {
        let v = self.post("/elements", json!({ "using": "css selector", "value": css })).await?;
        v.as_array().context("elements answer is not an array")?.iter().map(element_ref).collect()
    }

    /// Whether `css` matches at least one element right now.
    pub async fn exists(&self, css: &str) -> anyhow::Result<bool> {
        Ok(!self.find_all(css).await?.is_empty())
    }

    /// Polls until `css` matches, up to `timeout`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> anyhow::Result<ElementRef> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.find_all(css).await?.into_iter().next() {
                return Ok(found);
            }
            if Instant::now() > deadline {
                bail!("{css} did not appear within {timeout:?} (page: {})", self.current_url().await?);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls until `css` matches nothing, up to `timeout`.
    pub async fn wait_gone(&self, css: &str, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        while self.exists(css).await? {
            if Instant::now() > deadline {
                bail!("{css} still present after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    pub async fn click(&self, el: &ElementRef) -> anyhow::Result<()> {
        self.post(&format!("/element/{}/click", el.id), json!({})).await.map(drop)
    }

    pub async fn clear(&self, el: &ElementRef) -> anyhow::Result<()> {
        self.post(&format!("/element/{}/clear", el.id), json!({})).await.map(drop)
    }

    pub async fn send_keys(&self, el: &ElementRef, text: &str) -> anyhow::Result<()> {
        self.post(&format!("/element/{}/value", el.id), json!({ "text": text })).await.map(drop)
    }

    /// Visible text of the element.
    pub async fn text(&self, el: &ElementRef) -> anyhow::Result<String> {
        let v = self.get(&format!("/element/{}/text", el.id)).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The element's HTML attribute, `None` when absent.
    pub async fn attribute(&self, el: &ElementRef, name: &str) -> anyhow::Result<Option<String>> {
        let v = self.get(&format!("/element/{}/attribute/{name}", el.id)).await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// The element's DOM property (e.g. `value`, `checked`).
    pub async fn property(&self, el: &ElementRef, name: &str) -> anyhow::Result<Value> {
        self.get(&format!("/element/{}/property/{name}", el.id)).await
    }

    pub async fn is_displayed(&self, el: &ElementRef) -> anyhow::Result<bool> {
        let v = self.get(&format!("/element/{}/displayed", el.id)).await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// Runs an async `script`: its last argument is the callback to call
    /// with the result (WebDriver's execute/async).
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.post("/execute/async", json!({ "script": script, "args": args })).await
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    /// An element as a script argument.
    pub fn arg(el: &ElementRef) -> Value {
        json!({ ELEMENT_KEY: el.id })
    }

    /// Sets a form control's value the way a user's edit would be seen by
    /// the app: `input` and `change` events, bubbling. Used for `<select>`
    /// and `type=date`, where typing keys depends on the locale.
    pub async fn set_value(&self, css: &str, value: &str) -> anyhow::Result<()> {
        let el = self.find(css).await?;
        let script = "const el = arguments[0]; el.value = arguments[1];\
                      el.dispatchEvent(new Event('input', { bubbles: true }));\
                      el.dispatchEvent(new Event('change', { bubbles: true }));\
                      return el.value;";
        let now = self.execute(script, vec![Self::arg(&el), json!(value)]).await?;
        if now.as_str() != Some(value) {
            bail!("{css} did not take the value {value:?} (it has {now}); is it a valid option?");
        }
        Ok(())
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let v = self.get("/screenshot").await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().context("screenshot is not a string")?)
            .context("screenshot is not base64")?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    /// The page's console messages since the last call (chromedriver's
    /// log extension; not part of W3C WebDriver), one `LEVEL message` each.
    pub async fn console_log(&self) -> anyhow::Result<Vec<String>> {
        let v = self.post("/se/log", json!({ "type": "browser" })).await?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .map(|e| format!("{} {}", e["level"].as_str().unwrap_or("?"), e["message"].as_str().unwrap_or_default()))
            .collect())
    }

    /// Ends the session (Chromium quits).
    pub async fn close(self) -> anyhow::Result<()> {
        let url = self.base.clone();
        let answer = self.http.delete(&url).send().await.with_context(|| format!("deleting session {}", self.id))?;
        unwrap_value(answer).await.map(drop)
    }
}

fn element_ref(v: &Value) -> anyhow::Result<ElementRef> {
    let id = v.get(ELEMENT_KEY).and_then(Value::as_str).with_context(|| format!("not an element reference: {v}"))?;
    Ok(ElementRef { id: id.to_owned() })
}

/// The `value` of a WebDriver answer, or its error as an `Err`.
async fn unwrap_value(answer: reqwest::Response) -> anyhow::Result<Value> {
    let status = answer.status();
    let body: Value = answer.json().await.context("WebDriver answer is not JSON")?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if !status.is_success() {
        let error = value.get("error").and_then(Value::as_str).unwrap_or("unknown error");
        let message = value.get("message").and_then(Value::as_str).unwrap_or_default();
        let first_line = message.lines().next().unwrap_or_default();
        return Err(anyhow!("WebDriver {status}: {error}: {first_line}"));
    }
    Ok(value)
}
