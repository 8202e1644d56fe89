//! The typed models the macros work on: what a `define_link!` call and a `#[derive(Linkable)]`
//! input say, once parsed.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Token, Type, Visibility, bracketed};

use crate::attr::{RawOption, parse_options};

/// A `define_link!` call as written:
/// `#[doc] vis Name: Left [options] => Right [options], link options…`.
pub(crate) struct LinkInput {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) left: SideInput,
    pub(crate) right: SideInput,
    pub(crate) options: Vec<RawOption>,
}

pub(crate) struct SideInput {
    pub(crate) ty: Type,
    pub(crate) options: Vec<RawOption>,
}

impl Parse for SideInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let ty = Type::without_plus(input)?;
        let options = if input.peek(syn::token::Bracket) {
            let content;
            bracketed!(content in input);
            parse_options(&content)?
        } else {
            Vec::new()
        };
        Ok(SideInput { ty, options })
    }
}

impl Parse for LinkInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the link's name: `define_link! { pub ProductBrand: product::Model => brand::Model }`",
            )
        })?;
        input.parse::<Token![:]>()?;
        let left: SideInput = input.parse()?;
        input.parse::<Token![=>]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `=>` between the left and the right model (`Left [options] => Right [options]`)",
            )
        })?;
        let right: SideInput = input.parse()?;
        let options = if input.is_empty() {
            Vec::new()
        } else {
            input.parse::<Token![,]>()?;
            parse_options(input)?
        };
        Ok(LinkInput {
            attrs,
            vis,
            name,
            left,
            right,
            options,
        })
    }
}

/// One side of a link, its options read.
pub(crate) struct Side {
    pub(crate) ty: Type,
    pub(crate) is_list: bool,
    pub(crate) delete_cascade: Option<Span>,
    pub(crate) filterable: Vec<Ident>,
    pub(crate) alias: Option<LitStr>,
    pub(crate) field: Option<Ident>,
    pub(crate) primary_key: Option<Ident>,
}

/// An extra column: `name: Type = default`.
pub(crate) struct ExtraColumn {
    pub(crate) name: Ident,
    /// The type as written (`Option<String>`).
    pub(crate) ty: Type,
    /// What the column holds.
    pub(crate) kind: ColumnKind,
    pub(crate) nullable: bool,
    pub(crate) default: Option<DefaultLiteral>,
}

/// What an extra column holds: one variant per supported Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Bool,
    SmallInt,
    Integer,
    BigInt,
    Float,
    Double,
    Text,
    TimestampTz,
    Timestamp,
    Date,
    Uuid,
    Json,
    Decimal,
}

impl ColumnKind {
    /// The Rust types an extra column may have, as an error message lists them.
    pub(crate) const SUPPORTED: &'static str = "bool, i16, i32, i64, f32, f64, String, chrono::DateTime<Utc>, chrono::NaiveDateTime, chrono::NaiveDate, uuid::Uuid, serde_json::Value or rust_decimal::Decimal";

    /// The kind of a Rust type, by its last path segment.
    pub(crate) fn of(type_name: &str) -> Option<Self> {
        Some(match type_name {
            "bool" => ColumnKind::Bool,
            "i16" => ColumnKind::SmallInt,
            "i32" => ColumnKind::Integer,
            "i64" => ColumnKind::BigInt,
            "f32" => ColumnKind::Float,
            "f64" => ColumnKind::Double,
            "String" => ColumnKind::Text,
            "DateTime" | "DateTimeUtc" => ColumnKind::TimestampTz,
            "NaiveDateTime" => ColumnKind::Timestamp,
            "NaiveDate" => ColumnKind::Date,
            "Uuid" => ColumnKind::Uuid,
            "Value" | "Json" => ColumnKind::Json,
            "Decimal" => ColumnKind::Decimal,
            _ => return None,
        })
    }

    /// The runtime's `ColumnType` variant.
    pub(crate) fn runtime_variant(self) -> &'static str {
        match self {
            ColumnKind::Bool => "Bool",
            ColumnKind::SmallInt => "SmallInt",
            ColumnKind::Integer => "Integer",
            ColumnKind::BigInt => "BigInt",
            ColumnKind::Float => "Float",
            ColumnKind::Double => "Double",
            ColumnKind::Text => "Text",
            ColumnKind::TimestampTz => "TimestampTz",
            ColumnKind::Timestamp => "Timestamp",
            ColumnKind::Date => "Date",
            ColumnKind::Uuid => "Uuid",
            ColumnKind::Json => "Json",
            ColumnKind::Decimal => "Decimal",
        }
    }

    /// Whether a default is written as an integer, a number, `true`/`false`, or text.
    pub(crate) fn is_integer(self) -> bool {
        matches!(
            self,
            ColumnKind::SmallInt | ColumnKind::Integer | ColumnKind::BigInt
        )
    }

    pub(crate) fn is_float(self) -> bool {
        matches!(self, ColumnKind::Float | ColumnKind::Double)
    }
}

/// What a linkable model's primary key holds (the runtime's `KeyKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    String,
    Integer,
    Uuid,
}

impl KeyKind {
    /// The kind of a primary key's Rust type, by its last path segment.
    pub(crate) fn of(type_name: &str) -> Option<Self> {
        Some(match type_name {
            "String" => KeyKind::String,
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => KeyKind::Integer,
            "Uuid" => KeyKind::Uuid,
            _ => return None,
        })
    }

    /// The runtime's `KeyKind` variant.
    pub(crate) fn runtime_variant(self) -> &'static str {
        match self {
            KeyKind::String => "String",
            KeyKind::Integer => "Integer",
            KeyKind::Uuid => "Uuid",
        }
    }
}

pub(crate) enum DefaultLiteral {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// A `define_link!` call, read and checked.
pub(crate) struct Link {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) left: Side,
    pub(crate) right: Side,
    pub(crate) extra_columns: Vec<ExtraColumn>,
    pub(crate) table: Option<LitStr>,
    pub(crate) id_prefix: Option<LitStr>,
    pub(crate) read_only: bool,
    pub(crate) read_only_list: bool,
}

/// A `#[derive(Linkable)]` input, read and checked.
pub(crate) struct Linkable {
    pub(crate) ident: Ident,
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) key: String,
    /// The primary key's field and its column name.
    pub(crate) primary_key: Option<(Ident, String)>,
    pub(crate) key_kind: KeyKind,
    pub(crate) fields: Vec<String>,
    /// The fields whose column is named otherwise, with the column.
    pub(crate) renamed_columns: Vec<(String, String)>,
    pub(crate) soft_deletable: bool,
    pub(crate) table: Option<String>,
    pub(crate) is_sea_orm: bool,
}
