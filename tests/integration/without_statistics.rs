//! Statements keep their cost proportional to the rows they touch on tables PostgreSQL has
//! never analyzed (a freshly loaded table, or any table before autovacuum reaches it): the
//! writes and reads of pairs, lists by either side's keys, the record checks of a create, a
//! delete and the link rows it dismisses, and the graph by ids.
//!
//! Without statistics PostgreSQL reads `deleted_at IS NULL` as 0.5 % of a table and a list of
//! keys as most of it; a plan built on those guesses can read every live row to touch a
//! hundred. Each test below loads 20,000 links and as many products and brands' records, never
//! analyzed, runs an operation touching about a hundred of them, and runs each of the
//! operation's statements again under `EXPLAIN ANALYZE` (in order, in one transaction rolled
//! back) to count the rows its plan read, once planned for its values and once with the
//! generic plan a prepared statement may get after five runs on a connection.

mod common;

use common::builder;
use link_runtime::query::GraphQuery;
use link_runtime::{Links, ListFilter};
use link_tests::TestDb;
use link_tests::db::postgres_only;
use link_tests::links::ProductBrand;
use link_tests::models::{brand, product};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};
use serde_json::{Value, json};

/// Live links (and products) in the table.
const LINKS: usize = 200_000;
/// Records an operation touches.
const TOUCHED: usize = 100;
/// Rows a plan may read per row touched: an index probe reads one; a bitmap scan counts its
/// index and its heap; a record check reads the record too.
const ROWS_PER_TOUCHED: f64 = 8.0;

fn product_id(i: usize) -> String {
    format!("p{i:06}")
}

fn brand_id(i: usize) -> String {
    format!("b{}", i % 50)
}

/// The registry on a database of `n` products linked to 50 brands, autovacuum off on every
/// table and nothing analyzed.
async fn loaded(name: &str, n: usize) -> Option<(TestDb, Links)> {
    let t = postgres_only(name, 4).await?;
    let links = builder(&t).build().expect("the test links");
    links.migrate().await.expect("migrate");
    let product_brand = links.table_name::<ProductBrand>().expect("table");
    for table in ["product", "brand", product_brand] {
        t.exec(&format!(
            r#"ALTER TABLE "{table}" SET (autovacuum_enabled = false)"#
        ))
        .await;
    }
    // Loaded in SQL (a bulk load, as an import would): fast, and nothing analyzes it.
    for sql in [
        format!(
            "INSERT INTO product (id, title) SELECT 'p' || lpad(g::text, 6, '0'), 'Product ' || g FROM generate_series(0, {n} + {TOUCHED}) g"
        ),
        "INSERT INTO brand (id, name) SELECT 'b' || g, 'Brand ' || g FROM generate_series(0, 49) g"
            .to_string(),
        format!(
            r#"INSERT INTO "{product_brand}" (id, product_id, brand_id, created_at, updated_at) SELECT 'pb' || g, 'p' || lpad(g::text, 6, '0'), 'b' || (g % 50), now(), now() FROM generate_series(0, {n} - 1) g"#
        ),
    ] {
        t.exec(&sql).await;
    }
    let analyzed = t
        .count(&format!(
            "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename IN ('product', 'brand', '{product_brand}')"
        ))
        .await;
    assert_eq!(analyzed, 0, "the tables must have no statistics");
    t.take_statements();
    Some((t, links))
}

/// Every 2,000th product: `TOUCHED` of them, spread over the table.
fn touched() -> impl Iterator<Item = usize> {
    (0..TOUCHED).map(|i| i * (LINKS / TOUCHED))
}

/// Runs `operation` in a transaction rolled back, then each statement it sent under
/// `EXPLAIN ANALYZE`, in order, in another one rolled back: the rows each plan read. Each
/// statement is explained twice: planned for its values (a custom plan) and, as a prepared
/// statement may be after five runs on a connection, for any values (a generic plan, in
/// which a bound array is guessed to hold ten elements).
async fn rows_read<F>(t: &TestDb, operation: F) -> Vec<(String, f64)>
where
    F: AsyncFnOnce(&DatabaseTransaction),
{
    let txn = t.db.begin().await.expect("begin");
    t.take_statements();
    operation(&txn).await;
    let statements = t.take_bound_statements();
    txn.rollback().await.expect("rollback");
    assert!(!statements.is_empty(), "the operation sent no statement");

    let mut read = Vec::new();
    for plans in ["auto", "force_generic_plan"] {
        let txn = t.db.begin().await.expect("begin");
        txn.execute_unprepared(&format!("SET LOCAL plan_cache_mode = {plans}"))
            .await
            .expect("plan_cache_mode");
        for statement in &statements {
            let plan = explain_prepared(&txn, statement).await;
            let node = &plan[0]["Plan"];
            let shown = format!("({plans}) {}\n{}", statement.sql, plan_outline(node, 1));
            read.push((shown, plan_rows_read(node)));
        }
        txn.rollback().await.expect("rollback");
    }
    read
}

