//! Probes written from SPEC §8, §9 and §11, one sentence each, on SQLite, PostgreSQL and
//! MariaDB: retries, records already in the target state, keys in other forms, mixed batches,
//! JSON twins, error order, graph shapes, linked filters and order, read-only links.

mod common;
mod graph_world;

use std::collections::BTreeMap;

use link_runtime::query::GraphQuery;
use link_runtime::{Error, Key, Links, ListFilter, define_link};
use link_tests::links::{
    BrandPost, CustomerWishlist, ProductBrand, ProductMaker, ProductTag, RegionBrand, product_brand,
};
use link_tests::models::{brand, customer, post, product, region, tag, wishlist};
use link_tests::{TestDb, test_databases};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Schema};
use serde_json::{Value, json};

use graph_world::{graph, ids};

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

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}
fn r(id: &str) -> Key<region::Model> {
    region::Model::key(id)
}
fn tg(id: &str) -> Key<tag::Model> {
    tag::Model::key(id)
}

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

async fn soft_delete_product(t: &TestDb, id: &str) {
    let mut model = product::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .expect("read product")
        .expect("product")
        .into_active_model();
    model.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
    model.update(&t.db).await.expect("soft-delete product");
}

async fn soft_delete_wishlist(t: &TestDb, id: &str) {
    let mut model = wishlist::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .expect("read wishlist")
        .expect("wishlist")
        .into_active_model();
    model.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
    model.update(&t.db).await.expect("soft-delete wishlist");
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::Conflict { .. } => "Conflict",
        Error::Direction { .. } => "Direction",
        Error::UnknownLink { .. } => "UnknownLink",
        Error::UnknownField { .. } => "UnknownField",
        Error::InvalidInput { .. } => "InvalidInput",
        Error::NotFound { .. } => "NotFound",
        _ => "other",
    }
}

fn records(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(model, ids)| {
            (
                model.to_string(),
                ids.iter().map(|id| id.to_string()).collect(),
            )
        })
        .collect()
}

/// The live (left, right) pairs of `L`.
async fn live<L: link_runtime::StoredLink>(t: &TestDb, links: &Links) -> Vec<(String, String)> {
    t.live_pairs::<L>(links).await.into_iter().collect()
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

/// §8 update: "if any is missing, `NotFound` naming every missing pair and nothing changes",
/// "each typed write has its JSON twin with the same checks and errors": a dismissed pair, a
/// pair never linked and a pair with a record that does not exist, beside a live one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_of_missing_pairs_names_each_typed_and_json_alike() {
    for t in test_databases("probe_update_missing").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().position(1)),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("create");
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss p2");
        let pos = |n| product_brand::Data::default().position(n);
        let typed = links
            .update_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")).with(pos(9)),
                    ProductBrand::new(p("p2"), b("b1")).with(pos(9)),
                    ProductBrand::new(p("p3"), b("b1")).with(pos(9)),
                    ProductBrand::new(p("p9"), b("b1")).with(pos(9)),
                ],
            )
            .await
            .expect_err("three pairs are not live");
        match &typed {
            Error::NotFound { pairs, .. } => {
                let expected: BTreeMap<String, Vec<(String, String)>> = [(
                    "ProductBrand".to_string(),
                    ["p2", "p3", "p9"]
                        .map(|p| (p.to_string(), "b1".to_string()))
                        .to_vec(),
                )]
                .into();
                assert_eq!(pairs, &expected, "{:?}: {typed}", t.backend)
            }
            other => panic!("{:?}: {other:?}", t.backend),
        }
        let json = links
            .update_json(
                &t.db,
                &json!([
                    {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                    {"product": {"product_id": "p3"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                    {"product": {"product_id": "p9"}, "brand": {"brand_id": "b1"}, "data": {"position": 9}},
                ]),
            )
            .await
            .expect_err("json twin");
        assert_eq!(
            (kind(&json), json.to_string()),
            (kind(&typed), typed.to_string()),
            "{:?}",
            t.backend
        );
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows.len(), 1, "{:?}: p2 stays dismissed", t.backend);
        assert_eq!(
            rows[0].extra.position, 1,
            "{:?}: nothing changed",
            t.backend
        );
    }
}

