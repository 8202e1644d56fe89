//! The JSON twins of update and the dynamic shape (SPEC §8), the graph's names and shapes
//! (§9.1, §9.2), read-only links (§9.5), per-parent pagination and links inside one module
//! (§12). Written from the SPEC before reading the code, on SQLite, PostgreSQL and MariaDB.

mod common;
mod spec_helpers;

use link_runtime::query::{AllowList, GraphQuery, Page};
use link_runtime::{Links, ListFilter, define_link};
use link_tests::links::{
    CollectionProducts, CustomerWishlist, PostProduct, ProductBrand, ProductMaker, ProductPosts,
    ProductTag, ProductVariant, product_brand,
};
use link_tests::models::{customer, post, product, variant, wishlist};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, EntityTrait, Schema};
use serde_json::{Value, json};

use spec_helpers::*;

mod stock_item {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "stock_item")]
    #[linkable(module = "inventory")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod category {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "category")]
    #[linkable(module = "taxonomy")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod person {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "person")]
    #[linkable(module = "crm")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

define_link! {
    /// Many products per stock item; one stock item per product.
    pub ProductStock: product::Model [is_list] => stock_item::Model,
    extra_columns { qty: i32 = 1 },
}

define_link! {
    pub ProductCategory: product::Model [is_list] => category::Model [is_list],
}

mod info {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "info")]
    #[linkable(module = "docs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

define_link! {
    pub ProductInfo: product::Model [is_list] => info::Model [is_list],
}

define_link! {
    pub ProductPerson: product::Model [is_list] => person::Model [is_list],
}

define_link! {
    /// A forward read-only link forced to a list.
    pub PostProducts: post::Model [field = product_id] => product::Model,
    read_only, is_list,
}

define_link! {
    /// An inverse read-only link that is not a list: a product's post.
    pub ProductLatestPost: product::Model [field = id]
        => post::Model [primary_key = product_id, alias = "latest_post"],
    read_only,
}

async fn registry(t: &TestDb) -> Links {
    let schema = Schema::new(t.sea_backend());
    for stmt in [
        schema.create_table_from_entity(stock_item::Entity),
        schema.create_table_from_entity(category::Entity),
        schema.create_table_from_entity(person::Entity),
    ] {
        t.db.execute(&stmt).await.expect("create module table");
    }
    t.exec("INSERT INTO stock_item (id, name) VALUES ('s1', 'Shelf 1'), ('s2', 'Shelf 2')")
        .await;
    t.exec("INSERT INTO category (id, name) VALUES ('k1', 'Shoes')")
        .await;
    t.exec("INSERT INTO person (id, name) VALUES ('h1', 'Ada')")
        .await;
    let links = common::builder(t)
        .module("inventory")
        .module("taxonomy")
        .module("crm")
        .link::<ProductStock>()
        .link::<ProductCategory>()
        .link::<ProductPerson>()
        .link::<ProductMaker>()
        .link::<ProductVariant>()
        .build()
        .unwrap_or_else(|e| panic!("{:?}: build: {e}", t.backend));
    links.migrate().await.expect("migrate");
    links
}

/// Read-only links only (no `PostProduct` beside `PostProducts`, whose properties differ).
async fn read_only_registry(t: &TestDb) -> Links {
    let links = Links::builder(t.db.clone())
        .application("tests")
        .module("product")
        .module("post")
        .module("collection")
        .link::<PostProducts>()
        .link::<ProductPosts>()
        .link::<CollectionProducts>()
        .link::<ProductLatestPost>()
        .build()
        .unwrap_or_else(|e| panic!("{:?}: build: {e}", t.backend));
    links.migrate().await.expect("migrate");
    links
}

async fn data(links: &Links, t: &TestDb, query: GraphQuery) -> Value {
    Value::Array(
        links
            .graph(&t.db, &query)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
            .data,
    )
}

