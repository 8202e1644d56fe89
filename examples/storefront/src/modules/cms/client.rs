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
    /// A client of the CMS service at `base_url` (`http://127.0.0.1:9001`).
    pub fn new(base_url: impl Into<String>) -> Self {
        // A CMS that hangs must not hold a storefront request (and its database connection)
        // forever: the hop fails with `Error::External` instead.
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(2))
            .timeout(std::time::Duration::from_secs(5))
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
