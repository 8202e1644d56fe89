//! MySQL/MariaDB behave the same whether or not the server's `sql_mode` is strict (SPEC §11):
//! every write that breaks a link's cardinality is refused and changes nothing, in the server's
//! default (strict) mode and with `sql_mode = ''` on every session. Skipped without
//! `LINK_TEST_MYSQL_URL`.

use link_runtime::{Error, Key, Links, ListFilter};
use link_tests::TestDb;
use link_tests::links::{CustomerWishlist, ProductBrand, product_brand};
use link_tests::models::{brand, customer, product, wishlist};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

/// Every row of the product–brand table, live or not, as (product, brand, live).
async fn rows(db: &DatabaseConnection, links: &Links) -> Vec<(String, String, bool)> {
    let table = links.table_name::<ProductBrand>().expect("table");
    let sql = format!(
        "SELECT product_id, brand_id, deleted_at IS NULL AS live FROM `{table}` ORDER BY product_id, brand_id"
    );
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row.try_get::<String>("", "product_id").expect("product"),
                row.try_get::<String>("", "brand_id").expect("brand"),
                row.try_get::<i64>("", "live").expect("live") == 1,
            )
        })
        .collect()
}

fn conflict<T: std::fmt::Debug>(result: Result<T, Error>, mode: &str, what: &str) {
    match result {
        Err(Error::Conflict { .. }) => {}
        other => panic!("{mode}: {what}: expected a Conflict, got {other:?}"),
    }
}

/// The registry of [`ProductBrand`] alone on `db`, its table migrated.
async fn product_brands(db: &DatabaseConnection) -> Links {
    let links = Links::builder(db.clone())
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

/// The scenarios, on `db` (a pool whose sessions run in `mode`).
async fn scenarios(t: &TestDb, db: DatabaseConnection, mode: &str) {
    // Link tables and records on the pool of this mode.
    let links = Links::builder(db.clone())
        .module("product")
        .module("brand")
        .module("customer")
        .module("wishlist")
        .link::<ProductBrand>()
        .link::<CustomerWishlist>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    t.products(&["p", "q", "r"]).await;
    t.brands(&["b1", "b2", "b3", "b9"]).await;
    t.customers(&["c1", "c2"]).await;
    t.wishlists(&["w1"]).await;

    links
        .create(&db, ProductBrand::new(p("p"), b("b1")))
        .await
        .expect("p → b1");
    let before = rows(&db, &links).await;

    // A second brand for p, alone and in a batch with a good pair: refused, nothing written.
    conflict(
        links.create(&db, ProductBrand::new(p("p"), b("b2"))).await,
        mode,
        "a second brand",
    );
    conflict(
        links
            .create_many(
                &db,
                [
                    ProductBrand::new(p("q"), b("b9")),
                    ProductBrand::new(p("p"), b("b2")),
                ],
            )
            .await,
        mode,
        "a batch with a second brand",
    );
    assert_eq!(
        rows(&db, &links).await,
        before,
        "{mode}: nothing was written or rewritten"
    );

    // Reviving a dismissed pair whose slot is taken.
    links
        .dismiss(&db, ProductBrand::new(p("p"), b("b1")))
        .await
        .expect("dismiss");
    links
        .create(&db, ProductBrand::new(p("p"), b("b2")))
        .await
        .expect("p → b2");
    let before = rows(&db, &links).await;
    conflict(
        links.create(&db, ProductBrand::new(p("p"), b("b1"))).await,
        mode,
        "reviving p → b1",
    );
    assert_eq!(rows(&db, &links).await, before, "{mode}: revive refused");

    // What is allowed still works: an identical re-create, an update, a new pair.
    links
        .create(
            &db,
            ProductBrand::new(p("p"), b("b2")).with(product_brand::Data::default().position(3)),
        )
        .await
        .expect("identical");
    links
        .create(&db, ProductBrand::new(p("r"), b("b2")))
        .await
        .expect("r → b2");
    let live = links
        .list(&db, ListFilter::<ProductBrand>::all())
        .await
        .expect("list");
    let live: Vec<(String, String, i32)> = live
        .into_iter()
        .map(|row| {
            (
                row.left.to_string(),
                row.right.to_string(),
                row.extra.position,
            )
        })
        .collect();
    assert_eq!(
        live,
        vec![("p".into(), "b2".into(), 3), ("r".into(), "b2".into(), 0)],
        "{mode}"
    );

    // One-to-one, and a restore that would break it.
    links
        .create(
            &db,
            CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
        )
        .await
        .expect("c1 → w1");
    conflict(
        links
            .create(
                &db,
                CustomerWishlist::new(customer::Model::key("c2"), wishlist::Model::key("w1")),
            )
            .await,
        mode,
        "a second customer for w1",
    );
    links.delete(&db, [p("r")]).await.expect("delete r");
    links
        .create(&db, ProductBrand::new(p("q"), b("b3")))
        .await
        .expect("q → b3");
    links
        .dismiss(&db, ProductBrand::new(p("q"), b("b3")))
        .await
        .expect("dismiss");
    let before = rows(&db, &links).await;
    links.restore(&db, [p("r")]).await.expect("restore r");
    assert!(
        rows(&db, &links)
            .await
            .iter()
            .all(|(product, brand, _)| !product.is_empty() && !brand.is_empty()),
        "{mode}: no key was blanked"
    );
    assert_ne!(rows(&db, &links).await, before, "{mode}: r → b2 is back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cardinality_holds_in_strict_and_non_strict_sql_mode() {
    let Some(strict) = link_tests::db::mysql_only("modes_strict", 5).await else {
        return;
    };
    let db = strict.db.clone();
    scenarios(&strict, db, "strict").await;

    let Some(lax) = link_tests::db::mysql_only("modes_lax", 5).await else {
        return;
    };
    let db = with_session(&lax, "SET SESSION sql_mode = ''").await;
    let mode = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT @@SESSION.sql_mode AS mode",
        ))
        .await
        .expect("mode")
        .and_then(|row| row.try_get::<String>("", "mode").ok());
    assert_eq!(
        mode.as_deref(),
        Some(""),
        "the pool runs without strict mode"
    );
    scenarios(&lax, db, "non-strict").await;
}

