//! An extra column's declared default (`at: DateTime<Utc> = "2024-02-03T04:05:06Z"`), read as
//! its column's type. `define_link!` takes dates, UUIDs, JSON and decimals as text; the
//! registry checks here that the text is one, and the DDL writes it in the form each backend
//! stores that type in (a UUID is 16 bytes on MySQL and SQLite, a date-time has no zone on
//! MySQL), so a new row's default reads back as the declared value.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::prelude::{Decimal, Uuid};

use crate::definition::{ColumnType, DefaultValue, LinkSpec};

/// A text default, as the value of its column's type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum TextDefault {
    /// Text or JSON: the database reads the text as it is.
    Verbatim(&'static str),
    /// A `Decimal`, written in plain digits (`1_000` is `1000`).
    Decimal(Decimal),
    /// A `DateTime<Utc>`.
    Instant(DateTime<Utc>),
    /// A `NaiveDateTime`.
    Naive(NaiveDateTime),
    /// A `NaiveDate`.
    Date(NaiveDate),
    /// A `Uuid`.
    Uuid(Uuid),
}

impl TextDefault {
    /// The default as a value.
    pub(crate) fn value(self) -> sea_orm::Value {
        match self {
            TextDefault::Verbatim(text) => text.into(),
            TextDefault::Decimal(number) => number.into(),
            TextDefault::Instant(at) => at.into(),
            TextDefault::Naive(at) => at.into(),
            TextDefault::Date(day) => day.into(),
            TextDefault::Uuid(id) => id.into(),
        }
    }
}

/// `default` as a value of a column of type `ty` (text that does not read as one, which the
/// registry refuses, stays text).
pub(crate) fn value(default: DefaultValue, ty: ColumnType) -> sea_orm::Value {
    match default {
        DefaultValue::Bool(b) => b.into(),
        DefaultValue::Int(i) => i.into(),
        DefaultValue::Float(f) => f.into(),
        DefaultValue::Str(s) => parse(ty, s)
            .map(TextDefault::value)
            .unwrap_or_else(|_| s.into()),
    }
}

/// Reads `text` as a value of `ty`, or says what form it must take.
pub(crate) fn parse(ty: ColumnType, text: &'static str) -> Result<TextDefault, &'static str> {
    match ty {
        ColumnType::TimestampTz => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| naive(text).map(|t| t.and_utc()))
            .filter(|t| storable(t.naive_utc()))
            .map(TextDefault::Instant)
            .ok_or(
                "a date-time in RFC 3339 of years 1 to 9999 (`\"2024-02-03T04:05:06Z\"`, or with an offset such as `+02:00`)",
            ),
        ColumnType::Timestamp => naive(text)
            .filter(|t| storable(*t))
            .map(TextDefault::Naive)
            .ok_or("a date and time without a zone, of years 1 to 9999 (`\"2024-02-03 04:05:06\"`)"),
        ColumnType::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|day| storable(day.and_time(chrono::NaiveTime::MIN)))
            .map(TextDefault::Date)
            .ok_or("a date of years 1 to 9999 (`\"2024-02-03\"`)"),
        ColumnType::Uuid => Uuid::parse_str(text)
            .ok()
            .map(TextDefault::Uuid)
            .ok_or("a UUID (`\"67e55044-10b1-426f-9247-bb680e5fe0c8\"`)"),
        // PostgreSQL's `jsonb` refuses a NUL (`\u0000`), as extra data with one is refused.
        ColumnType::Json => serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(|value| !crate::input::json_holds_nul(value))
            .map(|_| TextDefault::Verbatim(text))
            .ok_or("a JSON document without a NUL character (`\"{\\\"a\\\": 1}\"`, `\"[]\"`, `\"null\"`)"),
        // Exact: a number with more digits than a `Decimal` holds is refused, not rounded.
        ColumnType::Decimal => Decimal::from_str_exact(text)
            .ok()
            .map(TextDefault::Decimal)
            .ok_or("a decimal number of at most 28 significant digits (`\"12.50\"`)"),
        _ => Ok(TextDefault::Verbatim(text)),
    }
}

/// What is wrong with the text defaults of `spec`'s extra columns that do not read as their
/// column's type, each with the form to write (the registry refuses them: the DDL would fail,
/// or store what the column cannot read back).
pub(crate) fn problems(spec: &LinkSpec) -> Vec<String> {
    spec.extra_columns
        .iter()
        .filter_map(|column| match column.default {
            Some(DefaultValue::Str(text)) => parse(column.ty, text).err().map(|expected| {
                format!(
                    "link {} (defined at {}): the default of `{}` (\"{}\") is not {expected}: write it in that form in `extra_columns`",
                    spec.display_name(),
                    spec.defined_at,
                    column.name,
                    text.escape_debug()
                )
            }),
            _ => None,
        })
        .collect()
}

/// Whether every backend stores `at` as given: years 1 to 9999 (PostgreSQL refuses year 0,
/// MySQL years past 9999), and no leap second (MariaDB refuses `:60`).
fn storable(at: NaiveDateTime) -> bool {
    use chrono::{Datelike, Timelike};
    (1..=9999).contains(&at.year()) && at.nanosecond() < 1_000_000_000
}

/// `2024-02-03 04:05:06` or `2024-02-03T04:05:06`, with or without a fraction of a second.
fn naive(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_take_rfc_3339_or_a_naive_utc_form() {
        let want: DateTime<Utc> = "2024-02-03T04:05:06.123456Z".parse().expect("date");
        for text in [
            "2024-02-03T04:05:06.123456Z",
            "2024-02-03T06:05:06.123456+02:00",
            "2024-02-03 04:05:06.123456",
        ] {
            assert_eq!(
                parse(ColumnType::TimestampTz, text),
                Ok(TextDefault::Instant(want)),
                "{text}"
            );
        }
        assert!(parse(ColumnType::TimestampTz, "yesterday").is_err());
        for unstorable in [
            "0000-01-01T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "+10000-01-01 00:00:00",
        ] {
            assert!(
                parse(ColumnType::TimestampTz, unstorable).is_err(),
                "{unstorable}"
            );
        }
        assert!(parse(ColumnType::Date, "-0001-01-01").is_err());
        assert!(parse(ColumnType::Timestamp, "2024-02-03T04:05:06Z").is_err());
        assert!(parse(ColumnType::Date, "2024-02-30").is_err());
    }

    #[test]
    fn uuids_json_and_decimals_are_checked() {
        let upper = parse(ColumnType::Uuid, "67E55044-10B1-426F-9247-BB680E5FE0C8");
        let plain = parse(ColumnType::Uuid, "67e5504410b1426f9247bb680e5fe0c8");
        assert_eq!(upper, plain);
        assert!(parse(ColumnType::Uuid, "67e55044").is_err());
        assert_eq!(
            parse(ColumnType::Json, "{\"a\": 1}"),
            Ok(TextDefault::Verbatim("{\"a\": 1}"))
        );
        assert!(parse(ColumnType::Json, "{a: 1}").is_err());
        assert!(parse(ColumnType::Json, "{\"a\": \"\\u0000\"}").is_err());
        assert!(parse(ColumnType::Decimal, "12.5.0").is_err());
        let plain = |text| match parse(ColumnType::Decimal, text) {
            Ok(TextDefault::Decimal(number)) => number.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            (plain("1_000"), plain("12.50")),
            ("1000".into(), "12.50".into())
        );
        assert_eq!(
            parse(ColumnType::Text, "anything"),
            Ok(TextDefault::Verbatim("anything"))
        );
    }
}
