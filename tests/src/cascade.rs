//! A world for delete and restore: a cascade chain product → post → comment (wishlists stand in
//! for comments), an optional link closing it into a cycle, and links that do not cascade.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use link_runtime::{Key, Links, StoredLink, define_link};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::TestDb;
use crate::models::{brand, post, product, tag, wishlist};

define_link! {
    /// A product has many posts; deleting a product deletes its posts.
    pub ProductPost: product::Model => post::Model [is_list, delete_cascade],
    table = "lc_product_post",
}

define_link! {
    /// A post has many "comments" (wishlists stand in); deleting a post deletes them.
    pub PostComment: post::Model => wishlist::Model [is_list, delete_cascade],
    table = "lc_post_comment",
}

define_link! {
    /// Tags are not cascaded (and cannot be soft-deleted).
    pub ProductTags: product::Model [is_list] => tag::Model [is_list],
    table = "lc_product_tag",
}

define_link! {
    /// Each product has one brand (brands cannot be soft-deleted).
    pub ProductBrandOne: product::Model [is_list] => brand::Model,
    table = "lc_product_brand",
}

define_link! {
    /// Closes a cascade cycle: product → post → comment → product.
    pub CommentProduct: wishlist::Model [is_list] => product::Model [is_list, delete_cascade],
    table = "lc_comment_product",
}

/// The registry of the cascade world on `t` (with the cycle when `cycle`), migrated.
pub async fn registry(t: &TestDb, cycle: bool) -> Links {
    let mut builder = Links::builder(t.db.clone())
        .module("product")
        .module("post")
        .module("wishlist")
        .module("tag")
        .module("brand")
        .link::<ProductPost>()
        .link::<PostComment>()
        .link::<ProductTags>()
        .link::<ProductBrandOne>();
    if cycle {
        builder = builder.link::<CommentProduct>();
    }
    let links = builder.build().expect("registry");
    links.migrate().await.expect("migrate");
    links
}

pub fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
pub fn s(id: &str) -> Key<post::Model> {
    post::Model::key(id)
}
pub fn w(id: &str) -> Key<wishlist::Model> {
    wishlist::Model::key(id)
}

pub fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

pub fn pairs(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(l, r)| (l.to_string(), r.to_string()))
        .collect()
}

/// A record's `deleted_at` as its module stores it: MariaDB's `timestamp` cuts it to the second.
pub fn as_stored(t: &TestDb, stamp: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if t.backend == crate::Backend::MySql {
        DateTime::from_timestamp(stamp.timestamp(), 0)
    } else {
        Some(stamp)
    }
}

async fn deleted_at<E: EntityTrait>(
    t: &TestDb,
    id: &str,
    get: fn(&E::Model) -> Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>>
where
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<String>,
{
    let model = E::find_by_id(id.to_string())
        .one(&t.db)
        .await
        .expect("find")
        .expect("exists");
    get(&model)
}

pub async fn product_deleted(t: &TestDb, id: &str) -> Option<DateTime<Utc>> {
    deleted_at::<product::Entity>(t, id, |m| m.deleted_at).await
}
pub async fn post_deleted(t: &TestDb, id: &str) -> Option<DateTime<Utc>> {
    deleted_at::<post::Entity>(t, id, |m| m.deleted_at).await
}
pub async fn wishlist_deleted(t: &TestDb, id: &str) -> Option<DateTime<Utc>> {
    deleted_at::<wishlist::Entity>(t, id, |m| m.deleted_at).await
}

/// A fixed moment in 2020, for a module's own soft delete (whole seconds, so every backend
/// stores it exactly).
pub fn earlier(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_600_000_000 + seconds, 0).expect("time")
}

/// Soft-deletes a record the way its module would: its own `deleted_at` in `table`, nothing
/// else.
async fn module_deletes(t: &TestDb, table: &str, id: &str, at: DateTime<Utc>) {
    let backend = t.db.get_database_backend();
    let quote = |name: &str| match backend {
        sea_orm::DbBackend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    };
    let sql = format!(
        "UPDATE {} SET {} = {} WHERE {} = {}",
        quote(table),
        quote("deleted_at"),
        if backend == sea_orm::DbBackend::Postgres {
            "$1"
        } else {
            "?"
        },
        quote("id"),
        if backend == sea_orm::DbBackend::Postgres {
            "$2"
        } else {
            "?"
        },
    );
    let changed =
        t.db.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [at.into(), id.into()],
        ))
        .await
        .expect("module delete");
    assert_eq!(changed.rows_affected(), 1, "{table} {id} exists");
}

/// Soft-deletes a product the way its module would.
pub async fn module_deletes_product(t: &TestDb, id: &str, at: DateTime<Utc>) {
    module_deletes(t, "product", id, at).await;
}

/// Soft-deletes a post the way its module would.
pub async fn module_deletes_post(t: &TestDb, id: &str, at: DateTime<Utc>) {
    module_deletes(t, "post", id, at).await;
}

/// Soft-deletes a comment (a wishlist) the way its module would.
pub async fn module_deletes_comment(t: &TestDb, id: &str, at: DateTime<Utc>) {
    module_deletes(t, "wishlist", id, at).await;
}

/// The live pairs of link `L`.
pub async fn live<L: StoredLink>(links: &Links, t: &TestDb) -> BTreeSet<(String, String)> {
    t.live_pairs::<L>(links).await
}

/// How many live link rows [`Links::check`] finds pointing at missing or deleted records.
pub async fn dangling(links: &Links, t: &TestDb) -> u64 {
    links.check(&t.db).await.expect("check").dangling()
}
