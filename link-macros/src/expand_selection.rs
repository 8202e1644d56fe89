//! `#[derive(Selection)]`: a struct read from one model's records. Parsed into a small model
//! (its model type; each field a column or a link, with the page of a nested list), then
//! expanded to the `Selection` impl and compile-time checks: each column is a field access on
//! the model (an unknown name is rustc's own error, with its "did you mean"), each link a trait
//! bound that names its cardinality and target.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Ident, Lit, Type};

use crate::attr::{known_options, parse_options};
use crate::ctxt::Ctxt;
use crate::typed_path::{self, typed};

/// A field of the selection: a column of the model, a link of it, or a column of the link
/// row that reached the record (`#[selection(link_column)]`).
struct Field {
    ident: Ident,
    ty: Type,
    link: Option<LinkField>,
    link_column: bool,
}

/// What the struct's own `#[selection(…)]` says.
struct Head {
    model: Option<Type>,
    /// `through = ProductTag`: the link whose columns its `link_column` fields read.
    through: Option<Type>,
}

/// `#[selection(link, take = …, skip = …, order = […])]`.
#[derive(Default)]
struct LinkField {
    /// `link = ProductBrand`: the link, where two give the model this property.
    link: Option<Type>,
    take: Option<u64>,
    skip: Option<u64>,
    order: Option<Expr>,
}

fn parse(cx: &mut Ctxt, input: &DeriveInput) -> (Head, Vec<Field>) {
    let mut head = Head {
        model: None,
        through: None,
    };
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("selection"))
    {
        match attr.parse_args_with(parse_options) {
            Ok(options) => {
                for option in known_options(cx, &options, &["model", "through"], "on a selection") {
                    let through = option.key() == "through";
                    match option.eq_value() {
                        Some(expr) if through => head.through = type_of(cx, expr),
                        Some(expr) => head.model = type_of(cx, expr),
                        None if through => cx.error_spanned_by(
                            &option.name,
                            "`through` expects the link whose columns the selection reads: `through = ProductTag`",
                        ),
                        None => cx.error_spanned_by(
                            &option.name,
                            "`model` expects the model's type: `model = product::Model`",
                        ),
                    }
                }
            }
            Err(err) => cx.syn_error(err),
        }
    }
    let model = &head.model;
    if model.is_none() {
        cx.error_spanned_by(
            &input.ident,
            "a selection names the model it reads: add `#[selection(model = product::Model)]`",
        );
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a selection cannot be generic");
    }
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        cx.error_spanned_by(
            &input.ident,
            "a selection is a struct with named fields, each named as the model's field or link it reads",
        );
        return (head, Vec::new());
    };
    let mut fields = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let mut link = None;
        let mut link_column = false;
        for attr in field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("selection"))
        {
            let options = match attr.parse_args_with(parse_options) {
                Ok(options) => options,
                Err(err) => {
                    cx.syn_error(err);
                    continue;
                }
            };
            let known = known_options(
                cx,
                &options,
                &["link", "take", "skip", "order", "link_column"],
                "on a field of a selection",
            );
            let mut read = LinkField::default();
            let mut is_link = false;
            for option in known {
                match option.key().as_str() {
                    "link_column" => {
                        link_column = option.flag(cx);
                        if link_column && head.through.is_none() {
                            cx.error_spanned_by(
                                &option.name,
                                "a link column is read from the link row that reached the record: name the link on the struct, `#[selection(model = …, through = ProductTag)]`",
                            );
                        }
                    }
                    "link" => match option.eq_value() {
                        None => is_link = option.flag(cx),
                        Some(expr) => {
                            read.link = type_of(cx, expr);
                            is_link = read.link.is_some();
                        }
                    },
                    "take" => read.take = integer(cx, option),
                    "skip" => read.skip = integer(cx, option),
                    _ => read.order = option.eq_value().cloned(),
                }
            }
            let paged = read.take.is_some() || read.skip.is_some() || read.order.is_some();
            if !is_link && paged {
                cx.error_spanned_by(attr, "`take`, `skip` and `order` page a linked list: mark the field `#[selection(link, …)]`");
            }
            if is_link && link_column {
                cx.error_spanned_by(
                    attr,
                    "a field is a link or a link column, not both: remove one of `link` and `link_column`",
                );
            }
            if is_link {
                link = Some(read);
            }
        }
        fields.push(Field {
            ident,
            ty: field.ty.clone(),
            link,
            link_column,
        });
    }
    let _ = model;
    (head, fields)
}

/// A type written as an option's value (`model = product::Model`), which parses as a path.
fn type_of(cx: &mut Ctxt, expr: &Expr) -> Option<Type> {
    syn::parse2::<Type>(quote!(#expr))
        .map_err(|err| cx.syn_error(err))
        .ok()
}

fn integer(cx: &mut Ctxt, option: &crate::attr::RawOption) -> Option<u64> {
    match option.eq_value() {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        })) => match int.base10_parse() {
            Ok(n) => Some(n),
            Err(err) => {
                cx.syn_error(err);
                None
            }
        },
        _ => {
            cx.error_spanned_by(
                &option.name,
                format!("`{0}` expects a number: `{0} = 3`", option.key()),
            );
            None
        }
    }
}

pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let (head, fields) = parse(&mut cx, input);
    let Head { model, through } = head;
    let t = typed();
    let ident = &input.ident;
    // Without a model, the impl still exists (for a placeholder model) so uses of the
    // selection compile, and no field is checked against a model that is not there.
    let Some(model) = model else {
        let errors = cx.into_compile_errors();
        return quote! {
            #errors
            impl #t::Selection for #ident {
                type Model = #t::NoModel;
                type Through = #t::AnyLink;
                fn __select(
                    _: &str,
                    _: &mut ::std::vec::Vec<::std::string::String>,
                    _: &mut ::std::collections::BTreeMap<::std::string::String, ::link_runtime::query::Page>,
                ) {}
                fn __from_record(_: #t::Record) -> ::core::result::Result<Self, ::std::string::String> {
                    ::core::result::Result::Err(::std::string::String::from("a selection without a model"))
                }
            }
        };
    };

    let mut select = TokenStream::new();
    let mut read = Vec::new();
    let mut checks = TokenStream::new();
    for field in &fields {
        let name = &field.ident;
        let text = name.to_string();
        let ty = &field.ty;
        let span = name.span();
        if field.link_column {
            // The graph shows it on the record beside its fields: `tags.weight`.
            select.extend(quote! {
                fields.push(::std::format!("{prefix}{}", #text));
            });
            read.push(quote! {
                #name: #t::read_field(&mut record, #text, #text)?
            });
            if let Some(through) = &through {
                let access = quote_spanned! {span=> |__extra| &__extra.#name };
                checks.extend(quote_spanned! {ty.span()=>
                    #t::expect_column::<#through, #ty>(#access);
                });
            }
            let shadowed = format!(
                "`{text}` is a field of the selection's model too, and the model's field wins on the record: read the link's column from the link's entry point (a selection of the link's rows)"
            );
            checks.extend(quote_spanned! {span=>
                const _: () = ::core::assert!(!#t::has_field::<#model>(#text), #shadowed);
            });
            continue;
        }
        match &field.link {
            None => {
                select.extend(quote! {
                    fields.push(::std::format!("{prefix}{}", #t::column_of::<#model>(#text)));
                });
                read.push(quote! {
                    #name: #t::read_field(&mut record, #t::column_of::<#model>(#text), #text)?
                });
                let access = quote_spanned! {span=> |__model: &#model| &__model.#name };
                checks.extend(quote_spanned! {ty.span()=>
                    #t::expect_field::<#model, #ty>(#access);
                });
            }
            Some(page) => {
                select.extend(quote! {
                    <<#ty as #t::LinkedValue>::Item as #t::Selection>::__select(
                        &::std::format!("{prefix}{}.", #text), fields, nested,
                    );
                });
                read.push(quote! { #name: #t::read_linked(&mut record, #text)? });
                let link = typed_path::link_arg(page.link.as_ref(), span);
                let at = typed_path::typed_at(span);
                checks.extend(quote_spanned! {span=>
                    #at::expect_link::<#model, #link, { #t::name_hash(#text) }, #ty, <#ty as #t::LinkedValue>::Item, _>();
                });
                if page.take.is_some() || page.skip.is_some() || page.order.is_some() {
                    // Paths relative to the linked records, from the hop that reached them, so
                    // `link.weight` names a column of its link row.
                    let start = quote! {
                        #t::rebase(#t::hop::<_, _, _, _, #link, { #t::name_hash(#text) }, _>(
                            #t::root::<Self>(),
                            #text,
                        ))
                    };
                    let terms = match &page.order {
                        Some(order) => typed_path::order_list(
                            &mut cx,
                            &typed_path::Start::Nested(start),
                            order,
                        ),
                        None => Vec::new(),
                    };
                    let take = match page.take {
                        Some(n) => quote!(::core::option::Option::Some(#n)),
                        None => quote!(::core::option::Option::None),
                    };
                    let skip = page.skip.unwrap_or(0);
                    select.extend(quote! {
                        nested.insert(
                            ::std::format!("{prefix}{}", #text),
                            #t::nested_page(#skip, #take, ::std::vec![#(#terms),*]),
                        );
                    });
                    checks.extend(quote_spanned! {span=>
                        #t::expect_list::<#ty>();
                    });
                }
            }
        }
    }
    let own: Vec<String> = fields
        .iter()
        .filter(|f| f.link.is_none() && !f.link_column)
        .map(|f| f.ident.to_string())
        .collect();
    let key_message = format!(
        "the selection `{ident}` does not hold the primary key of its model: add the key field (e.g. `id: String`) to `{ident}`; every record is read with its key"
    );
    let key_check = quote_spanned! {ident.span()=>
        const _: () = ::core::assert!(#t::holds_key::<#model>(&[#(#own),*]), #key_message);
    };
    let through_ty = match &through {
        Some(link) => quote!(#link),
        None => quote!(#t::AnyLink),
    };
    let errors = cx.into_compile_errors();
    quote! {
        #errors

        #key_check

        impl #t::Selection for #ident {
            type Model = #model;
            type Through = #through_ty;

            fn __select(
                prefix: &str,
                fields: &mut ::std::vec::Vec<::std::string::String>,
                nested: &mut ::std::collections::BTreeMap<::std::string::String, ::link_runtime::query::Page>,
            ) {
                let _ = (&fields, &nested);
                #select
            }

            fn __from_record(
                mut record: #t::Record,
            ) -> ::core::result::Result<Self, ::std::string::String> {
                let _ = &mut record;
                ::core::result::Result::Ok(Self { #(#read),* })
            }
        }

        const _: () = {
            #[allow(dead_code, clippy::all)]
            fn __check() {
                #checks
            }
        };
    }
}
