//! A concurrency soak on PostgreSQL and MariaDB: 32 tasks create, dismiss, delete and restore
//! links of a one-to-one, a one-to-many and a many-to-many link at random, on shared records,
//! for a bounded time; then the invariants are checked straight in SQL.
//!
//! - No cardinality is broken among live rows.
//! - No live link touches a soft-deleted product.
//! - Every reported success is visible and every reported failure absent: each batch carries a
//!   "witness" pair on records only its task touches, next to contended pairs on shared records.
//!   Batches are atomic, so the witness pairs that are live at the end must be exactly those
//!   of the task's own successful creates not dismissed since.
//!
//! `cargo test` runs each backend for a few seconds. The long run is ignored by default:
//! `LINK_SOAK_SECONDS=300 cargo test -p link-tests --test soak -- --ignored --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use link_runtime::{Error, Key, Links};
use link_tests::TestDb;
use link_tests::links::{CustomerWishlist, ProductBrand, ProductTag};
use link_tests::models::{brand, customer, product, tag, wishlist};
use sea_orm::{ConnectionTrait, DatabaseConnection};

const TASKS: usize = 32;
/// Shared records: few, so tasks collide.
const SHARED: usize = 6;
/// Records each task owns for its witness pairs.
const OWNED: usize = 3;

/// splitmix64: a seeded, reproducible stream of choices (the seed is printed).
struct Choices(u64);

impl Choices {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % below as u64) as usize
    }
}

/// What each task saw.
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    conflicts: usize,
    not_found: usize,
    /// Database errors (deadlocks, lock timeouts): reported to the caller, nothing written.
    database: Vec<String>,
    /// The witness pairs the task believes live, per link table.
    witnesses: BTreeMap<&'static str, BTreeSet<(String, String)>>,
}

impl Tally {
    fn count<T>(&mut self, result: &Result<T, Error>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(Error::Conflict { .. }) => self.conflicts += 1,
            Err(Error::NotFound { .. }) => self.not_found += 1,
            Err(Error::Database { .. }) => self.database.push(
                result
                    .as_ref()
                    .err()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            Err(other) => panic!("an error no operation here may give: {other}"),
        }
    }
}

fn shared(prefix: &str, choices: &mut Choices) -> String {
    format!("{prefix}{}", choices.next(SHARED))
}

fn owned(prefix: &str, task: usize, choices: &mut Choices) -> String {
    format!("{prefix}{task}_{}", choices.next(OWNED))
}

