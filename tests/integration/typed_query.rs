//! Typed Query (SPEC §9, issue 16): selections declared as structs, read through the same
//! engine as `graph` — the same statements, the same records — with filters and order the
//! compiler checks, on every backend.

#![allow(clippy::panic)]

mod common;
mod graph_world;

use graph_world::{registry, seed};
use link_runtime::query::{Paged, Query};
use link_runtime::{Links, Selection, query};
use link_tests::links::{ProductBrand, ProductPosts, ProductTag, RegionBrand};
use link_tests::models::{brand, post, product, region, tag};
use link_tests::{TestDb, test_databases};
use sea_orm::EntityTrait;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model)]
struct BrandName {
    id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = tag::Model)]
struct TagLabel {
    id: String,
    label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = post::Model)]
struct PostBody {
    id: String,
    body: String,
    product_id: Option<String>,
}

/// A product with a link of every kind: one record (`brand`, and `maker` by alias), a
/// many-to-many list (`tags`), a read-only inverse list paged per product (`posts`).
///
/// The test crate declares other links that give products a `brand`, `tags` and `posts` too
/// (for the cascade tests), so those fields name their link.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct ProductCard {
    id: String,
    title: String,
    #[selection(link = ProductBrand)]
    brand: Option<BrandName>,
    #[selection(link)]
    maker: Option<BrandName>,
    #[selection(link = ProductTag)]
    tags: Vec<TagLabel>,
    #[selection(link = ProductPosts, take = 1, order = [body.desc()])]
    posts: Vec<PostBody>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct ProductTitle {
    id: String,
    title: String,
}

/// Two hops: a brand's products (the inverse side) and their tags.
#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model)]
struct BrandPage {
    id: String,
    name: String,
    #[selection(link = ProductBrand)]
    products: Vec<ProductWithTags>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = product::Model)]
struct ProductWithTags {
    id: String,
    title: String,
    #[selection(link = ProductTag)]
    tags: Vec<TagLabel>,
}

async fn world(name: &str) -> Vec<(TestDb, Links)> {
    let mut worlds = Vec::new();
    for t in test_databases(name).await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        worlds.push((t, links));
    }
    worlds
}

/// Runs `query` typed and as `graph`: the typed records, serialized, are the graph's JSON,
/// and both send the same statements.
async fn both<T: Selection + Serialize>(t: &TestDb, links: &Links, query: Query<T>) -> Vec<T> {
    t.take_statements();
    let typed = query
        .all(links, &t.db)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
    let typed_statements = t.take_statements();
    let graph = links
        .graph(&t.db, &query.graph_query())
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
    assert_eq!(typed_statements, t.take_statements(), "{:?}", t.backend);
    let serialized = serde_json::to_value(&typed).unwrap_or_default();
    assert_eq!(serialized, Value::Array(graph.data), "{:?}", t.backend);
    typed
}

fn titles(cards: &[ProductCard]) -> Vec<&str> {
    cards.iter().map(|c| c.title.as_str()).collect()
}

#[tokio::test]
async fn a_selection_reads_every_kind_of_link_into_its_struct() {
    for (t, links) in world("typed_shapes").await {
        let cards = both(&t, &links, Query::<ProductCard>::new()).await;
        // p4 is soft-deleted; p3 has nothing linked.
        assert_eq!(titles(&cards), ["Shirt", "Hat", "Shoe"], "{:?}", t.backend);
        let shirt = &cards[0];
        assert_eq!(
            shirt.brand,
            Some(BrandName {
                id: "b1".into(),
                name: "Acme".into()
            })
        );
        assert_eq!(shirt.maker.as_ref().map(|b| b.name.as_str()), Some("Zeta"));
        let mut labels: Vec<&str> = shirt.tags.iter().map(|t| t.label.as_str()).collect();
        labels.sort_unstable();
        assert_eq!(labels.len(), 2, "{:?}", t.backend);
        // One post per product, the last by body: beta of alpha and beta (delta is deleted).
        assert_eq!(
            shirt.posts,
            vec![PostBody {
                id: "s2".into(),
                body: "beta".into(),
                product_id: Some("p1".into())
            }]
        );
        let shoe = &cards[2];
        assert_eq!(shoe.brand, None);
        assert!(shoe.tags.is_empty() && shoe.posts.is_empty());

        let brands = both(&t, &links, Query::<BrandPage>::new()).await;
        assert_eq!(brands.len(), 2);
        assert_eq!(brands[0].name, "Acme");
        assert_eq!(brands[0].products.len(), 1);
        assert_eq!(brands[0].products[0].title, "Shirt");
        assert_eq!(brands[0].products[0].tags.len(), 2);
    }
}

