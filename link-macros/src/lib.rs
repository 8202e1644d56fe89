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
mod expand_link;
mod expand_linkable;
mod expand_property;
mod expand_query;
mod expand_selection;
#[cfg(test)]
mod snapshots;
mod typed_path;

use proc_macro::TokenStream;

/// Makes a data model linkable. See `link_runtime` for the attributes.
#[proc_macro_derive(Linkable, attributes(linkable))]
pub fn derive_linkable(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand_linkable::expand(&input).into()
}

/// Declares a link between two linkable models. See `link_runtime` for the syntax.
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
