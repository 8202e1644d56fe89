//! The typed loader: linked records grouped per parent, in two statements per hop, whatever the
//! number of parents; dismissed links and soft-deleted records are invisible.

mod common;

use link_tests::links::ProductBrand;
use link_tests::models::{brand, product};
use link_tests::test_databases;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_in_two_statements_for_1_100_and_10000_parents() {
    for t in test_databases("loader").await {
        let links = common::registry(&t).await;
        let n = 10_000;
        let product_ids: Vec<String> = (0..n).map(|i| format!("p{i:05}")).collect();
        let brand_ids: Vec<String> = (0..10).map(|i| format!("b{i}")).collect();
        t.products(&product_ids).await;
        t.brands(&brand_ids).await;
        links
            .create_many(
                &t.db,
                product_ids.iter().enumerate().map(|(i, id)| {
                    ProductBrand::new(
                        product::Model::key(id.clone()),
                        brand::Model::key(brand_ids[i % 10].clone()),
                    )
                }),
            )
            .await
            .expect("link every product");
        links
            .dismiss(
                &t.db,
                ProductBrand::new(product::Model::key("p00000"), brand::Model::key("b0")),
            )
            .await
            .expect("dismiss p00000");
        let products = product::Entity::find().all(&t.db).await.expect("products");
        let mut products: Vec<product::Model> = products;
        products.sort_by(|a, b| a.id.cmp(&b.id));

        for parents in [1, 100, n] {
            let slice = &products[..parents];
            t.take_statements();
            let brands = links
                .load_right::<ProductBrand, _>(&t.db, slice)
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
            // The one parent of the first round has only a dismissed link: nothing to load, so
            // the second statement is skipped.
            let expected = if parents == 1 { 1 } else { 2 };
            assert_eq!(
                t.take_statements().len(),
                expected,
                "{:?}: statements for {parents} parents",
                t.backend
            );
            assert_eq!(brands.len(), parents);
            assert!(
                brands[0].is_empty(),
                "{:?}: a dismissed link is invisible",
                t.backend
            );
            for (i, linked) in brands.iter().enumerate().skip(1) {
                assert_eq!(linked.len(), 1);
                assert_eq!(
                    linked[0].id,
                    brand_ids[i % 10],
                    "{:?}: product {i}",
                    t.backend
                );
            }
        }

        // The reverse direction, with a soft-deleted product.
        let mut gone = products[1].clone().into_active_model();
        gone.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
        gone.update(&t.db).await.expect("soft-delete p00001");
        let brands = brand::Entity::find().all(&t.db).await.expect("brands");
        let b1 = brands.iter().find(|b| b.id == "b1").expect("b1").clone();
        let b3 = brands.iter().find(|b| b.id == "b3").expect("b3").clone();
        t.take_statements();
        let of = links
            .load_left::<ProductBrand, _>(&t.db, &[b3.clone(), b1.clone(), b3])
            .await
            .expect("load left");
        assert_eq!(t.take_statements().len(), 2, "{:?}", t.backend);
        assert_eq!(of.len(), 3, "aligned with the input, repeats included");
        assert_eq!(of[0].len(), n / 10);
        assert_eq!(of[0], of[2]);
        assert_eq!(
            of[1].len(),
            n / 10 - 1,
            "{:?}: the soft-deleted product is invisible",
            t.backend
        );
        assert_eq!(of[1][0].id, "p00011", "link order");
        assert!(of[1].iter().all(|p| p.id != "p00001"));
    }
}

link_runtime::define_link! {
    /// Inverse read-only: a product's posts, through the posts' `product_id`.
    pub ProductPosts: product::Model [field = id] => link_tests::models::post::Model [primary_key = product_id, is_list],
    read_only,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_links_load_forward_and_inverse_in_one_statement() {
    use link_tests::links::PostProduct;
    use link_tests::models::post;
    for t in test_databases("loader_read_only").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        for (id, product) in [
            ("s1", Some("p1")),
            ("s2", Some("p1")),
            ("s3", Some("p2")),
            ("s4", None),
            ("s5", Some("ghost")),
        ] {
            post::Model {
                id: id.into(),
                body: id.into(),
                product_id: product.map(Into::into),
                deleted_at: None,
            }
            .into_active_model()
            .insert(&t.db)
            .await
            .expect("post");
        }
        let mut posts = post::Entity::find().all(&t.db).await.expect("posts");
        posts.sort_by(|a, b| a.id.cmp(&b.id));
        let mut products = product::Entity::find().all(&t.db).await.expect("products");
        products.sort_by(|a, b| a.id.cmp(&b.id));

        t.take_statements();
        let forward = links
            .load_read_only::<PostProduct, _>(&t.db, &posts)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(t.take_statements().len(), 1, "{:?}", t.backend);
        let ids: Vec<Vec<&str>> = forward
            .iter()
            .map(|v| v.iter().map(|p| p.id.as_str()).collect())
            .collect();
        assert_eq!(
            ids,
            vec![vec!["p1"], vec!["p1"], vec!["p2"], vec![], vec![]],
            "{:?}",
            t.backend
        );

        let mut s2 = posts[1].clone().into_active_model();
        s2.deleted_at = sea_orm::Set(Some(chrono::Utc::now()));
        s2.update(&t.db).await.expect("soft-delete s2");
        t.take_statements();
        let inverse = links
            .load_read_only::<ProductPosts, _>(&t.db, &products)
            .await
            .expect("inverse");
        assert_eq!(t.take_statements().len(), 1, "{:?}", t.backend);
        let ids: Vec<Vec<&str>> = inverse
            .iter()
            .map(|v| v.iter().map(|p| p.id.as_str()).collect())
            .collect();
        assert_eq!(
            ids,
            vec![vec!["s1"], vec!["s3"]],
            "{:?}: the soft-deleted post is invisible",
            t.backend
        );

        let err = links
            .load_read_only::<ProductBrand, _>(&t.db, &products)
            .await
            .expect_err("a stored link");
        assert_eq!(
            err.to_string(),
            "link ProductBrand (product → brand) stores its pairs in a table: load it with load_right / load_left"
        );
    }
}
