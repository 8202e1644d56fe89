//! What links cost against the same work hand-written with plain sea-orm, on the same database
//! in the same process (SPEC §13): creates, dismisses, graph loads, a page filtered and ordered
//! by a linked field, and a cascading delete. Each benchmark `x/links` has its baseline
//! `x/sea-orm`; after a full run (`cargo bench -p link-tests --bench links`) the ratios of their
//! medians are printed with the statements each sends. `cargo test` runs every benchmark once on
//! small data, so they keep working.
//!
//! SQLite always; PostgreSQL when `LINK_TEST_POSTGRES_URL` is set.

// Set-up failures abort the benchmark on purpose.
#![allow(clippy::panic, clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use criterion::Criterion;
use link_runtime::query::{GraphQuery, Query};
use link_runtime::{Links, Selection, define_link, query};
use link_tests::db::{Backend, TestDb, bench_keeps_statistics, sqlite_database};
use link_tests::links::{ProductBrand, product_brand};
use link_tests::models::{brand, post, product};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement};
use serde_json::{Value, json};

define_link! {
    /// Two posts per product, deleted with it.
    pub ProductPostCascade: product::Model => post::Model [is_list, delete_cascade],
    table = "bench_product_post",
}

/// The graph benchmark's selection, read typed: a product with its brand.
#[derive(Selection)]
#[selection(model = product::Model)]
struct ProductWithBrand {
    id: String,
    title: String,
    #[selection(link = ProductBrand)]
    brand: Option<BrandRecord>,
}

#[derive(Selection)]
#[selection(model = brand::Model)]
struct BrandRecord {
    id: String,
    name: String,
}

/// Sizes: the in a full run, small ones when `cargo test` runs each benchmark once.
struct Sizes {
    creates: Vec<usize>,
    singles: usize,
    graphs: Vec<usize>,
    catalogue: usize,
    brands: usize,
    deletes: usize,
}

impl Sizes {
    fn new(full: bool) -> Self {
        if full {
            Sizes {
                creates: vec![1_000, 10_000],
                singles: 1_000,
                graphs: vec![1_000, 10_000],
                catalogue: 100_000,
                brands: 1_000,
                deletes: 1_000,
            }
        } else {
            Sizes {
                creates: vec![100],
                singles: 20,
                graphs: vec![100],
                catalogue: 2_000,
                brands: 50,
                deletes: 20,
            }
        }
    }
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:06}")).collect()
}

async fn exec(t: &TestDb, sql: &str) {
    t.db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The backend's name in benchmark ids; PostgreSQL's says when it runs without statistics.
fn target_name(t: &TestDb) -> String {
    let name = format!("{:?}", t.backend).to_lowercase();
    if t.backend == Backend::Postgres && !bench_keeps_statistics() {
        format!("{name} without statistics")
    } else {
        name
    }
}

/// The link table the create and dismiss benchmarks write.
const BRAND_LINKS: &[&str] = &["product_product_brand_brand"];

/// Inserts rows with raw multi-row INSERTs (set-up only).
async fn insert_rows(t: &TestDb, table: &str, columns: &str, rows: &[String]) {
    for chunk in rows.chunks(2_000) {
        exec(
            t,
            &format!(
                "INSERT INTO {table} ({columns}) VALUES {}",
                chunk.join(", ")
            ),
        )
        .await;
    }
}

/// A database with `products` products and `brands` brands, and every test link migrated.
async fn database(t: TestDb, products: usize, brands: usize) -> (TestDb, Links) {
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .module("post")
        .link::<ProductBrand>()
        .link::<ProductPostCascade>()
        .build()
        .unwrap();
    links.migrate().await.unwrap();
    let rows: Vec<String> = ids("p", products)
        .iter()
        .map(|id| format!("('{id}', 'Product {id}')"))
        .collect();
    insert_rows(&t, "product", "id, title", &rows).await;
    let rows: Vec<String> = ids("b", brands)
        .iter()
        .enumerate()
        .map(|(i, id)| format!("('{id}', 'Brand {:04}')", (i * 7919) % brands.max(1)))
        .collect();
    insert_rows(&t, "brand", "id, name", &rows).await;
    t.take_statements();
    (t, links)
}

fn pairs(products: &[String], brands: usize) -> Vec<(String, String)> {
    products
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), format!("b{:06}", i % brands.max(1))))
        .collect()
}

