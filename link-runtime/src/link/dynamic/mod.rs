//! The dynamic API: links as JSON in Medusa's shape, for HTTP handlers, scripts and admin tools.
//!
//! ```json
//! {"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}, "data": {"featured": true}}
//! ```
//!
//! Each side is keyed by its module (Medusa), or by its model where a module holds several
//! models; the key inside names the linkable key. Key order is the direction. `"link"` picks a
//! link by name where two join the same models. Everything is checked before anything is
//! written: the shape first, then missing records, then cardinality; every message names the
//! link, what was expected and what was passed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde_json::{Map, Value as Json};

use super::{CreateOptions, LifecycleReport, PreparedPair, merge_pairs, read_only};
use crate::definition::{ColumnType, ExtraColumn, LinkSpec};
use crate::error::{Error, Result};
use crate::events::LinkConnection;
use crate::linkable::ModelInfo;
use crate::registry::{LinkEntry, Links};

mod resolve;
mod values;

use resolve::*;
pub(crate) use values::named_data;
use values::*;

/// What a write does with a definition's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataUse {
    /// A dismiss: `data` is ignored.
    Ignored,
    /// A create: `data` names the extra columns to set, if any.
    Optional,
    /// An update: `data` names the extra columns to change, and must be there.
    Required,
}

/// One link definition of the input, resolved.
pub(super) struct Definition {
    entry: LinkEntry,
    pair: PreparedPair,
}

/// One side of the input, resolved: its model and ids.
pub(super) struct SideRef {
    key: String,
    model: ModelInfo,
    ids: Vec<String>,
}

