//! The `links` command group from the outside (README "links plan | migrate | check | graph",
//! "`links migrate [--execute-safe | --execute-all]` (asks on a terminal, refuses otherwise)";
//! SPEC §10), written from the documents before reading the code. Each test runs on SQLite,
//! PostgreSQL and MariaDB.

#![allow(clippy::panic)]

mod common;

use std::io::IsTerminal;
use std::time::Duration;

use clap::Parser;
use link_runtime::cli::LinksCommand;
use link_runtime::{Apply, Error, Links, Plan, StepKind, define_link};
use link_tests::models::{product, tag};
use link_tests::plans::plan;
use link_tests::{TestDb, test_databases};

/// An application's binary with the `links` group mounted.
#[derive(Debug, Parser)]
struct App {
    #[command(subcommand)]
    links: LinksCommand,
}

define_link! {
    /// A Rust-only link with an integer extra column.
    pub CliItemsV1: product::Model [is_list] => tag::Model [is_list, alias = "item_tags"],
    extra_columns { weight: Option<i32> },
    table = "cli_items",
}

define_link! {
    /// The same link, its extra column now text: a type change (unsafe).
    pub CliItemsV2: product::Model [is_list] => tag::Model [is_list, alias = "item_tags"],
    extra_columns { weight: Option<String> },
    table = "cli_items",
}

define_link! {
    /// A link a later registry no longer declares (its alias makes it another link).
    pub CliOld: product::Model [is_list, alias = "cli_old_product"] => tag::Model [is_list, alias = "old_tags"],
    table = "cli_old",
}

define_link! {
    /// A link a later registry adds (a create next to the drop).
    pub CliNew: product::Model [is_list, alias = "cli_new_product"] => tag::Model [is_list, alias = "new_tags"],
    table = "cli_new",
}

define_link! {
    /// One tag per product, one product per tag (a tightening of CliItemsV1).
    pub CliItemsOne: product::Model => tag::Model [alias = "item_tags"],
    extra_columns { weight: Option<i32> },
    table = "cli_items",
}

