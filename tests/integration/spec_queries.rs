//! Filtering, sorting and paging by linked fields (SPEC §9.4), written from the SPEC's and the
//! public docs' sentences before reading the code, on SQLite, PostgreSQL and MariaDB, in the
//! world of `spec_query_world`.

mod spec_helpers;
mod spec_query_world;

use std::collections::BTreeMap;

use link_runtime::Links;
use link_runtime::query::GraphQuery;
use link_tests::test_databases;
use sea_orm::{ConnectionTrait, Schema};
use serde_json::{Value, json};

use spec_helpers::kind;
use spec_query_world::*;

/// §9.4 / GraphQuery docs: "Medusa-shaped filters on the root: `{"title": "Shirt"}`, `{"id":
/// ["a", "b"]}`, `{"title": {"$like": "S%"}}`, `{"$or": [...]}`" and the operators the README
/// names (`$in`, `$like`, `$gt`…; typed: `==`, `!=`, `<`, `<=`, `>`, `>=`, like, ilike,
/// is_in, not_in, is_null, is_not_null, `&&`, `||`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_operators_select_exactly_their_records() {
    for t in test_databases("probe_q_root_ops").await {
        let links = world(&t).await;
        items(
            &t,
            vec![
                it("i1", "Alpha", 100, Some(5)),
                it("i2", "beta", 200, None),
                it("i3", "Gamma", 300, Some(0)),
                it("i4", "alphabet", 400, None),
            ],
        )
        .await;
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({"price": 200}), &["i2"]),
            (json!({"price": {"$eq": 200}}), &["i2"]),
            (json!({"price": {"$ne": 200}}), &["i1", "i3", "i4"]),
            (json!({"price": {"$gt": 200}}), &["i3", "i4"]),
            (json!({"price": {"$gte": 200}}), &["i2", "i3", "i4"]),
            (json!({"price": {"$lt": 200}}), &["i1"]),
            (json!({"price": {"$lte": 200}}), &["i1", "i2"]),
            (json!({"price": {"$gt": 100, "$lt": 400}}), &["i2", "i3"]),
            (json!({"price": {"$in": [100, 400, 999]}}), &["i1", "i4"]),
            (json!({"id": {"$in": ["i1", "i3", "zz"]}}), &["i1", "i3"]),
            (json!({"id": ["i1", "i3"]}), &["i1", "i3"]),
            (json!({"id": {"$nin": ["i1", "i3"]}}), &["i2", "i4"]),
            (json!({"id": {"$in": []}}), &[]),
            (json!({"id": {"$nin": []}}), &["i1", "i2", "i3", "i4"]),
            (json!({"name": {"$like": "%pha%"}}), &["i1", "i4"]),
            (json!({"name": {"$ilike": "al%"}}), &["i1", "i4"]),
            (json!({"name": {"$ilike": "%A"}}), &["i1", "i2", "i3"]),
            (json!({"stock": null}), &["i2", "i4"]),
            (json!({"stock": {"$ne": null}}), &["i1", "i3"]),
            (json!({"stock": {"$gte": 0}}), &["i1", "i3"]),
            (
                json!({"$or": [{"price": 100}, {"name": "Gamma"}]}),
                &["i1", "i3"],
            ),
            (
                json!({"$and": [{"price": {"$gte": 200}}, {"name": {"$ilike": "%a"}}]}),
                &["i2", "i3"],
            ),
            (
                json!({"$or": [{"$and": [{"price": {"$gt": 100}}, {"stock": null}]}, {"id": "i1"}]}),
                &["i1", "i2", "i4"],
            ),
        ];
        expect_all(&links, &t, &cases).await;
    }
}

