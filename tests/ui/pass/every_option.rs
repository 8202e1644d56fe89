//! Every option of `#[derive(Linkable)]` and `define_link!` compiles, and is recorded on the
//! marker type.
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use link_runtime::{Cardinality, KeyKind, Linkable, LinkDefinition, define_link};
use link_tests::models::{brand, customer, post, product, region, wishlist};

/// An external model (no table of ours) with overridden name, key and primary key.
#[derive(Debug, Linkable)]
#[linkable(module = "cms", name = "cms_post", key = "cms_post_slug", primary_key = "slug")]
pub struct CmsPost {
    pub slug: String,
    pub title: String,
}

/// A marked primary key with a UUID type.
#[derive(Debug, Linkable)]
#[linkable(module = "media")]
pub struct Image {
    #[linkable(primary_key)]
    pub uuid: sea_orm::prelude::Uuid,
    pub product_ids: Vec<String>,
}

define_link! {
    /// Every stored-link option, on both sides.
    pub Everything: product::Model [is_list, delete_cascade, filterable(id, title), alias = "item"]
        => wishlist::Model [is_list, delete_cascade, filterable(title), alias = "list"],
    extra_columns {
        flag: bool = true,
        small: i16 = -2,
        count: i32 = 0,
        big: i64 = 9_000_000_000,
        ratio: f32 = 0.5,
        score: f64 = 1,
        note: String = "it's",
        maybe: Option<String>,
        at: DateTime<Utc> = "2024-01-01 00:00:00+00:00",
        naive: Option<NaiveDateTime>,
        day: Option<NaiveDate>,
        token: Option<sea_orm::prelude::Uuid>,
        payload: Option<serde_json::Value>,
        amount: Option<sea_orm::prelude::Decimal>,
    },
    table = "everything", id_prefix = "ev",
}

define_link! { pub OneToOne: customer::Model => wishlist::Model }
define_link! { pub OneToMany: brand::Model => post::Model [is_list], table = "one_to_many" }
define_link! { pub IntegerKeys: region::Model [is_list] => brand::Model [is_list], table = "region_brand_2" }
define_link! { pub External: product::Model => CmsPost [is_list] }

define_link! {
    /// Forward read-only link through a field.
    pub PostToProduct: post::Model [field = product_id] => product::Model,
    read_only,
}

define_link! {
    /// Inverse read-only link through the right model's field, forced to a list.
    pub ProductToPosts: product::Model [field = id] => post::Model [primary_key = product_id],
    read_only, is_list,
}

define_link! {
    /// Array field: a list through `is_list` on the right side.
    pub ImageProducts: Image [field = product_ids] => product::Model [is_list],
    read_only,
}

fn main() {
    let spec = Everything::SPEC;
    assert_eq!(spec.name, "Everything");
    assert_eq!(spec.cardinality(), Cardinality::ManyToMany);
    assert!(spec.left.delete_cascade && spec.right.delete_cascade);
    assert_eq!(spec.left.filterable, ["id", "title"]);
    assert_eq!(spec.left.alias(), "item");
    assert_eq!(spec.right.alias(), "list");
    assert_eq!(spec.table, Some("everything"));
    assert_eq!(spec.id_prefix, "ev");
    assert_eq!(spec.extra_columns.len(), 14);
    assert!(spec.extra_column("maybe").is_some_and(|c| c.nullable));
    assert!(spec.extra_column("count").is_some_and(|c| !c.nullable));

    assert_eq!(OneToOne::SPEC.cardinality(), Cardinality::OneToOne);
    assert_eq!(OneToMany::SPEC.cardinality(), Cardinality::OneToMany);
    assert_eq!(OneToMany::SPEC.id_prefix, "link");
    assert_eq!(IntegerKeys::SPEC.left.model.key_kind, KeyKind::Integer);
    assert_eq!(External::SPEC.right.model.table, None);
    assert_eq!(External::SPEC.right.model.key, "cms_post_slug");
    assert_eq!(Image::MODEL.key, "image_uuid");
    assert_eq!(Image::MODEL.key_kind, KeyKind::Uuid);
    assert!(product::Model::MODEL.soft_deletable);
    assert!(!brand::Model::MODEL.soft_deletable);

    assert!(PostToProduct::SPEC.read_only);
    assert_eq!(PostToProduct::SPEC.left.field, Some("product_id"));
    assert!(!PostToProduct::SPEC.read_only_list);
    assert!(ProductToPosts::SPEC.read_only_list);
    assert_eq!(ProductToPosts::SPEC.right.primary_key, Some("product_id"));
    assert!(ImageProducts::SPEC.read_only_list);

    let _ = everything::Data::default().flag(false).maybe(None).at(Utc::now());
}
