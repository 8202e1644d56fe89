//! The links between the modules, one file per link (or per group of read-only links), named
//! for what they attach, and the registry that binds them.

mod blog;
mod brand;
mod cart;
mod cms;
mod reviews;
mod sales_channel;
mod wishlist;

pub use blog::ProductPost;
pub use brand::{ProductBrand, product_brand};
pub use cart::CartCustomer;
pub use cms::ProductCmsPage;
pub use reviews::{ProductReviews, ReviewCustomer, ReviewProduct};
pub use sales_channel::{ProductSalesChannel, product_sales_channel};
pub use wishlist::CustomerWishlist;

use link_runtime::{Links, sea_orm::DatabaseConnection};

use crate::modules::cms::client::CmsClient;

/// Every module on `db` (the CMS on its service) and every link.
pub fn registry(db: DatabaseConnection, cms: CmsClient) -> link_runtime::Result<Links> {
    Links::builder(db)
        .application("storefront")
        .module("product")
        .module("brand")
        .module("customer")
        .module("wishlist")
        .module("blog")
        .module("review")
        .module("cart")
        .module("sales_channel")
        .external("cms", cms)
        .link::<ProductBrand>()
        .link::<CustomerWishlist>()
        .link::<ProductPost>()
        .link::<ProductSalesChannel>()
        .link::<ReviewProduct>()
        .link::<ReviewCustomer>()
        .link::<ProductReviews>()
        .link::<CartCustomer>()
        .link::<ProductCmsPage>()
        .build()
}