/// §8 "when a batch has several faults, shape errors come first, then missing records": an
/// update batch whose first pair is not linked and whose second is malformed is refused for
/// its shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_shape_errors_come_before_missing_pairs() {
    for t in test_databases("probe_update_order").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let missing = json!({"product": {"product_id": "p3"}, "brand": {"brand_id": "b1"}, "data": {"position": 2}});
        let cases = [
            (
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": "yes"}}),
                "InvalidInput",
            ),
            (
                json!({"brand": {"brand_id": "b1"}, "product": {"product_id": "p1"}, "data": {"position": 3}}),
                "Direction",
            ),
            (
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"position": 3}, "link": "Nope"}),
                "UnknownLink",
            ),
            (
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"colour": "red"}}),
                "InvalidInput",
            ),
        ];
        for (bad, expected) in cases {
            let err = links
                .update_json(&t.db, &json!([missing.clone(), bad.clone()]))
                .await
                .expect_err("refused");
            assert_eq!(kind(&err), expected, "{:?}: {bad}: {err}", t.backend);
        }
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].extra.position, 0, "{:?}", t.backend);
    }
}

/// §8 errors: "All are raised before anything is written; … shape errors come first, then
/// missing records, then cardinality": a create batch whose first pair names a missing
/// record and whose last is a wrong direction or an unknown pair of models.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_shape_errors_anywhere_come_before_missing_records() {
    for t in test_databases("probe_create_order").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.customers(&["c1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let missing = json!({"product": {"product_id": "p9"}, "brand": {"brand_id": "b1"}});
        let conflict = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}});
        let cases = [
            (
                json!([missing.clone(), conflict.clone(), {"brand": {"brand_id": "b1"}, "product": {"product_id": "p2"}}]),
                "Direction",
            ),
            (
                json!([missing.clone(), conflict.clone(), {"customer": {"customer_id": "c1"}, "product": {"product_id": "p2"}}]),
                "UnknownLink",
            ),
            (
                json!([conflict.clone(), missing.clone(), {"product": {"product_id": "p2"}, "brand": {"brand_id": "b2"}}]),
                "NotFound",
            ),
            (
                json!([{"product": {"product_id": "p2"}, "brand": {"brand_id": "b2"}}, conflict.clone()]),
                "Conflict",
            ),
        ];
        for (input, expected) in cases {
            let err = links.create_json(&t.db, &input).await.expect_err("refused");
            assert_eq!(kind(&err), expected, "{:?}: {input}: {err}", t.backend);
        }
        assert_eq!(
            live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}: nothing written",
            t.backend
        );
    }
}

/// §8 "An existing live pair is updated in place: extra columns named in the new data take it,
/// the others keep their values", "Re-creating an identical live pair is idempotent": a JSON
/// retry keeps the row and its values; a create naming one column keeps the others; a create
/// naming none changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_retries_keep_the_row_and_its_unnamed_columns() {
    for t in test_databases("probe_create_retry").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        let input = json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"note": "n", "position": 3}});
        links.create_json(&t.db, &input).await.expect("create");
        let first = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        links.create_json(&t.db, &input).await.expect("retry");
        links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true}}),
            )
            .await
            .expect("name one column");
        let rows = links
            .create_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}}),
            )
            .await
            .expect("name none");
        assert_eq!(
            rows[0]["data"],
            json!({"featured": true, "position": 3, "note": "n"}),
            "{:?}",
            t.backend
        );
        let row = links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("typed, naming none");
        assert_eq!(
            (row.id.as_str(), row.extra.featured, row.extra.position),
            (first[0].id.as_str(), true, 3),
            "{:?}: one row, updated in place",
            t.backend
        );
        assert_eq!(row.extra.note.as_deref(), Some("n"));
    }
}

