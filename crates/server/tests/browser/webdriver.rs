//! A minimal W3C WebDriver client over reqwest: the dozen commands the console's browser test
//! needs (navigate, find, click, type, read, screenshot). A full client crate would bring a
//! second HTTP stack into the build for no gain here.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

/// The W3C element reference key.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    base: String,
}

#[derive(Debug, Clone)]
pub struct Element {
    id: String,
}

/// A failed WebDriver command: what was asked and what the driver answered.
#[derive(Debug)]
pub struct WebDriverError(pub String);

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Result<T> = std::result::Result<T, WebDriverError>;

async fn command(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .map_err(|e| WebDriverError(format!("{method} {url}: {e}")))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| WebDriverError(format!("{method} {url}: reading the answer: {e}")))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| WebDriverError(format!("{method} {url}: {status} not JSON ({e}): {text}")))?;
    if !status.is_success() {
        return Err(WebDriverError(format!("{method} {url}: {status}: {text}")));
    }
    Ok(value["value"].clone())
}

impl Session {
    /// A headless Chromium session of `width` x `height` on the driver at `driver`.
    pub async fn start(
        driver: &str,
        chromium: Option<&str>,
        width: u32,
        height: u32,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| WebDriverError(e.to_string()))?;
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                format!("--window-size={width},{height}"),
            ]
        });
        if let Some(binary) = chromium {
            options["binary"] = json!(binary);
        }
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": options,
            }}
        });
        let url = format!("{driver}/session");
        let value = command(&http, reqwest::Method::POST, &url, Some(capabilities)).await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError(format!("no session id in {value}")))?;
        let session = Self {
            http,
            base: format!("{driver}/session/{id}"),
        };
        // Finding an element waits for it (up to 10 s) rather than failing while a page that a
        // click started loading has no document yet.
        session
            .post(
                "/timeouts",
                json!({ "implicit": 10_000, "pageLoad": 60_000 }),
            )
            .await?;
        Ok(session)
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        command(&self.http, reqwest::Method::POST, &url, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        command(&self.http, reqwest::Method::GET, &url, None).await
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    pub async fn current_url(&self) -> Result<String> {
        Ok(self
            .get("/url")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The first element matching the CSS `selector`.
    pub async fn find(&self, selector: &str) -> Result<Element> {
        let value = self
            .post(
                "/element",
                json!({"using": "css selector", "value": selector}),
            )
            .await
            .map_err(|e| WebDriverError(format!("finding {selector:?}: {e}")))?;
        element(&value)
    }

    /// The first element matching the CSS `selector` inside `parent`.
    pub async fn find_in(&self, parent: &Element, selector: &str) -> Result<Element> {
        let value = self
            .post(
                &format!("/element/{}/element", parent.id),
                json!({"using": "css selector", "value": selector}),
            )
            .await
            .map_err(|e| WebDriverError(format!("finding {selector:?} in an element: {e}")))?;
        element(&value)
    }

    /// Every element matching the CSS `selector`, in document order.
    pub async fn find_all(&self, selector: &str) -> Result<Vec<Element>> {
        let value = self
            .post(
                "/elements",
                json!({"using": "css selector", "value": selector}),
            )
            .await?;
        value
            .as_array()
            .map(|all| all.iter().map(element).collect())
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", element.id), json!({}))
            .await
            .map(drop)
    }

    /// Clears the field, then types `text` into it.
    pub async fn fill(&self, element: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/clear", element.id), json!({}))
            .await?;
        self.post(
            &format!("/element/{}/value", element.id),
            json!({ "text": text }),
        )
        .await
        .map(drop)
    }

    /// The rendered text of `element`.
    pub async fn text(&self, element: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", element.id))
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let value = self
            .get(&format!("/element/{}/attribute/{name}", element.id))
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Picks the `<option>` with `value` of a `<select>`.
    pub async fn select(&self, select: &str, value: &str) -> Result<()> {
        let option = self
            .find(&format!("{select} option[value=\"{value}\"]"))
            .await?;
        self.click(&option).await
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let value = self.get("/screenshot").await?;
        let encoded = value
            .as_str()
            .ok_or_else(|| WebDriverError("the screenshot is not a string".into()))?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| WebDriverError(format!("the screenshot is not base64: {e}")))
    }

    /// Ends the session (closes the browser).
    pub async fn quit(self) -> Result<()> {
        command(&self.http, reqwest::Method::DELETE, &self.base, None)
            .await
            .map(drop)
    }
}

fn element(value: &Value) -> Result<Element> {
    value[ELEMENT_KEY]
        .as_str()
        .map(|id| Element { id: id.to_owned() })
        .ok_or_else(|| WebDriverError(format!("not an element reference: {value}")))
}
