//! Keys in their other forms (SPEC §8: an integer key as `7` or `"7"`, a UUID in any case or
//! without hyphens, a string key byte for byte) and the missing records a create names.
//! Each test is one sentence of the SPEC, written before reading the code, on SQLite,
//! PostgreSQL and MariaDB.

mod common;
mod graph_world;
mod spec_helpers;

use link_runtime::{Error, Links, ListFilter, define_link};
use link_tests::links::{ProductBrand, RegionBrand, product_brand};
use link_tests::models::{brand, region, tag};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, EntityTrait, Schema};
use serde_json::json;

use spec_helpers::*;

/// A device, keyed by a UUID.
pub mod device {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "probe_device")]
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
    /// Each region has one brand; a brand has many regions (the integer key is unique).
    pub ProbeRegionBrand: region::Model [is_list] => brand::Model,
    table = "probe_region_brand",
}

define_link! {
    /// Devices (UUID keys) and tags, many-to-many, with a note.
    pub DeviceTag: device::Model [is_list] => tag::Model [is_list],
    extra_columns { note: Option<String> },
    table = "probe_device_tag",
}

const DEVICE: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

/// The registry of the key probes: regions with one brand, devices and tags.
async fn key_registry(t: &TestDb) -> Links {
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
    t.regions(&[7, 8]).await;
    t.brands(&["b1", "b2"]).await;
    t.tags(&["t1", "t2"]).await;
    let links = Links::builder(t.db.clone())
        .module("region")
        .module("brand")
        .module("device")
        .module("tag")
        .link::<ProbeRegionBrand>()
        .link::<DeviceTag>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

/// §8 "an integer key accepts `7` or `"7"` but stores and matches `7`": the two forms in one
/// batch are one pair (written once, no in-batch conflict); a second brand for region 7 in any
/// form is a conflict and the batch writes nothing; a dismiss in the other form finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integer_key_forms_in_one_batch_are_one_pair() {
    for t in test_databases("probe_int_batch").await {
        let links = key_registry(&t).await;
        let rows = links
            .create_json(
                &t.db,
                &json!([
                    {"region": {"region_id": 7}, "brand": {"brand_id": "b1"}},
                    {"region": {"region_id": "7"}, "brand": {"brand_id": "b1"}},
                ]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: 7 and \"7\" are one pair: {e}", t.backend));
        assert!(!rows.is_empty(), "{:?}", t.backend);
        assert_eq!(
            live::<ProbeRegionBrand>(&t, &links).await,
            [("7".to_string(), "b1".to_string())],
            "{:?}",
            t.backend
        );
        // A retry of the pair in its other form, beside a second brand for region 7 and a good
        // pair: a conflict, and nothing of the batch is written.
        let err = links
            .create_json(
                &t.db,
                &json!([
                    {"region": {"region_id": 8}, "brand": {"brand_id": "b2"}},
                    {"region": {"region_id": "7"}, "brand": {"brand_id": "b1"}},
                    {"region": {"region_id": 7}, "brand": {"brand_id": "b2"}},
                ]),
            )
            .await
            .expect_err("region 7 has one brand");
        assert_eq!(kind(&err), "Conflict", "{:?}: {err}", t.backend);
        assert_eq!(
            live::<ProbeRegionBrand>(&t, &links).await,
            [("7".to_string(), "b1".to_string())],
            "{:?}: nothing of the refused batch is written",
            t.backend
        );
        assert_eq!(
            links
                .dismiss_json(
                    &t.db,
                    &json!({"region": {"region_id": "7"}, "brand": {"brand_id": "b1"}})
                )
                .await
                .expect("dismiss \"7\""),
            1,
            "{:?}",
            t.backend
        );
        assert!(live::<ProbeRegionBrand>(&t, &links).await.is_empty());
    }
}

/// §8 "refuses missing ids with `NotFound` naming every missing record of the call, per model
/// … as data", keys in their canonical form: a record missing from two pairs (once as 9, once
/// as "9") is named once; typed and JSON twins give the same error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_records_are_named_once_each_in_canonical_form() {
    for t in test_databases("probe_missing_once").await {
        let links = common::registry(&t).await;
        t.regions(&[1]).await;
        t.brands(&["b1", "b2"]).await;
        let json_err = links
            .create_json(
                &t.db,
                &json!([
                    {"region": {"region_id": 9}, "brand": {"brand_id": "b1"}},
                    {"region": {"region_id": "9"}, "brand": {"brand_id": "b2"}},
                    {"region": {"region_id": 1}, "brand": {"brand_id": "b2"}},
                ]),
            )
            .await
            .expect_err("9 is missing");
        match &json_err {
            Error::NotFound { records, .. } => assert_eq!(
                records,
                &self::records(&[("region.region", &["9"])]),
                "{:?}: {json_err}",
                t.backend
            ),
            other => panic!("{:?}: {other:?}", t.backend),
        }
        let typed_err = links
            .create_many(
                &t.db,
                [
                    RegionBrand::new(r("9"), b("b1")),
                    RegionBrand::new(r("9"), b("b2")),
                    RegionBrand::new(r("1"), b("b2")),
                ],
            )
            .await
            .expect_err("typed twin");
        assert_eq!(
            typed_err.to_string(),
            json_err.to_string(),
            "{:?}: the typed and JSON twins give the same error",
            t.backend
        );
        assert!(live::<RegionBrand>(&t, &links).await.is_empty());
    }
}

