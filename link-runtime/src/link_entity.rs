//! A stored link's table as a sea-orm entity, written once for every link.
//!
//! `define_link! { pub ProductBrand: … }` declares a module `product_brand` whose `Entity`,
//! `Model`, `ActiveModel` and `PrimaryKey` are these generic types at `ProductBrand`
//! ([`LinkEntity`], [`LinkModel`], [`LinkActiveModel`], [`LinkPrimaryKey`]), beside its own
//! `Column` enum and the extra columns' `Extra` and `ActiveExtra`. sea-orm's traits for these
//! four are implemented here, generically, so a crate declaring links compiles that code only
//! where a link table is read or written through sea-orm, not once per link (a link's `Column`
//! still implements sea-orm's column traits itself).
//!
//! A row's extra columns are the field `extra`, and the row dereferences to them: `row.featured`
//! reads `row.extra.featured`, and `active.featured = Set(true)` writes through
//! `active.extra.featured`.
//!
//! ```
//! # use link_runtime::{define_link, Linkable};
//! # mod product { use link_runtime::Linkable; use sea_orm::entity::prelude::*;
//! #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #   #[sea_orm(table_name = "product")] #[linkable(module = "product")]
//! #   pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub id: String }
//! #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
//! #   impl ActiveModelBehavior for ActiveModel {} }
//! # mod brand { use link_runtime::Linkable; use sea_orm::entity::prelude::*;
//! #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #   #[sea_orm(table_name = "brand")] #[linkable(module = "brand")]
//! #   pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub id: String }
//! #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
//! #   impl ActiveModelBehavior for ActiveModel {} }
//! define_link! {
//!     pub ProductBrand: product::Model => brand::Model,
//!     extra_columns { featured: bool = false },
//! }
//! use sea_orm::{ActiveValue::Set, ColumnTrait, EntityName, EntityTrait, QueryFilter};
//!
//! # fn main() {
//! assert_eq!(product_brand::Entity.table_name(), "product_product_brand_brand");
//! let featured = product_brand::Entity::find()
//!     .filter(product_brand::Column::Featured.eq(true))
//!     .filter(product_brand::Column::DeletedAt.is_null());
//! let mut row = product_brand::ActiveModel {
//!     left: Set("p1".into()),
//!     right: Set("b1".into()),
//!     extra: product_brand::ActiveExtra { featured: Set(true) },
//!     ..Default::default()
//! };
//! row.featured = Set(false);
//! assert_eq!(row.extra.featured, Set(false));
//! # let _ = featured;
//! # }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use sea_orm::prelude::DateTimeUtc;
use sea_orm::sea_query::ArrayType;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ColumnTrait, DbErr, EntityName,
    EntityTrait, FromQueryResult, Iden, IdenStatic, IntoActiveModel, Iterable, ModelTrait,
    PrimaryKeyToColumn, PrimaryKeyTrait, QueryResult, RelationDef, RelationTrait, TryGetError,
    TryIntoModel, Value,
};

use crate::definition::{LinkDefinition, StoredLink};
use crate::entity_fields::{ActiveField, ModelField, required};

/// The parts of a stored link's table entity that differ from link to link: its `Column` enum
/// and which field each column names. Implemented by `define_link!` on the link's marker.
pub trait LinkColumns: StoredLink<Extra: PartialEq> + Sized {
    /// The link's `Column` enum: `Left`, `Right`, `Id`, `CreatedAt`, `UpdatedAt`, `DeletedAt`,
    /// then one variant per extra column.
    type Column: ColumnTrait + fmt::Debug;
    /// The extra columns as sea-orm writes them: each an `ActiveValue`.
    type ActiveExtra: ActiveExtraColumns<Extra = Self::Extra>;
    /// `Column::Left`.
    const LEFT: Self::Column;
    /// `Column::Right`.
    const RIGHT: Self::Column;
    /// Every field of a row as a typed query names it, in `Column` order (`left`, `right`,
    /// `id`, the timestamps, then the extra columns).
    const FIELDS: &'static [&'static str];
    /// The table's name (from the link's `SPEC`, worked out once).
    fn table_name() -> &'static str;
    /// The field `column` names.
    fn field(row: &LinkModel<Self>, column: Self::Column) -> &dyn ModelField;
    /// The field `column` names, to write.
    fn field_mut(row: &mut LinkModel<Self>, column: Self::Column) -> &mut dyn ModelField;
    /// The active field `column` names.
    fn active(row: &LinkActiveModel<Self>, column: Self::Column) -> &dyn ActiveField;
    /// The active field `column` names, to write.
    fn active_mut(row: &mut LinkActiveModel<Self>, column: Self::Column) -> &mut dyn ActiveField;
    /// The type of the values `column` holds.
    fn value_type(column: Self::Column) -> ArrayType;
    /// The primary key's part `column` is, if it is one (`Left`, `Right`).
    fn key_part(column: Self::Column) -> Option<LinkPrimaryKey<Self>>;
}

