//! A link's own columns in the graph (issue 16, item 6): `tags.weight` on a many-to-many with a
//! `weight` column is selected beside the tag's fields, filters the roots, and orders each
//! parent's nested list; the same tag shows each parent its own link row's values. Written from
//! the sentence, tried on every backend.

#![allow(clippy::panic)]

mod common;
mod graph_world;

use link_runtime::query::{GraphQuery, Page};
use link_runtime::{Error, Links};
use link_tests::TestDb;
use link_tests::links::ProductTag;
use link_tests::models::{brand, product, tag};
use link_tests::test_databases;

use graph_world::{graph, graph_err, ids, seed};
use serde_json::{Value, json};

async fn world(t: &TestDb) -> Links {
    graph_world::with_link_columns(t).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_column_is_selected_beside_the_linked_records_fields() {
    for t in test_databases("link_columns_select").await {
        let links = world(&t).await;
        let query = GraphQuery::new("product")
            .fields(["id", "tags.weight", "tags.label", "brand.position"])
            .filters(json!({"id": ["p1", "p2"]}))
            .order("id", "ASC")
            .nested("tags", Page::default().order("id", "ASC"));
        let answer = graph(&links, &t, query.clone()).await;
        let expected = json!([
            {
                "id": "p1",
                // `label` is a field of the tag too: the tag's own field wins.
                "tags": [
                    {"id": "t1", "weight": 2.0, "label": "Tag t1"},
                    {"id": "t2", "weight": 0.5, "label": "Tag t2"},
                ],
                "brand": {"id": "b1", "position": 7},
            },
            {
                "id": "p2",
                // The same tag as p1's, with p2's link row.
                "tags": [{"id": "t1", "weight": 3.0, "label": "Tag t1"}],
                "brand": {"id": "b2", "position": 3},
            },
        ]);
        assert_eq!(
            Value::Array(answer.data),
            expected,
            "{:?}: link columns beside the record's fields",
            t.backend
        );

        // No statement more than the same graph without them: two per hop.
        t.take_statements();
        graph(&links, &t, query).await;
        let with = t.take_statements().len();
        let without = GraphQuery::new("product")
            .fields(["id", "tags.label", "brand.id"])
            .filters(json!({"id": ["p1", "p2"]}))
            .order("id", "ASC");
        graph(&links, &t, without).await;
        assert_eq!(with, t.take_statements().len(), "{:?}", t.backend);
        assert_eq!(with, 5, "{:?}: the roots, then two per hop", t.backend);

        // `*` is the record's own fields, as in Medusa: a link column is named to be shown.
        let all = graph(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "tags.*"])
                .filters(json!({"id": "p2"})),
        )
        .await;
        assert_eq!(
            all.data[0]["tags"],
            json!([{"id": "t1", "label": "Tag t1"}]),
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_lists_are_ordered_and_paged_by_a_link_column() {
    for t in test_databases("link_columns_nested_order").await {
        let links = world(&t).await;
        let tags_of_p1 = |direction: &str, take: Option<u64>| {
            let mut page = Page::default().order("weight", direction);
            if let Some(take) = take {
                page = page.take(take);
            }
            GraphQuery::new("product")
                .fields(["id", "tags.*"])
                .filters(json!({"id": "p1"}))
                .nested("tags", page)
        };
        let ascending = graph(&links, &t, tags_of_p1("ASC", None)).await;
        assert_eq!(
            ascending.data[0]["tags"],
            json!([{"id": "t2", "label": "Tag t2"}, {"id": "t1", "label": "Tag t1"}]),
            "{:?}: by weight 0.5, 2.0, and the weight, not selected, not shown",
            t.backend
        );
        let first = graph(&links, &t, tags_of_p1("DESC", Some(1))).await;
        assert_eq!(
            first.data[0]["tags"],
            json!([{"id": "t1", "label": "Tag t1"}]),
            "{:?}: the heaviest",
            t.backend
        );
        // Ordered through the tags of p1 while p2 reaches t1 with another weight.
        let both = graph(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "tags.weight"])
                .filters(json!({"id": ["p1", "p2"]}))
                .order("id", "ASC")
                .nested("tags", Page::default().order("weight", "DESC")),
        )
        .await;
        assert_eq!(
            both.data
                .iter()
                .map(|p| p["tags"].clone())
                .collect::<Vec<_>>(),
            vec![
                json!([{"id": "t1", "weight": 2.0}, {"id": "t2", "weight": 0.5}]),
                json!([{"id": "t1", "weight": 3.0}]),
            ],
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roots_are_filtered_and_ordered_by_a_link_column() {
    for t in test_databases("link_columns_filter").await {
        let links = world(&t).await;
        let filtered = |filters: Value| {
            GraphQuery::new("product")
                .fields(["id"])
                .filters(filters)
                .order("id", "ASC")
        };
        let heavy = graph(
            &links,
            &t,
            filtered(json!({"tags": {"weight": {"$gt": 2.5}}})),
        )
        .await;
        assert_eq!(ids(&heavy), ["p2"], "{:?}", t.backend);
        let light = graph(
            &links,
            &t,
            filtered(json!({"tags": {"weight": {"$lt": 1}}})),
        )
        .await;
        assert_eq!(ids(&light), ["p1"], "{:?}", t.backend);
        // A link column and a field of the tag in one filter on the same link row.
        let both = graph(
            &links,
            &t,
            filtered(json!({"tags": {"id": "t1", "weight": {"$gte": 2}}})),
        )
        .await;
        assert_eq!(ids(&both), ["p1", "p2"], "{:?}", t.backend);
        let either = graph(
            &links,
            &t,
            filtered(json!({"$or": [
                {"tags": {"weight": 0.5}},
                {"brand": {"position": 3}},
            ]})),
        )
        .await;
        assert_eq!(ids(&either), ["p1", "p2"], "{:?}", t.backend);
        let not = graph(
            &links,
            &t,
            filtered(json!({"$not": {"brand": {"position": {"$in": [7]}}}})),
        )
        .await;
        assert_eq!(ids(&not), ["p2", "p3"], "{:?}: p3 has no brand", t.backend);
        // A non-list link: filter (a join on PostgreSQL and MySQL) and order by its column.
        let page = graph(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "brand.position"])
                .filters(json!({"brand": {"position": {"$gte": 1}}}))
                .order("brand.position", "ASC")
                .take(10),
        )
        .await;
        assert_eq!(ids(&page), ["p2", "p1"], "{:?}", t.backend);
        // The backend's own `NULLS LAST`, which an index can serve, where it has one.
        t.take_statements();
        graph(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id"])
                .order("brand.name", "ASC"),
        )
        .await;
        let sql = t.take_statements().join("\n");
        match t.backend {
            link_tests::Backend::MySql => assert!(sql.contains("IS NULL"), "{sql}"),
            _ => assert!(sql.contains("NULLS LAST"), "{:?}: {sql}", t.backend),
        }
        assert_eq!(page.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
        let descending = graph(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id"])
                .order("brand.position", "DESC"),
        )
        .await;
        assert_eq!(
            ids(&descending),
            ["p3", "p1", "p2"],
            "{:?}: no brand first descending, as for any linked field",
            t.backend
        );
        // A value of the wrong type for the column.
        let wrong = graph_err(&links, &t, filtered(json!({"brand": {"position": "x"}}))).await;
        assert!(
            matches!(&wrong, Error::InvalidInput { message } if message.contains("brand.position")),
            "{:?}: {wrong}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_name_lists_the_link_columns_and_guesses() {
    for t in test_databases("link_columns_unknown").await {
        let links = world(&t).await;
        let error = graph_err(
            &links,
            &t,
            GraphQuery::new("product").fields(["id", "tags.wieght"]),
        )
        .await;
        let text = error.to_string();
        assert!(
            text.contains("did you mean `weight`?") && text.contains("columns of link"),
            "{:?}: {text}",
            t.backend
        );
        // A link column is not a field of the model itself.
        let error = graph_err(&links, &t, GraphQuery::new("product").fields(["weight"])).await;
        assert!(matches!(error, Error::UnknownField { .. }), "{error}");
        // Nor of a record reached through a read-only link.
        let error = graph_err(
            &links,
            &t,
            GraphQuery::new("post").fields(["id", "product.weight"]),
        )
        .await;
        assert!(matches!(error, Error::UnknownField { .. }), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_table_is_an_entry_point_with_its_rows_and_both_sides() {
    for t in test_databases("link_entry_point").await {
        let links = world(&t).await;
        // Medusa's `query.graph({ entity: ProductTagLink.entryPoint, fields: [...] })`.
        assert_eq!(
            <ProductTag as link_runtime::LinkDefinition>::SPEC.entry_point(),
            "product_tag"
        );
        let query = GraphQuery::new("product_tag")
            .fields(["*", "product.title", "tag.*"])
            .filters(json!({"product_id": "p1"}))
            .order("weight", "DESC")
            .take(10);
        t.take_statements();
        let answer = graph(&links, &t, query).await;
        assert_eq!(
            t.take_statements().len(),
            4,
            "{:?}: the rows, their count, then one statement per side",
            t.backend
        );
        assert_eq!(answer.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
        let rows = &answer.data;
        assert_eq!(rows.len(), 2, "{:?}: {rows:?}", t.backend);
        let mut keys: Vec<&str> = rows[0]
            .as_object()
            .map(|row| row.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "added_at",
                "created_at",
                "deleted_at",
                "id",
                "label",
                "meta",
                "product",
                "product_id",
                "tag",
                "tag_id",
                "updated_at",
                "weight"
            ],
            "{:?}: every column of the row, and both sides",
            t.backend
        );
        let shown: Vec<Value> = rows
            .iter()
            .map(|row| {
                json!([
                    row["product_id"],
                    row["tag_id"],
                    row["weight"],
                    row["label"],
                    row["deleted_at"],
                    row["product"],
                    row["tag"],
                ])
            })
            .collect();
        assert_eq!(
            shown,
            [
                json!(["p1", "t1", 2.0, "plain", null, {"id": "p1", "title": "Shirt"}, {"id": "t1", "label": "Tag t1"}]),
                json!(["p1", "t2", 0.5, "plain", null, {"id": "p1", "title": "Shirt"}, {"id": "t2", "label": "Tag t2"}]),
            ],
            "{:?}",
            t.backend
        );
        assert!(
            rows.iter()
                .all(|row| row["id"].as_str().is_some_and(|id| id.starts_with("link_"))),
            "{:?}: {rows:?}",
            t.backend
        );

        // A dismissed row is not shown (as Medusa's link service lists live rows), and the
        // qualified name reaches the same entity.
        links
            .dismiss(
                &t.db,
                ProductTag::new(product::Model::key("p1"), tag::Model::key("t2")),
            )
            .await
            .expect("dismiss");
        let live = graph(
            &links,
            &t,
            GraphQuery::new("link.product_tag")
                .fields(["tag_id"])
                .filters(json!({"product_id": {"$in": ["p1", "p2"]}}))
                .order("tag_id", "ASC"),
        )
        .await;
        let tags: Vec<&Value> = live.data.iter().map(|row| &row["tag_id"]).collect();
        assert_eq!(tags, [&json!("t1"), &json!("t1")], "{:?}", t.backend);

        // Integer keys on one side: the row holds them as text, the side comes back whole.
        t.regions(&[1, 2]).await;
        links
            .create(
                &t.db,
                link_tests::links::RegionBrand::new(
                    link_tests::models::region::Model::key("2"),
                    brand::Model::key("b1"),
                ),
            )
            .await
            .expect("region brand");
        let regions = graph(
            &links,
            &t,
            GraphQuery::new("region_brand").fields(["region_id", "region.name", "brand.name"]),
        )
        .await;
        assert_eq!(
            Value::Array(regions.data),
            json!([{
                "id": regions_id(&links, &t).await,
                "region_id": "2",
                "region": {"id": 2, "name": "Region 2"},
                "brand": {"id": "b1", "name": "Acme"},
            }]),
            "{:?}",
            t.backend
        );

        // A key column is filtered by its side's key: a number, or the canonical text, finds
        // the row; a form the key cannot take is refused (as a create refuses it), not missed.
        // What need not find a key (`$ne`, `$nin`, ranges) compares the text it is given.
        for (filter, rows) in [
            (json!({"region_id": 2}), 1),
            (json!({"region_id": [2, 7]}), 1),
            (json!({"region_id": {"$eq": "2"}}), 1),
            (json!({"region_id": {"$in": ["2"]}, "brand_id": "b1"}), 1),
            (json!({"region_id": {"$ne": "x"}}), 1),
            (json!({"region_id": {"$nin": ["02", "2"]}}), 0),
            (json!({"region_id": {"$gte": "1"}}), 1),
        ] {
            let found = graph(
                &links,
                &t,
                GraphQuery::new("region_brand")
                    .fields(["region_id"])
                    .filters(filter.clone()),
            )
            .await;
            assert_eq!(found.data.len(), rows, "{filter} {:?}", t.backend);
        }
        for (filter, named) in [
            (json!({"region_id": "02"}), "02"),
            (json!({"region_id": {"$in": [2, "x"]}}), "x"),
        ] {
            let error = graph_err(
                &links,
                &t,
                GraphQuery::new("region_brand").filters(filter.clone()),
            )
            .await;
            let message = error.to_string();
            assert!(
                matches!(error, Error::InvalidInput { .. })
                    && message.contains(named)
                    && message.contains("region_id")
                    && message.contains("integer"),
                "{filter}: {message}"
            );
        }
    }
}

/// The id of the one region–brand row.
async fn regions_id(links: &Links, t: &TestDb) -> Value {
    let rows = graph(links, t, GraphQuery::new("region_brand").fields(["id"])).await;
    rows.data[0]["id"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_point_refuses_what_it_cannot_do_and_says_what_to_do() {
    for t in test_databases("link_entry_point_errors").await {
        let links = world(&t).await;
        let filter = graph_err(
            &links,
            &t,
            GraphQuery::new("product_brand")
                .fields(["id"])
                .filters(json!({"product": {"title": "Shirt"}})),
        )
        .await;
        assert!(
            filter
                .to_string()
                .contains("filter on the row's `product_id`"),
            "{:?}: {filter}",
            t.backend
        );
        let order = graph_err(
            &links,
            &t,
            GraphQuery::new("product_brand")
                .fields(["id"])
                .order("brand.name", "ASC"),
        )
        .await;
        assert!(
            order.to_string().contains("order `brand.name`"),
            "{:?}: {order}",
            t.backend
        );
        // A read-only link has no table, so no entry point.
        let read_only = graph_err(&links, &t, GraphQuery::new("post_product")).await;
        assert!(
            matches!(&read_only, Error::UnknownField { message } if message.contains("unknown entity `post_product`")),
            "{read_only}"
        );
        // A column the link does not have.
        let unknown = graph_err(
            &links,
            &t,
            GraphQuery::new("product_brand").fields(["postion"]),
        )
        .await;
        assert!(
            unknown.to_string().contains("did you mean `position`?"),
            "{unknown}"
        );
    }
}

link_runtime::define_link! {
    /// Posts featuring a product, ranked: a link of one record to a soft-deletable model.
    pub PostFeature: link_tests::models::post::Model [is_list, alias = "featured_in"]
        => product::Model [alias = "featured"],
    extra_columns { rank: i32 = 0 },
    table = "post_feature",
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_column_of_a_record_its_module_soft_deleted_orders_as_missing() {
    use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait};
    for t in test_databases("link_columns_deleted_target").await {
        let links = graph_world::builder(&t)
            .link::<PostFeature>()
            .build()
            .expect("registry");
        links.migrate().await.expect("migrate");
        seed(&t, &links).await;
        let post = link_tests::models::post::Model::key;
        links
            .create_many(
                &t.db,
                [
                    PostFeature::new(post("s1"), product::Model::key("p1"))
                        .with(post_feature::Data::default().rank(9)),
                    PostFeature::new(post("s2"), product::Model::key("p2"))
                        .with(post_feature::Data::default().rank(5)),
                ],
            )
            .await
            .expect("features");
        // The product module soft-deletes p1 on its own: the link row stays live.
        let mut shirt: product::ActiveModel = product::Entity::find_by_id("p1")
            .one(&t.db)
            .await
            .ok()
            .flatten()
            .expect("p1")
            .into();
        shirt.deleted_at = ActiveValue::Set(Some(chrono::Utc::now()));
        shirt.update(&t.db).await.expect("soft-delete p1");
        let ordered = graph(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "featured.rank"])
                .order("featured.rank", "DESC"),
        )
        .await;
        assert_eq!(
            ids(&ordered),
            ["s1", "s3", "s5", "s6", "s2"],
            "{:?}: s1's product is gone, so it has no rank (first descending, as no product)",
            t.backend
        );
        assert_eq!(ordered.data[0]["featured"], Value::Null, "{:?}", t.backend);
    }
}

mod clash {
    use link_runtime::{Linkable, define_link};

    #[derive(Debug, Linkable)]
    #[linkable(module = "sales", name = "order")]
    pub struct SalesOrder {
        pub id: String,
    }

    #[derive(Debug, Linkable)]
    #[linkable(module = "returns", name = "order")]
    pub struct ReturnOrder {
        pub id: String,
    }

    #[derive(Debug, Linkable)]
    #[linkable(module = "people", name = "customer")]
    pub struct Customer {
        pub id: String,
    }

    #[derive(Debug, Linkable)]
    #[linkable(module = "link", name = "badge")]
    pub struct Badge {
        pub id: String,
    }

    define_link! { pub SalesOrderCustomer: SalesOrder => Customer }
    define_link! { pub ReturnOrderCustomer: ReturnOrder [is_list] => Customer }
    define_link! { pub CustomerBadge: Customer => Badge }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_links_with_one_entry_point_or_a_module_named_link_are_refused() {
    let db = link_tests::db::sqlite_database().await.db;
    let both = Links::builder(db.clone())
        .module("sales")
        .module("returns")
        .module("people")
        .link::<clash::SalesOrderCustomer>()
        .link::<clash::ReturnOrderCustomer>()
        .build();
    match both {
        Err(Error::Definition { message }) => assert!(
            message.contains("the same entry point `order_customer`")
                && message.contains("SalesOrderCustomer")
                && message.contains("ReturnOrderCustomer"),
            "{message}"
        ),
        other => panic!("expected a definition error, got {other:?}"),
    }
    let link_module = Links::builder(db)
        .module("people")
        .module("link")
        .link::<clash::CustomerBadge>()
        .build();
    match link_module {
        Err(Error::Definition { message }) => {
            assert!(message.contains("module `link`"), "{message}")
        }
        other => panic!("expected a definition error, got {other:?}"),
    }
}
