//! Writes as users retry and mix them (SPEC §8, §11): retries, records already in the target
//! state, updates of missing pairs, and the order of a batch's faults.
//! Each test is one sentence of the SPEC, written before reading the code, on SQLite,
//! PostgreSQL and MariaDB.

mod common;
mod graph_world;
mod spec_helpers;

use std::collections::BTreeMap;

use link_runtime::{Error, ListFilter};
use link_tests::links::{CustomerWishlist, ProductBrand, ProductTag, product_brand};
use link_tests::models::{customer, wishlist};
use link_tests::test_databases;
use serde_json::json;

use spec_helpers::*;

/// §8 update: "if any is missing, `NotFound` naming every missing pair and nothing changes",
/// "each typed write has its JSON twin with the same checks and errors": a dismissed pair, a
/// pair never linked and a pair with a record that does not exist, beside a live one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_of_missing_pairs_names_each_typed_and_json_alike() {
    for t in test_databases("probe_update_missing").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().position(1)),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("create");
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss p2");
        let pos = |n| product_brand::Data::default().position(n);
        let typed = links
            .update_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")).with(pos(9)),
                    ProductBrand::new(p("p2"), b("b1")).with(pos(9)),
                    ProductBrand::new(p("p3"), b("b1")).with(pos(9)),
                    ProductBrand::new(p("p9"), b("b1")).with(pos(9)),
                ],
            )
            .await
            .expect_err("three pairs are not live");
        match &typed {
            Error::NotFound { pairs, .. } => {
                let expected: BTreeMap<String, Vec<(String, String)>> = [(
                    "ProductBrand".to_string(),
                    ["p2", "p3", "p9"]
                        .map(|p| (p.to_string(), "b1".to_string()))
                        .to_vec(),
                )]
                .into();
                assert_eq!(pairs, &expected, "{:?}: {typed}", t.backend)
            }
            other => panic!("{:?}: {other:?}", t.backend),
        }
        let json = links
            .update_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                    {"product": {"product_id": "p3"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                    {"product": {"product_id": "p9"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                ]),
            )
            .await
            .expect_err("json twin");
        assert_eq!(
            (kind(&json), json.to_string()),
            (kind(&typed), typed.to_string()),
            "{:?}",
            t.backend
        );
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows.len(), 1, "{:?}: p2 stays dismissed", t.backend);
        assert_eq!(
            rows[0].extra.position, 1,
            "{:?}: nothing changed",
            t.backend
        );
    }
}

/// §8 "when a batch has several faults, shape errors come first, then missing records": an
/// update batch whose first pair is not linked and whose second is malformed is refused for
/// its shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_shape_errors_come_before_missing_pairs() {
    for t in test_databases("probe_update_order").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let missing = json!({"product": {"product_id": "p3"}, "brand": {"brand_id": "b1"}, "data": {"position": 2}});
        let cases = [
            (
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": "yes"}}),
                "InvalidInput",
            ),
            (
                json!({"brand": {"brand_id": "b1"}, "product": {"product_id": "p1"}, "data": {"position": 3}}),
                "Direction",
            ),
            (
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"position": 3}, "link": "Nope"}),
                "UnknownLink",
            ),
            (
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"colour": "red"}}),
                "InvalidInput",
            ),
        ];
        for (bad, expected) in cases {
            let err = links
                .update_json(&t.db, &json!([missing.clone(), bad.clone()]))
                .await
                .expect_err("refused");
            assert_eq!(kind(&err), expected, "{:?}: {bad}: {err}", t.backend);
        }
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].extra.position, 0, "{:?}", t.backend);
    }
}

/// §8 errors: "All are raised before anything is written; … shape errors come first, then
/// missing records, then cardinality": a create batch whose first pair names a missing
/// record and whose last is a wrong direction or an unknown pair of models.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_shape_errors_anywhere_come_before_missing_records() {
    for t in test_databases("probe_create_order").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.customers(&["c1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let missing = json!({"product": {"product_id": "p9"}, "brand": {"brand_id": "b1"}});
        let conflict = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}});
        let cases = [
            (
                json!([missing.clone(), conflict.clone(), {"brand": {"brand_id": "b1"}, "product": {"product_id": "p2"}}]),
                "Direction",
            ),
            (
                json!([missing.clone(), conflict.clone(), {"customer": {"customer_id": "c1"}, "product": {"product_id": "p2"}}]),
                "UnknownLink",
            ),
            (
                json!([conflict.clone(), missing.clone(), {"product": {"product_id": "p2"}, "brand": {"brand_id": "b2"}}]),
                "NotFound",
            ),
            (
                json!([{"product": {"product_id": "p2"}, "brand": {"brand_id": "b2"}}, conflict.clone()]),
                "Conflict",
            ),
        ];
        for (input, expected) in cases {
            let err = links.create_json(&t.db, &input).await.expect_err("refused");
            assert_eq!(kind(&err), expected, "{:?}: {input}: {err}", t.backend);
        }
        assert_eq!(
            live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}: nothing written",
            t.backend
        );
    }
}

