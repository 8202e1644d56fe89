//! Edges of §8 and §10 written from the SPEC before reading the code: the sea-orm-migration
//! adapter's `down` and `refresh` ("migrations that refuse data loss by default", §12), a
//! blocked step inside the adapter, `plan()` while `migrate()` runs, a link table Medusa made
//! (no cardinality index, rows breaking it) on every backend, and keys in their other forms
//! through delete, restore, list and the JSON twins. Each test runs on SQLite, PostgreSQL and
//! MariaDB.

#![allow(clippy::panic)]

mod spec_helpers;

use link_runtime::schema::{TableNames, ddl};
use link_runtime::{Error, LinkDefinition, Links, ListFilter, StepKind, define_link};
use link_tests::links::{ProductBrand, RegionBrand, product_brand};
use link_tests::models::tag;
use link_tests::plans::{kinds, plan};
use link_tests::{Backend, TestDb, test_databases};
use sea_orm::{ConnectionTrait, EntityTrait, Schema};
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use spec_helpers::*;

/// The probe's one-to-many link (each product one brand), on a table of its own.
fn edge_registry(t: &TestDb) -> Links {
    Links::builder(t.db.clone())
        .application("probe_edges")
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .build()
        .expect("registry")
}

/// An application's migrator with the link tables as its one migration.
struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![Box::new(link_runtime::migration::LinkTables::new(
            "m20260101_000001_probe_link_tables",
            |links| {
                links
                    .application("probe_edges")
                    .module("product")
                    .module("brand")
                    .link::<ProductBrand>()
            },
        ))]
    }
}

const TABLE: &str = "product_product_brand_brand";

async fn live_count(t: &TestDb) -> i64 {
    t.count(&format!(
        "SELECT COUNT(*) FROM {TABLE} WHERE deleted_at IS NULL"
    ))
    .await
}

async fn table_exists(t: &TestDb) -> bool {
    !t.columns(TABLE).await.is_empty()
}

