//! Link tables: Medusa's exact DDL and index names, our cardinality indexes, and `migrate()`
//! being idempotent, on every backend.

mod common;

use link_runtime::schema::{TableNames, ddl};
use link_runtime::{LinkDefinition, Linkable, define_link};
use link_tests::{Backend, TestDb, test_databases};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Medusa's `user` and `car` test modules, as external models (no table of ours).
#[derive(Debug, Linkable)]
#[linkable(module = "user")]
pub struct User {
    pub id: String,
}

#[derive(Debug, Linkable)]
#[linkable(module = "car")]
pub struct Car {
    pub id: String,
}

define_link! { pub UserCar: User => Car }

#[test]
fn postgres_ddl_is_medusas_plus_cardinality_indexes() {
    let names = TableNames::of(&UserCar::SPEC);
    assert_eq!(names.table, "user_user_car_car");
    assert_eq!(names.hash, "-92128f74");
    let statements = ddl::create_table(DbBackend::Postgres, &UserCar::SPEC, &names);
    // The first five statements are, to the character, what Medusa's migration test pins.
    assert_eq!(
        statements[..5],
        [
            r#"create table if not exists "user_user_car_car" ("user_id" varchar(255) not null, "car_id" varchar(255) not null, "id" varchar(255) not null, "created_at" timestamptz not null default CURRENT_TIMESTAMP, "updated_at" timestamptz not null default CURRENT_TIMESTAMP, "deleted_at" timestamptz null, constraint "user_user_car_car_pkey" primary key ("user_id", "car_id"))"#,
            r#"create index if not exists "IDX_id_-92128f74" on "user_user_car_car" ("id")"#,
            r#"CREATE INDEX IF NOT EXISTS "IDX_user_id_-92128f74" ON "user_user_car_car" ("user_id") WHERE deleted_at IS NULL"#,
            r#"CREATE INDEX IF NOT EXISTS "IDX_car_id_-92128f74" ON "user_user_car_car" ("car_id") WHERE deleted_at IS NULL"#,
            r#"create index if not exists "IDX_deleted_at_-92128f74" on "user_user_car_car" ("deleted_at")"#,
        ]
    );
    // One-to-one: both key columns unique over live rows.
    assert_eq!(
        statements[5..],
        [
            r#"CREATE UNIQUE INDEX IF NOT EXISTS "IDX_user_id_live_unique_-92128f74" ON "user_user_car_car" ("user_id") WHERE deleted_at IS NULL"#,
            r#"CREATE UNIQUE INDEX IF NOT EXISTS "IDX_car_id_live_unique_-92128f74" ON "user_user_car_car" ("car_id") WHERE deleted_at IS NULL"#,
        ]
    );
}

