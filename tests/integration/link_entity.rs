//! A link table is a sea-orm entity (`Entity`, `Model`, `Column`, `ActiveModel`): plain sea-orm
//! reads it, and writes it through an `ActiveModel`, on SQLite, PostgreSQL and MariaDB, and the
//! runtime sees what sea-orm wrote.

mod common;

use link_runtime::{Key, ListFilter};
use link_tests::links::{ProductBrand, product_brand, product_tag};
use link_tests::models::{brand, product};
use link_tests::test_databases;
use sea_orm::ActiveValue::{NotSet, Set, Unchanged};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IdenStatic, IntoActiveModel, Iterable, ModelTrait,
    PaginatorTrait, TryIntoModel, Value,
};

fn p(id: &str) -> Key<product::Model> {
    product::Model::key(id)
}
fn b(id: &str) -> Key<brand::Model> {
    brand::Model::key(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_tables_are_sea_orm_entities() {
    use sea_orm::{ColumnTrait, EntityName, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
    for t in test_databases("link_entity").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        links
            .create_many(
                &t.db,
                [
                    ProductBrand::new(p("p1"), b("b1"))
                        .with(product_brand::Data::default().note(Some("hi".into()))),
                    ProductBrand::new(p("p2"), b("b1")),
                ],
            )
            .await
            .expect("create");
        links
            .dismiss(&t.db, ProductBrand::new(p("p2"), b("b1")))
            .await
            .expect("dismiss");

        assert_eq!(
            product_brand::Entity.table_name(),
            "product_product_brand_brand"
        );
        let rows = product_brand::Entity::find()
            .filter(product_brand::Column::Right.eq("b1"))
            .order_by_asc(product_brand::Column::Left)
            .all(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            rows.len(),
            2,
            "{:?}: plain sea-orm sees dismissed rows too",
            t.backend
        );
        assert_eq!(
            (
                rows[0].left.as_str(),
                rows[0].note.as_deref(),
                rows[0].deleted_at
            ),
            ("p1", Some("hi"), None)
        );
        assert_eq!(rows[1].left, "p2");
        assert!(rows[1].deleted_at.is_some(), "{:?}", t.backend);
        assert!(!rows[1].featured);

        let by_key = product_brand::Entity::find_by_id(("p1".to_string(), "b1".to_string()))
            .one(&t.db)
            .await
            .expect("find by primary key")
            .expect("the pair exists");
        assert_eq!(by_key.id, rows[0].id);
        let live = product_brand::Entity::find()
            .filter(product_brand::Column::DeletedAt.is_null())
            .count(&t.db)
            .await
            .expect("count");
        assert_eq!(live, 1);
        let _: Option<product_tag::Model> = None;
        let column: product_brand::Column = "product_id".parse().expect("column by database name");
        assert!(matches!(column, product_brand::Column::Left));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_models_write_link_tables_through_plain_sea_orm() {
    for t in test_databases("link_entity_write").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        links
            .create(&t.db, ProductBrand::new(p("p1"), b("b1")))
            .await
            .expect("create");

        // An update of one extra column through the model's ActiveModel.
        let row = product_brand::Entity::find_by_id(("p1".to_string(), "b1".to_string()))
            .one(&t.db)
            .await
            .expect("find")
            .expect("the pair exists");
        let mut active = row.clone().into_active_model();
        assert_eq!(active.position, Unchanged(0));
        active.position = Set(9);
        active.note = Set(Some("by hand".into()));
        let updated = active
            .update(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (updated.position, updated.note.as_deref()),
            (9, Some("by hand"))
        );
        assert_eq!(updated.id, row.id, "{:?}", t.backend);
        let listed = links
            .list::<ProductBrand, _>(&t.db, ListFilter::all())
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].extra.position, listed[0].extra.note.as_deref()),
            (9, Some("by hand")),
            "{:?}: the runtime reads what sea-orm wrote",
            t.backend
        );

        // An insert of a whole row, and a delete by primary key.
        let now = chrono::Utc::now();
        let inserted = product_brand::ActiveModel {
            left: Set("p2".into()),
            right: Set("b1".into()),
            id: Set("pb_by_hand".into()),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            extra: product_brand::ActiveExtra {
                featured: Set(true),
                position: Set(3),
                note: NotSet,
            },
        }
        .insert(&t.db)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (
                inserted.left.as_str(),
                inserted.featured,
                inserted.extra.note
            ),
            ("p2", true, None)
        );
        assert_eq!(
            links
                .list::<ProductBrand, _>(&t.db, ListFilter::all())
                .await
                .expect("list")
                .len(),
            2
        );
        let deleted = product_brand::Entity::delete_by_id(("p2".to_string(), "b1".to_string()))
            .exec(&t.db)
            .await
            .expect("delete");
        assert_eq!(deleted.rows_affected, 1);
        assert_eq!(
            product_brand::Entity::find()
                .count(&t.db)
                .await
                .expect("count"),
            1
        );
    }
}

