//! `GET /`: the storefront page, rendered on the server from typed queries (no front-end
//! build step): products with their brand, posts and reviews, a brand filter and pagination.

use axum::extract::{Query, State};
use axum::response::Html;
use link_runtime::query;
use serde::Deserialize;

use super::AppState;
use super::error::PageError;
use super::html::{encode, escape, price};
use super::selections::{BrandName, ProductCard};

const PER_PAGE: u64 = 6;

/// `?brand=Acme&page=2`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    brand: Option<String>,
    page: Option<u64>,
}

/// The storefront page.
pub async fn storefront(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let brand = query.brand.filter(|b| !b.is_empty());
    // Typed queries: the compiler checks the fields, the link and the filter.
    let products = match &brand {
        Some(name) => query!(ProductCard, filter = brand.name == name, order = [title]),
        None => query!(ProductCard, order = [title]),
    }
    .skip((page - 1) * PER_PAGE)
    .take(PER_PAGE)
    .page(&state.links, &state.db)
    .await?;
    let brands = query!(BrandName, order = [name])
        .all(&state.links, &state.db)
        .await?;
    let count = products.count;
    let pages = count.div_ceil(PER_PAGE).max(1);

    let mut html = String::from("<h1>Storefront</h1>\n");
    html.push_str("<form method=\"get\" action=\"/\"><label>Brand <select name=\"brand\"><option value=\"\">All brands</option>");
    for b in &brands {
        let name = b.name.as_str();
        let selected = if brand.as_deref() == Some(name) {
            " selected"
        } else {
            ""
        };
        html.push_str(&format!("<option{selected}>{}</option>", escape(name)));
    }
    html.push_str("</select></label> <button type=\"submit\">Filter</button></form>\n");
    html.push_str(&format!("<p id=\"count\">{count} products</p>\n"));
    for product in &products.data {
        html.push_str(&format!(
            "<div class=\"product\" id=\"{}\"><h2><a href=\"/products/{}\">{}</a></h2><p class=\"price\">{}</p>",
            escape(&product.id),
            encode(&product.handle),
            escape(&product.title),
            price(product.price)
        ));
        match &product.brand {
            Some(b) => html.push_str(&format!(
                "<p class=\"brand\">by <a href=\"/brands/{}\">{}</a></p>",
                encode(&b.id),
                escape(&b.name)
            )),
            None => html.push_str("<p class=\"brand\">no brand</p>"),
        }
        if !product.posts.is_empty() {
            html.push_str("<ul class=\"posts\">");
            for post in &product.posts {
                html.push_str(&format!("<li>{}</li>", escape(&post.title)));
            }
            html.push_str("</ul>");
        }
        html.push_str(&format!(
            "<div class=\"reviews\">{} review(s)",
            product.reviews.len()
        ));
        for review in &product.reviews {
            html.push_str(&format!(
                "<blockquote>{}/5 — {}</blockquote>",
                review.rating,
                escape(&review.body)
            ));
        }
        html.push_str("</div></div>\n");
    }
    let link = |to: u64| {
        let mut href = format!("/?page={to}");
        if let Some(name) = &brand {
            href.push_str(&format!("&amp;brand={}", encode(name)));
        }
        href
    };
    html.push_str(&format!("<nav>Page {page} of {pages}"));
    if page > 1 {
        html.push_str(&format!(
            " <a rel=\"prev\" href=\"{}\">Previous</a>",
            link(page - 1)
        ));
    }
    if page < pages {
        html.push_str(&format!(
            " <a rel=\"next\" href=\"{}\">Next</a>",
            link(page + 1)
        ));
    }
    html.push_str("</nav>\n");
    Ok(Html(super::html::page("Storefront", &html)))
}