fn typed(pairs: &[(String, String)]) -> Vec<link_runtime::LinkPair<ProductBrand>> {
    pairs
        .iter()
        .map(|(p, b)| {
            ProductBrand::new(product::Model::key(p.clone()), brand::Model::key(b.clone()))
                .with(product_brand::Data::default().featured(true))
        })
        .collect()
}

/// The baseline's rows: the generated entity of the same link table, written with sea-orm.
fn models(pairs: &[(String, String)]) -> Vec<product_brand::ActiveModel> {
    let now = chrono::Utc::now();
    pairs
        .iter()
        .enumerate()
        .map(|(i, (p, b))| product_brand::ActiveModel {
            left: Set(p.clone()),
            right: Set(b.clone()),
            id: Set(format!("link_{i:026}")),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            extra: product_brand::ActiveExtra {
                featured: Set(true),
                position: Set(0),
                note: Set(None),
            },
        })
        .collect()
}

/// `insert_many` in chunks under the bind limit, as a hand-written bulk insert must.
async fn baseline_insert(t: &TestDb, rows: Vec<product_brand::ActiveModel>) {
    let per_statement = if t.backend == Backend::Sqlite {
        3_000
    } else {
        7_000
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(per_statement).collect();
        product_brand::Entity::insert_many(chunk)
            .exec(&t.db)
            .await
            .unwrap();
    }
}

/// Empties the link table between runs. On PostgreSQL with TRUNCATE: a DELETE leaves every row
/// dead in the table, and with autovacuum off (as on this machine) thousands of runs leave a
/// heap hundreds of times its live size, which then dominates every scan of both sides.
async fn clear_links(t: &TestDb) {
    if t.backend == Backend::Postgres {
        exec(t, "TRUNCATE product_product_brand_brand").await;
    } else {
        exec(t, "DELETE FROM product_product_brand_brand").await;
    }
}

/// Statements one run of `work` sends.
async fn statements<F: Future<Output = ()>>(t: &TestDb, work: F) -> usize {
    t.take_statements();
    work.await;
    t.take_statements().len()
}

/// One benchmark's timings: `iters` runs of `work`, each after an untimed `reset`.
macro_rules! timed {
    ($rt:expr, $b:expr, $reset:expr, $work:expr) => {
        $b.to_async($rt).iter_custom(|iters| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                $reset.await;
                let start = Instant::now();
                $work.await;
                total += start.elapsed();
            }
            total
        })
    };
}

/// Statement counts per benchmark id, for the report.
type Counts = Vec<(String, usize)>;