pub(super) fn items(input: &Json) -> Vec<&Json> {
    match input {
        Json::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

impl Links {
    /// Creates the links of a Medusa-shaped definition or array of definitions, atomically
    /// (several link tables included). Returns the rows in the same shape.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn create_json<C>(&self, conn: &C, input: &Json) -> Result<Vec<Json>>
    where
        C: LinkConnection,
    {
        let groups = self.definition_groups(input, DataUse::Optional)?;
        let written = self
            .create_groups(conn, groups, &CreateOptions::default(), None)
            .await?;
        self.rows_json(&written)
    }

    /// Changes the extra data of live links given in Medusa's shape with their `data` (Medusa's
    /// `updateRemoteLinksStep`), atomically: the named columns take the new values, the others
    /// keep theirs. If any pair is not linked, [`Error::NotFound`] names every such pair and
    /// nothing changes. Returns the rows in the same shape.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn update_json<C>(&self, conn: &C, input: &Json) -> Result<Vec<Json>>
    where
        C: LinkConnection,
    {
        let groups = self.definition_groups(input, DataUse::Required)?;
        let options = CreateOptions {
            update_only: true,
            ..CreateOptions::default()
        };
        let written = self.create_groups(conn, groups, &options, None).await?;
        self.rows_json(&written)
    }

    /// Written rows in the definition's shape.
    fn rows_json(&self, written: &[(LinkEntry, Vec<QueryResult>)]) -> Result<Vec<Json>> {
        let mut out = Vec::new();
        for (entry, rows) in written {
            for row in rows {
                out.push(self.row_json(entry, row)?);
            }
        }
        Ok(out)
    }

    /// Dismisses the links of a Medusa-shaped definition or array of definitions, atomically.
    /// `data` is ignored; a pair that is not linked is not an error. Returns how many rows
    /// were dismissed.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn dismiss_json<C>(&self, conn: &C, input: &Json) -> Result<u64>
    where
        C: LinkConnection,
    {
        let groups = self.definition_groups(input, DataUse::Ignored)?;
        Ok(self
            .dismiss_groups(conn, groups, None)
            .await?
            .into_iter()
            .sum())
    }

    /// Lists live links. The filter has the definition's shape with either side optional and
    /// ids that may be arrays, e.g. `{"brand": {"brand_id": ["b1", "b2"]}}`; with one side (or
    /// none), `"link"` is needed when that model takes part in several links. An array of such
    /// filters lists the rows of each, united without duplicates, in the order found. Rows come
    /// back in the definition's shape, with `"link"` when their models have several links and
    /// `"data"` when the link has extra columns.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn list_json<C: ConnectionTrait>(
        &self,
        conn: &C,
        filter: &Json,
    ) -> Result<Vec<Json>> {
        crate::input::check_json(filter)?;
        let filters = items(filter);
        let many = filters.len() > 1;
        let mut resolved = Vec::with_capacity(filters.len());
        for (index, filter) in filters.into_iter().enumerate() {
            // Every filter is checked before anything is read.
            resolved.push(self.list_filter(filter).map_err(|err| match err {
                Error::InvalidInput { message } if many => Error::InvalidInput {
                    message: format!("link filter {index}: {message}"),
                },
                other => other,
            })?);
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (entry, left, right) in resolved {
            for row in entry
                .table()
                .read_live(conn, left.as_deref(), right.as_deref())
                .await?
            {
                let id: String = row.try_get("", "id").map_err(|err| Error::Database {
                    context: format!("reading a row of {}", entry.spec.display_name()),
                    source: err,
                })?;
                if seen.insert((entry.spec.name, id)) {
                    out.push(self.row_json(&entry, &row)?);
                }
            }
        }
        Ok(out)
    }

    /// One filter of [`Links::list_json`]: its link and the ids of each side it names.
    #[allow(clippy::type_complexity)]
    fn list_filter(
        &self,
        filter: &Json,
    ) -> Result<(LinkEntry, Option<Vec<String>>, Option<Vec<String>>)> {
        let object = filter.as_object().ok_or_else(|| {
            Error::invalid(format!(
                "a link filter is an object such as {{\"product\": {{\"product_id\": \"p1\"}}}}, or an array of them; got {}",
                short(filter)
            ))
        })?;
        let link = link_name(object)?;
        let sides = self.sides(object, true)?;
        let entry = match sides.as_slice() {
            [left, right] => {
                self.find_link(&left.key, &left.model, &right.key, &right.model, link)?
            }
            [side] => self.link_of(&side.key, &side.model, link)?,
            [] => match link {
                Some(name) => self.link_named(name)?,
                None => {
                    return Err(Error::invalid(
                        "a link filter names one or two sides, or the link with \"link\"",
                    ));
                }
            },
            _ => return Err(third_side(&sides)),
        };
        if entry.spec.read_only {
            return Err(read_only(&entry.spec));
        }
        if entry.spec.is_self_link() {
            return Err(Error::invalid(format!(
                "link {} joins {} to itself, so this shape cannot tell its two sides apart; list it with the typed API (`Links::list` with a `ListFilter`)",
                entry.spec.display_name(),
                entry.spec.left.model.name
            )));
        }
        let (mut left, mut right) = (None, None);
        for side in sides {
            if side.model.is(&entry.spec.left.model) && left.is_none() {
                left = Some(side.ids);
            } else {
                right = Some(side.ids);
            }
        }
        Ok((entry, left, right))
    }

    /// Deletes records given as `{"product": {"product_id": ["p1", "p2"]}, …}` with everything
    /// linked to them; see [`Links::delete`].
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn delete_json<C>(&self, conn: &C, input: &Json) -> Result<LifecycleReport>
    where
        C: LinkConnection,
    {
        let roots = self.record_roots(input)?;
        self.delete_records(conn, roots).await
    }

    /// Restores records given as for [`Links::delete_json`]; see [`Links::restore`].
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn restore_json<C>(&self, conn: &C, input: &Json) -> Result<LifecycleReport>
    where
        C: LinkConnection,
    {
        let roots = self.record_roots(input)?;
        self.restore_records(conn, roots).await
    }

    fn record_roots(&self, input: &Json) -> Result<Vec<(ModelInfo, Vec<String>)>> {
        crate::input::check_json(input)?;
        let object = input.as_object().ok_or_else(|| {
            Error::invalid(format!(
                "records to delete or restore are an object such as {{\"product\": {{\"product_id\": [\"p1\"]}}}}; got {}",
                short(input)
            ))
        })?;
        let sides = self.sides(object, true)?;
        if sides.is_empty() {
            return Err(Error::invalid(
                "name the records: {\"product\": {\"product_id\": [\"p1\"]}}",
            ));
        }
        Ok(sides.into_iter().map(|s| (s.model, s.ids)).collect())
    }
}
