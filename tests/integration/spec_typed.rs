//! The typed query against the JSON graph (SPEC §9.4, §12 "a typed Query whose result type
//! follows its selection"), written from the SPEC and the README before reading the code: the
//! same filters select the same records typed and as JSON on every backend (text differing by
//! case, accents or a trailing space, NULLable fields, filters and order through a link, pages
//! and counts), a filter on a NULL linked field, ordering by a linked text field, and a partner
//! hard-deleted under a live link. Each test runs on SQLite, PostgreSQL and MariaDB.

#![allow(clippy::panic)]

mod spec_query_world;

use link_runtime::query::{GraphQuery, Query};
use link_runtime::{Links, Selection, query};
use link_tests::{TestDb, test_databases};
use serde::Serialize;
use serde_json::{Value, json};

use spec_query_world::*;

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = maker::Model)]
struct MakerInfo {
    id: String,
    name: String,
    country: Option<String>,
    rank: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = label::Model)]
struct LabelName {
    id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = item::Model)]
struct ItemCard {
    id: String,
    name: String,
    price: i64,
    stock: Option<i32>,
    #[selection(link)]
    maker: Option<MakerInfo>,
    #[selection(link)]
    labels: Vec<LabelName>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = item::Model)]
struct ItemName {
    id: String,
    name: String,
}

/// The maker side: a list of items (the inverse of a non-list side).
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = maker::Model)]
struct MakerItems {
    id: String,
    name: String,
    #[selection(link)]
    items: Vec<ItemName>,
}

fn card_ids(cards: &[ItemCard]) -> Vec<String> {
    cards.iter().map(|c| c.id.clone()).collect()
}

/// The typed answer's ids, in the query's own order.
async fn typed_ids(links: &Links, t: &TestDb, query: Query<ItemCard>) -> Vec<String> {
    let json = query.graph_query().filters.clone();
    match query.all(links, &t.db).await {
        Ok(cards) => card_ids(&cards),
        Err(e) => panic!("{:?}: typed {json}: {e}", t.backend),
    }
}

/// A world of items whose names differ by case, accents and a trailing space, with NULLable
/// stock, makers with NULL countries and ranks, and labels.
async fn seeded(t: &TestDb) -> Links {
    let links = world(t).await;
    items(
        t,
        vec![
            it("i01", "apple", 10, Some(5)),
            it("i02", "Apple", 20, None),
            it("i03", "apple ", 30, Some(0)),
            it("i04", "Äpfel", 40, Some(7)),
            it("i05", "äpfel", 50, None),
            it("i06", "Banana", 60, Some(5)),
            it("i07", "cherry", 70, Some(-1)),
            it("i08", "Straße", 80, None),
        ],
    )
    .await;
    makers(
        t,
        vec![
            mk("m1", "Acme", Some("DE"), Some(1)),
            mk("m2", "acme", None, Some(2)),
            mk("m3", "Ärger", Some("AT"), None),
            mk("m4", "Acme ", None, None),
        ],
    )
    .await;
    labels(t, &[("l1", "red"), ("l2", "Red"), ("l3", "grün")]).await;
    link_makers(
        &links,
        t,
        &[
            ("i01", "m1"),
            ("i02", "m2"),
            ("i03", "m3"),
            ("i04", "m4"),
            ("i05", "m1"),
            ("i06", "m2"),
        ],
    )
    .await;
    link_labels(
        &links,
        t,
        &[
            ("i01", "l1"),
            ("i01", "l2"),
            ("i02", "l2"),
            ("i04", "l3"),
            ("i07", "l1"),
        ],
    )
    .await;
    links
}

