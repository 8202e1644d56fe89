//! Filters and order (SPEC §9.1, §9.4): Medusa's filter shape parsed into a small tree, checked
//! against the model, then written as SQL. A filter on a linked record's field becomes a
//! semi-join (`pk IN (SELECT …)`) over the link table joined to the linked table when all three
//! share the connection the statement runs on; otherwise the matching ids are computed first, in
//! chunks, on the connections that hold them, and the statement gets `id IN (…)` instead. Order
//! through a linked record becomes a `LEFT JOIN` (non-list links only, so it never repeats a
//! root).

use sea_orm::{ConnectionTrait, DbBackend, Value};
use serde_json::Value as Json;

use super::paths::{self, AllowList, Hop, Step, Via};
use super::source::{RecordSource, value_for};
use crate::dialect::{Sql, rows_per_statement};
use crate::error::{Error, Result};
use crate::linkable::{KeyKind, ModelInfo};
use crate::registry::{Links, ModuleBinding};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    ILike,
    In,
    Nin,
}

const OPERATORS: &str = "$eq, $ne, $in, $nin, $like, $ilike, $gt, $gte, $lt, $lte";

/// A checked filter on one model's records.
#[derive(Debug, Clone)]
pub(crate) enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    /// `column <op> value`; `In`/`Nin` compare with every value.
    Compare {
        column: &'static str,
        op: Op,
        values: Vec<Value>,
    },
    Null {
        column: &'static str,
        is_null: bool,
    },
    /// Records with a live linked record (through `hop`) that matches `filter`.
    Linked {
        hop: Box<Hop>,
        filter: Box<Filter>,
    },
    /// Records whose primary key is one of these (a linked filter computed ahead).
    KeysIn(Vec<Value>),
}

/// What parsing needs: the registry, for models, hops and column types, and the allow-list.
pub(crate) struct Parser<'a> {
    pub(crate) links: &'a Links,
    pub(crate) allow: Option<&'a AllowList>,
}

