//! SPEC probes, written from the SPEC's sentences before reading the implementation (§7, §8,
//! §9.3, §9.4, §9.6, §9.7, §11): modules on a second connection with linked filters, paging and
//! counts past every backend's bind limit; batches and deletes that fail half-way in their
//! second link table; events once per changed row; statement counts per hop across
//! connections; an external service called once per nested hop; the typed loader across
//! connections; input the database would reject; registry errors that name the definitions and
//! the fix.

mod common;
mod spec_helpers;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use link_runtime::query::{BoxError, ExternalModels, Graph, GraphQuery, ListRequest};
use link_runtime::{CreateOptions, Error, LinkEvent, LinkEventKind, Links, ListFilter};
use link_tests::db::sqlite_database;
use link_tests::links::{
    BrandPost, CustomerWishlist, ProductBrand, ProductMaker, ProductReview, ProductTag,
    RegionBrand, TagPost, product_brand,
};
use link_tests::models::{brand, cms, customer, post, product, tag, wishlist};
use link_tests::{Backend, TestDb, test_databases};
use sea_orm::{EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

use spec_helpers::{b, kind, p, tg};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async fn graph(links: &Links, t: &TestDb, query: &GraphQuery) -> Graph {
    links
        .graph(&t.db, query)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {query:?}: {e:?}", t.backend))
}

fn ids(found: &Graph) -> Vec<String> {
    found
        .data
        .iter()
        .map(|record| record["id"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn count(found: &Graph) -> u64 {
    found.metadata.as_ref().map(|m| m.count).unwrap_or(u64::MAX)
}

/// Every event waiting on `rx`.
fn drain(rx: &mut Receiver<LinkEvent>) -> Vec<LinkEvent> {
    let mut events = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(event) => events.push(event),
            Err(TryRecvError::Empty) => return events,
            Err(other) => panic!("events: {other:?}"),
        }
    }
}

fn names(events: &[LinkEvent]) -> Vec<String> {
    events.iter().map(LinkEvent::name).collect()
}

async fn insert_brands(t: &TestDb, brands: &[(&str, &str)]) {
    brand::Entity::insert_many(brands.iter().map(|(id, name)| {
        brand::Model {
            id: id.to_string(),
            name: name.to_string(),
        }
        .into_active_model()
    }))
    .exec(&t.db)
    .await
    .expect("insert brands");
}

async fn insert_posts(t: &TestDb, posts: &[(&str, &str, bool)]) {
    post::Entity::insert_many(posts.iter().map(|(id, body, deleted)| {
        post::Model {
            id: id.to_string(),
            body: body.to_string(),
            product_id: None,
            deleted_at: deleted.then(chrono::Utc::now),
        }
        .into_active_model()
    }))
    .exec(&t.db)
    .await
    .expect("insert posts");
}

/// Products on `home`, brands on `away` (a second database), `ProductBrand` (and
/// `ProductMaker`) between them; link tables on `home`.
async fn across(home: &TestDb, away: &TestDb) -> Links {
    let links = Links::builder(home.db.clone())
        .module("product")
        .module_on("brand", away.db.clone())
        .link::<ProductBrand>()
        .link::<ProductMaker>()
        .build()
        .expect("registry across connections");
    links.migrate().await.expect("migrate");
    home.take_statements();
    away.take_statements();
    links
}

/// A trigger that makes every insert into and update of `table` fail.
async fn break_table(t: &TestDb, table: &str) {
    match t.backend {
        Backend::Sqlite => {
            t.exec(&format!("CREATE TRIGGER p3_fail_ins BEFORE INSERT ON \"{table}\" BEGIN SELECT RAISE(ABORT, 'p3 injected failure'); END")).await;
            t.exec(&format!("CREATE TRIGGER p3_fail_upd BEFORE UPDATE ON \"{table}\" BEGIN SELECT RAISE(ABORT, 'p3 injected failure'); END")).await;
        }
        Backend::Postgres => {
            t.exec("CREATE OR REPLACE FUNCTION p3_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'p3 injected failure'; END $$").await;
            t.exec(&format!("CREATE TRIGGER p3_fail BEFORE INSERT OR UPDATE ON \"{table}\" FOR EACH ROW EXECUTE FUNCTION p3_fail()")).await;
        }
        Backend::MySql => {
            t.exec(&format!("CREATE TRIGGER p3_fail_ins BEFORE INSERT ON `{table}` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'p3 injected failure'")).await;
            t.exec(&format!("CREATE TRIGGER p3_fail_upd BEFORE UPDATE ON `{table}` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'p3 injected failure'")).await;
        }
    }
}

async fn mend_table(t: &TestDb, table: &str) {
    match t.backend {
        Backend::Postgres => {
            t.exec(&format!("DROP TRIGGER p3_fail ON \"{table}\""))
                .await
        }
        _ => {
            t.exec("DROP TRIGGER p3_fail_ins").await;
            t.exec("DROP TRIGGER p3_fail_upd").await;
        }
    }
}

async fn rows_in(t: &TestDb, table: &str) -> i64 {
    let quoted = if t.backend == Backend::MySql {
        format!("`{table}`")
    } else {
        format!("\"{table}\"")
    };
    t.count(&format!("SELECT COUNT(*) FROM {quoted}")).await
}

async fn product_deleted(t: &TestDb, id: &str) -> bool {
    product::Entity::find_by_id(id.to_string())
        .one(&t.db)
        .await
        .expect("find")
        .expect("exists")
        .deleted_at
        .is_some()
}

fn invalid_input(result: Result<impl std::fmt::Debug, Error>, t: &TestDb, what: &str) -> String {
    match result {
        Err(Error::InvalidInput { message }) => message,
        other => panic!(
            "{:?}: {what}: expected InvalidInput before SQL, got {other:?}",
            t.backend
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// §9.4 across connections: ids pushed down in chunks, with a correct total count
// ---------------------------------------------------------------------------------------------

/// §9.4: "otherwise ids are pushed down in chunks" with "the root's pagination and a correct
/// total count"; §9.3 "Large id sets are chunked under each backend's bind-parameter limit".
/// 66,000 matching brands live on a second connection: more ids than PostgreSQL or MariaDB
/// (65,535) or SQLite (32,766) bind in one statement, twice over (brand ids, then product ids).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "not built: ids pushed down across connections past one statement's bind limit are refused with InvalidInput naming the fix (bind the modules on one connection), not merged in chunks (SPEC §9.4)"]
async fn p3_cross_linked_filter_pages_and_counts_past_every_bind_limit() {
    cross_pages("p3_cross_pages", 66_000).await;
}

/// The same within one statement's bind limit on every backend (30,000 ids; SQLite binds
/// 32,766): the page is taken from the whole ordered set and the count is the total.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_cross_linked_filter_pages_and_counts_within_the_bind_limit() {
    cross_pages("p3_cross_pages_in", 30_000).await;
}

async fn cross_pages(name: &str, n: usize) {
    for home in test_databases(name).await {
        let away = sqlite_database().await;
        let links = across(&home, &away).await;
        let product_ids: Vec<String> = (0..n).map(|i| format!("p{i:05}")).collect();
        let brand_ids: Vec<String> = (0..n).map(|i| format!("b{i:05}")).collect();
        home.products(&product_ids).await;
        home.products(&["y1", "y2", "y3", "z1", "z2"]).await;
        away.brands(&brand_ids).await;
        insert_brands(&away, &[("o1", "Other"), ("o2", "Other")]).await;
        links
            .create_many(
                &home.db,
                (0..n).map(|i| {
                    ProductBrand::new(
                        product::Model::key(product_ids[i].clone()),
                        brand::Model::key(brand_ids[i].clone()),
                    )
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: link {n} products: {e}", home.backend));
        links
            .create_many(
                &home.db,
                [
                    ProductBrand::new(p("y1"), b("o1")),
                    ProductBrand::new(p("y2"), b("o2")),
                    ProductBrand::new(p("y3"), b("o1")),
                ],
            )
            .await
            .expect("others");

        // A page in the middle, ordered by a root field, descending.
        let query = GraphQuery::new("product")
            .fields(["id", "brand.name"])
            .filters(json!({"brand": {"name": {"$like": "Brand%"}}}))
            .order("id", "DESC")
            .skip(n as u64 / 2)
            .take(3);
        let found = graph(&links, &home, &query).await;
        let middle = n - 1 - n / 2;
        let expected: Vec<String> = (0..3).map(|k| format!("p{:05}", middle - k)).collect();
        assert_eq!(
            ids(&found),
            expected,
            "{:?}: the page is taken from the whole ordered set, not per chunk",
            home.backend
        );
        assert_eq!(
            count(&found),
            n as u64,
            "{:?}: the total counts every root of every chunk",
            home.backend
        );
        assert_eq!(
            found.data[0]["brand"],
            json!({"id": format!("b{middle:05}"), "name": format!("Brand b{middle:05}")}),
            "{:?}",
            home.backend
        );

        // The last page, ascending: only what is left.
        let query = GraphQuery::new("product")
            .fields(["id"])
            .filters(json!({"brand": {"name": {"$like": "Brand%"}}}))
            .order("id", "ASC")
            .skip(n as u64 - 2)
            .take(5);
        let found = graph(&links, &home, &query).await;
        assert_eq!(
            ids(&found),
            [format!("p{:05}", n - 2), format!("p{:05}", n - 1)],
            "{:?}",
            home.backend
        );
        assert_eq!(count(&found), n as u64, "{:?}", home.backend);

        // A few matches among many brands.
        let query = GraphQuery::new("product")
            .fields(["id", "brand.id"])
            .filters(json!({"brand": {"name": "Other"}}))
            .order("id", "ASC")
            .take(2);
        let found = graph(&links, &home, &query).await;
        assert_eq!(ids(&found), ["y1", "y2"], "{:?}", home.backend);
        assert_eq!(count(&found), 3, "{:?}", home.backend);
    }
}

/// §9.4 "a correct total count" and "A filter on a linked field selects roots; it does not
/// trim the nested list", across connections, where a root's two matching tags fall in
/// different chunks of pushed-down ids (68,000 tags on the other connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "not built: ids pushed down across connections past one statement's bind limit are refused with InvalidInput naming the fix (bind the modules on one connection), not merged in chunks (SPEC §9.4)"]
async fn p3_cross_many_to_many_filter_counts_each_root_once_across_chunks() {
    cross_tags("p3_cross_tags", 34_000).await;
}

/// The same within one statement's bind limit (28,000 tags, 14,000 products).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_cross_many_to_many_filter_counts_each_root_once_within_the_bind_limit() {
    cross_tags("p3_cross_tags_in", 14_000).await;
}

async fn cross_tags(name: &str, n: usize) {
    for home in test_databases(name).await {
        let away = sqlite_database().await;
        let links = Links::builder(home.db.clone())
            .module("product")
            .module_on("tag", away.db.clone())
            .link::<ProductTag>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let product_ids: Vec<String> = (0..n).map(|i| format!("p{i:05}")).collect();
        let first: Vec<String> = (0..n).map(|i| format!("ta{i:05}")).collect();
        let second: Vec<String> = (0..n).map(|i| format!("tb{i:05}")).collect();
        home.products(&product_ids).await;
        home.products(&["q1"]).await;
        away.tags(&first).await;
        away.tags(&second).await;
        away.tags(&["a1"]).await;
        links
            .create_many(
                &home.db,
                (0..n)
                    .flat_map(|i| [(i, first[i].clone()), (i, second[i].clone())])
                    .map(|(i, tag)| {
                        ProductTag::new(
                            product::Model::key(product_ids[i].clone()),
                            tag::Model::key(tag),
                        )
                    })
                    .chain([ProductTag::new(p("q1"), tg("a1"))]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: link {} tags: {e}", home.backend, 2 * n));

        let query = GraphQuery::new("product")
            .fields(["id", "tags.id"])
            .filters(json!({"tags": {"id": {"$like": "t%"}}}))
            .order("id", "ASC")
            .skip(n as u64 - 2)
            .take(10);
        let found = graph(&links, &home, &query).await;
        assert_eq!(
            count(&found),
            n as u64,
            "{:?}: each product counted once, not once per matching tag",
            home.backend
        );
        assert_eq!(
            ids(&found),
            [format!("p{:05}", n - 2), format!("p{:05}", n - 1)],
            "{:?}",
            home.backend
        );
        let tags: BTreeSet<&str> = found.data[0]["tags"]
            .as_array()
            .map(|tags| tags.iter().filter_map(|tag| tag["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            tags,
            BTreeSet::from([
                format!("ta{:05}", n - 2).as_str(),
                format!("tb{:05}", n - 2).as_str()
            ]),
            "{:?}: the whole list, not only the matching tags",
            home.backend
        );

        // Only the second tags match: still every product once; the list stays whole.
        let query = GraphQuery::new("product")
            .fields(["id", "tags.id"])
            .filters(json!({"tags": {"id": {"$gte": "tb"}}}))
            .order("id", "DESC")
            .take(1);
        let found = graph(&links, &home, &query).await;
        assert_eq!(count(&found), n as u64, "{:?}", home.backend);
        assert_eq!(
            ids(&found),
            [format!("p{:05}", n - 1)],
            "{:?}",
            home.backend
        );
        assert_eq!(
            found.data[0]["tags"].as_array().map(Vec::len),
            Some(2),
            "{:?}",
            home.backend
        );
    }
}

/// §9.4 across connections means what it means on one: `$or` with a root field, `$not`
/// (a root without a brand matches), `$ne` (a root without a brand does not), a filter
/// matching nothing (a page of nothing, count 0, no `IN ()`), and §9.4's "linked filters ignore
/// soft-deleted records" for records on the other connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_cross_boolean_and_empty_linked_filters_mean_what_they_mean_on_one_connection() {
    for home in test_databases("p3_cross_logic").await {
        let away = sqlite_database().await;
        let links = Links::builder(home.db.clone())
            .module("product")
            .module_on("brand", away.db.clone())
            .module_on("post", away.db.clone())
            .link::<ProductBrand>()
            .link::<BrandPost>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        home.products(&["p1", "p2", "p3"]).await;
        insert_brands(&away, &[("b1", "Acme"), ("b2", "Zeta"), ("b3", "Nil")]).await;
        insert_posts(&away, &[("s1", "alpha", false), ("s2", "beta", false)]).await;
        links
            .create_many(
                &home.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b2")),
                ],
            )
            .await
            .expect("brands");
        links
            .create_many(
                &home.db,
                [
                    BrandPost::new(b("b1"), post::Model::key("s1")),
                    BrandPost::new(b("b2"), post::Model::key("s2")),
                ],
            )
            .await
            .expect("posts");
        // s2 is soft-deleted by its module after it was linked.
        post::Entity::update_many()
            .col_expr(
                post::Column::DeletedAt,
                sea_orm::sea_query::Expr::value(Some(chrono::Utc::now())),
            )
            .filter(sea_orm::ColumnTrait::eq(&post::Column::Id, "s2"))
            .exec(&away.db)
            .await
            .expect("soft-delete s2");
        let cases = [
            (
                "product",
                json!({"$or": [{"brand": {"name": "Acme"}}, {"title": "Product p3"}]}),
                vec!["p1", "p3"],
            ),
            (
                "product",
                json!({"$not": {"brand": {"name": "Acme"}}}),
                vec!["p2", "p3"],
            ),
            (
                "product",
                json!({"brand": {"name": {"$ne": "Acme"}}}),
                vec!["p2"],
            ),
            (
                "product",
                json!({"$and": [{"brand": {"name": {"$like": "%e%"}}}, {"title": {"$ne": "Product p2"}}]}),
                vec!["p1"],
            ),
            ("product", json!({"brand": {"name": "Nope"}}), vec![]),
            ("product", json!({"brand": {"id": {"$in": []}}}), vec![]),
            ("brand", json!({"posts": {"id": ["s1", "s2"]}}), vec!["b1"]),
            ("brand", json!({"posts": {"id": "s2"}}), vec![]),
        ];
        for (entity, filters, expected) in cases {
            let query = GraphQuery::new(entity)
                .fields(["id"])
                .filters(filters.clone())
                .order("id", "ASC")
                .take(10);
            let found = links
                .graph(&home.db, &query)
                .await
                .unwrap_or_else(|e| panic!("{:?}: {filters}: {e:?}", home.backend));
            assert_eq!(ids(&found), expected, "{:?}: {filters}", home.backend);
            assert_eq!(
                count(&found),
                expected.len() as u64,
                "{:?}: {filters}: the count",
                home.backend
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// §9.3 statement counts across connections
// ---------------------------------------------------------------------------------------------

/// §9.3: "Each link hop costs exactly two queries (the link table, then the target module)
/// however many parents there are, and hops into the same module at the same depth are
/// merged", with the target modules on a second connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_cross_hops_cost_two_statements_each_and_merge_into_one_module() {
    for home in test_databases("p3_cross_hops").await {
        let away = sqlite_database().await;
        let links = Links::builder(home.db.clone())
            .module("product")
            .module_on("brand", away.db.clone())
            .module_on("post", away.db.clone())
            .link::<ProductBrand>()
            .link::<ProductMaker>()
            .link::<BrandPost>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let product_ids: Vec<String> = (0..300).map(|i| format!("p{i:03}")).collect();
        home.products(&product_ids).await;
        insert_brands(&away, &[("b0", "Acme"), ("b1", "Zeta"), ("b2", "Nil")]).await;
        insert_posts(&away, &[("s0", "alpha", false), ("s1", "beta", false)]).await;
        links
            .create_many(
                &home.db,
                (0..300).map(|i| {
                    ProductBrand::new(
                        product::Model::key(product_ids[i].clone()),
                        brand::Model::key(format!("b{}", i % 2)),
                    )
                }),
            )
            .await
            .expect("brands");
        links
            .create_many(
                &home.db,
                (0..300).map(|i| {
                    ProductMaker::new(
                        product::Model::key(product_ids[i].clone()),
                        brand::Model::key(format!("b{}", (i + 1) % 3)),
                    )
                }),
            )
            .await
            .expect("makers");
        links
            .create_many(
                &home.db,
                [
                    BrandPost::new(b("b0"), post::Model::key("s0")),
                    BrandPost::new(b("b1"), post::Model::key("s1")),
                ],
            )
            .await
            .expect("posts");

        for parents in [1usize, 300] {
            let wanted = &product_ids[..parents];
            let query = GraphQuery::new("product")
                .fields(["id", "brand.name", "maker.name", "brand.posts.body"])
                .filters(json!({"id": wanted}));
            home.take_statements();
            away.take_statements();
            let found = graph(&links, &home, &query).await;
            let at_home = home.take_statements();
            let at_away = away.take_statements();
            assert_eq!(found.data.len(), parents, "{:?}", home.backend);
            assert_eq!(
                at_home.len(),
                4,
                "{:?}: {parents} parents: the root and three link tables: {at_home:#?}",
                home.backend
            );
            assert_eq!(
                at_away.len(),
                2,
                "{:?}: {parents} parents: brands once for `brand` and `maker`, posts once: {at_away:#?}",
                home.backend
            );
            let first = found
                .data
                .iter()
                .find(|record| record["id"] == "p000")
                .expect("p000");
            assert_eq!(
                first,
                &json!({
                    "id": "p000",
                    "brand": {"id": "b0", "name": "Acme", "posts": [{"id": "s0", "body": "alpha"}]},
                    "maker": {"id": "b1", "name": "Zeta"}
                }),
                "{:?}",
                home.backend
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// §9.6 external models
// ---------------------------------------------------------------------------------------------

type Calls = Arc<Mutex<Vec<(String, String, Vec<String>)>>>;

/// The cms module, in process: every review it is asked for exists.
#[derive(Clone, Default)]
struct Reviews {
    calls: Calls,
}

impl ExternalModels for Reviews {
    async fn list(&self, request: ListRequest<'_>) -> Result<Vec<Value>, BoxError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push((
                request.model.to_string(),
                request.field.to_string(),
                request.ids.to_vec(),
            ));
        }
        Ok(request
            .ids
            .iter()
            .map(|id| json!({"id": id, "rating": 4, "body": format!("about {id}")}))
            .collect())
    }
}

/// §9.6: "Query calls it once per hop", with every id, also for a hop two links deep under
/// 3,000 parents; and the hop's link table is read in one statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_external_service_is_called_once_for_a_nested_hop_with_every_id() {
    for t in test_databases("p3_external").await {
        let service = Reviews::default();
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .external("cms", service.clone())
            .link::<ProductBrand>()
            .link::<ProductReview>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let n = 3_000;
        let product_ids: Vec<String> = (0..n).map(|i| format!("p{i:04}")).collect();
        t.products(&product_ids).await;
        t.brands(&["b0", "b1", "b2"]).await;
        links
            .create_many(
                &t.db,
                (0..n).map(|i| {
                    ProductBrand::new(
                        product::Model::key(product_ids[i].clone()),
                        brand::Model::key(format!("b{}", i % 2)),
                    )
                }),
            )
            .await
            .expect("brands");
        links
            .create_many(
                &t.db,
                (0..n)
                    .map(|i| {
                        ProductReview::new(
                            product::Model::key(product_ids[i].clone()),
                            cms::Review::key(format!("r{i:04}")),
                        )
                    })
                    .chain([ProductReview::new(p("p0000"), cms::Review::key("rx"))]),
            )
            .await
            .expect("reviews");
        service.calls.lock().expect("calls").clear();
        t.take_statements();

        let query = GraphQuery::new("brand")
            .fields(["id", "products.id", "products.reviews.rating"])
            .order("id", "ASC");
        let found = graph(&links, &t, &query).await;
        let statements = t.take_statements();
        let calls = service.calls.lock().expect("calls").clone();
        assert_eq!(
            calls.len(),
            1,
            "{:?}: one call for the review hop, got {} ({:?})",
            t.backend,
            calls.len(),
            calls
                .iter()
                .map(|(model, field, ids)| (model, field, ids.len()))
                .collect::<Vec<_>>()
        );
        let (model, field, requested) = &calls[0];
        assert_eq!((model.as_str(), field.as_str()), ("review", "id"));
        let requested: BTreeSet<&str> = requested.iter().map(String::as_str).collect();
        assert_eq!(requested.len(), n + 1, "{:?}: every id", t.backend);
        assert!(requested.contains("rx") && requested.contains("r2999"));
        // The root, product_brand, products, product_review.
        assert_eq!(statements.len(), 4, "{:?}: {statements:#?}", t.backend);
        assert_eq!(ids(&found), ["b0", "b1", "b2"], "{:?}", t.backend);
        let p0000 = found.data[0]["products"]
            .as_array()
            .and_then(|products| products.iter().find(|p| p["id"] == "p0000"))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(
            p0000["reviews"].as_array().map(Vec::len),
            Some(2),
            "{:?}: {p0000}",
            t.backend
        );
        assert_eq!(found.data[2]["products"], json!([]), "{:?}", t.backend);
    }
}

// ---------------------------------------------------------------------------------------------
// §9.7 typed loading across connections
// ---------------------------------------------------------------------------------------------

/// §9.7: "given a slice of left models, return their linked right models grouped per left
/// key, in two queries", with the right models on another connection, repeats in the slice, a
/// product with no link and one whose link points at a brand that is not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_typed_loader_across_connections_groups_per_key_in_two_statements() {
    for home in test_databases("p3_cross_loader").await {
        let away = sqlite_database().await;
        let links = across(&home, &away).await;
        home.products(&["p1", "p2", "p3", "p4", "p5"]).await;
        insert_brands(&away, &[("b1", "Acme"), ("b2", "Zeta"), ("b3", "Nil")]).await;
        links
            .create_many(
                &home.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b2")),
                    ProductBrand::new(p("p5"), b("b1")),
                ],
            )
            .await
            .expect("brands");
        links
            .create_many_with(
                &home.db,
                [ProductBrand::new(p("p4"), b("b9"))],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .expect("a dangling link");
        let all = product::Entity::find().all(&home.db).await.expect("all");
        let pick = |id: &str| all.iter().find(|m| m.id == id).cloned().expect("product");
        let slice = [pick("p1"), pick("p2"), pick("p1"), pick("p3"), pick("p4")];
        home.take_statements();
        away.take_statements();
        let loaded = links
            .load_right::<ProductBrand, _>(&home.db, &slice)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", home.backend));
        let (at_home, at_away) = (home.take_statements(), away.take_statements());
        let got: Vec<Vec<&str>> = loaded
            .iter()
            .map(|brands| brands.iter().map(|brand| brand.id.as_str()).collect())
            .collect();
        assert_eq!(
            got,
            vec![vec!["b1"], vec!["b2"], vec!["b1"], vec![], vec![]],
            "{:?}",
            home.backend
        );
        assert_eq!(
            (at_home.len(), at_away.len()),
            (1, 1),
            "{:?}: the link table at home, the brands away: {at_home:#?} {at_away:#?}",
            home.backend
        );

        let brands = brand::Entity::find().all(&away.db).await.expect("brands");
        let pick = |id: &str| brands.iter().find(|m| m.id == id).cloned().expect("brand");
        home.take_statements();
        away.take_statements();
        let loaded = links
            .load_left::<ProductBrand, _>(&home.db, &[pick("b1"), pick("b3"), pick("b1")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", home.backend));
        let got: Vec<Vec<&str>> = loaded
            .iter()
            .map(|products| products.iter().map(|p| p.id.as_str()).collect())
            .collect();
        assert_eq!(
            got,
            vec![vec!["p1", "p5"], vec![], vec!["p1", "p5"]],
            "{:?}",
            home.backend
        );
        assert_eq!(
            home.take_statements().len() + away.take_statements().len(),
            2,
            "{:?}",
            home.backend
        );
    }
}

// ---------------------------------------------------------------------------------------------
// §8 atomicity and events
// ---------------------------------------------------------------------------------------------

/// §8: "A call that writes several rows or several link tables on one connection is atomic:
/// all or nothing", and events come only from what was written. A JSON batch over two link
/// tables whose second table refuses the write (a trigger) leaves the first table untouched
/// and emits nothing, in either order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_batch_failing_in_its_second_link_table_writes_nothing_and_emits_nothing() {
    for t in test_databases("p3_batch_half").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        let brand_table = links
            .table_name::<ProductBrand>()
            .expect("table")
            .to_string();
        let tag_table = links.table_name::<ProductTag>().expect("table").to_string();
        let brand_pair = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}});
        let tag_pair = json!({"product": {"product_id": "p1"}, "tag": {"tag_id": "t1"}});
        let mut rx = links.subscribe();
        for (broken, batch) in [
            (&tag_table, json!([brand_pair, tag_pair])),
            (&brand_table, json!([tag_pair, brand_pair])),
            (&tag_table, json!([tag_pair, brand_pair])),
            (&brand_table, json!([brand_pair, tag_pair])),
        ] {
            break_table(&t, broken).await;
            let result = links.create_json(&t.db, &batch).await;
            assert!(result.is_err(), "{:?}: {batch}: {result:?}", t.backend);
            mend_table(&t, broken).await;
            assert_eq!(
                (
                    rows_in(&t, &brand_table).await,
                    rows_in(&t, &tag_table).await
                ),
                (0, 0),
                "{:?}: {batch} with {broken} refusing: nothing written",
                t.backend
            );
            let events = drain(&mut rx);
            assert!(
                events.is_empty(),
                "{:?}: {batch}: nothing written, nothing emitted: {:?}",
                t.backend,
                names(&events)
            );
        }
        // Mended, the same batch writes both and says so once per link.
        links
            .create_json(&t.db, &json!([brand_pair, tag_pair]))
            .await
            .expect("both");
        assert_eq!(
            names(&drain(&mut rx)),
            ["ProductBrand.attached", "ProductTag.attached"]
        );
    }
}

/// §8: "A call that writes several rows or several link tables on one connection is atomic"
/// — a delete that dismisses rows of two link tables and fails in the second changes nothing
/// (the record stays live, both links stay live) and emits nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_delete_failing_in_its_second_link_table_changes_nothing_and_emits_nothing() {
    for t in test_databases("p3_delete_half").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("brand");
        links
            .create(&t.db, ProductTag::new(p("p1"), tg("t1")))
            .await
            .expect("tag");
        let mut rx = links.subscribe();
        for table in [
            links.table_name::<ProductTag>().expect("table").to_string(),
            links
                .table_name::<ProductBrand>()
                .expect("table")
                .to_string(),
        ] {
            break_table(&t, &table).await;
            let result = links.delete(&t.db, [p("p1")]).await;
            mend_table(&t, &table).await;
            assert!(result.is_err(), "{:?}: {table}: {result:?}", t.backend);
            assert!(
                !product_deleted(&t, "p1").await,
                "{:?}: {table} refused: p1 stays live",
                t.backend
            );
            assert_eq!(
                spec_helpers::live::<ProductBrand>(&t, &links).await,
                [("p1".to_string(), "b1".to_string())],
                "{:?}: {table} refused",
                t.backend
            );
            assert_eq!(
                spec_helpers::live::<ProductTag>(&t, &links).await,
                [("p1".to_string(), "t1".to_string())],
                "{:?}: {table} refused",
                t.backend
            );
            let events = drain(&mut rx);
            assert!(
                events.is_empty(),
                "{:?}: {table}: {:?}",
                t.backend,
                names(&events)
            );
        }
        // Mended, the delete goes through, and a restore brings both back.
        links.delete(&t.db, [p("p1")]).await.expect("delete");
        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(
            spec_helpers::live::<ProductTag>(&t, &links).await.len(),
            1,
            "{:?}",
            t.backend
        );
    }
}

/// §8 restore: "It refuses with a Conflict, restoring nothing, where reviving a link would
/// break cardinality" — nothing revived, no event, the message names the link, its direction
/// and the records; and since nothing was restored, the same restore works once the conflict
/// is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_refused_restore_restores_nothing_emits_nothing_and_can_be_retried() {
    for t in test_databases("p3_restore_refused").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("links");
        links.delete(&t.db, [b("b1")]).await.expect("delete b1");
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("p1 takes b2");
        let mut rx = links.subscribe();
        let err = links
            .restore(&t.db, [b("b1")])
            .await
            .expect_err("p1 may have one brand");
        assert_eq!(kind(&err), "Conflict", "{:?}: {err:?}", t.backend);
        let message = err.to_string();
        assert_eq!(
            spec_helpers::live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b2".to_string())],
            "{:?}: nothing restored (p2 → b1 neither)",
            t.backend
        );
        assert!(drain(&mut rx).is_empty(), "{:?}", t.backend);

        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("free p1");
        drain(&mut rx);
        links
            .restore(&t.db, [b("b1")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: retried restore: {e}", t.backend));
        assert_eq!(
            spec_helpers::live::<ProductBrand>(&t, &links).await,
            [
                ("p1".to_string(), "b1".to_string()),
                ("p2".to_string(), "b1".to_string())
            ],
            "{:?}: the refused restore kept the stamp",
            t.backend
        );
        let events = drain(&mut rx);
        assert_eq!(names(&events), ["ProductBrand.attached"], "{:?}", t.backend);
        assert_eq!(events[0].rows.len(), 2, "{:?}", t.backend);
        for needle in [
            "ProductBrand (product → brand)",
            "p1",
            "b2",
            "nothing was restored",
        ] {
            assert!(
                message.contains(needle),
                "{:?}: the message names {needle}: {message}",
                t.backend
            );
        }
    }
}

/// §11: "Every message names the link …, the record ids involved where there are any, and
/// the fix": a refused restore of brand b1 names the link it could not revive (p1 → b1), not
/// only the partner p1 has now, so the caller knows which record's restore to retry and what
/// to dismiss.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_refused_restore_names_the_link_it_could_not_revive() {
    for t in test_databases("p3_restore_message").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1 → b1");
        links.delete(&t.db, [b("b1")]).await.expect("delete b1");
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("p1 takes b2");
        let err = links
            .restore(&t.db, [b("b1")])
            .await
            .expect_err("p1 may have one brand");
        let message = err.to_string();
        assert!(
            message.contains("b1"),
            "{:?}: names the restored brand b1 and its link p1 → b1: {message}",
            t.backend
        );
    }
}

/// §8 events: "attached / detached per link": one event per link per write, each changed row
/// once — a batch naming a pair twice, a dismiss naming a pair twice and a pair that is not
/// linked, and a delete touching two link tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_events_carry_each_changed_row_once() {
    for t in test_databases("p3_events_rows").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1", "t2"]).await;
        let mut rx = links.subscribe();

        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: a pair named twice: {e}", t.backend));
        let events = drain(&mut rx);
        assert_eq!(names(&events), ["ProductBrand.attached"], "{:?}", t.backend);
        let attached: Vec<(&str, &str)> = events[0]
            .rows
            .iter()
            .map(|row| (row.left.as_str(), row.right.as_str()))
            .collect();
        assert_eq!(
            attached.len(),
            2,
            "{:?}: each row once: {attached:?}",
            t.backend
        );
        let distinct: BTreeSet<&String> = events[0].rows.iter().map(|row| &row.id).collect();
        assert_eq!(distinct.len(), 2, "{:?}", t.backend);

        let dismissed = links
            .dismiss_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p3"), b("b1")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(dismissed, 1, "{:?}: one row dismissed", t.backend);
        let events = drain(&mut rx);
        assert_eq!(names(&events), ["ProductBrand.detached"], "{:?}", t.backend);
        assert_eq!(events[0].rows.len(), 1, "{:?}", t.backend);
        assert_eq!(events[0].kind, LinkEventKind::Detached);

        links
            .create_many(
                &t.db,
                [
                    ProductTag::new(p("p2"), tg("t1")),
                    ProductTag::new(p("p2"), tg("t2")),
                ],
            )
            .await
            .expect("tags");
        drain(&mut rx);
        links.delete(&t.db, [p("p2")]).await.expect("delete p2");
        let mut events = names(&drain(&mut rx));
        events.sort();
        assert_eq!(
            events,
            ["ProductBrand.detached", "ProductTag.detached"],
            "{:?}: one event per link",
            t.backend
        );
    }
}

// ---------------------------------------------------------------------------------------------
// §11 input the database would reject
// ---------------------------------------------------------------------------------------------

/// §11: "Input the database would reject (a NUL byte on PostgreSQL …) is caught before SQL
/// (InvalidInput)" — in the keys of every write and read of the Link service, typed and JSON,
/// with and without the record check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_nul_byte_in_a_key_is_invalid_input_in_every_operation() {
    for t in test_databases("p3_nul_keys").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1 → b1");
        let nul = "p\u{0}1";
        invalid_input(
            links
                .create(&t.db, ProductBrand::new(p(nul), b("b1")))
                .await,
            &t,
            "create",
        );
        invalid_input(
            links
                .create_many_with(
                    &t.db,
                    [ProductBrand::new(p(nul), b("b1"))],
                    CreateOptions::default().skip_record_check(),
                )
                .await,
            &t,
            "create without the record check",
        );
        invalid_input(
            links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b\u{0}")))
                .await,
            &t,
            "dismiss",
        );
        invalid_input(
            links
                .update(&t.db, ProductBrand::new(p(nul), b("b1")))
                .await,
            &t,
            "update",
        );
        invalid_input(
            links
                .list(
                    &t.db,
                    ListFilter::<ProductBrand>::all().right([b("b\u{0}")]),
                )
                .await,
            &t,
            "list",
        );
        invalid_input(links.delete(&t.db, [p(nul)]).await, &t, "delete");
        invalid_input(links.restore(&t.db, [p(nul)]).await, &t, "restore");
        let json_pair = json!({"product": {"product_id": nul}, "brand": {"brand_id": "b1"}});
        invalid_input(
            links.create_json(&t.db, &json_pair).await,
            &t,
            "create_json",
        );
        invalid_input(
            links.dismiss_json(&t.db, &json_pair).await,
            &t,
            "dismiss_json",
        );
        invalid_input(
            links
                .list_json(&t.db, &json!({"brand": {"brand_id": ["b1", "b\u{0}"]}}))
                .await,
            &t,
            "list_json",
        );
        invalid_input(
            links
                .delete_json(&t.db, &json!({"product": {"product_id": [nul]}}))
                .await,
            &t,
            "delete_json",
        );
        // Nothing changed.
        assert_eq!(
            spec_helpers::live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}",
            t.backend
        );
    }
}

