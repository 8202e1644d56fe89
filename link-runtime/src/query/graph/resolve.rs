//! Resolving the graph's hops: from the records of one level, the link rows and linked
//! records of the next, one statement (or one call of an external model) per hop.

use sea_orm::sea_query::{Alias, Asterisk, Query};

use super::*;
use crate::definition::ExtraColumn;
use crate::sql::RecordTable;

/// The linked records of each parent record, by `(path of the hop's node, parent record)`:
/// keys borrowed from the request's tree, so looking one up allocates nothing.
pub(super) type Children<'t> = HashMap<(&'t str, usize), Vec<usize>>;

/// A hop being resolved for a set of parents.
pub(super) struct Work<'t> {
    hop: &'t Hop,
    node: &'t Node,
    path: &'t str,
    /// Parent record → target keys, in link order (or, for an inverse hop, the values the
    /// targets' field must hold).
    edges: Vec<(usize, Vec<String>)>,
    /// The link columns the request names, per (parent record, target key): each target is then
    /// a record of its own per parent, carrying its link row's columns.
    link_values: HashMap<(usize, String), Record>,
}

/// Resolves the hops of `tree` below the records `roots`, level by level.
pub(super) async fn resolve<'t, C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    tree: &'t Node,
    roots: &[usize],
    arena: &mut Vec<Record>,
    nested: &HashMap<String, NestedPage>,
) -> Result<Children<'t>> {
    let mut children = Children::new();
    let mut level: Vec<(&'t Node, Vec<usize>)> = vec![(tree, roots.to_vec())];
    while !level.is_empty() {
        // 1. Which target keys each parent needs: one link-table statement per stored hop.
        let mut works: Vec<Work<'_>> = Vec::new();
        for (node, parents) in &level {
            if parents.is_empty() {
                continue;
            }
            for (hop, child) in &node.children {
                let path = child.path.as_str();
                let mut columns: Vec<&'static str> = child.link_fields.clone();
                if let Some(page) = nested.get(path) {
                    for column in page.link_columns() {
                        if !columns.contains(&column) {
                            columns.push(column);
                        }
                    }
                }
                let (edges, link_values) =
                    edges(links, conn, (&node.model, hop), parents, arena, &columns).await?;
                works.push(Work {
                    hop,
                    node: child,
                    path,
                    edges,
                    link_values,
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
                    let mut items = Vec::with_capacity(keys.len());
                    for key in keys {
                        let Some(&at) = loaded.and_then(|l| l.get(key)) else {
                            continue;
                        };
                        match work.link_values.get(&(*parent, key.clone())) {
                            // The target as this parent's link row reached it.
                            Some(values) => {
                                let mut record = arena[at].clone();
                                record.extend(values.clone());
                                arena.push(record);
                                items.push(arena.len() - 1);
                            }
                            None => items.push(at),
                        }
                    }
                    grouped.push((*parent, items));
                }
            }
            let page = nested.get(work.path);
            let mut reached = Vec::new();
            for (parent, mut items) in grouped {
                if let Some(page) = page {
                    items = page_of(items, page, arena, target);
                }
                reached.extend(items.iter().copied());
                children.insert((work.path, parent), items);
            }
            if !work.node.children.is_empty() {
                reached.sort_unstable();
                reached.dedup();
                next.push((work.node, reached));
            }
        }
        level = next;
    }
    Ok(children)
}

/// Per parent record, the target keys it needs through `hop`.
type Edges = Vec<(usize, Vec<String>)>;

/// The target keys each parent needs through `hop`, and the link `columns` of each of its link
/// rows.
pub(super) async fn edges<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    (model, hop): (&ModelInfo, &Hop),
    parents: &[usize],
    arena: &[Record],
    columns: &[&'static str],
) -> Result<(Edges, HashMap<(usize, String), Record>)> {
    let mut link_values = HashMap::new();
    match hop.via {
        Via::Forward { field } | Via::Inverse { field, .. } => Ok((
            parents
                .iter()
                .map(|&p| (p, field_keys(arena[p].get(field))))
                .collect(),
            link_values,
        )),
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
                return Ok((Vec::new(), link_values));
            };
            let wanted: Vec<&ExtraColumn> = hop
                .columns
                .iter()
                .filter(|c| columns.contains(&c.name))
                .collect();
            let mut targets: HashMap<String, Vec<(String, Option<Record>)>> = HashMap::new();
            for row in &rows {
                let n = crate::error::column::<String>(row, near, "a link row")?;
                let f = crate::error::column::<String>(row, far, "a link row")?;
                let values = if wanted.is_empty() {
                    None
                } else {
                    let mut values = Record::new();
                    for column in &wanted {
                        let value = crate::sql::extra_value(row, column, "a link row")?;
                        values.insert(column.name.to_string(), crate::source::json_of(&value));
                    }
                    Some(values)
                };
                targets.entry(n).or_default().push((f, values));
            }
            let mut out = Vec::with_capacity(keyed.len());
            for (p, k) in keyed {
                let mut keys = Vec::new();
                for (far, values) in targets.get(&k).cloned().unwrap_or_default() {
                    if let Some(values) = values {
                        link_values.insert((p, far.clone()), values);
                    }
                    keys.push(far);
                }
                out.push((p, keys));
            }
            Ok((out, link_values))
        }
    }
}

