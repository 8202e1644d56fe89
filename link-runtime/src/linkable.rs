//! The trait `#[derive(Linkable)]` implements, and what it records about a model.

use crate::key::Key;

/// A data model that can take part in links. Implemented by `#[derive(Linkable)]`; do not
/// implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not linkable",
    label = "this side of the link has no `#[derive(Linkable)]`",
    note = "add `#[derive(Linkable)]` and `#[linkable(module = \"...\")]` to `{Self}` so links can use it"
)]
pub trait Linkable: Sized + Send + Sync + 'static {
    /// What the derive recorded about this model.
    const MODEL: ModelInfo;

    /// The key of this record (its primary key as a string).
    fn link_key(&self) -> Key<Self>;

    /// The ids held by the field `field` (a read-only link's `field` or `primary_key`): one for a
    /// `String`, integer or UUID field, none or one for an `Option`, any number for a `Vec`;
    /// `None` if there is no such field or it cannot hold ids.
    fn field_ids(&self, field: &str) -> Option<Vec<String>>;

    /// How Query reads this model's records by name: the derive returns its sea-orm entity's
    /// source; an external model has none.
    #[doc(hidden)]
    fn __record_source() -> Option<std::sync::Arc<dyn crate::query::RecordSource>> {
        None
    }
}

/// A field's value as the ids it holds (implemented for the types a read-only link's field may
/// have).
pub trait IdField {
    /// The ids.
    fn ids(&self) -> Vec<String>;
}

macro_rules! id_field_by_display {
    ($($ty:ty),*) => {$(
        impl IdField for $ty {
            fn ids(&self) -> Vec<String> {
                vec![self.to_string()]
            }
        }
    )*};
}

id_field_by_display!(String, i16, i32, i64, u16, u32, u64, sea_orm::prelude::Uuid);

impl<T: IdField> IdField for Option<T> {
    fn ids(&self) -> Vec<String> {
        self.as_ref().map(IdField::ids).unwrap_or_default()
    }
}

impl<T: IdField> IdField for Vec<T> {
    fn ids(&self) -> Vec<String> {
        self.iter().flat_map(IdField::ids).collect()
    }
}

/// A linkable model that is a sea-orm entity's `Model`, so the runtime can load, soft-delete
/// and restore its records generically.
pub trait SeaOrmLinkable: Linkable {
    /// The sea-orm entity whose `Model` this is.
    type Entity: sea_orm::EntityTrait;
}

/// What `#[derive(Linkable)]` records about a model. Everything here is known at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    /// The module the model belongs to, e.g. `product`.
    pub module: &'static str,
    /// The model's name, e.g. `product` (the sea-orm table name, or the struct name in snake case).
    pub name: &'static str,
    /// The primary-key field, e.g. `id`.
    pub primary_key: &'static str,
    /// How the primary key is stored, so ids can be bound with the column's own type.
    pub key_kind: KeyKind,
    /// The linkable key, the column name in link tables, e.g. `product_id`.
    pub key: &'static str,
    /// Every field of the model, in declaration order.
    pub fields: &'static [&'static str],
    /// Whether the model has a `deleted_at: Option<…>` field.
    pub soft_deletable: bool,
    /// The table a sea-orm model lives in; `None` for an external model.
    pub table: Option<&'static str>,
    /// The Rust type, for messages.
    pub rust_type: &'static str,
}

impl ModelInfo {
    /// Whether `field` is a field of this model.
    pub const fn has_field(&self, field: &str) -> bool {
        let mut i = 0;
        while i < self.fields.len() {
            if const_str_eq(self.fields[i], field) {
                return true;
            }
            i += 1;
        }
        false
    }

    /// `module.model`, the name reports and messages use.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// How a model's primary key is stored in its own table (link tables always store a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    /// A string column (Medusa's ids).
    String,
    /// An integer column.
    Integer,
    /// A UUID column.
    Uuid,
}

pub(crate) const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::IdField;

    #[test]
    fn fields_yield_the_ids_they_hold() {
        assert_eq!("p1".to_string().ids(), ["p1"]);
        assert_eq!(Some(7_i32).ids(), ["7"]);
        assert!(None::<String>.ids().is_empty());
        assert_eq!(vec!["a".to_string(), "b".to_string()].ids(), ["a", "b"]);
        assert_eq!(Some(vec![1_i64, 2]).ids(), ["1", "2"]);
    }
}
