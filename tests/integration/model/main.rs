//! The Link service against an in-memory model written from the rules of SPEC §2, §6 and §8
//! (not from the implementation), over random sequences of creates, updates, dismisses, deletes,
//! restores and soft-deletes done by a module itself, on SQLite, PostgreSQL and MariaDB (strict
//! and non-strict `sql_mode`).
//!
//! The world (its own models and links, tables prefixed `m_`):
//!
//! | link | declaration | covers |
//! |---|---|---|
//! | `MProductPost` | product => post [is_list, delete_cascade] | one-to-many (right side list), cascade chain 1 |
//! | `MPostComment` | post => comment [is_list, delete_cascade] | cascade chain 2, into a module on another connection |
//! | `MProductRegion` | product => region, `rank: Option<i32>` | one-to-one, integer keys, a nullable extra column |
//! | `MProductTag` | product [is_list] => tag [is_list], `weight: i32 = 1` | many-to-many, a model without `deleted_at`, an extra column with a default |
//! | `MOwns` | alpha [is_list, alias] => beta [is_list, delete_cascade, alias] | many-to-many, UUID keys, cascade alpha → beta |
//! | `MMember` | alpha [is_list, delete_cascade, alias] => beta [alias] | one-to-many (left side list), a second link over the same pair, cascade beta → alpha: a cycle |
//!
//! The model keeps every record (live, or soft-deleted with a stamp) and every row of every link
//! table (live, or dismissed with a stamp, with its extra column). Stamps are abstract: one per
//! `delete` call, one per soft-delete by a module, and one per row a dismiss removes (nothing may
//! depend on a dismiss's stamp). After every step the test compares, against the database:
//! the live pairs and their extra data (`Links::list`), every row of every link table and which
//! are dismissed, which records are soft-deleted, that equal abstract stamps are equal
//! timestamps and that a record's stamp is never the timestamp of another operation, and
//! `Links::check` (exactly the live rows whose record is soft-deleted, per link and side).
//!
//! Where SPEC §8 leaves a case open the generator does not go, or the model skips the step
//! (counted as `Skipped` in the summary): a typed update naming no data; one batch naming a pair twice with different data; one `delete`
//! naming records whose walks would meet with different stamps (a record already deleted and a
//! live one whose cascades reach the same record or row).
//!
//! Before the generated sequences, each backend runs a few sequences written from SPEC §8's
//! sentences (`scenarios`), checked against the same model. A failure lists every failing
//! scenario and the shrunk generated sequence, one operation a line, with the keys as passed.
//!
//! MariaDB runs twice: with the server's strict `sql_mode`, and with `sql_mode = ''` set on every
//! session of both pools (sqlx's per-connection `after_connect`; sea-orm's `after_connect` runs
//! once per pool). `LINK_MODEL_CASES` sets the number of generated sequences per backend
//! (default 128 on SQLite and PostgreSQL, 24 on each MariaDB run).

mod compare;
mod database;
mod model;
mod ops;
mod rules;
mod scenarios;
mod strategies;
mod typed;
mod world;

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use link_runtime::sea_orm;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use crate::database::{World, create_world};
use crate::model::{Model, module_time};
use crate::ops::{Op, Outcome};
use crate::scenarios::scenarios;
use crate::strategies::sequence;

pub(crate) type DateTimeUtc = DateTime<Utc>;

