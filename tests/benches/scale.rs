//! What a call costs as the link table grows: `create_many`, `dismiss_many`, a page of the graph
//! filtered and ordered by a linked field, and a cascading delete, on link tables of 1,000 to
//! 10,000,000 rows (SPEC §13). Each size gets a fresh database, loaded in SQL and analyzed
//! (`LINK_BENCH_STATISTICS=none` forgets PostgreSQL's statistics instead); every call touches
//! the same number of rows at every size, so a flat cost per row is the goal.
//!
//! ```sh
//! LINK_TEST_POSTGRES_URL=… LINK_TEST_MYSQL_URL=… cargo bench -p link-tests --bench scale
//! # sizes and backends can be narrowed (the defaults: PostgreSQL to 10,000,000, the others to
//! # 1,000,000):
//! LINK_SCALE_SIZES=1000,100000 LINK_SCALE_BACKENDS=sqlite,postgres cargo bench … --bench scale
//! ```
//!
//! Prints one line per backend, size and operation, merges them into
//! `target/scale/results.json` (so backends and sizes can be run apart) and draws every result
//! there into `target/scale/scale.svg`. `cargo test` runs it once on 1,000 links.

// Set-up failures abort the benchmark on purpose.
#![allow(clippy::panic, clippy::unwrap_used)]

#[path = "scale/plot.rs"]
mod plot;

use std::path::{Path, PathBuf};
use std::time::Instant;

use link_runtime::query::GraphQuery;
use link_runtime::{Links, define_link};
use link_tests::db::{Backend, TestDb, bench_keeps_statistics};
use link_tests::links::ProductBrand;
use link_tests::models::{brand, post, product};
use sea_orm::ConnectionTrait;
use serde_json::json;

define_link! {
    /// A product's posts, deleted with it.
    pub ScaleProductPost: product::Model [is_list] => post::Model [delete_cascade],
    table = "scale_product_post",
}

const BRAND_LINKS: &str = "product_product_brand_brand";

/// One measured operation at one size.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub backend: String,
    /// Rows in the link table being measured.
    pub links: u64,
    pub operation: String,
    /// Median, fastest and slowest call, in ms.
    pub ms: [f64; 3],
    /// Rows the call touched: the median divided by this is the cost per row.
    pub rows: u64,
    /// Peak resident memory of the process after this size, in MB.
    pub peak_mb: f64,
}

impl Point {
    pub fn per_row_us(&self) -> f64 {
        self.ms[0] * 1e3 / self.rows as f64
    }
}

/// How much work one size does.
struct Work {
    /// Links per `create_many`/`dismiss_many` call.
    creates: usize,
    /// Products per cascading delete.
    deletes: usize,
    reps: usize,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench") && !std::env::args().any(|a| a == "--test");
    let work = if full {
        Work {
            creates: 1_000,
            deletes: 100,
            reps: std::env::var("REPS")
                .ok()
                .and_then(|r| r.parse().ok())
                .unwrap_or(5),
        }
    } else {
        Work {
            creates: 100,
            deletes: 10,
            reps: 1,
        }
    };
    let sizes = |largest: u64| -> Vec<u64> {
        match std::env::var("LINK_SCALE_SIZES") {
            // Powers of ten: the 1 % filter below is a prefix of the brands' names.
            Ok(list) => list
                .split(',')
                .map(|n| n.trim().parse().unwrap())
                .inspect(|&n: &u64| assert!(n >= 1_000 && 10u64.pow(n.ilog10()) == n, "{n}"))
                .collect(),
            Err(_) if full => [1_000, 100_000, 1_000_000, 10_000_000]
                .into_iter()
                .filter(|&n| n <= largest)
                .collect(),
            Err(_) => vec![1_000],
        }
    };
    let wanted = |name: &str| {
        std::env::var("LINK_SCALE_BACKENDS").map_or(true, |list| list.split(',').any(|b| b == name))
    };
    let out = if full {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/scale")
    } else {
        std::env::temp_dir().join(format!("link-scale-test-{}", std::process::id()))
    };
    std::fs::create_dir_all(&out).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut points = Vec::new();
    rt.block_on(async {
        for (name, largest) in [
            ("sqlite", 1_000_000),
            ("postgres", 10_000_000),
            ("mysql", 1_000_000),
        ] {
            if !wanted(name) {
                continue;
            }
            for n in sizes(largest) {
                let db_name = format!("scale_{n}");
                let t = match name {
                    "sqlite" => Some(link_tests::db::sqlite_database().await),
                    "postgres" => link_tests::db::postgres_only(&db_name, 4).await,
                    _ => link_tests::db::mysql_only(&db_name, 4).await,
                };
                let Some(t) = t else { break };
                points.extend(one_size(&t, n, &work).await);
                // `LINK_SCALE_KEEP=1` leaves the last size's tables, to read their plans.
                if std::env::var("LINK_SCALE_KEEP").is_err() {
                    drop_tables(&t).await;
                }
            }
        }
    });
    let results = out.join("results.json");
    let all = merge(&results, points);
    plot::draw(&all, &out.join("scale.svg"));
    if !full {
        std::fs::remove_dir_all(&out).ok();
    }
}

