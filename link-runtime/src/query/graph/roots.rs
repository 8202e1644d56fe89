//! The root statement of a graph: its records filtered, ordered and paged in SQL, and the
//! count of all that match.

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement};

use super::*;

/// `SELECT … FROM <table> t0`, for the caller to add what it selects.
fn from_root(model: &ModelInfo) -> SelectStatement {
    Query::select()
        .from_as(
            Alias::new(model.table.unwrap_or_default()),
            Alias::new("t0"),
        )
        .to_owned()
}

/// The root page (and the count when paginated).
pub(super) async fn roots<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    model: &ModelInfo,
    filter: &Filter,
    order: &[OrderBy],
    page: &Page,
    paginated: bool,
) -> Result<(Vec<sea_orm::QueryResult>, Option<u64>)> {
    let dialect = Dialect::of(conn);
    // Top-level filters through non-list links become inner joins the order can share: one
    // scan of the link table on PostgreSQL and MySQL. SQLite's planner does better with the
    // semi-join, which it runs from the linked side (BENCHMARKS.md, page by brand name).
    let (joins, filter) = if dialect.prefers_semi_joins {
        (Vec::new(), filter.clone())
    } else {
        filter::split_joinable(filter.clone())
    };
    let filter = &filter;
    // The root records matching the filter, joined to what the filter's joinable parts reach.
    let matching = |select: &mut SelectStatement| {
        let joined = filter::filter_joins(select, (dialect, links), model, "t0", &joins);
        select.and_where(filter::live_and(dialect, links, model, "t0", filter));
        filter::joined_conditions(select, (dialect, links), &joins, &joined);
        joined
    };
    let mut select = from_root(model);
    select.column((Alias::new("t0"), Asterisk));
    let joined = matching(&mut select);
    let shared: Vec<(&Hop, &str)> = joins
        .iter()
        .zip(&joined)
        .map(|((hop, _), alias)| (&**hop, alias.as_str()))
        .collect();
    let aliases = filter::order_joins(&mut select, (dialect, links), model, "t0", order, &shared);
    filter::order_by(&mut select, model, "t0", order, &aliases);
    dialect.page(&mut select, page.take, page.skip);
    let context = || format!("querying {} records", model.qualified_name());
    let rows = conn
        .query_all(&select)
        .await
        .map_err(Error::database(context()))?;
    let count = if paginated {
        let mut count = from_root(model);
        count.expr_as(Expr::col(Asterisk).count(), Alias::new("n"));
        matching(&mut count);
        let row = conn
            .query_one(&count)
            .await
            .map_err(Error::database(context()))?;
        let n = row
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()
            .map_err(Error::database(context()))?;
        Some(n.map_or(0, |n: i64| u64::try_from(n).unwrap_or(0)))
    } else {
        None
    };
    Ok((rows, count))
}
