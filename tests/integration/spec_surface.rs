//! The library's surface, written from the SPEC before reading the code: Medusa's table names
//! for module and model names in other forms (medusa-behaviour §1.2), the sea-orm-migration
//! adapter beside an application's own migrations (SPEC §10), and the storefront's HTTP errors
//! on every backend (SPEC §11), on SQLite, PostgreSQL and MariaDB.

mod common;
mod spec_helpers;

use link_runtime::migration::LinkTables;
use link_runtime::{Links, ListFilter, define_link};
use link_tests::links::{ProductBrand, ProductTag};
use link_tests::models::{brand, product, tag};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, Schema};
use sea_orm_migration::prelude::*;
use serde_json::{Value, json};

mod widget {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "widget")]
    #[linkable(module = "catalog_service")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod gadget {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "gadget")]
    #[linkable(module = "gadget_id")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod ticket {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "ticket_service")]
    #[linkable(module = "help_desk")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod gizmo {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "gizmo")]
    #[linkable(module = "gizmos_id", key = "gizmo_ref")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod part {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "part")]
    #[linkable(module = "parts_service_id")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod review {
    use link_runtime::Linkable;
    use sea_orm::entity::prelude::*;

    /// A model of a module with a camelCase name, as Medusa allows (`productReviewService`).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "review")]
    #[linkable(module = "productReviewService")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

define_link! { pub ReviewProduct: review::Model [is_list] => product::Model }

define_link! { pub WidgetGadget: widget::Model [is_list] => gadget::Model }
define_link! { pub TicketGizmo: ticket::Model [is_list] => gizmo::Model [is_list] }
define_link! { pub PartWidget: part::Model => widget::Model }

/// Medusa's module names may be camelCase (its `validateModuleName`: letters, digits and `_`);
/// the table name strips `Service` and lowercases, so `productReviewService` ↔ `product` is
/// `productreview_review_product_product`, and the module's name keys the JSON shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camel_case_module_names_name_tables_as_medusa_does() {
    for t in test_databases("spec_s_camel_module").await {
        let schema = Schema::new(t.sea_backend());
        t.db.execute(&schema.create_table_from_entity(review::Entity))
            .await
            .expect("review table");
        t.exec("INSERT INTO review (id) VALUES ('rv1')").await;
        t.products(&["p1"]).await;
        let links = Links::builder(t.db.clone())
            .module("productReviewService")
            .module("product")
            .link::<ReviewProduct>()
            .build()
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            links.table_name::<ReviewProduct>().ok(),
            Some("productreview_review_product_product"),
            "{:?}",
            t.backend
        );
        links
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let shape =
            json!({"productReviewService": {"review_id": "rv1"}, "product": {"product_id": "p1"}});
        for _ in 0..2 {
            links
                .create_json(&t.db, &shape)
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        }
        let rows = links
            .list_json(
                &t.db,
                &json!({"productReviewService": {"review_id": "rv1"}}),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows, vec![shape.clone()], "{:?}", t.backend);
    }
}