fn writes(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    t: &TestDb,
    links: &Links,
    sizes: &Sizes,
    counts: &mut Counts,
) {
    let name = target_name(t);
    let mut group = c.benchmark_group(format!("{name}/create_many"));
    for &n in &sizes.creates {
        let pairs = &pairs(&ids("p", n), sizes.brands);
        group.bench_function(format!("{n}/links"), |b| {
            timed!(rt, b, clear_links(t), async {
                links.create_many(&t.db, typed(pairs)).await.unwrap();
            })
        });
        // The same without the record checks (bulk imports of known ids), to show their share.
        group.bench_function(format!("{n}/links unchecked"), |b| {
            timed!(rt, b, clear_links(t), async {
                let unchecked = link_runtime::CreateOptions::default().skip_record_check();
                links
                    .create_many_with(&t.db, typed(pairs), unchecked)
                    .await
                    .unwrap();
            })
        });
        group.bench_function(format!("{n}/sea-orm"), |b| {
            timed!(rt, b, clear_links(t), baseline_insert(t, models(pairs)))
        });
        rt.block_on(clear_links(t));
        let ours = rt.block_on(statements(t, async {
            links.create_many(&t.db, typed(pairs)).await.unwrap();
        }));
        rt.block_on(clear_links(t));
        let theirs = rt.block_on(statements(t, baseline_insert(t, models(pairs))));
        counts.push((format!("{name}/create_many/{n}/links"), ours));
        counts.push((format!("{name}/create_many/{n}/sea-orm"), theirs));
    }
    group.finish();

    let n = sizes.singles;
    let pairs = &pairs(&ids("p", n), sizes.brands);
    rt.block_on(t.maintain(BRAND_LINKS));
    let mut group = c.benchmark_group(format!("{name}/one_call_each"));
    group.bench_function(format!("create {n}/links"), |b| {
        timed!(rt, b, clear_links(t), async {
            for pair in typed(pairs) {
                links.create(&t.db, pair).await.unwrap();
            }
        })
    });
    group.bench_function(format!("create {n}/sea-orm"), |b| {
        timed!(rt, b, clear_links(t), async {
            for row in models(pairs) {
                product_brand::Entity::insert(row)
                    .exec(&t.db)
                    .await
                    .unwrap();
            }
        })
    });
    let fill = || async {
        clear_links(t).await;
        baseline_insert(t, models(pairs)).await;
    };
    group.bench_function(format!("dismiss {n}/links"), |b| {
        timed!(rt, b, fill(), async {
            for pair in typed(pairs) {
                links.dismiss(&t.db, pair).await.unwrap();
            }
        })
    });
    group.bench_function(format!("dismiss {n}/sea-orm"), |b| {
        timed!(rt, b, fill(), async {
            for (p, bid) in pairs {
                baseline_dismiss(t, std::slice::from_ref(p), Some(bid)).await;
            }
        })
    });
    group.finish();
    // Statistics of the table as every run finds it: 1,000 live pairs.
    rt.block_on(async {
        fill().await;
        t.maintain(BRAND_LINKS).await;
    });
    let mut group = c.benchmark_group(format!("{name}/dismiss_many"));
    group.bench_function(format!("{n}/links"), |b| {
        timed!(rt, b, fill(), async {
            links.dismiss_many(&t.db, typed(pairs)).await.unwrap();
        })
    });
    let products: &Vec<String> = &pairs.iter().map(|(p, _)| p.clone()).collect();
    group.bench_function(format!("{n}/sea-orm"), |b| {
        timed!(rt, b, fill(), baseline_dismiss(t, products, None))
    });
    group.finish();
    rt.block_on(fill());
    let ours = rt.block_on(statements(t, async {
        links.dismiss_many(&t.db, typed(pairs)).await.unwrap();
    }));
    rt.block_on(fill());
    let theirs = rt.block_on(statements(t, baseline_dismiss(t, products, None)));
    counts.push((format!("{name}/dismiss_many/{n}/links"), ours));
    counts.push((format!("{name}/dismiss_many/{n}/sea-orm"), theirs));
    rt.block_on(clear_links(t));
}

/// Soft-deletes the live rows of `products` (and `brand`), as a hand-written dismiss would.
async fn baseline_dismiss(t: &TestDb, products: &[String], brand: Option<&String>) {
    let mut update = product_brand::Entity::update_many()
        .col_expr(
            product_brand::Column::DeletedAt,
            Expr::val(chrono::Utc::now()),
        )
        .filter(product_brand::Column::Left.is_in(products.iter().cloned()))
        .filter(product_brand::Column::DeletedAt.is_null());
    if let Some(brand) = brand {
        update = update.filter(product_brand::Column::Right.eq(brand.clone()));
    }
    update.exec(&t.db).await.unwrap();
}

/// Products with their brand, hand-written: products, link rows, brands, grouped in memory,
/// written as the same JSON.
async fn baseline_graph(db: &sea_orm::DatabaseConnection, wanted: &[String]) -> Vec<Value> {
    let mut products = Vec::new();
    let mut rows = Vec::new();
    for chunk in wanted.chunks(10_000) {
        products.extend(
            product::Entity::find()
                .filter(product::Column::Id.is_in(chunk.iter().cloned()))
                .filter(product::Column::DeletedAt.is_null())
                .all(db)
                .await
                .unwrap(),
        );
        rows.extend(
            product_brand::Entity::find()
                .filter(product_brand::Column::Left.is_in(chunk.iter().cloned()))
                .filter(product_brand::Column::DeletedAt.is_null())
                .all(db)
                .await
                .unwrap(),
        );
    }
    let mut brand_ids: Vec<String> = rows.iter().map(|r| r.right.clone()).collect();
    brand_ids.sort_unstable();
    brand_ids.dedup();
    let brands: HashMap<String, brand::Model> = brand::Entity::find()
        .filter(brand::Column::Id.is_in(brand_ids))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.id.clone(), b))
        .collect();
    let brand_of: HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r.left.as_str(), r.right.as_str()))
        .collect();
    products
        .iter()
        .map(|p| {
            let brand = brand_of
                .get(p.id.as_str())
                .and_then(|b| brands.get(*b))
                .map(|b| json!({"id": b.id, "name": b.name}))
                .unwrap_or(Value::Null);
            json!({"id": p.id, "title": p.title, "brand": brand})
        })
        .collect()
}