link_runtime::define_link! {
    /// A string default with a backslash and a quote: written into the DDL as a literal.
    pub Pathed: product::Model [is_list] => brand::Model [is_list],
    extra_columns { path: String = "C:\\shop\\it's" },
    table = "pathed",
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn literals_read_the_same_with_and_without_backslash_escapes() {
    for (name, mode) in [
        ("modes_escapes", None),
        (
            "modes_no_escapes",
            Some("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"),
        ),
    ] {
        let Some(t) = link_tests::db::mysql_only(name, 3).await else {
            return;
        };
        let db = match mode {
            None => t.db.clone(),
            Some(mode) => with_session(&t, mode).await,
        };
        let links = Links::builder(db.clone())
            .application("modes")
            .module("product")
            .module("brand")
            .link::<Pathed>()
            .build()
            .expect("registry");
        links
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&db, Pathed::new(p("p1"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        let rows = links
            .list::<Pathed, _>(&db, ListFilter::all())
            .await
            .expect("list");
        assert_eq!(rows[0].extra.path, "C:\\shop\\it's", "{mode:?}");
        assert!(
            links.plan().await.expect("plan").is_up_to_date(),
            "{mode:?}"
        );
    }
}

/// `$not` means the same whatever the server's precedence of `NOT`: with `HIGH_NOT_PRECEDENCE`
/// MySQL reads `NOT a = b` as `(NOT a) = b`, so a negated filter must be parenthesised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_filters_hold_under_high_not_precedence() {
    use link_runtime::query::GraphQuery;
    use serde_json::json;
    let Some(t) = link_tests::db::mysql_only("modes_high_not", 3).await else {
        return;
    };
    let db = with_session(
        &t,
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',HIGH_NOT_PRECEDENCE')",
    )
    .await;
    let links = product_brands(&db).await;
    t.products(&["p1", "p2", "p3"]).await;
    t.brands(&["b1"]).await;
    links
        .create(&db, ProductBrand::new(p("p1"), b("b1")))
        .await
        .expect("p1-b1");
    for (filters, expected) in [
        (json!({"$not": {"id": "p1"}}), vec!["p2", "p3"]),
        (json!({"$not": {"id": {"$in": ["p1", "p2"]}}}), vec!["p3"]),
        (json!({"$not": {"brand": {"id": "b1"}}}), vec!["p2", "p3"]),
    ] {
        let query = GraphQuery::new("product")
            .fields(["id"])
            .order("id", "ASC")
            .filters(filters.clone());
        let found = links.graph(&db, &query).await.expect("graph");
        let ids: Vec<&str> = found
            .data
            .iter()
            .filter_map(|record| record["id"].as_str())
            .collect();
        assert_eq!(ids, expected, "HIGH_NOT_PRECEDENCE: {filters}");
    }
}

/// A second pool on `t`'s database whose every new session first runs `sql` (a `SET SESSION
/// sql_mode …`), as an application configured so would.
async fn with_session(t: &TestDb, sql: &'static str) -> DatabaseConnection {
    t.connect_with(|options| {
        options.map_sqlx_mysql_pool_opts(move |pool| {
            pool.after_connect(move |conn, _| {
                Box::pin(async move {
                    use sea_orm::sqlx::Executor;
                    conn.execute(sql).await.map(|_| ())
                })
            })
        });
    })
    .await
}

/// A connection whose character set is not utf8mb4 (`SET NAMES utf8mb3`, as `?charset=utf8`
/// sets it) creates, updates and refuses pairs as any other, one pair or a batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_in_another_character_set_creates_batches() {
    let Some(t) = link_tests::db::mysql_only("modes_utf8mb3", 3).await else {
        return;
    };
    let db = with_session(&t, "SET NAMES utf8mb3").await;
    let links = product_brands(&db).await;
    t.products(&["p", "q", "s2"]).await;
    t.brands(&["b1", "B2x", "b2"]).await;
    links
        .create_many(
            &db,
            [
                ProductBrand::new(p("p"), b("b1")),
                ProductBrand::new(p("q"), b("b1")),
            ],
        )
        .await
        .expect("a batch");
    links
        .create(&db, ProductBrand::new(p("s2"), b("b2")))
        .await
        .expect("one pair");
    let err = links
        .create_many(
            &db,
            [
                ProductBrand::new(p("p"), b("b1")),
                ProductBrand::new(p("q"), b("B2")),
            ],
        )
        .await
        .expect_err("no brand B2");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        rows(&db, &links).await,
        [
            ("p".into(), "b1".into(), true),
            ("q".into(), "b1".into(), true),
            ("s2".into(), "b2".into(), true)
        ]
    );
}

