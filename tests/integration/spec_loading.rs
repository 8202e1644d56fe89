//! Typed loading (SPEC §9.7), written from the SPEC's and the loader's docs before reading the
//! code, on SQLite, PostgreSQL and MariaDB, in the world of `spec_query_world`.

mod spec_helpers;
mod spec_query_world;

use link_tests::test_databases;
use sea_orm::EntityTrait;

use spec_query_world::*;

/// §9.7 "given a slice of left models, return their linked right models grouped per left key,
/// in two queries"; the docs: "aligned with `lefts` (`result[i]` belongs to `lefts[i]`)".
/// Lefts with nothing linked get an empty group; a left given twice gets its group twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_right_groups_per_left_aligned_with_the_slice_in_two_statements() {
    for t in test_databases("probe_q_load_right").await {
        let links = world(&t).await;
        let all = vec![
            it("i1", "One", 1, None),
            it("i2", "Two", 2, None),
            it("i3", "Three", 3, None),
        ];
        items(&t, all.clone()).await;
        makers(
            &t,
            vec![mk("m1", "Acme", None, None), mk("m2", "Bolt", None, None)],
        )
        .await;
        link_makers(&links, &t, &[("i1", "m1"), ("i2", "m2")]).await;
        let slice = vec![
            all[2].clone(),
            all[0].clone(),
            all[1].clone(),
            all[0].clone(),
        ];
        t.take_statements();
        let groups = links
            .load_right::<ItemMaker, _>(&t.db, &slice)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let statements = t.take_statements();
        let names: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| g.iter().map(|m| m.id.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec![], vec!["m1"], vec!["m2"], vec!["m1"]],
            "{:?}",
            t.backend
        );
        assert_eq!(
            groups[1][0],
            mk("m1", "Acme", None, None),
            "{:?}",
            t.backend
        );
        assert_eq!(statements.len(), 2, "{:?}: {statements:#?}", t.backend);
        // An empty slice: no groups.
        let none = links
            .load_right::<ItemMaker, _>(&t.db, &[])
            .await
            .expect("empty");
        assert!(none.is_empty(), "{:?}", t.backend);
        assert!(t.take_statements().len() <= 2, "{:?}", t.backend);
    }
}