/// §9.4 "Filters may name fields of linked records that the link declares `filterable`
/// (`brand.name = "Acme"`, `$in`, `$like`, `$gt`…)"; "`id` is always filterable"; "A filter on
/// a linked field selects roots", combined with the root's own fields and `$or`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_operators_select_roots_by_filterable_fields() {
    for t in test_databases("probe_q_linked_ops").await {
        let links = world(&t).await;
        items(
            &t,
            vec![
                it("i1", "One", 100, None),
                it("i2", "Two", 200, None),
                it("i3", "Three", 300, None),
                it("i4", "Four", 400, None),
            ],
        )
        .await;
        makers(
            &t,
            vec![
                mk("m1", "Acme", Some("DE"), Some(1)),
                mk("m2", "Bolt", None, Some(2)),
                mk("m3", "acme", Some("FR"), None),
            ],
        )
        .await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m2"), ("i3", "m3")]).await;
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({"maker": {"name": "Bolt"}}), &["i2"]),
            (json!({"maker": {"name": {"$eq": "Bolt"}}}), &["i2"]),
            (json!({"maker": {"rank": {"$gt": 1}}}), &["i2"]),
            (json!({"maker": {"rank": {"$gte": 1}}}), &["i1", "i2"]),
            (json!({"maker": {"rank": {"$lt": 2}}}), &["i1"]),
            (json!({"maker": {"rank": {"$lte": 2}}}), &["i1", "i2"]),
            (
                json!({"maker": {"name": {"$in": ["Bolt", "acme"]}}}),
                &["i2", "i3"],
            ),
            (json!({"maker": {"name": ["Bolt", "acme"]}}), &["i2", "i3"]),
            // A semi-join: roots with a linked maker whose name is not Bolt (i4 has none).
            (
                json!({"maker": {"name": {"$nin": ["Bolt"]}}}),
                &["i1", "i3"],
            ),
            (json!({"maker": {"name": {"$ne": "Bolt"}}}), &["i1", "i3"]),
            (
                json!({"maker": {"name": {"$ilike": "ACME"}}}),
                &["i1", "i3"],
            ),
            (json!({"maker": {"name": {"$like": "%ol%"}}}), &["i2"]),
            (
                json!({"maker": {"country": {"$in": ["DE", "FR"]}}}),
                &["i1", "i3"],
            ),
            (json!({"maker": {"id": "m2"}}), &["i2"]),
            (
                json!({"maker": {"id": {"$in": ["m1", "m3"]}}}),
                &["i1", "i3"],
            ),
            (
                json!({"maker": {"name": {"$ilike": "acme"}}, "price": {"$gt": 100}}),
                &["i3"],
            ),
            (
                json!({"$or": [{"maker": {"name": "Bolt"}}, {"name": "Four"}]}),
                &["i2", "i4"],
            ),
            (
                json!({"$and": [{"maker": {"rank": {"$gte": 1}}}, {"maker": {"country": "DE"}}]}),
                &["i1"],
            ),
        ];
        expect_all(&links, &t, &cases).await;
    }
}

/// §9.4 "Filters may name fields of linked records that the link declares `filterable`" and §7
/// errors name "the fix": `code` is not declared filterable, so a filter on it is refused as
/// the caller's error, naming `filterable`, and no SQL is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_on_a_field_not_declared_filterable_is_refused_naming_the_fix() {
    for t in test_databases("probe_q_not_filterable").await {
        let links = world(&t).await;
        t.take_statements();
        for filters in [
            json!({"maker": {"code": "code-m1"}}),
            json!({"$or": [{"id": "i1"}, {"maker": {"code": {"$in": ["x"]}}}]}),
        ] {
            let e = run(
                &links,
                &t,
                GraphQuery::new("item")
                    .fields(["id"])
                    .filters(filters.clone()),
            )
            .await
            .expect_err("not filterable");
            assert!(
                matches!(kind(&e), "UnknownField" | "InvalidInput"),
                "{:?}: {filters}: {e:?}",
                t.backend
            );
            let message = e.to_string();
            assert!(
                message.contains("filterable") && message.contains("code"),
                "{:?}: the message names the field and the fix: {message}",
                t.backend
            );
        }
        assert!(
            t.take_statements().is_empty(),
            "{:?}: refused before SQL",
            t.backend
        );
    }
}