impl Parser<'_> {
    pub(crate) fn source(&self, model: &ModelInfo) -> Result<&dyn RecordSource> {
        self.links
            .inner
            .models
            .get(&(model.module, model.name))
            .and_then(|entry| entry.source.as_deref())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{} is not a model of a database of ours (an external model): its records cannot be filtered or sorted in SQL",
                    model.qualified_name()
                ))
            })
    }

    /// Behind an allow-list: `path` is allowed as something (checked before it is resolved).
    fn allowed(&self, path: &str) -> Result<()> {
        match self.allow {
            Some(allow) => allow.check(path),
            None => Ok(()),
        }
    }

    /// Behind an allow-list: the field path `path` is allowed.
    fn allowed_field(&self, path: &str) -> Result<()> {
        match self.allow {
            Some(allow) => allow.check_field(path),
            None => Ok(()),
        }
    }

    /// Behind an allow-list: the link at `path` may be followed.
    fn allowed_link(&self, path: &str) -> Result<()> {
        match self.allow {
            Some(allow) => allow.check_link(path),
            None => Ok(()),
        }
    }

    /// Parses `json` as a filter on `model`. `prefix` is the path to `model` (`""` at the root,
    /// `"brand."` under the brand hop); `through` is the hop that reached it, whose
    /// `filterable(…)` fields are the only ones a filter may name.
    pub(crate) fn parse(
        &self,
        model: &ModelInfo,
        json: &Json,
        prefix: &str,
        through: Option<&Hop>,
    ) -> Result<Filter> {
        let object = match json {
            Json::Null => return Ok(Filter::All(Vec::new())),
            Json::Object(object) => object,
            other => {
                return Err(Error::invalid(format!(
                    "filters{} must be an object such as {{\"title\": \"Shirt\"}}, not {}",
                    at(prefix),
                    crate::input::shown(&other.to_string())
                )));
            }
        };
        let mut all = Vec::new();
        for (key, value) in object {
            let filter = match key.as_str() {
                "$and" | "$or" => {
                    let Json::Array(items) = value else {
                        return Err(Error::invalid(format!(
                            "`{key}`{} takes an array of filters, not {}",
                            at(prefix),
                            crate::input::shown(&value.to_string())
                        )));
                    };
                    let parts = items
                        .iter()
                        .map(|item| self.parse(model, item, prefix, through))
                        .collect::<Result<Vec<_>>>()?;
                    if key == "$and" {
                        Filter::All(parts)
                    } else {
                        Filter::Any(parts)
                    }
                }
                "$not" => Filter::Not(Box::new(self.parse(model, value, prefix, through)?)),
                op if op.starts_with('$') => {
                    return Err(Error::invalid(format!(
                        "unknown operator `{op}`{}: combine filters with $and, $or, $not; compare a field with {OPERATORS}",
                        at(prefix)
                    )));
                }
                name => {
                    let path = format!("{prefix}{name}");
                    self.allowed(&path)?;
                    match paths::step(self.links, model, name, &path, self.allow)? {
                        Step::Field(field) => {
                            self.allowed_field(&path)?;
                            if let Some(hop) = through
                                && !hop.filterable(field)
                            {
                                return Err(not_filterable(hop, field));
                            }
                            self.compare(model, field, value, &path)?
                        }
                        Step::Hop(hop) => {
                            // Behind an allow-list, say nothing of a link it does not reach.
                            self.allowed_link(&path)?;
                            if hop.spec.read_only {
                                return Err(Error::UnknownField {
                                    message: format!(
                                        "`{path}`: link {} is read-only, and read-only links are not filterable (as in Medusa); filter on `{}` instead",
                                        hop.spec.display_name(),
                                        hop.spec.left.field.unwrap_or("its field")
                                    ),
                                });
                            }
                            self.source(&hop.target)?;
                            let inner =
                                self.parse(&hop.target, value, &format!("{path}."), Some(&hop))?;
                            Filter::Linked {
                                hop,
                                filter: Box::new(inner),
                            }
                        }
                    }
                }
            };
            all.push(filter);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::All(all)
        })
    }

    /// The condition `value` puts on `field`: a value, an array (`$in`), null, or an object of
    /// operators.
    fn compare(
        &self,
        model: &ModelInfo,
        field: &'static str,
        value: &Json,
        path: &str,
    ) -> Result<Filter> {
        let (ty, _) = self
            .source(model)?
            .column(field)
            .ok_or_else(|| Error::UnknownField {
                message: format!("`{path}` is not a column of {}", model.qualified_name()),
            })?;
        let typed = |json: &Json| {
            value_for(&ty, json).map_err(|expected| {
                Error::invalid(format!(
                    "filter on `{path}`: expected {expected}, got {}",
                    crate::input::shown(&json.to_string())
                ))
            })
        };
        let list = |json: &Json, op: &str| match json {
            Json::Array(items) => items.iter().map(typed).collect::<Result<Vec<_>>>(),
            other => Err(Error::invalid(format!(
                "filter on `{path}`: `{op}` takes an array, got {}",
                crate::input::shown(&other.to_string())
            ))),
        };
        Ok(match value {
            Json::Null => Filter::Null {
                column: field,
                is_null: true,
            },
            Json::Array(_) => Filter::Compare {
                column: field,
                op: Op::In,
                values: list(value, "$in")?,
            },
            Json::Object(ops) => {
                let mut all = Vec::new();
                for (op, operand) in ops {
                    let op = match op.as_str() {
                        "$eq" => Op::Eq,
                        "$ne" => Op::Ne,
                        "$gt" => Op::Gt,
                        "$gte" => Op::Gte,
                        "$lt" => Op::Lt,
                        "$lte" => Op::Lte,
                        "$like" => Op::Like,
                        "$ilike" => Op::ILike,
                        "$in" => Op::In,
                        "$nin" => Op::Nin,
                        other => {
                            return Err(Error::invalid(format!(
                                "unknown operator `{other}` on `{path}`: use one of {OPERATORS}"
                            )));
                        }
                    };
                    all.push(match (op, operand) {
                        (Op::Eq | Op::Ne, Json::Null) => Filter::Null {
                            column: field,
                            is_null: op == Op::Eq,
                        },
                        (Op::In | Op::Nin, _) => Filter::Compare {
                            column: field,
                            op,
                            values: list(operand, if op == Op::In { "$in" } else { "$nin" })?,
                        },
                        (Op::Like | Op::ILike, _) if !is_text(&ty) => {
                            return Err(Error::invalid(format!(
                                "filter on `{path}`: `$like` and `$ilike` match text, and `{path}` is not a text column; compare it with $eq, $ne, $in, $nin, $gt, $gte, $lt or $lte"
                            )));
                        }
                        (Op::Like | Op::ILike, Json::String(_)) => Filter::Compare {
                            column: field,
                            op,
                            values: vec![typed(operand)?],
                        },
                        (Op::Like | Op::ILike, other) => {
                            return Err(Error::invalid(format!(
                                "filter on `{path}`: `$like` and `$ilike` take a string pattern such as \"%shirt%\", got {}",
                                crate::input::shown(&other.to_string())
                            )));
                        }
                        (_, operand) => Filter::Compare {
                            column: field,
                            op,
                            values: vec![typed(operand)?],
                        },
                    });
                }
                if all.len() == 1 {
                    all.remove(0)
                } else {
                    Filter::All(all)
                }
            }
            scalar => Filter::Compare {
                column: field,
                op: Op::Eq,
                values: vec![typed(scalar)?],
            },
        })
    }
}