/// Runs `links <args>` writing to a buffer; `confirm` answers for a terminal (`None`: there is
/// none, as when stdin is not a terminal).
async fn run(links: &Links, args: &[&str], confirm: Option<bool>) -> Result<String, Error> {
    let app = App::try_parse_from(std::iter::once("app").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let mut out = Vec::new();
    let mut answer = |_: &Plan| confirm.unwrap_or(false);
    let confirm: link_runtime::cli::Confirm<'_> = match confirm {
        Some(_) => Some(&mut answer),
        None => None,
    };
    app.links.run_with(links, &mut out, confirm).await?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

/// As [`run`], with what the command wrote even when it fails.
async fn run_out(links: &Links, args: &[&str]) -> (String, Result<(), Error>) {
    let app = App::try_parse_from(std::iter::once("app").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let mut out = Vec::new();
    let result = app.links.run_with(links, &mut out, None).await;
    (String::from_utf8(out).expect("utf-8"), result)
}

fn registry(
    t: &TestDb,
    links: &[fn(link_runtime::LinksBuilder) -> link_runtime::LinksBuilder],
) -> Links {
    links
        .iter()
        .fold(
            Links::builder(t.db.clone())
                .application("cli")
                .module("product")
                .module("tag"),
            |builder, add| add(builder),
        )
        .build()
        .expect("registry")
}

fn with<L: link_runtime::LinkDefinition>(
    builder: link_runtime::LinksBuilder,
) -> link_runtime::LinksBuilder {
    builder.link::<L>()
}

async fn table_exists(t: &TestDb, table: &str) -> bool {
    !t.columns(table).await.is_empty()
}

/// A database with `cli_items` (v1, a row with weight 7) and `cli_old` (a row), both created
/// by application `cli`.
async fn first_version(t: &TestDb) {
    let v1 = registry(t, &[with::<CliItemsV1>, with::<CliOld>]);
    v1.migrate()
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
    t.products(&["p1"]).await;
    t.tags(&["t1"]).await;
    t.exec("INSERT INTO cli_items (product_id, tag_id, id, weight) VALUES ('p1', 't1', 'link_items_1', 7)")
        .await;
    t.exec("INSERT INTO cli_old (product_id, tag_id, id) VALUES ('p1', 't1', 'link_old_1')")
        .await;
}

/// README: "`links.plan()` … lists, per link table, a create, … a drop … each with its SQL";
/// LinksCommand::Plan: "Show what the link tables need …, with the SQL of each step".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_plan_prints_every_step_with_every_statement() {
    for t in test_databases("cli_plan_all").await {
        first_version(&t).await;
        // v2: a type change (unsafe), a drop, and a create.
        let v2 = registry(&t, &[with::<CliItemsV2>, with::<CliNew>]);
        let planned = plan(&v2, &t).await;
        let kinds: Vec<StepKind> = planned.steps.iter().map(|s| s.kind).collect();
        assert!(
            kinds.contains(&StepKind::Unsafe),
            "{:?}: {planned}",
            t.backend
        );
        assert!(
            kinds.contains(&StepKind::Drop),
            "{:?}: {planned}",
            t.backend
        );
        assert!(
            kinds.contains(&StepKind::Create),
            "{:?}: {planned}",
            t.backend
        );
        let out = run(&v2, &["plan"], None).await.expect("plan");
        for step in &planned.steps {
            assert!(
                out.contains(&step.table),
                "{:?}: {} missing in\n{out}",
                t.backend,
                step.table
            );
            assert!(
                !step.sql.is_empty() || !step.kind.changes(),
                "{:?}: {planned}",
                t.backend
            );
            for sql in &step.sql {
                assert!(
                    out.contains(sql.as_str()),
                    "{:?}: the statement\n{sql}\nof {} is not in\n{out}",
                    t.backend,
                    step.table
                );
            }
        }
        // `plan` reads only.
        assert!(table_exists(&t, "cli_old").await);
        assert!(!table_exists(&t, "cli_new").await, "{:?}", t.backend);
    }
}

/// README: "`links migrate` … (asks on a terminal, refuses otherwise)": with a drop pending and
/// no terminal, the command fails and applies nothing, not even the safe create beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_migrate_without_terminal_refuses_and_applies_nothing() {
    for t in test_databases("cli_refuse").await {
        first_version(&t).await;
        let v2 = registry(&t, &[with::<CliItemsV1>, with::<CliNew>]);
        let e = run(&v2, &["migrate"], None)
            .await
            .expect_err("a drop with no terminal");
        assert!(
            e.to_string().contains("--execute-all") && e.to_string().contains("--execute-safe"),
            "{:?}: {e}",
            t.backend
        );
        assert!(table_exists(&t, "cli_old").await, "{:?}", t.backend);
        assert_eq!(t.texts("SELECT id FROM cli_old").await, ["link_old_1"]);
        assert!(
            !table_exists(&t, "cli_new").await,
            "{:?}: the refused migrate created cli_new",
            t.backend
        );
    }
}

/// LinksCommand::run: "writing to stdout and asking on the terminal when stdin is one": the
/// test's stdin is not a terminal, so `run` refuses the drop as `run_with(None)` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_run_on_a_pipe_refuses_a_drop() {
    if std::io::stdin().is_terminal() {
        eprintln!("cli_run_on_a_pipe_refuses_a_drop: skipped, stdin is a terminal");
        return;
    }
    for t in test_databases("cli_run_pipe").await {
        first_version(&t).await;
        let v2 = registry(&t, &[with::<CliItemsV1>]);
        let command = LinksCommand::Migrate {
            execute_safe: false,
            execute_all: false,
        };
        command.run(&v2).await.expect_err("no terminal to confirm");
        assert_eq!(t.texts("SELECT id FROM cli_old").await, ["link_old_1"]);
    }
}

/// LinksCommand::Migrate `--execute-safe`: "Run the safe steps only, skipping drops and unsafe
/// steps without asking."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_execute_safe_runs_only_safe_steps() {
    for t in test_databases("cli_safe").await {
        first_version(&t).await;
        let v2 = registry(&t, &[with::<CliItemsV2>, with::<CliNew>]);
        let out = run(&v2, &["migrate", "--execute-safe"], None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            out.contains("skipped 2 drop or unsafe step(s)"),
            "{:?}: {out}",
            t.backend
        );
        assert!(table_exists(&t, "cli_new").await, "{:?}: {out}", t.backend);
        assert_eq!(t.texts("SELECT id FROM cli_old").await, ["link_old_1"]);
        // The integer column is untouched: 7 is still an integer 7.
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cli_items WHERE weight = 7")
                .await,
            1,
            "{:?}",
            t.backend
        );
        // What is left is exactly the two reviewed steps.
        let left = plan(&v2, &t).await;
        let mut changes: Vec<(StepKind, String)> = left
            .steps
            .iter()
            .filter(|s| s.kind.changes())
            .map(|s| (s.kind, s.table.clone()))
            .collect();
        changes.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            changes,
            [
                (StepKind::Unsafe, "cli_items".to_string()),
                (StepKind::Drop, "cli_old".to_string())
            ],
            "{:?}: {left}",
            t.backend
        );
    }
}

