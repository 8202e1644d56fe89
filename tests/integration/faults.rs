//! Faults on PostgreSQL: the backend serving an operation killed (`pg_terminate_backend`) in the
//! middle of a batch create, a cascading delete and a migration apply; a pool with no free
//! connection; a statement timeout. Each time the caller gets an error (no panic, no hang), the
//! database holds none of the operation afterwards, and the next call works.
//!
//! The moment to strike is made certain, not raced for: a statement trigger sleeps inside the
//! operation (or a lock held elsewhere makes the migration wait), and the test strikes when
//! `pg_stat_activity` shows the backend sleeping or waiting.

use std::time::Duration;

use link_runtime::{Error, Links, define_link};
use link_tests::TestDb;
use link_tests::links::ProductBrand;
use link_tests::models::{brand, customer, post, product, tag, wishlist};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

define_link! {
    /// A product's posts, deleted with it.
    pub FaultPosts: product::Model => post::Model [is_list, delete_cascade],
    table = "fault_posts",
}

define_link! {
    /// A link table as first deployed.
    pub FaultTagsV1: product::Model [is_list] => tag::Model [is_list],
    table = "fault_tags",
}

define_link! {
    /// The same table, a release later: one more column.
    pub FaultTagsV2: product::Model [is_list] => tag::Model [is_list],
    extra_columns { note: Option<String> },
    table = "fault_tags",
}

define_link! {
    /// A link new in that release.
    pub FaultNew: customer::Model [is_list] => wishlist::Model [is_list],
    table = "fault_new",
}

/// No operation here may take this long: a hang fails the test.
const PATIENCE: Duration = Duration::from_secs(30);

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.expect(sql);
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// The backend process of a one-connection pool.
async fn backend_pid(db: &DatabaseConnection) -> i32 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT pg_backend_pid()",
        ))
        .await
        .expect("pid")
        .expect("a row");
    row.try_get_by_index::<i32>(0).expect("pid")
}

/// Makes every `event` on `table` sleep for `seconds` first (one statement trigger).
async fn slow_down(db: &DatabaseConnection, table: &str, event: &str, seconds: f64) {
    exec(
        db,
        &format!(
            "CREATE OR REPLACE FUNCTION fault_sleep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$"
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "CREATE TRIGGER fault_slow BEFORE {event} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fault_sleep()"
        ),
    )
    .await;
}

async fn speed_up(db: &DatabaseConnection, table: &str) {
    exec(db, &format!("DROP TRIGGER fault_slow ON {table}")).await;
}