/// Whether a column holds text (what `$like` matches).
fn is_text(ty: &sea_orm::sea_query::ColumnType) -> bool {
    use sea_orm::sea_query::ColumnType as T;
    matches!(ty, T::Char(_) | T::String(_) | T::Text | T::Enum { .. })
}

impl Filter {
    /// How many values the filter binds (`$in` lists count each value).
    pub(crate) fn bound_values(&self) -> usize {
        match self {
            Filter::All(parts) | Filter::Any(parts) => parts.iter().map(Filter::bound_values).sum(),
            Filter::Not(inner) => inner.bound_values(),
            Filter::Compare { values, .. } => values.len(),
            Filter::Null { .. } => 0,
            Filter::Linked { filter, .. } => filter.bound_values(),
            Filter::KeysIn(keys) => keys.len(),
        }
    }
}

fn at(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!(" under `{}`", prefix.trim_end_matches('.'))
    }
}

pub(crate) fn not_filterable(hop: &Hop, field: &str) -> Error {
    let side = if hop.spec.right.model.name == hop.target.name
        && hop.spec.right.model.module == hop.target.module
    {
        "right"
    } else {
        "left"
    };
    Error::UnknownField {
        message: format!(
            "{}.{field} is not filterable through link {}: add `filterable({field})` to the {} ({side}) side of its define_link!",
            hop.name,
            hop.spec.display_name(),
            hop.target.name
        ),
    }
}

/// Whether a statement on `outer`'s connection can join `hop`'s link table and target: both
/// modules on the registry's home connection, where link tables live.
pub(crate) fn joinable(links: &Links, outer: &ModelInfo, hop: &Hop) -> bool {
    let home = |model: &ModelInfo| matches!(links.binding(model.module), Some(ModuleBinding::Home));
    home(outer) && home(&hop.target)
}