/// The extra columns of a link row as sea-orm writes them (`define_link!`'s `ActiveExtra`).
pub trait ActiveExtraColumns:
    Clone + fmt::Debug + PartialEq + Default + Send + Sync + 'static
{
    /// The typed extra columns of a stored row.
    type Extra;
    /// Each column at sea-orm's default value for its type (`ActiveModelTrait::default_values`).
    fn default_values() -> Self;
    /// Each column `Unchanged`, holding `extra`'s value.
    fn unchanged(extra: Self::Extra) -> Self;
    /// The values, or sea-orm's `AttrNotSet` naming a column that is `NotSet`.
    fn values(self) -> Result<Self::Extra, DbErr>;
}

/// A link table: `product_brand::Entity`.
pub struct LinkEntity<L>(PhantomData<fn() -> L>);

impl<L> LinkEntity<L> {
    /// The entity (`product_brand::Entity` is this value, as a constant).
    pub const NEW: Self = LinkEntity(PhantomData);
}

impl<L> Clone for LinkEntity<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for LinkEntity<L> {}

impl<L> Default for LinkEntity<L> {
    fn default() -> Self {
        Self::NEW
    }
}

impl<L> fmt::Debug for LinkEntity<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Entity")
    }
}

impl<L: LinkColumns> Iden for LinkEntity<L> {
    fn unquoted(&self) -> &str {
        L::table_name()
    }
}

impl<L: LinkColumns> IdenStatic for LinkEntity<L> {
    fn as_str(&self) -> &'static str {
        L::table_name()
    }
}

impl<L: LinkColumns> EntityName for LinkEntity<L> {
    fn table_name(&self) -> &'static str {
        L::table_name()
    }
}

impl<L: LinkColumns> EntityTrait for LinkEntity<L> {
    type Model = LinkModel<L>;
    type ModelEx = LinkModel<L>;
    type ActiveModel = LinkActiveModel<L>;
    type ActiveModelEx = LinkActiveModel<L>;
    type Column = L::Column;
    type PrimaryKey = LinkPrimaryKey<L>;
    type Relation = NoRelation;
}

/// One row of a link table, live or dismissed: `product_brand::Model`. It serialises as its
/// fields: `{"left", "right", "id", "created_at", "updated_at", "deleted_at", "extra": {…}}`.
#[derive(serde::Serialize)]
#[serde(bound(serialize = ""))]
pub struct LinkModel<L: LinkDefinition> {
    /// The left record's id.
    pub left: String,
    /// The right record's id.
    pub right: String,
    /// The row's own id, `<prefix>_<ULID>`.
    pub id: String,
    /// When the pair was first linked.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
    /// When the pair was dismissed, if it was.
    pub deleted_at: Option<DateTimeUtc>,
    /// The extra columns (the row dereferences to them: `row.featured`).
    pub extra: L::Extra,
}

impl<L: LinkDefinition> Deref for LinkModel<L> {
    type Target = L::Extra;

    fn deref(&self) -> &L::Extra {
        &self.extra
    }
}

impl<L: LinkDefinition> DerefMut for LinkModel<L> {
    fn deref_mut(&mut self) -> &mut L::Extra {
        &mut self.extra
    }
}

impl<L: LinkDefinition> Clone for LinkModel<L> {
    fn clone(&self) -> Self {
        Self {
            left: self.left.clone(),
            right: self.right.clone(),
            id: self.id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            extra: self.extra.clone(),
        }
    }
}

impl<L: LinkDefinition> fmt::Debug for LinkModel<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("left", &self.left)
            .field("right", &self.right)
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("deleted_at", &self.deleted_at)
            .field("extra", &self.extra)
            .finish()
    }
}

impl<L: LinkDefinition<Extra: PartialEq>> PartialEq for LinkModel<L> {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.left,
            &self.right,
            &self.id,
            self.created_at,
            self.updated_at,
            self.deleted_at,
            &self.extra,
        ) == (
            &other.left,
            &other.right,
            &other.id,
            other.created_at,
            other.updated_at,
            other.deleted_at,
            &other.extra,
        )
    }
}

impl<L: LinkColumns> ModelTrait for LinkModel<L> {
    type Entity = LinkEntity<L>;

    fn get(&self, c: L::Column) -> Value {
        L::field(self, c).value()
    }

