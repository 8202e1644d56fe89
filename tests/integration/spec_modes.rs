//! The same operations under server modes and settings other than the harness's defaults
//! (SPEC §6, §8, §9.4, §10, §11): MariaDB `sql_mode`s, databases and connections in other
//! character sets and collations, PostgreSQL databases with other collations, another schema,
//! SERIALIZABLE by default, read-only sessions and a small statement timeout. Written from the
//! SPEC's and the README's sentences before reading the implementation. Skipped without
//! `LINK_TEST_POSTGRES_URL` / `LINK_TEST_MYSQL_URL`.

mod spec_helpers;

use link_runtime::query::{Graph, GraphQuery};
use link_runtime::{Error, Links, ListFilter};
use link_tests::links::{CustomerWishlist, ProductBrand, ProductTag, product_brand};
use link_tests::models::{brand, customer, product, tag, wishlist};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, Schema, Statement,
};
use serde_json::json;

use spec_helpers::{b, kind, p, tg};

// ---------------------------------------------------------------------------------------------
// Databases of our own, with the settings under test
// ---------------------------------------------------------------------------------------------

/// A server database of this test: its URL, and the SQL that drops it.
struct Own {
    server: String,
    url: String,
    drop: String,
}

fn server_of(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    base.rsplit_once('/')
        .map(|(server, _)| server.to_string())
        .unwrap_or_else(|| base.to_string())
}

