//! A differential test of typed queries over a selection of every kind of link: one record, a
//! list, many-to-many with the link's own columns, read-only forward (one record, and a list
//! through an array field) and inverse, a second link between the same models by alias, external
//! models (through a link table of ours, and read-only), a link table's entry point. Generated filters, orders and pages must read the same records on
//! SQLite, PostgreSQL and MariaDB, and each typed answer, serialized, must be the `graph`'s JSON
//! for the same query. Written from SPEC §9 and issue 16 (item 4).

#![allow(clippy::panic)]

mod common;
mod graph_world;

use graph_world::{seed, seed_link_columns};
use link_runtime::query::Query;
use link_runtime::query::{BoxError, ExternalModels, ListRequest};
use link_runtime::{Error, Links, Selection, query};
use link_tests::links::{
    CollectionProducts, PostProduct, ProductBrand, ProductPage, ProductPosts, ProductReview,
    ProductTag, ProductVariant, product_tag,
};
use link_tests::models::{brand, cms, collection, post, product, tag, variant};
use link_tests::{TestDb, test_databases};
use proptest::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct Item {
    id: String,
    title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model)]
struct Maker {
    id: String,
    name: String,
}

/// The `cms` module's service, in this process: reviews and pages by any field.
struct Cms;

impl ExternalModels for Cms {
    async fn list(&self, request: ListRequest<'_>) -> Result<Vec<Value>, BoxError> {
        let all = match request.model {
            "review" => vec![
                json!({"id": "r1", "rating": 5, "body": "Great"}),
                json!({"id": "r2", "rating": 3, "body": "Fine"}),
                json!({"id": "r3", "rating": 1, "body": "Bad"}),
            ],
            "page" => vec![json!({"id": "pg1", "product_id": "p1", "title": "Shirt page"})],
            _ => Vec::new(),
        };
        Ok(all
            .into_iter()
            .filter(|record| {
                record[request.field]
                    .as_str()
                    .is_some_and(|id| request.ids.iter().any(|wanted| wanted == id))
            })
            .collect())
    }
}

/// The graph world with weights and positions on its link rows, and the `cms` module's
/// reviews (p1: r1, r2; p2: r3) and pages (p1's).
async fn world(t: &TestDb) -> Links {
    let links = graph_world::builder(t)
        .external("cms", Cms)
        .link::<ProductReview>()
        .link::<ProductPage>()
        .build()
        .expect("the test links with the cms module");
    links.migrate().await.expect("migrate");
    seed(t, &links).await;
    seed_link_columns(t, &links).await;
    let (p, r) = (product::Model::key, cms::Review::key);
    links
        .create_many(
            &t.db,
            [
                ProductReview::new(p("p1"), r("r1")),
                ProductReview::new(p("p1"), r("r2")),
                ProductReview::new(p("p2"), r("r3")),
            ],
        )
        .await
        .expect("reviews");
    links
}

/// Text for `like` patterns: letters of the world's titles and the pattern characters.
fn text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "S", "s", "h", "a", "t", "e", "%", "%", "_", "\\", "Shirt", "alpha",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..4).prop_map(|parts| parts.concat())
}

// A selection of every kind of link.

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model, through = ProductBrand)]
struct PlacedBrand {
    id: String,
    name: String,
    #[selection(link_column)]
    position: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = tag::Model, through = ProductTag)]
struct WeightedTag {
    id: String,
    label: String,
    #[selection(link_column)]
    weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = variant::Model)]
struct Sku {
    id: String,
    sku: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = cms::Review)]
struct Rating {
    id: String,
    rating: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = cms::Page)]
struct PageTitle {
    id: String,
    title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = post::Model)]
struct Body {
    id: String,
    body: String,
}

/// A product with a stored link of one record with its row's column, a many-to-many list
/// ordered by its row's column, a one-to-many list, the same models linked again by alias, a
/// read-only inverse list paged per product, and external records through a link table of ours
/// (ordered per product) and read-only.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct Everything {
    id: String,
    title: String,
    #[selection(link = ProductBrand)]
    brand: Option<PlacedBrand>,
    #[selection(link)]
    maker: Option<Maker>,
    #[selection(link = ProductTag, order = [link.weight.desc()])]
    tags: Vec<WeightedTag>,
    #[selection(link = ProductVariant, order = [sku.desc()])]
    variants: Vec<Sku>,
    #[selection(link = ProductPosts, take = 1, order = [body])]
    posts: Vec<Body>,
    #[selection(link = ProductReview, order = [rating])]
    reviews: Vec<Rating>,
    #[selection(link = ProductPage)]
    page: Option<PageTitle>,
}

