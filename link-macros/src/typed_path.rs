//! Field paths of typed queries (`title`, `brand.name`), filters built of them
//! (`brand.name == name && title.like("%shirt%")`) and orders (`brand.name.desc()`): read from
//! Rust expressions, expanded to calls the compiler checks one step at a time, each spanned at
//! the name it checks so an error points at it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Member, Type, UnOp};

use crate::ctxt::Ctxt;

const T: &str = "::link_runtime::__private::typed";

pub(crate) fn typed() -> TokenStream {
    T.parse().unwrap_or_default()
}

/// The path of the typed-query items, spanned at `span`, so an unsatisfied bound of a call
/// through it is reported at that name rather than at the macro.
pub(crate) fn typed_at(span: Span) -> TokenStream {
    typed()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// What a path is used for: each use checks more of the hops it goes through.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Filter,
    Order,
}

/// A step of a path: a name, and for a hop the link it goes through when written
/// `(brand as ProductBrand)` (needed only where two links give a model the same property).
pub(crate) struct Step {
    name: Ident,
    link: Option<Type>,
}

/// A path of steps: the hops, then the field.
pub(crate) fn path_of(expr: &Expr) -> Option<Vec<Step>> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(|name| {
            vec![Step {
                name: name.clone(),
                link: None,
            }]
        }),
        Expr::Field(field) => {
            let Member::Named(name) = &field.member else {
                return None;
            };
            let mut path = path_of(&field.base)?;
            path.push(Step {
                name: name.clone(),
                link: None,
            });
            Some(path)
        }
        Expr::Paren(inner) => path_of(&inner.expr),
        Expr::Cast(cast) => {
            let mut path = path_of(&cast.expr)?;
            let last = path.last_mut()?;
            last.link = Some((*cast.ty).clone());
            Some(path)
        }
        _ => None,
    }
}