/// §11 "Input the database would reject (… `$like` on a number …) is caught before SQL
/// (`InvalidInput`)", on the root's own number fields, and values of the wrong type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_on_a_number_and_ill_typed_values_are_invalid_input_before_sql() {
    for t in test_databases("probe_q_like_number").await {
        let links = world(&t).await;
        items(&t, vec![it("i1", "One", 100, Some(1))]).await;
        t.take_statements();
        for filters in [
            json!({"price": {"$like": "1%"}}),
            json!({"price": {"$ilike": "1%"}}),
            json!({"stock": {"$like": "%"}}),
            json!({"price": {"$gt": "abc"}}),
            json!({"price": "one hundred"}),
            json!({"price": {"$in": [100, "x"]}}),
            json!({"stock": {"$lt": 1.5e300}}),
            json!({"price": {"$eq": {"nested": 1}}}),
            json!({"price": {"$bogus": 1}}),
        ] {
            let e = run(
                &links,
                &t,
                GraphQuery::new("item")
                    .fields(["id"])
                    .filters(filters.clone()),
            )
            .await
            .expect_err("refused");
            assert_eq!(
                kind(&e),
                "InvalidInput",
                "{:?}: {filters}: {e:?}",
                t.backend
            );
            assert_caller_error(&e, &t, &filters.to_string());
        }
        assert_eq!(
            t.take_statements(),
            Vec::<String>::new(),
            "{:?}: refused before SQL",
            t.backend
        );
    }
}

/// §11 "more `$in` values than a statement can bind is caught before SQL (`InvalidInput`) or
/// handled (chunked)"; never a database error. 70,000 values, on the root and through a link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seventy_thousand_in_values_are_chunked_or_refused_never_a_database_error() {
    for t in test_databases("probe_q_huge_in").await {
        let links = world(&t).await;
        items(&t, vec![it("i1", "One", 1, None), it("i2", "Two", 2, None)]).await;
        makers(&t, vec![mk("m1", "Acme", None, None)]).await;
        link_makers(&links, &t, &[("i1", "m1")]).await;
        let mut many: Vec<String> = (0..70_000).map(|n| format!("x{n}")).collect();
        many.push("i2".into());
        let mut names = many.clone();
        names.push("Acme".into());
        let numbers: Vec<i64> = (3..70_003).chain([2]).collect();
        for (filters, expected) in [
            (json!({"id": {"$in": many}}), vec!["i2"]),
            (json!({"id": many}), vec!["i2"]),
            (json!({"id": {"$nin": many}}), vec!["i1"]),
            (json!({"price": {"$in": numbers}}), vec!["i2"]),
            (json!({"maker": {"name": {"$in": names}}}), vec!["i1"]),
            (json!({"maker": {"id": {"$in": many}}}), vec![]),
        ] {
            let shown: String = filters.to_string().chars().take(40).collect();
            match run(
                &links,
                &t,
                GraphQuery::new("item")
                    .fields(["id"])
                    .filters(filters)
                    .order("id", "ASC")
                    .take(10),
            )
            .await
            {
                Ok(graph) => assert_eq!(ids(&graph), v(&expected), "{:?}: {shown}", t.backend),
                Err(e) => {
                    assert_eq!(kind(&e), "InvalidInput", "{:?}: {shown}: {e:?}", t.backend);
                    assert_caller_error(&e, &t, &shown);
                }
            }
        }
    }
}

/// §8/§11: values are bound, never spliced: `%`, `_`, `'`, `\` and unicode in `$eq` and `$in`
/// match exactly themselves, on the root and through a link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metacharacters_in_eq_and_in_match_only_themselves() {
    let names = [
        "50% off",
        "50x off",
        "under_score",
        "underXscore",
        "O'Brien",
        "back\\slash",
        "back\\\\slash",
        "Ünïcødé ✓ 日本",
        "semi;colon--",
    ];
    for t in test_databases("probe_q_meta_eq").await {
        let links = world(&t).await;
        let rows = names
            .iter()
            .enumerate()
            .map(|(n, name)| it(&format!("i{n}"), name, n as i64, None))
            .collect();
        items(&t, rows).await;
        makers(
            &t,
            names
                .iter()
                .enumerate()
                .map(|(n, name)| mk(&format!("m{n}"), name, None, None))
                .collect(),
        )
        .await;
        let pairs: Vec<(String, String)> = (0..names.len())
            .map(|n| (format!("i{n}"), format!("m{n}")))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        link_makers(&links, &t, &pairs).await;
        let mut cases: Vec<(Value, Vec<String>)> = Vec::new();
        for (n, name) in names.iter().enumerate() {
            let id = vec![format!("i{n}")];
            cases.push((json!({"name": name}), id.clone()));
            cases.push((json!({"name": {"$in": [name]}}), id.clone()));
            cases.push((json!({"maker": {"name": name}}), id.clone()));
            cases.push((json!({"maker": {"name": {"$eq": name}}}), id));
        }
        let mut wrong = Vec::new();
        for (filters, expected) in cases {
            let got = select(&links, &t, filters.clone()).await;
            if got != expected {
                wrong.push(format!("{filters}: got {got:?}, expected {expected:?}"));
            }
        }
        assert!(wrong.is_empty(), "{:?}:\n{}", t.backend, wrong.join("\n"));
    }
}