/// §8 create: "Both records must exist and be live": re-creating a live pair whose product its
/// module has since soft-deleted, or reviving a dismissed pair of it, is `NotFound`, not an
/// idempotent success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_the_record_was_soft_deleted_is_not_found() {
    for t in test_databases("probe_retry_deleted").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
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
            .expect("create");
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss p2");
        soft_delete_product(&t, "p1").await;
        soft_delete_product(&t, "p2").await;
        for id in ["p1", "p2"] {
            let err = links
                .create(&t.db, ProductBrand::new(p(id), b("b1")))
                .await
                .map(|row| row.id)
                .expect_err("the product is soft-deleted");
            match &err {
                Error::NotFound { records, .. } => assert_eq!(
                    records,
                    &self::records(&[("product.product", &[id])]),
                    "{:?}",
                    t.backend
                ),
                other => panic!("{:?}: {id}: {other:?}", t.backend),
            }
            let err = links
                .create_json(
                    &t.db,
                    &json!({"product": {"product_id": id}, "brand": {"brand_id": "b1"}}),
                )
                .await
                .expect_err("json twin");
            assert_eq!(kind(&err), "NotFound", "{:?}: {id}: {err}", t.backend);
        }
        assert_eq!(
            live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}: p2 is not revived",
            t.backend
        );
    }
}

/// §8 "dismiss … a missing pair is not an error", and restore revives "the link rows … whose
/// `deleted_at` equals the named record's": dismissing (a retry) a pair a delete already
/// dismissed changes nothing, so restoring the record still brings the link back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissing_a_pair_a_delete_dismissed_keeps_it_restorable() {
    for t in test_databases("probe_dismiss_deleted").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        links
            .create(&t.db, ProductTag::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        links.delete(&t.db, [p("p1")]).await.expect("delete p1");
        assert!(
            !links
                .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
                .await
                .expect("dismiss after delete"),
            "{:?}: already dismissed",
            t.backend
        );
        assert_eq!(
            links
                .dismiss_json(
                    &t.db,
                    &json!({"product": {"product_id": "p1"}, "tag": {"tag_id": "t1"}})
                )
                .await
                .expect("dismiss_json after delete"),
            0,
            "{:?}",
            t.backend
        );
        links.restore(&t.db, [p("p1")]).await.expect("restore p1");
        assert_eq!(
            live::<ProductBrand>(&t, &links).await,
            [("p1".to_string(), "b1".to_string())],
            "{:?}: the brand link comes back with p1",
            t.backend
        );
        assert_eq!(
            live::<ProductTag>(&t, &links).await,
            [("p1".to_string(), "t1".to_string())],
            "{:?}: the tag link comes back with p1",
            t.backend
        );
        assert_eq!(links.check(&t.db).await.expect("check").dangling(), 0);
    }
}

