//! Writing checked filters and orders as sea-query expressions and joins: semi-joins over link
//! tables, the joins an order through a link needs, and the key casts between a model's key and
//! a link table's text keys (which the backend's [`Dialect`] names).

use sea_orm::sea_query::SelectStatement;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, NullOrdering, Order, Query};

use super::*;

/// `alias.column`.
pub(crate) fn column(alias: &str, column: &str) -> Expr {
    Expr::col((Alias::new(alias), Alias::new(column)))
}

/// The alias of the link row that reached the record aliased `target` (`t1` → `t1_l`): every
/// join through a stored hop names the two this way, so a filter or order on a link column
/// (`tags.position`) finds its row from the record's alias.
pub(crate) fn link_alias(target: &str) -> String {
    format!("{target}_l")
}

/// `1 = 1` or `1 = 0`: a condition that always holds, or never does.
fn always(holds: bool) -> Expr {
    Expr::Constant(1.into()).eq(Expr::Constant(i32::from(holds).into()))
}

/// `<alias>.deleted_at IS NULL AND (<filter>)` (the first part only for soft-deletable models).
pub(crate) fn live_and(
    dialect: &Dialect,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    filter: &Filter,
) -> Expr {
    live_and_at(dialect, links, model, alias, filter, &mut 0)
}

/// [`live_and`] inside a statement whose subqueries `depth` numbers.
fn live_and_at(
    dialect: &Dialect,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    filter: &Filter,
    depth: &mut usize,
) -> Expr {
    let condition = render(dialect, links, model, alias, filter, depth);
    if model.soft_deletable {
        column(alias, "deleted_at").is_null().and(condition)
    } else {
        condition
    }
}

/// `filter` on the records of `model` aliased `alias`. `depth` numbers the aliases of nested
/// subqueries so they never shadow an outer one.
pub(crate) fn render(
    dialect: &Dialect,
    links: &Links,
    model: &ModelInfo,
    alias: &str,
    filter: &Filter,
    depth: &mut usize,
) -> Expr {
    match filter {
        Filter::All(parts) | Filter::Any(parts) => {
            let all = matches!(filter, Filter::All(_));
            parts
                .iter()
                .map(|part| render(dialect, links, model, alias, part, depth))
                .reduce(|a, b| if all { a.and(b) } else { a.or(b) })
                .unwrap_or_else(|| always(all))
        }
        // `NOT (…)`, parenthesised whatever it holds: MySQL's `HIGH_NOT_PRECEDENCE` mode reads
        // `NOT a = b` as `(NOT a) = b`.
        Filter::Not(inner) => {
            Expr::tuple([render(dialect, links, model, alias, inner, depth)]).not()
        }
        Filter::OnLink(inner) => render(dialect, links, model, &link_alias(alias), inner, depth),
        Filter::Null {
            column: name,
            is_null,
        } => {
            let field = column(alias, name);
            if *is_null {
                field.is_null()
            } else {
                field.is_not_null()
            }
        }
        Filter::Compare {
            column: name,
            op,
            values,
        } => {
            let field = column(alias, name);
            let bound = || dialect.range_bound(values[0].clone());
            let exact = |value: &sea_orm::Value| dialect.exact(value.clone());
            match op {
                Op::In | Op::Nin if values.is_empty() => always(*op == Op::Nin),
                Op::In => field.is_in(values.iter().map(exact)),
                Op::Nin => field.is_not_in(values.iter().map(exact)),
                Op::ILike => dialect.like(field, values[0].clone(), true),
                Op::Like => dialect.like(field, values[0].clone(), false),
                Op::Eq => field.eq(exact(&values[0])),
                Op::Ne => field.ne(exact(&values[0])),
                Op::Gt => field.gt(bound()),
                Op::Gte => field.gte(bound()),
                Op::Lt => field.lt(bound()),
                Op::Lte => field.lte(bound()),
            }
        }
        Filter::KeysIn(keys) if keys.is_empty() => always(false),
        Filter::KeysIn(keys) => {
            dialect.among(column(alias, model.primary_key), keys.iter().cloned())
        }
        Filter::Linked { hop, filter } => {
            // A semi-join, `pk IN (SELECT …)`, rather than a correlated `EXISTS`: every
            // backend can run it from the linked side (the few brands named `Acme`) instead
            // of probing once per root record.
            let Some((entry, near, far)) = stored_hop(links, hop) else {
                // Read-only hops are refused when the filter is parsed.
                return always(false);
            };
            *depth += 1;
            let target_alias = format!("t{depth}");
            let link_alias = link_alias(&target_alias);
            let target = &hop.target;
            let mut linked = Query::select();
            linked
                .expr(text_as_key(dialect, column(&link_alias, near), model))
                .from_as(
                    Alias::new(entry.names.table.as_str()),
                    Alias::new(&link_alias),
                )
                .join_as(
                    JoinType::InnerJoin,
                    Alias::new(target.table.unwrap_or_default()),
                    Alias::new(&target_alias),
                    column(&target_alias, target.primary_key).eq(text_as_key(
                        dialect,
                        column(&link_alias, far),
                        target,
                    )),
                )
                .and_where(column(&link_alias, "deleted_at").is_null())
                .and_where(live_and_at(
                    dialect,
                    links,
                    target,
                    &target_alias,
                    filter,
                    depth,
                ));
            column(alias, model.primary_key).in_subquery(linked)
        }
    }
}

