//! Headless Chromium driven over the DevTools protocol: one browser for a test, which opens
//! pages, reads the DOM it built, runs a line of JavaScript (to fill in and submit a form, as a
//! user would click), and takes screenshots.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Chromium, if the machine has it.
pub fn chromium() -> Option<&'static str> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|path| Path::new(path).exists())
}

/// A running headless Chromium and its one page.
pub struct Browser {
    child: tokio::process::Child,
    page: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Events that arrived while waiting for an answer, in order.
    events: Vec<String>,
    _profile: tempfile::TempDir,
}

const WAIT: Duration = Duration::from_secs(30);

impl Browser {
    /// Starts Chromium (a window of 1200 × 1400) and connects to its page.
    pub async fn launch(chromium: &str) -> Browser {
        let profile = tempfile::tempdir().expect("a profile directory");
        let child = tokio::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1200,1400",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it picked into the profile.
        let active = profile.path().join("DevToolsActivePort");
        let port = tokio::time::timeout(WAIT, async {
            loop {
                if let Ok(text) = tokio::fs::read_to_string(&active).await
                    && let Some(port) = text.lines().next().and_then(|l| l.parse::<u16>().ok())
                {
                    return port;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("chromium's DevTools port");
        let targets: Vec<Value> = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
            .await
            .expect("the DevTools targets")
            .json()
            .await
            .expect("the targets as JSON");
        let url = targets
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let (page, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect to the page");
        let mut browser = Browser {
            child,
            page,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        };
        browser.call("Page.enable", json!({})).await;
        browser
    }

    /// Sends a DevTools command and waits for its answer, keeping the events in between.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({"id": id, "method": method, "params": params});
        self.page
            .send(Message::text(command.to_string()))
            .await
            .expect("send a DevTools command");
        loop {
            let message = self.next_message().await;
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method}: {error}");
                }
                return message["result"].clone();
            }
            if let Some(event) = message["method"].as_str() {
                self.events.push(event.to_string());
            }
        }
    }

    async fn next_message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.page.next())
                .await
                .expect("chromium answers")
                .expect("the page's socket is open")
                .expect("a DevTools message");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("DevTools JSON");
            }
        }
    }

    /// Waits until the page has loaded (the event may already have come).
    async fn loaded(&mut self) {
        loop {
            if let Some(at) = self.events.iter().position(|e| e == "Page.loadEventFired") {
                self.events.drain(..=at);
                return;
            }
            let message = self.next_message().await;
            if let Some(event) = message["method"].as_str() {
                self.events.push(event.to_string());
            }
        }
    }

    /// Opens `url`, and returns the DOM Chromium built of it.
    pub async fn open(&mut self, url: &str) -> String {
        self.events.clear();
        self.call("Page.navigate", json!({"url": url})).await;
        self.loaded().await;
        self.dom().await
    }

    /// Runs `script` in the page, which leads to another page (a form's submit, a link's
    /// click), and returns that page's DOM.
    pub async fn act(&mut self, script: &str) -> String {
        self.events.clear();
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": script, "userGesture": true}),
            )
            .await;
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{script}: {exception}");
        }
        self.loaded().await;
        self.dom().await
    }

    /// The page's DOM, as HTML.
    pub async fn dom(&mut self) -> String {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": "document.documentElement.outerHTML", "returnByValue": true}),
            )
            .await;
        result["result"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A PNG of the page as shown, written to `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        let result = self
            .call("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(result["data"].as_str().unwrap_or_default())
            .expect("a base64 PNG");
        assert!(png.len() > 1_000, "a screenshot of the page");
        std::fs::write(path, png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
