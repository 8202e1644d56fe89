//! Keys in their canonical form (SPEC §8): an integer key accepts `7` or `"7"` but stores and
//! matches `7` (`"07"`, `"+7"`, `" 7"` are `InvalidInput`), a UUID key is stored lower-case and
//! hyphenated whatever form it was given in, a string key is taken byte for byte. On SQLite,
//! PostgreSQL and MariaDB.

use link_runtime::{Error, Key, Links, ListFilter, define_link};
use link_tests::db::Backend;
use link_tests::models::{brand, region};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, EntityTrait, Schema};
use serde_json::json;

/// A device, keyed by a UUID.
pub mod device {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "key_device")]
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
    /// Each region has one brand (the integer key is the left one, whose column is unique).
    pub RegionOneBrand: region::Model [is_list] => brand::Model,
    table = "key_region_brand",
}

define_link! {
    /// Each device belongs to one brand.
    pub DeviceBrand: device::Model [is_list] => brand::Model,
    table = "key_device_brand",
}

const DEVICE: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

async fn registry(t: &TestDb) -> Links {
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
    t.regions(&[7]).await;
    t.brands(&["b1", "b2"]).await;
    let links = Links::builder(t.db.clone())
        .module("region")
        .module("brand")
        .module("device")
        .link::<RegionOneBrand>()
        .link::<DeviceBrand>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

fn r(id: &str) -> Key<region::Model> {
    region::Model::key(id)
}

fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

fn invalid<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) -> String {
    match result {
        Err(Error::InvalidInput { message }) => message,
        other => panic!("{what}: expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integer_keys_are_stored_and_matched_in_their_canonical_form() {
    for t in test_databases("keys_integer").await {
        let links = registry(&t).await;
        links
            .create(&t.db, RegionOneBrand::new(r("7"), b("b1")))
            .await
            .expect("7 → b1");
        for form in ["07", "+7", " 7", "7 ", "-0", "7.0"] {
            let message = invalid(
                links
                    .create(&t.db, RegionOneBrand::new(r(form), b("b2")))
                    .await,
                form,
            );
            assert!(message.contains("is not a valid region id"), "{message}");
        }
        assert_eq!(
            invalid(
                links
                    .create(&t.db, RegionOneBrand::new(r("07"), b("b2")))
                    .await,
                "07"
            ),
            "`07` is not a valid region id: its key `id` is an integer, written as 7 (no leading zeros, `+` or spaces)"
        );
        let rows = links
            .list(&t.db, ListFilter::<RegionOneBrand>::all())
            .await
            .expect("list");
        assert_eq!(rows.len(), 1, "{:?}: nothing else was written", t.backend);
        assert_eq!(rows[0].left.as_str(), "7");

        // The JSON shape takes the number 7 and the string "7" as the same key.
        let created = links
            .create_json(
                &t.db,
                &json!({"region": {"region_id": 7}, "brand": {"brand_id": "b1"}}),
            )
            .await
            .expect("7 as a number");
        assert_eq!(created[0]["region"]["region_id"], "7");
        invalid(
            links
                .create_json(
                    &t.db,
                    &json!({"region": {"region_id": "07"}, "brand": {"brand_id": "b2"}}),
                )
                .await,
            "\"07\" in JSON",
        );
        invalid(
            links
                .dismiss(&t.db, RegionOneBrand::new(r("07"), b("b1")))
                .await,
            "dismiss 07",
        );
        invalid(
            links
                .list(&t.db, ListFilter::<RegionOneBrand>::all().left([r("07")]))
                .await,
            "list 07",
        );
        invalid(links.delete(&t.db, [r("07")]).await, "delete 07");
        invalid(links.restore(&t.db, [r("+7")]).await, "restore +7");

        // Deleting 7 dismisses its one link: no other form of it was ever stored.
        links.delete(&t.db, [r("7")]).await.expect("delete 7");
        assert!(
            links
                .list(&t.db, ListFilter::<RegionOneBrand>::all())
                .await
                .expect("list")
                .is_empty(),
            "{:?}",
            t.backend
        );
        assert_eq!(links.check(&t.db).await.expect("check").dangling(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid_keys_are_stored_lower_case_and_hyphenated() {
    for t in test_databases("keys_uuid").await {
        let links = registry(&t).await;
        let upper = DEVICE.to_uppercase();
        let simple = DEVICE.replace('-', "");
        let row = links
            .create(
                &t.db,
                DeviceBrand::new(device::Model::key(upper.as_str()), b("b1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: the upper-case form is the device: {e}", t.backend));
        assert_eq!(row.left.as_str(), DEVICE);
        // The same pair again, in another form: idempotent, not a second brand.
        links
            .create(
                &t.db,
                DeviceBrand::new(device::Model::key(simple.as_str()), b("b1")),
            )
            .await
            .expect("the same pair");
        let err = links
            .create(
                &t.db,
                DeviceBrand::new(device::Model::key(format!("{{{DEVICE}}}")), b("b2")),
            )
            .await
            .expect_err("one brand per device, whatever the key's form");
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{:?}: {err:?}",
            t.backend
        );
        let rows = links
            .list(
                &t.db,
                ListFilter::<DeviceBrand>::all().left([device::Model::key(upper.as_str())]),
            )
            .await
            .expect("list by the upper-case form");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].left.as_str(), DEVICE);
        invalid(
            links
                .create(
                    &t.db,
                    DeviceBrand::new(device::Model::key("not-a-uuid"), b("b2")),
                )
                .await,
            "not a uuid",
        );
        let report = links
            .delete(&t.db, [device::Model::key(upper.as_str())])
            .await
            .expect("delete by the upper-case form");
        assert_eq!(
            report.links.get("DeviceBrand").map(|pairs| pairs.len()),
            Some(1),
            "{report:?}"
        );
        assert_eq!(links.check(&t.db).await.expect("check").dangling(), 0);
    }
}

/// Keys found through a link and sent to a module on another connection keep their type there
/// (PostgreSQL binds them as one array: `int4 = ANY(int8[])`, `uuid = ANY(uuid[])`), and a
/// delete by another form of the key, retried, finds the same records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_pushed_to_another_connection_keep_their_type() {
    for t in test_databases("keys_elsewhere").await {
        // The tables and rows, made through the usual registry.
        let home = registry(&t).await;
        home.create(&t.db, RegionOneBrand::new(r("7"), b("b1")))
            .await
            .expect("region link");
        home.create(
            &t.db,
            DeviceBrand::new(device::Model::key(DEVICE.to_uppercase().as_str()), b("b1")),
        )
        .await
        .expect("device link");
        // The region and device modules on a connection of their own.
        let elsewhere = t.connect_again(2).await;
        let links = Links::builder(t.db.clone())
            .module_on("region", elsewhere.clone())
            .module("brand")
            .module_on("device", elsewhere)
            .link::<RegionOneBrand>()
            .link::<DeviceBrand>()
            .build()
            .expect("registry");
        for (entity, id) in [("region", json!(7)), ("key_device", json!(DEVICE))] {
            let page = links
                .graph(
                    &t.db,
                    &link_runtime::query::GraphQuery::new(entity)
                        .fields(["id", "brand.id"])
                        .filters(json!({"brand": {"id": "b1"}})),
                )
                .await
                .unwrap_or_else(|e| panic!("{:?}: {entity}: {e}", t.backend));
            let page = serde_json::to_value(&page).expect("json");
            assert_eq!(
                page["data"],
                json!([{"id": id, "brand": {"id": "b1"}}]),
                "{:?}: {entity}",
                t.backend
            );
        }
        // A client retrying a delete by the upper-case form: the second finds nothing to do.
        let upper = [device::Model::key(DEVICE.to_uppercase().as_str())];
        let first = links.delete(&t.db, upper.clone()).await.expect("delete");
        assert_eq!(
            first.links.get("DeviceBrand").map(|pairs| pairs.len()),
            Some(1),
            "{:?}: {first:?}",
            t.backend
        );
        let second = links.delete(&t.db, upper).await.expect("delete again");
        assert!(second.links.is_empty(), "{:?}: {second:?}", t.backend);
    }
}

/// A string key is taken byte for byte (SPEC §8) on every backend: under MariaDB's default
/// collation, which ignores case, `"B1"` is not the brand `b1` either.
#[tokio::test]
async fn a_string_key_in_another_case_is_another_key() {
    for t in test_databases("keys_string_case").await {
        let links = registry(&t).await;
        let upper = RegionOneBrand::new(region::Model::key("7"), brand::Model::key("B1"));
        for _ in 0..2 {
            match links.create(&t.db, upper.clone()).await {
                Err(Error::NotFound { records, .. }) => {
                    assert_eq!(
                        records.values().flatten().collect::<Vec<_>>(),
                        ["B1"],
                        "{:?}",
                        t.backend
                    );
                }
                other => panic!("{:?}: expected NotFound for B1, got {other:?}", t.backend),
            }
        }
        links
            .create(
                &t.db,
                RegionOneBrand::new(region::Model::key("7"), brand::Model::key("b1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let listed = links
            .list(
                &t.db,
                ListFilter::<RegionOneBrand>::all().right([brand::Model::key("B1")]),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(listed.is_empty(), "{:?}: {listed:?}", t.backend);
        let report = links
            .delete(&t.db, [brand::Model::key("B1")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let listed = links
            .list(&t.db, ListFilter::<RegionOneBrand>::all())
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            listed.len(),
            1,
            "{:?}: deleting B1 touched b1: {report:?}",
            t.backend
        );
        let kept = brand::Entity::find_by_id("b1")
            .one(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(kept.is_some(), "{:?}: deleting B1 deleted b1", t.backend);
    }
}

/// The live pairs of `RegionOneBrand`.
async fn live(links: &Links, t: &TestDb) -> Vec<(String, String)> {
    links
        .list(&t.db, ListFilter::<RegionOneBrand>::all())
        .await
        .expect("list")
        .iter()
        .map(|row| (row.left.to_string(), row.right.to_string()))
        .collect()
}

/// A string key is taken byte for byte (SPEC §8), trailing spaces too: MySQL's and MariaDB's
/// `=` ignores them in every `PAD SPACE` collation (`utf8mb4_bin` among them), so `"b1 "` must
/// not reach the pair of `"b1"`. A dismiss of a missing pair is not an error and changes
/// nothing (§8); an update of one is `NotFound`; a list or a delete by it finds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_string_key_with_a_trailing_space_is_another_key() {
    for t in test_databases("keys_string_pad").await {
        let links = registry(&t).await;
        links
            .create(&t.db, RegionOneBrand::new(r("7"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let linked = vec![("7".to_string(), "b1".to_string())];
        for padded in ["b1 ", "b1  "] {
            // One pair (its own statement), then two (a batch), each twice, as a retry.
            for _ in 0..2 {
                let one = links
                    .dismiss(&t.db, RegionOneBrand::new(r("7"), b(padded)))
                    .await
                    .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
                assert!(!one, "{:?}: {padded:?} was reported dismissed", t.backend);
                assert_eq!(
                    live(&links, &t).await,
                    linked,
                    "{:?}: dismiss {padded:?}",
                    t.backend
                );
                let many = links
                    .dismiss_many(
                        &t.db,
                        [
                            RegionOneBrand::new(r("7"), b(padded)),
                            RegionOneBrand::new(r("7"), b("b2")),
                        ],
                    )
                    .await
                    .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
                assert_eq!(many, 0, "{:?}: dismiss_many {padded:?}", t.backend);
                assert_eq!(
                    live(&links, &t).await,
                    linked,
                    "{:?}: dismiss_many {padded:?}",
                    t.backend
                );
            }
            match links
                .update(&t.db, RegionOneBrand::new(r("7"), b(padded)))
                .await
            {
                Err(Error::NotFound { .. }) => {}
                other => panic!(
                    "{:?}: update {padded:?}: expected NotFound, got {other:?}",
                    t.backend
                ),
            }
            let listed = links
                .list(
                    &t.db,
                    ListFilter::<RegionOneBrand>::all().right([b(padded)]),
                )
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
            assert!(
                listed.is_empty(),
                "{:?}: list {padded:?}: {listed:?}",
                t.backend
            );
            links
                .delete(&t.db, [b(padded)])
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
            assert_eq!(
                live(&links, &t).await,
                linked,
                "{:?}: delete {padded:?}",
                t.backend
            );
        }
        let dismissed = links
            .dismiss(&t.db, RegionOneBrand::new(r("7"), b("b1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(dismissed, "{:?}: the exact pair is dismissed", t.backend);
    }
}

/// A tag whose table keeps `"t1"` and `"t1 "` apart (on MySQL/MariaDB a `NO PAD` collation),
/// as an application's own table may.
pub mod pad_tag {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "key_pad_tag")]
    #[linkable(module = "pad_tag")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

define_link! {
    /// Regions and tags, many to many.
    pub RegionTags: region::Model [is_list] => pad_tag::Model [is_list],
    table = "key_region_tags",
}

define_link! {
    /// Each tag has one region.
    pub TagRegion: pad_tag::Model [is_list, alias = "home_tag"] => region::Model [alias = "home_region"],
    table = "key_tag_region",
}

/// Where the link table pads (`pads`), `result` is a `Conflict` naming `t1` and `t1 ` as one key
/// (no "retry": a retry cannot help); elsewhere the write succeeded.
fn refused_as_one_key(t: &TestDb, pads: bool, what: &str, result: Result<(), Error>) {
    match (pads, result) {
        (false, Ok(())) => {}
        (true, Err(Error::Conflict { message, .. })) => {
            assert!(
                message.contains("`t1 `")
                    && message.contains("`t1`")
                    && message.contains("trailing spaces")
                    && !message.contains("retry"),
                "{what}: {message}"
            );
        }
        (_, other) => panic!("{:?}: {what}: got {other:?}", t.backend),
    }
}

/// Two keys that differ only in trailing spaces are two keys (SPEC §8). MySQL's and MariaDB's
/// link key columns (`utf8mb4_bin`) take them for one, so there the second pair is refused,
/// with a `Conflict` that names the stored key and the cause (a retry cannot help), and nothing
/// is written; PostgreSQL and SQLite store both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_a_link_table_takes_for_one_are_refused_by_name() {
    for t in test_databases("keys_pad_twins").await {
        let pads = t.backend == Backend::MySql;
        if pads {
            t.db.execute_unprepared(
                "CREATE TABLE key_pad_tag (id varchar(64) COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY)",
            )
            .await
            .expect("tag table");
        } else {
            let schema = Schema::new(t.sea_backend());
            t.db.execute(&schema.create_table_from_entity(pad_tag::Entity))
                .await
                .expect("tag table");
        }
        t.db.execute_unprepared("INSERT INTO key_pad_tag (id) VALUES ('t1'), ('t1 ')")
            .await
            .expect("tags");
        t.regions(&[7, 8]).await;
        let links = Links::builder(t.db.clone())
            .module("region")
            .module("pad_tag")
            .link::<RegionTags>()
            .link::<TagRegion>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let tag = |id: &str| pad_tag::Model::key(id);

        links
            .create(&t.db, RegionTags::new(r("7"), tag("t1")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        links
            .create(&t.db, TagRegion::new(tag("t1"), r("7")))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        // The same pair's twin (the primary key), and a twin on a side with one partner (a
        // cardinality index), each twice, as a retry.
        for _ in 0..2 {
            let twin = links
                .create(&t.db, RegionTags::new(r("7"), tag("t1 ")))
                .await;
            let one_partner = links
                .create(&t.db, TagRegion::new(tag("t1 "), r("8")))
                .await;
            for (what, result) in [
                ("RegionTags (7, \"t1 \")", twin.map(|_| ())),
                ("TagRegion (\"t1 \", 8)", one_partner.map(|_| ())),
            ] {
                refused_as_one_key(&t, pads, what, result);
            }
        }
        // Twins within one batch, before anything is stored of them.
        for _ in 0..2 {
            let twins = links
                .create_many(
                    &t.db,
                    [
                        RegionTags::new(r("8"), tag("t1")),
                        RegionTags::new(r("8"), tag("t1 ")),
                    ],
                )
                .await;
            let one_partner = links
                .create_many(
                    &t.db,
                    [
                        TagRegion::new(tag("t1"), r("7")),
                        TagRegion::new(tag("t1 "), r("8")),
                    ],
                )
                .await;
            for (what, result) in [
                ("RegionTags [(8, \"t1\"), (8, \"t1 \")]", twins.map(|_| ())),
                (
                    "TagRegion [(\"t1\", 7), (\"t1 \", 8)]",
                    one_partner.map(|_| ()),
                ),
            ] {
                refused_as_one_key(&t, pads, what, result);
            }
        }
        let tags = links
            .list(&t.db, ListFilter::<RegionTags>::all())
            .await
            .expect("list");
        let regions = links
            .list(&t.db, ListFilter::<TagRegion>::all())
            .await
            .expect("list");
        let expected = if pads { (1, 1) } else { (4, 2) };
        assert_eq!((tags.len(), regions.len()), expected, "{:?}", t.backend);
    }
}

/// Tags `t1` and `t1 ` (two records of a table that keeps them apart) are deleted and restored
/// each with its own stamp: the stamps the library keeps for records without `deleted_at` take
/// keys byte for byte, trailing spaces too, on every backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_records_without_deleted_at_are_restored_each_on_its_own() {
    for t in test_databases("keys_pad_restore").await {
        if t.backend == Backend::MySql {
            t.db.execute_unprepared(
                "CREATE TABLE key_pad_tag (id varchar(64) COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY)",
            )
            .await
            .expect("tag table");
        } else {
            let schema = Schema::new(t.sea_backend());
            t.db.execute(&schema.create_table_from_entity(pad_tag::Entity))
                .await
                .expect("tag table");
        }
        t.db.execute_unprepared("INSERT INTO key_pad_tag (id) VALUES ('t1'), ('t1 ')")
            .await
            .expect("tags");
        t.regions(&[7, 8]).await;
        let links = Links::builder(t.db.clone())
            .module("region")
            .module("pad_tag")
            .link::<RegionTags>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let tag = |id: &str| pad_tag::Model::key(id);
        links
            .create_many(
                &t.db,
                [
                    RegionTags::new(r("7"), tag("t1")),
                    RegionTags::new(r("8"), tag("t1 ")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let live = || async {
            links
                .list(&t.db, ListFilter::<RegionTags>::all())
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
                .into_iter()
                .map(|row| (row.left.to_string(), row.right.to_string()))
                .collect::<Vec<_>>()
        };
        links.delete(&t.db, [tag("t1")]).await.expect("delete t1");
        links.delete(&t.db, [tag("t1 ")]).await.expect("delete t1 ");
        assert!(live().await.is_empty(), "{:?}", t.backend);
        links
            .restore(&t.db, [tag("t1 ")])
            .await
            .expect("restore t1 ");
        assert_eq!(
            live().await,
            [("8".to_string(), "t1 ".to_string())],
            "{:?}: the restore of `t1 ` brings back its link only",
            t.backend
        );
        links.restore(&t.db, [tag("t1")]).await.expect("restore t1");
        assert_eq!(live().await.len(), 2, "{:?}", t.backend);
    }
}
