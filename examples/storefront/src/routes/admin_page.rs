//! `GET /admin`: link and unlink records with forms, and delete a product and restore it,
//! seeing what the cascade removed. Each form posts to its own route, which answers with the page
//! again, saying what happened, or the library's own message when it refused (a brand already
//! linked, a record that does not exist, sides given in the wrong order).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use link_runtime::{LifecycleReport, query};
use serde::Deserialize;

use super::AppState;
use super::html::{escape, page};
use super::selections::{AdminRow, BrandName, ChannelName};
use crate::links::{ProductBrand, ProductSalesChannel, product_sales_channel};
use crate::modules::{brand, product, sales_channel};

/// What a form did, shown above the forms.
enum Outcome {
    None,
    Done(String),
    Refused(String),
}

/// The outcome of a call of the library: what it did, or its message (for a mistake of the
/// caller's) or a generic one (for a failure of ours, which is logged).
fn outcome<T>(result: link_runtime::Result<T>, done: impl FnOnce(T) -> String) -> Outcome {
    match result {
        Ok(value) => Outcome::Done(done(value)),
        Err(error) if error.kind().is_caller_error() => Outcome::Refused(error.to_string()),
        Err(error) => {
            tracing::error!(error = %error, "admin form failed");
            Outcome::Refused("An unknown error occurred.".into())
        }
    }
}

/// `GET /admin`.
pub async fn admin_page(State(state): State<AppState>) -> (StatusCode, Html<String>) {
    render(&state, Outcome::None).await
}

/// The product and brand of the brand form; `action` is `link` or `unlink`.
#[derive(Debug, Deserialize)]
pub struct BrandForm {
    product: String,
    brand: String,
    action: String,
}

/// `POST /admin/forms/brand`.
pub async fn brand_form(
    State(state): State<AppState>,
    Form(form): Form<BrandForm>,
) -> (StatusCode, Html<String>) {
    let pair = ProductBrand::new(
        product::Model::key(&form.product),
        brand::Model::key(&form.brand),
    );
    let result = if form.action == "unlink" {
        outcome(state.links.dismiss(&state.db, pair).await, |dismissed| {
            if dismissed {
                format!("Unlinked {} from {}.", form.product, form.brand)
            } else {
                format!("{} and {} were not linked.", form.product, form.brand)
            }
        })
    } else {
        outcome(state.links.create(&state.db, pair).await, |row| {
            format!("Linked {} to {}.", row.left.as_str(), row.right.as_str())
        })
    };
    render(&state, result).await
}

/// The product, channel and position of the sales-channel form.
#[derive(Debug, Deserialize)]
pub struct ChannelForm {
    product: String,
    channel: String,
    position: i32,
}

/// `POST /admin/forms/channel`: links the product to the channel at the position, or moves it
/// there when it is in the channel already.
pub async fn channel_form(
    State(state): State<AppState>,
    Form(form): Form<ChannelForm>,
) -> (StatusCode, Html<String>) {
    let pair = ProductSalesChannel::new(
        product::Model::key(&form.product),
        sales_channel::Model::key(&form.channel),
    )
    .with(product_sales_channel::Data::default().position(form.position));
    let result = outcome(state.links.create(&state.db, pair).await, |row| {
        format!(
            "{} is in {} at position {}.",
            row.left.as_str(),
            row.right.as_str(),
            row.extra.position
        )
    });
    render(&state, result).await
}

/// A link in Medusa's JSON shape.
#[derive(Debug, Deserialize)]
pub struct JsonForm {
    json: String,
}

/// `POST /admin/forms/json`: the link as Medusa's `link.create` takes it.
pub async fn json_form(
    State(state): State<AppState>,
    Form(form): Form<JsonForm>,
) -> (StatusCode, Html<String>) {
    let result = match serde_json::from_str::<serde_json::Value>(&form.json) {
        Ok(json) => outcome(state.links.create_json(&state.db, &json).await, |rows| {
            format!("Created {} link(s).", rows.len())
        }),
        Err(error) => Outcome::Refused(format!("That is not JSON: {error}")),
    };
    render(&state, result).await
}

/// A product to delete or restore.
#[derive(Debug, Deserialize)]
pub struct ProductForm {
    product: String,
}

/// What a delete or a restore touched, as a list.
fn report(verb: &str, report: &LifecycleReport) -> String {
    let mut lines = Vec::new();
    for (model, ids) in &report.records {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        lines.push(format!("{verb} {model}: {}", ids.join(", ")));
    }
    for (link, pairs) in &report.links {
        let pairs: Vec<String> = pairs.iter().map(|(l, r)| format!("{l} → {r}")).collect();
        lines.push(format!("{verb} link {link}: {}", pairs.join(", ")));
    }
    lines.join("\n")
}

