//! The server-rendered pages: each page's sections as a shopper reads them over HTTP, then the
//! pages as headless Chromium renders them, reached by following the links between them, with
//! a screenshot of each saved for review.

// A failing test panics on purpose.
#![allow(clippy::panic)]

mod common;

use common::browser::Browser;
use common::serve;
use reqwest::StatusCode;

/// The HTML of `path`, and its status.
async fn html(base: &str, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{base}{path}")).await.expect("GET");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The element of `page` that begins with `start`, up to its `end` tag.
fn element<'p>(page: &'p str, start: &str, end: &str) -> &'p str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("no `{start}` in {page}"));
    let to = page[at..].find(end).map_or(page.len(), |to| at + to);
    &page[at..to]
}

/// The text of the `<section id="…">` of `page`.
fn section<'p>(page: &'p str, id: &str) -> &'p str {
    element(page, &format!("<section id=\"{id}\">"), "</section>")
}

/// The row of the admin page's links table for `product`.
fn row<'p>(page: &'p str, product: &str) -> &'p str {
    element(page, &format!("<tr id=\"row-{product}\">"), "</tr>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_record_page_shows_a_section_per_kind_of_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = serve(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    ))
    .await;
    let base = format!("http://{}", running.addr);

    let (status, tee) = html(&base, "/products/tee").await;
    assert_eq!(status, StatusCode::OK, "{tee}");
    assert!(tee.contains("<h1 id=\"title\">Classic Tee</h1>"), "{tee}");
    let brand = section(&tee, "brand");
    assert!(
        brand.contains("stored link")
            && brand.contains("<a href=\"/brands/brand_acme\">Acme</a> (featured)"),
        "{brand}"
    );
    assert!(
        section(&tee, "posts").contains("Caring for your tee"),
        "{tee}"
    );
    let reviews = section(&tee, "reviews");
    assert!(reviews.contains("read-only"), "{reviews}");
    // Best first, each with its customer (a second read-only hop).
    let ada = reviews.find("5/5 Perfect fit.").expect("Ada's review");
    let alan = reviews.find("4/5").expect("Alan's review");
    assert!(ada < alan, "{reviews}");
    assert!(
        reviews.contains("<a href=\"/customers/cus_ada\">Ada</a>"),
        "{reviews}"
    );
    let channels = section(&tee, "sales-channels");
    assert!(
        channels.contains("many-to-many") && channels.contains("Web (position 0)"),
        "{channels}"
    );
    assert!(
        section(&tee, "cms-page").contains("The tee we wear every day"),
        "{tee}"
    );

    // The inverse side: a brand's products, featured first.
    let (status, acme) = html(&base, "/brands/brand_acme").await;
    assert_eq!(status, StatusCode::OK, "{acme}");
    let products = section(&acme, "products");
    let first = products.find("<li>").expect("a product");
    assert!(
        products[first..]
            .starts_with("<li><a href=\"/products/tee\">Classic Tee</a> $25.00 (featured)"),
        "{products}"
    );
    assert_eq!(products.matches("<li>").count(), 4, "{products}");

    let (status, ada) = html(&base, "/customers/cus_ada").await;
    assert_eq!(status, StatusCode::OK, "{ada}");
    assert!(
        section(&ada, "wishlist").contains("Ada&#39;s wishlist"),
        "{ada}"
    );

    // A product with no brand, no post, no review, no page: each section says so.
    let (_, poster) = html(&base, "/products/poster").await;
    for empty in ["No brand.", "No posts.", "No reviews.", "No CMS page."] {
        assert!(poster.contains(empty), "{empty}: {poster}");
    }

    // The link graph, drawn on the server: every model, every link, read-only ones dashed.
    let (status, graph) = html(&base, "/links").await;
    assert_eq!(status, StatusCode::OK, "{graph}");
    for label in [
        "product · product",
        "sales_channel · sales_channel",
        "cms_page · cms",
        "ProductBrand n:1",
        "CustomerWishlist 1:1 · cascade → wishlist",
        "ProductReviews 1:n · read-only",
    ] {
        assert!(graph.contains(label), "{label}: {graph}");
    }
    assert!(
        graph.contains("stroke-dasharray"),
        "read-only links are dashed"
    );

    // Unknown records are a 404 that names them.
    for (path, what) in [
        ("/products/nope", "no product `nope`"),
        ("/brands/nope", "no brand `nope`"),
        ("/customers/nope", "no customer `nope`"),
    ] {
        let (status, body) = html(&base, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains(what), "{path}: {body}");
    }
}

