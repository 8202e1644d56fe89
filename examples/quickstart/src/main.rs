//! Declares two modules and a link, migrates, then creates, lists and dismisses links on
//! embedded SQLite (in memory, or the SQLite database `DATABASE_URL` names), printing what it
//! does. It is built with link-runtime's `sqlite` feature alone (see its `Cargo.toml`).

mod links;
mod modules;

use link_runtime::sea_orm::{ActiveModelTrait, ConnectionTrait, Database, IntoActiveModel, Schema};
use link_runtime::{Error, Links, ListFilter, Selection, query};

use crate::links::{ProductBrand, product_brand};
use crate::modules::{brand, product};

/// What the typed query below reads: a product's title and its brand's name. The compiler
/// checks each field against the model and the link.
#[derive(Debug, Selection)]
#[selection(model = product::Model)]
struct ProductWithBrand {
    id: String,
    title: String,
    #[selection(link)]
    brand: Option<BrandName>,
}

#[derive(Debug, Selection)]
#[selection(model = brand::Model)]
struct BrandName {
    id: String,
    name: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let db = Database::connect(&url).await?;
    println!("connected to {url}");

    // Each module creates its own table (with plain sea-orm) and its records.
    let schema = Schema::new(db.get_database_backend());
    db.execute(
        &schema
            .create_table_from_entity(product::Entity)
            .if_not_exists()
            .to_owned(),
    )
    .await?;
    db.execute(
        &schema
            .create_table_from_entity(brand::Entity)
            .if_not_exists()
            .to_owned(),
    )
    .await?;
    for (id, title) in [("prod_shirt", "Shirt"), ("prod_cap", "Cap")] {
        product::Model {
            id: id.into(),
            title: title.into(),
        }
        .into_active_model()
        .insert(&db)
        .await?;
    }
    for (id, name) in [("brand_acme", "Acme"), ("brand_zeta", "Zeta")] {
        brand::Model {
            id: id.into(),
            name: name.into(),
        }
        .into_active_model()
        .insert(&db)
        .await?;
    }

    // The registry binds modules to connections and checks the links once, at start-up.
    let links = Links::builder(db.clone())
        .application("quickstart")
        .module("product")
        .module("brand")
        .link::<ProductBrand>()
        .build()?;
    links.migrate().await?;
    println!(
        "migrated link table `{}`",
        links.table_name::<ProductBrand>()?
    );

    let shirt = product::Model::key("prod_shirt");
    let cap = product::Model::key("prod_cap");
    let acme = brand::Model::key("brand_acme");
    let zeta = brand::Model::key("brand_zeta");

    let rows = links
        .create_many(
            &db,
            [
                ProductBrand::new(shirt.clone(), acme.clone())
                    .with(product_brand::Data::default().featured(true)),
                ProductBrand::new(cap.clone(), acme.clone()),
            ],
        )
        .await?;
    for row in &rows {
        println!(
            "linked product {} to brand {} (row {}, featured: {})",
            row.left, row.right, row.id, row.extra.featured
        );
    }

    // A product has one brand: the database refuses a second one, and the error says why.
    match links
        .create(&db, ProductBrand::new(shirt.clone(), zeta.clone()))
        .await
    {
        Err(Error::Conflict { message, .. }) => println!("refused: {message}"),
        other => return Err(format!("expected a conflict, got {other:?}").into()),
    }

    let of_acme = links
        .list(&db, ListFilter::<ProductBrand>::all().right([acme.clone()]))
        .await?;
    println!(
        "brand {acme} has {} products: {}",
        of_acme.len(),
        of_acme
            .iter()
            .map(|r| r.left.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let dismissed = links
        .dismiss(&db, ProductBrand::new(shirt.clone(), acme.clone()))
        .await?;
    println!("dismissed {shirt} → {acme}: {dismissed}");
    let relinked = links
        .create(&db, ProductBrand::new(shirt.clone(), zeta.clone()))
        .await?;
    println!(
        "linked product {} to brand {} now that its brand is free",
        relinked.left, relinked.right
    );
    let all = links.list(&db, ListFilter::<ProductBrand>::all()).await?;
    println!(
        "live links: {}",
        all.iter()
            .map(|r| format!("{} → {}", r.left, r.right))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Linked records read into structs, filtered by a linked field in one SQL statement.
    let zeta_products = query!(
        ProductWithBrand,
        filter = brand.name == "Zeta",
        order = [title]
    )
    .all(&links, &db)
    .await?;
    for product in &zeta_products {
        let brand = product.brand.as_ref().map_or("none", |b| b.name.as_str());
        println!("{} ({}) is made by {brand}", product.title, product.id);
    }
    if zeta_products.len() != 1
        || zeta_products[0].brand.as_ref().map(|b| b.id.as_str()) != Some("brand_zeta")
    {
        return Err(format!("expected the shirt under Zeta, got {zeta_products:?}").into());
    }
    Ok(())
}