/// §8 list: "values that may be arrays", "an array of them whose results are united without
/// duplicates", keys in canonical form: a value repeated, a key in two forms, overlapping
/// filters, each row once; the typed filter alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_as_arrays_give_each_row_once() {
    for t in test_databases("probe_list_arrays").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        t.regions(&[7]).await;
        links
            .create_many(
                &t.db,
                ["p1", "p2", "p3"].map(|id| ProductBrand::new(p(id), b("b1"))),
            )
            .await
            .expect("brands");
        links
            .create(&t.db, RegionBrand::new(r("7"), b("b1")))
            .await
            .expect("region");
        let typed = links
            .list(
                &t.db,
                ListFilter::<ProductBrand>::all()
                    .left([p("p1"), p("p1"), p("p2")])
                    .right([b("b1"), b("b1")]),
            )
            .await
            .expect("typed list");
        assert_eq!(typed.len(), 2, "{:?}", t.backend);
        let rows = links
            .list_json(
                &t.db,
                &json!([
                    {"product": {"product_id": ["p1", "p1", "p2"]}, "link": "ProductBrand"},
                    {"product": {"product_id": "p2"}, "brand": {"brand_id": ["b1", "b1"]}, "link": "ProductBrand"},
                    {"product": {"product_id": ["p1"]}, "brand": {"brand_id": "b1"}},
                ]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let mut products: Vec<&str> = rows
            .iter()
            .filter_map(|row| row["product"]["product_id"].as_str())
            .collect();
        products.sort();
        assert_eq!(products, ["p1", "p2"], "{:?}: {rows:?}", t.backend);
        let regions = links
            .list_json(
                &t.db,
                &json!({"region": {"region_id": [7, "7"]}, "link": "RegionBrand"}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(regions.len(), 1, "{:?}: {regions:?}", t.backend);
        assert_eq!(regions[0]["region"]["region_id"], json!("7"));
    }
}

/// §8 list: "rows come back in that shape, with `"link"` when the pair has several links, and
/// `data` only when the link has extra columns".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_rows_name_the_link_only_where_a_pair_has_several() {
    for t in test_databases("probe_list_shape").await {
        let links = common::builder(&t)
            .link::<ProductMaker>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        t.products(&["p1"]).await;
        t.brands(&["b1", "b2"]).await;
        t.customers(&["c1"]).await;
        t.wishlists(&["w1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("brand");
        links
            .create(&t.db, ProductMaker::new(p("p1"), b("b2")))
            .await
            .expect("maker");
        links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
            )
            .await
            .expect("wishlist");
        let brand_rows = links
            .list_json(&t.db, &json!({"link": "ProductBrand"}))
            .await
            .expect("list ProductBrand");
        assert_eq!(
            brand_rows,
            [
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "link": "ProductBrand", "data": {"featured": false, "position": 0, "note": null}})
            ],
            "{:?}",
            t.backend
        );
        let maker_rows = links
            .list_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "link": "ProductMaker"}),
            )
            .await
            .expect("list ProductMaker");
        assert_eq!(
            maker_rows,
            [
                json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}, "link": "ProductMaker"})
            ],
            "{:?}",
            t.backend
        );
        let wishlist_rows = links
            .list_json(&t.db, &json!({"link": "CustomerWishlist"}))
            .await
            .expect("list CustomerWishlist");
        assert_eq!(
            wishlist_rows,
            [json!({"customer": {"customer_id": "c1"}, "wishlist": {"wishlist_id": "w1"}})],
            "{:?}",
            t.backend
        );
        // A row read back is a valid input: dismissing it dismisses that link only.
        assert_eq!(
            links
                .dismiss_json(&t.db, &maker_rows[0])
                .await
                .unwrap_or_else(|e| panic!("{:?}: a listed row dismissed: {e}", t.backend)),
            1
        );
        assert_eq!(live::<ProductBrand>(&t, &links).await.len(), 1);
        assert!(live::<ProductMaker>(&t, &links).await.is_empty());
    }
}

/// §9.2 "A list side is always an array (empty when nothing is linked). A non-list side is
/// always an object or `null`", read from the other side of each cardinality.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shapes_are_stable_from_the_other_side_of_each_link() {
    for t in test_databases("probe_shapes_back").await {
        let links = common::registry(&t).await;
        t.customers(&["c1"]).await;
        t.wishlists(&["w1", "w2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.posts(&["s1", "s2"]).await;
        t.tags(&["t1", "t2"]).await;
        t.products(&["p1"]).await;
        links
            .create(
                &t.db,
                CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
            )
            .await
            .expect("c1-w1");
        links
            .create(&t.db, BrandPost::new(b("b1"), post::Model::key("s1")))
            .await
            .expect("b1-s1");
        links
            .create(&t.db, ProductTag::new(p("p1"), tg("t1")))
            .await
            .expect("p1-t1");
        let found = graph(
            &links,
            &t,
            GraphQuery::new("wishlist")
                .fields(["id", "customer.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "w1", "customer": {"id": "c1"}}, {"id": "w2", "customer": null}]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "brand.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "s1", "brand": {"id": "b1"}}, {"id": "s2", "brand": null}]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "posts.id", "products.id", "regions.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "b1", "posts": [{"id": "s1"}], "products": [], "regions": []},
                {"id": "b2", "posts": [], "products": [], "regions": []}
            ]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("tag")
                .fields(["id", "products.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "t1", "products": [{"id": "p1"}]}, {"id": "t2", "products": []}]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.4 "A filter on a linked field selects roots; it does not trim the nested list", "with
/// the root's pagination and a correct total count": through a many-to-many list, a root
/// matching through two linked records is one root, with its whole list, counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_through_a_list_keeps_each_root_once_with_its_whole_list() {
    for t in test_databases("probe_filter_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.tags(&["t1", "t2", "t3"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductTag::new(p("p1"), tg("t1")),
                    ProductTag::new(p("p1"), tg("t2")),
                    ProductTag::new(p("p1"), tg("t3")),
                    ProductTag::new(p("p2"), tg("t1")),
                ],
            )
            .await
            .expect("tags");
        let query = || {
            GraphQuery::new("product")
                .fields(["id", "tags.id"])
                .filters(json!({"tags": {"id": {"$in": ["t1", "t2"]}}}))
                .order("id", "ASC")
        };
        let found = graph(&links, &t, query()).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "p1", "tags": [{"id": "t1"}, {"id": "t2"}, {"id": "t3"}]},
                {"id": "p2", "tags": [{"id": "t1"}]}
            ]),
            "{:?}",
            t.backend
        );
        let page = graph(&links, &t, query().take(1)).await;
        assert_eq!(ids(&page), ["p1"], "{:?}", t.backend);
        assert_eq!(
            page.metadata.map(|m| m.count),
            Some(2),
            "{:?}: two roots match, whatever the number of tags",
            t.backend
        );
        let page = graph(&links, &t, query().skip(1).take(1)).await;
        assert_eq!(ids(&page), ["p2"], "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
    }
}

