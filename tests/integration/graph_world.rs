//! The world the graph tests query: every test link but the external ones, and products,
//! brands, tags, variants, posts and collections linked in every way.

#![allow(dead_code)] // Each test file compiles this module; not every one uses every helper.
#![allow(clippy::panic)] // A failing test panics on purpose.

use link_runtime::query::{Graph, GraphQuery};
use link_runtime::{Error, Links, LinksBuilder};
use link_tests::TestDb;
use link_tests::links::{
    BrandPost, CollectionProducts, ProductBrand, ProductMaker, ProductPosts, ProductTag,
    ProductVariant, product_brand, product_tag,
};
use link_tests::models::{brand, collection, post, product, tag, variant};
use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::json;

use crate::common;

/// Every test link but the external ones, with every module bound to `t`.
pub fn builder(t: &TestDb) -> LinksBuilder {
    common::builder(t)
        .module("collection")
        .link::<ProductVariant>()
        .link::<ProductMaker>()
        .link::<CollectionProducts>()
        .link::<ProductPosts>()
}

pub async fn registry(t: &TestDb) -> Links {
    let links = builder(t).build().expect("the test links fit together");
    links.migrate().await.expect("migrate");
    links
}

pub async fn insert<E: EntityTrait>(t: &TestDb, models: Vec<E::Model>)
where
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    E::insert_many(models.into_iter().map(IntoActiveModel::into_active_model))
        .exec(&t.db)
        .await
        .expect("insert fixtures");
}

pub fn product(id: &str, title: &str) -> product::Model {
    product::Model {
        id: id.into(),
        title: title.into(),
        deleted_at: None,
    }
}

pub fn post(id: &str, body: &str, product_id: Option<&str>) -> post::Model {
    post::Model {
        id: id.into(),
        body: body.into(),
        product_id: product_id.map(Into::into),
        deleted_at: None,
    }
}

/// Products p1 Shirt, p2 Hat, p3 Shoe (nothing linked), p4 Sock (soft-deleted); brands b1
/// Acme and b2 Zeta; p1 → b1 and p2 → b2, p1 made by b2; tags; variants of p1; posts s1, s2
/// (and the soft-deleted s4) of p1, s3 of p2, all of brand b1; collections.
pub async fn seed(t: &TestDb, links: &Links) {
    let mut sock = product("p4", "Sock");
    sock.deleted_at = Some(chrono::Utc::now());
    insert::<product::Entity>(
        t,
        vec![
            product("p1", "Shirt"),
            product("p2", "Hat"),
            product("p3", "Shoe"),
            sock,
        ],
    )
    .await;
    insert::<brand::Entity>(
        t,
        vec![
            brand::Model {
                id: "b1".into(),
                name: "Acme".into(),
            },
            brand::Model {
                id: "b2".into(),
                name: "Zeta".into(),
            },
        ],
    )
    .await;
    t.tags(&["t1", "t2"]).await;
    insert::<variant::Entity>(
        t,
        vec![
            variant::Model {
                id: "v1".into(),
                sku: "SKU-1".into(),
            },
            variant::Model {
                id: "v2".into(),
                sku: "SKU-2".into(),
            },
        ],
    )
    .await;
    let mut deleted = post("s4", "delta", Some("p1"));
    deleted.deleted_at = Some(chrono::Utc::now());
    insert::<post::Entity>(
        t,
        vec![
            post("s1", "alpha", Some("p1")),
            post("s2", "beta", Some("p1")),
            post("s3", "gamma", Some("p2")),
            deleted,
            post("s5", "epsilon", None),
            post("s6", "zeta", Some("p4")),
        ],
    )
    .await;
    insert::<collection::Entity>(
        t,
        vec![
            collection::Model {
                id: "c1".into(),
                title: "Summer".into(),
                product_ids: json!(["p2", "p1", "nope"]),
            },
            collection::Model {
                id: "c2".into(),
                title: "Empty".into(),
                product_ids: json!([]),
            },
        ],
    )
    .await;

    let p = product::Model::key;
    let b = brand::Model::key;
    links
        .create_many(
            &t.db,
            [
                ProductBrand::new(p("p1"), b("b1")),
                ProductBrand::new(p("p2"), b("b2")),
            ],
        )
        .await
        .expect("brands");
    links
        .create(&t.db, ProductMaker::new(p("p1"), b("b2")))
        .await
        .expect("maker");
    links
        .create_many(
            &t.db,
            [
                ProductTag::new(p("p1"), tag::Model::key("t1")),
                ProductTag::new(p("p1"), tag::Model::key("t2")),
                ProductTag::new(p("p2"), tag::Model::key("t1")),
            ],
        )
        .await
        .expect("tags");
    links
        .create_many(
            &t.db,
            [
                ProductVariant::new(p("p1"), variant::Model::key("v1")),
                ProductVariant::new(p("p1"), variant::Model::key("v2")),
            ],
        )
        .await
        .expect("variants");
    links
        .create_many(
            &t.db,
            ["s1", "s2", "s3"].map(|s| BrandPost::new(b("b1"), post::Model::key(s))),
        )
        .await
        .expect("posts");
    t.take_statements();
}

/// Weights on the product–tag rows (p1–t1 2.0, p1–t2 0.5, p2–t1 3.0) and positions on the
/// product–brand rows (p1–b1 7, p2–b2 3). The rows exist already, so these creates update them
/// in place.
pub async fn seed_link_columns(t: &TestDb, links: &Links) {
    let (p, tg) = (product::Model::key, tag::Model::key);
    links
        .create_many(
            &t.db,
            [
                ProductTag::new(p("p1"), tg("t1")).with(product_tag::Data::default().weight(2.0)),
                ProductTag::new(p("p1"), tg("t2")).with(product_tag::Data::default().weight(0.5)),
                ProductTag::new(p("p2"), tg("t1")).with(product_tag::Data::default().weight(3.0)),
            ],
        )
        .await
        .expect("weights");
    let b = brand::Model::key;
    links
        .create_many(
            &t.db,
            [
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(7)),
                ProductBrand::new(p("p2"), b("b2"))
                    .with(product_brand::Data::default().position(3)),
            ],
        )
        .await
        .expect("positions");
    t.take_statements();
}

/// The graph world, seeded, with weights and positions on its link rows.
pub async fn with_link_columns(t: &TestDb) -> Links {
    let links = registry(t).await;
    seed(t, &links).await;
    seed_link_columns(t, &links).await;
    links
}

/// The graph's answer to `query` on `t`; an error fails the test, naming the backend.
pub async fn graph(links: &Links, t: &TestDb, query: GraphQuery) -> Graph {
    links
        .graph(&t.db, &query)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
}

/// The graph's error for `query` on `t`; an answer fails the test.
pub async fn graph_err(links: &Links, t: &TestDb, query: GraphQuery) -> Error {
    match links.graph(&t.db, &query).await {
        Ok(graph) => panic!("{:?}: expected an error, got {:?}", t.backend, graph.data),
        Err(e) => e,
    }
}

/// The `id` of each record of an answer, in order.
pub fn ids(graph: &Graph) -> Vec<&str> {
    graph
        .data
        .iter()
        .map(|record| record["id"].as_str().unwrap_or("?"))
        .collect()
}
