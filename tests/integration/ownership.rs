//! Who owns a link table (SPEC §10, issue 14): a plan drops or renames only a table its
//! application created and nobody else uses. Tables a Medusa backend tracks in
//! `link_module_migrations` and tables another application owns are foreign: listed, never
//! touched, their tracking rows never written. An apply of a reviewed plan whose drop is no
//! longer this application's to make is refused whole. On SQLite, PostgreSQL and MariaDB; a real
//! Medusa is in `medusa_interop`.

use link_runtime::cli::LinksCommand;
use link_runtime::{Apply, Error, LinkDefinition, Links, StepKind, define_link};
use link_tests::links::ProductBrand;
use link_tests::models::{brand, product, tag};
use link_tests::plans::{kinds, plan};
use link_tests::{TestDb, test_databases};
use sea_orm::DbBackend;

define_link! {
    /// A link only the Rust applications declare.
    pub ItemTags: product::Model [is_list] => tag::Model [is_list],
    table = "item_tags",
}

define_link! {
    /// The same link as ItemTags, declared with an extra column.
    pub ItemTagsNoted: product::Model [is_list] => tag::Model [is_list],
    extra_columns { note: Option<String> },
    table = "item_tags",
}

define_link! {
    /// The same link with an extra column of its own.
    pub ItemTagsWeighted: product::Model [is_list] => tag::Model [is_list],
    extra_columns { weight: Option<i32> },
    table = "item_tags",
}

define_link! {
    /// Medusa's product → brand link with a column Medusa does not declare.
    pub ProductBrandRibbon: product::Model [is_list] => brand::Model,
    extra_columns { featured: bool = false, position: i32 = 0, note: Option<String>, ribbon: Option<String> },
}

define_link! {
    /// One tag per product and one product per tag.
    pub OneTag: product::Model => tag::Model,
    table = "one_tag",
}

define_link! {
    /// The same link under a new name, a tag now having many products.
    pub OneTagRelaxed: product::Model [is_list] => tag::Model,
    table = "one_tag_links",
}

define_link! {
    /// ItemTags with a required column.
    pub ItemTagsRequired: product::Model [is_list] => tag::Model [is_list],
    extra_columns { reason: String },
    table = "item_tags",
}

