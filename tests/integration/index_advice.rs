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
        assert!(
            !missing.iter().any(|m| m.column == "name"),
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