    fn get_value_type(c: L::Column) -> ArrayType {
        L::value_type(c)
    }

    fn try_set(&mut self, c: L::Column, v: Value) -> Result<(), DbErr> {
        L::field_mut(self, c).try_set(v)
    }
}

impl<L: LinkColumns> FromQueryResult for LinkModel<L> {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Self::from_query_result_nullable(row, pre).map_err(Into::into)
    }

    fn from_query_result_nullable(row: &QueryResult, pre: &str) -> Result<Self, TryGetError> {
        use crate::definition::ExtraColumns as _;
        Ok(Self {
            left: row.try_get_nullable(pre, L::LEFT.as_str())?,
            right: row.try_get_nullable(pre, L::RIGHT.as_str())?,
            id: row.try_get_nullable(pre, "id")?,
            created_at: row.try_get_nullable(pre, "created_at")?,
            updated_at: row.try_get_nullable(pre, "updated_at")?,
            deleted_at: row.try_get_nullable(pre, "deleted_at")?,
            extra: L::Extra::from_prefixed_row(row, pre)?,
        })
    }
}

/// A row of a link table as sea-orm writes it, each column `Set`, `Unchanged` or `NotSet`:
/// `product_brand::ActiveModel`.
pub struct LinkActiveModel<L: LinkColumns> {
    /// The left record's id.
    pub left: ActiveValue<String>,
    /// The right record's id.
    pub right: ActiveValue<String>,
    /// The row's own id.
    pub id: ActiveValue<String>,
    /// When the pair was first linked.
    pub created_at: ActiveValue<DateTimeUtc>,
    /// When the row last changed.
    pub updated_at: ActiveValue<DateTimeUtc>,
    /// When the pair was dismissed, if it was.
    pub deleted_at: ActiveValue<Option<DateTimeUtc>>,
    /// The extra columns (the row dereferences to them: `active.featured = Set(true)`).
    pub extra: L::ActiveExtra,
}

impl<L: LinkColumns> Deref for LinkActiveModel<L> {
    type Target = L::ActiveExtra;

    fn deref(&self) -> &L::ActiveExtra {
        &self.extra
    }
}

impl<L: LinkColumns> DerefMut for LinkActiveModel<L> {
    fn deref_mut(&mut self) -> &mut L::ActiveExtra {
        &mut self.extra
    }
}

impl<L: LinkColumns> Clone for LinkActiveModel<L> {
    fn clone(&self) -> Self {
        Self {
            left: self.left.clone(),
            right: self.right.clone(),
            id: self.id.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            deleted_at: self.deleted_at.clone(),
            extra: self.extra.clone(),
        }
    }
}

impl<L: LinkColumns> fmt::Debug for LinkActiveModel<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveModel")
            .field("left", &self.left)
            .field("right", &self.right)
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("deleted_at", &self.deleted_at)
            .field("extra", &self.extra)
            .finish()
    }
}

impl<L: LinkColumns> PartialEq for LinkActiveModel<L> {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.left,
            &self.right,
            &self.id,
            &self.created_at,
            &self.updated_at,
            &self.deleted_at,
            &self.extra,
        ) == (
            &other.left,
            &other.right,
            &other.id,
            &other.created_at,
            &other.updated_at,
            &other.deleted_at,
            &other.extra,
        )
    }
}

impl<L: LinkColumns> Default for LinkActiveModel<L> {
    fn default() -> Self {
        <Self as ActiveModelBehavior>::new()
    }
}

impl<L: LinkColumns> From<LinkModel<L>> for LinkActiveModel<L> {
    fn from(m: LinkModel<L>) -> Self {
        use ActiveValue::Unchanged;
        Self {
            left: Unchanged(m.left),
            right: Unchanged(m.right),
            id: Unchanged(m.id),
            created_at: Unchanged(m.created_at),
            updated_at: Unchanged(m.updated_at),
            deleted_at: Unchanged(m.deleted_at),
            extra: L::ActiveExtra::unchanged(m.extra),
        }
    }
}

impl<L: LinkColumns> IntoActiveModel<LinkActiveModel<L>> for LinkModel<L> {
    fn into_active_model(self) -> LinkActiveModel<L> {
        self.into()
    }
}

impl<L: LinkColumns> TryFrom<LinkActiveModel<L>> for LinkModel<L> {
    type Error = DbErr;

    fn try_from(a: LinkActiveModel<L>) -> Result<Self, DbErr> {
        Ok(Self {
            left: required(a.left, "left")?,
            right: required(a.right, "right")?,
            id: required(a.id, "id")?,
            created_at: required(a.created_at, "created_at")?,
            updated_at: required(a.updated_at, "updated_at")?,
            deleted_at: required(a.deleted_at, "deleted_at")?,
            extra: a.extra.values()?,
        })
    }
}

