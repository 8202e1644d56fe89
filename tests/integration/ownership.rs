//! Who owns a link table (SPEC §10, issue 14): a plan drops or renames only a table its
//! application created and nobody else uses. Tables a Medusa backend tracks in
//! `link_module_migrations` and tables another application owns are foreign: listed, never
//! touched, their tracking rows never written. An apply of a reviewed plan whose drop is no
//! longer this application's to make is refused whole. On SQLite, PostgreSQL and MariaDB; a real
//! Medusa is in `medusa_interop`.

use link_runtime::cli::LinksCommand;
use link_runtime::{Apply, Error, LinkDefinition, Links, Plan, StepKind, define_link};
use link_tests::links::ProductBrand;
use link_tests::models::{product, tag};
use link_tests::{TestDb, test_databases};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

define_link! {
    /// A link only the Rust applications declare.
    pub ItemTags: product::Model [is_list] => tag::Model [is_list],
    table = "item_tags",
}

define_link! {
    /// The same link under a new table name.
    pub ItemTagsRenamed: product::Model [is_list] => tag::Model [is_list],
    table = "item_tag_links",
}

fn registry(
    t: &TestDb,
    application: &str,
    links: &[fn(link_runtime::LinksBuilder) -> link_runtime::LinksBuilder],
) -> Links {
    links
        .iter()
        .fold(
            Links::builder(t.db.clone())
                .application(application)
                .module("product")
                .module("brand")
                .module("tag"),
            |builder, add| add(builder),
        )
        .build()
        .expect("registry")
}

fn with<L: LinkDefinition>(builder: link_runtime::LinksBuilder) -> link_runtime::LinksBuilder {
    builder.link::<L>()
}

async fn plan(links: &Links, t: &TestDb) -> Plan {
    links
        .plan()
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
}

fn kinds(plan: &Plan) -> Vec<(StepKind, &str)> {
    plan.steps
        .iter()
        .map(|s| (s.kind, s.table.as_str()))
        .collect()
}

async fn exec(t: &TestDb, sql: &str) {
    t.db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", t.backend));
}