/// A collection and the products its array field names (read-only, forward, a list).
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = collection::Model)]
struct Shelf {
    id: String,
    title: String,
    #[selection(link = CollectionProducts)]
    products: Vec<Item>,
}

/// A post and the product its field names (read-only, forward, one record).
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = post::Model)]
struct Review {
    id: String,
    body: String,
    #[selection(link = PostProduct)]
    product: Option<Item>,
}

/// A row of the product–tag table from the link's entry point, with both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product_tag::Model)]
struct TagRow {
    id: String,
    left: String,
    right: String,
    weight: f64,
    #[selection(link)]
    product: Option<Item>,
    #[selection(link)]
    tag: Option<TagName>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = tag::Model)]
struct TagName {
    id: String,
    label: String,
}

/// One generated query, over one of the selections.
#[derive(Debug, Clone)]
enum Generated {
    Everything {
        filter: u8,
        title: String,
        weight: f64,
        position: i32,
        order: u8,
        page: (Option<u64>, u64),
    },
    Shelf {
        title: String,
        descending: bool,
    },
    Review {
        pattern: String,
        take: Option<u64>,
    },
    TagRow {
        weight: f64,
        products: Vec<String>,
        page: (Option<u64>, u64),
    },
}

/// What a query read on one backend, keyed so backends compare: the roots' keys and, for
/// each, the keys it links to (link row ids differ between backends; their ends do not).
type Read = Vec<String>;

fn keys<T: Serialize>(records: &[T], key: impl Fn(&serde_json::Value) -> String) -> Read {
    records
        .iter()
        .map(|r| key(&serde_json::to_value(r).unwrap_or_default()))
        .collect()
}

/// A record's JSON without the ids of link rows, which each backend makes anew.
fn without_row_ids(value: &serde_json::Value) -> String {
    let mut value = value.clone();
    if let Some(row) = value.as_object_mut()
        && row.contains_key("left")
    {
        row.remove("id");
    }
    value.to_string()
}

async fn typed_and_graph<T: Selection + Serialize>(
    t: &TestDb,
    links: &Links,
    query: Query<T>,
) -> Result<Read, Error> {
    let typed = query.all(links, &t.db).await?;
    let graph = links.graph(&t.db, &query.graph_query()).await?;
    let json = serde_json::to_value(&typed).unwrap_or_default();
    // A link row's key columns are `left` and `right` in Rust, `product_id` and `tag_id` in
    // the graph; everything else is the same JSON.
    let graph_json = serde_json::Value::Array(
        graph
            .data
            .into_iter()
            .map(|mut row| {
                if let Some(object) = row.as_object_mut()
                    && let (Some(left), Some(right)) =
                        (object.remove("product_id"), object.remove("tag_id"))
                {
                    object.insert("left".into(), left);
                    object.insert("right".into(), right);
                }
                row
            })
            .collect(),
    );
    assert_eq!(
        normalised(json),
        normalised(graph_json),
        "{:?}: the typed answer is the graph's",
        t.backend
    );
    Ok(keys(&typed, without_row_ids))
}

