//! Each typed write has its JSON twin with the same checks and errors (SPEC §8): `update_json`,
//! `list_json` with an array of filters, and a link's typed `Data` read from the JSON `data`
//! object. On SQLite, PostgreSQL and MariaDB.

mod common;

use link_runtime::{Error, Key, ListFilter};
use link_tests::links::{ProductBrand, ProductTag, product_brand, product_tag};
use link_tests::models::{brand, product, tag};
use link_tests::test_databases;
use serde_json::json;

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_json_changes_live_links_only_and_names_every_missing_pair() {
    for t in test_databases("twin_update").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"note": "kept"}},
                    {"product": {"product_id": "p1"}, "tag": {"tag_id": "t1"}},
                ]),
            )
            .await
            .expect("create");

        let rows = links
            .update_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true}},
                    {"product": {"product_id": "p1"}, "tag": {"tag_id": "t1"}, "data": {"weight": 9.5}},
                ]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            rows[0],
            json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true, "position": 0, "note": "kept"}}),
            "{:?}: only the named column changed",
            t.backend
        );
        assert_eq!(rows[1]["data"]["weight"], json!(9.5));

        // Pairs that are not live, in two links of one batch: every one is named, nothing
        // changes.
        let err = links
            .update_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"position": 4}},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": {"position": 5}},
                    {"product": {"product_id": "p3"}, "tag": {"tag_id": "t1"}, "data": {"weight": 1.0}},
                ]),
            )
            .await
            .expect_err("p2 and p3 are not linked");
        match &err {
            Error::NotFound { pairs, .. } => assert_eq!(
                pairs,
                &[
                    (
                        "ProductBrand".to_string(),
                        vec![("p2".to_string(), "b1".to_string())]
                    ),
                    (
                        "ProductTag".to_string(),
                        vec![("p3".to_string(), "t1".to_string())]
                    ),
                ]
                .into(),
                "{:?}",
                t.backend
            ),
            other => panic!("{:?}: {other:?}", t.backend),
        }
        assert_eq!(
            err.to_string(),
            "an update changes live links only, and these are not linked: link ProductBrand (product → brand): product p2 → brand b1; link ProductTag (product → tag): product p3 → tag t1; create them instead (nothing was changed)"
        );
        let stored = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(stored.len(), 1);
        assert_eq!(
            stored[0].extra.position, 0,
            "{:?}: nothing changed",
            t.backend
        );

        // `data` is what an update is for.
        let err = links
            .update_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}}),
            )
            .await
            .expect_err("no data");
        assert_eq!(
            err.to_string(),
            "an update of link ProductBrand (product → brand) names the extra columns to change in \"data\", e.g. {\"data\": {\"featured\": …}}"
        );
        // The same checks as a create: an ill-typed value, a wrong direction.
        let err = links
            .update_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": "yes"}}),
            )
            .await
            .expect_err("ill-typed");
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        let err = links
            .update_json(
                &t.db,
                &json!({"brand": {"brand_id": "b1"}, "product": {"product_id": "p1"}, "data": {"featured": false}}),
            )
            .await
            .expect_err("direction");
        assert!(matches!(err, Error::Direction { .. }), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_unites_an_array_of_filters_without_duplicates() {
    for t in test_databases("twin_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.tags(&["t1"]).await;
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
            .create(&t.db, ProductTag::new(p("p1"), tag::Model::key("t1")))
            .await
            .expect("tag");

        let rows = links
            .list_json(
                &t.db,
                &json!([
                    {"brand": {"brand_id": "b1"}, "link": "ProductBrand"},
                    {"product": {"product_id": ["p1", "p2"]}, "brand": {"brand_id": ["b1", "b2"]}},
                    {"tag": {"tag_id": "t1"}, "link": "ProductTag"},
                ]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let pairs: Vec<(String, String)> = rows
            .iter()
            .map(|row| {
                let left = row["product"]["product_id"].as_str().unwrap_or_default();
                let right = row
                    .get("brand")
                    .map(|b| &b["brand_id"])
                    .or_else(|| row.get("tag").map(|t| &t["tag_id"]))
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                (left.to_string(), right.to_string())
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("p1".to_string(), "b1".to_string()),
                ("p2".to_string(), "b2".to_string()),
                ("p1".to_string(), "t1".to_string()),
            ],
            "{:?}: each row once, in the order found",
            t.backend
        );
        // A bad filter anywhere refuses the whole list, naming which.
        let err = links
            .list_json(
                &t.db,
                &json!([{"tag": {"tag_id": "t1"}, "link": "ProductTag"}, {"nope": {}}]),
            )
            .await
            .expect_err("unknown side");
        assert!(
            err.to_string()
                .starts_with("link filter 1: unknown module or model `nope`"),
            "{err}"
        );
    }
}

#[test]
fn typed_data_reads_the_json_data_object_with_the_dynamic_checks() {
    let data: product_brand::Data =
        serde_json::from_value(json!({"featured": true, "note": null})).expect("data");
    let named = link_runtime::definition::LinkData::named(&data);
    assert_eq!(named.len(), 2, "featured and note are named: {named:?}");
    assert_eq!(
        named[0],
        ("featured", link_runtime::sea_orm::Value::from(true))
    );
    assert_eq!(named[1].0, "note");
    assert_eq!(
        named[1].1,
        link_runtime::sea_orm::Value::from(None::<String>),
        "null names the nullable column as NULL"
    );

    let tag: product_tag::Data = serde_json::from_value(
        json!({"added_at": "2024-05-01T10:00:00Z", "meta": {"a": 1}, "weight": 2}),
    )
    .expect("tag data");
    assert_eq!(link_runtime::definition::LinkData::named(&tag).len(), 3);

    let err = serde_json::from_value::<product_brand::Data>(json!({"featured": "yes"}))
        .expect_err("ill-typed");
    assert_eq!(
        err.to_string(),
        "the extra column `featured` of link ProductBrand (product → brand) is a boolean (not null); got \"yes\""
    );
    let err =
        serde_json::from_value::<product_brand::Data>(json!({"colour": 1})).expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "link ProductBrand (product → brand) has no extra column `colour`; its extra columns are: featured, position, note"
    );
}
