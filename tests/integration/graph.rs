//! Query's graph (SPEC §9): field paths across links, stable shapes, root and linked filters and
//! order in SQL, per-parent paging, read-only links, external models served over HTTP, and the
//! statements each costs, on every backend.

mod common;
mod graph_world;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use link_runtime::query::{AllowList, BoxError, ExternalModels, GraphQuery, ListRequest, Page};
use link_runtime::{Error, Links};

use link_tests::db::sqlite_database;
use link_tests::links::{ProductBrand, ProductMaker, ProductPage, ProductReview, ProductTag};
use link_tests::models::{brand, cms, post, product, tag};
use link_tests::test_databases;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};

use graph_world::{builder, graph, graph_err, ids, insert, product, registry, seed};

fn by_id() -> GraphQuery {
    GraphQuery::new("product").fields(["id"]).order("id", "ASC")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shapes_are_stable_for_nothing_one_and_several_linked_records() {
    for t in test_databases("graph_shapes").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        let query = GraphQuery::new("product")
            .fields([
                "id",
                "title",
                "brand.name",
                "tags.id",
                "variants.*",
                "maker.name",
                "posts.body",
            ])
            .order("id", "ASC");
        let found = graph(&links, &t, query).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {
                    "id": "p1", "title": "Shirt",
                    "brand": {"id": "b1", "name": "Acme"},
                    "tags": [{"id": "t1"}, {"id": "t2"}],
                    "variants": [{"id": "v1", "sku": "SKU-1"}, {"id": "v2", "sku": "SKU-2"}],
                    "maker": {"id": "b2", "name": "Zeta"},
                    "posts": [{"id": "s1", "body": "alpha"}, {"id": "s2", "body": "beta"}]
                },
                {
                    "id": "p2", "title": "Hat",
                    "brand": {"id": "b2", "name": "Zeta"},
                    "tags": [{"id": "t1"}],
                    "variants": [],
                    "maker": null,
                    "posts": [{"id": "s3", "body": "gamma"}]
                },
                {
                    "id": "p3", "title": "Shoe",
                    "brand": null, "tags": [], "variants": [], "maker": null, "posts": []
                }
            ]),
            "{:?}",
            t.backend
        );
        assert!(found.metadata.is_none(), "no pagination, no metadata");

        // Several hops deep, from the other side of the links: brand → products → tags, and the
        // two links between brand and product told apart by their aliases.
        let query = GraphQuery::new("brand")
            .fields([
                "id",
                "products.id",
                "products.tags.id",
                "made_product.title",
                "posts.id",
            ])
            .order("id", "ASC");
        let found = graph(&links, &t, query).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {
                    "id": "b1",
                    "products": [{"id": "p1", "tags": [{"id": "t1"}, {"id": "t2"}]}],
                    "made_product": [],
                    "posts": [{"id": "s1"}, {"id": "s2"}, {"id": "s3"}]
                },
                {
                    "id": "b2",
                    "products": [{"id": "p2", "tags": [{"id": "t1"}]}],
                    "made_product": [{"id": "p1", "title": "Shirt"}],
                    "posts": []
                }
            ]),
            "{:?}",
            t.backend
        );

        // A record shown twice (p1, under both tags) keeps its own linked records each time:
        // records are moved into the answer only when shown once.
        let query = GraphQuery::new("tag")
            .fields(["id", "products.id", "products.brand.name"])
            .order("id", "ASC");
        let found = graph(&links, &t, query).await;
        let p1 = json!({"id": "p1", "brand": {"id": "b1", "name": "Acme"}});
        let p2 = json!({"id": "p2", "brand": {"id": "b2", "name": "Zeta"}});
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "t1", "products": [p1, p2]},
                {"id": "t2", "products": [p1]}
            ]),
            "{:?}",
            t.backend
        );

        // A whole linked record, and a variant reaching back to its product in the same module.
        let query = GraphQuery::new("variant")
            .fields(["sku", "product.*"])
            .order("id", "ASC");
        let found = graph(&links, &t, query).await;
        assert_eq!(
            found.data[0],
            json!({"id": "v1", "sku": "SKU-1", "product": {"id": "p1", "title": "Shirt", "deleted_at": null}}),
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissed_links_and_soft_deleted_records_are_invisible() {
    for t in test_databases("graph_invisible").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        links
            .dismiss(
                &t.db,
                ProductBrand::new(product::Model::key("p2"), brand::Model::key("b2")),
            )
            .await
            .expect("dismiss");
        let mut s3 = post::Entity::find_by_id("s3")
            .one(&t.db)
            .await
            .expect("read s3")
            .expect("s3")
            .into_active_model();
        s3.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
        s3.update(&t.db).await.expect("soft-delete s3");

        let query = GraphQuery::new("product")
            .fields(["id", "brand.id", "posts.id"])
            .filters(json!({"id": ["p1", "p2", "p4"]}))
            .order("id", "ASC");
        let found = graph(&links, &t, query).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "p1", "brand": {"id": "b1"}, "posts": [{"id": "s1"}, {"id": "s2"}]},
                {"id": "p2", "brand": null, "posts": []}
            ]),
            "{:?}: p4 is soft-deleted, p2's brand link dismissed, s3 and s4 soft-deleted",
            t.backend
        );
        let found = graph(
            &links,
            &t,
            GraphQuery::new("brand")
                .fields(["id", "posts.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            found.data[0]["posts"],
            json!([{"id": "s1"}, {"id": "s2"}]),
            "{:?}",
            t.backend
        );
    }
}

