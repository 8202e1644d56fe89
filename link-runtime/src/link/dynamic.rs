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
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde_json::{Map, Value as Json};

use super::{CreateOptions, LifecycleReport, PreparedPair, merge_pairs, read_only};
use crate::definition::{ColumnType, ExtraColumn, LinkSpec};
use crate::error::{Error, Result};
use crate::linkable::ModelInfo;
use crate::registry::{LinkEntry, Links};

/// What a write does with a definition's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataUse {
    /// A dismiss: `data` is ignored.
    Ignored,
    /// A create: `data` names the extra columns to set, if any.
    Optional,
    /// An update: `data` names the extra columns to change, and must be there.
    Required,
}

/// One link definition of the input, resolved.
struct Definition {
    entry: LinkEntry,
    pair: PreparedPair,
}

/// One side of the input, resolved: its model and ids.
struct SideRef {
    key: String,
    model: ModelInfo,
    ids: Vec<String>,
}

fn same_model(a: &ModelInfo, b: &ModelInfo) -> bool {
    (a.module, a.name) == (b.module, b.name)
}

fn items(input: &Json) -> Vec<&Json> {
    match input {
        Json::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

impl Links {
    /// Creates the links of a Medusa-shaped definition or array of definitions, atomically
    /// (several link tables included). Returns the rows in the same shape.
    pub async fn create_json<C>(&self, conn: &C, input: &Json) -> Result<Vec<Json>>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
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
    pub async fn update_json<C>(&self, conn: &C, input: &Json) -> Result<Vec<Json>>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
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
    pub async fn dismiss_json<C>(&self, conn: &C, input: &Json) -> Result<u64>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
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
            for row in super::rows::list_rows(conn, &entry, left, right).await? {
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
        if crate::registry::same_models_of(&entry.spec) {
            return Err(Error::invalid(format!(
                "link {} joins {} to itself, so this shape cannot tell its two sides apart; list it with the typed API (`Links::list` with a `ListFilter`)",
                entry.spec.display_name(),
                entry.spec.left.model.name
            )));
        }
        let (mut left, mut right) = (None, None);
        for side in sides {
            if same_model(&side.model, &entry.spec.left.model) && left.is_none() {
                left = Some(side.ids);
            } else {
                right = Some(side.ids);
            }
        }
        Ok((entry, left, right))
    }

    /// Deletes records given as `{"product": {"product_id": ["p1", "p2"]}, …}` with everything
    /// linked to them; see [`Links::delete`].
    pub async fn delete_json<C>(&self, conn: &C, input: &Json) -> Result<LifecycleReport>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let roots = self.record_roots(input)?;
        self.delete_records(conn, roots).await
    }

    /// Restores records given as for [`Links::delete_json`]; see [`Links::restore`].
    pub async fn restore_json<C>(&self, conn: &C, input: &Json) -> Result<LifecycleReport>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
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

    /// Parses definitions and groups their pairs by link, in order of first appearance.
    fn definition_groups(
        &self,
        input: &Json,
        data: DataUse,
    ) -> Result<Vec<(LinkEntry, Vec<PreparedPair>)>> {
        crate::input::check_json(input)?;
        let items = items(input);
        let many = items.len() > 1;
        let mut definitions = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let definition = self.definition(item, data).map_err(|err| match err {
                // Say which definition of a batch was wrong.
                Error::InvalidInput { message } if many => Error::InvalidInput {
                    message: format!("link definition {index}: {message}"),
                },
                Error::Direction { message } if many => Error::Direction {
                    message: format!("link definition {index}: {message}"),
                },
                Error::UnknownLink { message } if many => Error::UnknownLink {
                    message: format!("link definition {index}: {message}"),
                },
                other => other,
            })?;
            definitions.push(definition);
        }
        let mut groups: Vec<(LinkEntry, Vec<PreparedPair>)> = Vec::new();
        for Definition { entry, pair } in definitions {
            match groups
                .iter_mut()
                .find(|(e, _)| e.spec.name == entry.spec.name)
            {
                Some((_, pairs)) => pairs.push(pair),
                None => groups.push((entry, vec![pair])),
            }
        }
        Ok(groups
            .into_iter()
            .map(|(entry, pairs)| (entry, merge_pairs(pairs.into_iter())))
            .collect())
    }

    fn definition(&self, item: &Json, data: DataUse) -> Result<Definition> {
        let object = item.as_object().ok_or_else(|| {
            Error::invalid(format!(
                "a link definition is an object such as {{\"product\": {{\"product_id\": \"p1\"}}, \"brand\": {{\"brand_id\": \"b1\"}}}}; got {}",
                short(item)
            ))
        })?;
        let link = link_name(object)?;
        let sides = self.sides(object, false)?;
        let (left, right) = match sides.as_slice() {
            [left, right] => (left, right),
            [] | [_] => {
                return Err(Error::invalid(format!(
                    "a link definition names two records, left first; this one names {}: add the missing side",
                    match sides.first() {
                        Some(side) => format!("only `{}`", side.key),
                        None => "none".to_string(),
                    }
                )));
            }
            _ => return Err(third_side(&sides)),
        };
        let entry = self.find_link(&left.key, &left.model, &right.key, &right.model, link)?;
        if entry.spec.read_only {
            return Err(read_only(&entry.spec));
        }
        let named = match (object.get("data"), data) {
            (_, DataUse::Ignored) => Vec::new(),
            (Some(data), _) => named_data(&entry.spec, data)?,
            (None, DataUse::Optional) => Vec::new(),
            (None, DataUse::Required) => {
                return Err(Error::invalid(format!(
                    "an update of link {} names the extra columns to change in \"data\", e.g. {}",
                    entry.spec.display_name(),
                    match entry.spec.extra_columns.first() {
                        Some(column) => format!("{{\"data\": {{\"{}\": …}}}}", column.name),
                        None => "…; this link has no extra columns, so there is nothing to update"
                            .to_string(),
                    }
                )));
            }
        };
        let pair = PreparedPair {
            left: left.ids[0].clone(),
            right: right.ids[0].clone(),
            named,
            insert_only: Vec::new(),
        };
        Ok(Definition { entry, pair })
    }

    /// The models of every registered link.
    fn known_models(&self) -> Vec<ModelInfo> {
        let mut models: Vec<ModelInfo> = Vec::new();
        for spec in self.specs() {
            for model in [spec.left.model, spec.right.model] {
                if !models.iter().any(|m| same_model(m, &model)) {
                    models.push(model);
                }
            }
        }
        models
    }

    /// The sides of an input object (every key but `link` and `data`), in order.
    fn sides(&self, object: &Map<String, Json>, many_ids: bool) -> Result<Vec<SideRef>> {
        let known = self.known_models();
        let mut sides = Vec::new();
        for (key, value) in object.iter().filter(|(k, _)| *k != "link" && *k != "data") {
            let candidates: Vec<&ModelInfo> = known
                .iter()
                .filter(|m| m.module == key || m.name == key)
                .collect();
            if candidates.is_empty() {
                let mut names: Vec<String> = known.iter().map(|m| self.side_key(m)).collect();
                names.sort();
                names.dedup();
                return Err(Error::invalid(format!(
                    "unknown module or model `{key}`; the linked ones are: {}",
                    names.join(", ")
                )));
            }
            let expected: Vec<String> = candidates
                .iter()
                .map(|m| format!("{{\"{key}\": {{\"{}\": \"…\"}}}}", m.key))
                .collect();
            let inner = value.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
                Error::invalid(format!(
                    "`{key}` names one record by its key, as {}; got {}",
                    expected.join(" or "),
                    short(value)
                ))
            })?;
            let Some((key_name, id)) = inner.iter().next() else {
                continue;
            };
            let matching: Vec<&&ModelInfo> =
                candidates.iter().filter(|m| m.key == key_name).collect();
            let model = match matching.as_slice() {
                [model] => ***model,
                [] => {
                    return Err(Error::invalid(format!(
                        "unknown key `{key_name}` for `{key}`; expected {}",
                        candidates
                            .iter()
                            .map(|m| format!("`{}`", m.key))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )));
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "`{key}.{key_name}` is ambiguous: name the model instead of the module"
                    )));
                }
            };
            let ids = ids(key, key_name, id, many_ids)?
                .into_iter()
                .map(|id| crate::key::canonical(&model, id))
                .collect::<Result<Vec<_>>>()?;
            sides.push(SideRef {
                key: key.clone(),
                model,
                ids,
            });
        }
        Ok(sides)
    }

    /// How the JSON shape names a model: its module, unless the module holds several linked
    /// models; then the model.
    fn side_key(&self, model: &ModelInfo) -> String {
        let in_module = self
            .known_models()
            .iter()
            .filter(|m| m.module == model.module)
            .count();
        if in_module > 1 {
            model.name.to_string()
        } else {
            model.module.to_string()
        }
    }

    fn link_named(&self, name: &str) -> Result<LinkEntry> {
        self.inner
            .links
            .iter()
            .find(|e| e.spec.name == name)
            .cloned()
            .ok_or_else(|| Error::UnknownLink {
                message: format!(
                    "unknown link `{}`; the links are: {}",
                    crate::input::shown(name),
                    self.specs().map(|s| s.name).collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// The link joining `left` → `right` (in that order), or the error saying why there is none.
    fn find_link(
        &self,
        left_key: &str,
        left: &ModelInfo,
        right_key: &str,
        right: &ModelInfo,
        name: Option<&str>,
    ) -> Result<LinkEntry> {
        let joins = |e: &LinkEntry, a: &ModelInfo, b: &ModelInfo| {
            same_model(&e.spec.left.model, a) && same_model(&e.spec.right.model, b)
        };
        let direction = |e: &LinkEntry| Error::Direction {
            message: format!(
                "link {} is declared with {} first; you passed {} first: put the \"{}\" key before the \"{}\" key",
                e.spec.display_name(),
                e.spec.left.model.name,
                left.name,
                right_key,
                left_key
            ),
        };
        if let Some(name) = name {
            let entry = self.link_named(name)?;
            if joins(&entry, left, right) {
                return Ok(entry);
            }
            if joins(&entry, right, left) {
                return Err(direction(&entry));
            }
            return Err(Error::invalid(format!(
                "link {} joins {} and {}, not {} and {}",
                entry.spec.display_name(),
                entry.spec.left.model.qualified_name(),
                entry.spec.right.model.qualified_name(),
                left.qualified_name(),
                right.qualified_name()
            )));
        }
        let forward: Vec<&LinkEntry> = self
            .inner
            .links
            .iter()
            .filter(|e| joins(e, left, right))
            .collect();
        match forward.as_slice() {
            [entry] => return Ok((*entry).clone()),
            [] => {}
            several => {
                return Err(Error::invalid(format!(
                    "{} and {} are joined by several links ({}): say which with \"link\"",
                    left.name,
                    right.name,
                    several
                        .iter()
                        .map(|e| e.spec.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        if let Some(reverse) = self.inner.links.iter().find(|e| joins(e, right, left)) {
            return Err(direction(reverse));
        }
        Err(Error::UnknownLink {
            message: format!(
                "no link joins {} and {}: declare one with define_link!",
                left.qualified_name(),
                right.qualified_name()
            ),
        })
    }

    /// The one stored link `model` takes part in (or the one named).
    fn link_of(&self, key: &str, model: &ModelInfo, name: Option<&str>) -> Result<LinkEntry> {
        let involved: Vec<&LinkEntry> = self
            .inner
            .links
            .iter()
            .filter(|e| !e.spec.read_only)
            .filter(|e| {
                same_model(&e.spec.left.model, model) || same_model(&e.spec.right.model, model)
            })
            .collect();
        if let Some(name) = name {
            let entry = self.link_named(name)?;
            if involved.iter().any(|e| e.spec.name == entry.spec.name) {
                return Ok(entry);
            }
            return Err(Error::invalid(format!(
                "link {} does not involve `{key}`",
                entry.spec.display_name()
            )));
        }
        match involved.as_slice() {
            [entry] => Ok((*entry).clone()),
            [] => Err(Error::UnknownLink {
                message: format!("no link involves `{key}`"),
            }),
            several => Err(Error::invalid(format!(
                "`{key}` takes part in several links ({}): say which with \"link\"",
                several
                    .iter()
                    .map(|e| e.spec.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// A row in the definition's shape.
    fn row_json(&self, entry: &LinkEntry, row: &QueryResult) -> Result<Json> {
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
        let siblings = self
            .specs()
            .filter(|s| {
                (same_model(&s.left.model, &spec.left.model)
                    && same_model(&s.right.model, &spec.right.model))
                    || (same_model(&s.left.model, &spec.right.model)
                        && same_model(&s.right.model, &spec.left.model))
            })
            .count();
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

fn link_name(object: &Map<String, Json>) -> Result<Option<&str>> {
    match object.get("link") {
        None => Ok(None),
        Some(Json::String(name)) => Ok(Some(name)),
        Some(other) => Err(Error::invalid(format!(
            "\"link\" is the name of a link, such as \"ProductBrand\"; got {}",
            short(other)
        ))),
    }
}

fn third_side(sides: &[SideRef]) -> Error {
    Error::invalid(format!(
        "a link joins two records; this names {}: remove `{}`",
        sides
            .iter()
            .map(|s| format!("`{}`", s.key))
            .collect::<Vec<_>>()
            .join(", "),
        sides.get(2).map(|s| s.key.as_str()).unwrap_or_default()
    ))
}

fn ids(key: &str, key_name: &str, value: &Json, many: bool) -> Result<Vec<String>> {
    let one = |v: &Json| match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let found = match value {
        Json::Array(items) if many => items.iter().map(one).collect::<Option<Vec<_>>>(),
        other => one(other).map(|id| vec![id]),
    };
    found.ok_or_else(|| {
        Error::invalid(format!(
            "the id of `{key}.{key_name}` is a string{}; got {}",
            if many { " or an array of strings" } else { "" },
            short(value)
        ))
    })
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

fn describe(column: &ExtraColumn) -> String {
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
fn column_value(column: &ExtraColumn, value: &Json) -> Option<Value> {
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
fn column_json(
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
fn short(value: &Json) -> String {
    crate::input::shown(&value.to_string())
}
