//! What a typed query reads records of ([`Queryable`]): a linkable model, or a stored link's
//! table through its entry point, whose rows reach both sides; and the compile-time lookups of
//! their fields.

use crate::linkable::Linkable;

/// What a selection reads the records of: a linkable model, or a stored link's table through its
/// entry point (every link's entity `Model`, [`LinkModel`](crate::link_entity::LinkModel)).
pub trait Queryable: 'static {
    /// The primary key, as the graph names it.
    const KEY: &'static str;
    /// Each field the graph names otherwise, with that name (a link row's `left` is its
    /// `product_id`).
    const COLUMNS: &'static [(&'static str, &'static str)];
    /// Every field.
    const FIELDS: &'static [&'static str];
    /// Its name in a graph query: `module.model`, or `link.<entry point>`.
    fn entity() -> String;
}

impl<M: Linkable> Queryable for M {
    const KEY: &'static str = M::MODEL.key_field();
    // The graph names a model's fields as the model does.
    const COLUMNS: &'static [(&'static str, &'static str)] = &[];
    const FIELDS: &'static [&'static str] = M::MODEL.fields;
    fn entity() -> String {
        M::MODEL.qualified_name()
    }
}

// A link table's row, read from the link's entry point: its fields (`left` and `right` are the
// key columns), and each side as a property of one record (`define_link!` implements
// `Property` for the sides).
impl<L: crate::link_entity::LinkColumns> Queryable for crate::link_entity::LinkModel<L> {
    const KEY: &'static str = "id";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("left", L::SPEC.left.column),
        ("right", L::SPEC.right.column),
    ];
    const FIELDS: &'static [&'static str] = L::FIELDS;
    fn entity() -> String {
        entry_point_entity(&L::SPEC)
    }
}

/// The graph entity of a stored link's table: `link.product_tag`.
pub fn entry_point_entity(spec: &crate::definition::LinkSpec) -> String {
    format!("{}.{}", crate::hops::LINK_MODULE, spec.entry_point())
}

/// The name the graph gives a field of `M`.
pub const fn column_of<M: Queryable>(field: &'static str) -> &'static str {
    let mut i = 0;
    while i < M::COLUMNS.len() {
        if crate::linkable::const_str_eq(M::COLUMNS[i].0, field) {
            return M::COLUMNS[i].1;
        }
        i += 1;
    }
    field
}

/// Whether `field` is a field of `M`.
pub const fn has_field<M: Queryable>(field: &str) -> bool {
    let mut i = 0;
    while i < M::FIELDS.len() {
        if crate::linkable::const_str_eq(M::FIELDS[i], field) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether the selection fields `fields` of `M` hold its primary key (checked at compile
/// time: the graph always reads the key, and a selection reads exactly what the graph does).
pub const fn holds_key<M: Queryable>(fields: &[&'static str]) -> bool {
    let mut i = 0;
    while i < fields.len() {
        if crate::linkable::const_str_eq(column_of::<M>(fields[i]), M::KEY) {
            return true;
        }
        i += 1;
    }
    false
}

/// The model of a selection that names none (its derive already reported the error).
#[derive(Debug)]
pub enum NoModel {}

impl Linkable for NoModel {
    type __One = ();
    type __Many = ();

    const MODEL: crate::linkable::ModelInfo = crate::linkable::ModelInfo {
        module: "",
        name: "",
        primary_key: "id",
        key_kind: crate::linkable::KeyKind::String,
        key: "",
        fields: &[],
        renamed: &[],
        soft_deletable: false,
        table: None,
        rust_type: "",
    };

    fn link_key(&self) -> crate::key::Key<Self> {
        match *self {}
    }

    fn field_ids(&self, _: &str) -> Option<Vec<String>> {
        match *self {}
    }
}