define_link! {
    /// A link that wants the migrations' own table.
    pub Squatter: product::Model [is_list] => tag::Model [is_list],
    table = "link_table_owners",
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

async fn table_exists(t: &TestDb, table: &str) -> bool {
    !t.columns(table).await.is_empty()
}

/// The type of a link table's time columns as Medusa declares them (`timestamptz` on
/// PostgreSQL, which a `timestamp` without a zone is not read as).
fn stamp_type(t: &TestDb) -> &'static str {
    match t.db.get_database_backend() {
        DbBackend::Postgres => "TIMESTAMPTZ",
        _ => "TIMESTAMP",
    }
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
    t.exec(tracking).await;
    t.exec("CREATE TABLE cart_promotion (cart_id VARCHAR(255) NOT NULL, promotion_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, deleted_at TIMESTAMP NULL, PRIMARY KEY (cart_id, promotion_id))").await;
    t.exec("INSERT INTO cart_promotion (cart_id, promotion_id, id) VALUES ('cart_1', 'promo_1', 'cartpromo_1')").await;
    // Medusa's columns, in types every backend takes; no unique index.
    let ts = stamp_type(t);
    t.exec(&format!("CREATE TABLE product_product_brand_brand (product_id VARCHAR(255) NOT NULL, brand_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, featured BOOLEAN NOT NULL DEFAULT false, position INTEGER NOT NULL DEFAULT 0, note TEXT NULL, created_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, deleted_at {ts} NULL, PRIMARY KEY (product_id, brand_id))")).await;
    t.exec("INSERT INTO product_product_brand_brand (product_id, brand_id, id) VALUES ('p1', 'b1', 'link_1')").await;
    t.exec(r#"INSERT INTO link_module_migrations (table_name, link_descriptor) VALUES ('cart_promotion', '{"fromModule":"cart","toModule":"promotion","fromModel":"cart","toModel":"promotions"}'), ('product_product_brand_brand', '{"fromModule":"product","toModule":"brand","fromModel":"product","toModel":"brand"}')"#).await;
}

/// Asserts what [`medusa_was_here`] made is as it was: both tables with their rows, and
/// Medusa's tracking rows, with none of this library's among them.
async fn assert_medusa_intact(t: &TestDb) {
    assert_eq!(
        t.texts("SELECT table_name FROM link_module_migrations ORDER BY table_name")
            .await,
        ["cart_promotion", "product_product_brand_brand"],
        "{:?}",
        t.backend
    );
    assert_eq!(
        t.texts("SELECT id FROM cart_promotion").await,
        ["cartpromo_1"]
    );
    assert_eq!(
        t.texts("SELECT id FROM product_product_brand_brand").await,
        ["link_1"]
    );
    assert_eq!(
        t.columns("cart_promotion").await,
        ["cart_id", "deleted_at", "id", "promotion_id"]
    );
    // Our cardinality index is the one thing added (on MySQL with the generated column it
    // needs: MariaDB has no partial indexes).
    let mut columns = t.columns("product_product_brand_brand").await;
    columns.retain(|c| !c.starts_with("live_"));
    assert_eq!(
        columns,
        [
            "brand_id",
            "created_at",
            "deleted_at",
            "featured",
            "id",
            "note",
            "position",
            "product_id",
            "updated_at"
        ],
        "{:?}",
        t.backend
    );
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
        assert_medusa_intact(&t).await;

        // The application stops declaring both links: the table it created goes (under All);
        // of the one it adopted from Medusa only its record goes; Medusa's own is left alone.
        let smaller = registry(&t, "shop", &[]);
        let shrink = plan(&smaller, &t).await;
        let mut found = kinds(&shrink);
        found.sort_by_key(|(kind, table)| (format!("{kind:?}"), *table));
        assert_eq!(
            found,
            [
                (StepKind::Drop, "item_tags"),
                (StepKind::Foreign, "cart_promotion"),
                (StepKind::Release, "product_product_brand_brand"),
            ],
            "{:?}: {shrink}",
            t.backend
        );
        smaller.apply(&shrink, Apply::All).await.expect("drop");
        assert!(!table_exists(&t, "item_tags").await, "{:?}", t.backend);
        assert_medusa_intact(&t).await;
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
        t.exec("INSERT INTO item_tags (product_id, tag_id, id) VALUES ('p1', 't1', 'link_blog')")
            .await;
        let e = shop_without
            .apply(&reviewed, Apply::All)
            .await
            .expect_err("not the shop's to drop any more");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("would drop `item_tags`") && message.contains("application `blog` uses it") && message.contains("nothing was applied")),
            "{:?}: {e}",
            t.backend
        );
        assert_eq!(t.texts("SELECT id FROM item_tags").await, ["link_blog"]);

        // Planned again, the shop only lets go of its record; All leaves the table to the blog.
        let again = plan(&shop_without, &t).await;
        assert!(
            again
                .steps
                .iter()
                .any(|s| s.kind == StepKind::Release && s.table == "item_tags"),
            "{again}"
        );
        shop_without.apply(&again, Apply::All).await.expect("all");
        assert_eq!(t.texts("SELECT id FROM item_tags").await, ["link_blog"]);
        assert_eq!(
            t.texts("SELECT application FROM link_table_owners WHERE table_name = 'item_tags'")
                .await,
            ["blog"]
        );

        // Renaming it is not the shop's to do either, nor is a new empty table beside the one
        // holding the link's rows: the step waits, naming the choice.
        let renamed = registry(&t, "shop", &[with::<ProductBrand>, with::<ItemTagsRenamed>]);
        let rename = plan(&renamed, &t).await;
        let step = rename
            .steps
            .iter()
            .find(|s| s.table == "item_tag_links")
            .expect("a step for the new name");
        assert_eq!(step.kind, StepKind::Create, "{rename}");
        let blocked = step.blocked.as_deref().unwrap_or_default();
        assert!(
            blocked.contains("`item_tags` holds this link's rows, kept by application `blog`: declare `table = \"item_tags\"`"),
            "{blocked}"
        );
        let e = renamed.migrate().await.expect_err("blocked");
        assert!(matches!(e, Error::Schema { .. }), "{e}");
        assert!(!table_exists(&t, "item_tag_links").await, "{:?}", t.backend);
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
        t.exec("INSERT INTO item_tags (product_id, tag_id, id) VALUES ('p1', 't1', 'link_1')")
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
        // Index names carry a hash of the table name: none of the old ones is left.
        let old_hash = link_runtime::schema::naming::simple_hash("item_tags");
        let indexes = t.indexes("item_tag_links").await;
        assert!(
            indexes.iter().all(|name| !name.ends_with(&old_hash)),
            "{:?}: {indexes:?}",
            t.backend
        );
        assert!(
            indexes.iter().any(|name| name.starts_with("IDX_")),
            "{:?}: {indexes:?}",
            t.backend
        );
        assert_eq!(t.texts("SELECT id FROM item_tag_links").await, ["link_1"]);
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
        assert_medusa_intact(&t).await;
    }
}