/// The link type argument of a check: the one written, else `_` (inferred from the only link
/// that gives the model this property).
pub(crate) fn link_arg(link: Option<&Type>, span: Span) -> TokenStream {
    match link {
        Some(ty) => quote!(#ty),
        // Spanned at the name, so "no link by this name" points at it.
        None => quote_spanned!(span=> _),
    }
}

/// Where paths start: the records of a query's root selection, or the records of a nested
/// list (an expression of the `Via` that reached them, so `link.weight` names a column of its
/// link row).
pub(crate) enum Start {
    Root(TokenStream),
    Nested(TokenStream),
}

/// The segment that names the link row which reached the records before it:
/// `tags.link.weight` is the `weight` column of the product–tag row.
const LINK_ROW: &str = "link";

/// The `Col` at the end of `path` from `start`, checked for `usage`.
pub(crate) fn column(cx: &mut Ctxt, start: &Start, path: &[Step], usage: Use) -> TokenStream {
    let t = typed();
    let Some((field, mut hops)) = path.split_last() else {
        return TokenStream::new();
    };
    // `….link.column`: a column of the link row that reached the records.
    let mut on_link = false;
    if let Some((row, before)) = hops.split_last()
        && row.name == LINK_ROW
        && row.link.is_none()
    {
        if before.is_empty() && matches!(start, Start::Root(_)) {
            cx.error_spanned_by(
                &row.name,
                format!(
                    "`link.{0}` names a column of the link row that reached a record, and nothing reached the query's roots: write it after a link, as in `tags.link.{0}`",
                    field.name
                ),
            );
            return TokenStream::new();
        }
        on_link = true;
        hops = before;
    }
    // One name for the path's value at every step, resolved at the macro (the user's names may
    // come from a `macro_rules!` of the user's, with hygiene of its own) and located at the
    // name each step checks, so an error points there.
    let via = |span: Span| Ident::new("__via", Span::call_site().located_at(span));
    let mut steps = TokenStream::new();
    for hop in hops {
        let name = hop.name.to_string();
        let span = hop.name.span();
        let link = link_arg(hop.link.as_ref(), span);
        let via = via(span);
        steps.extend(quote_spanned! {span=>
            let #via = #t::hop::<_, _, _, _, #link, { #t::name_hash(#name) }, _>(#via, #name);
            #t::through_stored(&#via);
        });
        if usage == Use::Order {
            steps.extend(quote_spanned! {span=> #t::through_single(&#via); });
        }
    }
    let field_name = field.name.to_string();
    let span = field.name.span();
    let field = &field.name;
    let via = via(span);
    let start = match start {
        Start::Root(root) => quote!(#t::root::<#root>()),
        Start::Nested(via) => via.clone(),
    };
    if on_link {
        // The link's own columns are always filterable.
        let access = quote_spanned! {span=> |__extra| &__extra.#field };
        return quote! {{
            let #via = #start;
            #steps
            #t::link_field(&#via, #field_name, #access)
        }};
    }
    let filterable = (!hops.is_empty()).then(|| {
        quote_spanned! {span=>
            #t::filterable::<_, _, _, { #t::name_hash(#field_name) }, _>(&#via);
        }
    });
    let access = quote_spanned! {span=> |__model| &__model.#field };
    quote! {{
        let #via = #start;
        #steps
        #filterable
        #t::field(&#via, #field_name, #access)
    }}
}

const FILTER_FORMS: &str = "a filter compares a field path with a value (`title == name`, `brand.name != \"Acme\"`, `price >= 10`) or calls one of like, ilike, is_in, not_in, is_null, is_not_null on it (`title.like(\"%shirt%\")`), combined with &&, || and !";

const METHODS: &[&str] = &[
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "like",
    "ilike",
    "is_in",
    "not_in",
    "is_null",
    "is_not_null",
];

/// A filter expression as a `Cond`.
pub(crate) fn filter(cx: &mut Ctxt, root: &Start, expr: &Expr) -> TokenStream {
    let t = typed();
    match expr {
        Expr::Paren(inner) => filter(cx, root, &inner.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Not(_)) => {
            let inner = filter(cx, root, &unary.expr);
            quote!(#t::not(#inner))
        }
        Expr::Binary(binary) if matches!(binary.op, BinOp::And(_) | BinOp::Or(_)) => {
            let (left, right) = (
                filter(cx, root, &binary.left),
                filter(cx, root, &binary.right),
            );
            if matches!(binary.op, BinOp::And(_)) {
                quote!(#t::and(::std::vec![#left, #right]))
            } else {
                quote!(#t::or(::std::vec![#left, #right]))
            }
        }
        Expr::Binary(binary) => {
            let method = match binary.op {
                BinOp::Eq(_) => "eq",
                BinOp::Ne(_) => "ne",
                BinOp::Lt(_) => "lt",
                BinOp::Le(_) => "lte",
                BinOp::Gt(_) => "gt",
                BinOp::Ge(_) => "gte",
                _ => {
                    cx.error_spanned_by(binary.op, format!("unknown operator: {FILTER_FORMS}"));
                    return no_filter();
                }
            };
            let Some(path) = path_of(&binary.left) else {
                cx.error_spanned_by(
                    &binary.left,
                    format!("expected a field path such as `title` or `brand.name` on the left: {FILTER_FORMS}"),
                );
                return no_filter();
            };
            let column = column(cx, root, &path, Use::Filter);
            if column.is_empty() {
                return no_filter();
            }
            let method = Ident::new(method, binary.op.span());
            let value = &binary.right;
            quote!(#column.#method(#value))
        }
        Expr::MethodCall(call) => {
            let name = call.method.to_string();
            if !METHODS.contains(&name.as_str()) {
                cx.error_spanned_by(
                    &call.method,
                    format!(
                        "`{name}` is not a filter{}: {FILTER_FORMS}",
                        crate::ctxt::did_you_mean(&name, METHODS)
                    ),
                );
                return no_filter();
            }
            let Some(path) = path_of(&call.receiver) else {
                cx.error_spanned_by(
                    &call.receiver,
                    format!(
                        "expected a field path such as `title` or `brand.name`: {FILTER_FORMS}"
                    ),
                );
                return no_filter();
            };
            let column = column(cx, root, &path, Use::Filter);
            if column.is_empty() {
                return no_filter();
            }
            let method = &call.method;
            let args = &call.args;
            quote!(#column.#method(#args))
        }
        other => {
            cx.error_spanned_by(other, FILTER_FORMS);
            no_filter()
        }
    }
}

/// What a filter with a mistake expands to once its error is reported: no condition, so the
/// rest of the query still type-checks.
fn no_filter() -> TokenStream {
    let t = typed();
    quote!(#t::and(::std::vec![]))
}

const ORDER_FORMS: &str = "an order is a field path, ascending (`title`, `brand.name`), or a path with `.asc()` or `.desc()` (`price.desc()`)";

/// An order term (`title`, `brand.name.desc()`) as an `OrderTerm`.
pub(crate) fn order(cx: &mut Ctxt, root: &Start, expr: &Expr) -> TokenStream {
    let (path_expr, direction) = match expr {
        Expr::MethodCall(call)
            if call.args.is_empty() && (call.method == "asc" || call.method == "desc") =>
        {
            (&*call.receiver, call.method.clone())
        }
        other => (other, Ident::new("asc", Span::call_site())),
    };
    let Some(path) = path_of(path_expr) else {
        cx.error_spanned_by(expr, ORDER_FORMS);
        return TokenStream::new();
    };
    let column = column(cx, root, &path, Use::Order);
    if column.is_empty() {
        return column;
    }
    quote!(#column.#direction())
}

/// The terms of `[a, b.desc()]`.
pub(crate) fn order_list(cx: &mut Ctxt, root: &Start, expr: &Expr) -> Vec<TokenStream> {
    match expr {
        Expr::Array(array) => array
            .elems
            .iter()
            .map(|term| order(cx, root, term))
            .filter(|tokens| !tokens.is_empty())
            .collect(),
        other => {
            cx.error_spanned_by(
                other,
                format!("expected a list such as `[brand.name, price.desc()]`: {ORDER_FORMS}"),
            );
            Vec::new()
        }
    }
}
