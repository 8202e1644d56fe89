//! The Link service against a plain in-memory model of the cardinality rules (SPEC §8), over
//! random sequences of creates, dismisses, deletes and restores, on SQLite.
//!
//! The model: each link is a set of live pairs. A create of a batch fails with `NotFound` when a
//! record is missing or deleted, else with `Conflict` when the set with the batch added breaks
//! the link's cardinality, and otherwise adds the batch; a failed create changes nothing. A
//! dismiss removes pairs. Deleting a product removes every pair touching it and remembers them;
//! restoring it brings exactly those back. After every operation the live rows of each link table
//! must equal the model's set, and each outcome must be the one the model predicts.

use std::collections::{BTreeMap, BTreeSet};

use link_runtime::{Error, Links, StoredLink};
use link_tests::TestDb;
use link_tests::links::{CustomerWishlist, ProductBrand, ProductTag};
use link_tests::models::product;
use proptest::prelude::*;
use sea_orm::ConnectionTrait;

/// Records that exist: four of each; index 4 is an id with no record.
const RECORDS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Link {
    /// product → brand: a product has at most one brand.
    ProductBrand,
    /// product ↔ tag: no limit.
    ProductTag,
    /// customer ↔ wishlist: one each way.
    CustomerWishlist,
}

impl Link {
    const ALL: [Link; 3] = [Link::ProductBrand, Link::ProductTag, Link::CustomerWishlist];

    /// (a left record has at most one right, a right record has at most one left)
    fn limits(self) -> (bool, bool) {
        match self {
            Link::ProductBrand => (true, false),
            Link::ProductTag => (false, false),
            Link::CustomerWishlist => (true, true),
        }
    }

    fn ids(self, (l, r): (usize, usize)) -> (String, String) {
        let (left, right) = match self {
            Link::ProductBrand => ("p", "b"),
            Link::ProductTag => ("p", "t"),
            Link::CustomerWishlist => ("c", "w"),
        };
        (format!("{left}{l}"), format!("{right}{r}"))
    }
}

#[derive(Debug, Clone)]
enum Op {
    Create(Link, Vec<(usize, usize)>),
    Dismiss(Link, Vec<(usize, usize)>),
    DeleteProduct(usize),
    RestoreProduct(usize),
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    NotFound,
    Conflict,
}

fn op() -> impl Strategy<Value = Op> {
    let link = prop::sample::select(Link::ALL.to_vec());
    // Index RECORDS (no record) comes up about one pair in ten.
    let index = prop_oneof![9 => 0..RECORDS, 1 => Just(RECORDS)];
    let pairs = prop::collection::vec((index.clone(), index), 1..=3);
    prop_oneof![
        4 => (link.clone(), pairs.clone()).prop_map(|(l, p)| Op::Create(l, p)),
        2 => (link, pairs).prop_map(|(l, p)| Op::Dismiss(l, p)),
        1 => (0..RECORDS).prop_map(Op::DeleteProduct),
        1 => (0..RECORDS).prop_map(Op::RestoreProduct),
    ]
}

/// A pair of ids, left first.
type Pair = (String, String);

#[derive(Debug, Default)]
struct Model {
    live: BTreeMap<Link, BTreeSet<(String, String)>>,
    deleted_products: BTreeSet<String>,
    /// The pairs each deleted product's delete dismissed, to bring back on restore.
    dismissed_with: BTreeMap<String, Vec<(Link, Pair)>>,
}

impl Model {
    fn exists(&self, id: &str) -> bool {
        !id.ends_with(&RECORDS.to_string()) && !self.deleted_products.contains(id)
    }

    fn fits(link: Link, pairs: &BTreeSet<(String, String)>) -> bool {
        let (left_one, right_one) = link.limits();
        let mut lefts = BTreeMap::<&str, usize>::new();
        let mut rights = BTreeMap::<&str, usize>::new();
        for (l, r) in pairs {
            *lefts.entry(l).or_default() += 1;
            *rights.entry(r).or_default() += 1;
        }
        !(left_one && lefts.values().any(|&n| n > 1)
            || right_one && rights.values().any(|&n| n > 1))
    }

