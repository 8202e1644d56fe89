//! Purging old dismissed rows; auditing and repairing live rows whose records are gone.

mod common;

use chrono::{TimeDelta, Utc};
use link_runtime::{CreateOptions, Key, ListFilter};
use link_tests::links::{ProductBrand, ProductTag, RegionBrand, product_brand};
use link_tests::models::{brand, product, region, tag};
use link_tests::test_databases;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_removes_only_rows_dismissed_before_the_cutoff() {
    for t in test_databases("purge").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2", "p3"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                ["p1", "p2", "p3"].map(|id| ProductBrand::new(p(id), b("b1"))),
            )
            .await
            .expect("create");
        links
            .dismiss_many(
                &t.db,
                ["p1", "p2"].map(|id| ProductBrand::new(p(id), b("b1"))),
            )
            .await
            .expect("dismiss");
        // p1 was dismissed long ago.
        let mut old = product_brand::Entity::find_by_id(("p1".to_string(), "b1".to_string()))
            .one(&t.db)
            .await
            .expect("find")
            .expect("row")
            .into_active_model();
        old.deleted_at = sea_orm::Set(Some(Utc::now() - TimeDelta::days(40)));
        old.update(&t.db).await.expect("age the row");

        let purged = links
            .purge::<ProductBrand, _>(&t.db, Utc::now() - TimeDelta::days(30))
            .await
            .expect("purge");
        assert_eq!(purged, 1, "{:?}", t.backend);
        let rows = product_brand::Entity::find()
            .count(&t.db)
            .await
            .expect("count");
        assert_eq!(
            rows, 2,
            "{:?}: the recent dismissal and the live row stay",
            t.backend
        );
        let all = links
            .purge_all(&t.db, Utc::now() + TimeDelta::seconds(1))
            .await
            .expect("purge all");
        assert_eq!(all.get("ProductBrand"), Some(&1));
        assert_eq!(all.get("ProductTag"), Some(&0));
        assert_eq!(
            links
                .list(&t.db, ListFilter::<ProductBrand>::all())
                .await
                .expect("list")
                .len(),
            1,
            "live rows are never purged"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_finds_dangling_rows_in_bounded_statements_and_repair_dismisses_them() {
    for t in test_databases("audit").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        t.tags(&["t1"]).await;
        t.regions(&[1]).await;
        let unchecked = || CreateOptions::default().skip_record_check();
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1")),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("live");
        // 200 links to products that were never created.
        let ghosts: Vec<String> = (0..200).map(|i| format!("ghost{i:03}")).collect();
        links
            .create_many_with(
                &t.db,
                ghosts.iter().map(|id| ProductBrand::new(p(id), b("b1"))),
                unchecked(),
            )
            .await
            .expect("ghosts");
        links
            .create_many_with(
                &t.db,
                [
                    ProductTag::new(p("p1"), tag::Model::key("t1")),
                    ProductTag::new(p("p1"), tag::Model::key("gone")),
                ],
                unchecked(),
            )
            .await
            .expect("tags");
        links
            .create_many_with(
                &t.db,
                [
                    RegionBrand::new(region::Model::key("1"), b("b1")),
                    RegionBrand::new(region::Model::key("99"), b("b1")),
                ],
                unchecked(),
            )
            .await
            .expect("regions");
        // The product module soft-deletes p2 without telling the links.
        let mut p2 = product::Entity::find_by_id("p2".to_string())
            .one(&t.db)
            .await
            .expect("find")
            .expect("p2")
            .into_active_model();
        p2.deleted_at = sea_orm::Set(Some(Utc::now()));
        p2.update(&t.db).await.expect("soft-delete p2");

        t.take_statements();
        let audit = links
            .check(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        let statements = t.take_statements().len();
        let stored_links = audit.links.len();
        assert!(
            statements <= stored_links * 4,
            "{:?}: {statements} statements for {stored_links} links",
            t.backend
        );

        let of = |name: &str| {
            audit
                .links
                .iter()
                .find(|l| l.link == name)
                .expect("audited")
                .clone()
        };
        let product_brand = of("ProductBrand");
        assert_eq!(
            product_brand.left.dangling, 201,
            "{:?}: 200 ghosts and a soft-deleted product",
            t.backend
        );
        assert_eq!(product_brand.left.samples.len(), 10);
        assert_eq!(
            product_brand.left.samples[0],
            ("ghost000".to_string(), "b1".to_string())
        );
        assert_eq!(product_brand.right.dangling, 0);
        let product_tag = of("ProductTag");
        assert_eq!(
            (product_tag.left.dangling, product_tag.right.dangling),
            (0, 1)
        );
        assert_eq!(
            product_tag.right.samples,
            vec![("p1".to_string(), "gone".to_string())]
        );
        assert_eq!(
            of("RegionBrand").left.samples,
            vec![("99".to_string(), "b1".to_string())],
            "{:?}",
            t.backend
        );
        assert_eq!(audit.dangling(), 203);

        let repaired = links.repair(&t.db).await.expect("repair");
        assert_eq!(repaired.dangling(), 203);
        assert_eq!(
            links.check(&t.db).await.expect("check again").dangling(),
            0,
            "{:?}",
            t.backend
        );
        let live = product_brand::Entity::find()
            .filter(product_brand::Column::DeletedAt.is_null())
            .all(&t.db)
            .await
            .expect("live");
        assert_eq!(
            live.iter().map(|r| r.left.as_str()).collect::<Vec<_>>(),
            vec!["p1"]
        );
    }
}
