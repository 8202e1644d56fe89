//! delete with cascade and restore, on SQLite, PostgreSQL and MariaDB.

use link_runtime::{CreateOptions, Error, Key, LifecycleReport};
use link_tests::cascade::*;
use link_tests::models::{brand, product, tag};
use link_tests::test_databases;
use sea_orm::{ConnectionTrait, TransactionTrait};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_cascades_three_levels_and_restore_reverses_it() {
    for t in test_databases("lc_cascade").await {
        let links = registry(&t, false).await;
        t.products(&["p1", "p2"]).await;
        t.posts(&["s1", "s2", "s3"]).await;
        t.wishlists(&["w1", "w2"]).await;
        t.tags(&["t1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductPost::new(p("p1"), s("s1")),
                    ProductPost::new(p("p1"), s("s2")),
                    ProductPost::new(p("p2"), s("s3")),
                ],
            )
            .await
            .expect("posts");
        links
            .create_many(
                &t.db,
                [
                    PostComment::new(s("s1"), w("w1")),
                    PostComment::new(s("s3"), w("w2")),
                ],
            )
            .await
            .expect("comments");
        links
            .create(&t.db, ProductTags::new(p("p1"), tag::Model::key("t1")))
            .await
            .expect("tag");

        let report = links
            .delete(&t.db, [p("p1")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let stamp = report.stamps[0];
        assert_eq!(
            report.records.get("product.product"),
            Some(&set(&["p1"])),
            "{:?}: {report:?}",
            t.backend
        );
        assert_eq!(report.records.get("post.post"), Some(&set(&["s1", "s2"])));
        assert_eq!(report.records.get("wishlist.wishlist"), Some(&set(&["w1"])));
        assert_eq!(report.records.get("tag.tag"), None, "tags are not cascaded");
        assert_eq!(
            report.links.get("ProductPost"),
            Some(&pairs(&[("p1", "s1"), ("p1", "s2")]))
        );
        assert_eq!(
            report.links.get("PostComment"),
            Some(&pairs(&[("s1", "w1")]))
        );
        assert_eq!(
            report.links.get("ProductTags"),
            Some(&pairs(&[("p1", "t1")]))
        );

        // One stamp for every deleted_at the operation set.
        assert_eq!(
            product_deleted(&t, "p1").await,
            as_stored(&t, stamp),
            "{:?}",
            t.backend
        );
        assert_eq!(post_deleted(&t, "s1").await, as_stored(&t, stamp));
        assert_eq!(post_deleted(&t, "s2").await, as_stored(&t, stamp));
        assert_eq!(wishlist_deleted(&t, "w1").await, as_stored(&t, stamp));
        assert_eq!(product_deleted(&t, "p2").await, None, "untouched");
        assert_eq!(post_deleted(&t, "s3").await, None, "untouched");
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p2", "s3")])
        );
        assert_eq!(
            live::<PostComment>(&links, &t).await,
            pairs(&[("s3", "w2")])
        );
        assert!(live::<ProductTags>(&links, &t).await.is_empty());

        let restored = links
            .restore(&t.db, [p("p1")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(restored.stamps, vec![stamp]);
        assert_eq!(
            restored.records,
            report
                .records
                .iter()
                .filter(|(k, _)| *k != "tag.tag")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        );
        assert_eq!(restored.links, report.links, "{:?}", t.backend);
        for (id, at) in [
            ("p1", product_deleted(&t, "p1").await),
            ("s1", post_deleted(&t, "s1").await),
            ("w1", wishlist_deleted(&t, "w1").await),
        ] {
            assert_eq!(at, None, "{:?}: {id} is back", t.backend);
        }
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p1", "s1"), ("p1", "s2"), ("p2", "s3")])
        );
        assert_eq!(
            live::<ProductTags>(&links, &t).await,
            pairs(&[("p1", "t1")])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_leaves_earlier_dismissals_dismissed() {
    for t in test_databases("lc_earlier_dismissals").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.posts(&["s1", "s2"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductPost::new(p("p1"), s("s1")),
                    ProductPost::new(p("p1"), s("s2")),
                ],
            )
            .await
            .expect("posts");
        links
            .dismiss(&t.db, ProductPost::new(p("p1"), s("s2")))
            .await
            .expect("dismiss earlier");

        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(
            report.records.get("post.post"),
            Some(&set(&["s1"])),
            "{:?}: a dismissed link does not cascade",
            t.backend
        );
        assert_eq!(post_deleted(&t, "s2").await, None);

        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p1", "s1")]),
            "{:?}: Medusa would revive (p1, s2) too",
            t.backend
        );

        // A delete that dismisses no link: its restore revives none either, even one dismissed
        // a moment before (found by the property test). MariaDB's `timestamp` keeps whole
        // seconds, so there a link dismissed within the same second is taken for the delete's
        // (see the lifecycle docs: give module tables microsecond timestamps).
        links
            .dismiss(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("dismiss the last");
        links.delete(&t.db, [p("p1")]).await.expect("delete again");
        links
            .restore(&t.db, [p("p1")])
            .await
            .expect("restore again");
        assert_eq!(product_deleted(&t, "p1").await, None);
        if t.backend != link_tests::Backend::MySql {
            assert_eq!(
                live::<ProductPost>(&links, &t).await,
                pairs(&[]),
                "{:?}: nothing was dismissed by that delete",
                t.backend
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_that_would_break_cardinality_restores_nothing() {
    for t in test_databases("lc_restore_conflict").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        let b = brand::Model::key;
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        // Deleting a brand (which has no deleted_at) dismisses its links.
        let report = links.delete(&t.db, [b("b1")]).await.expect("delete b1");
        assert_eq!(report.records.get("brand.brand"), Some(&set(&["b1"])));
        assert_eq!(
            report.links.get("ProductBrandOne"),
            Some(&pairs(&[("p1", "b1")]))
        );
        // p1's brand is free, so p1 is linked to b2 meanwhile.
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b("b2")))
            .await
            .expect("p1-b2");

        let err = links
            .restore(&t.db, [b("b1")])
            .await
            .expect_err("restoring (p1, b1) breaks one brand per product");
        assert!(
            matches!(
                err,
                Error::Conflict {
                    link: "ProductBrandOne",
                    ..
                }
            ),
            "{:?}: {err:?}",
            t.backend
        );
        assert_eq!(
            err.to_string(),
            "nothing was restored (it would revive p1 → b1): link ProductBrandOne (product → brand): product p1 is already linked to brand b2; dismiss that link first, or mark the brand side `is_list` if a product may have many brands"
        );
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p1", "b2")]),
            "{:?}",
            t.backend
        );

        // Once the link that took its place is dismissed, the restore goes through.
        links
            .dismiss(&t.db, ProductBrandOne::new(p("p1"), b("b2")))
            .await
            .expect("dismiss");
        let restored = links.restore(&t.db, [b("b1")]).await.expect("restore");
        assert_eq!(
            restored.links.get("ProductBrandOne"),
            Some(&pairs(&[("p1", "b1")]))
        );
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p1", "b1")])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cascade_cycle_visits_each_record_once() {
    for t in test_databases("lc_cycle").await {
        let links = registry(&t, true).await;
        t.products(&["p1", "p2"]).await;
        t.posts(&["s1"]).await;
        t.wishlists(&["w1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("p1-s1");
        links
            .create(&t.db, PostComment::new(s("s1"), w("w1")))
            .await
            .expect("s1-w1");
        links
            .create_many(
                &t.db,
                [
                    CommentProduct::new(w("w1"), p("p1")),
                    CommentProduct::new(w("w1"), p("p2")),
                ],
            )
            .await
            .expect("w1-p1, w1-p2");

        let report = links
            .delete(&t.db, [p("p1")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            report.records.get("product.product"),
            Some(&set(&["p1", "p2"])),
            "{:?}: {report:?}",
            t.backend
        );
        assert_eq!(report.records.get("post.post"), Some(&set(&["s1"])));
        assert_eq!(report.records.get("wishlist.wishlist"), Some(&set(&["w1"])));
        assert_eq!(
            report.links.get("CommentProduct"),
            Some(&pairs(&[("w1", "p1"), ("w1", "p2")]))
        );
        let restored = links
            .restore(&t.db, [p("p1")])
            .await
            .expect("restore the cycle");
        assert_eq!(restored.records, report.records, "{:?}", t.backend);
        assert_eq!(product_deleted(&t, "p2").await, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_ids_are_not_an_error_and_their_links_are_cleaned_up() {
    for t in test_databases("lc_missing").await {
        let links = registry(&t, false).await;
        t.posts(&["s1"]).await;
        // A link to a product that was hard-deleted (or never existed).
        links
            .create_many_with(
                &t.db,
                [ProductPost::new(p("ghost"), s("s1"))],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .expect("unchecked");
        let report = links
            .delete(&t.db, [p("ghost"), p("never")])
            .await
            .expect("delete missing");
        assert_eq!(
            report.records.get("product.product"),
            None,
            "{:?}: nothing found: {report:?}",
            t.backend
        );
        assert_eq!(
            report.links.get("ProductPost"),
            Some(&pairs(&[("ghost", "s1")]))
        );
        assert_eq!(
            report.records.get("post.post"),
            Some(&set(&["s1"])),
            "the cascade still runs"
        );
        let empty = links
            .delete(&t.db, Vec::<Key<product::Model>>::new())
            .await
            .expect("nothing");
        assert_eq!(
            empty,
            LifecycleReport {
                stamps: empty.stamps.clone(),
                ..Default::default()
            }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_caller_transaction_keeps_record_and_link() {
    for t in test_databases("lc_rollback").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("link");
        let txn = t.db.begin().await.expect("begin");
        let report = links.delete(&txn, [p("p1")]).await.expect("delete in txn");
        assert_eq!(report.records.get("post.post"), Some(&set(&["s1"])));
        txn.rollback().await.expect("rollback");
        assert_eq!(product_deleted(&t, "p1").await, None, "{:?}", t.backend);
        assert_eq!(post_deleted(&t, "s1").await, None);
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p1", "s1")])
        );

        let txn = t.db.begin().await.expect("begin");
        links.delete(&txn, [p("p1")]).await.expect("delete in txn");
        txn.commit().await.expect("commit");
        assert!(product_deleted(&t, "p1").await.is_some());
        assert!(live::<ProductPost>(&links, &t).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_its_module_already_deleted_keeps_its_stamp_and_restores_as_one() {
    for t in test_databases("lc_restamp").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("link");
        // The product module soft-deletes its record first (Medusa's two-step delete).
        module_deletes_product(&t, "p1", earlier(0)).await;

        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(report.records.get("product.product"), Some(&set(&["p1"])));
        assert_eq!(report.records.get("post.post"), Some(&set(&["s1"])));
        assert_eq!(report.stamps, vec![earlier(0)], "{:?}", t.backend);
        // SPEC §8: the record keeps its stamp, and what the call removes through it takes it.
        assert_eq!(product_deleted(&t, "p1").await, Some(earlier(0)));
        assert_eq!(post_deleted(&t, "s1").await, Some(earlier(0)));
        assert_eq!(dangling(&links, &t).await, 0);
        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(product_deleted(&t, "p1").await, None);
        assert_eq!(post_deleted(&t, "s1").await, None);
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p1", "s1")])
        );
    }
}

/// On PostgreSQL a list of keys is bound as one array, so a delete sends the same statement
/// texts whether it names two records or forty: one prepared statement each, whatever the size
/// (and PostgreSQL's generic plan for it scans the key's index).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statements_do_not_grow_with_the_number_of_keys() {
    let Some(t) = link_tests::db::postgres_only("lc_key_arrays", 2).await else {
        return;
    };
    let links = registry(&t, false).await;
    let products: Vec<String> = (0..42).map(|i| format!("p{i}")).collect();
    let posts: Vec<String> = (0..42).map(|i| format!("s{i}")).collect();
    t.products(&products).await;
    t.posts(&posts).await;
    links
        .create_many(
            &t.db,
            products
                .iter()
                .zip(&posts)
                .map(|(product, post)| ProductPost::new(p(product), s(post))),
        )
        .await
        .expect("posts");

    let mut sent = Vec::new();
    for named in [&products[..2], &products[2..]] {
        t.take_statements();
        let report = links
            .delete(&t.db, named.iter().map(|id| p(id)))
            .await
            .expect("delete");
        assert_eq!(
            report.records.get("post.post").map(|posts| posts.len()),
            Some(named.len()),
            "each product's post is deleted: {report:?}"
        );
        sent.push(t.take_statements());
    }
    assert!(
        sent[0].iter().any(|sql| sql.contains("= ANY(")),
        "keys bound as an array: {:#?}",
        sent[0]
    );
    assert_eq!(
        sent[0], sent[1],
        "the statements of a delete of 2 and of 40 products"
    );
}

fn tag_key(id: &str) -> Key<tag::Model> {
    tag::Model::key(id)
}

/// A tag has no `deleted_at`: its delete's stamp is kept by the library. Once the tag is gone
/// (hard-deleted by its module, then named by a cleanup delete) that stamp is forgotten, so a
/// new tag with the same id is deleted with a stamp of its own, and its restore brings back its
/// links only, not the old tag's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_record_under_an_old_id_does_not_inherit_its_delete() {
    for t in test_databases("lc_reused_tag_id").await {
        let links = registry(&t, false).await;
        t.products(&["p1", "p2"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductTags::new(p("p1"), tag_key("t1")))
            .await
            .expect("create");
        let first = links.delete(&t.db, [tag_key("t1")]).await.expect("delete");
        t.db.execute_unprepared("DELETE FROM tag WHERE id = 't1'")
            .await
            .expect("the module's hard delete");
        links
            .delete(&t.db, [tag_key("t1")])
            .await
            .expect("the cleanup delete");
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductTags::new(p("p2"), tag_key("t1")))
            .await
            .expect("create for the new tag");
        let second = links.delete(&t.db, [tag_key("t1")]).await.expect("delete");
        assert_ne!(
            second.stamps, first.stamps,
            "{:?}: the new tag's delete has a stamp of its own",
            t.backend
        );
        let restored = links
            .restore(&t.db, [tag_key("t1")])
            .await
            .expect("restore");
        assert_eq!(
            live::<ProductTags>(&links, &t).await,
            [("p2".to_string(), "t1".to_string())].into(),
            "{:?}: only the new tag's link comes back",
            t.backend
        );
        assert_eq!(
            restored.records.get("tag.tag"),
            Some(&["t1".to_string()].into()),
            "{:?}: the report names the restored tag, as the delete's did",
            t.backend
        );
        let again = links
            .restore(&t.db, [tag_key("t1")])
            .await
            .expect("restore again");
        assert!(
            again.records.is_empty() && again.links.is_empty(),
            "{:?}: a second restore finds nothing deleted: {again:?}",
            t.backend
        );
    }
}

/// `purge_all` forgets the kept stamps of deletes older than its bound, with the link rows they
/// dismissed: a later delete of the same tag takes a fresh stamp, and its restore revives only
/// what that delete removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_all_forgets_the_stamps_of_old_deletes() {
    for t in test_databases("lc_purge_deletions").await {
        let links = registry(&t, false).await;
        t.products(&["p1", "p2"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductTags::new(p("p1"), tag_key("t1")))
            .await
            .expect("create");
        let first = links.delete(&t.db, [tag_key("t1")]).await.expect("delete");
        links
            .purge_all(&t.db, chrono::Utc::now() + chrono::TimeDelta::seconds(1))
            .await
            .expect("purge");
        links
            .create(&t.db, ProductTags::new(p("p2"), tag_key("t1")))
            .await
            .expect("create again");
        let second = links.delete(&t.db, [tag_key("t1")]).await.expect("delete");
        assert_ne!(second.stamps, first.stamps, "{:?}", t.backend);
        assert_eq!(
            second.links.get("ProductTags").map(|pairs| pairs.len()),
            Some(1),
            "{:?}: the new link is dismissed",
            t.backend
        );
        links
            .restore(&t.db, [tag_key("t1")])
            .await
            .expect("restore");
        assert_eq!(
            live::<ProductTags>(&links, &t).await,
            [("p2".to_string(), "t1".to_string())].into(),
            "{:?}",
            t.backend
        );
    }
}

/// A restore whose own revived rows clash (two brands of one product, one brand per product)
/// is refused, restoring nothing, with a message about those rows: not "a concurrent change …
/// retry", which a retry could never fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_whose_revived_rows_clash_says_so() {
    for t in test_databases("lc_restore_self_clash").await {
        let links = registry(&t, false).await;
        let b = brand::Model::key;
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        links.delete(&t.db, [b("b1")]).await.expect("delete b1");
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b("b2")))
            .await
            .expect("p1-b2");
        links.delete(&t.db, [b("b2")]).await.expect("delete b2");
        let err = links
            .restore(&t.db, [b("b1"), b("b2")])
            .await
            .expect_err("p1 may have one brand");
        let message = err.to_string();
        assert!(
            matches!(err, Error::Conflict { .. })
                && message.contains("p1")
                && !message.contains("concurrent")
                && !message.contains("retry"),
            "{:?}: {message}",
            t.backend
        );
        assert!(
            live::<ProductBrandOne>(&links, &t).await.is_empty(),
            "{:?}: nothing was restored",
            t.backend
        );
    }
}
