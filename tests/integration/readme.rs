//! The README's tour compiles: every `rust,ignore` block of README.md appears, line for line
//! (indentation aside), in this file, which the compiler checks. Changing the API breaks this
//! file; changing the README without it breaks the test below.

// The tour is compiled, not run: its values are shown, not used. Its items are
// `#[rustfmt::skip]`: they are the README's text, formatted for reading.
#![allow(dead_code, unused_variables)]

use std::error::Error;

use link_runtime::query::{GraphQuery, Page};
use link_runtime::{Links, ListFilter, Selection, define_link, query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;
use serde_json::json;

#[rustfmt::skip]
pub mod product {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "product")]
    #[linkable(module = "product")]          // name, key and primary_key can be overridden
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,                     // linkable key: `product_id`
        pub title: String,
        pub deleted_at: Option<DateTimeUtc>, // soft-deletable
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

// The tour's other models, from the tests' world.
use link_tests::models::{brand, customer, post, wishlist};

define_link! {
    /// A brand has many products; each product has one brand.
    pub ProductBrand: product::Model [is_list] => brand::Model [filterable(id, name)],
    extra_columns { featured: bool = false, position: i32 = 0, note: Option<String> },
}
define_link! { pub CustomerWishlist: customer::Model => wishlist::Model [delete_cascade] }
define_link! { pub PostProduct: post::Model [field = product_id] => product::Model, read_only }

define_link! {
    pub RelatedProducts: product::Model [is_list, alias = "related"]
        => product::Model [is_list, alias = "related_to"],
}
// GraphQuery::new("product").fields(["id", "related_to.title", "related.title"])

type BoxError = Box<dyn Error + Send + Sync>;

#[rustfmt::skip]
async fn registry(db: DatabaseConnection) -> Result<Links, BoxError> {
    let links = Links::builder(db.clone())
        .application("shop")                    // owns the link tables its migrations create
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .build()?;
    links.migrate().await?;
    Ok(links)
}

#[rustfmt::skip]
async fn link_service(links: Links, db: DatabaseConnection) -> Result<(), BoxError> {
    let txn = db.begin().await?;
    let pairs = [ProductBrand::new(product::Model::key("p2"), brand::Model::key("b1"))];
    let (p, b) = (product::Model::key("p3"), brand::Model::key("b1"));
    let row = links
        .create(&txn, ProductBrand::new(product::Model::key("p1"), brand::Model::key("b1"))
            .with(product_brand::Data::default().featured(true)))
        .await?;                                   // LinkRow { id: "link_01…", left, right, extra, … }
    links.create_many(&db, pairs).await?;          // atomic; Conflict / NotFound name the records
    links.dismiss(&db, ProductBrand::new(p, b.clone())).await?;
    let rows = links.list(&db, ListFilter::<ProductBrand>::all().right([b])).await?;

    let dismissed = product_brand::Entity::find()
        .filter(product_brand::Column::DeletedAt.is_not_null())
        .all(&db)
        .await?;

    let report = links.delete(&db, [product::Model::key("p1")]).await?;   // records and links, per model and link
    links.restore(&db, [product::Model::key("p1")]).await?;
    Ok(())
}

#[rustfmt::skip]
async fn medusa_json(links: Links, db: DatabaseConnection) -> Result<(), BoxError> {
    links.create_json(&db, &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true}})).await?;
    links.update_json(&db, &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"position": 2}})).await?;
    links.list_json(&db, &json!([{"brand": {"brand_id": ["b1", "b2"]}, "link": "ProductBrand"}, {"tag": {"tag_id": "t1"}, "link": "ProductTag"}])).await?;
    let data: product_brand::Data = serde_json::from_value(json!({"featured": true}))?; // the same checks
    links.delete_json(&db, &json!({"product": {"product_id": ["p1"]}})).await?;
    Ok(())
}

#[rustfmt::skip]
async fn typed_query(links: Links, db: DatabaseConnection) -> Result<(), BoxError> {
    #[derive(Debug, Serialize, Selection)]
    #[selection(model = product::Model)]
    pub struct ProductCard {
        pub id: String,                 // a selection holds its model's key
        pub title: String,              // a field of product::Model, of its type
        #[selection(link)]
        pub brand: Option<BrandName>,   // one brand: an Option (a list side is a Vec)
    }

    #[derive(Debug, Serialize, Selection)]
    #[selection(model = brand::Model)]
    pub struct BrandName {
        pub id: String,
        pub name: String,
    }

    let page = query!(ProductCard,
            filter = brand.name.ilike("acme%") && title != "Hat", // `filterable(name)` on the brand side
            order = [brand.name, title.desc()])
        .take(20)
        .page(&links, &db)
        .await?;                        // Paged { data: Vec<ProductCard>, count, skip, take }
    Ok(())
}

