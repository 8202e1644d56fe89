//! Migrations written from SPEC §10's sentences by a helper that had not read the
//! implementation: tightening and relaxing cardinality over live and dismissed rows, restores
//! and creates through a link whose schema does not match yet, NOT NULL columns without a
//! default. Each test runs on SQLite, PostgreSQL and MariaDB.

mod spec_lifecycle_world;

use link_runtime::{Apply, Error, Links, StepKind, define_link};
use link_tests::cascade::{live, p, pairs, product_deleted};
use link_tests::models::{brand, product, tag};
use link_tests::{TestDb, test_databases};

use spec_lifecycle_world::*;

define_link! {
    /// Cardinality migrations: no limit either way.
    pub SpManyToMany: product::Model [is_list] => brand::Model [is_list],
    table = "sp_card",
}

define_link! {
    /// Cardinality migrations: each product one brand.
    pub SpOneBrandEach: product::Model [is_list] => brand::Model,
    table = "sp_card",
}

define_link! {
    /// Cardinality migrations: each brand one product.
    pub SpOneProductEach: product::Model => brand::Model [is_list],
    table = "sp_card",
}

define_link! {
    /// Cardinality migrations: one each way.
    pub SpOneToOne: product::Model => brand::Model,
    table = "sp_card",
}

define_link! {
    /// A link table without extra columns.
    pub SpItemV1: product::Model [is_list] => tag::Model [is_list],
    table = "sp_items",
}

define_link! {
    /// The same link with a NOT NULL extra column without a default.
    pub SpItemV2: product::Model [is_list] => tag::Model [is_list],
    extra_columns { reason: String },
    table = "sp_items",
}

define_link! {
    /// Another table, left empty, then given a NOT NULL extra column without a default.
    pub SpEmptyV1: product::Model [is_list] => tag::Model [is_list],
    table = "sp_empty",
}

define_link! {
    /// `sp_empty` with a NOT NULL extra column without a default.
    pub SpEmptyV2: product::Model [is_list] => tag::Model [is_list],
    extra_columns { reason: String },
    table = "sp_empty",
}

define_link! {
    /// A link table that a later version of the application adds.
    pub SpNewLink: product::Model [is_list] => tag::Model [is_list],
    table = "sp_new_link",
}

fn schema_message<T: std::fmt::Debug>(t: &TestDb, result: Result<T, Error>, what: &str) -> String {
    match result {
        Err(Error::Schema { message }) => message,
        other => panic!(
            "{:?}: {what}: expected a Schema error, got {other:?}",
            t.backend
        ),
    }
}