async fn run(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A fresh MariaDB database `sm_<name>` created with `options` (`CHARACTER SET …`).
async fn mysql_database(name: &str, options: &str) -> Option<Own> {
    let Ok(url) = std::env::var("LINK_TEST_MYSQL_URL") else {
        eprintln!("{name}: skipped: LINK_TEST_MYSQL_URL is not set");
        return None;
    };
    let admin = Database::connect(&url).await.expect("connect to MariaDB");
    let database = format!("sm_{name}");
    run(&admin, &format!("DROP DATABASE IF EXISTS `{database}`")).await;
    run(&admin, &format!("CREATE DATABASE `{database}` {options}")).await;
    admin.close().await.ok();
    let server = server_of(&url);
    Some(Own {
        url: format!("{server}/{database}"),
        server: url,
        drop: format!("DROP DATABASE IF EXISTS `{database}`"),
    })
}

/// A fresh PostgreSQL database `sm_<name>` created with `options` (`TEMPLATE template0 …`).
async fn postgres_database(name: &str, options: &str) -> Option<Own> {
    let Ok(url) = std::env::var("LINK_TEST_POSTGRES_URL") else {
        eprintln!("{name}: skipped: LINK_TEST_POSTGRES_URL is not set");
        return None;
    };
    let admin = Database::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    let database = format!("sm_{name}");
    run(
        &admin,
        &format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"),
    )
    .await;
    run(&admin, &format!("CREATE DATABASE \"{database}\" {options}")).await;
    admin.close().await.ok();
    let server = server_of(&url);
    Some(Own {
        url: format!("{server}/{database}"),
        server: url,
        drop: format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"),
    })
}

impl Own {
    /// A pool on this database whose every new session first runs `session` (if any), and
    /// whose search path is `schema` (if any, PostgreSQL).
    async fn pool(&self, session: Option<&str>, schema: Option<&str>) -> DatabaseConnection {
        let mut options = ConnectOptions::new(self.url.clone());
        options.max_connections(3).sqlx_logging(false);
        if let Some(schema) = schema {
            options.set_schema_search_path(schema.to_string());
        }
        if let Some(sql) = session {
            let sql: &'static str = Box::leak(sql.to_string().into_boxed_str());
            if self.url.starts_with("mysql") {
                options.map_sqlx_mysql_pool_opts(move |pool| {
                    pool.after_connect(move |conn, _| {
                        Box::pin(async move {
                            use sea_orm::sqlx::Executor;
                            conn.execute(sql).await.map(|_| ())
                        })
                    })
                });
            } else {
                options.map_sqlx_postgres_pool_opts(move |pool| {
                    pool.after_connect(move |conn, _| {
                        Box::pin(async move {
                            use sea_orm::sqlx::Executor;
                            conn.execute(sql).await.map(|_| ())
                        })
                    })
                });
            }
        }
        Database::connect(options).await.expect("connect")
    }

    async fn drop(self, pools: Vec<DatabaseConnection>) {
        for pool in pools {
            pool.close().await.ok();
        }
        let admin = Database::connect(&self.server).await.expect("admin");
        run(&admin, &self.drop).await;
        admin.close().await.ok();
    }
}

/// The module tables, on `db` in its current settings.
async fn module_tables(db: &DatabaseConnection) {
    let schema = Schema::new(db.get_database_backend());
    for table in [
        schema.create_table_from_entity(product::Entity),
        schema.create_table_from_entity(brand::Entity),
        schema.create_table_from_entity(customer::Entity),
        schema.create_table_from_entity(wishlist::Entity),
        schema.create_table_from_entity(tag::Entity),
    ] {
        db.execute(&table).await.expect("a module table");
    }
}

/// Products p1..p5, brands b1 "Acme", b2 "acme_Ä", b3 "Zeta", b5 `C:\x'_%`, tag t1, customer
/// c1, wishlist w1.
async fn seed(db: &DatabaseConnection) {
    for id in ["p1", "p2", "p3", "p4", "p5"] {
        product::Model {
            id: id.into(),
            title: format!("Product {id}"),
            deleted_at: None,
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("product");
    }
    for (id, name) in [
        ("b1", "Acme"),
        ("b2", "acme_Ä"),
        ("b3", "Zeta"),
        ("b5", "C:\\x'_%"),
    ] {
        brand::Model {
            id: id.into(),
            name: name.into(),
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("brand");
    }
    tag::Model {
        id: "t1".into(),
        label: "Tag".into(),
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("tag");
    customer::Model {
        id: "c1".into(),
        email: "c1@example.com".into(),
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("customer");
    wishlist::Model {
        id: "w1".into(),
        title: "W".into(),
        deleted_at: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("wishlist");
}

fn registry(db: &DatabaseConnection) -> Links {
    Links::builder(db.clone())
        .application("modes")
        .module("product")
        .module("brand")
        .module("customer")
        .module("wishlist")
        .module("tag")
        .link::<ProductBrand>()
        .link::<ProductTag>()
        .link::<CustomerWishlist>()
        .build()
        .expect("registry")
}

fn ids(found: &Graph) -> Vec<String> {
    found
        .data
        .iter()
        .map(|record| record["id"].as_str().unwrap_or("?").to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The scenario every setting runs
// ---------------------------------------------------------------------------------------------

/// What differs per setting: the order of products by their brand's name ascending (the
/// column's collation, README "An `order` by text follows the column's collation").
struct Expect {
    by_brand_name: [&'static str; 5],
    /// Whether the module tables hold non-ASCII text as characters (not latin1).
    unicode: bool,
    /// Whether `$ilike` is checked on a non-ASCII letter.
    ilike_unicode: bool,
}

/// Acme, acme_Ä, C:\x'_%, Zeta, (none).
const COLLATION_ORDER: [&str; 5] = ["p1", "p2", "p5", "p3", "p4"];
/// Acme, C:\x'_%, Zeta, acme_Ä, (none).
const CODE_POINT_ORDER: [&str; 5] = ["p1", "p5", "p3", "p2", "p4"];

/// Every operation of the Link service and Query, on `db` (whose sessions run in `mode`): the
/// first failure, named by its step.
async fn scenario(db: &DatabaseConnection, mode: &str, expect: &Expect) -> Result<(), String> {
    macro_rules! step {
        ($what:expr, $e:expr) => {
            $e.await.map_err(|e| format!("{mode}: {}: {e:?}", $what))?
        };
    }
    macro_rules! check {
        ($cond:expr, $($msg:tt)*) => {
            if !$cond {
                return Err(format!("{mode}: {}", format!($($msg)*)));
            }
        };
    }
    let links = registry(db);
    // §10 "`migrate()` creates missing link tables …; running it again does nothing."
    step!("migrate", links.migrate());
    step!("migrate again", links.migrate());
    let plan = step!("plan", links.plan());
    check!(plan.is_up_to_date(), "a plan after migrate: {plan:?}");
    seed(db).await;

    // §8 create, typed with extra data holding a backslash and quotes.
    let note = "C:\\shop\\it's \"q\"";
    step!(
        "create typed",
        links.create_many(
            db,
            [
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().note(Some(note.into()))),
                ProductBrand::new(p("p2"), b("b2")),
                ProductBrand::new(p("p3"), b("b3")),
                ProductBrand::new(p("p4"), b("b1")),
                ProductBrand::new(p("p5"), b("b5")),
            ],
        )
    );
    // The same call twice: idempotent.
    step!(
        "create again",
        links.create(
            db,
            ProductBrand::new(p("p1"), b("b1"))
                .with(product_brand::Data::default().note(Some(note.into())))
        )
    );
    // §8 create_json with text, JSON and a date-time.
    let label = "back\\slash 'single' \"double\" %_";
    let pair = json!({
        "product": {"product_id": "p1"}, "tag": {"tag_id": "t1"},
        "data": {"label": label, "meta": {"a": [1, "x'y\\z"], "n": null},
                 "added_at": "2024-02-29T12:34:56.123456Z", "weight": 2.5}
    });
    step!("create_json", links.create_json(db, &pair));
    step!("create_json again", links.create_json(db, &pair));
    let tags = step!("list tags", links.list(db, ListFilter::<ProductTag>::all()));
    check!(tags.len() == 1, "one tag row: {tags:?}");
    let extra = &tags[0].extra;
    check!(extra.label == label, "label read back: {:?}", extra.label);
    check!(
        extra.meta == Some(json!({"a": [1, "x'y\\z"], "n": null})),
        "meta read back: {:?}",
        extra.meta
    );
    check!(
        extra.added_at.map(|t| t.to_rfc3339()) == Some("2024-02-29T12:34:56.123456+00:00".into()),
        "added_at read back: {:?}",
        extra.added_at
    );
    check!(extra.weight == 2.5, "weight: {}", extra.weight);

    // §8 update: named columns change, the others keep their values.
    step!(
        "update",
        links.update(
            db,
            ProductBrand::new(p("p1"), b("b1")).with(product_brand::Data::default().position(7))
        )
    );
    let rows = step!(
        "list p1",
        links.list(db, ListFilter::<ProductBrand>::all().left([p("p1")]))
    );
    check!(
        rows.len() == 1
            && rows[0].extra.position == 7
            && rows[0].extra.note.as_deref() == Some(note),
        "after update: {rows:?}"
    );
    // §8 cardinality: a product has one brand.
    match links.create(db, ProductBrand::new(p("p1"), b("b2"))).await {
        Err(Error::Conflict { .. }) => {}
        other => return Err(format!("{mode}: p1 → b2: expected Conflict, got {other:?}")),
    }
    // §8 keys: "a string key is taken byte for byte".
    for key in ["B1", "b1 ", "P1"] {
        let (left, right) = if key == "P1" {
            (key, "b1")
        } else {
            ("p1", key)
        };
        match links.create(db, ProductBrand::new(p(left), b(right))).await {
            Err(Error::NotFound { .. }) => {}
            other => {
                return Err(format!(
                    "{mode}: create {left} → {right:?}: expected NotFound, got {other:?}"
                ));
            }
        }
        step!(
            "dismiss a look-alike",
            links.dismiss(db, ProductBrand::new(p(left), b(right)))
        );
        let found = step!(
            "list a look-alike",
            links.list(db, ListFilter::<ProductBrand>::all().right([b(right)]))
        );
        check!(
            found.iter().all(|row| row.right.to_string() == right),
            "list of {right:?}: {found:?}"
        );
    }
    let live = step!(
        "list all",
        links.list(db, ListFilter::<ProductBrand>::all())
    );
    check!(
        live.len() == 5,
        "the look-alikes left every pair alone: {live:?}"
    );

    // §8 dismiss, twice: not an error; "A dismissed pair is revived the same way".
    let p4b1 = || ProductBrand::new(p("p4"), b("b1"));
    step!(
        "update p4",
        links.update(db, p4b1().with(product_brand::Data::default().position(4)))
    );
    step!("dismiss", links.dismiss(db, p4b1()));
    step!(
        "revive",
        links.create(
            db,
            p4b1().with(product_brand::Data::default().note(Some("again".into())))
        )
    );
    let rows = step!(
        "list p4",
        links.list(db, ListFilter::<ProductBrand>::all().left([p("p4")]))
    );
    check!(
        rows.len() == 1
            && rows[0].extra.position == 4
            && rows[0].extra.note.as_deref() == Some("again"),
        "a revived pair keeps what the new data does not name: {rows:?}"
    );
    step!("dismiss", links.dismiss(db, p4b1()));
    step!("dismiss again", links.dismiss(db, p4b1()));
    // The refused p1 → b2 changed nothing.
    let rows = step!(
        "list p1 again",
        links.list(db, ListFilter::<ProductBrand>::all().left([p("p1")]))
    );
    check!(
        rows.len() == 1 && rows[0].right.to_string() == "b1" && rows[0].extra.position == 7,
        "after the refused create: {rows:?}"
    );

    // §9.4 and README "Text filters mean the same on every backend".
    let mut cases = vec![
        (json!({"brand": {"name": {"$like": "acme%"}}}), vec!["p2"]),
        (json!({"brand": {"name": {"$like": "Acme"}}}), vec!["p1"]),
        (json!({"brand": {"name": "acme"}}), vec![]),
        (
            json!({"brand": {"name": {"$ilike": "ACME%"}}}),
            vec!["p1", "p2"],
        ),
        (
            json!({"brand": {"name": {"$gt": "B"}}}),
            vec!["p2", "p3", "p5"],
        ),
        (
            json!({"brand": {"name": {"$lt": "a"}}}),
            vec!["p1", "p3", "p5"],
        ),
        (json!({"brand": {"name": {"$like": "C:%"}}}), vec!["p5"]),
        (json!({"brand": {"name": {"$ilike": "c:%"}}}), vec!["p5"]),
        (json!({"brand": {"name": "C:\\x'_%"}}), vec!["p5"]),
        (
            json!({"brand": {"name": {"$in": ["C:\\x'_%", "zeta"]}}}),
            vec!["p5"],
        ),
        (json!({"brand": {"id": "B1"}}), vec![]),
        (json!({"id": "P1"}), vec![]),
        (json!({"id": "p1 "}), vec![]),
    ];
    if expect.unicode {
        cases.extend([
            (json!({"brand": {"name": {"$like": "acme__"}}}), vec!["p2"]),
            (json!({"brand": {"name": {"$like": "%Ä"}}}), vec!["p2"]),
            (json!({"brand": {"name": "acme_Ä"}}), vec!["p2"]),
        ]);
    }
    if expect.ilike_unicode {
        cases.push((json!({"brand": {"name": {"$ilike": "%ä"}}}), vec!["p2"]));
    }
    for (filters, expected) in cases {
        let query = GraphQuery::new("product")
            .fields(["id", "brand.name"])
            .filters(filters.clone())
            .order("id", "ASC");
        let found = step!(format!("graph {filters}"), links.graph(db, &query));
        check!(ids(&found) == expected, "{filters}: {:?}", ids(&found));
    }
    for (direction, expected) in [
        ("ASC", expect.by_brand_name.to_vec()),
        ("DESC", expect.by_brand_name.iter().rev().copied().collect()),
    ] {
        let query = GraphQuery::new("product")
            .fields(["id", "brand.name"])
            .order("brand.name", direction);
        let found = step!(format!("order {direction}"), links.graph(db, &query));
        check!(
            ids(&found) == expected,
            "order by brand.name {direction}: {:?}",
            ids(&found)
        );
        let page = step!(
            format!("page {direction}"),
            links.graph(
                db,
                &GraphQuery::new("product")
                    .fields(["id"])
                    .filters(json!({"brand": {"name": {"$ilike": "%e%"}}}))
                    .order("brand.name", direction)
                    .skip(1)
                    .take(1)
            )
        );
        check!(
            page.metadata.as_ref().map(|m| m.count) == Some(3),
            "count of a page: {:?}",
            page.metadata
        );
    }

    // §8 delete with cascade (a customer's wishlist), twice; restore, twice.
    step!(
        "create c1 → w1",
        links.create(
            db,
            CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1"))
        )
    );
    let report = step!("delete", links.delete(db, [customer::Model::key("c1")]));
    check!(
        report.records.get("wishlist.wishlist").map(|s| s.len()) == Some(1),
        "the cascade reached w1: {report:?}"
    );
    // The stamp and the row's created_at tell the same time (whatever the session's zone).
    let (created, deleted) = stamps(db, &links).await?;
    let now = chrono::Utc::now().naive_utc();
    check!(
        (deleted - created).num_seconds().abs() < 60 && (now - deleted).num_seconds().abs() < 60,
        "created_at {created} and the delete's stamp {deleted} (now {now} UTC) differ"
    );
    let again = step!(
        "delete again",
        links.delete(db, [customer::Model::key("c1")])
    );
    check!(
        again.links.is_empty() && !again.records.contains_key("wishlist.wishlist"),
        "a repeated delete changes nothing: {again:?}"
    );
    step!("restore", links.restore(db, [customer::Model::key("c1")]));
    step!(
        "restore again",
        links.restore(db, [customer::Model::key("c1")])
    );
    let w1 = wishlist::Entity::find_by_id("w1")
        .one(db)
        .await
        .map_err(|e| e.to_string())?;
    check!(
        w1.is_some_and(|w| w.deleted_at.is_none()),
        "w1 is live again"
    );
    let pairs = step!(
        "list c1",
        links.list(db, ListFilter::<CustomerWishlist>::all())
    );
    check!(pairs.len() == 1, "c1 → w1 is live again: {pairs:?}");
    let audit = step!("check", links.check(db));
    check!(audit.dangling() == 0, "check: {audit:?}");
    let plan = step!("plan at the end", links.plan());
    check!(plan.is_up_to_date(), "a plan at the end: {plan:?}");
    Ok(())
}

/// The `created_at` and `deleted_at` of the one customer–wishlist row, read raw as UTC.
async fn stamps(
    db: &DatabaseConnection,
    links: &Links,
) -> Result<(chrono::NaiveDateTime, chrono::NaiveDateTime), String> {
    let table = links.table_name::<CustomerWishlist>().expect("table");
    let backend = db.get_database_backend();
    let q = if backend == DbBackend::MySql {
        '`'
    } else {
        '"'
    };
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT created_at, deleted_at FROM {q}{table}{q}"),
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no row")?;
    if backend == DbBackend::MySql {
        Ok((
            row.try_get("", "created_at").map_err(|e| e.to_string())?,
            row.try_get("", "deleted_at").map_err(|e| e.to_string())?,
        ))
    } else {
        let created: chrono::DateTime<chrono::Utc> =
            row.try_get("", "created_at").map_err(|e| e.to_string())?;
        let deleted: chrono::DateTime<chrono::Utc> =
            row.try_get("", "deleted_at").map_err(|e| e.to_string())?;
        Ok((created.naive_utc(), deleted.naive_utc()))
    }
}

/// Runs [`scenario`] on a fresh MariaDB database whose library sessions run `session`.
async fn mariadb_in(name: &str, session: &str, expect: Expect) -> Option<Result<(), String>> {
    let own = mysql_database(name, "CHARACTER SET utf8mb4").await?;
    let admin = own.pool(None, None).await;
    module_tables(&admin).await;
    let db = own.pool(Some(session), None).await;
    let result = scenario(&db, session, &expect).await;
    own.drop(vec![admin, db]).await;
    Some(result)
}

const MARIADB: Expect = Expect {
    by_brand_name: COLLATION_ORDER,
    unicode: true,
    ilike_unicode: true,
};
const POSTGRES: Expect = Expect {
    by_brand_name: CODE_POINT_ORDER,
    unicode: true,
    ilike_unicode: true,
};

// ---------------------------------------------------------------------------------------------
// MariaDB sql_mode
// ---------------------------------------------------------------------------------------------

macro_rules! mode_tests {
    ($($name:ident, $db:literal, $session:literal;)*) => {$(
        /// §11 "on MySQL/MariaDB it behaves the same whether or not `sql_mode` is strict (it
        /// sets what it needs per session, or guards without it)": every operation.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            if let Some(result) = mariadb_in($db, $session, MARIADB).await {
                result.unwrap();
            }
        }
    )*};
}

mode_tests! {
    every_operation_under_ansi_quotes, "ansi_quotes",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES')";
    every_operation_under_ansi, "ansi",
        "SET SESSION sql_mode = 'ANSI'";
    every_operation_under_pipes_as_concat, "pipes",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',PIPES_AS_CONCAT')";
    every_operation_under_only_full_group_by, "full_group_by",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ONLY_FULL_GROUP_BY')";
    every_operation_under_no_zero_dates, "no_zero_date",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_ZERO_DATE,NO_ZERO_IN_DATE')";
    every_operation_under_traditional, "traditional",
        "SET SESSION sql_mode = 'TRADITIONAL'";
    every_operation_under_no_auto_value_on_zero, "no_auto_zero",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')";
    every_operation_under_simultaneous_assignment, "simultaneous",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',SIMULTANEOUS_ASSIGNMENT')";
    every_operation_under_empty_string_is_null, "empty_null",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',EMPTY_STRING_IS_NULL')";
    every_operation_under_no_backslash_escapes_and_ansi_quotes, "nbe_ansi",
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES,STRICT_ALL_TABLES'";
    every_operation_under_time_round_fractional, "round_fraction",
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',TIME_ROUND_FRACTIONAL')";
    every_operation_under_mssql_mode, "mssql",
        "SET SESSION sql_mode = 'MSSQL'";
    every_operation_in_another_session_time_zone, "time_zone",
        "SET SESSION time_zone = '+05:30'";
    every_operation_under_an_empty_sql_mode_and_ansi_quotes, "lax_ansi_quotes",
        "SET SESSION sql_mode = 'ANSI_QUOTES'";
}

/// §11 "The runtime does not depend on the server's mode … (it sets what it needs per session,
/// or guards without it)", "Every message names … the fix" (MariaDB's ORACLE mode changes a
/// lot): every operation works, or the first that does not fails with an error naming the mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_oracle_mode_or_a_clear_error() {
    let session = "SET SESSION sql_mode = 'ORACLE'";
    let Some(result) = mariadb_in("oracle", session, MARIADB).await else {
        return;
    };
    if let Err(message) = result {
        // The library's own words, without the step's prefix this test adds.
        let lower = message.replace(session, "").to_lowercase();
        assert!(
            lower.contains("oracle") || lower.contains("sql_mode"),
            "not a clear error naming the mode: {message}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// MariaDB character sets and collations
// ---------------------------------------------------------------------------------------------

/// README "a string key is taken byte for byte (also on MySQL's case-insensitive collations,
/// and with trailing spaces)", "Text filters mean the same on every backend": a database whose
/// default collation is `utf8mb4_unicode_ci`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_a_unicode_ci_database() {
    let Some(own) = mysql_database("unicode_ci", "COLLATE utf8mb4_unicode_ci").await else {
        return;
    };
    let db = own.pool(None, None).await;
    module_tables(&db).await;
    let result = scenario(&db, "utf8mb4_unicode_ci", &MARIADB).await;
    own.drop(vec![db]).await;
    result.unwrap();
}

/// README "On MySQL/MariaDB text columns are taken to be `utf8mb4` or `utf8mb3` (a `latin1`
/// column compares its own bytes)": in a latin1 database (module tables in latin1) ASCII keys
/// and text work everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_with_ascii_in_a_latin1_database() {
    let Some(own) = mysql_database("latin1", "CHARACTER SET latin1").await else {
        return;
    };
    let db = own.pool(None, None).await;
    module_tables(&db).await;
    let latin1 = Expect {
        by_brand_name: COLLATION_ORDER,
        unicode: false,
        ilike_unicode: false,
    };
    let result = scenario(&db, "latin1 database", &latin1).await;
    own.drop(vec![db]).await;
    result.unwrap();
}

/// The README's brief on connections: a session whose `character_set_connection` is not
/// utf8mb4 (`SET NAMES utf8mb3`, as `?charset=utf8` sets it; `SET NAMES latin1`) still compares
/// keys byte for byte and filters text as on every other connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_on_a_utf8mb3_connection() {
    if let Some(result) = mariadb_in("names_utf8mb3", "SET NAMES utf8mb3", MARIADB).await {
        result.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_with_ascii_on_a_latin1_connection() {
    let ascii = Expect {
        by_brand_name: COLLATION_ORDER,
        unicode: false,
        ilike_unicode: false,
    };
    if let Some(result) = mariadb_in("names_latin1", "SET NAMES latin1", ascii).await {
        result.unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/// Runs [`scenario`] on a fresh PostgreSQL database made with `options`, its library sessions
/// running `session`.
async fn postgres_in(
    name: &str,
    options: &str,
    session: Option<&str>,
    expect: Expect,
) -> Option<Result<(), String>> {
    let own = postgres_database(name, options).await?;
    let db = own.pool(session, None).await;
    module_tables(&db).await;
    let result = scenario(&db, session.unwrap_or(options), &expect).await;
    own.drop(vec![db]).await;
    Some(result)
}

/// README "`$ilike` lowers both sides by Unicode rules (as PostgreSQL's `lower()` under a UTF-8
/// `LC_CTYPE`)", "`$gt` … compare in code point order (… under `C`)": a database whose
/// `LC_COLLATE` and `LC_CTYPE` are `C`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_a_c_locale_database() {
    let expect = Expect {
        by_brand_name: CODE_POINT_ORDER,
        unicode: true,
        ilike_unicode: false,
    };
    if let Some(result) = postgres_in(
        "c_locale",
        "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
        None,
        expect,
    )
    .await
    {
        result.unwrap();
    }
}

/// README "`$ilike` lowers both sides by Unicode rules (as PostgreSQL's `lower()` under a
/// UTF-8 `LC_CTYPE` …)", "Text filters mean the same on every backend": also in a UTF-8 database
/// whose `LC_CTYPE` is `C`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "documented (README, text filters): PostgreSQL's lower() follows the database's LC_CTYPE, which folds ASCII only under C; run to see it"]
async fn ilike_lowers_by_unicode_rules_in_a_c_ctype_database() {
    let Some(own) = postgres_database(
        "c_ilike",
        "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
    )
    .await
    else {
        return;
    };
    let db = own.pool(None, None).await;
    module_tables(&db).await;
    let links = registry(&db);
    links.migrate().await.expect("migrate");
    seed(&db).await;
    links
        .create(&db, ProductBrand::new(p("p2"), b("b2")))
        .await
        .expect("create");
    let mut found = Vec::new();
    for pattern in ["%ä", "ACME_Ä", "acme_ä"] {
        let query = GraphQuery::new("product")
            .fields(["id"])
            .filters(json!({"brand": {"name": {"$ilike": pattern}}}));
        found.push((
            pattern,
            ids(&links.graph(&db, &query).await.expect("graph")),
        ));
    }
    own.drop(vec![db]).await;
    for (pattern, ids) in found {
        assert_eq!(ids, ["p2"], "$ilike {pattern:?} against \"acme_Ä\"");
    }
}

/// README "`$gt` … on PostgreSQL, in the database collation's order", "An `order` by text
/// follows the column's collation": a database whose default collation is ICU's `en-US` (no
/// `en_US.UTF-8` libc locale here). `$gt: "acme_"` then takes `acme_Ä` and `Zeta` (in code point
/// order only `acme_Ä`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_filters_and_order_in_an_icu_database() {
    let Some(own) = postgres_database(
        "icu",
        "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
    )
    .await
    else {
        return;
    };
    let db = own.pool(None, None).await;
    module_tables(&db).await;
    let links = registry(&db);
    links.migrate().await.expect("migrate");
    seed(&db).await;
    links
        .create_many(
            &db,
            [
                ProductBrand::new(p("p1"), b("b1")),
                ProductBrand::new(p("p2"), b("b2")),
                ProductBrand::new(p("p3"), b("b3")),
            ],
        )
        .await
        .expect("create");
    let graph = |filters: serde_json::Value, order: &'static str| {
        let links = &links;
        let db = &db;
        async move {
            let query = GraphQuery::new("product")
                .fields(["id"])
                .filters(filters)
                .order(order, "ASC");
            ids(&links.graph(db, &query).await.expect("graph"))
        }
    };
    // The collation's order: Acme, acme_Ä, Zeta, then the products without a brand.
    assert_eq!(
        graph(json!({}), "brand.name").await[..3],
        ["p1", "p2", "p3"]
    );
    // $gt follows the same order as the order: what sorts after "acme_" sorts after it in both.
    let after = graph(json!({"brand": {"name": {"$gt": "acme_"}}}), "brand.name").await;
    assert_eq!(after, ["p2", "p3"], "$gt in the collation's order");
    // $like and $eq stay byte for byte.
    assert_eq!(
        graph(json!({"brand": {"name": {"$like": "acme%"}}}), "id").await,
        ["p2"]
    );
    assert_eq!(
        graph(json!({"brand": {"name": {"$ilike": "%ä"}}}), "id").await,
        ["p2"]
    );
    own.drop(vec![db]).await;
}

/// §6/§10 and README: link tables, the owners and deletions tables and Medusa's tracking table
/// are created in and read from the connection's current schema. A schema `shop` first on the
/// search path, `public` after it holding a same-named link table and tracking table: nothing
/// lands in or reads from `public`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_tables_live_in_the_current_schema_not_public() {
    let Some(own) = postgres_database("schema", "").await else {
        return;
    };
    // First, which tables the library makes, in a database of their own.
    let probe = own.pool(None, Some("public")).await;
    module_tables(&probe).await;
    registry(&probe).migrate().await.expect("migrate in public");
    let made: Vec<String> = probe
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT CAST(table_name AS text) FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('product', 'brand', 'customer', 'wishlist', 'tag') ORDER BY 1",
        ))
        .await
        .expect("tables")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("name"))
        .collect();
    assert!(made.len() >= 3, "link tables and more: {made:?}");
    // Leave them in public, each with a marker row where it takes one, then work in `shop`.
    let mut marked = Vec::new();
    for table in &made {
        let marker = format!("CREATE TABLE \"shop_marker_{table}\" AS SELECT * FROM \"{table}\"");
        run(&probe, &marker).await;
        marked.push(table.clone());
    }
    run(&probe, "CREATE SCHEMA shop").await;
    probe.close().await.ok();
    let db = own.pool(None, Some("shop, public")).await;
    let current: String = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT CAST(current_schema() AS text)",
        ))
        .await
        .expect("schema")
        .expect("row")
        .try_get_by_index(0)
        .expect("text");
    assert_eq!(current, "shop");
    // Module tables of `shop` (created there, the search path's first schema).
    module_tables(&db).await;
    let result = scenario(&db, "search_path shop, public", &POSTGRES).await;
    let in_shop: Vec<String> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT CAST(table_name AS text) FROM information_schema.tables WHERE table_schema = 'shop' ORDER BY 1",
        ))
        .await
        .expect("tables")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("name"))
        .collect();
    let mut untouched = Vec::new();
    for table in &marked {
        let same: i64 = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT COUNT(*) FROM ((SELECT * FROM public.\"{table}\" EXCEPT ALL SELECT * FROM public.\"shop_marker_{table}\") UNION ALL (SELECT * FROM public.\"shop_marker_{table}\" EXCEPT ALL SELECT * FROM public.\"{table}\")) d"
                ),
            ))
            .await
            .expect("compare")
            .expect("row")
            .try_get_by_index(0)
            .expect("count");
        untouched.push((table.clone(), same));
    }
    own.drop(vec![db]).await;
    result.unwrap();
    for table in &made {
        assert!(
            in_shop.contains(table),
            "{table} is made in the current schema: {in_shop:?}"
        );
    }
    for (table, differences) in untouched {
        assert_eq!(differences, 0, "public.{table} was changed");
    }
}

