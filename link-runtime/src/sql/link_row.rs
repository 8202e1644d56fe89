//! Reading a link row's columns with their declared types: an extra column as a value of its
//! own type, and a whole row as the record Query's entry point shows (`product_brand`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::ColumnType as SqlType;
use sea_orm::{DbErr, QueryResult, Value};

use crate::definition::{ColumnType, ExtraColumn, LinkSpec};
use crate::error::{Error, Result};
use crate::source::{Record, RecordSource, json_of};

/// A stored extra column of a link row as a value of its own type (`what` names the row in an
/// error).
pub(crate) fn extra_value(row: &QueryResult, extra: &ExtraColumn, what: &str) -> Result<Value> {
    extra_value_of(row, extra).map_err(Error::database(format!(
        "reading `{}` of {what}",
        extra.name
    )))
}

fn extra_value_of(row: &QueryResult, extra: &ExtraColumn) -> Result<Value, DbErr> {
    use ColumnType as C;
    fn get<T>(row: &QueryResult, name: &str) -> Result<Value, DbErr>
    where
        T: sea_orm::TryGetable,
        Option<T>: Into<Value>,
    {
        row.try_get::<Option<T>>("", name).map(Into::into)
    }
    let name = extra.name;
    match extra.ty {
        C::Bool => get::<bool>(row, name),
        C::SmallInt => get::<i16>(row, name),
        C::Integer => get::<i32>(row, name),
        C::BigInt => get::<i64>(row, name),
        C::Float => get::<f32>(row, name),
        C::Double => get::<f64>(row, name),
        C::Text => get::<String>(row, name),
        C::TimestampTz => get::<DateTime<Utc>>(row, name),
        C::Timestamp => get::<chrono::NaiveDateTime>(row, name),
        C::Date => get::<chrono::NaiveDate>(row, name),
        C::Uuid => get::<sea_orm::prelude::Uuid>(row, name),
        C::Json => get::<serde_json::Value>(row, name),
        C::Decimal => get::<sea_orm::prelude::Decimal>(row, name),
    }
}

/// The rows of one link table as records, for Query's entry point: `id` and the two keys as
/// text, the extra columns with their declared types, the timestamps as RFC 3339 text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkRowSource {
    pub(crate) spec: LinkSpec,
}

impl RecordSource for LinkRowSource {
    fn column(&self, name: &str) -> Option<(SqlType, bool)> {
        if let Some(extra) = self.spec.extra_column(name) {
            return Some((extra.ty.sea_orm_type(), extra.nullable));
        }
        if ["id", self.spec.left.column, self.spec.right.column].contains(&name) {
            return Some((SqlType::Text, false));
        }
        match name {
            "created_at" | "updated_at" => Some((SqlType::TimestampWithTimeZone, false)),
            "deleted_at" => Some((SqlType::TimestampWithTimeZone, true)),
            _ => None,
        }
    }

    fn decode(&self, row: &QueryResult) -> Result<Record, DbErr> {
        let mut record = Record::new();
        for key in ["id", self.spec.left.column, self.spec.right.column] {
            let value: String = row.try_get("", key)?;
            record.insert(key.to_string(), value.into());
        }
        for extra in self.spec.extra_columns {
            record.insert(
                extra.name.to_string(),
                json_of(&extra_value_of(row, extra)?),
            );
        }
        for stamp in ["created_at", "updated_at", "deleted_at"] {
            let at: Option<DateTime<Utc>> = row.try_get("", stamp)?;
            record.insert(stamp.to_string(), json_of(&Value::from(at)));
        }
        Ok(record)
    }
}