/// §9.4 `$like` patterns with quotes, backslashes and unicode: the same records on every
/// backend ("the same on every backend" is the SPEC's rule for order; a `$like` that means
/// something else on MariaDB than on SQLite is the same kind of trap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_patterns_with_quotes_backslashes_and_unicode_agree_on_every_backend() {
    let names = [
        "O'Brien",
        "back\\slash",
        "backslash",
        "Ünïcødé ✓",
        "50% off",
    ];
    let patterns = [
        "O'Bri%",
        "back\\slash",
        "back\\s%",
        "%\\%",
        "Ünï%",
        "%✓",
        "50%",
        "%'%",
    ];
    let mut answers: Vec<(String, BTreeMap<String, Vec<String>>)> = Vec::new();
    for t in test_databases("probe_q_meta_like").await {
        let links = world(&t).await;
        items(
            &t,
            names
                .iter()
                .enumerate()
                .map(|(n, name)| it(&format!("i{n}"), name, n as i64, None))
                .collect(),
        )
        .await;
        let mut got = BTreeMap::new();
        for pattern in patterns {
            let root = select(&links, &t, json!({"name": {"$like": pattern}})).await;
            got.insert(pattern.to_string(), root);
        }
        // The ones whose meaning does not depend on an escape character.
        assert_eq!(got["O'Bri%"], v(&["i0"]), "{:?}", t.backend);
        assert_eq!(got["Ünï%"], v(&["i3"]), "{:?}", t.backend);
        assert_eq!(got["%✓"], v(&["i3"]), "{:?}", t.backend);
        assert_eq!(got["50%"], v(&["i4"]), "{:?}", t.backend);
        assert_eq!(got["%'%"], v(&["i0"]), "{:?}", t.backend);
        answers.push((format!("{:?}", t.backend), got));
    }
    let (first, reference) = &answers[0];
    for (backend, got) in &answers[1..] {
        assert_eq!(
            got, reference,
            "{backend} answers `$like` with backslashes otherwise than {first}"
        );
    }
}

/// SPEC §8 ("a string key is taken byte for byte (also on MySQL's case-insensitive collations,
/// and with trailing spaces)") and §9.4's "the same on every backend": `$eq`/`$in`/`$ne` on a
/// text field compare byte for byte on every backend, on the root and through a link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eq_on_text_compares_byte_for_byte_on_every_backend() {
    for t in test_databases("probe_q_eq_case").await {
        let links = world(&t).await;
        items(
            &t,
            vec![
                it("i1", "Acme", 1, None),
                it("i2", "acme", 2, None),
                it("i3", "Acme ", 3, None),
                it("i4", "ACME", 4, None),
            ],
        )
        .await;
        makers(
            &t,
            vec![
                mk("m1", "Acme", None, None),
                mk("m2", "acme", None, None),
                mk("m3", "Acme ", None, None),
                mk("m4", "ACME", None, None),
            ],
        )
        .await;
        link_makers(
            &links,
            &t,
            &[("i1", "m1"), ("i2", "m2"), ("i3", "m3"), ("i4", "m4")],
        )
        .await;
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({"name": "Acme"}), &["i1"]),
            (json!({"name": "acme"}), &["i2"]),
            (json!({"name": {"$in": ["ACME"]}}), &["i4"]),
            (json!({"name": {"$ne": "Acme"}}), &["i2", "i3", "i4"]),
            (json!({"name": {"$nin": ["acme", "ACME"]}}), &["i1", "i3"]),
            (json!({"maker": {"name": "Acme"}}), &["i1"]),
            (json!({"maker": {"name": {"$in": ["acme"]}}}), &["i2"]),
            (
                json!({"maker": {"name": {"$ne": "ACME"}}}),
                &["i1", "i2", "i3"],
            ),
        ];
        expect_all(&links, &t, &cases).await;
    }
}

