//! Delete and restore, written from SPEC §8's sentences by a helper that had not read the
//! implementation: client retries, restores of what was never deleted, records that were
//! hard-deleted, diamonds, two named records whose cascades meet, conflicts deep in a cascade,
//! errors mid-cascade. Each test runs on SQLite, PostgreSQL and MariaDB and checks the whole
//! state after a refusal. (The migrations a restore must respect: `spec_migrations`.)

mod spec_lifecycle_world;

use link_runtime::{CreateOptions, Error, Links, define_link};
use link_tests::cascade::{
    PostComment, ProductBrandOne, ProductPost, ProductTags, dangling, earlier, live,
    module_deletes_comment, module_deletes_post, module_deletes_product, p, pairs, post_deleted,
    product_deleted, s, set, w, wishlist_deleted,
};
use link_tests::models::{post, product, wishlist};
use link_tests::{TestDb, test_databases};

use spec_lifecycle_world::*;

define_link! {
    /// A diamond's first hop: products own posts, many-to-many, cascading.
    pub DiaProductPost: product::Model [is_list] => post::Model [is_list, delete_cascade],
    table = "sp_dia_pp",
}

define_link! {
    /// A diamond's second hop: posts own comments (wishlists), many-to-many, cascading.
    pub DiaPostComment: post::Model [is_list] => wishlist::Model [is_list, delete_cascade],
    table = "sp_dia_pc",
}