    fn apply(&mut self, op: &Op) -> Outcome {
        match op {
            Op::Create(link, pairs) => {
                let pairs: Vec<(String, String)> = pairs.iter().map(|&p| link.ids(p)).collect();
                if pairs
                    .iter()
                    .any(|(l, r)| !self.exists(l) || !self.exists(r))
                {
                    return Outcome::NotFound;
                }
                let mut next = self.live.get(link).cloned().unwrap_or_default();
                next.extend(pairs);
                if !Self::fits(*link, &next) {
                    return Outcome::Conflict;
                }
                self.live.insert(*link, next);
                Outcome::Ok
            }
            Op::Dismiss(link, pairs) => {
                let live = self.live.entry(*link).or_default();
                for &pair in pairs {
                    live.remove(&link.ids(pair));
                }
                Outcome::Ok
            }
            Op::DeleteProduct(i) => {
                let id = format!("p{i}");
                if self.deleted_products.contains(&id) {
                    // SPEC §8: a repeated delete changes nothing (the record keeps its stamp).
                    return Outcome::Ok;
                }
                let mut dismissed = Vec::new();
                for link in [Link::ProductBrand, Link::ProductTag] {
                    let live = self.live.entry(link).or_default();
                    let touching: Vec<_> = live.iter().filter(|(l, _)| *l == id).cloned().collect();
                    for pair in touching {
                        live.remove(&pair);
                        dismissed.push((link, pair));
                    }
                }
                self.dismissed_with.insert(id.clone(), dismissed);
                self.deleted_products.insert(id);
                Outcome::Ok
            }
            Op::RestoreProduct(i) => {
                let id = format!("p{i}");
                if !self.deleted_products.contains(&id) {
                    return Outcome::Ok;
                }
                let back = self.dismissed_with.get(&id).cloned().unwrap_or_default();
                let mut next = self.live.clone();
                for (link, pair) in back {
                    next.entry(link).or_default().insert(pair);
                }
                if !next.iter().all(|(link, pairs)| Self::fits(*link, pairs)) {
                    return Outcome::Conflict;
                }
                self.live = next;
                self.deleted_products.remove(&id);
                self.dismissed_with.remove(&id);
                Outcome::Ok
            }
        }
    }
}

fn outcome<T>(result: Result<T, Error>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(Error::NotFound { .. }) => Outcome::NotFound,
        Err(Error::Conflict { .. }) => Outcome::Conflict,
        Err(other) => panic!("an error the model does not expect: {other}"),
    }
}

/// Creates or dismisses through the typed API of `L`, whose keys are built from the ids.
async fn write<L: StoredLink>(
    links: &Links,
    t: &TestDb,
    pairs: Vec<(String, String)>,
    create: bool,
) -> Outcome
where
{
    let typed = pairs.into_iter().map(|(l, r)| {
        link_runtime::LinkPair::<L>::new(link_runtime::Key::new(l), link_runtime::Key::new(r))
    });
    if create {
        outcome(links.create_many(&t.db, typed).await)
    } else {
        outcome(links.dismiss_many(&t.db, typed).await)
    }
}

async fn live<L: StoredLink>(links: &Links, t: &TestDb) -> BTreeSet<(String, String)> {
    t.live_pairs::<L>(links).await
}

async fn run(links: &Links, t: &TestDb, op: &Op) -> Outcome {
    match op {
        Op::Create(link, pairs) | Op::Dismiss(link, pairs) => {
            let create = matches!(op, Op::Create(..));
            let ids = pairs.iter().map(|&p| link.ids(p)).collect();
            match link {
                Link::ProductBrand => write::<ProductBrand>(links, t, ids, create).await,
                Link::ProductTag => write::<ProductTag>(links, t, ids, create).await,
                Link::CustomerWishlist => write::<CustomerWishlist>(links, t, ids, create).await,
            }
        }
        Op::DeleteProduct(i) => outcome(
            links
                .delete(&t.db, [product::Model::key(format!("p{i}"))])
                .await,
        ),
        Op::RestoreProduct(i) => outcome(
            links
                .restore(&t.db, [product::Model::key(format!("p{i}"))])
                .await,
        ),
    }
}

/// Empties the link tables and revives every product, between cases.
async fn reset(t: &TestDb, link_tables: &[&str]) {
    for table in link_tables {
        t.db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .expect("reset");
    }
    t.db.execute_unprepared("UPDATE product SET deleted_at = NULL")
        .await
        .expect("reset");
}

const PRODUCT_LINK_TABLES: [&str; 2] = ["product_product_brand_brand", "product_product_tag_tag"];

