//! Link tables as Medusa lays them out and names them (SPEC §6, medusa-behaviour §1), what
//! `#[derive(Linkable)]` records (§4) and what `define_link!`'s options do at run time (§5).
//! Written from the SPEC before reading the code; expected names computed by hand with
//! Medusa's `composeTableName`, `compressName` and `simpleHash`. On SQLite, PostgreSQL and
//! MariaDB.

mod common;
mod spec_helpers;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use link_runtime::sea_orm::prelude::{Decimal, Uuid};
use link_runtime::{Error, Key, Linkable, Links, ListFilter, define_link};
use link_tests::models::{customer, product, region, wishlist};
use link_tests::{Backend, TestDb, test_databases};
use sea_orm::{ConnectionTrait, DbBackend, EntityName, EntityTrait, Schema, Statement};

use spec_helpers::*;

mod stock {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "stock_location_reservation_item")]
    #[linkable(module = "warehouse_inventory_management")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub deleted_at: Option<DateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod tier {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "loyalty_reward_tier")]
    #[linkable(module = "customer_loyalty_programme")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod budget {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "campaign_budget_allocation")]
    #[linkable(module = "campaign")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A sea-orm primary key that is not `id`, beside a field named `id`, and a key override.
mod voucher {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "promotion_voucher")]
    #[linkable(module = "promotion", key = "voucher_code")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod reward {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "promotion_campaign_reward")]
    #[linkable(module = "promotion")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A sea-orm model whose primary key is not named `id`, with no field `id`.
mod sku {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "sku_item")]
    #[linkable(module = "catalog")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku: String,
        pub deleted_at: DateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// Plain structs (external models).
mod ext {
    use link_runtime::Linkable;

    #[derive(Clone, Debug, PartialEq, Linkable)]
    #[linkable(module = "giftcard")]
    pub struct GiftCardBatch {
        pub id: String,
        #[linkable(primary_key)]
        pub code: String,
    }

    #[derive(Clone, Debug, PartialEq, Linkable)]
    #[linkable(module = "ledger", name = "entry")]
    pub struct LedgerEntry {
        pub id: String,
        pub deleted_at: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Linkable)]
    #[linkable(module = "ledger", key = "ledger_ref")]
    pub struct LedgerLine {
        pub id: i64,
    }
}

define_link! {
    /// One-to-one between two models with long module and model names.
    pub StockTier: stock::Model => tier::Model,
}

define_link! {
    /// Exactly 58 characters uncompressed.
    pub BudgetVoucher: budget::Model => voucher::Model [is_list],
}

define_link! {
    /// Compressed by dropping a repeated part only.
    pub BudgetReward: budget::Model [is_list] => reward::Model [is_list],
    id_prefix = "brw",
}

define_link! {
    /// Every extra-column type the SPEC lists, with defaults, and nullable ones.
    pub TypedExtras: product::Model [is_list] => region::Model [is_list],
    extra_columns {
        flag: bool = true,
        small: i16 = -3,
        count: i32 = 7,
        big: i64 = 9000000000,
        ratio: f32 = 0.5,
        score: f64 = 2.25,
        title: String = "untitled",
        day: NaiveDate = "2024-02-03",
        doc: serde_json::Value = "{\"k\": [1, 2]}",
        amount: Decimal = "12.50",
        at: Option<DateTime<Utc>>,
        naive: Option<NaiveDateTime>,
        uid: Option<Uuid>,
        maybe_text: Option<String>,
        maybe_big: Option<i64>,
    },
    table = "probe_typed_extras", id_prefix = "pte",
}

define_link! {
    /// A date-time column with a declared default.
    pub StampDefault: product::Model [is_list] => customer::Model [is_list],
    extra_columns {
        at: DateTime<Utc> = "2024-02-03T06:05:06.123456+02:00",
        naive: NaiveDateTime = "2024-02-03 04:05:06.5",
    },
    table = "probe_stamp_default",
}

define_link! {
    /// A UUID column with a declared default.
    pub UuidDefault: product::Model [is_list] => wishlist::Model [is_list],
    extra_columns { uid: Uuid = "67E55044-10B1-426F-9247-BB680E5FE0C8" },
    table = "probe_uuid_default",
}

define_link! {
    /// Defaults that do not read as their columns' types.
    pub BadDefaults: product::Model [is_list] => wishlist::Model [is_list],
    extra_columns { at: DateTime<Utc> = "yesterday", uid: Uuid = "67e55044", doc: serde_json::Value = "{a: 1}" },
    table = "probe_bad_defaults",
}

const LONG: &str = "ware_inve_mana_stoc_loca_rese_item_cust_loya_pro-380db325a";
const LONG_HASH: &str = "-380db325a";
const EXACT: &str = "campaign_campaign_budget_allocation_promotion_voucher_code";
const EXACT_HASH: &str = "33ce7c3e";
const DEDUP: &str = "campaign_budget_allocation_promotion_campaign_re-2ac49064e";