/// §9.4 the same from the "one" side of a many-to-one: brands filtered by their products, each
/// brand once with all its products, and the count counts brands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_through_the_many_side_counts_roots_not_rows() {
    for t in test_databases("probe_filter_many").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3", "p4"]).await;
        t.brands(&["b1", "b2", "b3"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                    ProductBrand::new(p("p3"), b("b1")),
                    ProductBrand::new(p("p4"), b("b2")),
                ],
            )
            .await
            .expect("brands");
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "products.id"])
                .filters(json!({"products": {"id": {"$in": ["p1", "p2", "p3", "p4"]}}}))
                .order("id", "ASC")
                .take(10),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "b1", "products": [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}]},
                {"id": "b2", "products": [{"id": "p4"}]}
            ]),
            "{:?}",
            t.backend
        );
        assert_eq!(found.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
    }
}

/// §9.4 with §8 dismiss and §9.2: a dismissed link row, or a linked record its module
/// soft-deleted, is not a linked record, so a filter on the linked field does not select
/// the root (as the graph shows no linked record for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_filters_ignore_dismissed_links_and_soft_deleted_records() {
    for t in test_databases("probe_filter_dead").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        t.customers(&["c1", "c2"]).await;
        t.wishlists(&["w1", "w2"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().featured(true)),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("brands");
        links
            .dismiss(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("dismiss p1");
        links
            .create_many(
                &t.db,
                [
                    CustomerWishlist::new(customer::Model::key("c1"), wishlist::Model::key("w1")),
                    CustomerWishlist::new(customer::Model::key("c2"), wishlist::Model::key("w2")),
                ],
            )
            .await
            .expect("wishlists");
        soft_delete_wishlist(&t, "w1").await;

        let products = |filters: Value| {
            GraphQuery::new("product")
                .fields(["id", "brand.id"])
                .filters(filters)
                .order("id", "ASC")
                .take(10)
        };
        let found = graph(&links, &t, products(json!({"brand": {"name": "Brand b1"}}))).await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "p2", "brand": {"id": "b1"}}]),
            "{:?}: p1's link is dismissed",
            t.backend
        );
        assert_eq!(found.metadata.map(|m| m.count), Some(1));
        let found = graph(&links, &t, products(json!({"brand": {"featured": true}}))).await;
        assert_eq!(
            ids(&found),
            Vec::<&str>::new(),
            "{:?}: a dismissed row's column selects nothing",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("customer")
                .fields(["id", "wishlist.id"])
                .filters(json!({"wishlist": {"id": {"$in": ["w1", "w2"]}}}))
                .order("id", "ASC")
                .take(10),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "c2", "wishlist": {"id": "w2"}}]),
            "{:?}: w1 is soft-deleted",
            t.backend
        );
        assert_eq!(found.metadata.map(|m| m.count), Some(1), "{:?}", t.backend);
    }
}

