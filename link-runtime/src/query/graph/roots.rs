//! The root statement of a graph: its records filtered, ordered and paged in SQL, and the
//! count of all that match.

use super::*;

/// ` FROM <table> t0`.
pub(super) fn root_from(sql: &mut Sql, model: &ModelInfo) {
    sql.push(" FROM ")
        .ident(model.table.unwrap_or_default())
        .push(" ")
        .ident("t0");
}

/// ` WHERE <live> AND (<filter>)` on the root aliased `t0`.
pub(super) fn root_where(sql: &mut Sql, links: &Links, model: &ModelInfo, filter: &Filter) {
    sql.push(" WHERE ");
    filter::live_and(sql, links, model, "t0", filter);
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
    let mut sql = Sql::new(conn);
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
    sql.page(page.take, page.skip);
    let context = || format!("querying {} records", model.qualified_name());
    let rows = conn
        .query_all_raw(sql.build())
        .await
        .map_err(Error::database(context()))?;
    let count = if paginated {
        let mut sql = Sql::new(conn);
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
