//! The graph's shapes, linked filters and order (SPEC §9): stable shapes from either side,
//! filters that select roots without trimming their lists, dismissed links and deleted records
//! treated as none, read-only links, `*`.
//! Each test is one sentence of the SPEC, written before reading the code, on SQLite,
//! PostgreSQL and MariaDB.

mod common;
mod graph_world;
mod spec_helpers;

use link_runtime::query::GraphQuery;
use link_tests::links::{BrandPost, CustomerWishlist, ProductBrand, ProductTag, product_brand};
use link_tests::models::{customer, post, wishlist};
use link_tests::test_databases;
use serde_json::{Value, json};

use graph_world::{graph, ids};

use spec_helpers::*;

/// §9.2 "A list side is always an array (empty when nothing is linked). A non-list side is
/// always an object or `null`", read from the other side of each cardinality.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shapes_are_stable_from_the_other_side_of_each_link() {
    for t in test_databases("probe_shapes_back").await {
        let links = common::registry(&t).await;
        t.customers(&["c1"]).await;
        t.wishlists(&["w1", "w2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.posts(&["s1", "s2"]).await;
        t.tags(&["t1", "t2"]).await;
        t.products(&["p1"]).await;
        links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
            )
            .await
            .expect("c1-w1");
        links
            .create(&t.db, BrandPost::new(b("b1"), post::Model::key("s1")))
            .await
            .expect("b1-s1");
        links
            .create(&t.db, ProductTag::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        let found = graph(
            &links,
            &t,
            GraphQuery::new("wishlist")
                .fields(["id", "customer.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "w1", "customer": {"id": "c1"}}, {"id": "w2", "customer": null}]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "brand.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "s1", "brand": {"id": "b1"}}, {"id": "s2", "brand": null}]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "posts.id", "products.id", "regions.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "b1", "posts": [{"id": "s1"}], "products": [], "regions": []},
                {"id": "b2", "posts": [], "products": [], "regions": []}
            ]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("tag")
                .fields(["id", "products.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "t1", "products": [{"id": "p1"}]}, {"id": "t2", "products": []}]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.4 "A filter on a linked field selects roots; it does not trim the nested list", "with
/// the root's pagination and a correct total count": through a many-to-many list, a root
/// matching through two linked records is one root, with its whole list, counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_through_a_list_keeps_each_root_once_with_its_whole_list() {
    for t in test_databases("probe_filter_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.tags(&["t1", "t2", "t3"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductTag::new(p("p1"), tg("t1")),
                    ProductTag::new(p("p1"), tg("t2")),
                    ProductTag::new(p("p1"), tg("t3")),
                    ProductTag::new(p("p2"), tg("t1")),
                ],
            )
            .await
            .expect("tags");
        let query = || {
            GraphQuery::new("product")
                .fields(["id", "tags.id"])
                .filters(json!({"tags": {"id": {"$in": ["t1", "t2"]}}}))
                .order("id", "ASC")
        };
        let found = graph(&links, &t, query()).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "p1", "tags": [{"id": "t1"}, {"id": "t2"}, {"id": "t3"}]},
                {"id": "p2", "tags": [{"id": "t1"}]}
            ]),
            "{:?}",
            t.backend
        );
        let page = graph(&links, &t, query().take(1)).await;
        assert_eq!(ids(&page), ["p1"], "{:?}", t.backend);
        assert_eq!(
            page.metadata.map(|m| m.count),
            Some(2),
            "{:?}: two roots match, whatever the number of tags",
            t.backend
        );
        let page = graph(&links, &t, query().skip(1).take(1)).await;
        assert_eq!(ids(&page), ["p2"], "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
    }
}

/// §9.4 the same from the "one" side of a many-to-one: brands filtered by their products, each
/// brand once with all its products, and the count counts brands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_through_the_many_side_counts_roots_not_rows() {
    for t in test_databases("probe_filter_many").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3", "p4"]).await;
        t.brands(&["b1", "b2", "b3"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                    ProductBrand::new(p("p3"), b("b1")),
                    ProductBrand::new(p("p4"), b("b2")),
                ],
            )
            .await
            .expect("brands");
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "products.id"])
                .filters(json!({"products": {"id": {"$in": ["p1", "p2", "p3", "p4"]}}}))
                .order("id", "ASC")
                .take(10),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "b1", "products": [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}]},
                {"id": "b2", "products": [{"id": "p4"}]}
            ]),
            "{:?}",
            t.backend
        );
        assert_eq!(found.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
    }
}

/// §9.4 with §8 dismiss and §9.2: a dismissed link row, or a linked record its module
/// soft-deleted, is not a linked record, so a filter on the linked field does not select
/// the root (as the graph shows no linked record for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_filters_ignore_dismissed_links_and_soft_deleted_records() {
    for t in test_databases("probe_filter_dead").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        t.customers(&["c1", "c2"]).await;
        t.wishlists(&["w1", "w2"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().featured(true)),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("brands");
        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("dismiss p1");
        links
            .create_many(
                &t.db,
                [
                    CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
                    CustomerWishlist::new(customer::Model::key("c2"), wishlist::Model::key("w2")),
                ],
            )
            .await
            .expect("wishlists");
        soft_delete_wishlist(&t, "w1").await;

        let products = |filters: Value| {
            GraphQuery::new("product")
                .fields(["id", "brand.id"])
                .filters(filters)
                .order("id", "ASC")
                .take(10)
        };
        let found = graph(&links, &t, products(json!({"brand": {"name": "Brand b1"}}))).await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "p2", "brand": {"id": "b1"}}]),
            "{:?}: p1's link is dismissed",
            t.backend
        );
        assert_eq!(found.metadata.map(|m| m.count), Some(1));
        let found = graph(&links, &t, products(json!({"brand": {"featured": true}}))).await;
        assert_eq!(
            ids(&found),
            Vec::<&str>::new(),
            "{:?}: a dismissed row's column selects nothing",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("customer")
                .fields(["id", "wishlist.id"])
                .filters(json!({"wishlist": {"id": {"$in": ["w1", "w2"]}}}))
                .order("id", "ASC")
                .take(10),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "c2", "wishlist": {"id": "w2"}}]),
            "{:?}: w1 is soft-deleted",
            t.backend
        );
        assert_eq!(found.metadata.map(|m| m.count), Some(1), "{:?}", t.backend);
    }
}

