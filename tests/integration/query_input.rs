//! Query input the database would reject is refused before SQL, with `InvalidInput` naming the
//! fix (SPEC §11): more `$in` values than a statement binds, `$like` on a column that is not
//! text, a NUL byte. On SQLite, PostgreSQL and MariaDB, where each of these failed in the
//! database before.

mod common;

use link_runtime::Error;
use link_runtime::query::GraphQuery;
use link_tests::test_databases;
use serde_json::json;

fn invalid(result: Result<link_runtime::query::Graph, Error>, what: &str) -> String {
    match result {
        Err(Error::InvalidInput { message }) => message,
        other => panic!("{what}: expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_the_database_would_reject_are_refused_first() {
    for t in test_databases("query_input").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.regions(&[1, 2]).await;

        // 70,000 values: over every backend's bind limit (SQLite 32,766; others 65,535).
        for n in [33_000, 70_000] {
            let ids: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
            let message = invalid(
                links
                    .graph(
                        &t.db,
                        &GraphQuery::new("product")
                            .fields(["id"])
                            .filters(json!({"id": {"$in": ids}})),
                    )
                    .await,
                "$in",
            );
            assert_eq!(
                message,
                format!(
                    "filters take at most 10000 values in all (`$in` lists count each), and these have {n}: split the request"
                ),
                "{:?}",
                t.backend
            );
        }
        // Just under the limit works.
        let ids: Vec<String> = (0..9_999).map(|i| format!("p{i}")).collect();
        let page = links
            .graph(
                &t.db,
                &GraphQuery::new("product")
                    .fields(["id"])
                    .filters(json!({"id": {"$nin": ids}})),
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert!(page.data.is_empty(), "{:?}", t.backend);

        // `$like` compares text; on an integer column it is refused (PostgreSQL: "operator
        // does not exist: integer ~~ text").
        for op in ["$like", "$ilike"] {
            let message = invalid(
                links
                    .graph(
                        &t.db,
                        &GraphQuery::new("region")
                            .fields(["id"])
                            .filters(json!({"id": {op: "1%"}})),
                    )
                    .await,
                op,
            );
            assert!(message.contains("`id` is not a text column"), "{message}");
        }

        // A NUL byte (PostgreSQL: "invalid byte sequence for encoding").
        let message = invalid(
            links
                .graph(
                    &t.db,
                    &GraphQuery::new("product")
                        .fields(["id"])
                        .filters(json!({"title": {"$like": "a\u{0}%"}})),
                )
                .await,
            "NUL",
        );
        assert!(message.contains("without NUL bytes"), "{message}");
        invalid(
            links
                .graph(
                    &t.db,
                    &GraphQuery::new("product")
                        .fields(["id"])
                        .filters(json!({"id": "p\u{0}1"})),
                )
                .await,
            "NUL in an id",
        );
    }
}
