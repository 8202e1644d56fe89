//! One PostgreSQL database shared with a real Medusa 2.21.2 (issue 14, SPEC §6 and §10): Medusa
//! migrates and writes links of every kind, this library adopts its tables without creating or
//! changing any, reads every link back, writes, dismisses, deletes and restores links that
//! Medusa then reads, and a Medusa writer racing a Rust writer (or another Medusa writer) for
//! one slot leaves one live link once the cardinality indexes exist. Medusa's own planner says
//! `noop` for its tables throughout, and never sees the tables only this library declares.
//!
//! Needs `LINK_TEST_POSTGRES_URL`, node and `npm ci` in `tests/medusa`; says it is skipped
//! otherwise (and fails instead under `LINK_TEST_MEDUSA=required`, as `.ci/run` sets).

mod harness;
mod models;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use link_runtime::{Error, Links, ListFilter, StepKind};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

use harness::{Medusa, database, unavailable};
use models::{
    CategoryBrand, FavouriteTagBrand, ProductBrand, TagBrand, VariantBrand, brand, category_brand,
    product, product_category, product_tag, product_variant,
};

/// The link tables Medusa's harness declares.
const MEDUSA_TABLES: [&str; 4] = [
    "product_product_brand_brand",
    "product_product_variant_brand_brand",
    "product_product_tag_brand_brand",
    "product_product_category_brand_brand",
];

/// What Medusa's seed made.
#[derive(Debug)]
struct Seed {
    products: Vec<String>,
    variants: Vec<String>,
    tags: Vec<String>,
    categories: Vec<String>,
    brands: Vec<String>,
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect()
}

/// A database of its own, Medusa migrated on it and records seeded.
async fn medusa_store(
    name: &str,
    products: usize,
    brands: usize,
) -> (DatabaseConnection, Medusa, Seed) {
    let (db, url) = database(name).await;
    let mut medusa = Medusa::start(&url).await;
    medusa.ok(json!({"op": "migrate"})).await;
    let seed = medusa
        .ok(json!({"op": "seed", "products": products, "brands": brands}))
        .await;
    let seed = Seed {
        products: strings(&seed, "products"),
        variants: strings(&seed, "variants"),
        tags: strings(&seed, "tags"),
        categories: strings(&seed, "categories"),
        brands: strings(&seed, "brands"),
    };
    (db, medusa, seed)
}

/// This library's registry for the same links, plus one only it declares.
fn registry(db: &DatabaseConnection) -> Links {
    Links::builder(db.clone())
        .application("rust-service")
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .link::<VariantBrand>()
        .link::<TagBrand>()
        .link::<CategoryBrand>()
        .link::<FavouriteTagBrand>()
        .build()
        .expect("registry")
}

async fn texts(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("text"))
        .collect()
}

/// Every row of Medusa's link tables and of its tracking table, as JSON text.
async fn medusa_rows(db: &DatabaseConnection) -> Vec<String> {
    let mut rows = Vec::new();
    for table in MEDUSA_TABLES.iter().chain(&["link_module_migrations"]) {
        rows.extend(
            texts(
                db,
                &format!(
                    "SELECT row_to_json(t)::text FROM (SELECT * FROM \"{table}\" ORDER BY 1, 2) t"
                ),
            )
            .await,
        );
    }
    rows
}

/// Medusa's planner, planned only: (action, table) of every step.
async fn medusa_plan(medusa: &mut Medusa) -> Vec<(String, String)> {
    medusa
        .ok(json!({"op": "plan"}))
        .await
        .as_array()
        .expect("steps")
        .iter()
        .map(|a| {
            (
                a["action"].as_str().expect("action").to_string(),
                a["tableName"].as_str().expect("table").to_string(),
            )
        })
        .collect()
}

