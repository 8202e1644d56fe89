//! Registry set-up shared by the integration tests.

use link_runtime::{Links, LinksBuilder};
use link_tests::TestDb;
use link_tests::links::{
    BrandPost, CustomerWishlist, PostProduct, ProductBrand, ProductTag, RegionBrand, TagPost,
};

/// Every test link, registered and migrated on `t`.
#[allow(dead_code)] // Each test file compiles this module; not every one uses every helper.
pub async fn registry(t: &TestDb) -> Links {
    let links = builder(t).build().expect("the test links fit together");
    links.migrate().await.expect("migrate");
    t.take_statements();
    links
}

/// The builder of [`registry`], for a test that adds links or modules of its own.
pub fn builder(t: &TestDb) -> LinksBuilder {
    Links::builder(t.db.clone())
        .application("tests")
        .module("product")
        .module("brand")
        .module("customer")
        .module("wishlist")
        .module("post")
        .module("tag")
        .module("region")
        .link::<ProductBrand>()
        .link::<CustomerWishlist>()
        .link::<BrandPost>()
        .link::<ProductTag>()
        .link::<RegionBrand>()
        .link::<PostProduct>()
        .link::<TagPost>()
}

/// A proptest run of `LINK_PROPTEST_CASES` cases (`default` without it), nothing persisted.
#[allow(dead_code)]
pub fn proptest_config(default: u32) -> proptest::prelude::ProptestConfig {
    let cases = std::env::var("LINK_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    proptest::prelude::ProptestConfig {
        cases,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    }
}