/// §9.4: `$like` is offered beside `$ilike`, so `$like` is the case-sensitive one, on every
/// backend alike (as in Medusa, whose `$like` is PostgreSQL's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_is_case_sensitive_and_ilike_is_not_on_every_backend() {
    for t in test_databases("probe_q_like_case").await {
        let links = world(&t).await;
        items(
            &t,
            vec![
                it("i1", "Acme", 1, None),
                it("i2", "acme", 2, None),
                it("i3", "Bcme", 3, None),
            ],
        )
        .await;
        makers(
            &t,
            vec![mk("m1", "Acme", None, None), mk("m2", "acme", None, None)],
        )
        .await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m2")]).await;
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({"name": {"$like": "acme"}}), &["i2"]),
            (json!({"name": {"$like": "A%"}}), &["i1"]),
            (json!({"name": {"$ilike": "acme%"}}), &["i1", "i2"]),
            (json!({"maker": {"name": {"$like": "a%"}}}), &["i2"]),
            (json!({"maker": {"name": {"$ilike": "A%"}}}), &["i1", "i2"]),
        ];
        expect_all(&links, &t, &cases).await;
    }
}

/// §9.4 `$ilike` is case-insensitive matching, and §9.4's "the same on every backend": the
/// same records match on every backend, with accents and non-ASCII letters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ilike_matches_the_same_records_on_every_backend_beyond_ascii() {
    // `ẞ` lowers to `ß`, and letters past the Basic Multilingual Plane have cases too (as
    // PostgreSQL's `lower()` under a UTF-8 `LC_CTYPE` folds them).
    let names = [
        "acme", "ÄCME", "äcme", "Ärger", "straße", "STRASSE", "STRAẞE", "𐐀x",
    ];
    let patterns = [
        "acme", "ÄCME", "äcme", "är%", "%ß%", "strasse", "straß_", "𐐨X",
    ];
    let mut answers: Vec<(String, BTreeMap<String, Vec<String>>)> = Vec::new();
    let mut misses = Vec::new();
    for t in test_databases("probe_q_ilike_accents").await {
        let links = world(&t).await;
        items(
            &t,
            names
                .iter()
                .enumerate()
                .map(|(n, name)| it(&format!("i{n}"), name, n as i64, None))
                .collect(),
        )
        .await;
        let mut got = BTreeMap::new();
        for pattern in patterns {
            let found = select(&links, &t, json!({"name": {"$ilike": pattern}})).await;
            got.insert(pattern.to_string(), found);
        }
        // Whatever folding a backend does, a value matches itself.
        for (n, name) in names.iter().enumerate() {
            let found = select(&links, &t, json!({"name": {"$ilike": name}})).await;
            if !found.contains(&format!("i{n}")) {
                misses.push(format!(
                    "{:?}: `$ilike` {name:?} does not match {name:?}: {found:?}",
                    t.backend
                ));
            }
        }
        answers.push((format!("{:?}", t.backend), got));
    }
    assert!(
        misses.is_empty() && answers.iter().all(|(_, got)| got == &answers[0].1),
        "{}\n`$ilike` answers per backend: {answers:#?}",
        misses.join("\n")
    );
}

/// §9.4 `$like`/`$ilike` as Medusa's PostgreSQL reads them: `_` is one character, however
/// many bytes it takes (MariaDB compared a binary pattern byte by byte, so `caf_` missed
/// `café`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_underscore_is_one_character_not_one_byte() {
    for t in test_databases("spec_q_like_multibyte").await {
        let links = world(&t).await;
        let names = ["café", "cafe", "caf", "cafés", "Café"];
        items(
            &t,
            names
                .iter()
                .enumerate()
                .map(|(n, name)| it(&format!("i{n}"), name, n as i64, None))
                .collect(),
        )
        .await;
        for (filter, want) in [
            (json!({"name": {"$like": "caf_"}}), vec!["i0", "i1"]),
            (json!({"name": {"$like": "_afé"}}), vec!["i0", "i4"]),
            (json!({"name": {"$like": "caf__"}}), vec!["i3"]),
            (json!({"name": {"$ilike": "CAF_"}}), vec!["i0", "i1", "i4"]),
            (json!({"name": {"$ilike": "%É_"}}), vec!["i3"]),
        ] {
            let found = select(&links, &t, filter.clone()).await;
            assert_eq!(found, want, "{:?}: {filter}", t.backend);
        }
    }
}