async fn positions(t: &TestDb) -> Vec<(String, i32)> {
    let mut rows: Vec<(String, i32)> = product_brand::Entity::find()
        .all(&t.db)
        .await
        .expect("rows")
        .into_iter()
        .map(|m| (m.left, m.extra.position))
        .collect();
    rows.sort();
    rows
}

/// §8 update: "Typed and dynamic (`update_json`, the create shape, `data` required)": an
/// update without `data` is InvalidInput; an unknown or ill-typed column is InvalidInput
/// ("an unknown or ill-typed `data` column … → `InvalidInput`"), "raised before anything is
/// written", also when the bad item is the second of a batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_json_requires_data_and_refuses_bad_columns_writing_nothing() {
    for t in test_databases("probe_shapes_update_json").await {
        let links = registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("create");
        let good = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"position": 5}});
        for bad in [
            json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand"}),
            json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"positon": 1}}),
            json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"position": "high"}}),
            json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"featured": 1}}),
            json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"position": 1.5}}),
            json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"position": null}}),
        ] {
            let err = links
                .update_json(&t.db, &json!([good.clone(), bad.clone()]))
                .await
                .expect_err("a bad update");
            assert_eq!(kind(&err), "InvalidInput", "{:?}: {bad}: {err}", t.backend);
            assert_eq!(
                positions(&t).await,
                [("p1".to_string(), 0), ("p2".to_string(), 0)],
                "{:?}: {bad} wrote",
                t.backend
            );
        }
        // The same good update twice: same answer, one row.
        for _ in 0..2 {
            let out = links.update_json(&t.db, &good).await.expect("update");
            assert_eq!(out.len(), 1, "{out:?}");
            assert_eq!(out[0]["data"]["position"], json!(5), "{out:?}");
            assert_eq!(out[0]["data"]["featured"], json!(false), "{out:?}");
        }
        assert_eq!(
            positions(&t).await,
            [("p1".to_string(), 5), ("p2".to_string(), 0)]
        );
    }
}

/// §8 update: "if any is missing, `NotFound` naming every missing pair and nothing changes" in
/// the JSON twin: one never created, one dismissed, beside a live one that keeps its data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_json_of_missing_pairs_names_both_and_changes_nothing() {
    for t in test_databases("probe_shapes_update_missing").await {
        let links = registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("create");
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss");
        let item = |p: &str| json!({"product": {"product_id": p}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"position": 7}});
        let err = links
            .update_json(&t.db, &json!([item("p1"), item("p2"), item("p3")]))
            .await
            .expect_err("p2, p3 not live");
        match &err {
            link_runtime::Error::NotFound { pairs, message, .. } => {
                assert_eq!(
                    pairs.get("ProductBrand").cloned().unwrap_or_default(),
                    [
                        ("p2".to_string(), "b1".to_string()),
                        ("p3".to_string(), "b1".to_string())
                    ],
                    "{:?}",
                    t.backend
                );
                assert!(
                    message.contains("p2") && message.contains("p3"),
                    "{message}"
                );
            }
            other => panic!("{:?}: {other:?}", t.backend),
        }
        assert_eq!(
            positions(&t).await,
            [("p1".to_string(), 0), ("p2".to_string(), 0)]
        );
        assert_eq!(
            live::<ProductBrand>(&t, &links).await.len(),
            1,
            "not revived"
        );
    }
}