async fn task(
    links: Links,
    db: Arc<DatabaseConnection>,
    id: usize,
    seed: u64,
    until: Instant,
) -> Tally {
    let mut choices = Choices(seed ^ (id as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut tally = Tally::default();
    let db = &*db;
    while Instant::now() < until {
        let choice = choices.next(10);
        match choice {
            // product → brand: a witness product of ours with a contended shared product.
            0..=2 => {
                let witness = (owned("wp", id, &mut choices), shared("b", &mut choices));
                let contended = (shared("p", &mut choices), shared("b", &mut choices));
                let pairs = [witness.clone(), contended]
                    .map(|(p, b)| ProductBrand::new(product::Model::key(p), brand::Model::key(b)));
                if choice == 2 {
                    let result = links.dismiss_many(db, pairs).await;
                    if result.is_ok() {
                        tally.witnesses.entry("brand").or_default().remove(&witness);
                    }
                    tally.count(&result);
                } else {
                    let result = links.create_many(db, pairs).await;
                    if result.is_ok() {
                        tally.witnesses.entry("brand").or_default().insert(witness);
                    }
                    tally.count(&result);
                }
            }
            // customer ↔ wishlist, one each way: the hardest contention.
            3..=5 => {
                let witness = (owned("wc", id, &mut choices), owned("ww", id, &mut choices));
                let contended = (shared("c", &mut choices), shared("w", &mut choices));
                let pairs = [witness.clone(), contended].map(|(c, w)| {
                    CustomerWishlist::new(customer::Model::key(c), wishlist::Model::key(w))
                });
                if choice == 5 {
                    let result = links.dismiss_many(db, pairs).await;
                    if result.is_ok() {
                        tally
                            .witnesses
                            .entry("wishlist")
                            .or_default()
                            .remove(&witness);
                    }
                    tally.count(&result);
                } else {
                    let result = links.create_many(db, pairs).await;
                    if result.is_ok() {
                        tally
                            .witnesses
                            .entry("wishlist")
                            .or_default()
                            .insert(witness);
                    }
                    tally.count(&result);
                }
            }
            // product ↔ tag, no limit: only deleted products refuse it.
            6 | 7 => {
                let pair = (shared("p", &mut choices), shared("t", &mut choices));
                let typed = ProductTag::new(product::Model::key(pair.0), tag::Model::key(pair.1));
                let result = links.create(db, typed).await;
                tally.count(&result);
            }
            8 => {
                let result = links
                    .delete(db, [Key::<product::Model>::new(shared("p", &mut choices))])
                    .await;
                tally.count(&result);
            }
            _ => {
                let result = links
                    .restore::<product::Model, _>(db, [Key::new(shared("p", &mut choices))])
                    .await;
                tally.count(&result);
            }
        }
    }
    tally
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<(String, String)> {
    db.query_all_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .expect(sql)
    .iter()
    .map(|row| {
        (
            row.try_get_by_index::<String>(0).expect("first column"),
            row.try_get_by_index::<String>(1).unwrap_or_default(),
        )
    })
    .collect()
}

async fn soak(t: TestDb, seconds: u64) {
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .module("tag")
        .module("customer")
        .module("wishlist")
        .link::<ProductBrand>()
        .link::<CustomerWishlist>()
        .link::<ProductTag>()
        .build()
        .expect("links");
    links.migrate().await.expect("migrate");
    let names = |prefixes: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = prefixes
            .iter()
            .flat_map(|p| (0..SHARED).map(move |i| format!("{p}{i}")))
            .collect();
        for p in prefixes {
            let owned = format!("w{p}");
            all.extend((0..TASKS).flat_map(|k| {
                (0..OWNED).map({
                    let owned = owned.clone();
                    move |j| format!("{owned}{k}_{j}")
                })
            }));
        }
        all
    };
    fn refs(ids: &[String]) -> Vec<&str> {
        ids.iter().map(String::as_str).collect()
    }
    let (products, customers, wishlists) = (names(&["p"]), names(&["c"]), names(&["w"]));
    let (brands, tags) = (names(&["b"]), names(&["t"]));
    t.products(&refs(&products)).await;
    t.customers(&refs(&customers)).await;
    t.wishlists(&refs(&wishlists)).await;
    t.brands(&refs(&brands)).await;
    t.tags(&refs(&tags)).await;

    let db = Arc::new(t.connect_again(TASKS as u32 + 8).await);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    let until = Instant::now() + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..TASKS)
        .map(|id| tokio::spawn(task(links.clone(), db.clone(), id, seed, until)))
        .collect();
    let mut tallies = Vec::new();
    for handle in handles {
        // A hung operation fails the test instead of hanging it.
        let tally = tokio::time::timeout(Duration::from_secs(seconds + 60), handle)
            .await
            .expect("no task hangs")
            .expect("no task panics");
        tallies.push(tally);
    }
    let total = |f: fn(&Tally) -> usize| tallies.iter().map(f).sum::<usize>();
    println!(
        "{:?}, seed {seed}, {seconds} s, {TASKS} tasks: {} operations: {} ok, {} conflicts, {} not found, {} database errors",
        t.backend,
        total(|t| t.ok + t.conflicts + t.not_found + t.database.len()),
        total(|t| t.ok),
        total(|t| t.conflicts),
        total(|t| t.not_found),
        total(|t| t.database.len()),
    );
    for error in tallies.iter().flat_map(|t| &t.database).take(3) {
        println!("  e.g. {error}");
    }
    // A database error may only be a deadlock that three attempts did not get past.
    for error in tallies.iter().flat_map(|t| &t.database) {
        assert!(
            error.contains("40001") || error.contains("40P01") || error.contains("eadlock"),
            "{:?}: {error}",
            t.backend
        );
    }
    assert!(total(|t| t.conflicts) > 0, "the tasks collided");
    assert!(total(|t| t.ok) > 0, "work got done");

    // Cardinality among live rows, straight in SQL.
    for sql in [
        "SELECT product_id, MIN(brand_id) FROM product_product_brand_brand WHERE deleted_at IS NULL GROUP BY product_id HAVING COUNT(*) > 1",
        "SELECT customer_id, MIN(wishlist_id) FROM customer_customer_wishlist_wishlist WHERE deleted_at IS NULL GROUP BY customer_id HAVING COUNT(*) > 1",
        "SELECT wishlist_id, MIN(customer_id) FROM customer_customer_wishlist_wishlist WHERE deleted_at IS NULL GROUP BY wishlist_id HAVING COUNT(*) > 1",
        "SELECT product_id, tag_id FROM product_product_tag_tag WHERE deleted_at IS NULL GROUP BY product_id, tag_id HAVING COUNT(*) > 1",
    ] {
        assert_eq!(rows(&db, sql).await, vec![], "{:?}: {sql}", t.backend);
    }
    // No live link to a deleted product.
    for table in ["product_product_brand_brand", "product_product_tag_tag"] {
        let sql = format!(
            "SELECT l.product_id, l.id FROM {table} l JOIN product p ON p.id = l.product_id WHERE l.deleted_at IS NULL AND p.deleted_at IS NOT NULL"
        );
        assert_eq!(rows(&db, &sql).await, vec![], "{:?}: {sql}", t.backend);
    }
    // Every success visible, every failure absent: the witness pairs.
    let live_brands: BTreeSet<(String, String)> = rows(
        &db,
        "SELECT product_id, brand_id FROM product_product_brand_brand WHERE deleted_at IS NULL AND product_id LIKE 'wp%'",
    )
    .await
    .into_iter()
    .collect();
    let live_wishlists: BTreeSet<(String, String)> = rows(
        &db,
        "SELECT customer_id, wishlist_id FROM customer_customer_wishlist_wishlist WHERE deleted_at IS NULL AND customer_id LIKE 'wc%'",
    )
    .await
    .into_iter()
    .collect();
    let believed = |link: &str| -> BTreeSet<(String, String)> {
        tallies
            .iter()
            .flat_map(|t| t.witnesses.get(link).cloned().unwrap_or_default())
            .collect()
    };
    assert_eq!(
        live_brands,
        believed("brand"),
        "{:?}: product → brand witnesses",
        t.backend
    );
    assert_eq!(
        live_wishlists,
        believed("wishlist"),
        "{:?}: customer ↔ wishlist witnesses",
        t.backend
    );
}

fn seconds(default: u64) -> u64 {
    std::env::var("LINK_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_short_soak_on_postgres() {
    if let Some(t) = link_tests::db::postgres_only("soak_postgres", 4).await {
        soak(t, 3).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_short_soak_on_mysql() {
    if let Some(t) = link_tests::db::mysql_only("soak_mysql", 4).await {
        soak(t, 3).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long: LINK_SOAK_SECONDS=300 cargo test -p link-tests --test soak -- --ignored"]
async fn a_long_soak_on_postgres() {
    if let Some(t) = link_tests::db::postgres_only("soak_long_postgres", 4).await {
        soak(t, seconds(120)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long: LINK_SOAK_SECONDS=300 cargo test -p link-tests --test soak -- --ignored"]
async fn a_long_soak_on_mysql() {
    if let Some(t) = link_tests::db::mysql_only("soak_long_mysql", 4).await {
        soak(t, seconds(120)).await;
    }
}