/// Loads `n` links (and their records) in SQL, then measures each operation `work.reps` times.
async fn one_size(t: &TestDb, n: u64, work: &Work) -> Vec<Point> {
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .module("post")
        .link::<ProductBrand>()
        .link::<ScaleProductPost>()
        .build()
        .unwrap();
    links.migrate().await.unwrap();
    let started = Instant::now();
    load(t, n, work).await;
    analyze(t).await;
    let backend = backend_name(t);
    eprintln!(
        "scale: {backend} {n} links loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut points = Vec::new();
    let mut record = |operation: &str, mut ms: Vec<f64>, rows: usize| {
        ms.sort_by(f64::total_cmp);
        let point = Point {
            backend: backend.clone(),
            links: n,
            operation: operation.to_string(),
            ms: [ms[ms.len() / 2], ms[0], ms[ms.len() - 1]],
            rows: rows as u64,
            peak_mb: peak_mb(),
        };
        println!(
            "{:<26} {:>9} links  {:<18} median {:>9.2} ms ({:.2}–{:.2})  {:>8.2} µs a row  peak {:.0} MB",
            point.backend,
            n,
            operation,
            point.ms[0],
            point.ms[1],
            point.ms[2],
            point.per_row_us(),
            point.peak_mb
        );
        points.push(point);
    };

    // create_many, then dismiss_many of the same pairs: new products each repetition.
    let (mut creates, mut dismisses) = (Vec::new(), Vec::new());
    for rep in 0..work.reps {
        let pairs = || {
            (0..work.creates).map(move |k| {
                ProductBrand::new(
                    product::Model::key(format!("q{rep}_{k:07}")),
                    brand::Model::key(format!("b{:08}", k % 10)),
                )
            })
        };
        let start = Instant::now();
        let rows = links.create_many(&t.db, pairs()).await.unwrap();
        creates.push(elapsed_ms(start));
        assert_eq!(rows.len(), work.creates);
        let start = Instant::now();
        let dismissed = links.dismiss_many(&t.db, pairs()).await.unwrap();
        dismisses.push(elapsed_ms(start));
        assert_eq!(dismissed, work.creates as u64);
        t.take_statements();
    }
    record("create_many", creates, work.creates);
    record("dismiss_many", dismisses, work.creates);

    // A page of 20 products and its count, filtered by the brand's name to 1 % of the products
    // and ordered by it, before and after the index `links plan` advises for `filterable(name)`
    // (the brand module's owner would create it); then a page of the 100 products of ten
    // brands, which stays the same size at every size of the table.
    let brands = (n / 10).max(10);
    let hundredth = (brands / 100).max(1);
    let one_percent = format!("Brand {}", "0".repeat(9 - hundredth.to_string().len()));
    let share = hundredth * 10;
    record(
        "page 1%, no index",
        pages(&links, t, &one_percent, work.reps, share).await,
        1,
    );
    // On PostgreSQL under a collation other than `C`, two: the plain index, and the
    // `varchar_pattern_ops` one a `$like` prefix needs there.
    let missing = links.missing_indexes().await.unwrap();
    assert!(missing.iter().all(|m| m.column == "name"), "{missing:?}");
    for index in &missing {
        t.exec(&index.create_index).await;
    }
    analyze(t).await;
    record(
        "page 1%",
        pages(&links, t, &one_percent, work.reps, share).await,
        1,
    );
    record(
        "graph page",
        pages(&links, t, "Brand 0000000", work.reps, 100.min(n)).await,
        1,
    );

    // A delete of products with a post each: their brand links dismissed, their posts deleted
    // by the cascade and those links dismissed. Restored between repetitions, untimed.
    let doomed: Vec<String> = (0..work.deletes as u64)
        .map(|k| format!("p{:08}", n - 10 * (k + 1)))
        .collect();
    let mut deletes = Vec::new();
    for _ in 0..work.reps {
        let keys = doomed.iter().map(|p| product::Model::key(p.clone()));
        let start = Instant::now();
        let report = links.delete(&t.db, keys).await.unwrap();
        deletes.push(elapsed_ms(start));
        assert_eq!(
            report.records.get("post.post").map(|posts| posts.len()),
            Some(work.deletes),
            "each deleted product's post is deleted with it"
        );
        let restored = links
            .restore(&t.db, doomed.iter().map(|p| product::Model::key(p.clone())))
            .await
            .unwrap();
        assert_eq!(
            restored.records, report.records,
            "the restore undoes the delete"
        );
        t.take_statements();
    }
    record("delete cascade", deletes, work.deletes);
    points
}

/// Times `reps` pages of 20 products whose brand's name starts with `prefix`, ordered by it,
/// each with its count, which must be `count`.
async fn pages(links: &Links, t: &TestDb, prefix: &str, reps: usize, count: u64) -> Vec<f64> {
    let query = GraphQuery::new("product")
        .fields(["id", "title", "brand.name"])
        .filters(json!({"brand": {"name": {"$like": format!("{prefix}%")}}}))
        .order("brand.name", "ASC")
        .take(20);
    let mut ms = Vec::new();
    for _ in 0..reps {
        let start = Instant::now();
        let page = links.graph(&t.db, &query).await.unwrap();
        ms.push(elapsed_ms(start));
        if std::env::var("LINK_SCALE_KEEP").is_ok() {
            for statement in t.take_bound_statements() {
                eprintln!("{statement}");
            }
        }
        assert_eq!(page.data.len() as u64, 20.min(count));
        assert_eq!(page.metadata.map(|m| m.count), Some(count), "{prefix}");
        t.take_statements();
    }
    ms
}

fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

fn backend_name(t: &TestDb) -> String {
    match t.backend {
        Backend::Sqlite => "SQLite".into(),
        Backend::MySql => "MariaDB".into(),
        Backend::Postgres if !bench_keeps_statistics() => "PostgreSQL, no statistics".into(),
        Backend::Postgres => "PostgreSQL".into(),
    }
}

/// `n` products each linked to one of `n / 10` brands (ten a brand), a post on every tenth
/// product linked through the cascading link, and the products the creates will link.
async fn load(t: &TestDb, n: u64, work: &Work) {
    let brands = (n / 10).max(10);
    let now = "'2026-01-01 00:00:00'";
    let rows = |count: u64, select: &str, insert: &str| match t.backend {
        Backend::Postgres => format!(
            "INSERT INTO {insert} SELECT {select} FROM generate_series(0, {}) AS s(i)",
            count - 1
        ),
        Backend::MySql => format!(
            "INSERT INTO {insert} SELECT {select} FROM (SELECT seq AS i FROM seq_0_to_{}) AS s",
            count - 1
        ),
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {}) \
             INSERT INTO {insert} SELECT {select} FROM s",
            count - 1
        ),
    };
    let pad = |prefix: &str, expr: &str| match t.backend {
        Backend::Sqlite => format!("printf('{prefix}%08d', {expr})"),
        Backend::Postgres => format!("'{prefix}' || lpad(({expr})::text, 8, '0')"),
        Backend::MySql => format!("CONCAT('{prefix}', LPAD({expr}, 8, '0'))"),
    };
    let sql = [
        rows(
            n,
            &format!("{}, 'A product', NULL", pad("p", "i")),
            "product (id, title, deleted_at)",
        ),
        rows(
            brands,
            &format!("{}, {}", pad("b", "i"), pad("Brand ", "i")),
            "brand (id, name)",
        ),
        rows(
            n,
            &format!(
                "{}, {}, {}, {now}, {now}",
                pad("p", "i"),
                pad("b", &format!("i % {brands}")),
                pad("pb_", "i")
            ),
            &format!("{BRAND_LINKS} (product_id, brand_id, id, created_at, updated_at)"),
        ),
        rows(
            n / 10,
            &format!(
                "{}, 'A post', {}, NULL",
                pad("s", "i * 10"),
                pad("p", "i * 10")
            ),
            "post (id, body, product_id, deleted_at)",
        ),
        rows(
            n / 10,
            &format!(
                "{}, {}, {}, {now}, {now}",
                pad("p", "i * 10"),
                pad("s", "i * 10"),
                pad("pp_", "i")
            ),
            "scale_product_post (product_id, post_id, id, created_at, updated_at)",
        ),
    ];
    for statement in sql {
        t.exec(&statement).await;
    }
    let new_products: Vec<String> = (0..work.reps)
        .flat_map(|rep| (0..work.creates).map(move |k| format!("q{rep}_{k:07}")))
        .collect();
    t.products(&new_products).await;
    t.take_statements();
}