/// §9.4 "Ordering by a linked field puts roots with no linked record … last when ascending and
/// first when descending, the same on every backend": a dismissed link and a soft-deleted
/// linked record are no linked record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_treats_dismissed_links_and_soft_deleted_records_as_none() {
    for t in test_databases("probe_order_dead").await {
        let links = common::registry(&t).await;
        t.customers(&["c1", "c2", "c3", "c4"]).await;
        t.wishlists(&["w0", "w1", "w2"]).await;
        let cw = |c: &str, w: &str| {
            CustomerWishlist::new(customer::Model::key(c), wishlist::Model::key(w))
        };
        links
            .create_many(&t.db, [cw("c1", "w1"), cw("c2", "w2"), cw("c4", "w0")])
            .await
            .expect("wishlists");
        links.dismiss(&t.db, cw("c4", "w0")).await.expect("dismiss");
        soft_delete_wishlist(&t, "w1").await;
        let order = |direction: &str| {
            GraphQuery::new("customer")
                .fields(["id"])
                .order("wishlist.id", direction)
                .order("id", "ASC")
        };
        assert_eq!(
            ids(&graph(&links, &t, order("ASC")).await),
            ["c2", "c1", "c3", "c4"],
            "{:?}: only c2 has a wishlist",
            t.backend
        );
        assert_eq!(
            ids(&graph(&links, &t, order("DESC")).await),
            ["c1", "c3", "c4", "c2"],
            "{:?}",
            t.backend
        );
        let page = graph(&links, &t, order("ASC").skip(1).take(2)).await;
        assert_eq!(ids(&page), ["c1", "c3"], "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(4), "{:?}", t.backend);
    }
}

/// §9.4 "(or whose linked field is NULL) last when ascending and first when descending, the
/// same on every backend", for a nullable column of the link row, with a page and its count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_by_a_nullable_link_column_puts_nulls_last_ascending() {
    for t in test_databases("probe_order_null").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3", "p4"]).await;
        t.brands(&["b1", "b2"]).await;
        let note = |n: Option<&str>| product_brand::Data::default().note(n.map(String::from));
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")).with(note(Some("b"))),
                    ProductBrand::new(p("p2"), b("b1")).with(note(None)),
                    ProductBrand::new(p("p3"), b("b2")).with(note(Some("a"))),
                ],
            )
            .await
            .expect("brands");
        let order = |direction: &str| {
            GraphQuery::new("product")
                .fields(["id"])
                .order("brand.note", direction)
                .order("id", "ASC")
        };
        assert_eq!(
            ids(&graph(&links, &t, order("ASC")).await),
            ["p3", "p1", "p2", "p4"],
            "{:?}",
            t.backend
        );
        assert_eq!(
            ids(&graph(&links, &t, order("DESC")).await),
            ["p2", "p4", "p1", "p3"],
            "{:?}",
            t.backend
        );
        let page = graph(&links, &t, order("DESC").skip(1).take(2)).await;
        assert_eq!(ids(&page), ["p4", "p1"], "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(4), "{:?}", t.backend);
    }
}

/// §9.4 "Order may only go through non-list sides (ordering by a list is ambiguous: an
/// error)", from the "one" side of a many-to-one and through a many-to-many.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_through_a_list_side_is_an_error() {
    for t in test_databases("probe_order_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        for (root, path) in [("brand", "products.id"), ("product", "tags.id")] {
            let result = links
                .graph(
                    &t.db,
                    &GraphQuery::new(root).fields(["id"]).order(path, "ASC"),
                )
                .await;
            assert!(
                result.is_err(),
                "{:?}: ordering {root} by {path} must be refused, got {:?}",
                t.backend,
                result.map(|g| g.data)
            );
        }
    }
}

