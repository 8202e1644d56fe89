//! The real storefront server on a free port, on SQLite and PostgreSQL: every route, bad input
//! (malformed JSON, wrong direction, unknown and forbidden fields, SQL metacharacters), a
//! cascading delete followed by restore, a restart that does not seed twice, and the page as
//! headless Chromium shows it.

// A failing test panics on purpose.
#![allow(clippy::panic)]

mod common;

use common::{Client, assert_refused, serve};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(products: &Value) -> Vec<&str> {
    products
        .as_array()
        .map(|all| all.iter().filter_map(|p| p["id"].as_str()).collect())
        .unwrap_or_default()
}

fn assert_error(answer: &(StatusCode, Value), status: StatusCode, kind: &str, contains: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["type"], json!(kind), "{}", answer.1);
    let message = answer.1["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(contains),
        "{message:?} should say {contains:?}"
    );
}

/// Every route, on a freshly seeded database.
async fn exercise(c: &Client) {
    // A typed route: every brand with its products by title, in a fixed shape.
    let (status, body) = c.get("/store/brands").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let brands = body["brands"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = brands.iter().filter_map(|b| b["name"].as_str()).collect();
    assert_eq!(names, ["Acme", "Globex", "Initech"]);
    assert_eq!(
        brands[0]["products"],
        json!([
            {"id": "prod_tote", "title": "Canvas Tote", "handle": "tote", "price": 1500},
            {"id": "prod_tee", "title": "Classic Tee", "handle": "tee", "price": 2500},
            {"id": "prod_shorts", "title": "Running Shorts", "handle": "shorts", "price": 3500},
            {"id": "prod_hoodie", "title": "Zip Hoodie", "handle": "hoodie", "price": 6500}
        ])
    );

    // Listing: defaults, linked filters and order, operators, pages.
    let (status, body) = c.get("/store/products").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["count"].clone(),
            body["limit"].clone(),
            body["offset"].clone()
        ),
        (json!(12), json!(20), json!(0))
    );
    assert_eq!(
        body["products"][0]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "id".into(),
            "title".into(),
            "handle".into(),
            "price".into(),
            "brand".into()
        ])
    );
    let (_, body) = c
        .get("/store/products?fields=id,price&brand.name=Acme&order=-price")
        .await;
    assert_eq!(
        ids(&body["products"]),
        ["prod_hoodie", "prod_shorts", "prod_tee", "prod_tote"]
    );
    assert_eq!(body["count"], json!(4));
    let (_, body) = c
        .get("/store/products?fields=id&price[$gt]=3000&order=price")
        .await;
    assert_eq!(
        ids(&body["products"]),
        ["prod_shorts", "prod_hoodie", "prod_jacket"]
    );
    let (_, body) = c
        .get("/store/products?fields=id&title[$ilike]=%25CAP%25")
        .await;
    assert_eq!(ids(&body["products"]), ["prod_cap"]);
    let (_, body) = c
        .get("/store/products?fields=id&id=prod_mug&id=prod_cap&order=id")
        .await;
    assert_eq!(ids(&body["products"]), ["prod_cap", "prod_mug"]);
    let (_, body) = c
        .get("/store/products?fields=id,title&limit=5&offset=10&order=title")
        .await;
    assert_eq!(ids(&body["products"]), ["prod_socks", "prod_hoodie"]);
    assert_eq!(
        (
            body["count"].clone(),
            body["limit"].clone(),
            body["offset"].clone()
        ),
        (json!(12), json!(5), json!(10))
    );
    let (_, body) = c
        .get("/store/products?fields=id,brand.name&order=brand.name,-title&limit=3")
        .await;
    assert_eq!(
        ids(&body["products"]),
        ["prod_hoodie", "prod_shorts", "prod_tee"]
    );

    // One product with everything linked to it, the CMS page from the CMS service included.
    let (status, body) = c
        .get("/store/products/prod_tee?fields=id,posts.title,reviews.rating,reviews.customer.name,cms_page.headline,sales_channels.name")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"product": {
            "id": "prod_tee",
            "posts": [{"id": "post_tee_care", "title": "Caring for your tee"}, {"id": "post_tee_story", "title": "The story of the tee"}],
            "reviews": [
                {"id": "rev_1", "rating": 5, "customer": {"id": "cus_ada", "name": "Ada"}},
                {"id": "rev_2", "rating": 4, "customer": {"id": "cus_alan", "name": "Alan"}}
            ],
            "cms_page": {"id": "page_tee", "headline": "The tee we wear every day"},
            "sales_channels": [{"id": "sc_web", "name": "Web"}, {"id": "sc_retail", "name": "Retail"}]
        }})
    );
    assert_error(
        &c.get("/store/products/prod_nope").await,
        StatusCode::NOT_FOUND,
        "not_found",
        "prod_nope",
    );

    // What /store may not reach, and bad input: 400 with a message, never a 500.
    assert_error(
        &c.get("/store/products?fields=id,reviews.customer.email")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "not allowed here",
    );
    assert_error(
        &c.get("/store/products?fields=brand.products.title").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "not allowed here",
    );
    assert_error(
        &c.get("/store/products?fields=id;DROP%20TABLE%20product")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        // Behind the allow-list, an invented name is answered as a hidden one is.
        "is not allowed here",
    );
    assert_error(
        &c.get("/store/products?order=title'--").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "not allowed here",
    );
    assert_error(
        &c.get("/store/products?order=posts.title").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "ordering by it is ambiguous",
    );
    assert_error(
        &c.get("/store/products?limit=101").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "`limit` must be",
    );
    assert_error(
        &c.get("/store/products?offset=-1").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "`offset` must be",
    );
    assert_error(
        &c.get("/store/products?price[$regex]=1").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "unknown operator",
    );
    assert_error(
        &c.get("/store/products?price=cheap").await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "expected an integer",
    );
    for injection in [
        "%27%20OR%201%3D1%20--",
        "x%22%3B%20DROP%20TABLE%20product%3B%20--",
    ] {
        let (status, body) = c
            .get(&format!("/store/products?fields=id&title={injection}"))
            .await;
        assert_eq!(
            (status, body["count"].clone()),
            (StatusCode::OK, json!(0)),
            "{body}"
        );
    }
    let (_, body) = c
        .get("/store/products?fields=id&id[$in]=prod_tee',prod_cap")
        .await;
    assert_eq!(
        ids(&body["products"]),
        ["prod_cap"],
        "a quote is part of a bound value"
    );

    // Admin: brands and products, the brand link in the product's transaction.
    let (status, body) = c.post("/admin/brands", json!({"name": "Umbrella"})).await;
    assert_eq!(
        (status, body["brand"]["id"].clone()),
        (StatusCode::OK, json!("brand_umbrella")),
        "{body}"
    );
    let (status, body) = c
        .post(
            "/admin/products",
            json!({"title": "Umbrella Hat", "price": 1999, "brand_id": "brand_umbrella"}),
        )
        .await;
    assert_eq!(
        (status, body["product"]["id"].clone()),
        (StatusCode::OK, json!("prod_umbrella-hat")),
        "{body}"
    );
    let (_, body) = c.get("/store/products?fields=id&brand.name=Umbrella").await;
    assert_eq!(ids(&body["products"]), ["prod_umbrella-hat"]);
    assert_error(
        &c.post(
            "/admin/products",
            json!({"id": "prod_lost", "title": "Lost", "price": 1, "brand_id": "brand_nope"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "brand_nope",
    );
    assert_error(
        &c.get("/store/products/prod_lost").await,
        StatusCode::NOT_FOUND,
        "not_found",
        "prod_lost",
    );
    assert_error(
        &c.post(
            "/admin/products",
            json!({"title": "X", "price": 1, "colour": "red"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "unknown field `colour`",
    );
    assert_error(
        &c.post("/admin/products", json!({"title": "X", "price": -1}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "must not be negative",
    );
    assert_error(
        &c.post(
            "/admin/brands",
            json!({"id": "brand_acme", "name": "Acme again"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "exists already",
    );

    // Links in Medusa's shape.
    assert_error(
        &c.post(
            "/admin/links",
            json!({"brand": {"brand_id": "brand_acme"}, "product": {"product_id": "prod_poster"}}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "declared with product first",
    );
    let (status, body) = c
        .post("/admin/links", json!({"product": {"product_id": "prod_poster"}, "brand": {"brand_id": "brand_acme"}, "data": {"featured": true}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_error(
        &c.post("/admin/links", json!({"product": {"product_id": "prod_poster"}, "brand": {"brand_id": "brand_globex"}})).await,
        StatusCode::CONFLICT,
        "conflict",
        "already linked to brand brand_acme",
    );
    assert_error(
        &c.post("/admin/links", json!({"product": {"product_id": "prod_poster"}, "brand": {"brand_id": "brand_acme"}, "data": {"shiny": 1}})).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
        "shiny",
    );
    let (status, body) = c
        .post(
            "/admin/links/dismiss",
            json!({"product": {"product_id": "prod_poster"}, "brand": {"brand_id": "brand_acme"}}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"dismissed": 1})));
    let malformed = c
        .http
        .post(format!("{}/admin/links", c.base))
        .header("content-type", "application/json")
        .body("{\"product\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let wrong_type = c
        .http
        .post(format!("{}/admin/links", c.base))
        .body("product=1")
        .send()
        .await
        .expect("send");
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A cascading delete, then its restore.
    let tee = "/store/products/prod_tee?fields=id,brand.name,posts.id,sales_channels.id";
    let (_, before) = c.get(tee).await;
    assert_eq!(
        before["product"]["sales_channels"].as_array().map(Vec::len),
        Some(2),
        "{before}"
    );
    let (status, body) = c
        .send(reqwest::Method::DELETE, "/admin/products/prod_tee", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["deleted"]["records"]["blog.post"],
        json!(["post_tee_care", "post_tee_story"])
    );
    assert_error(
        &c.get("/store/products/prod_tee").await,
        StatusCode::NOT_FOUND,
        "not_found",
        "prod_tee",
    );
    let (_, body) = c.get("/store/products?fields=id").await;
    assert_eq!(body["count"], json!(12), "13 products less the deleted one");
    // A client retrying the DELETE: it finds the product deleted and changes nothing.
    let (status, body) = c
        .send(reqwest::Method::DELETE, "/admin/products/prod_tee", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"]["links"], json!({}), "{body}");
    let (status, body) = c.post("/admin/products/prod_tee/restore", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = c.get(tee).await;
    assert_eq!(body, before, "everything the first DELETE removed is back");
    assert_eq!(
        body["product"]["brand"],
        json!({"id": "brand_acme", "name": "Acme"})
    );
    assert_eq!(
        body["product"]["posts"],
        json!([{"id": "post_tee_care"}, {"id": "post_tee_story"}])
    );
    assert_error(
        &c.send(reqwest::Method::DELETE, "/admin/products/prod_nope", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "prod_nope",
    );

    // The declared graph.
    let (status, body) = c.get("/admin/links").await;
    assert_eq!(status, StatusCode::OK);
    let links = body["links"].as_array().cloned().unwrap_or_default();
    assert_eq!(links.len(), 9, "{body}");
    assert_eq!(links[0]["name"], json!("ProductBrand"));
    assert_eq!(links[0]["table"], json!("product_product_brand_brand"));
    assert_eq!(links[0]["right"]["filterable"], json!(["id", "name"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    );
    let running = serve(url.clone()).await;
    assert!(running.seeded, "the first start writes the demo data");
    exercise(&Client::new(&running)).await;

    // The read-only link from carts to customers, which no route shows.
    let carts = running
        .links
        .graph(
            &running.db,
            &link_runtime::query::GraphQuery::new("cart")
                .fields(["id", "customer.name"])
                .order("id", "ASC"),
        )
        .await
        .expect("carts");
    assert_eq!(
        carts.data,
        [
            json!({"id": "cart_1", "customer": {"id": "cus_ada", "name": "Ada"}}),
            json!({"id": "cart_2", "customer": null})
        ]
    );

    // A restart on the same file writes nothing again.
    let again = serve(url).await;
    assert!(!again.seeded);
    let (_, body) = Client::new(&again).get("/store/products?fields=id").await;
    assert_eq!(body["count"], json!(13));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_on_postgres() {
    let Ok(url) = std::env::var("LINK_TEST_POSTGRES_URL") else {
        eprintln!("storefront on PostgreSQL skipped: LINK_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin = sea_orm::Database::connect(&url).await.expect("connect");
    for sql in [
        "DROP SCHEMA IF EXISTS sf_e2e CASCADE",
        "CREATE SCHEMA sf_e2e",
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(&admin, sql)
            .await
            .expect(sql);
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    let running = serve(format!("{url}{separator}options=-c%20search_path%3Dsf_e2e")).await;
    exercise(&Client::new(&running)).await;
}

/// Hostile HTTP input: very long values, deep JSON, huge pages, wrong content types, linked paths
/// outside the allow-list. Each gets a 4xx with a clear, short message; the server stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_a_4xx_and_the_server_stays_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    );
    let running = serve(url).await;
    let c = Client::new(&running);
    let long = |ch: &str| ch.repeat(5_000);

    // Very long values in fields, order, filter keys and ids.
    for path in [
        format!("/store/products?fields={}", long("a")),
        format!("/store/products?fields=id,brand.{}", long("n")),
        format!("/store/products?order={}", long("t")),
        format!("/store/products?{}=1", long("k")),
        format!("/store/products?brand.{}=1", long("k")),
    ] {
        assert_refused(&c.get(&path).await, StatusCode::BAD_REQUEST, &path[..40]);
    }
    assert_refused(
        &c.get(&format!("/store/products/{}", long("p"))).await,
        StatusCode::NOT_FOUND,
        "a long id",
    );
    // A long value is a bound value: it matches nothing.
    let (status, body) = c
        .get(&format!("/store/products?fields=id&title={}", long("x")))
        .await;
    assert_eq!((status, body["count"].clone()), (StatusCode::OK, json!(0)));
    let many: Vec<String> = (0..2_000).map(|i| format!("prod_{i}")).collect();
    let (status, body) = c
        .get(&format!(
            "/store/products?fields=id&id[$in]={}",
            many.join(",")
        ))
        .await;
    assert_eq!(
        (status, body["count"].clone()),
        (StatusCode::OK, json!(0)),
        "{body}"
    );

    // Huge and malformed pages.
    for page in [
        "limit=99999999999999999999999",
        "limit=1e9",
        "limit=18446744073709551615",
        "offset=18446744073709551615",
        "offset=99999999999999999999999",
        "limit=-5",
    ] {
        assert_refused(
            &c.get(&format!("/store/products?{page}")).await,
            StatusCode::BAD_REQUEST,
            page,
        );
    }

    // Linked paths outside the allow-list, in fields, filters and order; and the errors name
    // only what is allowed (no hidden field such as `deleted_at`).
    for (path, says) in [
        (
            "/store/products?fields=id,brand.products.title",
            "not allowed here",
        ),
        // `reviews` is reachable (its id is allowed), but its link cannot be filtered.
        (
            "/store/products?fields=id&reviews.customer.email=ada@example.com",
            "read-only",
        ),
        (
            "/store/products?fields=id&order=reviews.customer.email",
            "not allowed here",
        ),
        (
            "/store/products?fields=id&brand.products.title=Tee",
            "not allowed here",
        ),
        (
            "/store/products?fields=id,reviews.customer.*",
            "not allowed here",
        ),
        ("/store/products?fields=secret", "allowed here"),
        ("/store/products?fields=id,brand.secret", "allowed here"),
    ] {
        let answer = c.get(path).await;
        assert_refused(&answer, StatusCode::BAD_REQUEST, path);
        let message = answer.1["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(says) && !message.contains("deleted_at"),
            "{path}: {message}"
        );
    }

    // Deep JSON, wrong content types, no body.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let send = |content_type: Option<&'static str>, body: String| {
        let mut request = c.http.post(format!("{}/admin/links", c.base)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        async move {
            let response = request.send().await.expect("POST");
            (
                response.status(),
                response.json().await.unwrap_or(Value::Null),
            )
        }
    };
    assert_refused(
        &send(Some("application/json"), deep).await,
        StatusCode::BAD_REQUEST,
        "deep JSON",
    );
    let deep_object = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    assert_refused(
        &send(Some("application/json"), deep_object).await,
        StatusCode::BAD_REQUEST,
        "deep JSON object",
    );
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        assert_refused(
            &send(content_type, "{\"product\": {}}".into()).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            content_type.unwrap_or("no content type"),
        );
    }
    assert_refused(
        &send(Some("application/json"), String::new()).await,
        StatusCode::BAD_REQUEST,
        "an empty body",
    );
    assert_refused(
        &send(
            Some("application/json"),
            format!(
                "[{}]",
                "{\"product\": {\"product_id\": \"p\"}, \"brand\": {\"brand_id\": \"b\"}},"
                    .repeat(2_000)
                    .trim_end_matches(',')
            ),
        )
        .await,
        StatusCode::NOT_FOUND,
        "2,000 links to missing records",
    );

    // Still up, and nothing was written.
    let (status, body) = c.get("/store/products?fields=id").await;
    assert_eq!((status, body["count"].clone()), (StatusCode::OK, json!(12)));
    let (status, body) = c.get("/admin/links?link=ProductBrand").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
