//! A link from a model to itself ("related products", SPEC §8): its key columns are named from
//! the aliases, and create, dismiss, list, delete (a cascade along it ends), restore, typed
//! loading and Query work in both directions. On SQLite, PostgreSQL and MariaDB.

use std::collections::BTreeSet;

use link_runtime::query::GraphQuery;
use link_runtime::{Error, Key, Links, ListFilter, define_link};
use link_tests::models::product;
use link_tests::{TestDb, test_databases};
use serde_json::json;

define_link! {
    /// Products a product relates to (many-to-many, both ways).
    pub RelatedProducts: product::Model [is_list, alias = "related"]
        => product::Model [is_list, alias = "related_to"],
}

define_link! {
    /// An assembly and its parts; deleting an assembly deletes its parts, recursively.
    pub ProductParts: product::Model [alias = "assembly"]
        => product::Model [is_list, delete_cascade, alias = "parts"],
    table = "self_product_parts",
}

define_link! {
    /// The product that replaces a product (one-to-one).
    pub Replacement: product::Model [alias = "replaces"] => product::Model [alias = "replaced_by"],
    table = "self_replacement",
}

async fn registry(t: &TestDb) -> Links {
    let links = Links::builder(t.db.clone())
        .module("product")
        .link::<RelatedProducts>()
        .link::<ProductParts>()
        .link::<Replacement>()
        .build()
        .unwrap_or_else(|e| panic!("a link from a model to itself is declared: {e}"));
    links.migrate().await.expect("migrate");
    t.products(&["p1", "p2", "p3", "p4"]).await;
    links
}

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}

