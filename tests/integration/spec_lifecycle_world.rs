//! The world of the `spec_lifecycle` and `spec_migrations` tests: the cascade world with a
//! one-to-one post–brand link and a many-to-many product–wishlist link, and dumps of every
//! record and link row to compare states.
#![allow(dead_code)] // Each of those test files compiles this module; not every one uses every helper.

use link_runtime::{Key, LinkDefinition, Links, define_link};
use link_tests::TestDb;
use link_tests::cascade::{PostComment, ProductBrandOne, ProductPost, ProductTags};
use link_tests::models::{brand, post, product, tag, wishlist};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

define_link! {
    /// Each post has one brand and each brand one post (one-to-one): a conflict deep in a
    /// cascade from a product.
    pub PostBrandOne: post::Model => brand::Model,
    table = "sp_post_brand",
}

define_link! {
    /// Products and wishlists, many-to-many, no cascade: the other end is soft-deletable.
    pub ProductWish: product::Model [is_list] => wishlist::Model [is_list],
    table = "sp_product_wish",
}

pub fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}
pub fn tg(id: &str) -> Key<tag::Model> {
    tag::Model::key(id)
}

/// The cascade world (product → post → comment, tags, one brand per product) plus a one-to-one
/// post–brand link and a many-to-many product–wishlist link, migrated.
pub async fn world(t: &TestDb) -> Links {
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("post")
        .module("wishlist")
        .module("tag")
        .module("brand")
        .link::<ProductPost>()
        .link::<PostComment>()
        .link::<ProductTags>()
        .link::<ProductBrandOne>()
        .link::<PostBrandOne>()
        .link::<ProductWish>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

pub fn card<L: LinkDefinition>(t: &TestDb) -> Links {
    Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .module("tag")
        .link::<L>()
        .build()
        .expect("registry")
}

pub fn as_text(t: &TestDb, column: &str) -> String {
    match t.sea_backend() {
        DbBackend::MySql => format!("CAST({column} AS CHAR)"),
        _ => format!("CAST({column} AS TEXT)"),
    }
}

/// Every row of `table` as `col=value|…`, in order (NULL shown as `NULL`).
pub async fn dump(t: &TestDb, table: &str, columns: &[&str]) -> Vec<String> {
    let select: Vec<String> = columns.iter().map(|c| as_text(t, c)).collect();
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {}",
        select.join(", "),
        (1..=columns.len())
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows =
        t.db.query_all_raw(Statement::from_string(t.sea_backend(), sql.clone()))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", t.backend));
    rows.iter()
        .map(|row| {
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let value: Option<String> = row.try_get_by_index(i).expect("text");
                    format!("{c}={}", value.unwrap_or_else(|| "NULL".into()))
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// The records of the soft-deletable modules and every row of the given link tables (keys, id,
/// `deleted_at`).
pub async fn state(t: &TestDb, link_tables: &[(&str, &str, &str)]) -> Vec<String> {
    let mut all = Vec::new();
    for table in ["product", "post", "wishlist"] {
        for row in dump(t, table, &["id", "deleted_at"]).await {
            all.push(format!("{table}: {row}"));
        }
    }
    for table in ["brand", "tag"] {
        for row in dump(t, table, &["id"]).await {
            all.push(format!("{table}: {row}"));
        }
    }
    for (table, left, right) in link_tables {
        for row in dump(t, table, &[left, right, "id", "deleted_at"]).await {
            all.push(format!("{table}: {row}"));
        }
    }
    all
}

pub const WORLD_TABLES: [(&str, &str, &str); 6] = [
    ("lc_product_post", "product_id", "post_id"),
    ("lc_post_comment", "post_id", "wishlist_id"),
    ("lc_product_tag", "product_id", "tag_id"),
    ("lc_product_brand", "product_id", "brand_id"),
    ("sp_post_brand", "post_id", "brand_id"),
    ("sp_product_wish", "product_id", "wishlist_id"),
];

/// The product and post records and the cascade world's product–post, post–comment and
/// product–tag rows.
pub async fn some_state(t: &TestDb) -> Vec<String> {
    let mut all = Vec::new();
    for table in ["product", "post"] {
        all.extend(dump(t, table, &["id", "deleted_at"]).await);
    }
    for (table, left, right) in &WORLD_TABLES[..3] {
        all.extend(dump(t, table, &[left, right, "id", "deleted_at"]).await);
    }
    all
}