/// The page of products whose brand name starts with `prefix`, ordered by brand name, with
/// the total: the same query written by hand.
async fn baseline_page(t: &TestDb, prefix: &str) -> (Vec<Value>, i64) {
    let backend = t.db.get_database_backend();
    let join = "FROM product p JOIN product_product_brand_brand l ON l.product_id = p.id AND l.deleted_at IS NULL JOIN brand b ON b.id = l.brand_id WHERE p.deleted_at IS NULL AND b.name LIKE ";
    let placeholder = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let rows = t
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT p.id, p.title, b.id AS brand_id, b.name AS brand_name {join}{placeholder} ORDER BY b.name ASC, p.id ASC LIMIT 20"),
            [format!("{prefix}%").into()],
        ))
        .await
        .unwrap();
    let count =
        t.db.query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT COUNT(*) AS n {join}{placeholder}"),
            [format!("{prefix}%").into()],
        ))
        .await
        .unwrap()
        .and_then(|row| row.try_get::<i64>("", "n").ok())
        .unwrap_or_default();
    let page = rows
        .iter()
        .map(|row| {
            let text = |c: &str| row.try_get::<String>("", c).unwrap_or_default();
            json!({"id": text("id"), "title": text("title"), "brand": {"id": text("brand_id"), "name": text("brand_name")}})
        })
        .collect();
    (page, count)
}

