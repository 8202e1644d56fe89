//! Matching text alike on every backend, as Medusa's PostgreSQL does: `=` and `IN` compare
//! exactly, `LIKE` matches case and all (`\` escaping `%`, `_` and itself), and the
//! case-insensitive `LIKE` lowers both sides. SQLite's `LIKE` ignores ASCII case, and MySQL's
//! and MariaDB's default collations ignore case in `=` and `LIKE` alike; each is declared here
//! once, so a filter means the same on all three.

use std::collections::HashMap;
use std::sync::OnceLock;

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
    /// The column's collation may ignore case and trailing spaces: text operands of `=` and
    /// `IN` are binary strings (MySQL, MariaDB), which keeps the key's index in use; `LIKE` is
    /// written twice, once as the collation reads it (so the index serves a prefix), once
    /// under `utf8mb4_bin`, which compares characters exactly.
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
            // SQLite's `lower()` folds ASCII letters only: each letter of the pattern is its
            // lower case, or a class of every character with that lower case (`case_class`).
            (TextMatch::Glob, Some(text)) if ignore_case => Expr::cust_with_exprs(
                "? GLOB ?",
                [
                    Expr::from(Func::lower(field)),
                    Expr::val(glob_of(text, true)),
                ],
            ),
            (TextMatch::Glob, Some(text)) => {
                Expr::cust_with_exprs("? GLOB ?", [field, Expr::val(glob_of(text, false))])
            }
            // Under a binary collation `LIKE` compares characters exactly (a binary string
            // would match `_` to one byte of a character, not to the character).
            (TextMatch::Binary, Some(_)) if !ignore_case => field
                .clone()
                .binary(BinOper::Like, Expr::val(pattern.clone()))
                .and(field.binary(BinOper::Like, binary_collation(Expr::val(pattern)))),
            // Both sides lowered under a Unicode collation (a column's `general_ci` leaves `ẞ`
            // and letters past the Basic Multilingual Plane as they are), then compared exactly.
            (TextMatch::Binary, Some(_)) => Expr::cust_with_exprs(
                "(LOWER(CONVERT(? USING utf8mb4) COLLATE utf8mb4_unicode_520_ci) COLLATE utf8mb4_bin) LIKE (LOWER(CONVERT(? USING utf8mb4) COLLATE utf8mb4_unicode_520_ci) COLLATE utf8mb4_bin)",
                [field, Expr::val(pattern)],
            ),
            _ if ignore_case => Expr::from(Func::lower(field)).binary(
                BinOper::Like,
                Expr::from(Func::lower(self.estimated(pattern))),
            ),
            _ => field.binary(BinOper::Like, self.estimated(pattern)),
        }
    }

    /// A bound of a range (`>`, `>=`, `<`, `<=`): on MySQL/MariaDB text compared byte for byte
    /// (UTF-8's byte order is code point order, as SQLite's and a `C.UTF-8` PostgreSQL's), not
    /// under the column's collation; elsewhere bound, or on PostgreSQL a literal escaped by
    /// sea-query (see [`Dialect::literals_for_estimates`]) when it reads exactly as the bound
    /// value would: text cast to `text` (the type a bound string has, so a `char(n)` column
    /// compares as it would with one), numbers, and dates and times in years 1 to 9999 cast to
    /// their bound type. Other values stay bound (PostgreSQL cannot read year 0 as text).
    pub(crate) fn range_bound(&self, bound: Value) -> Expr {
        use chrono::Datelike;
        // Text in code point order, as `=` compares it: not the column's collation's order.
        if self.text_match == TextMatch::Binary {
            return self.exact(bound);
        }
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

/// `text` (a string) under MySQL's and MariaDB's binary collation of `utf8mb4`: compared
/// character by character, case, accents and trailing spaces included. Converted first: a
/// bound string has the connection's character set, which need not be `utf8mb4`.
fn binary_collation(text: Expr) -> Expr {
    Expr::cust_with_expr("(CONVERT(? USING utf8mb4) COLLATE utf8mb4_bin)", text)
}

/// A `LIKE` pattern as the `GLOB` pattern that matches the same text: `%` is `*`, `_` is `?`,
/// `\` makes the next character literal, and GLOB's own `*`, `?` and `[` are bracketed. With
/// `any_case`, for text lowered by SQLite's `lower()`: each character is its [`case_class`]
/// (`[äÄ]`).
fn glob_of(pattern: &str, any_case: bool) -> String {
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
            other if any_case => match case_class(other).as_slice() {
                [one] => glob.push(*one),
                class => {
                    glob.push('[');
                    glob.extend(class);
                    glob.push(']');
                }
            },
            other => glob.push(other),
        }
    }
    glob
}