#[test]
fn unique_indexes_follow_cardinality() {
    use link_tests::links::{BrandPost, ProductBrand, ProductTag};
    let uniques = |spec: &link_runtime::LinkSpec| -> Vec<String> {
        let names = TableNames::of(spec);
        ddl::create_table(DbBackend::Postgres, spec, &names)
            .into_iter()
            .filter(|s| s.starts_with("CREATE UNIQUE"))
            .collect()
    };
    // product [is_list] => brand: each product has one brand.
    let product_brand = uniques(&ProductBrand::SPEC);
    assert_eq!(product_brand.len(), 1);
    assert!(
        product_brand[0].contains(r#"("product_id")"#),
        "{product_brand:?}"
    );
    // brand => post [is_list]: each post has one brand.
    let brand_post = uniques(&BrandPost::SPEC);
    assert_eq!(brand_post.len(), 1);
    assert!(brand_post[0].contains(r#"("post_id")"#), "{brand_post:?}");
    // Many-to-many: the primary key alone.
    assert!(uniques(&ProductTag::SPEC).is_empty());
}

async fn index_names(t: &TestDb, table: &str) -> Vec<String> {
    let (sql, column) = match t.backend {
        Backend::Postgres => (
            format!(
                "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '{table}'"
            ),
            "name",
        ),
        Backend::Sqlite => (
            format!(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND name NOT LIKE 'sqlite_%'"
            ),
            "name",
        ),
        Backend::MySql => (
            format!(
                "SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = '{table}'"
            ),
            "name",
        ),
    };
    let rows =
        t.db.query_all_raw(Statement::from_string(t.sea_backend(), sql))
            .await
            .expect("catalog");
    let mut names: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", column).expect("name"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_creates_medusa_named_indexes_and_is_idempotent() {
    for t in test_databases("migrate_indexes").await {
        let links = common::registry(&t).await;
        links
            .migrate()
            .await
            .expect("second migrate changes nothing");
        let table = links
            .table_name::<link_tests::links::ProductBrand>()
            .expect("registered");
        assert_eq!(table, "product_product_brand_brand");
        let mut expected = vec![
            "IDX_brand_id_29c624132".to_string(),
            "IDX_deleted_at_29c624132".to_string(),
            "IDX_id_29c624132".to_string(),
            "IDX_product_id_29c624132".to_string(),
            "IDX_product_id_live_unique_29c624132".to_string(),
        ];
        match t.backend {
            Backend::Postgres => expected.push("product_product_brand_brand_pkey".into()),
            Backend::MySql => expected.push("PRIMARY".into()),
            Backend::Sqlite => {}
        }
        expected.sort();
        assert_eq!(index_names(&t, table).await, expected, "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_itself_refuses_a_second_live_partner() {
    for t in test_databases("db_enforces_cardinality").await {
        let _links = common::registry(&t).await;
        let now = match t.backend {
            Backend::MySql => "CURRENT_TIMESTAMP(6)",
            _ => "CURRENT_TIMESTAMP",
        };
        let q = |name: &str| match t.backend {
            Backend::MySql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        };
        let insert = |product: &str, brand: &str, id: &str| {
            format!(
                "INSERT INTO {} ({}, {}, {}, {}, {}) VALUES ('{product}', '{brand}', '{id}', {now}, {now})",
                q("product_product_brand_brand"),
                q("product_id"),
                q("brand_id"),
                q("id"),
                q("created_at"),
                q("updated_at")
            )
        };
        t.db.execute_unprepared(&insert("p1", "b1", "l1"))
            .await
            .expect("first live row");
        let err =
            t.db.execute_unprepared(&insert("p1", "b2", "l2"))
                .await
                .expect_err("a product has one live brand, whoever writes the row");
        assert!(
            matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ),
            "{:?}: {err}",
            t.backend
        );
        t.db.execute_unprepared(&format!(
            "UPDATE {} SET {} = {now}",
            q("product_product_brand_brand"),
            q("deleted_at")
        ))
        .await
        .expect("dismiss by hand");
        t.db.execute_unprepared(&insert("p1", "b2", "l3"))
            .await
            .unwrap_or_else(|e| panic!("{:?}: dismissed rows do not count: {e}", t.backend));
    }
}

// A model whose attributes come from a `macro_rules!` (its `:literal` fragments reach the derive
// inside invisible groups), with a default that needs escaping on MySQL.
macro_rules! external_model {
    ($name:ident, $module:literal) => {
        #[derive(Debug, Linkable)]
        #[linkable(module = $module)]
        pub struct $name {
            pub id: String,
        }
    };
}

external_model!(Shelf, "shelf");

define_link! {
    /// A label whose default has a quote, a backslash and a percent sign.
    pub ShelfCar: Shelf => Car,
    extra_columns { label: String = "it's a \\ back%slash" },
    table = "shelf_car",
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_defaults_are_escaped_for_each_backend() {
    assert_eq!(
        Shelf::MODEL.module,
        "shelf",
        "a `:literal` fragment is a string"
    );
    for t in test_databases("string_default").await {
        let links = link_runtime::Links::builder(t.db.clone())
            .module("shelf")
            .module("car")
            .link::<ShelfCar>()
            .build()
            .expect("registry");
        links
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let row = links
            .create(&t.db, ShelfCar::new(Shelf::key("s1"), Car::key("c1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            row.extra.label, "it's a \\ back%slash",
            "{:?}: the declared default, as written",
            t.backend
        );
    }
}
