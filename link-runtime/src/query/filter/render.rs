//! Writing checked filters and orders as SQL: semi-joins over link tables, the joins an order
//! through a link needs, and the key casts between a model's key and a link table's text keys.

use super::*;

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
pub(crate) fn live_and_at(
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
pub(crate) fn key_as_text(sql: &mut Sql, alias: &str, model: &ModelInfo) {
    sql.key_as_text(alias, model.primary_key, model.key_kind);
}

/// A link table's key column `alias.column` as the type of `model`'s primary key, so the
/// model's primary-key index serves the join.
pub(crate) fn text_as_key(sql: &mut Sql, alias: &str, column: &str, model: &ModelInfo) {
    sql.text_as_key(alias, column, model.key_kind);
}

/// ` <kind> <link> <link_alias> ON … <kind> <target> <target_alias> ON …`: the live record
/// reached from `outer_alias` (a record of `outer`) through a stored hop.
pub(crate) fn hop_join(
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
