//! The hand-written statement writer, for the statements sea-query cannot express (each user
//! says why). Its text is never user input: identifiers go through [`Sql::ident`], values
//! through [`Sql::param`].

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::Dialect;
use crate::key::KeyKind;

/// A SQL statement being written, with its bound values and the placeholders of its backend.
#[derive(Debug)]
pub(crate) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// A statement for the backend of `conn`.
    pub(crate) fn new(conn: &impl ConnectionTrait) -> Self {
        Self::for_backend(conn.get_database_backend())
    }

    pub(crate) fn for_backend(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text (never user input: identifiers go through [`Sql::ident`]).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a quoted identifier.
    pub(crate) fn ident(&mut self, name: &str) -> &mut Self {
        let quoted = quote(self.backend, name);
        self.text.push_str(&quoted);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn param(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push('$');
                self.text.push_str(&n.to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(p1, p2, …)` bound to `values`.
    pub(crate) fn param_list<I, V>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.param(value);
        }
        self.push(")")
    }

    /// Appends `alias.column` (a key of `kind`) as the text link tables hold.
    pub(crate) fn key_as_text(&mut self, alias: &str, column: &str, kind: KeyKind) -> &mut Self {
        if kind == KeyKind::String {
            return self.ident(alias).push(".").ident(column);
        }
        let ty = Dialect::for_backend(self.backend).text_type;
        self.push("CAST(")
            .ident(alias)
            .push(".")
            .ident(column)
            .push(" AS ")
            .push(ty)
            .push(")")
    }

    /// Appends a link table's key column `alias.column` as the type of a key of `kind`, so
    /// that the model's primary-key index serves a join.
    pub(crate) fn text_as_key(&mut self, alias: &str, column: &str, kind: KeyKind) -> &mut Self {
        match Dialect::for_backend(self.backend).key_type(kind) {
            Some(ty) => self
                .push("CAST(")
                .ident(alias)
                .push(".")
                .ident(column)
                .push(" AS ")
                .push(ty)
                .push(")"),
            None => self.ident(alias).push(".").ident(column),
        }
    }

    /// Appends ` LIMIT … OFFSET …` for a page, with the `LIMIT` the backend needs beside an
    /// `OFFSET`.
    pub(crate) fn page(&mut self, take: Option<u64>, skip: u64) -> &mut Self {
        let limit = take.or(match Dialect::for_backend(self.backend).limit_for_offset {
            Some(all) if skip > 0 => Some(all),
            _ => None,
        });
        if let Some(limit) = limit {
            self.push(&format!(" LIMIT {limit}"));
        }
        if skip > 0 {
            self.push(&format!(" OFFSET {skip}"));
        }
        self
    }

    pub(crate) fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// Quotes an identifier for `backend`, doubling any quote character inside it.
pub(crate) fn quote(backend: DbBackend, name: &str) -> String {
    match backend {
        DbBackend::MySql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}