#[test]
fn the_link_service_follows_the_cardinality_model() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (t, links) = rt.block_on(async {
        let t = link_tests::db::sqlite_database().await;
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .module("tag")
            .module("customer")
            .module("wishlist")
            .link::<ProductBrand>()
            .link::<ProductTag>()
            .link::<CustomerWishlist>()
            .build()
            .expect("links");
        links.migrate().await.expect("migrate");
        let ids = |prefix: &str| {
            (0..RECORDS)
                .map(|i| format!("{prefix}{i}"))
                .collect::<Vec<_>>()
        };
        fn refs(ids: &[String]) -> Vec<&str> {
            ids.iter().map(String::as_str).collect()
        }
        let (p, b, tg, c, w) = (ids("p"), ids("b"), ids("t"), ids("c"), ids("w"));
        t.products(&refs(&p)).await;
        t.brands(&refs(&b)).await;
        t.tags(&refs(&tg)).await;
        t.customers(&refs(&c)).await;
        t.wishlists(&refs(&w)).await;
        (t, links)
    });
    let cases: u32 = std::env::var("LINK_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    let ops_run = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..25))| {
        rt.block_on(reset(&t, &PRODUCT_LINK_TABLES));
        rt.block_on(reset(&t, &["customer_customer_wishlist_wishlist"]));
        let mut model = Model::default();
        for (step, op) in ops.iter().enumerate() {
            let expected = model.apply(op);
            let got = rt.block_on(run(&links, &t, op));
            ops_run.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            prop_assert_eq!(&got, &expected, "step {}: {:?}", step, op);
            for link in Link::ALL {
                let stored = rt.block_on(async {
                    match link {
                        Link::ProductBrand => live::<ProductBrand>(&links, &t).await,
                        Link::ProductTag => live::<ProductTag>(&links, &t).await,
                        Link::CustomerWishlist => live::<CustomerWishlist>(&links, &t).await,
                    }
                });
                let wanted = model.live.get(&link).cloned().unwrap_or_default();
                prop_assert_eq!(stored, wanted, "{:?} after step {}: {:?}", link, step, op);
            }
        }
    });
    println!(
        "{cases} sequences, {} operations checked against the model",
        ops_run.into_inner()
    );
}

