//! Running a graph query: the root page (one statement, plus one for the count), then the hops
//! level by level, each costing one statement on its link table and one on its target table
//! whatever the number of parents, with the hops of one level into the same model sharing the
//! target statement. Records are kept once in an arena and nested when the answer is written.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, DbBackend, Value};
use serde_json::Value as Json;

use super::filter::{self, Direction, Filter, OrderBy, Parser};
use super::paths::{self, AllowList, Hop, Node, Via};
use super::request::{Graph, GraphQuery, Page, PageInfo};
use super::source::{Record, RecordSource, key_text};
use crate::dialect::Sql;
use crate::error::{Error, Result};
use crate::linkable::ModelInfo;
use crate::registry::{Links, ModelEntry, ModuleBinding};

impl Links {
    /// Runs a graph query (SPEC §9): the root records matching the filters, with their linked
    /// records nested under each link's name, in a fixed number of statements. A list link is
    /// always an array, any other link an object or `null`.
    ///
    /// Reads the root and link tables through `conn` when their modules are bound with
    /// `.module(…)`, so a query inside a transaction sees its writes; modules bound with
    /// `.module_on(…)` are read on their own connection, external models through their service.
    /// Filters and order on linked fields run in the root's statement when the root, the link
    /// table and the linked model share `conn`; otherwise the linked ids are computed first, in
    /// chunks, on the connections that hold them (order then has to share `conn`: an error says
    /// so).
    pub async fn graph<C: ConnectionTrait>(&self, conn: &C, query: &GraphQuery) -> Result<Graph> {
        run(self, conn, query, None).await
    }

    /// [`Links::graph`] for a caller that may only reach the paths of `allow` (an HTTP route):
    /// fields, filters and order outside it are refused with [`Error::UnknownField`].
    pub async fn graph_within<C: ConnectionTrait>(
        &self,
        conn: &C,
        query: &GraphQuery,
        allow: &AllowList,
    ) -> Result<Graph> {
        run(self, conn, query, Some(allow)).await
    }

