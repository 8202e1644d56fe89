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

define_link! {
    /// A column of every supported kind, nullable or not, with and without defaults.
    pub ShelfCarKinds: Shelf [is_list] => Car [is_list],
    extra_columns {
        flag: bool = true,
        small: i16,
        count: Option<i32>,
        big: i64 = 7,
        ratio: f32,
        share: Option<f64> = 0.5,
        note: String = "n",
        seen_at: Option<chrono::DateTime<chrono::Utc>>,
        local_at: chrono::NaiveDateTime,
        day: Option<chrono::NaiveDate>,
        token: Option<sea_orm::prelude::Uuid>,
        meta: Option<serde_json::Value>,
        price: sea_orm::prelude::Decimal,
    },
    table = "shelf_car_kinds",
}

/// A column as the database's catalogue reports it: its type, whether it takes NULL, whether it
/// has a default (MariaDB reports a nullable column's implicit default as the text `NULL`: none).
#[derive(Debug)]
struct CatalogueColumn {
    ty: String,
    nullable: bool,
    has_default: bool,
}

async fn catalogue_columns(
    t: &TestDb,
    table: &str,
) -> std::collections::BTreeMap<String, CatalogueColumn> {
    let sql = match t.backend {
        Backend::Postgres => format!(
            "SELECT CAST(column_name AS text), CAST(data_type AS text), CAST(is_nullable AS text), CAST(column_default IS NOT NULL AS text) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
        Backend::MySql => format!(
            "SELECT CAST(column_name AS char), CAST(data_type AS char), CAST(is_nullable AS char), CAST(column_default IS NOT NULL AND column_default <> 'NULL' AS char) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}'"
        ),
        Backend::Sqlite => format!(
            "SELECT name, type, CASE WHEN \"notnull\" = 1 THEN 'NO' ELSE 'YES' END, CAST(dflt_value IS NOT NULL AS text) FROM pragma_table_info('{table}')"
        ),
    };
    let rows =
        t.db.query_all_raw(Statement::from_string(t.db.get_database_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
    rows.iter()
        .map(|row| {
            let text = |i: usize| row.try_get_by_index::<String>(i).expect("a text column");
            let truthy = |s: String| matches!(s.as_str(), "1" | "true" | "t");
            (
                text(0),
                CatalogueColumn {
                    ty: text(1).to_lowercase(),
                    nullable: text(2) == "YES",
                    has_default: truthy(text(3)),
                },
            )
        })
        .collect()
}

/// The catalogue's names for a column of the entity's type, per backend: what a column must be
/// for the entity to read and write it.
fn compatible_types(backend: Backend, ty: &sea_orm::ColumnType) -> &'static [&'static str] {
    use sea_orm::ColumnType as T;
    match (backend, ty) {
        (Backend::Postgres, T::Boolean) => &["boolean"],
        (Backend::MySql, T::Boolean) => &["tinyint"],
        (Backend::Sqlite, T::Boolean) => &["boolean"],
        (Backend::MySql, T::Integer) => &["int"],
        (_, T::SmallInteger) => &["smallint"],
        (_, T::Integer) => &["integer"],
        (_, T::BigInteger) => &["bigint"],
        (Backend::MySql, T::Float) => &["float"],
        (_, T::Float) => &["real"],
        (Backend::Postgres, T::Double) => &["double precision"],
        (Backend::MySql, T::Double) => &["double"],
        (Backend::Sqlite, T::Double) => &["real"],
        (Backend::Postgres, T::String(_)) => &["character varying"],
        (Backend::MySql, T::String(_)) => &["varchar"],
        (Backend::Sqlite, T::String(_)) => &["varchar(255)"],
        (_, T::Text) => &["text"],
        (Backend::Postgres, T::TimestampWithTimeZone) => &["timestamp with time zone"],
        (Backend::Postgres, T::DateTime) => &["timestamp without time zone"],
        (Backend::MySql, T::TimestampWithTimeZone | T::DateTime) => &["datetime"],
        (Backend::Sqlite, T::TimestampWithTimeZone | T::DateTime | T::Date) => &["text"],
        (_, T::Date) => &["date"],
        (Backend::Postgres, T::Uuid) => &["uuid"],
        (Backend::MySql, T::Uuid) => &["binary"],
        (Backend::Sqlite, T::Uuid) => &["blob"],
        (Backend::Postgres, T::Json | T::JsonBinary) => &["jsonb"],
        // MariaDB reports JSON as longtext.
        (Backend::MySql, T::Json | T::JsonBinary) => &["json", "longtext"],
        (Backend::Sqlite, T::Json | T::JsonBinary) => &["json_text"],
        (Backend::Postgres, T::Decimal(_)) => &["numeric"],
        (Backend::MySql, T::Decimal(_)) => &["decimal"],
        (Backend::Sqlite, T::Decimal(_)) => &["real"],
        _ => &[],
    }
}

/// SPEC §3 (one description of a link table): the table `migrate()` creates is the one the
/// generated entity describes, column for column: names, types, nullability and defaults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_created_table_is_the_entity() {
    use sea_orm::{ColumnTrait, Iterable};
    for t in test_databases("table_is_entity").await {
        let links = link_runtime::Links::builder(t.db.clone())
            .module("shelf")
            .module("car")
            .module("user")
            .link::<UserCar>()
            .link::<ShelfCarKinds>()
            .build()
            .expect("registry");
        links
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        for (table, defs) in [
            (
                TableNames::of(&UserCar::SPEC).table,
                user_car::Column::iter()
                    .map(|c| (sea_orm::IdenStatic::as_str(&c).to_string(), c.def()))
                    .collect::<Vec<_>>(),
            ),
            (
                "shelf_car_kinds".to_string(),
                shelf_car_kinds::Column::iter()
                    .map(|c| (sea_orm::IdenStatic::as_str(&c).to_string(), c.def()))
                    .collect(),
            ),
        ] {
            let mut live = catalogue_columns(&t, &table).await;
            if t.backend == Backend::MySql {
                // The generated columns the cardinality indexes use; not the entity's.
                live.retain(|name, _| !name.starts_with("live_"));
            }
            let names: Vec<&String> = defs.iter().map(|(name, _)| name).collect();
            assert_eq!(
                live.keys().collect::<Vec<_>>(),
                {
                    let mut sorted = names.clone();
                    sorted.sort();
                    sorted
                },
                "{:?} {table}: the columns",
                t.backend
            );
            for (name, def) in &defs {
                let column = &live[name];
                let ty = def.get_column_type();
                assert!(
                    compatible_types(t.backend, ty).contains(&column.ty.as_str()),
                    "{:?} {table}.{name}: the table has {} where the entity has {ty:?}",
                    t.backend,
                    column.ty
                );
                assert_eq!(
                    column.nullable,
                    def.is_null(),
                    "{:?} {table}.{name}: nullability",
                    t.backend
                );
                assert_eq!(
                    column.has_default,
                    def.get_column_default().is_some(),
                    "{:?} {table}.{name}: a default",
                    t.backend
                );
            }
        }
    }
}
