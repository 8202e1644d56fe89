//! The part of `define_link!`'s expansion that typed queries read: for each model that gains a
//! property, `Property<Link, hash(name)>` naming the linked model and its cardinality; for each
//! `filterable` field (and the primary key), `Filterable<hash(property), hash(field)>`; and
//! `FilterableLink` on a stored link. Names are hashed at compile time on both sides, so a
//! property's name is decided where the runtime decides it: the alias, else the model's name
//! (its plural, from the `Linkable` derive, for a list side).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{Link, Side};

const T: &str = "::link_runtime::__private::typed";

fn typed() -> TokenStream {
    T.parse().unwrap_or_default()
}

/// The name type of the property `side` is shown under (see [`NameTypes`]): the alias's, in
/// the link's own module of names, else the model's.
fn property_name(side: &Side, list: bool, names: &NameTypes) -> TokenStream {
    let ty = &side.ty;
    match &side.alias {
        Some(alias) => names.path(&alias.value()),
        None if list => quote!(<#ty as ::link_runtime::__private::Linkable>::__Many),
        None => quote!(<#ty as ::link_runtime::__private::Linkable>::__One),
    }
}

/// The hash of the property `side` is shown under on the other side's records.
fn property_hash(side: &Side, list: bool) -> TokenStream {
    let t = typed();
    let ty = &side.ty;
    match &side.alias {
        Some(alias) => quote!(#t::name_hash(#alias)),
        None if list => quote!(<#ty as ::link_runtime::__private::Linkable>::__PROPERTY_MANY),
        None => quote!(<#ty as ::link_runtime::__private::Linkable>::__PROPERTY_ONE),
    }
}

pub(crate) fn expand(link: &Link, module: &syn::Ident) -> TokenStream {
    let t = typed();
    let name = &link.name;
    let aliases: Vec<String> = [&link.left, &link.right]
        .iter()
        .filter_map(|side| side.alias.as_ref().map(|a| a.value()))
        .collect();
    let names = name_types(
        &quote::format_ident!("__{}_property_names", module),
        &aliases.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let name_items = if aliases.is_empty() {
        TokenStream::new()
    } else {
        names.items()
    };
    if link.read_only {
        // As in Medusa, only the left model gains a property.
        if link.left.field.is_none() {
            return TokenStream::new();
        }
        let forced = link.read_only_list || link.right.is_list;
        let many = match (forced, link.right.primary_key.is_some()) {
            (true, _) => quote!(#t::List),
            (false, true) => quote!(#t::One),
            // A forward link's field decides: an array field is a list.
            (false, false) => quote!(#t::ByField),
        };
        let hash = property_hash(&link.right, forced);
        let property = property_name(&link.right, forced, &names);
        let (left, right) = (&link.left.ty, &link.right.ty);
        return quote! {
            #name_items
            impl #t::Property<#name, { #hash }, #property> for #left {
                type Target = #right;
                type Many = #many;
            }
            // Every field passes this check, so a filter through a read-only link reports
            // only that the link is read-only.
            impl<const P: u64, const F: u64> #t::Filterable<P, F> for #name {}
        };
    }
    let mut out = quote! {
        #name_items
        impl #t::FilterableLink for #name {}
    };
    if same_property_both_ways(link) {
        // A link from a model to itself whose two sides would show under one name: the
        // registry refuses it with a message that says which alias to add; two impls of one
        // property here would only add a less helpful error.
        return out;
    }
    out.extend(entry_point(link, module, &names));
    for (near, far) in [(&link.left, &link.right), (&link.right, &link.left)] {
        let hash = property_hash(far, far.is_list);
        let property = property_name(far, far.is_list, &names);
        let many = if far.is_list {
            quote!(#t::List)
        } else {
            quote!(#t::One)
        };
        let (near_ty, far_ty) = (&near.ty, &far.ty);
        let declared: Vec<String> = far.filterable.iter().map(|f| f.to_string()).collect();
        let filterable = declared.iter().map(|field| {
            quote! {
                impl #t::Filterable<{ #hash }, { #t::name_hash(#field) }> for #name {}
            }
        });
        out.extend(quote! {
            impl #t::Property<#name, { #hash }, #property> for #near_ty {
                type Target = #far_ty;
                type Many = #many;
            }
            #(#filterable)*
            // The primary key is always filterable; listed in `filterable(…)` too, it takes
            // another hash so the two impls do not overlap.
            impl #t::Filterable<{ #hash }, {
                #t::key_hash(<#far_ty as ::link_runtime::__private::Linkable>::MODEL.primary_key, &[#(#declared),*])
            }> for #name {}
        });
    }
    out
}

/// Whether the two sides of a link from a model to itself are shown under the same property.
fn same_property_both_ways(link: &Link) -> bool {
    let text = |side: &Side| {
        let ty = &side.ty;
        quote!(#ty).to_string()
    };
    if text(&link.left) != text(&link.right) {
        return false;
    }
    match (&link.left.alias, &link.right.alias) {
        (Some(left), Some(right)) => left.value() == right.value(),
        (None, None) => link.left.is_list == link.right.is_list,
        _ => false,
    }
}

/// The link table's entity `Model` (the runtime's `LinkModel`, a `Queryable` for every link) as
/// what a selection reads from the link's entry point: each side as a property of one record
/// under the side's alias. The link's own `LeftSide` and `RightSide` name the two hops (a
/// type of this crate, as the orphan rule asks of an impl for the runtime's `LinkModel`);
/// filters and order cannot go through them.
fn entry_point(link: &Link, module: &syn::Ident, names: &NameTypes) -> TokenStream {
    let t = typed();
    let sides = [(&link.left, "LeftSide"), (&link.right, "RightSide")].map(|(side, which)| {
        let hash = property_hash(side, false);
        let property = property_name(side, false, names);
        let ty = &side.ty;
        let which = syn::Ident::new(which, proc_macro2::Span::call_site());
        quote! {
            impl #t::Property<#module::#which, { #hash }, #property> for #module::Model {
                type Target = #ty;
                type Many = #t::One;
            }
            // Every field passes this check, so a filter through a row's side reports only
            // that it cannot go through.
            impl<const P: u64, const F: u64> #t::Filterable<P, F> for #module::#which {}
        }
    });
    quote!(#(#sides)*)
}

/// Types named as properties (`brand`, `brands`), in a hidden module, so that a compile error
/// listing a model's `Property` impls shows the name of each: rustc prints types by name, and
/// the name of a property is a string the impls otherwise know only by its hash.
pub(crate) struct NameTypes {
    module: syn::Ident,
    names: Vec<(String, syn::Ident)>,
}

/// The name types of `names` in the module `module` (a name that is no identifier gets none).
pub(crate) fn name_types(module: &syn::Ident, names: &[&str]) -> NameTypes {
    let mut out: Vec<(String, syn::Ident)> = Vec::new();
    for name in names {
        if out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let ident = syn::parse_str::<syn::Ident>(name)
            .or_else(|_| syn::parse_str::<syn::Ident>(&format!("r#{name}")));
        if let Ok(ident) = ident {
            out.push((name.to_string(), ident));
        }
    }
    NameTypes {
        module: module.clone(),
        names: out,
    }
}

impl NameTypes {
    /// The type named `name`, or `()` where the name is no identifier.
    pub(crate) fn path(&self, name: &str) -> TokenStream {
        let module = &self.module;
        match self.names.iter().find(|(n, _)| n == name) {
            Some((_, ident)) => quote!(#module::#ident),
            None => quote!(()),
        }
    }

    /// The module holding the types.
    pub(crate) fn items(&self) -> TokenStream {
        let module = &self.module;
        let idents = self.names.iter().map(|(_, ident)| ident);
        quote! {
            #[doc(hidden)]
            #[allow(non_snake_case, non_camel_case_types, dead_code, missing_docs, unreachable_pub)]
            pub mod #module {
                #(pub enum #idents {})*
            }
        }
    }
}
