//! How Query reads the records of a sea-orm model it only knows by name: through the entity the
//! `Linkable` derive recorded, so rows decode with the model's own Rust types and become the same
//! JSON on every backend.

use std::marker::PhantomData;

use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, Iterable, ModelTrait, QueryResult,
};
use sea_orm::{IdenStatic, Value};
use serde_json::{Map, Value as Json};

/// One record as JSON, keyed by column name in the entity's column order.
pub(crate) type Record = Map<String, Json>;

/// The records of one sea-orm model, type-erased. Implemented for every entity through
/// [`EntitySource`]; the `Linkable` derive hands one to the registry.
#[doc(hidden)]
pub trait RecordSource: Send + Sync + 'static {
    /// The declared type of the column of `field`, and whether it is nullable; `None` when the
    /// entity has no such field.
    fn column(&self, field: &str) -> Option<(ColumnType, bool)>;

    /// One row (selected with `*`) as JSON, keyed by field name.
    fn decode(&self, row: &QueryResult) -> Result<Record, DbErr>;
}

/// The [`RecordSource`] of the sea-orm entity `E`: records keyed by the model's field names,
/// a field stored in a column of another name read from its column.
#[doc(hidden)]
pub struct EntitySource<E> {
    /// (field, column) of each field stored in a column of another name.
    renamed: &'static [(&'static str, &'static str)],
    entity: PhantomData<fn() -> E>,
}

impl<E> EntitySource<E> {
    /// The source of `E`, whose fields are named as their columns.
    pub const fn new() -> Self {
        Self::named(&[])
    }

    /// The source of `E`, whose fields `renamed` are stored in columns of other names.
    pub const fn named(renamed: &'static [(&'static str, &'static str)]) -> Self {
        EntitySource {
            renamed,
            entity: PhantomData,
        }
    }

    fn column_of<'n>(&self, field: &'n str) -> &'n str {
        match self.renamed.iter().find(|(f, _)| *f == field) {
            Some((_, column)) => column,
            None => field,
        }
    }

    fn field_of<'n>(&self, column: &'n str) -> &'n str {
        match self.renamed.iter().find(|(_, c)| *c == column) {
            Some((field, _)) => field,
            None => column,
        }
    }
}

impl<E> Default for EntitySource<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> std::fmt::Debug for EntitySource<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::any::type_name::<E>())
    }
}

impl<E: EntityTrait> RecordSource for EntitySource<E> {
    fn column(&self, field: &str) -> Option<(ColumnType, bool)> {
        let column = self.column_of(field);
        E::Column::iter().find(|c| c.as_str() == column).map(|c| {
            let def = c.def();
            (def.get_column_type().clone(), def.is_null())
        })
    }

    fn decode(&self, row: &QueryResult) -> Result<Record, DbErr> {
        let model = <E::Model as FromQueryResult>::from_query_result(row, "")?;
        Ok(E::Column::iter()
            .map(|c| {
                (
                    self.field_of(c.as_str()).to_string(),
                    json_of(&model.get(c)),
                )
            })
            .collect())
    }
}

