//! Modules on another connection: creates check their records there, and delete/restore write
//! them there, all or nothing (a failed remote write rolls the home transaction back and undoes
//! the remote writes already committed).

use link_runtime::{Error, Links, ListFilter, define_link};
use link_tests::db::sqlite_database;
use link_tests::models::{customer, post, wishlist};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, EntityTrait};

define_link! {
    /// Each customer has one wishlist, kept in another database; deleting the customer deletes it.
    pub CustomerWishlistAway: customer::Model => wishlist::Model [delete_cascade],
    table = "x_customer_wishlist",
}

define_link! {
    /// A customer's posts, in the same other database; deleting the customer deletes them.
    pub CustomerPostsAway: customer::Model => post::Model [is_list, delete_cascade],
    table = "x_customer_post",
}

async fn registry(home: &TestDb, away: &TestDb) -> Links {
    let links = Links::builder(home.db.clone())
        .module("customer")
        .module_on("wishlist", away.db.clone())
        .module_on("post", away.db.clone())
        .link::<CustomerWishlistAway>()
        .link::<CustomerPostsAway>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

async fn wishlist_deleted(away: &TestDb, id: &str) -> bool {
    wishlist::Entity::find_by_id(id.to_string())
        .one(&away.db)
        .await
        .expect("find")
        .expect("exists")
        .deleted_at
        .is_some()
}

async fn post_deleted(away: &TestDb, id: &str) -> bool {
    post::Entity::find_by_id(id.to_string())
        .one(&away.db)
        .await
        .expect("find")
        .expect("exists")
        .deleted_at
        .is_some()
}

async fn live_wishlist_links(links: &Links, home: &TestDb) -> usize {
    links
        .list(&home.db, ListFilter::<CustomerWishlistAway>::all())
        .await
        .expect("list")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_on_another_connection_are_checked_deleted_and_restored() {
    for home in test_databases("away_happy").await {
        let away = sqlite_database().await;
        let links = registry(&home, &away).await;
        home.customers(&["c1"]).await;
        away.wishlists(&["w1"]).await;
        away.posts(&["s1"]).await;
        let c1 = || customer::Model::key("c1");

        let err = links
            .create(
                &home.db,
                CustomerWishlistAway::new(c1(), wishlist::Model::key("w9")),
            )
            .await
            .expect_err("w9 is not in the other database");
        assert!(
            matches!(err, Error::NotFound { .. }),
            "{:?}: {err:?}",
            home.backend
        );
        links
            .create(
                &home.db,
                CustomerWishlistAway::new(c1(), wishlist::Model::key("w1")),
            )
            .await
            .expect("c1-w1");
        links
            .create(
                &home.db,
                CustomerPostsAway::new(c1(), post::Model::key("s1")),
            )
            .await
            .expect("c1-s1");

        let report = links
            .delete(&home.db, [c1()])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", home.backend));
        assert!(
            report.records["wishlist.wishlist"].contains("w1"),
            "{report:?}"
        );
        assert!(report.records["post.post"].contains("s1"), "{report:?}");
        assert!(wishlist_deleted(&away, "w1").await);
        assert!(post_deleted(&away, "s1").await);
        assert_eq!(live_wishlist_links(&links, &home).await, 0);

        links
            .restore(&home.db, [c1()])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", home.backend));
        assert!(!wishlist_deleted(&away, "w1").await, "{:?}", home.backend);
        assert!(!post_deleted(&away, "s1").await);
        assert_eq!(live_wishlist_links(&links, &home).await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_remote_write_changes_nothing_anywhere() {
    for home in test_databases("away_failure").await {
        let away = sqlite_database().await;
        let links = registry(&home, &away).await;
        home.customers(&["c1"]).await;
        away.wishlists(&["w1"]).await;
        away.posts(&["s1"]).await;
        let c1 = || customer::Model::key("c1");
        links
            .create(
                &home.db,
                CustomerWishlistAway::new(c1(), wishlist::Model::key("w1")),
            )
            .await
            .expect("c1-w1");
        links
            .create(
                &home.db,
                CustomerPostsAway::new(c1(), post::Model::key("s1")),
            )
            .await
            .expect("c1-s1");

        // The other database refuses changes to posts: the wishlist is written first (and
        // committed there), then the posts fail.
        away.db
            .execute_unprepared(
                "CREATE TRIGGER post_frozen BEFORE UPDATE ON post BEGIN SELECT RAISE(ABORT, 'posts are frozen'); END",
            )
            .await
            .expect("trigger");
        let err = links
            .delete(&home.db, [c1()])
            .await
            .expect_err("the posts cannot be written");
        assert!(
            matches!(err, Error::Database { .. }),
            "{:?}: {err:?}",
            home.backend
        );
        let message = err.to_string();
        assert!(
            message.starts_with("delete failed writing the post.post records s1"),
            "{message}"
        );
        assert!(message.contains("; nothing was changed"), "{message}");
        assert!(
            !wishlist_deleted(&away, "w1").await,
            "{:?}: the committed remote write was undone",
            home.backend
        );
        assert_eq!(
            live_wishlist_links(&links, &home).await,
            1,
            "{:?}: the home transaction was rolled back",
            home.backend
        );

        away.db
            .execute_unprepared("DROP TRIGGER post_frozen")
            .await
            .expect("drop the trigger");
        links
            .delete(&home.db, [c1()])
            .await
            .expect("now it goes through");
        assert!(wishlist_deleted(&away, "w1").await);
        assert!(post_deleted(&away, "s1").await);
        assert_eq!(live_wishlist_links(&links, &home).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_on_another_connection_restores_without_links_and_a_retried_delete_keeps_its_stamp()
 {
    for home in test_databases("away_no_links").await {
        let away = sqlite_database().await;
        let links = registry(&home, &away).await;
        away.posts(&["s1"]).await;
        let s1 = || post::Model::key("s1");

        let first = links.delete(&home.db, [s1()]).await.expect("delete");
        assert!(post_deleted(&away, "s1").await, "{:?}", home.backend);
        assert_eq!(first.records["post.post"].len(), 1, "{first:?}");
        let second = links.delete(&home.db, [s1()]).await.expect("again");
        assert_eq!(
            second.stamps, first.stamps,
            "{:?}: a record already deleted keeps its stamp",
            home.backend
        );

        let restored = links.restore(&home.db, [s1()]).await.expect("restore");
        assert!(
            !post_deleted(&away, "s1").await,
            "{:?}: a record with no links is restored too: {restored:?}",
            home.backend
        );
        assert_eq!(restored.stamps, first.stamps);
    }
}