/// Waits until backend `pid` waits on `event_type` (`Timeout` for `pg_sleep`, `Lock`), then
/// terminates it.
async fn kill_when_waiting(admin: &DatabaseConnection, pid: i32, event_type: &str) {
    let query = format!(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = {pid} AND wait_event_type = '{event_type}'"
    );
    for _ in 0..2_000 {
        if count(admin, &query).await == 1 {
            exec(admin, &format!("SELECT pg_terminate_backend({pid})")).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("backend {pid} never waited on {event_type}");
}

/// The error of an operation whose backend was killed: a database error, in time.
fn assert_database_error<T: std::fmt::Debug>(
    outcome: Result<Result<T, Error>, tokio::time::error::Elapsed>,
    what: &str,
) {
    match outcome {
        Err(_) => panic!("{what}: the caller waited more than {PATIENCE:?}"),
        Ok(Ok(value)) => panic!("{what}: succeeded although its backend was killed: {value:?}"),
        Ok(Err(Error::Database { .. })) => {}
        Ok(Err(other)) => panic!("{what}: expected a database error, got {other:?}"),
    }
}

fn registry(db: &DatabaseConnection) -> Links {
    Links::builder(db.clone())
        .module("product")
        .module("brand")
        .module("post")
        .link::<ProductBrand>()
        .link::<FaultPosts>()
        .build()
        .expect("links")
}

async fn postgres(name: &str) -> Option<TestDb> {
    link_tests::db::postgres_only(name, 4).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_create_whose_backend_is_killed_writes_nothing() {
    let Some(t) = postgres("fault_create").await else {
        return;
    };
    let links = registry(&t.db);
    links.migrate().await.expect("migrate");
    let ids: Vec<String> = (0..3_000).map(|i| format!("p{i}")).collect();
    t.products(&ids).await;
    t.brands(&["b1"]).await;
    slow_down(&t.db, "product_product_brand_brand", "INSERT", 5.0).await;

    let worker = t.connect_again(1).await;
    let pid = backend_pid(&worker).await;
    let pairs = ids
        .iter()
        .map(|p| ProductBrand::new(product::Model::key(p.clone()), brand::Model::key("b1")));
    let create = tokio::time::timeout(PATIENCE, links.create_many(&worker, pairs));
    let (outcome, ()) = tokio::join!(create, kill_when_waiting(&t.db, pid, "Timeout"));
    assert_database_error(outcome, "create_many");
    assert_eq!(
        count(&t.db, "SELECT COUNT(*) FROM product_product_brand_brand").await,
        0,
        "none of the batch"
    );

    // The pool replaces the dead connection: the same call now goes through.
    speed_up(&t.db, "product_product_brand_brand").await;
    let pairs = ids
        .iter()
        .map(|p| ProductBrand::new(product::Model::key(p.clone()), brand::Model::key("b1")));
    let rows = links.create_many(&worker, pairs).await.expect("again");
    assert_eq!(rows.len(), 3_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cascading_delete_whose_backend_is_killed_changes_nothing() {
    let Some(t) = postgres("fault_cascade").await else {
        return;
    };
    let links = registry(&t.db);
    links.migrate().await.expect("migrate");
    let products: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    let posts: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
    t.products(&products).await;
    t.posts(&posts).await;
    links
        .create_many(
            &t.db,
            (0..20).map(|i| {
                FaultPosts::new(
                    product::Model::key(format!("p{}", i / 2)),
                    post::Model::key(format!("s{i}")),
                )
            }),
        )
        .await
        .expect("posts");
    // The cascade's last step, stamping the posts, sleeps: products and link rows are done.
    slow_down(&t.db, "post", "UPDATE", 5.0).await;

    let worker = t.connect_again(1).await;
    let pid = backend_pid(&worker).await;
    let keys = products.iter().map(|p| product::Model::key(p.clone()));
    let delete = tokio::time::timeout(PATIENCE, links.delete(&worker, keys));
    let (outcome, ()) = tokio::join!(delete, kill_when_waiting(&t.db, pid, "Timeout"));
    assert_database_error(outcome, "delete");
    for (sql, expected) in [
        ("SELECT COUNT(*) FROM product WHERE deleted_at IS NULL", 10),
        (
            "SELECT COUNT(*) FROM fault_posts WHERE deleted_at IS NULL",
            20,
        ),
        ("SELECT COUNT(*) FROM post WHERE deleted_at IS NULL", 20),
    ] {
        assert_eq!(
            count(&t.db, sql).await,
            expected,
            "{sql}: none of the delete"
        );
    }

    speed_up(&t.db, "post").await;
    let keys = products.iter().map(|p| product::Model::key(p.clone()));
    let report = links.delete(&worker, keys).await.expect("again");
    assert_eq!(report.records.get("post.post").map(|s| s.len()), Some(20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_whose_backend_is_killed_applies_nothing() {
    let Some(t) = postgres("fault_migration").await else {
        return;
    };
    let first = Links::builder(t.db.clone())
        .module("product")
        .module("tag")
        .link::<FaultTagsV1>()
        .build()
        .expect("links");
    first.migrate().await.expect("first release");

    // The next release creates `fault_new`, then alters `fault_tags`, which another session
    // holds: the apply waits there, its CREATE TABLE done, and is killed.
    let holder = t.connect_again(1).await;
    let held = holder.begin().await.expect("begin");
    held.execute_unprepared("LOCK TABLE fault_tags IN ACCESS SHARE MODE")
        .await
        .expect("lock");
    let worker = t.connect_again(1).await;
    let pid = backend_pid(&worker).await;
    let next = Links::builder(worker.clone())
        .module("product")
        .module("tag")
        .module("customer")
        .module("wishlist")
        .link::<FaultNew>()
        .link::<FaultTagsV2>()
        .build()
        .expect("links");
    let migrate = tokio::time::timeout(PATIENCE, next.migrate());
    let (outcome, ()) = tokio::join!(migrate, kill_when_waiting(&t.db, pid, "Lock"));
    assert_database_error(outcome, "migrate");
    held.rollback().await.expect("release");

    let tables = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'fault_new'";
    let columns = "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'fault_tags' AND column_name = 'note'";
    let tracked = "SELECT COUNT(*) FROM link_table_owners WHERE table_name = 'fault_new'";
    for sql in [tables, columns, tracked] {
        assert_eq!(count(&t.db, sql).await, 0, "{sql}: none of the migration");
    }

    next.migrate().await.expect("the same migration, again");
    for sql in [tables, columns, tracked] {
        assert_eq!(count(&t.db, sql).await, 1, "{sql}: all of it");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_and_a_statement_timeout_are_errors_in_time() {
    let Some(t) = postgres("fault_pool").await else {
        return;
    };
    let links = registry(&t.db);
    links.migrate().await.expect("migrate");
    t.products(&["p1", "p2"]).await;
    t.brands(&["b1"]).await;
    let pair = |p: &str| ProductBrand::new(product::Model::key(p), brand::Model::key("b1"));

    // One connection, held by an open transaction: the create cannot get one.
    let small = t
        .connect_with(|options| {
            options
                .max_connections(1)
                .acquire_timeout(Duration::from_millis(300));
        })
        .await;
    let holding = small.begin().await.expect("begin");
    let outcome = tokio::time::timeout(PATIENCE, links.create(&small, pair("p1"))).await;
    assert_database_error(outcome, "create on an exhausted pool");
    holding.rollback().await.expect("release");
    links
        .create(&small, pair("p1"))
        .await
        .expect("a connection is free again");

    // A statement timeout inside a batch: an error, nothing of the batch, and the connection
    // still serves the next call.
    slow_down(&t.db, "product_product_brand_brand", "INSERT", 2.0).await;
    exec(&small, "SET statement_timeout = '200ms'").await;
    let outcome = tokio::time::timeout(
        PATIENCE,
        links.create_many(&small, [pair("p2"), pair("p1")]),
    )
    .await;
    assert_database_error(outcome, "create past the statement timeout");
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) FROM product_product_brand_brand WHERE product_id = 'p2'"
        )
        .await,
        0
    );
    exec(&small, "SET statement_timeout = 0").await;
    speed_up(&t.db, "product_product_brand_brand").await;
    links
        .create_many(&small, [pair("p2"), pair("p1")])
        .await
        .expect("the same connection, after the timeout");
}
