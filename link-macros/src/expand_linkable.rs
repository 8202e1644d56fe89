//! Expands `#[derive(Linkable)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::check;
use crate::ctxt::Ctxt;

pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let model = check::linkable(&mut cx, input);
    let ident = &model.ident;
    let module = &model.module;
    let name = &model.name;
    let key = &model.key;
    let fields = &model.fields;
    let soft_deletable = model.soft_deletable;
    let key_kind = format_ident!("{}", model.key_kind.runtime_variant());
    let table = match &model.table {
        Some(table) => quote!(::core::option::Option::Some(#table)),
        None => quote!(::core::option::Option::None),
    };
    let (pk_column, link_key) = match &model.primary_key {
        Some((field, column)) => (
            column.clone(),
            quote!(::link_runtime::__private::Key::new(::std::string::ToString::to_string(&self.#field))),
        ),
        // Fallback so one error does not cascade: the error above already explains it.
        None => (String::from("id"), quote!(::core::unreachable!())),
    };
    let record_source = model.is_sea_orm.then(|| {
        quote! {
            fn __record_source() -> ::core::option::Option<::std::sync::Arc<dyn ::link_runtime::__private::RecordSource>> {
                ::core::option::Option::Some(::std::sync::Arc::new(::link_runtime::__private::EntitySource::<Entity>::named(
                    <Self as ::link_runtime::__private::Linkable>::MODEL.renamed,
                )))
            }
        }
    });
    let sea_orm = model.is_sea_orm.then(|| {
        quote! {
            impl ::link_runtime::__private::SeaOrmLinkable for #ident {
                type Entity = Entity;
            }
        }
    });
    let field_idents: Vec<syn::Ident> = model
        .fields
        .iter()
        .map(|f| quote::format_ident!("{}", f))
        .collect();
    let field_names = &model.fields;
    let renamed = model
        .renamed_columns
        .iter()
        .map(|(field, column)| quote!((#field, #column)));
    // The plural as the runtime forms it (`definition::plural`: the same crate, and Medusa's
    // `info` uncountable), for typed queries.
    let plural = if name.eq_ignore_ascii_case("info") {
        name.clone()
    } else {
        pluralizer::pluralize(name, 2, false)
    };
    let names = crate::expand_property::name_types(
        &quote::format_ident!("__{}_property_names", ident),
        &[name.as_str(), plural.as_str()],
    );
    let (one_ty, many_ty, name_items) = (names.path(name), names.path(&plural), names.items());
    let errors = cx.into_compile_errors();
    quote! {
        #errors

        impl ::link_runtime::__private::Linkable for #ident {
            const MODEL: ::link_runtime::__private::ModelInfo = ::link_runtime::__private::ModelInfo {
                module: #module,
                name: #name,
                primary_key: #pk_column,
                key_kind: ::link_runtime::__private::KeyKind::#key_kind,
                key: #key,
                fields: &[#(#fields),*],
                renamed: &[#(#renamed),*],
                soft_deletable: #soft_deletable,
                table: #table,
                rust_type: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident)),
            };
            const __PROPERTY_MANY: u64 = ::link_runtime::__private::typed::name_hash(#plural);
            type __One = #one_ty;
            type __Many = #many_ty;

            fn link_key(&self) -> ::link_runtime::__private::Key<Self> {
                #link_key
            }

            fn field_ids(&self, field: &str) -> ::core::option::Option<::std::vec::Vec<::std::string::String>> {
                #[allow(unused_imports)]
                use ::link_runtime::__private::{NotIds as _, ViaIdField as _};
                match field {
                    #( #field_names => (&&::link_runtime::__private::FieldRef(&self.#field_idents)).link_ids(), )*
                    _ => ::core::option::Option::None,
                }
            }

            #record_source
        }

        impl #ident {
            /// The typed key of the record of this model whose primary key is `id`.
            pub fn key(id: impl ::core::convert::Into<::std::string::String>) -> ::link_runtime::__private::Key<Self> {
                ::link_runtime::__private::Key::new(id)
            }
        }

        #sea_orm

        #name_items
    }
}
