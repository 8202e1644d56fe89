//! A customer passed where the link joins products and brands: no link joins product and
//! customer.
use link_runtime::Links;
use link_tests::links::*;
use link_tests::models::*;

async fn run(links: Links, db: sea_orm::DatabaseConnection) {
    let product = product::Model::key("p1");
    let customer = customer::Model::key("c1");
    let _ = links.create(&db, ProductBrand::new(product, customer)).await;
}

fn main() {}
