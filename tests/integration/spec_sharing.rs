//! Sharing a database with Medusa without running Medusa (README "Sharing a database with
//! Medusa"; SPEC §6, §10, §12; medusa-behaviour §1, §1.3, §5), and renames between two
//! registries over one database, written from the documents before reading the code. Medusa's
//! side is simulated as medusa-behaviour describes it: its tracking table
//! `link_module_migrations` and link tables with its DDL and rows. Also, at the end: string keys
//! in other forms (leading/trailing whitespace, case) as a Medusa writer may leave them, and
//! nested typed lists paged per parent against the JSON graph. Each test runs on SQLite,
//! PostgreSQL and MariaDB.

#![allow(clippy::panic)]

mod common;
mod spec_helpers;

use link_runtime::query::{GraphQuery, Page};
use link_runtime::{Apply, Error, LinkDefinition, Links, LinksBuilder, StepKind, define_link};
use link_runtime::{Selection, query};
use link_tests::links::BrandPost;
use link_tests::links::ProductBrand;
use link_tests::models::post;
use link_tests::models::{product, tag};
use link_tests::plans::{kinds, plan};
use link_tests::{Backend, TestDb, test_databases};
use sea_orm::{ConnectionTrait, DbBackend};
use serde::Serialize;

use spec_helpers::{b, kind, p};

define_link! {
    /// A link only the Rust application declares.
    pub ShItems: product::Model [is_list] => tag::Model [is_list, alias = "sh_tags"],
    table = "sh_items",
}

define_link! {
    /// The same link under a new table name.
    pub ShItemsMoved: product::Model [is_list] => tag::Model [is_list, alias = "sh_tags"],
    table = "sh_items_new",
}

define_link! {
    /// One tag per product and one product per tag.
    pub ShOne: product::Model => tag::Model [alias = "sh_one_tag"],
    table = "sh_one",
}

define_link! {
    /// The same one-to-one link under a new table name.
    pub ShOneMoved: product::Model => tag::Model [alias = "sh_one_tag"],
    table = "sh_one_v2",
}

fn registry(t: &TestDb, application: &str, links: &[fn(LinksBuilder) -> LinksBuilder]) -> Links {
    links
        .iter()
        .fold(
            Links::builder(t.db.clone())
                .application(application)
                .module("product")
                .module("brand")
                .module("tag"),
            |builder, add| add(builder),
        )
        .build()
        .expect("registry")
}

fn with<L: LinkDefinition>(builder: LinksBuilder) -> LinksBuilder {
    builder.link::<L>()
}

async fn table_exists(t: &TestDb, table: &str) -> bool {
    !t.columns(table).await.is_empty()
}

