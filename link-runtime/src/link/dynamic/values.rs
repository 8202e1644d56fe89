//! Extra-column values between JSON and the database: a definition's `data` checked against
//! the link's columns, and a stored row written back in Medusa's shape.

use super::*;

impl Links {
    /// A row in the definition's shape.
    pub(super) fn row_json(&self, entry: &LinkEntry, row: &QueryResult) -> Result<Json> {
        let spec = &entry.spec;
        let read = |err| Error::Database {
            context: format!("reading a row of {}", spec.display_name()),
            source: err,
        };
        let mut out = Map::new();
        for side in [&spec.left, &spec.right] {
            let id: String = row.try_get("", side.column).map_err(read)?;
            let mut inner = Map::new();
            inner.insert(side.model.key.to_string(), Json::String(id));
            out.insert(self.side_key(&side.model), Json::Object(inner));
        }
        let siblings = self.specs().filter(|s| s.joins_same_models(spec)).count();
        if siblings > 1 {
            out.insert("link".into(), Json::String(spec.name.into()));
        }
        if !spec.extra_columns.is_empty() {
            let mut data = Map::new();
            for column in spec.extra_columns {
                data.insert(
                    column.name.to_string(),
                    column_json(row, column).map_err(read)?,
                );
            }
            out.insert("data".into(), Json::Object(data));
        }
        Ok(Json::Object(out))
    }
}

/// The `data` of a definition, each value checked against its column. Each link's typed `Data`
/// deserialises through this too, so typed and dynamic callers get the same checks.
pub(crate) fn named_data(spec: &LinkSpec, data: &Json) -> Result<Vec<(&'static str, Value)>> {
    let object = data.as_object().ok_or_else(|| {
        Error::invalid(format!(
            "the data of link {} is an object of extra columns; got {}",
            spec.display_name(),
            short(data)
        ))
    })?;
    let mut named = Vec::with_capacity(object.len());
    for (name, value) in object {
        let Some(column) = spec.extra_column(name) else {
            let columns: Vec<&str> = spec.extra_columns.iter().map(|c| c.name).collect();
            return Err(Error::invalid(format!(
                "link {} has no extra column `{name}`; {}",
                spec.display_name(),
                if columns.is_empty() {
                    "it has no extra columns, so remove \"data\"".to_string()
                } else {
                    format!("its extra columns are: {}", columns.join(", "))
                }
            )));
        };
        let converted = column_value(column, value).ok_or_else(|| {
            Error::invalid(format!(
                "the extra column `{name}` of link {} is {}; got {}",
                spec.display_name(),
                describe(column),
                short(value)
            ))
        })?;
        named.push((column.name, converted));
    }
    Ok(named)
}

pub(super) fn describe(column: &ExtraColumn) -> String {
    use ColumnType as C;
    let ty = match column.ty {
        C::Bool => "a boolean",
        C::SmallInt | C::Integer | C::BigInt => "an integer",
        C::Float | C::Double => "a number",
        C::Text => "a string",
        C::TimestampTz => "an RFC 3339 date-time string",
        C::Timestamp => "a date-time string (YYYY-MM-DDTHH:MM:SS)",
        C::Date => "a date string (YYYY-MM-DD)",
        C::Uuid => "a UUID string",
        C::Json => "any JSON value",
        _ => "a decimal number or string",
    };
    if column.nullable {
        format!("{ty} or null")
    } else {
        format!("{ty} (not null)")
    }
}