/// The characters that `c` matches case-insensitively in text lowered by SQLite's `lower()`
/// (which folds ASCII only): its lower case, then every non-ASCII character with the same
/// lower case, as PostgreSQL's `lower(col) LIKE lower(pattern)` matches them.
fn case_class(c: char) -> Vec<char> {
    let Some(lower) = simple_lower(c) else {
        return vec![c];
    };
    // Its upper case (an ASCII one is lowered in the text already), then the characters
    // only a lower-case mapping reaches.
    let upper = single(lower.to_uppercase())
        .filter(|u| !u.is_ascii() && *u != lower && simple_lower(*u) == Some(lower));
    let mut class = vec![lower];
    class.extend(upper);
    class.extend(other_cases().get(&lower).into_iter().flatten());
    class
}

/// For a lower case, the characters that lower to it but that its upper case does not give
/// back (`ẞ` for `ß`, the Kelvin sign for `k`, title-case `ǅ` for `ǆ`, `İ` for `i`): read once
/// from the standard library's Unicode tables.
fn other_cases() -> &'static HashMap<char, Vec<char>> {
    static OTHERS: OnceLock<HashMap<char, Vec<char>>> = OnceLock::new();
    OTHERS.get_or_init(|| {
        let mut others: HashMap<char, Vec<char>> = HashMap::new();
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            if let Some(lower) = simple_lower(c)
                && lower != c
                && single(lower.to_uppercase()) != Some(c)
            {
                others.entry(lower).or_default().push(c);
            }
        }
        others
    })
}

/// A character's lower case as PostgreSQL's `lower()` takes it, one character for one: `İ`
/// is `i` there, where Rust's full mapping adds a combining dot.
fn simple_lower(c: char) -> Option<char> {
    match c {
        '\u{130}' => Some('i'),
        _ => single(c.to_lowercase()),
    }
}

/// The one character a case mapping gives, if it gives one (`ß` upper-cases to `SS`).
fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
    let first = mapped.next()?;
    mapped.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::glob_of;

    #[test]
    fn like_patterns_become_the_globs_that_match_the_same_text() {
        let glob = |pattern| glob_of(pattern, false);
        assert_eq!(glob("Sh%"), "Sh*");
        assert_eq!(glob("S_irt"), "S?irt");
        assert_eq!(glob(r"100\%"), "100%");
        assert_eq!(glob(r"a\_b"), "a_b");
        assert_eq!(glob(r"a\\b"), r"a\b");
        assert_eq!(glob("*?[x]"), "[*][?][[]x]");
        assert_eq!(glob("end\\"), "end\\");
    }

    #[test]
    fn case_insensitive_globs_lower_ascii_and_class_other_letters() {
        let glob = |pattern| glob_of(pattern, true);
        assert_eq!(glob("ÄCME%"), "[äÄ]cme*");
        assert_eq!(glob("är_"), "[äÄ]r?");
        // Capitals no letter upper-cases to, and letters whose cases differ in length.
        assert_eq!(glob("straße"), "stra[ßẞ]e");
        assert_eq!(glob("K\u{212A}"), "[k\u{212A}][k\u{212A}]");
        assert_eq!(glob("\u{10400}x"), "[\u{10428}\u{10400}]x");
        // `ς` lowers to itself, not to `σ`: `Σ` is not its capital here, as in PostgreSQL.
        assert_eq!(glob("ς"), "ς");
        // Title case, and `İ`, which PostgreSQL lowers to `i`.
        assert_eq!(glob("ǆ"), "[ǆǄǅ]");
        assert_eq!(glob("Ix"), "[i\u{130}]x");
        assert_eq!(glob("1€[x]"), "1€[[]x]");
    }
}