/// Replaces every linked filter that cannot run as a semi-join on `model`'s connection by the
/// primary keys it selects, computed on the connections that hold them.
pub(crate) async fn push_down<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    filter: Filter,
) -> Result<Filter> {
    Box::pin(async move {
        Ok(match filter {
            Filter::All(parts) => {
                let mut out = Vec::with_capacity(parts.len());
                for part in parts {
                    out.push(push_down(links, conn, model, part).await?);
                }
                Filter::All(out)
            }
            Filter::Any(parts) => {
                let mut out = Vec::with_capacity(parts.len());
                for part in parts {
                    out.push(push_down(links, conn, model, part).await?);
                }
                Filter::Any(out)
            }
            Filter::Not(inner) => {
                Filter::Not(Box::new(push_down(links, conn, model, *inner).await?))
            }
            Filter::Linked { hop, filter } => {
                let inner = push_down(links, conn, &hop.target, *filter).await?;
                if joinable(links, model, &hop) {
                    Filter::Linked {
                        hop,
                        filter: Box::new(inner),
                    }
                } else {
                    Filter::KeysIn(linked_keys(links, conn, model, &hop, &inner).await?)
                }
            }
            other => other,
        })
    })
    .await
}

/// The keys of `model`'s records linked through `hop` to a live record matching `filter`: the
/// target's keys on its connection, then the link rows in chunks on the home connection.
async fn linked_keys<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    hop: &Hop,
    filter: &Filter,
) -> Result<Vec<Value>> {
    if !matches!(hop.via, Via::Stored { .. }) {
        return Ok(Vec::new());
    }
    let target = &hop.target;
    let table = target.table.unwrap_or_default();
    let keys = match links.binding(target.module) {
        Some(ModuleBinding::Elsewhere(other)) => {
            matching_keys(links, other, target, table, filter).await?
        }
        _ => matching_keys(links, conn, target, table, filter).await?,
    };
    // The target is the far side: its keys select link rows, whose near side are the parents.
    let Some((rows, column, _)) = hop_rows(conn, links, hop, None, Some(keys)).await? else {
        return Ok(Vec::new());
    };
    let mut parents: Vec<String> = rows
        .iter()
        .map(|row| crate::error::column::<String>(row, column, "a link row"))
        .collect::<Result<_>>()?;
    parents.sort_unstable();
    parents.dedup();
    let refs: Vec<&str> = parents.iter().map(String::as_str).collect();
    // Keys that cannot be this model's (say, text in an integer key) match no record.
    Ok(refs
        .iter()
        .filter_map(|id| crate::link::records::key_values(model, &[id]).ok())
        .flatten()
        .collect())
}

/// The keys (as link tables store them) of `model`'s live records matching `filter`.
async fn matching_keys<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    table: &str,
    filter: &Filter,
) -> Result<Vec<String>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT ");
    key_as_text(&mut sql, "t0", model);
    sql.push(" AS ")
        .ident("k")
        .push(" FROM ")
        .ident(table)
        .push(" ")
        .ident("t0");
    sql.push(" WHERE ");
    live_and(&mut sql, links, model, "t0", filter);
    let rows = conn
        .query_all_raw(sql.build())
        .await
        .map_err(Error::database(format!(
            "finding the {} records a filter selects",
            model.qualified_name()
        )))?;
    rows.iter()
        .map(|row| crate::error::column::<String>(row, "k", "the records a filter selects"))
        .collect()
}

/// `<alias>.deleted_at IS NULL AND (<filter>)` (the first part only for soft-deletable models).
pub(crate) fn live_and(
    sql: &mut Sql,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    filter: &Filter,
) {
    live_and_at(sql, links, model, alias, filter, &mut 0);
}

/// [`live_and`] inside a statement whose subqueries `depth` numbers.
fn live_and_at(
    sql: &mut Sql,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    filter: &Filter,
    depth: &mut usize,
) {
    if model.soft_deletable {
        sql.ident(alias)
            .push(".")
            .ident("deleted_at")
            .push(" IS NULL AND ");
    }
    sql.push("(");
    render(sql, links, model, alias, filter, depth);
    sql.push(")");
}