/// §8 "when a batch has several faults, shape errors come first, then missing records, then
/// cardinality", across two links of one batch: a pair taking a product's one brand (a brand
/// it already has live) before a pair naming a tag that does not exist is refused for the
/// missing tag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_records_of_a_later_link_come_before_a_conflict_of_an_earlier_one() {
    for t in test_databases("probe_order_groups").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        for input in [
            json!([
                {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
                {"product": {"product_id": "p2"}, "tag": {"tag_id": "tx"}},
            ]),
            json!([
                {"product": {"product_id": "p2"}, "tag": {"tag_id": "tx"}},
                {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
            ]),
            json!([
                {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
                {"product": {"product_id": "p2"}, "tag": {"tag_id": "t1"}},
                {"product": {"product_id": "p9"}, "tag": {"tag_id": "t1"}},
            ]),
        ] {
            let err = links
                .create_json(&t.db, &input)
                .await
                .expect_err("two faults");
            assert_eq!(kind(&err), "NotFound", "{:?}: {input}: {err}", t.backend);
        }
        assert!(live::<ProductTag>(&t, &links).await.is_empty());
        assert_eq!(live::<ProductBrand>(&t, &links).await.len(), 1);
    }
}

/// §8 "An existing live pair is updated in place: extra columns named in the new data take it,
/// the others keep their values", "Re-creating an identical live pair is idempotent": a JSON
/// retry keeps the row and its values; a create naming one column keeps the others; a create
/// naming none changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_retries_keep_the_row_and_its_unnamed_columns() {
    for t in test_databases("probe_create_retry").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        let input = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"note": "n", "position": 3}});
        links.create_json(&t.db, &input).await.expect("create");
        let first = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        links.create_json(&t.db, &input).await.expect("retry");
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true}}),
            )
            .await
            .expect("name one column");
        let rows = links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}}),
            )
            .await
            .expect("name none");
        assert_eq!(
            rows[0]["data"],
            json!({"featured": true, "position": 3, "note": "n"}),
            "{:?}",
            t.backend
        );
        let row = links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("typed, naming none");
        assert_eq!(
            (row.id.as_str(), row.extra.featured, row.extra.position),
            (first[0].id.as_str(), true, 3),
            "{:?}: one row, updated in place",
            t.backend
        );
        assert_eq!(row.extra.note.as_deref(), Some("n"));
    }
}

/// §8 create: "Both records must exist and be live": re-creating a live pair whose product its
/// module has since soft-deleted, or reviving a dismissed pair of it, is `NotFound`, not an
/// idempotent success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_the_record_was_soft_deleted_is_not_found() {
    for t in test_databases("probe_retry_deleted").await {
        let links = common::registry(&t).await;
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
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss p2");
        soft_delete_product(&t, "p1").await;
        soft_delete_product(&t, "p2").await;
        for id in ["p1", "p2"] {
            let err = links
                .create(&t.db, ProductBrand::new(p(id), b("b1")))
                .await
                .map(|row| row.id)
                .expect_err("the product is soft-deleted");
            match &err {
                Error::NotFound { records, .. } => assert_eq!(
                    records,
                    &self::records(&[("product.product", &[id])]),
                    "{:?}",
                    t.backend
                ),
                other => panic!("{:?}: {id}: {other:?}", t.backend),
            }
            let err = links
                .create_json(
                    &t.db,
                    &json!({"product": {"product_id": id}, "brand": {"brand_id": "b1"}}),
                )
                .await
                .expect_err("json twin");
            assert_eq!(kind(&err), "NotFound", "{:?}: {id}: {err}", t.backend);
        }
        assert_eq!(
            live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}: p2 is not revived",
            t.backend
        );
    }
}

