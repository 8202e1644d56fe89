//! External models of the `cms` module: no table of ours holds them; a service serves them.

use link_runtime::Linkable;

/// A product review, linked to products through a link table of ours.
#[derive(Clone, Debug, PartialEq, Linkable)]
#[linkable(module = "cms")]
pub struct Review {
    pub id: String,
    pub rating: i64,
    pub body: String,
}

/// A product's CMS page, which points back at its product (an inverse read-only link).
#[derive(Clone, Debug, PartialEq, Linkable)]
#[linkable(module = "cms")]
pub struct Page {
    pub id: String,
    pub product_id: String,
    pub title: String,
}