/// §9.4 (filters) with the README's "A typed query runs as the JSON graph below does": each
/// typed filter selects exactly the records its hand-written JSON twin selects, and both the
/// records the SPEC's rules give (text compared byte for byte by `==`, `like` case-sensitive
/// and `ilike` not, beyond ASCII; a comparison with a NULL field is not true; a linked filter
/// selects roots with a live partner that matches), on every backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_and_json_filters_select_the_same_items() {
    for t in test_databases("probe_ty_diff").await {
        let links = seeded(&t).await;
        let cases: Vec<(Query<ItemCard>, Value, &[&str])> = vec![
            (
                query!(ItemCard, filter = name == "apple"),
                json!({"name": "apple"}),
                &["i01"],
            ),
            (
                query!(ItemCard, filter = name == "apple "),
                json!({"name": {"$eq": "apple "}}),
                &["i03"],
            ),
            (
                query!(ItemCard, filter = name != "apple"),
                json!({"name": {"$ne": "apple"}}),
                &["i02", "i03", "i04", "i05", "i06", "i07", "i08"],
            ),
            (
                query!(ItemCard, filter = name.like("äp%")),
                json!({"name": {"$like": "äp%"}}),
                &["i05"],
            ),
            (
                query!(ItemCard, filter = name.ilike("ÄP%")),
                json!({"name": {"$ilike": "ÄP%"}}),
                &["i04", "i05"],
            ),
            (
                query!(ItemCard, filter = name.ilike("apple")),
                json!({"name": {"$ilike": "apple"}}),
                &["i01", "i02"],
            ),
            (
                query!(ItemCard, filter = name.ilike("STRASSE")),
                json!({"name": {"$ilike": "STRASSE"}}),
                &[],
            ),
            (
                query!(ItemCard, filter = name.is_in(["apple", "Banana"])),
                json!({"name": {"$in": ["apple", "Banana"]}}),
                &["i01", "i06"],
            ),
            (
                query!(ItemCard, filter = stock > 0),
                json!({"stock": {"$gt": 0}}),
                &["i01", "i04", "i06"],
            ),
            (
                query!(ItemCard, filter = stock <= 5),
                json!({"stock": {"$lte": 5}}),
                &["i01", "i03", "i06", "i07"],
            ),
            (
                query!(ItemCard, filter = stock.is_null()),
                json!({"stock": null}),
                &["i02", "i05", "i08"],
            ),
            (
                query!(ItemCard, filter = stock.is_not_null() && stock != 5),
                json!({"stock": {"$ne": null}, "$and": [{"stock": {"$ne": 5}}]}),
                &["i03", "i04", "i07"],
            ),
            (
                query!(ItemCard, filter = maker.name == "Acme"),
                json!({"maker": {"name": "Acme"}}),
                &["i01", "i05"],
            ),
            (
                query!(ItemCard, filter = maker.name == "Acme "),
                json!({"maker": {"name": "Acme "}}),
                &["i04"],
            ),
            (
                query!(ItemCard, filter = maker.name.ilike("acme")),
                json!({"maker": {"name": {"$ilike": "acme"}}}),
                &["i01", "i02", "i05", "i06"],
            ),
            (
                query!(ItemCard, filter = maker.name.like("Ä%")),
                json!({"maker": {"name": {"$like": "Ä%"}}}),
                &["i03"],
            ),
            (
                query!(ItemCard, filter = maker.name.ilike("ä%")),
                json!({"maker": {"name": {"$ilike": "ä%"}}}),
                &["i03"],
            ),
            (
                query!(ItemCard, filter = maker.rank < 2),
                json!({"maker": {"rank": {"$lt": 2}}}),
                &["i01", "i05"],
            ),
            (
                query!(ItemCard, filter = maker.country != "DE"),
                json!({"maker": {"country": {"$ne": "DE"}}}),
                &["i03"],
            ),
            (
                query!(ItemCard, filter = labels.name == "red"),
                json!({"labels": {"name": "red"}}),
                &["i01", "i07"],
            ),
            (
                query!(ItemCard, filter = labels.name.ilike("RED")),
                json!({"labels": {"name": {"$ilike": "RED"}}}),
                &["i01", "i02", "i07"],
            ),
            (
                query!(ItemCard, filter = labels.name.ilike("GRÜN")),
                json!({"labels": {"name": {"$ilike": "GRÜN"}}}),
                &["i04"],
            ),
            (
                query!(
                    ItemCard,
                    filter = maker.name == "acme" || labels.name == "Red"
                ),
                json!({"$or": [{"maker": {"name": "acme"}}, {"labels": {"name": "Red"}}]}),
                &["i01", "i02", "i06"],
            ),
        ];
        let mut wrong = Vec::new();
        for (query, filters, expected) in cases {
            let mut typed = typed_ids(&links, &t, query).await;
            typed.sort();
            let graph = select(&links, &t, filters.clone()).await;
            if typed != v(expected) || graph != v(expected) {
                wrong.push(format!(
                    "{filters}: typed {typed:?}, json {graph:?}, expected {expected:?}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{:?}:\n{}", t.backend, wrong.join("\n"));
    }
}

/// §9.4 "A filter on a linked field selects roots" with a NULL value: `maker.country` IS NULL
/// (`{"maker": {"country": null}}`, typed `maker.country.is_null()`). Roots: i1's maker has a
/// NULL country, i2's has one, i3 has no maker, i4's link to a NULL-country maker is dismissed,
/// i5's NULL-country maker is soft-deleted, i6's NULL-country maker is hard-deleted under a
/// live link. By the SPEC's semantics (roots with a live linked record that matches), only i1
/// matches `is_null`, only i2 `is_not_null`; whatever the answer, it is the same typed and as
/// JSON, and on every backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_null_linked_field_selects_alike_typed_json_and_everywhere() {
    let mut answers: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for t in test_databases("probe_ty_nullf").await {
        let links = world(&t).await;
        items(
            &t,
            ["i1", "i2", "i3", "i4", "i5", "i6"]
                .iter()
                .map(|id| it(id, id, 1, None))
                .collect(),
        )
        .await;
        makers(
            &t,
            vec![
                mk("m1", "A", None, None),
                mk("m2", "B", Some("DE"), Some(1)),
                mk("m4", "D", None, None),
                mk("m5", "E", None, None),
                mk("m6", "F", None, None),
            ],
        )
        .await;
        link_makers(
            &links,
            &t,
            &[
                ("i1", "m1"),
                ("i2", "m2"),
                ("i4", "m4"),
                ("i5", "m5"),
                ("i6", "m6"),
            ],
        )
        .await;
        links
            .dismiss(
                &t.db,
                ItemMaker::new(item::Model::key("i4"), maker::Model::key("m4")),
            )
            .await
            .expect("dismiss");
        soft_delete(&t, "maker", "m5").await;
        t.exec("DELETE FROM maker WHERE id = 'm6'").await;

        let typed_null = typed_ids(
            &links,
            &t,
            query!(ItemCard, filter = maker.country.is_null()),
        )
        .await;
        let typed_not_null = typed_ids(
            &links,
            &t,
            query!(ItemCard, filter = maker.country.is_not_null()),
        )
        .await;
        let typed_rank_null =
            typed_ids(&links, &t, query!(ItemCard, filter = maker.rank.is_null())).await;
        let json_null = select(&links, &t, json!({"maker": {"country": null}})).await;
        let json_eq_null = select(&links, &t, json!({"maker": {"country": {"$eq": null}}})).await;
        let json_not_null = select(&links, &t, json!({"maker": {"country": {"$ne": null}}})).await;
        let json_rank_null = select(&links, &t, json!({"maker": {"rank": null}})).await;
        let got = vec![
            typed_null.clone(),
            typed_not_null.clone(),
            typed_rank_null.clone(),
            json_null.clone(),
            json_eq_null.clone(),
            json_not_null.clone(),
            json_rank_null.clone(),
        ];
        eprintln!("{:?}: null-linked answers {got:?}", t.backend);
        assert_eq!(
            typed_null, json_null,
            "{:?}: typed vs JSON is_null",
            t.backend
        );
        assert_eq!(json_null, json_eq_null, "{:?}: null vs $eq null", t.backend);
        assert_eq!(
            typed_not_null, json_not_null,
            "{:?}: typed vs JSON is_not_null",
            t.backend
        );
        assert_eq!(typed_rank_null, json_rank_null, "{:?}", t.backend);
        assert_eq!(
            json_null,
            v(&["i1"]),
            "{:?}: roots with a live maker whose country is NULL",
            t.backend
        );
        assert_eq!(json_not_null, v(&["i2"]), "{:?}", t.backend);
        // The count agrees with the records.
        let page = run(
            &links,
            &t,
            GraphQuery::new("item")
                .fields(["id"])
                .filters(json!({"maker": {"country": null}}))
                .take(1),
        )
        .await
        .expect("page");
        assert_eq!(
            page.metadata.map(|m| m.count),
            Some(json_null.len() as u64),
            "{:?}",
            t.backend
        );
        answers.push((format!("{:?}", t.backend), got));
    }
    for (backend, got) in &answers[1..] {
        assert_eq!(
            got, &answers[0].1,
            "{backend} differs from {}",
            answers[0].0
        );
    }
}

/// The orders of the items by their maker's name, ascending and descending (names; `-` for
/// the item without a maker), per backend, after checking on each that typed and JSON agree
/// and that the item without a maker is last ascending and first descending.
async fn text_orders(name: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut answers = Vec::new();
    for t in test_databases(name).await {
        let links = world(&t).await;
        let names = [
            "apple", "Banana", "cherry", "Äpfel", "Apple", "banana", "Zebra", "éclair",
        ];
        let all: Vec<String> = (0..names.len()).map(|i| format!("i{i}")).collect();
        let mut rows: Vec<_> = all.iter().map(|id| it(id, id, 1, None)).collect();
        rows.push(it("ix", "none", 1, None));
        items(&t, rows).await;
        makers(
            &t,
            names
                .iter()
                .enumerate()
                .map(|(i, n)| mk(&format!("m{i}"), n, None, None))
                .collect(),
        )
        .await;
        let pairs: Vec<(String, String)> = (0..names.len())
            .map(|i| (format!("i{i}"), format!("m{i}")))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        link_makers(&links, &t, &pairs).await;
        let name_of = |cards: &[ItemCard]| -> Vec<String> {
            cards
                .iter()
                .map(|c| c.maker.as_ref().map_or("-".to_string(), |m| m.name.clone()))
                .collect()
        };
        let asc = query!(ItemCard, order = [maker.name, id])
            .all(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let desc = query!(ItemCard, order = [maker.name.desc(), id])
            .all(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let json_asc = ids_of_graph(
            &run(
                &links,
                &t,
                GraphQuery::new("item")
                    .fields(["id"])
                    .order("maker.name", "ASC")
                    .order("id", "ASC"),
            )
            .await
            .expect("json asc"),
        );
        assert_eq!(card_ids(&asc), json_asc, "{:?}: typed vs JSON", t.backend);
        let (asc, desc) = (name_of(&asc), name_of(&desc));
        eprintln!("{:?}: ascending {asc:?}; descending {desc:?}", t.backend);
        assert_eq!(asc.last().map(String::as_str), Some("-"), "{:?}", t.backend);
        assert_eq!(
            desc.first().map(String::as_str),
            Some("-"),
            "{:?}",
            t.backend
        );
        answers.push((format!("{:?}", t.backend), asc, desc));
    }
    answers
}

/// §9.4 "Ordering by a linked field puts roots with no linked record (or whose linked field is
/// NULL) last when ascending and first when descending, the same on every backend", with
/// text in mixed case and accents; typed and JSON agree on each backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordering_by_linked_text_puts_missing_last_typed_as_json() {
    assert!(!text_orders("probe_ty_textord").await.is_empty());
}

/// The text order itself across backends (the brief: record what each does). A finding, not
/// a SPEC sentence: §9.4 promises the same NULL placement everywhere, not the same collation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "documented (README, Query): an order by text follows the column's collation, so MariaDB's general_ci differs from code point order; run to see each backend's"]
async fn ordering_by_linked_text_is_the_same_on_every_backend() {
    let answers = text_orders("probe_ty_textord2").await;
    let differ: Vec<String> = answers[1..]
        .iter()
        .filter(|(_, a, d)| (a, d) != (&answers[0].1, &answers[0].2))
        .map(|(b, a, d)| format!("{b}: asc {a:?} desc {d:?}"))
        .collect();
    assert!(
        differ.is_empty(),
        "text order differs from {} (asc {:?}):\n{}",
        answers[0].0,
        answers[0].1,
        differ.join("\n")
    );
}

/// §9.4 filters (`$gt`, `$lt` …) on text, with the README's "a string key is taken byte for
/// byte … also on MySQL's case-insensitive collations" and `$eq` compared byte for byte: a
/// range comparison on text selects the same records on every backend, typed and as JSON
/// (by code point, PostgreSQL's rule under `C` and SQLite's), on a root field and through a
/// link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_range_comparisons_select_alike_on_every_backend() {
    let mut answers: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for t in test_databases("probe_ty_range").await {
        let links = seeded(&t).await;
        let mut got = Vec::new();
        for (query, filters) in [
            (
                query!(ItemCard, filter = name < "b"),
                json!({"name": {"$lt": "b"}}),
            ),
            (
                query!(ItemCard, filter = name >= "apple"),
                json!({"name": {"$gte": "apple"}}),
            ),
            (
                query!(ItemCard, filter = name > "apple"),
                json!({"name": {"$gt": "apple"}}),
            ),
            (
                query!(ItemCard, filter = maker.name > "acme"),
                json!({"maker": {"name": {"$gt": "acme"}}}),
            ),
            (
                query!(ItemCard, filter = maker.name <= "Acme"),
                json!({"maker": {"name": {"$lte": "Acme"}}}),
            ),
        ] {
            let mut typed = typed_ids(&links, &t, query).await;
            typed.sort();
            let json = select(&links, &t, filters.clone()).await;
            assert_eq!(typed, json, "{:?}: {filters}", t.backend);
            got.push(json);
        }
        eprintln!("{:?}: range answers {got:?}", t.backend);
        answers.push((format!("{:?}", t.backend), got));
    }
    for (backend, got) in &answers[1..] {
        assert_eq!(
            got, &answers[0].1,
            "{backend} selects otherwise than {}",
            answers[0].0
        );
    }
    // By code point: "Apple" < "Banana" < "Straße" < "apple" < "apple " < "b" < "äpfel".
    assert_eq!(answers[0].1[0], v(&["i01", "i02", "i03", "i06", "i08"]));
}

fn ids_of_graph(graph: &link_runtime::query::Graph) -> Vec<String> {
    ids(graph)
}

/// §12 "a typed Query whose result type follows its selection" and §9.2: a non-list link is an
/// `Option` (None without a live partner: none linked, dismissed, partner soft-deleted), a list
/// link a `Vec` (empty when nothing is linked), and from the other side the items are a `Vec`;
/// the typed values serialize to the graph's JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_result_type_follows_the_selection() {
    for t in test_databases("probe_ty_shape").await {
        let links = world(&t).await;
        items(
            &t,
            vec![
                it("i1", "one", 1, None),
                it("i2", "two", 2, None),
                it("i3", "three", 3, None),
                it("i4", "four", 4, None),
            ],
        )
        .await;
        makers(
            &t,
            vec![mk("m1", "A", None, None), mk("m2", "B", None, None)],
        )
        .await;
        labels(&t, &[("l1", "red"), ("l2", "blue")]).await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m1"), ("i3", "m2")]).await;
        link_labels(&links, &t, &[("i1", "l1"), ("i1", "l2"), ("i2", "l2")]).await;
        links
            .dismiss(
                &t.db,
                ItemMaker::new(item::Model::key("i2"), maker::Model::key("m1")),
            )
            .await
            .expect("dismiss");
        soft_delete(&t, "maker", "m2").await;
        let query = Query::<ItemCard>::new();
        let cards = query
            .all(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let graph = links
            .graph(&t.db, &query.graph_query())
            .await
            .expect("graph");
        assert_eq!(
            serde_json::to_value(&cards).unwrap_or_default(),
            Value::Array(graph.data),
            "{:?}",
            t.backend
        );
        let makers_of: Vec<Option<String>> = cards
            .iter()
            .map(|c| c.maker.as_ref().map(|m| m.id.clone()))
            .collect();
        assert_eq!(
            makers_of,
            vec![Some("m1".to_string()), None, None, None],
            "{:?}",
            t.backend
        );
        let label_counts: Vec<usize> = cards.iter().map(|c| c.labels.len()).collect();
        assert_eq!(label_counts, vec![2, 1, 0, 0], "{:?}", t.backend);
        let by_maker = Query::<MakerItems>::new()
            .all(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        // m2 is soft-deleted: not a root; m1 keeps only its live link.
        assert_eq!(by_maker.len(), 1, "{:?}: {by_maker:?}", t.backend);
        assert_eq!(
            by_maker[0].items,
            vec![ItemName {
                id: "i1".into(),
                name: "one".into()
            }],
            "{:?}",
            t.backend
        );
    }
}

/// §9.4 "with the root's pagination and a correct total count": a typed page filtered through
/// the many-to-many labels (an item with two matching labels counts once) and ordered by the
/// maker's name; the pages, walked, are the full order, each item once, and agree with the
/// JSON graph's pages and count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_pages_through_links_count_each_root_once() {
    for t in test_databases("probe_ty_pages").await {
        let links = world(&t).await;
        let all: Vec<String> = (1..=7).map(|i| format!("i{i}")).collect();
        items(&t, all.iter().map(|id| it(id, id, 1, None)).collect()).await;
        makers(
            &t,
            vec![
                mk("m1", "b", None, None),
                mk("m2", "a", None, None),
                mk("m3", "c", None, None),
            ],
        )
        .await;
        labels(&t, &[("l1", "hot"), ("l2", "hot"), ("l3", "cold")]).await;
        link_makers(
            &links,
            &t,
            &[
                ("i1", "m1"),
                ("i2", "m2"),
                ("i3", "m3"),
                ("i4", "m2"),
                ("i6", "m1"),
            ],
        )
        .await;
        link_labels(
            &links,
            &t,
            &[
                ("i1", "l1"),
                ("i1", "l2"),
                ("i2", "l1"),
                ("i3", "l3"),
                ("i4", "l1"),
                ("i4", "l2"),
                ("i5", "l2"),
                ("i6", "l1"),
                ("i7", "l3"),
            ],
        )
        .await;
        // hot: i1, i2, i4, i5, i6; by maker name a (i2, i4), b (i1, i6), none (i5).
        let full = v(&["i2", "i4", "i1", "i6", "i5"]);
        for take in [1u64, 2, 3] {
            let mut walked = Vec::new();
            let mut skip = 0;
            while skip < 7 {
                let page = query!(
                    ItemCard,
                    filter = labels.name == "hot",
                    order = [maker.name, id]
                )
                .skip(skip)
                .take(take)
                .page(&links, &t.db)
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
                assert_eq!(page.count, 5, "{:?}: typed count", t.backend);
                let json = run(
                    &links,
                    &t,
                    GraphQuery::new("item")
                        .fields(["id"])
                        .filters(json!({"labels": {"name": "hot"}}))
                        .order("maker.name", "ASC")
                        .order("id", "ASC")
                        .skip(skip)
                        .take(take),
                )
                .await
                .expect("json page");
                assert_eq!(json.metadata.map(|m| m.count), Some(5), "{:?}", t.backend);
                assert_eq!(
                    card_ids(&page.data),
                    ids(&json),
                    "{:?}: skip {skip}",
                    t.backend
                );
                walked.extend(card_ids(&page.data));
                skip += take;
            }
            assert_eq!(walked, full, "{:?}: pages of {take}", t.backend);
        }
    }
}

/// "The other end deleted first", for Query (§9.2 and §9.4): a maker and a label hard-deleted
/// from their module's tables while the link rows stay live. Reading is no error; the maker
/// is None and the label absent from the list, every time; a filter through the link finds
/// nothing of the gone partner (by id, by `$ne`, by `$nin`), typed and as JSON, and the
/// count agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_hard_deleted_under_a_live_link_reads_and_filters_as_none() {
    for t in test_databases("probe_ty_gone").await {
        let links = world(&t).await;
        items(&t, vec![it("i1", "one", 1, None), it("i2", "two", 2, None)]).await;
        makers(
            &t,
            vec![mk("m1", "A", None, None), mk("m2", "B", None, None)],
        )
        .await;
        labels(&t, &[("l1", "red"), ("l2", "blue")]).await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m2")]).await;
        link_labels(&links, &t, &[("i1", "l1"), ("i1", "l2")]).await;
        t.exec("DELETE FROM maker WHERE id = 'm1'").await;
        t.exec("DELETE FROM label WHERE id = 'l2'").await;
        for round in 0..2 {
            let cards = Query::<ItemCard>::new()
                .all(&links, &t.db)
                .await
                .unwrap_or_else(|e| panic!("{:?}: round {round}: {e}", t.backend));
            assert_eq!(cards[0].maker, None, "{:?}", t.backend);
            assert_eq!(
                cards[0]
                    .labels
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>(),
                ["l1"],
                "{:?}",
                t.backend
            );
            assert_eq!(cards[1].maker.as_ref().map(|m| m.id.as_str()), Some("m2"));
        }
        let cases: Vec<(Query<ItemCard>, Value, &[&str])> = vec![
            (
                query!(ItemCard, filter = maker.id == "m1"),
                json!({"maker": {"id": "m1"}}),
                &[],
            ),
            (
                query!(ItemCard, filter = maker.name != "zz"),
                json!({"maker": {"name": {"$ne": "zz"}}}),
                &["i2"],
            ),
            (
                query!(ItemCard, filter = maker.id.not_in(["zz"])),
                json!({"maker": {"id": {"$nin": ["zz"]}}}),
                &["i2"],
            ),
            (
                query!(ItemCard, filter = labels.id == "l2"),
                json!({"labels": {"id": "l2"}}),
                &[],
            ),
            (
                query!(ItemCard, filter = maker.id.is_not_null()),
                json!({"maker": {"id": {"$ne": null}}}),
                &["i2"],
            ),
        ];
        for (query, filters, expected) in cases {
            let typed = typed_ids(&links, &t, query).await;
            let json = select(&links, &t, filters.clone()).await;
            assert_eq!(
                (&typed, &json),
                (&v(expected), &v(expected)),
                "{:?}: {filters}",
                t.backend
            );
        }
        let page = query!(ItemCard, filter = maker.name != "zz")
            .take(5)
            .page(&links, &t.db)
            .await
            .expect("page");
        assert_eq!(page.count, 1, "{:?}", t.backend);
        // Ordering by the gone maker's name: i1 reads as having none (last ascending).
        let ordered = typed_ids(&links, &t, query!(ItemCard, order = [maker.name])).await;
        assert_eq!(ordered, v(&["i2", "i1"]), "{:?}", t.backend);
    }
}
