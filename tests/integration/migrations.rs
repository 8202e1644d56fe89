//! Migrations as a reviewable plan (SPEC §10): every kind of step on every backend, ownership
//! rows, adoption of a table Medusa created, the lock around concurrent applies, and
//! the SQL each backend gets.

use link_runtime::schema::{TableNames, ddl};
use link_runtime::{Apply, Error, LinkDefinition, Links, Plan, StepKind, define_link};
use link_tests::links::{CustomerWishlist, ProductBrand, ProductTag, TagPost};
use link_tests::models::{brand, product, tag};
use link_tests::plans::{kinds, plan};
use link_tests::{TestDb, test_databases};
use sea_orm::DbBackend;

define_link! {
    /// The first version of a link.
    pub ItemV1: product::Model [is_list] => tag::Model [is_list],
    table = "item_tags",
}

define_link! {
    /// The same link with a defaulted and a nullable extra column.
    pub ItemV2: product::Model [is_list] => tag::Model [is_list],
    extra_columns { weight: i32 = 1, note: Option<String> },
    table = "item_tags",
}

define_link! {
    /// A NOT NULL extra column without a default.
    pub ItemV3: product::Model [is_list] => tag::Model [is_list],
    extra_columns { weight: i32 = 1, note: Option<String>, reason: String },
    table = "item_tags",
}

define_link! {
    /// `weight` changes type and `note` goes.
    pub ItemV4: product::Model [is_list] => tag::Model [is_list],
    extra_columns { weight: String = "1" },
    table = "item_tags",
}

define_link! {
    /// The first version under a new table name.
    pub ItemRenamed: product::Model [is_list] => tag::Model [is_list],
    table = "item_tag_links",
}

fn registry<L: LinkDefinition>(t: &TestDb) -> Links {
    Links::builder(t.db.clone())
        .application("tests")
        .module("product")
        .module("tag")
        .module("brand")
        .link::<L>()
        .build()
        .expect("registry")
}

async fn apply(links: &Links, t: &TestDb, plan: &Plan, mode: Apply) -> Plan {
    links
        .apply(plan, mode)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
}

