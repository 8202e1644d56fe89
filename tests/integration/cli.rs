//! The `links` command group mounted in an application's clap parser: plan, migrate (with and
//! without a terminal to confirm), check, and the link graph as Mermaid and DOT.

mod common;

use clap::Parser;
use link_runtime::cli::LinksCommand;
use link_runtime::{Error, Links, Plan, define_link};
use link_tests::db::sqlite_database;
use link_tests::models::{product, tag};

/// An application's binary with the `links` group mounted.
#[derive(Debug, Parser)]
struct App {
    #[command(subcommand)]
    links: LinksCommand,
}

define_link! {
    /// A link whose table a later registry no longer declares (its alias sets it apart from
    /// ProductTag: the same modules and aliases would make it the same link, renamed).
    pub OldLink: product::Model [is_list, alias = "old_product"] => tag::Model [is_list],
    table = "old_product_tags",
}

async fn run(links: &Links, args: &[&str], confirm: Option<bool>) -> Result<String, Error> {
    let app = App::try_parse_from(std::iter::once("app").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let mut out = Vec::new();
    let mut answer = |_: &Plan| confirm.unwrap_or(false);
    let confirm: link_runtime::cli::Confirm<'_> = match confirm {
        Some(_) => Some(&mut answer),
        None => None,
    };
    app.links.run_with(links, &mut out, confirm).await?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

#[tokio::test]
async fn plan_migrate_and_check() {
    let t = sqlite_database().await;
    let links = common::builder(&t).build().expect("registry");
    let plan = run(&links, &["plan"], None).await.expect("plan");
    assert!(plan.starts_with("create  product_product_brand_brand: link ProductBrand (product → brand): create its table\n"), "{plan}");
    let migrated = run(&links, &["migrate"], None).await.expect("migrate");
    assert!(migrated.ends_with("applied 6 step(s)\n"), "{migrated}");
    assert_eq!(
        run(&links, &["migrate"], None).await.expect("again"),
        "link tables are up to date\n"
    );
    assert_eq!(
        run(&links, &["check"], None)
            .await
            .expect("check")
            .lines()
            .last(),
        Some("no dangling links")
    );

    // A registry without one of the links: its table is a drop, which needs review.
    let old = Links::builder(t.db.clone())
        .application("tests")
        .module("product")
        .module("tag")
        .link::<OldLink>()
        .build()
        .expect("old registry");
    old.migrate().await.expect("old table");
    let e = run(&links, &["migrate"], None)
        .await
        .expect_err("no terminal");
    assert_eq!(
        e.to_string(),
        "1 drop or unsafe step(s) need review and no terminal can confirm them: run `links plan` to see them, then `links migrate --execute-all` to apply them or `links migrate --execute-safe` to skip them"
    );
    let safe = run(&links, &["migrate", "--execute-safe"], None)
        .await
        .expect("safe");
    assert!(
        safe.ends_with(
            "skipped 1 drop or unsafe step(s); `links migrate --execute-all` applies them\n"
        ),
        "{safe}"
    );
    let declined = run(&links, &["migrate"], Some(false))
        .await
        .expect("declined");
    assert!(declined.contains("skipped 1 drop"), "{declined}");
    let confirmed = run(&links, &["migrate"], Some(true))
        .await
        .expect("confirmed");
    assert_eq!(
        confirmed,
        "applying old_product_tags: the link product.old_product → tag.tag is no longer declared and application `tests` created its table: drop it; its 0 row(s) are lost\napplied 1 step(s)\n"
    );
    assert!(App::try_parse_from(["app", "migrate", "--execute-safe", "--execute-all"]).is_err());
}

#[tokio::test]
async fn the_link_graph_as_mermaid_and_dot() {
    let t = sqlite_database().await;
    let links = common::builder(&t).build().expect("registry");
    let mermaid = run(&links, &["graph"], None).await.expect("mermaid");
    insta::assert_snapshot!("graph_mermaid", mermaid);
    let dot = run(&links, &["graph", "--format", "dot"], None)
        .await
        .expect("dot");
    insta::assert_snapshot!("graph_dot", dot);
}
