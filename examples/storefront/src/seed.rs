//! Demo data, written once: on a restart with data already there, nothing is written.

use link_runtime::Links;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    TransactionTrait,
};

use crate::links::{
    CustomerWishlist, ProductBrand, ProductPost, ProductSalesChannel, product_brand,
    product_sales_channel,
};
use crate::modules::{blog, brand, cart, customer, product, review, sales_channel, wishlist};

const PRODUCTS: [(&str, &str, i64, Option<&str>); 12] = [
    ("prod_tee", "Classic Tee", 2500, Some("brand_acme")),
    ("prod_hoodie", "Zip Hoodie", 6500, Some("brand_acme")),
    ("prod_cap", "Baseball Cap", 1800, Some("brand_globex")),
    ("prod_mug", "Coffee Mug", 1200, Some("brand_globex")),
    ("prod_socks", "Wool Socks", 900, Some("brand_initech")),
    ("prod_scarf", "Knit Scarf", 3000, Some("brand_initech")),
    ("prod_tote", "Canvas Tote", 1500, Some("brand_acme")),
    ("prod_beanie", "Beanie", 2000, Some("brand_globex")),
    ("prod_jacket", "Rain Jacket", 12000, Some("brand_initech")),
    ("prod_shorts", "Running Shorts", 3500, Some("brand_acme")),
    ("prod_bottle", "Water Bottle", 1600, None),
    ("prod_poster", "Poster", 800, None),
];

/// Writes the demo data unless there are products already. Returns whether it wrote.
pub async fn seed(
    db: &DatabaseConnection,
    links: &Links,
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    if product::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    // One transaction: records and their links, all or nothing.
    let txn = db.begin().await?;
    for (id, name) in [
        ("brand_acme", "Acme"),
        ("brand_globex", "Globex"),
        ("brand_initech", "Initech"),
    ] {
        brand::Model {
            id: id.into(),
            name: name.into(),
        }
        .into_active_model()
        .insert(&txn)
        .await?;
    }
    for (id, title, price, _) in PRODUCTS {
        product::Model {
            id: id.into(),
            title: title.into(),
            handle: id.trim_start_matches("prod_").into(),
            price,
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
    }
    links
        .create_many(
            &txn,
            PRODUCTS.iter().filter_map(|(id, _, _, brand)| {
                brand.map(|brand| {
                    ProductBrand::new(product::Model::key(*id), brand::Model::key(brand))
                        .with(product_brand::Data::default().featured(*id == "prod_tee"))
                })
            }),
        )
        .await?;
    for (id, name) in [("sc_web", "Web"), ("sc_retail", "Retail")] {
        sales_channel::Model {
            id: id.into(),
            name: name.into(),
        }
        .into_active_model()
        .insert(&txn)
        .await?;
    }
    let mut channels = Vec::new();
    for (position, (id, ..)) in PRODUCTS.iter().enumerate() {
        channels.push(
            ProductSalesChannel::new(
                product::Model::key(*id),
                sales_channel::Model::key("sc_web"),
            )
            .with(product_sales_channel::Data::default().position(i32::try_from(position)?)),
        );
        if position % 3 == 0 {
            channels.push(ProductSalesChannel::new(
                product::Model::key(*id),
                sales_channel::Model::key("sc_retail"),
            ));
        }
    }
    links.create_many(&txn, channels).await?;

    for (id, title, body, product) in [
        (
            "post_tee_care",
            "Caring for your tee",
            "Wash cold, dry flat.",
            "prod_tee",
        ),
        (
            "post_tee_story",
            "The story of the tee",
            "It started with cotton.",
            "prod_tee",
        ),
        (
            "post_hoodie",
            "Hoodie weather",
            "When the wind picks up.",
            "prod_hoodie",
        ),
        (
            "post_cap",
            "Caps through the ages",
            "From baseball to the street.",
            "prod_cap",
        ),
    ] {
        blog::Model {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
        links
            .create(
                &txn,
                ProductPost::new(product::Model::key(product), blog::Model::key(id)),
            )
            .await?;
    }
    for (id, name, email) in [
        ("cus_ada", "Ada", "ada@example.com"),
        ("cus_alan", "Alan", "alan@example.com"),
    ] {
        customer::Model {
            id: id.into(),
            name: name.into(),
            email: email.into(),
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
        let list = format!("wl_{}", id.trim_start_matches("cus_"));
        wishlist::Model {
            id: list.clone(),
            title: format!("{name}'s wishlist"),
            deleted_at: None,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
        links
            .create(
                &txn,
                CustomerWishlist::new(customer::Model::key(id), wishlist::Model::key(list)),
            )
            .await?;
    }
    for (id, product, customer, rating, body) in [
        ("rev_1", "prod_tee", "cus_ada", 5, "Perfect fit."),
        ("rev_2", "prod_tee", "cus_alan", 4, "Soft, a bit long."),
        ("rev_3", "prod_cap", "cus_ada", 3, "Fine for the price."),
    ] {
        review::Model {
            id: id.into(),
            product_id: product.into(),
            customer_id: customer.into(),
            rating,
            body: body.into(),
        }
        .into_active_model()
        .insert(&txn)
        .await?;
    }
    for (id, customer, total) in [("cart_1", Some("cus_ada"), 4300), ("cart_2", None, 0)] {
        cart::Model {
            id: id.into(),
            customer_id: customer.map(Into::into),
            total,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}