/// §12 "migrations that refuse data loss by default" and §10 "Drops … run only under `All`":
/// the adapter's `down` of the link-table migration must not drop a link table that holds
/// rows (it may refuse, or leave the table); the rows are there after it, and `up` again works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_down_keeps_link_rows() {
    for t in test_databases("probe_ed_down").await {
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        Migrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: up: {e}", t.backend));
        let links = edge_registry(&t);
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("rows");
        let down = Migrator::down(&t.db, Some(1)).await;
        eprintln!("{:?}: down: {down:?}", t.backend);
        assert!(
            table_exists(&t).await,
            "{:?}: down dropped the link table ({down:?})",
            t.backend
        );
        assert_eq!(
            live_count(&t).await,
            2,
            "{:?}: down lost rows ({down:?})",
            t.backend
        );
        Migrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: up after down: {e}", t.backend));
        assert_eq!(live_count(&t).await, 2, "{:?}", t.backend);
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

/// The same for `refresh` (every `down`, then every `up`), what a developer runs: the link
/// rows survive it, and the tables are as declared after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_refresh_keeps_link_rows() {
    for t in test_databases("probe_ed_refresh").await {
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        Migrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: up: {e}", t.backend));
        let links = edge_registry(&t);
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("row");
        let refresh = Migrator::refresh(&t.db).await;
        eprintln!("{:?}: refresh: {refresh:?}", t.backend);
        assert!(
            table_exists(&t).await,
            "{:?}: refresh dropped the table",
            t.backend
        );
        assert_eq!(
            live_count(&t).await,
            1,
            "{:?}: refresh lost rows ({refresh:?})",
            t.backend
        );
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

/// Medusa's DDL for `ProductBrand`'s table (medusa-behaviour §1.1): ours without the unique
/// indexes that enforce cardinality (and, on MySQL/MariaDB, without the generated columns they
/// stand on).
async fn medusa_table(t: &TestDb) {
    let names = TableNames::of(&ProductBrand::SPEC);
    for sql in ddl::create_table(t.sea_backend(), &ProductBrand::SPEC, &names) {
        let upper = sql.to_uppercase();
        if upper.contains("LINK_TABLE_OWNERS") {
            continue;
        }
        if t.backend == Backend::MySql && upper.starts_with("CREATE TABLE") {
            // One statement on MySQL/MariaDB: drop the generated `live_…` column and the
            // unique index on it (a table made by hand, Medusa's columns and indexes).
            let mut sql = sql.clone();
            while let Some(start) = sql.find(", `live_") {
                let end = start + sql[start..].find(" stored").expect("generated column") + 7;
                sql.replace_range(start..end, "");
            }
            while let Some(start) = sql.find(", unique index") {
                let end = start + sql[start..].find(')').expect("index columns") + 1;
                sql.replace_range(start..end, "");
            }
            t.exec(&sql).await;
            continue;
        }
        if upper.contains("UNIQUE") || upper.contains("GENERATED") {
            continue;
        }
        t.exec(&sql).await;
    }
    // Medusa accepted a second live brand for p1 (its check-then-insert race).
    for (product, brand, id) in [("p1", "b1", "l1"), ("p1", "b2", "l2"), ("p2", "b1", "l3")] {
        t.exec(&format!(
            "INSERT INTO {TABLE} (product_id, brand_id, id) VALUES ('{product}', '{brand}', '{id}')"
        ))
        .await;
    }
}

/// §10 "where existing live rows break it the step is unsafe, naming them. `migrate()` … never
/// returns `Ok` while a declared link lacks an index … and the service refuses to write
/// through that link until the schema matches", for a table Medusa made, on every backend:
/// the plan adopts it and blocks the index naming p1; migrate fails naming p1; creates,
/// updates and their JSON twins are refused; reads and dismisses work; once fixed, it
/// migrates and the database refuses a second brand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_medusa_table_breaking_one_to_many_is_adopted_and_blocked_everywhere() {
    for t in test_databases("probe_ed_medusa").await {
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1", "b2"]).await;
        medusa_table(&t).await;
        let links = edge_registry(&t);
        let first = plan(&links, &t).await;
        assert_eq!(
            kinds(&first),
            [(StepKind::Adopt, TABLE), (StepKind::Unsafe, TABLE)],
            "{:?}: {first:?}",
            t.backend
        );
        let blocked = first.steps[1].blocked.clone().unwrap_or_default();
        assert!(blocked.contains("p1"), "{:?}: {blocked}", t.backend);
        let e = links.migrate().await.expect_err("p1 has two brands");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("p1")),
            "{:?}: {e}",
            t.backend
        );
        let e = links.migrate().await.expect_err("again");
        assert!(matches!(&e, Error::Schema { .. }), "{:?}: {e}", t.backend);
        // Writes through the link are refused.
        let refused: Vec<(&str, Result<(), Error>)> = vec![
            (
                "create",
                links
                    .create(&t.db, ProductBrand::new(p("p3"), b("b1")))
                    .await
                    .map(|_| ()),
            ),
            (
                "create of a second brand",
                links
                    .create(&t.db, ProductBrand::new(p("p2"), b("b2")))
                    .await
                    .map(|_| ()),
            ),
            (
                "update",
                links
                    .update(
                        &t.db,
                        ProductBrand::new(p("p2"), b("b1"))
                            .with(product_brand::Data::default().position(3)),
                    )
                    .await
                    .map(|_| ()),
            ),
            (
                "create_json",
                links
                    .create_json(
                        &t.db,
                        &json!({"product": {"product_id": "p3"}, "brand": {"brand_id": "b2"}}),
                    )
                    .await
                    .map(|_| ()),
            ),
            (
                "update_json",
                links
                    .update_json(
                        &t.db,
                        &json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": {"position": 4}}),
                    )
                    .await
                    .map(|_| ()),
            ),
        ];
        for (what, result) in refused {
            assert!(
                matches!(&result, Err(Error::Schema { .. })),
                "{:?}: {what} through a link lacking its index: {result:?}",
                t.backend
            );
        }
        assert_eq!(
            t.count(&format!("SELECT COUNT(*) FROM {TABLE}")).await,
            3,
            "{:?}: a refused write wrote",
            t.backend
        );
        assert_eq!(
            live(&t, &links).await.len(),
            3,
            "{:?}: reads work",
            t.backend
        );
        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("a dismiss fixes rows");
        links
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
        let e = links
            .create(&t.db, ProductBrand::new(p("p2"), b("b2")))
            .await
            .expect_err("p2 has b1");
        assert_eq!(kind(&e), "Conflict", "{:?}: {e}", t.backend);
    }
}

