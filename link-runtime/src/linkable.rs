//! The trait `#[derive(Linkable)]` implements, and what it records about a model.

use std::fmt;

use sea_orm::Value;

use crate::error::{Error, Result};
use crate::key::Key;
pub use crate::key::KeyKind;

/// A data model that can take part in links. Implemented by `#[derive(Linkable)]`; do not
/// implement it by hand.
///
/// Example: [`#[derive(Linkable)]`](derive@crate::Linkable).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not linkable",
    label = "this side of the link has no `#[derive(Linkable)]`",
    note = "add `#[derive(Linkable)]` and `#[linkable(module = \"...\")]` to `{Self}` so links can use it"
)]
pub trait Linkable: Sized + Send + Sync + 'static {
    /// What the derive recorded about this model.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    const MODEL: ModelInfo;

    /// The hash of the property this model is shown under on a linked record: its name, and
    /// its plural for a list side (pluralised when the derive runs, as the runtime does).
    #[doc(hidden)]
    const __PROPERTY_ONE: u64 = name_hash(Self::MODEL.name);

    /// See `__PROPERTY_ONE`.
    #[doc(hidden)]
    const __PROPERTY_MANY: u64 = 0;

    /// A type named as this model is shown on a linked record (`brand`), so a compile error
    /// listing a model's links shows their names.
    #[doc(hidden)]
    type __One;

    /// See `__One`: the plural (`brands`).
    #[doc(hidden)]
    type __Many;

    /// The key of this record (its primary key as a string).
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    fn link_key(&self) -> Key<Self>;

    /// The ids held by the field `field` (a read-only link's `field` or `primary_key`): one for a
    /// `String`, integer or UUID field, none or one for an `Option`, any number for a `Vec`;
    /// `None` if there is no such field or it cannot hold ids.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    fn field_ids(&self, field: &str) -> Option<Vec<String>>;

    /// How Query reads this model's records by name: the derive returns its sea-orm entity's
    /// source; an external model has none.
    #[doc(hidden)]
    fn __record_source() -> Option<std::sync::Arc<dyn crate::source::RecordSource>> {
        None
    }
}

/// The hash a property or field name is known by in trait impls (FNV-1a, 64 bits), computed
/// at compile time on both sides: where a link is declared and where it is used.
#[doc(hidden)]
pub const fn name_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// A field's value as the ids it holds (implemented for the types a read-only link's field may
/// have).
///
/// Example: [declarations and reports](crate#declarations-and-reports).
pub trait IdField {
    /// The ids.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
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
///
/// Example: the models of [the crate's example](crate#example) implement it.
pub trait SeaOrmLinkable: Linkable {
    /// The sea-orm entity whose `Model` this is.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    type Entity: sea_orm::EntityTrait;
}

/// What `#[derive(Linkable)]` records about a model. Everything here is known at compile time.
///
/// Example: [`#[derive(Linkable)]`](derive@crate::Linkable) (`Page::MODEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    /// The module the model belongs to, e.g. `product`.
    pub module: &'static str,
    /// The model's name, e.g. `product` (the sea-orm table name, or the struct name in snake case).
    pub name: &'static str,
    /// The primary key's column, e.g. `id`.
    pub primary_key: &'static str,
    /// How the primary key is stored, so ids can be bound with the column's own type.
    pub key_kind: KeyKind,
    /// The linkable key, the column name in link tables, e.g. `product_id`.
    pub key: &'static str,
    /// Every field of the model, in declaration order.
    pub fields: &'static [&'static str],
    /// Each field stored in a column of another name (`#[sea_orm(column_name = …)]`), with its
    /// column: Query speaks the fields (as the model's serde does), its SQL the columns.
    pub renamed: &'static [(&'static str, &'static str)],
    /// Whether the model has a `deleted_at: Option<…>` field.
    pub soft_deletable: bool,
    /// The table a sea-orm model lives in; `None` for an external model.
    pub table: Option<&'static str>,
    /// The Rust type, for messages.
    pub rust_type: &'static str,
}

impl ModelInfo {
    /// Whether `field` is a field of this model.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
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

    /// The column `field` is stored in.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub const fn column_of(&self, field: &'static str) -> &'static str {
        let mut i = 0;
        while i < self.renamed.len() {
            if const_str_eq(self.renamed[i].0, field) {
                return self.renamed[i].1;
            }
            i += 1;
        }
        field
    }

    /// The field stored in `column`.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub const fn field_of(&self, column: &'static str) -> &'static str {
        let mut i = 0;
        while i < self.renamed.len() {
            if const_str_eq(self.renamed[i].1, column) {
                return self.renamed[i].0;
            }
            i += 1;
        }
        column
    }

    /// The primary key's field, as Query's records name it.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub const fn key_field(&self) -> &'static str {
        self.field_of(self.primary_key)
    }

    /// Whether `other` is the same model (same module, same name).
    pub(crate) fn is(&self, other: &ModelInfo) -> bool {
        (self.module, self.name) == (other.module, other.name)
    }

    /// `module.model`, the name reports and messages use.
    ///
    /// Example: [`#[derive(Linkable)]`](derive@crate::Linkable).
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