/// `POST /admin/forms/delete`: the product, its links, and its posts (`delete_cascade`).
pub async fn delete_form(
    State(state): State<AppState>,
    Form(form): Form<ProductForm>,
) -> (StatusCode, Html<String>) {
    let key = [product::Model::key(&form.product)];
    let result = outcome(state.links.delete(&state.db, key).await, |done| {
        report("Deleted", &done)
    });
    render(&state, result).await
}

/// `POST /admin/forms/restore`: exactly what the delete removed.
pub async fn restore_form(
    State(state): State<AppState>,
    Form(form): Form<ProductForm>,
) -> (StatusCode, Html<String>) {
    let key = [product::Model::key(&form.product)];
    let result = outcome(state.links.restore(&state.db, key).await, |done| {
        report("Restored", &done)
    });
    render(&state, result).await
}

/// `<option>`s of `(value, text)`.
fn options<'a>(items: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    items
        .map(|(value, text)| {
            format!(
                "<option value=\"{}\">{}</option>",
                escape(value),
                escape(text)
            )
        })
        .collect()
}

/// The page, with what the last form did.
async fn render(state: &AppState, outcome: Outcome) -> (StatusCode, Html<String>) {
    let (status, banner) = match &outcome {
        Outcome::None => (StatusCode::OK, String::new()),
        Outcome::Done(text) => (
            StatusCode::OK,
            format!("<pre id=\"notice\">{}</pre>", escape(text)),
        ),
        Outcome::Refused(text) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("<p id=\"error\" role=\"alert\">{}</p>", escape(text)),
        ),
    };
    let read = async {
        let products = query!(AdminRow, order = [title])
            .all(&state.links, &state.db)
            .await?;
        let brands = query!(BrandName, order = [name])
            .all(&state.links, &state.db)
            .await?;
        let channels = query!(ChannelName, order = [name])
            .all(&state.links, &state.db)
            .await?;
        Ok::<_, link_runtime::Error>((products, brands, channels))
    };
    let (products, brands, channels) = match read.await {
        Ok(read) => read,
        Err(error) => {
            tracing::error!(error = %error, "admin page failed");
            let body = "<p id=\"error\">An unknown error occurred.</p>";
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(page("Admin", body)));
        }
    };
    let product_options = options(products.iter().map(|p| (p.id.as_str(), p.title.as_str())));
    let brand_options = options(brands.iter().map(|b| (b.id.as_str(), b.name.as_str())));
    let channel_options = options(channels.iter().map(|c| (c.id.as_str(), c.name.as_str())));
    let mut rows = String::new();
    for p in &products {
        let brand = p.brand.as_ref().map_or("—".to_string(), |b| {
            format!(
                "{}{}",
                escape(&b.name),
                if b.featured { " (featured)" } else { "" }
            )
        });
        let channels: Vec<String> = p
            .sales_channels
            .iter()
            .map(|c| format!("{} @{}", escape(&c.name), c.position))
            .collect();
        rows.push_str(&format!(
            "<tr id=\"row-{}\"><td>{}</td><td>{brand}</td><td>{}</td></tr>",
            escape(&p.id),
            escape(&p.title),
            channels.join(", ")
        ));
    }
    let example =
        r#"{"product": {"product_id": "prod_poster"}, "brand": {"brand_id": "brand_acme"}}"#;
    let body = format!(
        "<h1>Admin</h1>\n{banner}\n\
         <section id=\"brand-form\"><h2>Brand of a product</h2>\
         <form method=\"post\" action=\"/admin/forms/brand\">\
         <select name=\"product\">{product_options}</select> \
         <select name=\"brand\">{brand_options}</select> \
         <button name=\"action\" value=\"link\">Link</button> \
         <button name=\"action\" value=\"unlink\">Unlink</button></form></section>\n\
         <section id=\"channel-form\"><h2>Sales channel of a product</h2>\
         <form method=\"post\" action=\"/admin/forms/channel\">\
         <select name=\"product\">{product_options}</select> \
         <select name=\"channel\">{channel_options}</select> \
         <label>at position <input name=\"position\" type=\"number\" value=\"0\"></label> \
         <button>Put it there</button></form></section>\n\
         <section id=\"json-form\"><h2>A link in Medusa's JSON shape</h2>\
         <form method=\"post\" action=\"/admin/forms/json\">\
         <textarea name=\"json\" rows=\"3\" cols=\"80\">{}</textarea><br>\
         <button>Create</button></form></section>\n\
         <section id=\"delete-form\"><h2>Delete a product, and restore it</h2>\
         <form method=\"post\" action=\"/admin/forms/delete\">\
         <select name=\"product\">{product_options}</select> <button>Delete</button></form>\
         <form method=\"post\" action=\"/admin/forms/restore\">\
         <input name=\"product\" placeholder=\"prod_tee\"> <button>Restore</button></form></section>\n\
         <section id=\"links\"><h2>Links now</h2><table><tr><th>Product</th><th>Brand</th>\
         <th>Sales channels @position</th></tr>{rows}</table></section>\n",
        escape(example)
    );
    (status, Html(page("Admin", &body)))
}
