//! The statements on a link table that the Link service, Query and maintenance share, built
//! with sea-query: reading rows, matching them by pair, record or row id, and the `UPDATE`s
//! that dismiss, revive and restamp them. The upsert, which only a create needs, is in
//! `upsert.rs`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, DeleteStatement, Expr, ExprTrait, Order, Query, SelectStatement,
    UpdateStatement,
};
use sea_orm::{ConnectionTrait, QueryResult};

use super::Dialect;
use crate::definition::LinkSpec;
use crate::error::{Error, Result, column};
use crate::link_event::EventRow;

/// One link table as its statements see it: its name and what its link declares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkTable<'a> {
    /// The table's name.
    pub(crate) name: &'a str,
    /// The link's declaration: key columns, extra columns.
    pub(crate) spec: &'a LinkSpec,
}

impl<'a> LinkTable<'a> {
    fn table(&self) -> Alias {
        Alias::new(self.name)
    }

    /// The key column of one side (the left one when `left`).
    pub(crate) fn key(&self, left: bool) -> &'static str {
        if left {
            self.spec.left.column
        } else {
            self.spec.right.column
        }
    }

    /// `SELECT <every column> FROM <table>`: the two keys, `id`, the timestamps and the extra
    /// columns, for a caller to add its `WHERE`.
    pub(crate) fn select_rows(&self) -> SelectStatement {
        Query::select()
            .columns(self.spec.columns().map(|c| c.name))
            .from(self.table())
            .to_owned()
    }

    /// `SELECT left, right, id FROM <table>`: the columns of a link event's row.
    pub(crate) fn select_ends(&self) -> SelectStatement {
        Query::select()
            .columns(self.ends())
            .from(self.table())
            .to_owned()
    }

    /// `left, right, id`.
    pub(crate) fn ends(&self) -> [&'static str; 3] {
        [self.spec.left.column, self.spec.right.column, "id"]
    }

    /// `SELECT DISTINCT <key of one side>, deleted_at FROM <table> WHERE <key> IN (ids) AND
    /// deleted_at IS NOT NULL`: the stamps of the dismissed rows touching `ids`.
    pub(crate) fn select_stamps(
        &self,
        dialect: &Dialect,
        left: bool,
        ids: &[String],
    ) -> SelectStatement {
        Query::select()
            .distinct()
            .columns([self.key(left), "deleted_at"])
            .from(self.table())
            .and_where(self.touching(dialect, left, ids))
            .and_where(Expr::col("deleted_at").is_not_null())
            .to_owned()
    }

    /// The live rows whose left key is among `left` and right key among `right` (`None`: any),
    /// in creation order. On PostgreSQL, rows by keys are found one key's index probe at a
    /// time (see [`Dialect::probes_keys`]).
    pub(crate) fn select_live(
        &self,
        dialect: &Dialect,
        left: Option<&[String]>,
        right: Option<&[String]>,
    ) -> SelectStatement {
        #[cfg(feature = "postgres")]
        if dialect.probes_keys {
            match (left, right) {
                (Some(ids), other) => return self.probe_live(dialect, true, ids, other),
                (None, Some(ids)) => return self.probe_live(dialect, false, ids, None),
                (None, None) => {}
            }
        }
        let mut select = self.select_rows();
        select.and_where(live());
        if let Some(ids) = left {
            select.and_where(self.touching(dialect, true, ids));
        }
        if let Some(ids) = right {
            select.and_where(self.touching(dialect, false, ids));
        }
        select
            .order_by("created_at", Order::Asc)
            .order_by("id", Order::Asc);
        select
    }

    /// The live rows of one side's keys `ids` (and, if given, the other side's among
    /// `right`), as [`Dialect::probes_keys`] finds them: `SELECT l.<columns> FROM unnest($1) AS
    /// k JOIN LATERAL (SELECT <columns> FROM <table> WHERE <key> = k.k AND deleted_at IS NULL
    /// OFFSET $2) AS l ON TRUE`. The `OFFSET` keeps the planner from flattening the subquery
    /// into a join it could plan as a scan of every live row.
    #[cfg(feature = "postgres")]
    fn probe(
        &self,
        dialect: &Dialect,
        left: bool,
        ids: &[String],
        right: Option<&[String]>,
        columns: &[&'static str],
    ) -> SelectStatement {
        use sea_orm::Value;
        use sea_orm::sea_query::{ArrayType, Func, JoinType};
        let mut probe = Query::select()
            .columns(columns.iter().copied())
            .from(self.table())
            .and_where(Expr::col(self.key(left)).equals(("k", "k")))
            .and_where(live())
            .offset(0)
            .to_owned();
        if let Some(ids) = right {
            probe.and_where(self.touching(dialect, false, ids));
        }
        // `read_live` gives each key once (a key given twice would find its rows twice); in
        // `live_touching` the semi-join ignores a repeat.
        let keys = ids.iter().cloned().map(Value::from).collect();
        let keys = Value::Array(ArrayType::String, Some(Box::new(keys)));
        Query::select()
            .columns(columns.iter().map(|c| (Alias::new("l"), Alias::new(*c))))
            .from_function(Func::cust("unnest").arg(keys), "k")
            .join_lateral(JoinType::InnerJoin, probe, "l", Expr::cust("TRUE"))
            .to_owned()
    }

    /// [`LinkTable::select_live`] through [`LinkTable::probe`].
    #[cfg(feature = "postgres")]
    fn probe_live(
        &self,
        dialect: &Dialect,
        left: bool,
        ids: &[String],
        right: Option<&[String]>,
    ) -> SelectStatement {
        let columns: Vec<&'static str> = self.spec.columns().map(|c| c.name).collect();
        self.probe(dialect, left, ids, right, &columns)
            .order_by(("l", "created_at"), Order::Asc)
            .order_by(("l", "id"), Order::Asc)
            .to_owned()
    }

    /// The live rows whose key on one side (the left when `left`) is one of `ids`, for an
    /// `UPDATE`: on PostgreSQL their pairs as [`LinkTable::probe`] finds them, each then one
    /// probe of the primary key ([`Dialect::is_live_by_primary_key`]); elsewhere
    /// `<key> IN (ids) AND deleted_at IS NULL`.
    pub(crate) fn live_touching(&self, dialect: &Dialect, left: bool, ids: &[String]) -> Expr {
        #[cfg(feature = "postgres")]
        if dialect.probes_keys {
            let (l, r) = (self.spec.left.column, self.spec.right.column);
            let pairs = self.probe(dialect, left, ids, None, &[l, r]);
            let live = dialect.is_live_by_primary_key(Expr::col("deleted_at"));
            return Expr::tuple([Expr::col(l), Expr::col(r)])
                .in_subquery(pairs)
                .and(live);
        }
        self.touching(dialect, left, ids).and(live())
    }

    /// `<key of one side> IN (ids)` as the key column's collation compares (on MySQL/MariaDB
    /// ignoring trailing spaces): the rows a unique index takes for those keys.
    pub(crate) fn touching_as_collated(
        &self,
        dialect: &Dialect,
        left: bool,
        ids: &[String],
    ) -> Expr {
        dialect.among(Expr::col(self.key(left)), ids.iter().cloned())
    }

    /// `<key of one side> IN (ids)`, byte for byte ([`Dialect::among_exactly`]).
    pub(crate) fn touching(&self, dialect: &Dialect, left: bool, ids: &[String]) -> Expr {
        dialect.among_exactly(Expr::col(self.key(left)), ids.iter().cloned())
    }

    /// The rows of `pairs` (left id, right id): `(left, right) IN (SELECT * FROM unnest($1,
    /// $2))` on PostgreSQL (see [`Dialect::pairs_as_arrays`]), `(left, right) IN (SELECT l, r
    /// FROM JSON_TABLE(?, …))` on MySQL/MariaDB (see [`Dialect::pairs_as_json_table`]),
    /// `(left, right) IN ((?, ?), …)` on SQLite; one pair is `left = ? AND right = ?`, byte
    /// for byte. Several pairs on MySQL/MariaDB also match keys that differ from a pair's only
    /// in trailing spaces (see [`pairs_from_json`]): read the rows and keep the exact ones.
    pub(crate) fn pairs_in<'p>(
        &self,
        dialect: &Dialect,
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> Expr {
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(l, r)| (l.to_string(), r.to_string()))
            .collect();
        let both = Expr::tuple([
            Expr::col(self.spec.left.column),
            Expr::col(self.spec.right.column),
        ]);
        match pairs.as_slice() {
            // No pair: `IN ()`, which matches nothing, as sea-query writes it.
            [] => return both.in_tuples(pairs),
            // One pair (a single create, dismiss or update): the primary key's columns compared
            // with two values, the plainest statement to plan.
            [(left, right)] => return self.pair(dialect, left, right),
            _ => {}
        }
        #[cfg(feature = "postgres")]
        if dialect.pairs_as_arrays {
            use sea_orm::Value;
            use sea_orm::sea_query::{ArrayType, Func};
            let array = |keys: Vec<String>| {
                let keys = keys.into_iter().map(Value::from).collect();
                Value::Array(ArrayType::String, Some(Box::new(keys)))
            };
            let (lefts, rights): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
            let unnest = Func::cust("unnest").arg(array(lefts)).arg(array(rights));
            // The `OFFSET` keeps the pairs a subquery of their own: flattened, a generic plan
            // (a prepared statement's, after five runs) can join them to a small table it has
            // no statistics for as a nested loop that runs `unnest` again for every row.
            let both_keys = Query::select()
                .column(Asterisk)
                .from_function(unnest, "v")
                .offset(0)
                .to_owned();
            return both.in_subquery(both_keys);
        }
        if dialect.pairs_as_json_table {
            return match pairs_from_json(&pairs) {
                Some(select) => both.in_subquery(select),
                // Every pair has a key longer than a key column holds: none is in a row.
                None => both.in_tuples(Vec::<(String, String)>::new()),
            };
        }
        both.in_tuples(pairs)
    }

    /// The live rows of `pairs`: [`LinkTable::pairs_in`] and the live test
    /// [`Dialect::is_live_by_primary_key`] writes.
    pub(crate) fn live_pairs_in<'p>(
        &self,
        dialect: &Dialect,
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> Expr {
        let live = dialect.is_live_by_primary_key(Expr::col("deleted_at"));
        self.pairs_in(dialect, pairs).and(live)
    }

    /// `left = l AND right = r`, byte for byte ([`Dialect::exact`]): the row of one pair.
    pub(crate) fn pair(&self, dialect: &Dialect, left: &str, right: &str) -> Expr {
        let key = |column: &str, key: &str| {
            Expr::col(column.to_string()).eq(dialect.exact(sea_orm::Value::from(key)))
        };
        key(self.spec.left.column, left).and(key(self.spec.right.column, right))
    }

    /// `UPDATE <table>`, for the caller to set values and add its `WHERE`.
    pub(crate) fn update(&self) -> UpdateStatement {
        Query::update().table(self.table()).to_owned()
    }

    /// `UPDATE <table> SET deleted_at = stamp, updated_at = stamp`, for the caller to add the
    /// rows it dismisses.
    pub(crate) fn dismiss(&self, stamp: DateTime<Utc>) -> UpdateStatement {
        self.update()
            .value("deleted_at", stamp)
            .value("updated_at", stamp)
            .to_owned()
    }

    /// `UPDATE <table> SET deleted_at = NULL, updated_at = at`: makes rows live again.
    pub(crate) fn revive(&self, at: DateTime<Utc>) -> UpdateStatement {
        self.update()
            .value("deleted_at", None::<DateTime<Utc>>)
            .value("updated_at", at)
            .to_owned()
    }

    /// `UPDATE <table> SET deleted_at = stamp`: gives dismissed rows another stamp.
    pub(crate) fn restamp(&self, stamp: DateTime<Utc>) -> UpdateStatement {
        self.update().value("deleted_at", stamp).to_owned()
    }

    /// `DELETE FROM <table> WHERE deleted_at IS NOT NULL AND deleted_at < before`: hard-deletes
    /// the rows dismissed before `before`.
    pub(crate) fn purge(&self, before: DateTime<Utc>) -> DeleteStatement {
        Query::delete()
            .from_table(self.table())
            .and_where(Expr::col("deleted_at").is_not_null())
            .and_where(Expr::col("deleted_at").lt(before))
            .to_owned()
    }

    /// `RETURNING left, right, id` on `update`, the columns of a link event's row.
    pub(crate) fn returning_ends(&self, update: &mut UpdateStatement) {
        update.returning(Query::returning().columns(self.ends()));
    }

    /// The live rows whose left key is among `left` and right key among `right` (`None`: any),
    /// every column, in creation order. Each side gets half the bind budget; larger id sets are
    /// read in several statements.
    pub(crate) async fn read_live(
        &self,
        conn: &impl ConnectionTrait,
        left: Option<&[String]>,
        right: Option<&[String]>,
    ) -> Result<Vec<QueryResult>> {
        let dialect = Dialect::of(conn);
        let per_side = dialect.rows_per_statement(2);
        // Each key once: a key given twice, in two chunks, would find its rows twice.
        let unique = |ids: Option<&[String]>| {
            ids.map(|ids| {
                let mut ids = ids.to_vec();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
        };
        let (left, right) = (unique(left), unique(right));
        let (left, right) = (left.as_deref(), right.as_deref());
        fn chunks(ids: Option<&[String]>, per_side: usize) -> Vec<Option<&[String]>> {
            match ids {
                None => vec![None],
                Some(ids) => ids.chunks(per_side).map(Some).collect(),
            }
        }
        let mut rows = Vec::new();
        for left_chunk in chunks(left, per_side) {
            for right_chunk in chunks(right, per_side) {
                let select = self.select_live(dialect, left_chunk, right_chunk);
                let found = conn
                    .query_all(&select)
                    .await
                    .map_err(Error::database(format!(
                        "listing links of {}",
                        self.spec.display_name()
                    )))?;
                rows.extend(found);
            }
        }
        if rows.len() > 1 && (left.is_some() || right.is_some()) {
            // Several statements: put their rows back in creation order.
            let mut keyed = rows
                .into_iter()
                .map(|row| {
                    let what = "a link row";
                    let at = column::<DateTime<Utc>>(&row, "created_at", what)?;
                    Ok(((at, column::<String>(&row, "id", what)?), row))
                })
                .collect::<Result<Vec<_>>>()?;
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            rows = keyed.into_iter().map(|(_, row)| row).collect();
        }
        Ok(rows)
    }

    /// The rows of a link event read from `rows` (those still live when `live_only`).
    pub(crate) fn ends_of(&self, rows: &[QueryResult], live_only: bool) -> Result<Vec<EventRow>> {
        let (left, right) = (self.spec.left.column, self.spec.right.column);
        let what = "a link row";
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            if live_only && column::<Option<DateTime<Utc>>>(row, "deleted_at", what)?.is_some() {
                continue;
            }
            let get = |c: &str| column::<String>(row, c, what);
            events.push(EventRow {
                id: get("id")?,
                left: get(left)?,
                right: get(right)?,
            });
        }
        Ok(events)
    }
}

