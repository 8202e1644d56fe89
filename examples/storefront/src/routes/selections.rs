//! What the page and the typed routes read, declared as structs: each field is a field of its
//! model or, marked `link`, a linked record (`Option`) or list (`Vec`). The compiler checks
//! every name and type against the models and links.

use link_runtime::Selection;
use serde::Serialize;

use crate::modules::{blog, brand, product, review};

/// A product as the page shows it: price, brand, blog posts and reviews.
#[derive(Debug, Serialize, Selection)]
#[selection(model = product::Model)]
pub struct ProductCard {
    pub id: String,
    pub title: String,
    pub price: i64,
    #[selection(link)]
    pub brand: Option<BrandName>,
    #[selection(link)]
    pub posts: Vec<PostTitle>,
    #[selection(link)]
    pub reviews: Vec<ReviewLine>,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = brand::Model)]
pub struct BrandName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = blog::Model)]
pub struct PostTitle {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = review::Model)]
pub struct ReviewLine {
    pub id: String,
    pub rating: i32,
    pub body: String,
}

/// A brand with its products (the inverse side of `ProductBrand`), by title.
#[derive(Debug, Serialize, Selection)]
#[selection(model = brand::Model)]
pub struct BrandProducts {
    pub id: String,
    pub name: String,
    #[selection(link, order = [title])]
    pub products: Vec<ProductSummary>,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = product::Model)]
pub struct ProductSummary {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub price: i64,
}
