//! A read-only link has no table: it cannot be created, dismissed or listed.
use link_runtime::Links;
use link_tests::links::*;
use link_tests::models::*;

async fn run(links: Links, db: sea_orm::DatabaseConnection) {
    let post = post::Model::key("s1");
    let product = product::Model::key("p1");
    let _ = links.create(&db, PostProduct::new(post, product)).await;
}

fn main() {}
