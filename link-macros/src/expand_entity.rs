//! The link table as a sea-orm entity. `Entity`, `Model`, `ActiveModel` and `PrimaryKey` are
//! the runtime's generic types at the link's marker (`link_runtime::link_entity`), which
//! implement sea-orm's traits once for every link; a link writes only what differs between
//! links: its `Column` enum, the extra columns as sea-orm writes them (`ActiveExtra`), and
//! `LinkColumns`, which says which field each column names. sea-orm's code for a link table is
//! then compiled only where it is used, not once per link in the crate that declares it
//! (only `Column`'s own traits are, per link).
//!
//! The fields have fixed names (`left`, `right`, `id`, timestamps, then `extra`); the database
//! names of the key columns and of the table come from the models' `Linkable` impls, so the
//! table's and `Column`'s names are read from the link's `SPEC`.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Type};

use crate::ast::Link;

pub(crate) fn entity(link: &Link) -> TokenStream {
    let p = crate::expand_link::private();
    let name = &link.name;
    let spec = quote!(<super::#name as #p::LinkDefinition>::SPEC);
    let time: Type = syn::parse_quote!(#p::sea_orm::prelude::DateTimeUtc);
    let string: Type = syn::parse_quote!(::std::string::String);
    let optional_time: Type = syn::parse_quote!(::core::option::Option<#time>);
    let fixed = [
        ("left", "Left", &string),
        ("right", "Right", &string),
        ("id", "Id", &string),
        ("created_at", "CreatedAt", &time),
        ("updated_at", "UpdatedAt", &time),
        ("deleted_at", "DeletedAt", &optional_time),
    ];
    let mut fields: Vec<Ident> = fixed.iter().map(|(f, _, _)| format_ident!("{f}")).collect();
    let mut variants: Vec<Ident> = fixed.iter().map(|(_, v, _)| format_ident!("{v}")).collect();
    let mut types: Vec<&Type> = fixed.iter().map(|(_, _, t)| *t).collect();
    for column in &link.extra_columns {
        fields.push(column.name.clone());
        variants.push(format_ident!(
            "{}",
            column.name.to_string().to_upper_camel_case()
        ));
        types.push(&column.ty);
    }
    let field_names: Vec<String> = fields.iter().map(Ident::to_string).collect();
    let extra_fields = &fields[fixed.len()..];
    let extra_types = &types[fixed.len()..];
    let extra_variants = &variants[fixed.len()..];
    let extra_names = &field_names[fixed.len()..];
    let fixed_fields = &fields[..fixed.len()];
    // How a row reaches the field of each column: `row.left`, `row.extra.featured`.
    let paths: Vec<TokenStream> = fixed_fields
        .iter()
        .map(|f| quote!(#f))
        .chain(extra_fields.iter().map(|f| quote!(extra.#f)))
        .collect();
    let count = fields.len();
    let entity_doc = format!("The link table of [`{name}`](super::{name}).");
    quote! {
        use #p::sea_orm;

        #[doc = #entity_doc]
        pub type Entity = #p::LinkEntity<super::#name>;

        #[doc = #entity_doc]
        #[allow(non_upper_case_globals)]
        pub const Entity: Entity = #p::LinkEntity::NEW;

        /// One row of the link table, live or dismissed.
        pub type Model = #p::LinkModel<super::#name>;

        /// A row of the link table as sea-orm writes it: each column `Set`, `Unchanged` or
        /// `NotSet`.
        pub type ActiveModel = #p::LinkActiveModel<super::#name>;

        /// The primary key: the two key columns.
        pub type PrimaryKey = #p::LinkPrimaryKey<super::#name>;

        /// A link table has no relations of its own: links are resolved by the runtime.
        pub type Relation = #p::NoRelation;

        /// The extra columns of a row as sea-orm writes them (an `ActiveModel`'s `extra`).
        #[allow(missing_docs)]
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq, ::core::default::Default)]
        pub struct ActiveExtra {
            #( pub #extra_fields: sea_orm::ActiveValue<#extra_types>, )*
        }

        impl #p::ActiveExtraColumns for ActiveExtra {
            type Extra = Extra;

            fn default_values() -> Self {
                // sea-orm's choice of a default per field type (by autoref), as its derive makes it.
                #[allow(unused_imports)]
                use sea_orm::value::{DefaultActiveValue, DefaultActiveValueNone, DefaultActiveValueNotSet};
                #[allow(unused_mut)]
                let mut default = <Self as ::core::default::Default>::default();
                #( default.#extra_fields = (&default.#extra_fields).default_value(); )*
                default
            }

            fn unchanged(extra: Extra) -> Self {
                Self { #( #extra_fields: sea_orm::ActiveValue::Unchanged(extra.#extra_fields), )* }
            }

            fn values(self) -> ::core::result::Result<Extra, sea_orm::DbErr> {
                ::core::result::Result::Ok(Extra { #( #extra_fields: #p::required(self.#extra_fields, #extra_names)?, )* })
            }
        }

        /// The columns of the link table.
        #[derive(::core::marker::Copy, ::core::clone::Clone, ::core::fmt::Debug)]
        pub enum Column {
            /// The left key column (e.g. `product_id`).
            Left,
            /// The right key column (e.g. `brand_id`).
            Right,
            /// `id`.
            Id,
            /// `created_at`.
            CreatedAt,
            /// `updated_at`.
            UpdatedAt,
            /// `deleted_at`.
            DeletedAt,
            #(
                #[allow(missing_docs)]
                #extra_variants,
            )*
        }

        impl sea_orm::Iterable for Column {
            type Iterator = ::core::array::IntoIter<Self, #count>;

            fn iter() -> Self::Iterator {
                [#(Self::#variants),*].into_iter()
            }
        }

        impl sea_orm::IdenStatic for Column {
            fn as_str(&self) -> &'static str {
                match self {
                    Self::Left => #spec.left.column,
                    Self::Right => #spec.right.column,
                    Self::Id => "id",
                    Self::CreatedAt => "created_at",
                    Self::UpdatedAt => "updated_at",
                    Self::DeletedAt => "deleted_at",
                    #( Self::#extra_variants => #extra_names, )*
                }
            }
        }

        impl sea_orm::Iden for Column {
            fn unquoted(&self) -> &str {
                sea_orm::IdenStatic::as_str(self)
            }
        }

        impl ::core::str::FromStr for Column {
            type Err = sea_orm::ColumnFromStrErr;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                #p::column_from_str::<super::#name>(s)
            }
        }

        impl sea_orm::ColumnTrait for Column {
            type EntityName = Entity;

            fn def(&self) -> sea_orm::ColumnDef {
                // From the description the link table's DDL is written from too.
                #p::link_column_def(&#spec, sea_orm::IdenStatic::as_str(self))
            }
        }

        impl #p::LinkColumns for super::#name {
            type Column = Column;
            type ActiveExtra = ActiveExtra;
            const LEFT: Column = Column::Left;
            const RIGHT: Column = Column::Right;
            const FIELDS: &'static [&'static str] = &[#(#field_names),*];

            fn table_name() -> &'static str {
                static NAME: ::std::sync::OnceLock<::std::string::String> = ::std::sync::OnceLock::new();
                NAME.get_or_init(|| #p::link_table_name(&#spec))
            }

            fn field(row: &Model, column: Column) -> &dyn #p::ModelField {
                match column { #( Column::#variants => &row.#paths, )* }
            }

            fn field_mut(row: &mut Model, column: Column) -> &mut dyn #p::ModelField {
                match column { #( Column::#variants => &mut row.#paths, )* }
            }

            fn active(row: &ActiveModel, column: Column) -> &dyn #p::ActiveField {
                match column { #( Column::#variants => &row.#paths, )* }
            }

            fn active_mut(row: &mut ActiveModel, column: Column) -> &mut dyn #p::ActiveField {
                match column { #( Column::#variants => &mut row.#paths, )* }
            }

            fn value_type(column: Column) -> sea_orm::sea_query::ArrayType {
                match column { #( Column::#variants => #p::array_type::<#types>(), )* }
            }

            fn key_part(column: Column) -> ::core::option::Option<PrimaryKey> {
                match column {
                    Column::Left => ::core::option::Option::Some(#p::LinkPrimaryKey::Left),
                    Column::Right => ::core::option::Option::Some(#p::LinkPrimaryKey::Right),
                    _ => ::core::option::Option::None,
                }
            }
        }

        /// The left side of a row read from the link's entry point, as a typed query reaches it.
        #[doc(hidden)]
        pub enum LeftSide {}

        /// The right side of a row read from the link's entry point.
        #[doc(hidden)]
        pub enum RightSide {}
    }
}