link_runtime::define_link! {
    /// A string default with a backslash and a quote: written into the DDL as a literal.
    pub Pathed: product::Model [is_list] => brand::Model [is_list],
    extra_columns { path: String = "C:\\shop\\it's" },
    table = "sm_pathed",
}

/// §8 "Stamps", §9.4 text filters with a backslash and quotes: PostgreSQL sessions with
/// `standard_conforming_strings = off` (backslashes in literals are escapes), another `TimeZone`
/// and `DateStyle`: every operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_old_style_strings_and_another_time_zone() {
    if let Some(result) = postgres_in("old_strings", "", Some(OLD_STRINGS), POSTGRES).await {
        result.unwrap();
    }
}

const OLD_STRINGS: &str = "SET standard_conforming_strings = off; SET TimeZone = 'Asia/Kolkata'; SET DateStyle = 'SQL, DMY'";

/// §8 "a new row gets the declared defaults", §10 "running it again does nothing" (a plan
/// after migrate is up to date): a default with a backslash and a quote, migrated from a
/// PostgreSQL session with `standard_conforming_strings = off`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_with_a_backslash_under_old_style_strings() {
    let Some(own) = postgres_database("old_strings_path", "").await else {
        return;
    };
    let db = own.pool(Some(OLD_STRINGS), None).await;
    module_tables(&db).await;
    seed(&db).await;
    let pathed = Links::builder(db.clone())
        .application("pathed")
        .module("product")
        .module("brand")
        .link::<Pathed>()
        .build()
        .expect("registry");
    pathed.migrate().await.expect("migrate");
    pathed
        .create(&db, Pathed::new(p("p1"), b("b1")))
        .await
        .expect("create");
    let path = pathed
        .list(&db, ListFilter::<Pathed>::all())
        .await
        .expect("list")
        .first()
        .map(|row| row.extra.path.clone());
    let up_to_date = pathed.plan().await.expect("plan").is_up_to_date();
    own.drop(vec![db]).await;
    assert_eq!(
        (path.as_deref(), up_to_date),
        (Some("C:\\shop\\it's"), true),
        "the declared default, and a plan after migrate"
    );
}

