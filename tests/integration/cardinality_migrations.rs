//! Cardinality is part of the schema (SPEC §10): relaxing a side drops the unique index the
//! declaration no longer wants (a safe step); tightening adds one, a step that is unsafe and
//! blocked where live rows break it, naming them. `migrate()` never returns `Ok` while a link
//! lacks an index it needs, and the service refuses creates through it until it has it. Every
//! change, each direction, with and without offending rows, on SQLite, PostgreSQL and MariaDB.

use link_runtime::{Error, Key, LinkDefinition, Links, ListFilter, Plan, StepKind, define_link};
use link_tests::models::{brand, product};
use link_tests::{TestDb, test_databases};

define_link! {
    /// No limit either way.
    pub ManyToMany: product::Model [is_list] => brand::Model [is_list],
    table = "card_pb",
}

define_link! {
    /// Each product has one brand.
    pub OneBrandEach: product::Model [is_list] => brand::Model,
    table = "card_pb",
}

define_link! {
    /// Each brand has one product.
    pub OneProductEach: product::Model => brand::Model [is_list],
    table = "card_pb",
}

define_link! {
    /// One each way.
    pub OneToOne: product::Model => brand::Model,
    table = "card_pb",
}

fn registry<L: LinkDefinition>(t: &TestDb) -> Links {
    Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .link::<L>()
        .build()
        .expect("registry")
}

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

async fn plan(links: &Links, t: &TestDb) -> Plan {
    links
        .plan()
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
}

fn kinds(plan: &Plan) -> Vec<StepKind> {
    plan.steps.iter().map(|s| s.kind).collect()
}

fn schema_error<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) -> String {
    match result {
        Err(Error::Schema { message }) => message,
        other => panic!("{what}: expected a Schema error, got {other:?}"),
    }
}