/// A field of `/proc/self/status` in kB (Linux), e.g. `VmHWM` (peak resident memory).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reads(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    t: &TestDb,
    links: &Links,
    sizes: &Sizes,
    counts: &mut Counts,
) {
    let name = target_name(t);
    let mut group = c.benchmark_group(format!("{name}/graph"));
    for &n in &sizes.graphs {
        let wanted = &ids("p", n);
        let query = &GraphQuery::new("product.product")
            .fields(["id", "title", "brand.id", "brand.name"])
            .filters(json!({"id": {"$in": wanted}}));
        let typed: &Query<ProductWithBrand> =
            &query!(ProductWithBrand, filter = id.is_in(wanted.iter()));
        assert_eq!(
            &typed.graph_query(),
            query,
            "the typed query is the same query"
        );
        let ours = rt.block_on(links.graph(&t.db, query)).unwrap();
        let theirs = rt.block_on(baseline_graph(&t.db, wanted));
        assert_eq!(ours.data.len(), theirs.len(), "the same records");
        let typed_records = rt.block_on(typed.all(links, &t.db)).unwrap();
        let as_json: Vec<Value> = typed_records
            .iter()
            .map(|p| {
                let brand = p
                    .brand
                    .as_ref()
                    .map(|b| json!({"id": b.id, "name": b.name}));
                json!({"id": p.id, "title": p.title, "brand": brand})
            })
            .collect();
        // The baseline reads without an order; the graph in key order.
        let by_id = |mut records: Vec<Value>| {
            records.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            records
        };
        assert_eq!(
            by_id(as_json),
            by_id(theirs.clone()),
            "the same records, typed"
        );
        group.bench_function(format!("{n}/links"), |b| {
            timed!(rt, b, async {}, async {
                links.graph(&t.db, query).await.unwrap();
            })
        });
        group.bench_function(format!("{n}/links typed"), |b| {
            timed!(rt, b, async {}, async {
                typed.all(links, &t.db).await.unwrap();
            })
        });
        group.bench_function(format!("{n}/sea-orm"), |b| {
            timed!(rt, b, async {}, async {
                baseline_graph(&t.db, wanted).await;
            })
        });
        counts.push((
            format!("{name}/graph/{n}/links"),
            rt.block_on(statements(t, async {
                links.graph(&t.db, query).await.unwrap();
            })),
        ));
        counts.push((
            format!("{name}/graph/{n}/links typed"),
            rt.block_on(statements(t, async {
                typed.all(links, &t.db).await.unwrap();
            })),
        ));
        counts.push((
            format!("{name}/graph/{n}/sea-orm"),
            rt.block_on(statements(t, async {
                baseline_graph(&t.db, wanted).await;
            })),
        ));
    }
    group.finish();

    let n = sizes.catalogue;
    let prefix = if sizes.brands >= 1_000 {
        "Brand 01"
    } else {
        "Brand 001"
    };
    let query = &GraphQuery::new("product")
        .fields(["id", "title", "brand.name"])
        .filters(json!({"brand": {"name": {"$like": format!("{prefix}%")}}}))
        .order("brand.name", "ASC")
        .take(20);
    let ours = rt.block_on(links.graph(&t.db, query)).unwrap();
    let (theirs, count) = rt.block_on(baseline_page(t, prefix));
    assert_eq!(
        ours.metadata.map(|m| m.count as i64),
        Some(count),
        "the same count"
    );
    assert_eq!(
        ours.data
            .iter()
            .map(|p| p["id"].clone())
            .collect::<Vec<_>>(),
        theirs.iter().map(|p| p["id"].clone()).collect::<Vec<_>>(),
        "the same page"
    );
    let mut group = c.benchmark_group(format!("{name}/page_by_brand_name"));
    group.bench_function(format!("{n}/links"), |b| {
        timed!(rt, b, async {}, async {
            links.graph(&t.db, query).await.unwrap();
        })
    });
    group.bench_function(format!("{n}/sea-orm"), |b| {
        timed!(rt, b, async {}, async {
            baseline_page(t, prefix).await;
        })
    });
    group.finish();
    counts.push((
        format!("{name}/page_by_brand_name/{n}/links"),
        rt.block_on(statements(t, async {
            links.graph(&t.db, query).await.unwrap();
        })),
    ));
    counts.push((
        format!("{name}/page_by_brand_name/{n}/sea-orm"),
        rt.block_on(statements(t, async {
            baseline_page(t, prefix).await;
        })),
    ));
}

fn deletes(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    t: &TestDb,
    links: &Links,
    sizes: &Sizes,
    counts: &mut Counts,
) {
    let name = target_name(t);
    let n = sizes.deletes;
    let products = &ids("p", n);
    rt.block_on(async {
        let rows: Vec<String> = products
            .iter()
            .flat_map(|p| {
                [
                    format!("('{p}a', 'post', NULL)"),
                    format!("('{p}b', 'post', NULL)"),
                ]
            })
            .collect();
        insert_rows(t, "post", "id, body, product_id", &rows).await;
        let pairs = products.iter().flat_map(|p| {
            ["a", "b"].map(|s| {
                ProductPostCascade::new(
                    product::Model::key(p.clone()),
                    post::Model::key(format!("{p}{s}")),
                )
            })
        });
        links.create_many(&t.db, pairs).await.unwrap();
    });
    let tables = ["product", "post", "bench_product_post"];
    let undelete = || async {
        for table in tables {
            exec(
                t,
                &format!("UPDATE {table} SET deleted_at = NULL WHERE deleted_at IS NOT NULL"),
            )
            .await;
        }
        // Each run rewrites 5,000 rows: without (auto)vacuum their dead versions pile up, and
        // which run lands on a bloated index decides the ratio more than the code does.
        t.maintain(&tables).await;
    };
    let keys = || products.iter().map(|p| product::Model::key(p.clone()));
    let mut group = c.benchmark_group(format!("{name}/delete_cascade"));
    group.bench_function(format!("{n}/links"), |b| {
        timed!(rt, b, undelete(), async {
            links.delete(&t.db, keys()).await.unwrap();
        })
    });
    group.bench_function(format!("{n}/sea-orm"), |b| {
        timed!(rt, b, undelete(), baseline_delete(t, products))
    });
    group.finish();
    rt.block_on(undelete());
    counts.push((
        format!("{name}/delete_cascade/{n}/links"),
        rt.block_on(statements(t, async {
            links.delete(&t.db, keys()).await.unwrap();
        })),
    ));
    rt.block_on(undelete());
    counts.push((
        format!("{name}/delete_cascade/{n}/sea-orm"),
        rt.block_on(statements(t, baseline_delete(t, products))),
    ));
}