/// Asserts Medusa's planner has nothing to do and knows none of this library's own tables.
async fn assert_medusa_plans_noop(medusa: &mut Medusa) {
    let plan = medusa_plan(medusa).await;
    assert_eq!(
        plan.len(),
        24,
        "20 built-in link tables and the harness's 4: {plan:?}"
    );
    for (action, table) in &plan {
        assert_eq!(action, "noop", "{table}: {plan:?}");
        assert!(
            !["rust_tag_favourite_brand", "link_table_owners"].contains(&table.as_str()),
            "{plan:?}"
        );
    }
}

fn pb(product: &str, brand: &str) -> Value {
    json!({"product": {"product_id": product}, "brand": {"brand_id": brand}})
}

fn vb(variant: &str, brand: &str) -> Value {
    json!({"product": {"product_variant_id": variant}, "brand": {"brand_id": brand}})
}

fn tb(tag: &str, brand: &str) -> Value {
    json!({"product": {"product_tag_id": tag}, "brand": {"brand_id": brand}})
}

fn cb(category: &str, brand: &str, data: Value) -> Value {
    json!({"product": {"product_category_id": category}, "brand": {"brand_id": brand}, "data": data})
}

/// The live pairs of a link as this library lists them, with each row's id.
async fn pairs<L>(links: &Links) -> BTreeSet<(String, String, String)>
where
    L: link_runtime::StoredLink,
{
    links
        .list::<L, _>(links.home(), ListFilter::all())
        .await
        .expect("list")
        .into_iter()
        .map(|row| {
            (
                row.left.as_str().to_string(),
                row.right.as_str().to_string(),
                row.id,
            )
        })
        .collect()
}

/// A graph answer made comparable: lists of records sorted by id, absent and null alike.
fn normal(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(normal).collect();
            items.sort_by_key(|v| v["id"].as_str().unwrap_or_default().to_string());
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), normal(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The record of `id` in a graph answer.
fn by_id<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer
        .as_array()
        .and_then(|all| all.iter().find(|record| record["id"] == json!(id)))
        .unwrap_or_else(|| panic!("{id} in {answer}"))
}