#[tokio::test]
async fn filters_on_own_and_linked_fields_select_roots_without_trimming_them() {
    for (t, links) in world("typed_filters").await {
        let acme = String::from("Acme");
        let cards = both(
            &t,
            &links,
            query!(ProductCard, filter = (brand as ProductBrand).name == acme),
        )
        .await;
        assert_eq!(titles(&cards), ["Shirt"], "{:?}", t.backend);
        // The filter selects roots; it does not trim their lists.
        assert_eq!(cards[0].tags.len(), 2);

        let cases: Vec<(Query<ProductCard>, Vec<&str>)> = vec![
            (query!(ProductCard, filter = title == "Hat"), vec!["Hat"]),
            (
                query!(ProductCard, filter = title != "Hat"),
                vec!["Shirt", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title.like("Sh%")),
                vec!["Shirt", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title.ilike("sh%")),
                vec!["Shirt", "Shoe"],
            ),
            (
                query!(ProductCard, filter = id.is_in(["p1", "p3"])),
                vec!["Shirt", "Shoe"],
            ),
            (
                query!(ProductCard, filter = id.not_in(vec!["p1".to_string()])),
                vec!["Hat", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title > "Hat" && title <= "Shoe"),
                vec!["Shirt", "Shoe"],
            ),
            (query!(ProductCard, filter = title >= "Shoe"), vec!["Shoe"]),
            (query!(ProductCard, filter = title < "Shirt"), vec!["Hat"]),
            (
                query!(
                    ProductCard,
                    filter = title == "Hat" || (brand as ProductBrand).id == "b1"
                ),
                vec!["Shirt", "Hat"],
            ),
            (
                query!(
                    ProductCard,
                    filter = !((brand as ProductBrand).name == "Acme")
                ),
                vec!["Hat", "Shoe"],
            ),
            (
                query!(ProductCard, filter = maker.name == "Zeta"),
                vec!["Shirt"],
            ),
            (
                query!(
                    ProductCard,
                    filter = (brand as ProductBrand).id.is_in(Vec::<String>::new())
                ),
                vec![],
            ),
            (
                query!(ProductCard, filter = deleted_at.is_not_null()),
                vec![],
            ),
            (
                query!(
                    ProductCard,
                    filter = deleted_at.is_null() && (brand as ProductBrand).name.like("Zet%")
                ),
                vec!["Hat"],
            ),
        ];
        for (query, expected) in cases {
            let json = query.graph_query().filters;
            let cards = both(&t, &links, query).await;
            assert_eq!(titles(&cards), expected, "{:?}: {json}", t.backend);
        }
    }
}

