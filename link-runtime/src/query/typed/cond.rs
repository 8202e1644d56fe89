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
    // makes the whole query fail: read as null it would widen the filter. serde_json writes a
    // NaN or an infinite float as null, which would compare as `IS NULL`: refused too.
    if value.serialize(NonFinite).unwrap_or(false) {
        return Err(
            "a filter value is a NaN or infinite float, which JSON cannot carry: compare with a finite number"
                .to_string(),
        );
    }
    serde_json::to_value(value)
        .map_err(|err| format!("a filter value cannot be written as JSON: {err}"))
}

/// A serializer that answers whether a value is a non-finite float (itself, or inside `Some`
/// or a newtype); any compound value answers with an error, read as "no".
struct NonFinite;

macro_rules! finite_scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, _: $ty) -> Result<bool, Self::Error> {
            Ok(false)
        }
    )*};
}

impl serde::Serializer for NonFinite {
    type Ok = bool;
    type Error = serde::de::value::Error;
    type SerializeSeq = serde::ser::Impossible<bool, Self::Error>;
    type SerializeTuple = serde::ser::Impossible<bool, Self::Error>;
    type SerializeTupleStruct = serde::ser::Impossible<bool, Self::Error>;
    type SerializeTupleVariant = serde::ser::Impossible<bool, Self::Error>;
    type SerializeMap = serde::ser::Impossible<bool, Self::Error>;
    type SerializeStruct = serde::ser::Impossible<bool, Self::Error>;
    type SerializeStructVariant = serde::ser::Impossible<bool, Self::Error>;

    finite_scalars!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char,
        serialize_str: &str, serialize_bytes: &[u8], serialize_unit_struct: &'static str,
    );

    fn serialize_f32(self, v: f32) -> Result<bool, Self::Error> {
        Ok(!v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<bool, Self::Error> {
        Ok(!v.is_finite())
    }
    fn serialize_none(self) -> Result<bool, Self::Error> {
        Ok(false)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool, Self::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<bool, Self::Error> {
        Ok(false)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, Self::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<bool, Self::Error> {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(serde::ser::Error::custom("compound"))
    }
}

/// A field at the end of a path, of type `C`: what a filter compares and an order sorts by.
#[derive(Debug)]
pub struct Col<C> {
    pub(super) path: String,
    /// Why the path cannot be used, found where the compiler could not tell: every condition
    /// and order made of it then fails the query with this message.
    pub(super) invalid: Option<String>,
    pub(super) column: PhantomData<fn() -> C>,
}

impl<C> Col<C> {
    fn op(self, op: &str, value: Result<Json, String>) -> Cond {
        if let Some(message) = self.invalid {
            return Cond::Invalid(message);
        }
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
            invalid: self.invalid,
        }
    }
    /// Descending order (missing or NULL values first).
    pub fn desc(self) -> OrderTerm {
        OrderTerm {
            path: self.path,
            direction: "DESC",
            invalid: self.invalid,
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
    /// Why the path cannot be used (see [`Col`]).
    pub(super) invalid: Option<String>,
}

/// A checked filter condition, written as the graph's filters (Medusa's shape).
///
/// Example: [`Query`](crate::query::Query) (its `filter = …`).
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
    /// The condition in the graph's filter shape: `{"brand": {"name": {"$eq": "Acme"}}}`
    /// (what [`Query::graph_query`](crate::query::Query::graph_query) shows).
    pub(crate) fn to_json(&self) -> Json {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn col<C>(path: &str) -> Col<C> {
        Col {
            path: path.to_string(),
            invalid: None,
            column: PhantomData,
        }
    }

    #[test]
    fn a_nan_or_infinite_value_is_refused_not_read_as_null() {
        for cond in [
            col::<f64>("weight").eq(f64::NAN),
            col::<f64>("weight").gt(f64::INFINITY),
            col::<Option<f32>>("score").ne(f32::NEG_INFINITY),
            col::<f64>("weight").is_in([1.0, f64::NAN]),
        ] {
            assert!(
                matches!(&cond, Cond::Invalid(message) if message.contains("NaN or infinite")),
                "{cond:?}"
            );
        }
        // A finite float, and `None` for a nullable column, are values.
        assert_eq!(
            col::<f64>("weight").eq(2.5).to_json(),
            serde_json::json!({"weight": {"$eq": 2.5}})
        );
        assert_eq!(
            col::<Option<f64>>("weight").eq(None::<f64>).to_json(),
            serde_json::json!({"weight": {"$eq": null}})
        );
    }
}
