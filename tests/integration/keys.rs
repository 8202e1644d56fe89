//! Keys in their canonical form (SPEC §8): an integer key accepts `7` or `"7"` but stores and
//! matches `7` (`"07"`, `"+7"`, `" 7"` are `InvalidInput`), a UUID key is stored lower-case and
//! hyphenated whatever form it was given in, a string key is taken byte for byte. On SQLite,
//! PostgreSQL and MariaDB.

use link_runtime::{Error, Key, Links, ListFilter, define_link};
use link_tests::models::{brand, product, region};
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

define_link! {
    /// Products and brands, many to many: a batch matches many pairs in one statement.
    pub ProductBrands: product::Model [is_list] => brand::Model [is_list],
    table = "key_product_brands",
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

/// String keys with quotes, backslashes, JSON and path syntax, accents in two normal forms, an
/// emoji and 255 bytes of two-byte characters are matched byte for byte when a batch names many
/// pairs at once (SPEC §8): created twice (a retry writes nothing new), dismissed among pairs
/// that differ from linked ones only by case or normal form (none of which is touched), and
/// listed back exactly.
#[tokio::test]
async fn string_keys_of_any_characters_are_matched_byte_for_byte_in_a_batch() {
    let long = format!("{}x", "\u{e9}".repeat(127));
    let brands = ["b\"1", "b\\1", "%_", long.as_str()];
    // Seven products, each linked to three brands (`b\\1` stays unlinked). Their twins by case
    // or normal form (`P"1`, `e\u{301}`, `B"1`) are no records: MariaDB's default collation,
    // which the module tables have, would take them for the same ones.
    let products = [
        "p\"1",
        "p\\2",
        "p'3",
        "[\"p\",4]",
        "$[0]",
        "\u{e9}",
        "p\u{1f600}",
    ];
    let linked: Vec<(&str, &str)> = products
        .into_iter()
        .flat_map(|p| ["b\"1", "%_", long.as_str()].map(move |b| (p, b)))
        .collect();
    let pair =
        |(p, b): (&str, &str)| ProductBrands::new(product::Model::key(p), brand::Model::key(b));
    let listed = |rows: Vec<link_runtime::LinkRow<ProductBrands>>| {
        let mut ends: Vec<(String, String)> = rows
            .into_iter()
            .map(|row| {
                (
                    row.left.as_str().to_string(),
                    row.right.as_str().to_string(),
                )
            })
            .collect();
        ends.sort();
        ends
    };
    let expected = |pairs: &[(&str, &str)]| {
        let mut ends: Vec<(String, String)> = pairs
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_string()))
            .collect();
        ends.sort();
        ends
    };
    for t in test_databases("keys_any_characters").await {
        let backend = t.backend;
        t.products(&products).await;
        t.brands(&brands).await;
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .link::<ProductBrands>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");

        let first = links
            .create_many(&t.db, linked.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        let again = links
            .create_many(&t.db, linked.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: the retry: {e}"));
        assert_eq!(
            first.iter().map(|r| &r.id).collect::<Vec<_>>(),
            again.iter().map(|r| &r.id).collect::<Vec<_>>(),
            "{backend:?}: the retry wrote other rows"
        );
        assert_eq!(listed(first), expected(&linked), "{backend:?}");

        // Twins of linked pairs by case or normal form, and one linked pair of each brand.
        let dismissed = [
            ("P\"1", "b\"1"),
            ("p\"1", "B\"1"),
            ("e\u{301}", "%_"),
            ("p\\2", "b\\1"),
            ("p\"1", "b\"1"),
            ("\u{e9}", "%_"),
            ("$[0]", long.as_str()),
        ];
        let count = links
            .dismiss_many(&t.db, dismissed.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(
            count, 3,
            "{backend:?}: dismissed {count} rows, not the 3 linked"
        );
        let left: Vec<(&str, &str)> = linked
            .iter()
            .copied()
            .filter(|p| !dismissed.contains(p))
            .collect();
        let rows = links
            .list(&t.db, ListFilter::<ProductBrands>::all())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(listed(rows), expected(&left), "{backend:?}");
    }
}

/// A batch of the longest keys, each of them characters JSON must escape, is written, written
/// again (a retry: the pairs are found as existing) and dismissed whole. On MySQL/MariaDB a
/// batch's pairs go to the server as one JSON document, where a key of 250 quotes takes 500
/// bytes: 22,000 such pairs would be 22 MB, over MariaDB's default packet limit of 16 MiB (its
/// bind limit alone would allow 21,839 pairs a statement).
#[tokio::test]
async fn a_batch_of_long_keys_that_json_escapes_fits_the_server() {
    const PAIRS: usize = 22_000;
    // 249 bytes: the fixture's name, "Brand <id>", fits in 255.
    let brand_id = "\"".repeat(249);
    let product_ids: Vec<String> = (0..PAIRS)
        // 247 bytes: the fixture's title, "Product <id>", fits in 255.
        .map(|i| format!("{}{i:05}", "\"".repeat(242)))
        .collect();
    let pairs = || {
        product_ids.iter().map(|p| {
            ProductBrands::new(
                product::Model::key(p.as_str()),
                brand::Model::key(brand_id.as_str()),
            )
        })
    };
    for t in test_databases("keys_long_batch").await {
        let backend = t.backend;
        t.products(&product_ids).await;
        t.brands(&[brand_id.as_str()]).await;
        let links = Links::builder(t.db.clone())
            .module("product")
            .module("brand")
            .link::<ProductBrands>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        let first = links
            .create_many(&t.db, pairs())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(first.len(), PAIRS, "{backend:?}");
        let again = links
            .create_many(&t.db, pairs())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: the retry: {e}"));
        assert!(
            first.iter().zip(&again).all(|(a, b)| a.id == b.id),
            "{backend:?}: the retry wrote other rows"
        );
        let dismissed = links
            .dismiss_many(&t.db, pairs())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(dismissed, PAIRS as u64, "{backend:?}");
    }
}