/// §11: a NUL byte "is caught before SQL (InvalidInput)" also in linked filters, the link's
/// own columns included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_nul_byte_in_a_linked_filter_is_invalid_input() {
    for t in test_databases("p3_nul_filter").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        for filters in [
            json!({"brand": {"name": "Ac\u{0}me"}}),
            json!({"brand": {"id": {"$in": ["b1", "b\u{0}"]}}}),
            json!({"brand": {"note": {"$like": "x\u{0}%"}}}),
            json!({"$or": [{"title": "x"}, {"brand": {"name": {"$ilike": "\u{0}%"}}}]}),
            json!({"tags": {"id": "\u{0}"}}),
        ] {
            invalid_input(
                links
                    .graph(
                        &t.db,
                        &GraphQuery::new("product")
                            .fields(["id"])
                            .filters(filters.clone()),
                    )
                    .await,
                &t,
                &filters.to_string(),
            );
        }
    }
}

/// §11: "Input the database would reject (a NUL byte on PostgreSQL …) is caught before SQL
/// (InvalidInput)" — also where it is a link's extra data: a text column (PostgreSQL's `text`
/// cannot hold a NUL) and a JSON column (`jsonb` refuses `\u0000`), typed and JSON. Either
/// refused as `InvalidInput` on every backend, or kept byte for byte where the backend can
/// hold it; never a `Database` error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_a_nul_byte_in_extra_data_is_invalid_input_not_a_database_error() {
    for t in test_databases("p3_nul_data").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3", "p4"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p4"), b("b1")))
            .await
            .expect("p4 → b1");
        let mut wrong = Vec::new();
        let mut judge = |what: &str, result: Result<(), Error>| match (result, t.backend) {
            (Err(Error::InvalidInput { .. }), _) => {}
            (Ok(()), backend) if backend != Backend::Postgres => {}
            (other, backend) => wrong.push(format!("{backend:?}: {what}: {other:?}")),
        };
        judge(
            "typed text",
            links
                .create(
                    &t.db,
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().note(Some("a\u{0}b".into()))),
                )
                .await
                .map(|row| assert_eq!(row.extra.note.as_deref(), Some("a\u{0}b"))),
        );
        judge(
            "JSON text",
            links
                .create_json(
                    &t.db,
                    &json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": {"note": "x\u{0}"}}),
                )
                .await
                .map(drop),
        );
        judge(
            "JSON update of a text",
            links
                .update_json(
                    &t.db,
                    &json!({"product": {"product_id": "p4"}, "brand": {"brand_id": "b1"}, "data": {"note": "y\u{0}"}}),
                )
                .await
                .map(drop),
        );
        judge(
            "JSON column",
            links
                .create_json(
                    &t.db,
                    &json!({"product": {"product_id": "p3"}, "tag": {"tag_id": "t1"}, "data": {"meta": {"k": "v\u{0}"}}}),
                )
                .await
                .map(drop),
        );
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}

