//! `links plan` and `links check` warn when a field Query looks records up by, through a link,
//! has no index in its module's table, with the `CREATE INDEX` the module's owner would run
//! (the module's table is not ours to change).

mod common;
mod graph_world;

use std::collections::BTreeSet;

use link_runtime::cli::LinksCommand;
use link_tests::test_databases;

async fn run(links: &link_runtime::Links, command: LinksCommand) -> String {
    let mut out = Vec::new();
    command
        .run_with(links, &mut out, None)
        .await
        .expect("the command runs");
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_looked_up_through_a_link_without_an_index_is_named_with_its_create_index() {
    for t in test_databases("index_advice").await {
        let links = graph_world::registry(&t).await;
        let missing = links.missing_indexes().await.expect("read the indexes");
        let named: BTreeSet<(&str, &str)> = missing
            .iter()
            .map(|m| (m.model.as_str(), m.column.as_str()))
            .collect();
        // `filterable(name)` on the brand side of ProductBrand and ProductMaker; ProductPosts
        // finds a product's posts by `post.product_id`. Primary keys are always indexed.
        assert_eq!(
            named,
            BTreeSet::from([("brand.brand", "name"), ("post.post", "product_id")]),
            "{:?}",
            t.backend
        );
        let name = missing
            .iter()
            .find(|m| m.column == "name")
            .expect("brand.name");
        assert_eq!(name.table, "brand");
        assert_eq!(
            name.links,
            ["ProductBrand", "ProductMaker"],
            "{:?}",
            t.backend
        );

        // What `plan` and `check` print: the field, the links, the statement.
        for command in [LinksCommand::Plan, LinksCommand::Check] {
            let out = run(&links, command).await;
            for m in &missing {
                assert!(
                    out.contains(&m.create_index)
                        && out.contains(&format!("{}.{}", m.table, m.column)),
                    "{:?}: {out}",
                    t.backend
                );
            }
        }

        // Each statement runs as printed, and then the field is no longer named.
        for m in &missing {
            t.exec(&m.create_index).await;
        }
        let after = links.missing_indexes().await.expect("read the indexes");
        assert!(after.is_empty(), "{:?}: {after:?}", t.backend);
        let out = run(&links, LinksCommand::Plan).await;
        assert!(!out.contains("CREATE INDEX"), "{:?}: {out}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_that_leads_with_the_field_is_enough_and_one_that_does_not_is_not() {
    for t in test_databases("index_advice_shapes").await {
        let links = graph_world::registry(&t).await;
        // A composite index whose first column is another field does not serve a lookup by
        // `name`; one that begins with `name` does.
        t.exec("CREATE INDEX brand_id_name ON brand (id, name)")
            .await;
        let missing = links.missing_indexes().await.expect("read the indexes");
        assert!(
            missing.iter().any(|m| m.column == "name"),
            "{:?}",
            t.backend
        );
        t.exec("CREATE INDEX brand_name_id ON brand (name, id)")
            .await;
        let missing = links.missing_indexes().await.expect("read the indexes");
        // (A `$like` prefix may still want its own kind of index: see the last test.)
        assert!(
            !missing.iter().any(|m| m.column == "name" && !m.like_prefix),
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_on_an_expression_is_no_index_of_the_field_and_breaks_nothing() {
    for t in test_databases("index_advice_expression").await {
        if t.backend == link_tests::Backend::MySql {
            continue; // MariaDB has no indexes on expressions.
        }
        let links = graph_world::registry(&t).await;
        t.exec("CREATE INDEX brand_lower_name ON brand ((lower(name)))")
            .await;
        let missing = links.missing_indexes().await.expect("read the indexes");
        assert!(
            missing.iter().any(|m| m.column == "name"),
            "{:?}",
            t.backend
        );
        let out = run(&links, LinksCommand::Plan).await;
        assert!(out.contains("CREATE INDEX"), "{:?}: {out}", t.backend);
    }
}

/// PostgreSQL walks a plain index for a `LIKE` prefix only under the `C` collation; under any
/// other (`en_US.UTF-8`, `C.UTF-8` before PostgreSQL 17) a `$like` filter on a `filterable`
/// field needs a `*_pattern_ops` index too, which cannot order: both are advised, each until an
/// index of its own kind leads with the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_advises_a_pattern_index_for_like_unless_the_collation_is_c() {
    for t in test_databases("index_advice_like").await {
        let links = graph_world::registry(&t).await;
        let like_needs_pattern = t.backend == link_tests::Backend::Postgres
            && !["C", "POSIX"].contains(
                &t.texts(
                    "SELECT datcollate::text FROM pg_database WHERE datname = current_database()",
                )
                .await[0]
                    .as_str(),
            );
        let for_name = |missing: &[link_runtime::MissingIndex]| -> Vec<(bool, String)> {
            missing
                .iter()
                .filter(|m| m.column == "name")
                .map(|m| (m.like_prefix, m.create_index.clone()))
                .collect()
        };
        let advised = for_name(&links.missing_indexes().await.expect("read the indexes"));
        if !like_needs_pattern {
            assert_eq!(advised.len(), 1, "{:?}: {advised:?}", t.backend);
            assert!(!advised[0].0);
            continue;
        }
        assert_eq!(
            advised,
            [
                (
                    false,
                    r#"CREATE INDEX "IDX_brand_name" ON "brand" ("name")"#.to_string()
                ),
                (
                    true,
                    r#"CREATE INDEX "IDX_brand_name_pattern" ON "brand" ("name" varchar_pattern_ops)"#
                        .to_string()
                ),
            ]
        );
        let out = run(&links, LinksCommand::Plan).await;
        assert!(out.contains("`$like`"), "{out}");
        // The pattern index alone does not order: the plain one is still advised.
        t.exec(&advised[1].1).await;
        let after = for_name(&links.missing_indexes().await.expect("read the indexes"));
        assert_eq!(after, advised[..1]);
        t.exec(&advised[0].1).await;
        assert!(for_name(&links.missing_indexes().await.expect("read")).is_empty());
    }
}