async fn registry(t: &TestDb) -> Links {
    let schema = Schema::new(t.sea_backend());
    for stmt in [
        schema.create_table_from_entity(stock::Entity),
        schema.create_table_from_entity(tier::Entity),
        schema.create_table_from_entity(budget::Entity),
        schema.create_table_from_entity(voucher::Entity),
        schema.create_table_from_entity(reward::Entity),
    ] {
        t.db.execute(&stmt).await.expect("create module table");
    }
    let links = common::builder(t)
        .module("warehouse_inventory_management")
        .module("customer_loyalty_programme")
        .module("campaign")
        .module("promotion")
        .link::<StockTier>()
        .link::<BudgetVoucher>()
        .link::<BudgetReward>()
        .link::<TypedExtras>()
        .build()
        .unwrap_or_else(|e| panic!("{:?}: build: {e}", t.backend));
    links
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("{:?}: migrate: {e}", t.backend));
    links
}

fn q(t: &TestDb, name: &str) -> String {
    match t.backend {
        Backend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

async fn try_exec(t: &TestDb, sql: &str) -> Result<(), String> {
    t.db.execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// (column, declared type lower-cased, nullable) of `table`.
async fn column_types(t: &TestDb, table: &str) -> Vec<(String, String, bool)> {
    let sql = match t.sea_backend() {
        DbBackend::Postgres => format!(
            "SELECT CAST(column_name AS text), CAST(CASE WHEN data_type = 'character varying' THEN 'varchar(' || character_maximum_length || ')' ELSE data_type END AS text), CAST(is_nullable AS text) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
        ),
        DbBackend::MySql => format!(
            "SELECT CAST(column_name AS char), CAST(column_type AS char), CAST(is_nullable AS char) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position"
        ),
        _ => format!(
            "SELECT name, lower(type), CASE WHEN \"notnull\" = 1 THEN 'NO' ELSE 'YES' END FROM pragma_table_info('{table}') ORDER BY cid"
        ),
    };
    t.db.query_all_raw(Statement::from_string(t.sea_backend(), sql))
        .await
        .expect("columns")
        .iter()
        .map(|row| {
            (
                row.try_get_by_index::<String>(0).expect("name"),
                row.try_get_by_index::<String>(1)
                    .expect("type")
                    .to_lowercase(),
                row.try_get_by_index::<String>(2).expect("nullable") == "YES",
            )
        })
        .collect()
}

/// The primary key's columns of `table`, in order.
async fn primary_key(t: &TestDb, table: &str) -> Vec<String> {
    let sql = match t.sea_backend() {
        DbBackend::Postgres => format!(
            "SELECT CAST(k.column_name AS text) FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema WHERE c.table_schema = current_schema() AND c.table_name = '{table}' AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position"
        ),
        DbBackend::MySql => format!(
            "SELECT CAST(column_name AS char) FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND table_name = '{table}' AND constraint_name = 'PRIMARY' ORDER BY ordinal_position"
        ),
        _ => format!("SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk"),
    };
    t.texts(&sql).await
}

/// §6 "name: … `<left module>_<left key without _id>_<right module>_<right key without _id>`
/// lowercased, compressed to at most 58 characters exactly as Medusa does": the 4-character
/// cut with Medusa's (negative) hash, a name of exactly 58 characters kept, and a name
/// shortened by dropping a repeated part; each table exists under that name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_table_names_are_compressed_as_medusa_does() {
    for t in test_databases("probe_schema_names").await {
        let links = registry(&t).await;
        assert_eq!(links.table_name::<StockTier>().expect("name"), LONG);
        assert_eq!(links.table_name::<BudgetVoucher>().expect("name"), EXACT);
        assert_eq!(links.table_name::<BudgetReward>().expect("name"), DEDUP);
        assert_eq!(stock_tier::Entity.table_name(), LONG);
        for table in [LONG, EXACT, DEDUP] {
            assert!(
                !t.columns(table).await.is_empty(),
                "{:?}: no table {table}",
                t.backend
            );
        }
        // Writes and reads go through the compressed (quoted, `-` holding) name.
        t.exec("INSERT INTO stock_location_reservation_item (id, deleted_at) VALUES ('s1', NULL)")
            .await;
        t.exec("INSERT INTO loyalty_reward_tier (id) VALUES ('t1')")
            .await;
        links
            .create(
                &t.db,
                StockTier::new(stock::Model::key("s1"), tier::Model::key("t1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: create: {e}", t.backend));
        assert_eq!(
            t.count(&format!(
                "SELECT COUNT(*) FROM {} WHERE stock_location_reservation_item_id = 's1' AND loyalty_reward_tier_id = 't1'",
                q(&t, LONG)
            ))
            .await,
            1
        );
    }
}

/// §6 "Medusa's indexes with Medusa's names: on `id`, on `deleted_at`, and on each key column
/// `WHERE deleted_at IS NULL`", with `H = simpleHash(uncompressed table name)`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_names_are_medusas_with_the_hash_of_the_uncompressed_name() {
    for t in test_databases("probe_schema_indexes").await {
        let _links = registry(&t).await;
        for (table, left, right, hash) in [
            (
                LONG,
                "stock_location_reservation_item_id",
                "loyalty_reward_tier_id",
                LONG_HASH,
            ),
            (
                EXACT,
                "campaign_budget_allocation_id",
                "voucher_code",
                EXACT_HASH,
            ),
            (
                "product_product_brand_brand",
                "product_id",
                "brand_id",
                "29c624132",
            ),
        ] {
            let indexes = t.indexes(table).await;
            for name in [
                format!("IDX_id_{hash}"),
                format!("IDX_{left}_{hash}"),
                format!("IDX_{right}_{hash}"),
                format!("IDX_deleted_at_{hash}"),
            ] {
                assert!(
                    indexes.contains(&name),
                    "{:?}: {table}: no index {name} in {indexes:?}",
                    t.backend
                );
            }
            if t.backend == Backend::Postgres {
                let def = t
                    .texts(&format!(
                        "SELECT CAST(indexdef AS text) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'IDX_{left}_{hash}'"
                    ))
                    .await;
                assert!(
                    def[0].contains("WHERE (deleted_at IS NULL)"),
                    "{table}: {def:?}"
                );
            }
        }
    }
}

/// §6 "columns: the two key columns (`varchar(255)`, not null, together the primary key),
/// `id`, `created_at`, `updated_at`, `deleted_at` (nullable), then the extra columns", and
/// Medusa's DDL (`<table>_pkey`, `timestamptz`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_types_and_primary_key_are_medusas() {
    for t in test_databases("probe_schema_columns").await {
        let _links = registry(&t).await;
        // On MySQL/MariaDB the SPEC's generated columns for the live uniques come beside them.
        let columns: Vec<_> = column_types(&t, LONG)
            .await
            .into_iter()
            .filter(|c| !(t.backend == Backend::MySql && c.0.starts_with("live_")))
            .collect();
        let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                "created_at",
                "deleted_at",
                "id",
                "loyalty_reward_tier_id",
                "stock_location_reservation_item_id",
                "updated_at"
            ],
            "{:?}",
            t.backend
        );
        for (name, ty, nullable) in &columns {
            let expect_null = name == "deleted_at";
            assert_eq!(
                *nullable, expect_null,
                "{:?}: {name} nullability",
                t.backend
            );
            if name.ends_with("_id") || name == "id" {
                if t.backend != Backend::Sqlite {
                    assert_eq!(ty, "varchar(255)", "{:?}: {name}", t.backend);
                }
            } else if t.backend == Backend::Postgres {
                assert_eq!(ty, "timestamp with time zone", "{name}");
            }
        }
        assert_eq!(
            primary_key(&t, LONG).await,
            [
                "stock_location_reservation_item_id",
                "loyalty_reward_tier_id"
            ],
            "{:?}",
            t.backend
        );
        // Extra columns come after the standard ones.
        let typed = column_types(&t, "probe_typed_extras").await;
        let order: Vec<&str> = typed.iter().map(|c| c.0.as_str()).collect();
        let deleted = order
            .iter()
            .position(|c| *c == "deleted_at")
            .expect("deleted_at");
        let flag = order.iter().position(|c| *c == "flag").expect("flag");
        assert!(deleted < flag, "{:?}: {order:?}", t.backend);
        if t.backend == Backend::Postgres {
            let pkey = t
                .texts(&format!(
                    "SELECT CAST(constraint_name AS text) FROM information_schema.table_constraints WHERE table_schema = current_schema() AND table_name = '{EXACT}' AND constraint_type = 'PRIMARY KEY'"
                ))
                .await;
            assert_eq!(pkey, [format!("{EXACT}_pkey")]);
        }
    }
}