/// Writes `filter` on the records of `model` aliased `alias`. `depth` numbers the aliases of
/// nested subqueries so they never shadow an outer one.
pub(crate) fn render(
    sql: &mut Sql,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    filter: &Filter,
    depth: &mut usize,
) {
    match filter {
        Filter::All(parts) | Filter::Any(parts) if parts.is_empty() => {
            sql.push(if matches!(filter, Filter::All(_)) {
                "1=1"
            } else {
                "1=0"
            });
        }
        Filter::All(parts) | Filter::Any(parts) => {
            let joiner = if matches!(filter, Filter::All(_)) {
                " AND "
            } else {
                " OR "
            };
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                sql.push("(");
                render(sql, links, model, alias, part, depth);
                sql.push(")");
            }
        }
        Filter::Not(inner) => {
            sql.push("NOT (");
            render(sql, links, model, alias, inner, depth);
            sql.push(")");
        }
        Filter::Null { column, is_null } => {
            sql.ident(alias).push(".").ident(column);
            sql.push(if *is_null { " IS NULL" } else { " IS NOT NULL" });
        }
        Filter::Compare { column, op, values } => {
            let column_ref = |sql: &mut Sql| {
                sql.ident(alias).push(".").ident(column);
            };
            match op {
                Op::In | Op::Nin if values.is_empty() => {
                    sql.push(if *op == Op::In { "1=0" } else { "1=1" });
                }
                Op::In | Op::Nin => {
                    column_ref(sql);
                    sql.push(if *op == Op::In { " IN " } else { " NOT IN " });
                    sql.param_list(values.iter().cloned());
                }
                Op::ILike => {
                    sql.push("LOWER(");
                    column_ref(sql);
                    sql.push(") LIKE LOWER(");
                    sql.param(values[0].clone());
                    sql.push(")");
                }
                _ => {
                    column_ref(sql);
                    sql.push(match op {
                        Op::Eq => " = ",
                        Op::Ne => " <> ",
                        Op::Gt => " > ",
                        Op::Gte => " >= ",
                        Op::Lt => " < ",
                        Op::Lte => " <= ",
                        _ => " LIKE ",
                    });
                    sql.param(values[0].clone());
                }
            }
        }
        Filter::KeysIn(keys) if keys.is_empty() => {
            sql.push("1=0");
        }
        Filter::KeysIn(keys) => {
            sql.ident(alias)
                .push(".")
                .ident(model.primary_key)
                .push(" IN ");
            sql.param_list(keys.iter().cloned());
        }
        Filter::Linked { hop, filter } => {
            // A semi-join, `pk IN (SELECT …)`, rather than a correlated `EXISTS`: every
            // backend can run it from the linked side (the few brands named `Acme`) instead
            // of probing once per root record.
            let Some((entry, near, far)) = stored_hop(links, hop) else {
                // Read-only hops are refused when the filter is parsed.
                sql.push("1=0");
                return;
            };
            *depth += 1;
            let (link_alias, target_alias) = (format!("l{depth}"), format!("t{depth}"));
            let target = &hop.target;
            sql.ident(alias)
                .push(".")
                .ident(model.primary_key)
                .push(" IN (SELECT ");
            text_as_key(sql, &link_alias, near, model);
            sql.push(" FROM ")
                .ident(&entry.names.table)
                .push(" ")
                .ident(&link_alias)
                .push(" JOIN ")
                .ident(target.table.unwrap_or_default())
                .push(" ")
                .ident(&target_alias)
                .push(" ON ")
                .ident(&target_alias)
                .push(".")
                .ident(target.primary_key)
                .push(" = ");
            text_as_key(sql, &link_alias, far, target);
            sql.push(" WHERE ")
                .ident(&link_alias)
                .push(".")
                .ident("deleted_at")
                .push(" IS NULL AND ");
            live_and_at(sql, links, target, &target_alias, filter, depth);
            sql.push(")");
        }
    }
}

/// `alias.pk` as the text link tables store.
fn key_as_text(sql: &mut Sql, alias: &str, model: &ModelInfo) {
    if model.key_kind == KeyKind::String {
        sql.ident(alias).push(".").ident(model.primary_key);
        return;
    }
    let text = if sql.backend() == DbBackend::MySql {
        "char"
    } else {
        "text"
    };
    sql.push("CAST(")
        .ident(alias)
        .push(".")
        .ident(model.primary_key)
        .push(&format!(" AS {text})"));
}

