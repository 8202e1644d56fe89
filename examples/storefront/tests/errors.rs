//! Input the database would reject is refused before SQL with a 400, and a failure of ours is a
//! 500 that says nothing of the database (SPEC §11): on SQLite and PostgreSQL.

// A failing test panics on purpose.
#![allow(clippy::panic)]

mod common;

use common::{Client, assert_refused, serve};
use reqwest::StatusCode;
use serde_json::json;

async fn exercise(c: &Client, running: &storefront::app::Running) {
    // More `$in` values than filters take (an URI holds at most 64 KiB, so short ones).
    let base36 = |mut n: usize| {
        let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut out = Vec::new();
        loop {
            out.push(digits[n % 36]);
            n /= 36;
            if n == 0 {
                break;
            }
        }
        String::from_utf8(out).unwrap_or_default()
    };
    let many: Vec<String> = (0..10_500).map(base36).collect();
    let answer = c
        .get(&format!(
            "/store/products?fields=id&id[$in]={}",
            many.join(",")
        ))
        .await;
    assert_refused(&answer, StatusCode::BAD_REQUEST, "10,500 ids");
    assert!(
        answer.1["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 10000 values")),
        "{}",
        answer.1
    );

    // `$like` on a number (PostgreSQL: "operator does not exist: bigint ~~ text").
    for path in [
        "/store/products?fields=id&price[$like]=1%25",
        "/store/products?fields=id&price[$ilike]=1%25",
    ] {
        let answer = c.get(path).await;
        assert_refused(&answer, StatusCode::BAD_REQUEST, path);
        assert!(
            answer.1["message"]
                .as_str()
                .is_some_and(|m| m.contains("is not a text column")),
            "{path}: {}",
            answer.1
        );
    }

    // A NUL byte anywhere (PostgreSQL: "invalid byte sequence").
    for path in [
        "/store/products?fields=id&title=%00",
        "/store/products?fields=id&brand.name=a%00b",
        "/store/products/%00",
    ] {
        let answer = c.get(path).await;
        assert!(
            answer.0.is_client_error(),
            "{path}: {} {}",
            answer.0,
            answer.1
        );
    }
    assert_refused(
        &c.post(
            "/admin/links",
            json!({"product": {"product_id": "prod_tee\u{0}"}, "brand": {"brand_id": "brand_acme"}}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "a NUL in a link id",
    );
    assert_refused(
        &c.post(
            "/admin/products",
            json!({"title": "Nul\u{0}", "price": 100}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "a NUL in a title",
    );
    // An id longer than link tables hold, echoed cut.
    let answer = c
        .post(
            "/admin/products",
            json!({"id": "p".repeat(1_000_000), "title": "Long", "price": 1}),
        )
        .await;
    assert_refused(&answer, StatusCode::BAD_REQUEST, "a 1 MB id");

    // A failure of ours: the brand table is gone. A 500 that says nothing of the database.
    sea_orm::ConnectionTrait::execute_unprepared(
        &running.db,
        "ALTER TABLE brand RENAME TO brand_moved",
    )
    .await
    .expect("rename");
    let (status, body) = c.get("/store/products?fields=id,brand.name").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(
        body,
        json!({"type": "unknown_error", "message": "An unknown error occurred."})
    );
    sea_orm::ConnectionTrait::execute_unprepared(
        &running.db,
        "ALTER TABLE brand_moved RENAME TO brand",
    )
    .await
    .expect("rename back");
    let (status, _) = c.get("/store/products?fields=id,brand.name").await;
    assert_eq!(status, StatusCode::OK, "and the server is still up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_text_never_reaches_a_client_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    );
    let running = serve(url).await;
    exercise(&Client::new(&running), &running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_text_never_reaches_a_client_on_postgres() {
    let Ok(url) = std::env::var("LINK_TEST_POSTGRES_URL") else {
        eprintln!("storefront errors on PostgreSQL skipped: LINK_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin = sea_orm::Database::connect(&url).await.expect("connect");
    for sql in [
        "DROP SCHEMA IF EXISTS sf_errors CASCADE",
        "CREATE SCHEMA sf_errors",
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(&admin, sql)
            .await
            .expect(sql);
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    let running = serve(format!(
        "{url}{separator}options=-c%20search_path%3Dsf_errors"
    ))
    .await;
    exercise(&Client::new(&running), &running).await;
}

/// A second storefront on ports the first holds fails with the address taken and the flag that
/// picks another, and by default its CMS service takes a free port (two run side by side).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_is_named_with_the_flag_that_changes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let first = serve(url("first.db")).await;
    let config = |port: u16, cms_port: u16| storefront::app::Config {
        database_url: url("second.db"),
        port,
        cms_port,
        admin_token: None,
    };
    let taken = |result: Result<storefront::app::Running, storefront::app::BoxError>| match result {
        Ok(running) => panic!("started on a port in use: {}", running.addr),
        Err(e) => e.to_string(),
    };
    let message = taken(storefront::app::start(&config(first.addr.port(), 0)).await);
    assert!(
        message.starts_with(&format!("cannot serve the storefront on {}: ", first.addr))
            && message.ends_with("; pick another port with --port"),
        "{message}"
    );
    let message = taken(storefront::app::start(&config(0, first.cms_addr.port())).await);
    assert!(
        message.starts_with(&format!(
            "cannot serve the CMS service on {}: ",
            first.cms_addr
        )) && message
            .ends_with("; pick another port with --cms-port (or leave it out for a free one)"),
        "{message}"
    );
}
