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
#[cfg(test)]
mod snapshots;

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