/// `LINK_MODEL_CASES`, else `default` (64 on SQLite and PostgreSQL; 24 on MariaDB, whose
/// commits cost about 50 ms a write on this machine's disk).
fn cases(default: u32) -> u32 {
    std::env::var("LINK_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// One sequence from a reset database and a fresh model; `Err` says where they part.
async fn run_case(
    world: &World,
    ops: &[Op],
    tally: &std::sync::Mutex<BTreeMap<Outcome, usize>>,
) -> Result<(), String> {
    world.reset().await.map_err(|e| format!("reset: {e}"))?;
    let mut model = Model::new();
    for (step, op) in ops.iter().enumerate() {
        let expected = model.apply(op);
        *tally.lock().expect("tally").entry(expected).or_default() += 1;
        if expected == Outcome::Skipped {
            continue;
        }
        let stamp = matches!(op, Op::ModuleDelete(..)).then(|| module_time(model.next));
        let got = world
            .run(op, stamp)
            .await
            .map_err(|e| format!("step {step}: {op:?}: {e}"))?;
        if got != expected {
            // What the library did instead, as the model sees it (before the step).
            let differences = match world.compare(&model).await {
                Ok(()) => "the database is as before the step".to_string(),
                Err(e) => e,
            };
            return Err(format!(
                "step {step}: {op:?}: the library answered {got:?}, the model expects \
                 {expected:?}\n  against the state before the step:\n  {differences}"
            ));
        }
        world
            .compare(&model)
            .await
            .map_err(|e| format!("after step {step}: {op:?} ({got:?}):\n  {e}"))?;
    }
    Ok(())
}

fn listing(ops: &[Op]) -> String {
    ops.iter()
        .enumerate()
        .map(|(i, op)| format!("  {i:>2}: {op:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the scenarios, then the generated sequences, against `world`; fails with every failing
/// scenario and the shrunk generated sequence.
fn run_sequences(label: &str, cases: u32, rt: &tokio::runtime::Runtime, world: &World) {
    let started = Instant::now();
    let tally = std::sync::Mutex::new(BTreeMap::<Outcome, usize>::new());
    let mut failures = Vec::new();
    for (name, ops) in scenarios() {
        if let Err(reason) = rt.block_on(run_case(world, &ops, &tally)) {
            failures.push(format!(
                "scenario \"{name}\": {reason}\nsequence ({} steps):\n{}",
                ops.len(),
                listing(&ops)
            ));
        }
    }

    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&sequence(), |ops| {
        rt.block_on(run_case(world, &ops, &tally))
            .map_err(TestCaseError::fail)
    });
    let tally = tally.into_inner().expect("tally");
    match result {
        Ok(()) => eprintln!(
            "model ({label}): {cases} sequences passed in {:.1?}; model outcomes {tally:?}",
            started.elapsed()
        ),
        Err(TestError::Fail(reason, ops)) => failures.push(format!(
            "generated: {reason}\nminimal sequence ({} steps):\n{}\n(found and shrunk in {:.1?})",
            ops.len(),
            listing(&ops),
            started.elapsed()
        )),
        Err(TestError::Abort(reason)) => failures.push(format!("generated: aborted: {reason}")),
    }
    if !failures.is_empty() {
        panic!(
            "model ({label}): {} failure(s)\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

#[test]
fn the_link_service_follows_the_spec_on_sqlite() {
    let rt = runtime();
    let world = rt.block_on(async {
        let home = link_tests::db::sqlite_database().await;
        let away = link_tests::db::sqlite_database().await;
        create_world(home.db.clone(), away.db.clone(), vec![home, away]).await
    });
    run_sequences("SQLite", cases(128), &rt, &world);
}

#[test]
fn the_link_service_follows_the_spec_on_postgres() {
    let rt = runtime();
    let world = rt.block_on(async {
        let t = link_tests::db::postgres_only("model", 8).await?;
        let away = t.connect_again(4).await;
        Some(create_world(t.db.clone(), away, vec![t]).await)
    });
    if let Some(world) = world {
        run_sequences("PostgreSQL", cases(128), &rt, &world);
    }
}

#[test]
fn the_link_service_follows_the_spec_on_mariadb_strict() {
    let rt = runtime();
    let world = rt.block_on(async {
        let t = link_tests::db::mysql_only("model_strict", 8).await?;
        let away = t.connect_again(4).await;
        let mode: String = sql_mode(&t.db).await;
        assert!(
            mode.contains("STRICT"),
            "the server's default sql_mode is strict: {mode:?}"
        );
        Some(create_world(t.db.clone(), away, vec![t]).await)
    });
    if let Some(world) = world {
        run_sequences("MariaDB, strict sql_mode", cases(24), &rt, &world);
    }
}

#[test]
fn the_link_service_follows_the_spec_on_mariadb_non_strict() {
    let rt = runtime();
    let world = rt.block_on(async {
        let t = link_tests::db::mysql_only("model_loose", 1).await?;
        // Every session of both pools runs with `sql_mode = ''` (sea-orm's own `after_connect`
        // runs once per pool, so the pool's per-connection hook is used).
        let loose = |pool: u32| {
            move |options: &mut sea_orm::ConnectOptions| {
                options.max_connections(pool);
                options.map_sqlx_mysql_pool_opts(|pool| {
                    pool.after_connect(|conn, _meta| {
                        Box::pin(async move {
                            use sea_orm::sqlx::Executor;
                            conn.execute("SET SESSION sql_mode = ''").await?;
                            Ok(())
                        })
                    })
                });
            }
        };
        let home = t.connect_with(loose(8)).await;
        let away = t.connect_with(loose(4)).await;
        for db in [&home, &away] {
            let mode = sql_mode(db).await;
            assert_eq!(mode, "", "every session is non-strict");
        }
        Some(create_world(home, away, vec![t]).await)
    });
    if let Some(world) = world {
        run_sequences("MariaDB, sql_mode=''", cases(24), &rt, &world);
    }
}

async fn sql_mode(db: &DatabaseConnection) -> String {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::MySql,
            "SELECT @@SESSION.sql_mode AS mode",
        ))
        .await
        .expect("read sql_mode")
        .expect("a row");
    row.try_get::<String>("", "mode").expect("sql_mode")
}