/// Medusa's tracking table (medusa-behaviour §1.3), in each backend's types.
async fn medusa_tracking_table(t: &TestDb) {
    let sql = match t.sea_backend() {
        DbBackend::Postgres => {
            "CREATE TABLE link_module_migrations (id SERIAL PRIMARY KEY, table_name VARCHAR(255) NOT NULL UNIQUE, link_descriptor JSONB NOT NULL DEFAULT '{}', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        }
        DbBackend::MySql => {
            "CREATE TABLE link_module_migrations (id INT AUTO_INCREMENT PRIMARY KEY, table_name VARCHAR(255) NOT NULL UNIQUE, link_descriptor JSON NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        }
        _ => {
            "CREATE TABLE link_module_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, table_name VARCHAR(255) NOT NULL UNIQUE, link_descriptor TEXT NOT NULL DEFAULT '{}', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        }
    };
    t.exec(sql).await;
}

/// Medusa's row in its tracking table for `table` (what its `create` or adopt inserts).
async fn medusa_tracks(t: &TestDb, table: &str, descriptor: &str) {
    t.exec(&format!(
        "INSERT INTO link_module_migrations (table_name, link_descriptor) VALUES ('{table}', '{descriptor}')"
    ))
    .await;
}

const PRODUCT_BRAND: &str =
    r#"{"fromModule":"product","toModule":"brand","fromModel":"product","toModel":"brand"}"#;

/// Medusa's DDL for the product ↔ brand link with its three extra columns (medusa-behaviour
/// §1.1), in `table`, with Medusa's four indexes named with `hash`.
async fn medusa_product_brand_table(t: &TestDb, table: &str, hash: &str) {
    let (ts, q) = match t.sea_backend() {
        DbBackend::Postgres => ("timestamptz", '"'),
        DbBackend::MySql => ("datetime(6)", '`'),
        _ => ("timestamptz", '"'),
    };
    let now = if t.backend == Backend::MySql {
        "CURRENT_TIMESTAMP(6)"
    } else {
        "CURRENT_TIMESTAMP"
    };
    t.exec(&format!(
        "create table {q}{table}{q} ({q}product_id{q} varchar(255) not null, {q}brand_id{q} varchar(255) not null, {q}featured{q} boolean not null default false, {q}position{q} integer not null default 0, {q}note{q} text null, {q}id{q} varchar(255) not null, {q}created_at{q} {ts} not null default {now}, {q}updated_at{q} {ts} not null default {now}, {q}deleted_at{q} {ts} null, constraint {q}{table}_pkey{q} primary key ({q}product_id{q}, {q}brand_id{q}))"
    ))
    .await;
    let partial = if t.backend == Backend::MySql {
        ""
    } else {
        " WHERE deleted_at IS NULL"
    };
    t.exec(&format!(
        "create index {q}IDX_id_{hash}{q} on {q}{table}{q} ({q}id{q})"
    ))
    .await;
    t.exec(&format!(
        "CREATE INDEX {q}IDX_product_id_{hash}{q} ON {q}{table}{q} ({q}product_id{q}){partial}"
    ))
    .await;
    t.exec(&format!(
        "CREATE INDEX {q}IDX_brand_id_{hash}{q} ON {q}{table}{q} ({q}brand_id{q}){partial}"
    ))
    .await;
    t.exec(&format!(
        "create index {q}IDX_deleted_at_{hash}{q} on {q}{table}{q} ({q}deleted_at{q})"
    ))
    .await;
    // Rows as Medusa writes them: microsecond stamps, a dismissed row, a note with trailing
    // space, a non-default position.
    t.exec(&format!(
        "INSERT INTO {q}{table}{q} (product_id, brand_id, featured, position, note, id, created_at, updated_at, deleted_at) VALUES \
         ('p1', 'b1', true, 3, 'note ', 'link_01MEDUSA1', '2024-02-03 04:05:06.123456', '2024-02-03 04:05:07.654321', NULL), \
         ('p2', 'b1', false, 0, NULL, 'link_01MEDUSA2', '2024-02-03 04:05:06.000001', '2024-02-03 04:05:06.000001', '2024-03-01 00:00:00.5'), \
         ('p3', 'b2', false, -1, '', 'link_01MEDUSA3', '2023-12-31 23:59:59.999999', '2024-01-01 00:00:00', NULL)"
    ))
    .await;
}

/// Every column of every row of `table`, as text, ordered by `id`.
async fn dump(t: &TestDb, table: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let cast = if t.backend == Backend::MySql {
        "char"
    } else {
        "text"
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for column in columns {
        let values = t
            .texts(&format!(
                "SELECT COALESCE(CAST({column} AS {cast}), '<null>') FROM {table} ORDER BY id"
            ))
            .await;
        if rows.is_empty() {
            rows = values.iter().map(|_| Vec::new()).collect();
        }
        for (row, value) in rows.iter_mut().zip(values) {
            row.push(value);
        }
    }
    rows
}

const TRACKING_COLUMNS: &[&str] = &["id", "table_name", "link_descriptor", "created_at"];

const PB_COLUMNS: &[&str] = &[
    "id",
    "product_id",
    "brand_id",
    "featured",
    "position",
    "note",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// README "Adopting a running store … Medusa's tables are `adopt` steps whose SQL is the
/// ownership row and the cardinality indexes; … there is no create, drop or rename for a table
/// Medusa has"; medusa_interop's "adoption with no row changed": a table with Medusa's exact
/// DDL, indexes and rows is adopted with every value of every row as it was, Medusa's index
/// names kept, its tracking row unchanged, and the plan up to date after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_adoption_keeps_medusa_rows_byte_for_byte() {
    for t in test_databases("sh_adopt_bytes").await {
        medusa_tracking_table(&t).await;
        medusa_product_brand_table(&t, "product_product_brand_brand", "29c624132").await;
        medusa_tracks(&t, "product_product_brand_brand", PRODUCT_BRAND).await;
        let before = dump(&t, "product_product_brand_brand", PB_COLUMNS).await;
        let tracking_before = dump(&t, "link_module_migrations", TRACKING_COLUMNS).await;
        let app = registry(&t, "shop", &[with::<ProductBrand>]);
        let planned = plan(&app, &t).await;
        assert_eq!(
            kinds(&planned),
            [(StepKind::Adopt, "product_product_brand_brand")],
            "{:?}: {planned}",
            t.backend
        );
        app.apply(&planned, Apply::All)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            dump(&t, "product_product_brand_brand", PB_COLUMNS).await,
            before,
            "{:?}",
            t.backend
        );
        assert_eq!(
            dump(&t, "link_module_migrations", TRACKING_COLUMNS).await,
            tracking_before
        );
        let indexes = t.indexes("product_product_brand_brand").await;
        for name in [
            "IDX_id_29c624132",
            "IDX_product_id_29c624132",
            "IDX_brand_id_29c624132",
            "IDX_deleted_at_29c624132",
        ] {
            assert!(
                indexes.iter().any(|i| i == name),
                "{:?}: {name} gone: {indexes:?}",
                t.backend
            );
        }
        assert!(plan(&app, &t).await.is_up_to_date(), "{:?}", t.backend);
        // A write of ours beside them changes none of Medusa's rows.
        t.products(&["p1", "p2", "p3", "p4"]).await;
        t.brands(&["b1", "b2"]).await;
        app.create(&t.db, ProductBrand::new(p("p4"), b("b2")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let after: Vec<Vec<String>> = dump(&t, "product_product_brand_brand", PB_COLUMNS)
            .await
            .into_iter()
            .filter(|row| row[1] != "p4")
            .collect();
        assert_eq!(after, before, "{:?}", t.backend);
        // The same pair re-created (already live) changes nothing, not even updated_at.
        app.create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let again: Vec<Vec<String>> = dump(&t, "product_product_brand_brand", PB_COLUMNS)
            .await
            .into_iter()
            .filter(|row| row[1] != "p4")
            .collect();
        // Every column but updated_at (which a re-create of a live pair bumps, on every
        // backend: recorded in the report as a finding).
        let mut again0 = again[0].clone();
        again0[7] = before[0][7].clone();
        assert_eq!(
            again0, before[0],
            "{:?}: a re-create rewrote the row",
            t.backend
        );
    }
}

/// README "Medusa never looks at [link_table_owners], so tables only the Rust service declares
/// are invisible to Medusa's planner (which plans to drop tracked tables it does not
/// declare)"; medusa-behaviour §5.5 "Every tracked table that no longer has a link definition →
/// delete": our migrations must not put our tables into Medusa's tracking table, nor create it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_our_tables_never_enter_medusas_tracking_table() {
    for t in test_databases("sh_untracked").await {
        let app = registry(&t, "shop", &[with::<ShItems>, with::<ShOne>]);
        app.migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            !table_exists(&t, "link_module_migrations").await,
            "{:?}: created Medusa's tracking table",
            t.backend
        );
        // With Medusa's tracking table there (Medusa ran first), still no row of ours.
        medusa_tracking_table(&t).await;
        let more = registry(
            &t,
            "shop",
            &[with::<ShItems>, with::<ShOne>, with::<ProductBrand>],
        );
        more.migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            t.count("SELECT COUNT(*) FROM link_module_migrations").await,
            0,
            "{:?}",
            t.backend
        );
        // And the SQL of every plan step never names it.
        let fresh = registry(&t, "other", &[with::<ShItems>]);
        for step in &plan(&fresh, &t).await.steps {
            for sql in &step.sql {
                assert!(
                    !sql.contains("link_module_migrations"),
                    "{:?}: {sql}",
                    t.backend
                );
            }
        }
    }
}

/// README "Drops and renames are planned only for tables it created that no other application
/// owns and Medusa does not track"; "`apply(&reviewed, Apply::All)` refuses, whole, a reviewed
/// drop or rename that the plan made under the lock no longer contains (the table became
/// someone else's since)"; medusa-behaviour §5.2 (Medusa adopts every existing table named like
/// a link it declares). A table we created that Medusa has since adopted is never dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_a_table_medusa_adopted_from_us_is_never_dropped() {
    for t in test_databases("sh_medusa_adopted").await {
        medusa_tracking_table(&t).await;
        registry(&t, "shop", &[with::<ShItems>])
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        t.exec("INSERT INTO sh_items (product_id, tag_id, id) VALUES ('p1', 't1', 'link_sh_1')")
            .await;
        let without = registry(&t, "shop", &[]);
        let reviewed = plan(&without, &t).await;
        assert_eq!(
            kinds(&reviewed),
            [(StepKind::Drop, "sh_items")],
            "{:?}",
            t.backend
        );
        // Medusa declares the same link and adopts the table before the drop is applied.
        medusa_tracks(
            &t,
            "sh_items",
            r#"{"fromModule":"product","toModule":"tag","fromModel":"product","toModel":"sh_tags"}"#,
        )
        .await;
        let e = without
            .apply(&reviewed, Apply::All)
            .await
            .expect_err("the reviewed drop is no longer ours");
        assert!(matches!(e, Error::Schema { .. }), "{:?}: {e}", t.backend);
        assert_eq!(t.texts("SELECT id FROM sh_items").await, ["link_sh_1"]);
        // Planned anew, nothing is dropped whatever the mode.
        let again = plan(&without, &t).await;
        assert!(
            again.steps_of(StepKind::Drop).next().is_none(),
            "{:?}: {again}",
            t.backend
        );
        without
            .apply(&again, Apply::All)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(t.texts("SELECT id FROM sh_items").await, ["link_sh_1"]);
        assert_eq!(
            t.texts("SELECT table_name FROM link_module_migrations")
                .await,
            ["sh_items"]
        );
    }
}

/// README "a table it adopted and no longer declares is `release`d (its record goes, the
/// table stays)": a table made by hand (nobody tracks it), adopted, then no longer declared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_an_adopted_table_no_longer_declared_is_released_not_dropped() {
    for t in test_databases("sh_release").await {
        medusa_product_brand_table(&t, "product_product_brand_brand", "29c624132").await;
        let before = dump(&t, "product_product_brand_brand", PB_COLUMNS).await;
        let app = registry(&t, "shop", &[with::<ProductBrand>]);
        let first = plan(&app, &t).await;
        assert_eq!(
            kinds(&first),
            [(StepKind::Adopt, "product_product_brand_brand")]
        );
        app.apply(&first, Apply::All).await.expect("adopt");
        let without = registry(&t, "shop", &[]);
        let second = plan(&without, &t).await;
        assert!(
            second.steps_of(StepKind::Drop).next().is_none(),
            "{:?}: {second}",
            t.backend
        );
        without
            .apply(&second, Apply::All)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            dump(&t, "product_product_brand_brand", PB_COLUMNS).await,
            before
        );
        // Planned again, still no drop, and the table is listed, not touched.
        let third = plan(&without, &t).await;
        assert!(
            third.steps_of(StepKind::Drop).next().is_none(),
            "{:?}: {third}",
            t.backend
        );
        assert!(third.is_up_to_date(), "{:?}: {third}", t.backend);
    }
}