fn is_ulid(s: &str) -> bool {
    s.len() == 26
        && s.chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c)))
}

/// §6 "`id` (`<prefix>_<ULID>`, default prefix `link`)"; §5 `id_prefix = "…"`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_ids_are_prefix_and_ulid() {
    for t in test_databases("probe_schema_ids").await {
        let links = registry(&t).await;
        t.exec("INSERT INTO campaign_budget_allocation (id) VALUES ('c1')")
            .await;
        t.exec("INSERT INTO promotion_campaign_reward (id) VALUES ('r1')")
            .await;
        t.exec("INSERT INTO promotion_voucher (code, id) VALUES ('v1', 'x')")
            .await;
        let row = links
            .create(
                &t.db,
                BudgetVoucher::new(budget::Model::key("c1"), voucher::Model::key("v1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let ulid = row.id.strip_prefix("link_").expect("default prefix link");
        assert!(is_ulid(ulid), "{}", row.id);
        let row = links
            .create(
                &t.db,
                BudgetReward::new(budget::Model::key("c1"), reward::Model::key("r1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let ulid = row.id.strip_prefix("brw_").expect("prefix brw");
        assert!(is_ulid(ulid), "{}", row.id);
        let stored = t.texts(&format!("SELECT id FROM {}", q(&t, DEDUP))).await;
        assert_eq!(stored, vec![row.id]);
    }
}

fn insert_pair(
    t: &TestDb,
    table: &str,
    cols: (&str, &str),
    pair: (&str, &str),
    live: bool,
) -> String {
    let deleted = if live { "NULL" } else { "CURRENT_TIMESTAMP" };
    format!(
        "INSERT INTO {} ({}, {}, id, created_at, updated_at, deleted_at) VALUES ('{}', '{}', 'raw_{}_{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, {deleted})",
        q(t, table),
        cols.0,
        cols.1,
        pair.0,
        pair.1,
        pair.0,
        pair.1
    )
}

/// §6 "Neither side a list (one-to-one): the left key column is unique and the right key
/// column is unique" over live rows, enforced by the database: plain SQL that bypasses the
/// service cannot add a second live partner on either side; a dismissed row beside a live
/// one is fine. (On a long, compressed table name.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_to_one_is_unique_on_both_columns_among_live_rows() {
    for t in test_databases("probe_schema_one_one").await {
        let _links = registry(&t).await;
        let cols = (
            "stock_location_reservation_item_id",
            "loyalty_reward_tier_id",
        );
        t.exec(&insert_pair(&t, LONG, cols, ("s1", "t1"), true))
            .await;
        let second_right = try_exec(&t, &insert_pair(&t, LONG, cols, ("s1", "t2"), true)).await;
        assert!(
            second_right.is_err(),
            "{:?}: s1 got a second live tier",
            t.backend
        );
        let second_left = try_exec(&t, &insert_pair(&t, LONG, cols, ("s2", "t1"), true)).await;
        assert!(
            second_left.is_err(),
            "{:?}: t1 got a second live stock",
            t.backend
        );
        // Dismissed rows beside the live one.
        t.exec(&insert_pair(&t, LONG, cols, ("s1", "t3"), false))
            .await;
        t.exec(&insert_pair(&t, LONG, cols, ("s3", "t1"), false))
            .await;
        t.exec(&insert_pair(&t, LONG, cols, ("s4", "t4"), true))
            .await;
        assert_eq!(
            t.count(&format!("SELECT COUNT(*) FROM {}", q(&t, LONG)))
                .await,
            4,
            "{:?}",
            t.backend
        );
    }
}

/// §6 "Only the left side a list (a right record has many lefts, each left has one right):
/// the left key column is unique. Only the right side a list: the right key column is
/// unique. Both sides lists: the primary key alone."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sided_and_many_to_many_uniques_are_enforced_by_the_database() {
    for t in test_databases("probe_schema_one_many").await {
        let _links = registry(&t).await;
        // ProductBrand: product [is_list] => brand: product_id unique.
        let pb = "product_product_brand_brand";
        let ins = |p: &str, b: &str, live: bool| {
            format!(
                "INSERT INTO {pb} (product_id, brand_id, id, created_at, updated_at, deleted_at, featured, position, note) VALUES ('{p}', '{b}', 'raw_{p}_{b}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, {}, false, 0, NULL)",
                if live { "NULL" } else { "CURRENT_TIMESTAMP" }
            )
        };
        t.exec(&ins("p1", "b1", true)).await;
        t.exec(&ins("p2", "b1", true)).await; // a brand has many products
        assert!(
            try_exec(&t, &ins("p1", "b2", true)).await.is_err(),
            "{:?}: a product got a second live brand",
            t.backend
        );
        t.exec(&ins("p1", "b3", false)).await;
        // BudgetVoucher: budget => voucher [is_list]: voucher_code unique.
        let cols = ("campaign_budget_allocation_id", "voucher_code");
        t.exec(&insert_pair(&t, EXACT, cols, ("c1", "v1"), true))
            .await;
        t.exec(&insert_pair(&t, EXACT, cols, ("c1", "v2"), true))
            .await;
        assert!(
            try_exec(&t, &insert_pair(&t, EXACT, cols, ("c2", "v1"), true))
                .await
                .is_err(),
            "{:?}: a voucher got a second live budget",
            t.backend
        );
        t.exec(&insert_pair(&t, EXACT, cols, ("c2", "v1"), false))
            .await;
        // BudgetReward: both lists: any number of live rows per side.
        let cols = (
            "campaign_budget_allocation_id",
            "promotion_campaign_reward_id",
        );
        for pair in [("c1", "r1"), ("c1", "r2"), ("c2", "r1"), ("c2", "r2")] {
            t.exec(&insert_pair(&t, DEDUP, cols, pair, true)).await;
        }
        // ... but the primary key still holds one row per pair, live or not.
        assert!(
            try_exec(&t, &insert_pair(&t, DEDUP, cols, ("c1", "r1"), false))
                .await
                .is_err()
        );
    }
}

/// medusa-behaviour §1.1 (layout-compatible, §6): `created_at`/`updated_at` default to
/// `CURRENT_TIMESTAMP` and an extra column's declared default is the column's default, so a
/// Medusa writer that names only the keys and `id` can insert a row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_naming_only_keys_and_id_takes_the_declared_defaults() {
    for t in test_databases("probe_schema_defaults").await {
        let _links = registry(&t).await;
        t.exec(
            "INSERT INTO product_product_brand_brand (product_id, brand_id, id) VALUES ('p1', 'b1', 'medusa_1')",
        )
        .await;
        assert_eq!(
            t.count(
                "SELECT COUNT(*) FROM product_product_brand_brand WHERE position = 0 AND created_at IS NOT NULL AND updated_at IS NOT NULL AND deleted_at IS NULL AND note IS NULL"
            )
            .await,
            1,
            "{:?}",
            t.backend
        );
    }
}

/// §4 model name, primary key, key and soft-deletable detection.
#[test]
fn linkable_derive_records_names_keys_and_soft_deletion() {
    // sea-orm table_name; `#[sea_orm(primary_key)]` wins over a field named `id`; key override.
    let v = voucher::Model::MODEL;
    assert_eq!(
        (v.module, v.name, v.primary_key, v.key),
        ("promotion", "promotion_voucher", "code", "voucher_code")
    );
    assert!(!v.soft_deletable);
    let s = sku::Model::MODEL;
    assert_eq!(
        (s.name, s.primary_key, s.key),
        ("sku_item", "sku", "sku_item_sku")
    );
    // `deleted_at` that is not an `Option` does not make a model soft-deletable.
    assert!(!s.soft_deletable, "sku_item has a non-Option deleted_at");
    let st = stock::Model::MODEL;
    assert!(st.soft_deletable);
    assert_eq!(st.key, "stock_location_reservation_item_id");
    // Plain structs: the struct name in snake case; `#[linkable(primary_key)]` wins over `id`.
    let g = ext::GiftCardBatch::MODEL;
    assert_eq!(
        (g.name, g.primary_key, g.key),
        ("gift_card_batch", "code", "gift_card_batch_code")
    );
    let e = ext::LedgerEntry::MODEL;
    assert_eq!((e.name, e.primary_key, e.key), ("entry", "id", "entry_id"));
    assert!(e.soft_deletable);
    let l = ext::LedgerLine::MODEL;
    assert_eq!((l.name, l.key), ("ledger_line", "ledger_ref"));
}

/// §4 "A typed key: `Key<product::Model>`, built from an id (`product::Model::key("prod_1")` or
/// `Key::new(…)`) or from a `&Model`."
#[test]
fn keys_from_an_id_or_a_model_are_the_same() {
    let model = voucher::Model {
        code: "V-1".into(),
        id: "other".into(),
    };
    let from_model: Key<voucher::Model> = model.link_key();
    assert_eq!(from_model, voucher::Model::key("V-1"));
    assert_eq!(from_model, Key::<voucher::Model>::new("V-1"));
    assert_eq!(
        from_model.as_str(),
        "V-1",
        "the key is the primary key, not `id`"
    );
    let g = ext::GiftCardBatch {
        id: "x".into(),
        code: "G7".into(),
    };
    assert_eq!(g.link_key().as_str(), "G7");
}

fn typed_defaults_ok(e: &typed_extras::Extra) {
    assert!(e.flag);
    assert_eq!((e.small, e.count, e.big), (-3, 7, 9_000_000_000));
    assert_eq!((e.ratio, e.score), (0.5, 2.25));
    assert_eq!(e.title, "untitled");
    assert_eq!(e.day.to_string(), "2024-02-03");
    assert_eq!(e.doc, serde_json::json!({"k": [1, 2]}));
    assert_eq!(e.amount, "12.50".parse::<Decimal>().expect("decimal"));
    assert_eq!((e.at, e.naive, e.uid), (None, None, None));
    assert_eq!((e.maybe_text.as_deref(), e.maybe_big), (None, None));
}

/// §5 "`extra_columns { name: Type = default, … }` (typed; `Option<T>` columns are nullable;
/// supported types at least bool, integers, floats, String, chrono date-times, uuid,
/// serde_json::Value, decimal)": a new row takes every default, read back by `create`,
/// `list` and the generated sea-orm entity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_column_defaults_apply_to_new_rows() {
    for t in test_databases("probe_schema_extra_defaults").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.regions(&[1]).await;
        let row = links
            .create(&t.db, TypedExtras::new(p("p1"), r("1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        typed_defaults_ok(&row.extra);
        assert!(row.id.starts_with("pte_"), "{}", row.id);
        let listed = links
            .list::<TypedExtras, _>(&t.db, ListFilter::all())
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        typed_defaults_ok(&listed[0].extra);
        let model = typed_extras::Entity::find()
            .one(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: entity: {e}", t.backend))
            .expect("row");
        assert_eq!(
            (model.small, model.big, model.title.as_str()),
            (-3, 9_000_000_000, "untitled")
        );
        assert_eq!(model.amount, "12.5".parse::<Decimal>().expect("decimal"));
        assert_eq!(model.maybe_text, None);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM probe_typed_extras WHERE maybe_text IS NULL AND maybe_big IS NULL AND at IS NULL AND uid IS NULL")
                .await,
            1,
            "{:?}: Option columns are stored as NULL",
            t.backend
        );
    }
}

/// §5 types round-trip: values given to a create come back equal from `list` and from the
/// link table's sea-orm entity, including sub-second date-times, unicode text, extreme
/// integers, a JSON document and a decimal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_column_values_round_trip_through_list_and_entity() {
    for t in test_databases("probe_schema_extra_values").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.regions(&[1]).await;
        let at: DateTime<Utc> = "2031-12-31T23:59:58.654321Z".parse().expect("date");
        let naive =
            NaiveDateTime::parse_from_str("1999-01-02 03:04:05.250", "%Y-%m-%d %H:%M:%S%.f")
                .expect("naive");
        let day = NaiveDate::from_ymd_opt(2000, 2, 29).expect("day");
        let uid: Uuid = "AA0E8400-E29B-41D4-A716-446655440000"
            .parse()
            .expect("uuid");
        let doc = serde_json::json!({"nested": {"a": [true, null, 1.5, "é"]}, "n": 12345678901i64});
        let amount: Decimal = "-98765.4321".parse().expect("decimal");
        let data = typed_extras::Data::default()
            .flag(false)
            .small(i16::MIN)
            .count(i32::MAX)
            .big(i64::MIN)
            .ratio(-1.25)
            .score(1e-7)
            .title("naïve ☃ 'quoted'".to_string())
            .at(Some(at))
            .naive(Some(naive))
            .day(day)
            .uid(Some(uid))
            .doc(doc.clone())
            .amount(amount)
            .maybe_text(Some(String::new()))
            .maybe_big(Some(0));
        links
            .create(&t.db, TypedExtras::new(p("p1"), r("1")).with(data))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let listed = links
            .list::<TypedExtras, _>(&t.db, ListFilter::all())
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let e = &listed[0].extra;
        let got = (
            e.flag,
            e.small,
            e.count,
            e.big,
            e.ratio,
            e.score,
            e.title.clone(),
            e.at,
            e.naive,
            e.day,
        );
        let want = (
            false,
            i16::MIN,
            i32::MAX,
            i64::MIN,
            -1.25f32,
            1e-7,
            "naïve ☃ 'quoted'".to_string(),
            Some(at),
            Some(naive),
            day,
        );
        assert_eq!(got, want, "{:?}", t.backend);
        assert_eq!(
            (e.uid, &e.doc, e.amount),
            (Some(uid), &doc, amount),
            "{:?}",
            t.backend
        );
        assert_eq!(
            (e.maybe_text.as_deref(), e.maybe_big),
            (Some(""), Some(0)),
            "{:?}: Some(\"\") is not NULL",
            t.backend
        );
        let model = typed_extras::Entity::find()
            .one(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: entity: {e}", t.backend))
            .expect("row");
        assert_eq!(
            (model.at, model.uid, model.extra.doc),
            (Some(at), Some(uid), doc),
            "{:?}",
            t.backend
        );
    }
}

/// §8 update "changes the extra data": columns the update does not name keep their values;
/// §5 `Option<T>` columns can be set back to NULL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_changes_only_the_named_columns_and_can_null_an_option() {
    for t in test_databases("probe_schema_update_named").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.regions(&[1]).await;
        links
            .create(
                &t.db,
                TypedExtras::new(p("p1"), r("1")).with(
                    typed_extras::Data::default()
                        .count(1)
                        .maybe_text(Some("x".into())),
                ),
            )
            .await
            .expect("create");
        let row = links
            .update(
                &t.db,
                TypedExtras::new(p("p1"), r("1"))
                    .with(typed_extras::Data::default().score(9.5).maybe_text(None)),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (
                row.extra.count,
                row.extra.score,
                row.extra.maybe_text.clone(),
                row.extra.title.as_str()
            ),
            (1, 9.5, None, "untitled"),
            "{:?}",
            t.backend
        );
        let listed = links
            .list::<TypedExtras, _>(&t.db, ListFilter::all())
            .await
            .expect("list");
        assert_eq!(
            (listed[0].extra.count, listed[0].extra.maybe_text.clone()),
            (1, None)
        );
    }
}