/// A JSON value as the column's sea-orm value, or `None` if it does not fit.
pub(super) fn column_value(column: &ExtraColumn, value: &Json) -> Option<Value> {
    use ColumnType as C;
    if value.is_null() {
        if !column.nullable {
            return None;
        }
        return Some(match column.ty {
            C::Bool => Value::from(None::<bool>),
            C::SmallInt => Value::from(None::<i16>),
            C::Integer => Value::from(None::<i32>),
            C::BigInt => Value::from(None::<i64>),
            C::Float => Value::from(None::<f32>),
            C::Double => Value::from(None::<f64>),
            C::TimestampTz => Value::from(None::<DateTime<Utc>>),
            C::Timestamp => Value::from(None::<NaiveDateTime>),
            C::Date => Value::from(None::<NaiveDate>),
            C::Uuid => Value::from(None::<sea_orm::prelude::Uuid>),
            C::Json => Value::from(None::<serde_json::Value>),
            C::Decimal => Value::from(None::<sea_orm::prelude::Decimal>),
            _ => Value::from(None::<String>),
        });
    }
    Some(match column.ty {
        C::Bool => value.as_bool()?.into(),
        C::SmallInt => i16::try_from(value.as_i64()?).ok()?.into(),
        C::Integer => i32::try_from(value.as_i64()?).ok()?.into(),
        C::BigInt => value.as_i64()?.into(),
        C::Float => (value.as_f64()? as f32).into(),
        C::Double => value.as_f64()?.into(),
        C::Text => value.as_str()?.to_string().into(),
        C::TimestampTz => DateTime::parse_from_rfc3339(value.as_str()?)
            .ok()?
            .with_timezone(&Utc)
            .into(),
        C::Timestamp => value.as_str()?.parse::<NaiveDateTime>().ok()?.into(),
        C::Date => value.as_str()?.parse::<NaiveDate>().ok()?.into(),
        C::Uuid => sea_orm::prelude::Uuid::parse_str(value.as_str()?)
            .ok()?
            .into(),
        C::Json => value.clone().into(),
        C::Decimal => match value {
            serde_json::Value::String(s) => s.parse::<sea_orm::prelude::Decimal>().ok()?.into(),
            serde_json::Value::Number(n) => n
                .to_string()
                .parse::<sea_orm::prelude::Decimal>()
                .ok()?
                .into(),
            _ => return None,
        },
    })
}

/// An extra column of a stored row as JSON.
pub(super) fn column_json(
    row: &QueryResult,
    column: &ExtraColumn,
) -> std::result::Result<Json, sea_orm::DbErr> {
    use ColumnType as C;
    fn get<T: sea_orm::TryGetable>(
        row: &QueryResult,
        name: &str,
    ) -> std::result::Result<Option<T>, sea_orm::DbErr> {
        row.try_get::<Option<T>>("", name)
    }
    let name = column.name;
    let json = |v: Option<Json>| v.unwrap_or(Json::Null);
    Ok(match column.ty {
        C::Bool => json(get::<bool>(row, name)?.map(Json::from)),
        C::SmallInt => json(get::<i16>(row, name)?.map(Json::from)),
        C::Integer => json(get::<i32>(row, name)?.map(Json::from)),
        C::BigInt => json(get::<i64>(row, name)?.map(Json::from)),
        C::Float => json(get::<f32>(row, name)?.map(Json::from)),
        C::Double => json(get::<f64>(row, name)?.map(Json::from)),
        C::Text => json(get::<String>(row, name)?.map(Json::from)),
        C::TimestampTz => {
            json(get::<DateTime<Utc>>(row, name)?.map(|t| Json::from(t.to_rfc3339())))
        }
        C::Timestamp => json(get::<NaiveDateTime>(row, name)?.map(|t| Json::from(t.to_string()))),
        C::Date => json(get::<NaiveDate>(row, name)?.map(|t| Json::from(t.to_string()))),
        C::Uuid => {
            json(get::<sea_orm::prelude::Uuid>(row, name)?.map(|u| Json::from(u.to_string())))
        }
        C::Json => json(get::<serde_json::Value>(row, name)?),
        C::Decimal => {
            json(get::<sea_orm::prelude::Decimal>(row, name)?.map(|d| Json::from(d.to_string())))
        }
    })
}

/// A value for a message: its JSON, cut to 80 characters.
pub(super) fn short(value: &Json) -> String {
    crate::input::shown(&value.to_string())
}