fn ddl_statements(t: &TestDb) -> Vec<String> {
    t.take_statements()
        .into_iter()
        .filter(|sql| {
            let sql = sql.trim_start().to_lowercase();
            ["create", "alter", "drop", "insert", "update", "delete"]
                .iter()
                .any(|verb| sql.starts_with(verb))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Migrations (SPEC §10).
// ---------------------------------------------------------------------------------------------

/// "the service refuses to write through that link until the schema matches": a restore that
/// would revive rows of a link whose tightening is blocked is refused, restoring nothing; a
/// delete (which fixes rows) goes through; once migrated, a restore that would break the new
/// cardinality is a Conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_through_a_blocked_tightening_is_refused_until_it_fits() {
    for t in test_databases("slp_blocked_restore").await {
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1", "b2", "b3"]).await;
        let m2m = card::<SpManyToMany>(&t);
        m2m.migrate().await.expect("many-to-many");
        m2m.create_many(
            &t.db,
            [
                SpManyToMany::new(p("p1"), b("b1")),
                SpManyToMany::new(p("p1"), b("b2")),
                SpManyToMany::new(p("p3"), b("b3")),
            ],
        )
        .await
        .expect("rows");
        m2m.delete(&t.db, [p("p3")]).await.expect("delete p3");

        // Each product one brand: p1 has two, so the index is blocked.
        let one = card::<SpOneBrandEach>(&t);
        let message = schema_message(&t, one.migrate().await, "migrate");
        assert!(message.contains("p1"), "{:?}: {message}", t.backend);
        let table = [("sp_card", "product_id", "brand_id")];
        let before = state(&t, &table).await;
        let message = schema_message(
            &t,
            one.restore(&t.db, [p("p3")]).await,
            "restore through the blocked link",
        );
        assert!(!message.is_empty());
        assert_eq!(
            state(&t, &table).await,
            before,
            "{:?}: a refused restore changed rows",
            t.backend
        );
        assert!(product_deleted(&t, "p3").await.is_some());

        // A delete fixes rows: allowed. p1's two links go; the index can go in.
        one.delete(&t.db, [p("p1")])
            .await
            .expect("delete through a blocked link");
        one.migrate().await.expect("now the index fits");
        assert!(one.plan().await.expect("plan").is_up_to_date());

        // Restoring p1 would revive two brands for p1: a Conflict, nothing restored.
        let before = state(&t, &table).await;
        let err = one
            .restore(&t.db, [p("p1")])
            .await
            .expect_err("two brands for p1");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{:?}: {err:?}",
            t.backend
        );
        assert_eq!(state(&t, &table).await, before, "{:?}", t.backend);
        one.restore(&t.db, [p("p3")]).await.expect("restore p3");
        assert_eq!(
            live::<SpOneBrandEach>(&one, &t).await,
            pairs(&[("p3", "b3")]),
            "{:?}",
            t.backend
        );
    }
}

/// "where existing live rows break it the step is unsafe": dismissed rows that would break the
/// tightened cardinality do not block it, and a restore that would revive one is a Conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tightening_over_dismissed_duplicates_is_safe_and_a_restore_then_conflicts() {
    for t in test_databases("slp_tighten_dismissed").await {
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        let m2m = card::<SpManyToMany>(&t);
        m2m.migrate().await.expect("many-to-many");
        m2m.create_many(
            &t.db,
            [
                SpManyToMany::new(p("p1"), b("b1")),
                SpManyToMany::new(p("p2"), b("b1")),
            ],
        )
        .await
        .expect("rows");
        m2m.delete(&t.db, [p("p2")]).await.expect("delete p2");

        // Each brand one product: b1 has one live product (p1).
        let one = card::<SpOneProductEach>(&t);
        let plan = one.plan().await.expect("plan");
        assert_eq!(
            plan.steps.iter().map(|s| s.kind).collect::<Vec<_>>(),
            [StepKind::Update],
            "{:?}: {plan}",
            t.backend
        );
        one.migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: dismissed rows do not block: {e}", t.backend));
        let table = [("sp_card", "product_id", "brand_id")];
        let before = state(&t, &table).await;
        let err = one
            .restore(&t.db, [p("p2")])
            .await
            .expect_err("b1 already has p1");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{:?}: {err:?}",
            t.backend
        );
        assert_eq!(state(&t, &table).await, before, "{:?}", t.backend);
        assert!(product_deleted(&t, "p2").await.is_some());
    }
}

/// Relax, write what the relaxed link allows, tighten back: blocked naming the record, writes
/// refused with nothing written, fixed by a dismiss, and a second migrate does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relax_then_tighten_back_is_blocked_until_fixed_and_then_idempotent() {
    for t in test_databases("slp_relax_tighten").await {
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1", "b2", "b3"]).await;
        let one_to_one = card::<SpOneToOne>(&t);
        one_to_one.migrate().await.expect("one-to-one");
        one_to_one
            .create(&t.db, SpOneToOne::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");

        let relaxed = card::<SpOneBrandEach>(&t);
        relaxed.migrate().await.expect("relax");
        relaxed
            .create(&t.db, SpOneBrandEach::new(p("p2"), b("b1")))
            .await
            .expect("b1 may have many products now");

        let blocked = one_to_one.plan().await.expect("plan");
        let unsafe_steps: Vec<_> = blocked.steps_of(StepKind::Unsafe).collect();
        assert_eq!(unsafe_steps.len(), 1, "{:?}: {blocked}", t.backend);
        let reason = unsafe_steps[0].blocked.clone().unwrap_or_default();
        assert!(
            reason.contains("brand b1"),
            "{:?}: the step names the record: {reason}",
            t.backend
        );
        let message = schema_message(&t, one_to_one.migrate().await, "migrate");
        assert!(message.contains("brand b1"), "{:?}: {message}", t.backend);
        let message = schema_message(
            &t,
            one_to_one.apply(&blocked, Apply::All).await,
            "apply all",
        );
        assert!(!message.is_empty());
        let table = [("sp_card", "product_id", "brand_id")];
        let before = state(&t, &table).await;
        schema_message(
            &t,
            one_to_one
                .create(&t.db, SpOneToOne::new(p("p3"), b("b3")))
                .await,
            "create",
        );
        schema_message(
            &t,
            one_to_one
                .create_json(
                    &t.db,
                    &serde_json::json!({"product": {"product_id": "p3"}, "brand": {"brand_id": "b3"}}),
                )
                .await,
            "create_json",
        );
        assert_eq!(state(&t, &table).await, before, "{:?}", t.backend);

        assert!(
            one_to_one
                .dismiss(&t.db, SpOneToOne::new(p("p2"), b("b1")))
                .await
                .expect("dismiss")
        );
        one_to_one.migrate().await.expect("fits now");
        t.take_statements();
        one_to_one.migrate().await.expect("again");
        assert_eq!(
            ddl_statements(&t),
            Vec::<String>::new(),
            "{:?}: the second migrate wrote something",
            t.backend
        );
        assert!(one_to_one.plan().await.expect("plan").is_up_to_date());
        one_to_one
            .create(&t.db, SpOneToOne::new(p("p3"), b("b3")))
            .await
            .expect("p3-b3");
        let err = one_to_one
            .create(&t.db, SpOneToOne::new(p("p2"), b("b1")))
            .await
            .expect_err("b1 has p1");
        assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    }
}

