//! The dynamic (Medusa-shaped JSON) API: the same rules as the typed one, and a clear error for
//! every malformed input, raised before anything is written.

mod common;

use link_runtime::{Error, Links};
use link_tests::{TestDb, test_databases};
use serde_json::{Value, json};

async fn fixture(t: &TestDb) -> Links {
    let links = common::registry(t).await;
    t.products(&["p1", "p2"]).await;
    t.brands(&["b1", "b2"]).await;
    t.tags(&["t1"]).await;
    t.customers(&["c1"]).await;
    t.wishlists(&["w1"]).await;
    t.posts(&["s1"]).await;
    links
}

async fn create_err(links: &Links, t: &TestDb, input: Value) -> Error {
    links.create_json(&t.db, &input).await.expect_err("refused")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_and_dismiss_in_medusas_shape() {
    for t in test_databases("dyn_roundtrip").await {
        let links = fixture(&t).await;
        let rows = links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true, "note": "launch"}},
                    {"product": {"product_id": "p1"}, "tag": {"tag_id": "t1"}, "data": {"weight": 2.5, "meta": {"a": [1]}, "added_at": "2024-05-01T10:00:00Z"}},
                    {"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}},
                ]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            rows[0],
            json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true, "position": 0, "note": "launch"}}),
            "{:?}",
            t.backend
        );
        assert_eq!(rows[1]["data"]["weight"], json!(2.5));
        assert_eq!(rows[1]["data"]["meta"], json!({"a": [1]}));
        assert_eq!(
            rows[1]["data"]["added_at"],
            json!("2024-05-01T10:00:00+00:00")
        );
        assert_eq!(rows[1]["data"]["label"], json!("plain"));
        assert_eq!(
            rows[2],
            json!({"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}}),
            "no data: no extra columns"
        );

        let of_b1 = links
            .list_json(
                &t.db,
                &json!({"brand": {"brand_id": ["b1", "b2"]}, "link": "ProductBrand"}),
            )
            .await
            .expect("list by one side");
        assert_eq!(of_b1.len(), 1);
        assert_eq!(of_b1[0]["product"], json!({"product_id": "p1"}));
        let both = links
            .list_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "tag": {"tag_id": ["t1"]}}),
            )
            .await
            .expect("list by both sides");
        assert_eq!(both.len(), 1);
        let by_name = links
            .list_json(&t.db, &json!({"link": "CustomerWishlist"}))
            .await
            .expect("list a whole link");
        assert_eq!(by_name.len(), 1);
        let err = links
            .list_json(&t.db, &json!({"product": {"product_id": "p1"}}))
            .await
            .expect_err("ambiguous");
        assert_eq!(
            err.to_string(),
            "`product` takes part in several links (ProductBrand, ProductTag): say which with \"link\""
        );
        let with_link = links
            .list_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "link": "ProductTag"}),
            )
            .await
            .expect("list with link");
        assert_eq!(with_link.len(), 1);

        let dismissed = links
            .dismiss_json(&t.db, &json!([{"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}}, {"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}}]))
            .await
            .expect("dismiss");
        assert_eq!(dismissed, 1, "{:?}: the missing pair is a no-op", t.backend);
        assert!(
            links
                .list_json(
                    &t.db,
                    &json!({"brand": {"brand_id": "b1"}, "link": "ProductBrand"})
                )
                .await
                .expect("list")
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_malformed_input_is_refused_with_what_was_expected() {
    for t in test_databases("dyn_errors").await {
        let links = fixture(&t).await;
        let p1 = json!({"product_id": "p1"});
        let b1 = json!({"brand_id": "b1"});
        let cases: Vec<(Value, &str, &str)> = vec![
            (
                json!({"brand": b1, "product": p1}),
                "Direction",
                "link ProductBrand (product → brand) is declared with product first; you passed brand first: put the \"product\" key before the \"brand\" key",
            ),
            (
                json!({"product": p1, "shop": {"shop_id": "s1"}}),
                "InvalidInput",
                "unknown module or model `shop`; the linked ones are: brand, customer, post, product, region, tag, wishlist",
            ),
            (
                json!({"product": {"id": "p1"}, "brand": b1}),
                "InvalidInput",
                "unknown key `id` for `product`; expected `product_id`",
            ),
            (
                json!({"product": p1, "brand": b1, "tag": {"tag_id": "t1"}}),
                "InvalidInput",
                "a link joins two records; this names `product`, `brand`, `tag`: remove `tag`",
            ),
            (
                json!({"product": p1}),
                "InvalidInput",
                "a link definition names two records, left first; this one names only `product`: add the missing side",
            ),
            (
                json!({"product": {"product_id": 7, "x": 1}, "brand": b1}),
                "InvalidInput",
                "`product` names one record by its key, as {\"product\": {\"product_id\": \"…\"}}; got {\"product_id\":7,\"x\":1}",
            ),
            (
                json!({"product": {"product_id": ["p1"]}, "brand": b1}),
                "InvalidInput",
                "the id of `product.product_id` is a string; got [\"p1\"]",
            ),
            (
                json!({"product": p1, "brand": b1, "data": {"colour": "red"}}),
                "InvalidInput",
                "link ProductBrand (product → brand) has no extra column `colour`; its extra columns are: featured, position, note",
            ),
            (
                json!({"product": p1, "brand": b1, "data": {"featured": "yes"}}),
                "InvalidInput",
                "the extra column `featured` of link ProductBrand (product → brand) is a boolean (not null); got \"yes\"",
            ),
            (
                json!({"product": p1, "brand": b1, "data": {"position": 1.5}}),
                "InvalidInput",
                "the extra column `position` of link ProductBrand (product → brand) is an integer (not null); got 1.5",
            ),
            (
                json!({"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}, "data": {"x": 1}}),
                "InvalidInput",
                "link CustomerWishlist (customer → wishlist) has no extra column `x`; it has no extra columns, so remove \"data\"",
            ),
            (
                json!({"post": {"post_id": "s1"}, "product": p1}),
                "InvalidInput",
                "link PostProduct (post → product) is read-only: it has no link table, so links cannot be created, dismissed or listed through it; only Query follows it",
            ),
            (
                json!({"customer": {"customer_id": "c1"}, "product": p1}),
                "UnknownLink",
                "no link joins customer.customer and product.product: declare one with define_link!",
            ),
            (
                json!({"product": p1, "brand": b1, "link": "Nope"}),
                "UnknownLink",
                "unknown link `Nope`; the links are: ProductBrand, CustomerWishlist, BrandPost, ProductTag, RegionBrand, PostProduct, TagPost",
            ),
            (
                json!({"product": p1, "brand": b1, "link": "ProductTag"}),
                "InvalidInput",
                "link ProductTag (product → tag) joins product.product and tag.tag, not product.product and brand.brand",
            ),
            (
                json!("p1"),
                "InvalidInput",
                "a link definition is an object such as {\"product\": {\"product_id\": \"p1\"}, \"brand\": {\"brand_id\": \"b1\"}}; got \"p1\"",
            ),
            (
                json!([{"product": p1, "brand": b1}, {"product": p1, "brand": {"brand_id": "b2"}, "data": 3}]),
                "InvalidInput",
                "link definition 1: the data of link ProductBrand (product → brand) is an object of extra columns; got 3",
            ),
        ];
        for (input, kind, message) in cases {
            let err = create_err(&links, &t, input.clone()).await;
            let actual_kind = match &err {
                Error::Direction { .. } => "Direction",
                Error::InvalidInput { .. } => "InvalidInput",
                Error::UnknownLink { .. } => "UnknownLink",
                other => panic!("{:?}: {input}: unexpected {other:?}", t.backend),
            };
            assert_eq!(
                (actual_kind, err.to_string().as_str()),
                (kind, message),
                "{:?}: {input}",
                t.backend
            );
        }
        assert!(
            links
                .list_json(&t.db, &json!({"link": "ProductBrand"}))
                .await
                .expect("list")
                .is_empty(),
            "nothing written"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_batch_is_atomic_and_faults_come_in_order() {
    for t in test_databases("dyn_batches").await {
        let links = fixture(&t).await;
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}}),
            )
            .await
            .expect("p1-b1");

        // A tag link and a conflicting brand link: neither is written.
        let err = links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p2"}, "tag": {"tag_id": "t1"}},
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
                ]),
            )
            .await
            .expect_err("conflict");
        assert!(
            matches!(
                err,
                Error::Conflict {
                    link: "ProductBrand",
                    ..
                }
            ),
            "{:?}: {err:?}",
            t.backend
        );
        assert!(
            links
                .list_json(&t.db, &json!({"link": "ProductTag"}))
                .await
                .expect("list")
                .is_empty(),
            "{:?}: atomic",
            t.backend
        );

        // A missing record and an in-batch conflict: the missing record is reported first.
        let err = links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b2"}},
                    {"product": {"product_id": "p9"}, "tag": {"tag_id": "t1"}},
                ]),
            )
            .await
            .expect_err("faults");
        assert!(
            matches!(err, Error::NotFound { .. }),
            "{:?}: {err:?}",
            t.backend
        );
        // Missing records of two links of one batch are named together, per model.
        let err = links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p9"}, "tag": {"tag_id": "t1"}},
                    {"customer": {"customer_id": "c9"}, "wishlist": {"wishlist_id": "w9"}},
                ]),
            )
            .await
            .expect_err("missing records of two links");
        match &err {
            Error::NotFound { records, .. } => assert_eq!(
                records,
                &[
                    ("customer.customer".to_string(), vec!["c9".to_string()]),
                    ("product.product".to_string(), vec!["p9".to_string()]),
                    ("wishlist.wishlist".to_string(), vec!["w9".to_string()]),
                ]
                .into(),
                "{:?}",
                t.backend
            ),
            other => panic!("{:?}: {other:?}", t.backend),
        }
        assert_eq!(
            err.to_string(),
            "link ProductTag (product → tag): no live product with id p9; link CustomerWishlist (customer → wishlist): no live customer with id c9 and no live wishlist with id w9; create the records first (or pass `CreateOptions::skip_record_check()` for a bulk import of known ids)"
        );
        // A shape error anywhere comes before both.
        let err = links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p9"}, "tag": {"tag_id": "t1"}},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b2"}, "data": {"featured": 1}},
                ]),
            )
            .await
            .expect_err("shape");
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{:?}: {err:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_restore_from_json() {
    for t in test_databases("dyn_lifecycle").await {
        let links = fixture(&t).await;
        links
            .create_json(
                &t.db,
                &json!({"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}}),
            )
            .await
            .expect("c1-w1");
        let report = links
            .delete_json(&t.db, &json!({"customer": {"customer_id": ["c1"]}}))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            report.records["wishlist.wishlist"].contains("w1"),
            "the wishlist side cascades: {report:?}"
        );
        let restored = links
            .restore_json(&t.db, &json!({"customer": {"customer_id": "c1"}}))
            .await
            .expect("restore");
        assert_eq!(restored.links, report.links);
        assert_eq!(
            links
                .list_json(&t.db, &json!({"link": "CustomerWishlist"}))
                .await
                .expect("list")
                .len(),
            1
        );
        let err = links
            .delete_json(&t.db, &json!({"shop": {"shop_id": "x"}}))
            .await
            .expect_err("unknown module");
        assert!(matches!(err, Error::InvalidInput { .. }));
    }
}
