//! The traits `define_link!` implements on its marker type, and the description of a link it
//! records (`LinkSpec`), from which the runtime derives table names, DDL and messages.

use sea_orm::{DbErr, QueryResult, TryGetError, Value};

use crate::linkable::{Linkable, ModelInfo};

/// A link declared with `define_link!`. The marker type carries the two sides as types and
/// everything else as one constant.
///
/// Example: [`define_link!`](crate::define_link!).
pub trait LinkDefinition: Send + Sync + 'static {
    /// The left (first) side: every create and dismiss names its record first.
    ///
    /// Example: [`define_link!`](crate::define_link!).
    type Left: Linkable;
    /// The right (second) side.
    ///
    /// Example: [`define_link!`](crate::define_link!).
    type Right: Linkable;
    /// What the declaration said.
    ///
    /// Example: [`define_link!`](crate::define_link!).
    const SPEC: LinkSpec;
    /// The typed values of the extra columns of one stored row (`()` for a read-only link).
    ///
    /// Example: [`define_link!`](crate::define_link!).
    type Extra: ExtraColumns;
    /// The extra columns a create names; the others keep their values, or take their defaults
    /// (`()` for a read-only link).
    ///
    /// Example: [`define_link!`](crate::define_link!).
    type Data: LinkData;
}

/// A link that stores its pairs in a link table. Read-only links do not implement it, so they
/// cannot be created, dismissed or deleted.
///
/// Example: [the crate's example](crate#example) (`ProductBrand` is one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a read-only link: it has no link table, so it cannot be created, dismissed, listed or deleted",
    label = "read-only link used where a stored link is required",
    note = "read-only links are only followed by Query; remove `read_only` from the `define_link!` of `{Self}` to store its pairs in a table"
)]
pub trait StoredLink: LinkDefinition {}

/// The extra columns of one stored link row, read back from the database.
///
/// Example: [the crate's example](crate#example) (`row.extra`).
pub trait ExtraColumns:
    Sized + Clone + std::fmt::Debug + serde::Serialize + Send + Sync + 'static
{
    /// Reads the extra columns from a row that selected them by name.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Self::from_prefixed_row(row, "").map_err(Into::into)
    }

    /// Reads the extra columns from a row that selected them by name, each prefixed by `pre`
    /// (as sea-orm's `FromQueryResult` reads a model; a column that is NULL where its type
    /// has no NULL is `TryGetError::Null`).
    fn from_prefixed_row(row: &QueryResult, pre: &str) -> Result<Self, TryGetError>;
}

/// Extra-column values given to a create: only the named columns are written.
///
/// Example: [the crate's example](crate#example) (`product_brand::Data`).
pub trait LinkData: Default + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The named columns with their values, in declaration order.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    fn named(&self) -> Vec<(&'static str, Value)>;
}

impl ExtraColumns for () {
    fn from_prefixed_row(_: &QueryResult, _: &str) -> Result<Self, TryGetError> {
        Ok(())
    }
}

impl LinkData for () {
    fn named(&self) -> Vec<(&'static str, Value)> {
        Vec::new()
    }
}

/// Everything a `define_link!` declaration says, as a constant.
///
/// Example: [`define_link!`](crate::define_link!) (`ProductBrand::SPEC`).
#[derive(Debug, Clone, Copy)]
pub struct LinkSpec {
    /// The marker type's name, e.g. `ProductBrand`.
    pub name: &'static str,
    /// The left side.
    pub left: Side,
    /// The right side.
    pub right: Side,
    /// The `table = "…"` option.
    pub table: Option<&'static str>,
    /// The `id_prefix = "…"` option (default `link`).
    pub id_prefix: &'static str,
    /// The `read_only` option.
    pub read_only: bool,
    /// The link-level `is_list` of a read-only link.
    pub read_only_list: bool,
    /// The `extra_columns { … }` option.
    pub extra_columns: &'static [ExtraColumn],
    /// `file:line` of the declaration, so registry errors can name both definitions.
    pub defined_at: &'static str,
}

/// One side of a link, with its options.
///
/// Example: [`define_link!`](crate::define_link!) (`spec.left`).
#[derive(Debug, Clone, Copy)]
pub struct Side {
    /// The model on this side.
    pub model: ModelInfo,
    /// `is_list`: the other side can hold many records of this side.
    pub is_list: bool,
    /// `delete_cascade`: deleting the other side's record deletes the linked records of this side.
    pub delete_cascade: bool,
    /// `filterable(…)`: fields of this side Query may filter and sort by (`id` always is).
    pub filterable: &'static [&'static str],
    /// `alias = "…"`: the name this side is reached by (default: the model name).
    pub alias: Option<&'static str>,
    /// `field = …` (read-only links): the left model's field holding the right's id.
    pub field: Option<&'static str>,
    /// `primary_key = …` (inverse read-only links): the right model's field pointing back.
    pub primary_key: Option<&'static str>,
    /// The link table's column holding this side's ids: the model's linkable key (`product_id`),
    /// or, on a link from a model to itself, `<alias>_<primary key>` (`related_id`).
    pub column: &'static str,
}

