//! `Links::builder().build()` rejects declarations that do not fit together, naming both
//! definitions and the fix.

use link_runtime::{Error, Links, define_link};
use link_tests::links::ProductBrand;
use link_tests::models::{brand, product};

define_link! {
    /// A second link between products and brands, with the same aliases and table.
    pub ProductBrandAgain: product::Model [is_list] => brand::Model,
}

define_link! {
    /// Products and their "maker" brand: distinct aliases and table, so it may coexist.
    pub ProductMaker: product::Model [is_list, alias = "made_product"] => brand::Model [alias = "maker"],
    table = "product_maker",
}

define_link! {
    /// A link from a model to itself, which needs distinct key columns.
    pub RelatedProducts: product::Model [is_list] => product::Model [is_list],
    table = "related_product",
}

async fn db() -> sea_orm::DatabaseConnection {
    sea_orm::Database::connect("sqlite::memory:")
        .await
        .expect("sqlite")
}

fn definition_message(result: Result<Links, Error>) -> String {
    match result {
        Err(Error::Definition { message }) => message,
        Err(other) => panic!("expected a definition error, got {other:?}"),
        Ok(_) => panic!("expected a definition error, the registry was built"),
    }
}

#[tokio::test]
async fn an_unbound_module_is_named_with_the_fix() {
    let message = definition_message(
        Links::builder(db().await)
            .module("product")
            .link::<ProductBrand>()
            .build(),
    );
    assert!(
        message.starts_with("link ProductBrand (product → brand) (defined at tests/src/links.rs:"),
        "{message}"
    );
    assert!(
        message.ends_with("uses module `brand`, which is not bound: add `.module(\"brand\")` or `.module_on(\"brand\", connection)` to the builder"),
        "{message}"
    );
}

#[tokio::test]
async fn two_links_on_one_table_or_with_the_same_aliases_are_refused() {
    let message = definition_message(
        Links::builder(db().await)
            .module("product")
            .module("brand")
            .link::<ProductBrand>()
            .link::<ProductBrandAgain>()
            .build(),
    );
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 2, "both problems at once: {message}");
    assert!(
        lines[0].contains(
            "both use the table `product_product_brand_brand`: give one of them `table = \"…\"`"
        ),
        "{message}"
    );
    assert!(
        lines[1].contains("join the same models with the same aliases (`product`, `brand`)"),
        "{message}"
    );
    for line in lines {
        assert!(
            line.contains("ProductBrand (product → brand) (defined at tests/src/links.rs:"),
            "{line}"
        );
        assert!(
            line.contains(
                "ProductBrandAgain (product → brand) (defined at tests/integration/registry.rs:"
            ),
            "{line}"
        );
    }
}

define_link! {
    /// Its brand side has an alias of its own, but brands would show both links' products as
    /// `products`.
    pub ProductSupplier: product::Model [is_list] => brand::Model [alias = "supplier"],
    table = "product_supplier",
}

#[tokio::test]
async fn two_links_shown_under_one_name_are_refused() {
    let message = definition_message(
        Links::builder(db().await)
            .module("product")
            .module("brand")
            .link::<ProductBrand>()
            .link::<ProductSupplier>()
            .build(),
    );
    assert!(
        message.starts_with("links ProductBrand (product → brand) (defined at tests/src/links.rs:"),
        "{message}"
    );
    assert!(
        message.contains(
            "would both show their records on brand as `products`: give a side of one of them `alias = \"…\"`"
        ),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[tokio::test]
async fn distinct_aliases_and_tables_may_join_the_same_models() {
    let links = Links::builder(db().await)
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .link::<ProductMaker>()
        .link::<ProductMaker>()
        .build()
        .expect("distinct aliases and tables");
    assert_eq!(
        links.specs().count(),
        2,
        "registering a link twice is harmless"
    );
    links.migrate().await.expect("migrate");
    assert_eq!(
        links.table_name::<ProductMaker>().expect("registered"),
        "product_maker"
    );
}

#[tokio::test]
async fn a_module_bound_twice_and_a_self_link_are_refused() {
    let message = definition_message(
        Links::builder(db().await)
            .module("product")
            .module("product")
            .link::<RelatedProducts>()
            .build(),
    );
    assert!(
        message.contains("module `product` is bound twice"),
        "{message}"
    );
    assert!(
        message.contains("would store both sides in the column `product_id`"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unregistered_link_is_an_error_not_a_panic() {
    let database = db().await;
    let links = Links::builder(database.clone())
        .module("product")
        .module("brand")
        .build()
        .expect("no links");
    let err = links
        .create(
            &database,
            ProductBrand::new(product::Model::key("p1"), brand::Model::key("b1")),
        )
        .await
        .expect_err("not registered");
    assert!(matches!(err, Error::UnknownLink { .. }));
    assert_eq!(
        err.to_string(),
        "link ProductBrand (product → brand) is not registered: add `.link::<ProductBrand>()` to `Links::builder(…)`"
    );
}