async fn link_item(t: &TestDb, table: &str, product: &str) {
    t.exec(&format!(
        "INSERT INTO {table} (product_id, tag_id, id) VALUES ('{product}', 't1', 'l_{product}')"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_nothing_to_do() {
    for t in test_databases("migrate_create").await {
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .module("tag")
            .module("post")
            .link::<ProductBrand>()
            .link::<TagPost>()
            .build()
            .expect("registry");
        let first = plan(&links, &t).await;
        assert_eq!(
            kinds(&first),
            [
                (StepKind::Create, "product_product_brand_brand"),
                (StepKind::Create, "tag_tag_post_post")
            ],
            "{:?}",
            t.backend
        );
        let names = TableNames::of(&ProductBrand::SPEC);
        let expected = ddl::create_table(t.sea_backend(), &ProductBrand::SPEC, &names);
        // The ownership row first (on MySQL, where each DDL statement commits, a crash after the
        // table leaves it owned, not adopted), then the DDL.
        assert_eq!(first.steps[0].sql[1..], expected[..], "{:?}", t.backend);
        assert!(
            first.steps[0].sql[0].contains("link_table_owners")
                && first.steps[0].sql[0].contains(r#"{"fromModule":"product","toModule":"brand","fromModel":"product","toModel":"brand"}"#),
            "{:?}: {:?}",
            t.backend,
            first.steps[0].sql
        );
        assert!(first.to_string().starts_with("create  product_product_brand_brand: link ProductBrand (product → brand): create its table\n"), "{first}");

        let ran = apply(&links, &t, &first, Apply::Safe).await;
        assert_eq!(ran.steps.len(), 2, "{:?}", t.backend);
        let again = plan(&links, &t).await;
        assert!(again.is_up_to_date(), "{:?}: {again}", t.backend);
        assert_eq!(
            again.to_string().lines().next(),
            Some("link tables are up to date")
        );
        let ran = apply(&links, &t, &first, Apply::All).await;
        assert!(
            ran.steps.is_empty(),
            "{:?}: applying twice does nothing: {ran}",
            t.backend
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM link_table_owners").await,
            2,
            "{:?}",
            t.backend
        );
        assert!(
            t.columns("link_module_migrations").await.is_empty(),
            "{:?}: Medusa's tracking table is Medusa's: read, never written",
            t.backend
        );

        // A table that exists and is not owned (made by hand, by Medusa, by an earlier version) is adopted.
        t.exec("DELETE FROM link_table_owners WHERE table_name = 'tag_tag_post_post'")
            .await;
        let adopt = plan(&links, &t).await;
        assert_eq!(
            kinds(&adopt),
            [
                (StepKind::Noop, "product_product_brand_brand"),
                (StepKind::Adopt, "tag_tag_post_post")
            ],
            "{:?}",
            t.backend
        );
        assert_eq!(
            adopt.steps[1].sql.len(),
            1,
            "{:?}: only the ownership row",
            t.backend
        );
        links.migrate().await.expect("adopt");
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_updates_and_unsafe_changes() {
    for t in test_databases("migrate_update").await {
        registry::<ItemV1>(&t).migrate().await.expect("v1");
        link_item(&t, "item_tags", "p1").await;

        // New defaulted and nullable columns: a safe update, rows kept and given the default.
        let v2 = registry::<ItemV2>(&t);
        let update = plan(&v2, &t).await;
        assert_eq!(
            kinds(&update),
            [(StepKind::Update, "item_tags")],
            "{:?}",
            t.backend
        );
        assert_eq!(update.steps[0].sql.len(), 2, "{:?}: {update}", t.backend);
        v2.migrate().await.expect("v2");
        assert!(plan(&v2, &t).await.is_up_to_date(), "{:?}", t.backend);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM item_tags WHERE weight = 1")
                .await,
            1
        );

        // NOT NULL without a default on a table with rows: unsafe and blocked, so refused with
        // the fix, even under Apply::All, and nothing changes.
        let v3 = registry::<ItemV3>(&t);
        let blocked = plan(&v3, &t).await;
        assert_eq!(
            kinds(&blocked),
            [
                (StepKind::Noop, "item_tags"),
                (StepKind::Unsafe, "item_tags")
            ],
            "{:?}",
            t.backend
        );
        let reason = blocked.steps[1].blocked.clone().expect("blocked");
        assert!(
            reason.contains("give `reason` a default in `extra_columns` (`reason: T = …`) or make it `Option<T>`"),
            "{reason}"
        );
        let e = v3.apply(&blocked, Apply::All).await.expect_err("refused");
        assert!(matches!(e, Error::Schema { .. }), "{e}");
        assert!(e.to_string().ends_with("nothing was applied"), "{e}");
        // SPEC §10: never `Ok` while a declared link lacks a column it needs.
        let e = v3
            .migrate()
            .await
            .expect_err("the step the link needs cannot run");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("`item_tags`: link ItemV3") && message.contains("give `reason` a default")),
            "{:?}: {e}",
            t.backend
        );
        assert!(!t.columns("item_tags").await.contains(&"reason".to_string()));
        // …and the service refuses to write through the link until it has it.
        let e = v3
            .create(
                &t.db,
                ItemV3::new(product::Model::key("p1"), tag::Model::key("t1")),
            )
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("lacks the column `reason`")),
            "{:?}: {e}",
            t.backend
        );

        // A type change and a dropped column: unsafe, run only under All once reviewed.
        let v4 = registry::<ItemV4>(&t);
        let risky = plan(&v4, &t).await;
        let unsafe_steps: Vec<&str> = risky
            .steps_of(StepKind::Unsafe)
            .map(|s| s.summary.as_str())
            .collect();
        assert_eq!(unsafe_steps.len(), 2, "{:?}: {risky}", t.backend);
        assert!(
            unsafe_steps[0].contains("extra column `weight` is"),
            "{}",
            unsafe_steps[0]
        );
        assert!(
            unsafe_steps[1].contains("column `note` is no longer declared"),
            "{}",
            unsafe_steps[1]
        );
        let ran = apply(&v4, &t, &risky, Apply::Safe).await;
        assert!(ran.steps.is_empty(), "{:?}", t.backend);
        assert!(t.columns("item_tags").await.contains(&"note".to_string()));
        let ran = apply(&v4, &t, &risky, Apply::All).await;
        assert_eq!(ran.steps.len(), 2, "{:?}", t.backend);
        assert!(!t.columns("item_tags").await.contains(&"note".to_string()));
        assert!(plan(&v4, &t).await.is_up_to_date(), "{:?}", t.backend);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM item_tags").await,
            1,
            "{:?}: the row is kept",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renames_keep_rows_and_drops_wait_for_all() {
    for t in test_databases("migrate_rename").await {
        registry::<ItemV1>(&t).migrate().await.expect("v1");
        link_item(&t, "item_tags", "p1").await;
        link_item(&t, "item_tags", "p2").await;

        let renamed = registry::<ItemRenamed>(&t);
        let rename = plan(&renamed, &t).await;
        assert_eq!(
            kinds(&rename),
            [(StepKind::Rename, "item_tag_links")],
            "{:?}",
            t.backend
        );
        assert!(
            rename.steps[0]
                .summary
                .contains("its table was `item_tags`")
        );
        renamed.migrate().await.expect("rename");
        assert_eq!(
            t.count("SELECT COUNT(*) FROM item_tag_links").await,
            2,
            "{:?}",
            t.backend
        );
        assert!(plan(&renamed, &t).await.is_up_to_date(), "{:?}", t.backend);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM link_table_owners WHERE table_name = 'item_tag_links'")
                .await,
            1
        );

        // The link goes (another takes its place): its table is dropped only under All.
        let other = registry::<ProductBrand>(&t);
        let drop = plan(&other, &t).await;
        assert_eq!(
            kinds(&drop),
            [
                (StepKind::Create, "product_product_brand_brand"),
                (StepKind::Drop, "item_tag_links")
            ],
            "{:?}",
            t.backend
        );
        assert!(
            drop.steps[1].summary.ends_with("its 2 row(s) are lost"),
            "{}",
            drop.steps[1].summary
        );
        other.migrate().await.expect("safe");
        assert_eq!(t.count("SELECT COUNT(*) FROM item_tag_links").await, 2);
        let ran = apply(&other, &t, &drop, Apply::All).await;
        assert_eq!(
            kinds(&ran),
            [(StepKind::Drop, "item_tag_links")],
            "{:?}",
            t.backend
        );
        assert!(
            t.columns("item_tag_links").await.is_empty(),
            "{:?}: dropped",
            t.backend
        );
        assert!(plan(&other, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_medusa_created_is_adopted_without_losing_rows() {
    let Some(t) = link_tests::db::postgres_only("migrate_adopt", 5).await else {
        return;
    };
    // Exactly the DDL Medusa writes (`medusa-behaviour.md` §1.1): ours minus the unique
    // indexes, as the schema test pins.
    let names = TableNames::of(&ProductBrand::SPEC);
    for sql in ddl::create_table(DbBackend::Postgres, &ProductBrand::SPEC, &names)
        .iter()
        .filter(|sql| !sql.contains("UNIQUE"))
    {
        t.exec(sql).await;
    }
    // Medusa accepted a second live brand for p1, which our cardinality forbids.
    for (product, brand, id) in [("p1", "b1", "l1"), ("p1", "b2", "l2"), ("p2", "b1", "l3")] {
        t.exec(
            &format!("INSERT INTO product_product_brand_brand (product_id, brand_id, id) VALUES ('{product}', '{brand}', '{id}')"),
        )
        .await;
    }
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .build()
        .expect("registry");
    let adopt = plan(&links, &t).await;
    assert_eq!(
        kinds(&adopt),
        [
            (StepKind::Adopt, "product_product_brand_brand"),
            (StepKind::Unsafe, "product_product_brand_brand")
        ]
    );
    assert_eq!(
        adopt.steps[1].blocked.as_deref(),
        Some(
            "existing live rows break it: product p1 have several live brand partners; dismiss the extra links, then migrate again"
        )
    );
    // The adoption runs; the cardinality index cannot, and migrate says so.
    let e = links.migrate().await.expect_err("p1 has two brands");
    assert!(
        matches!(&e, Error::Schema { message } if message.contains("1 safe step(s) ran") && message.contains("product p1 have several live brand partners")),
        "{e}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM product_product_brand_brand")
            .await,
        3
    );
    // A third brand for p2 is refused until the index exists (the table would take it).
    let e = links
        .create(
            &t.db,
            ProductBrand::new(product::Model::key("p2"), brand::Model::key("b2")),
        )
        .await
        .expect_err("no index, no create");
    assert!(
        matches!(&e, Error::Schema { message } if message.contains("lacks the unique index that enforces one live brand per product")),
        "{e}"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM link_table_owners").await, 1);

    // Once the extra link is dismissed, the cardinality index is a safe update.
    links
        .dismiss(
            &t.db,
            ProductBrand::new(product::Model::key("p1"), brand::Model::key("b2")),
        )
        .await
        .expect("dismiss");
    let update = plan(&links, &t).await;
    assert_eq!(
        kinds(&update),
        [(StepKind::Update, "product_product_brand_brand")]
    );
    links.migrate().await.expect("index");
    assert!(plan(&links, &t).await.is_up_to_date());
    assert_eq!(
        t.count("SELECT COUNT(*) FROM product_product_brand_brand")
            .await,
        3
    );
    let e = links
        .create(
            &t.db,
            ProductBrand::new(product::Model::key("p2"), brand::Model::key("b2")),
        )
        .await;
    assert!(e.is_err(), "the database now refuses a second brand for p2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_applies_do_not_race() {
    for t in test_databases("migrate_concurrent").await {
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
            .expect("registry");
        let runs = (0..6).map(|_| {
            let links = links.clone();
            tokio::spawn(async move { links.migrate().await })
        });
        for run in runs {
            run.await
                .expect("task")
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        }
        assert_eq!(
            t.count("SELECT COUNT(*) FROM link_table_owners").await,
            3,
            "{:?}",
            t.backend
        );
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

/// An application's sea-orm-migration migrator with the link tables as one of its migrations.
struct Migrator;

impl sea_orm_migration::MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![Box::new(link_runtime::migration::LinkTables::new(
            "m20261122_000001_link_tables",
            |links| {
                links
                    .module("product")
                    .module("brand")
                    .link::<ProductBrand>()
            },
        ))]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sea_orm_migrator_applies_link_tables() {
    use sea_orm_migration::MigratorTrait;
    for t in test_databases("migrate_migrator").await {
        Migrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .link::<ProductBrand>()
            .build()
            .expect("registry");
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM seaql_migrations").await,
            1,
            "{:?}",
            t.backend
        );
        Migrator::up(&t.db, None)
            .await
            .expect("nothing left to run");
        links
            .create(
                &t.db,
                ProductBrand::new(product::Model::key("p1"), brand::Model::key("b1")),
            )
            .await
            .expect_err("records p1 and b1 do not exist: the link table works and checks them");
    }
}

#[test]
fn each_backend_gets_its_own_sql() {
    let mut text = String::new();
    for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
        for spec in [ProductBrand::SPEC, CustomerWishlist::SPEC, ProductTag::SPEC] {
            text.push_str(&format!("-- {backend:?} {}\n", spec.display_name()));
            for sql in ddl::create_table(backend, &spec, &TableNames::of(&spec)) {
                text.push_str(&sql);
                text.push_str(";\n");
            }
        }
    }
    insta::assert_snapshot!("create_table_sql", text);
}
