//! Cardinality conflicts: found inside a batch before anything is written, and explained after
//! the database's unique indexes refused a write.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use super::PreparedPair;
use crate::definition::LinkSpec;
use crate::definition::plural;
use crate::error::{Error, RecordRef};
use crate::linkable::ModelInfo;
use crate::registry::LinkEntry;
use crate::sql::{Dialect, live};

/// "product prod_1 is already linked to brand b_1; mark the brand side `is_list` if a product
/// may have many brands", for a left record whose one right partner is taken.
pub(crate) fn left_taken(spec: &LinkSpec, left: &str, existing_right: &str) -> Error {
    let (l, r) = (spec.left.model.name, spec.right.model.name);
    Error::Conflict {
        link: spec.name,
        record: Some(RecordRef::boxed(spec.left.model.qualified_name(), left)),
        already_linked_to: Some(RecordRef::boxed(
            spec.right.model.qualified_name(),
            existing_right,
        )),
        message: format!(
            "link {}: {l} {left} is already linked to {r} {existing_right}; dismiss that link first, or mark the {r} side `is_list` if a {l} may have many {}",
            spec.display_name(),
            plural(r)
        ),
    }
}

/// The mirror of [`left_taken`]: a right record whose one left partner is taken.
pub(crate) fn right_taken(spec: &LinkSpec, right: &str, existing_left: &str) -> Error {
    let (l, r) = (spec.left.model.name, spec.right.model.name);
    Error::Conflict {
        link: spec.name,
        record: Some(RecordRef::boxed(spec.right.model.qualified_name(), right)),
        already_linked_to: Some(RecordRef::boxed(
            spec.left.model.qualified_name(),
            existing_left,
        )),
        message: format!(
            "link {}: {r} {right} is already linked to {l} {existing_left}; dismiss that link first, or mark the {l} side `is_list` if a {r} may have many {}",
            spec.display_name(),
            plural(l)
        ),
    }
}

/// Two pairs of one batch that give a record two partners where it may have one.
pub(crate) fn check_batch(spec: &LinkSpec, pairs: &[PreparedPair]) -> Result<(), Error> {
    // `record` (of model `own`) given both `a` and `b` (of model `other`).
    let in_batch = |(own, id): (&ModelInfo, &str), other: &ModelInfo, (a, b): (&str, &str)| {
        let (record, partner) = (own.name, other.name);
        Error::Conflict {
            link: spec.name,
            record: Some(RecordRef::boxed(own.qualified_name(), id)),
            already_linked_to: Some(RecordRef::boxed(other.qualified_name(), a)),
            message: format!(
                "link {}: this batch links {record} {id} to both {partner} {a} and {partner} {b}, but a {record} may have one {partner}; remove one of the pairs, or mark the {partner} side `is_list` if a {record} may have many {}",
                spec.display_name(),
                plural(partner)
            ),
        }
    };
    let (left, right) = (&spec.left.model, &spec.right.model);
    if spec.left_unique()
        && let Some((id, a, b)) = second_partner(pairs, |p| (&p.left, &p.right))
    {
        return Err(in_batch((left, id), right, (a, b)));
    }
    if spec.right_unique()
        && let Some((id, a, b)) = second_partner(pairs, |p| (&p.right, &p.left))
    {
        return Err(in_batch((right, id), left, (a, b)));
    }
    Ok(())
}

/// The first record given two different partners in `pairs`, with both partners; `side` picks
/// (record, partner) from a pair.
fn second_partner<'a>(
    pairs: &'a [PreparedPair],
    side: impl Fn(&'a PreparedPair) -> (&'a String, &'a String),
) -> Option<(&'a str, &'a str, &'a str)> {
    let mut partner: HashMap<&str, &str> = HashMap::new();
    for pair in pairs {
        let (record, other) = side(pair);
        if let Some(seen) = partner.insert(record, other)
            && seen != other
        {
            return Some((record, seen, other));
        }
    }
    None
}

/// After the database refused a write on a unique index: finds the live row that holds one of
/// the batch's records, and names it. Runs outside the failed (rolled back) write.
pub(crate) async fn diagnose(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
) -> Error {
    match find(conn, entry, pairs).await {
        Ok(Some(err)) => err,
        Ok(None) => concurrent(&entry.spec),
        // The refusal stands; why could not be read.
        Err(err) => err,
    }
}

/// The conflict of a refused write that no stored row explains any more (the other writer
/// has rolled back since).
pub(crate) fn concurrent(spec: &LinkSpec) -> Error {
    Error::conflict(
        spec.name,
        format!(
            "link {}: a concurrent change linked one of these records to another partner while this create ran; read the current links and retry",
            spec.display_name()
        ),
    )
}

/// The live row that holds one of the batch's records with another partner, if any.
pub(crate) async fn find(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
) -> crate::error::Result<Option<Error>> {
    let spec = &entry.spec;
    let what = format!(
        "the live links that refused a create of {}",
        spec.display_name()
    );
    let dialect = Dialect::of(conn);
    let table = entry.table();
    let (left_key, right_key) = (spec.left.column, spec.right.column);
    let sides = [(spec.left_unique(), true), (spec.right_unique(), false)];
    for (unique, is_left) in sides {
        if !unique {
            continue;
        }
        let wanted: HashMap<&str, &str> = pairs
            .iter()
            .map(|p| {
                if is_left {
                    (p.left.as_str(), p.right.as_str())
                } else {
                    (p.right.as_str(), p.left.as_str())
                }
            })
            .collect();
        let ids: Vec<String> = wanted.keys().map(|id| id.to_string()).collect();
        for chunk in ids.chunks(dialect.rows_per_statement(1)) {
            let select = table
                .select_ends()
                .and_where(live())
                .and_where(table.touching(dialect, is_left, chunk))
                .to_owned();
            let rows = conn
                .query_all(&select)
                .await
                .map_err(Error::database(format!("reading {what}")))?;
            for row in rows {
                let l = crate::error::column::<String>(&row, left_key, &what)?;
                let r = crate::error::column::<String>(&row, right_key, &what)?;
                let (mine, partner) = if is_left { (&l, &r) } else { (&r, &l) };
                if wanted.get(mine.as_str()).is_some_and(|w| w != partner) {
                    return Ok(Some(if is_left {
                        left_taken(spec, &l, &r)
                    } else {
                        right_taken(spec, &r, &l)
                    }));
                }
            }
        }
    }
    Ok(None)
}
