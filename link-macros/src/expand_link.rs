//! Expands `define_link!`: the marker type, its `LinkDefinition` (and `StoredLink`) impl, the
//! typed extra-column structs, the constructor that checks the direction, and compile-time
//! checks of field names against what `#[derive(Linkable)]` recorded.

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, Type};

use crate::ast::{DefaultLiteral, Link, LinkInput, Side};
use crate::check;
use crate::ctxt::Ctxt;

const P: &str = "::link_runtime::__private";

pub(crate) fn private() -> TokenStream {
    P.parse().unwrap_or_default()
}

fn type_text(ty: &Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(" :: ", "::")
        .replace(' ', "")
}

pub(crate) fn expand(input: LinkInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let link = check::link(&mut cx, input);
    let p = private();
    let name = &link.name;
    let name_text = name.to_string();
    let vis = &link.vis;
    let attrs = &link.attrs;
    let module = format_ident!("{}", name_text.to_snake_case());
    let (left_ty, right_ty) = (&link.left.ty, &link.right.ty);
    let (left_text, right_text) = (type_text(left_ty), type_text(right_ty));

    let left_side = side_spec(&link.left, &link.right.ty);
    let right_side = side_spec(&link.right, &link.left.ty);
    let table = option_str(link.table.as_ref().map(|t| t.value()));
    let id_prefix = link
        .id_prefix
        .as_ref()
        .map(|t| t.value())
        .unwrap_or_else(|| "link".into());
    let read_only = link.read_only;
    let read_only_list = link.read_only_list || (link.read_only && link.right.is_list);
    let extra_specs = link.extra_columns.iter().map(|c| {
        let column = c.name.to_string();
        let kind = format_ident!("{}", c.kind.runtime_variant());
        let nullable = c.nullable;
        let default = match &c.default {
            None => quote!(::core::option::Option::None),
            Some(DefaultLiteral::Bool(b)) => quote!(::core::option::Option::Some(#p::DefaultValue::Bool(#b))),
            Some(DefaultLiteral::Int(i)) => quote!(::core::option::Option::Some(#p::DefaultValue::Int(#i))),
            Some(DefaultLiteral::Float(f)) => quote!(::core::option::Option::Some(#p::DefaultValue::Float(#f))),
            Some(DefaultLiteral::Str(s)) => quote!(::core::option::Option::Some(#p::DefaultValue::Str(#s))),
        };
        quote! {
            #p::ExtraColumn { name: #column, ty: #p::ColumnType::#kind, nullable: #nullable, default: #default }
        }
    });

    let (extra_ty, data_ty, data_module, stored) = if link.read_only {
        (
            quote!(()),
            quote!(()),
            TokenStream::new(),
            TokenStream::new(),
        )
    } else {
        (
            quote!(#module::Extra),
            quote!(#module::Data),
            data_module(&link, &module),
            quote!(impl #p::StoredLink for #name {}),
        )
    };

    let properties = crate::expand_property::expand(&link, &module);
    let field_checks = field_checks(&link, &name_text);
    let direction = direction(&link, &left_text, &right_text);
    let errors = cx.into_compile_errors();

    let doc = format!("The link `{left_text} => {right_text}` declared with `define_link!`.");
    let doc_attr = if attrs.iter().any(|a| a.path().is_ident("doc")) {
        TokenStream::new()
    } else {
        quote!(#[doc = #doc])
    };

    quote! {
        #errors

        #(#attrs)*
        #doc_attr
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #vis struct #name;

        impl #p::LinkDefinition for #name {
            type Left = #left_ty;
            type Right = #right_ty;
            type Extra = #extra_ty;
            type Data = #data_ty;
            const SPEC: #p::LinkSpec = #p::LinkSpec {
                name: #name_text,
                left: #left_side,
                right: #right_side,
                table: #table,
                id_prefix: #id_prefix,
                read_only: #read_only,
                read_only_list: #read_only_list,
                extra_columns: &[#(#extra_specs),*],
                defined_at: ::core::concat!(::core::file!(), ":", ::core::line!()),
            };
        }

        #stored

        #properties

        #data_module

        const _: () = {
            #direction
            #field_checks
        };
    }
}

fn option_str(value: Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn side_spec(side: &Side, other: &Type) -> TokenStream {
    let p = private();
    let ty = &side.ty;
    // The key column: the model's linkable key, or, on a link from a model to itself (whose two
    // keys would be one column), `<alias>_<primary key>`, joined at compile time.
    let alias_text = match &side.alias {
        Some(alias) => {
            let alias = alias.value();
            quote!(#alias)
        }
        None => quote!(<#ty as #p::Linkable>::MODEL.name),
    };
    let column = quote! {{
        const ALIAS: &str = #alias_text;
        const KEY: &str = <#ty as #p::Linkable>::MODEL.primary_key;
        const JOINED: [u8; #p::joined_len(ALIAS, KEY)] = #p::joined(ALIAS, KEY);
        #p::key_column(
            &<#ty as #p::Linkable>::MODEL,
            &<#other as #p::Linkable>::MODEL,
            #p::utf8(&JOINED),
        )
    }};
    let is_list = side.is_list;
    let delete_cascade = side.delete_cascade.is_some();
    let filterable = side.filterable.iter().map(|f| f.to_string());
    let alias = option_str(side.alias.as_ref().map(|a| a.value()));
    let field = option_str(side.field.as_ref().map(|f| f.to_string()));
    let primary_key = option_str(side.primary_key.as_ref().map(|f| f.to_string()));
    quote! {
        #p::Side {
            model: <#ty as #p::Linkable>::MODEL,
            is_list: #is_list,
            delete_cascade: #delete_cascade,
            filterable: &[#(#filterable),*],
            alias: #alias,
            field: #field,
            primary_key: #primary_key,
            column: #column,
        }
    }
}

/// The constructor `Name::new(left, right)`, whose bounds are traits local to this link so the
/// compiler's message for keys in the wrong order names the link, both sides and the fix.
fn direction(link: &Link, left_text: &str, right_text: &str) -> TokenStream {
    let p = private();
    let name = &link.name;
    let (left_ty, right_ty) = (&link.left.ty, &link.right.ty);
    let declared = format!("{name} is declared `{left_text} => {right_text}`");
    let left_message = format!(
        "`{{Self}}` cannot be the left (first) record of link `{name}`: it takes a `Key<{left_text}>` first"
    );
    let right_message = format!(
        "`{{Self}}` cannot be the right (second) record of link `{name}`: it takes a `Key<{right_text}>` second"
    );
    let left_label = format!("expected a `Key<{left_text}>` or a `&{left_text}`");
    let right_label = format!("expected a `Key<{right_text}>` or a `&{right_text}`");
    // Named per link, so the compiler's notes never mix up two links' traits.
    let left_trait = format_ident!("__{}LeftRecord", name);
    let right_trait = format_ident!("__{}RightRecord", name);
    let note = format!(
        "{declared}: pass the {left_text} first and the {right_text} second (swap the arguments if they are the other way round); if no link joins these models, declare one with `define_link!`"
    );
    quote! {
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = #left_message, label = #left_label, note = #note)]
        pub trait #left_trait {
            fn __into_key(self) -> #p::Key<#left_ty>;
        }
        impl #left_trait for #p::Key<#left_ty> {
            fn __into_key(self) -> #p::Key<#left_ty> { self }
        }
        impl #left_trait for &#left_ty {
            fn __into_key(self) -> #p::Key<#left_ty> { <#left_ty as #p::Linkable>::link_key(self) }
        }
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = #right_message, label = #right_label, note = #note)]
        pub trait #right_trait {
            fn __into_key(self) -> #p::Key<#right_ty>;
        }
        impl #right_trait for #p::Key<#right_ty> {
            fn __into_key(self) -> #p::Key<#right_ty> { self }
        }
        impl #right_trait for &#right_ty {
            fn __into_key(self) -> #p::Key<#right_ty> { <#right_ty as #p::Linkable>::link_key(self) }
        }
        impl #name {
            /// A pair of this link: the left record first, then the right record (keys or
            /// references to models). Keys in the wrong order do not compile.
            pub fn new<L: #left_trait, R: #right_trait>(left: L, right: R) -> #p::LinkPair<#name> {
                #p::LinkPair::new(left.__into_key(), right.__into_key())
            }
        }
    }
}

/// Compile-time checks that named fields exist on their models (and that a `delete_cascade`
/// side can be soft-deleted). A failing check stops compilation with a message spanned on the
/// offending name.
fn field_checks(link: &Link, name: &str) -> TokenStream {
    let p = private();
    let mut checks = TokenStream::new();
    let mut check = |ty: &Type, field: &Ident, option: &str| {
        let field_text = field.to_string();
        let message = format!(
            "link `{name}`: `{field_text}` in `{option}` is not a field of `{}`; name a field of that model",
            type_text(ty)
        );
        let span: Span = field.span();
        checks.extend(quote_spanned! {span=>
            const _: () = if !#p::has_field(&<#ty as #p::Linkable>::MODEL, #field_text) {
                ::core::panic!(#message)
            };
        });
    };
    for side in [&link.left, &link.right] {
        for field in &side.filterable {
            if field != "id" {
                check(&side.ty, field, "filterable(…)");
            }
        }
    }
    if let Some(field) = &link.left.field {
        check(&link.left.ty, field, "field = …");
    }
    if let Some(field) = &link.right.primary_key {
        check(&link.right.ty, field, "primary_key = …");
    }
    for side in [&link.left, &link.right] {
        if let Some(span) = side.delete_cascade {
            let ty = &side.ty;
            let message = format!(
                "link `{name}`: `delete_cascade` on `{}`, which cannot be soft-deleted; give the model a `deleted_at: Option<DateTimeUtc>` field, or remove `delete_cascade`",
                type_text(ty)
            );
            checks.extend(quote_spanned! {span=>
                const _: () = if !#p::is_soft_deletable(&<#ty as #p::Linkable>::MODEL) {
                    ::core::panic!(#message)
                };
            });
        }
    }
    checks
}

/// The module `snake_name` with `Extra` (a stored row's typed extra columns) and `Data` (the
/// extra columns a create names, with a setter per column).
fn data_module(link: &Link, module: &Ident) -> TokenStream {
    let p = private();
    let vis = &link.vis;
    let name = &link.name;
    let columns = &link.extra_columns;
    let idents: Vec<&Ident> = columns.iter().map(|c| &c.name).collect();
    let names: Vec<String> = columns.iter().map(|c| c.name.to_string()).collect();
    let types: Vec<&Type> = columns.iter().map(|c| &c.ty).collect();
    let setter_docs: Vec<String> = columns
        .iter()
        .map(|c| format!("Sets the extra column `{}`.", c.name))
        .collect();
    let extra_doc = format!("The extra columns of one stored row of [`{name}`](super::{name}).");
    let data_doc = format!(
        "The extra columns a create of [`{name}`](super::{name}) names; the others keep their values, or take their defaults on a new row."
    );
    let module_doc = format!(
        "The link table of [`{name}`](super::{name}) as a sea-orm entity (`Entity`, `Model`, `Column`, `ActiveModel`), and its typed extra columns (`Extra`, `Data`)."
    );
    let entity = crate::expand_entity::entity(link);
    let serde_crate = format!("{P}::serde");
    quote! {
        #[doc = #module_doc]
        #vis mod #module {
            #[allow(unused_imports)]
            use super::*;

            #entity

            #[doc = #extra_doc]
            #[derive(
                ::core::clone::Clone,
                ::core::fmt::Debug,
                ::core::cmp::PartialEq,
                #p::serde::Serialize,
            )]
            #[serde(crate = #serde_crate)]
            pub struct Extra {
                #(
                    #[allow(missing_docs)]
                    pub #idents: #types,
                )*
            }

            impl #p::ExtraColumns for Extra {
                fn from_prefixed_row(row: &#p::QueryResult, pre: &str) -> ::core::result::Result<Self, #p::sea_orm::TryGetError> {
                    ::core::result::Result::Ok(Extra {
                        #( #idents: row.try_get_nullable(pre, #names)?, )*
                    })
                }
            }

            #[doc = #data_doc]
            #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::default::Default)]
            pub struct Data(#p::NamedValues);

            impl Data {
                #(
                    #[doc = #setter_docs]
                    pub fn #idents(mut self, value: #types) -> Self {
                        self.0.set(#names, #p::Value::from(value));
                        self
                    }
                )*
            }

            /// Reads the link's JSON `data` object (`{"featured": true}`) with the same checks
            /// as the dynamic API: unknown columns and ill-typed values are refused with a
            /// message naming the column and the link.
            impl<'de> #p::serde::Deserialize<'de> for Data {
                fn deserialize<D: #p::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    #p::NamedValues::deserialize(&<super::#name as #p::LinkDefinition>::SPEC, deserializer).map(Data)
                }
            }

            impl #p::LinkData for Data {
                fn named(&self) -> ::std::vec::Vec<(&'static str, #p::Value)> {
                    self.0.in_order(&<super::#name as #p::LinkDefinition>::SPEC)
                }
            }
        }
    }
}