/// README "Nothing relies on SERIALIZABLE, and it works under it too": every operation with
/// `default_transaction_isolation = 'serializable'`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_serializable_by_default() {
    if let Some(result) = postgres_in(
        "serializable",
        "",
        Some("SET default_transaction_isolation = 'serializable'"),
        POSTGRES,
    )
    .await
    {
        result.unwrap();
    }
}

/// §11 "Database errors keep their source", README "`plan()` alone reads in a REPEATABLE READ,
/// read-only transaction": on a read-only session, `migrate()` and every write fail with the
/// database's error (saying read-only), and reads and `plan()` work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_reads_and_plans_and_refuses_writes_clearly() {
    let Some(own) = postgres_database("read_only", "").await else {
        return;
    };
    let rw = own.pool(None, None).await;
    module_tables(&rw).await;
    seed(&rw).await;
    let ro = own
        .pool(Some("SET default_transaction_read_only = on"), None)
        .await;
    // Before the tables exist: migrate fails clearly, plan shows the creates.
    let ro_links = registry(&ro);
    let plan = ro_links.plan().await.expect("plan on a read-only session");
    assert!(!plan.is_up_to_date(), "{plan:?}");
    let err = ro_links.migrate().await.expect_err("migrate is a write");
    assert!(
        err.to_string().contains("read-only"),
        "migrate: not a clear error: {err:?}"
    );
    registry(&rw).migrate().await.expect("migrate read-write");
    registry(&rw)
        .create(&rw, ProductBrand::new(p("p1"), b("b1")))
        .await
        .expect("create read-write");
    let ro_links = registry(&ro);
    assert!(ro_links.plan().await.expect("plan").is_up_to_date());
    assert_eq!(
        ro_links
            .list(&ro, ListFilter::<ProductBrand>::all())
            .await
            .expect("list")
            .len(),
        1
    );
    let found = ro_links
        .graph(
            &ro,
            &GraphQuery::new("product")
                .fields(["id", "brand.name"])
                .filters(json!({"brand": {"name": {"$ilike": "acme"}}})),
        )
        .await
        .expect("graph");
    assert_eq!(ids(&found), ["p1"]);
    let writes: Vec<(&str, Result<(), Error>)> = vec![
        (
            "create",
            ro_links
                .create(&ro, ProductBrand::new(p("p2"), b("b1")))
                .await
                .map(|_| ()),
        ),
        (
            "update",
            ro_links
                .update(
                    &ro,
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().position(3)),
                )
                .await
                .map(|_| ()),
        ),
        (
            "dismiss",
            ro_links
                .dismiss(&ro, ProductBrand::new(p("p1"), b("b1")))
                .await
                .map(|_| ()),
        ),
        ("delete", ro_links.delete(&ro, [p("p1")]).await.map(|_| ())),
        (
            "create_json",
            ro_links
                .create_json(
                    &ro,
                    &json!({"product": {"product_id": "p3"}, "tag": {"tag_id": "t1"}}),
                )
                .await
                .map(|_| ()),
        ),
    ];
    for (what, result) in writes {
        match result {
            Err(e @ Error::Database { .. }) => assert!(
                e.to_string().contains("read-only"),
                "{what}: not a clear error: {e}"
            ),
            other => panic!("{what}: expected a Database error, got {other:?}"),
        }
    }
    let live = registry(&rw)
        .list(&rw, ListFilter::<ProductBrand>::all())
        .await
        .expect("list");
    assert!(live.len() == 1 && live[0].extra.position == 0, "{live:?}");
    own.drop(vec![rw, ro]).await;
}

