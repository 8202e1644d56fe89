//! What the page and the typed routes read, declared as structs: each field is a field of its
//! model or, marked `link`, a linked record (`Option`) or list (`Vec`). The compiler checks
//! every name and type against the models and links.

use link_runtime::Selection;
use serde::Serialize;

use crate::links::{ProductBrand, ProductSalesChannel};
use crate::modules::{blog, brand, cms, customer, product, review, sales_channel, wishlist};

/// A product as the page shows it: price, brand, blog posts and reviews.
#[derive(Debug, Serialize, Selection)]
#[selection(model = product::Model)]
pub struct ProductCard {
    pub id: String,
    pub title: String,
    pub handle: String,
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

/// A product as its own page shows it: each section reached through a link of another kind.
#[derive(Debug, Serialize, Selection)]
#[selection(model = product::Model)]
pub struct ProductPage {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub price: i64,
    /// Stored, many products to one brand, with the row's `featured`.
    #[selection(link)]
    pub brand: Option<FeaturedBrand>,
    /// Stored, one product to many posts, deleted with the product.
    #[selection(link, order = [title])]
    pub posts: Vec<PostTitle>,
    /// Read-only, inverse: the reviews whose `product_id` is the product's.
    #[selection(link, order = [rating.desc()])]
    pub reviews: Vec<ReviewByCustomer>,
    /// Stored, many-to-many, ordered by the row's `position`.
    #[selection(link, order = [link.position])]
    pub sales_channels: Vec<ChannelAt>,
    /// Read-only, to an external model served by the CMS service.
    #[selection(link)]
    pub cms_page: Option<CmsHeadline>,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = brand::Model, through = ProductBrand)]
pub struct FeaturedBrand {
    pub id: String,
    pub name: String,
    #[selection(link_column)]
    pub featured: bool,
}

/// A review with its customer (read-only, forward: the review holds `customer_id`).
#[derive(Debug, Serialize, Selection)]
#[selection(model = review::Model)]
pub struct ReviewByCustomer {
    pub id: String,
    pub rating: i32,
    pub body: String,
    #[selection(link)]
    pub customer: Option<CustomerName>,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = customer::Model)]
pub struct CustomerName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = sales_channel::Model, through = ProductSalesChannel)]
pub struct ChannelAt {
    pub id: String,
    pub name: String,
    #[selection(link_column)]
    pub position: i32,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = cms::Page)]
pub struct CmsHeadline {
    pub id: String,
    pub headline: String,
}

/// A brand's page: its products (the inverse side of `ProductBrand`), featured first.
#[derive(Debug, Serialize, Selection)]
#[selection(model = brand::Model)]
pub struct BrandPage {
    pub id: String,
    pub name: String,
    #[selection(link, order = [link.featured.desc(), title])]
    pub products: Vec<BrandProduct>,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = product::Model, through = ProductBrand)]
pub struct BrandProduct {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub price: i64,
    #[selection(link_column)]
    pub featured: bool,
}

/// A customer's page: the wishlist (stored, one-to-one, deleted with the customer).
#[derive(Debug, Serialize, Selection)]
#[selection(model = customer::Model)]
pub struct CustomerPage {
    pub id: String,
    pub name: String,
    #[selection(link)]
    pub wishlist: Option<WishlistTitle>,
}

#[derive(Debug, Serialize, Selection)]
#[selection(model = wishlist::Model)]
pub struct WishlistTitle {
    pub id: String,
    pub title: String,
}

/// A product as the admin page lists it: its brand and its sales channels, with the links'
/// columns.
#[derive(Debug, Serialize, Selection)]
#[selection(model = product::Model)]
pub struct AdminRow {
    pub id: String,
    pub title: String,
    #[selection(link)]
    pub brand: Option<FeaturedBrand>,
    #[selection(link, order = [link.position])]
    pub sales_channels: Vec<ChannelAt>,
}

/// A sales channel, as the admin page's form offers it.
#[derive(Debug, Serialize, Selection)]
#[selection(model = sales_channel::Model)]
pub struct ChannelName {
    pub id: String,
    pub name: String,
}