/// §8 "a write through a read-only link → `InvalidInput`" for every JSON write (create, update,
/// dismiss), and §9.4 "Read-only links are not filterable".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_links_take_no_writes_and_no_filters() {
    for t in test_databases("probe_read_only").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        let pair = json!({"post": {"post_id": "s1"}, "product": {"product_id": "p1"}});
        let mut with_data = pair.clone();
        with_data["data"] = json!({"x": 1});
        let create = links.create_json(&t.db, &pair).await.map(|_| ());
        let update = links.update_json(&t.db, &with_data).await.map(|_| ());
        let dismiss = links.dismiss_json(&t.db, &pair).await.map(|_| ());
        for (what, result) in [("create", create), ("update", update), ("dismiss", dismiss)] {
            match result {
                Err(Error::InvalidInput { message }) => assert!(
                    message.contains("read-only"),
                    "{:?}: {what}: {message}",
                    t.backend
                ),
                other => panic!(
                    "{:?}: {what}: expected InvalidInput, got {other:?}",
                    t.backend
                ),
            }
        }
        let filtered = links
            .graph(
                &t.db,
                &GraphQuery::new("post")
                    .fields(["id"])
                    .filters(json!({"product": {"title": "Product p1"}})),
            )
            .await;
        assert!(
            filtered.is_err(),
            "{:?}: a filter through a read-only link: {:?}",
            t.backend,
            filtered.map(|g| g.data)
        );
    }
}

/// §9.5 read-only links have "same shapes … as stored links": a forward link whose id is
/// null, names a record that does not exist, or names a soft-deleted one gives `null`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_forward_link_is_null_without_a_live_record() {
    for t in test_databases("probe_read_only_null").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        soft_delete_product(&t, "p2").await;
        let post = |id: &str, product: Option<&str>| post::Model {
            id: id.into(),
            body: id.into(),
            product_id: product.map(Into::into),
            deleted_at: None,
        };
        graph_world::insert::<post::Entity>(
            &t,
            vec![
                post("s1", Some("p1")),
                post("s2", None),
                post("s3", Some("nope")),
                post("s4", Some("p2")),
            ],
        )
        .await;
        let found = graph(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "product.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "s1", "product": {"id": "p1"}},
                {"id": "s2", "product": null},
                {"id": "s3", "product": null},
                {"id": "s4", "product": null}
            ]),
            "{:?}",
            t.backend
        );
    }
}

/// §9.1 "`*` selects every column of the model, `deleted_at` included where the model has one
/// (as Medusa), and no link".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn star_selects_every_column_and_no_link() {
    for t in test_databases("probe_star").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        let found = graph(&links, &t, GraphQuery::new("product").fields(["*"])).await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "p1", "title": "Product p1", "deleted_at": null}]),
            "{:?}",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand").fields(["*", "products.*"]),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([{"id": "b1", "name": "Brand b1", "products": [{"id": "p1", "title": "Product p1", "deleted_at": null}]}]),
            "{:?}",
            t.backend
        );
    }
}

/// §8 "Cardinality: one-to-one rejects a record already linked to another … including two
/// conflicting pairs in one batch", where the taken record's earlier link was dismissed: a
/// dismissed row does not hold the slot, and a batch taking one wishlist twice writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dismissed_one_to_one_slot_is_free_once() {
    for t in test_databases("probe_one_to_one_slot").await {
        let links = common::registry(&t).await;
        t.customers(&["c1", "c2", "c3"]).await;
        t.wishlists(&["w1", "w2"]).await;
        let cw = |c: &str, w: &str| {
            CustomerWishlist::new(customer::Model::key(c), wishlist::Model::key(w))
        };
        links.create(&t.db, cw("c1", "w1")).await.expect("c1-w1");
        links.dismiss(&t.db, cw("c1", "w1")).await.expect("dismiss");
        let err = links
            .create_many(&t.db, [cw("c2", "w1"), cw("c3", "w1")])
            .await
            .expect_err("w1 twice in one batch");
        assert_eq!(kind(&err), "Conflict", "{:?}: {err}", t.backend);
        assert!(live::<CustomerWishlist>(&t, &links).await.is_empty());
        links
            .create(&t.db, cw("c2", "w1"))
            .await
            .unwrap_or_else(|e| panic!("{:?}: w1's slot is free: {e}", t.backend));
        // Reviving c1-w1 would give w1 two customers; c3 taking w2 is fine alone.
        let err = links
            .create_many(&t.db, [cw("c3", "w2"), cw("c1", "w1")])
            .await
            .expect_err("w1 is c2's");
        match &err {
            Error::Conflict {
                record: Some(record),
                already_linked_to: Some(partner),
                ..
            } => {
                assert_eq!(
                    (record.model.as_str(), record.id.as_str()),
                    ("wishlist.wishlist", "w1"),
                    "{:?}: {err}",
                    t.backend
                );
                assert_eq!(
                    (partner.model.as_str(), partner.id.as_str()),
                    ("customer.customer", "c2"),
                    "{:?}: {err}",
                    t.backend
                );
            }
            other => panic!("{:?}: {other:?}", t.backend),
        }
        assert_eq!(
            live::<CustomerWishlist>(&t, &links).await,
            [("c2".to_string(), "w1".to_string())],
            "{:?}",
            t.backend
        );
    }
}