/// README "a statement timeout: each time an error, no hang, and all or none of the
/// operation": a create waiting on a lock past `statement_timeout` fails with an error that
/// says so, and writes nothing; the next call works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_statement_timeout_is_an_error_not_a_hang() {
    let Some(own) = postgres_database("timeout", "").await else {
        return;
    };
    let rw = own.pool(None, None).await;
    module_tables(&rw).await;
    seed(&rw).await;
    let links = registry(&rw);
    links.migrate().await.expect("migrate");
    let quick = own
        .pool(Some("SET statement_timeout = '300ms'"), None)
        .await;
    let quick_links = registry(&quick);
    // Another session holds the brand row: the create's shared lock on it waits.
    let lock = sea_orm::TransactionTrait::begin(&rw).await.expect("begin");
    run_txn(&lock, "SELECT * FROM brand WHERE id = 'b1' FOR UPDATE").await;
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        quick_links.create(&quick, ProductBrand::new(p("p1"), b("b1"))),
    )
    .await
    .expect("no hang");
    lock.rollback().await.expect("rollback");
    match result {
        Err(e @ Error::Database { .. }) => assert!(
            e.to_string().contains("timeout") || e.to_string().contains("canceling"),
            "not a clear error: {e}"
        ),
        other => panic!("expected a Database error, got {other:?}"),
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert!(
        links
            .list(&rw, ListFilter::<ProductBrand>::all())
            .await
            .expect("list")
            .is_empty()
    );
    quick_links
        .create(&quick, ProductBrand::new(p("p1"), b("b1")))
        .await
        .expect("the next call works");
    if let Err(e) = quick_links
        .create(&quick, ProductTag::new(p("p1"), tg("t1")))
        .await
    {
        panic!("{}: {e}", kind(&e));
    }
    own.drop(vec![rw, quick]).await;
}