/// §11: "`$like` on a number … is caught before SQL (InvalidInput)" — through a link: a linked
/// model's integer key, the link's integer, boolean, float and date-time columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_like_on_a_linked_field_that_is_not_text_is_invalid_input() {
    for t in test_databases("p3_like_linked").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.regions(&[1, 12]).await;
        let cases = [
            ("product", json!({"brand": {"position": {"$like": "1%"}}})),
            ("product", json!({"brand": {"featured": {"$ilike": "t%"}}})),
            ("product", json!({"tags": {"weight": {"$like": "1%"}}})),
            ("product", json!({"tags": {"added_at": {"$like": "2024%"}}})),
            ("brand", json!({"regions": {"id": {"$like": "1%"}}})),
            (
                "brand",
                json!({"$or": [{"name": "x"}, {"regions": {"id": {"$ilike": "1%"}}}]}),
            ),
        ];
        for (entity, filters) in cases {
            let message = invalid_input(
                links
                    .graph(
                        &t.db,
                        &GraphQuery::new(entity)
                            .fields(["id"])
                            .filters(filters.clone()),
                    )
                    .await,
                &t,
                &filters.to_string(),
            );
            assert!(
                message.contains("not a text column"),
                "{:?}: {filters}: {message}",
                t.backend
            );
        }
    }
}

