//! Models whose fields are stored in columns of other names (`#[sea_orm(column_name = …)]`):
//! the graph speaks the model's field names (paths, filters, order, the JSON it answers, as
//! sea-orm's own serde does) and the SQL the columns', for own fields, `filterable` fields through
//! a link, a read-only link's field, and typed selections, on every backend.

#![allow(clippy::panic)]

mod common;

use link_runtime::query::{GraphQuery, Page};
use link_runtime::{Links, Selection, define_link, query};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde::Serialize;
use serde_json::{Value, json};

pub mod shelf {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "rn_shelf")]
    #[linkable(module = "shelf", name = "shelf")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_name = "shelf_uid")]
        pub id: String,
        #[sea_orm(column_name = "shelf_label")]
        pub label: String,
        /// The item on show, followed by a read-only link.
        #[sea_orm(column_name = "shown_ref")]
        pub shown_id: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod item {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "rn_item")]
    #[linkable(module = "item", name = "item")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        #[sea_orm(column_name = "item_name")]
        pub name: String,
        #[sea_orm(column_name = "item_rank")]
        pub rank: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

define_link! {
    pub ShelfItems: shelf::Model [is_list] => item::Model [is_list, filterable(name, rank)],
}

define_link! {
    pub ShelfShown: shelf::Model [field = shown_id] => item::Model [alias = "shown"],
    read_only,
}

async fn world(t: &TestDb) -> Links {
    let schema = sea_orm::Schema::new(t.db.get_database_backend());
    t.db.execute(&schema.create_table_from_entity(shelf::Entity))
        .await
        .expect("create table");
    t.db.execute(&schema.create_table_from_entity(item::Entity))
        .await
        .expect("create table");
    let links = Links::builder(t.db.clone())
        .module("shelf")
        .module("item")
        .link::<ShelfItems>()
        .link::<ShelfShown>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    let shelf = |id: &str, label: &str, shown: Option<&str>| shelf::Model {
        id: id.into(),
        label: label.into(),
        shown_id: shown.map(Into::into),
    };
    shelf::Entity::insert_many(
        [shelf("s1", "Front", Some("i2")), shelf("s2", "Back", None)]
            .map(IntoActiveModel::into_active_model),
    )
    .exec(&t.db)
    .await
    .expect("shelves");
    let item = |id: &str, name: &str, rank: i32| item::Model {
        id: id.into(),
        name: name.into(),
        rank,
    };
    item::Entity::insert_many(
        [
            item("i1", "Lamp", 2),
            item("i2", "Desk", 1),
            item("i3", "Rug", 3),
        ]
        .map(IntoActiveModel::into_active_model),
    )
    .exec(&t.db)
    .await
    .expect("items");
    let (s, i) = (shelf::Model::key, item::Model::key);
    links
        .create_many(
            &t.db,
            [
                ShelfItems::new(s("s1"), i("i1")),
                ShelfItems::new(s("s1"), i("i2")),
                ShelfItems::new(s("s2"), i("i3")),
            ],
        )
        .await
        .expect("links");
    links
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graph_speaks_field_names_and_sql_the_columns() {
    for t in test_databases("renamed_columns_graph").await {
        let links = world(&t).await;
        let query = GraphQuery::new("shelf")
            .fields(["id", "label", "items.name", "items.rank", "shown.name"])
            .filters(json!({"items": {"name": {"$like": "%a%"}}, "label": {"$ne": "Side"}}))
            .order("label", "DESC")
            .nested("items", Page::default().order("rank", "DESC"));
        let answer = links
            .graph(&t.db, &query)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            Value::Array(answer.data),
            json!([
                {
                    "id": "s1",
                    "label": "Front",
                    "items": [
                        {"id": "i1", "name": "Lamp", "rank": 2},
                        {"id": "i2", "name": "Desk", "rank": 1},
                    ],
                    "shown": {"id": "i2", "name": "Desk"},
                },
            ]),
            "{:?}: s2's only item, Rug, has no `a`",
            t.backend
        );
        // Every field of a record, under its field's name.
        let all = links
            .graph(
                &t.db,
                &GraphQuery::new("shelf").filters(json!({"id": "s2"})),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            Value::Array(all.data),
            json!([{"id": "s2", "label": "Back", "shown_id": null}]),
            "{:?}",
            t.backend
        );
    }
}

#[derive(Debug, PartialEq, Serialize, Selection)]
#[selection(model = shelf::Model)]
struct ShelfCard {
    id: String,
    label: String,
    #[selection(link = ShelfItems, order = [rank])]
    items: Vec<ItemName>,
    #[selection(link = ShelfShown)]
    shown: Option<ItemName>,
}

#[derive(Debug, PartialEq, Serialize, Selection)]
#[selection(model = item::Model)]
struct ItemName {
    id: String,
    name: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_selections_of_renamed_fields_read_and_filter() {
    for t in test_databases("renamed_columns_typed").await {
        let links = world(&t).await;
        let cards = query!(
            ShelfCard,
            filter = items.rank >= 3 || label == "Front",
            order = [label]
        )
        .all(&links, &t.db)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let item = |id: &str, name: &str| ItemName {
            id: id.into(),
            name: name.into(),
        };
        assert_eq!(
            cards,
            [
                ShelfCard {
                    id: "s2".into(),
                    label: "Back".into(),
                    items: vec![item("i3", "Rug")],
                    shown: None,
                },
                ShelfCard {
                    id: "s1".into(),
                    label: "Front".into(),
                    items: vec![item("i2", "Desk"), item("i1", "Lamp")],
                    shown: Some(item("i2", "Desk")),
                },
            ],
            "{:?}",
            t.backend
        );
    }
}