/// medusa-behaviour §1.2: "`composeTableName(...parts)`: strip a trailing `_id` or `Service`
/// (regex `/(_id|Service)$/gi`) from each part, then join with `_`", then `.toLowerCase()`;
/// SPEC §6 link tables have Medusa's name. (camelCase module names, `…Service` ones included,
/// are in `camel_case_module_names_name_tables_as_medusa_does`.) Names computed by hand:
/// - catalog_service, widget_id, gadget_id, gadget_id → `catalog_` (the `i` flag strips
///   `service`), `widget`, `gadget`, `gadget` → catalog__widget_gadget_gadget;
/// - help_desk, ticket_service_id, gizmos_id, gizmo_ref → help_desk_ticket_service_gizmos_gizmo_ref
///   (one pass: `ticket_service_id` loses `_id` only; a custom key keeps its `_ref`);
/// - parts_service_id, part_id, catalog_service, widget_id → parts_service_part_catalog__widget
///   (the regex strips once: `_id`, and `_service` before it stays).
///
/// The tables are created under those names on every backend and take links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_names_strip_id_and_service_as_medusa_does_whatever_the_case() {
    let expected = [
        ("WidgetGadget", "catalog__widget_gadget_gadget"),
        ("TicketGizmo", "help_desk_ticket_service_gizmos_gizmo_ref"),
        ("PartWidget", "parts_service_part_catalog__widget"),
    ];
    for t in test_databases("probe_s_naming").await {
        let schema = Schema::new(t.sea_backend());
        for stmt in [
            schema.create_table_from_entity(widget::Entity),
            schema.create_table_from_entity(gadget::Entity),
            schema.create_table_from_entity(ticket::Entity),
            schema.create_table_from_entity(gizmo::Entity),
            schema.create_table_from_entity(part::Entity),
        ] {
            t.db.execute(&stmt).await.expect("create module table");
        }
        for (table, id) in [
            ("widget", "w1"),
            ("gadget", "g1"),
            ("ticket_service", "t1"),
            ("gizmo", "z1"),
            ("part", "p1"),
        ] {
            t.exec(&format!("INSERT INTO {table} (id) VALUES ('{id}')"))
                .await;
        }
        let links = Links::builder(t.db.clone())
            .application("probe_naming")
            .module("catalog_service")
            .module("gadget_id")
            .module("help_desk")
            .module("gizmos_id")
            .module("parts_service_id")
            .link::<WidgetGadget>()
            .link::<TicketGizmo>()
            .link::<PartWidget>()
            .build()
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let got = [
            links.table_name::<WidgetGadget>().map(String::from),
            links.table_name::<TicketGizmo>().map(String::from),
            links.table_name::<PartWidget>().map(String::from),
        ];
        for ((link, want), got) in expected.iter().zip(got) {
            assert_eq!(
                got.as_deref().ok(),
                Some(*want),
                "{:?}: {link}: {got:?}",
                t.backend
            );
        }
        links
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        for (link, want) in expected {
            assert!(
                !t.columns(want).await.is_empty(),
                "{:?}: {link}: no table {want}",
                t.backend
            );
        }
        assert!(
            t.columns("help_desk_ticket_service_gizmos_gizmo_ref")
                .await
                .contains(&"gizmo_ref".to_string()),
            "{:?}: the custom key is the column",
            t.backend
        );
        links
            .create(
                &t.db,
                WidgetGadget::new(widget::Model::key("w1"), gadget::Model::key("g1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        links
            .create(
                &t.db,
                TicketGizmo::new(ticket::Model::key("t1"), gizmo::Model::key("z1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        links
            .create(
                &t.db,
                PartWidget::new(part::Model::key("p1"), widget::Model::key("w1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let rows = links
            .list_json(&t.db, &json!({"gizmo": {"gizmo_ref": "z1"}}))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows.len(), 1, "{:?}: {rows:?}", t.backend);
        assert!(
            links.plan().await.expect("plan").is_up_to_date(),
            "{:?}",
            t.backend
        );
    }
}

/// An application's own migration: a table of its own, and a row in it.
struct AppNotes;

impl MigrationName for AppNotes {
    fn name(&self) -> &str {
        "m20260101_000001_app_notes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AppNotes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("app_note")
                    .if_not_exists()
                    .col(ColumnDef::new("id").string_len(64).not_null().primary_key())
                    .col(ColumnDef::new("body").string_len(255).not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("app_note").to_owned())
            .await
    }
}

fn first_links() -> LinkTables {
    LinkTables::new("m20260101_000002_link_tables", |links| {
        links
            .application("probe_app")
            .module("product")
            .module("brand")
            .link::<ProductBrand>()
    })
}

fn second_links() -> LinkTables {
    LinkTables::new("m20260201_000001_link_tables", |links| {
        links
            .application("probe_app")
            .module("product")
            .module("brand")
            .module("tag")
            .link::<ProductBrand>()
            .link::<ProductTag>()
    })
}

struct FirstMigrator;

impl MigratorTrait for FirstMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(AppNotes), Box::new(first_links())]
    }
}

/// The same application later: one more link, declared in a new `LinkTables` migration.
struct SecondMigrator;

impl MigratorTrait for SecondMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(AppNotes),
            Box::new(first_links()),
            Box::new(second_links()),
        ]
    }
}

fn runtime_links(t: &TestDb) -> Links {
    Links::builder(t.db.clone())
        .application("probe_app")
        .module("product")
        .module("brand")
        .module("tag")
        .link::<ProductBrand>()
        .link::<ProductTag>()
        .build()
        .expect("registry")
}

/// SPEC §10 "An adapter for sea-orm-migration, so an application's existing migrator can apply
/// link tables"; its docs: "the tables a migration creates are owned under that name", "A
/// migrator runs each named migration once: when the declarations change, add another
/// `LinkTables` with a new name (it applies only what changed)"; §10 "running it again does
/// nothing". Beside the application's own migration, whose table and rows stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migrator_adapter_applies_link_tables_beside_the_apps_own_migrations() {
    for t in test_databases("probe_s_migrator").await {
        FirstMigrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        t.exec("INSERT INTO app_note (id, body) VALUES ('n1', 'kept')")
            .await;
        let table = "product_product_brand_brand";
        assert!(!t.columns(table).await.is_empty(), "{:?}", t.backend);
        assert_eq!(
            t.texts(&format!(
                "SELECT application FROM link_table_owners WHERE table_name = '{table}'"
            ))
            .await,
            vec!["probe_app".to_string()],
            "{:?}: owned under the application's name",
            t.backend
        );
        // Records and a link, written through the runtime registry.
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        let links = runtime_links(&t);
        links
            .create(
                &t.db,
                ProductBrand::new(product::Model::key("p1"), brand::Model::key("b1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        // Running the same migrator again does nothing.
        t.take_statements();
        FirstMigrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: second up: {e}", t.backend));
        let again = t.take_statements();
        assert!(
            again.iter().all(|sql| {
                let sql = sql.to_lowercase();
                sql.contains("seaql_migrations")
                    || !sql.starts_with("create")
                        && !sql.starts_with("alter")
                        && !sql.starts_with("drop")
            }),
            "{:?}: a second up changed the schema: {again:#?}",
            t.backend
        );
        // The application's later migrator adds the product–tag link, and only that.
        assert!(t.columns("product_product_tag_tag").await.is_empty());
        SecondMigrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            !t.columns("product_product_tag_tag").await.is_empty(),
            "{:?}",
            t.backend
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM seaql_migrations").await,
            3,
            "{:?}",
            t.backend
        );
        assert_eq!(
            t.live_pairs::<ProductBrand>(&links).await.len(),
            1,
            "{:?}: the first link's rows are kept",
            t.backend
        );
        assert_eq!(
            t.texts("SELECT body FROM app_note").await,
            vec!["kept".to_string()],
            "{:?}",
            t.backend
        );
        links
            .create(
                &t.db,
                ProductTag::new(product::Model::key("p1"), tag::Model::key("t1")),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(
            links.plan().await.expect("plan").is_up_to_date(),
            "{:?}: the runtime registry agrees with what the migrator applied",
            t.backend
        );
        assert_eq!(
            links
                .list(&t.db, ListFilter::<ProductTag>::all())
                .await
                .expect("list")
                .len(),
            1
        );
        SecondMigrator::up(&t.db, None)
            .await
            .unwrap_or_else(|e| panic!("{:?}: third up: {e}", t.backend));
    }
}

/// The text a database's own message carries, which §11 says an HTTP client never sees.
const DB_TEXT: [&str; 8] = [
    "sqlx",
    "sqlstate",
    "error returned from database",
    "syntax error",
    "you have an error in your sql",
    "no such table",
    "violates",
    "duplicate entry",
];

async fn http(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<(&str, String)>,
) -> (u16, String) {
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// SPEC §11 "an HTTP layer never sends a database's own message to a client (a 500 says
/// "internal error" …)" and the README's storefront API ("Errors are `{"type": …, "message":
/// …}` with 400, 404 or 409 (415 for a body not sent as JSON)"): bad requests of every kind,
/// on every backend the storefront can run on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storefront_answers_bad_requests_with_4xx_and_never_database_text() {
    let mut urls = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    urls.push((
        "Sqlite",
        format!("sqlite://{}?mode=rwc", dir.path().join("sf.db").display()),
    ));
    if let Ok(url) = std::env::var("LINK_TEST_POSTGRES_URL") {
        let admin = sea_orm::Database::connect(&url).await.expect("connect");
        for sql in [
            "DROP SCHEMA IF EXISTS probe_sf CASCADE",
            "CREATE SCHEMA probe_sf",
        ] {
            admin.execute_unprepared(sql).await.expect(sql);
        }
        let separator = if url.contains('?') { '&' } else { '?' };
        urls.push((
            "Postgres",
            format!("{url}{separator}options=-c%20search_path%3Dprobe_sf"),
        ));
    }
    if let Ok(url) = std::env::var("LINK_TEST_MYSQL_URL") {
        let admin = sea_orm::Database::connect(&url).await.expect("connect");
        for sql in [
            "DROP DATABASE IF EXISTS probe_sf",
            "CREATE DATABASE probe_sf CHARACTER SET utf8mb4",
        ] {
            admin.execute_unprepared(sql).await.expect(sql);
        }
        let base = url.split('?').next().unwrap_or(&url);
        let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(base);
        urls.push(("MySql", format!("{server}/probe_sf")));
    }
    let many: Vec<String> = (0..10_001).map(|n| format!("{n:x}")).collect();
    let long = "x".repeat(20_000);
    let get_cases: Vec<(String, &[u16])> = vec![
        ("/store/products?fields=id,nope".into(), &[400]),
        ("/store/products?fields=id&nolink.name=x".into(), &[400]),
        ("/store/products?fields=id&brand.nope=x".into(), &[400]),
        ("/store/products?fields=id&price[$like]=1%25".into(), &[400]),
        ("/store/products?fields=id&price[$gt]=abc".into(), &[400]),
        ("/store/products?fields=id&price=1e400".into(), &[400]),
        ("/store/products?fields=id&title[$bogus]=x".into(), &[400]),
        ("/store/products?fields=id&title=%00".into(), &[400]),
        ("/store/products?fields=id&brand.name=%00x".into(), &[400]),
        (
            "/store/products?fields=id&order=-reviews.rating".into(),
            &[400],
        ),
        (
            "/store/products?fields=id&order=sales_channels.name".into(),
            &[400],
        ),
        ("/store/products?fields=id&order=nope".into(), &[400]),
        (
            format!("/store/products?fields=id&id[$in]={}", many.join(",")),
            &[400],
        ),
        (
            format!("/store/products?fields=id&title={long}"),
            &[200, 400, 414, 431],
        ),
        (
            "/store/products?fields=id&title[$like]=%25'%3B%20DROP%20TABLE%20product%3B--".into(),
            &[200],
        ),
        (
            "/store/products?fields=id&brand.name[$ilike]=ACME".into(),
            &[200],
        ),
        (
            "/store/products?fields=id&brand.id[$nin]=a,b".into(),
            &[200],
        ),
        ("/store/products?fields=id&$or=x".into(), &[400]),
        ("/store/products/nope?fields=id".into(), &[404]),
        ("/store/products/%00?fields=id".into(), &[400, 404]),
    ];
    let post_cases: Vec<(&str, &str, String, &[u16])> = vec![
        ("/admin/links", "application/json", "{".into(), &[400]),
        ("/admin/links", "text/plain", "{}".into(), &[415]),
        (
            "/admin/links",
            "application/json",
            json!({"nolink": {"x_id": "1"}, "other": {"y_id": "2"}}).to_string(),
            &[400],
        ),
        (
            "/admin/links",
            "application/json",
            json!({"product": {"product_id": "prod_tee"}, "brand": {"brand_id": "nope"}})
                .to_string(),
            &[404],
        ),
        (
            "/admin/links",
            "application/json",
            json!({"product": {"product_id": "prod_tee\u{0}"}, "brand": {"brand_id": "b"}})
                .to_string(),
            &[400],
        ),
        (
            "/admin/links",
            "application/json",
            json!({"product": {"product_id": 7}, "brand": {"brand_id": ["a", {"b": 1}]}})
                .to_string(),
            &[400],
        ),
        ("/admin/links", "application/json", "[]".into(), &[400, 200]),
        (
            "/admin/links/dismiss",
            "application/json",
            json!({"product": {"product_id": "prod_tee"}, "nolink": {"x": "y"}}).to_string(),
            &[400],
        ),
        (
            "/admin/products",
            "application/json",
            json!({"id": "x\u{0}", "title": "t"}).to_string(),
            &[400, 422],
        ),
    ];
    let mut wrong = Vec::new();
    for (backend, url) in urls {
        let running = match storefront::app::start(&storefront::app::Config {
            database_url: url.clone(),
            port: 0,
            cms_port: 0,
            admin_token: None,
        })
        .await
        {
            Ok(running) => running,
            Err(e) => {
                wrong.push(format!("{backend}: the storefront does not start: {e}"));
                continue;
            }
        };
        let client = reqwest::Client::new();
        let base = format!("http://{}", running.addr);
        let mut answers = Vec::new();
        for (path, allowed) in &get_cases {
            let answer = http(&client, &base, reqwest::Method::GET, path, None).await;
            let shown: String = path.chars().take(70).collect();
            answers.push((shown, allowed.to_vec(), answer));
        }
        for (path, content_type, body, allowed) in &post_cases {
            let answer = http(
                &client,
                &base,
                reqwest::Method::POST,
                path,
                Some((content_type, body.clone())),
            )
            .await;
            let shown: String = format!("POST {path} {body}").chars().take(90).collect();
            answers.push((shown, allowed.to_vec(), answer));
        }
        for (what, allowed, (status, body)) in answers {
            let lower = body.to_lowercase();
            let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let leaked = DB_TEXT.iter().find(|d| lower.contains(*d));
            if !allowed.contains(&status) || leaked.is_some() {
                wrong.push(format!(
                    "{backend}: {what}: {status} (allowed {allowed:?}) {}",
                    body.chars().take(300).collect::<String>()
                ));
            }
            if status >= 400 && status != 414 && status != 431 && Value::is_null(&parsed["message"])
            {
                wrong.push(format!(
                    "{backend}: {what}: {status} without a message: {}",
                    body.chars().take(200).collect::<String>()
                ));
            }
        }
        // Still up.
        let (status, _) = http(
            &client,
            &base,
            reqwest::Method::GET,
            "/store/products?fields=id",
            None,
        )
        .await;
        if status != 200 {
            wrong.push(format!(
                "{backend}: the server is down after the bad requests"
            ));
        }
        running.server.abort();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