/// `alias.pk` as the text link tables store.
pub(crate) fn key_as_text(dialect: &Dialect, alias: &str, model: &ModelInfo) -> Expr {
    dialect.key_as_text(column(alias, model.primary_key), model.key_kind)
}

/// A link table's key `column` as the type of `model`'s primary key, so the model's
/// primary-key index serves the join.
pub(crate) fn text_as_key(dialect: &Dialect, column: Expr, model: &ModelInfo) -> Expr {
    dialect.text_as_key(column, model.key_kind)
}

/// Joins (`kind`) the live record reached from `outer_alias` (a record of `outer`) through a
/// stored hop: the link table as `link_alias`, the record as `target_alias`.
fn hop_join(
    select: &mut SelectStatement,
    (dialect, links): (&Dialect, &Links),
    kind: JoinType,
    (outer_alias, outer): (&str, &ModelInfo),
    hop: &Hop,
    (link_alias, target_alias): (&str, &str),
) {
    let Some((entry, near, far)) = stored_hop(links, hop) else {
        return;
    };
    let target = &hop.target;
    select.join_as(
        kind,
        Alias::new(entry.names.table.as_str()),
        Alias::new(link_alias),
        column(link_alias, near)
            .eq(key_as_text(dialect, outer_alias, outer))
            .and(column(link_alias, "deleted_at").is_null()),
    );
    let mut on = column(target_alias, target.primary_key).eq(text_as_key(
        dialect,
        column(link_alias, far),
        target,
    ));
    if target.soft_deletable {
        on = on.and(column(target_alias, "deleted_at").is_null());
    }
    select.join_as(
        kind,
        Alias::new(target.table.unwrap_or_default()),
        Alias::new(target_alias),
        on,
    );
}

/// Adds an inner join per joinable filter part; returns the alias of each part's record.
pub(crate) fn filter_joins(
    select: &mut SelectStatement,
    (dialect, links): (&Dialect, &Links),
    model: &ModelInfo,
    alias: &str,
    joins: &[(Box<Hop>, Filter)],
) -> Vec<String> {
    joins
        .iter()
        .enumerate()
        .map(|(i, (hop, _))| {
            let target_alias = format!("ft{i}");
            let link_alias = link_alias(&target_alias);
            hop_join(
                select,
                (dialect, links),
                JoinType::InnerJoin,
                (alias, model),
                hop,
                (&link_alias, &target_alias),
            );
            target_alias
        })
        .collect()
}

/// `AND (<part>)` for each joined filter part, on its alias.
pub(crate) fn joined_conditions(
    select: &mut SelectStatement,
    (dialect, links): (&Dialect, &Links),
    joins: &[(Box<Hop>, Filter)],
    aliases: &[String],
) {
    let mut depth = 200;
    for ((hop, filter), alias) in joins.iter().zip(aliases) {
        select.and_where(render(
            dialect,
            links,
            &hop.target,
            alias,
            filter,
            &mut depth,
        ));
    }
}

/// Adds the `LEFT JOIN`s that reach the linked record each `order` term names, and returns,
/// per term, the alias its field is read from. A term goes through non-list hops only, whose
/// live link rows are unique per record (a unique index over live rows), so the joins never
/// repeat a root. A one-hop term through a link a filter already joined reads that join.
pub(crate) fn order_joins(
    select: &mut SelectStatement,
    (dialect, links): (&Dialect, &Links),
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
            let target_alias = format!("ot{next}");
            let link_alias = link_alias(&target_alias);
            hop_join(
                select,
                (dialect, links),
                JoinType::LeftJoin,
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

/// The `ORDER BY` terms of `order` (each read from its alias of [`order_joins`]), then the
/// root's primary key so pages are stable. Missing and NULL values sort last ascending and
/// first descending on every backend (the backend's `NULLS LAST`/`NULLS FIRST`, written by
/// sea-query, which emulates them on MySQL).
pub(crate) fn order_by(
    select: &mut SelectStatement,
    model: &ModelInfo,
    alias: &str,
    order: &[OrderBy],
    aliases: &[String],
) {
    for (term, from) in order.iter().zip(aliases) {
        let value = match term.hops.last() {
            // The link row is joined apart from its record: its column counts only where the
            // record is there and live (a record its module soft-deleted reads as missing).
            Some(hop) if term.on_link => Expr::case(
                column(from, hop.target.primary_key).is_not_null(),
                column(&link_alias(from), term.column),
            )
            .into(),
            _ => column(from, term.column),
        };
        let (direction, nulls) = if term.direction == Direction::Asc {
            (Order::Asc, NullOrdering::Last)
        } else {
            (Order::Desc, NullOrdering::First)
        };
        if term.nullable {
            // `NULLS LAST`/`FIRST` where the backend has it (PostgreSQL, SQLite), which lets an
            // index on the column be walked in order; MySQL gets sea-query's `IS NULL` term.
            select.order_by_expr_with_nulls(value, direction, nulls);
        } else {
            select.order_by_expr(value, direction);
        }
    }
    select.order_by_expr(column(alias, model.primary_key), Order::Asc);
}