#[test]
fn active_model_and_model_reach_each_column() {
    use product_brand::Column;
    let columns: Vec<Column> = Column::iter().collect();
    assert_eq!(columns.len(), 9, "six fixed columns and three extra");
    assert_eq!(
        columns.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        [
            "product_id",
            "brand_id",
            "id",
            "created_at",
            "updated_at",
            "deleted_at",
            "featured",
            "position",
            "note"
        ]
    );
    assert_eq!(product_brand::PrimaryKey::iter().count(), 2);
    assert!(Column::Note.def().is_null());
    assert!(!Column::Position.def().is_null());

    let now = chrono::Utc::now();
    let model = product_brand::Model {
        left: "p1".into(),
        right: "b1".into(),
        id: "pb_1".into(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        extra: product_brand::Extra {
            featured: false,
            position: 4,
            note: Some("n".into()),
        },
    };
    assert_eq!(
        serde_json::to_value(&model).expect("a row serialises"),
        serde_json::json!({
            "left": "p1", "right": "b1", "id": "pb_1",
            "created_at": now, "updated_at": now, "deleted_at": null,
            "extra": {"featured": false, "position": 4, "note": "n"},
        })
    );
    assert_eq!(model.get(Column::Left), Value::from("p1"));
    assert_eq!(model.get(Column::Position), Value::from(4));
    assert_eq!(model.get(Column::Note), Value::from(Some("n".to_string())));
    let mut changed = model.clone();
    changed
        .try_set(Column::Position, Value::from(5))
        .expect("an i32");
    assert_eq!(changed.position, 5);
    assert!(
        changed
            .try_set(Column::Position, Value::from("five"))
            .is_err()
    );
    assert_eq!(
        <product_brand::Model as ModelTrait>::get_value_type(Column::Featured),
        sea_orm::sea_query::ArrayType::Bool
    );

    let mut active = model.clone().into_active_model();
    assert_eq!(active.get(Column::Featured), Unchanged(Value::from(false)));
    active.set(Column::Featured, Value::from(true));
    assert_eq!(active.featured, Set(true));
    active.set_if_not_equals(Column::Position, Value::from(4));
    assert_eq!(
        active.position,
        Unchanged(4),
        "an equal value leaves the column unchanged"
    );
    active.set_if_not_equals(Column::Position, Value::from(6));
    assert_eq!(active.position, Set(6));
    assert!(active.try_set(Column::Left, Value::from(1)).is_err());
    assert_eq!(
        active.take(Column::Note),
        Unchanged(Value::from(Some("n".to_string())))
    );
    assert!(active.is_not_set(Column::Note));
    active.reset(Column::Id);
    assert_eq!(active.id, Set("pb_1".to_string()));
    active.not_set(Column::Id);
    assert!(active.is_not_set(Column::Id));
    let err = active.clone().try_into_model().expect_err("id is not set");
    assert!(err.to_string().contains("id"), "{err}");
    active.id = Set("pb_1".into());
    active.note = Set(None);
    let back = active.try_into_model().expect("every column set");
    assert_eq!(
        (back.position, back.featured, back.extra.note),
        (6, true, None)
    );

    let empty = <product_brand::ActiveModel as ActiveModelTrait>::default();
    assert!(Column::iter().all(|c| empty.is_not_set(c)));
    assert_eq!(<product_brand::ActiveModel as Default>::default(), empty);
    let defaults = product_brand::ActiveModel::default_values();
    assert_eq!(
        defaults.note,
        Set(None),
        "a nullable column defaults to NULL"
    );
    assert_eq!(
        (&defaults.left, &defaults.deleted_at, &defaults.position),
        (&Set(String::new()), &Set(None), &Set(0)),
        "sea-orm's defaults per type, as its derive picks them"
    );

    let _: Option<product_tag::Model> = None;
}

/// sea-orm reads a model under a prefix where a query selects two (`find_also_related`, a
/// hand-written join), and a left join's row of NULLs as no model: so does a link table's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_rows_read_under_a_prefix_and_a_missing_row_reads_as_none() {
    use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
    for t in test_databases("link_entity_prefix").await {
        let links = common::registry(&t).await;
        t.products(&["p1", "p2"]).await;
        t.brands(&["b1"]).await;
        links
            .create(
                &t.db,
                ProductBrand::new(p("p1"), b("b1"))
                    .with(product_brand::Data::default().position(7)),
            )
            .await
            .expect("create");
        let columns: Vec<String> = product_brand::Column::iter()
            .map(|c| format!("l.{0} AS r_{0}", c.as_str()))
            .collect();
        let sql = format!(
            "SELECT p.id, {} FROM product p LEFT JOIN product_product_brand_brand l \
             ON l.product_id = p.id ORDER BY p.id",
            columns.join(", ")
        );
        let rows =
            t.db.query_all_raw(Statement::from_string(t.db.get_database_backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(rows.len(), 2);
        let linked = product_brand::Model::from_query_result(&rows[0], "r_")
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (linked.left.as_str(), linked.right.as_str(), linked.position),
            ("p1", "b1", 7),
            "{:?}",
            t.backend
        );
        assert!(linked.id.starts_with("link_"), "{}", linked.id);
        let missing = product_brand::Model::from_query_result_nullable(&rows[1], "r_");
        assert!(
            matches!(missing, Err(sea_orm::TryGetError::Null(_))),
            "{:?}: a row of NULLs is no link row (sea-orm reads it as None): {missing:?}",
            t.backend
        );
    }
}

#[test]
fn the_primary_key_is_the_two_key_columns() {
    use product_brand::{Column, PrimaryKey};
    use sea_orm::PrimaryKeyToColumn;
    assert!(matches!(PrimaryKey::Left.into_column(), Column::Left));
    assert!(matches!(PrimaryKey::Right.into_column(), Column::Right));
    assert!(matches!(
        PrimaryKey::from_column(Column::Right),
        Some(PrimaryKey::Right)
    ));
    assert!(PrimaryKey::from_column(Column::Id).is_none());
    assert_eq!(
        PrimaryKey::iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        ["product_id", "brand_id"]
    );
    assert!("product".parse::<Column>().is_err());
    assert_eq!(format!("{:?}", product_brand::Entity), "Entity");
}

/// A link without extra columns is written and read through plain sea-orm too; an extra column
/// left `NotSet` is named when a row is made of an `ActiveModel`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_without_extra_columns_is_written_through_sea_orm() {
    use link_tests::links::customer_wishlist;
    use sea_orm::PrimaryKeyToColumn;
    for t in test_databases("link_entity_bare").await {
        let _links = common::registry(&t).await;
        let now = chrono::Utc::now();
        let row = customer_wishlist::ActiveModel {
            left: Set("c1".into()),
            right: Set("w1".into()),
            id: Set("cw_1".into()),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            extra: customer_wishlist::ActiveExtra {},
        };
        let inserted = row
            .insert(&t.db)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend));
        assert_eq!(
            (inserted.left.as_str(), inserted.right.as_str()),
            ("c1", "w1")
        );
        let found = customer_wishlist::Entity::find()
            .all(&t.db)
            .await
            .expect("rows");
        assert_eq!(found, vec![inserted.clone()], "{:?}", t.backend);
        let defaults = customer_wishlist::ActiveModel::default_values();
        assert_eq!(defaults.deleted_at, Set(None));
    }
    assert!(matches!(
        product_brand::PrimaryKey::from_column(product_brand::Column::Left),
        Some(product_brand::PrimaryKey::Left)
    ));
    assert!(product_brand::PrimaryKey::from_column(product_brand::Column::Featured).is_none());
    let mut partial: product_brand::ActiveModel = product_brand::Model {
        left: "p1".into(),
        right: "b1".into(),
        id: "pb_1".into(),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        deleted_at: None,
        extra: product_brand::Extra {
            featured: true,
            position: 1,
            note: None,
        },
    }
    .into_active_model();
    partial.position = NotSet;
    let err = partial.try_into_model().expect_err("position is not set");
    assert!(err.to_string().contains("position"), "{err}");
}
