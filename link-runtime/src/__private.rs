//! What the code `#[derive(Linkable)]` and `define_link!` generate refers to. Not a public API:
//! it changes without notice. Generated code names everything as `::link_runtime::__private::…`
//! so a crate that depends on `link-runtime` alone compiles.

pub use crate::definition::{
    ColumnType, DefaultValue, ExtraColumn, ExtraColumns, LinkData, LinkDefinition, LinkSpec, Side,
    StoredLink,
};
pub use crate::entity_fields::{ActiveField, ModelField, required};
pub use crate::key::Key;
pub use crate::link::LinkPair;
pub use crate::link_entity::{
    ActiveExtraColumns, LinkActiveModel, LinkColumns, LinkEntity, LinkModel, LinkPrimaryKey,
    NoRelation,
};
pub use crate::linkable::{KeyKind, Linkable, ModelInfo, SeaOrmLinkable};
pub use crate::query::{EntitySource, RecordSource};

/// What typed queries' generated code uses.
pub mod typed {
    pub use crate::query::typed::check::*;
    pub use crate::query::typed::cond::*;
    pub use crate::query::typed::entity::*;
    pub use crate::query::typed::record::{
        LinkedValue, field as read_field, linked as read_linked,
    };
    pub use crate::query::typed::{Query, Selection};
}
pub use sea_orm;
pub use sea_orm::{DbErr, QueryResult, Value};
pub use serde;
pub use serde_json;
pub use std::{
    clone::Clone, default::Default, fmt::Debug, option::Option, result::Result, string::String,
    vec::Vec,
};

/// The sea-orm definition of `column` of the link table of `spec` (its generated entity's
/// `Column::def`), from the description its DDL is written from too.
pub fn link_column_def(spec: &LinkSpec, column: &str) -> sea_orm::ColumnDef {
    use crate::definition::{LinkColumnKind, LinkDefault};
    use sea_orm::ColumnTypeTrait as _;
    use sea_orm::sea_query::{Expr, StringLen};
    let Some(described) = spec.columns().find(|c| c.name == column) else {
        // The macro names only the columns `spec` describes; a text column is the harmless
        // answer should that ever not hold.
        return sea_orm::ColumnType::Text.def();
    };
    let ty = match described.kind {
        LinkColumnKind::Key => sea_orm::ColumnType::String(StringLen::N(255)),
        LinkColumnKind::Timestamp => sea_orm::ColumnType::TimestampWithTimeZone,
        LinkColumnKind::Extra(ty) => ty.sea_orm_type(),
    };
    let mut def = ty.def();
    if described.nullable {
        def = def.null();
    }
    match (described.default, described.kind) {
        (Some(LinkDefault::Now), _) => def.default(Expr::current_timestamp()),
        (Some(LinkDefault::Value(value)), LinkColumnKind::Extra(ty)) => {
            def.default(Expr::val(crate::extra_default::value(value, ty)))
        }
        _ => def,
    }
}

/// The table name of a link (for the generated sea-orm entity).
pub fn link_table_name(spec: &LinkSpec) -> String {
    crate::naming::TableNames::of(spec).table
}

/// The extra-column values a generated `Data` holds: each column named so far, once, with the
/// value it was given. `Data`'s setters and its `Deserialize` write here, and `LinkData::named`
/// reads it back in declaration order; one copy of this code serves every link.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamedValues(Vec<(&'static str, Value)>);

impl NamedValues {
    /// Names `column` with `value`, replacing a value named before.
    pub fn set(&mut self, column: &'static str, value: Value) {
        match self.0.iter_mut().find(|(named, _)| *named == column) {
            Some(slot) => slot.1 = value,
            None => self.0.push((column, value)),
        }
    }

    /// The named columns in the order `spec` declares them.
    pub fn in_order(&self, spec: &LinkSpec) -> Vec<(&'static str, Value)> {
        spec.extra_columns
            .iter()
            .filter_map(|column| self.0.iter().find(|(named, _)| *named == column.name))
            .cloned()
            .collect()
    }

    /// Reads a link's JSON `data` object (`{"featured": true}`) with the same checks as the
    /// dynamic API: unknown columns and ill-typed values are refused with a message naming the
    /// column and the link.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        spec: &LinkSpec,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        let json = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
        crate::link::dynamic::named_data(spec, &json)
            .map(NamedValues)
            .map_err(<D::Error as serde::de::Error>::custom)
    }
}

/// Whether the linkable model `M` has the field `field` (used in generated compile-time checks).
pub const fn has_field(model: &ModelInfo, field: &str) -> bool {
    model.has_field(field)
}

/// The key column of a side of a link: the model's linkable key, or `self_link` (the side's
/// `<alias>_<primary key>`) when the link joins the model to itself.
pub const fn key_column(
    model: &ModelInfo,
    other: &ModelInfo,
    self_link: &'static str,
) -> &'static str {
    if crate::linkable::const_str_eq(model.module, other.module)
        && crate::linkable::const_str_eq(model.name, other.name)
    {
        self_link
    } else {
        model.key
    }
}

/// The length of `a_b`.
pub const fn joined_len(a: &str, b: &str) -> usize {
    a.len() + 1 + b.len()
}

/// `a_b` as bytes, at compile time (`N` is [`joined_len`]).
pub const fn joined<const N: usize>(a: &str, b: &str) -> [u8; N] {
    let mut out = [b'_'; N];
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[a.len() + 1 + j] = b[j];
        j += 1;
    }
    out
}

/// Bytes joined from two `&str` as a `&str` (always UTF-8).
pub const fn utf8(bytes: &'static [u8]) -> &'static str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "",
    }
}

/// Whether the model is soft-deletable (generated check for `delete_cascade`).
pub const fn is_soft_deletable(model: &ModelInfo) -> bool {
    model.soft_deletable
}

/// A field reference for the generated `field_ids`: `(&&FieldRef(&field)).link_ids()` resolves to
/// [`ViaIdField`] when the field's type holds ids and to [`NotIds`] otherwise (autoref
/// specialisation), so every field compiles.
#[derive(Debug)]
pub struct FieldRef<'a, T>(pub &'a T);

/// Picked when the field's type implements `IdField`.
pub trait ViaIdField {
    /// The ids.
    fn link_ids(&self) -> Option<Vec<String>>;
}

impl<T: crate::linkable::IdField> ViaIdField for &FieldRef<'_, T> {
    fn link_ids(&self) -> Option<Vec<String>> {
        Some(self.0.ids())
    }
}

/// Picked otherwise.
pub trait NotIds {
    /// No ids.
    fn link_ids(&self) -> Option<Vec<String>>;
}

impl<T> NotIds for FieldRef<'_, T> {
    fn link_ids(&self) -> Option<Vec<String>> {
        None
    }
}

/// The `Column` of link `L` whose database name is `name` (the generated `FromStr`).
pub fn column_from_str<L: crate::link_entity::LinkColumns>(
    name: &str,
) -> Result<L::Column, sea_orm::ColumnFromStrErr> {
    use sea_orm::{IdenStatic as _, Iterable as _};
    L::Column::iter()
        .find(|column| column.as_str() == name)
        .ok_or_else(|| sea_orm::ColumnFromStrErr(name.to_owned()))
}

/// The type of the values of a column of Rust type `T` (the generated `LinkColumns::value_type`).
pub fn array_type<T: sea_orm::sea_query::ValueType>() -> sea_orm::sea_query::ArrayType {
    T::array_type()
}
