//! Link events: attached and detached rows, seen only after the write commits.

mod common;

use link_runtime::{Key, LinkEvent, LinkEventKind, Links};
use link_tests::links::{CustomerWishlist, ProductBrand};
use link_tests::models::{brand, customer, product, wishlist};
use link_tests::{TestDb, test_databases};
use sea_orm::{ActiveModelTrait, IntoActiveModel, TransactionTrait};
use serde_json::json;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

fn next(rx: &mut Receiver<LinkEvent>) -> LinkEvent {
    rx.try_recv().expect("an event")
}

fn none(rx: &mut Receiver<LinkEvent>, t: &TestDb, what: &str) {
    assert!(
        matches!(rx.try_recv(), Err(TryRecvError::Empty)),
        "{:?}: {what}",
        t.backend
    );
}

async fn fixture(t: &TestDb) -> Links {
    let links = common::registry(t).await;
    t.products(&["p1", "p2"]).await;
    t.brands(&["b1"]).await;
    t.customers(&["c1"]).await;
    t.wishlists(&["w1"]).await;
    links
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_a_connection_emit_after_their_commit() {
    for t in test_databases("events_connection").await {
        let links = fixture(&t).await;
        let mut rx = links.subscribe();
        let row = links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("create");
        let event = next(&mut rx);
        assert_eq!(
            (event.name().as_str(), event.kind),
            ("ProductBrand.attached", LinkEventKind::Attached)
        );
        assert_eq!(event.rows.len(), 1);
        assert_eq!(
            (
                event.rows[0].id.as_str(),
                event.rows[0].left.as_str(),
                event.rows[0].right.as_str()
            ),
            (row.id.as_str(), "p1", "b1")
        );
        none(&mut rx, &t, "one event per link per write");

        assert!(
            !links
                .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
                .await
                .expect("no-op")
        );
        none(&mut rx, &t, "a dismiss that changes nothing emits nothing");
        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("dismiss");
        let event = next(&mut rx);
        assert_eq!(event.name(), "ProductBrand.detached");
        assert_eq!(event.rows[0].id, row.id, "{:?}", t.backend);

        links
            .create_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}},
                    {"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}},
                ]),
            )
            .await
            .expect("create json");
        let names: Vec<String> = [next(&mut rx), next(&mut rx)]
            .iter()
            .map(LinkEvent::name)
            .collect();
        assert_eq!(
            names,
            ["ProductBrand.attached", "CustomerWishlist.attached"]
        );

        let report = links
            .delete(&t.db, [customer::Model::key("c1")])
            .await
            .expect("delete");
        assert!(report.records.contains_key("wishlist.wishlist"));
        let event = next(&mut rx);
        assert_eq!(
            (event.name().as_str(), event.rows[0].right.as_str()),
            ("CustomerWishlist.detached", "w1")
        );
        links
            .restore(&t.db, [customer::Model::key("c1")])
            .await
            .expect("restore");
        assert_eq!(next(&mut rx).name(), "CustomerWishlist.attached");
        none(&mut rx, &t, "nothing else");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_transaction_emits_on_commit_and_never_on_rollback() {
    for t in test_databases("events_transaction").await {
        let links = fixture(&t).await;
        let mut rx = links.subscribe();

        let txn = links.begin(&t.db).await.expect("begin");
        product::Model {
            id: "p3".into(),
            title: "New".into(),
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await
        .expect("insert a product in the transaction");
        links
            .create(&txn, ProductBrand::new(p("p3"), b("b1")))
            .await
            .expect("link it in the same transaction");
        none(&mut rx, &t, "not before the commit");
        txn.commit().await.expect("commit");
        let event = next(&mut rx);
        assert_eq!(
            (event.name().as_str(), event.rows[0].left.as_str()),
            ("ProductBrand.attached", "p3"),
            "{:?}",
            t.backend
        );

        let txn = links.begin(&t.db).await.expect("begin");
        links
            .create(
                &txn,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
            )
            .await
            .expect("create");
        txn.rollback().await.expect("rollback");
        none(&mut rx, &t, "a rolled-back write emits nothing");

        // A caller's plain transaction: its commit cannot be observed, so nothing is emitted.
        let plain = t.db.begin().await.expect("begin");
        links
            .create(&plain, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("create");
        plain.commit().await.expect("commit");
        none(&mut rx, &t, "plain transactions emit no events");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repair_and_undo_emit_what_they_change() {
    for t in test_databases("events_repair_undo").await {
        let links = fixture(&t).await;
        let mut rx = links.subscribe();
        links
            .create_many_with(
                &t.db,
                [ProductBrand::new(p("ghost"), b("b1"))],
                link_runtime::CreateOptions::default().skip_record_check(),
            )
            .await
            .expect("a dangling link");
        let ghost = next(&mut rx).rows[0].id.clone();
        let audit = links.repair(&t.db).await.expect("repair");
        assert_eq!(audit.dangling(), 1);
        let event = next(&mut rx);
        assert_eq!(
            (event.name().as_str(), event.rows[0].id.as_str()),
            ("ProductBrand.detached", ghost.as_str()),
            "{:?}",
            t.backend
        );
        none(&mut rx, &t, "links without dangling rows emit nothing");

        let (rows, undo) = links
            .create_undoable(&t.db, [ProductBrand::new(p("p1"), b("b1"))])
            .await
            .expect("create");
        assert_eq!(next(&mut rx).name(), "ProductBrand.attached");
        links.undo(&t.db, undo).await.expect("undo");
        let event = next(&mut rx);
        assert_eq!(
            (event.name().as_str(), event.rows[0].id.as_str()),
            ("ProductBrand.detached", rows[0].id.as_str())
        );
        let (_, undo) = links
            .dismiss_undoable(&t.db, [ProductBrand::new(p("p2"), b("b1"))])
            .await
            .expect("no-op dismiss");
        none(&mut rx, &t, "nothing dismissed");
        links.undo(&t.db, undo).await.expect("undo of nothing");
        none(&mut rx, &t, "nothing to undo, nothing emitted");
    }
}