impl<L: LinkColumns> TryIntoModel<LinkModel<L>> for LinkActiveModel<L> {
    fn try_into_model(self) -> Result<LinkModel<L>, DbErr> {
        self.try_into()
    }
}

impl<L: LinkColumns> ActiveModelTrait for LinkActiveModel<L> {
    type Entity = LinkEntity<L>;

    fn take(&mut self, c: L::Column) -> ActiveValue<Value> {
        L::active_mut(self, c).take()
    }

    fn get(&self, c: L::Column) -> ActiveValue<Value> {
        L::active(self, c).get()
    }

    fn set_if_not_equals(&mut self, c: L::Column, v: Value) {
        L::active_mut(self, c).set_if_not_equals(v)
    }

    fn try_set(&mut self, c: L::Column, v: Value) -> Result<(), DbErr> {
        L::active_mut(self, c).try_set(v)
    }

    fn not_set(&mut self, c: L::Column) {
        L::active_mut(self, c).not_set()
    }

    fn is_not_set(&self, c: L::Column) -> bool {
        L::active(self, c).is_not_set()
    }

    fn reset(&mut self, c: L::Column) {
        L::active_mut(self, c).reset()
    }

    fn default() -> Self {
        use ActiveValue::NotSet;
        Self {
            left: NotSet,
            right: NotSet,
            id: NotSet,
            created_at: NotSet,
            updated_at: NotSet,
            deleted_at: NotSet,
            extra: L::ActiveExtra::default(),
        }
    }

    fn default_values() -> Self {
        // What sea-orm's derive picks for these types: a dummy value, `None` for an `Option`.
        use sea_orm::value::{DefaultActiveValue, DefaultActiveValueNone};
        let mut default = <Self as ActiveModelTrait>::default();
        default.left = DefaultActiveValue::default_value(&default.left);
        default.right = DefaultActiveValue::default_value(&default.right);
        default.id = DefaultActiveValue::default_value(&default.id);
        default.created_at = DefaultActiveValue::default_value(&default.created_at);
        default.updated_at = DefaultActiveValue::default_value(&default.updated_at);
        default.deleted_at = DefaultActiveValueNone::default_value(&default.deleted_at);
        default.extra = L::ActiveExtra::default_values();
        default
    }
}

impl<L: LinkColumns> ActiveModelBehavior for LinkActiveModel<L> {}

/// A link table's primary key, its two key columns: `product_brand::PrimaryKey`.
pub enum LinkPrimaryKey<L> {
    /// The left key column.
    Left,
    /// The right key column.
    Right,
    #[doc(hidden)]
    __Of(std::convert::Infallible, PhantomData<fn() -> L>),
}

impl<L> Clone for LinkPrimaryKey<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for LinkPrimaryKey<L> {}

impl<L> fmt::Debug for LinkPrimaryKey<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Left => "Left",
            Self::Right => "Right",
            Self::__Of(never, _) => match *never {},
        })
    }
}

impl<L> Iterable for LinkPrimaryKey<L> {
    type Iterator = std::array::IntoIter<Self, 2>;

    fn iter() -> Self::Iterator {
        [Self::Left, Self::Right].into_iter()
    }
}

impl<L: LinkColumns> PrimaryKeyToColumn for LinkPrimaryKey<L> {
    type Column = L::Column;

    fn into_column(self) -> L::Column {
        match self {
            Self::Left => L::LEFT,
            Self::Right => L::RIGHT,
            Self::__Of(never, _) => match never {},
        }
    }

    fn from_column(column: L::Column) -> Option<Self> {
        L::key_part(column)
    }
}

impl<L: LinkColumns> Iden for LinkPrimaryKey<L> {
    fn unquoted(&self) -> &str {
        self.as_str()
    }
}

impl<L: LinkColumns> IdenStatic for LinkPrimaryKey<L> {
    fn as_str(&self) -> &'static str {
        self.into_column().as_str()
    }
}

impl<L: LinkColumns> PrimaryKeyTrait for LinkPrimaryKey<L> {
    type ValueType = (String, String);

    fn auto_increment() -> bool {
        false
    }
}

/// A link table has no relations of its own: links are resolved by the runtime.
#[derive(Clone, Copy, Debug)]
pub enum NoRelation {}

impl Iterable for NoRelation {
    type Iterator = std::array::IntoIter<Self, 0>;

    fn iter() -> Self::Iterator {
        [].into_iter()
    }
}

impl RelationTrait for NoRelation {
    fn def(&self) -> RelationDef {
        match *self {}
    }
}