/// §8 update: a typed update whose pair was never created is `NotFound`; an update of a pair
/// whose link is dismissed too; the live pair of the same call keeps its old data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_update_batch_leaves_the_live_pairs_data() {
    for t in test_databases("probe_schema_update_batch").await {
        let links = registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.regions(&[1]).await;
        let count = |n| typed_extras::Data::default().count(n);
        links
            .create_many(
                &t.db,
                [
                    TypedExtras::new(p("p1"), r("1")).with(count(1)),
                    TypedExtras::new(p("p2"), r("1")).with(count(2)),
                ],
            )
            .await
            .expect("create");
        links
            .dismiss(&t.db, TypedExtras::new(p("p2"), r("1")))
            .await
            .expect("dismiss");
        let err = links
            .update_many(
                &t.db,
                [
                    TypedExtras::new(p("p1"), r("1")).with(count(10)),
                    TypedExtras::new(p("p2"), r("1")).with(count(20)),
                    TypedExtras::new(p("p3"), r("1")).with(count(30)),
                ],
            )
            .await
            .expect_err("two pairs are not live");
        match &err {
            Error::NotFound { pairs, .. } => assert_eq!(
                pairs.get("TypedExtras").cloned().unwrap_or_default(),
                [
                    ("p2".to_string(), "1".to_string()),
                    ("p3".to_string(), "1".to_string())
                ],
                "{:?}",
                t.backend
            ),
            other => panic!("{:?}: {other:?}", t.backend),
        }
        let rows = typed_extras::Entity::find().all(&t.db).await.expect("rows");
        let mut counts: Vec<(String, i32, bool)> = rows
            .iter()
            .map(|m| (m.left.clone(), m.count, m.deleted_at.is_some()))
            .collect();
        counts.sort();
        assert_eq!(
            counts,
            [("p1".to_string(), 1, false), ("p2".to_string(), 2, true)],
            "{:?}: nothing changed, nothing revived",
            t.backend
        );
        // The live one alone, twice: the same answer each time.
        for _ in 0..2 {
            let row = links
                .update(&t.db, TypedExtras::new(p("p1"), r("1")).with(count(11)))
                .await
                .expect("update");
            assert_eq!(row.extra.count, 11);
        }
        assert_eq!(t.live_pairs::<TypedExtras>(&links).await.len(), 1);
    }
}