/// Products → posts → comments, both hops many-to-many and cascading: diamonds.
async fn diamond(t: &TestDb) -> Links {
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("post")
        .module("wishlist")
        .link::<DiaProductPost>()
        .link::<DiaPostComment>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

const DIAMOND_TABLES: [(&str, &str, &str); 2] = [
    ("sp_dia_pp", "product_id", "post_id"),
    ("sp_dia_pc", "post_id", "wishlist_id"),
];

/// Every `deleted_at` of a record or link row in `state` is NULL.
fn all_live(state: &[String]) -> bool {
    state
        .iter()
        .all(|row| !row.contains("deleted_at=") || row.ends_with("deleted_at=NULL"))
}

// ---------------------------------------------------------------------------------------------
// restore(model, ids): the exact reverse of a delete; "only the link rows and cascaded records
// whose `deleted_at` equals the named record's (so links dismissed earlier stay dismissed)".
// ---------------------------------------------------------------------------------------------

/// A restore of a live record (never deleted) revives nothing: not the links the user
/// dismissed, not a post its own delete removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_of_a_record_never_deleted_revives_nothing() {
    for t in test_databases("slp_restore_live").await {
        let links = world(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        t.tags(&["t1"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("p1-s1");
        links
            .create(&t.db, ProductTags::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        links
            .create(&t.db, ProductWish::new(p("p1"), w("m1")))
            .await
            .expect("p1-m1");
        assert!(
            links
                .dismiss(&t.db, ProductTags::new(p("p1"), tg("t1")))
                .await
                .expect("dismiss")
        );
        links.delete(&t.db, [s("s1")]).await.expect("delete s1");
        let before = state(&t, &WORLD_TABLES).await;

        let report = links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert!(
            report.records.is_empty() && report.links.is_empty(),
            "{:?}: p1 was never deleted: {report:?}",
            t.backend
        );
        assert_eq!(
            state(&t, &WORLD_TABLES).await,
            before,
            "{:?}: restoring a live record changed rows",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

/// A brand has no `deleted_at`; a restore of one never deleted must not revive the link a user
/// dismissed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_of_a_brand_never_deleted_revives_no_dismissed_link() {
    for t in test_databases("slp_restore_brand_live").await {
        let links = world(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrandOne::new(p("p1"), b("b1")),
                    ProductBrandOne::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("links");
        assert!(
            links
                .dismiss(&t.db, ProductBrandOne::new(p("p1"), b("b1")))
                .await
                .expect("dismiss")
        );
        let before = state(&t, &WORLD_TABLES).await;

        let report = links.restore(&t.db, [b("b1")]).await.expect("restore b1");
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p2", "b1")]),
            "{:?}: b1 was never deleted, so the pair the user dismissed stays dismissed: {report:?}",
            t.backend
        );
        assert_eq!(state(&t, &WORLD_TABLES).await, before, "{:?}", t.backend);
    }
}

/// A client retrying the DELETE of a brand (no `deleted_at`) loses nothing: the restore still
/// brings back what the first call removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_delete_of_a_brand_keeps_it_restorable() {
    for t in test_databases("slp_brand_retry").await {
        let links = world(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        t.posts(&["s1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrandOne::new(p("p1"), b("b1")),
                    ProductBrandOne::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("product links");
        links
            .create(&t.db, PostBrandOne::new(s("s1"), b("b1")))
            .await
            .expect("post link");
        let before = state(&t, &WORLD_TABLES).await;

        let first = links.delete(&t.db, [b("b1")]).await.expect("delete");
        assert_eq!(
            first.links.get("ProductBrandOne"),
            Some(&pairs(&[("p1", "b1"), ("p2", "b1")])),
            "{:?}: {first:?}",
            t.backend
        );
        let after_first = state(&t, &WORLD_TABLES).await;
        let second = links.delete(&t.db, [b("b1")]).await.expect("retry");
        assert!(
            second.links.is_empty(),
            "{:?}: the retry removes nothing: {second:?}",
            t.backend
        );
        assert_eq!(
            state(&t, &WORLD_TABLES).await,
            after_first,
            "{:?}: the retry changed rows",
            t.backend
        );

        let restored = links.restore(&t.db, [b("b1")]).await.expect("restore");
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p1", "b1"), ("p2", "b1")]),
            "{:?}: the retry lost the first delete's links: {restored:?}",
            t.backend
        );
        assert_eq!(
            live::<PostBrandOne>(&links, &t).await,
            pairs(&[("s1", "b1")]),
            "{:?}",
            t.backend
        );
        assert_eq!(state(&t, &WORLD_TABLES).await, before, "{:?}", t.backend);
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

/// Restoring a brand revives what its delete removed, not a link made and dismissed after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_of_a_brand_revives_only_what_its_delete_removed() {
    for t in test_databases("slp_brand_later_dismiss").await {
        let links = world(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        links.delete(&t.db, [b("b1")]).await.expect("delete b1");
        // b1 is still a record (brands have no deleted_at): a new link to it, then dismissed.
        links
            .create(&t.db, ProductBrandOne::new(p("p2"), b("b1")))
            .await
            .expect("p2-b1");
        assert!(
            links
                .dismiss(&t.db, ProductBrandOne::new(p("p2"), b("b1")))
                .await
                .expect("dismiss p2-b1")
        );

        let report = links.restore(&t.db, [b("b1")]).await.expect("restore b1");
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p1", "b1")]),
            "{:?}: the delete removed (p1, b1) only: {report:?}",
            t.backend
        );
    }
}

/// A restore twice: the second changes nothing, even after the user dismissed a revived link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_restore_changes_nothing() {
    for t in test_databases("slp_restore_twice").await {
        let links = world(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        t.tags(&["t1"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("p1-s1");
        links
            .create(&t.db, PostComment::new(s("s1"), w("m1")))
            .await
            .expect("s1-m1");
        links
            .create(&t.db, ProductTags::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        links.delete(&t.db, [p("p1")]).await.expect("delete");
        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert!(all_live(&state(&t, &WORLD_TABLES).await), "{:?}", t.backend);
        assert!(
            links
                .dismiss(&t.db, ProductTags::new(p("p1"), tg("t1")))
                .await
                .expect("dismiss")
        );
        let before = state(&t, &WORLD_TABLES).await;
        let again = links.restore(&t.db, [p("p1")]).await.expect("again");
        assert!(
            again.records.is_empty() && again.links.is_empty(),
            "{:?}: {again:?}",
            t.backend
        );
        assert_eq!(state(&t, &WORLD_TABLES).await, before, "{:?}", t.backend);
    }
}

// ---------------------------------------------------------------------------------------------
// Ids that do not exist: "not an error (cleanup after a hard delete must work)"; and "no live
// link may point at a deleted record"; "After any sequence … `check()` finds nothing".
// ---------------------------------------------------------------------------------------------

/// A product hard-deleted by its module: `delete` of its id dismisses its live links in every
/// link table, cascades, reports no record, and a retry changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_after_a_hard_delete_cleans_every_link_table() {
    for t in test_databases("slp_hard_delete").await {
        let links = world(&t).await;
        t.products(&["p9", "p2"]).await;
        t.posts(&["s1"]).await;
        t.tags(&["t1"]).await;
        t.brands(&["b1"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p9"), s("s1")))
            .await
            .expect("p9-s1");
        links
            .create(&t.db, ProductTags::new(p("p9"), tg("t1")))
            .await
            .expect("p9-t1");
        links
            .create(&t.db, ProductBrandOne::new(p("p9"), b("b1")))
            .await
            .expect("p9-b1");
        links
            .create(&t.db, ProductWish::new(p("p9"), w("m1")))
            .await
            .expect("p9-m1");
        links
            .create(&t.db, ProductTags::new(p("p2"), tg("t1")))
            .await
            .expect("p2-t1");
        t.exec("DELETE FROM product WHERE id = 'p9'").await;
        assert!(
            dangling(&links, &t).await >= 4,
            "{:?}: check sees the dangling links",
            t.backend
        );

        let report = links
            .delete(&t.db, [p("p9"), p("p9")])
            .await
            .expect("cleanup after a hard delete");
        assert_eq!(
            report.records.get("product.product"),
            None,
            "{:?}: no record was found: {report:?}",
            t.backend
        );
        assert_eq!(report.records.get("post.post"), Some(&set(&["s1"])));
        for (link, pair) in [
            ("ProductPost", ("p9", "s1")),
            ("ProductTags", ("p9", "t1")),
            ("ProductBrandOne", ("p9", "b1")),
            ("ProductWish", ("p9", "m1")),
        ] {
            assert_eq!(
                report.links.get(link),
                Some(&pairs(&[pair])),
                "{:?}: {link}: {report:?}",
                t.backend
            );
        }
        assert_eq!(
            live::<ProductTags>(&links, &t).await,
            pairs(&[("p2", "t1")]),
            "{:?}: another product's link is untouched",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
        let after = state(&t, &WORLD_TABLES).await;
        let retry = links.delete(&t.db, [p("p9")]).await.expect("retry");
        assert!(
            retry.links.is_empty() && retry.records.is_empty(),
            "{:?}: {retry:?}",
            t.backend
        );
        assert_eq!(state(&t, &WORLD_TABLES).await, after, "{:?}", t.backend);
    }
}

/// A restore never revives a link to a record that was hard-deleted meanwhile (and cleaned up
/// with `delete`): `check()` still finds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_never_revives_a_link_to_a_hard_deleted_record() {
    for t in test_databases("slp_restore_hard_deleted").await {
        let links = world(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        links
            .create(&t.db, ProductTags::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        // The brand module hard-deletes b1; the application cleans up after it.
        t.exec("DELETE FROM brand WHERE id = 'b1'").await;
        links.delete(&t.db, [b("b1")]).await.expect("cleanup b1");

        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(product_deleted(&t, "p1").await, None, "{:?}", t.backend);
        assert_eq!(
            live::<ProductTags>(&links, &t).await,
            pairs(&[("p1", "t1")]),
            "{:?}",
            t.backend
        );
        assert!(
            live::<ProductBrandOne>(&links, &t).await.is_empty(),
            "{:?}: (p1, b1) points at a brand that no longer exists",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

/// Restoring an id that has no record (the delete cleaned up its links) leaves no live link to
/// it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_of_a_missing_id_revives_no_link_to_it() {
    for t in test_databases("slp_restore_ghost").await {
        let links = world(&t).await;
        t.posts(&["s1"]).await;
        t.tags(&["t1"]).await;
        links
            .create_many_with(
                &t.db,
                [ProductPost::new(p("ghost"), s("s1"))],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .expect("unchecked");
        links
            .create_many_with(
                &t.db,
                [ProductTags::new(p("ghost"), tg("t1"))],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .expect("unchecked");
        links.delete(&t.db, [p("ghost")]).await.expect("cleanup");
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        let report = links.restore(&t.db, [p("ghost")]).await;
        assert!(report.is_ok(), "{:?}: {report:?}", t.backend);
        assert!(
            live::<ProductPost>(&links, &t).await.is_empty()
                && live::<ProductTags>(&links, &t).await.is_empty(),
            "{:?}: a link to a record that does not exist was revived: {report:?}",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

// ---------------------------------------------------------------------------------------------
// Stamps: "a named record that is already soft-deleted … keeps its stamp, and whatever this call
// removes through it … takes that stamp. So a module's delete followed by `delete` restores as
// one operation, and a repeated `delete` … changes nothing and loses nothing."
// ---------------------------------------------------------------------------------------------

/// The module's own soft delete, then `delete`, then a client's retry: one restore puts every
/// row back exactly as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_delete_then_delete_then_retry_restores_as_one() {
    for t in test_databases("slp_module_then_retry").await {
        let links = world(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        t.wishlists(&["m1", "m2"]).await;
        t.tags(&["t1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("p1-s1");
        links
            .create(&t.db, PostComment::new(s("s1"), w("m1")))
            .await
            .expect("s1-m1");
        links
            .create(&t.db, ProductTags::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        links
            .create(&t.db, PostBrandOne::new(s("s1"), b("b1")))
            .await
            .expect("s1-b1");
        links
            .create(&t.db, ProductWish::new(p("p1"), w("m2")))
            .await
            .expect("p1-m2");
        let before = state(&t, &WORLD_TABLES).await;

        module_deletes_product(&t, "p1", earlier(5)).await;
        let first = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(first.stamps, vec![earlier(5)], "{:?}", t.backend);
        assert_eq!(post_deleted(&t, "s1").await, Some(earlier(5)));
        assert_eq!(wishlist_deleted(&t, "m1").await, Some(earlier(5)));
        assert_eq!(
            wishlist_deleted(&t, "m2").await,
            None,
            "{:?}: no cascade to m2",
            t.backend
        );
        let after_first = state(&t, &WORLD_TABLES).await;
        let second = links.delete(&t.db, [p("p1")]).await.expect("retry");
        assert_eq!(second.stamps, vec![earlier(5)], "{:?}", t.backend);
        assert_eq!(
            state(&t, &WORLD_TABLES).await,
            after_first,
            "{:?}: the retry changed rows",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(
            state(&t, &WORLD_TABLES).await,
            before,
            "{:?}: one restore brings back everything",
            t.backend
        );
    }
}

/// A record reached by two paths in one cascade is deleted once, with the call's stamp, and the
/// restore puts the diamond back exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diamond_is_deleted_once_and_restored_whole() {
    for t in test_databases("slp_diamond").await {
        let links = diamond(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1", "s2"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create_many(
                &t.db,
                [
                    DiaProductPost::new(p("p1"), s("s1")),
                    DiaProductPost::new(p("p1"), s("s2")),
                ],
            )
            .await
            .expect("posts");
        links
            .create_many(
                &t.db,
                [
                    DiaPostComment::new(s("s1"), w("m1")),
                    DiaPostComment::new(s("s2"), w("m1")),
                ],
            )
            .await
            .expect("comments");
        let before = state(&t, &DIAMOND_TABLES).await;

        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(report.records.get("post.post"), Some(&set(&["s1", "s2"])));
        assert_eq!(
            report.records.get("wishlist.wishlist"),
            Some(&set(&["m1"])),
            "{:?}: {report:?}",
            t.backend
        );
        assert_eq!(report.stamps.len(), 1, "{:?}: {report:?}", t.backend);
        let at = product_deleted(&t, "p1").await;
        assert!(at.is_some());
        assert_eq!(post_deleted(&t, "s1").await, at);
        assert_eq!(post_deleted(&t, "s2").await, at);
        assert_eq!(wishlist_deleted(&t, "m1").await, at);
        assert!(live::<DiaPostComment>(&links, &t).await.is_empty());
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(state(&t, &DIAMOND_TABLES).await, before, "{:?}", t.backend);
    }
}

/// A diamond one of whose paths was deleted by its module before: the walk stops there, the
/// shared record is deleted through the other path, and restoring both ends puts everything
/// back, with `check()` clean after every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diamond_with_one_path_deleted_before_comes_back_in_two_restores() {
    for t in test_databases("slp_diamond_half").await {
        let links = diamond(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1", "s2"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create_many(
                &t.db,
                [
                    DiaProductPost::new(p("p1"), s("s1")),
                    DiaProductPost::new(p("p1"), s("s2")),
                ],
            )
            .await
            .expect("posts");
        links
            .create_many(
                &t.db,
                [
                    DiaPostComment::new(s("s1"), w("m1")),
                    DiaPostComment::new(s("s2"), w("m1")),
                ],
            )
            .await
            .expect("comments");
        let before = state(&t, &DIAMOND_TABLES).await;
        module_deletes_post(&t, "s2", earlier(7)).await;

        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(
            report.records.get("post.post"),
            Some(&set(&["s1"])),
            "{:?}: {report:?}",
            t.backend
        );
        assert_eq!(report.records.get("wishlist.wishlist"), Some(&set(&["m1"])));
        assert_eq!(post_deleted(&t, "s2").await, Some(earlier(7)));
        assert!(live::<DiaProductPost>(&links, &t).await.is_empty());
        assert!(live::<DiaPostComment>(&links, &t).await.is_empty());
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(post_deleted(&t, "s1").await, None);
        assert_eq!(wishlist_deleted(&t, "m1").await, None);
        assert_eq!(
            post_deleted(&t, "s2").await,
            Some(earlier(7)),
            "{:?}: what was deleted before stays deleted",
            t.backend
        );
        assert_eq!(
            live::<DiaProductPost>(&links, &t).await,
            pairs(&[("p1", "s1")]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            live::<DiaPostComment>(&links, &t).await,
            pairs(&[("s1", "m1")]),
            "{:?}",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        links.restore(&t.db, [s("s2")]).await.expect("restore s2");
        assert_eq!(
            state(&t, &DIAMOND_TABLES).await,
            before,
            "{:?}: restoring s2 brings back its links to p1 and m1",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

/// One call naming a live product and one its module already deleted, whose cascades meet at a
/// post: the deleted one keeps its stamp, nothing dangles, and restoring both brings back all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_named_records_whose_cascades_meet_come_back_with_both_restores() {
    for t in test_databases("slp_walks_meet").await {
        let links = diamond(&t).await;
        t.products(&["p1", "p2"]).await;
        t.posts(&["s1"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create_many(
                &t.db,
                [
                    DiaProductPost::new(p("p1"), s("s1")),
                    DiaProductPost::new(p("p2"), s("s1")),
                ],
            )
            .await
            .expect("posts");
        links
            .create(&t.db, DiaPostComment::new(s("s1"), w("m1")))
            .await
            .expect("comment");
        let before = state(&t, &DIAMOND_TABLES).await;
        module_deletes_product(&t, "p2", earlier(9)).await;

        links
            .delete(&t.db, [p("p1"), p("p2")])
            .await
            .expect("delete both");
        assert_eq!(product_deleted(&t, "p2").await, Some(earlier(9)));
        assert!(product_deleted(&t, "p1").await.is_some());
        assert!(post_deleted(&t, "s1").await.is_some());
        assert!(wishlist_deleted(&t, "m1").await.is_some());
        assert!(live::<DiaProductPost>(&links, &t).await.is_empty());
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
        links.restore(&t.db, [p("p2")]).await.expect("restore p2");
        assert_eq!(
            state(&t, &DIAMOND_TABLES).await,
            before,
            "{:?}: both restores bring back everything",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

/// "A link row whose other record is soft-deleted when the restore runs is not revived: it
/// takes that record's stamp instead, so restoring that record later brings the link back",
/// where that record was soft-deleted by its own module.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_to_a_record_its_module_deleted_comes_back_with_that_record() {
    for t in test_databases("slp_other_end_module").await {
        let links = world(&t).await;
        t.products(&["p1"]).await;
        t.wishlists(&["m1", "m2"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductWish::new(p("p1"), w("m1")),
                    ProductWish::new(p("p1"), w("m2")),
                ],
            )
            .await
            .expect("links");
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        // The wishlist module soft-deletes m1 on its own, after p1's delete.
        module_deletes_comment(&t, "m1", earlier(3)).await;

        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(
            live::<ProductWish>(&links, &t).await,
            pairs(&[("p1", "m2")]),
            "{:?}: no live link to the deleted m1",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        let report = links.restore(&t.db, [w("m1")]).await.expect("restore m1");
        assert_eq!(wishlist_deleted(&t, "m1").await, None, "{:?}", t.backend);
        assert_eq!(
            live::<ProductWish>(&links, &t).await,
            pairs(&[("p1", "m1"), ("p1", "m2")]),
            "{:?}: restoring m1 brings its link back: {report:?}",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

// ---------------------------------------------------------------------------------------------
// "It refuses with a `Conflict`, restoring nothing, where reviving a link would break
// cardinality." "Errors are returned, never swallowed." "atomic: all or nothing".
// ---------------------------------------------------------------------------------------------

/// The conflict is two hops down the cascade: nothing at all is restored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_deep_in_a_cascade_restores_nothing() {
    for t in test_databases("slp_deep_conflict").await {
        let links = world(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1", "s2"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("p1-s1");
        links
            .create(&t.db, PostComment::new(s("s1"), w("m1")))
            .await
            .expect("s1-m1");
        links
            .create(&t.db, PostBrandOne::new(s("s1"), b("b1")))
            .await
            .expect("s1-b1");
        links
            .create(&t.db, ProductTags::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        let before = state(&t, &WORLD_TABLES).await;
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        // b1 is free now: s2 takes it.
        links
            .create(&t.db, PostBrandOne::new(s("s2"), b("b1")))
            .await
            .expect("s2-b1");
        let refused = state(&t, &WORLD_TABLES).await;

        let err = links
            .restore(&t.db, [p("p1")])
            .await
            .expect_err("reviving (s1, b1) breaks one post per brand");
        assert!(
            matches!(
                err,
                Error::Conflict {
                    link: "PostBrandOne",
                    ..
                }
            ),
            "{:?}: {err:?}",
            t.backend
        );
        assert_eq!(
            state(&t, &WORLD_TABLES).await,
            refused,
            "{:?}: a refused restore changed rows",
            t.backend
        );

        links
            .dismiss(&t.db, PostBrandOne::new(s("s2"), b("b1")))
            .await
            .expect("dismiss s2-b1");
        links.restore(&t.db, [p("p1")]).await.expect("restore");
        let mut expected = before.clone();
        let now = state(&t, &WORLD_TABLES).await;
        // s2-b1 is there, dismissed: drop it from the comparison.
        expected.retain(|row| !row.contains("post_id=s2"));
        let now: Vec<String> = now
            .into_iter()
            .filter(|row| !row.contains("post_id=s2"))
            .collect();
        assert_eq!(now, expected, "{:?}", t.backend);
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

/// A cascade whose module table is gone fails with an error, and neither the delete nor the
/// restore leaves anything half done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_mid_cascade_is_returned_and_nothing_is_half_done() {
    for t in test_databases("slp_cascade_error").await {
        let links = world(&t).await;
        t.products(&["p1", "p2"]).await;
        t.posts(&["s1", "s2"]).await;
        t.wishlists(&["m1", "m2"]).await;
        t.tags(&["t1"]).await;
        for (product, post, comment) in [("p1", "s1", "m1"), ("p2", "s2", "m2")] {
            links
                .create(&t.db, ProductPost::new(p(product), s(post)))
                .await
                .expect("product-post");
            links
                .create(&t.db, PostComment::new(s(post), w(comment)))
                .await
                .expect("post-comment");
            links
                .create(&t.db, ProductTags::new(p(product), tg("t1")))
                .await
                .expect("product-tag");
        }
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        // The comment module's table goes away (a broken deployment).
        t.exec("DROP TABLE wishlist").await;
        let before = some_state(&t).await;

        let restored = links.restore(&t.db, [p("p1")]).await;
        assert!(
            restored.is_err(),
            "{:?}: the restore could not reach m1: {restored:?}",
            t.backend
        );
        assert_eq!(
            some_state(&t).await,
            before,
            "{:?}: a failed restore changed rows",
            t.backend
        );
        let deleted = links.delete(&t.db, [p("p2")]).await;
        assert!(
            deleted.is_err(),
            "{:?}: the delete could not reach m2: {deleted:?}",
            t.backend
        );
        assert_eq!(
            some_state(&t).await,
            before,
            "{:?}: a failed delete changed rows",
            t.backend
        );
    }
}
