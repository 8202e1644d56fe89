//! Reading the graph's JSON records into selection structs: a field through serde, a link as
//! an `Option` or a `Vec` of the nested selection.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use super::Selection;
use crate::error::{Error, Result};

/// One root record as a `T`; a record that does not fit is a schema error naming the field.
pub(super) fn read<T: Selection>(record: Json) -> Result<T> {
    from_json::<T>(record).map_err(|message| Error::Schema {
        message: format!(
            "reading {} records as {}: {message}",
            <T::Model as super::entity::Queryable>::entity(),
            std::any::type_name::<T>()
        ),
    })
}

fn from_json<T: Selection>(record: Json) -> std::result::Result<T, String> {
    match record {
        Json::Object(object) => T::__from_record(object),
        other => Err(format!("expected a record, got {other}")),
    }
}

/// The field `field` (column `column`) of `record`, as its Rust type.
pub fn field<T: DeserializeOwned>(
    record: &mut Map<String, Json>,
    column: &str,
    field: &str,
) -> std::result::Result<T, String> {
    let value = record.remove(column).unwrap_or(Json::Null);
    serde_json::from_value(value).map_err(|err| format!("field `{field}`: {err}"))
}

/// The link `property` of `record`, as the field holding it (`Option<S>` or `Vec<S>`).
pub fn linked<F: LinkedValue>(
    record: &mut Map<String, Json>,
    property: &str,
) -> std::result::Result<F, String> {
    F::from_json(record.remove(property).unwrap_or(Json::Null))
        .map_err(|message| format!("link `{property}`: {message}"))
}

/// What a link field may be: an `Option` of a selection (a side of one record) or a `Vec` of
/// one (a list side).
pub trait LinkedValue: Sized {
    /// The selection each linked record is read as.
    type Item: Selection;
    /// The field's value from the graph's JSON.
    fn from_json(json: Json) -> std::result::Result<Self, String>;
}

impl<S: Selection> LinkedValue for Option<S> {
    type Item = S;
    fn from_json(json: Json) -> std::result::Result<Self, String> {
        match json {
            Json::Null => Ok(None),
            other => from_json::<S>(other).map(Some),
        }
    }
}

impl<S: Selection> LinkedValue for Vec<S> {
    type Item = S;
    fn from_json(json: Json) -> std::result::Result<Self, String> {
        match json {
            Json::Array(items) => items.into_iter().map(from_json::<S>).collect(),
            Json::Null => Ok(Vec::new()),
            other => Err(format!("expected a list, got {other}")),
        }
    }
}