/// §9.4 "Ordering by a linked field puts roots with no linked record (or whose linked field is
/// NULL) last when ascending and first when descending, the same on every backend"; Page docs
/// "the primary key breaks ties"; paging with a small `take` returns every root exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_by_a_linked_field_places_missing_and_null_and_pages_without_overlap() {
    let mut answers = Vec::new();
    for t in test_databases("probe_q_order_linked").await {
        let links = world(&t).await;
        items(
            &t,
            ["i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"]
                .iter()
                .map(|id| it(id, id, 1, None))
                .collect(),
        )
        .await;
        makers(
            &t,
            vec![
                mk("m1", "A", None, Some(1)),
                mk("m2", "B", None, Some(2)),
                mk("m3", "C", None, None),
                mk("m4", "D", None, Some(1)),
                mk("m5", "E", None, Some(0)),
                mk("m6", "F", None, Some(-5)),
            ],
        )
        .await;
        link_makers(
            &links,
            &t,
            &[
                ("i1", "m2"),
                ("i2", "m1"),
                ("i3", "m3"),
                ("i5", "m4"),
                ("i6", "m1"),
                ("i7", "m5"),
                ("i8", "m6"),
            ],
        )
        .await;
        // i4 has no maker; i6's link is dismissed; i7's maker is soft-deleted.
        links
            .dismiss(
                &t.db,
                ItemMaker::new(item::Model::key("i6"), maker::Model::key("m1")),
            )
            .await
            .expect("dismiss");
        soft_delete(&t, "maker", "m5").await;
        let order = |direction: &str| {
            GraphQuery::new("item")
                .fields(["id", "maker.rank"])
                .order("maker.rank", direction)
        };
        let asc = ids(&run(&links, &t, order("ASC")).await.expect("asc"));
        let desc = ids(&run(&links, &t, order("DESC")).await.expect("desc"));
        assert_eq!(
            asc,
            v(&["i8", "i2", "i5", "i1", "i3", "i4", "i6", "i7"]),
            "{:?}: ascending, missing/NULL last, ties by id",
            t.backend
        );
        let mut desc_groups = desc.clone();
        desc_groups[..4].sort();
        desc_groups[5..7].sort();
        assert_eq!(
            desc_groups,
            v(&["i3", "i4", "i6", "i7", "i1", "i2", "i5", "i8"]),
            "{:?}: descending, missing/NULL first: {desc:?}",
            t.backend
        );
        for (direction, full) in [("ASC", &asc), ("DESC", &desc)] {
            for take in [1u64, 2, 3] {
                let mut paged = Vec::new();
                let mut skip = 0;
                while skip < 12 {
                    let page = run(&links, &t, order(direction).skip(skip).take(take))
                        .await
                        .expect("page");
                    assert_eq!(
                        page.metadata.as_ref().map(|m| m.count),
                        Some(8),
                        "{:?}: count",
                        t.backend
                    );
                    paged.extend(ids(&page));
                    skip += take;
                }
                assert_eq!(
                    &paged, full,
                    "{:?}: {direction} pages of {take} are the full order, each root once",
                    t.backend
                );
            }
        }
        answers.push((format!("{:?}", t.backend), asc, desc));
    }
    for (backend, asc, desc) in &answers[1..] {
        assert_eq!(
            (asc, desc),
            (&answers[0].1, &answers[0].2),
            "{backend} orders otherwise than {}",
            answers[0].0
        );
    }
}

