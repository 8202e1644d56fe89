//! A differential test of typed queries: generated text filters (patterns with `%`, `_` and `\`,
//! values in other cases, lists, negations, through a link) run on SQLite, PostgreSQL and
//! MariaDB must all select what a reference written from PostgreSQL's rules selects (Medusa's
//! backend), and each typed answer, serialized, must be the `graph`'s JSON for the same query.

#![allow(clippy::panic)]

mod common;
mod graph_world;

use graph_world::{registry, seed};
use link_runtime::query::Query;
use link_runtime::{Error, Links, Selection, query};
use link_tests::links::ProductBrand;
use link_tests::models::{brand, product};
use link_tests::{TestDb, test_databases};
use proptest::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct Item {
    id: String,
    title: String,
    #[selection(link = ProductBrand)]
    brand: Option<Maker>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model)]
struct Maker {
    id: String,
    name: String,
}

/// The live products of the graph world: id, title, brand name.
const PRODUCTS: [(&str, &str, Option<&str>); 3] = [
    ("p1", "Shirt", Some("Acme")),
    ("p2", "Hat", Some("Zeta")),
    ("p3", "Shoe", None),
];

/// PostgreSQL's `LIKE`: `%` any run, `_` one character, `\` makes the next one literal.
fn like(text: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|i| like(&text[i..], rest)),
        Some(('_', rest)) => !text.is_empty() && like(&text[1..], rest),
        Some(('\\', rest)) => match rest.split_first() {
            Some((c, rest)) => text.first() == Some(c) && like(&text[1..], rest),
            None => false,
        },
        Some((c, rest)) => text.first() == Some(c) && like(&text[1..], rest),
    }
}

fn matches(text: &str, pattern: &str, ignore_case: bool) -> bool {
    let (text, pattern) = if ignore_case {
        (text.to_lowercase(), pattern.to_lowercase())
    } else {
        (text.to_string(), pattern.to_string())
    };
    like(
        &text.chars().collect::<Vec<_>>(),
        &pattern.chars().collect::<Vec<_>>(),
    )
}

/// A pattern ending in a lone `\` (PostgreSQL refuses it).
fn dangling_escape(pattern: &str) -> bool {
    pattern.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// One generated filter, and which products the reference says it selects.
#[derive(Debug, Clone)]
enum Case {
    Like(String),
    ILike(String),
    Eq(String),
    In(Vec<String>),
    BrandLike(String),
    NotLikeOrEq(String, String),
}

impl Case {
    fn patterns(&self) -> Vec<&str> {
        match self {
            Case::Like(p) | Case::ILike(p) | Case::BrandLike(p) | Case::NotLikeOrEq(p, _) => {
                vec![p]
            }
            _ => vec![],
        }
    }

    fn expected(&self) -> Vec<&'static str> {
        PRODUCTS
            .iter()
            .filter(|(_, title, brand)| match self {
                Case::Like(p) => matches(title, p, false),
                Case::ILike(p) => matches(title, p, true),
                Case::Eq(v) => title == v,
                Case::In(vs) => vs.iter().any(|v| v == title),
                Case::BrandLike(p) => brand.is_some_and(|b| matches(b, p, false)),
                Case::NotLikeOrEq(p, v) => !matches(title, p, false) || title == v,
            })
            .map(|(id, _, _)| *id)
            .collect()
    }

    fn query(&self) -> Query<Item> {
        match self.clone() {
            Case::Like(p) => query!(Item, filter = title.like(p)),
            Case::ILike(p) => query!(Item, filter = title.ilike(p)),
            Case::Eq(v) => query!(Item, filter = title == v),
            Case::In(vs) => query!(Item, filter = title.is_in(vs)),
            Case::BrandLike(p) => query!(Item, filter = (brand as ProductBrand).name.like(p)),
            Case::NotLikeOrEq(p, v) => query!(Item, filter = !title.like(p) || title == v),
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "S", "s", "h", "H", "i", "r", "t", "a", "o", "e", "A", "c", "m", "%", "%", "_", "\\",
        "Shirt", "Hat", "hat", "Acme",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..5).prop_map(|parts| parts.concat())
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![
        text().prop_map(Case::Like),
        text().prop_map(Case::ILike),
        text().prop_map(Case::Eq),
        prop::collection::vec(text(), 0..4).prop_map(Case::In),
        text().prop_map(Case::BrandLike),
        (text(), text()).prop_map(|(p, v)| Case::NotLikeOrEq(p, v)),
    ]
}

async fn answer(t: &TestDb, links: &Links, query: &Query<Item>) -> Result<Vec<String>, Error> {
    let typed = query.all(links, &t.db).await?;
    let graph = links.graph(&t.db, &query.graph_query()).await?;
    assert_eq!(
        serde_json::to_value(&typed).unwrap_or_default(),
        serde_json::Value::Array(graph.data),
        "{:?}",
        t.backend
    );
    Ok(typed.into_iter().map(|item| item.id).collect())
}

#[test]
fn generated_text_filters_select_alike_on_every_backend() {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let worlds: Vec<(TestDb, Links)> = rt.block_on(async {
        let mut worlds = Vec::new();
        for t in test_databases("typed_differential").await {
            let links = registry(&t).await;
            seed(&t, &links).await;
            worlds.push((t, links));
        }
        worlds
    });
    let config = common::proptest_config(128);
    proptest!(config, |(case in case())| {
        let refused = case.patterns().iter().any(|p| dangling_escape(p));
        for (t, links) in &worlds {
            let got = rt.block_on(answer(t, links, &case.query()));
            if refused {
                match got {
                    Err(Error::InvalidInput { message }) => prop_assert!(
                        message.contains("escape"),
                        "{:?}: {case:?}: {message}", t.backend
                    ),
                    other => prop_assert!(false, "{:?}: {case:?}: expected InvalidInput, got {other:?}", t.backend),
                }
            } else {
                match got {
                    Ok(ids) => prop_assert_eq!(ids, case.expected(), "{:?}: {:?}", t.backend, case),
                    Err(e) => prop_assert!(false, "{:?}: {case:?}: {e}", t.backend),
                }
            }
        }
    });
}
