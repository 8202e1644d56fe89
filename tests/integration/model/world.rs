//! The world: its models (sea-orm entities, tables prefixed `m_`) and the links between them.

use link_runtime::define_link;

pub(crate) mod m_product {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_product")]
    #[linkable(module = "m_product")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub title: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod m_post {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_post")]
    #[linkable(module = "m_blog")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub body: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Comments live in the `m_talk` module, bound to another connection.
pub(crate) mod m_comment {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_comment")]
    #[linkable(module = "m_talk")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub text: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An integer primary key.
pub(crate) mod m_region {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_region")]
    #[linkable(module = "m_geo")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Not soft-deletable (no `deleted_at`).
pub(crate) mod m_tag {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_tag")]
    #[linkable(module = "m_label")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod m_alpha {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_alpha")]
    #[linkable(module = "m_alpha")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A UUID primary key.
pub(crate) mod m_beta {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_beta")]
    #[linkable(module = "m_beta")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

// ---------------------------------------------------------------------------------------------
// The world: its links

define_link! {
    /// A product's posts: each post has one product; deleting a product deletes its posts.
    pub MProductPost: m_product::Model => m_post::Model [is_list, delete_cascade],
    table = "m_product_post",
}

define_link! {
    /// A post's comments (on another connection); deleting a post deletes its comments.
    pub MPostComment: m_post::Model => m_comment::Model [is_list, delete_cascade],
    table = "m_post_comment",
}

define_link! {
    /// One region per product and one product per region; integer keys.
    pub MProductRegion: m_product::Model => m_region::Model,
    extra_columns { rank: Option<i32> },
    table = "m_product_region",
}

define_link! {
    /// Products and tags, many-to-many; tags cannot be soft-deleted.
    pub MProductTag: m_product::Model [is_list] => m_tag::Model [is_list],
    extra_columns { weight: i32 = 1 },
    table = "m_product_tag",
}

define_link! {
    /// Alphas own betas, many-to-many; deleting an alpha deletes the betas it owns.
    pub MOwns: m_alpha::Model [is_list, alias = "owner"]
        => m_beta::Model [is_list, delete_cascade, alias = "owned"],
    table = "m_owns",
}

define_link! {
    /// An alpha is a member of at most one beta; deleting a beta deletes its members.
    pub MMember: m_alpha::Model [is_list, delete_cascade, alias = "member"]
        => m_beta::Model [alias = "group"],
    table = "m_member",
}
