//! Keys passed to dismiss in the opposite order of the declaration.
use link_runtime::Links;
use link_tests::links::*;
use link_tests::models::*;

async fn run(links: Links, db: sea_orm::DatabaseConnection) {
    let customer = customer::Model::key("c1");
    let wishlist = wishlist::Model::key("w1");
    let _ = links.dismiss(&db, CustomerWishlist::new(wishlist, customer)).await;
}

fn main() {}
