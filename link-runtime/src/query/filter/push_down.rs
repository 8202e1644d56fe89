//! Filters through links that cannot run as one statement: the matching keys are computed
//! first, in chunks, on the connections that hold them (across connections, or through
//! external models), and the statement gets `id IN (…)` instead.

use sea_orm::sea_query::{Alias, Query};

use super::*;

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
                if inner.on_link() && !joinable(links, model, &hop) {
                    return Err(Error::invalid(format!(
                        "a filter on a column of link {} runs in SQL beside the link table, and {} or {} is not on the connection that holds it (bound with `.module_on(…)`, or an external model): bind both with `.module(…)`, or read the link's rows through its entry point",
                        hop.spec.display_name(),
                        model.qualified_name(),
                        hop.target.qualified_name()
                    )));
                }
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
pub(crate) async fn linked_keys<C: ConnectionTrait>(
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
        .filter_map(|id| crate::linkable::key_values(model, &[id]).ok())
        .flatten()
        .collect())
}

/// The keys (as link tables store them) of `model`'s live records matching `filter`.
pub(crate) async fn matching_keys<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    table: &str,
    filter: &Filter,
) -> Result<Vec<String>> {
    let dialect = Dialect::of(conn);
    let select = Query::select()
        .expr_as(key_as_text(dialect, "t0", model), Alias::new("k"))
        .from_as(Alias::new(table), Alias::new("t0"))
        .and_where(live_and(dialect, links, model, "t0", filter))
        .to_owned();
    let rows = conn
        .query_all(&select)
        .await
        .map_err(Error::database(format!(
            "finding the {} records a filter selects",
            model.qualified_name()
        )))?;
    rows.iter()
        .map(|row| crate::error::column::<String>(row, "k", "the records a filter selects"))
        .collect()
}

/// The link table of a stored hop, with its key column on the hop's near side and far side.
pub(crate) fn stored_hop<'a>(
    links: &'a Links,
    hop: &Hop,
) -> Option<(&'a crate::registry::LinkEntry, &'static str, &'static str)> {
    let Via::Stored { link, from_left } = hop.via else {
        return None;
    };
    let entry = &links.entries()[link];
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
    let rows = entry
        .table()
        .read_live(conn, left.as_deref(), right.as_deref())
        .await?;
    Ok(Some((rows, near_key, far_key)))
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

/// How many ids one `IN (…)` may bind on `conn`.
pub(crate) fn keys_per_statement(conn: &impl ConnectionTrait) -> usize {
    Dialect::of(conn).rows_per_statement(1)
}