/// §9.7 with §8: the loader's docs say "Dismissed links and soft-deleted records are left
/// out", in both directions; many-to-many groups hold each partner once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_both_ways_leaves_out_dismissed_links_and_deleted_records() {
    for t in test_databases("probe_q_load_dead").await {
        let links = world(&t).await;
        items(
            &t,
            ["i1", "i2", "i3", "i4"]
                .iter()
                .map(|id| it(id, id, 1, None))
                .collect(),
        )
        .await;
        makers(
            &t,
            vec![
                mk("m1", "A", None, None),
                mk("m2", "B", None, None),
                mk("m3", "C", None, None),
            ],
        )
        .await;
        labels(&t, &[("red", "red"), ("blue", "blue")]).await;
        link_makers(
            &links,
            &t,
            &[("i1", "m1"), ("i2", "m2"), ("i3", "m3"), ("i4", "m3")],
        )
        .await;
        link_labels(
            &links,
            &t,
            &[
                ("i1", "red"),
                ("i1", "blue"),
                ("i2", "red"),
                ("i3", "red"),
                ("i4", "blue"),
            ],
        )
        .await;
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
                ItemLabel::new(item::Model::key("i3"), label::Model::key("red")),
            )
            .await
            .expect("dismiss");
        soft_delete(&t, "maker", "m2").await;
        soft_delete(&t, "item", "i4").await;
        let mut all_items = item::Entity::find().all(&t.db).await.expect("items");
        all_items.sort_by(|a, b| a.id.cmp(&b.id));
        let all_makers = {
            let mut m = maker::Entity::find().all(&t.db).await.expect("makers");
            m.sort_by(|a, b| a.id.cmp(&b.id));
            m
        };
        let all_labels = {
            let mut l = label::Entity::find().all(&t.db).await.expect("labels");
            l.sort_by(|a, b| a.id.cmp(&b.id)); // blue, red
            l
        };
        let sorted = |groups: Vec<Vec<String>>| -> Vec<Vec<String>> {
            groups
                .into_iter()
                .map(|mut g| {
                    g.sort();
                    g
                })
                .collect()
        };
        let right = links
            .load_right::<ItemMaker, _>(&t.db, &all_items[..3])
            .await
            .expect("load_right");
        let right: Vec<Vec<String>> = right
            .into_iter()
            .map(|g| g.into_iter().map(|m| m.id).collect())
            .collect();
        assert_eq!(
            right,
            vec![vec![], vec![], vec!["m3".to_string()]],
            "{:?}: i1's link dismissed, i2's maker deleted",
            t.backend
        );
        // m2 is soft-deleted; a live maker set: m1 (its link dismissed) and m3.
        let live_makers = [all_makers[0].clone(), all_makers[2].clone()];
        let left = links
            .load_left::<ItemMaker, _>(&t.db, &live_makers)
            .await
            .expect("load_left");
        let left = sorted(
            left.into_iter()
                .map(|g| g.into_iter().map(|m| m.id).collect())
                .collect(),
        );
        assert_eq!(
            left,
            vec![vec![], vec!["i3".to_string()]],
            "{:?}: m3's item i4 is soft-deleted",
            t.backend
        );
        let by_label = links
            .load_left::<ItemLabel, _>(&t.db, &[all_labels[1].clone(), all_labels[0].clone()])
            .await
            .expect("load_left labels");
        let by_label = sorted(
            by_label
                .into_iter()
                .map(|g| g.into_iter().map(|m| m.id).collect())
                .collect(),
        );
        assert_eq!(
            by_label,
            vec![v(&["i1", "i2"]), v(&["i1"])],
            "{:?}: red, then blue",
            t.backend
        );
        let of_items = links
            .load_right::<ItemLabel, _>(&t.db, &all_items[..3])
            .await
            .expect("load_right labels");
        let of_items = sorted(
            of_items
                .into_iter()
                .map(|g| g.into_iter().map(|m| m.id).collect())
                .collect(),
        );
        assert_eq!(
            of_items,
            vec![v(&["blue", "red"]), v(&["red"]), vec![]],
            "{:?}: i3's label dismissed",
            t.backend
        );
    }
}

/// §9.7 with §9.3 "Large id sets are chunked under each backend's bind-parameter limit" and the
/// loader's docs ("Two statements (per chunk of ids under the bind limit)"): 70,000 lefts, more
/// than any backend binds in one statement, are loaded and grouped, never a database error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_more_lefts_than_a_statement_binds_is_chunked() {
    for t in test_databases("probe_q_load_many").await {
        let links = world(&t).await;
        let all: Vec<item::Model> = (0..70_000)
            .map(|n| it(&format!("i{n:05}"), "x", n, None))
            .collect();
        for chunk in all.chunks(1_000) {
            items(&t, chunk.to_vec()).await;
        }
        makers(
            &t,
            vec![mk("m1", "A", None, None), mk("m2", "B", None, None)],
        )
        .await;
        link_makers(&links, &t, &[("i00007", "m1"), ("i69999", "m2")]).await;
        let groups = links
            .load_right::<ItemMaker, _>(&t.db, &all)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(groups.len(), all.len(), "{:?}", t.backend);
        let linked: Vec<(usize, Vec<String>)> = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.is_empty())
            .map(|(n, g)| (n, g.iter().map(|m| m.id.clone()).collect()))
            .collect();
        assert_eq!(
            linked,
            vec![(7, v(&["m1"])), (69_999, v(&["m2"]))],
            "{:?}",
            t.backend
        );
    }
}