async fn run_txn(txn: &sea_orm::DatabaseTransaction, sql: &str) {
    txn.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// README "On MySQL/MariaDB text columns are taken to be `utf8mb4` or `utf8mb3` (a `latin1`
/// column compares its own bytes)", "`$like` … `$ilike` lowers both sides by Unicode rules": a
/// latin1 module table with non-ASCII text still matches `$like`'s `_` to one character and
/// `$ilike` by Unicode rules. (What `$eq` and a non-ASCII key do there: see the report.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_and_ilike_on_non_ascii_text_of_a_latin1_table() {
    let Some(own) = mysql_database("latin1_text", "CHARACTER SET latin1").await else {
        return;
    };
    let db = own.pool(None, None).await;
    module_tables(&db).await;
    seed(&db).await;
    brand::Model {
        id: "bé".into(),
        name: "Bé".into(),
    }
    .into_active_model()
    .insert(&db)
    .await
    .expect("brand bé");
    let links = registry(&db);
    links.migrate().await.expect("migrate");
    links
        .create(&db, ProductBrand::new(p("p2"), b("b2")))
        .await
        .expect("p2 → b2");
    let key = links.create(&db, ProductBrand::new(p("p3"), b("bé"))).await;
    let mut found = Vec::new();
    for filters in [
        json!({"brand": {"name": {"$like": "acme__"}}}),
        json!({"brand": {"name": {"$like": "%Ä"}}}),
        json!({"brand": {"name": {"$ilike": "%ä"}}}),
        json!({"brand": {"name": {"$ilike": "ACME%"}}}),
        json!({"brand": {"name": "acme_Ä"}}),
    ] {
        let query = GraphQuery::new("product")
            .fields(["id"])
            .filters(filters.clone());
        found.push((filters, links.graph(&db, &query).await.map(|g| ids(&g))));
    }
    own.drop(vec![db]).await;
    eprintln!("latin1: create p3 → bé: {:?}", key.map(|_| ()));
    for (filters, ids) in found {
        eprintln!("latin1: {filters}: {ids:?}");
        if filters["brand"]["name"].is_object() {
            assert_eq!(ids.expect("graph"), ["p2"], "{filters}");
        }
    }
}
