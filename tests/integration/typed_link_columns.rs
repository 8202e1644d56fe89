//! A link's own columns in typed queries (issue 16, item 6): a selection declared `through` a
//! link reads its row's columns, filters and orders name them after `link`, and a selection of a
//! link table's entity reads its rows from the link's entry point; each typed answer is the
//! graph's for the same query, on every backend.

#![allow(clippy::panic)]

mod common;
mod graph_world;

use link_runtime::{Selection, query};
use link_tests::links::{ProductBrand, ProductTag, product_tag};
use link_tests::models::{brand, product, tag};
use link_tests::test_databases;
use serde::Serialize;
use serde_json::Value;

use graph_world::graph;
use graph_world::with_link_columns as world;

/// A tag as a product's link row reached it: its own fields and the row's `weight`.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = tag::Model, through = ProductTag)]
struct WeightedTag {
    id: String,
    label: String,
    #[selection(link_column)]
    weight: f64,
}

/// A product with its tags, heaviest first, and its brand with the row's position.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct ProductTags {
    id: String,
    #[selection(link = ProductTag, order = [link.weight.desc()])]
    tags: Vec<WeightedTag>,
    #[selection(link = ProductBrand)]
    brand: Option<PlacedBrand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model, through = ProductBrand)]
struct PlacedBrand {
    id: String,
    #[selection(link_column)]
    position: i32,
    #[selection(link_column)]
    note: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_selections_read_filter_and_order_by_link_columns() {
    for t in test_databases("link_columns_typed").await {
        let links = world(&t).await;
        let heavy = 2.5;
        let query = query!(
            ProductTags,
            filter = (tags as ProductTag).link.weight < heavy
                || (brand as ProductBrand).link.position == 3,
            order = [(brand as ProductBrand).link.position.desc()]
        );
        // The typed answer serialised is the graph's JSON for the same selection.
        let graph_query = query.graph_query();
        assert_eq!(
            graph_query.fields,
            [
                "id",
                "tags.id",
                "tags.label",
                "tags.weight",
                "brand.id",
                "brand.position",
                "brand.note"
            ],
        );
        let typed = query
            .all(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let json = graph(&links, &t, graph_query).await;
        assert_eq!(
            serde_json::to_value(&typed).ok(),
            Some(Value::Array(json.data)),
            "{:?}",
            t.backend
        );
        assert_eq!(
            typed,
            [
                ProductTags {
                    id: "p1".into(),
                    tags: vec![
                        WeightedTag {
                            id: "t1".into(),
                            label: "Tag t1".into(),
                            weight: 2.0
                        },
                        WeightedTag {
                            id: "t2".into(),
                            label: "Tag t2".into(),
                            weight: 0.5
                        },
                    ],
                    brand: Some(PlacedBrand {
                        id: "b1".into(),
                        position: 7,
                        note: None
                    }),
                },
                ProductTags {
                    id: "p2".into(),
                    tags: vec![WeightedTag {
                        id: "t1".into(),
                        label: "Tag t1".into(),
                        weight: 3.0
                    }],
                    brand: Some(PlacedBrand {
                        id: "b2".into(),
                        position: 3,
                        note: None
                    }),
                },
            ],
            "{:?}: p1 by a light tag, p2 by its brand's position; p1's position 7 first",
            t.backend
        );
    }
}

/// A row of the product–tag link table, read from its entry point with both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product_tag::Model)]
struct TagRow {
    id: String,
    left: String, // the product's key column, `product_id`
    weight: f64,
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    #[selection(link)]
    product: Option<ProductTitle>,
    #[selection(link)]
    tag: Option<TagLabel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct ProductTitle {
    id: String,
    title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = tag::Model)]
struct TagLabel {
    id: String,
    label: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_selections_read_a_link_tables_rows_from_its_entry_point() {
    for t in test_databases("link_entry_point_typed").await {
        let links = world(&t).await;
        let query = query!(TagRow, filter = weight > 1.0, order = [weight.desc()]).take(1);
        let graph_query = query.graph_query();
        assert_eq!(graph_query.entity, "link.product_tag");
        let page = query
            .page(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            page.count, 2,
            "{:?}: p1–t1 and p2–t1 weigh more than 1",
            t.backend
        );
        let [row] = page.data.as_slice() else {
            panic!("{:?}: one row, got {:?}", t.backend, page.data);
        };
        assert_eq!(
            (
                row.left.as_str(),
                row.weight,
                row.deleted_at,
                &row.product,
                &row.tag
            ),
            (
                "p2",
                3.0,
                None,
                &Some(ProductTitle {
                    id: "p2".into(),
                    title: "Hat".into()
                }),
                &Some(TagLabel {
                    id: "t1".into(),
                    label: "Tag t1".into()
                })
            ),
            "{:?}",
            t.backend
        );
        assert!(row.id.starts_with("link_"), "{:?}: {}", t.backend, row.id);
        // The typed answer is the graph's, but for the key column's name (`left` here).
        let json = graph(&links, &t, graph_query).await;
        assert_eq!(json.data[0]["product_id"], "p2", "{:?}", t.backend);
        assert_eq!(json.data[0]["id"], row.id.as_str(), "{:?}", t.backend);
    }
}
