//! Running a graph query: the root page (one statement, plus one for the count), then the hops
//! level by level, each costing one statement on its link table and one on its target table
//! whatever the number of parents, with the hops of one level into the same model sharing the
//! target statement. Records are kept once in an arena and nested when the answer is written.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, Value};
use serde_json::Value as Json;

use super::filter::{self, Direction, Filter, OrderBy, Parser};
use super::paths::{self, AllowList, Hop, Node, Via};
use super::request::{Graph, GraphQuery, Page, PageInfo};
use crate::error::{Error, Result};
use crate::linkable::ModelInfo;
use crate::registry::{Links, ModelEntry, ModuleBinding};
use crate::source::{Record, key_text};
use crate::sql::Dialect;

mod resolve;
mod roots;
mod shape;

use resolve::*;
use roots::*;
use shape::*;

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
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn graph<C: ConnectionTrait>(&self, conn: &C, query: &GraphQuery) -> Result<Graph> {
        run(self, conn, query, None).await
    }

    /// [`Links::graph`] for a caller that may only reach the paths of `allow` (an HTTP route):
    /// fields, filters and order outside it are refused with [`Error::UnknownField`].
    ///
    /// Example: [the service example](crate#service-example).
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
        let models = self.models();
        let found: Vec<&ModelEntry> = models
            .clone()
            .filter(|m| m.info.name == entity || m.info.qualified_name() == entity)
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::UnknownField {
                message: format!(
                    "unknown entity `{entity}`; the entities are: {}",
                    models.map(|m| m.info.name).collect::<Vec<_>>().join(", ")
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
}

/// A nested list's page, checked.
struct NestedPage {
    skip: usize,
    take: Option<usize>,
    order: Vec<OrderBy>,
}

impl NestedPage {
    /// The link columns its order names (`{"tags": {"order": {"position": "ASC"}}}`).
    fn link_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.order.iter().filter(|o| o.on_link).map(|o| o.field)
    }
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

    // Check everything before the first statement, and report every mistake of the fields,
    // the filters and the order at once.
    let tree = paths::parse_fields(links, model, &query.fields, allow);
    let filter = parser.parse(&model, &query.filters, "", None);
    let page = query.pagination.clone().unwrap_or_default();
    let order = parser.order((&model, None), &page.order, "", true);
    let (tree, filter, order) = match (tree, filter, order) {
        (Ok(tree), Ok(filter), Ok(order)) => (tree, filter, order),
        (tree, filter, order) => {
            let wrong = [tree.err(), filter.err(), order.err()];
            return Err(paths::combined(
                "parts of the query",
                wrong.into_iter().flatten().collect(),
            ));
        }
    };
    if let Some(allow) = allow {
        check_allowed(&tree, "", allow)?;
    }
    let bound = filter.bound_values();
    if bound > crate::input::MAX_FILTER_VALUES {
        return Err(Error::invalid(format!(
            "filters take at most {} values in all (`$in` lists count each), and these have {bound}: split the request",
            crate::input::MAX_FILTER_VALUES
        )));
    }
    let largest = i64::MAX.unsigned_abs();
    if page.skip > largest || page.take.is_some_and(|take| take > largest) {
        return Err(Error::invalid(format!(
            "pagination: `skip` and `take` must be at most {largest}"
        )));
    }
    let nested = nested_pages(&parser, &tree, &query.nested)?;

    let filter = filter::push_down(links, conn, &model, filter).await?;
    let bound = bound_keys(&filter);
    if bound > filter::keys_per_statement(conn) {
        return Err(Error::invalid(format!(
            "the filters select {bound} {} records through links on other connections, more than one statement can bind; bind those modules with `.module(…)` so the filter runs as one SQL statement, or narrow the filter",
            model.name
        )));
    }

    // As Medusa's `listAndCount`: a page (skip or take) is counted; an order alone is not.
    let paged = page.take.is_some() || page.skip > 0;
    // A link table's entry point is read where link tables live.
    let binding = match model.module {
        crate::hops::LINK_MODULE => Some(&ModuleBinding::Home),
        module => links.binding(module),
    };
    let (rows, count) = match binding {
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
        count_uses(&tree, i, &children, &mut uses);
    }
    let data = roots
        .iter()
        .map(|&i| render((&tree, None), i, &mut arena, &uses, &children))
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

/// The error for a nested page at `path` that the fields do not select. `name` (its last
/// segment) may be no link property of the `parent` records at all: a typo is not told to
/// select a path that does not exist.
fn unselected_page(links: &Links, parent: Option<&Node>, path: &str, name: &str) -> Error {
    if let Some(parent) = parent {
        let hops = paths::hops_from(links, &parent.model);
        if !hops.iter().any(|h| h.name == name) {
            let names: Vec<&str> = hops.iter().map(|h| h.name.as_str()).collect();
            let guess = paths::closest(name, names.iter().copied())
                .map(|name| format!(" did you mean `{name}`?"))
                .unwrap_or_default();
            return Error::UnknownField {
                message: format!(
                    "nested page for `{path}`: {} has no link property `{name}`;{guess} Its link properties are: {}",
                    parent.model.name,
                    names.join(", ")
                ),
            };
        }
    }
    Error::UnknownField {
        message: format!(
            "nested page for `{path}`, which the fields do not select: add `{path}.*` (or some of its fields) to the fields"
        ),
    }
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
        let Some((parent, (hop, node))) = parent.and_then(|parent| {
            let child = parent.children.iter().find(|(h, _)| h.name == hop)?;
            Some((parent, child))
        }) else {
            return Err(unselected_page(parser.links, parent, path, hop));
        };
        if hop.list == Some(false) {
            return Err(Error::invalid(format!(
                "nested page for `{path}`: each {} has at most one {}, so there is nothing to page",
                parent.model.name, hop.name
            )));
        }
        let order = parser.order(
            (&node.model, Some(hop)),
            &page.order,
            &format!("{path}."),
            false,
        )?;
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
        Filter::Not(inner) | Filter::OnLink(inner) => bound_keys(inner),
        Filter::KeysIn(keys) => keys.len(),
        _ => 0,
    }
}