/// Loads the live records of `model` whose primary key (or, with `by_field`, that field) is one
/// of `keys` into the arena: one statement per chunk of keys, or one call of an external
/// service. Returns key (or the record's key for `by_field`) → arena index.
pub(super) async fn fetch<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    by_field: Option<&'static str>,
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
            let field = by_field.unwrap_or(model.key_field());
            let request = crate::external::ListRequest {
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

pub(super) async fn table_records<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    by_field: Option<&'static str>,
    keys: &[String],
) -> Result<Vec<Record>> {
    let Some(table) = model.table else {
        // A model without a table of ours is read through its module's service.
        return Err(Error::invalid(format!(
            "{} has no table of ours, and module `{}` is bound to a database: bind it with `.external(\"{}\", service)` (a service listing its records) so Query can read them",
            model.qualified_name(),
            model.module,
            model.module
        )));
    };
    let Some(source) = links.source_of(model) else {
        return Ok(Vec::new());
    };
    let column = match by_field {
        Some(field) => model.column_of(field),
        None => model.primary_key,
    };
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let values: Vec<Value> = match by_field {
        // A key that cannot be this model's (text in an integer key) matches nothing.
        None => refs
            .iter()
            .filter_map(|k| crate::linkable::key_values(model, &[k]).ok())
            .flatten()
            .collect(),
        Some(field) => match source.column(field) {
            Some((ty, _)) => keys
                .iter()
                .filter_map(|k| crate::source::value_for(&ty, &Json::String(k.clone())).ok())
                .collect(),
            None => return Ok(Vec::new()),
        },
    };
    let context = || format!("loading {} records", model.qualified_name());
    let mut records = Vec::with_capacity(values.len());
    let dialect = Dialect::of(conn);
    for chunk in values.chunks(dialect.rows_per_statement(1)) {
        let select = Query::select()
            .column(Asterisk)
            .from(Alias::new(table))
            .and_where(RecordTable { name: table, model }.live_among(dialect, column, chunk))
            .to_owned();
        let rows = conn
            .query_all(&select)
            .await
            .map_err(Error::database(context()))?;
        for row in &rows {
            records.push(source.decode(row).map_err(Error::database(context()))?);
        }
    }
    Ok(records)
}

/// A record's key as link tables store it.
pub(super) fn key_of(record: &Record, model: &ModelInfo) -> Option<String> {
    record.get(model.key_field()).and_then(key_text)
}

/// The ids a field holds: one for a string or number, each of an array, none for null.
pub(super) fn field_keys(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::Array(items)) => items.iter().filter_map(key_text).collect(),
        Some(value) => key_text(value).into_iter().collect(),
        None => Vec::new(),
    }
}