/// The cascade by hand, in one transaction: the products, their link rows, the linked posts.
async fn baseline_delete(t: &TestDb, products: &[String]) {
    use sea_orm::TransactionTrait;
    let now = chrono::Utc::now();
    let txn = t.db.begin().await.unwrap();
    product::Entity::update_many()
        .col_expr(product::Column::DeletedAt, Expr::val(now))
        .filter(product::Column::Id.is_in(products.iter().cloned()))
        .exec(&txn)
        .await
        .unwrap();
    let rows = product_post_cascade::Entity::find()
        .filter(product_post_cascade::Column::Left.is_in(products.iter().cloned()))
        .filter(product_post_cascade::Column::DeletedAt.is_null())
        .all(&txn)
        .await
        .unwrap();
    product_post_cascade::Entity::update_many()
        .col_expr(product_post_cascade::Column::DeletedAt, Expr::val(now))
        .filter(product_post_cascade::Column::Left.is_in(products.iter().cloned()))
        .filter(product_post_cascade::Column::DeletedAt.is_null())
        .exec(&txn)
        .await
        .unwrap();
    post::Entity::update_many()
        .col_expr(post::Column::DeletedAt, Expr::val(now))
        .filter(post::Column::Id.is_in(rows.into_iter().map(|r| r.right)))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

/// The median of a finished benchmark, from criterion's estimates.
fn median(id: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    // Criterion writes `<group>/<function>`, each with its own `/` made `_`.
    let segments: Vec<&str> = id.split('/').collect();
    let (group, function) = segments.split_at(2.min(segments.len()));
    let clean = |parts: &[&str]| parts.join("_");
    let path = format!(
        "{dir}/criterion/{}/{}/new/estimates.json",
        clean(group),
        clean(function)
    );
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn report(counts: &Counts) {
    println!(
        "\n| benchmark | links (median) | sea-orm (median) | ratio | statements (links / sea-orm) |"
    );
    println!("|---|---|---|---|---|");
    for (id, ours) in counts
        .iter()
        .filter(|(id, _)| id.ends_with("/links") || id.ends_with("/links typed"))
    {
        let base = id.trim_end_matches(" typed").trim_end_matches("/links");
        let shown = if id.ends_with(" typed") {
            format!("{base} (typed)")
        } else {
            base.to_string()
        };
        let theirs = counts
            .iter()
            .find(|(other, _)| *other == format!("{base}/sea-orm"))
            .map(|(_, n)| *n);
        let (a, b) = (median(id), median(&format!("{base}/sea-orm")));
        let ms = |ns: Option<f64>| {
            ns.map(|ns| format!("{:.2} ms", ns / 1e6))
                .unwrap_or_else(|| "–".into())
        };
        let ratio = match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "–".into(),
        };
        println!(
            "| {shown} | {} | {} | {ratio} | {ours} / {} |",
            ms(a),
            ms(b),
            theirs.unwrap_or_default()
        );
    }
}

/// The peak memory of one 10,000-product graph load, in a process of its own (SQLite):
/// `LINK_BENCH_MEMORY=seed` writes the database at `LINK_BENCH_DB`; then `=links` or
/// `=sea-orm` loads it once and prints the process's peak resident memory (`VmHWM`).
fn memory(mode: &str) {
    let path =
        std::env::var("LINK_BENCH_DB").unwrap_or_else(|_| "/tmp/link-bench-memory.db".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = sea_orm::Database::connect(format!("sqlite://{path}?mode=rwc"))
            .await
            .unwrap();
        let links = Links::builder(db.clone())
            .module("product")
            .module("brand")
            .link::<ProductBrand>()
            .build()
            .unwrap();
        let wanted = ids("p", 10_000);
        match mode {
            "seed" => {
                let schema = sea_orm::Schema::new(db.get_database_backend());
                db.execute(&schema.create_table_from_entity(product::Entity))
                    .await
                    .unwrap();
                db.execute(&schema.create_table_from_entity(brand::Entity))
                    .await
                    .unwrap();
                links.migrate().await.unwrap();
                for chunk in wanted.chunks(2_000) {
                    let rows: Vec<String> = chunk
                        .iter()
                        .map(|id| format!("('{id}', 'Product {id}')"))
                        .collect();
                    db.execute_unprepared(&format!(
                        "INSERT INTO product (id, title) VALUES {}",
                        rows.join(", ")
                    ))
                    .await
                    .unwrap();
                }
                let rows: Vec<String> = ids("b", 1_000)
                    .iter()
                    .map(|id| format!("('{id}', 'Brand {id}')"))
                    .collect();
                db.execute_unprepared(&format!(
                    "INSERT INTO brand (id, name) VALUES {}",
                    rows.join(", ")
                ))
                .await
                .unwrap();
                links
                    .create_many(&db, typed(&pairs(&wanted, 1_000)))
                    .await
                    .unwrap();
                println!("seeded {path}");
            }
            "links" => {
                let query = GraphQuery::new("product")
                    .fields(["id", "title", "brand.*"])
                    .filters(json!({"id": {"$in": wanted}}));
                let graph = links.graph(&db, &query).await.unwrap();
                println!(
                    "links: {} products, peak resident memory {} kB",
                    graph.data.len(),
                    status_kb("VmHWM:").unwrap_or_default()
                );
            }
            _ => {
                let products = baseline_graph(&db, &wanted).await;
                println!(
                    "sea-orm: {} products, peak resident memory {} kB",
                    products.len(),
                    status_kb("VmHWM:").unwrap_or_default()
                );
            }
        }
    });
}