impl Side {
    /// The alias this side is reached by.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn alias(&self) -> &'static str {
        self.alias.unwrap_or(self.model.name)
    }

    /// The property this side's records show under on the other side's records (SPEC §9.1):
    /// an explicit alias verbatim; else the model's name, plural when `list` (Medusa's rule:
    /// `products`).
    ///
    /// Example: [`define_link!`](crate::define_link!).
    pub fn property(&self, list: bool) -> String {
        match self.alias {
            Some(alias) => alias.to_string(),
            None if list => plural(self.model.name),
            None => self.model.name.to_string(),
        }
    }
}

/// An extra column of a link table.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtraColumn {
    /// The column name.
    pub name: &'static str,
    /// Its type.
    pub ty: ColumnType,
    /// Whether it is nullable (declared as `Option<T>`).
    pub nullable: bool,
    /// Its declared default.
    pub default: Option<DefaultValue>,
}

/// The column types extra columns may have.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// `bool`.
    Bool,
    /// `i16`.
    SmallInt,
    /// `i32`.
    Integer,
    /// `i64`.
    BigInt,
    /// `f32`.
    Float,
    /// `f64`.
    Double,
    /// `String`.
    Text,
    /// `chrono::DateTime<Utc>`.
    TimestampTz,
    /// `chrono::NaiveDateTime`.
    Timestamp,
    /// `chrono::NaiveDate`.
    Date,
    /// `uuid::Uuid`.
    Uuid,
    /// `serde_json::Value`.
    Json,
    /// `rust_decimal::Decimal`.
    Decimal,
}

impl ColumnType {
    /// The sea-orm column type of an extra column of this type.
    pub(crate) fn sea_orm_type(self) -> sea_orm::ColumnType {
        use sea_orm::ColumnType as T;
        match self {
            ColumnType::Bool => T::Boolean,
            ColumnType::SmallInt => T::SmallInteger,
            ColumnType::Integer => T::Integer,
            ColumnType::BigInt => T::BigInteger,
            ColumnType::Float => T::Float,
            ColumnType::Double => T::Double,
            ColumnType::Text => T::Text,
            ColumnType::TimestampTz => T::TimestampWithTimeZone,
            ColumnType::Timestamp => T::DateTime,
            ColumnType::Date => T::Date,
            ColumnType::Uuid => T::Uuid,
            ColumnType::Json => T::JsonBinary,
            ColumnType::Decimal => T::Decimal(None),
        }
    }
}

/// A column default, from a literal in the declaration.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal (also used for dates, uuids, JSON and decimals).
    Str(&'static str),
}

/// What a column of a link table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkColumnKind {
    /// A record's id, or the row's own: text of at most 255 characters, compared byte for byte.
    Key,
    /// A moment, with its time zone (`created_at`, `updated_at`, `deleted_at`).
    Timestamp,
    /// An extra column of the declared type.
    Extra(ColumnType),
}

/// The default of a link-table column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LinkDefault {
    /// The moment the row is written.
    Now,
    /// A declared literal (of an extra column: its type is the column's kind).
    Value(DefaultValue),
}

/// One column of a link table: the one description its generated entity (`define_link!`'s
/// `Column::def`) and its DDL (`sql/ddl.rs`, per backend) are both derived from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LinkColumn {
    pub(crate) name: &'static str,
    pub(crate) kind: LinkColumnKind,
    pub(crate) nullable: bool,
    pub(crate) default: Option<LinkDefault>,
}

impl LinkSpec {
    /// Every column of the link table, in table order: the two keys, `id`, the three
    /// timestamps (Medusa's columns), then the extra columns.
    pub(crate) fn columns(&self) -> impl Iterator<Item = LinkColumn> + '_ {
        let key = |name| LinkColumn {
            name,
            kind: LinkColumnKind::Key,
            nullable: false,
            default: None,
        };
        let stamp = |name, written: bool| LinkColumn {
            name,
            kind: LinkColumnKind::Timestamp,
            nullable: !written,
            default: written.then_some(LinkDefault::Now),
        };
        [
            key(self.left.column),
            key(self.right.column),
            key("id"),
            stamp("created_at", true),
            stamp("updated_at", true),
            stamp("deleted_at", false),
        ]
        .into_iter()
        .chain(self.extra_columns.iter().map(|column| LinkColumn {
            name: column.name,
            kind: LinkColumnKind::Extra(column.ty),
            nullable: column.nullable,
            default: column.default.map(LinkDefault::Value),
        }))
    }
}

/// How many records each side of a link may have.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Neither side is a list.
    OneToOne,
    /// The right side is a list: a left record has many rights, a right record has one left.
    OneToMany,
    /// The left side is a list: a right record has many lefts, a left record has one right.
    ManyToOne,
    /// Both sides are lists.
    ManyToMany,
}