#[tokio::test]
async fn order_and_pages_count_every_match() {
    for (t, links) in world("typed_order").await {
        // Descending by a linked field: roots without one first (SPEC §9.4).
        let cards = both(
            &t,
            &links,
            query!(
                ProductCard,
                order = [(brand as ProductBrand).name.desc(), title]
            ),
        )
        .await;
        assert_eq!(titles(&cards), ["Shoe", "Hat", "Shirt"], "{:?}", t.backend);
        let cards = both(
            &t,
            &links,
            query!(ProductCard, order = [(brand as ProductBrand).name]),
        )
        .await;
        assert_eq!(titles(&cards), ["Shirt", "Hat", "Shoe"], "{:?}", t.backend);

        let page: Paged<ProductTitle> = query!(ProductTitle, order = [title.desc()])
            .skip(1)
            .take(1)
            .page(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(page.count, 3, "{:?}", t.backend);
        assert_eq!((page.skip, page.take), (1, Some(1)));
        assert_eq!(
            page.data,
            vec![ProductTitle {
                id: "p1".into(),
                title: "Shirt".into()
            }]
        );
        // Without take or skip, the count is what came back.
        let page = Query::<ProductTitle>::new()
            .page(&links, &t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!((page.count, page.data.len()), (3, 3));
    }
}

/// A filter handed to `query!` by a `macro_rules!` of the user's: its names carry that macro's
/// hygiene, and the path through them still reads as one.
#[test]
fn a_query_written_inside_a_macro_rules_is_the_same_query() {
    macro_rules! cards_where {
        ($($filter:tt)*) => {
            query!(ProductCard, filter = $($filter)*, order = [(brand as ProductBrand).name])
        };
    }
    let wrapped = cards_where!((brand as ProductBrand).name == "Acme" || title.like("S%"));
    let direct = query!(
        ProductCard,
        filter = (brand as ProductBrand).name == "Acme" || title.like("S%"),
        order = [(brand as ProductBrand).name]
    );
    assert_eq!(wrapped.graph_query(), direct.graph_query());
}

#[test]
fn a_query_is_the_graph_query_it_runs() {
    let query = query!(
        ProductCard,
        filter = (brand as ProductBrand).name == "Acme" && title.ilike("%sh%"),
        order = [(brand as ProductBrand).name.desc(), title]
    )
    .take(20);
    let graph = query.graph_query();
    assert_eq!(graph.entity, "product.product");
    assert_eq!(
        graph.fields,
        [
            "id",
            "title",
            "brand.id",
            "brand.name",
            "maker.id",
            "maker.name",
            "tags.id",
            "tags.label",
            "posts.id",
            "posts.body",
            "posts.product_id"
        ]
    );
    assert_eq!(
        serde_json::to_value(&graph).unwrap_or_default(),
        json!({
            "entity": "product.product",
            "fields": graph.fields,
            "filters": {"$and": [
                {"brand": {"name": {"$eq": "Acme"}}},
                {"title": {"$ilike": "%sh%"}}
            ]},
            "pagination": {"skip": 0, "take": 20, "order": {"brand.name": "DESC", "title": "ASC"}},
            "nested": {"posts": {"skip": 0, "take": 1, "order": {"body": "DESC"}}}
        })
    );
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = region::Model)]
struct RegionBrands {
    id: i32,
    name: String,
    #[selection(link)]
    brands: Vec<BrandName>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = region::Model)]
struct RegionName {
    id: i32,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Selection)]
#[selection(model = brand::Model)]
struct BrandRegions {
    id: String,
    #[selection(link)]
    regions: Vec<RegionName>,
}