/// §8 "The dynamic shape keys each side by module name (Medusa) or … by model name …; a module
/// name is still accepted when its key names the model unambiguously"; rows come back keyed by
/// the module's name (README: "or its model's name when the module has several linked models").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_side_is_named_by_its_module_or_its_model() {
    for t in test_databases("probe_shapes_module_or_model").await {
        let links = registry(&t).await;
        t.products(&["p1", "p2"]).await;
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "inventory": {"stock_item_id": "s1"}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: by module: {e}", t.backend));
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p2"}, "stock_item": {"stock_item_id": "s2"}, "data": {"qty": 3}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: by model: {e}", t.backend));
        let rows = links
            .list_json(
                &t.db,
                &json!({"inventory": {"stock_item_id": ["s1", "s2"]}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: list: {e}", t.backend));
        let mut rows = rows;
        rows.sort_by_key(|r| r.to_string());
        assert_eq!(
            rows,
            [
                json!({"product": {"product_id": "p1"}, "inventory": {"stock_item_id": "s1"}, "data": {"qty": 1}}),
                json!({"product": {"product_id": "p2"}, "inventory": {"stock_item_id": "s2"}, "data": {"qty": 3}}),
            ],
            "{:?}",
            t.backend
        );
        // A module name whose key names no model of it.
        let err = links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "inventory": {"shelf_id": "s1"}}),
            )
            .await
            .expect_err("no such key");
        assert_eq!(kind(&err), "InvalidInput", "{:?}: {err}", t.backend);
    }
}

/// §8 "where a module holds several models or a link joins two models of one module, by model
/// name"; §12 "links between two models of the same module", both directions through the Link
/// service (typed and JSON) and Query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_models_of_one_module_link_both_ways() {
    for t in test_databases("probe_shapes_same_module").await {
        let links = registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.exec("INSERT INTO variant (id, sku) VALUES ('v1', 'S1'), ('v2', 'S2'), ('v3', 'S3')")
            .await;
        links
            .create(
                &t.db,
                ProductVariant::new(p("p1"), variant::Model::key("v1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: typed: {e}", t.backend));
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "variant": {"variant_id": "v2"}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: json: {e}", t.backend));
        let listed = links
            .list_json(&t.db, &json!({"variant": {"variant_id": "v2"}}))
            .await
            .unwrap_or_else(|e| panic!("{:?}: list: {e}", t.backend));
        assert_eq!(
            listed,
            [json!({"product": {"product_id": "p1"}, "variant": {"variant_id": "v2"}})],
            "{:?}",
            t.backend
        );
        let from_product = data(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "variants.sku"])
                .order("id", "ASC"),
        )
        .await;
        let mut first = from_product[0]["variants"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        first.sort_by_key(|v| v["id"].to_string());
        assert_eq!(
            (Value::Array(first), &from_product[1]),
            (
                json!([{"id": "v1", "sku": "S1"}, {"id": "v2", "sku": "S2"}]),
                &json!({"id": "p2", "variants": []})
            ),
            "{:?}",
            t.backend
        );
        let from_variant = data(
            &links,
            &t,
            GraphQuery::new("variant")
                .fields(["id", "product.title"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            from_variant,
            json!([
                {"id": "v1", "product": {"id": "p1", "title": "Product p1"}},
                {"id": "v2", "product": {"id": "p1", "title": "Product p1"}},
                {"id": "v3", "product": null}
            ]),
            "{:?}",
            t.backend
        );
        let dismissed = links
            .dismiss(
                &t.db,
                ProductVariant::new(p("p1"), variant::Model::key("v1")),
            )
            .await
            .expect("dismiss");
        assert!(dismissed);
        assert_eq!(live::<ProductVariant>(&t, &links).await.len(), 1);
    }
}

/// §8 "An optional `"link": "PostAuthor"` picks the link when two links join the same pair of
/// models (it may be given for any pair; a name that is not a link is `UnknownLink`, a link
/// that does not join the given models is `InvalidInput`)".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_key_picks_between_two_links_of_one_pair() {
    for t in test_databases("probe_shapes_link_key").await {
        let links = registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        let pair = |link: &str| json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "link": link});
        links
            .create_json(&t.db, &pair("ProductMaker"))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(live::<ProductMaker>(&t, &links).await.len(), 1);
        assert_eq!(live::<ProductBrand>(&t, &links).await.len(), 0);
        links
            .create_json(&t.db, &pair("ProductBrand"))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(live::<ProductBrand>(&t, &links).await.len(), 1);
        // Given for a pair with one link.
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p2"}, "inventory": {"stock_item_id": "s1"}, "link": "ProductStock"}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let err = links
            .create_json(&t.db, &pair("ProductBrandz"))
            .await
            .expect_err("no such link");
        assert_eq!(kind(&err), "UnknownLink", "{:?}: {err}", t.backend);
        let err = links
            .create_json(&t.db, &pair("CustomerWishlist"))
            .await
            .expect_err("not this pair's link");
        assert_eq!(kind(&err), "InvalidInput", "{:?}: {err}", t.backend);
        let err = links
            .update_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "link": "CustomerWishlist", "data": {}}),
            )
            .await
            .expect_err("not this pair's link");
        assert_eq!(kind(&err), "InvalidInput", "{:?}: {err}", t.backend);
        assert_eq!(live::<ProductMaker>(&t, &links).await.len(), 1);
    }
}