/// The plan of `statement` run as a prepared statement (`EXPLAIN EXECUTE`): an `EXPLAIN` of the
/// statement itself is always planned for its values, whatever `plan_cache_mode` says.
async fn explain_prepared(txn: &DatabaseTransaction, statement: &Statement) -> Value {
    use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder};
    let values = statement
        .values
        .as_ref()
        .map(|v| v.0.clone())
        .unwrap_or_default();
    // `PREPARE name (types)` and `EXECUTE name (values)`, the lists left out when empty.
    let list = |items: Vec<String>| {
        if items.is_empty() {
            String::new()
        } else {
            format!(" ({})", items.join(", "))
        }
    };
    let types = list(
        values
            .iter()
            .map(|v| postgres_type(v).to_string())
            .collect(),
    );
    let literals = list(
        values
            .iter()
            .map(|v| PostgresQueryBuilder.value_to_string(v))
            .collect(),
    );
    // A name of its own each time: a prepared statement outlives its transaction, and one a
    // failed run left on a pooled connection must not clash with the next.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "explained_{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let run = |sql: String| async move {
        txn.execute_unprepared(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    };
    run(format!("PREPARE {name}{types} AS {}", statement.sql)).await;
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {name}{literals}");
    let row = txn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            explain,
        ))
        .await
        .unwrap_or_else(|e| panic!("explain {}: {e}", statement.sql))
        .expect("a plan");
    run(format!("DEALLOCATE {name}")).await;
    row.try_get("", "QUERY PLAN").expect("the plan as JSON")
}

/// The PostgreSQL type a value is bound as.
fn postgres_type(value: &sea_orm::Value) -> &'static str {
    use sea_orm::Value as V;
    use sea_orm::sea_query::ArrayType;
    match value {
        V::Bool(_) => "boolean",
        V::TinyInt(_) | V::SmallInt(_) => "smallint",
        V::Int(_) => "integer",
        V::BigInt(_) | V::BigUnsigned(_) | V::Unsigned(_) => "bigint",
        V::Double(_) => "double precision",
        V::String(_) => "text",
        V::ChronoDateTimeUtc(_) => "timestamptz",
        V::Json(_) => "jsonb",
        V::Array(ArrayType::String, _) => "text[]",
        other => panic!("no PostgreSQL type for {other:?}"),
    }
}

/// Rows a plan node and its children read from tables and indexes, and threw away in joins.
fn plan_rows_read(node: &Value) -> f64 {
    let number = |key: &str| node[key].as_f64().unwrap_or(0.0);
    let loops = node["Actual Loops"].as_f64().unwrap_or(1.0);
    let kind = node["Node Type"].as_str().unwrap_or("");
    let mut read = 0.0;
    let scans_a_table = kind.ends_with("Scan")
        && !matches!(
            kind,
            "Function Scan" | "Values Scan" | "Subquery Scan" | "CTE Scan" | "Result"
        );
    if scans_a_table || kind == "Materialize" {
        read += (number("Actual Rows")
            + number("Rows Removed by Filter")
            + number("Rows Removed by Index Recheck"))
            * loops;
    }
    read += number("Rows Removed by Join Filter") * loops;
    if let Some(children) = node["Plans"].as_array() {
        read += children.iter().map(plan_rows_read).sum::<f64>();
    }
    read
}

/// The statements of `read` that read more than their share, with what they read.
/// The plan's nodes, one a line: its type, the index it walks, the rows it returned.
fn plan_outline(node: &Value, depth: usize) -> String {
    let mut line = format!(
        "{}{} {} estimated={} rows={} loops={}",
        "  ".repeat(depth),
        node["Node Type"].as_str().unwrap_or("?"),
        node["Index Name"].as_str().unwrap_or(""),
        node["Plan Rows"],
        node["Actual Rows"],
        node["Actual Loops"]
    );
    for child in node["Plans"].as_array().into_iter().flatten() {
        line.push('\n');
        line.push_str(&plan_outline(child, depth + 1));
    }
    line
}

