//! Keys passed to create in the opposite order of the declaration.
use link_runtime::Links;
use link_tests::links::*;
use link_tests::models::*;

async fn run(links: Links, db: sea_orm::DatabaseConnection) {
    let product = product::Model::key("p1");
    let brand = brand::Model::key("b1");
    let _ = links.create(&db, ProductBrand::new(brand, product)).await;
}

fn main() {}
