//! `GET /`: the storefront page, rendered on the server from one graph query (no front-end
//! build step): products with their brand, posts and reviews, a brand filter and pagination.

use axum::extract::{Query, State};
use axum::response::Html;
use link_runtime::query::GraphQuery;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;

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

fn text(value: &Value) -> String {
    escape(value.as_str().unwrap_or_default())
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
    let filters = match &brand {
        Some(name) => json!({"brand": {"name": name}}),
        None => Value::Null,
    };
    let products = state
        .links
        .graph(
            &state.db,
            &GraphQuery::new("product")
                .fields([
                    "id",
                    "title",
                    "price",
                    "brand.name",
                    "posts.title",
                    "reviews.rating",
                    "reviews.body",
                ])
                .filters(filters)
                .order("title", "ASC")
                .skip((page - 1) * PER_PAGE)
                .take(PER_PAGE),
        )
        .await?;
    let brands = state
        .links
        .graph(
            &state.db,
            &GraphQuery::new("brand")
                .fields(["name"])
                .order("name", "ASC"),
        )
        .await?;
    let count = products.metadata.map(|m| m.count).unwrap_or_default();
    let pages = count.div_ceil(PER_PAGE).max(1);

    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Storefront</title>\
         <style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}\
         .product{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}\
         .brand{color:#555}.reviews,.posts{font-size:.9rem}</style></head><body>\n<h1>Storefront</h1>\n",
    );
    html.push_str("<form method=\"get\" action=\"/\"><label>Brand <select name=\"brand\"><option value=\"\">All brands</option>");
    for b in &brands.data {
        let name = b["name"].as_str().unwrap_or_default();
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
            text(&product["id"]),
            text(&product["title"]),
            product["price"].as_i64().unwrap_or_default() / 100,
            product["price"].as_i64().unwrap_or_default() % 100
        ));
        match product["brand"]["name"].as_str() {
            Some(name) => html.push_str(&format!("<p class=\"brand\">by {}</p>", escape(name))),
            None => html.push_str("<p class=\"brand\">no brand</p>"),
        }
        let posts = product["posts"].as_array().cloned().unwrap_or_default();
        if !posts.is_empty() {
            html.push_str("<ul class=\"posts\">");
            for post in &posts {
                html.push_str(&format!("<li>{}</li>", text(&post["title"])));
            }
            html.push_str("</ul>");
        }
        let reviews = product["reviews"].as_array().cloned().unwrap_or_default();
        html.push_str(&format!(
            "<div class=\"reviews\">{} review(s)",
            reviews.len()
        ));
        for review in &reviews {
            html.push_str(&format!(
                "<blockquote>{}/5 — {}</blockquote>",
                review["rating"].as_i64().unwrap_or_default(),
                text(&review["body"])
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
