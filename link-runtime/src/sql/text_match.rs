//! Matching text alike on every backend, as Medusa's PostgreSQL does: `=` and `IN` compare
//! exactly, `LIKE` matches case and all (`\` escaping `%`, `_` and itself), and the
//! case-insensitive `LIKE` lowers both sides. SQLite's `LIKE` ignores ASCII case, and MySQL's
//! and MariaDB's default collations ignore case in `=` and `LIKE` alike; each is declared here
//! once, so a filter means the same on all three.

use sea_orm::Value;
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func};

use super::Dialect;

/// How a backend matches text exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextMatch {
    /// `=` and `LIKE` match exactly (PostgreSQL).
    Native,
    /// `=` matches exactly; `LIKE` ignores ASCII case, so an exact pattern is a `GLOB` (SQLite).
    Glob,
    /// The column's collation may ignore case and trailing spaces: text operands are binary
    /// strings (MySQL, MariaDB). A binary operand keeps the key's index in use for `=` and
    /// `IN`; `LIKE` is written twice, once as the collation reads it (so the index serves a
    /// prefix), once exactly.
    Binary,
}

impl Dialect {
    /// A value a column is compared with by `=`, `<>`, `IN` or `NOT IN`, so text matches
    /// exactly.
    pub(crate) fn exact(&self, value: Value) -> Expr {
        match &value {
            Value::String(Some(_)) => self.exact_expr(Expr::val(value)),
            _ => Expr::val(value),
        }
    }

    /// `expr` (text) as a column is compared with it by `=`, exactly: [`Dialect::exact`] for
    /// an expression, such as another table's column.
    pub(crate) fn exact_expr(&self, expr: Expr) -> Expr {
        match self.text_match {
            // `CAST(… AS BINARY)`, not the `BINARY` operator, which MySQL 8.0.27 deprecates.
            TextMatch::Binary => Expr::cust_with_expr("CAST(? AS BINARY)", expr),
            _ => expr,
        }
    }

    /// `column IN (values)` for text compared byte for byte: [`Dialect::among`], each value
    /// [`Dialect::exact`] where `=` alone would not be. For a link table's key columns, whose
    /// collation on MySQL/MariaDB (`utf8mb4_bin`) ignores trailing spaces.
    pub(crate) fn among_exactly(
        &self,
        column: Expr,
        values: impl IntoIterator<Item = String>,
    ) -> Expr {
        match self.text_match {
            TextMatch::Binary => {
                column.is_in(values.into_iter().map(|v| self.exact(Value::from(v))))
            }
            _ => self.among(column, values),
        }
    }

    /// Whether a link table's key columns (and so its unique indexes) take two keys that differ
    /// only in trailing spaces for one: MySQL's and MariaDB's `utf8mb4_bin` pads.
    pub(crate) fn key_columns_pad(&self) -> bool {
        self.text_match == TextMatch::Binary
    }

    /// `field LIKE pattern`, matching case unless `ignore_case` (`$ilike`).
    pub(crate) fn like(&self, field: Expr, pattern: Value, ignore_case: bool) -> Expr {
        let text = match &pattern {
            Value::String(Some(text)) => Some(text.as_str()),
            _ => None,
        };
        match (self.text_match, text) {
            (TextMatch::Glob, Some(text)) if ignore_case => {
                let glob = glob_of(&text.to_lowercase());
                Expr::cust_with_exprs(
                    "? GLOB ?",
                    [Expr::from(Func::lower(field)), Expr::val(glob)],
                )
            }
            (TextMatch::Glob, Some(text)) => {
                Expr::cust_with_exprs("? GLOB ?", [field, Expr::val(glob_of(text))])
            }
            (TextMatch::Binary, Some(_)) if !ignore_case => field
                .clone()
                .binary(BinOper::Like, Expr::val(pattern.clone()))
                .and(field.binary(BinOper::Like, self.exact(pattern))),
            _ if ignore_case => Expr::from(Func::lower(field)).binary(
                BinOper::Like,
                Expr::from(Func::lower(self.estimated(pattern))),
            ),
            _ => field.binary(BinOper::Like, self.estimated(pattern)),
        }
    }

    /// A bound of a range (`>`, `>=`, `<`, `<=`): bound, or on PostgreSQL a literal escaped by
    /// sea-query (see [`Dialect::literals_for_estimates`]) when it reads exactly as the bound
    /// value would: text cast to `text` (the type a bound string has, so a `char(n)` column
    /// compares as it would with one), numbers, and dates and times in years 1 to 9999 cast to
    /// their bound type. Other values stay bound (PostgreSQL cannot read year 0 as text).
    pub(crate) fn range_bound(&self, bound: Value) -> Expr {
        use chrono::Datelike;
        if !self.literals_for_estimates {
            return Expr::val(bound);
        }
        let in_years = |year: i32| (1..=9999).contains(&year);
        let cast = match &bound {
            Value::String(Some(_)) => Some("text"),
            Value::TinyInt(Some(_))
            | Value::SmallInt(Some(_))
            | Value::Int(Some(_))
            | Value::BigInt(Some(_))
            | Value::TinyUnsigned(Some(_))
            | Value::SmallUnsigned(Some(_))
            | Value::Unsigned(Some(_))
            | Value::BigUnsigned(Some(_))
            | Value::Float(Some(_))
            | Value::Double(Some(_))
            | Value::Decimal(Some(_)) => None,
            Value::ChronoDateTimeUtc(Some(at)) if in_years(at.year()) => Some("timestamptz"),
            Value::ChronoDateTime(Some(at)) if in_years(at.year()) => Some("timestamp"),
            Value::ChronoDate(Some(day)) if in_years(day.year()) => Some("date"),
            _ => return Expr::val(bound),
        };
        let literal = Expr::Constant(bound);
        match cast {
            Some(type_name) => literal.cast_as(type_name),
            None => literal,
        }
    }

    /// `value` as a literal where the planner estimates better from one (see
    /// [`Dialect::literals_for_estimates`]), else bound.
    fn estimated(&self, value: Value) -> Expr {
        if self.literals_for_estimates {
            Expr::Constant(value)
        } else {
            Expr::val(value)
        }
    }
}

/// A `LIKE` pattern as the `GLOB` pattern that matches the same text: `%` is `*`, `_` is `?`,
/// `\` makes the next character literal, and GLOB's own `*`, `?` and `[` are bracketed.
fn glob_of(pattern: &str) -> String {
    let mut glob = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let literal = match c {
            '%' => {
                glob.push('*');
                continue;
            }
            '_' => {
                glob.push('?');
                continue;
            }
            // A trailing `\` stands for itself.
            '\\' => chars.next().unwrap_or('\\'),
            other => other,
        };
        match literal {
            '*' | '?' | '[' => {
                glob.push('[');
                glob.push(literal);
                glob.push(']');
            }
            other => glob.push(other),
        }
    }
    glob
}

#[cfg(test)]
mod tests {
    use super::glob_of;

    #[test]
    fn like_patterns_become_the_globs_that_match_the_same_text() {
        assert_eq!(glob_of("Sh%"), "Sh*");
        assert_eq!(glob_of("S_irt"), "S?irt");
        assert_eq!(glob_of(r"100\%"), "100%");
        assert_eq!(glob_of(r"a\_b"), "a_b");
        assert_eq!(glob_of(r"a\\b"), r"a\b");
        assert_eq!(glob_of("*?[x]"), "[*][?][[]x]");
        assert_eq!(glob_of("end\\"), "end\\");
    }
}
