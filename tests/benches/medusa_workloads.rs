//! The workloads of Medusa's own link benchmark (`bench.mjs` of the Medusa reference harness),
//! written with this library, on PostgreSQL, in the same regime: 10,000 products and brands,
//! link tables emptied with `TRUNCATE` between repetitions and kept without planner statistics
//! (autovacuum off, `pg_statistic` rows removed), as on a freshly migrated table.
//!
//! ```sh
//! LINK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test REPS=12 \
//!     cargo bench -p link-tests --bench medusa_workloads
//! ```
//!
//! Prints one line per workload: the median and range over the repetitions in ms, and the
//! statements sent, then two floors: 1,000 `SELECT 1` round trips, and 1,000 one-row `UPDATE`s
//! each committed (a round trip and a durable commit).
//! `cargo test` runs it once on small data, so it keeps working.

use std::time::Instant;

use link_runtime::query::GraphQuery;
use link_runtime::{LinkPair, Links};
use link_tests::TestDb;
use link_tests::links::{ProductBrand, ProductTag};
use link_tests::models::{brand, product, tag};
use sea_orm::ConnectionTrait;
use serde_json::json;

const LINK_TABLES: [&str; 2] = ["product_product_brand_brand", "product_product_tag_tag"];

struct Run {
    name: String,
    ms: Vec<f64>,
    statements: usize,
}

impl Run {
    fn new(name: String) -> Self {
        Run {
            name,
            ms: Vec::new(),
            statements: 0,
        }
    }

    /// One repetition's time and statements (what [`measure`] returns).
    fn push(&mut self, (ms, statements): (f64, usize)) {
        self.ms.push(ms);
        self.statements = statements;
    }

    fn print(&self) {
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        println!(
            "{:<44} median {:>9.1} ms  range {:.1}–{:.1}  statements {}",
            self.name,
            median,
            sorted[0],
            sorted[sorted.len() - 1],
            self.statements
        );
    }
}

