//! The procedural macros of `link-runtime`. Depend on `link-runtime`, which re-exports them;
//! the code they generate names the runtime as `::link_runtime::__private::…`.
//!
//! Each macro parses its input into a small typed model (`ast`, `attr`), checks it (`check`),
//! then expands it (`expand_linkable`, `expand_link`). Every error of an input is collected with
//! its own span, and the expansion still emits the impls it can, so one mistake does not
//! cascade into many.

#![warn(missing_docs)]

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand_entity;
mod expand_link;
mod expand_linkable;
mod expand_property;
mod expand_query;
mod expand_selection;
#[cfg(test)]
mod snapshots;
mod typed_path;

use proc_macro::TokenStream;

/// Makes a data model linkable: a sea-orm `Model` (beside `DeriveEntityModel`), or a plain
/// struct for an external model another service holds.
///
/// ```text
/// #[linkable(module = "…"                 required: the module the model belongs to (letters,
///                                         digits and `_`, as Medusa's: `product`, `productReview`)
///            , name = "…"                 the model's name (default: the sea-orm table_name,
///                                         else the struct's name in snake case)
///            , primary_key = "…"          the key field (default: the field marked
///                                         #[sea_orm(primary_key)] or #[linkable(primary_key)],
///                                         else `id`)
///            , key = "…")]                its column in link tables (default <name>_<primary key>)
/// ```
///
/// A `deleted_at: Option<…>` field makes the model soft-deletable (deletes stamp it). A field's
/// `#[sea_orm(column_name = "…")]` is read from that column; Query names the field. The derive
/// adds `Model::key(id) -> Key<Model>`, the typed key every link call takes.
///
/// ```
/// use link_runtime::Linkable;
///
/// /// A page of the CMS service: no table of ours holds it.
/// #[derive(Linkable)]
/// #[linkable(module = "cms", name = "cms_page", key = "page_id")]
/// pub struct Page {
///     pub id: String,
///     pub headline: String,
/// }
///
/// fn main() {
///     assert_eq!(Page::MODEL.qualified_name(), "cms.cms_page");
///     assert_eq!(Page::MODEL.key, "page_id");
///     assert_eq!(Page::key("page_1").as_str(), "page_1");
/// }
/// ```
#[proc_macro_derive(Linkable, attributes(linkable))]
pub fn derive_linkable(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand_linkable::expand(&input).into()
}

/// Declares a link between two linkable models: a marker type, its `LinkDefinition`, and for a
/// stored link the link table as a sea-orm entity.
///
/// ```text
/// define_link! {
///     #[doc …] vis Name: Left [side options] => Right [side options] (, link option)* ,?
/// }
///
/// side options, comma-separated, any order:
///     is_list                 the *other* side may hold many of this side (Medusa's isList):
///                             `Product [is_list] => Brand` is many products to one brand
///     delete_cascade          deleting the other side's record deletes the linked records of
///                             this side (links.delete follows it, recursively)
///     filterable(a, b, …)     fields of this side Query may filter and sort by through the link
///                             (`id` always may)
///     alias = "…"             the property this side shows under on the other side's records
///                             (default: its model's name, plural when is_list)
///     field = f               read-only, left side: the field holding the right side's id(s)
///     primary_key = f         read-only, right side: the field pointing back at the left
///
/// link options:
///     extra_columns { name: Type (= default)?, … }
///                             columns of the link table: bool, i16, i32, i64, f32, f64, String,
///                             chrono DateTime<Utc> / NaiveDateTime / NaiveDate, Uuid,
///                             serde_json::Value, Decimal; Option<T> is nullable; a date,
///                             UUID, JSON or decimal default is text ("2024-02-03T04:05:06Z")
///     table = "…"             the link table (default: Medusa's name; compressed to 58
///                             characters as Medusa does)
///     id_prefix = "…"         the prefix of row ids (default `link`)
///     read_only               no table: Query follows the left model's `field`
///     is_list                 read-only: the right side is always a list
/// ```
///
/// A stored link `Name` also declares a module `name_in_snake_case` holding `Entity`, `Model`,
/// `Column` and `ActiveModel` (the link table in plain sea-orm; `Column::Left` and
/// `Column::Right` are the key columns), `Extra` (a row's typed extra columns) and `Data` (the
/// extra columns a create names, one setter per column).
///
/// ```
/// use link_runtime::{define_link, LinkDefinition, Linkable};
///
/// #[derive(Linkable)]
/// #[linkable(module = "product")]
/// pub struct Product { pub id: String }
///
/// #[derive(Linkable)]
/// #[linkable(module = "brand")]
/// pub struct Brand { pub id: String, pub name: String }
///
/// #[derive(Linkable)]
/// #[linkable(module = "blog")]
/// pub struct Post { pub id: String, pub product_id: Option<String> }
///
/// define_link! {
///     /// Many products to one brand; Query may filter products by their brand's name.
///     pub ProductBrand: Product [is_list] => Brand [filterable(name)],
///     extra_columns { featured: bool = false, position: Option<i32> },
/// }
///
/// define_link! {
///     /// A post names its product in its own field: no table.
///     pub PostProduct: Post [field = product_id] => Product [alias = "subject"],
///     read_only,
/// }
///
/// fn main() {
///     let spec = ProductBrand::SPEC;
///     assert_eq!(spec.left.property(spec.left.is_list), "products");
///     assert_eq!(spec.right.property(spec.right.is_list), "brand");
///     assert_eq!(spec.entry_point(), "product_brand");
///     let data = product_brand::Data::default().featured(true);
///     # let _ = data;
///     assert!(PostProduct::SPEC.read_only);
/// }
/// ```
#[proc_macro]
pub fn define_link(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as ast::LinkInput);
    expand_link::expand(input).into()
}

/// Declares a struct as a selection of one model's fields and links, read by typed queries:
/// `#[selection(model = Type)]` on the struct (with `through = LinkType` when it reads that
/// link's own columns); `#[selection(link)]` (or `link = LinkType`, with `take = n`, `skip = n`,
/// `order = [path, path.desc(), link.column]` for a nested list) on a field holding a link as an
/// `Option` or a `Vec` of another selection; `#[selection(link_column)]` on a field holding a
/// column of the link row that reached the record. See `link_runtime::query::Query` for an
/// example.
#[proc_macro_derive(Selection, attributes(selection))]
pub fn derive_selection(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand_selection::expand(&input).into()
}

/// A typed query of a selection, with a filter and an order the compiler checks:
/// `query!(Selection, filter = brand.name == name && title.like("S%"), order = [brand.name, title.desc()])`;
/// `tags.link.weight` names a column of the link row (`weight` of the product–tag row).
/// See `link_runtime::query::Query` for an example and the forms a filter takes.
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as expand_query::QueryInput);
    expand_query::expand(input).into()
}
