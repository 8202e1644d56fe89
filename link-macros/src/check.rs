//! Reads the options of a macro input into its typed model and checks them, collecting every
//! error. What needs the models' own fields (a `filterable` name, `field`, `primary_key`) is
//! checked by the expansion, at compile time, against what `#[derive(Linkable)]` recorded.

use heck::{ToSnakeCase, ToUpperCamelCase};
use syn::{
    Data, DeriveInput, Expr, ExprLit, ExprUnary, Fields, GenericArgument, Lit, PathArguments, Type,
    UnOp,
};

use crate::ast::{
    ColumnKind, DefaultLiteral, ExtraColumn, KeyKind, Link, LinkInput, Linkable, Side, SideInput,
};
use crate::attr::{RawOption, known_options, parse_options, span_of};
use crate::ctxt::{Ctxt, did_you_mean};

const SIDE_OPTIONS: &[&str] = &[
    "is_list",
    "delete_cascade",
    "filterable",
    "alias",
    "field",
    "primary_key",
];
const LINK_OPTIONS: &[&str] = &[
    "extra_columns",
    "table",
    "id_prefix",
    "read_only",
    "is_list",
];
/// Columns every link table has, the fields of its entity's `Model` (whose extra columns are
/// its field `extra`), and names the generated `Data` builder needs.
const RESERVED_COLUMNS: &[&str] = &[
    "left",
    "right",
    "extra",
    "id",
    "created_at",
    "updated_at",
    "deleted_at",
    "default",
    "new",
    "named",
];

/// The fixed variants of a link table entity's `Column` (`Left`, `Right`, `Id`, …), as the
/// columns or fields they stand for.
const FIXED_VARIANTS: &[&str] = &[
    "left",
    "right",
    "id",
    "created_at",
    "updated_at",
    "deleted_at",
];

fn side(cx: &mut Ctxt, input: SideInput, which: &str) -> Side {
    let place = format!("on the {which} side");
    let options = known_options(cx, &input.options, SIDE_OPTIONS, &place);
    let mut side = Side {
        ty: input.ty,
        is_list: false,
        delete_cascade: None,
        filterable: Vec::new(),
        alias: None,
        field: None,
        primary_key: None,
    };
    for option in options {
        match option.key().as_str() {
            "is_list" => side.is_list = option.flag(cx),
            "delete_cascade" if option.flag(cx) => {
                side.delete_cascade = Some(option.name.span());
            }
            "filterable" => side.filterable = option.list(cx).unwrap_or_default(),
            "alias" => {
                side.alias = option.string(cx);
                if let Some(alias) = &side.alias
                    && !is_snake_identifier(&alias.value())
                {
                    cx.error_spanned_by(
                        alias,
                        "an alias is a snake_case name such as `brand` or `main_brand`",
                    );
                }
            }
            "field" => side.field = option.ident(cx),
            "primary_key" => side.primary_key = option.ident(cx),
            _ => {}
        }
    }
    side
}