    /// The model a query names, by `name` or `module.name`.
    fn model_named(&self, entity: &str) -> Result<&ModelEntry> {
        let models = &self.inner.models;
        let found: Vec<&ModelEntry> = models
            .values()
            .filter(|m| m.info.name == entity || m.info.qualified_name() == entity)
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::UnknownField {
                message: format!(
                    "unknown entity `{entity}`; the entities are: {}",
                    models
                        .values()
                        .map(|m| m.info.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            several => Err(Error::invalid(format!(
                "entity `{entity}` is ambiguous: name one of {}",
                several
                    .iter()
                    .map(|m| m.info.qualified_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn source_of(&self, model: &ModelInfo) -> Option<&dyn RecordSource> {
        self.inner
            .models
            .get(&(model.module, model.name))
            .and_then(|entry| entry.source.as_deref())
    }
}

/// A nested list's page, checked.
struct NestedPage {
    skip: usize,
    take: Option<usize>,
    order: Vec<OrderBy>,
}

async fn run<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    query: &GraphQuery,
    allow: Option<&AllowList>,
) -> Result<Graph> {
    check_sizes(query)?;
    let root = links.model_named(&query.entity)?;
    let model = root.info;
    let Some(source) = root.source.clone() else {
        return Err(Error::invalid(format!(
            "{} is an external model: query it through a link from a model of ours",
            model.qualified_name()
        )));
    };
    let parser = Parser { links, allow };

    // Check everything before the first statement.
    let tree = paths::parse_fields(links, model, &query.fields, allow)?;
    if let Some(allow) = allow {
        check_allowed(&tree, "", allow)?;
    }
    let filter = parser.parse(&model, &query.filters, "", None)?;
    let bound = filter.bound_values();
    if bound > crate::input::MAX_FILTER_VALUES {
        return Err(Error::invalid(format!(
            "filters take at most {} values in all (`$in` lists count each), and these have {bound}: split the request",
            crate::input::MAX_FILTER_VALUES
        )));
    }
    let page = query.pagination.clone().unwrap_or_default();
    let largest = i64::MAX.unsigned_abs();
    if page.skip > largest || page.take.is_some_and(|take| take > largest) {
        return Err(Error::invalid(format!(
            "pagination: `skip` and `take` must be at most {largest}"
        )));
    }
    let order = parser.order(&model, &page.order, "", true)?;
    let nested = nested_pages(&parser, &tree, &query.nested)?;

    let filter = filter::push_down(links, conn, &model, filter).await?;
    let bound = bound_keys(&filter);
    if bound > filter::keys_per_statement(conn.get_database_backend()) {
        return Err(Error::invalid(format!(
            "the filters select {bound} {} records through links on other connections, more than one statement can bind; bind those modules with `.module(…)` so the filter runs as one SQL statement, or narrow the filter",
            model.name
        )));
    }

    // As Medusa's `listAndCount`: a page (skip or take) is counted; an order alone is not.
    let paged = page.take.is_some() || page.skip > 0;
    let (rows, count) = match links.binding(model.module) {
        Some(ModuleBinding::Elsewhere(other)) => {
            roots(links, other, &model, &filter, &order, &page, paged).await?
        }
        Some(ModuleBinding::Home) => {
            roots(links, conn, &model, &filter, &order, &page, paged).await?
        }
        _ => {
            return Err(Error::invalid(format!(
                "module `{}` is not bound to a database: add `.module(\"{}\")` to the builder",
                model.module, model.module
            )));
        }
    };
    let mut arena = Vec::with_capacity(rows.len());
    // Each raw row is freed once decoded.
    for row in rows {
        arena.push(source.decode(&row).map_err(Error::database(format!(
            "reading {} records",
            model.qualified_name()
        )))?);
    }
    let roots: Vec<usize> = (0..arena.len()).collect();
    let children = resolve(links, conn, &tree, &roots, &mut arena, &nested).await?;
    // A record shown once is moved into the answer, not copied.
    let mut uses = vec![0u32; arena.len()];
    for &i in &roots {
        count_uses(&tree, "", i, &children, &mut uses);
    }
    let data = roots
        .iter()
        .map(|&i| render(&tree, "", i, &mut arena, &uses, &children))
        .collect();
    Ok(Graph {
        data,
        metadata: count.map(|count| PageInfo {
            count,
            skip: page.skip,
            take: page.take,
        }),
    })
}

/// Refuses, before anything else, names and paths longer than the input limit and filters
/// nested deeper than it (see [`crate::input`]).
fn check_sizes(query: &GraphQuery) -> Result<()> {
    let names = std::iter::once(query.entity.as_str())
        .chain(query.fields.iter().map(String::as_str))
        .chain(
            query
                .pagination
                .iter()
                .flat_map(|p| p.order.keys().map(String::as_str)),
        )
        .chain(query.nested.keys().map(String::as_str))
        .chain(
            query
                .nested
                .values()
                .flat_map(|p| p.order.keys().map(String::as_str)),
        );
    for name in names {
        crate::input::check_name("a name or field path", name)?;
    }
    crate::input::check_json(&query.filters)
}

/// Refuses selected fields outside the allow-list.
fn check_allowed(node: &Node, prefix: &str, allow: &AllowList) -> Result<()> {
    if node.all {
        allow.check_field(&format!("{prefix}*"))?;
    }
    for field in &node.fields {
        allow.check_field(&format!("{prefix}{field}"))?;
    }
    for (hop, child) in &node.children {
        check_allowed(child, &format!("{prefix}{}.", hop.name), allow)?;
    }
    Ok(())
}

fn nested_pages(
    parser: &Parser<'_>,
    tree: &Node,
    pages: &BTreeMap<String, Page>,
) -> Result<HashMap<String, NestedPage>> {
    let mut out = HashMap::new();
    for (path, page) in pages {
        let segments: Vec<&str> = path.split('.').collect();
        let (parent, hop) = match segments.split_last() {
            Some((last, init)) => (tree.at(init), *last),
            None => (None, ""),
        };
        let Some((hop, node)) =
            parent.and_then(|parent| parent.children.iter().find(|(h, _)| h.name == hop))
        else {
            return Err(Error::UnknownField {
                message: format!(
                    "nested page for `{path}`, which the fields do not select: add `{path}.*` (or some of its fields) to the fields"
                ),
            });
        };
        if hop.list == Some(false) {
            return Err(Error::invalid(format!(
                "nested page for `{path}`: each {} has at most one {}, so there is nothing to page",
                hop.target.name, hop.name
            )));
        }
        let order = parser.order(&node.model, &page.order, &format!("{path}."), false)?;
        if order.iter().any(|o| !o.hops.is_empty()) {
            return Err(Error::invalid(format!(
                "nested page for `{path}`: order by fields of the {} records themselves",
                hop.target.name
            )));
        }
        out.insert(
            path.clone(),
            NestedPage {
                skip: usize::try_from(page.skip).unwrap_or(usize::MAX),
                take: page.take.map(|t| usize::try_from(t).unwrap_or(usize::MAX)),
                order,
            },
        );
    }
    Ok(out)
}

/// How many values pushed-down key lists bind.
fn bound_keys(filter: &Filter) -> usize {
    match filter {
        Filter::All(parts) | Filter::Any(parts) => parts.iter().map(bound_keys).sum(),
        Filter::Not(inner) => bound_keys(inner),
        Filter::KeysIn(keys) => keys.len(),
        _ => 0,
    }
}

/// ` FROM <table> t0`.
fn root_from(sql: &mut Sql, model: &ModelInfo) {
    sql.push(" FROM ")
        .ident(model.table.unwrap_or_default())
        .push(" ")
        .ident("t0");
}

/// ` WHERE <live> AND (<filter>)` on the root aliased `t0`.
fn root_where(sql: &mut Sql, links: &Links, model: &ModelInfo, filter: &Filter) {
    sql.push(" WHERE ");
    filter::live_and(sql, links, model, "t0", filter);
}

/// The root page (and the count when paginated).
async fn roots<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    filter: &Filter,
    order: &[OrderBy],
    page: &Page,
    paginated: bool,
) -> Result<(Vec<sea_orm::QueryResult>, Option<u64>)> {
    let backend = conn.get_database_backend();
    // Top-level filters through non-list links become inner joins the order can share: one
    // scan of the link table on PostgreSQL and MySQL. SQLite's planner does better with the
    // semi-join, which it runs from the linked side (BENCHMARKS.md, page by brand name).
    let (joins, filter) = if backend == DbBackend::Sqlite {
        (Vec::new(), filter.clone())
    } else {
        filter::split_joinable(filter.clone())
    };
    let filter = &filter;
    let mut sql = Sql::new(backend);
    sql.push("SELECT ").ident("t0").push(".*");
    root_from(&mut sql, model);
    let joined = filter::render_filter_joins(&mut sql, links, model, "t0", &joins);
    let shared: Vec<(&Hop, &str)> = joins
        .iter()
        .zip(&joined)
        .map(|((hop, _), alias)| (&**hop, alias.as_str()))
        .collect();
    let aliases = filter::render_order_joins(&mut sql, links, model, "t0", order, &shared);
    root_where(&mut sql, links, model, filter);
    filter::render_joined_conditions(&mut sql, links, &joins, &joined);
    filter::render_order(&mut sql, model, "t0", order, &aliases);
    match (page.take, page.skip) {
        (Some(take), 0) => {
            sql.push(&format!(" LIMIT {take}"));
        }
        (Some(take), skip) => {
            sql.push(&format!(" LIMIT {take} OFFSET {skip}"));
        }
        (None, 0) => {}
        (None, skip) => {
            sql.push(&match backend {
                DbBackend::Postgres => format!(" OFFSET {skip}"),
                DbBackend::MySql => format!(" LIMIT 18446744073709551615 OFFSET {skip}"),
                _ => format!(" LIMIT -1 OFFSET {skip}"),
            });
        }
    }
    let context = || format!("querying {} records", model.qualified_name());
    let rows = conn
        .query_all_raw(sql.build())
        .await
        .map_err(Error::database(context()))?;
    let count = if paginated {
        let mut sql = Sql::new(backend);
        sql.push("SELECT COUNT(*) AS ").ident("n");
        root_from(&mut sql, model);
        let joined = filter::render_filter_joins(&mut sql, links, model, "t0", &joins);
        root_where(&mut sql, links, model, filter);
        filter::render_joined_conditions(&mut sql, links, &joins, &joined);
        let row = conn
            .query_one_raw(sql.build())
            .await
            .map_err(Error::database(context()))?;
        let n = row
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()
            .map_err(Error::database(context()))?;
        Some(n.unwrap_or_default().max(0).unsigned_abs())
    } else {
        None
    };
    Ok((rows, count))
}

/// The linked records of each parent record, by `(path of the hop, parent record)`.
type Children = HashMap<(String, usize), Vec<usize>>;

/// A hop being resolved for a set of parents.
struct Work<'t> {
    hop: &'t Hop,
    node: &'t Node,
    path: String,
    /// Parent record → target keys, in link order (or, for an inverse hop, the values the
    /// targets' field must hold).
    edges: Vec<(usize, Vec<String>)>,
}

/// Resolves the hops of `tree` below the records `roots`, level by level.
async fn resolve<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    tree: &Node,
    roots: &[usize],
    arena: &mut Vec<Record>,
    nested: &HashMap<String, NestedPage>,
) -> Result<Children> {
    let mut children = Children::new();
    let mut level: Vec<(&Node, String, Vec<usize>)> = vec![(tree, String::new(), roots.to_vec())];
    while !level.is_empty() {
        // 1. Which target keys each parent needs: one link-table statement per stored hop.
        let mut works: Vec<Work<'_>> = Vec::new();
        for (node, prefix, parents) in &level {
            if parents.is_empty() {
                continue;
            }
            for (hop, child) in &node.children {
                let edges = edges(links, conn, &node.model, hop, parents, arena).await?;
                works.push(Work {
                    hop,
                    node: child,
                    path: format!("{prefix}{}", hop.name),
                    edges,
                });
            }
        }

        // 2. The target records: one statement per target model, for every hop of the level.
        let mut by_model: BTreeMap<(&str, &str), (ModelInfo, Vec<String>)> = BTreeMap::new();
        for work in &works {
            if matches!(work.hop.via, Via::Inverse { .. }) {
                continue;
            }
            let entry = by_model
                .entry((work.hop.target.module, work.hop.target.name))
                .or_insert_with(|| (work.hop.target, Vec::new()));
            entry
                .1
                .extend(work.edges.iter().flat_map(|(_, keys)| keys.iter().cloned()));
        }
        let mut found: HashMap<(&str, &str), HashMap<String, usize>> = HashMap::new();
        for (id, (model, mut keys)) in by_model {
            keys.sort_unstable();
            keys.dedup();
            let loaded = fetch(links, conn, &model, None, &keys, arena).await?;
            found.insert(id, loaded);
        }

        // 3. Each parent's list, paged if asked; the next level.
        let mut next = Vec::new();
        for work in works {
            let target = &work.hop.target;
            let mut grouped: Vec<(usize, Vec<usize>)> = Vec::with_capacity(work.edges.len());
            if let Via::Inverse { back, .. } = work.hop.via {
                let mut values: Vec<String> = work
                    .edges
                    .iter()
                    .flat_map(|(_, v)| v.iter().cloned())
                    .collect();
                values.sort_unstable();
                values.dedup();
                let loaded = fetch(links, conn, target, Some(back), &values, arena).await?;
                let mut records: Vec<usize> = loaded.into_values().collect();
                records.sort_by_key(|&i| key_of(&arena[i], target));
                let mut by_value: HashMap<String, Vec<usize>> = HashMap::new();
                for i in records {
                    for value in field_keys(arena[i].get(back)) {
                        by_value.entry(value).or_default().push(i);
                    }
                }
                for (parent, values) in &work.edges {
                    let items = values
                        .iter()
                        .flat_map(|v| by_value.get(v).cloned().unwrap_or_default())
                        .collect();
                    grouped.push((*parent, items));
                }
            } else {
                let loaded = found.get(&(target.module, target.name));
                for (parent, keys) in &work.edges {
                    let items = keys
                        .iter()
                        .filter_map(|k| loaded.and_then(|l| l.get(k)).copied())
                        .collect();
                    grouped.push((*parent, items));
                }
            }
            let page = nested.get(&work.path);
            let mut reached = Vec::new();
            for (parent, mut items) in grouped {
                if let Some(page) = page {
                    items = page_of(items, page, arena, target);
                }
                reached.extend(items.iter().copied());
                children.insert((work.path.clone(), parent), items);
            }
            if !work.node.children.is_empty() {
                reached.sort_unstable();
                reached.dedup();
                next.push((work.node, format!("{}.", work.path), reached));
            }
        }
        level = next;
    }
    Ok(children)
}

/// The target keys each parent needs through `hop`.
async fn edges<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    hop: &Hop,
    parents: &[usize],
    arena: &[Record],
) -> Result<Vec<(usize, Vec<String>)>> {
    match hop.via {
        Via::Forward { field } | Via::Inverse { field, .. } => Ok(parents
            .iter()
            .map(|&p| (p, field_keys(arena[p].get(field))))
            .collect()),
        Via::Stored { .. } => {
            let keyed: Vec<(usize, String)> = parents
                .iter()
                .filter_map(|&p| key_of(&arena[p], model).map(|k| (p, k)))
                .collect();
            let mut keys: Vec<String> = keyed.iter().map(|(_, k)| k.clone()).collect();
            keys.sort_unstable();
            keys.dedup();
            let Some((rows, near, far)) =
                filter::hop_rows(conn, links, hop, Some(keys), None).await?
            else {
                return Ok(Vec::new());
            };
            let mut targets: HashMap<String, Vec<String>> = HashMap::new();
            for row in &rows {
                let n = crate::error::column::<String>(row, near, "a link row")?;
                let f = crate::error::column::<String>(row, far, "a link row")?;
                targets.entry(n).or_default().push(f);
            }
            Ok(keyed
                .into_iter()
                .map(|(p, k)| (p, targets.get(&k).cloned().unwrap_or_default()))
                .collect())
        }
    }
}

/// Loads the live records of `model` whose primary key (or, with `by_field`, that field) is one
/// of `keys` into the arena: one statement per chunk of keys, or one call of an external
/// service. Returns key (or the record's key for `by_field`) → arena index.
async fn fetch<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    by_field: Option<&str>,
    keys: &[String],
    arena: &mut Vec<Record>,
) -> Result<HashMap<String, usize>> {
    let mut out = HashMap::with_capacity(keys.len());
    if keys.is_empty() {
        return Ok(out);
    }
    let records: Vec<Record> = match links.binding(model.module) {
        Some(ModuleBinding::External(service)) => {
            let context = || format!("the external service of module `{}`", model.module);
            let field = by_field.unwrap_or(model.primary_key);
            let request = super::external::ListRequest {
                model: model.name,
                field,
                ids: keys,
            };
            let listed = service
                .list_boxed(request)
                .await
                .map_err(|source| Error::External {
                    context: context(),
                    source,
                })?;
            let mut records = Vec::with_capacity(listed.len());
            for value in listed {
                match value {
                    Json::Object(record) => records.push(record),
                    other => {
                        return Err(Error::External {
                            context: context(),
                            source: format!(
                                "listed {other} as a {} record; records are JSON objects",
                                model.name
                            )
                            .into(),
                        });
                    }
                }
            }
            let wanted: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
            records
                .into_iter()
                .filter(|r| {
                    field_keys(r.get(field))
                        .iter()
                        .any(|k| wanted.contains(k.as_str()))
                })
                .collect()
        }
        Some(ModuleBinding::Elsewhere(other)) => {
            table_records(links, other, model, by_field, keys).await?
        }
        _ => table_records(links, conn, model, by_field, keys).await?,
    };
    for record in records {
        if let Some(key) = key_of(&record, model) {
            arena.push(record);
            out.insert(key, arena.len() - 1);
        }
    }
    Ok(out)
}

async fn table_records<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    by_field: Option<&str>,
    keys: &[String],
) -> Result<Vec<Record>> {
    let (Some(table), Some(source)) = (model.table, links.source_of(model)) else {
        return Ok(Vec::new());
    };
    let backend = conn.get_database_backend();
    let column = by_field.unwrap_or(model.primary_key);
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let values: Vec<Value> = match by_field {
        // A key that cannot be this model's (text in an integer key) matches nothing.
        None => refs
            .iter()
            .filter_map(|k| crate::link::records::key_values(model, &[k]).ok())
            .flatten()
            .collect(),
        Some(field) => match source.column(field) {
            Some((ty, _)) => keys
                .iter()
                .filter_map(|k| super::source::value_for(&ty, &Json::String(k.clone())).ok())
                .collect(),
            None => return Ok(Vec::new()),
        },
    };
    let context = || format!("loading {} records", model.qualified_name());
    let mut records = Vec::with_capacity(values.len());
    for chunk in values.chunks(filter::keys_per_statement(backend)) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT * FROM ").ident(table).push(" WHERE ");
        sql.ident(column)
            .push(" IN ")
            .param_list(chunk.iter().cloned());
        if model.soft_deletable {
            sql.push(" AND ").ident("deleted_at").push(" IS NULL");
        }
        let rows = conn
            .query_all_raw(sql.build())
            .await
            .map_err(Error::database(context()))?;
        for row in &rows {
            records.push(source.decode(row).map_err(Error::database(context()))?);
        }
    }
    Ok(records)
}

