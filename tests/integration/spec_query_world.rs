//! The world of the `spec_queries` and `spec_loading` tests: items (module `catalog`, with a
//! number, a nullable number and soft delete), makers (module `makers`,
//! `filterable(name, country, rank)`, `code` not filterable) and labels (module `labels`,
//! many-to-many), with helpers to seed them and read answers.
#![allow(dead_code)] // Each test file compiles this module; not every one uses every helper.

use link_runtime::query::{Graph, GraphQuery};
use link_runtime::{Error, Links, define_link};
use link_tests::TestDb;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, Schema};
use serde_json::Value;

pub mod item {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "item")]
    #[linkable(module = "catalog")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub price: i64,
        pub stock: Option<i32>,
        pub deleted_at: Option<DateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod maker {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "maker")]
    #[linkable(module = "makers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub country: Option<String>,
        pub rank: Option<i32>,
        pub code: String,
        pub deleted_at: Option<DateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod label {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "label")]
    #[linkable(module = "labels")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

define_link! {
    /// Each item has one maker; a maker many items.
    pub ItemMaker: item::Model [is_list] => maker::Model [filterable(name, country, rank)],
}

define_link! {
    /// Items and labels, many-to-many.
    pub ItemLabel: item::Model [is_list] => label::Model [is_list, filterable(name)],
}

pub async fn world(t: &TestDb) -> Links {
    let schema = Schema::new(t.sea_backend());
    for stmt in [
        schema.create_table_from_entity(item::Entity),
        schema.create_table_from_entity(maker::Entity),
        schema.create_table_from_entity(label::Entity),
    ] {
        t.db.execute(&stmt).await.expect("create module table");
    }
    let links = Links::builder(t.db.clone())
        .application("probe_queries")
        .module("catalog")
        .module("makers")
        .module("labels")
        .link::<ItemMaker>()
        .link::<ItemLabel>()
        .build()
        .expect("build");
    links.migrate().await.expect("migrate");
    links
}

pub fn it(id: &str, name: &str, price: i64, stock: Option<i32>) -> item::Model {
    item::Model {
        id: id.into(),
        name: name.into(),
        price,
        stock,
        deleted_at: None,
    }
}

pub fn mk(id: &str, name: &str, country: Option<&str>, rank: Option<i32>) -> maker::Model {
    maker::Model {
        id: id.into(),
        name: name.into(),
        country: country.map(String::from),
        rank,
        code: format!("code-{id}"),
        deleted_at: None,
    }
}

pub async fn items(t: &TestDb, rows: Vec<item::Model>) {
    item::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec(&t.db)
        .await
        .expect("items");
}

pub async fn makers(t: &TestDb, rows: Vec<maker::Model>) {
    maker::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec(&t.db)
        .await
        .expect("makers");
}

pub async fn labels(t: &TestDb, ids_names: &[(&str, &str)]) {
    label::Entity::insert_many(ids_names.iter().map(|(id, name)| {
        label::Model {
            id: id.to_string(),
            name: name.to_string(),
            deleted_at: None,
        }
        .into_active_model()
    }))
    .exec(&t.db)
    .await
    .expect("labels");
}

pub async fn link_makers(links: &Links, t: &TestDb, pairs: &[(&str, &str)]) {
    links
        .create_many(
            &t.db,
            pairs
                .iter()
                .map(|(i, m)| ItemMaker::new(item::Model::key(*i), maker::Model::key(*m))),
        )
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
}

pub async fn link_labels(links: &Links, t: &TestDb, pairs: &[(&str, &str)]) {
    links
        .create_many(
            &t.db,
            pairs
                .iter()
                .map(|(i, l)| ItemLabel::new(item::Model::key(*i), label::Model::key(*l))),
        )
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
}

pub async fn soft_delete(t: &TestDb, table: &str, id: &str) {
    let stamp = match t.sea_backend() {
        sea_orm::DbBackend::Sqlite => "'2024-01-01T00:00:00Z'",
        _ => "'2024-01-01 00:00:00'",
    };
    t.exec(&format!(
        "UPDATE {table} SET deleted_at = {stamp} WHERE id = '{id}'"
    ))
    .await;
}

pub async fn run(links: &Links, t: &TestDb, query: GraphQuery) -> Result<Graph, Error> {
    links.graph(&t.db, &query).await
}

/// The ids of the items `filters` selects, by id.
pub async fn select(links: &Links, t: &TestDb, filters: Value) -> Vec<String> {
    let query = GraphQuery::new("item")
        .fields(["id"])
        .filters(filters.clone())
        .order("id", "ASC");
    match run(links, t, query).await {
        Ok(graph) => ids(&graph),
        Err(e) => panic!("{:?}: {filters}: {e}", t.backend),
    }
}

pub fn ids(graph: &Graph) -> Vec<String> {
    graph
        .data
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("?").to_string())
        .collect()
}

pub fn v(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Fails with the first case whose answer differs, naming the backend and the filter.
pub async fn expect_all(links: &Links, t: &TestDb, cases: &[(Value, &[&str])]) {
    let mut wrong = Vec::new();
    for (filters, expected) in cases {
        let got = select(links, t, filters.clone()).await;
        if got != v(expected) {
            wrong.push(format!("{filters}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{:?}:\n{}", t.backend, wrong.join("\n"));
}

pub const DB_TEXT: [&str; 5] = [
    "sqlx",
    "sqlstate",
    "error returned from database",
    "syntax error",
    "near \"",
];

pub fn assert_caller_error(e: &Error, t: &TestDb, what: &str) {
    let message = e.to_string().to_lowercase();
    assert!(
        !matches!(e, Error::Database { .. }) && DB_TEXT.iter().all(|d| !message.contains(d)),
        "{:?}: {what}: a database error reached the caller: {e:?}",
        t.backend
    );
}