/// §9.4 "Order may only go through non-list sides (ordering by a list is ambiguous: an
/// error)", from the item (labels) and from the maker (its items).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_through_either_list_side_is_a_caller_error() {
    for t in test_databases("probe_q_order_list").await {
        let links = world(&t).await;
        for (entity, path) in [("item", "labels.name"), ("maker", "items.price")] {
            let e = run(
                &links,
                &t,
                GraphQuery::new(entity).fields(["id"]).order(path, "ASC"),
            )
            .await
            .expect_err("order through a list");
            assert!(
                matches!(kind(&e), "InvalidInput" | "UnknownField"),
                "{:?}: {path}: {e:?}",
                t.backend
            );
        }
        // And a direction that is neither ASC nor DESC.
        let e = run(
            &links,
            &t,
            GraphQuery::new("item")
                .fields(["id"])
                .order("price", "SIDEWAYS"),
        )
        .await
        .expect_err("bad direction");
        assert_eq!(kind(&e), "InvalidInput", "{:?}: {e:?}", t.backend);
    }
}

/// §9.4 "with the root's pagination and a correct total count": a many-to-many filter matching
/// a root through two partners counts it and returns it once, page after page; a `skip` beyond
/// the end is an empty page with the same count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_to_many_matches_count_each_root_once_across_pages() {
    for t in test_databases("probe_q_m2m_pages").await {
        let links = world(&t).await;
        items(
            &t,
            ["i1", "i2", "i3", "i4", "i5"]
                .iter()
                .map(|id| it(id, id, 10, None))
                .collect(),
        )
        .await;
        labels(&t, &[("red", "red"), ("blue", "blue"), ("green", "green")]).await;
        link_labels(
            &links,
            &t,
            &[
                ("i1", "red"),
                ("i1", "blue"),
                ("i2", "red"),
                ("i3", "blue"),
                ("i3", "red"),
                ("i5", "green"),
            ],
        )
        .await;
        let filters = json!({"labels": {"name": {"$in": ["red", "blue"]}}, "price": 10});
        let mut seen = Vec::new();
        for skip in 0..5 {
            let page = run(
                &links,
                &t,
                GraphQuery::new("item")
                    .fields(["id", "labels.name"])
                    .filters(filters.clone())
                    .order("id", "DESC")
                    .skip(skip)
                    .take(1),
            )
            .await
            .expect("page");
            assert_eq!(
                page.metadata.as_ref().map(|m| m.count),
                Some(3),
                "{:?}",
                t.backend
            );
            seen.extend(ids(&page));
            if let Some(record) = page.data.first() {
                // The whole list, not only the matching labels.
                let n = record["labels"].as_array().map(Vec::len);
                let expected = if record["id"] == "i2" { 1 } else { 2 };
                assert_eq!(n, Some(expected), "{:?}: {record}", t.backend);
            }
        }
        assert_eq!(seen, v(&["i3", "i2", "i1"]), "{:?}", t.backend);
        let beyond = run(
            &links,
            &t,
            GraphQuery::new("item")
                .fields(["id"])
                .filters(filters.clone())
                .skip(1_000_000)
                .take(10),
        )
        .await
        .expect("beyond the end");
        assert!(beyond.data.is_empty(), "{:?}", t.backend);
        assert_eq!(beyond.metadata.map(|m| m.count), Some(3), "{:?}", t.backend);
    }
}

