//! Behind an allow-list (SPEC §9.1), a `*` means the fields of that record, not its links, and a
//! name the list hides gets the very answer a name that does not exist gets, so a caller cannot
//! probe the schema. On SQLite, PostgreSQL and MariaDB.

mod common;

use link_runtime::query::{AllowList, GraphQuery};
use link_runtime::{Error, Links};
use link_tests::{TestDb, test_databases};
use serde_json::{Value, json};

/// A request naming one field, filter or order by the name given.
type Query = fn(&str) -> GraphQuery;

fn allow() -> AllowList {
    AllowList::new(["id", "brand.*"])
}

async fn refused(links: &Links, t: &TestDb, query: GraphQuery) -> String {
    match links.graph_within(&t.db, &query, &allow()).await {
        Err(Error::UnknownField { message }) => message,
        other => panic!("{:?}: expected a refusal, got {other:?}", t.backend),
    }
}

fn with_filter(filter: Value) -> GraphQuery {
    GraphQuery::new("product").fields(["id"]).filters(filter)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_allows_fields_not_links_and_hidden_names_look_unknown() {
    for t in test_databases("allow_list").await {
        let links = common::registry(&t).await;
        t.products(&["p1"]).await;
        t.brands(&["b1"]).await;

        // Allowed: the brand's fields, in fields, filters and order.
        links
            .graph_within(
                &t.db,
                &GraphQuery::new("product")
                    .fields(["id", "brand.*"])
                    .filters(json!({"brand": {"name": "Brand b1"}}))
                    .order("brand.name", "ASC"),
                &allow(),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));

        // `brand.*` does not reach the brand's posts, through a filter or the fields.
        let through_filter =
            refused(&links, &t, with_filter(json!({"brand": {"posts": {}}}))).await;
        assert_eq!(
            through_filter,
            "`brand.posts` is not allowed here; allowed: id, brand.*"
        );
        let message = refused(
            &links,
            &t,
            GraphQuery::new("product").fields(["id", "brand.posts.id"]),
        )
        .await;
        assert_eq!(
            message,
            "`brand.posts.id` is not allowed here; allowed: id, brand.*"
        );

        // A real field the list hides and an invented one: the same answer, everywhere.
        let answer = |message: String, path: &str| message.replace(path, "PATH");
        for (hidden, invented) in [("title", "nope"), ("deleted_at", "zzz")] {
            let queries: [(Query, &str); 5] = [
                (|name| GraphQuery::new("product").fields(["id", name]), ""),
                (
                    |name| GraphQuery::new("product").fields(["id", &format!("{name}.x")]),
                    ".x",
                ),
                (|name| with_filter(json!({ name: null })), ""),
                (|name| with_filter(json!({ name: {"x": 1} })), ""),
                (
                    |name| GraphQuery::new("product").fields(["id"]).order(name, "ASC"),
                    "",
                ),
            ];
            for (query, path) in queries {
                let a = refused(&links, &t, query(hidden)).await;
                let b = refused(&links, &t, query(invented)).await;
                assert_eq!(
                    answer(a.clone(), &format!("{hidden}{path}")),
                    answer(b.clone(), &format!("{invented}{path}")),
                    "{:?}: {a} / {b}",
                    t.backend
                );
                assert!(!a.contains("deleted_at") || hidden == "deleted_at", "{a}");
            }
        }
        // Under the brand too.
        let a = refused(&links, &t, with_filter(json!({"brand": {"secret": 1}}))).await;
        let b = refused(&links, &t, with_filter(json!({"brand": {"products": {}}}))).await;
        assert_eq!(
            answer(a, "brand.secret"),
            answer(b, "brand.products"),
            "{:?}",
            t.backend
        );
    }
}
