//! Options as written (`is_list`, `alias = "…"`, `filterable(a, b)`, `extra_columns { … }`),
//! parsed loosely first so that every mistake in a list can be reported, then read one by one.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token, braced, parenthesized};

use crate::ctxt::{Ctxt, did_you_mean};

/// One option: a bare flag, `name = value`, `name(a, b)` or `name { … }`.
pub(crate) struct RawOption {
    pub(crate) name: Ident,
    pub(crate) value: OptionValue,
}

pub(crate) enum OptionValue {
    Flag,
    Eq(Expr),
    List(Punctuated<Ident, Token![,]>),
    Block(TokenStream),
}

impl Parse for RawOption {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let value = if input.peek(Token![=]) && !input.peek(Token![=>]) {
            input.parse::<Token![=]>()?;
            OptionValue::Eq(input.parse()?)
        } else if input.peek(syn::token::Paren) {
            let content;
            parenthesized!(content in input);
            OptionValue::List(content.parse_terminated(syn::ext::IdentExt::parse_any, Token![,])?)
        } else if input.peek(syn::token::Brace) {
            let content;
            braced!(content in input);
            OptionValue::Block(content.parse()?)
        } else {
            OptionValue::Flag
        };
        Ok(RawOption { name, value })
    }
}

impl RawOption {
    pub(crate) fn key(&self) -> String {
        self.name.to_string()
    }

    fn describe_expected(&self, cx: &mut Ctxt, form: &str) {
        cx.error_spanned_by(&self.name, format!("`{}` expects {form}", self.name));
    }

    /// `name` alone.
    pub(crate) fn flag(&self, cx: &mut Ctxt) -> bool {
        match self.value {
            OptionValue::Flag => true,
            _ => {
                self.describe_expected(cx, &format!("no value: write `{}` alone", self.name));
                false
            }
        }
    }

    /// The value of `name = value`, out of the invisible groups a `macro_rules!` fragment
    /// (`$m:literal`, `$m:expr`) puts around it.
    pub(crate) fn eq_value(&self) -> Option<&Expr> {
        let OptionValue::Eq(expr) = &self.value else {
            return None;
        };
        let mut expr: &Expr = expr;
        while let Expr::Group(group) = expr {
            expr = &group.expr;
        }
        Some(expr)
    }

    /// The text of `name = "text"`, if that is the option's form (no error otherwise: for
    /// attributes of other derives, read in passing).
    pub(crate) fn str_value(&self) -> Option<String> {
        match self.eq_value() {
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => Some(s.value()),
            _ => None,
        }
    }

    /// `name = "text"`.
    pub(crate) fn string(&self, cx: &mut Ctxt) -> Option<LitStr> {
        match self.eq_value() {
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => Some(s.clone()),
            _ => {
                self.describe_expected(cx, &format!("a string: `{} = \"…\"`", self.name));
                None
            }
        }
    }

    /// `name = ident` (a field name; a string is accepted too).
    pub(crate) fn ident(&self, cx: &mut Ctxt) -> Option<Ident> {
        match self.eq_value() {
            Some(Expr::Path(path)) if path.path.get_ident().is_some() => {
                path.path.get_ident().cloned()
            }
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => s.parse().ok().or_else(|| {
                cx.error_spanned_by(s, "expected a field name");
                None
            }),
            _ => {
                self.describe_expected(cx, &format!("a field name: `{} = field`", self.name));
                None
            }
        }
    }

    /// `name(a, b, …)`.
    pub(crate) fn list(&self, cx: &mut Ctxt) -> Option<Vec<Ident>> {
        match &self.value {
            OptionValue::List(items) => Some(items.iter().cloned().collect()),
            _ => {
                self.describe_expected(cx, &format!("a list of fields: `{}(a, b)`", self.name));
                None
            }
        }
    }

    /// `name { … }`.
    pub(crate) fn block(&self, cx: &mut Ctxt) -> Option<TokenStream> {
        match &self.value {
            OptionValue::Block(tokens) => Some(tokens.clone()),
            _ => {
                self.describe_expected(cx, &format!("a block: `{} {{ … }}`", self.name));
                None
            }
        }
    }
}

/// Parses `a, b = "x", c(d)` into options.
pub(crate) fn parse_options(input: ParseStream) -> syn::Result<Vec<RawOption>> {
    Ok(Punctuated::<RawOption, Token![,]>::parse_terminated(input)?
        .into_iter()
        .collect())
}

/// Reports unknown and duplicated options of one list; returns the known ones, first
/// occurrence only.
pub(crate) fn known_options<'a>(
    cx: &mut Ctxt,
    options: &'a [RawOption],
    known: &[&str],
    place: &str,
) -> Vec<&'a RawOption> {
    let mut seen: Vec<String> = Vec::new();
    let mut kept = Vec::new();
    for option in options {
        let key = option.key();
        if !known.contains(&key.as_str()) {
            cx.error_spanned_by(
                &option.name,
                format!(
                    "unknown option `{key}` {place}{}; expected one of: {}",
                    did_you_mean(&key, known),
                    known.join(", ")
                ),
            );
        } else if seen.contains(&key) {
            cx.error_spanned_by(
                &option.name,
                format!("`{key}` is given twice {place}; give each option once"),
            );
        } else {
            seen.push(key);
            kept.push(option);
        }
    }
    kept
}

/// The span of the first option named `name`, if any.
pub(crate) fn span_of(options: &[&RawOption], name: &str) -> Option<Span> {
    options
        .iter()
        .find(|o| o.name == name)
        .map(|o| o.name.span())
}