/// §8 "refuses missing ids with `NotFound` naming every missing record of the call, per model
/// (a batch with a missing product and a missing car names both; the error carries them as
/// data …)": a missing region (integer key) and a missing brand (string key) in one batch,
/// typed and JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_records_of_integer_and_string_keys_are_all_named() {
    let mut wrong = Vec::new();
    for t in test_databases("probe_missing_all").await {
        let links = common::registry(&t).await;
        t.regions(&[1]).await;
        t.brands(&["b1"]).await;
        let expected = records(&[("brand.brand", &["bx"]), ("region.region", &["9"])]);
        let json_err = links
            .create_json(
                &t.db,
                &json!([
                    {"region": {"region_id": 9}, "brand": {"brand_id": "b1"}},
                    {"region": {"region_id": 1}, "brand": {"brand_id": "bx"}},
                ]),
            )
            .await
            .expect_err("9 and bx are missing");
        let typed_err = links
            .create(&t.db, RegionBrand::new(r("9"), b("bx")))
            .await
            .map(|row| row.id)
            .expect_err("9 and bx are missing");
        for (what, err) in [("typed", &typed_err), ("json", &json_err)] {
            match err {
                Error::NotFound { records, .. } if records == &expected => {}
                other => wrong.push(format!("{:?}: {what}: {other:?}", t.backend)),
            }
        }
        assert!(live::<RegionBrand>(&t, &links).await.is_empty());
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// §8 "a UUID key is stored lower-case and hyphenated whatever form it was given in": an update
/// and a dismiss given the key upper-case or without hyphens reach the stored pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid_key_forms_update_and_dismiss_the_stored_pair() {
    for t in test_databases("probe_uuid_forms").await {
        let links = key_registry(&t).await;
        let dev = |form: &str| device::Model::key(form);
        let upper_simple = DEVICE.to_uppercase().replace('-', "");
        links
            .create(&t.db, DeviceTag::new(dev(DEVICE), tg("t1")))
            .await
            .expect("create");
        let row = links
            .update(
                &t.db,
                DeviceTag::new(dev(&upper_simple), tg("t1"))
                    .with(device_tag::Data::default().note(Some("typed".into()))),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: update by another form: {e}", t.backend));
        assert_eq!(row.left.as_str(), DEVICE, "{:?}", t.backend);
        let rows = links
            .update_json(
                &t.db,
                &json!({"device": {"probe_device_id": DEVICE.to_uppercase()}, "tag": {"tag_id": "t1"}, "data": {"note": "json"}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: update_json by the upper-case form: {e}", t.backend));
        assert_eq!(
            rows[0]["device"]["probe_device_id"],
            json!(DEVICE),
            "{:?}: {rows:?}",
            t.backend
        );
        let listed = links
            .list(&t.db, ListFilter::<DeviceTag>::all())
            .await
            .expect("list");
        assert_eq!(listed.len(), 1, "{:?}", t.backend);
        assert_eq!(listed[0].extra.note.as_deref(), Some("json"));
        assert!(
            links
                .dismiss(&t.db, DeviceTag::new(dev(&upper_simple), tg("t1")))
                .await
                .expect("dismiss"),
            "{:?}: the dismiss in another form finds the pair",
            t.backend
        );
        assert!(live::<DeviceTag>(&t, &links).await.is_empty());
        assert!(
            !links
                .dismiss(&t.db, DeviceTag::new(dev(DEVICE), tg("t1")))
                .await
                .expect("dismiss again"),
            "{:?}",
            t.backend
        );
    }
}

/// §8 "a string key is taken byte for byte", through the JSON twins: a key differing by a
/// trailing space or by case updates, lists and dismisses nothing of the stored pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_twins_take_string_keys_byte_for_byte() {
    for t in test_databases("probe_json_bytes").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(1)),
            )
            .await
            .expect("p1-b1");
        for other in ["b1 ", "B1"] {
            let pair = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": other}});
            let mut update = pair.clone();
            update["data"] = json!({"position": 9});
            let err = links
                .update_json(&t.db, &update)
                .await
                .expect_err("no such pair");
            assert_eq!(kind(&err), "NotFound", "{:?}: {other:?}: {err}", t.backend);
            let listed = links
                .list_json(
                    &t.db,
                    &json!({"brand": {"brand_id": [other]}, "link": "ProductBrand"}),
                )
                .await
                .expect("list");
            assert!(listed.is_empty(), "{:?}: {other:?}: {listed:?}", t.backend);
            let dismissed = links.dismiss_json(&t.db, &pair).await.expect("dismiss");
            assert_eq!(dismissed, 0, "{:?}: {other:?}", t.backend);
            let err = links
                .create_json(&t.db, &pair)
                .await
                .expect_err("no such brand");
            assert_eq!(kind(&err), "NotFound", "{:?}: {other:?}: {err}", t.backend);
        }
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(
            (rows.len(), rows[0].extra.position),
            (1, 1),
            "{:?}",
            t.backend
        );
    }
}