/// LinksCommand::Migrate `--execute-all`: "Run every step, drops and unsafe steps included,
/// without asking"; SPEC §10 "running it again does nothing".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_execute_all_runs_drops_and_unsafe_steps_then_is_up_to_date() {
    for t in test_databases("cli_all").await {
        first_version(&t).await;
        let v2 = registry(&t, &[with::<CliItemsV2>, with::<CliNew>]);
        let reviewed = plan(&v2, &t).await;
        let out = run(&v2, &["migrate", "--execute-all"], None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(out.contains("applied 3 step(s)"), "{:?}: {out}", t.backend);
        assert!(reviewed.steps.iter().any(|s| s.kind == StepKind::Unsafe));
        assert!(!table_exists(&t, "cli_old").await, "{:?}", t.backend);
        assert!(table_exists(&t, "cli_new").await, "{:?}", t.backend);
        // The row survives the type change and its weight reads as text now.
        let rows = v2
            .list::<CliItemsV2, _>(&t.db, link_runtime::ListFilter::all())
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows.len(), 1, "{:?}", t.backend);
        assert_eq!(rows[0].id, "link_items_1");
        // The plan says so on SQLite: "SQLite cannot change a column's type: the column is
        // dropped and added again, losing its values".
        let expected = (t.backend != link_tests::Backend::Sqlite).then(|| "7".to_string());
        assert_eq!(rows[0].extra.weight, expected, "{:?}", t.backend);
        assert!(plan(&v2, &t).await.is_up_to_date(), "{:?}", t.backend);
        for args in [
            &["migrate"][..],
            &["migrate", "--execute-all"],
            &["migrate", "--execute-safe"],
        ] {
            assert_eq!(
                run(&v2, args, None).await.expect("again"),
                "link tables are up to date\n",
                "{:?} {args:?}",
                t.backend
            );
        }
    }
}

/// LinksCommand::Migrate: "drops and unsafe steps run after confirmation on a terminal": a
/// declined confirmation leaves them, a given one runs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_a_terminal_answer_decides_the_unsafe_step() {
    for t in test_databases("cli_answer").await {
        first_version(&t).await;
        let v2 = registry(&t, &[with::<CliItemsV2>, with::<CliOld>]);
        let declined = run(&v2, &["migrate"], Some(false))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            declined.contains("skipped 1"),
            "{:?}: {declined}",
            t.backend
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cli_items WHERE weight = 7")
                .await,
            1
        );
        let confirmed = run(&v2, &["migrate"], Some(true))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            confirmed.contains("applied 1 step(s)"),
            "{:?}: {confirmed}",
            t.backend
        );
        assert!(plan(&v2, &t).await.is_up_to_date(), "{:?}", t.backend);
        // cli_old was declared all along: never touched.
        assert_eq!(t.texts("SELECT id FROM cli_old").await, ["link_old_1"]);
    }
}

/// LinksCommand::Check: "Find live links whose records are missing or soft-deleted"; README:
/// "`links.check(&db)` finds live links whose records are missing or soft-deleted (counts and
/// samples …)". A hard-deleted product and a soft-deleted one are both reported by id; a
/// dismissed link to a missing record is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_check_names_dangling_links() {
    for t in test_databases("cli_check").await {
        let links = common::registry(&t).await;
        t.products(&["p_gone", "p_soft", "p_ok", "p_dismissed"])
            .await;
        t.brands(&["b1"]).await;
        for p in ["p_gone", "p_soft", "p_ok", "p_dismissed"] {
            links
                .create(
                    &t.db,
                    link_tests::links::ProductBrand::new(
                        product::Model::key(p),
                        link_tests::models::brand::Model::key("b1"),
                    ),
                )
                .await
                .expect("create");
        }
        links
            .dismiss(
                &t.db,
                link_tests::links::ProductBrand::new(
                    product::Model::key("p_dismissed"),
                    link_tests::models::brand::Model::key("b1"),
                ),
            )
            .await
            .expect("dismiss");
        assert!(
            run(&links, &["check"], None)
                .await
                .expect("check")
                .ends_with("no dangling links\n"),
            "{:?}",
            t.backend
        );
        t.exec("DELETE FROM product WHERE id IN ('p_gone', 'p_dismissed')")
            .await;
        t.exec("UPDATE product SET deleted_at = CURRENT_TIMESTAMP WHERE id = 'p_soft'")
            .await;
        let (out, result) = run_out(&links, &["check"]).await;
        // A failing exit is what a CI job needs; the report is written either way.
        let e = result.expect_err("dangling links fail the command");
        assert!(e.to_string().contains("2 dangling"), "{:?}: {e}", t.backend);
        eprintln!("{:?}: {out}", t.backend);
        assert!(
            out.contains("product_product_brand_brand") || out.contains("ProductBrand"),
            "{:?}: {out}",
            t.backend
        );
        assert!(out.contains("p_gone"), "{:?}: {out}", t.backend);
        assert!(out.contains("p_soft"), "{:?}: {out}", t.backend);
        assert!(!out.contains("p_ok"), "{:?}: {out}", t.backend);
        assert!(!out.contains("p_dismissed"), "{:?}: {out}", t.backend);
        assert!(!out.contains("no dangling links"), "{:?}: {out}", t.backend);
    }
}