async fn texts(t: &TestDb, sql: &str) -> Vec<String> {
    t.db.query_all_raw(Statement::from_string(t.db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", t.backend))
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("text"))
        .collect()
}

async fn table_exists(t: &TestDb, table: &str) -> bool {
    let sql = match t.db.get_database_backend() {
        DbBackend::Postgres => format!(
            "SELECT CAST(table_name AS text) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
        DbBackend::MySql => format!(
            "SELECT CAST(table_name AS char) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'"
        ),
        _ => format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{table}'"),
    };
    !texts(t, &sql).await.is_empty()
}

/// What a Medusa backend leaves: its tracking table (Medusa's DDL, in each backend's types),
/// its own link table `cart_promotion` with a row, and the ProductBrand table as Medusa creates
/// it (no unique indexes) with a row, both tracked.
async fn medusa_was_here(t: &TestDb) {
    let tracking = match t.db.get_database_backend() {
        DbBackend::Postgres => {
            "CREATE TABLE link_module_migrations (id SERIAL PRIMARY KEY, table_name VARCHAR(255) NOT NULL UNIQUE, link_descriptor JSONB NOT NULL DEFAULT '{}', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        }
        DbBackend::MySql => {
            "CREATE TABLE link_module_migrations (id INT AUTO_INCREMENT PRIMARY KEY, table_name VARCHAR(255) NOT NULL UNIQUE, link_descriptor JSON NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        }
        _ => {
            "CREATE TABLE link_module_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, table_name VARCHAR(255) NOT NULL UNIQUE, link_descriptor TEXT NOT NULL DEFAULT '{}', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        }
    };
    exec(t, tracking).await;
    exec(t, "CREATE TABLE cart_promotion (cart_id VARCHAR(255) NOT NULL, promotion_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, deleted_at TIMESTAMP NULL, PRIMARY KEY (cart_id, promotion_id))").await;
    exec(t, "INSERT INTO cart_promotion (cart_id, promotion_id, id) VALUES ('cart_1', 'promo_1', 'cartpromo_1')").await;
    // Medusa's columns, in types every backend takes; no unique index.
    exec(t, "CREATE TABLE product_product_brand_brand (product_id VARCHAR(255) NOT NULL, brand_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, featured BOOLEAN NOT NULL DEFAULT false, position INTEGER NOT NULL DEFAULT 0, note TEXT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, deleted_at TIMESTAMP NULL, PRIMARY KEY (product_id, brand_id))").await;
    exec(t, "INSERT INTO product_product_brand_brand (product_id, brand_id, id) VALUES ('p1', 'b1', 'link_1')").await;
    exec(t, r#"INSERT INTO link_module_migrations (table_name, link_descriptor) VALUES ('cart_promotion', '{"fromModule":"cart","toModule":"promotion","fromModel":"cart","toModel":"promotions"}'), ('product_product_brand_brand', '{"fromModule":"product","toModule":"brand","fromModel":"product","toModel":"brand"}')"#).await;
}

async fn medusa_rows(t: &TestDb) -> Vec<String> {
    texts(
        t,
        "SELECT table_name FROM link_module_migrations ORDER BY table_name",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn medusa_tables_are_foreign_and_survive_every_apply() {
    for t in test_databases("own_medusa").await {
        medusa_was_here(&t).await;
        let app = registry(&t, "shop", &[with::<ProductBrand>, with::<ItemTags>]);
        let first = plan(&app, &t).await;
        assert_eq!(
            kinds(&first)
                .into_iter()
                .filter(|(kind, _)| *kind != StepKind::Unsafe)
                .collect::<Vec<_>>(),
            [
                (StepKind::Adopt, "product_product_brand_brand"),
                (StepKind::Create, "item_tags"),
                (StepKind::Foreign, "cart_promotion"),
            ],
            "{:?}: {first}",
            t.backend
        );
        let adopt = &first.steps[0];
        assert!(
            adopt.summary.contains("used by a Medusa backend"),
            "{:?}: {}",
            t.backend,
            adopt.summary
        );
        assert!(
            adopt
                .sql
                .iter()
                .all(|sql| !sql.contains("link_module_migrations")
                    && !sql.to_uppercase().contains("DROP")
                    && !sql.to_uppercase().contains("RENAME")),
            "{:?}: adopting writes no tracking row and drops nothing: {:?}",
            t.backend,
            adopt.sql
        );
        let shown = first.to_string();
        assert!(
            shown.contains("foreign cart_promotion: the link cart.cart → promotion.promotions, not declared here: used by a Medusa backend (it is tracked in `link_module_migrations`); left alone"),
            "{:?}: {shown}",
            t.backend
        );

        app.migrate().await.expect("migrate");
        assert!(plan(&app, &t).await.is_up_to_date(), "{:?}", t.backend);
        // Even All, with every step of the plan reviewed, leaves Medusa's tables alone.
        app.apply(&first, Apply::All).await.expect("apply all");
        assert_eq!(
            medusa_rows(&t).await,
            ["cart_promotion", "product_product_brand_brand"],
            "{:?}: Medusa's tracking rows as they were; ours are not among them",
            t.backend
        );
        assert_eq!(
            texts(&t, "SELECT id FROM cart_promotion").await,
            ["cartpromo_1"]
        );
        assert_eq!(
            texts(&t, "SELECT id FROM product_product_brand_brand").await,
            ["link_1"]
        );

        // The application stops declaring both links: the table it created goes (under All),
        // the one it adopted from Medusa stays, as does Medusa's own.
        let smaller = registry(&t, "shop", &[]);
        let shrink = plan(&smaller, &t).await;
        let mut found = kinds(&shrink);
        found.sort_by_key(|(kind, table)| (format!("{kind:?}"), *table));
        assert_eq!(
            found,
            [
                (StepKind::Drop, "item_tags"),
                (StepKind::Foreign, "cart_promotion"),
                (StepKind::Foreign, "product_product_brand_brand"),
            ],
            "{:?}: {shrink}",
            t.backend
        );
        smaller.apply(&shrink, Apply::All).await.expect("drop");
        assert!(!table_exists(&t, "item_tags").await, "{:?}", t.backend);
        assert!(table_exists(&t, "product_product_brand_brand").await);
        assert!(table_exists(&t, "cart_promotion").await);
        assert_eq!(
            medusa_rows(&t).await,
            ["cart_promotion", "product_product_brand_brand"]
        );
        assert!(plan(&smaller, &t).await.is_up_to_date(), "{:?}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_another_application_uses_is_never_dropped() {
    for t in test_databases("own_apps").await {
        let shop = registry(&t, "shop", &[with::<ProductBrand>, with::<ItemTags>]);
        shop.migrate().await.expect("shop");
        let blog = registry(&t, "blog", &[with::<ItemTags>]);
        let blog_plan = plan(&blog, &t).await;
        assert_eq!(
            kinds(&blog_plan),
            [
                (StepKind::Adopt, "item_tags"),
                (StepKind::Foreign, "product_product_brand_brand")
            ],
            "{:?}: {blog_plan}",
            t.backend
        );
        assert!(
            blog_plan.steps[1]
                .summary
                .contains("used by application `shop`"),
            "{}",
            blog_plan.steps[1].summary
        );

        // The shop reviews a plan that drops item_tags, which only it uses so far ...
        let shop_without = registry(&t, "shop", &[with::<ProductBrand>]);
        let reviewed = plan(&shop_without, &t).await;
        assert!(
            reviewed
                .steps
                .iter()
                .any(|s| s.kind == StepKind::Drop && s.table == "item_tags"),
            "{reviewed}"
        );
        // ... the blog adopts the table before it is applied: the apply is refused, whole.
        blog.migrate().await.expect("blog adopts");
        exec(
            &t,
            "INSERT INTO item_tags (product_id, tag_id, id) VALUES ('p1', 't1', 'link_blog')",
        )
        .await;
        let e = shop_without
            .apply(&reviewed, Apply::All)
            .await
            .expect_err("not the shop's to drop any more");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("would drop `item_tags`") && message.contains("used by application `blog`") && message.contains("nothing was applied")),
            "{:?}: {e}",
            t.backend
        );
        assert_eq!(texts(&t, "SELECT id FROM item_tags").await, ["link_blog"]);

        // Planned again, the table is foreign; All leaves it.
        let again = plan(&shop_without, &t).await;
        assert!(
            again
                .steps
                .iter()
                .any(|s| s.kind == StepKind::Foreign && s.table == "item_tags"),
            "{again}"
        );
        shop_without.apply(&again, Apply::All).await.expect("all");
        assert_eq!(texts(&t, "SELECT id FROM item_tags").await, ["link_blog"]);

        // Renaming it is not the shop's to do either: the new name is a new table.
        let renamed = registry(&t, "shop", &[with::<ProductBrand>, with::<ItemTagsRenamed>]);
        let rename = plan(&renamed, &t).await;
        let step = rename
            .steps
            .iter()
            .find(|s| s.table == "item_tag_links")
            .expect("a step for the new name");
        assert_eq!(step.kind, StepKind::Create, "{rename}");
        assert!(
            step.summary
                .contains("`item_tags`, kept for the same link by application `blog`"),
            "{}",
            step.summary
        );
        assert!(
            rename.steps.iter().all(|s| s.kind != StepKind::Rename),
            "{rename}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_this_application_created_renames_and_drops() {
    for t in test_databases("own_rename").await {
        registry(&t, "shop", &[with::<ItemTags>])
            .migrate()
            .await
            .expect("v1");
        exec(
            &t,
            "INSERT INTO item_tags (product_id, tag_id, id) VALUES ('p1', 't1', 'link_1')",
        )
        .await;
        let renamed = registry(&t, "shop", &[with::<ItemTagsRenamed>]);
        let rename = plan(&renamed, &t).await;
        assert_eq!(
            kinds(&rename),
            [(StepKind::Rename, "item_tag_links")],
            "{:?}: {rename}",
            t.backend
        );
        renamed.migrate().await.expect("rename");
        assert_eq!(texts(&t, "SELECT id FROM item_tag_links").await, ["link_1"]);
        assert!(plan(&renamed, &t).await.is_up_to_date(), "{:?}", t.backend);

        // An application that did not create it may not drop it (it never owned it) ...
        let other = registry(&t, "other", &[]);
        assert_eq!(
            kinds(&plan(&other, &t).await),
            [(StepKind::Foreign, "item_tag_links")],
            "{:?}",
            t.backend
        );
        // ... nor may the default application, a different name.
        let unnamed = Links::builder(t.db.clone())
            .module("product")
            .module("tag")
            .build()
            .expect("registry");
        assert_eq!(
            kinds(&plan(&unnamed, &t).await),
            [(StepKind::Foreign, "item_tag_links")]
        );
        // Its creator may.
        let gone = registry(&t, "shop", &[]);
        let drop = plan(&gone, &t).await;
        assert_eq!(kinds(&drop), [(StepKind::Drop, "item_tag_links")]);
        gone.apply(&drop, Apply::All).await.expect("drop");
        assert!(!table_exists(&t, "item_tag_links").await);
        // Applying the reviewed drop again is harmless: it is gone.
        let ran = gone.apply(&drop, Apply::All).await.expect("again");
        assert!(ran.steps.is_empty(), "{ran}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_links_command_lists_foreign_tables_and_never_drops_them() {
    for t in test_databases("own_cli").await {
        medusa_was_here(&t).await;
        let app = registry(&t, "shop", &[with::<ItemTags>]);
        let run = |args: &'static [&'static str]| {
            let app = app.clone();
            async move {
                let command = match args {
                    ["plan"] => LinksCommand::Plan,
                    _ => LinksCommand::Migrate {
                        execute_safe: false,
                        execute_all: true,
                    },
                };
                let mut out = Vec::new();
                command
                    .run_with(&app, &mut out, None)
                    .await
                    .map(|()| String::from_utf8(out).expect("utf-8"))
            }
        };
        let shown = run(&["plan"]).await.expect("plan");
        for table in ["cart_promotion", "product_product_brand_brand"] {
            assert!(
                shown
                    .lines()
                    .any(|line| line.starts_with(&format!("foreign {table}: "))),
                "{:?}: {shown}",
                t.backend
            );
        }
        let migrated = run(&["migrate", "--execute-all"]).await.expect("migrate");
        assert!(migrated.ends_with("applied 1 step(s)\n"), "{migrated}");
        assert_eq!(
            texts(&t, "SELECT id FROM cart_promotion").await,
            ["cartpromo_1"]
        );
        assert_eq!(
            texts(&t, "SELECT id FROM product_product_brand_brand").await,
            ["link_1"]
        );
        assert_eq!(
            medusa_rows(&t).await,
            ["cart_promotion", "product_product_brand_brand"]
        );
    }
}

#[tokio::test]
async fn an_application_name_must_be_usable() {
    let t = link_tests::db::sqlite_database().await;
    for name in ["", "   ", &"x".repeat(256)] {
        let e = Links::builder(t.db.clone())
            .application(name)
            .build()
            .expect_err("refused");
        assert!(
            matches!(&e, Error::Definition { message } if message.contains("give `.application(…)` a name of 1 to 255 bytes")),
            "{e}"
        );
    }
}