async fn pairs<L: link_runtime::StoredLink<Left = product::Model, Right = product::Model>>(
    links: &Links,
    t: &TestDb,
    filter: ListFilter<L>,
) -> BTreeSet<(String, String)> {
    links
        .list(&t.db, filter)
        .await
        .expect("list")
        .into_iter()
        .map(|row| (row.left.to_string(), row.right.to_string()))
        .collect()
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(l, r)| (l.to_string(), r.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_links_to_itself_in_both_directions() {
    for t in test_databases("self_related").await {
        let links = registry(&t).await;
        assert_eq!(
            links.table_name::<RelatedProducts>().expect("table"),
            "product_related_product_related_to"
        );
        links
            .create_many(
                &t.db,
                [
                    RelatedProducts::new(p("p1"), p("p2")),
                    RelatedProducts::new(p("p1"), p("p3")),
                    RelatedProducts::new(p("p2"), p("p1")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        // The generated entity names the key columns from the aliases.
        use link_runtime::sea_orm::{EntityTrait, Iden};
        assert_eq!(related_products::Column::Left.to_string(), "related_id");
        assert_eq!(related_products::Column::Right.to_string(), "related_to_id");
        assert_eq!(
            related_products::Entity::find()
                .all(&t.db)
                .await
                .expect("plain sea-orm")
                .len(),
            3
        );
        assert_eq!(
            pairs(
                &links,
                &t,
                ListFilter::<RelatedProducts>::all().left([p("p1")])
            )
            .await,
            set(&[("p1", "p2"), ("p1", "p3")]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            pairs(
                &links,
                &t,
                ListFilter::<RelatedProducts>::all().right([p("p1")])
            )
            .await,
            set(&[("p2", "p1")])
        );

        // Query follows it both ways, by alias.
        let graph = links
            .graph(
                &t.db,
                &GraphQuery::new("product")
                    .fields(["id", "related_to.id", "related.id"])
                    .filters(json!({"id": "p1"})),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            graph.data,
            vec![json!({
                "id": "p1",
                "related_to": [{"id": "p2"}, {"id": "p3"}],
                "related": [{"id": "p2"}],
            })],
            "{:?}",
            t.backend
        );

        // Typed loading, both ways.
        let records = product::Entity::find()
            .all(&t.db)
            .await
            .expect("products")
            .into_iter()
            .filter(|m| m.id == "p1")
            .collect::<Vec<_>>();
        let right = links
            .load_right::<RelatedProducts, _>(&t.db, &records)
            .await
            .expect("load right");
        assert_eq!(
            right[0].iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["p2", "p3"]
        );
        let left = links
            .load_left::<RelatedProducts, _>(&t.db, &records)
            .await
            .expect("load left");
        assert_eq!(
            left[0].iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["p2"]
        );

        // Deleting p1 dismisses its rows on both sides; restoring brings them back.
        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(
            report.links.get("RelatedProducts"),
            Some(&set(&[("p1", "p2"), ("p1", "p3"), ("p2", "p1")])),
            "{:?}",
            t.backend
        );
        assert!(
            pairs(&links, &t, ListFilter::<RelatedProducts>::all())
                .await
                .is_empty()
        );
        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(
            pairs(&links, &t, ListFilter::<RelatedProducts>::all()).await,
            set(&[("p1", "p2"), ("p1", "p3"), ("p2", "p1")])
        );
        links
            .dismiss(&t.db, RelatedProducts::new(p("p2"), p("p1")))
            .await
            .expect("dismiss");
        assert_eq!(
            pairs(&links, &t, ListFilter::<RelatedProducts>::all()).await,
            set(&[("p1", "p2"), ("p1", "p3")])
        );

        // The JSON shape cannot tell the two sides apart: a clear refusal.
        let err = links
            .list_json(
                &t.db,
                &json!({"product": {"product_id": "p1"}, "link": "RelatedProducts"}),
            )
            .await
            .expect_err("two product sides");
        assert!(
            matches!(&err, Error::InvalidInput { message } if message.contains("joins product to itself")),
            "{err:?}"
        );
        assert_eq!(links.check(&t.db).await.expect("check").dangling(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cardinality_and_cascades_along_a_link_to_the_same_model() {
    for t in test_databases("self_cascade").await {
        let links = registry(&t).await;
        // One-to-one: p2 replaces p1; p3 cannot replace p1 too, nor can p2 replace p4.
        links
            .create(&t.db, Replacement::new(p("p1"), p("p2")))
            .await
            .expect("p1 → p2");
        for (old, new) in [("p1", "p3"), ("p4", "p2")] {
            let err = links
                .create(&t.db, Replacement::new(p(old), p(new)))
                .await
                .expect_err("one replacement each way");
            assert!(
                matches!(err, Error::Conflict { .. }),
                "{:?}: {err:?}",
                t.backend
            );
        }

        // A cycle of parts: p1 has p2, p2 has p3, p3 has p1. Deleting p1 deletes each once.
        links
            .create_many(
                &t.db,
                [
                    ProductParts::new(p("p1"), p("p2")),
                    ProductParts::new(p("p2"), p("p3")),
                    ProductParts::new(p("p3"), p("p1")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let report = links.delete(&t.db, [p("p1")]).await.expect("delete");
        assert_eq!(
            report.records.get("product.product"),
            Some(&["p1", "p2", "p3"].iter().map(|s| s.to_string()).collect()),
            "{:?}: {report:?}",
            t.backend
        );
        assert_eq!(
            report.links.get("ProductParts"),
            Some(&set(&[("p1", "p2"), ("p2", "p3"), ("p3", "p1")]))
        );
        assert_eq!(links.check(&t.db).await.expect("check").dangling(), 0);
        links.restore(&t.db, [p("p1")]).await.expect("restore");
        assert_eq!(
            pairs(&links, &t, ListFilter::<ProductParts>::all()).await,
            set(&[("p1", "p2"), ("p2", "p3"), ("p3", "p1")]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            pairs(&links, &t, ListFilter::<Replacement>::all()).await,
            set(&[("p1", "p2")])
        );
    }
}

define_link! {
    /// Both sides would be `product_id`.
    pub Unnamed: product::Model [is_list] => product::Model [is_list],
    table = "self_unnamed",
}

#[tokio::test]
async fn a_link_to_the_same_model_without_aliases_is_refused_with_the_fix() {
    let db = link_runtime::sea_orm::Database::connect("sqlite::memory:")
        .await
        .expect("sqlite");
    let err = Links::builder(db)
        .module("product")
        .link::<Unnamed>()
        .build()
        .expect_err("both sides would be product_id");
    let message = err.to_string();
    assert!(
        message.contains("would store both sides in the column `product_id`: give its two sides different aliases"),
        "{message}"
    );
}