/// A record's key as link tables store it.
fn key_of(record: &Record, model: &ModelInfo) -> Option<String> {
    record.get(model.primary_key).and_then(key_text)
}

/// The ids a field holds: one for a string or number, each of an array, none for null.
fn field_keys(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::Array(items)) => items.iter().filter_map(key_text).collect(),
        Some(value) => key_text(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// One parent's list, ordered and sliced as its nested page says.
fn page_of(
    mut items: Vec<usize>,
    page: &NestedPage,
    arena: &[Record],
    model: &ModelInfo,
) -> Vec<usize> {
    if !page.order.is_empty() {
        items.sort_by(|&a, &b| {
            for term in &page.order {
                let ordering = compare(
                    arena[a].get(term.field),
                    arena[b].get(term.field),
                    term.direction,
                );
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            key_of(&arena[a], model).cmp(&key_of(&arena[b], model))
        });
    }
    items
        .into_iter()
        .skip(page.skip)
        .take(page.take.unwrap_or(usize::MAX))
        .collect()
}

/// Orders two field values the way the root's SQL order does: missing and null values last
/// ascending and first descending.
fn compare(a: Option<&Json>, b: Option<&Json>, direction: Direction) -> Ordering {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    let ordering = match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => {
            return if direction == Direction::Asc {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        (Some(_), None) => {
            return if direction == Direction::Asc {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        (Some(Json::Number(x)), Some(Json::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Json::Bool(x)), Some(Json::Bool(y))) => x.cmp(y),
        (Some(Json::String(x)), Some(Json::String(y))) => x.cmp(y),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    };
    if direction == Direction::Asc {
        ordering
    } else {
        ordering.reverse()
    }
}

/// Counts how many times [`render`] will show each record (at least; a record reached twice,
/// say a brand of two products, is copied, and so are the records below it).
fn count_uses(node: &Node, prefix: &str, index: usize, children: &Children, uses: &mut [u32]) {
    uses[index] = uses[index].saturating_add(1);
    for (hop, child) in &node.children {
        let path = format!("{prefix}{}", hop.name);
        if let Some(items) = children.get(&(path.clone(), index)) {
            let child_prefix = format!("{path}.");
            for &i in items {
                count_uses(child, &child_prefix, i, children, uses);
            }
        }
    }
}

/// Writes the record `index` as `node` selects it, with its linked records. A record with one
/// use is taken out of the arena; others are copied.
fn render(
    node: &Node,
    prefix: &str,
    index: usize,
    arena: &mut [Record],
    uses: &[u32],
    children: &Children,
) -> Json {
    let lists: Vec<bool> = node
        .children
        .iter()
        .map(|(hop, _)| {
            hop.list.unwrap_or_else(|| match hop.via {
                Via::Forward { field } => {
                    matches!(arena[index].get(field), Some(Json::Array(_)))
                }
                _ => false,
            })
        })
        .collect();
    let pk = node.model.primary_key;
    let selected = std::iter::once(pk).chain(node.fields.iter().copied().filter(|f| *f != pk));
    let mut out = if uses[index] <= 1 {
        let mut record = std::mem::take(&mut arena[index]);
        if node.all {
            record
        } else {
            selected
                .map(|field| {
                    (
                        field.to_string(),
                        record.remove(field).unwrap_or(Json::Null),
                    )
                })
                .collect()
        }
    } else if node.all {
        arena[index].clone()
    } else {
        let record = &arena[index];
        selected
            .map(|field| {
                (
                    field.to_string(),
                    record.get(field).cloned().unwrap_or(Json::Null),
                )
            })
            .collect()
    };
    for ((hop, child), list) in node.children.iter().zip(lists) {
        let path = format!("{prefix}{}", hop.name);
        let items = children
            .get(&(path.clone(), index))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let child_prefix = format!("{path}.");
        let value = if list {
            Json::Array(
                items
                    .iter()
                    .map(|&i| render(child, &child_prefix, i, arena, uses, children))
                    .collect(),
            )
        } else {
            items
                .first()
                .map(|&i| render(child, &child_prefix, i, arena, uses, children))
                .unwrap_or(Json::Null)
        };
        out.insert(hop.name.clone(), value);
    }
    Json::Object(out)
}