/// SPEC §11 "Database errors keep their source … No `unwrap` or `panic!`": every command on a
/// database that cannot be reached returns an error (a non-zero exit), promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_an_unreachable_database_is_an_error_for_every_command() {
    let urls = [
        ("postgres", "postgres://postgres@127.0.0.1:1/none"),
        ("mysql", "mysql://root@127.0.0.1:1/none"),
        (
            "sqlite",
            "sqlite:///nonexistent-dir-cli-probe/none.db?mode=ro",
        ),
    ];
    for (name, url) in urls {
        let mut options = sea_orm::ConnectOptions::new(url);
        options
            .connect_lazy(true)
            .acquire_timeout(Duration::from_secs(2))
            .connect_timeout(Duration::from_secs(2))
            .sqlx_logging(false);
        let db = match sea_orm::Database::connect(options).await {
            Ok(db) => db,
            Err(e) => {
                eprintln!("{name}: the connection itself fails, as it should: {e}");
                continue;
            }
        };
        let links = Links::builder(db)
            .application("cli")
            .module("product")
            .module("tag")
            .link::<CliItemsV1>()
            .build()
            .expect("building reads no database");
        for args in [
            &["plan"][..],
            &["migrate"],
            &["migrate", "--execute-all"],
            &["check"],
        ] {
            let result = tokio::time::timeout(Duration::from_secs(30), run(&links, args, None))
                .await
                .unwrap_or_else(|_| panic!("{name} {args:?}: hangs"));
            let e = result.expect_err("no database");
            assert!(
                matches!(e, Error::Database { .. }),
                "{name} {args:?}: {e:?}"
            );
        }
        // `graph` needs no database.
        run(&links, &["graph"], None).await.expect("graph");
    }
}

/// SPEC §10 "`migrate()` … never returns `Ok` while a declared link lacks an index or column
/// it needs": a blocked step makes `links migrate --execute-all` fail, naming the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_a_blocked_step_fails_every_migrate() {
    for t in test_databases("cli_blocked").await {
        // A one-to-one table made by hand (adopted), whose rows break one-to-one.
        t.products(&["p1", "p2"]).await;
        t.tags(&["t1"]).await;
        let v1 = registry(&t, &[with::<CliItemsV1>]);
        v1.migrate().await.expect("v1");
        t.exec("INSERT INTO cli_items (product_id, tag_id, id) VALUES ('p1', 't1', 'l1'), ('p2', 't1', 'l2')")
            .await;
        let tight = registry(&t, &[with::<CliItemsOne>]);
        for args in [
            &["migrate"][..],
            &["migrate", "--execute-all"],
            &["migrate", "--execute-safe"],
        ] {
            let e = run(&tight, args, Some(true)).await.expect_err("blocked");
            assert!(
                e.to_string().contains("cli_items"),
                "{:?} {args:?}: {e}",
                t.backend
            );
        }
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cli_items WHERE deleted_at IS NULL")
                .await,
            2
        );
        // Fixed (the extra dismissed), it goes through.
        t.exec("UPDATE cli_items SET deleted_at = CURRENT_TIMESTAMP WHERE id = 'l2'")
            .await;
        let out = run(&tight, &["migrate", "--execute-all"], None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(out.contains("applied"), "{out}");
        tight
            .apply(&plan(&tight, &t).await, Apply::All)
            .await
            .expect("nothing left");
        assert!(plan(&tight, &t).await.is_up_to_date());
    }
}