async fn exec(t: &TestDb, sql: &str) {
    t.db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Empty link tables without statistics, as each of Medusa's repetitions finds them.
async fn clear_links(t: &TestDb) {
    exec(t, &format!("TRUNCATE {}", LINK_TABLES.join(", "))).await;
    for table in LINK_TABLES {
        t.forget_statistics(table).await;
    }
}

/// Times `work` once, counting the statements it sends.
async fn measure<F: Future<Output = ()>>(t: &TestDb, work: F) -> (f64, usize) {
    t.take_statements();
    let start = Instant::now();
    work.await;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    (ms, t.take_statements().len())
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

fn o2m(i: usize) -> LinkPair<ProductBrand> {
    ProductBrand::new(
        product::Model::key(format!("p{i:05}")),
        brand::Model::key(format!("b{i:05}")),
    )
}

fn m2m(i: usize) -> LinkPair<ProductTag> {
    ProductTag::new(
        product::Model::key(format!("p{i:05}")),
        tag::Model::key(format!("t{i:05}")),
    )
}

/// How much of each workload to run.
struct Sizes {
    /// Links per call of the bulk workloads.
    bulk: Vec<usize>,
    /// Calls of one link each.
    singles: usize,
    /// Repetitions of each workload.
    reps: usize,
}

/// One link kind's workloads: create and dismiss in one call, then single creates and
/// dismisses.
async fn kind<L: link_runtime::StoredLink>(
    t: &TestDb,
    links: &Links,
    label: &str,
    pair: fn(usize) -> LinkPair<L>,
    sizes: &Sizes,
    runs: &mut Vec<Run>,
) {
    let (singles, reps) = (sizes.singles, sizes.reps);
    for &n in &sizes.bulk {
        let mut create = Run::new(format!("{label} create {n}, one call"));
        let mut dismiss = Run::new(format!("{label} dismiss {n}, one call"));
        for _ in 0..reps {
            clear_links(t).await;
            create.push(
                measure(t, async {
                    let rows = links.create_many(&t.db, (0..n).map(pair)).await.unwrap();
                    assert_eq!(rows.len(), n);
                })
                .await,
            );
            dismiss.push(
                measure(t, async {
                    let dismissed = links.dismiss_many(&t.db, (0..n).map(pair)).await.unwrap();
                    assert_eq!(dismissed, n as u64);
                })
                .await,
            );
        }
        runs.extend([create, dismiss]);
    }
    let mut create = Run::new(format!("{label} {singles} single creates"));
    let mut dismiss = Run::new(format!("{label} {singles} single dismisses"));
    for _ in 0..reps {
        clear_links(t).await;
        create.push(
            measure(t, async {
                for i in 0..singles {
                    links.create(&t.db, pair(i)).await.unwrap();
                }
            })
            .await,
        );
        dismiss.push(
            measure(t, async {
                for i in 0..singles {
                    links.dismiss(&t.db, pair(i)).await.unwrap();
                }
            })
            .await,
        );
    }
    runs.extend([create, dismiss]);
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench") && !std::env::args().any(|a| a == "--test");
    let reps: usize = if full {
        std::env::var("REPS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(3)
    } else {
        1
    };
    let (records, sizes) = if full {
        let bulk = vec![1_000, 10_000];
        (
            10_000,
            Sizes {
                bulk,
                singles: 1_000,
                reps,
            },
        )
    } else {
        (
            200,
            Sizes {
                bulk: vec![100],
                singles: 20,
                reps,
            },
        )
    };
    let singles = sizes.singles;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if std::env::var("LINK_TEST_POSTGRES_URL").is_err() {
            eprintln!("medusa_workloads: skipped: LINK_TEST_POSTGRES_URL is not set");
            return;
        }
        let Some(t) = link_tests::db::postgres_only("medusa_workloads", 10).await else {
            return;
        };
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .module("tag")
            .link::<ProductBrand>()
            .link::<ProductTag>()
            .build()
            .unwrap();
        links.migrate().await.unwrap();
        t.products(&ids("p", records)).await;
        t.brands(&ids("b", records)).await;
        t.tags(&ids("t", records)).await;
        for table in LINK_TABLES {
            exec(
                &t,
                &format!("ALTER TABLE {table} SET (autovacuum_enabled = false)"),
            )
            .await;
        }
        // As Medusa's warm-up: one create and dismiss before timing.
        links.create(&t.db, o2m(0)).await.unwrap();
        links.dismiss(&t.db, o2m(0)).await.unwrap();

        let mut runs = Vec::new();
        kind(&t, &links, "one-to-many", o2m, &sizes, &mut runs).await;
        kind(&t, &links, "many-to-many", m2m, &sizes, &mut runs).await;

        // The graph: every product with its brand, by ids (Medusa's `filters: { id: ids }`).
        clear_links(&t).await;
        links
            .create_many(&t.db, (0..records).map(o2m))
            .await
            .unwrap();
        for &n in &sizes.bulk {
            let ids = ids("p", n);
            let query = GraphQuery::new("product")
                .fields(["id", "brand.*"])
                .filters(json!({ "id": ids }));
            let mut graph = Run::new(format!("graph product + brand.*, {n} ids"));
            // A first run, untimed, as Medusa's harness reports its later runs.
            links.graph(&t.db, &query).await.unwrap();
            for _ in 0..reps {
                graph.push(
                    measure(&t, async {
                        let found = links.graph(&t.db, &query).await.unwrap();
                        assert_eq!(found.data.len(), n);
                        assert!(found.data.iter().all(|p| p["brand"]["id"].is_string()));
                    })
                    .await,
                );
            }
            runs.push(graph);
        }

        // The floor: one round trip per call.
        let mut floor = Run::new(format!("floor: {singles} × SELECT 1"));
        for _ in 0..reps {
            // `execute_unprepared` is not counted by the statement recorder: one per call.
            let (ms, _) = measure(&t, async {
                for _ in 0..singles {
                    t.db.execute_unprepared("SELECT 1").await.unwrap();
                }
            })
            .await;
            floor.ms.push(ms);
            floor.statements = singles;
        }
        runs.push(floor);
        // The floor of a durable write: one row updated and committed per call, by a prepared
        // statement (what a single create or dismiss cannot go below).
        let mut write_floor = Run::new(format!("floor: {singles} × one-row UPDATE"));
        for _ in 0..sizes.reps {
            write_floor.push(
                measure(&t, async {
                    for i in 0..singles {
                        let touch = sea_orm::Statement::from_sql_and_values(
                            sea_orm::DbBackend::Postgres,
                            "UPDATE product SET title = title WHERE id = $1",
                            [format!("p{i:05}").into()],
                        );
                        t.db.execute_raw(touch).await.unwrap();
                    }
                })
                .await,
            );
        }
        runs.push(write_floor);
        for run in &runs {
            run.print();
        }
    });
}