async fn defaults_registry<L: link_runtime::LinkDefinition>(t: &TestDb) -> Result<Links, Error> {
    let links = common::builder(t).link::<L>().build()?;
    links.migrate().await?;
    Ok(links)
}

/// §5 "supported types at least … chrono date-times, uuid" with `= default`: the link table is
/// created on every backend and a new row takes the declared default. (Every backend is run
/// before the test fails, so its message says which failed how.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_time_and_uuid_defaults_apply_to_new_rows() {
    let mut failures = Vec::new();
    for t in test_databases("probe_schema_dated_defaults").await {
        t.products(&["p1"]).await;
        t.customers(&["c1"]).await;
        t.wishlists(&["w1"]).await;
        let want: DateTime<Utc> = "2024-02-03T04:05:06.123456Z".parse().expect("date");
        match defaults_registry::<StampDefault>(&t).await {
            Err(e) => failures.push(format!(
                "{:?}: stamp: migrate: {}",
                t.backend,
                cut(&e.to_string())
            )),
            Ok(links) => match links
                .create(
                    &t.db,
                    StampDefault::new(p("p1"), customer::Model::key("c1")),
                )
                .await
            {
                Ok(row)
                    if row.extra.at == want
                        && row.extra.naive.to_string() == "2024-02-03 04:05:06.500" => {}
                Ok(row) => failures.push(format!(
                    "{:?}: stamp {} {}",
                    t.backend, row.extra.at, row.extra.naive
                )),
                Err(e) => failures.push(format!("{:?}: stamp: {e}", t.backend)),
            },
        }
        let links = match defaults_registry::<UuidDefault>(&t).await {
            Ok(links) => links,
            Err(e) => {
                failures.push(format!(
                    "{:?}: uuid: migrate: {}",
                    t.backend,
                    cut(&e.to_string())
                ));
                continue;
            }
        };
        match links
            .create(&t.db, UuidDefault::new(p("p1"), wishlist::Model::key("w1")))
            .await
        {
            Ok(row) if row.extra.uid.to_string() == "67e55044-10b1-426f-9247-bb680e5fe0c8" => {}
            Ok(row) => failures.push(format!("{:?}: uuid {}", t.backend, row.extra.uid)),
            Err(e) => failures.push(format!("{:?}: uuid: {e}", t.backend)),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A text default that does not read as its column's type is refused by `build()`, naming
/// the link, each column and the form to write, before any DDL could fail on it.
#[tokio::test]
async fn defaults_that_do_not_read_as_their_type_are_refused_by_build() {
    for t in test_databases("spec_schema_bad_defaults").await {
        let err = common::builder(&t)
            .link::<BadDefaults>()
            .build()
            .expect_err("build refuses");
        let message = err.to_string();
        for part in [
            "BadDefaults",
            "`at` (\"yesterday\") is not a date-time in RFC 3339",
            "`uid` (\"67e55044\") is not a UUID",
            "`doc` (\"{a: 1}\") is not a JSON document",
        ] {
            assert!(
                message.contains(part),
                "{:?}: {part} in {message}",
                t.backend
            );
        }
    }
}

/// The end of a long message (a whole CREATE TABLE is too much to read).
fn cut(message: &str) -> String {
    let tail: String = message.chars().rev().take(160).collect();
    format!("…{}", tail.chars().rev().collect::<String>())
}

define_link! {
    /// A custom table name longer than 58 characters.
    pub LongCustom: budget::Model [is_list] => tier::Model [is_list],
    table = "probe_custom_link_table_with_a_name_longer_than_fifty_eight",
}

define_link! {
    /// A custom table name longer than PostgreSQL's 63 characters.
    pub LongerCustom: budget::Model [alias = "longer_budget"] => tier::Model [alias = "longer_tier"],
    table = "probe_custom_link_table_with_a_name_much_longer_than_sixty_three_characters",
}

/// §6 "name: `table` if given, else … compressed to at most 58 characters exactly as Medusa
/// does"; medusa-behaviour §1.2: "`database.table` if given, else `composeTableName(…)`.
/// Either way it then goes through `compressName(name, 58)`". A custom name of 59 characters
/// is Medusa's `prob_cust_link_tabl_with_a_name_long_than_fift_ei293fafe07`; one of 75 is
/// `prob_cust_link_tabl_with_a_name_much_long_than_si4965f4a38` (Medusa's `compressName`,
/// run in node), and its table is created and written to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_custom_table_name_is_compressed_as_medusa_does() {
    for t in test_databases("probe_schema_custom_long").await {
        let links = match common::builder(&t)
            .module("customer_loyalty_programme")
            .module("campaign")
            .link::<LongCustom>()
            .link::<LongerCustom>()
            .build()
        {
            Ok(links) => links,
            Err(e) => panic!("{:?}: build: {e}", t.backend),
        };
        assert_eq!(
            links.table_name::<LongCustom>().expect("name"),
            "prob_cust_link_tabl_with_a_name_long_than_fift_ei293fafe07",
            "{:?}",
            t.backend
        );
        assert_eq!(
            links.table_name::<LongerCustom>().expect("name"),
            "prob_cust_link_tabl_with_a_name_much_long_than_si4965f4a38",
            "{:?}",
            t.backend
        );
        links.migrate().await.expect("migrate");
        // The generated entity reads the same, compressed, table.
        let rows = longer_custom::Entity::find().all(&t.db).await;
        assert!(
            rows.is_ok_and(|rows| rows.is_empty()),
            "{:?}: the table exists",
            t.backend
        );
    }
}

/// §8 create: "A dismissed pair is revived the same way" as a live pair is updated: "extra
/// columns named in the new data take it, the others keep their values"; Medusa reuses the
/// row (one row per pair, medusa-behaviour §1.1), so the row id stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revived_pair_keeps_its_row_and_its_unnamed_columns() {
    for t in test_databases("probe_schema_revive").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.regions(&[1]).await;
        let first = links
            .create(
                &t.db,
                TypedExtras::new(p("p1"), r("1"))
                    .with(typed_extras::Data::default().count(42).title("kept".into())),
            )
            .await
            .expect("create");
        links
            .dismiss(&t.db, TypedExtras::new(p("p1"), r("1")))
            .await
            .expect("dismiss");
        let revived = links
            .create(
                &t.db,
                TypedExtras::new(p("p1"), r("1")).with(typed_extras::Data::default().small(5)),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (
                revived.id.as_str(),
                revived.extra.count,
                revived.extra.title.as_str(),
                revived.extra.small
            ),
            (first.id.as_str(), 42, "kept", 5),
            "{:?}",
            t.backend
        );
        assert_eq!(revived.created_at, first.created_at, "{:?}", t.backend);
    }
}

/// medusa-behaviour §1.1 "`updated_at` … A `beforeUpdate` hook sets it to "now"" (§6 columns):
/// an update moves `updated_at` and keeps `created_at` and the row id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_moves_updated_at_only() {
    for t in test_databases("probe_schema_updated_at").await {
        let links = registry(&t).await;
        t.products(&["p1"]).await;
        t.regions(&[1]).await;
        let first = links
            .create(&t.db, TypedExtras::new(p("p1"), r("1")))
            .await
            .expect("create");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let updated = links
            .update(
                &t.db,
                TypedExtras::new(p("p1"), r("1")).with(typed_extras::Data::default().count(8)),
            )
            .await
            .expect("update");
        assert_eq!(
            (updated.id.as_str(), updated.created_at),
            (first.id.as_str(), first.created_at)
        );
        assert!(
            updated.updated_at > first.updated_at,
            "{:?}: {} !> {}",
            t.backend,
            updated.updated_at,
            first.updated_at
        );
        let listed = links
            .list::<TypedExtras, _>(&t.db, ListFilter::all())
            .await
            .expect("list");
        assert_eq!(listed[0].updated_at, updated.updated_at, "{:?}", t.backend);
    }
}