/// Text a caller might send: names the registry knows, near misses, SQL, control characters,
/// long and non-ASCII strings. Generated junk carries `zz`, which no real name holds, so a test
/// can see whether it reached SQL text.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "id", "title", "deleted_at", "*", "brand", "brand.*", "brand.name", "brand.id",
            "tags.id", "tags.*", "products.id", "products.brand.name", "name", "label",
            "$eq", "$ne", "$in", "$nin", "$like", "$ilike", "$gt", "$lte", "$and", "$or", "$not",
        ])
        .prop_map(String::from),
        1 => "zz[a-z_.*$]{0,12}",
        1 => "zz[ -~]{0,30}",
        1 => "zz\\PC{0,20}",
        1 => Just("zz\"; DROP TABLE product; --".to_string()),
        1 => Just("zz' OR '1'='1".to_string()),
        1 => "zz[a-z.]{300,3000}",
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        token().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((token(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn graph_query() -> impl Strategy<Value = link_runtime::query::GraphQuery> {
    use link_runtime::query::{GraphQuery, Page};
    let entity = prop_oneof![
        6 => Just("product".to_string()),
        1 => prop::sample::select(vec!["brand", "tag", "product.product"]).prop_map(String::from),
        1 => token(),
    ];
    let direction = prop_oneof![
        3 => prop::sample::select(vec!["ASC", "DESC", "asc", "desc"]).prop_map(String::from),
        1 => token(),
    ];
    let order = prop_oneof![
        3 => prop::sample::select(vec!["id", "title", "brand.name"]).prop_map(String::from),
        1 => token(),
    ];
    let size = prop_oneof![3 => 0..50u64, 1 => any::<u64>()];
    let known = prop::sample::select(vec![
        "id",
        "title",
        "*",
        "brand.*",
        "brand.name",
        "tags.id",
        "products.id",
    ])
    .prop_map(String::from);
    let field = prop_oneof![6 => known, 1 => token()];
    // Mostly filters of the right shape with generated values, so many queries run.
    let filters = prop_oneof![
        2 => Just(serde_json::Value::Null),
        1 => token().prop_map(|v| serde_json::json!({"title": v})),
        1 => (token(), token()).prop_map(|(a, b)| serde_json::json!({"id": [a, b]})),
        1 => token().prop_map(|v| serde_json::json!({"brand": {"name": {"$like": v}}})),
        1 => (token(), json_value())
            .prop_map(|(a, b)| serde_json::json!({"$or": [{"id": a}, {"title": {"$ne": b}}]})),
        2 => json_value(),
    ];
    (
        entity,
        prop::collection::vec(field, 0..4),
        filters,
        prop::option::of((order, direction, size.clone(), size)),
        prop::option::weighted(
            0.2,
            (
                prop_oneof![3 => Just("tags".to_string()), 1 => token()],
                0..5u64,
            ),
        ),
    )
        .prop_map(|(entity, fields, filters, page, nested)| {
            let mut query = GraphQuery::new(entity).fields(fields).filters(filters);
            if let Some((order, direction, skip, take)) = page {
                query = query.order(order, &direction).skip(skip).take(take);
            }
            if let Some((path, take)) = nested {
                query = query.nested(path, Page::default().take(take));
            }
            query
        })
}

/// Generated queries and dynamic link writes: no panic, every rejection an input error that
/// says something (never a database error), nothing written by a rejected write, and no
/// generated text in any SQL statement (only bound values and known identifiers reach SQL).
#[test]
fn generated_queries_and_writes_are_answered_or_refused_clearly() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (t, links) = rt.block_on(async {
        let t = link_tests::db::sqlite_database().await;
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .module("tag")
            .link::<ProductBrand>()
            .link::<ProductTag>()
            .build()
            .expect("links");
        links.migrate().await.expect("migrate");
        t.products(&["p0", "p1"]).await;
        t.brands(&["b0"]).await;
        t.tags(&["t0"]).await;
        links
            .create_many(
                &t.db,
                [ProductBrand::new(
                    product::Model::key("p0"),
                    link_tests::models::brand::Model::key("b0"),
                )],
            )
            .await
            .expect("seed link");
        (t, links)
    });
    let cases: u32 = std::env::var("LINK_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let counts = std::sync::Mutex::new((0usize, 0usize));
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    // Values are bound; the exceptions are `LIKE` patterns and range bounds on PostgreSQL,
    // written as escaped literals (see the dialect's `literals_for_estimates`): generated text
    // may appear inside a string literal, never outside one.
    let no_generated_text = |what: &str| -> Result<(), TestCaseError> {
        for sql in t.take_statements() {
            prop_assert!(
                !outside_literals(&sql).contains("zz"),
                "{}: generated text in SQL: {}",
                what,
                sql
            );
        }
        Ok(())
    };
    proptest!(config, |(query in graph_query(), write in json_value(), shaped in prop::bool::ANY)| {
        t.take_statements();
        match rt.block_on(links.graph(&t.db, &query)) {
            Ok(_) => counts.lock().expect("counts").0 += 1,
            Err(err) => {
                counts.lock().expect("counts").1 += 1;
                prop_assert!(!matches!(err, Error::Database { .. }), "{:?}: {}", query, err);
                let message = err.to_string();
                prop_assert!(message.len() > 10, "{:?}: {}", query, err);
                // Long input is not echoed back whole.
                prop_assert!(message.len() < 1_000, "{} bytes: {}", message.len(), message);
            }
        }
        no_generated_text("graph")?;

        // A write: either arbitrary JSON or the create shape with generated parts.
        let input = if shaped {
            serde_json::json!([{ "product": {"product_id": write.clone()}, "brand": {"brand_id": "b0"}, "data": write }])
        } else {
            write
        };
        let before = rt.block_on(live::<ProductBrand>(&links, &t));
        let tags_before = rt.block_on(live::<ProductTag>(&links, &t));
        t.take_statements();
        if let Err(err) = rt.block_on(links.create_json(&t.db, &input)) {
            prop_assert!(!matches!(err, Error::Database { .. }), "{}: {}", input, err);
            let message = err.to_string();
            prop_assert!(message.len() > 10, "{}: {}", input, err);
            prop_assert!(message.len() < 1_000, "{} bytes: {}", message.len(), message);
            no_generated_text("create_json")?;
            prop_assert_eq!(&rt.block_on(live::<ProductBrand>(&links, &t)), &before);
            prop_assert_eq!(&rt.block_on(live::<ProductTag>(&links, &t)), &tags_before);
        }
        rt.block_on(reset(&t, &PRODUCT_LINK_TABLES));
        rt.block_on(async {
            links
                .create_many(
                    &t.db,
                    [ProductBrand::new(product::Model::key("p0"), link_tests::models::brand::Model::key("b0"))],
                )
                .await
                .expect("seed link again")
        });
    });
    let (answered, refused) = counts.into_inner().expect("counts");
    println!("{cases} generated cases: {answered} queries answered, {refused} refused");
    assert!(
        answered > 0 && refused > 0,
        "the generator reaches both outcomes"
    );
}

/// `sql` without its string literals, read as PostgreSQL's lexer reads them: `'…'` with `''`
/// for a quote, and `E'…'` where a backslash escapes the next character too.
fn outside_literals(sql: &str) -> String {
    let mut outside = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        if c != '\'' {
            outside.push(c);
            previous = c;
            continue;
        }
        let backslashes = previous == 'E' || previous == 'e';
        while let Some(inner) = chars.next() {
            match inner {
                '\\' if backslashes => {
                    chars.next();
                }
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                }
                '\'' => break,
                _ => {}
            }
        }
        outside.push_str("''");
        previous = '\'';
    }
    outside
}

#[test]
fn literals_are_cut_out_as_postgresql_reads_them() {
    assert_eq!(
        outside_literals("a LIKE 'zz' AND b = $1"),
        "a LIKE '' AND b = $1"
    );
    assert_eq!(outside_literals("LIKE E'z\\'zz' OR x"), "LIKE E'' OR x");
    assert_eq!(outside_literals("LIKE 'it''s zz' zz"), "LIKE '' zz");
}