/// §8 "dismiss … a missing pair is not an error", and restore revives "the link rows … whose
/// `deleted_at` equals the named record's": dismissing (a retry) a pair a delete already
/// dismissed changes nothing, so restoring the record still brings the link back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissing_a_pair_a_delete_dismissed_keeps_it_restorable() {
    for t in test_databases("probe_dismiss_deleted").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        links
            .create(&t.db, ProductTag::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        assert!(
            !links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
                .await
                .expect("dismiss after delete"),
            "{:?}: already dismissed",
            t.backend
        );
        assert_eq!(
            links
                .dismiss_json(
                    &t.db,
                    &json!({"product": {"product_id": "p1"}, "tag": {"tag_id": "t1"}})
                )
                .await
                .expect("dismiss_json after delete"),
            0,
            "{:?}",
            t.backend
        );
        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(
            live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}: the brand link comes back with p1",
            t.backend
        );
        assert_eq!(
            live::<ProductTag>(&t, &links).await,
            [("p1".to_string(), "t1".to_string())],
            "{:?}: the tag link comes back with p1",
            t.backend
        );
        assert_eq!(links.check(&t.db).await.expect("check").dangling(), 0);
    }
}

/// §8 "Cardinality: one-to-one rejects a record already linked to another … including two
/// conflicting pairs in one batch", where the taken record's earlier link was dismissed: a
/// dismissed row does not hold the slot, and a batch taking one wishlist twice writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dismissed_one_to_one_slot_is_free_once() {
    for t in test_databases("probe_one_to_one_slot").await {
        let links = common::registry(&t).await;
        t.customers(&["c1", "c2", "c3"]).await;
        t.wishlists(&["w1", "w2"]).await;
        let cw = |c: &str, w: &str| {
            CustomerWishlist::new(customer::Model::key(c), wishlist::Model::key(w))
        };
        links.create(&t.db, cw("c1", "w1")).await.expect("c1-w1");
        links.dismiss(&t.db, cw("c1", "w1")).await.expect("dismiss");
        let err = links
            .create_many(&t.db, [cw("c2", "w1"), cw("c3", "w1")])
            .await
            .expect_err("w1 twice in one batch");
        assert_eq!(kind(&err), "Conflict", "{:?}: {err}", t.backend);
        assert!(live::<CustomerWishlist>(&t, &links).await.is_empty());
        links
            .create(&t.db, cw("c2", "w1"))
            .await
            .unwrap_or_else(|e| panic!("{:?}: w1's slot is free: {e}", t.backend));
        // Reviving c1-w1 would give w1 two customers; c3 taking w2 is fine alone.
        let err = links
            .create_many(&t.db, [cw("c3", "w2"), cw("c1", "w1")])
            .await
            .expect_err("w1 is c2's");
        match &err {
            Error::Conflict {
                record: Some(record),
                already_linked_to: Some(partner),
                ..
            } => {
                assert_eq!(
                    (record.model.as_str(), record.id.as_str()),
                    ("wishlist.wishlist", "w1"),
                    "{:?}: {err}",
                    t.backend
                );
                assert_eq!(
                    (partner.model.as_str(), partner.id.as_str()),
                    ("customer.customer", "c2"),
                    "{:?}: {err}",
                    t.backend
                );
            }
            other => panic!("{:?}: {other:?}", t.backend),
        }
        assert_eq!(
            live::<CustomerWishlist>(&t, &links).await,
            [("c2".to_string(), "w1".to_string())],
            "{:?}",
            t.backend
        );
    }
}

/// §8 update: "Typed and dynamic (`update_json`, the create shape, `data` required) …: each
/// typed write has its JSON twin with the same checks and errors": an update that names no
/// column is answered alike by both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_naming_no_column_is_answered_alike_by_both_twins() {
    for t in test_databases("probe_update_empty").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(4)),
            )
            .await
            .expect("p1-b1");
        let typed = links
            .update(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .map(|row| row.extra.position);
        let json = links
            .update_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {}}),
            )
            .await
            .map(|rows| rows[0]["data"]["position"].clone());
        match (&typed, &json) {
            (Ok(position), Ok(value)) => {
                assert_eq!((*position, value), (4, &json!(4)), "{:?}", t.backend)
            }
            (Err(a), Err(b)) => assert_eq!(
                (kind(a), a.to_string()),
                (kind(b), b.to_string()),
                "{:?}",
                t.backend
            ),
            _ => panic!(
                "{:?}: the twins disagree: typed {typed:?}, JSON {json:?}",
                t.backend
            ),
        }
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows[0].extra.position, 4, "{:?}", t.backend);
    }
}