/// JSON with object keys sorted, so field order does not count.
fn normalised(value: serde_json::Value) -> String {
    fn sort(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().map(|(k, v)| (k, sort(v))).collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    sort(value).to_string()
}

/// `query!(Everything, filter = …)` in each of the generated orders.
macro_rules! everything_ordered {
    ($order:expr, $($filter:tt)*) => {
        match $order % 3 {
            0 => query!(Everything, filter = $($filter)*, order = [title]),
            1 => query!(
                Everything,
                filter = $($filter)*,
                order = [(brand as ProductBrand).link.position.desc()]
            ),
            _ => query!(
                Everything,
                filter = $($filter)*,
                order = [(brand as ProductBrand).name, title.desc()]
            ),
        }
    };
}

impl Generated {
    async fn run(&self, t: &TestDb, links: &Links) -> Result<Read, Error> {
        match self.clone() {
            Generated::Everything {
                filter,
                title: text,
                weight: w,
                position,
                order,
                page: (take, skip),
            } => {
                let query = match filter % 5 {
                    0 => everything_ordered!(order, (tags as ProductTag).link.weight > w),
                    1 => everything_ordered!(
                        order,
                        (brand as ProductBrand).link.position >= position || title == text
                    ),
                    2 => everything_ordered!(
                        order,
                        !((brand as ProductBrand).name.like("%e%"))
                            && (tags as ProductTag).link.weight <= w
                    ),
                    3 => everything_ordered!(order, maker.name.is_not_null() || title.ilike(text)),
                    _ => everything_ordered!(order, title.is_not_null()),
                };
                let query = match take {
                    Some(take) => query.take(take),
                    None => query,
                };
                typed_and_graph(t, links, query.skip(skip)).await
            }
            Generated::Shelf {
                title: text,
                descending,
            } => {
                let query = if descending {
                    query!(Shelf, filter = title != text, order = [title.desc()])
                } else {
                    query!(
                        Shelf,
                        filter = title.like("%m%") || title == text,
                        order = [title]
                    )
                };
                typed_and_graph(t, links, query).await
            }
            Generated::Review { pattern, take } => {
                let query = query!(
                    Review,
                    filter = body.like(pattern) || product_id.is_null(),
                    order = [body]
                );
                let query = match take {
                    Some(take) => query.take(take),
                    None => query,
                };
                typed_and_graph(t, links, query).await
            }
            Generated::TagRow {
                weight: w,
                products,
                page: (take, skip),
            } => {
                let query = query!(
                    TagRow,
                    filter = weight >= w && left.is_in(products),
                    order = [weight.desc(), left, right]
                );
                let query = match take {
                    Some(take) => query.take(take),
                    None => query,
                };
                typed_and_graph(t, links, query.skip(skip)).await
            }
        }
    }
}

fn generated() -> impl Strategy<Value = Generated> {
    let titles = prop::sample::select(vec!["Shirt", "Hat", "Shoe", "Sock", "shirt", "Summer", ""]);
    let weights = prop::sample::select(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]);
    let take = prop::option::of(0u64..4);
    prop_oneof![
        (
            any::<u8>(),
            titles.clone(),
            weights.clone(),
            0i32..9,
            any::<u8>(),
            (take.clone(), 0u64..3)
        )
            .prop_map(|(filter, title, weight, position, order, page)| {
                Generated::Everything {
                    filter,
                    title: title.to_string(),
                    weight,
                    position,
                    order,
                    page,
                }
            }),
        (titles, any::<bool>()).prop_map(|(title, descending)| Generated::Shelf {
            title: title.to_string(),
            descending,
        }),
        (text(), take.clone()).prop_map(|(pattern, take)| Generated::Review { pattern, take }),
        (
            weights,
            prop::collection::vec(prop::sample::select(vec!["p1", "p2", "p3", "p4"]), 0..4),
            (take, 0u64..3)
        )
            .prop_map(|(weight, products, page)| Generated::TagRow {
                weight,
                products: products.into_iter().map(String::from).collect(),
                page,
            }),
    ]
}

#[test]
fn generated_queries_over_every_kind_of_link_read_alike_on_every_backend() {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let worlds: Vec<(TestDb, Links)> = rt.block_on(async {
        let mut worlds = Vec::new();
        for t in test_databases("typed_differential_links").await {
            let links = world(&t).await;
            worlds.push((t, links));
        }
        worlds
    });
    let config = common::proptest_config(128);
    let cases = config.cases;
    // Generated queries that read something: the comparison is not of empty answers only.
    let read_something = std::sync::atomic::AtomicUsize::new(0);
    proptest!(config, |(generated in generated())| {
        let mut first: Option<(String, Read)> = None;
        for (t, links) in &worlds {
            let read = match rt.block_on(generated.run(t, links)) {
                Ok(read) => read,
                Err(Error::InvalidInput { message }) if message.contains("escape") => {
                    // A pattern ending in a lone `\`, refused alike on every backend.
                    prop_assert!(first.as_ref().is_none_or(|(_, read)| read.is_empty()));
                    first.get_or_insert((format!("{:?}", t.backend), Vec::new()));
                    continue;
                }
                Err(e) => {
                    prop_assert!(false, "{:?}: {generated:?}: {e}", t.backend);
                    unreachable!()
                }
            };
            if !read.is_empty() {
                read_something.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            match &first {
                None => first = Some((format!("{:?}", t.backend), read)),
                Some((backend, expected)) => prop_assert_eq!(
                    &read, expected,
                    "{:?} read otherwise than {}: {:?}", t.backend, backend, generated
                ),
            }
        }
    });
    let read = read_something.into_inner();
    assert!(
        read * 2 >= cases as usize,
        "only {read} of {} generated queries (times the backends) read a record",
        cases
    );
}