/// A link table's key column `alias.column` as the type of `model`'s primary key, so the
/// model's primary-key index serves the join.
fn text_as_key(sql: &mut Sql, alias: &str, column: &str, model: &ModelInfo) {
    let ty = match (model.key_kind, sql.backend()) {
        (KeyKind::Integer, DbBackend::MySql) => "SIGNED",
        (KeyKind::Integer, DbBackend::Postgres) => "bigint",
        (KeyKind::Integer, _) => "integer",
        (KeyKind::Uuid, DbBackend::Postgres) => "uuid",
        _ => {
            sql.ident(alias).push(".").ident(column);
            return;
        }
    };
    sql.push("CAST(")
        .ident(alias)
        .push(".")
        .ident(column)
        .push(&format!(" AS {ty})"));
}

/// A direction of `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Asc,
    Desc,
}

/// One `order` entry: a field of the root, or of a record reached through non-list hops.
#[derive(Debug, Clone)]
pub(crate) struct OrderBy {
    pub(crate) hops: Vec<Hop>,
    pub(crate) field: &'static str,
    pub(crate) direction: Direction,
    pub(crate) nullable: bool,
}

impl Parser<'_> {
    /// Parses `order` (`{"title": "ASC", "brand.name": "DESC"}`) on `model`.
    pub(crate) fn order(
        &self,
        model: &ModelInfo,
        order: &serde_json::Map<String, Json>,
        prefix: &str,
        sql_side: bool,
    ) -> Result<Vec<OrderBy>> {
        let mut out = Vec::new();
        for (relative, direction) in order {
            let path = &format!("{prefix}{relative}");
            let direction = match direction.as_str().map(str::to_ascii_uppercase).as_deref() {
                Some("ASC") => Direction::Asc,
                Some("DESC") => Direction::Desc,
                _ => {
                    return Err(Error::invalid(format!(
                        "order of `{path}` must be \"ASC\" or \"DESC\", not {}",
                        crate::input::shown(&direction.to_string())
                    )));
                }
            };
            // Behind an allow-list, say nothing of a path it does not reach.
            self.allowed(path)?;
            let segments: Vec<&str> = relative.split('.').collect();
            let mut current = *model;
            let mut hops: Vec<Hop> = Vec::new();
            let mut field = None;
            for (i, segment) in segments.iter().enumerate() {
                let last = i + 1 == segments.len();
                match paths::step(self.links, &current, segment, path, self.allow)? {
                    Step::Field(f) if last => field = Some(f),
                    Step::Field(f) => {
                        return Err(Error::UnknownField {
                            message: format!(
                                "order `{path}`: `{f}` is a field of {}, not a link",
                                current.name
                            ),
                        });
                    }
                    Step::Hop(hop) => {
                        if last {
                            return Err(Error::UnknownField {
                                message: format!(
                                    "order `{path}` names a link; name one of its fields, such as `{path}.{}`",
                                    hop.target.primary_key
                                ),
                            });
                        }
                        if hop.spec.read_only {
                            return Err(Error::UnknownField {
                                message: format!(
                                    "order `{path}`: link {} is read-only, and read-only links are not filterable or sortable",
                                    hop.spec.display_name()
                                ),
                            });
                        }
                        if hop.list != Some(false) {
                            return Err(Error::invalid(format!(
                                "order `{path}`: `{}` is a list (each {} has many), so ordering by it is ambiguous; order by a field of a record each {} has at most one of",
                                hop.name, current.name, current.name
                            )));
                        }
                        if sql_side && !joinable(self.links, &current, &hop) {
                            return Err(Error::invalid(format!(
                                "order `{path}`: {} and {} are not both on the connection that holds the link tables, so they cannot be sorted together in SQL; bind both modules with `.module(…)` to order by this field",
                                current.qualified_name(),
                                hop.target.qualified_name()
                            )));
                        }
                        current = hop.target;
                        hops.push(*hop);
                    }
                }
            }
            let Some(field) = field else { continue };
            if let Some(hop) = hops.last()
                && !hop.filterable(field)
            {
                return Err(not_filterable(hop, field));
            }
            self.allowed_field(path)?;
            let nullable = if sql_side {
                self.source(&current)?
                    .column(field)
                    .is_none_or(|(_, nullable)| nullable)
                    || !hops.is_empty()
            } else {
                true
            };
            out.push(OrderBy {
                hops,
                field,
                direction,
                nullable,
            });
        }
        Ok(out)
    }
}