impl<M: Linkable> fmt::Debug for Key<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key<{}>({:?})", M::MODEL.name, self.as_str())
    }
}

impl<M: Linkable> From<&M> for Key<M> {
    fn from(model: &M) -> Self {
        model.link_key()
    }
}

/// `id` in the canonical form of a key of `model` (SPEC §8), the form link tables store and
/// compare: an integer key in decimal without leading zeros, sign or spaces (`"07"`, `"+7"`,
/// `" 7"` are refused, not read as 7); a UUID key lower-case and hyphenated, whatever form it
/// was given in; a string key byte for byte. A NUL byte is refused in any key (PostgreSQL cannot
/// store one, so no backend takes it).
pub(crate) fn canonical(model: &ModelInfo, id: String) -> Result<String> {
    let refuse = |form: &str| {
        Error::invalid(format!(
            "`{}` is not a valid {} id: its key `{}` is {form}",
            crate::input::shown(&id),
            model.name,
            model.primary_key
        ))
    };
    if id.contains('\0') {
        return Err(refuse("text without NUL bytes"));
    }
    match model.key_kind {
        KeyKind::Integer => match id.parse::<i64>() {
            Ok(n) if n.to_string() == id => Ok(id),
            Ok(n) => Err(refuse(&format!(
                "an integer, written as {n} (no leading zeros, `+` or spaces)"
            ))),
            Err(_) => Err(refuse("an integer")),
        },
        KeyKind::Uuid => sea_orm::prelude::Uuid::parse_str(&id)
            .map(|uuid| uuid.to_string())
            .map_err(|_| refuse("a UUID")),
        _ => Ok(id),
    }
}

/// The ids bound with the type of the model's primary-key column, or `InvalidInput`.
pub(crate) fn key_values(model: &ModelInfo, ids: &[&str]) -> Result<Vec<Value>> {
    ids.iter()
        .map(|id| {
            key_value(model, id).ok_or_else(|| {
                Error::invalid(format!(
                    "{id:?} is not a valid {} id: its primary key `{}` is {}",
                    model.name,
                    model.primary_key,
                    match model.key_kind {
                        KeyKind::Integer => "an integer",
                        KeyKind::Uuid => "a UUID",
                        _ => "a string",
                    }
                ))
            })
        })
        .collect()
}

/// The id bound with the type of the model's primary-key column.
fn key_value(model: &ModelInfo, id: &str) -> Option<Value> {
    match model.key_kind {
        KeyKind::Integer => id.parse::<i64>().ok().map(Value::from),
        KeyKind::Uuid => sea_orm::prelude::Uuid::parse_str(id).ok().map(Value::from),
        _ => Some(Value::from(id.to_string())),
    }
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

#[cfg(test)]
mod canonical_keys {
    use super::{KeyKind, ModelInfo, canonical};

    fn model(key_kind: KeyKind) -> ModelInfo {
        ModelInfo {
            module: "m",
            name: "region",
            primary_key: "id",
            key_kind,
            key: "region_id",
            fields: &["id"],
            renamed: &[],
            soft_deletable: false,
            table: Some("region"),
            rust_type: "region::Model",
        }
    }

    #[test]
    fn keys_take_their_canonical_form_or_are_refused() {
        let int = model(KeyKind::Integer);
        assert_eq!(canonical(&int, "7".into()).ok().as_deref(), Some("7"));
        assert_eq!(canonical(&int, "-7".into()).ok().as_deref(), Some("-7"));
        for bad in [
            "07",
            "+7",
            " 7",
            "7 ",
            "-0",
            "7.0",
            "",
            "x",
            "99999999999999999999",
        ] {
            assert!(canonical(&int, bad.into()).is_err(), "{bad:?}");
        }
        let message = canonical(&int, "07".into()).err().map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some(
                "`07` is not a valid region id: its key `id` is an integer, written as 7 (no leading zeros, `+` or spaces)"
            )
        );
        let uuid = model(KeyKind::Uuid);
        let canonical_form = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        for form in [
            canonical_form,
            "67E55044-10B1-426F-9247-BB680E5FE0C8",
            "67e5504410b1426f9247bb680e5fe0c8",
            "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
        ] {
            assert_eq!(
                canonical(&uuid, form.into()).ok().as_deref(),
                Some(canonical_form)
            );
        }
        assert!(canonical(&uuid, "not-a-uuid".into()).is_err());
        let string = model(KeyKind::String);
        assert_eq!(
            canonical(&string, " P1".into()).ok().as_deref(),
            Some(" P1")
        );
        assert!(canonical(&string, "p\u{0}1".into()).is_err());
    }
}