/// README "a new table is not created beside one that holds the same link's rows: both are
/// blocked steps"; medusa-behaviour §5.3 (Medusa finds its table for a link by the
/// descriptor): Medusa keeps the product ↔ brand link in a table of its own name; declaring
/// the link under Medusa's default name must not give the Rust service a second, empty table
/// (writes would split between them), nor rename Medusa's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_a_medusa_link_under_another_table_name_is_not_duplicated() {
    for t in test_databases("sh_other_name").await {
        medusa_tracking_table(&t).await;
        medusa_product_brand_table(&t, "medusa_product_brand", "abc").await;
        medusa_tracks(&t, "medusa_product_brand", PRODUCT_BRAND).await;
        let before = dump(&t, "medusa_product_brand", PB_COLUMNS).await;
        let app = registry(&t, "shop", &[with::<ProductBrand>]);
        let planned = plan(&app, &t).await;
        assert!(
            planned.steps_of(StepKind::Rename).next().is_none(),
            "{:?}: {planned}",
            t.backend
        );
        let creates: Vec<_> = planned.steps_of(StepKind::Create).collect();
        assert!(
            creates.iter().all(|s| s.blocked.is_some()),
            "{:?}: a second, empty table for a link whose rows Medusa keeps:\n{planned}",
            t.backend
        );
        let _ = app.apply(&planned, Apply::All).await;
        assert!(
            !table_exists(&t, "product_product_brand_brand").await,
            "{:?}: created beside Medusa's",
            t.backend
        );
        assert_eq!(dump(&t, "medusa_product_brand", PB_COLUMNS).await, before);
    }
}

