//! update, and undo records that put back exactly what a write changed.

mod common;

use link_runtime::{Error, Key, Links};
use link_tests::db::sqlite_database;
use link_tests::links::{ProductBrand, product_brand};
use link_tests::models::{brand, product};
use link_tests::{TestDb, test_databases};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

/// Every row of the link table, live or not, exactly as stored.
async fn table(db: &DatabaseConnection) -> Vec<product_brand::Model> {
    product_brand::Entity::find()
        .order_by_asc(product_brand::Column::Left)
        .order_by_asc(product_brand::Column::Right)
        .all(db)
        .await
        .expect("read the link table")
}

/// p1–b1 live (position 3), p2–b1 dismissed (position 5), p3 unlinked.
async fn fixture(t: &TestDb) -> Links {
    let links = common::registry(t).await;
    t.products(&["p1", "p2", "p3"]).await;
    t.brands(&["b1", "b2"]).await;
    links
        .create_many(
            &t.db,
            [
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(3)),
                ProductBrand::new(p("p2"), b("b1"))
                    .with(product_brand::Data::default().position(5)),
            ],
        )
        .await
        .expect("fixture");
    links
        .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
        .await
        .expect("dismiss p2");
    links
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_changes_live_links_only_and_all_or_nothing() {
    for t in test_databases("update_links").await {
        let links = fixture(&t).await;
        let row = links
            .update(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().featured(true)),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (row.extra.featured, row.extra.position),
            (true, 3),
            "{:?}: unnamed columns kept",
            t.backend
        );

        let before = table(&t.db).await;
        let err = links
            .update_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().position(8)),
                    ProductBrand::new(p("p2"), b("b1"))
                        .with(product_brand::Data::default().position(8)),
                    ProductBrand::new(p("p3"), b("b1")),
                ],
            )
            .await
            .expect_err("p2 is dismissed and p3 never linked");
        match &err {
            Error::NotFound { pairs, records, .. } => {
                assert!(records.is_empty());
                assert_eq!(
                    pairs,
                    &[(
                        "ProductBrand".to_string(),
                        vec![("p2".into(), "b1".into()), ("p3".into(), "b1".into())]
                    )]
                    .into(),
                    "{:?}",
                    t.backend
                );
            }
            other => panic!("{:?}: {other:?}", t.backend),
        }
        assert_eq!(
            err.to_string(),
            "an update changes live links only, and these are not linked: link ProductBrand (product → brand): product p2 → brand b1, product p3 → brand b1; create them instead (nothing was changed)"
        );
        assert_eq!(
            table(&t.db).await,
            before,
            "{:?}: nothing changed",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_a_create_reverts_exactly_what_it_changed() {
    for t in test_databases("undo_create").await {
        let links = fixture(&t).await;
        let before = table(&t.db).await;
        let (rows, undo) = links
            .create_undoable(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().featured(true)),
                    ProductBrand::new(p("p2"), b("b1"))
                        .with(product_brand::Data::default().position(9)),
                    ProductBrand::new(p("p3"), b("b1")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows.len(), 3);
        links
            .undo(&t.db, undo)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));

        let after = table(&t.db).await;
        // p1–b1 existed before the step: it is live again with its old data (Medusa's
        // compensation would dismiss it); p2–b1 is dismissed again with its old stamp and data.
        assert_eq!(after[..2], before[..], "{:?}", t.backend);
        // p3–b1 was created by the step: it is dismissed.
        assert_eq!(after[2].left, "p3");
        assert!(after[2].deleted_at.is_some(), "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_a_dismiss_and_of_an_update_and_a_blocked_undo() {
    for t in test_databases("undo_dismiss").await {
        let links = fixture(&t).await;
        let before = table(&t.db).await;
        let (dismissed, undo) = links
            .dismiss_undoable(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p3"), b("b1")),
                ],
            )
            .await
            .expect("dismiss");
        assert_eq!(dismissed, 1);
        links.undo(&t.db, undo).await.expect("undo the dismiss");
        assert_eq!(
            table(&t.db).await,
            before,
            "{:?}: back with its data",
            t.backend
        );

        let (_, undo) = links
            .update_undoable(
                &t.db,
                [ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().note(Some("x".into())))],
            )
            .await
            .expect("update");
        links.undo(&t.db, undo).await.expect("undo the update");
        assert_eq!(table(&t.db).await, before, "{:?}", t.backend);

        // An undo that would revive a pair whose place was taken since restores nothing.
        let (_, undo) = links
            .dismiss_undoable(&t.db, [ProductBrand::new(p("p1"), b("b1"))])
            .await
            .expect("dismiss");
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("p1 gets another brand");
        let err = links.undo(&t.db, undo).await.expect_err("conflict");
        assert_eq!(
            err.to_string(),
            "nothing was undone: link ProductBrand (product → brand): product p1 is already linked to brand b2; dismiss that link first, or mark the brand side `is_list` if a product may have many brands"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_across_two_connections_is_compensated_exactly() {
    for t in test_databases("undo_workflow").await {
        let links_a = fixture(&t).await;
        let other = sqlite_database().await;
        let links_b = fixture(&other).await;
        let (before_a, before_b) = (table(&t.db).await, table(&other.db).await);

        // Step 1 on the first database, step 2 on the second, step 3 fails on the second.
        let (_, undo_1) = links_a
            .create_undoable(
                &t.db,
                [
                    ProductBrand::new(p("p3"), b("b2")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("step 1");
        let (_, undo_2) = links_b
            .dismiss_undoable(&other.db, [ProductBrand::new(p("p1"), b("b1"))])
            .await
            .expect("step 2");
        links_b
            .create(&other.db, ProductBrand::new(p("p2"), b("b2")))
            .await
            .expect("p2 has no live brand on the second database");
        let failed = links_b
            .create(&other.db, ProductBrand::new(p("p2"), b("b1")))
            .await;
        assert!(
            matches!(failed, Err(Error::Conflict { .. })),
            "{:?}: step 3 fails",
            t.backend
        );

        // Compensation, latest step first. (The successful create of p2–b2 was not part of the
        // workflow's recorded steps, so it is dismissed by hand to compare whole tables.)
        links_b
            .dismiss(&other.db, ProductBrand::new(p("p2"), b("b2")))
            .await
            .expect("outside the workflow");
        links_b.undo(&other.db, undo_2).await.expect("undo step 2");
        links_a.undo(&t.db, undo_1).await.expect("undo step 1");

        let after_a = table(&t.db).await;
        assert_eq!(
            after_a
                .iter()
                .filter(|r| r.left != "p3")
                .cloned()
                .collect::<Vec<_>>(),
            before_a,
            "{:?}",
            t.backend
        );
        assert!(
            after_a
                .iter()
                .filter(|r| r.left == "p3")
                .all(|r| r.deleted_at.is_some()),
            "created by step 1: dismissed"
        );
        let after_b: Vec<_> = table(&other.db)
            .await
            .into_iter()
            .filter(|r| r.right != "b2")
            .collect();
        assert_eq!(
            after_b, before_b,
            "{:?}: the second database is as it was",
            t.backend
        );
    }
}