/// `deleted_at IS NULL`: the row (or record) is live.
pub(crate) fn live() -> Expr {
    Expr::col("deleted_at").is_null()
}

/// `id IN (ids)`: rows by their own id ([`Dialect::among`]).
pub(crate) fn row_ids(dialect: &Dialect, ids: impl IntoIterator<Item = String>) -> Expr {
    dialect.among(Expr::col("id"), ids)
}

/// The most characters a link table's key column holds (`varchar(255)`, see `ddl.rs`).
const KEY_CHARS: usize = 255;

/// `SELECT l, r FROM JSON_TABLE(?, '$[*]' COLUMNS (l …, r …)) AS v`: `pairs` bound as one JSON
/// array of `[left, right]` arrays (see [`Dialect::pairs_as_json_table`]); `None` when no pair
/// can be in a row.
///
/// - The columns are declared in the link tables' own key collation (`utf8mb4_bin`): a
///   `JSON_TABLE` column otherwise takes the connection's, and comparing it with a key column
///   of another is an error ("Illegal mix of collations"). That collation ignores trailing
///   spaces, so `"p1 "` finds the row of `"p1"`: the caller keeps the rows whose keys equal a
///   pair's byte for byte. Binary columns would compare exactly, but MariaDB then matches the
///   pairs through a duplicate weed-out five times slower (1,000 pairs of a 100,000-row
///   table: 9.6 ms against 1.9), and an exact test beside the `IN` twenty times slower.
/// - A pair with a key longer than a key column holds is left out: it is in no row, and cut
///   to fit the column it would match another pair's.
/// - JSON escapes `"`, `\` and control characters, and some MariaDB releases keep the escapes
///   in the strings `JSON_TABLE` returns. When a key needs one, every key goes as hex, turned
///   back into text by `UNHEX`, which no release reads differently.
fn pairs_from_json(pairs: &[(String, String)]) -> Option<SelectStatement> {
    use sea_orm::sea_query::Func;
    let fits = |key: &str| key.chars().count() <= KEY_CHARS;
    let pairs: Vec<&(String, String)> = pairs.iter().filter(|(l, r)| fits(l) && fits(r)).collect();
    if pairs.is_empty() {
        return None;
    }
    let escaped = |key: &str| key.chars().any(|c| c == '"' || c == '\\' || c < ' ');
    let as_hex = pairs.iter().any(|(l, r)| escaped(l) || escaped(r));
    let encode = |key: &str| -> serde_json::Value {
        if as_hex {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let hex: String = key
                .bytes()
                .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
                .map(char::from)
                .collect();
            hex.into()
        } else {
            key.into()
        }
    };
    // Serializing strings cannot fail; the `Display` of a JSON value is its text.
    let json = serde_json::Value::from(
        pairs
            .iter()
            .map(|(l, r)| serde_json::Value::from(vec![encode(l), encode(r)]))
            .collect::<Vec<_>>(),
    )
    .to_string();
    let columns = if as_hex {
        // Two hex digits a byte, up to four bytes a character.
        "'$[*]' COLUMNS (\
            l varchar(2040) CHARACTER SET ascii PATH '$[0]', \
            r varchar(2040) CHARACTER SET ascii PATH '$[1]')"
    } else {
        "'$[*]' COLUMNS (\
            l varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[0]', \
            r varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')"
    };
    let table = Func::cust("JSON_TABLE")
        .arg(Expr::val(json))
        .arg(Expr::cust(columns));
    let mut select = Query::select();
    if as_hex {
        for column in ["l", "r"] {
            select.expr(Expr::cust(format!(
                "CONVERT(UNHEX(`v`.`{column}`) USING utf8mb4) COLLATE utf8mb4_bin"
            )));
        }
    } else {
        select.columns([("v", "l"), ("v", "r")]);
    }
    Some(select.from_function(table, "v").to_owned())
}