/// The link table of a stored hop, with its key column on the hop's near side and far side.
fn stored_hop<'a>(
    links: &'a Links,
    hop: &Hop,
) -> Option<(&'a crate::registry::LinkEntry, &'static str, &'static str)> {
    let Via::Stored { link, from_left } = hop.via else {
        return None;
    };
    let entry = &links.inner.links[link];
    let (left, right) = (entry.spec.left.column, entry.spec.right.column);
    Some(if from_left {
        (entry, left, right)
    } else {
        (entry, right, left)
    })
}

/// The live link rows of a stored hop whose near key is one of `near` or whose far key is one
/// of `far` (chunked under the bind limit), with the names of the near and far key columns.
pub(crate) async fn hop_rows<C: ConnectionTrait>(
    conn: &C,
    links: &Links,
    hop: &Hop,
    near: Option<Vec<String>>,
    far: Option<Vec<String>>,
) -> Result<Option<(Vec<sea_orm::QueryResult>, &'static str, &'static str)>> {
    let Some((entry, near_key, far_key)) = stored_hop(links, hop) else {
        return Ok(None);
    };
    // Stored links have distinct key columns (the registry refuses one shared column).
    let (left, right) = if near_key == entry.spec.left.column {
        (near, far)
    } else {
        (far, near)
    };
    let rows = crate::link::rows::list_rows(conn, entry, left, right).await?;
    Ok(Some((rows, near_key, far_key)))
}

/// ` <kind> <link> <link_alias> ON … <kind> <target> <target_alias> ON …`: the live record
/// reached from `outer_alias` (a record of `outer`) through a stored hop.
fn hop_join(
    sql: &mut Sql,
    links: &Links,
    kind: &str,
    (outer_alias, outer): (&str, &ModelInfo),
    hop: &Hop,
    (link_alias, target_alias): (&str, &str),
) {
    let Some((entry, near, far)) = stored_hop(links, hop) else {
        return;
    };
    let target = &hop.target;
    sql.push(&format!(" {kind} "))
        .ident(&entry.names.table)
        .push(" ")
        .ident(link_alias)
        .push(" ON ")
        .ident(link_alias)
        .push(".")
        .ident(near)
        .push(" = ");
    key_as_text(sql, outer_alias, outer);
    sql.push(" AND ")
        .ident(link_alias)
        .push(".")
        .ident("deleted_at")
        .push(&format!(" IS NULL {kind} "))
        .ident(target.table.unwrap_or_default())
        .push(" ")
        .ident(target_alias)
        .push(" ON ")
        .ident(target_alias)
        .push(".")
        .ident(target.primary_key)
        .push(" = ");
    text_as_key(sql, link_alias, far, target);
    if target.soft_deletable {
        sql.push(" AND ")
            .ident(target_alias)
            .push(".")
            .ident("deleted_at")
            .push(" IS NULL");
    }
}