/// Asserts Medusa's `query.graph` and this library's `graph` answer alike for `entity` and
/// `fields`, over the records with the ids `ids`; returns the answer.
async fn same_graph(
    links: &Links,
    medusa: &mut Medusa,
    entity: &str,
    fields: &[&str],
    ids: &[String],
) -> Value {
    let theirs = medusa
        .ok(json!({"op": "graph", "entity": entity, "fields": fields, "filters": {"id": ids}}))
        .await;
    let query = link_runtime::query::GraphQuery::new(entity)
        .fields(fields.iter().copied())
        .filters(json!({"id": ids}));
    let ours = links.graph(links.home(), &query).await.expect("graph");
    let ours = Value::Array(ours.data);
    assert_eq!(normal(&ours), normal(&theirs), "{entity} {fields:?}");
    normal(&ours)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn medusa_writes_and_the_library_adopts_without_changing_a_row() {
    if let Some(why) = unavailable() {
        eprintln!("medusa_interop: skipped: {why}");
        return;
    }
    let (db, mut medusa, s) = medusa_store("adopt", 6, 12).await;
    let (p, v, t, c, b) = (&s.products, &s.variants, &s.tags, &s.categories, &s.brands);

    // Medusa writes links of every kind, extra columns included, and dismisses one.
    let written = medusa
        .ok(json!({"op": "create", "links": [
            pb(&p[0], &b[0]), pb(&p[1], &b[0]), pb(&p[2], &b[1]),
            vb(&v[0], &b[2]), vb(&v[1], &b[3]),
            tb(&t[0], &b[0]), tb(&t[0], &b[1]), tb(&t[1], &b[0]),
            cb(&c[0], &b[4], json!({"featured": true, "position": 3, "label": "Front", "note": "A longer note", "meta": {"tags": [1, 2]}, "since": "2026-01-02T03:04:05.678Z", "rank": 42, "weight": 1.5})),
            cb(&c[0], &b[5], json!({})),
        ]}))
        .await;
    assert_eq!(written.as_array().map(Vec::len), Some(10), "{written}");
    medusa
        .ok(json!({"op": "dismiss", "links": [pb(&p[2], &b[1])]}))
        .await;
    // Two Medusa writers at once give one variant several brands, as its check-then-insert
    // allows (the reference harness saw it in 199 of 200 tries); the adoption must name it.
    let racing: Vec<Value> = (6..12).map(|k| vb(&v[5], &b[k])).collect();
    medusa
        .ok(json!({"op": "concurrently", "creates": racing}))
        .await;
    let live_v5 = texts(&db, &format!("SELECT brand_id FROM product_product_variant_brand_brand WHERE deleted_at IS NULL AND product_variant_id = '{}' ORDER BY brand_id", v[5])).await;
    if live_v5.len() < 2 {
        // The race went Medusa's way this time: make the state it usually leaves.
        db.execute_unprepared(&format!("INSERT INTO product_product_variant_brand_brand (product_variant_id, brand_id, id) VALUES ('{}', '{}', 'link_raced')", v[5], b[11])).await.expect("a second brand");
    }
    let before = medusa_rows(&db).await;

    // The plan: adopt Medusa's four tables (no create, no drop, no rename), create the one only
    // this library declares, list Medusa's twenty built-in tables as foreign.
    let links = registry(&db);
    let plan = links.plan().await.expect("plan");
    for step in &plan.steps {
        assert!(
            !matches!(
                step.kind,
                StepKind::Drop | StepKind::Rename | StepKind::Update
            ),
            "{plan}"
        );
        let expected = match step.table.as_str() {
            "rust_tag_favourite_brand" => [StepKind::Create].as_slice(),
            "product_product_variant_brand_brand" => &[StepKind::Adopt, StepKind::Unsafe],
            table if MEDUSA_TABLES.contains(&table) => &[StepKind::Adopt],
            _ => &[StepKind::Foreign],
        };
        assert!(expected.contains(&step.kind), "{}: {plan}", step.table);
        if step.kind == StepKind::Adopt {
            assert!(step.sql[0].contains("link_table_owners"), "{:?}", step.sql);
            assert!(
                step.sql[1..]
                    .iter()
                    .all(|sql| sql.starts_with("CREATE UNIQUE INDEX")),
                "adopting adds the cardinality indexes and nothing else: {:?}",
                step.sql
            );
        }
    }
    let foreign: BTreeSet<&str> = plan
        .steps_of(StepKind::Foreign)
        .map(|s| s.table.as_str())
        .collect();
    assert_eq!(foreign.len(), 20, "{foreign:?}");
    assert!(
        foreign.contains("cart_promotion") && foreign.contains("order_cart"),
        "{foreign:?}"
    );
    let unsafe_step = plan
        .steps_of(StepKind::Unsafe)
        .next()
        .expect("the variant index");
    let blocked = unsafe_step.blocked.as_deref().expect("blocked");
    assert!(
        blocked.contains(&format!("product_variant {}", v[5])),
        "{blocked}"
    );

    // Migrate: the safe steps run, the blocked index is an error naming the rows; writes that
    // could break the one-to-one link are refused until it exists.
    let e = links
        .migrate()
        .await
        .expect_err("the variant index is blocked");
    assert!(
        matches!(&e, Error::Schema { message } if message.contains(&v[5])),
        "{e}"
    );
    assert_eq!(
        medusa_rows(&db).await,
        before,
        "adopting changed no row of Medusa's"
    );
    assert_medusa_plans_noop(&mut medusa).await;
    let e = links
        .create(
            links.home(),
            VariantBrand::new(
                product_variant::Model::key(v[4].as_str()),
                brand::Model::key(b[4].as_str()),
            ),
        )
        .await
        .expect_err("no index, no write");
    assert!(matches!(e, Error::Schema { .. }), "{e}");

    // Every link Medusa wrote reads back with the same ids and values.
    let ids = |rows: &Value, left: &str| -> BTreeSet<(String, String, String)> {
        rows.as_array()
            .expect("rows")
            .iter()
            .filter(|r| r.get(left).is_some())
            .map(|r| {
                (
                    r[left].as_str().expect("left").to_string(),
                    r["brand_id"].as_str().expect("right").to_string(),
                    r["id"].as_str().expect("id").to_string(),
                )
            })
            .collect()
    };
    let mut medusa_pb = ids(&written, "product_id");
    medusa_pb.retain(|(product, _, _)| product != &p[2]);
    assert_eq!(pairs::<ProductBrand>(&links).await, medusa_pb);
    let mut medusa_vb = ids(&written, "product_variant_id");
    let v5: BTreeSet<_> = pairs::<VariantBrand>(&links)
        .await
        .into_iter()
        .filter(|(variant, _, _)| variant == &v[5])
        .collect();
    assert!(v5.len() >= 2, "{v5:?}");
    medusa_vb.extend(v5);
    assert_eq!(pairs::<VariantBrand>(&links).await, medusa_vb);
    assert_eq!(
        pairs::<TagBrand>(&links).await,
        ids(&written, "product_tag_id")
    );
    let categories = links
        .list::<CategoryBrand, _>(links.home(), ListFilter::all())
        .await
        .expect("list");
    let front = categories
        .iter()
        .find(|row| row.right.as_str() == b[4])
        .expect("c0 → b4");
    assert!(front.extra.featured);
    assert_eq!(front.extra.position, Some(3));
    assert_eq!(front.extra.label.as_deref(), Some("Front"));
    assert_eq!(front.extra.note.as_deref(), Some("A longer note"));
    assert_eq!(front.extra.meta, Some(json!({"tags": [1, 2]})));
    assert_eq!(
        front.extra.since.map(|t| t.to_rfc3339()),
        Some(String::from("2026-01-02T03:04:05.678+00:00"))
    );
    assert_eq!(front.extra.rank, Some(42));
    assert_eq!(front.extra.weight, Some(1.5));
    let plain = categories
        .iter()
        .find(|row| row.right.as_str() == b[5])
        .expect("c0 → b5");
    assert!(!plain.extra.featured, "Medusa's default");
    assert_eq!(
        (plain.extra.position, plain.extra.meta.clone()),
        (None, None)
    );

    // Query reads them as Medusa's query.graph does.
    same_graph(
        &links,
        &mut medusa,
        "product",
        &["id", "title", "brand.id", "brand.name"],
        &p[..3],
    )
    .await;
    same_graph(
        &links,
        &mut medusa,
        "product_tag",
        &["id", "value", "brands.id"],
        &t[..2],
    )
    .await;
    let brands = same_graph(
        &links,
        &mut medusa,
        "brand",
        &[
            "id",
            "name",
            "products.id",
            "product_tags.id",
            "product_variant.id",
            "product_category.id",
        ],
        &b[..6],
    )
    .await;
    assert_eq!(
        by_id(&brands, &b[0])["products"].as_array().map(Vec::len),
        Some(2),
        "{brands}"
    );

    // Once the extra links are dismissed, the index is a safe step and everything is enforced.
    let extra: Vec<_> = pairs::<VariantBrand>(&links)
        .await
        .into_iter()
        .filter(|(variant, _, _)| variant == &v[5])
        .skip(1)
        .collect();
    for (variant, brand_id, _) in &extra {
        links
            .dismiss(
                links.home(),
                VariantBrand::new(
                    product_variant::Model::key(variant.as_str()),
                    brand::Model::key(brand_id.as_str()),
                ),
            )
            .await
            .expect("dismiss");
    }
    links.migrate().await.expect("migrate");
    assert!(links.plan().await.expect("plan").is_up_to_date());
    assert_medusa_plans_noop(&mut medusa).await;
    medusa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_writes_and_medusa_reads_exactly_that() {
    if let Some(why) = unavailable() {
        eprintln!("medusa_interop: skipped: {why}");
        return;
    }
    let (db, mut medusa, s) = medusa_store("write", 4, 4).await;
    let (p, v, t, c, b) = (&s.products, &s.variants, &s.tags, &s.categories, &s.brands);
    let links = registry(&db);
    links.migrate().await.expect("migrate");

    let key_p = |i: usize| product::Model::key(p[i].as_str());
    let key_b = |i: usize| brand::Model::key(b[i].as_str());
    let made = links
        .create_many(
            links.home(),
            [
                ProductBrand::new(key_p(0), key_b(0)),
                ProductBrand::new(key_p(1), key_b(1)),
            ],
        )
        .await
        .expect("products");
    links
        .create(
            links.home(),
            VariantBrand::new(product_variant::Model::key(v[0].as_str()), key_b(0)),
        )
        .await
        .expect("variant");
    links
        .create_many(
            links.home(),
            [
                TagBrand::new(product_tag::Model::key(t[0].as_str()), key_b(0)),
                TagBrand::new(product_tag::Model::key(t[0].as_str()), key_b(1)),
            ],
        )
        .await
        .expect("tags");
    let since = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07.125Z")
        .expect("time")
        .to_utc();
    links
        .create(
            links.home(),
            CategoryBrand::new(product_category::Model::key(c[0].as_str()), key_b(2)).with(
                category_brand::Data::default()
                    .featured(true)
                    .position(Some(7))
                    .label(Some("Side".into()))
                    .meta(Some(json!({"a": {"b": null}})))
                    .since(Some(since))
                    .rank(Some(1 << 40))
                    .weight(Some(0.25)),
            ),
        )
        .await
        .expect("category");

    // Medusa's link.list sees the rows as written: same ids, same data.
    let listed = medusa
        .ok(json!({"op": "list", "links": [pb(&p[0], &b[0]), pb(&p[1], &b[1]), pb(&p[2], &b[0])]}))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let data = medusa
        .ok(json!({"op": "list", "links": [cb(&c[0], &b[2], json!({}))]}))
        .await;
    assert_eq!(
        data[0]["data"],
        json!({"featured": true, "position": 7, "label": "Side", "note": null, "meta": {"a": {"b": null}}, "since": "2026-03-04T05:06:07.125Z", "rank": "1099511627776", "weight": 0.25}),
        "{data}"
    );
    let graph = same_graph(
        &links,
        &mut medusa,
        "product",
        &["id", "brand.id", "brand.name"],
        &p[..3],
    )
    .await;
    assert_eq!(by_id(&graph, &p[0])["brand"]["id"], json!(b[0]), "{graph}");
    let row_ids: BTreeSet<String> = made.iter().map(|row| row.id.clone()).collect();
    let medusa_ids: BTreeSet<String> = texts(
        &db,
        "SELECT id FROM product_product_brand_brand WHERE deleted_at IS NULL",
    )
    .await
    .into_iter()
    .collect();
    assert_eq!(row_ids, medusa_ids);
    // A client retrying the create: the same row, the same id, still one row for Medusa.
    let again = links
        .create(links.home(), ProductBrand::new(key_p(0), key_b(0)))
        .await
        .expect("the same create again");
    assert!(row_ids.contains(&again.id), "{}", again.id);
    let listed = medusa
        .ok(json!({"op": "list", "links": [pb(&p[0], &b[0])]}))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    // A brand Medusa's module soft-deleted first cannot be linked: the link is refused and
    // nothing is written.
    db.execute_unprepared(&format!(
        "UPDATE brand SET deleted_at = now() WHERE id = '{}'",
        b[3]
    ))
    .await
    .expect("Medusa's soft delete");
    let e = links
        .create(links.home(), ProductBrand::new(key_p(2), key_b(3)))
        .await
        .expect_err("a deleted brand");
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    let listed = medusa
        .ok(json!({"op": "list", "links": [pb(&p[2], &b[3])]}))
        .await;
    assert_eq!(listed, json!([]));

    // A dismiss, retried: Medusa no longer lists the pair, and the retry changes nothing.
    for live in [true, false] {
        let dismissed = links
            .dismiss(links.home(), ProductBrand::new(key_p(1), key_b(1)))
            .await
            .expect("dismiss");
        assert_eq!(dismissed, live);
    }
    let listed = medusa
        .ok(json!({"op": "list", "links": [pb(&p[1], &b[1])]}))
        .await;
    assert_eq!(listed, json!([]));
    same_graph(&links, &mut medusa, "product", &["id", "brand.id"], &p[..2]).await;

    // A delete of brand 0, retried: the brand and its links are gone for Medusa too ...
    for _ in 0..2 {
        links
            .delete(links.home(), [key_b(0)])
            .await
            .expect("delete");
    }
    let gone = medusa.ok(json!({"op": "graph", "entity": "brand", "fields": ["id"], "filters": {"id": [b[0].clone()]}})).await;
    assert_eq!(gone, json!([]));
    let listed = medusa
        .ok(json!({"op": "list", "links": [pb(&p[0], &b[0]), vb(&v[0], &b[0]), tb(&t[0], &b[0])]}))
        .await;
    assert_eq!(listed, json!([]));
    same_graph(
        &links,
        &mut medusa,
        "product_tag",
        &["id", "brands.id"],
        &t[..1],
    )
    .await;
    // ... and a restore (after the retried delete) brings every one back, rows and ids as
    // they were.
    links
        .restore(links.home(), [key_b(0)])
        .await
        .expect("restore");
    let listed = medusa
        .ok(json!({"op": "list", "links": [pb(&p[0], &b[0]), vb(&v[0], &b[0]), tb(&t[0], &b[0])]}))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    same_graph(
        &links,
        &mut medusa,
        "brand",
        &["id", "products.id", "product_tags.id", "product_variant.id"],
        &b[..3],
    )
    .await;

    // Medusa writes after the library: it re-creates the dismissed pair (its upsert revives
    // the row), and this library reads it.
    medusa
        .ok(json!({"op": "create", "links": [pb(&p[1], &b[1])]}))
        .await;
    assert!(
        pairs::<ProductBrand>(&links)
            .await
            .iter()
            .any(|(product, brand_id, _)| product == &p[1] && brand_id == &b[1])
    );
    assert!(links.plan().await.expect("plan").is_up_to_date());
    assert_medusa_plans_noop(&mut medusa).await;
    assert_eq!(
        texts(
            &db,
            "SELECT table_name FROM link_module_migrations WHERE table_name LIKE 'rust%'"
        )
        .await,
        Vec::<String>::new(),
        "this library's own table is not Medusa's to track"
    );
    medusa.stop().await;
}

/// Live rows per key of a link table's column, where there are several.
async fn over_booked(db: &DatabaseConnection, table: &str, column: &str) -> Vec<String> {
    texts(
        db,
        &format!("SELECT {column} FROM {table} WHERE deleted_at IS NULL GROUP BY {column} HAVING COUNT(*) > 1"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_racing_for_one_slot_leave_one_live_link() {
    if let Some(why) = unavailable() {
        eprintln!("medusa_interop: skipped: {why}");
        return;
    }
    const ROUNDS: usize = 12;
    let (db, mut medusa, s) = medusa_store("race", 2 * ROUNDS, 4 * ROUNDS).await;
    let (p, v, b) = (&s.products, &s.variants, &s.brands);
    let links = registry(&db);
    links.migrate().await.expect("migrate");

    // Medusa's restore revives link rows without checking cardinality (`medusa-behaviour.md`
    // §6): a product whose brand was deleted and which has a new brand since would get two.
    // The database refuses it, for Medusa as for this library.
    let last = 2 * ROUNDS - 1;
    medusa
        .ok(json!({"op": "create", "links": [pb(&p[last], &b[0])]}))
        .await;
    medusa
        .ok(json!({"op": "delete", "input": {"brand": {"brand_id": [b[0].clone()]}}}))
        .await;
    medusa
        .ok(json!({"op": "create", "links": [pb(&p[last], &b[1])]}))
        .await;
    let restored = medusa
        .call(json!({"op": "restore", "input": {"brand": {"brand_id": [b[0].clone()]}}}))
        .await;
    let live = texts(
        &db,
        &format!(
            "SELECT brand_id FROM product_product_brand_brand WHERE deleted_at IS NULL AND product_id = '{}'",
            p[last]
        ),
    )
    .await;
    assert_eq!(live, [b[1].clone()], "Medusa's restore: {restored:?}");
    assert!(
        format!("{restored:?}").contains("already exists"),
        "the database's refusal reaches Medusa: {restored:?}"
    );

    // Two Medusa writers at once for one variant (one-to-one) and for one product
    // (one-to-many): the database refuses the second for Medusa too.
    let mut refused_by_database = 0;
    for i in 0..ROUNDS {
        let answers = medusa
            .ok(json!({"op": "concurrently", "creates": [
                vb(&v[i], &b[4 * i]), vb(&v[i], &b[4 * i + 1]),
                pb(&p[i], &b[4 * i + 2]), pb(&p[i], &b[4 * i + 3]),
            ]}))
            .await;
        let errors: Vec<&str> = answers
            .as_array()
            .expect("answers")
            .iter()
            .filter_map(|a| a["error"].as_str())
            .collect();
        assert_eq!(errors.len(), 2, "one of each pair wins: {answers}");
        refused_by_database += errors
            .iter()
            .filter(|e| e.contains("already exists"))
            .count();
    }
    // A Medusa writer and a Rust writer at once: both start at the same wall-clock instant
    // (Medusa's from 10 ms before ours to 4 ms after, to meet at different points of each other's
    // check and insert).
    let mut rust_won = 0;
    for i in ROUNDS..2 * ROUNDS {
        let start = SystemTime::now() + Duration::from_millis(150);
        let at = start
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_millis()
            + 2 * (i % 8) as u128
            - 10;
        let theirs = medusa.call(
            json!({"op": "create", "at": at as u64, "links": [vb(&v[i], &b[4 * (i - ROUNDS) + 2])]}),
        );
        let ours = async {
            tokio::time::sleep(start.duration_since(SystemTime::now()).unwrap_or_default()).await;
            links
                .create(
                    links.home(),
                    VariantBrand::new(
                        product_variant::Model::key(v[i].as_str()),
                        brand::Model::key(b[4 * (i - ROUNDS) + 3].as_str()),
                    ),
                )
                .await
        };
        let (theirs, ours) = tokio::join!(theirs, ours);
        assert!(
            theirs.is_ok() != ours.is_ok(),
            "exactly one wins: {theirs:?} / {ours:?}"
        );
        if let Err(e) = ours {
            assert!(matches!(e, Error::Conflict { .. }), "{e}");
        } else {
            rust_won += 1;
        }
    }
    eprintln!(
        "medusa_interop: {refused_by_database} Medusa writes refused by the database (the rest by Medusa's check); the Rust writer won {rust_won} of {ROUNDS}"
    );

    for (table, column) in [
        ("product_product_variant_brand_brand", "product_variant_id"),
        ("product_product_variant_brand_brand", "brand_id"),
        ("product_product_brand_brand", "product_id"),
    ] {
        assert_eq!(
            over_booked(&db, table, column).await,
            Vec::<String>::new(),
            "{table}.{column}"
        );
    }
    let linked: BTreeSet<String> = pairs::<VariantBrand>(&links)
        .await
        .into_iter()
        .map(|(variant, _, _)| variant)
        .collect();
    assert_eq!(
        linked,
        v[..2 * ROUNDS].iter().cloned().collect(),
        "every variant has its one brand"
    );
    assert_medusa_plans_noop(&mut medusa).await;
    medusa.stop().await;
}
