//! `GET /`: the storefront page, rendered on the server from typed queries (no front-end
//! build step): products with their brand, posts and reviews, a brand filter and pagination.

use axum::extract::{Query, State};
use axum::response::Html;
use link_runtime::query;
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::selections::{BrandName, ProductCard};

const PER_PAGE: u64 = 6;

/// `?brand=Acme&page=2`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    brand: Option<String>,
    page: Option<u64>,
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A query-string value, percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The storefront page.
pub async fn storefront(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, ApiError> {
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

    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Storefront</title>\
         <style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}\
         .product{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}\
         .brand{color:#555}.reviews,.posts{font-size:.9rem}</style></head><body>\n<h1>Storefront</h1>\n",
    );
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
            "<div class=\"product\" id=\"{}\"><h2>{}</h2><p class=\"price\">${}.{:02}</p>",
            escape(&product.id),
            escape(&product.title),
            product.price / 100,
            product.price % 100
        ));
        match &product.brand {
            Some(b) => html.push_str(&format!("<p class=\"brand\">by {}</p>", escape(&b.name))),
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
    html.push_str("</nav>\n</body></html>\n");
    Ok(Html(html))
}

#[cfg(test)]
mod tests {
    use super::{encode, escape};

    #[test]
    fn text_is_escaped_for_html_and_urls() {
        assert_eq!(
            escape("<b>\"A&B\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
        assert_eq!(encode("Acme & Co"), "Acme%20%26%20Co");
    }
}