/// "A new NOT NULL extra column without a default is refused with a clear error rather than
/// failing on a populated table": a table whose only rows are dismissed is populated too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_null_without_default_over_only_dismissed_rows_is_refused() {
    for t in test_databases("slp_not_null_dismissed").await {
        t.products(&["p1"]).await;
        t.tags(&["t1"]).await;
        let v1 = card::<SpItemV1>(&t);
        v1.migrate().await.expect("v1");
        v1.create(&t.db, SpItemV1::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        assert!(
            v1.dismiss(&t.db, SpItemV1::new(p("p1"), tg("t1")))
                .await
                .expect("dismiss")
        );
        let columns = t.columns("sp_items").await;

        let v2 = card::<SpItemV2>(&t);
        let message = schema_message(&t, v2.migrate().await, "migrate");
        assert!(
            message.contains("reason"),
            "{:?}: the error names the column: {message}",
            t.backend
        );
        let plan = v2.plan().await.expect("plan");
        schema_message(&t, v2.apply(&plan, Apply::All).await, "apply all");
        assert_eq!(
            t.columns("sp_items").await,
            columns,
            "{:?}: the table changed",
            t.backend
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM sp_items").await,
            1,
            "{:?}",
            t.backend
        );
    }
}

/// The same column on an empty table: it may be added, or refused with a clear error, but the
/// database's own error never comes back, and `migrate` is `Ok` only when the column is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_null_without_default_on_an_empty_table_never_fails_in_the_database() {
    for t in test_databases("slp_not_null_empty").await {
        let v1 = card::<SpEmptyV1>(&t);
        v1.migrate().await.expect("v1");
        let v2 = card::<SpEmptyV2>(&t);
        match v2.migrate().await {
            Ok(_) => {
                assert!(
                    t.columns("sp_empty").await.contains(&"reason".to_string()),
                    "{:?}: migrate is Ok without the column",
                    t.backend
                );
                assert!(
                    v2.plan().await.expect("plan").is_up_to_date(),
                    "{:?}",
                    t.backend
                );
            }
            Err(Error::Schema { message }) => {
                assert!(message.contains("reason"), "{:?}: {message}", t.backend);
            }
            Err(other) => panic!(
                "{:?}: expected Ok or a Schema error, got {other:?}",
                t.backend
            ),
        }
    }
}

/// "`migrate()` … never returns `Ok` while a declared link lacks an index or column it needs":
/// a blocked step in one link does not keep a new table of another from being created, and
/// `migrate` is still an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_step_fails_migrate_while_the_safe_ones_run() {
    for t in test_databases("slp_blocked_and_safe").await {
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.tags(&["t1"]).await;
        let m2m = card::<SpManyToMany>(&t);
        m2m.migrate().await.expect("many-to-many");
        m2m.create_many(
            &t.db,
            [
                SpManyToMany::new(p("p1"), b("b1")),
                SpManyToMany::new(p("p1"), b("b2")),
            ],
        )
        .await
        .expect("rows");
        let both = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .module("tag")
            .link::<SpOneBrandEach>()
            .link::<SpNewLink>()
            .build()
            .expect("registry");
        let message = schema_message(&t, both.migrate().await, "migrate");
        assert!(message.contains("p1"), "{:?}: {message}", t.backend);
        assert!(
            !t.columns("sp_new_link").await.is_empty(),
            "{:?}: the safe create ran",
            t.backend
        );
        both.create(&t.db, SpNewLink::new(p("p1"), tg("t1")))
            .await
            .expect("the new link works");
        let message = schema_message(&t, both.migrate().await, "migrate again");
        assert!(message.contains("p1"), "{:?}: {message}", t.backend);
        assert_eq!(
            live::<SpManyToMany>(&m2m, &t).await,
            pairs(&[("p1", "b1"), ("p1", "b2")]),
            "{:?}: no row was touched",
            t.backend
        );
    }
}