async fn live(t: &TestDb, links: &Links) -> Vec<(String, String)> {
    spec_helpers::live::<ProductBrand>(t, links).await
}

/// §10 "`migrate()` … applies … ; a database-level lock keeps two instances from migrating at
/// once" with "`plan()` returns a reviewable plan": plans taken while another task migrates
/// never fail, each is either the full create or nothing, and the end is up to date. (On
/// MySQL/MariaDB, whose catalogue a transaction's snapshot does not hold still, `plan()`
/// documents that it can see the table half-made: an adopt or update of it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_taken_while_migrating_are_whole() {
    let mut wrong = Vec::new();
    for round in 0..4 {
        for t in test_databases(&format!("probe_ed_planrace{round}")).await {
            let links = edge_registry(&t);
            let migrating = {
                let links = links.clone();
                tokio::spawn(async move { links.migrate().await })
            };
            let planners: Vec<_> = (0..4)
                .map(|_| {
                    let links = links.clone();
                    tokio::spawn(async move { links.plan().await })
                })
                .collect();
            migrating
                .await
                .expect("task")
                .unwrap_or_else(|e| panic!("{:?}: migrate: {e}", t.backend));
            for planner in planners {
                match planner.await.expect("task") {
                    Ok(plan) => {
                        let k: Vec<_> = kinds(&plan)
                            .into_iter()
                            .filter(|(kind, _)| *kind != StepKind::Noop)
                            .collect();
                        let half_made = t.backend == Backend::MySql
                            && k.iter().all(|(kind, table)| {
                                *table == TABLE
                                    && matches!(kind, StepKind::Adopt | StepKind::Update)
                            });
                        if !(k.is_empty() || k == [(StepKind::Create, TABLE)] || half_made) {
                            wrong.push(format!(
                                "{:?}: round {round}: a plan taken mid-migration: {k:?}",
                                t.backend
                            ));
                        }
                    }
                    Err(e) => {
                        wrong.push(format!("{:?}: round {round}: plan failed: {e}", t.backend))
                    }
                }
            }
            assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// §10 "the sea-orm-migration adapter fails the migration then, which the migrator rolls back"
/// (README) with "`migrate()` never returns `Ok` while a declared link lacks an index": over a
/// Medusa table breaking the cardinality, the migrator's `up` fails and does not record the
/// migration as applied; once the rows are fixed, `up` applies and records it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_up_over_a_blocked_step_fails_and_is_not_recorded() {
    for t in test_databases("probe_ed_adblock").await {
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        medusa_table(&t).await;
        let up = Migrator::up(&t.db, None).await;
        assert!(
            up.is_err(),
            "{:?}: up over a blocked step: {up:?}",
            t.backend
        );
        let message = format!("{:?}", up.err());
        assert!(message.contains("p1"), "{:?}: {message}", t.backend);
        let recorded = Migrator::get_applied_migrations(&t.db)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        assert_eq!(
            recorded, 0,
            "{:?}: a failed migration was recorded",
            t.backend
        );
        assert_eq!(t.count(&format!("SELECT COUNT(*) FROM {TABLE}")).await, 3);
        let links = edge_registry(&t);
        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b2")))
            .await
            .expect("dismiss");
        Migrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: up once fixed: {e}", t.backend));
        assert_eq!(
            Migrator::get_applied_migrations(&t.db)
                .await
                .map(|m| m.len())
                .ok(),
            Some(1),
            "{:?}",
            t.backend
        );
        assert!(plan(&links, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

/// Regions (integer keys) and brands, many-to-many: the shared `RegionBrand`.
async fn region_registry(t: &TestDb) -> Links {
    t.regions(&[7, 8]).await;
    t.brands(&["b1"]).await;
    let links = Links::builder(t.db.clone())
        .application("probe_edges")
        .module("region")
        .module("brand")
        .link::<RegionBrand>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
        .create(&t.db, RegionBrand::new(r("7"), b("b1")))
        .await
        .expect("7-b1");
    links
}

/// §8 "an integer key accepts `7` or `"7"` … (`"07"`, `"+7"`, `" 7"` are `InvalidInput`)" and
/// "each typed write has its JSON twin with the same checks and errors": the non-canonical
/// forms are refused by every operation, typed and JSON (not only create), and the pair of 7
/// is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_canonical_integer_keys_are_refused_by_every_operation() {
    for t in test_databases("probe_ed_intkeys").await {
        let links = region_registry(&t).await;
        for form in ["07", "+7", " 7", "7 "] {
            let pair = json!({"region": {"region_id": form}, "brand": {"brand_id": "b1"}});
            let mut with_data = pair.clone();
            with_data["data"] = json!({});
            let results: Vec<(&str, Result<(), Error>)> = vec![
                (
                    "create_json",
                    links.create_json(&t.db, &pair).await.map(|_| ()),
                ),
                (
                    "dismiss_json",
                    links.dismiss_json(&t.db, &pair).await.map(|_| ()),
                ),
                (
                    "update_json",
                    links.update_json(&t.db, &with_data).await.map(|_| ()),
                ),
                (
                    "list_json",
                    links
                        .list_json(
                            &t.db,
                            &json!({"region": {"region_id": [form]}, "link": "RegionBrand"}),
                        )
                        .await
                        .map(|_| ()),
                ),
                (
                    "delete_json",
                    links
                        .delete_json(&t.db, &json!({"region": {"region_id": [form]}}))
                        .await
                        .map(|_| ()),
                ),
                (
                    "restore_json",
                    links
                        .restore_json(&t.db, &json!({"region": {"region_id": [form]}}))
                        .await
                        .map(|_| ()),
                ),
                (
                    "dismiss",
                    links
                        .dismiss(&t.db, RegionBrand::new(r(form), b("b1")))
                        .await
                        .map(|_| ()),
                ),
                (
                    "list",
                    links
                        .list(&t.db, ListFilter::<RegionBrand>::all().left([r(form)]))
                        .await
                        .map(|_| ()),
                ),
                ("delete", links.delete(&t.db, [r(form)]).await.map(|_| ())),
            ];
            let wrong: Vec<String> = results
                .iter()
                .filter(|(_, result)| !matches!(result, Err(Error::InvalidInput { .. })))
                .map(|(what, result)| format!("{what}: {result:?}"))
                .collect();
            assert!(
                wrong.is_empty(),
                "{:?}: {form:?}:\n{}",
                t.backend,
                wrong.join("\n")
            );
        }
        assert_eq!(
            spec_helpers::live::<RegionBrand>(&t, &links).await,
            vec![("7".to_string(), "b1".to_string())],
            "{:?}",
            t.backend
        );
    }
}

/// §8 "a string key is taken byte for byte" with "delete(model, ids) … Ids that do not exist
/// are not an error; the report says what was found": deleting `P1` or `p1 ` when only `p1`
/// exists finds nothing and leaves `p1` and its link live (MariaDB's module table compares
/// under a case-insensitive, space-padding collation); a restore of `P1` after `p1`'s delete
/// revives nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_restore_take_string_keys_byte_for_byte() {
    for t in test_databases("probe_ed_strkeys").await {
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        let links = edge_registry(&t);
        links.migrate().await.expect("migrate");
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        for other in ["P1", "p1 ", " p1"] {
            let report = links
                .delete(&t.db, [p(other)])
                .await
                .unwrap_or_else(|e| panic!("{:?}: {other:?}: {e}", t.backend));
            assert!(
                report.records.values().all(|ids| ids.is_empty())
                    && report.links.values().all(|l| l.is_empty()),
                "{:?}: delete of {other:?} found something: {report:?}",
                t.backend
            );
            let report = links
                .delete_json(&t.db, &json!({"product": {"product_id": [other]}}))
                .await
                .unwrap_or_else(|e| panic!("{:?}: {other:?}: {e}", t.backend));
            assert!(
                report.records.values().all(|ids| ids.is_empty()),
                "{:?}: delete_json of {other:?}: {report:?}",
                t.backend
            );
            assert_eq!(
                t.count("SELECT COUNT(*) FROM product WHERE deleted_at IS NULL")
                    .await,
                1,
                "{:?}: delete of {other:?} soft-deleted p1",
                t.backend
            );
            assert_eq!(
                live(&t, &links).await.len(),
                1,
                "{:?}: {other:?}",
                t.backend
            );
        }
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        let report = links.restore(&t.db, [p("P1")]).await.expect("restore P1");
        assert!(
            report.records.values().all(|ids| ids.is_empty()),
            "{:?}: restore of P1 revived {report:?}",
            t.backend
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM product WHERE deleted_at IS NULL")
                .await,
            0,
            "{:?}: restore of P1 revived p1",
            t.backend
        );
        assert!(live(&t, &links).await.is_empty(), "{:?}", t.backend);
        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(live(&t, &links).await.len(), 1, "{:?}", t.backend);
    }
}

/// A device, keyed by a UUID (a model without `deleted_at`).
pub mod device {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "edge_device")]
    #[linkable(module = "device")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

define_link! {
    /// Devices (UUID keys) and tags, many-to-many.
    pub EdgeDeviceTag: device::Model [is_list] => tag::Model [is_list],
    table = "edge_device_tag",
}

const DEVICE: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

/// §8 "a UUID key is stored lower-case and hyphenated whatever form it was given in", beyond
/// create: `list`, `list_json`, `delete` and `restore` (and their JSON twins) given the key in
/// upper case or without hyphens find the stored pair and the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid_keys_in_other_forms_list_delete_and_restore() {
    for t in test_databases("probe_ed_uuid").await {
        let schema = Schema::new(t.sea_backend());
        t.db.execute(&schema.create_table_from_entity(device::Entity))
            .await
            .expect("device table");
        device::Entity::insert(device::ActiveModel {
            id: sea_orm::Set(DEVICE.parse().expect("uuid")),
            label: sea_orm::Set("Phone".into()),
        })
        .exec(&t.db)
        .await
        .expect("device");
        t.tags(&["t1"]).await;
        let links = Links::builder(t.db.clone())
            .application("probe_edges")
            .module("device")
            .module("tag")
            .link::<EdgeDeviceTag>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let dev = |form: &str| device::Model::key(form);
        let upper = DEVICE.to_uppercase();
        let simple = DEVICE.replace('-', "");
        links
            .create(&t.db, EdgeDeviceTag::new(dev(DEVICE), tg("t1")))
            .await
            .expect("create");
        let listed = links
            .list(
                &t.db,
                ListFilter::<EdgeDeviceTag>::all().left([dev(&upper)]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: list: {e}", t.backend));
        assert_eq!(
            listed.len(),
            1,
            "{:?}: list by the upper-case form",
            t.backend
        );
        let listed = links
            .list_json(
                &t.db,
                &json!({"device": {"edge_device_id": [upper.clone()]}, "link": "EdgeDeviceTag"}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: list_json: {e}", t.backend));
        assert_eq!(
            listed.len(),
            1,
            "{:?}: list_json by the upper-case form: {listed:?}",
            t.backend
        );
        let report = links
            .delete(&t.db, [dev(&upper)])
            .await
            .unwrap_or_else(|e| panic!("{:?}: delete: {e}", t.backend));
        assert_eq!(
            report.links.values().map(|l| l.len()).sum::<usize>(),
            1,
            "{:?}: delete by the upper-case form: {report:?}",
            t.backend
        );
        assert!(
            spec_helpers::live::<EdgeDeviceTag>(&t, &links)
                .await
                .is_empty(),
            "{:?}",
            t.backend
        );
        let report = links
            .restore(&t.db, [dev(&simple)])
            .await
            .unwrap_or_else(|e| panic!("{:?}: restore: {e}", t.backend));
        assert_eq!(
            spec_helpers::live::<EdgeDeviceTag>(&t, &links).await,
            vec![(DEVICE.to_string(), "t1".to_string())],
            "{:?}: restore by the simple form: {report:?}",
            t.backend
        );
        links
            .delete_json(
                &t.db,
                &json!({"device": {"edge_device_id": [simple.to_uppercase()]}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: delete_json: {e}", t.backend));
        assert!(
            spec_helpers::live::<EdgeDeviceTag>(&t, &links)
                .await
                .is_empty()
        );
        links
            .restore_json(&t.db, &json!({"device": {"edge_device_id": [upper]}}))
            .await
            .unwrap_or_else(|e| panic!("{:?}: restore_json: {e}", t.backend));
        assert_eq!(
            spec_helpers::live::<EdgeDeviceTag>(&t, &links).await.len(),
            1,
            "{:?}",
            t.backend
        );
    }
}