/// An integrity error of the database's own that is no duplicate key (a trigger's `SIGNAL
/// SQLSTATE '23000'`, the class MySQL and MariaDB share with duplicate keys) is reported as
/// the database's error, with its message, not as a cardinality conflict to retry; nothing is
/// written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integrity_error_that_is_no_duplicate_is_the_databases_own() {
    let Some(t) = link_tests::db::mysql_only("modes_trigger", 3).await else {
        return;
    };
    let links = product_brands(&t.db).await;
    t.products(&["p", "q"]).await;
    t.brands(&["b1"]).await;
    let table = links.table_name::<ProductBrand>().expect("table");
    t.db.execute_unprepared(&format!(
        "CREATE TRIGGER no_sundays BEFORE INSERT ON `{table}` FOR EACH ROW SIGNAL SQLSTATE '23000' SET MESSAGE_TEXT = 'no links on Sundays'"
    ))
    .await
    .expect("trigger");
    for pairs in [vec![("p", "b1")], vec![("p", "b1"), ("q", "b1")]] {
        let err = links
            .create_many(
                &t.db,
                pairs.iter().map(|(l, r)| ProductBrand::new(p(l), b(r))),
            )
            .await
            .expect_err("the trigger refuses");
        assert!(
            matches!(err, Error::Database { .. })
                && err.to_string().contains("no links on Sundays"),
            "{pairs:?}: {err:?}"
        );
    }
    assert_eq!(rows(&t.db, &links).await, []);
}
