//! Helpers of the `spec_*` tests: keys, error kinds, expected missing records, live pairs and
//! a module's own soft-delete.
#![allow(dead_code)] // Each spec test file compiles this module; not every one uses every helper.

use std::collections::BTreeMap;

use link_runtime::{Error, Key, Links};
use link_tests::TestDb;
use link_tests::models::{brand, product, region, tag, wishlist};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

pub fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}

pub fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

pub fn r(id: &str) -> Key<region::Model> {
    region::Model::key(id)
}

pub fn tg(id: &str) -> Key<tag::Model> {
    tag::Model::key(id)
}

/// The variant of an error, by name.
pub fn kind(e: &Error) -> &'static str {
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

/// The missing records a `NotFound` carries, per `module.model`.
pub fn records(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
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
pub async fn live<L: link_runtime::StoredLink>(t: &TestDb, links: &Links) -> Vec<(String, String)> {
    t.live_pairs::<L>(links).await.into_iter().collect()
}

/// The product module's own soft-delete of `id`.
pub async fn soft_delete_product(t: &TestDb, id: &str) {
    let mut model = product::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .expect("read product")
        .expect("product")
        .into_active_model();
    model.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
    model.update(&t.db).await.expect("soft-delete product");
}

/// The wishlist module's own soft-delete of `id`.
pub async fn soft_delete_wishlist(t: &TestDb, id: &str) {
    let mut model = wishlist::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .expect("read wishlist")
        .expect("wishlist")
        .into_active_model();
    model.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
    model.update(&t.db).await.expect("soft-delete wishlist");
}
