//! Keys in batches (SPEC §8: a string key is taken byte for byte): many pairs matched in one
//! statement, whose keys hold what an encoding of the batch must carry through (quotes,
//! backslashes, control characters, JSON and path syntax, accents in two normal forms, emoji,
//! the longest keys), on SQLite, PostgreSQL and MariaDB. MariaDB gets a batch's pairs as one
//! JSON document (`Dialect::pairs_as_json_table`), which also has a size and a column width.

use link_runtime::{CreateOptions, Links, ListFilter, define_link};
use link_tests::models::{brand, product};
use link_tests::{TestDb, test_databases};

define_link! {
    /// Products and brands, many to many: a batch matches many pairs in one statement.
    pub ProductBrands: product::Model [is_list] => brand::Model [is_list],
    table = "key_product_brands",
}

/// The registry of [`ProductBrands`] alone, its table migrated, on `products` and `brands`.
async fn product_brands(
    t: &TestDb,
    products: &[impl AsRef<str>],
    brands: &[impl AsRef<str>],
) -> Links {
    t.products(products).await;
    t.brands(brands).await;
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .link::<ProductBrands>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

/// String keys with quotes, backslashes, control characters, JSON and path syntax, accents in
/// two normal forms, an emoji and 255 bytes of two-byte characters are matched byte for byte
/// when a batch names many pairs at once (SPEC §8): created twice (a retry writes nothing new),
/// dismissed among pairs that differ from linked ones only by case or normal form (none of
/// which is touched), once in a batch with keys JSON escapes and once in one without, and
/// listed back exactly.
#[tokio::test]
async fn string_keys_of_any_characters_are_matched_byte_for_byte_in_a_batch() {
    let long = format!("{}x", "\u{e9}".repeat(127));
    let brands = ["b\"1", "b\\1", "%_", long.as_str()];
    // Eight products, each linked to three brands (`b\\1` stays unlinked). Their twins by case
    // or normal form (`P"1`, `e\u{301}`, `B"1`) are no records: MariaDB's default collation,
    // which the module tables have, would take them for the same ones.
    let products = [
        "p\"1",
        "p\\2",
        "p'3",
        "[\"p\",4]",
        "$[0]",
        "\u{e9}",
        "p\u{1f600}",
        "p\t\u{1}\n8",
    ];
    let linked: Vec<(&str, &str)> = products
        .into_iter()
        .flat_map(|p| ["b\"1", "%_", long.as_str()].map(move |b| (p, b)))
        .collect();
    let pair =
        |(p, b): (&str, &str)| ProductBrands::new(product::Model::key(p), brand::Model::key(b));
    let listed = |rows: Vec<link_runtime::LinkRow<ProductBrands>>| {
        let mut ends: Vec<(String, String)> = rows
            .into_iter()
            .map(|row| {
                (
                    row.left.as_str().to_string(),
                    row.right.as_str().to_string(),
                )
            })
            .collect();
        ends.sort();
        ends
    };
    let expected = |pairs: &[(&str, &str)]| {
        let mut ends: Vec<(String, String)> = pairs
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_string()))
            .collect();
        ends.sort();
        ends
    };
    for t in test_databases("keys_any_characters").await {
        let backend = t.backend;
        let links = product_brands(&t, &products, &brands).await;

        let first = links
            .create_many(&t.db, linked.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        let again = links
            .create_many(&t.db, linked.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: the retry: {e}"));
        assert_eq!(
            first.iter().map(|r| &r.id).collect::<Vec<_>>(),
            again.iter().map(|r| &r.id).collect::<Vec<_>>(),
            "{backend:?}: the retry wrote other rows"
        );
        assert_eq!(listed(first), expected(&linked), "{backend:?}");

        // Twins of linked pairs by case or normal form, and one linked pair of each brand.
        let dismissed = [
            ("P\"1", "b\"1"),
            ("p\"1", "B\"1"),
            ("e\u{301}", "%_"),
            ("p\\2", "b\\1"),
            ("p\"1", "b\"1"),
            ("\u{e9}", "%_"),
            ("$[0]", long.as_str()),
        ];
        let count = links
            .dismiss_many(&t.db, dismissed.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(
            count, 3,
            "{backend:?}: dismissed {count} rows, not the 3 linked"
        );
        // Keys JSON writes as they are: a twin by normal form, and two linked pairs.
        let plain = [
            ("e\u{301}", long.as_str()),
            ("p\u{1f600}", long.as_str()),
            ("$[0]", "%_"),
        ];
        let count = links
            .dismiss_many(&t.db, plain.iter().copied().map(pair))
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(
            count, 2,
            "{backend:?}: dismissed {count} rows, not the 2 linked"
        );
        let left: Vec<(&str, &str)> = linked
            .iter()
            .copied()
            .filter(|p| !dismissed.contains(p) && !plain.contains(p))
            .collect();
        let rows = links
            .list(&t.db, ListFilter::<ProductBrands>::all())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(listed(rows), expected(&left), "{backend:?}");
    }
}

/// A batch of the longest keys, each of them characters JSON must escape, is written, written
/// again (a retry: the pairs are found as existing) and dismissed whole. On MySQL/MariaDB a
/// batch's pairs go to the server as one JSON document, where a key of 250 quotes takes 500
/// bytes: 22,000 such pairs would be 22 MB, over MariaDB's default packet limit of 16 MiB (its
/// bind limit alone would allow 21,839 pairs a statement).
#[tokio::test]
async fn a_batch_of_long_keys_that_json_escapes_fits_the_server() {
    const PAIRS: usize = 22_000;
    // 249 bytes: the fixture's name, "Brand <id>", fits in 255.
    let brand_id = "\"".repeat(249);
    let product_ids: Vec<String> = (0..PAIRS)
        // 247 bytes: the fixture's title, "Product <id>", fits in 255.
        .map(|i| format!("{}{i:05}", "\"".repeat(242)))
        .collect();
    let pairs = || {
        product_ids.iter().map(|p| {
            ProductBrands::new(
                product::Model::key(p.as_str()),
                brand::Model::key(brand_id.as_str()),
            )
        })
    };
    for t in test_databases("keys_long_batch").await {
        let backend = t.backend;
        let links = product_brands(&t, &product_ids, &[brand_id.as_str()]).await;
        let first = links
            .create_many(&t.db, pairs())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(first.len(), PAIRS, "{backend:?}");
        let again = links
            .create_many(&t.db, pairs())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: the retry: {e}"));
        assert!(
            again.len() == PAIRS && first.iter().zip(&again).all(|(a, b)| a.id == b.id),
            "{backend:?}: the retry wrote other rows"
        );
        let dismissed = links
            .dismiss_many(&t.db, pairs())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(dismissed, PAIRS as u64, "{backend:?}");
    }
}

/// A key longer than a key column holds is in no row, so a dismiss naming one dismisses
/// nothing: not the linked pair whose key it would be if cut to the column's 255 characters
/// (MariaDB cuts a `JSON_TABLE` value to its column). The pair is linked without its records
/// (`skip_record_check`): a module table's own columns may be narrower.
#[tokio::test]
async fn a_key_longer_than_a_column_dismisses_nothing() {
    let stored = "z".repeat(255);
    let longer = "z".repeat(256);
    let pair = |p: &str, b: &str| ProductBrands::new(product::Model::key(p), brand::Model::key(b));
    for t in test_databases("keys_longer_than_a_column").await {
        let backend = t.backend;
        let links = product_brands(&t, &["p1"], &["b1"]).await;
        links
            .create_many_with(
                &t.db,
                [pair("p1", &stored), pair("p1", "b1")],
                CreateOptions::default().skip_record_check(),
            )
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        for batch in [
            vec![pair("p1", &longer), pair("p1", "b2")],
            vec![pair("p1", &longer)],
        ] {
            let count = links
                .dismiss_many(&t.db, batch)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
            assert_eq!(count, 0, "{backend:?}: a longer key dismissed a row");
        }
        let rows = links
            .list(&t.db, ListFilter::<ProductBrands>::all())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(rows.len(), 2, "{backend:?}");
    }
}
