//! Concurrent creates on a one-to-one link: the database's unique indexes pick exactly one
//! winner per round, and every loser gets a typed `Conflict`.

mod common;

use std::sync::Arc;

use link_runtime::{Error, ListFilter};
use link_tests::TestDb;
use link_tests::links::CustomerWishlist;
use link_tests::models::{customer, wishlist};

const TASKS: usize = 16;
const ROUNDS: usize = 25;

async fn race(t: TestDb) {
    let links = common::registry(&t).await;
    let customers: Vec<String> = (0..ROUNDS).map(|r| format!("c{r}")).collect();
    let wishlists: Vec<String> = (0..ROUNDS)
        .flat_map(|r| (0..TASKS).map(move |i| format!("w{r}_{i}")))
        .collect();
    t.customers(&customers).await;
    t.wishlists(&wishlists).await;
    let db = Arc::new(t.connect_again(TASKS as u32 + 4).await);

    for round in 0..ROUNDS {
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let mut tasks = Vec::new();
        for i in 0..TASKS {
            let (links, db, barrier) = (links.clone(), db.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                let pair = CustomerWishlist::new(
                    customer::Model::key(format!("c{round}")),
                    wishlist::Model::key(format!("w{round}_{i}")),
                );
                barrier.wait().await;
                links.create(&*db, pair).await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => wins += 1,
                Err(Error::Conflict { link, message, .. }) => {
                    assert_eq!(link, "CustomerWishlist");
                    assert!(
                        message.contains(&format!(
                            "customer c{round} is already linked to wishlist w{round}_"
                        )),
                        "{message}"
                    );
                }
                Err(other) => panic!(
                    "{:?} round {round}: a loser must get Conflict, got {other:?}",
                    t.backend
                ),
            }
        }
        assert_eq!(
            wins, 1,
            "{:?} round {round}: exactly one create wins",
            t.backend
        );
        let live = links
            .list(
                &*db,
                ListFilter::<CustomerWishlist>::all()
                    .left([customer::Model::key(format!("c{round}"))]),
            )
            .await
            .expect("list");
        assert_eq!(
            live.len(),
            1,
            "{:?} round {round}: exactly one live link",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_winner_per_round_on_postgres() {
    if let Some(t) = link_tests::db::postgres_only("race_postgres", 4).await {
        race(t).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_winner_per_round_on_mysql() {
    if let Some(t) = link_tests::db::mysql_only("race_mysql", 4).await {
        race(t).await;
    }
}