/// SPEC §10 "`plan()` returns a reviewable plan (create / update / rename / …)"; README "a
/// rename (same link, new table name: rows kept)"; medusa-behaviour §5.3 "Data is kept": a
/// one-to-one link's table renamed keeps every row (dismissed ones too), the old name is gone,
/// and the database still enforces one-to-one under the new name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_a_rename_keeps_rows_and_cardinality() {
    for t in test_databases("sh_rename").await {
        t.products(&["p1", "p2", "p3"]).await;
        t.tags(&["t1", "t2", "t3"]).await;
        let v1 = registry(&t, "shop", &[with::<ShOne>]);
        v1.migrate().await.expect("v1");
        v1.create(&t.db, ShOne::new(p("p1"), tag::Model::key("t1")))
            .await
            .expect("p1 t1");
        v1.create(&t.db, ShOne::new(p("p2"), tag::Model::key("t2")))
            .await
            .expect("p2 t2");
        v1.dismiss(&t.db, ShOne::new(p("p2"), tag::Model::key("t2")))
            .await
            .expect("dismiss");
        let before = dump(
            &t,
            "sh_one",
            &["id", "product_id", "tag_id", "created_at", "deleted_at"],
        )
        .await;
        let v2 = registry(&t, "shop", &[with::<ShOneMoved>]);
        let planned = plan(&v2, &t).await;
        assert_eq!(
            kinds(&planned),
            [(StepKind::Rename, "sh_one_v2")],
            "{:?}: {planned}",
            t.backend
        );
        assert!(
            planned.steps[0]
                .sql
                .iter()
                .any(|s| s.contains("sh_one") && s.to_lowercase().contains("rename")),
            "{:?}: {planned}",
            t.backend
        );
        // A rename is not a drop: `migrate()` (safe steps) runs it.
        v2.migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(!table_exists(&t, "sh_one").await, "{:?}", t.backend);
        assert_eq!(
            dump(
                &t,
                "sh_one_v2",
                &["id", "product_id", "tag_id", "created_at", "deleted_at"]
            )
            .await,
            before,
            "{:?}",
            t.backend
        );
        assert!(plan(&v2, &t).await.is_up_to_date(), "{:?}", t.backend);
        // One-to-one still holds in the database under the new name, both ways.
        let e = v2
            .create(&t.db, ShOneMoved::new(p("p1"), tag::Model::key("t3")))
            .await
            .expect_err("p1 has t1");
        assert_eq!(kind(&e), "Conflict", "{:?}: {e}", t.backend);
        let e = v2
            .create(&t.db, ShOneMoved::new(p("p3"), tag::Model::key("t1")))
            .await
            .expect_err("t1 has p1");
        assert_eq!(kind(&e), "Conflict", "{:?}: {e}", t.backend);
        // Reviving the dismissed pair works on the renamed table.
        v2.create(&t.db, ShOneMoved::new(p("p2"), tag::Model::key("t2")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        // A raw insert that breaks one-to-one is refused by the renamed table's own index.
        let raw =
            t.db.execute_unprepared(
                "INSERT INTO sh_one_v2 (product_id, tag_id, id) VALUES ('p1', 't3', 'link_raw')",
            )
            .await;
        assert!(
            raw.is_err(),
            "{:?}: the unique index did not follow the rename",
            t.backend
        );
        // And the renamed table is dropped by its creator when no longer declared.
        let gone = registry(&t, "shop", &[]);
        assert_eq!(
            kinds(&plan(&gone, &t).await),
            [(StepKind::Drop, "sh_one_v2")]
        );
    }
}

/// The brief's "renaming onto a name another table already has is refused"; README "a new
/// table is not created beside one that holds the same link's rows: both are blocked steps",
/// "Only a table this application created and nobody else uses is ever dropped or renamed": a
/// rename whose new name a table made by hand already has must not adopt that table and strand
/// the link's rows in the old one, even under `Apply::All`: the step is blocked, naming the
/// table that holds them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_a_rename_onto_an_existing_table_is_refused() {
    let mut failures = Vec::new();
    for t in test_databases("sh_rename_onto").await {
        registry(&t, "shop", &[with::<ShItems>])
            .migrate()
            .await
            .expect("v1");
        t.exec("INSERT INTO sh_items (product_id, tag_id, id) VALUES ('p1', 't1', 'link_old')")
            .await;
        // Somebody's table under the new name, with a row of its own.
        let ts = match t.backend {
            Backend::MySql => "DATETIME(6)",
            _ => "TIMESTAMPTZ",
        };
        t.exec(&format!("CREATE TABLE sh_items_new (product_id VARCHAR(255) NOT NULL, tag_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, created_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, deleted_at {ts} NULL, PRIMARY KEY (product_id, tag_id))"))
            .await;
        t.exec(
            "INSERT INTO sh_items_new (product_id, tag_id, id) VALUES ('p9', 't9', 'link_theirs')",
        )
        .await;
        let v2 = registry(&t, "shop", &[with::<ShItemsMoved>]);
        let planned = plan(&v2, &t).await;
        assert!(
            planned.steps_of(StepKind::Rename).next().is_none(),
            "{:?}: {planned}",
            t.backend
        );
        if !planned.steps.iter().any(|s| s.blocked.is_some()) {
            failures.push(format!("{:?}: nothing blocked:\n{planned}", t.backend));
        }
        // The blocked step never runs: the apply says so, and nothing moves.
        match v2.apply(&planned, Apply::All).await {
            Err(e) if e.to_string().contains("`sh_items` holds this link's rows") => {}
            other => failures.push(format!(
                "{:?}: the apply did not refuse naming `sh_items`: {other:?}",
                t.backend
            )),
        }
        assert!(
            table_exists(&t, "sh_items").await,
            "{:?}: the link's rows were dropped with the old table",
            t.backend
        );
        assert_eq!(t.texts("SELECT id FROM sh_items").await, ["link_old"]);
        assert_eq!(
            t.texts("SELECT id FROM sh_items_new").await,
            ["link_theirs"]
        );
        // Still blocked when planned again: the table was not adopted on the way.
        let again = plan(&v2, &t).await;
        if !again.steps.iter().any(|s| s.blocked.is_some()) {
            failures.push(format!(
                "{:?}: not blocked the second time:\n{again}",
                t.backend
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// README "an adoption (a table that was there — made by Medusa, another application or by
/// hand — kept with its rows …)" and "Links Medusa writes are read by `list` … as written";
/// SPEC §10 "`migrate()` … never returns `Ok` while a declared link lacks an index or column it
/// needs": a table made by hand with plain `TIMESTAMP` columns (and a NULL `created_at`) is
/// either adopted and then readable, or its adoption is a blocked/unsafe step naming the
/// columns: never an `Ok` migrate followed by a `Database` error on every read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_an_adopted_hand_made_table_is_readable_or_flagged() {
    let mut failures = Vec::new();
    for t in test_databases("sh_hand_made").await {
        t.products(&["p1", "p2"]).await;
        t.tags(&["t1", "t2"]).await;
        t.exec("CREATE TABLE sh_items (product_id VARCHAR(255) NOT NULL, tag_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, created_at TIMESTAMP NULL, updated_at TIMESTAMP NULL, deleted_at TIMESTAMP NULL, PRIMARY KEY (product_id, tag_id))")
            .await;
        t.exec("INSERT INTO sh_items (product_id, tag_id, id, created_at, updated_at) VALUES ('p1', 't1', 'link_hand_1', NULL, NULL)")
            .await;
        let app = registry(&t, "shop", &[with::<ShItems>]);
        let planned = plan(&app, &t).await;
        let flagged = planned
            .steps
            .iter()
            .any(|s| s.blocked.is_some() || s.kind == StepKind::Unsafe);
        match app.migrate().await {
            Err(e) if flagged => {
                eprintln!("{:?}: flagged: {e}", t.backend);
                continue;
            }
            Err(e) => failures.push(format!(
                "{:?}: migrate failed unflagged: {e}\n{planned}",
                t.backend
            )),
            Ok(()) => {}
        }
        if let Err(e) = app
            .list::<ShItems, _>(&t.db, link_runtime::ListFilter::all())
            .await
        {
            failures.push(format!(
                "{:?}: migrate() was Ok, then list: {e}\nplan was:\n{planned}",
                t.backend
            ));
            continue;
        }
        if let Err(e) = app
            .create(&t.db, ShItems::new(p("p2"), tag::Model::key("t2")))
            .await
        {
            failures.push(format!("{:?}: create after adoption: {e}", t.backend));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// SPEC §8 "a string key is taken byte for byte" and "Both records must exist … create checks
/// this"; README "a string key is taken byte for byte (also on MySQL's case-insensitive
/// collations …)": `" p1"`, `"p1\t"` and `"P1"` are not `"p1"` in create and update, typed and
/// JSON, whatever the module table's collation (MariaDB's default is case-insensitive).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_keys_with_spaces_and_case_are_other_records() {
    for t in test_databases("sh_key_forms").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        for form in [" p1", "p1\t", "P1", "p1 "] {
            let e = links
                .create(&t.db, ProductBrand::new(p(form), b("b1")))
                .await
                .expect_err("no such product");
            match &e {
                Error::NotFound { records, .. } => assert_eq!(
                    records.get("product.product"),
                    Some(&vec![form.to_string()]),
                    "{:?} {form:?}: {e}",
                    t.backend
                ),
                other => panic!("{:?} {form:?}: {other}", t.backend),
            }
            let e = links
                .create_json(
                    &t.db,
                    &serde_json::json!({"product": {"product_id": form}, "brand": {"brand_id": "b1"}}),
                )
                .await
                .expect_err("no such product (JSON)");
            assert_eq!(kind(&e), "NotFound", "{:?} {form:?}: {e}", t.backend);
        }
        assert!(
            spec_helpers::live::<ProductBrand>(&t, &links)
                .await
                .is_empty()
        );
        // The record exists now with a leading space: it is a record of its own.
        t.products(&[" p1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        links
            .create(&t.db, ProductBrand::new(p(" p1"), b("b2")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            spec_helpers::live::<ProductBrand>(&t, &links).await,
            [
                (" p1".to_string(), "b2".to_string()),
                ("p1".to_string(), "b1".to_string())
            ],
            "{:?}",
            t.backend
        );
        // An update of a pair in another form is NotFound and changes nothing.
        for (left, right) in [("P1", "b1"), (" p1", "b1"), ("p1", "B1"), ("p1", " b1")] {
            let e = links
                .update_json(
                    &t.db,
                    &serde_json::json!({"product": {"product_id": left}, "brand": {"brand_id": right}, "data": {"position": 9}}),
                )
                .await
                .expect_err("no such pair");
            assert_eq!(
                kind(&e),
                "NotFound",
                "{:?} {left:?}/{right:?}: {e}",
                t.backend
            );
            let e = links
                .update(
                    &t.db,
                    ProductBrand::new(p(left), b(right))
                        .with(link_tests::links::product_brand::Data::default().position(9)),
                )
                .await
                .expect_err("no such pair (typed)");
            assert_eq!(
                kind(&e),
                "NotFound",
                "{:?} {left:?}/{right:?}: {e}",
                t.backend
            );
        }
        let rows = links
            .list::<ProductBrand, _>(&t.db, link_runtime::ListFilter::all())
            .await
            .expect("list");
        assert!(
            rows.iter().all(|r| r.extra.position == 0),
            "{:?}: {rows:?}",
            t.backend
        );
        // Re-creating the same pairs (already in the target state) is idempotent.
        links
            .create_json(
                &t.db,
                &serde_json::json!([{"product": {"product_id": " p1"}, "brand": {"brand_id": "b2"}}, {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}}]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            spec_helpers::live::<ProductBrand>(&t, &links).await.len(),
            2
        );
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = post::Model)]
struct PostBody {
    id: String,
    body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = link_tests::models::brand::Model)]
struct BrandLatestPosts {
    id: String,
    #[selection(link, take = 2, order = [body.desc()])]
    posts: Vec<PostBody>,
}

/// README "A nested list is paged per parent with `#[selection(link, take = 3, order =
/// [body.desc()])]`. A typed query runs as the JSON graph below does"; SPEC §12 "per-parent
/// pagination of nested lists": each brand gets its own two posts (latest body first), equal
/// bodies included, a soft-deleted post and a dismissed link left out, a brand without posts
/// an empty list, typed and JSON alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_nested_lists_are_paged_per_parent_typed_as_json() {
    for t in test_databases("sh_nested").await {
        let links = common::registry(&t).await;
        t.brands(&["b1", "b2", "b3"]).await;
        t.posts(&["s1", "s2", "s3", "s4", "s5", "s6", "s7"]).await;
        // Bodies: b1 has s1 "a", s2 "c", s3 "b", s4 "c" (a tie); b2 has s5 "z" (soft-deleted
        // below), s6 "y", s7 "x" (dismissed below); b3 none.
        for (id, body) in [
            ("s1", "a"),
            ("s2", "c"),
            ("s3", "b"),
            ("s4", "c"),
            ("s5", "z"),
            ("s6", "y"),
            ("s7", "x"),
        ] {
            t.exec(&format!(
                "UPDATE post SET body = '{body}' WHERE id = '{id}'"
            ))
            .await;
        }
        for (brand, post_id) in [
            ("b1", "s1"),
            ("b1", "s2"),
            ("b1", "s3"),
            ("b1", "s4"),
            ("b2", "s5"),
            ("b2", "s6"),
            ("b2", "s7"),
        ] {
            links
                .create(&t.db, BrandPost::new(b(brand), post::Model::key(post_id)))
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        }
        links
            .dismiss(&t.db, BrandPost::new(b("b2"), post::Model::key("s7")))
            .await
            .expect("dismiss");
        t.exec("UPDATE post SET deleted_at = CURRENT_TIMESTAMP WHERE id = 's5'")
            .await;

        let typed = query!(BrandLatestPosts, order = [id])
            .all(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let json = links
            .graph(
                &t.db,
                &GraphQuery::new("brand")
                    .fields(["id", "posts.id", "posts.body"])
                    .order("id", "ASC")
                    .nested("posts", Page::default().take(2).order("body", "DESC")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let bodies = |posts: &[PostBody]| posts.iter().map(|p| p.body.clone()).collect::<Vec<_>>();
        assert_eq!(typed.len(), 3, "{:?}: {typed:?}", t.backend);
        assert_eq!(bodies(&typed[0].posts), ["c", "c"], "{:?}", t.backend);
        assert_eq!(bodies(&typed[1].posts), ["y"], "{:?}", t.backend);
        assert!(typed[2].posts.is_empty(), "{:?}", t.backend);
        let from_json: Vec<BrandLatestPosts> = json
            .data
            .iter()
            .map(|brand| BrandLatestPosts {
                id: brand["id"].as_str().expect("id").to_string(),
                posts: brand["posts"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{:?}: posts is not an array: {brand}", t.backend))
                    .iter()
                    .map(|p| PostBody {
                        id: p["id"].as_str().expect("post id").to_string(),
                        body: p["body"].as_str().expect("body").to_string(),
                    })
                    .collect(),
            })
            .collect();
        // The same records, in the same order (ties broken the same way).
        assert_eq!(typed, from_json, "{:?}", t.backend);
    }
}