/// A fresh database on each backend with records and the many-to-many table.
async fn start(name: &str) -> Vec<(TestDb, Links)> {
    let mut out = Vec::new();
    for t in test_databases(name).await {
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1", "b2", "b3"]).await;
        let links = registry::<ManyToMany>(&t);
        links.migrate().await.expect("many-to-many");
        out.push((t, links));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tightening_without_offending_rows_is_a_safe_update() {
    for (t, m2m) in start("card_tighten_ok").await {
        m2m.create_many(
            &t.db,
            [
                ManyToMany::new(p("p1"), b("b1")),
                ManyToMany::new(p("p2"), b("b1")),
            ],
        )
        .await
        .expect("rows");
        let one_brand = registry::<OneBrandEach>(&t);
        let update = plan(&one_brand, &t).await;
        assert_eq!(
            kinds(&update),
            [StepKind::Update],
            "{:?}: {update}",
            t.backend
        );
        // Before the index exists, creates through the tightened link are refused.
        let message = schema_error(
            one_brand
                .create(&t.db, OneBrandEach::new(p("p3"), b("b3")))
                .await,
            "create before migrate",
        );
        assert!(
            message.contains("lacks the unique index that enforces one live brand per product"),
            "{message}"
        );
        one_brand.migrate().await.expect("safe");
        assert!(plan(&one_brand, &t).await.is_up_to_date());
        one_brand
            .create(&t.db, OneBrandEach::new(p("p3"), b("b3")))
            .await
            .expect("p3 → b3");
        let err = one_brand
            .create(&t.db, OneBrandEach::new(p("p1"), b("b2")))
            .await
            .expect_err("a second brand");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{:?}: {err:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tightening_with_offending_rows_is_blocked_naming_them_until_they_go() {
    for (t, m2m) in start("card_tighten_blocked").await {
        m2m.create_many(
            &t.db,
            [
                ManyToMany::new(p("p1"), b("b1")),
                ManyToMany::new(p("p1"), b("b2")),
                ManyToMany::new(p("p2"), b("b1")),
            ],
        )
        .await
        .expect("rows");

        // Each product one brand: p1 has two.
        let one_brand = registry::<OneBrandEach>(&t);
        let blocked = plan(&one_brand, &t).await;
        assert_eq!(
            kinds(&blocked),
            [StepKind::Noop, StepKind::Unsafe],
            "{:?}: {blocked}",
            t.backend
        );
        assert_eq!(
            blocked.steps[1].blocked.as_deref(),
            Some(
                "existing live rows break it: product p1 have several live brand partners; dismiss the extra links, then migrate again"
            )
        );
        let message = schema_error(one_brand.migrate().await, "migrate");
        assert!(
            message.contains("`card_pb`: link OneBrandEach (product → brand): the unique index")
                && message.contains("product p1 have several live brand partners"),
            "{message}"
        );
        let message = schema_error(
            one_brand
                .create(&t.db, OneBrandEach::new(p("p3"), b("b3")))
                .await,
            "create",
        );
        assert!(message.contains("run `links.migrate()`"), "{message}");
        // Dismissing is how the rows are fixed: allowed.
        assert!(
            one_brand
                .dismiss(&t.db, OneBrandEach::new(p("p1"), b("b2")))
                .await
                .expect("dismiss the extra link")
        );
        one_brand.migrate().await.expect("now the index goes in");
        one_brand
            .create(&t.db, OneBrandEach::new(p("p3"), b("b3")))
            .await
            .expect("p3 → b3");

        // The other direction: each brand one product; b1 has two.
        let one_product = registry::<OneProductEach>(&t);
        let message = schema_error(one_product.migrate().await, "migrate");
        assert!(
            message.contains("brand b1 have several live product partners"),
            "{:?}: {message}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relaxing_drops_the_index_the_declaration_no_longer_wants() {
    for (t, _) in start("card_relax").await {
        let one_to_one = registry::<OneToOne>(&t);
        one_to_one.migrate().await.expect("one-to-one");
        one_to_one
            .create(&t.db, OneToOne::new(p("p1"), b("b1")))
            .await
            .expect("p1 → b1");

        // Each brand many products (relaxed on the left); each product still one brand.
        let one_brand = registry::<OneBrandEach>(&t);
        let relax = plan(&one_brand, &t).await;
        assert_eq!(
            kinds(&relax),
            [StepKind::Update],
            "{:?}: {relax}",
            t.backend
        );
        assert!(
            relax.steps[0]
                .sql
                .iter()
                .any(|sql| sql.to_lowercase().starts_with("drop index")),
            "{relax}"
        );
        // Until it runs, the old index would refuse what the link now allows: refused clearly.
        let message = schema_error(
            one_brand
                .create(&t.db, OneBrandEach::new(p("p2"), b("b1")))
                .await,
            "create before migrate",
        );
        assert!(
            message.contains("still has a unique index allowing one live product per brand, which the declaration relaxed"),
            "{message}"
        );
        one_brand.migrate().await.expect("relax");
        assert!(
            plan(&one_brand, &t).await.is_up_to_date(),
            "{:?}",
            t.backend
        );
        one_brand
            .create(&t.db, OneBrandEach::new(p("p2"), b("b1")))
            .await
            .expect("a second product for b1");
        let err = one_brand
            .create(&t.db, OneBrandEach::new(p("p2"), b("b2")))
            .await
            .expect_err("still one brand per product");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{:?}: {err:?}",
            t.backend
        );

        // Fully relaxed: both indexes gone, anything goes.
        let m2m = registry::<ManyToMany>(&t);
        m2m.migrate().await.expect("relax again");
        m2m.create(&t.db, ManyToMany::new(p("p2"), b("b2")))
            .await
            .expect("p2 → b2");
        assert_eq!(
            m2m.list(&t.db, ListFilter::<ManyToMany>::all())
                .await
                .expect("list")
                .len(),
            3
        );

        // And back to one-to-one: p2 now has two brands and b1 two products.
        let tight = registry::<OneToOne>(&t);
        let message = schema_error(tight.migrate().await, "migrate");
        assert!(
            message.contains("product p2 have several live brand partners")
                && message.contains("brand b1 have several live product partners"),
            "{:?}: {message}",
            t.backend
        );
    }
}