/// §8 update: "Typed and dynamic (`update_json`, the create shape, `data` required) …: each
/// typed write has its JSON twin with the same checks and errors": an update that names no
/// column is answered alike by both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_naming_no_column_is_answered_alike_by_both_twins() {
    for t in test_databases("probe_update_empty").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(4)),
            )
            .await
            .expect("p1-b1");
        let typed = links
            .update(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .map(|row| row.extra.position);
        let json = links
            .update_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {}}),
            )
            .await
            .map(|rows| rows[0]["data"]["position"].clone());
        match (&typed, &json) {
            (Ok(position), Ok(value)) => {
                assert_eq!((*position, value), (4, &json!(4)), "{:?}", t.backend)
            }
            (Err(a), Err(b)) => assert_eq!(
                (kind(a), a.to_string()),
                (kind(b), b.to_string()),
                "{:?}",
                t.backend
            ),
            _ => panic!(
                "{:?}: the twins disagree: typed {typed:?}, JSON {json:?}",
                t.backend
            ),
        }
        let rows = links
            .list(&t.db, ListFilter::<ProductBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows[0].extra.position, 4, "{:?}", t.backend);
    }
}

/// §8 "a write through a read-only link → `InvalidInput` saying which", §11 "Every message names
/// the link … and the fix": a list naming a read-only link and one of its sides says the link is
/// read-only (the message of a create, a dismiss or a list of both sides).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_one_side_of_a_read_only_link_says_it_is_read_only() {
    for t in test_databases("probe_read_only_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.posts(&["s1"]).await;
        for filter in [
            json!({"post": {"post_id": "s1"}, "link": "PostProduct"}),
            json!({"product": {"product_id": "p1"}, "link": "PostProduct"}),
        ] {
            match links.list_json(&t.db, &filter).await {
                Err(Error::InvalidInput { message }) => assert!(
                    message.contains("is read-only"),
                    "{:?}: {filter}: {message}",
                    t.backend
                ),
                other => panic!(
                    "{:?}: {filter}: expected InvalidInput, got {other:?}",
                    t.backend
                ),
            }
        }
    }
}

/// §8 "when a batch has several faults, shape errors come first, then missing records, then
/// cardinality", across two links of one batch: a pair taking a product's one brand (a brand
/// it already has live) before a pair naming a tag that does not exist is refused for the
/// missing tag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_records_of_a_later_link_come_before_a_conflict_of_an_earlier_one() {
    for t in test_databases("probe_order_groups").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1", "b2"]).await;
        t.tags(&["t1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("p1-b1");
        for input in [
            json!([
                {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
                {"product": {"product_id": "p2"}, "tag": {"tag_id": "tx"}},
            ]),
            json!([
                {"product": {"product_id": "p2"}, "tag": {"tag_id": "tx"}},
                {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
            ]),
            json!([
                {"product": {"product_id": "p1"}, "brand": {"brand_id": "b2"}},
                {"product": {"product_id": "p2"}, "tag": {"tag_id": "t1"}},
                {"product": {"product_id": "p9"}, "tag": {"tag_id": "t1"}},
            ]),
        ] {
            let err = links
                .create_json(&t.db, &input)
                .await
                .expect_err("two faults");
            assert_eq!(kind(&err), "NotFound", "{:?}: {input}: {err}", t.backend);
        }
        assert!(live::<ProductTag>(&t, &links).await.is_empty());
        assert_eq!(live::<ProductBrand>(&t, &links).await.len(), 1);
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