async fn analyze(t: &TestDb) {
    let tables = [
        "product",
        "brand",
        "post",
        BRAND_LINKS,
        "scale_product_post",
    ];
    match t.backend {
        Backend::Postgres => t.maintain(&tables).await,
        Backend::MySql => {
            t.exec(&format!("ANALYZE TABLE {}", tables.join(", ")))
                .await
        }
        Backend::Sqlite => t.exec("ANALYZE").await,
    }
}

async fn drop_tables(t: &TestDb) {
    for table in [
        BRAND_LINKS,
        "scale_product_post",
        "product",
        "brand",
        "post",
    ] {
        t.db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
            .await
            .unwrap();
    }
}

/// Peak resident memory of this process (`VmHWM`), in MB; 0 where `/proc` has none.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// `fresh` merged into the results stored at `path` (a new point replaces one with the same
/// backend, size and operation), written back, and returned.
fn merge(path: &Path, fresh: Vec<Point>) -> Vec<Point> {
    let mut all: Vec<Point> = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    for point in fresh {
        all.retain(|p| {
            (p.backend.as_str(), p.links, p.operation.as_str())
                != (
                    point.backend.as_str(),
                    point.links,
                    point.operation.as_str(),
                )
        });
        all.push(point);
    }
    all.sort_by(|a, b| {
        (&a.backend, &a.operation, a.links).cmp(&(&b.backend, &b.operation, b.links))
    });
    std::fs::write(path, serde_json::to_vec_pretty(&all).unwrap()).unwrap();
    all
}