fn is_snake_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// Medusa's rule for module names (`validateModuleName`): camelCase ones (`productReview`)
/// are Medusa's too, and name link tables as it does.
fn is_module_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// Reads and checks a `define_link!` call.
pub(crate) fn link(cx: &mut Ctxt, input: LinkInput) -> Link {
    let left_options = input
        .left
        .options
        .iter()
        .map(|o| o.name.clone())
        .collect::<Vec<_>>();
    let left = side(cx, input.left, "left");
    let right = side(cx, input.right, "right");
    let options = known_options(cx, &input.options, LINK_OPTIONS, "on the link");
    let mut link = Link {
        attrs: input.attrs,
        vis: input.vis,
        name: input.name,
        left,
        right,
        extra_columns: Vec::new(),
        table: None,
        id_prefix: None,
        read_only: false,
        read_only_list: false,
    };
    for option in &options {
        match option.key().as_str() {
            "extra_columns" => {
                if let Some(block) = option.block(cx) {
                    link.extra_columns = extra_columns(cx, block);
                }
            }
            "table" => {
                link.table = option.string(cx);
                // A longer name is compressed to 58 characters, as Medusa does. Medusa counts
                // characters and PostgreSQL truncates past 63 bytes: ASCII keeps them equal.
                if let Some(table) = &link.table
                    && (table.value().is_empty() || !table.value().is_ascii())
                {
                    cx.error_spanned_by(
                        table,
                        "a table name is one or more ASCII characters, such as `product_brand`",
                    );
                }
            }
            "id_prefix" => {
                link.id_prefix = option.string(cx);
                if let Some(prefix) = &link.id_prefix
                    && (prefix.value().is_empty()
                        || !prefix.value().chars().all(|c| c.is_ascii_alphanumeric()))
                {
                    cx.error_spanned_by(prefix, "an id prefix is letters and digits, such as `pb`");
                }
            }
            "read_only" => link.read_only = option.flag(cx),
            "is_list" => link.read_only_list = option.flag(cx),
            _ => {}
        }
    }

    let name = link.name.to_string();
    if link.read_only {
        for side in [&link.left, &link.right] {
            if let Some(first) = side.filterable.first() {
                cx.error_spanned_by(
                    first,
                    format!("link `{name}` is read-only, and read-only links are not filterable (Query cannot filter through a link with no table): remove `filterable(…)`"),
                );
            }
            if let Some(span) = side.delete_cascade {
                cx.error_at(span, format!("link `{name}` is read-only: it has no link rows to cascade a delete through; remove `delete_cascade`"));
            }
        }
        if link.left.field.is_none() {
            cx.error_spanned_by(
                &link.left.ty,
                format!("read-only link `{name}` needs `field = …` on its left side: the field of the left model that holds the right record's id, as in `post::Model [field = product_id] => product::Model`"),
            );
        }
        if link.left.is_list
            && let Some(span) = left_options.iter().find(|o| *o == "is_list")
        {
            cx.error_spanned_by(
                span,
                format!("on read-only link `{name}`, `is_list` goes on the right side (or on the link): it makes the left record's linked value a list"),
            );
        }
        for option in &options {
            if ["extra_columns", "table", "id_prefix"].contains(&option.key().as_str()) {
                cx.error_spanned_by(
                    &option.name,
                    format!("link `{name}` is read-only: it has no table, so `{}` does not apply; remove it", option.name),
                );
            }
        }
    } else {
        for (side, which) in [(&link.left, "left"), (&link.right, "right")] {
            for (option, value) in [("field", &side.field), ("primary_key", &side.primary_key)] {
                if let Some(ident) = value {
                    cx.error_spanned_by(
                        ident,
                        format!("`{option}` on the {which} side is only for read-only links; add `read_only` to the link, or remove `{option}`"),
                    );
                }
            }
        }
        if let Some(span) = span_of(&options, "is_list") {
            cx.error_at(
                span,
                format!("`is_list` on the link itself is only for read-only links; on link `{name}` put it on a side: `Left [is_list] => Right`"),
            );
        }
    }
    if link.right.field.is_some() {
        cx.error_spanned_by(
            &link.right.ty,
            "`field` belongs on the left side of a read-only link",
        );
    }
    if link.left.primary_key.is_some() {
        cx.error_spanned_by(
            &link.left.ty,
            "`primary_key` belongs on the right side of an inverse read-only link",
        );
    }
    link
}