/// §11: input the database would reject never reaches it: a text compared with an integer
/// key (PostgreSQL: "operator does not exist: integer = text") or with the link's integer and
/// boolean columns, numbers past any integer, on the root and through links. Either refused
/// as `InvalidInput` or answered (then with no record), never a `Database` error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_ill_typed_values_on_non_text_fields_never_reach_the_database() {
    for t in test_databases("p3_ill_typed").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.regions(&[1, 2]).await;
        links
            .create(&t.db, RegionBrand::new(spec_helpers::r("1"), b("b1")))
            .await
            .expect("region 1 → b1");
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1 → b1");
        let cases = [
            ("region", json!({"id": "abc"})),
            ("region", json!({"id": {"$gt": "x"}})),
            ("region", json!({"id": {"$in": [1, "two"]}})),
            ("region", json!({"id": true})),
            ("region", json!({"id": 1.5})),
            ("region", json!({"id": 100000000000000000000u128 as f64})),
            ("region", json!({"id": {"$lt": 18446744073709551615u64}})),
            ("brand", json!({"regions": {"id": "abc"}})),
            ("brand", json!({"regions": {"id": {"$nin": ["x"]}}})),
            ("product", json!({"brand": {"position": "high"}})),
            ("product", json!({"brand": {"featured": "yes"}})),
            ("product", json!({"brand": {"position": {"$gte": [1]}}})),
        ];
        for (entity, filters) in cases {
            let result = links
                .graph(
                    &t.db,
                    &GraphQuery::new(entity)
                        .fields(["id"])
                        .filters(filters.clone()),
                )
                .await;
            match result {
                Err(Error::InvalidInput { .. } | Error::UnknownField { .. }) => {}
                Ok(found) if !filters.to_string().contains("$nin") && entity != "region" => {
                    assert!(
                        found.data.is_empty(),
                        "{:?}: {entity} {filters}: {:?}",
                        t.backend,
                        found.data
                    );
                }
                Ok(_) => {}
                Err(other) => panic!(
                    "{:?}: {entity} {filters}: expected InvalidInput or an answer, got {other:?}",
                    t.backend
                ),
            }
        }
    }
}

