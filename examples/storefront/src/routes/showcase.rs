//! The record pages, rendered on the server from typed queries: a product with a section per
//! kind of link (`/products/{handle}`), a brand with its products, the inverse side
//! (`/brands/{id}`), a customer with the wishlist (`/customers/{id}`). Each section is labelled
//! with the kind of link it shows. And the picture of how the modules are linked (`/links`),
//! drawn from the registry.

use axum::extract::{Path, State};
use axum::response::Html;
use link_runtime::{DiagramFormat, query};

use super::AppState;
use super::error::{ApiError, PageError};
use super::html::{encode, escape, page, price, section};
use super::selections::{BrandPage, CustomerPage, ProductPage};

/// No record of `what` with that key: a 404 naming it.
fn missing(what: &str, key: &str) -> PageError {
    PageError(ApiError::not_found(format!("no {what} `{key}`")))
}

/// `GET /products/{handle}`.
pub async fn product(
    State(state): State<AppState>,
    Path(handle): Path<String>,
) -> Result<Html<String>, PageError> {
    let found = query!(ProductPage, filter = handle == &handle)
        .take(1)
        .all(&state.links, &state.db)
        .await?;
    let Some(product) = found.into_iter().next() else {
        return Err(missing("product", &handle));
    };
    let mut body = format!(
        "<h1 id=\"title\">{}</h1><p class=\"price\">{}</p>\n",
        escape(&product.title),
        price(product.price)
    );
    let brand = match &product.brand {
        Some(b) => format!(
            "<p>by <a href=\"/brands/{}\">{}</a>{}</p>",
            encode(&b.id),
            escape(&b.name),
            if b.featured { " (featured)" } else { "" }
        ),
        None => "<p>No brand.</p>".to_string(),
    };
    body.push_str(&section(
        "brand",
        "Brand",
        "stored link, one brand to many products, with an extra column",
        &brand,
    ));
    let posts = list(product.posts.iter().map(|p| escape(&p.title)), "No posts.");
    body.push_str(&section(
        "posts",
        "Posts",
        "stored link, one product to many posts, deleted with it",
        &posts,
    ));
    let reviews = list(
        product.reviews.iter().map(|r| {
            let by = match &r.customer {
                Some(c) => format!(
                    " — <a href=\"/customers/{}\">{}</a>",
                    encode(&c.id),
                    escape(&c.name)
                ),
                None => String::new(),
            };
            format!("{}/5 {}{by}", r.rating, escape(&r.body))
        }),
        "No reviews.",
    );
    body.push_str(&section(
        "reviews",
        "Reviews",
        "read-only links: the reviews naming this product, each naming its customer",
        &reviews,
    ));
    let channels = list(
        product
            .sales_channels
            .iter()
            .map(|c| format!("{} (position {})", escape(&c.name), c.position)),
        "In no sales channel.",
    );
    body.push_str(&section(
        "sales-channels",
        "Sales channels",
        "stored link, many-to-many, ordered by the link's position",
        &channels,
    ));
    let cms = match &product.cms_page {
        Some(p) => format!("<p>{}</p>", escape(&p.headline)),
        None => "<p>No CMS page.</p>".to_string(),
    };
    body.push_str(&section(
        "cms-page",
        "CMS page",
        "read-only link to an external model, served by the CMS service",
        &cms,
    ));
    Ok(Html(page(&product.title, &body)))
}

/// `GET /brands/{id}`.
pub async fn brand(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let found = query!(BrandPage, filter = id == &id)
        .all(&state.links, &state.db)
        .await?;
    let Some(brand) = found.into_iter().next() else {
        return Err(missing("brand", &id));
    };
    let products = list(
        brand.products.iter().map(|p| {
            format!(
                "<a href=\"/products/{}\">{}</a> {}{}",
                encode(&p.handle),
                escape(&p.title),
                price(p.price),
                if p.featured { " (featured)" } else { "" }
            )
        }),
        "No products.",
    );
    let body = format!(
        "<h1 id=\"title\">{}</h1>\n{}",
        escape(&brand.name),
        section(
            "products",
            "Products",
            "the inverse side of a stored link: many products to this brand, featured first",
            &products,
        )
    );
    Ok(Html(page(&brand.name, &body)))
}

/// `GET /customers/{id}`.
pub async fn customer(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let found = query!(CustomerPage, filter = id == &id)
        .all(&state.links, &state.db)
        .await?;
    let Some(customer) = found.into_iter().next() else {
        return Err(missing("customer", &id));
    };
    let wishlist = match &customer.wishlist {
        Some(w) => format!("<p>{}</p>", escape(&w.title)),
        None => "<p>No wishlist.</p>".to_string(),
    };
    let body = format!(
        "<h1 id=\"title\">{}</h1>\n{}",
        escape(&customer.name),
        section(
            "wishlist",
            "Wishlist",
            "stored link, one-to-one, deleted with the customer",
            &wishlist,
        )
    );
    Ok(Html(page(&customer.name, &body)))
}

/// `GET /links`: the modules, their models and every link between them (cardinality,
/// cascades, `filterable` fields, extra columns; dashed: read-only), as SVG drawn on the server
/// from the registry, as `storefront links graph --format svg` prints it.
pub async fn graph(State(state): State<AppState>) -> Html<String> {
    let drawing = state.links.diagram(DiagramFormat::Svg);
    // Inline in HTML: the `<svg>` element without the XML declaration before it.
    let svg = drawing.find("<svg").map_or("", |at| &drawing[at..]);
    let body = format!(
        "<h1 id=\"title\">How the modules are linked</h1>\n         <p>A box per model (model · module), an arrow per link from its first side to its second, \
         with its cardinality and options; a dashed arrow is a read-only link.</p>\n         <figure id=\"graph\">{svg}</figure>\n"
    );
    Html(page("Links", &body))
}

/// `<ul>` of the items (already HTML), or `empty` as a paragraph.
fn list(items: impl Iterator<Item = String>, empty: &str) -> String {
    let items: Vec<String> = items.map(|item| format!("<li>{item}</li>")).collect();
    if items.is_empty() {
        format!("<p>{}</p>", escape(empty))
    } else {
        format!("<ul>{}</ul>", items.concat())
    }
}