impl LinkSpec {
    /// The link's cardinality.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn cardinality(&self) -> Cardinality {
        match (self.left.is_list, self.right.is_list) {
            (false, false) => Cardinality::OneToOne,
            (false, true) => Cardinality::OneToMany,
            (true, false) => Cardinality::ManyToOne,
            (true, true) => Cardinality::ManyToMany,
        }
    }

    /// A left record may have at most one live right record.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn left_unique(&self) -> bool {
        !self.right.is_list
    }

    /// A right record may have at most one live left record.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn right_unique(&self) -> bool {
        !self.left.is_list
    }

    /// `ProductBrand (product → brand)`, how messages name the link.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn display_name(&self) -> String {
        format!(
            "{} ({} → {})",
            self.name, self.left.model.name, self.right.model.name
        )
    }

    /// An extra column by name.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn extra_column(&self, name: &str) -> Option<&ExtraColumn> {
        self.extra_columns.iter().find(|c| c.name == name)
    }
}

/// One live row of a stored link, with its typed extra columns. It serialises as an HTTP
/// answer would show it: `{"id", "left", "right", "created_at", "updated_at", "extra": {…}}`,
/// the keys as strings.
///
/// Example: [the crate's example](crate#example) (`row`).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(bound(serialize = ""))]
pub struct LinkRow<L: LinkDefinition> {
    /// The row's own id, `<prefix>_<ULID>`.
    pub id: String,
    /// The left record.
    pub left: crate::Key<L::Left>,
    /// The right record.
    pub right: crate::Key<L::Right>,
    /// When the pair was first linked.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the row last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The extra columns.
    pub extra: L::Extra,
}

/// The plural of a model name or alias, as Medusa pluralises (`brand` → `brands`): npm's
/// `pluralize`, which the pluralizer crate ports, plus Medusa's one rule of its own, `info`
/// uncountable (a whole word: `product_info` → `product_infos`, as there). `link-macros` forms
/// the same plural for typed queries (`expand_linkable.rs`).
pub(crate) fn plural(word: &str) -> String {
    if word.eq_ignore_ascii_case("info") {
        return word.to_string();
    }
    pluralizer::pluralize(word, 2, false)
}

impl LinkSpec {
    /// The name Query reads the link's table by as an entity of its own, with its own columns
    /// and the records of both sides (Medusa's `Link.entryPoint`): the two sides' aliases
    /// joined by `_`, e.g. `product_brand`.
    ///
    /// ```
    /// # use link_runtime::{define_link, Linkable, LinkDefinition};
    /// # mod product { use link_runtime::Linkable; use sea_orm::entity::prelude::*;
    /// #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    /// #   #[sea_orm(table_name = "product")] #[linkable(module = "product")]
    /// #   pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub id: String }
    /// #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #   impl ActiveModelBehavior for ActiveModel {} }
    /// # mod brand { use link_runtime::Linkable; use sea_orm::entity::prelude::*;
    /// #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    /// #   #[sea_orm(table_name = "brand")] #[linkable(module = "brand")]
    /// #   pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub id: String }
    /// #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #   impl ActiveModelBehavior for ActiveModel {} }
    /// define_link! { pub ProductBrand: product::Model [is_list] => brand::Model }
    ///
    /// fn main() {
    ///     assert_eq!(ProductBrand::SPEC.entry_point(), "product_brand");
    /// }
    /// ```
    pub fn entry_point(&self) -> String {
        format!("{}_{}", self.left.alias(), self.right.alias())
    }

    /// Whether the link joins a model to itself.
    pub(crate) fn is_self_link(&self) -> bool {
        self.left.model.is(&self.right.model)
    }

    /// Whether `other` links the same two models (in either order).
    pub(crate) fn joins_same_models(&self, other: &LinkSpec) -> bool {
        let (a, b) = (&self.left.model, &self.right.model);
        let (c, d) = (&other.left.model, &other.right.model);
        (a.is(c) && b.is(d)) || (a.is(d) && b.is(c))
    }

    /// Whether `other`, a link between the same models, reaches each model under another name.
    pub(crate) fn aliases_differ(&self, other: &LinkSpec) -> bool {
        let aliases = |spec: &LinkSpec| {
            let mut pair = [
                (
                    (spec.left.model.module, spec.left.model.name),
                    spec.left.alias(),
                ),
                (
                    (spec.right.model.module, spec.right.model.name),
                    spec.right.alias(),
                ),
            ];
            pair.sort();
            pair
        };
        aliases(self) != aliases(other)
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plurals_are_medusas() {
        // npm `pluralize`, and Medusa's `info` uncountable as a whole word only.
        for (word, want) in [
            ("brand", "brands"),
            ("category", "categories"),
            ("person", "people"),
            ("info", "info"),
            ("product_info", "product_infos"),
        ] {
            assert_eq!(plural(word), want, "{word}");
        }
    }
}
