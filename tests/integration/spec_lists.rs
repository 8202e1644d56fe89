//! Listing links and read-only links (SPEC §8, §9.5): filters as arrays, the dynamic rows'
//! shape, and what a read-only link refuses.
//! Each test is one sentence of the SPEC, written before reading the code, on SQLite,
//! PostgreSQL and MariaDB.

mod common;
mod graph_world;
mod spec_helpers;

use link_runtime::query::GraphQuery;
use link_runtime::{Error, ListFilter};
use link_tests::links::{CustomerWishlist, ProductBrand, ProductMaker, RegionBrand};
use link_tests::models::{customer, wishlist};
use link_tests::test_databases;
use serde_json::json;

use spec_helpers::*;

/// §8 list: "values that may be arrays", "an array of them whose results are united without
/// duplicates", keys in canonical form: a value repeated, a key in two forms, overlapping
/// filters, each row once; the typed filter alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_as_arrays_give_each_row_once() {
    for t in test_databases("probe_list_arrays").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        t.regions(&[7]).await;
        links
            .create_many(
                &t.db,
                ["p1", "p2", "p3"].map(|id| ProductBrand::new(p(id), b("b1"))),
            )
            .await
            .expect("brands");
        links
            .create(&t.db, RegionBrand::new(r("7"), b("b1")))
            .await
            .expect("region");
        let typed = links
            .list(
                &t.db,
                ListFilter::<ProductBrand>::all()
                    .left([p("p1"), p("p1"), p("p2")])
                    .right([b("b1"), b("b1")]),
            )
            .await
            .expect("typed list");
        assert_eq!(typed.len(), 2, "{:?}", t.backend);
        let rows = links
            .list_json(
                &t.db,
                &json!([
                    {"product": {"product_id": ["p1", "p1", "p2"]}, "link": "ProductBrand"},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": ["b1", "b1"]}, "link": "ProductBrand"},
                    {"product": {"product_id": ["p1"]}, "brand": {"brand_id": "b1"}},
                ]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let mut products: Vec<&str> = rows
            .iter()
            .filter_map(|row| row["product"]["product_id"].as_str())
            .collect();
        products.sort();
        assert_eq!(products, ["p1", "p2"], "{:?}: {rows:?}", t.backend);
        let regions = links
            .list_json(
                &t.db,
                &json!({"region": {"region_id": [7, "7"]}, "link": "RegionBrand"}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(regions.len(), 1, "{:?}: {regions:?}", t.backend);
        assert_eq!(regions[0]["region"]["region_id"], json!("7"));
    }
}

/// §8 list: "rows come back in that shape, with `"link"` when the pair has several links, and
/// `data` only when the link has extra columns".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_rows_name_the_link_only_where_a_pair_has_several() {
    for t in test_databases("probe_list_shape").await {
        let links = common::builder(&t)
            .link::<ProductMaker>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        t.customers(&["c1"]).await;
        t.wishlists(&["w1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("brand");
        links
            .create(&t.db, ProductMaker::new(p("p1"), b("b2")))
            .await
            .expect("maker");
        links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
            )
            .await
            .expect("wishlist");
        let brand_rows = links
            .list_json(&t.db, &json!({"link": "ProductBrand"}))
            .await
            .expect("list ProductBrand");
        assert_eq!(
            brand_rows,
            [
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"featured": false, "position": 0, "note": null}})
            ],
            "{:?}",
            t.backend
        );
        let maker_rows = links
            .list_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "link": "ProductMaker"}),
            )
            .await
            .expect("list ProductMaker");
        assert_eq!(
            maker_rows,
            [
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}, "link": "ProductMaker"})
            ],
            "{:?}",
            t.backend
        );
        let wishlist_rows = links
            .list_json(&t.db, &json!({"link": "CustomerWishlist"}))
            .await
            .expect("list CustomerWishlist");
        assert_eq!(
            wishlist_rows,
            [json!({"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}})],
            "{:?}",
            t.backend
        );
        // A row read back is a valid input: dismissing it dismisses that link only.
        assert_eq!(
            links
                .dismiss_json(&t.db, &maker_rows[0])
                .await
                .unwrap_or_else(|e| panic!("{:?}: a listed row dismissed: {e}", t.backend)),
            1
        );
        assert_eq!(live::<ProductBrand>(&t, &links).await.len(), 1);
        assert!(live::<ProductMaker>(&t, &links).await.is_empty());
    }
}

/// §8 "a write through a read-only link → `InvalidInput` saying which", §11 "Every message names
/// the link … and the fix": a list naming a read-only link and one of its sides says the link is
/// read-only (the message of a create, a dismiss or a list of both sides).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_one_side_of_a_read_only_link_says_it_is_read_only() {
    for t in test_databases("probe_read_only_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        for filter in [
            json!({"post": {"post_id": "s1"}, "link": "PostProduct"}),
            json!({"product": {"product_id": "p1"}, "link": "PostProduct"}),
        ] {
            match links.list_json(&t.db, &filter).await {
                Err(Error::InvalidInput { message }) => assert!(
                    message.contains("is read-only"),
                    "{:?}: {filter}: {message}",
                    t.backend
                ),
                other => panic!(
                    "{:?}: {filter}: expected InvalidInput, got {other:?}",
                    t.backend
                ),
            }
        }
    }
}

/// §8 "a write through a read-only link → `InvalidInput`" for every JSON write (create, update,
/// dismiss), and §9.4 "Read-only links are not filterable".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_links_take_no_writes_and_no_filters() {
    for t in test_databases("probe_read_only").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        let pair = json!({"post": {"post_id": "s1"}, "product": {"product_id": "p1"}});
        let mut with_data = pair.clone();
        with_data["data"] = json!({"x": 1});
        let create = links.create_json(&t.db, &pair).await.map(|_| ());
        let update = links.update_json(&t.db, &with_data).await.map(|_| ());
        let dismiss = links.dismiss_json(&t.db, &pair).await.map(|_| ());
        for (what, result) in [("create", create), ("update", update), ("dismiss", dismiss)] {
            match result {
                Err(Error::InvalidInput { message }) => assert!(
                    message.contains("read-only"),
                    "{:?}: {what}: {message}",
                    t.backend
                ),
                other => panic!(
                    "{:?}: {what}: expected InvalidInput, got {other:?}",
                    t.backend
                ),
            }
        }
        let filtered = links
            .graph(
                &t.db,
                &GraphQuery::new("post")
                    .fields(["id"])
                    .filters(json!({"product": {"title": "Product p1"}})),
            )
            .await;
        assert!(
            filtered.is_err(),
            "{:?}: a filter through a read-only link: {:?}",
            t.backend,
            filtered.map(|g| g.data)
        );
    }
}