/// Patterns are matched as written whatever they hold (quotes, backslashes, escaped `%`), on the
/// root and through a link: PostgreSQL gets them as literals in the statement (so a prepared
/// statement's generic plan never guesses at them), the others bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_patterns_with_quotes_and_escapes_match_as_written() {
    for t in test_databases("graph_like_quotes").await {
        let links = registry(&t).await;
        insert::<product::Entity>(
            &t,
            vec![
                product("p1", "O'Brien's"),
                product("p2", "50% off"),
                product("p3", "C:\\shop"),
                product("p4", "500 off"),
            ],
        )
        .await;
        insert::<brand::Entity>(
            &t,
            ["O'Brien's", "50% off", "C:\\shop", "500 off"]
                .iter()
                .enumerate()
                .map(|(i, name)| brand::Model {
                    id: format!("b{}", i + 1),
                    name: name.to_string(),
                })
                .collect(),
        )
        .await;
        links
            .create_many(
                &t.db,
                (1..=4).map(|i| {
                    ProductBrand::new(
                        product::Model::key(format!("p{i}")),
                        brand::Model::key(format!("b{i}")),
                    )
                }),
            )
            .await
            .expect("links");
        let cases = [
            (json!({"$like": "O'Brien's"}), vec!["p1"]),
            (json!({"$like": "O'%"}), vec!["p1"]),
            (json!({"$ilike": "o'b%"}), vec!["p1"]),
            (json!({"$like": "50\\%%"}), vec!["p2"]),
            (json!({"$like": "50%"}), vec!["p2", "p4"]),
            (json!({"$like": "%\\\\%"}), vec!["p3"]),
            (json!({"$like": "'; DROP TABLE product; --"}), vec![]),
        ];
        for (pattern, expected) in cases {
            for filters in [
                json!({"title": pattern}),
                json!({"brand": {"name": pattern}}),
            ] {
                let found = graph(&links, &t, by_id().filters(filters.clone())).await;
                assert_eq!(ids(&found), expected, "{:?}: {filters}", t.backend);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_filters_cover_every_operator() {
    for t in test_databases("graph_filters").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        let cases = [
            (json!({"title": "Shirt"}), vec!["p1"]),
            (json!({"id": ["p1", "p3"]}), vec!["p1", "p3"]),
            (json!({"id": {"$in": ["p2"]}}), vec!["p2"]),
            (json!({"id": {"$nin": ["p2"]}}), vec!["p1", "p3"]),
            (json!({"id": {"$in": []}}), vec![]),
            (json!({"title": {"$ne": "Shirt"}}), vec!["p2", "p3"]),
            (json!({"title": {"$eq": "Hat"}}), vec!["p2"]),
            (json!({"title": {"$like": "Sh%"}}), vec!["p1", "p3"]),
            (json!({"title": {"$ilike": "sH%"}}), vec!["p1", "p3"]),
            (
                json!({"title": {"$gt": "Hat", "$lte": "Shoe"}}),
                vec!["p1", "p3"],
            ),
            (json!({"title": {"$gte": "Shoe"}}), vec!["p3"]),
            (json!({"title": {"$lt": "Shirt"}}), vec!["p2"]),
            (
                json!({"$or": [{"id": "p1"}, {"title": "Hat"}]}),
                vec!["p1", "p2"],
            ),
            (
                json!({"$and": [{"title": {"$like": "S%"}}, {"id": {"$nin": ["p1"]}}]}),
                vec!["p3"],
            ),
            (json!({"$not": {"id": "p1"}}), vec!["p2", "p3"]),
            (json!({"deleted_at": null}), vec!["p1", "p2", "p3"]),
            (json!({"deleted_at": {"$ne": null}}), vec![]),
            // Timestamps as range bounds, one in a year PostgreSQL cannot read as text.
            (
                json!({"deleted_at": {"$gt": "0000-01-01T00:00:00Z"}}),
                vec![],
            ),
            (
                json!({"deleted_at": {"$lt": "2999-01-01T00:00:00Z"}}),
                vec![],
            ),
            (json!({"title": "Sock"}), vec![]),
        ];
        for (filters, expected) in cases {
            let found = graph(&links, &t, by_id().filters(filters.clone())).await;
            assert_eq!(ids(&found), expected, "{:?}: {filters}", t.backend);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_fields_filter_and_order_roots_in_one_statement_with_a_count() {
    for t in test_databases("graph_linked").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        let cases = [
            (json!({"brand": {"name": "Acme"}}), vec!["p1"]),
            (json!({"brand": {"name": {"$ilike": "%ET%"}}}), vec!["p2"]),
            (
                json!({"$or": [{"brand": {"name": "Acme"}}, {"title": "Shoe"}]}),
                vec!["p1", "p3"],
            ),
            (json!({"maker": {"name": "Zeta"}}), vec!["p1"]),
            (
                json!({"brand": {"id": {"$in": ["b1", "b2"]}}, "title": {"$ne": "Hat"}}),
                vec!["p1"],
            ),
            (json!({"$not": {"brand": {"id": "b1"}}}), vec!["p2", "p3"]),
        ];
        for (filters, expected) in cases {
            t.take_statements();
            let found = graph(&links, &t, by_id().filters(filters.clone())).await;
            assert_eq!(ids(&found), expected, "{:?}: {filters}", t.backend);
            assert_eq!(
                t.take_statements().len(),
                1,
                "{:?}: {filters} in one statement",
                t.backend
            );
        }

        // Ordering by the brand's name: products without a brand last ascending, first
        // descending.
        let order = |direction: &str| {
            GraphQuery::new("product")
                .fields(["id"])
                .order("brand.name", direction)
        };
        assert_eq!(
            ids(&graph(&links, &t, order("ASC")).await),
            ["p1", "p2", "p3"],
            "{:?}",
            t.backend
        );
        assert_eq!(
            ids(&graph(&links, &t, order("desc")).await),
            ["p3", "p2", "p1"],
            "{:?}",
            t.backend
        );

        // A filter on one link, order on another, a page and the total: two statements.
        t.take_statements();
        let query = GraphQuery::new("product")
            .fields(["id"])
            .filters(json!({"$or": [{"brand": {"name": {"$like": "%e%"}}}, {"title": "Shoe"}]}))
            .order("maker.name", "DESC")
            .order("brand.name", "ASC")
            .skip(1)
            .take(1);
        let found = graph(&links, &t, query).await;
        assert_eq!(
            t.take_statements().len(),
            2,
            "{:?}: page and count",
            t.backend
        );
        // All three match (Acme, Zeta, Shoe). Order: no maker first (descending): p2 and p3,
        // then by brand name, p2 (Zeta) before p3 (no brand); p1 (made by Zeta) last.
        assert_eq!(ids(&found), ["p3"], "{:?}", t.backend);
        let metadata = found.metadata.expect("metadata");
        assert_eq!(
            (metadata.count, metadata.skip, metadata.take),
            (3, 1, Some(1)),
            "{:?}",
            t.backend
        );

        // Skip without take.
        let found = graph(&links, &t, by_id().skip(2)).await;
        assert_eq!(ids(&found), ["p3"], "{:?}", t.backend);
        assert_eq!(found.metadata.map(|m| m.count), Some(3), "{:?}", t.backend);

        // A linked filter selects roots; it does not trim the nested list.
        let query = GraphQuery::new("brand")
            .fields(["id", "posts.id"])
            .filters(json!({"posts": {"id": "s3"}}));
        let found = graph(&links, &t, query).await;
        assert_eq!(
            found.data,
            [json!({"id": "b1", "posts": [{"id": "s1"}, {"id": "s2"}, {"id": "s3"}]})],
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_are_errors_that_say_what_is_valid() {
    for t in test_databases("graph_errors").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        let message = |e: Error| e.to_string();

        let e = graph_err(&links, &t, GraphQuery::new("product").fields(["titel"])).await;
        assert!(matches!(e, Error::UnknownField { .. }), "{e}");
        assert_eq!(
            message(e),
            "unknown field `titel` in `titel`: did you mean `title`? valid fields of product: id, title, deleted_at; links: brand, tags, variants, maker, posts"
        );
        // Every wrong field of a request at once, not only the first.
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product").fields(["id", "titel", "brand.nmae", "tag.*"]),
        )
        .await;
        assert!(matches!(e, Error::UnknownField { .. }), "{e}");
        assert_eq!(
            message(e),
            "3 of the fields are wrong: unknown field `titel` in `titel`: did you mean `title`? valid fields of product: id, title, deleted_at; links: brand, tags, variants, maker, posts \
             | unknown field `nmae` in `brand.nmae`: did you mean `name`? valid fields of brand: id, name; links: products, posts, regions, made_product; columns of link ProductBrand (product → brand): featured, position, note \
             | unknown field `tag` in `tag.*`: did you mean `tags`? valid fields of product: id, title, deleted_at; links: brand, tags, variants, maker, posts"
        );
        // Every mistake of fields, filters and order in one answer.
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["id", "titel"])
                .filters(json!({"titel": "x", "brand": {"nmae": "y"}}))
                .order("tite", "ASC"),
        )
        .await;
        assert!(matches!(e, Error::UnknownField { .. }), "{e}");
        let all = message(e);
        assert!(
            all.starts_with("3 of the parts of the query are wrong: ")
                && all.contains("2 of the filters are wrong: ")
                && all.contains("unknown field `titel` in `titel`")
                && all.contains("unknown field `nmae` in `brand.nmae`: did you mean `name`?")
                && all.contains("unknown field `tite` in `tite`: did you mean `title`?"),
            "{all}"
        );
        let e = graph_err(&links, &t, GraphQuery::new("product").fields(["brand.nam"])).await;
        assert!(message(e).contains(
            "valid fields of brand: id, name; links: products, posts, regions, made_product"
        ));
        let e = graph_err(&links, &t, GraphQuery::new("product").fields(["title.x"])).await;
        assert!(message(e).contains("`title` is a field of product, not a link"));
        let e = graph_err(&links, &t, GraphQuery::new("prodcut")).await;
        assert!(matches!(e, Error::UnknownField { .. }));
        assert!(message(e).starts_with("unknown entity `prodcut`; the entities are: "));

        let e = graph_err(
            &links,
            &t,
            by_id().filters(json!({"title": {"$regex": "S"}})),
        )
        .await;
        assert!(matches!(e, Error::InvalidInput { .. }));
        assert_eq!(
            message(e),
            "unknown operator `$regex` on `title`: use one of $eq, $ne, $in, $nin, $like, $ilike, $gt, $gte, $lt, $lte"
        );
        let e = graph_err(&links, &t, by_id().take(u64::MAX)).await;
        assert!(message(e).contains("must be at most 9223372036854775807"));
        let e = graph_err(&links, &t, by_id().filters(json!({"$xor": []}))).await;
        assert!(message(e).contains("combine filters with $and, $or, $not"));
        let e = graph_err(&links, &t, by_id().filters(json!({"title": 5}))).await;
        assert_eq!(message(e), "filter on `title`: expected a string, got 5");
        let e = graph_err(&links, &t, by_id().filters(json!(["p1"]))).await;
        assert!(matches!(e, Error::InvalidInput { .. }));

        let e = graph_err(&links, &t, by_id().filters(json!({"tags": {"label": "x"}}))).await;
        assert!(matches!(e, Error::UnknownField { .. }));
        assert_eq!(
            message(e),
            "tags.label is not filterable through link ProductTag (product → tag): add `filterable(label)` to the tag (right) side of its define_link!"
        );
        let e = graph_err(&links, &t, by_id().filters(json!({"posts": {"id": "s1"}}))).await;
        assert!(message(e).contains("read-only links are not filterable"));
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product").order("tags.id", "ASC"),
        )
        .await;
        assert!(message(e).contains("ordering by it is ambiguous"));
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product").order("brand.name", "UP"),
        )
        .await;
        assert!(message(e).contains("must be \"ASC\" or \"DESC\""));
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product").nested("tags", Page::default().take(1)),
        )
        .await;
        assert_eq!(
            message(e),
            "nested page for `tags`, which the fields do not select: add `tags.*` (or some of its fields) to the fields"
        );
        // A typo is not told to select a path that does not exist.
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["tags.*"])
                .nested("tag", Page::default().take(1)),
        )
        .await;
        assert!(matches!(e, Error::UnknownField { .. }));
        let text = message(e);
        assert!(
            text.starts_with("nested page for `tag`: product has no link property `tag`; did you mean `tags`? Its link properties are: "),
            "{text}"
        );
        assert!(!text.contains("tag.*"), "{text}");
        // The single side is named from the record that has it: each product has one brand.
        let e = graph_err(
            &links,
            &t,
            GraphQuery::new("product")
                .fields(["brand.id"])
                .nested("brand", Page::default().take(1)),
        )
        .await;
        assert_eq!(
            message(e),
            "nested page for `brand`: each product has at most one brand, so there is nothing to page"
        );

        // An allow-list bounds what an HTTP caller reaches: fields, filters and order.
        let allow = AllowList::new(["id", "title", "brand.name"]);
        let within = |query: GraphQuery| {
            let links = links.clone();
            let allow = allow.clone();
            let db = t.db.clone();
            async move { links.graph_within(&db, &query, &allow).await }
        };
        let ok = within(
            GraphQuery::new("product")
                .fields(["id", "brand.name"])
                .filters(json!({"brand": {"name": "Acme"}}))
                .order("title", "ASC"),
        )
        .await
        .expect("allowed");
        assert_eq!(
            ok.data,
            [json!({"id": "p1", "brand": {"id": "b1", "name": "Acme"}})]
        );
        for refused in [
            GraphQuery::new("product").fields(["id", "brand.*"]),
            GraphQuery::new("product").fields(["id", "tags.id"]),
            GraphQuery::new("product")
                .fields(["id"])
                .filters(json!({"brand": {"id": "b1"}})),
            GraphQuery::new("product")
                .fields(["id"])
                .order("brand.id", "ASC"),
            GraphQuery::new("product"),
        ] {
            let e = within(refused.clone()).await.expect_err("refused");
            assert!(matches!(e, Error::UnknownField { .. }), "{refused:?}: {e}");
            assert!(
                e.to_string().contains("allowed: id, title, brand.name"),
                "{e}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_statements_per_hop_for_1_100_and_10000_parents() {
    for t in test_databases("graph_batching").await {
        let links = registry(&t).await;
        let n = 10_000;
        let product_ids: Vec<String> = (0..n).map(|i| format!("p{i:05}")).collect();
        let brand_ids: Vec<String> = (0..10).map(|i| format!("b{i}")).collect();
        t.products(&product_ids).await;
        t.brands(&brand_ids).await;
        t.tags(&["t1", "t2"]).await;
        let p = |i: usize| product::Model::key(product_ids[i].clone());
        let b = |i: usize| brand::Model::key(brand_ids[i % 10].clone());
        links
            .create_many(&t.db, (0..n).map(|i| ProductBrand::new(p(i), b(i))))
            .await
            .expect("brands");
        links
            .create_many(&t.db, (0..n).map(|i| ProductMaker::new(p(i), b(i + 1))))
            .await
            .expect("makers");
        links
            .create_many(
                &t.db,
                (0..n).map(|i| {
                    ProductTag::new(p(i), tag::Model::key(if i % 2 == 0 { "t1" } else { "t2" }))
                }),
            )
            .await
            .expect("tags");

        for parents in [1, 100, n] {
            let wanted = &product_ids[..parents];
            let query = GraphQuery::new("product")
                .fields(["id", "brand.name", "maker.name", "tags.id"])
                .filters(json!({"id": wanted}));
            t.take_statements();
            let found = graph(&links, &t, query).await;
            let statements = t.take_statements();
            // The root; the three link tables; brands once for both brand and maker (the same
            // model at the same depth); tags.
            assert_eq!(
                statements.len(),
                6,
                "{:?}: {parents} parents: {statements:#?}",
                t.backend
            );
            assert_eq!(found.data.len(), parents, "{:?}", t.backend);
            for (i, record) in found.data.iter().enumerate().step_by(97) {
                let index: usize = record["id"]
                    .as_str()
                    .and_then(|id| id[1..].parse().ok())
                    .unwrap_or(usize::MAX);
                assert!(index < parents, "{:?}: {record}", t.backend);
                assert_eq!(
                    record["brand"]["id"],
                    json!(brand_ids[index % 10]),
                    "{:?}: {i}",
                    t.backend
                );
                assert_eq!(
                    record["maker"]["id"],
                    json!(brand_ids[(index + 1) % 10]),
                    "{:?}",
                    t.backend
                );
                assert_eq!(
                    record["tags"].as_array().map(Vec::len),
                    Some(1),
                    "{:?}",
                    t.backend
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_lists_are_paged_per_parent() {
    for t in test_databases("graph_nested").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        let query = GraphQuery::new("brand")
            .fields(["id", "posts.body"])
            .order("id", "ASC")
            .nested("posts", Page::default().take(2).order("body", "DESC"));
        let found = graph(&links, &t, query).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "b1", "posts": [{"id": "s3", "body": "gamma"}, {"id": "s2", "body": "beta"}]},
                {"id": "b2", "posts": []}
            ]),
            "{:?}",
            t.backend
        );
        let query = GraphQuery::new("product")
            .fields(["id", "brand.posts.id"])
            .filters(json!({"id": ["p1", "p2"]}))
            .order("id", "ASC")
            .nested("brand.posts", Page::default().skip(1).take(1));
        let found = graph(&links, &t, query).await;
        // Both products reach b1's or b2's posts; b1's second post in link order is s2.
        assert_eq!(
            found.data[0]["brand"]["posts"],
            json!([{"id": "s2"}]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            found.data[1]["brand"]["posts"],
            json!([]),
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_links_forward_array_and_inverse() {
    for t in test_databases("graph_read_only").await {
        let links = registry(&t).await;
        seed(&t, &links).await;
        // Forward through an optional id field: an object, or null when the field is null or
        // the product is soft-deleted.
        t.take_statements();
        let found = graph(
            &links,
            &t,
            GraphQuery::new("post")
                .fields(["id", "product.title"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            t.take_statements().len(),
            2,
            "{:?}: root and products, no link table",
            t.backend
        );
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "s1", "product": {"id": "p1", "title": "Shirt"}},
                {"id": "s2", "product": {"id": "p1", "title": "Shirt"}},
                {"id": "s3", "product": {"id": "p2", "title": "Hat"}},
                {"id": "s5", "product": null},
                {"id": "s6", "product": null}
            ]),
            "{:?}",
            t.backend
        );
        // Forward through an array field: an array in the field's order; unknown ids left out.
        let found = graph(
            &links,
            &t,
            GraphQuery::new("collection")
                .fields(["id", "products.id"])
                .order("id", "ASC"),
        )
        .await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {"id": "c1", "products": [{"id": "p2"}, {"id": "p1"}]},
                {"id": "c2", "products": []}
            ]),
            "{:?}",
            t.backend
        );
    }
}