#[tokio::test]
async fn integer_keys_are_read_and_compared_as_integers() {
    for (t, links) in world("typed_int_keys").await {
        t.regions(&[7, 12]).await;
        let r = region::Model::key;
        links
            .create_many(
                &t.db,
                [
                    RegionBrand::new(r("7"), brand::Model::key("b1")),
                    RegionBrand::new(r("7"), brand::Model::key("b2")),
                    RegionBrand::new(r("12"), brand::Model::key("b1")),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let regions = both(&t, &links, query!(RegionBrands, filter = id.is_in([7]))).await;
        assert_eq!(regions.len(), 1, "{:?}", t.backend);
        assert_eq!(regions[0].id, 7);
        let mut brands: Vec<&str> = regions[0].brands.iter().map(|b| b.id.as_str()).collect();
        brands.sort_unstable();
        assert_eq!(brands, ["b1", "b2"], "{:?}", t.backend);
        // 12 > 7 as integers (as text, "12" < "7").
        let regions = both(&t, &links, query!(RegionBrands, filter = id > 7)).await;
        assert_eq!(regions.iter().map(|r| r.id).collect::<Vec<_>>(), [12]);
        // From the other side, filtered by the linked integer key.
        let brands = both(&t, &links, query!(BrandRegions, filter = regions.id == 12)).await;
        assert_eq!(brands.len(), 1, "{:?}", t.backend);
        assert_eq!(brands[0].id, "b1");
        assert_eq!(brands[0].regions.len(), 2, "{:?}", t.backend);
    }
}

#[tokio::test]
async fn a_record_deleted_under_a_live_link_reads_as_missing_every_time() {
    for (t, links) in world("typed_other_end_gone").await {
        // The brand b2 is deleted by its own module, the links to it left in place.
        brand::Entity::delete_by_id("b2")
            .exec(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        for _ in 0..2 {
            let cards = both(&t, &links, Query::<ProductCard>::new()).await;
            assert_eq!(titles(&cards), ["Shirt", "Hat", "Shoe"], "{:?}", t.backend);
            assert_eq!(cards[1].brand, None, "{:?}", t.backend);
            assert_eq!(cards[0].maker, None, "{:?}", t.backend);
            let zeta = both(
                &t,
                &links,
                query!(ProductCard, filter = (brand as ProductBrand).name == "Zeta"),
            )
            .await;
            assert!(zeta.is_empty(), "{:?}", t.backend);
        }
    }
}

#[tokio::test]
async fn a_string_key_is_compared_byte_for_byte_on_every_backend() {
    for (t, links) in world("typed_key_case").await {
        let cards = both(&t, &links, query!(ProductCard, filter = id == "P1")).await;
        assert!(cards.is_empty(), "{:?}: {:?}", t.backend, titles(&cards));
        let cards = both(
            &t,
            &links,
            query!(ProductCard, filter = (brand as ProductBrand).id == "B1"),
        )
        .await;
        assert!(cards.is_empty(), "{:?}: {:?}", t.backend, titles(&cards));
    }
}

/// As Medusa on PostgreSQL: `==`, `is_in` and `like` match text exactly, `ilike` ignores case,
/// `\` escapes a wildcard — the same on SQLite (whose `LIKE` ignores ASCII case) and on
/// MariaDB (whose default collations ignore case).
#[tokio::test]
async fn text_filters_match_alike_on_every_backend() {
    for (t, links) in world("typed_text_case").await {
        let cases: Vec<(Query<ProductCard>, Vec<&str>)> = vec![
            (query!(ProductCard, filter = title.like("sh%")), vec![]),
            (
                query!(ProductCard, filter = title.like("Sh%")),
                vec!["Shirt", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title.like("S_irt")),
                vec!["Shirt"],
            ),
            (query!(ProductCard, filter = title.like("S\\_irt")), vec![]),
            (query!(ProductCard, filter = title.like("%\\%")), vec![]),
            (query!(ProductCard, filter = title == "shirt"), vec![]),
            (
                query!(ProductCard, filter = title != "shirt"),
                vec!["Shirt", "Hat", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title.is_in(["shirt", "Hat"])),
                vec!["Hat"],
            ),
            (
                query!(ProductCard, filter = title.not_in(["shirt"])),
                vec!["Shirt", "Hat", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title.ilike("sh%")),
                vec!["Shirt", "Shoe"],
            ),
            (
                query!(ProductCard, filter = title.ilike("%H_T")),
                vec!["Hat"],
            ),
            (
                query!(ProductCard, filter = (brand as ProductBrand).name == "acme"),
                vec![],
            ),
            (
                query!(
                    ProductCard,
                    filter = (brand as ProductBrand).name.like("A%")
                ),
                vec!["Shirt"],
            ),
            (
                query!(
                    ProductCard,
                    filter = (brand as ProductBrand).name.like("a%")
                ),
                vec![],
            ),
        ];
        for (query, expected) in cases {
            let json = query.graph_query().filters;
            let cards = both(&t, &links, query).await;
            assert_eq!(titles(&cards), expected, "{:?}: {json}", t.backend);
        }
    }
}
