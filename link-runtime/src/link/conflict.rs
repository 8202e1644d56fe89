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

/// Two pairs of one batch that give a record two partners where it may have one; where the key
/// columns ignore trailing spaces (`pads`, [`Dialect::key_columns_pad`]), also two pairs the
/// link table's unique indexes would take for one.
pub(crate) fn check_batch(
    spec: &LinkSpec,
    pairs: &[PreparedPair],
    pads: bool,
) -> Result<(), Error> {
    if pads && let Some(err) = padded_twins_in_batch(spec, pairs) {
        return Err(err);
    }
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

/// Two pairs of `pairs` that a padding unique index takes for one: the same pair but for
/// trailing spaces, or, on a side with one partner, records whose keys differ only in them.
fn padded_twins_in_batch(spec: &LinkSpec, pairs: &[PreparedPair]) -> Option<Error> {
    let mut seen: HashMap<(&str, &str), &PreparedPair> = HashMap::new();
    let mut by_left: HashMap<&str, &str> = HashMap::new();
    let mut by_right: HashMap<&str, &str> = HashMap::new();
    for pair in pairs {
        let (l, r) = (pair.left.as_str(), pair.right.as_str());
        if let Some(other) = seen.insert((trimmed(l), trimmed(r)), pair)
            && (other.left != l || other.right != r)
        {
            let (model, a, b) = if other.left != l {
                (spec.left.model.name, other.left.as_str(), l)
            } else {
                (spec.right.model.name, other.right.as_str(), r)
            };
            let context = format!(
                "this batch's pairs (`{}`, `{}`) and (`{l}`, `{r}`) cannot both be stored",
                other.left, other.right
            );
            return Some(one_key(spec, model, (a, b), &context));
        }
        let sides = [
            (spec.left_unique(), &mut by_left, spec.left.model.name, l),
            (spec.right_unique(), &mut by_right, spec.right.model.name, r),
        ];
        for (unique, keys, model, key) in sides {
            if let Some(other) = keys.insert(trimmed(key), key)
                && unique
                && other != key
            {
                let context = format!(
                    "this batch links both, and a {model} of this link may have one partner"
                );
                return Some(one_key(spec, model, (other, key), &context));
            }
        }
    }
    None
}

/// "`a` and `b` are one key to this database …": two keys a padding unique index took for one.
fn one_key(spec: &LinkSpec, model: &str, (a, b): (&str, &str), context: &str) -> Error {
    Error::conflict(
        spec.name,
        format!(
            "link {}: {model} `{a}` and {model} `{b}` are one key to this database, whose key columns ignore trailing spaces (MySQL/MariaDB `utf8mb4_bin`): {context}; keys that differ only in trailing spaces cannot both be linked here",
            spec.display_name(),
        ),
    )
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

/// After the database refused a write on a unique index: two of the batch's own pairs that
/// clash (a restore's revived rows are not checked beforehand), else the live row that holds
/// one of the batch's records, named. Runs outside the failed (rolled back) write.
pub(crate) async fn diagnose(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
) -> Error {
    if let Err(err) = check_batch(&entry.spec, pairs, Dialect::of(conn).key_columns_pad()) {
        return err;
    }
    let found = match find(conn, entry, pairs).await {
        Ok(None) => padded_twin(conn, entry, pairs).await,
        found => found,
    };
    match found {
        Ok(Some(err)) => err,
        Ok(None) => concurrent(&entry.spec),
        // The refusal stands; why could not be read.
        Err(err) => err,
    }
}

/// Where the key columns ignore trailing spaces ([`Dialect::key_columns_pad`]): a stored row
/// that a unique index took for one of `pairs` although a key differs from the pair's in
/// trailing spaces. A retry cannot help, so it is named.
async fn padded_twin(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
) -> crate::error::Result<Option<Error>> {
    let dialect = Dialect::of(conn);
    if !dialect.key_columns_pad() {
        return Ok(None);
    }
    let spec = &entry.spec;
    let table = entry.table();
    let what = format!("the links that refused a create of {}", spec.display_name());
    // The rows the primary key takes for the pairs (live or dismissed), found by both keys as
    // the collation compares them (each chunk's keys crossed, bounded by the batch)…
    let mut rows = Vec::new();
    for chunk in pairs.chunks(dialect.rows_per_statement(2)) {
        let lefts = trimmed_keys(chunk.iter().map(|p| &p.left));
        let rights = trimmed_keys(chunk.iter().map(|p| &p.right));
        let select = table
            .select_rows()
            .and_where(table.touching_as_collated(dialect, true, &lefts))
            .and_where(table.touching_as_collated(dialect, false, &rights))
            .to_owned();
        rows.extend(read_all(conn, &[select], &what).await?);
    }
    // …and the live rows holding their records on a side with one partner.
    for (unique, left) in [(spec.left_unique(), true), (spec.right_unique(), false)] {
        if !unique {
            continue;
        }
        let keys = trimmed_keys(pairs.iter().map(|p| if left { &p.left } else { &p.right }));
        let selects = live_rows_touching(dialect, &table, left, &keys, true);
        rows.extend(read_all(conn, &selects, &what).await?);
    }
    for row in rows {
        let l = crate::error::column::<String>(&row, spec.left.column, &what)?;
        let r = crate::error::column::<String>(&row, spec.right.column, &what)?;
        let deleted_at = crate::error::column::<Option<chrono::DateTime<chrono::Utc>>>(
            &row,
            "deleted_at",
            &what,
        )?;
        if let Some(err) = twin_of(spec, (&l, &r), deleted_at.is_none(), pairs) {
            return Ok(Some(err));
        }
    }
    Ok(None)
}

/// `key` without trailing spaces: what a padding collation compares.
fn trimmed(key: &str) -> &str {
    key.trim_end_matches(' ')
}

/// `keys` without trailing spaces, each once.
fn trimmed_keys<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut keys: Vec<String> = keys.map(|key| trimmed(key).to_string()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The conflict of a pair with the stored row `(l, r)` that a padding unique index took for
/// it: the same pair's twin (the primary key, live or dismissed), or, live, a twin on a side
/// with one partner.
fn twin_of(
    spec: &LinkSpec,
    (l, r): (&str, &str),
    live: bool,
    pairs: &[PreparedPair],
) -> Option<Error> {
    let same = |stored: &str, mine: &str| trimmed(stored) == trimmed(mine);
    let twin = |stored: &str, mine: &str| stored != mine && same(stored, mine);
    pairs.iter().find_map(|pair| {
        let (model, mine, stored) = if twin(l, &pair.left)
            && (same(r, &pair.right) || (live && spec.left_unique()))
        {
            (spec.left.model.name, &pair.left, l)
        } else if twin(r, &pair.right) && (same(l, &pair.left) || (live && spec.right_unique())) {
            (spec.right.model.name, &pair.right, r)
        } else {
            return None;
        };
        let context = format!(
            "the pair (`{}`, `{}`) cannot be stored beside the stored row (`{l}`, `{r}`)",
            pair.left, pair.right
        );
        Some(one_key(spec, model, (mine, stored), &context))
    })
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
        let selects = live_rows_touching(dialect, &table, is_left, &ids, false);
        for row in read_all(conn, &selects, &what).await? {
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
    Ok(None)
}

/// The live rows of `table` whose key on one side (the left when `left`) is one of `keys`, one
/// statement per chunk under the bind limit; keys compared exactly, or as the key columns'
/// collation compares them when `collated` (to find a twin it takes for one).
fn live_rows_touching(
    dialect: &Dialect,
    table: &crate::sql::LinkTable,
    left: bool,
    keys: &[String],
    collated: bool,
) -> Vec<sea_orm::sea_query::SelectStatement> {
    keys.chunks(dialect.rows_per_statement(1))
        .map(|chunk| {
            let touching = if collated {
                table.touching_as_collated(dialect, left, chunk)
            } else {
                table.touching(dialect, left, chunk)
            };
            table
                .select_rows()
                .and_where(live())
                .and_where(touching)
                .to_owned()
        })
        .collect()
}

/// The rows of each of `selects`, in order.
async fn read_all(
    conn: &impl ConnectionTrait,
    selects: &[sea_orm::sea_query::SelectStatement],
    what: &str,
) -> crate::error::Result<Vec<sea_orm::QueryResult>> {
    let mut found = Vec::new();
    for select in selects {
        let rows = conn
            .query_all(select)
            .await
            .map_err(Error::database(format!("reading {what}")))?;
        found.extend(rows);
    }
    Ok(found)
}