/// The external `cms` service: a real HTTP server on 127.0.0.1 that serves reviews and pages
/// by any field, counting the calls it gets.
async fn cms_server(calls: Arc<AtomicUsize>) -> String {
    use axum::extract::{Json, State};
    use axum::routing::post;

    #[derive(serde::Deserialize)]
    struct Request {
        model: String,
        field: String,
        ids: Vec<String>,
    }

    async fn list(
        State(calls): State<Arc<AtomicUsize>>,
        Json(request): Json<Request>,
    ) -> Json<Vec<Value>> {
        calls.fetch_add(1, Ordering::SeqCst);
        let all = match request.model.as_str() {
            "review" => vec![
                json!({"id": "r1", "rating": 5, "body": "Great"}),
                json!({"id": "r2", "rating": 3, "body": "Fine"}),
                json!({"id": "r3", "rating": 1, "body": "Bad"}),
            ],
            "page" => vec![json!({"id": "pg1", "product_id": "p1", "title": "Shirt page"})],
            _ => Vec::new(),
        };
        Json(
            all.into_iter()
                .filter(|record| {
                    record[&request.field]
                        .as_str()
                        .is_some_and(|id| request.ids.iter().any(|wanted| wanted == id))
                })
                .collect(),
        )
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new()
        .route("/list", post(list))
        .with_state(calls);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/list")
}

/// The cms module's client: one POST per call.
struct HttpCms {
    client: reqwest::Client,
    url: String,
}

impl ExternalModels for HttpCms {
    async fn list(&self, request: ListRequest<'_>) -> Result<Vec<Value>, BoxError> {
        let body = json!({"model": request.model, "field": request.field, "ids": request.ids});
        let response = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(response.json().await?)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_models_are_fetched_from_their_service_once_per_hop() {
    let calls = Arc::new(AtomicUsize::new(0));
    let url = cms_server(calls.clone()).await;
    for t in test_databases("graph_external").await {
        let cms = HttpCms {
            client: reqwest::Client::new(),
            url: url.clone(),
        };
        let links = builder(&t)
            .external("cms", cms)
            .link::<ProductReview>()
            .link::<ProductPage>()
            .build()
            .expect("registry with the cms module");
        links.migrate().await.expect("migrate");
        seed(&t, &links).await;
        let p = product::Model::key;
        links
            .create_many(
                &t.db,
                [
                    ProductReview::new(p("p1"), cms::Review::key("r1")),
                    ProductReview::new(p("p1"), cms::Review::key("r2")),
                    ProductReview::new(p("p2"), cms::Review::key("r3")),
                ],
            )
            .await
            .expect("reviews are linked without a record check: the service holds them");
        t.take_statements();
        calls.store(0, Ordering::SeqCst);

        let query = GraphQuery::new("product")
            .fields(["id", "reviews.*", "page.title", "brand.name"])
            .order("id", "ASC");
        let found = graph(&links, &t, query).await;
        assert_eq!(
            Value::Array(found.data),
            json!([
                {
                    "id": "p1",
                    "reviews": [{"id": "r1", "rating": 5, "body": "Great"}, {"id": "r2", "rating": 3, "body": "Fine"}],
                    "page": {"id": "pg1", "title": "Shirt page"},
                    "brand": {"id": "b1", "name": "Acme"}
                },
                {"id": "p2", "reviews": [{"id": "r3", "rating": 1, "body": "Bad"}], "page": null, "brand": {"id": "b2", "name": "Zeta"}},
                {"id": "p3", "reviews": [], "page": null, "brand": null}
            ]),
            "{:?}",
            t.backend
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "{:?}: one call per external hop",
            t.backend
        );
        // The root, the review and brand link tables, the brands.
        assert_eq!(t.take_statements().len(), 4, "{:?}", t.backend);
    }

    // A service that cannot be reached is an error naming the module, not an empty answer.
    let t = sqlite_database().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let cms = HttpCms {
        client: reqwest::Client::new(),
        url: format!("http://{address}/list"),
    };
    let links = builder(&t)
        .external("cms", cms)
        .link::<ProductReview>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    seed(&t, &links).await;
    links
        .create(
            &t.db,
            ProductReview::new(product::Model::key("p1"), cms::Review::key("r1")),
        )
        .await
        .expect("link");
    let e = graph_err(
        &links,
        &t,
        GraphQuery::new("product").fields(["id", "reviews.id"]),
    )
    .await;
    assert!(matches!(e, Error::External { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("the external service of module `cms`: "),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_filters_across_connections_push_ids_down() {
    let t = sqlite_database().await;
    let away = sqlite_database().await;
    let links = Links::builder(t.db.clone())
        .module("product")
        .module_on("brand", away.db.clone())
        .link::<ProductBrand>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    insert::<product::Entity>(&t, vec![product("p1", "Shirt"), product("p2", "Hat")]).await;
    insert::<brand::Entity>(
        &away,
        vec![
            brand::Model {
                id: "b1".into(),
                name: "Acme".into(),
            },
            brand::Model {
                id: "b2".into(),
                name: "Zeta".into(),
            },
        ],
    )
    .await;
    links
        .create_many(
            &t.db,
            [
                ProductBrand::new(product::Model::key("p1"), brand::Model::key("b1")),
                ProductBrand::new(product::Model::key("p2"), brand::Model::key("b2")),
            ],
        )
        .await
        .expect("links");
    t.take_statements();
    away.take_statements();
    let query = GraphQuery::new("product")
        .fields(["id", "brand.name"])
        .filters(json!({"brand": {"name": "Zeta"}}));
    let found = graph(&links, &t, query).await;
    assert_eq!(
        found.data,
        [json!({"id": "p2", "brand": {"id": "b2", "name": "Zeta"}})]
    );
    // Brand ids on the brand connection (the filter, then the hop's brands); link rows (the
    // pushed-down filter, then the hop) and the root on the home connection.
    assert_eq!(away.take_statements().len(), 2);
    let home = t.take_statements();
    assert_eq!(home.len(), 3, "{home:#?}");
    assert!(
        !home.iter().any(|s| s.contains("JOIN")),
        "{home:#?}: no join with the brand table"
    );

    let e = graph_err(
        &links,
        &t,
        GraphQuery::new("product").order("brand.name", "ASC"),
    )
    .await;
    assert!(
        e.to_string().contains("cannot be sorted together in SQL"),
        "{e}"
    );
}