fn extra_columns(cx: &mut Ctxt, block: proc_macro2::TokenStream) -> Vec<ExtraColumn> {
    use syn::parse::Parser;
    let parser = |input: syn::parse::ParseStream| {
        let mut items = Vec::new();
        while !input.is_empty() {
            let name: syn::Ident = input.parse()?;
            input.parse::<syn::Token![:]>()?;
            let ty: Type = input.parse()?;
            let default = if input.peek(syn::Token![=]) {
                input.parse::<syn::Token![=]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            items.push((name, ty, default));
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
        }
        Ok(items)
    };
    let items = match parser.parse2(block) {
        Ok(items) => items,
        Err(err) => {
            cx.syn_error(syn::Error::new(
                err.span(),
                format!(
                    "{err}; extra columns are written `name: Type = default, other: Option<Type>`"
                ),
            ));
            return Vec::new();
        }
    };
    let mut columns: Vec<ExtraColumn> = Vec::new();
    for (name, ty, default) in items {
        let text = name.to_string();
        if let Some(bare) = text.strip_prefix("r#") {
            // The name is the column's in SQL and JSON, where `r#` would be kept verbatim.
            cx.error_spanned_by(&name, format!("`{text}` is a raw identifier, which cannot name an extra column (the column would be `{text}`, not `{bare}`); name the extra column differently"));
            continue;
        }
        if RESERVED_COLUMNS.contains(&text.as_str()) {
            cx.error_spanned_by(&name, format!("`{text}` is a name every link table, its sea-orm entity or its data builder already uses; name the extra column differently"));
            continue;
        }
        if columns.iter().any(|c| c.name == name) {
            cx.error_spanned_by(
                &name,
                format!("the extra column `{text}` is declared twice"),
            );
            continue;
        }
        // Each column is a variant of the entity's `Column` enum, in UpperCamelCase.
        let variant = text.to_upper_camel_case();
        let taken = FIXED_VARIANTS
            .iter()
            .map(|v| v.to_string())
            .chain(columns.iter().map(|c| c.name.to_string()))
            .find(|other| other.to_upper_camel_case() == variant);
        if let Some(other) = taken {
            cx.error_spanned_by(&name, format!("the extra column `{text}` would be the variant `Column::{variant}` of the link table's entity, which `{other}` already is; name the extra column differently"));
            continue;
        }
        let (inner, nullable) = match option_inner(&ty) {
            Some(inner) => (inner, true),
            None => (&ty, false),
        };
        let Some(kind) = column_kind(inner) else {
            cx.error_spanned_by(
                &ty,
                format!(
                    "unsupported extra column type; use {}, or an Option of one of them for a nullable column",
                    ColumnKind::SUPPORTED
                ),
            );
            continue;
        };
        let default = default.and_then(|expr| default_literal(cx, &text, kind, &expr));
        columns.push(ExtraColumn {
            name,
            ty,
            kind,
            nullable,
            default,
        });
    }
    columns
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

fn option_inner(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Option" {
        return None;
    }
    match &segment.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first()? {
            GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

fn column_kind(ty: &Type) -> Option<ColumnKind> {
    ColumnKind::of(&last_segment(ty)?.ident.to_string())
}

fn default_literal(
    cx: &mut Ctxt,
    column: &str,
    kind: ColumnKind,
    expr: &Expr,
) -> Option<DefaultLiteral> {
    let (lit, negative) = match expr {
        Expr::Lit(ExprLit { lit, .. }) => (lit, false),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(ExprLit { lit, .. }) => (lit, true),
            _ => (&Lit::Verbatim(proc_macro2::Literal::u8_suffixed(0)), true),
        },
        _ => {
            cx.error_spanned_by(
                expr,
                format!(
                    "the default of `{column}` must be a literal (`false`, `0`, `1.5`, `\"text\"`)"
                ),
            );
            return None;
        }
    };
    let sign = if negative { -1 } else { 1 };
    let value = match lit {
        Lit::Bool(b) if kind == ColumnKind::Bool && !negative => {
            Some(DefaultLiteral::Bool(b.value))
        }
        Lit::Int(i) if kind.is_integer() => i
            .base10_parse::<i64>()
            .ok()
            .map(|v| DefaultLiteral::Int(sign * v)),
        Lit::Float(f) if kind.is_float() => f
            .base10_parse::<f64>()
            .ok()
            .map(|v| DefaultLiteral::Float(sign as f64 * v)),
        Lit::Int(i) if kind.is_float() => i
            .base10_parse::<f64>()
            .ok()
            .map(|v| DefaultLiteral::Float(sign as f64 * v)),
        Lit::Str(s)
            if !negative && kind != ColumnKind::Bool && !kind.is_integer() && !kind.is_float() =>
        {
            Some(DefaultLiteral::Str(s.value()))
        }
        _ => None,
    };
    if let Some(DefaultLiteral::Str(text)) = &value
        && text.contains('\0')
    {
        cx.error_spanned_by(
            expr,
            format!(
                "the default of `{column}` holds a NUL byte, which PostgreSQL cannot store in text: remove it"
            ),
        );
        return None;
    }
    if value.is_none() {
        let expected = if kind == ColumnKind::Bool {
            "`true` or `false`"
        } else if kind.is_integer() {
            "an integer literal"
        } else if kind.is_float() {
            "a number literal"
        } else {
            "a string literal: text, or a date (`\"2024-02-03\"`), date-time (`\"2024-02-03T04:05:06Z\"`), UUID, JSON document or decimal number, which `build()` checks"
        };
        cx.error_spanned_by(
            expr,
            format!("this default does not fit the column `{column}`: expected {expected}"),
        );
    }
    value
}

/// Reads and checks a `#[derive(Linkable)]` input.
pub(crate) fn linkable(cx: &mut Ctxt, input: &DeriveInput) -> Linkable {
    let ident = input.ident.clone();
    let mut model = Linkable {
        ident: ident.clone(),
        module: String::new(),
        name: String::new(),
        key: String::new(),
        primary_key: None,
        key_kind: KeyKind::String,
        fields: Vec::new(),
        renamed_columns: Vec::new(),
        soft_deletable: false,
        table: None,
        is_sea_orm: false,
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a linkable model cannot be generic");
    }

    // #[sea_orm(table_name = "…")]
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sea_orm")) {
        if let Ok(options) = attr.parse_args_with(parse_options) {
            for option in options {
                if option.name == "table_name"
                    && let Some(table) = option.str_value()
                {
                    model.table = Some(table);
                    model.is_sea_orm = true;
                }
            }
        }
    }

    // #[linkable(module = "…", name = "…", key = "…", primary_key = "…")]
    let mut module = None;
    let mut name = None;
    let mut key = None;
    let mut named_primary_key = None;
    let mut saw_attr = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("linkable")) {
        saw_attr = true;
        let options = match attr.parse_args_with(parse_options) {
            Ok(options) => options,
            Err(err) => {
                cx.syn_error(err);
                continue;
            }
        };
        let options: Vec<RawOption> = options;
        for option in known_options(
            cx,
            &options,
            &["module", "name", "key", "primary_key"],
            "in #[linkable(…)]",
        ) {
            let value = option.string(cx);
            if let Some(value) = &value {
                if option.name == "module" {
                    if !is_module_name(&value.value()) {
                        cx.error_spanned_by(
                            value,
                            "`module` must be letters, digits and `_`, not starting with a digit, as Medusa's module names are (`product`, `productReview`)",
                        );
                    }
                } else if !is_snake_identifier(&value.value()) {
                    cx.error_spanned_by(
                        value,
                        format!("`{}` must be a snake_case name", option.name),
                    );
                }
            }
            match option.key().as_str() {
                "module" => module = value,
                "name" => name = value,
                "key" => key = value,
                "primary_key" => named_primary_key = value,
                _ => {}
            }
        }
    }

    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(&named.named),
            _ => {
                cx.error_spanned_by(&ident, "a linkable model is a struct with named fields; tuple and unit structs cannot be linked");
                None
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "a linkable model is a struct with named fields, not an enum",
            );
            None
        }
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "a linkable model is a struct with named fields, not a union",
            );
            None
        }
    };

    let mut marked = Vec::new();
    let mut by_name = None;
    if let Some(fields) = fields {
        for field in fields {
            let Some(field_ident) = &field.ident else {
                continue;
            };
            let field_name = field_ident.to_string();
            model.fields.push(field_name.clone());
            let mut column = field_name.clone();
            let mut is_pk = false;
            for attr in &field.attrs {
                if attr.path().is_ident("sea_orm") {
                    if let Ok(options) = attr.parse_args_with(parse_options) {
                        for option in options {
                            if option.name == "primary_key" {
                                is_pk = true;
                            }
                            if option.name == "column_name"
                                && let Some(name) = option.str_value()
                            {
                                column = name;
                            }
                        }
                    }
                } else if attr.path().is_ident("linkable") {
                    match attr.parse_args_with(parse_options) {
                        Ok(options) => {
                            for option in
                                known_options(cx, &options, &["primary_key"], "on a field")
                            {
                                is_pk |= option.flag(cx);
                            }
                        }
                        Err(err) => cx.syn_error(err),
                    }
                }
            }
            if column != field_name {
                model
                    .renamed_columns
                    .push((field_name.clone(), column.clone()));
            }
            if is_pk {
                marked.push((field_ident.clone(), column.clone(), field.ty.clone()));
            }
            if field_name == "id" {
                by_name = Some((field_ident.clone(), column.clone(), field.ty.clone()));
            }
            if field_name == "deleted_at" && option_inner(&field.ty).is_some() {
                model.soft_deletable = true;
                if column != field_name {
                    // Deletes, restores and every read of live records name the column.
                    cx.error_spanned_by(
                        field_ident,
                        format!("`deleted_at` is read and stamped by its column, which must be named `deleted_at` too: remove `column_name = \"{column}\"`"),
                    );
                }
            }
        }
    }

    if marked.len() > 1 {
        cx.error_spanned_by(&marked[1].0, "a linkable model has one primary key; composite keys cannot be linked (Medusa's link tables hold one key column per side)");
    }
    let primary = if let Some(named) = &named_primary_key {
        let found = fields.and_then(|fields| {
            fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| *i == named.value()))
        });
        match found {
            Some(field) => field.ident.clone().map(|i| {
                // The key's column: the field's own `column_name`, if it has one.
                let name = i.to_string();
                let column = model
                    .renamed_columns
                    .iter()
                    .find(|(f, _)| *f == name)
                    .map_or(name, |(_, c)| c.clone());
                (i.clone(), column, field.ty.clone())
            }),
            None => {
                let known: Vec<&str> = model.fields.iter().map(String::as_str).collect();
                cx.error_spanned_by(
                    named,
                    format!(
                        "`{}` is not a field of `{ident}`{}; the fields are: {}",
                        named.value(),
                        did_you_mean(&named.value(), &known),
                        known.join(", ")
                    ),
                );
                None
            }
        }
    } else {
        marked.into_iter().next().or(by_name)
    };
    match &primary {
        Some((field, column, ty)) => {
            model.primary_key = Some((field.clone(), column.clone()));
            match last_segment(ty).and_then(|s| KeyKind::of(&s.ident.to_string())) {
                Some(kind) => model.key_kind = kind,
                None => cx.error_spanned_by(ty, "a linkable primary key is a String, an integer or a Uuid"),
            }
        }
        None if fields.is_some() && named_primary_key.is_none() => cx.error_spanned_by(
            &ident,
            format!("`{ident}` has no primary key: mark its key field with `#[sea_orm(primary_key)]` or `#[linkable(primary_key)]`, or name it `id`"),
        ),
        None => {}
    }

    match module {
        Some(module) => model.module = module.value(),
        None => cx.error_spanned_by(
            &ident,
            if saw_attr {
                format!("`#[linkable(…)]` on `{ident}` needs `module = \"…\"`: the module the model belongs to")
            } else {
                format!("`{ident}` needs `#[linkable(module = \"…\")]`: the module the model belongs to")
            },
        ),
    }
    model.name = match (name, &model.table) {
        (Some(name), _) => name.value(),
        (None, Some(table)) => table.to_snake_case(),
        (None, None) if ident == "Model" => {
            cx.error_spanned_by(&ident, "name this model: `#[linkable(module = \"…\", name = \"…\")]` (it has no sea-orm table_name to take the name from)");
            String::new()
        }
        (None, None) => ident.to_string().to_snake_case(),
    };
    model.key = match key {
        Some(key) => key.value(),
        None => format!(
            "{}_{}",
            model.name,
            model
                .primary_key
                .as_ref()
                .map(|(_, c)| c.as_str())
                .unwrap_or("id")
        ),
    };
    model
}
