//! The CMS module: editorial pages about products, held by a separate CMS service (no table of
//! ours). Query reaches them through [`client::CmsClient`], one HTTP call per hop.

pub mod client;
pub mod server;

use link_runtime::Linkable;
use serde::{Deserialize, Serialize};

/// A CMS page about a product.
#[derive(Clone, Debug, PartialEq, Linkable, Serialize, Deserialize)]
#[linkable(module = "cms", name = "cms_page")]
pub struct Page {
    pub id: String,
    /// The product the page is about.
    pub product_id: String,
    pub headline: String,
}
