//! The CMS module's side of the external link: lists pages from the CMS service over HTTP.

use link_runtime::query::{BoxError, ExternalModels, ListRequest};
use serde_json::{Value, json};

/// Asks the CMS service at `base_url` for pages.
#[derive(Debug, Clone)]
pub struct CmsClient {
    http: reqwest::Client,
    base_url: String,
}

impl CmsClient {
    /// A client of the CMS service at `base_url` (`http://127.0.0.1:9001`), which gives up on
    /// an answer after five seconds.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_timeout(base_url, std::time::Duration::from_secs(5))
    }

    /// A client that gives up on an answer after `timeout`: a CMS that hangs must not hold a
    /// storefront request (and its database connection) forever; the hop fails with
    /// `Error::External` instead.
    pub fn with_timeout(base_url: impl Into<String>, timeout: std::time::Duration) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        CmsClient {
            http,
            base_url: base_url.into(),
        }
    }
}

impl ExternalModels for CmsClient {
    async fn list(&self, request: ListRequest<'_>) -> Result<Vec<Value>, BoxError> {
        let body = json!({"model": request.model, "field": request.field, "ids": request.ids});
        let response = self
            .http
            .post(format!("{}/pages/list", self.base_url))
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(response.json().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cms_that_never_answers_is_given_up_on() {
        // Accepts connections and never answers them.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let client = CmsClient::with_timeout(
            format!("http://{addr}"),
            std::time::Duration::from_millis(300),
        );
        let answer = client
            .list(ListRequest::new("page", "id", &["page_tee".to_string()]))
            .await;
        // Without a timeout this would wait forever: the server holds the connection open.
        assert!(answer.is_err(), "a hung CMS is an error: {answer:?}");
        held.abort();
    }
}
