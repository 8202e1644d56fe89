//! The stamps of delete and restore when records are already in some state (SPEC §8): a cascade
//! stops at a record already deleted, a repeated delete changes nothing, and a restore never
//! revives a link to a record deleted since. On SQLite, PostgreSQL and MariaDB.

use link_tests::cascade::*;
use link_tests::models::{brand, tag};
use link_tests::test_databases;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cascade_stops_at_a_record_already_deleted_and_restore_leaves_it_deleted() {
    for t in test_databases("st_cascade_stops").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        t.wishlists(&["m1", "m2"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("p1-s1");
        links
            .create_many(
                &t.db,
                [
                    PostComment::new(s("s1"), w("m1")),
                    PostComment::new(s("s1"), w("m2")),
                ],
            )
            .await
            .expect("comments");
        // The comment module soft-deletes m2 on its own.
        module_deletes_comment(&t, "m2", earlier(0)).await;

        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(
            report.records.get("wishlist.wishlist"),
            Some(&set(&["m1"])),
            "{:?}: m2 was deleted before; this call did not delete it: {report:?}",
            t.backend
        );
        assert_eq!(
            wishlist_deleted(&t, "m2").await,
            Some(earlier(0)),
            "{:?}: m2 keeps its own stamp",
            t.backend
        );
        // The live row that led to m2 is dismissed with the rest.
        assert!(live::<PostComment>(&links, &t).await.is_empty());
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);

        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(product_deleted(&t, "p1").await, None);
        assert_eq!(post_deleted(&t, "s1").await, None);
        assert_eq!(wishlist_deleted(&t, "m1").await, None);
        assert_eq!(
            wishlist_deleted(&t, "m2").await,
            Some(earlier(0)),
            "{:?}: what was deleted before stays deleted after a restore",
            t.backend
        );
        assert_eq!(
            live::<PostComment>(&links, &t).await,
            pairs(&[("s1", "m1")]),
            "{:?}: no live link to the deleted m2",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walk_does_not_go_through_a_record_already_deleted() {
    for t in test_databases("st_walk_stops").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.posts(&["s2"]).await;
        t.wishlists(&["m3"]).await;
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s2")))
            .await
            .expect("p1-s2");
        links
            .create(&t.db, PostComment::new(s("s2"), w("m3")))
            .await
            .expect("s2-m3");
        module_deletes_post(&t, "s2", earlier(1)).await;

        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(report.records.get("post.post"), None, "{report:?}");
        assert_eq!(report.records.get("wishlist.wishlist"), None, "{report:?}");
        assert_eq!(post_deleted(&t, "s2").await, Some(earlier(1)));
        assert_eq!(
            wishlist_deleted(&t, "m3").await,
            None,
            "{:?}: the cascade stopped at s2",
            t.backend
        );
        assert!(live::<ProductPost>(&links, &t).await.is_empty());

        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(product_deleted(&t, "p1").await, None);
        assert_eq!(
            post_deleted(&t, "s2").await,
            Some(earlier(1)),
            "{:?}: s2 was not deleted by p1's delete",
            t.backend
        );
        assert!(
            live::<ProductPost>(&links, &t).await.is_empty(),
            "{:?}: p1-s2 is not revived while s2 is deleted",
            t.backend
        );

        // The post module's delete finished through the library: s2 keeps its stamp, and its
        // link and comment take it. Restoring s2 then brings back p1-s2 too, which took s2's
        // stamp when p1 was restored.
        links.delete(&t.db, [s("s2")]).await.expect("delete s2");
        assert_eq!(post_deleted(&t, "s2").await, Some(earlier(1)));
        assert_eq!(
            wishlist_deleted(&t, "m3").await,
            Some(earlier(1)),
            "{:?}",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
        links.restore(&t.db, [s("s2")]).await.expect("restore s2");
        assert_eq!(post_deleted(&t, "s2").await, None);
        assert_eq!(wishlist_deleted(&t, "m3").await, None);
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p1", "s2")]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            live::<PostComment>(&links, &t).await,
            pairs(&[("s2", "m3")])
        );
        assert_eq!(dangling(&links, &t).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_delete_changes_nothing_and_restore_brings_everything_back() {
    for t in test_databases("st_delete_twice").await {
        let links = registry(&t, false).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        t.posts(&["s1"]).await;
        t.wishlists(&["m1"]).await;
        links
            .create(
                &t.db,
                ProductBrandOne::new(p("p1"), brand::Model::key("b1")),
            )
            .await
            .expect("brand");
        links
            .create(&t.db, ProductTags::new(p("p1"), tag::Model::key("t1")))
            .await
            .expect("tag");
        links
            .create(&t.db, ProductPost::new(p("p1"), s("s1")))
            .await
            .expect("post");
        links
            .create(&t.db, PostComment::new(s("s1"), w("m1")))
            .await
            .expect("comment");

        let first = links.delete(&t.db, [p("p1")]).await.expect("delete");
        let at = product_deleted(&t, "p1").await;
        // A client retrying the same DELETE.
        let second = links.delete(&t.db, [p("p1")]).await.expect("again");
        assert_eq!(
            second.stamps, first.stamps,
            "{:?}: the record keeps its stamp",
            t.backend
        );
        assert!(second.links.is_empty(), "{:?}: {second:?}", t.backend);
        assert_eq!(second.records.get("post.post"), None, "{second:?}");
        assert_eq!(product_deleted(&t, "p1").await, at);
        assert_eq!(post_deleted(&t, "s1").await, at);

        let restored = links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(restored.links, first.links, "{:?}", t.backend);
        assert_eq!(product_deleted(&t, "p1").await, None);
        assert_eq!(post_deleted(&t, "s1").await, None);
        assert_eq!(wishlist_deleted(&t, "m1").await, None);
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p1", "b1")]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            live::<ProductTags>(&links, &t).await,
            pairs(&[("p1", "t1")])
        );
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p1", "s1")])
        );
        assert_eq!(
            live::<PostComment>(&links, &t).await,
            pairs(&[("s1", "m1")])
        );

        // Restoring what is live changes nothing.
        let again = links.restore(&t.db, [p("p1")]).await.expect("again");
        assert!(
            again.links.is_empty() && again.records.is_empty(),
            "{again:?}"
        );
        assert_eq!(dangling(&links, &t).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_never_revives_a_link_to_a_record_deleted_since() {
    for t in test_databases("st_other_end").await {
        let links = registry(&t, false).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        t.posts(&["s1"]).await;
        let b1 = || brand::Model::key("b1");
        links
            .create(&t.db, ProductBrandOne::new(p("p1"), b1()))
            .await
            .expect("p1-b1");
        links
            .create(&t.db, ProductPost::new(p("p2"), s("s1")))
            .await
            .expect("p2-s1");

        // The other end first (a brand, which has no deleted_at), then this end.
        links.delete(&t.db, [b1()]).await.expect("delete b1");
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        links.restore(&t.db, [b1()]).await.expect("restore b1");
        assert!(
            live::<ProductBrandOne>(&links, &t).await.is_empty(),
            "{:?}: p1 is deleted, so p1-b1 stays dismissed",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(
            live::<ProductBrandOne>(&links, &t).await,
            pairs(&[("p1", "b1")]),
            "{:?}: restoring p1 brings the link back",
            t.backend
        );

        // Both ends soft-deletable: the post first (its product is not cascaded), then the
        // product; restore the post, then the product.
        links.delete(&t.db, [s("s1")]).await.expect("delete s1");
        links.delete(&t.db, [p("p2")]).await.expect("delete p2");
        links.restore(&t.db, [s("s1")]).await.expect("restore s1");
        assert_eq!(post_deleted(&t, "s1").await, None);
        assert!(
            live::<ProductPost>(&links, &t).await.is_empty(),
            "{:?}: p2 is deleted",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0, "{:?}", t.backend);
        links.restore(&t.db, [p("p2")]).await.expect("restore p2");
        assert_eq!(
            live::<ProductPost>(&links, &t).await,
            pairs(&[("p2", "s1")]),
            "{:?}",
            t.backend
        );
        assert_eq!(dangling(&links, &t).await, 0);
    }
}
