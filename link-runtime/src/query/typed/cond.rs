//! What a typed filter and order are made of: [`Col`], a field at the end of a checked path, with
//! one method per operator whose bounds check the value against the field's type; [`Cond`], the
//! condition they build, written as the graph's filters; [`OrderTerm`], an order entry.

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{Map, Value as Json};

/// A text field, which `like` and `ilike` match.
#[diagnostic::on_unimplemented(
    message = "`like` and `ilike` match text, and this field is `{Self}`",
    label = "not a text field",
    note = "compare it with ==, !=, <, <=, >, >=, is_in or not_in"
)]
pub trait Textual {}
impl Textual for String {}
impl Textual for Option<String> {}

/// A value a field of type `C` may be compared with.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be compared with a `{C}` field",
    label = "expected a value of the field's type, `{C}`"
)]
pub trait FilterValue<C> {
    /// The value as the JSON the graph's filters take.
    fn to_json(&self) -> Result<Json, String>;
}
impl<T: Serialize> FilterValue<T> for T {
    fn to_json(&self) -> Result<Json, String> {
        json(self)
    }
}
impl<T: Serialize> FilterValue<Option<T>> for T {
    fn to_json(&self) -> Result<Json, String> {
        json(self)
    }
}
impl<T: Serialize> FilterValue<T> for &T {
    fn to_json(&self) -> Result<Json, String> {
        json(*self)
    }
}
impl<T: Serialize> FilterValue<Option<T>> for &T {
    fn to_json(&self) -> Result<Json, String> {
        json(*self)
    }
}
impl FilterValue<String> for &str {
    fn to_json(&self) -> Result<Json, String> {
        Ok(Json::from(*self))
    }
}
impl FilterValue<Option<String>> for &str {
    fn to_json(&self) -> Result<Json, String> {
        Ok(Json::from(*self))
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Json, String> {
    // The graph reads the JSON back with the column's type. A value that does not serialize
    // makes the whole query fail: read as null it would widen the filter.
    serde_json::to_value(value)
        .map_err(|err| format!("a filter value cannot be written as JSON: {err}"))
}

/// A field at the end of a path, of type `C`: what a filter compares and an order sorts by.
#[derive(Debug)]
pub struct Col<C> {
    pub(super) path: String,
    pub(super) column: PhantomData<fn() -> C>,
}

impl<C> Col<C> {
    fn op(self, op: &str, value: Result<Json, String>) -> Cond {
        match value {
            Ok(value) => Cond::Leaf {
                path: self.path,
                op: op.to_string(),
                value,
            },
            Err(message) => Cond::Invalid(format!("filter on `{}`: {message}", self.path)),
        }
    }

    /// `== value` (`$eq`; `None` is `IS NULL`).
    pub fn eq<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$eq", value.to_json())
    }
    /// `!= value` (`$ne`).
    pub fn ne<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$ne", value.to_json())
    }
    /// `< value`.
    pub fn lt<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$lt", value.to_json())
    }
    /// `<= value`.
    pub fn lte<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$lte", value.to_json())
    }
    /// `> value`.
    pub fn gt<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$gt", value.to_json())
    }
    /// `>= value`.
    pub fn gte<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$gte", value.to_json())
    }
    /// One of `values` (`$in`).
    pub fn is_in<I>(self, values: I) -> Cond
    where
        I: IntoIterator,
        I::Item: FilterValue<C>,
    {
        let values: Result<Vec<Json>, String> = values.into_iter().map(|v| v.to_json()).collect();
        self.op("$in", values.map(Json::Array))
    }
    /// None of `values` (`$nin`).
    pub fn not_in<I>(self, values: I) -> Cond
    where
        I: IntoIterator,
        I::Item: FilterValue<C>,
    {
        let values: Result<Vec<Json>, String> = values.into_iter().map(|v| v.to_json()).collect();
        self.op("$nin", values.map(Json::Array))
    }
    /// `IS NULL`.
    pub fn is_null(self) -> Cond {
        self.op("$eq", Ok(Json::Null))
    }
    /// `IS NOT NULL`.
    pub fn is_not_null(self) -> Cond {
        self.op("$ne", Ok(Json::Null))
    }
    /// Ascending order (missing or NULL values last).
    pub fn asc(self) -> OrderTerm {
        OrderTerm {
            path: self.path,
            direction: "ASC",
        }
    }
    /// Descending order (missing or NULL values first).
    pub fn desc(self) -> OrderTerm {
        OrderTerm {
            path: self.path,
            direction: "DESC",
        }
    }
}

// On every column, bounded per method, so `like` on a number is the `Textual` message
// rather than "method not found".
impl<C> Col<C> {
    /// SQL `LIKE` (`$like`): `%` matches any run of characters, `_` one.
    pub fn like(self, pattern: impl AsRef<str>) -> Cond
    where
        C: Textual,
    {
        self.op("$like", Ok(Json::from(pattern.as_ref())))
    }
    /// Case-insensitive `LIKE` (`$ilike`).
    pub fn ilike(self, pattern: impl AsRef<str>) -> Cond
    where
        C: Textual,
    {
        self.op("$ilike", Ok(Json::from(pattern.as_ref())))
    }
}

/// An order entry: a field path and `ASC` or `DESC`.
#[derive(Debug)]
pub struct OrderTerm {
    pub(super) path: String,
    pub(super) direction: &'static str,
}

/// A checked filter condition, written as the graph's filters (Medusa's shape).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// A comparison of the field at `path` (`brand.name`).
    #[doc(hidden)]
    Leaf {
        /// The field path.
        path: String,
        /// `$eq`, `$like` …
        op: String,
        /// The operand.
        value: Json,
    },
    /// All of them (`&&`).
    #[doc(hidden)]
    And(Vec<Cond>),
    /// Any of them (`||`).
    #[doc(hidden)]
    Or(Vec<Cond>),
    /// Not it (`!`).
    #[doc(hidden)]
    Not(Box<Cond>),
    /// A value that could not be written: the query fails with this message.
    #[doc(hidden)]
    Invalid(String),
}

impl Cond {
    /// The condition in the graph's filter shape: `{"brand": {"name": {"$eq": "Acme"}}}`.
    pub fn to_json(&self) -> Json {
        match self {
            Cond::Leaf { path, op, value } => {
                let mut json = Json::Object(Map::from_iter([(op.clone(), value.clone())]));
                for step in path.rsplit('.') {
                    json = Json::Object(Map::from_iter([(step.to_string(), json)]));
                }
                json
            }
            Cond::And(all) => {
                serde_json::json!({ "$and": all.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
            Cond::Or(any) => {
                serde_json::json!({ "$or": any.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
            Cond::Not(inner) => serde_json::json!({ "$not": inner.to_json() }),
            // Refused by the graph as an unknown operator, never read as "no filter".
            Cond::Invalid(message) => serde_json::json!({ "$invalid": message }),
        }
    }

    /// The first value that could not be written, if any.
    pub(super) fn invalid(&self) -> Option<&str> {
        match self {
            Cond::Invalid(message) => Some(message),
            Cond::Leaf { .. } => None,
            Cond::And(parts) | Cond::Or(parts) => parts.iter().find_map(Cond::invalid),
            Cond::Not(inner) => inner.invalid(),
        }
    }
}

/// `a && b` (what `query!` expands `&&` to).
pub fn and(parts: Vec<Cond>) -> Cond {
    Cond::And(parts)
}

/// `a || b`.
pub fn or(parts: Vec<Cond>) -> Cond {
    Cond::Or(parts)
}

/// `!a`.
pub fn not(cond: Cond) -> Cond {
    Cond::Not(Box::new(cond))
}
