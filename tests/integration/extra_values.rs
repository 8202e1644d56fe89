//! What a create writes into a link's extra columns arrives whole, on SQLite, PostgreSQL and
//! MariaDB: a column may take any name a Rust field may (also `column3`, a name the rows of an
//! upsert are selected under), and a text value longer than its column holds is refused with
//! nothing written, not cut.

use link_runtime::{Error, Links, ListFilter, define_link};
use link_tests::models::{brand, product};
use link_tests::{TestDb, test_databases};

define_link! {
    /// Products and brands, many to many, with extra columns named as an upsert's rows are.
    pub Tagged: product::Model [is_list] => brand::Model [is_list],
    extra_columns { column3: i32 = 0, column6: Option<String> },
    table = "extra_value_links",
}

async fn registry(t: &TestDb) -> Links {
    t.products(&["p1", "p2"]).await;
    t.brands(&["b1"]).await;
    let links = Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .link::<Tagged>()
        .build()
        .expect("registry");
    links.migrate().await.expect("migrate");
    links
}

fn pair(product: &str, data: tagged::Data) -> link_runtime::LinkPair<Tagged> {
    Tagged::new(product::Model::key(product), brand::Model::key("b1")).with(data)
}

async fn live(links: &Links, t: &TestDb) -> Vec<(String, i32, Option<usize>)> {
    links
        .list::<Tagged, _>(&t.db, ListFilter::all())
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
        .into_iter()
        .map(|row| {
            (
                row.left.to_string(),
                row.extra.column3,
                row.extra.column6.map(|text| text.len()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_columns_may_take_the_names_an_upsert_selects_under() {
    for t in test_databases("extra_column_names").await {
        let links = registry(&t).await;
        for (round, value) in [(0, 5), (1, 6), (2, 6)] {
            let row = links
                .create(
                    &t.db,
                    pair(
                        "p1",
                        tagged::Data::default()
                            .column3(value)
                            .column6(Some("x".into())),
                    ),
                )
                .await
                .unwrap_or_else(|e| panic!("{:?} #{round}: {e}", t.backend));
            assert_eq!(row.extra.column3, value, "{:?} #{round}", t.backend);
        }
        assert_eq!(
            live(&links, &t).await,
            [("p1".to_string(), 6, Some(1))],
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_longer_than_its_column_is_refused_with_nothing_written() {
    // MySQL's and MariaDB's `text` holds 65,535 bytes; PostgreSQL's and SQLite's have no limit.
    let long = "é".repeat(35_000);
    for t in test_databases("extra_text_length").await {
        let links = registry(&t).await;
        let limited = t.backend == link_tests::Backend::MySql;
        links
            .create(&t.db, pair("p1", tagged::Data::default().column3(1)))
            .await
            .expect("p1");
        let before = live(&links, &t).await;
        // A new pair in a batch, and the update of an existing pair alone.
        let batch = links
            .create_many(
                &t.db,
                [
                    pair("p2", tagged::Data::default().column6(Some(long.clone()))),
                    pair("p1", tagged::Data::default().column3(2)),
                ],
            )
            .await;
        let update = links
            .create(
                &t.db,
                pair("p1", tagged::Data::default().column6(Some(long.clone()))),
            )
            .await;
        if limited {
            for outcome in [batch.map(|_| ()), update.map(|_| ())] {
                match outcome {
                    Err(Error::InvalidInput { message }) => assert!(
                        message.contains("column6") && message.contains("65535"),
                        "{message}"
                    ),
                    other => panic!("{:?}: expected InvalidInput, got {other:?}", t.backend),
                }
            }
            assert_eq!(live(&links, &t).await, before, "nothing written");
        } else {
            batch.unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
            update.unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
            assert_eq!(
                live(&links, &t).await,
                [
                    ("p1".to_string(), 2, Some(long.len())),
                    ("p2".to_string(), 0, Some(long.len()))
                ],
                "{:?}",
                t.backend
            );
        }
    }
}