#[tokio::test]
async fn an_application_name_must_be_usable() {
    let t = link_tests::db::sqlite_database().await;
    let long = "x".repeat(65);
    for name in [
        "",
        " shop",
        "shop'; --",
        "bo\\utique",
        "Ünïcode",
        long.as_str(),
    ] {
        let e = Links::builder(t.db.clone())
            .application(name)
            .build()
            .expect_err("refused");
        assert!(
            matches!(&e, Error::Definition { message } if message.contains("1 to 64 ASCII letters, digits, `_`, `-` or `.`")),
            "{name}: {e}"
        );
    }
    let e = Links::builder(t.db.clone())
        .application("default")
        .build()
        .expect_err("the unnamed registries' name");
    assert!(
        matches!(&e, Error::Definition { message } if message.contains("what unnamed registries own their tables as")),
        "{e}"
    );
}

#[tokio::test]
async fn bookkeeping_tables_are_not_link_tables() {
    let t = link_tests::db::sqlite_database().await;
    let e = Links::builder(t.db.clone())
        .module("product")
        .module("tag")
        .link::<Squatter>()
        .build()
        .expect_err("reserved");
    assert!(
        matches!(&e, Error::Definition { message } if message.contains("uses the table `link_table_owners`, which this library or Medusa keeps its records in")),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unnamed_application_never_drops() {
    for t in test_databases("own_unnamed").await {
        let unnamed = |links: &[fn(link_runtime::LinksBuilder) -> link_runtime::LinksBuilder]| {
            links
                .iter()
                .fold(
                    Links::builder(t.db.clone()).module("product").module("tag"),
                    |b, add| add(b),
                )
                .build()
                .expect("registry")
        };
        unnamed(&[with::<ItemTags>])
            .migrate()
            .await
            .expect("create");
        let gone = unnamed(&[]);
        let shown = plan(&gone, &t).await;
        assert_eq!(kinds(&shown), [(StepKind::Foreign, "item_tags")], "{shown}");
        assert!(
            shown.steps[0]
                .summary
                .contains("has no name (`.application(…)`)"),
            "{}",
            shown.steps[0].summary
        );
        gone.apply(&shown, Apply::All).await.expect("all");
        assert!(table_exists(&t, "item_tags").await, "{:?}", t.backend);
        // Renamed in the declaration, it is not moved either: the step waits.
        let renamed = plan(&unnamed(&[with::<ItemTagsRenamed>]), &t).await;
        assert!(
            renamed
                .steps
                .iter()
                .any(|s| s.kind == StepKind::Create && s.blocked.is_some()),
            "{renamed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_table_is_only_given_indexes() {
    for t in test_databases("own_shared").await {
        // The shop's declaration has a `note` column, the blog's does not, and the other way
        // round: neither may add, change or drop the other's columns.
        registry(&t, "shop", &[with::<ItemTagsNoted>])
            .migrate()
            .await
            .expect("shop");
        t.exec("INSERT INTO item_tags (product_id, tag_id, id, note) VALUES ('p1', 't1', 'link_1', 'kept')")
            .await;
        let blog = registry(&t, "blog", &[with::<ItemTags>]);
        let adopt = plan(&blog, &t).await;
        assert_eq!(kinds(&adopt), [(StepKind::Adopt, "item_tags")], "{adopt}");
        assert!(
            adopt.steps[0].sql.iter().all(|sql| !sql.contains("DROP")),
            "{adopt}"
        );
        blog.migrate().await.expect("blog adopts");
        assert_eq!(t.texts("SELECT note FROM item_tags").await, ["kept"]);

        // A nullable column only the blog declares: the shop leaves columns it does not
        // declare on a table it shares, so the blog may add it, and the shop's plan keeps it.
        let wider = registry(&t, "blog", &[with::<ItemTagsWeighted>]);
        wider.migrate().await.expect("a nullable column");
        assert!(t.columns("item_tags").await.contains(&"weight".to_string()));
        let shop = registry(&t, "shop", &[with::<ItemTagsNoted>]);
        let kept = plan(&shop, &t).await;
        assert!(kept.is_up_to_date(), "{kept}");
        shop.apply(&kept, Apply::All).await.expect("all");
        assert!(t.columns("item_tags").await.contains(&"weight".to_string()));

        // The shop, the table's creator, no longer declaring it: the blog still uses it, so
        // the shop lets go of its record and the table stays.
        let shop_gone = registry(&t, "shop", &[]);
        let released = plan(&shop_gone, &t).await;
        assert_eq!(
            kinds(&released),
            [(StepKind::Release, "item_tags")],
            "{released}"
        );
        shop_gone
            .apply(&released, Apply::All)
            .await
            .expect("release");
        assert_eq!(t.texts("SELECT note FROM item_tags").await, ["kept"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adopted_table_under_a_new_name_waits_and_stays() {
    for t in test_databases("own_adopted_rename").await {
        // A table made by hand, adopted, then the link declared under another name.
        registry(&t, "first", &[with::<ItemTags>])
            .migrate()
            .await
            .expect("create");
        t.exec("DELETE FROM link_table_owners").await;
        t.exec("INSERT INTO item_tags (product_id, tag_id, id) VALUES ('p1', 't1', 'link_1')")
            .await;
        registry(&t, "shop", &[with::<ItemTags>])
            .migrate()
            .await
            .expect("adopt");
        let renamed = registry(&t, "shop", &[with::<ItemTagsRenamed>]);
        for _ in 0..2 {
            let e = renamed.migrate().await.expect_err("the new table waits");
            assert!(
                matches!(&e, Error::Schema { message } if message.contains("`item_tags` holds this link's rows")),
                "{:?}: {e}",
                t.backend
            );
            assert!(!table_exists(&t, "item_tag_links").await, "{:?}", t.backend);
            assert_eq!(
                t.texts("SELECT application FROM link_table_owners WHERE table_name = 'item_tags'")
                    .await,
                ["shop"],
                "{:?}: the adopted record is kept while the link waits for it",
                t.backend
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_medusa_does_not_declare_waits() {
    for t in test_databases("own_medusa_column").await {
        medusa_was_here(&t).await;
        let app = registry(&t, "shop", &[with::<ProductBrandRibbon>, with::<ItemTags>]);
        let shown = plan(&app, &t).await;
        let step = shown
            .steps_of(StepKind::Unsafe)
            .find(|s| s.summary.contains("`ribbon`"))
            .expect("the new column waits");
        assert!(
            step.blocked.as_deref().is_some_and(
                |b| b.contains("whose migrations drop a column its link does not declare")
            ),
            "{shown}"
        );
        // `links migrate --execute-all` runs what it can, then says what waits.
        let mut out = Vec::new();
        let command = LinksCommand::Migrate {
            execute_safe: false,
            execute_all: true,
        };
        let e = command
            .run_with(&app, &mut out, None)
            .await
            .expect_err("blocked");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("`ribbon`")),
            "{e}"
        );
        assert!(table_exists(&t, "item_tags").await, "{:?}", t.backend);
        assert_medusa_intact(&t).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_recorded_for_another_link_is_not_taken() {
    for t in test_databases("own_other_link").await {
        medusa_was_here(&t).await;
        // Medusa tracks `item_tags` for another link (its table made by hand here).
        let ts = stamp_type(&t);
        t.exec(&format!("CREATE TABLE item_tags (product_id VARCHAR(255) NOT NULL, tag_id VARCHAR(255) NOT NULL, id VARCHAR(255) NOT NULL, created_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, deleted_at {ts} NULL, PRIMARY KEY (product_id, tag_id))")).await;
        t.exec(r#"INSERT INTO link_module_migrations (table_name, link_descriptor) VALUES ('item_tags', '{"fromModule":"order","toModule":"tag","fromModel":"order","toModel":"tag"}')"#).await;
        let app = registry(&t, "shop", &[with::<ItemTags>]);
        let shown = plan(&app, &t).await;
        let step = shown
            .steps
            .iter()
            .find(|s| s.table == "item_tags")
            .expect("item_tags");
        assert_eq!(step.kind, StepKind::Adopt, "{shown}");
        assert!(
            step.summary
                .contains("a Medusa backend keeps it for the link order.order → tag.tag")
                && step.blocked.is_some(),
            "{shown}"
        );
        assert!(app.migrate().await.is_err());
        assert_eq!(
            t.count("SELECT COUNT(*) FROM link_table_owners WHERE table_name = 'item_tags'")
                .await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_that_relaxes_keeps_no_old_index() {
    for t in test_databases("own_rename_relax").await {
        registry(&t, "shop", &[with::<OneTag>])
            .migrate()
            .await
            .expect("one-to-one");
        let relaxed = registry(&t, "shop", &[with::<OneTagRelaxed>]);
        relaxed.migrate().await.expect("rename and relax");
        assert!(plan(&relaxed, &t).await.is_up_to_date(), "{:?}", t.backend);
        t.products(&["p1", "p2"]).await;
        t.tags(&["t1"]).await;
        let key = |p: &str| OneTagRelaxed::new(product::Model::key(p), tag::Model::key("t1"));
        relaxed
            .create_many(&t.db, [key("p1"), key("p2")])
            .await
            .unwrap_or_else(|e| panic!("{:?}: a tag has many products now: {e}", t.backend));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_table_gets_no_required_column_and_a_foreign_table_is_not_adopted() {
    for t in test_databases("own_required").await {
        registry(&t, "shop", &[with::<ItemTags>])
            .migrate()
            .await
            .expect("shop");
        let blog = registry(&t, "blog", &[with::<ItemTagsRequired>]);
        let shown = plan(&blog, &t).await;
        assert!(
            shown.steps_of(StepKind::Unsafe).any(|s| s
                .blocked
                .as_deref()
                .is_some_and(|b| b.contains("whose writes would have no value for it"))),
            "{shown}"
        );
        assert!(blog.migrate().await.is_err());
        assert!(!t.columns("item_tags").await.contains(&"reason".to_string()));

        // A table without a link table's columns is not adopted as one.
        t.exec("CREATE TABLE one_tag (product_id VARCHAR(255) NOT NULL, tag_id VARCHAR(255) NOT NULL, PRIMARY KEY (product_id, tag_id))")
            .await;
        let app = registry(&t, "shop", &[with::<OneTag>]);
        let e = app.migrate().await.expect_err("not a link table");
        assert!(
            matches!(&e, Error::Schema { message } if message.contains("`one_tag` has no column `id`")),
            "{:?}: {e}",
            t.backend
        );
    }
}