/// §11: "more `$in` values than a statement can bind is caught before SQL (InvalidInput) or
/// handled (chunked)": through a link in Query, and in the Link service's list, dismiss and
/// delete with 70,000 keys (over every backend's bind limit). Never a database error; where
/// answered, answered right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_more_keys_than_a_statement_binds_are_refused_or_chunked_never_a_database_error() {
    for t in test_databases("p3_many_keys").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("links");
        let n = 70_000;
        let brand_ids: Vec<String> = (0..n)
            .map(|i| {
                if i == n / 2 {
                    "b1".into()
                } else {
                    format!("nb{i}")
                }
            })
            .collect();

        // Query through a link: the 10,000-value rule of the root applies.
        let result = links
            .graph(
                &t.db,
                &GraphQuery::new("product")
                    .fields(["id"])
                    .filters(json!({"brand": {"id": {"$in": brand_ids.clone()}}})),
            )
            .await;
        invalid_input(result, &t, "a linked `$in` of 70,000");

        // The typed list.
        match links
            .list(
                &t.db,
                ListFilter::<ProductBrand>::all()
                    .right(brand_ids.iter().map(|id| brand::Model::key(id.clone()))),
            )
            .await
        {
            Ok(rows) => assert_eq!(rows.len(), 2, "{:?}", t.backend),
            Err(Error::InvalidInput { .. }) => {}
            Err(other) => panic!("{:?}: list of 70,000: {other:?}", t.backend),
        }
        // The JSON list.
        match links
            .list_json(&t.db, &json!({"brand": {"brand_id": brand_ids.clone()}}))
            .await
        {
            Ok(rows) => assert_eq!(rows.len(), 2, "{:?}", t.backend),
            Err(Error::InvalidInput { .. }) => {}
            Err(other) => panic!("{:?}: list_json of 70,000: {other:?}", t.backend),
        }
        // A dismiss of 70,000 pairs, one of them live.
        let pairs: Vec<_> = (0..n)
            .map(|i| {
                let left = if i == 7 {
                    "p1".to_string()
                } else {
                    format!("np{i}")
                };
                ProductBrand::new(product::Model::key(left), b("b1"))
            })
            .collect();
        match links.dismiss_many(&t.db, pairs).await {
            Ok(dismissed) => {
                assert_eq!(dismissed, 1, "{:?}", t.backend);
                assert_eq!(
                    spec_helpers::live::<ProductBrand>(&t, &links).await,
                    [("p2".to_string(), "b1".to_string())],
                    "{:?}",
                    t.backend
                );
            }
            Err(Error::InvalidInput { .. }) => {}
            Err(other) => panic!("{:?}: dismiss of 70,000: {other:?}", t.backend),
        }
        // A delete of 70,000 ids, two of them records (cleanup after a bulk hard delete).
        let product_ids: Vec<String> = (0..n)
            .map(|i| match i {
                10 => "p2".to_string(),
                60_000 => "p3".to_string(),
                _ => format!("gone{i}"),
            })
            .collect();
        match links
            .delete(
                &t.db,
                product_ids.iter().map(|id| product::Model::key(id.clone())),
            )
            .await
        {
            Ok(report) => {
                let found: Vec<&String> = report
                    .records
                    .get("product.product")
                    .map(|ids| ids.iter().collect())
                    .unwrap_or_default();
                assert_eq!(found, ["p2", "p3"], "{:?}", t.backend);
                assert!(product_deleted(&t, "p3").await, "{:?}", t.backend);
            }
            Err(Error::InvalidInput { .. }) => {}
            Err(other) => panic!("{:?}: delete of 70,000: {other:?}", t.backend),
        }
    }
}