/// §9.1 "an `alias = "…"` given in `define_link!` is used verbatim …; without one, the
/// model's name, plural for a list side (Medusa's rule: `products`)": irregular plurals too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn property_names_are_aliases_verbatim_or_medusas_plurals() {
    for t in test_databases("probe_shapes_names").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductMaker::new(p("p1"), b("b1")))
            .await
            .expect("maker");
        links
            .create(
                &t.db,
                ProductCategory::new(p("p1"), category::Model::key("k1")),
            )
            .await
            .expect("category");
        links
            .create(&t.db, ProductPerson::new(p("p1"), person::Model::key("h1")))
            .await
            .expect("person");
        let got = data(
            &links,
            &t,
            GraphQuery::new("product").fields(["id", "maker.id", "categories.id", "people.id"]),
        )
        .await;
        assert_eq!(
            got,
            json!([{"id": "p1", "maker": {"id": "b1"}, "categories": [{"id": "k1"}], "people": [{"id": "h1"}]}]),
            "{:?}",
            t.backend
        );
        let got = data(
            &links,
            &t,
            GraphQuery::new("brand").fields(["id", "made_product.id"]),
        )
        .await;
        assert_eq!(
            got,
            json!([{"id": "b1", "made_product": [{"id": "p1"}]}]),
            "{:?}: a list side's alias, verbatim (not pluralised), always an array",
            t.backend
        );
    }
}