#[rustfmt::skip]
async fn query(links: Links, db: DatabaseConnection) -> Result<(), BoxError> {
    let page = links.graph(&db, &GraphQuery::new("product")
        .fields(["id", "title", "brand.name", "tags.*", "posts.body"])
        .filters(json!({"brand": {"name": {"$ilike": "acme%"}}, "title": {"$ne": "Hat"}}))
        .order("brand.name", "ASC")                     // `filterable(name)` on the brand side
        .take(20)
        .nested("posts", Page::default().take(3).order("body", "DESC"))) // 3 posts per product
        .await?;
    // {"data": [{"id": "p1", "title": "Shirt", "brand": {"id": "b1", "name": "Acme"}, "tags": [...],
    //            "posts": [...]}], "metadata": {"count": 1, "skip": 0, "take": 20}}
    Ok(())
}

#[rustfmt::skip]
async fn link_columns(links: Links, db: DatabaseConnection) -> Result<(), BoxError> {
    #[derive(Debug, Serialize, Selection)]
    #[selection(model = product::Model)]
    pub struct ProductPlacement {
        pub id: String,
        #[selection(link)]
        pub brand: Option<PlacedBrand>,
    }

    let featured = links.graph(&db, &GraphQuery::new("product")
        .fields(["id", "brand.name", "brand.position"])        // `position` is the link row's
        .filters(json!({"brand": {"featured": true}}))
        .order("brand.position", "ASC")).await?;
    let rows = links.graph(&db, &GraphQuery::new("product_brand") // the link table's rows
        .fields(["*", "product.title", "brand.name"])
        .filters(json!({"product_id": "p1"}))).await?;

    #[derive(Debug, Serialize, Selection)]
    #[selection(model = brand::Model, through = ProductBrand)]
    pub struct PlacedBrand {
        pub id: String,
        #[selection(link_column)]
        pub position: i32,              // a column of the product–brand row, of its type
    }
    let placed = query!(ProductPlacement,                       // `brand: Option<PlacedBrand>`
            filter = brand.link.featured == true,
            order = [brand.link.position])
        .all(&links, &db)
        .await?;
    Ok(())
}

#[rustfmt::skip]
async fn typed_loading(
    links: Links,
    db: DatabaseConnection,
    products: Vec<product::Model>,
    some_brands: Vec<brand::Model>,
    posts: Vec<post::Model>,
) -> Result<(), BoxError> {
    let brands: Vec<Vec<brand::Model>> = links.load_right::<ProductBrand, _>(&db, &products).await?;
    let products: Vec<Vec<product::Model>> = links.load_left::<ProductBrand, _>(&db, &some_brands).await?;
    let linked: Vec<Vec<product::Model>> = links.load_read_only::<PostProduct, _>(&db, &posts).await?; // one statement
    Ok(())
}

/// The lines of `text` as the comparison reads them: trimmed, blank ones left out.
fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

#[test]
fn every_rust_block_of_the_readme_is_compiled_here() {
    let readme = include_str!("../../README.md");
    let this = lines(include_str!("readme.rs"));
    let mut blocks = 0;
    let mut rest = readme;
    while let Some(start) = rest.find("```rust") {
        let body = &rest[start..];
        let open = body.find('\n').map_or(body.len(), |i| i + 1);
        let close = body[open..].find("```").map_or(body.len(), |i| open + i);
        let block = lines(&body[open..close]);
        blocks += 1;
        assert!(
            this.windows(block.len())
                .any(|window| window == block.as_slice()),
            "README block {blocks} is not in tests/integration/readme.rs, where it would be compiled; copy it there (or correct it):\n{}",
            block.join("\n")
        );
        rest = &body[close.min(body.len())..];
        rest = rest.get(3..).unwrap_or("");
    }
    assert!(blocks >= 10, "found only {blocks} rust blocks in README.md");
}