fn main() {
    if let Ok(mode) = std::env::var("LINK_BENCH_MEMORY") {
        memory(&mode);
        return;
    }
    let full = std::env::args().any(|a| a == "--bench") && !std::env::args().any(|a| a == "--test");
    let sizes = Sizes::new(full);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut counts = Counts::new();

    let mut targets = vec![rt.block_on(sqlite_database())];
    if std::env::var("LINK_TEST_POSTGRES_URL").is_ok()
        && let Some(pg) = rt.block_on(link_tests::db::postgres_only("bench_links", 10))
    {
        targets.push(pg);
    } else {
        eprintln!("PostgreSQL benchmarks skipped: LINK_TEST_POSTGRES_URL is not set");
    }
    if std::env::var("LINK_TEST_MYSQL_URL").is_ok()
        && let Some(mysql) = rt.block_on(link_tests::db::mysql_only("bench_links", 10))
    {
        targets.push(mysql);
    } else {
        eprintln!("MySQL/MariaDB benchmarks skipped: LINK_TEST_MYSQL_URL is not set");
    }
    for t in targets {
        let max = sizes
            .creates
            .iter()
            .chain(&sizes.graphs)
            .copied()
            .max()
            .unwrap_or(0)
            .max(sizes.catalogue);
        let (t, links) = rt.block_on(database(t, max, sizes.brands));
        writes(&mut c, &rt, &t, &links, &sizes, &mut counts);
        // The catalogue: every product linked to a brand.
        rt.block_on(async {
            let all = pairs(&ids("p", sizes.catalogue), sizes.brands);
            for chunk in all.chunks(20_000) {
                links.create_many(&t.db, typed(chunk)).await.unwrap();
            }
            if t.backend == Backend::Postgres {
                if bench_keeps_statistics() {
                    exec(&t, "ANALYZE").await;
                } else {
                    for table in ["product", "brand", "post", "product_product_brand_brand"] {
                        t.forget_statistics(table).await;
                    }
                }
            }
        });
        reads(&mut c, &rt, &t, &links, &sizes, &mut counts);
        deletes(&mut c, &rt, &t, &links, &sizes, &mut counts);
    }
    c.final_summary();
    if full {
        report(&counts);
    } else {
        println!("statements per benchmark: {counts:?}");
    }
}