/// The first `href="…"` of `page` that starts with `prefix`.
fn link<'p>(page: &'p str, prefix: &str) -> &'p str {
    let needle = format!("href=\"{prefix}");
    let start = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no link to {prefix}… in {page}"))
        + "href=\"".len();
    let end = page[start..]
        .find('"')
        .map_or(page.len(), |end| start + end);
    &page[start..end]
}

/// JavaScript that clicks the link to `href`, as a user would.
fn click(href: &str) -> String {
    format!("document.querySelector('a[href=\"{href}\"]').click()")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_as_headless_chromium_shows_them() {
    let Some(chromium) = common::browser::chromium() else {
        eprintln!(
            "page test skipped: no Chromium (`apt-get install chromium`; .ci/run installs it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let running = serve(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    ))
    .await;
    let base = format!("http://{}", running.addr);
    // Screenshots for review, where cargo keeps the tests' output.
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("storefront-pages");
    std::fs::create_dir_all(&shots).expect("the screenshot directory");
    let mut browser = Browser::launch(chromium).await;

    let home = browser.open(&format!("{base}/")).await;
    browser.screenshot(&shots.join("storefront.png")).await;
    assert!(home.contains("<p id=\"count\">12 products</p>"), "{home}");
    assert!(home.contains("Baseball Cap"), "{home}");
    assert!(home.contains("Page 1 of 2"), "{home}");
    // The brand filter, chosen and submitted.
    let acme = browser
        .act("document.querySelector('select[name=brand]').value = 'Acme'; document.forms[0].submit()")
        .await;
    browser.screenshot(&shots.join("storefront-acme.png")).await;
    assert!(acme.contains("<p id=\"count\">4 products</p>"), "{acme}");
    assert!(acme.contains("5/5 — Perfect fit."), "{acme}");
    assert!(!acme.contains("Baseball Cap"), "{acme}");
    browser.open(&format!("{base}/")).await;
    let second = browser
        .act("document.querySelector('a[rel=next]').click()")
        .await;
    assert!(second.contains("Page 2 of 2") && second.contains("rel=\"prev\""));

    // From the list to a product, to its brand, back to a product, to a reviewer.
    browser.open(&format!("{base}/?brand=Acme")).await;
    let tee = browser.act(&click("/products/tee")).await;
    browser.screenshot(&shots.join("product.png")).await;
    assert!(tee.contains("<h1 id=\"title\">Classic Tee</h1>"), "{tee}");
    assert!(tee.contains("The tee we wear every day"), "{tee}");
    let brand = browser.act(&click(link(&tee, "/brands/"))).await;
    browser.screenshot(&shots.join("brand.png")).await;
    assert!(brand.contains("<h1 id=\"title\">Acme</h1>"), "{brand}");
    assert!(brand.contains("(featured)"), "{brand}");
    let tee = browser.act(&click("/products/tee")).await;
    let customer = browser.act(&click(link(&tee, "/customers/"))).await;
    browser.screenshot(&shots.join("customer.png")).await;
    assert!(customer.contains("<h1 id=\"title\">Ada</h1>"), "{customer}");
    assert!(customer.contains("wishlist"), "{customer}");
    // The picture of the link graph, reached from every page's navigation.
    let graph = browser.act(&click("/links")).await;
    browser.screenshot(&shots.join("links.png")).await;
    assert!(graph.contains("<svg"), "{graph}");
    for label in [
        "product · product",
        "brand · brand",
        "cms_page · cms",
        "ProductBrand n:1",
    ] {
        assert!(graph.contains(label), "{label}: {graph}");
    }

    // The admin page: a form filled in and submitted, and what the page then shows.
    browser.act(&click("/admin")).await;
    browser.screenshot(&shots.join("admin.png")).await;
    let linked = browser
        .act(
            "const f = document.querySelector('#brand-form form'); \
             f.product.value = 'prod_poster'; f.brand.value = 'brand_globex'; \
             f.querySelector('button[value=link]').click()",
        )
        .await;
    browser.screenshot(&shots.join("admin-linked.png")).await;
    assert!(
        linked.contains("Linked prod_poster to brand_globex."),
        "{linked}"
    );
    assert!(row(&linked, "prod_poster").contains("Globex"), "{linked}");
    // The same product to a second brand: the library's refusal, on the page.
    let refused = browser
        .act(
            "const f = document.querySelector('#brand-form form'); \
             f.product.value = 'prod_poster'; f.brand.value = 'brand_acme'; \
             f.querySelector('button[value=link]').click()",
        )
        .await;
    browser.screenshot(&shots.join("admin-refused.png")).await;
    assert!(
        refused.contains("id=\"error\"")
            && refused.contains("already linked to brand brand_globex"),
        "{refused}"
    );
    // A delete shows what the cascade removed; restore brings it back.
    let deleted = browser
        .act(
            "const f = document.querySelector('#delete-form form'); \
             f.product.value = 'prod_tee'; f.submit()",
        )
        .await;
    browser.screenshot(&shots.join("admin-deleted.png")).await;
    assert!(
        deleted.contains("Deleted blog.post: post_tee_care, post_tee_story"),
        "{deleted}"
    );
    let restored = browser
        .act(
            "const f = document.querySelectorAll('#delete-form form')[1]; \
             f.product.value = 'prod_tee'; f.submit()",
        )
        .await;
    assert!(
        restored.contains("Restored product.product: prod_tee")
            && row(&restored, "prod_tee").contains("Acme (featured)"),
        "{restored}"
    );
    eprintln!("screenshots: {}", shots.display());
}

/// A form post as a browser sends it, and the page it answers with.
async fn post_form(base: &str, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .form(form)
        .send()
        .await
        .expect("POST");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_links_unlinks_deletes_and_restores_with_the_librarys_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = serve(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    ))
    .await;
    let base = format!("http://{}", running.addr);
    let (status, admin) = html(&base, "/admin").await;
    assert_eq!(status, StatusCode::OK, "{admin}");
    assert!(
        row(&admin, "prod_tee").contains("Acme (featured)"),
        "{admin}"
    );

    let brand = |product: &'static str, brand: &'static str, action: &'static str| {
        let base = base.clone();
        async move {
            post_form(
                &base,
                "/admin/forms/brand",
                &[("product", product), ("brand", brand), ("action", action)],
            )
            .await
        }
    };
    let (status, linked) = brand("prod_poster", "brand_acme", "link").await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert!(
        linked.contains("Linked prod_poster to brand_acme."),
        "{linked}"
    );
    assert!(row(&linked, "prod_poster").contains("Acme"), "{linked}");
    // A second brand for a product: the library's conflict, as the page shows it.
    let (status, refused) = brand("prod_poster", "brand_globex", "link").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused.contains("role=\"alert\"")
            && refused.contains("already linked to brand brand_acme"),
        "{refused}"
    );
    // A record that does not exist.
    let (status, missing) = brand("prod_nope", "brand_acme", "link").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
    assert!(missing.contains("prod_nope"), "{missing}");
    let (_, unlinked) = brand("prod_poster", "brand_acme", "unlink").await;
    assert!(
        unlinked.contains("Unlinked prod_poster from brand_acme."),
        "{unlinked}"
    );
    // The same call again (a retry) changes nothing, and says so.
    let (status, again) = brand("prod_poster", "brand_acme", "unlink").await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert!(again.contains("were not linked"), "{again}");
    assert!(
        row(&unlinked, "prod_poster").contains("<td>—</td>"),
        "{unlinked}"
    );

    // A sales channel at a position, and moved.
    for position in ["5", "2"] {
        let (status, placed) = post_form(
            &base,
            "/admin/forms/channel",
            &[
                ("product", "prod_tee"),
                ("channel", "sc_retail"),
                ("position", position),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{placed}");
        assert!(
            placed.contains(&format!("prod_tee is in sc_retail at position {position}."))
                && row(&placed, "prod_tee").contains(&format!("Retail @{position}")),
            "{placed}"
        );
    }

    // Medusa's JSON shape with the sides the wrong way round: the library's message.
    let wrong =
        r#"{"brand": {"brand_id": "brand_acme"}, "product": {"product_id": "prod_poster"}}"#;
    let (status, refused) = post_form(&base, "/admin/forms/json", &[("json", wrong)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.contains("declared with product first"), "{refused}");

    // A delete shows what the cascade removed; the restore brings exactly that back.
    let (status, deleted) =
        post_form(&base, "/admin/forms/delete", &[("product", "prod_tee")]).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    for removed in [
        "Deleted product.product: prod_tee",
        "Deleted blog.post: post_tee_care, post_tee_story",
        "Deleted link ProductBrand: prod_tee → brand_acme",
    ] {
        assert!(deleted.contains(removed), "{removed}: {deleted}");
    }
    assert!(!deleted.contains("row-prod_tee"), "{deleted}");
    let (status, restored) =
        post_form(&base, "/admin/forms/restore", &[("product", "prod_tee")]).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert!(
        restored.contains("Restored product.product: prod_tee")
            && row(&restored, "prod_tee").contains("Acme (featured)"),
        "{restored}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_admin_token_every_admin_route_needs_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = storefront::app::start(&storefront::app::Config {
        database_url: format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("store.db").display()
        ),
        port: 0,
        cms_port: 0,
        admin_token: Some("s3cret".into()),
    })
    .await
    .unwrap_or_else(|e| panic!("start: {e}"));
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Without it: the page answers with the sign-in form, the JSON routes with JSON.
    let (status, page) = html(&base, "/admin").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("action=\"/admin/sign-in\""), "{page}");
    let json = http
        .get(format!("{base}/admin/links"))
        .send()
        .await
        .expect("GET");
    assert_eq!(json.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = json.json().await.unwrap_or_default();
    assert_eq!(body["type"], "unauthorized", "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Authorization: Bearer")),
        "{body}"
    );
    let (status, _) = post_form(&base, "/admin/forms/delete", &[("product", "prod_tee")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a form post needs it too");
    let wrong = http
        .get(format!("{base}/admin/links"))
        .bearer_auth("guess")
        .send()
        .await
        .expect("GET");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // With it, as a bearer token or through the sign-in form's cookie.
    let right = http
        .get(format!("{base}/admin/links"))
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("GET");
    assert_eq!(right.status(), StatusCode::OK);
    let signed = http
        .post(format!("{base}/admin/sign-in"))
        .form(&[("token", "s3cret")])
        .send()
        .await
        .expect("POST");
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string();
    let admin = http
        .get(format!("{base}/admin"))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .expect("GET");
    assert_eq!(admin.status(), StatusCode::OK);
    let bad = post_form(&base, "/admin/sign-in", &[("token", "nope")]).await;
    assert_eq!(bad.0, StatusCode::UNAUTHORIZED);

    // The shop stays open.
    let (status, _) = html(&base, "/products/tee").await;
    assert_eq!(status, StatusCode::OK);
}
