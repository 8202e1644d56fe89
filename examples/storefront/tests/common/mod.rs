//! What the storefront's end-to-end tests share: the real server on a free port, and a client.

// A failing test panics on purpose.
#![allow(clippy::panic, dead_code)]

pub mod browser;

use reqwest::StatusCode;
use serde_json::Value;
use storefront::app::{Config, Running, start};

pub async fn serve(database_url: String) -> Running {
    start(&Config {
        database_url,
        port: 0,
        cms_port: 0,
        admin_token: None,
    })
    .await
    .unwrap_or_else(|e| panic!("start the storefront: {e}"))
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn new(running: &Running) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: format!("http://{}", running.addr),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
}

/// A 4xx with a short message saying why.
pub fn assert_refused(answer: &(StatusCode, Value), status: StatusCode, what: &str) {
    assert_eq!(answer.0, status, "{what}: {}", answer.1);
    let message = answer.1["message"].as_str().unwrap_or_default();
    assert!(
        !message.is_empty(),
        "{what}: a message says why: {}",
        answer.1
    );
    assert!(
        message.len() < 1_000,
        "{what}: {} bytes echoed",
        message.len()
    );
}