/// §8 create: "an unknown or ill-typed `data` column … → InvalidInput", raised before
/// anything is written: numbers an `i32` or `i64` column cannot hold (MariaDB without a strict
/// `sql_mode` would clamp them; PostgreSQL would fail), a fraction for an integer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_json_data_out_of_its_columns_range_is_invalid_input_with_nothing_written() {
    for t in test_databases("p3_data_range").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        t.posts(&["s1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("p2 → b1");
        for data in [
            json!({"position": 3_000_000_000u64}),
            json!({"position": -2_147_483_649i64}),
            json!({"position": 1.5}),
            json!({"position": "3"}),
        ] {
            let create = links
                .create_json(
                    &t.db,
                    &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": data}),
                )
                .await;
            invalid_input(create, &t, &format!("create {data}"));
            let update = links
                .update_json(
                    &t.db,
                    &json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": data}),
                )
                .await;
            invalid_input(update, &t, &format!("update {data}"));
        }
        let votes = links
            .create_json(
                &t.db,
                &json!({"tag": {"tag_id": "t1"}, "post": {"post_id": "s1"}, "data": {"reason": "r", "votes": 10_000_000_000_000_000_000u64}}),
            )
            .await;
        invalid_input(votes, &t, "votes past i64");
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows.len(), 1, "{:?}: p1 → b1 never written", t.backend);
        assert_eq!(rows[0].extra.position, 0, "{:?}: p2's unchanged", t.backend);
        assert!(
            links
                .list(&t.db, ListFilter::<TagPost>::all())
                .await
                .expect("list")
                .is_empty()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// §11 messages and §7 registry errors
// ---------------------------------------------------------------------------------------------

/// §11: "Every message names the link (by its marker name and `left → right`), the record ids
/// involved where there are any, and the fix", with the brand module on another connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_messages_name_the_link_its_direction_the_ids_and_the_fix_across_connections() {
    for home in test_databases("p3_cross_messages").await {
        let away = sqlite_database().await;
        let links = across(&home, &away).await;
        home.products(&["p1", "p2"]).await;
        insert_brands(&away, &[("b1", "Acme"), ("b2", "Zeta")]).await;

        let err = links
            .create_many(
                &home.db,
                [
                    ProductBrand::new(p("p1"), b("b9")),
                    ProductBrand::new(p("p8"), b("b1")),
                ],
            )
            .await
            .expect_err("b9 and p8 do not exist");
        let message = err.to_string();
        match &err {
            Error::NotFound { records, .. } => {
                assert_eq!(records.get("brand.brand"), Some(&vec!["b9".to_string()]));
                assert_eq!(
                    records.get("product.product"),
                    Some(&vec!["p8".to_string()])
                );
            }
            other => panic!("{:?}: {other:?}", home.backend),
        }
        for needle in ["ProductBrand (product → brand)", "b9", "p8"] {
            assert!(
                message.contains(needle),
                "{:?}: names {needle}: {message}",
                home.backend
            );
        }

        links
            .create(&home.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1 → b1");
        let err = links
            .create(&home.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect_err("one brand per product");
        let message = err.to_string();
        assert_eq!(kind(&err), "Conflict", "{:?}: {err:?}", home.backend);
        for needle in [
            "ProductBrand (product → brand)",
            "product p1 is already linked to brand b1",
            "mark the brand side `is_list`",
        ] {
            assert!(
                message.contains(needle),
                "{:?}: names {needle}: {message}",
                home.backend
            );
        }

        let err = links
            .create_many(
                &home.db,
                [
                    ProductBrand::new(p("p2"), b("b1")),
                    ProductBrand::new(p("p2"), b("b2")),
                ],
            )
            .await
            .expect_err("two brands for p2 in one batch");
        let message = err.to_string();
        assert_eq!(kind(&err), "Conflict", "{:?}: {err:?}", home.backend);
        for needle in ["ProductBrand (product → brand)", "p2", "`is_list`"] {
            assert!(
                message.contains(needle),
                "{:?}: names {needle}: {message}",
                home.backend
            );
        }
        assert!(
            message.contains("b1") || message.contains("b2"),
            "{:?}: {message}",
            home.backend
        );
        assert!(
            links
                .list(&home.db, ListFilter::<ProductBrand>::all().left([p("p2")]))
                .await
                .expect("list")
                .is_empty(),
            "{:?}",
            home.backend
        );

        let err = links
            .update(&home.db, ProductBrand::new(p("p2"), b("b2")))
            .await
            .expect_err("p2 → b2 is not linked");
        let message = err.to_string();
        assert_eq!(kind(&err), "NotFound", "{:?}: {err:?}", home.backend);
        for needle in ["ProductBrand (product → brand)", "p2", "b2"] {
            assert!(
                message.contains(needle),
                "{:?}: names {needle}: {message}",
                home.backend
            );
        }
    }
}

mod second {
    use link_tests::models::{brand, product};

    link_runtime::define_link! {
        /// Another link named `ProductBrand`, in another Rust module: its own table and aliases.
        pub ProductBrand: product::Model [is_list, alias = "second_products"]
            => brand::Model [is_list, alias = "second_brands"],
        table = "second_product_brand",
    }
}

fn definition_message(result: Result<Links, Error>) -> String {
    match result {
        Err(Error::Definition { message }) => message,
        Err(other) => panic!("expected a definition error, got {other:?}"),
        Ok(_) => panic!("expected a definition error, the registry was built"),
    }
}

/// §7: `build()` refuses "duplicate links … naming the definitions involved and the fix": two
/// links of one name (in two Rust modules) could not be told apart by `"link": "ProductBrand"`
/// in the JSON shape nor by their events' names (`ProductBrand.attached`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_two_links_of_one_name_are_refused_naming_both_definitions() {
    for t in test_databases("p3_registry_names").await {
        let message = definition_message(
            Links::builder(t.db.clone())
                .module("product")
                .module("brand")
                .link::<ProductBrand>()
                .link::<second::ProductBrand>()
                .build(),
        );
        assert!(
            message.contains("tests/src/links.rs:")
                && message.contains("tests/integration/spec_boundaries.rs:"),
            "{:?}: names both definitions: {message}",
            t.backend
        );
        assert!(message.contains("ProductBrand"), "{message}");
    }
}

/// §7: an unbound module is a `build()` error naming the definitions and the fix; for a module
/// of external models the fix is to bind its service (`.external("cms", service)`), and binding
/// it to a database connection instead is refused the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_an_unbound_external_module_is_named_with_its_fix() {
    for t in test_databases("p3_registry_external").await {
        let message = definition_message(
            Links::builder(t.db.clone())
                .module("product")
                .link::<ProductReview>()
                .build(),
        );
        assert!(
            message.contains("ProductReview (product → review)"),
            "{:?}: {message}",
            t.backend
        );
        assert!(
            message.contains("`cms`") && message.contains(".external(\"cms\""),
            "{:?}: the fix for a module of external models binds its service: {message}",
            t.backend
        );
    }
}

/// §9.6 and §11: a module of external models (no table of ours) bound to a database
/// connection still stores its links (writes skip the record checks of external models), but a
/// query that reads its records is refused with the fix (bind its service with `.external`),
/// not answered with nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_an_external_module_bound_to_a_connection_is_refused_when_query_reads_it() {
    for t in test_databases("p3_registry_external_db").await {
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("cms")
            .link::<ProductReview>()
            .build()
            .expect("a module of external models bound to a database builds");
        links.migrate().await.expect("migrate");
        t.products(&["p1"]).await;
        links
            .create(&t.db, ProductReview::new(p("p1"), cms::Review::key("r1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: the link is stored: {e}", t.backend));
        let err = links
            .graph(
                &t.db,
                &GraphQuery::new("product").fields(["id", "reviews.*"]),
            )
            .await
            .expect_err("the reviews cannot be read from a database");
        let message = err.to_string();
        assert!(
            kind(&err) == "InvalidInput"
                && message.contains("cms")
                && message.contains(".external(\"cms\""),
            "{:?}: {message}",
            t.backend
        );
    }
}

/// §8 + §7: a one-to-one link whose right module is on another connection keeps its
/// cardinality and its atomicity: a batch with one pair taking a partner already taken writes
/// none of its pairs, and emits nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p3_cross_one_to_one_batch_with_one_taken_partner_writes_nothing() {
    for home in test_databases("p3_cross_one_to_one").await {
        let away = sqlite_database().await;
        let links = Links::builder(home.db.clone())
            .module("customer")
            .module_on("wishlist", away.db.clone())
            .link::<CustomerWishlist>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        home.customers(&["c1", "c2", "c3"]).await;
        away.wishlists(&["w1", "w2", "w3"]).await;
        let c = customer::Model::key;
        let w = wishlist::Model::key;
        links
            .create(&home.db, CustomerWishlist::new(c("c1"), w("w1")))
            .await
            .expect("c1 → w1");
        let mut rx = links.subscribe();
        let err = links
            .create_many(
                &home.db,
                [
                    CustomerWishlist::new(c("c2"), w("w2")),
                    CustomerWishlist::new(c("c3"), w("w1")),
                ],
            )
            .await
            .expect_err("w1 is taken");
        assert_eq!(kind(&err), "Conflict", "{:?}: {err:?}", home.backend);
        let message = err.to_string();
        assert!(
            message.contains("CustomerWishlist (customer → wishlist)")
                && message.contains("w1")
                && message.contains("c1"),
            "{:?}: {message}",
            home.backend
        );
        let live: Vec<(String, String)> = links
            .list(&home.db, ListFilter::<CustomerWishlist>::all())
            .await
            .expect("list")
            .into_iter()
            .map(|row| (row.left.to_string(), row.right.to_string()))
            .collect();
        assert_eq!(
            live,
            [("c1".to_string(), "w1".to_string())],
            "{:?}",
            home.backend
        );
        assert!(drain(&mut rx).is_empty(), "{:?}", home.backend);
    }
}