/// §9.4 "Ordering by a linked field puts roots with no linked record … last when ascending and
/// first when descending, the same on every backend": a dismissed link and a soft-deleted
/// linked record are no linked record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_treats_dismissed_links_and_soft_deleted_records_as_none() {
    for t in test_databases("probe_order_dead").await {
        let links = common::registry(&t).await;
        t.customers(&["c1", "c2", "c3", "c4"]).await;
        t.wishlists(&["w0", "w1", "w2"]).await;
        let cw = |c: &str, w: &str| {
            CustomerWishlist::new(customer::Model::key(c), wishlist::Model::key(w))
        };
        links
            .create_many(&t.db, [cw("c1", "w1"), cw("c2", "w2"), cw("c4", "w0")])
            .await
            .expect("wishlists");
        links.dismiss(&t.db, cw("c4", "w0")).await.expect("dismiss");
        soft_delete_wishlist(&t, "w1").await;
        let order = |direction: &str| {
            GraphQuery::new("customer")
                .fields(["id"])
                .order("wishlist.id", direction)
                .order("id", "ASC")
        };
        assert_eq!(
            ids(&graph(&links, &t, order("ASC")).await),
            ["c2", "c1", "c3", "c4"],
            "{:?}: only c2 has a wishlist",
            t.backend
        );
        assert_eq!(
            ids(&graph(&links, &t, order("DESC")).await),
            ["c1", "c3", "c4", "c2"],
            "{:?}",
            t.backend
        );
        let page = graph(&links, &t, order("ASC").skip(1).take(2)).await;
        assert_eq!(ids(&page), ["c1", "c3"], "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(4), "{:?}", t.backend);
    }
}

/// §9.4 "(or whose linked field is NULL) last when ascending and first when descending, the
/// same on every backend", for a nullable column of the link row, with a page and its count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_by_a_nullable_link_column_puts_nulls_last_ascending() {
    for t in test_databases("probe_order_null").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3", "p4"]).await;
        t.brands(&["b1", "b2"]).await;
        let note = |n: Option<&str>| product_brand::Data::default().note(n.map(String::from));
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")).with(note(Some("b"))),
                    ProductBrand::new(p("p2"), b("b1")).with(note(None)),
                    ProductBrand::new(p("p3"), b("b2")).with(note(Some("a"))),
                ],
            )
            .await
            .expect("brands");
        let order = |direction: &str| {
            GraphQuery::new("product")
                .fields(["id"])
                .order("brand.note", direction)
                .order("id", "ASC")
        };
        assert_eq!(
            ids(&graph(&links, &t, order("ASC")).await),
            ["p3", "p1", "p2", "p4"],
            "{:?}",
            t.backend
        );
        assert_eq!(
            ids(&graph(&links, &t, order("DESC")).await),
            ["p2", "p4", "p1", "p3"],
            "{:?}",
            t.backend
        );
        let page = graph(&links, &t, order("DESC").skip(1).take(2)).await;
        assert_eq!(ids(&page), ["p4", "p1"], "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(4), "{:?}", t.backend);
    }
}

/// §9.4 "Order may only go through non-list sides (ordering by a list is ambiguous: an
/// error)", from the "one" side of a many-to-one and through a many-to-many.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_through_a_list_side_is_an_error() {
    for t in test_databases("probe_order_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        for (root, path) in [("brand", "products.id"), ("product", "tags.id")] {
            let result = links
                .graph(
                    &t.db,
                    &GraphQuery::new(root).fields(["id"]).order(path, "ASC"),
                )
                .await;
            assert!(
                result.is_err(),
                "{:?}: ordering {root} by {path} must be refused, got {:?}",
                t.backend,
                result.map(|g| g.data)
            );
        }
    }
}

/// §9.5 read-only links have "same shapes … as stored links": a forward link whose id is
/// null, names a record that does not exist, or names a soft-deleted one gives `null`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_forward_link_is_null_without_a_live_record() {
    for t in test_databases("probe_read_only_null").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        soft_delete_product(&t, "p2").await;
        let post = |id: &str, product: Option<&str>| post::Model {
            id: id.into(),
            body: id.into(),
            product_id: product.map(Into::into),
            deleted_at: None,
        };
        graph_world::insert::<post::Entity>(
            &t,
            vec![
                post("s1", Some("p1")),
                post("s2", None),
                post("s3", Some("nope")),
                post("s4", Some("p2")),
            ],
        )
        .await;
        let found = graph(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "product.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "s1", "product": {"id": "p1"}},
                {"id": "s2", "product": null},
                {"id": "s3", "product": null},
                {"id": "s4", "product": null}
            ]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.1 "`*` selects every column of the model, `deleted_at` included where the model has one
/// (as Medusa), and no link".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn star_selects_every_column_and_no_link() {
    for t in test_databases("probe_star").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let found = graph(&links, &t, GraphQuery::new("product").fields(["*"])).await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "p1", "title": "Product p1", "deleted_at": null}]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand").fields(["*", "products.*"]),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "b1", "name": "Brand b1", "products": [{"id": "p1", "title": "Product p1", "deleted_at": null}]}]),
            "{:?}",
            t.backend
        );
    }
}
