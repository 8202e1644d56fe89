//! `query!(Selection, filter = …, order = […])`: a typed query of a selection, with its filter
//! and order checked against the selection's model and links.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Token, Type};

use crate::ctxt::{Ctxt, did_you_mean};
use crate::typed_path::{self, typed};

pub(crate) struct QueryInput {
    selection: Type,
    options: Vec<(Ident, Expr)>,
}

impl Parse for QueryInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let selection: Type = input.parse()?;
        let mut options = Vec::new();
        while input.parse::<Option<Token![,]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            options.push((name, input.parse()?));
        }
        if !input.is_empty() {
            return Err(input.error("expected `query!(Selection, filter = …, order = […])`"));
        }
        Ok(QueryInput { selection, options })
    }
}

pub(crate) fn expand(input: QueryInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let t = typed();
    let selection = &input.selection;
    let root = typed_path::Start::Root(quote!(#selection));
    let mut calls = TokenStream::new();
    let mut seen = Vec::new();
    for (name, value) in &input.options {
        let key = name.to_string();
        if seen.contains(&key) {
            cx.error_spanned_by(name, format!("`{key}` is given twice"));
            continue;
        }
        seen.push(key.clone());
        match key.as_str() {
            "filter" => {
                let cond = typed_path::filter(&mut cx, &root, value);
                calls.extend(quote!(.__filter(#cond)));
            }
            "order" => {
                for term in typed_path::order_list(&mut cx, &root, value) {
                    calls.extend(quote!(.__order(#term)));
                }
            }
            other => cx.error_spanned_by(
                name,
                format!(
                    "unknown option `{other}`{}: `query!` takes `filter = …` and `order = […]`; page with `.take(n)` and `.skip(n)` on the query",
                    did_you_mean(other, &["filter", "order"])
                ),
            ),
        }
    }
    let errors = cx.into_compile_errors();
    quote! {{
        #errors
        #t::Query::<#selection>::new() #calls
    }}
}