/// A column value as JSON, formatted the way serde formats the Rust type it came from
/// (RFC 3339 date-times, decimals as strings), so every backend gives the same JSON.
pub(crate) fn json_of(value: &Value) -> Json {
    use chrono::SecondsFormat;
    match value {
        Value::ChronoDateTimeUtc(Some(at)) => {
            Json::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        Value::ChronoDateTimeWithTimeZone(Some(at)) => {
            Json::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        Value::ChronoDateTimeLocal(Some(at)) => {
            Json::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        Value::ChronoDateTime(Some(at)) => {
            Json::String(at.format("%Y-%m-%dT%H:%M:%S%.f").to_string())
        }
        Value::ChronoDate(Some(day)) => Json::String(day.format("%Y-%m-%d").to_string()),
        Value::ChronoTime(Some(time)) => Json::String(time.format("%H:%M:%S%.f").to_string()),
        Value::Decimal(Some(decimal)) => Json::String(decimal.to_string()),
        Value::Bytes(Some(bytes)) => Json::Array(bytes.iter().map(|b| Json::from(*b)).collect()),
        Value::Bytes(None) => Json::Null,
        other => sea_orm::sea_query::value::sea_value_to_json_value(other),
    }
}

/// A filter value for a column of type `ty`, bound with that type so every backend compares it
/// as the column's own type; `Err` says what the column expects.
pub(crate) fn value_for(ty: &ColumnType, json: &Json) -> Result<Value, &'static str> {
    use ColumnType as T;
    let text = json.as_str();
    let parsed = match ty {
        // PostgreSQL cannot hold a NUL byte in text: refused on every backend alike.
        T::Char(_) | T::String(_) | T::Text | T::Enum { .. } => match text {
            Some(s) if s.contains('\0') => return Err("a string without NUL bytes"),
            Some(s) => Value::from(s.to_string()),
            None => return Err("a string"),
        },
        T::TinyInteger
        | T::SmallInteger
        | T::Integer
        | T::BigInteger
        | T::TinyUnsigned
        | T::SmallUnsigned
        | T::Unsigned
        | T::BigUnsigned
        | T::Year => json
            .as_i64()
            .or_else(|| text.and_then(|s| s.parse().ok()))
            .map(Value::from)
            .ok_or("an integer")?,
        T::Float | T::Double => json
            .as_f64()
            .or_else(|| text.and_then(|s| s.parse().ok()))
            // "NaN" and "inf" parse, and no two backends compare them alike (SQLite binds NaN
            // as NULL).
            .filter(|f: &f64| f.is_finite())
            .map(Value::from)
            .ok_or("a finite number")?,
        T::Decimal(_) | T::Money(_) => {
            let digits = match json {
                Json::Number(n) => Some(n.to_string()),
                Json::String(s) => Some(s.clone()),
                _ => None,
            };
            digits
                .and_then(|d| d.parse::<sea_orm::prelude::Decimal>().ok())
                .map(Value::from)
                .ok_or("a decimal number")?
        }
        T::Boolean => json.as_bool().map(Value::from).ok_or("true or false")?,
        T::TimestampWithTimeZone => text
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|at| Value::from(at.with_timezone(&chrono::Utc)))
            .ok_or("an RFC 3339 date-time such as \"2024-05-01T12:00:00Z\"")?,
        T::DateTime | T::Timestamp => text
            .and_then(|s| {
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
                    .ok()
            })
            .map(Value::from)
            .ok_or("a date-time such as \"2024-05-01T12:00:00\"")?,
        T::Date => text
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(Value::from)
            .ok_or("a date such as \"2024-05-01\"")?,
        T::Time => text
            .and_then(|s| chrono::NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok())
            .map(Value::from)
            .ok_or("a time such as \"12:00:00\"")?,
        T::Uuid => text
            .and_then(|s| sea_orm::prelude::Uuid::parse_str(s).ok())
            .map(Value::from)
            .ok_or("a UUID")?,
        T::Json | T::JsonBinary if crate::input::json_holds_nul(json) => {
            return Err("JSON without NUL bytes");
        }
        T::Json | T::JsonBinary => Value::from(json.clone()),
        _ => match json {
            Json::String(s) if s.contains('\0') => return Err("a string without NUL bytes"),
            Json::String(s) => Value::from(s.clone()),
            Json::Bool(b) => Value::from(*b),
            Json::Number(n) => n
                .as_i64()
                .map(Value::from)
                .or_else(|| n.as_f64().map(Value::from))
                .ok_or("a number")?,
            _ => return Err("a string or a number"),
        },
    };
    Ok(parsed)
}

/// The key of a record as the string link tables store (`7` for an integer key).
pub(crate) fn key_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_values_take_the_column_type() {
        assert_eq!(
            value_for(&ColumnType::Text, &json!("a")),
            Ok(Value::from("a"))
        );
        assert_eq!(
            value_for(&ColumnType::Integer, &json!(7)),
            Ok(Value::from(7_i64))
        );
        assert_eq!(
            value_for(&ColumnType::Integer, &json!("7")),
            Ok(Value::from(7_i64))
        );
        assert_eq!(
            value_for(&ColumnType::Integer, &json!("x")),
            Err("an integer")
        );
        assert_eq!(value_for(&ColumnType::Text, &json!(1)), Err("a string"));
        // PostgreSQL's `jsonb` refuses `\u0000`: refused before SQL, on every backend alike.
        for nul in [
            json!("a\u{0}"),
            json!({"k": ["v\u{0}"]}),
            json!({"k\u{0}": 1}),
        ] {
            assert_eq!(
                value_for(&ColumnType::Json, &nul),
                Err("JSON without NUL bytes")
            );
        }
        assert_eq!(
            value_for(&ColumnType::JsonBinary, &json!({"k": "v"})),
            Ok(Value::from(json!({"k": "v"})))
        );
        for not_finite in ["NaN", "inf", "-infinity"] {
            assert_eq!(
                value_for(&ColumnType::Double, &json!(not_finite)),
                Err("a finite number")
            );
        }
        assert_eq!(
            value_for(&ColumnType::Double, &json!("2.5")),
            Ok(Value::from(2.5_f64))
        );
        assert_eq!(
            value_for(&ColumnType::Boolean, &json!(true)),
            Ok(Value::from(true))
        );
        let at = value_for(
            &ColumnType::TimestampWithTimeZone,
            &json!("2024-05-01T12:00:00Z"),
        );
        assert_eq!(
            at,
            Ok(Value::from(
                chrono::DateTime::parse_from_rfc3339("2024-05-01T12:00:00+00:00")
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .unwrap_or_default()
            ))
        );
    }

    #[test]
    fn values_become_json_as_serde_writes_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2024-05-01T12:00:00.5+00:00")
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        assert_eq!(json_of(&Value::from(at)), json!("2024-05-01T12:00:00.500Z"));
        assert_eq!(json_of(&Value::from(Some(3_i32))), json!(3));
        assert_eq!(json_of(&Value::String(None)), Json::Null);
        assert_eq!(
            json_of(&Value::from(
                "1.50"
                    .parse::<sea_orm::prelude::Decimal>()
                    .unwrap_or_default()
            )),
            json!("1.50")
        );
        assert_eq!(key_text(&json!(7)), Some("7".into()));
        assert_eq!(key_text(&json!(null)), None);
    }
}