/// The parts of a root filter that can be inner joins: linked filters at the top level (not
/// under `$or` or `$not`) through non-list stored links, whose live link row is unique per
/// root, so joining never repeats a root. The rest stays a filter.
pub(crate) fn split_joinable(filter: Filter) -> (Vec<(Box<Hop>, Filter)>, Filter) {
    let parts = match filter {
        Filter::All(parts) => parts,
        other => vec![other],
    };
    let mut joins = Vec::new();
    let mut rest = Vec::new();
    for part in parts {
        match part {
            Filter::Linked { hop, filter }
                if hop.list == Some(false) && matches!(hop.via, Via::Stored { .. }) =>
            {
                joins.push((hop, *filter));
            }
            other => rest.push(other),
        }
    }
    (joins, Filter::All(rest))
}

/// Writes an inner join per joinable filter part; returns the alias of each part's record.
pub(crate) fn render_filter_joins(
    sql: &mut Sql,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    joins: &[(Box<Hop>, Filter)],
) -> Vec<String> {
    joins
        .iter()
        .enumerate()
        .map(|(i, (hop, _))| {
            let (link_alias, target_alias) = (format!("fj{i}"), format!("ft{i}"));
            hop_join(
                sql,
                links,
                "JOIN",
                (alias, model),
                hop,
                (&link_alias, &target_alias),
            );
            target_alias
        })
        .collect()
}

/// ` AND (<part>)` for each joined filter part, on its alias.
pub(crate) fn render_joined_conditions(
    sql: &mut Sql,
    links: &Links,
    joins: &[(Box<Hop>, Filter)],
    aliases: &[String],
) {
    let mut depth = 200;
    for ((hop, filter), alias) in joins.iter().zip(aliases) {
        sql.push(" AND (");
        render(sql, links, &hop.target, alias, filter, &mut depth);
        sql.push(")");
    }
}

/// Writes ` LEFT JOIN`s that reach the linked record each `order` term names, and returns,
/// per term, the alias its field is read from. A term goes through non-list hops only, whose
/// live link rows are unique per record (a unique index over live rows), so the joins never
/// repeat a root. A one-hop term through a link a filter already joined reads that join.
pub(crate) fn render_order_joins(
    sql: &mut Sql,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    order: &[OrderBy],
    joined: &[(&Hop, &str)],
) -> Vec<String> {
    let mut aliases = Vec::with_capacity(order.len());
    let mut next = 0;
    for term in order {
        if let [hop] = term.hops.as_slice()
            && let Some((_, joined_alias)) = joined.iter().find(|(h, _)| h.via == hop.via)
        {
            aliases.push(joined_alias.to_string());
            continue;
        }
        let (mut outer_alias, mut outer) = (alias.to_string(), *model);
        for hop in &term.hops {
            next += 1;
            let (link_alias, target_alias) = (format!("oj{next}"), format!("ot{next}"));
            hop_join(
                sql,
                links,
                "LEFT JOIN",
                (&outer_alias, &outer),
                hop,
                (&link_alias, &target_alias),
            );
            (outer_alias, outer) = (target_alias, hop.target);
        }
        aliases.push(outer_alias);
    }
    aliases
}

/// Writes the `ORDER BY` terms of `order` (each read from its alias of
/// [`render_order_joins`]), then the root's primary key so pages are stable. Missing and NULL
/// values sort last ascending and first descending on every backend.
pub(crate) fn render_order(
    sql: &mut Sql,
    model: &ModelInfo,
    alias: &str,
    order: &[OrderBy],
    aliases: &[String],
) {
    sql.push(" ORDER BY ");
    for (term, from) in order.iter().zip(aliases) {
        let dir = if term.direction == Direction::Asc {
            "ASC"
        } else {
            "DESC"
        };
        if term.nullable {
            sql.ident(from).push(".").ident(term.field);
            sql.push(&format!(" IS NULL {dir}, "));
        }
        sql.ident(from).push(".").ident(term.field);
        sql.push(&format!(" {dir}, "));
    }
    sql.ident(alias)
        .push(".")
        .ident(model.primary_key)
        .push(" ASC");
}

/// How many ids one `IN (…)` may bind on `backend`.
pub(crate) fn keys_per_statement(backend: DbBackend) -> usize {
    rows_per_statement(backend, 1)
}