fn too_costly(what: &str, touched: usize, read: Vec<(String, f64)>) -> Vec<String> {
    let limit = ROWS_PER_TOUCHED * touched as f64;
    read.into_iter()
        .filter(|(_, rows)| *rows > limit)
        .map(|(sql, rows)| {
            format!("{what}: read {rows} rows to touch {touched} (at most {limit}): {sql}")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_reads_only_the_rows_it_touches() {
    let Some((t, links)) = loaded("without_statistics", LINKS).await else {
        return;
    };
    let product = |i: usize| product::Model::key(product_id(i));
    let brand = |i: usize| brand::Model::key(brand_id(i));
    let mut failures = Vec::new();

    let read = rows_read(&t, async |txn| {
        let pairs = touched().map(|i| ProductBrand::new(product(i), brand(i)));
        let dismissed = links.dismiss_many(txn, pairs).await.expect("dismiss");
        assert_eq!(dismissed, TOUCHED as u64);
    })
    .await;
    failures.extend(too_costly("dismiss_many", TOUCHED, read));

    let read = rows_read(&t, async |txn| {
        let featured = link_tests::links::product_brand::Data::default().featured(true);
        let pairs =
            touched().map(|i| ProductBrand::new(product(i), brand(i)).with(featured.clone()));
        links.update_many(txn, pairs).await.expect("update");
    })
    .await;
    failures.extend(too_costly("update_many", TOUCHED, read));

    let read = rows_read(&t, async |txn| {
        let filter = ListFilter::<ProductBrand>::all().left(touched().map(product));
        let rows = links.list(txn, filter).await.expect("list");
        assert_eq!(rows.len(), TOUCHED);
    })
    .await;
    failures.extend(too_costly("list", TOUCHED, read));

    // By the other side: one brand's links, 1 in 50.
    let read = rows_read(&t, async |txn| {
        let filter = ListFilter::<ProductBrand>::all().right([brand(0)]);
        let rows = links.list(txn, filter).await.expect("list by brand");
        assert_eq!(rows.len(), LINKS / 50);
    })
    .await;
    failures.extend(too_costly("list by the right side", LINKS / 50, read));

    let read = rows_read(&t, async |txn| {
        // Products with no brand yet (the ones after the linked ones): every pair is written,
        // and both of its records checked.
        let pairs = (LINKS..LINKS + TOUCHED).map(|i| ProductBrand::new(product(i), brand(i)));
        let rows = links.create_many(txn, pairs).await.expect("create");
        assert_eq!(rows.len(), TOUCHED);
    })
    .await;
    failures.extend(too_costly("create_many", TOUCHED, read));

    let read = rows_read(&t, async |txn| {
        let report = links
            .delete(txn, touched().map(product))
            .await
            .expect("delete");
        assert_eq!(
            report.links.get("ProductBrand").map(|rows| rows.len()),
            Some(TOUCHED)
        );
    })
    .await;
    failures.extend(too_costly("delete", TOUCHED, read));

    let read = rows_read(&t, async |txn| {
        let ids: Vec<String> = touched().map(product_id).collect();
        let query = GraphQuery::new("product")
            .fields(["id", "brand.name"])
            .filters(json!({ "id": ids }));
        let found = links.graph(txn, &query).await.expect("graph");
        assert_eq!(found.data.len(), TOUCHED);
        assert!(found.data.iter().all(|p| p["brand"]["name"].is_string()));
    })
    .await;
    failures.extend(too_costly("graph", TOUCHED, read));

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The table the benchmarks' dismiss found: loaded since the planner last saw it (empty), so
/// it guesses it holds a row or so, and every one of its rows is touched. Under a generic plan
/// the pairs were guessed at ten and joined to that "one row" as a nested loop that compared
/// every row with every pair (499,500 comparisons for 1,000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_of_every_row_of_a_just_loaded_table_stay_linear() {
    const SMALL: usize = 1_000;
    let Some((t, links)) = loaded("without_statistics_small", SMALL).await else {
        return;
    };
    let pairs = || {
        (0..SMALL).map(|i| {
            ProductBrand::new(
                product::Model::key(product_id(i)),
                brand::Model::key(brand_id(i)),
            )
        })
    };
    let mut failures = Vec::new();
    let read = rows_read(&t, async |txn| {
        let dismissed = links.dismiss_many(txn, pairs()).await.expect("dismiss");
        assert_eq!(dismissed, SMALL as u64);
    })
    .await;
    failures.extend(too_costly("dismiss_many", SMALL, read));
    let read = rows_read(&t, async |txn| {
        let featured = link_tests::links::product_brand::Data::default().featured(true);
        let rows = links
            .update_many(txn, pairs().map(|p| p.with(featured.clone())))
            .await
            .expect("update");
        assert_eq!(rows.len(), SMALL);
    })
    .await;
    failures.extend(too_costly("update_many", SMALL, read));
    let read = rows_read(&t, async |txn| {
        let rows = links.create_many(txn, pairs()).await.expect("create again");
        assert_eq!(rows.len(), SMALL);
    })
    .await;
    failures.extend(too_costly("create_many of existing pairs", SMALL, read));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// With statistics, a range is estimated from the column's histogram when its bound is known,
/// and guessed at a third of the table under a generic plan (`$gte` bound as `$1`): a graph of
/// the few products in a narrow range of an indexed title would then scan every product once
/// five broader pages have made the generic plan look as cheap. The bounds are written into the
/// statement, as `LIKE` patterns are, so any plan of it knows them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_narrow_range_reads_the_rows_it_finds_under_a_generic_plan() {
    let Some((t, links)) = loaded("without_statistics_range", LINKS).await else {
        return;
    };
    // As a module owner would, when `links plan` advises it for a filtered field.
    t.exec(r#"CREATE INDEX "IDX_product_title" ON product (title)"#)
        .await;
    t.exec("ANALYZE").await;
    // "Product 99990" to "Product 99999": nothing longer sorts after them below "Product 200100".
    let found = 10;
    let read = rows_read(&t, async |txn| {
        let query = GraphQuery::new("product")
            .fields(["id", "title", "brand.name"])
            .filters(json!({ "title": { "$gte": "Product 99990" } }));
        let page = links.graph(txn, &query).await.expect("graph");
        assert_eq!(page.data.len(), found);
    })
    .await;
    let failures = too_costly("graph by a range", found, read);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
