//! The typed Link service on SQLite, PostgreSQL and MariaDB: insert, update in place, revival,
//! idempotent re-create, dismiss, list, cardinality conflicts, record checks, transactions and
//! chunked batches.

mod common;

use link_runtime::{CreateOptions, Error, Key, ListFilter, RecordRef, StoredLink};
use link_tests::links::{
    BrandPost, CustomerWishlist, ProductBrand, ProductTag, RegionBrand, TagPost, brand_post,
    product_brand, product_tag, tag_post,
};
use link_tests::models::{brand, customer, post, product, region, tag, wishlist};
use link_tests::test_databases;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, TransactionTrait};

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

async fn live_rows<L: StoredLink>(
    links: &link_runtime::Links,
    db: &impl ConnectionTrait,
) -> Vec<(String, String)> {
    links
        .list::<L, _>(db, ListFilter::all())
        .await
        .expect("list")
        .into_iter()
        .map(|row| (row.left.to_string(), row.right.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_inserts_with_defaults_and_ids() {
    for t in test_databases("create_inserts").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        let row = links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(row.left, p("p1"), "{:?}", t.backend);
        assert_eq!(row.right, b("b1"));
        assert!(row.id.starts_with("link_"), "{}", row.id);
        assert_eq!(row.id.len(), "link_".len() + 26, "a ULID has 26 characters");
        assert_eq!(
            row.extra,
            product_brand::Extra {
                featured: false,
                position: 0,
                note: None
            },
            "{:?}: declared defaults",
            t.backend
        );

        t.posts(&["s1"]).await;
        let post_row = links
            .create(&t.db, BrandPost::new(b("b1"), post::Model::key("s1")))
            .await
            .expect("brand post");
        assert!(
            post_row.id.starts_with("bpost_"),
            "id_prefix: {}",
            post_row.id
        );
        assert_eq!(
            links.table_name::<BrandPost>().expect("registered"),
            "brand_post"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_pair_updates_named_columns_in_place() {
    for t in test_databases("update_in_place").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        let first = links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1")).with(
                    product_brand::Data::default()
                        .featured(true)
                        .note(Some("launch".into())),
                ),
            )
            .await
            .expect("create");
        assert!(first.extra.featured);

        let second = links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(7)),
            )
            .await
            .expect("update in place");
        assert_eq!(second.id, first.id, "{:?}: the row id is stable", t.backend);
        assert_eq!(
            second.extra,
            product_brand::Extra {
                featured: true,
                position: 7,
                note: Some("launch".into())
            },
            "{:?}: unnamed columns keep their values",
            t.backend
        );
        assert_eq!(live_rows::<ProductBrand>(&links, &t.db).await.len(), 1);

        // Clearing a nullable column is naming it with None.
        let cleared = links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1")).with(product_brand::Data::default().note(None)),
            )
            .await
            .expect("clear note");
        assert_eq!(cleared.extra.note, None);
        assert_eq!(cleared.extra.position, 7);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_one_to_one_recreate_is_idempotent() {
    for t in test_databases("idempotent_one_to_one").await {
        let links = common::registry(&t).await;
        t.customers(&["c1"]).await;
        t.wishlists(&["w1"]).await;
        let pair = || CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1"));
        let first = links.create(&t.db, pair()).await.expect("create");
        let again = links.create(&t.db, pair()).await.unwrap_or_else(|e| {
            panic!(
                "{:?}: re-creating an identical pair must succeed: {e}",
                t.backend
            )
        });
        assert_eq!(first.id, again.id);
        let both = links
            .create_many(&t.db, [pair(), pair()])
            .await
            .expect("duplicates in one batch");
        assert_eq!(both.len(), 1, "a pair repeated in a batch is written once");
        assert_eq!(live_rows::<CustomerWishlist>(&links, &t.db).await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismiss_then_revive_keeps_row_and_data() {
    for t in test_databases("dismiss_revive").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        let first = links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(3)),
            )
            .await
            .expect("create");

        assert!(
            links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
                .await
                .expect("dismiss")
        );
        assert!(
            live_rows::<ProductBrand>(&links, &t.db).await.is_empty(),
            "{:?}",
            t.backend
        );
        assert!(
            !links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
                .await
                .expect("dismiss again"),
            "dismissing a dismissed pair is a no-op"
        );
        assert!(
            !links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b2")))
                .await
                .expect("dismiss missing"),
            "dismissing a pair that never existed is a no-op"
        );

        // The one brand of p1 is free again: another brand may take it...
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("link to b2");
        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("dismiss b2");

        // ...and the dismissed pair revives with its row id and its old data.
        let revived = links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().featured(true)),
            )
            .await
            .expect("revive");
        assert_eq!(revived.id, first.id, "{:?}", t.backend);
        assert_eq!(
            revived.extra.position, 3,
            "unnamed columns keep their values on revival"
        );
        assert!(revived.extra.featured);
        assert_eq!(
            live_rows::<ProductBrand>(&links, &t.db).await,
            vec![("p1".into(), "b1".into())]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cardinality_is_enforced_with_clear_conflicts() {
    for t in test_databases("cardinality").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.customers(&["c1", "c2"]).await;
        t.wishlists(&["w1", "w2"]).await;
        t.posts(&["s1"]).await;
        let backend = t.backend;

        // Many-to-one: a product has one brand; a brand has many products.
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        links
            .create(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("a brand has many products");
        let err = links
            .create(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect_err("second brand");
        assert!(
            matches!(
                err,
                Error::Conflict {
                    link: "ProductBrand",
                    ..
                }
            ),
            "{backend:?}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "link ProductBrand (product → brand): product p1 is already linked to brand b1; dismiss that link first, or mark the brand side `is_list` if a product may have many brands"
        );
        // The records, as data a caller can match.
        let product_p1 = RecordRef {
            model: "product.product".into(),
            id: "p1".into(),
        };
        assert!(
            matches!(
                &err,
                Error::Conflict { record: Some(record), already_linked_to: Some(partner), .. }
                    if **record == product_p1 && partner.model == "brand.brand" && partner.id == "b1"
            ),
            "{backend:?}: {err:?}"
        );

        // One-to-one, both ways.
        links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
            )
            .await
            .expect("c1-w1");
        let err = links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w2")),
            )
            .await
            .expect_err("c1 has a wishlist");
        assert!(
            err.to_string()
                .contains("customer c1 is already linked to wishlist w1"),
            "{backend:?}: {err}"
        );
        let err = links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c2"), wishlist::Model::key("w1")),
            )
            .await
            .expect_err("w1 has a customer");
        assert_eq!(
            err.to_string(),
            "link CustomerWishlist (customer → wishlist): wishlist w1 is already linked to customer c1; dismiss that link first, or mark the customer side `is_list` if a wishlist may have many customers"
        );

        // One-to-many: a post has one brand.
        links
            .create(&t.db, BrandPost::new(b("b1"), post::Model::key("s1")))
            .await
            .expect("b1-s1");
        let err = links
            .create(&t.db, BrandPost::new(b("b2"), post::Model::key("s1")))
            .await
            .expect_err("s1 has a brand");
        assert!(
            err.to_string()
                .contains("post s1 is already linked to brand b1"),
            "{backend:?}: {err}"
        );

        // Many-to-many: no limit.
        t.tags(&["t1", "t2"]).await;
        let rows = links
            .create_many(
                &t.db,
                [
                    ProductTag::new(p("p1"), tag::Model::key("t1")),
                    ProductTag::new(p("p1"), tag::Model::key("t2")),
                    ProductTag::new(p("p2"), tag::Model::key("t1")),
                ],
            )
            .await
            .expect("many-to-many");
        assert_eq!(rows.len(), 3);
        assert_eq!(
            live_rows::<ProductBrand>(&links, &t.db).await.len(),
            2,
            "{backend:?}: nothing half-written"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_atomic_and_checked_as_a_whole() {
    for t in test_databases("atomic_batches").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1", "b2"]).await;
        let backend = t.backend;

        // Two pairs of one batch give p1 two brands.
        let err = links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p1"), b("b2")),
                ],
            )
            .await
            .expect_err("in-batch conflict");
        assert_eq!(
            err.to_string(),
            "link ProductBrand (product → brand): this batch links product p1 to both brand b1 and brand b2, but a product may have one brand; remove one of the pairs, or mark the brand side `is_list` if a product may have many brands"
        );
        assert!(
            matches!(
                &err,
                Error::Conflict { record: Some(record), already_linked_to: Some(partner), .. }
                    if record.id == "p1" && record.model == "product.product"
                        && partner.id == "b1" && partner.model == "brand.brand"
            ),
            "{backend:?}: {err:?}"
        );
        assert!(live_rows::<ProductBrand>(&links, &t.db).await.is_empty());

        // A batch whose last pair conflicts with a stored row writes nothing.
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let err = links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p2"), b("b1")),
                    ProductBrand::new(p("p3"), b("b2")),
                    ProductBrand::new(p("p1"), b("b2")),
                ],
            )
            .await
            .expect_err("conflict with a stored row");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{backend:?}: {err:?}"
        );
        assert_eq!(
            live_rows::<ProductBrand>(&links, &t.db).await,
            vec![("p1".into(), "b1".into())],
            "{backend:?}: the batch wrote nothing"
        );

        // Dismissing several pairs is one atomic call too.
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p2"), b("b1")),
                    ProductBrand::new(p("p3"), b("b2")),
                ],
            )
            .await
            .expect("two more");
        let dismissed = links
            .dismiss_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p3"), b("b2")),
                    ProductBrand::new(p("p3"), b("b1")),
                ],
            )
            .await
            .expect("dismiss many");
        assert_eq!(dismissed, 2, "{backend:?}");
        assert_eq!(
            live_rows::<ProductBrand>(&links, &t.db).await,
            vec![("p2".into(), "b1".into())]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_deleted_records_are_not_found() {
    for t in test_databases("not_found").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "gone"]).await;
        t.brands(&["b1"]).await;
        let backend = t.backend;
        let err = links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("nope"), b("b1")),
                ],
            )
            .await
            .expect_err("missing product");
        match &err {
            Error::NotFound { records, pairs, .. } => {
                assert_eq!(
                    records,
                    &[("product.product".to_string(), vec!["nope".to_string()])].into()
                );
                assert!(pairs.is_empty());
            }
            other => panic!("{backend:?}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "link ProductBrand (product → brand): no live product with id nope; create the records first (or pass `CreateOptions::skip_record_check()` for a bulk import of known ids)"
        );
        assert!(
            live_rows::<ProductBrand>(&links, &t.db).await.is_empty(),
            "{backend:?}: nothing written"
        );

        // Every missing record of the call is named, per model: a product of one pair, the brand
        // of another, and both records of a third.
        let err = links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p8"), b("b1")),
                    ProductBrand::new(p("p1"), b("b9")),
                    ProductBrand::new(p("p7"), b("b7")),
                ],
            )
            .await
            .expect_err("missing records");
        match &err {
            Error::NotFound { records, .. } => assert_eq!(
                records,
                &[
                    ("brand.brand".to_string(), vec!["b7".into(), "b9".into()]),
                    (
                        "product.product".to_string(),
                        vec!["p7".into(), "p8".into()]
                    ),
                ]
                .into(),
                "{backend:?}"
            ),
            other => panic!("{backend:?}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "link ProductBrand (product → brand): no live product with id p7, p8 and no live brand with id b7, b9; create the records first (or pass `CreateOptions::skip_record_check()` for a bulk import of known ids)"
        );

        // A soft-deleted product is not live.
        let mut gone = product::Model {
            id: "gone".into(),
            title: "Product gone".into(),
            deleted_at: None,
        }
        .into_active_model();
        gone.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
        gone.update(&t.db).await.expect("soft-delete");
        let err = links
            .create(&t.db, ProductBrand::new(p("gone"), b("b1")))
            .await
            .expect_err("deleted");
        assert!(
            matches!(err, Error::NotFound { .. }),
            "{backend:?}: {err:?}"
        );

        // The opt-out for bulk imports.
        links
            .create_many_with(
                &t.db,
                [ProductBrand::new(p("elsewhere"), b("b1"))],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .expect("unchecked");

        // Integer primary keys are checked with their own type.
        t.regions(&[1, 2]).await;
        links
            .create(&t.db, RegionBrand::new(region::Model::key("2"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        let err = links
            .create(&t.db, RegionBrand::new(region::Model::key("3"), b("b1")))
            .await
            .expect_err("no region 3");
        assert!(
            matches!(err, Error::NotFound { .. }),
            "{backend:?}: {err:?}"
        );
        let err = links
            .create(&t.db, RegionBrand::new(region::Model::key("x"), b("b1")))
            .await
            .expect_err("not an integer");
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{backend:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("is not a valid region id"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_join_the_callers_transaction() {
    for t in test_databases("caller_transaction").await {
        let links = common::registry(&t).await;
        // Fixtures first: on SQLite a second connection cannot write while a transaction does.
        t.brands(&["b1", "b2"]).await;

        // Rolled back: neither the product nor its link remains.
        let txn = t.db.begin().await.expect("begin");
        product::Model {
            id: "p1".into(),
            title: "New".into(),
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await
        .expect("insert product");
        links
            .create(&txn, ProductBrand::new(p("p1"), b("b1")))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{:?}: the record check sees the caller's uncommitted product: {e}",
                    t.backend
                )
            });
        txn.rollback().await.expect("rollback");
        assert!(
            live_rows::<ProductBrand>(&links, &t.db).await.is_empty(),
            "{:?}",
            t.backend
        );

        // Committed: both remain.
        let txn = t.db.begin().await.expect("begin");
        product::Model {
            id: "p1".into(),
            title: "New".into(),
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await
        .expect("insert product");
        links
            .create(&txn, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("link in txn");
        // A conflict inside the caller's transaction leaves it usable.
        let err = links
            .create(&txn, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect_err("conflict");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{:?}: {err:?}",
            t.backend
        );
        txn.commit().await.expect("commit after a refused create");
        assert_eq!(
            live_rows::<ProductBrand>(&links, &t.db).await,
            vec![("p1".into(), "b1".into())]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_by_either_side() {
    for t in test_databases("list_filters").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1", "b2"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                    ProductBrand::new(p("p3"), b("b2")),
                ],
            )
            .await
            .expect("create");
        let of_b1 = links
            .list(&t.db, ListFilter::<ProductBrand>::all().right([b("b1")]))
            .await
            .expect("list");
        let lefts: Vec<_> = of_b1.iter().map(|r| r.left.to_string()).collect();
        assert_eq!(lefts, vec!["p1", "p2"], "{:?}", t.backend);
        let one = links
            .list(
                &t.db,
                ListFilter::<ProductBrand>::all()
                    .left([p("p2"), p("p3")])
                    .right([b("b2")]),
            )
            .await
            .expect("list");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].left, p("p3"));
        let none = links
            .list(&t.db, ListFilter::<ProductBrand>::all().left([]))
            .await
            .expect("empty filter");
        assert!(none.is_empty());
        // A key given twice finds its row once, on either side.
        let twice = links
            .list(
                &t.db,
                ListFilter::<ProductBrand>::all().left([p("p1"), p("p1")]),
            )
            .await
            .expect("list");
        assert_eq!(twice.len(), 1, "{:?}", t.backend);
        let twice = links
            .list(
                &t.db,
                ListFilter::<ProductBrand>::all().right([b("b2"), b("b2")]),
            )
            .await
            .expect("list");
        assert_eq!(twice.len(), 1, "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_columns_of_every_kind_round_trip() {
    for t in test_databases("extra_types").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.tags(&["t1", "t2"]).await;
        let at = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("time");
        let meta = serde_json::json!({"source": "import", "rank": [1, 2]});
        let rows = links
            .create_many(
                &t.db,
                [
                    ProductTag::new(p("p1"), tag::Model::key("t1")).with(
                        product_tag::Data::default()
                            .weight(2.25)
                            .added_at(Some(at))
                            .meta(Some(meta.clone()))
                            .label("hero".into()),
                    ),
                    ProductTag::new(p("p1"), tag::Model::key("t2")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            rows[0].extra,
            product_tag::Extra {
                weight: 2.25,
                added_at: Some(at),
                meta: Some(meta.clone()),
                label: "hero".into()
            },
            "{:?}",
            t.backend
        );
        assert_eq!(
            rows[1].extra,
            product_tag::Extra {
                weight: 1.5,
                added_at: None,
                meta: None,
                label: "plain".into()
            },
            "{:?}: declared defaults",
            t.backend
        );
        // The two rows name different columns (two statements), yet list in the order given.
        let listed: Vec<String> = links
            .list(&t.db, ListFilter::<ProductTag>::all())
            .await
            .expect("list")
            .into_iter()
            .map(|row| row.right.to_string())
            .collect();
        assert_eq!(listed, vec!["t1", "t2"], "{:?}", t.backend);
        // A row serialises as an HTTP answer shows it: keys as strings, typed extras.
        let json = serde_json::to_value(&rows[0]).expect("serialise a row");
        assert_eq!(json["id"], serde_json::json!(rows[0].id));
        assert_eq!(
            (&json["left"], &json["right"]),
            (&"p1".into(), &"t1".into())
        );
        assert_eq!(
            json["extra"],
            serde_json::json!({
                "weight": 2.25,
                "added_at": serde_json::to_value(at).expect("time"),
                "meta": meta,
                "label": "hero",
            }),
            "{:?}",
            t.backend
        );
        assert_eq!(
            json["created_at"],
            serde_json::to_value(rows[0].created_at).expect("time")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_batches_are_chunked_one_statement_per_chunk() {
    for t in test_databases("chunked_batches").await {
        let links = common::registry(&t).await;
        // Every backend but MySQL (MariaDB has `INSERT … RETURNING`).
        let returns_inserted_rows = t.backend != link_tests::Backend::MySql
            || t.db
                .query_one_raw(sea_orm::Statement::from_string(
                    t.db.get_database_backend(),
                    "SELECT CAST(VERSION() AS char) AS v",
                ))
                .await
                .expect("version")
                .and_then(|row| row.try_get::<String>("", "v").ok())
                .is_some_and(|v| v.contains("MariaDB"));
        let n = 12_000;
        let product_ids: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let ids: Vec<&str> = product_ids.iter().map(String::as_str).collect();
        t.products(&ids).await;
        t.brands(&["b1"]).await;
        t.take_statements();
        let rows = links
            .create_many(
                &t.db,
                ids.iter().map(|id| ProductBrand::new(p(id), b("b1"))),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows.len(), n);
        let statements = t.take_statements();
        let inserts = statements
            .iter()
            .filter(|s| s.starts_with("INSERT"))
            .count();
        let checks = statements
            .iter()
            .filter(|s| s.starts_with("SELECT \"id\"") || s.starts_with("SELECT `id`"))
            .count();
        // 5 values a row: SQLite binds 32 750 a statement (6 550 rows), the others 65 519 (13 103).
        let expected_inserts = if t.backend == link_tests::Backend::Sqlite {
            2
        } else {
            1
        };
        assert_eq!(inserts, expected_inserts, "{:?}: {statements:?}", t.backend);
        if returns_inserted_rows {
            // The upsert checks both records itself and returns the rows it wrote.
            assert_eq!(checks, 0, "{:?}: {statements:?}", t.backend);
            assert!(
                statements
                    .iter()
                    .filter(|s| s.starts_with("INSERT"))
                    .all(|s| s.matches("EXISTS(SELECT 1 FROM").count() == 2),
                "{:?}: {statements:?}",
                t.backend
            );
        } else {
            assert_eq!(checks, 2, "MySQL: one existence check a side");
        }
        assert!(
            statements.len() <= 8,
            "{:?}: {} statements for {n} pairs",
            t.backend,
            statements.len()
        );

        let dismissed = links
            .dismiss_many(
                &t.db,
                ids.iter().map(|id| ProductBrand::new(p(id), b("b1"))),
            )
            .await
            .expect("dismiss all");
        assert_eq!(dismissed, n as u64);
        let updates = t
            .take_statements()
            .iter()
            .filter(|s| s.starts_with("UPDATE"))
            .count();
        assert!(updates <= 2, "{:?}: {updates} UPDATE statements", t.backend);

        // One pair on a pooled connection: a single statement each way (the create's checks
        // ride in its upsert where the database returns the rows written).
        t.take_statements();
        links
            .create(&t.db, ProductBrand::new(p("p0"), b("b1")))
            .await
            .expect("create one");
        let sent = t.take_statements();
        // MySQL sends five: two checks, the read telling new pairs from existing ones (its
        // unguarded upsert may only touch rows known to exist), the insert, the row read back.
        let expected = if returns_inserted_rows { 1 } else { 5 };
        assert_eq!(sent.len(), expected, "{:?}: {sent:?}", t.backend);
        assert!(
            links
                .dismiss(&t.db, ProductBrand::new(p("p0"), b("b1")))
                .await
                .expect("dismiss one")
        );
        let sent = t.take_statements();
        assert_eq!(sent.len(), 1, "{:?}: {sent:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_come_from_models_too() {
    for t in test_databases("keys_from_models").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        let shirt = product::Model {
            id: "p1".into(),
            title: "Shirt".into(),
            deleted_at: None,
        };
        let acme = brand::Model {
            id: "b1".into(),
            name: "Acme".into(),
        };
        let row = links
            .create(&t.db, ProductBrand::new(&shirt, &acme))
            .await
            .expect("from models");
        assert_eq!(row.left, Key::from(&shirt));
        let _: brand_post::Data = brand_post::Data::default();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_extra_columns_and_bad_ids_are_invalid_input() {
    for t in test_databases("required_columns").await {
        let links = common::registry(&t).await;
        t.tags(&["t1"]).await;
        t.posts(&["s1", "s2"]).await;
        let tag = || tag::Model::key("t1");
        let err = links
            .create(&t.db, TagPost::new(tag(), post::Model::key("s1")))
            .await
            .expect_err("a new pair without its required column");
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{:?}: {err:?}",
            t.backend
        );
        assert_eq!(
            err.to_string(),
            "link TagPost (tag → post): a new pair needs a value for every extra column that is not nullable and has no default (reason); name it in the data of t1 → s1"
        );
        let row = links
            .create(
                &t.db,
                TagPost::new(tag(), post::Model::key("s1"))
                    .with(tag_post::Data::default().reason("topical".into())),
            )
            .await
            .expect("named");
        assert_eq!(row.extra.reason, "topical");
        assert_eq!(row.extra.votes, None);
        // An existing pair keeps its value when a re-create does not name it.
        let again = links
            .create(
                &t.db,
                TagPost::new(tag(), post::Model::key("s1"))
                    .with(tag_post::Data::default().votes(Some(3))),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (again.extra.reason.as_str(), again.extra.votes),
            ("topical", Some(3))
        );

        let long = "x".repeat(256);
        let err = links
            .create(&t.db, TagPost::new(tag(), post::Model::key(long.clone())))
            .await
            .expect_err("too long");
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("is not a valid key: ids are 1 to 255 bytes long"),
            "{err}"
        );
        let err = links
            .create(
                &t.db,
                TagPost::new(tag::Model::key(""), post::Model::key("s2")),
            )
            .await
            .expect_err("empty");
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_case_sensitive_on_every_backend() {
    for t in test_databases("case_sensitive_keys").await {
        let links = common::registry(&t).await;
        // Only the link table is under test: a module's own table may fold case (MariaDB's
        // default collation), so record checks are skipped.
        links
            .create_many_with(
                &t.db,
                [
                    ProductBrand::new(p("P1"), b("b1")),
                    ProductBrand::new(p("p1"), b("b1")),
                ],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: P1 and p1 are two products: {e}", t.backend));
        let rows = live_rows::<ProductBrand>(&links, &t.db).await;
        assert_eq!(rows.len(), 2, "{:?}: {rows:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissing_several_pairs_twice_dismisses_them_once() {
    for t in test_databases("dismiss_many_retry").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        let pairs = || {
            [
                ProductBrand::new(p("p1"), b("b1")),
                ProductBrand::new(p("p2"), b("b1")),
                // Never linked: nothing to dismiss.
                ProductBrand::new(p("p3"), b("b1")),
            ]
        };
        links
            .create_many(&t.db, pairs().into_iter().take(2))
            .await
            .expect("create");
        let first = links.dismiss_many(&t.db, pairs()).await.expect("dismiss");
        let again = links.dismiss_many(&t.db, pairs()).await.expect("retry");
        assert_eq!((first, again), (2, 0), "{:?}", t.backend);
        assert!(live_rows::<ProductBrand>(&links, &t.db).await.is_empty());
    }
}

/// A create that cardinality refuses writes nothing: not the new pair, not the other pairs of
/// its batch, and not the pair it clashed with, whose row (id, extra columns, stamps, dismissal)
/// stays as it was. Tried as users do: a single create on a pooled connection, a batch, a
/// revival of a dismissed pair, and the same calls again (a retry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_leaves_every_row_as_it_was() {
    use sea_orm::{EntityTrait, QueryOrder};
    for t in test_databases("refused_create_rows").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        let backend = t.backend;
        let rows = || async {
            product_brand::Entity::find()
                .order_by_asc(product_brand::Column::Left)
                .order_by_asc(product_brand::Column::Right)
                .all(&t.db)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: {e}"))
        };
        let kept = links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1")).with(
                    product_brand::Data::default()
                        .featured(true)
                        .position(3)
                        .note(Some("keep".into())),
                ),
            )
            .await
            .expect("p1 → b1");
        let before = rows().await;
        assert_eq!(before.len(), 1);
        let other = || {
            ProductBrand::new(p("p1"), b("b2")).with(
                product_brand::Data::default()
                    .featured(false)
                    .position(9)
                    .note(Some("other".into())),
            )
        };
        let is_conflict = |err: &Error| matches!(err, Error::Conflict { .. });

        // One pair on a pooled connection, twice.
        for attempt in 0..2 {
            let err = links
                .create(&t.db, other())
                .await
                .expect_err("a product has one brand");
            assert!(is_conflict(&err), "{backend:?} #{attempt}: {err:?}");
            assert_eq!(rows().await, before, "{backend:?} #{attempt}");
        }
        // In a batch with a pair that alone would be fine.
        let err = links
            .create_many(&t.db, [ProductBrand::new(p("p2"), b("b2")), other()])
            .await
            .expect_err("the batch clashes");
        assert!(is_conflict(&err), "{backend:?}: {err:?}");
        assert_eq!(rows().await, before, "{backend:?}: nothing of the batch");

        // Dismissed, the pair's partner may change; reviving the old pair then clashes, and
        // leaves the dismissed row and the new pair's row alone.
        assert!(
            links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
                .await
                .expect("dismiss")
        );
        let moved = links.create(&t.db, other()).await.expect("p1 → b2");
        assert_eq!(moved.extra.position, 9);
        let settled = rows().await;
        assert_eq!(settled.len(), 2);
        for attempt in 0..2 {
            let err = links
                .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
                .await
                .expect_err("p1 has brand b2");
            assert!(is_conflict(&err), "{backend:?} #{attempt}: {err:?}");
            assert_eq!(rows().await, settled, "{backend:?} #{attempt}");
        }
        assert!(settled[0].deleted_at.is_some(), "{backend:?}");
        assert_eq!(settled[0].id, kept.id, "{backend:?}");
        assert_eq!(settled[0].note.as_deref(), Some("keep"), "{backend:?}");
        // A key that differs by a trailing space is another key (SPEC §8: byte for byte);
        // where the database compares it padded (MariaDB's `utf8mb4_bin`) it may be refused,
        // but the dismissed `p1` row is not revived for it.
        if let Ok(row) = links
            .create(&t.db, ProductBrand::new(p("p2 "), b("b2")))
            .await
        {
            assert_eq!(row.left.to_string(), "p2 ", "{backend:?}");
        }
        t.products(&["p3"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p3"), b("b1")))
            .await
            .expect("p3 → b1");
        assert!(
            links
                .dismiss(&t.db, ProductBrand::new(p("p3"), b("b1")))
                .await
                .expect("dismiss p3")
        );
        let padded = links
            .create(&t.db, ProductBrand::new(p("p3 "), b("b1")))
            .await;
        let p3 = product_brand::Entity::find_by_id(("p3".to_string(), "b1".to_string()))
            .one(&t.db)
            .await
            .expect("read p3")
            .expect("p3's row");
        assert!(
            p3.deleted_at.is_some(),
            "{backend:?}: creating `p3 ` revived `p3` ({padded:?})"
        );

        // The accepted call again: the same row, unchanged but for what it names.
        let again = links.create(&t.db, other()).await.expect("a retry");
        assert_eq!(again.id, moved.id, "{backend:?}");
        assert_eq!(again.extra, moved.extra, "{backend:?}");
        assert_eq!(
            rows().await.iter().filter(|r| r.left == "p1").count(),
            2,
            "{backend:?}"
        );
    }
}

/// A batch that names a record and its twins by case or trailing space (which MariaDB's default
/// collation takes for the same key) checks each key exactly (SPEC §8: byte for byte): the
/// twins are missing records, and nothing of the batch is written. A record named first and
/// its twin after it in the same statement is the case a cache of the check by collation gets
/// wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_a_record_and_its_twins_checks_each_key_exactly() {
    for t in test_databases("batch_twins").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        let batches = [
            vec![("p1", "b1"), ("p2", "B1")],
            vec![("p1", "b1"), ("p2", "b1 ")],
            vec![("p1", "b1"), ("P1", "b1")],
            vec![("p1", "b1"), ("p1 ", "b1"), ("p3", "b1")],
        ];
        for batch in batches {
            let twin = batch[1];
            let outcome = links
                .create_many(
                    &t.db,
                    batch.iter().map(|(l, r)| ProductBrand::new(p(l), b(r))),
                )
                .await;
            match outcome {
                Err(Error::NotFound { records, .. }) => assert!(
                    records
                        .values()
                        .flatten()
                        .any(|id| id == twin.0 || id == twin.1),
                    "{:?}: {batch:?}: {records:?}",
                    t.backend
                ),
                other => panic!(
                    "{:?}: {batch:?}: expected NotFound, got {other:?}",
                    t.backend
                ),
            }
            assert_eq!(
                live_rows::<ProductBrand>(&links, &t.db).await,
                Vec::<(String, String)>::new(),
                "{:?}: {batch:?}",
                t.backend
            );
        }
    }
}
