//! Typed keys: `Key<product::Model>` and `Key<brand::Model>` are different types, so a link's two
//! records cannot be swapped without the compiler noticing.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::linkable::{KeyKind, Linkable, ModelInfo};

/// The id of one record of the linkable model `M`, as stored in a link table's key column.
///
/// Build one from an id (`product::Model::key("prod_1")`, `Key::new("prod_1")`) or from a model
/// (`Key::from(&product)`).
pub struct Key<M> {
    id: String,
    model: PhantomData<fn() -> M>,
}

impl<M: Linkable> Key<M> {
    /// A key for the record of `M` whose primary key is `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Key {
            id: id.into(),
            model: PhantomData,
        }
    }

    /// The id, as written to the link table.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The id, owned.
    pub fn into_string(self) -> String {
        self.id
    }
}

impl<M: Linkable> From<&M> for Key<M> {
    fn from(model: &M) -> Self {
        model.link_key()
    }
}

impl<M> Clone for Key<M> {
    fn clone(&self) -> Self {
        Key {
            id: self.id.clone(),
            model: PhantomData,
        }
    }
}

impl<M> PartialEq for Key<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<M> Eq for Key<M> {}

impl<M> Hash for Key<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl<M> PartialOrd for Key<M> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<M> Ord for Key<M> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

impl<M: Linkable> fmt::Debug for Key<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key<{}>({:?})", M::MODEL.name, self.id)
    }
}

impl<M> fmt::Display for Key<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl<M> serde::Serialize for Key<M> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id)
    }
}

impl<'de, M: Linkable> serde::Deserialize<'de> for Key<M> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(Key::new)
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

#[cfg(test)]
mod tests {
    use super::canonical;
    use crate::linkable::{KeyKind, ModelInfo};

    fn model(key_kind: KeyKind) -> ModelInfo {
        ModelInfo {
            module: "m",
            name: "region",
            primary_key: "id",
            key_kind,
            key: "region_id",
            fields: &["id"],
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