/// §9.1 "`*` selects every column of the model, `deleted_at` included where the model has one
/// (as Medusa), and no link"; "nested paths across several hops".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn star_is_every_column_and_no_link_and_paths_cross_hops() {
    for t in test_databases("probe_shapes_star").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.posts(&["s1"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("pb");
        links
            .create(
                &t.db,
                link_tests::links::BrandPost::new(b("b1"), post::Model::key("s1")),
            )
            .await
            .expect("bp");
        links
            .create(
                &t.db,
                link_tests::links::TagPost::new(tg("t1"), post::Model::key("s1"))
                    .with(link_tests::links::tag_post::Data::default().reason("r".into())),
            )
            .await
            .expect("tp");
        let got = data(&links, &t, GraphQuery::new("product").fields(["*"])).await;
        assert_eq!(
            got,
            json!([{"id": "p1", "title": "Product p1", "deleted_at": null}]),
            "{:?}",
            t.backend
        );
        let got = data(
            &links,
            &t,
            GraphQuery::new("product").fields(["id", "brand.*", "brand.posts.tags.label"]),
        )
        .await;
        assert_eq!(
            got,
            json!([{"id": "p1", "brand": {"id": "b1", "name": "Brand b1", "posts": [{"id": "s1", "tags": [{"id": "t1", "label": "Tag t1"}]}]}}]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.1 "Unknown fields are an error that lists the valid ones. An API can pass an allow-list
/// so only chosen fields are reachable from HTTP."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_list_the_valid_ones_and_allow_lists_hide_the_rest() {
    for t in test_databases("probe_shapes_unknown").await {
        let links = registry(&t).await;
        for (fields, valid) in [
            (vec!["id", "titel"], "title"),
            (vec!["id", "brand.nmae"], "name"),
            (vec!["id", "brands.id"], "brand"),
        ] {
            let err = links
                .graph(&t.db, &GraphQuery::new("product").fields(fields.clone()))
                .await
                .expect_err("unknown field");
            assert!(
                err.to_string().contains(valid),
                "{:?}: {fields:?}: {err}",
                t.backend
            );
        }
        let allow = AllowList::new(["id", "brand.*"]);
        links
            .graph_within(
                &t.db,
                &GraphQuery::new("product").fields(["id", "brand.name"]),
                &allow,
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let hidden = links
            .graph_within(
                &t.db,
                &GraphQuery::new("product").fields(["id", "title"]),
                &allow,
            )
            .await
            .expect_err("title is not allowed");
        let missing = links
            .graph_within(
                &t.db,
                &GraphQuery::new("product").fields(["id", "tilte"]),
                &allow,
            )
            .await
            .expect_err("no such field");
        assert_eq!(
            hidden.to_string().replace("title", "X"),
            missing.to_string().replace("tilte", "X"),
            "{:?}: a hidden name gets the answer of one that does not exist",
            t.backend
        );
        assert!(!hidden.to_string().contains("tags"), "{hidden}");
    }
}

/// §9.2 "A non-list side is always an object or `null` … never omitted", also when the linked
/// record was soft-deleted by its module or the link dismissed; a list side is `[]` then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_partners_read_as_null_or_empty() {
    for t in test_databases("probe_shapes_gone").await {
        let links = registry(&t).await;
        t.customers(&["c1", "c2"]).await;
        t.wishlists(&["w1", "w2"]).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        for (c, w) in [("c1", "w1"), ("c2", "w2")] {
            links
                .create(
                    &t.db,
                    CustomerWishlist::new(customer::Model::key(c), wishlist::Model::key(w)),
                )
                .await
                .expect("cw");
        }
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("pb");
        soft_delete_wishlist(&t, "w1").await;
        links
            .dismiss(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c2"), wishlist::Model::key("w2")),
            )
            .await
            .expect("dismiss");
        soft_delete_product(&t, "p1").await;
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss");
        let got = data(
            &links,
            &t,
            GraphQuery::new("customer")
                .fields(["id", "wishlist.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            got,
            json!([{"id": "c1", "wishlist": null}, {"id": "c2", "wishlist": null}]),
            "{:?}",
            t.backend
        );
        let got = data(
            &links,
            &t,
            GraphQuery::new("brand").fields(["id", "products.id"]),
        )
        .await;
        assert_eq!(
            got,
            json!([{"id": "b1", "products": []}]),
            "{:?}",
            t.backend
        );
        let got = data(
            &links,
            &t,
            GraphQuery::new("product").fields(["id", "brand.id"]),
        )
        .await;
        assert_eq!(got, json!([{"id": "p2", "brand": null}]), "{:?}", t.backend);
    }
}

/// §12 "per-parent pagination of nested lists": each parent gets its own first N, not N in
/// all; on a one-to-many list and on a many-to-many list whose children are shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_lists_are_paged_per_parent() {
    for t in test_databases("probe_shapes_per_parent").await {
        let links = registry(&t).await;
        t.brands(&["b1", "b2", "b3"]).await;
        let mut pairs = Vec::new();
        for brand in ["b1", "b2"] {
            for n in 1..=3 {
                let id = format!("{brand}p{n}");
                t.products(&[&id]).await;
                pairs.push(ProductBrand::new(p(&id), b(brand)));
            }
        }
        links.create_many(&t.db, pairs).await.expect("pb");
        let got = data(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "products.id"])
                .order("id", "ASC")
                .nested("products", Page::default().take(2).order("id", "DESC")),
        )
        .await;
        assert_eq!(
            got,
            json!([
                {"id": "b1", "products": [{"id": "b1p3"}, {"id": "b1p2"}]},
                {"id": "b2", "products": [{"id": "b2p3"}, {"id": "b2p2"}]},
                {"id": "b3", "products": []}
            ]),
            "{:?}",
            t.backend
        );
        let got = data(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "products.id"])
                .order("id", "ASC")
                .nested(
                    "products",
                    Page::default().skip(1).take(1).order("id", "ASC"),
                ),
        )
        .await;
        assert_eq!(
            got,
            json!([
                {"id": "b1", "products": [{"id": "b1p2"}]},
                {"id": "b2", "products": [{"id": "b2p2"}]},
                {"id": "b3", "products": []}
            ]),
            "{:?}",
            t.backend
        );
        // Many-to-many: tags shared by every product.
        t.tags(&["t1", "t2", "t3"]).await;
        let mut tagged = Vec::new();
        for prod in ["b1p1", "b1p2", "b2p1"] {
            for tag in ["t1", "t2", "t3"] {
                tagged.push(ProductTag::new(p(prod), tg(tag)));
            }
        }
        links.create_many(&t.db, tagged).await.expect("tags");
        let got = data(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "tags.id"])
                .filters(json!({"id": ["b1p1", "b1p2", "b2p1"]}))
                .order("id", "ASC")
                .nested("tags", Page::default().take(1).order("id", "DESC")),
        )
        .await;
        assert_eq!(
            got,
            json!([
                {"id": "b1p1", "tags": [{"id": "t3"}]},
                {"id": "b1p2", "tags": [{"id": "t3"}]},
                {"id": "b2p1", "tags": [{"id": "t3"}]}
            ]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.5 forward read-only links: "a `String` or `Option<String>` field gives one record or
/// null"; "`is_list` to force a list"; ids pointing at missing or soft-deleted records; a NULL
/// or empty id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_read_only_links_give_one_or_null_or_a_forced_list() {
    for t in test_databases("probe_shapes_ro_forward").await {
        let links = read_only_registry(&t).await;
        t.products(&["p1", "p2"]).await;
        soft_delete_product(&t, "p2").await;
        t.posts(&["s1", "s2", "s3", "s4", "s5"]).await;
        for (post, product) in [("s1", "p1"), ("s2", "p2"), ("s3", "p9"), ("s5", "")] {
            t.exec(&format!(
                "UPDATE post SET product_id = '{product}' WHERE id = '{post}'"
            ))
            .await;
        }
        let got = data(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "products.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            got,
            json!([
                {"id": "s1", "products": [{"id": "p1"}]},
                {"id": "s2", "products": []},
                {"id": "s3", "products": []},
                {"id": "s4", "products": []},
                {"id": "s5", "products": []}
            ]),
            "{:?}: forced list",
            t.backend
        );
        // The same through the fixture's one-record link.
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("post")
            .link::<PostProduct>()
            .build()
            .expect("build");
        let got = data(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "product.title"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            got,
            json!([
                {"id": "s1", "product": {"id": "p1", "title": "Product p1"}},
                {"id": "s2", "product": null},
                {"id": "s3", "product": null},
                {"id": "s4", "product": null},
                {"id": "s5", "product": null}
            ]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.5 array fields and inverse links: an array field gives an array (missing and deleted ids
/// left out, `[]` for none); an inverse link with `is_list` gives an array; an inverse link
/// without it gives one record or null, never an array (§9.2), even when two records point back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_and_inverse_read_only_links_keep_stable_shapes() {
    for t in test_databases("probe_shapes_ro_inverse").await {
        let links = read_only_registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        soft_delete_product(&t, "p3").await;
        t.posts(&["s1", "s2", "s3"]).await;
        for (post, product) in [("s1", "p1"), ("s2", "p1"), ("s3", "p2")] {
            t.exec(&format!(
                "UPDATE post SET product_id = '{product}' WHERE id = '{post}'"
            ))
            .await;
        }
        t.exec("UPDATE post SET deleted_at = CURRENT_TIMESTAMP WHERE id = 's3'")
            .await;
        t.exec(
            "INSERT INTO collection (id, title, product_ids) VALUES ('c1', 'One', '[\"p1\", \"p9\", \"p3\", \"p2\"]'), ('c2', 'Two', '[]')",
        )
        .await;
        let got = data(
            &links,
            &t,
            GraphQuery::new("collection")
                .fields(["id", "products.id"])
                .order("id", "ASC"),
        )
        .await;
        let mut first = got[0]["products"].as_array().cloned().unwrap_or_default();
        first.sort_by_key(|v| v.to_string());
        assert_eq!(
            (Value::Array(first), &got[1]),
            (
                json!([{"id": "p1"}, {"id": "p2"}]),
                &json!({"id": "c2", "products": []})
            ),
            "{:?}",
            t.backend
        );
        let got = data(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "posts.id", "latest_post.id"])
                .order("id", "ASC"),
        )
        .await;
        let p1 = &got[0];
        assert!(
            p1["latest_post"].is_object(),
            "{:?}: a non-list side is an object even with two matches: {got}",
            t.backend
        );
        let mut posts = p1["posts"].as_array().cloned().unwrap_or_default();
        posts.sort_by_key(|v| v.to_string());
        assert_eq!(Value::Array(posts), json!([{"id": "s1"}, {"id": "s2"}]));
        assert_eq!(
            &got[1],
            &json!({"id": "p2", "posts": [], "latest_post": null}),
            "{:?}: its only post is soft-deleted",
            t.backend
        );
        assert_eq!(got.as_array().map(Vec::len), Some(2), "{:?}", t.backend);
    }
}

/// §8 list: "with one side given, `"link"` is required when that model takes part in several
/// links"; the dynamic list of a typed create agrees with `list`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_agrees_with_the_typed_list() {
    for t in test_databases("probe_shapes_list").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().note(Some("n".into()))),
            )
            .await
            .expect("create");
        let typed = links
            .list::<ProductBrand, _>(&t.db, ListFilter::all())
            .await
            .expect("list");
        let rows = links
            .list_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand"}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows.len(), typed.len());
        assert_eq!(rows[0]["data"]["note"], json!("n"), "{rows:?}");
        assert_eq!(rows[0]["link"], json!("ProductBrand"), "{rows:?}");
        let err = links
            .list_json(&t.db, &json!({"brand": {"brand_id": "b1"}}))
            .await
            .expect_err("brand takes part in several links");
        assert!(
            ["InvalidInput", "UnknownLink"].contains(&kind(&err)),
            "{:?}: {err}",
            t.backend
        );
    }
}

/// §9.1 "without one, the model's name, plural for a list side (Medusa's rule …)";
/// medusa-behaviour §1.2: "the npm `pluralize` package plus an uncountable rule for "info"".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_stays_info_on_a_list_side_as_in_medusa() {
    for t in test_databases("probe_shapes_info").await {
        let schema = Schema::new(t.sea_backend());
        t.db.execute(&schema.create_table_from_entity(info::Entity))
            .await
            .expect("info table");
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("docs")
            .link::<ProductInfo>()
            .build()
            .expect("build");
        links.migrate().await.expect("migrate");
        t.products(&["p1"]).await;
        t.exec("INSERT INTO info (id) VALUES ('i1')").await;
        links
            .create(&t.db, ProductInfo::new(p("p1"), info::Model::key("i1")))
            .await
            .expect("create");
        let got = links
            .graph(&t.db, &GraphQuery::new("product").fields(["id", "info.id"]))
            .await
            .map(|g| Value::Array(g.data))
            .map_err(|e| e.to_string());
        assert_eq!(
            got,
            Ok(json!([{"id": "p1", "info": [{"id": "i1"}]}])),
            "{:?}",
            t.backend
        );
    }
}