/// §9.4 with §8: a dismissed link or a soft-deleted partner is no linked record, also for the
/// negative operators (`$ne`, `$nin`) and for `id`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_linked_filters_ignore_dismissed_links_and_deleted_partners() {
    for t in test_databases("probe_q_neg_dead").await {
        let links = world(&t).await;
        items(
            &t,
            ["i1", "i2", "i3", "i4"]
                .iter()
                .map(|id| it(id, id, 10, None))
                .collect(),
        )
        .await;
        makers(
            &t,
            vec![
                mk("m1", "Acme", Some("DE"), Some(1)),
                mk("m2", "Bolt", Some("DE"), Some(1)),
                mk("m3", "Core", Some("DE"), Some(1)),
            ],
        )
        .await;
        labels(&t, &[("l1", "red"), ("l2", "red")]).await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m2"), ("i3", "m3")]).await;
        link_labels(&links, &t, &[("i1", "l1"), ("i2", "l2")]).await;
        links
            .dismiss(
                &t.db,
                ItemMaker::new(item::Model::key("i1"), maker::Model::key("m1")),
            )
            .await
            .expect("dismiss");
        links
            .dismiss(
                &t.db,
                ItemLabel::new(item::Model::key("i1"), label::Model::key("l1")),
            )
            .await
            .expect("dismiss");
        soft_delete(&t, "maker", "m2").await;
        soft_delete(&t, "label", "l2").await;
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({"maker": {"name": {"$ne": "Zed"}}}), &["i3"]),
            (json!({"maker": {"name": {"$nin": ["Zed"]}}}), &["i3"]),
            (
                json!({"maker": {"id": {"$in": ["m1", "m2", "m3"]}}}),
                &["i3"],
            ),
            (json!({"maker": {"country": "DE", "rank": 1}}), &["i3"]),
            (json!({"maker": {"rank": {"$gte": 0}}}), &["i3"]),
            (json!({"labels": {"name": "red"}}), &[]),
            (json!({"labels": {"id": {"$ne": "zz"}}}), &[]),
        ];
        expect_all(&links, &t, &cases).await;
        // The count agrees.
        let page = run(
            &links,
            &t,
            GraphQuery::new("item")
                .fields(["id"])
                .filters(json!({"maker": {"name": {"$ne": "Zed"}}}))
                .take(10),
        )
        .await
        .expect("page");
        assert_eq!(page.metadata.map(|m| m.count), Some(1), "{:?}", t.backend);
    }
}

/// SPEC §7 "Query and Link must work across connections; where … a filter can only run in SQL
/// on one connection, document it and say what happens otherwise" with §9.4's order rule: with
/// the makers on a connection of their own, ordering items by `maker.rank` is either the order
/// §9.4 gives (missing and NULL last ascending, first descending) or a caller's error naming
/// why, never a database error and never another order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_by_a_field_of_a_module_on_another_connection_is_right_or_refused() {
    for t in test_databases("probe_q_order_cross").await {
        let other = link_tests::db::sqlite_database().await;
        let schema = Schema::new(t.sea_backend());
        t.db.execute(&schema.create_table_from_entity(item::Entity))
            .await
            .expect("items table");
        other
            .db
            .execute(&Schema::new(other.sea_backend()).create_table_from_entity(maker::Entity))
            .await
            .expect("makers table");
        let links = Links::builder(t.db.clone())
            .application("probe_cross")
            .module("catalog")
            .module_on("makers", other.db.clone())
            .link::<ItemMaker>()
            .build()
            .expect("build");
        links.migrate().await.expect("migrate");
        items(
            &t,
            ["i1", "i2", "i3", "i4"]
                .iter()
                .map(|id| it(id, id, 1, None))
                .collect(),
        )
        .await;
        makers(
            &other,
            vec![
                mk("m1", "A", None, Some(2)),
                mk("m2", "B", None, Some(1)),
                mk("m3", "C", None, None),
            ],
        )
        .await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m2"), ("i3", "m3")]).await;
        for (direction, expected) in [
            ("ASC", ["i2", "i1", "i3", "i4"]),
            ("DESC", ["i3", "i4", "i1", "i2"]),
        ] {
            let answer = run(
                &links,
                &t,
                GraphQuery::new("item")
                    .fields(["id", "maker.rank"])
                    .order("maker.rank", direction)
                    .take(10),
            )
            .await;
            match answer {
                Ok(graph) => assert_eq!(
                    ids(&graph),
                    v(&expected),
                    "{:?}: {direction} across connections",
                    t.backend
                ),
                Err(e) => {
                    assert!(
                        matches!(kind(&e), "InvalidInput" | "UnknownField"),
                        "{:?}: {direction}: {e:?}",
                        t.backend
                    );
                    assert_caller_error(&e, &t, direction);
                }
            }
        }
        // And a linked filter, pushed down, with the root's order and count.
        let page = run(
            &links,
            &t,
            GraphQuery::new("item")
                .fields(["id"])
                .filters(json!({"maker": {"rank": {"$gte": 1}}}))
                .order("id", "DESC")
                .take(1),
        )
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(ids(&page), v(&["i2"]), "{:?}", t.backend);
        assert_eq!(page.metadata.map(|m| m.count), Some(2), "{:?}", t.backend);
    }
}
