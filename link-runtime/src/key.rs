//! Typed keys: `Key<product::Model>` and `Key<brand::Model>` are different types, so a link's two
//! records cannot be swapped without the compiler noticing.
//!
//! Example: [the crate's example](crate#example).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The id of one record of the linkable model `M`, as stored in a link table's key column.
///
/// Build one from an id (`product::Model::key("prod_1")`, `Key::new("prod_1")`) or from a model
/// (`Key::from(&product)`).
///
/// Example: [the crate's example](crate#example).
pub struct Key<M> {
    id: String,
    model: PhantomData<fn() -> M>,
}

impl<M> Key<M> {
    /// A key for the record of `M` whose primary key is `id`.
    ///
    /// Example: [the crate's example](crate#example), through `product::Model::key`.
    pub fn new(id: impl Into<String>) -> Self {
        Key {
            id: id.into(),
            model: PhantomData,
        }
    }

    /// The id, as written to the link table.
    ///
    /// Example: [`#[derive(Linkable)]`](derive@crate::Linkable).
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The id, owned.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn into_string(self) -> String {
        self.id
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

impl<'de, M> serde::Deserialize<'de> for Key<M> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(Key::new)
    }
}

/// How a model's primary key is stored in its own table (link tables always store a string).
///
/// Example: [declarations and reports](crate#declarations-and-reports).
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
