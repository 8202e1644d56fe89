//! The link table as a sea-orm entity: `Entity`, `Model`, `ActiveModel`, `Column`,
//! `PrimaryKey` and `Relation`, as sea-orm's derives would write them for users, but with
//! sea-orm's traits implemented by hand. sea-orm's derives write a `match` over every column
//! in every method (about 45 KiB of code a link); here each method hands the one field a column
//! names to the runtime's `ModelField`/`ActiveField` as a `&dyn`, so that code is compiled
//! once per column type, not once per link.
//!
//! The fields have fixed names (`left`, `right`, `id`, timestamps, extra columns); the
//! database names of the key columns and of the table come from the models' `Linkable` impls,
//! so `EntityName` and `Column`'s names are read from the link's `SPEC`.

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
    let count = fields.len();
    let entity_doc = format!("The link table of [`{name}`](super::{name}).");
    quote! {
        use #p::sea_orm;

        #[doc = #entity_doc]
        #[derive(::core::marker::Copy, ::core::clone::Clone, ::core::default::Default, ::core::fmt::Debug)]
        pub struct Entity;

        impl sea_orm::EntityName for Entity {
            fn table_name(&self) -> &'static str {
                static NAME: ::std::sync::OnceLock<::std::string::String> = ::std::sync::OnceLock::new();
                NAME.get_or_init(|| #p::link_table_name(&#spec))
            }
        }

        impl sea_orm::IdenStatic for Entity {
            fn as_str(&self) -> &'static str {
                sea_orm::EntityName::table_name(self)
            }
        }

        impl sea_orm::Iden for Entity {
            fn unquoted(&self) -> &str {
                sea_orm::EntityName::table_name(self)
            }
        }

        impl sea_orm::EntityTrait for Entity {
            type Model = Model;
            type ModelEx = Model;
            type ActiveModel = ActiveModel;
            type ActiveModelEx = ActiveModel;
            type Column = Column;
            type PrimaryKey = PrimaryKey;
            type Relation = Relation;
        }

        /// One row of the link table, live or dismissed.
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        pub struct Model {
            /// The left record's id.
            pub left: ::std::string::String,
            /// The right record's id.
            pub right: ::std::string::String,
            /// The row's own id, `<prefix>_<ULID>`.
            pub id: ::std::string::String,
            /// When the pair was first linked.
            pub created_at: #time,
            /// When the row last changed.
            pub updated_at: #time,
            /// When the pair was dismissed, if it was.
            pub deleted_at: #optional_time,
            #(
                #[allow(missing_docs)]
                pub #extra_fields: #extra_types,
            )*
        }

        // The fields in `Column` order: `Column as usize` indexes these.
        fn model_fields(m: &Model) -> [&dyn #p::ModelField; #count] {
            [#(&m.#fields),*]
        }

        fn model_fields_mut(m: &mut Model) -> [&mut dyn #p::ModelField; #count] {
            [#(&mut m.#fields),*]
        }

        impl sea_orm::ModelTrait for Model {
            type Entity = Entity;

            fn get(&self, c: Column) -> sea_orm::Value {
                model_fields(self)[c as usize].value()
            }

            fn get_value_type(c: Column) -> sea_orm::sea_query::ArrayType {
                let types: [fn() -> sea_orm::sea_query::ArrayType; #count] =
                    [#(<#types as sea_orm::sea_query::ValueType>::array_type),*];
                types[c as usize]()
            }

            fn try_set(&mut self, c: Column, v: sea_orm::Value) -> ::core::result::Result<(), sea_orm::DbErr> {
                model_fields_mut(self)[c as usize].try_set(v)
            }
        }

        impl sea_orm::FromQueryResult for Model {
            fn from_query_result(row: &sea_orm::QueryResult, pre: &str) -> ::core::result::Result<Self, sea_orm::DbErr> {
                Self::from_query_result_nullable(row, pre).map_err(::core::convert::Into::into)
            }

            fn from_query_result_nullable(row: &sea_orm::QueryResult, pre: &str) -> ::core::result::Result<Self, sea_orm::TryGetError> {
                ::core::result::Result::Ok(Self {
                    #( #fields: row.try_get_nullable(pre, sea_orm::IdenStatic::as_str(&Column::#variants))?, )*
                })
            }
        }

        /// A row of the link table as sea-orm writes it: each column `Set`, `Unchanged` or
        /// `NotSet`.
        #[allow(missing_docs)]
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        pub struct ActiveModel {
            #( pub #fields: sea_orm::ActiveValue<#types>, )*
        }

        fn active_fields(a: &ActiveModel) -> [&dyn #p::ActiveField; #count] {
            [#(&a.#fields),*]
        }

        fn active_fields_mut(a: &mut ActiveModel) -> [&mut dyn #p::ActiveField; #count] {
            [#(&mut a.#fields),*]
        }

        impl ::core::default::Default for ActiveModel {
            fn default() -> Self {
                <Self as sea_orm::ActiveModelBehavior>::new()
            }
        }

        impl ::core::convert::From<Model> for ActiveModel {
            fn from(m: Model) -> Self {
                Self { #( #fields: sea_orm::ActiveValue::Unchanged(m.#fields), )* }
            }
        }

        impl sea_orm::IntoActiveModel<ActiveModel> for Model {
            fn into_active_model(self) -> ActiveModel {
                ::core::convert::From::from(self)
            }
        }

        impl ::core::convert::TryFrom<ActiveModel> for Model {
            type Error = sea_orm::DbErr;

            fn try_from(a: ActiveModel) -> ::core::result::Result<Self, sea_orm::DbErr> {
                ::core::result::Result::Ok(Self { #( #fields: #p::required(a.#fields, #field_names)?, )* })
            }
        }

        impl sea_orm::TryIntoModel<Model> for ActiveModel {
            fn try_into_model(self) -> ::core::result::Result<Model, sea_orm::DbErr> {
                ::core::convert::TryFrom::try_from(self)
            }
        }

        impl sea_orm::ActiveModelTrait for ActiveModel {
            type Entity = Entity;

            fn take(&mut self, c: Column) -> sea_orm::ActiveValue<sea_orm::Value> {
                active_fields_mut(self)[c as usize].take()
            }

            fn get(&self, c: Column) -> sea_orm::ActiveValue<sea_orm::Value> {
                active_fields(self)[c as usize].get()
            }

            fn set_if_not_equals(&mut self, c: Column, v: sea_orm::Value) {
                active_fields_mut(self)[c as usize].set_if_not_equals(v)
            }

            fn try_set(&mut self, c: Column, v: sea_orm::Value) -> ::core::result::Result<(), sea_orm::DbErr> {
                active_fields_mut(self)[c as usize].try_set(v)
            }

            fn not_set(&mut self, c: Column) {
                active_fields_mut(self)[c as usize].not_set()
            }

            fn is_not_set(&self, c: Column) -> bool {
                active_fields(self)[c as usize].is_not_set()
            }

            fn reset(&mut self, c: Column) {
                active_fields_mut(self)[c as usize].reset()
            }

            fn default() -> Self {
                Self { #( #fields: sea_orm::ActiveValue::NotSet, )* }
            }

            fn default_values() -> Self {
                // sea-orm's choice of a default per field type (by autoref), as its derive makes it.
                #[allow(unused_imports)]
                use sea_orm::value::{DefaultActiveValue, DefaultActiveValueNone, DefaultActiveValueNotSet};
                let mut default = <Self as sea_orm::ActiveModelTrait>::default();
                #( default.#fields = (&default.#fields).default_value(); )*
                default
            }
        }

        impl sea_orm::ActiveModelBehavior for ActiveModel {}

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
                <Self as sea_orm::Iterable>::iter()
                    .find(|column| sea_orm::IdenStatic::as_str(column) == s)
                    .ok_or_else(|| sea_orm::ColumnFromStrErr(::std::borrow::ToOwned::to_owned(s)))
            }
        }

        impl sea_orm::ColumnTrait for Column {
            type EntityName = Entity;

            fn def(&self) -> sea_orm::ColumnDef {
                // From the description the link table's DDL is written from too.
                #p::link_column_def(&#spec, sea_orm::IdenStatic::as_str(self))
            }
        }

        /// The primary key: the two key columns.
        #[derive(::core::marker::Copy, ::core::clone::Clone, ::core::fmt::Debug)]
        pub enum PrimaryKey {
            /// The left key column.
            Left,
            /// The right key column.
            Right,
        }

        impl sea_orm::Iterable for PrimaryKey {
            type Iterator = ::core::array::IntoIter<Self, 2>;

            fn iter() -> Self::Iterator {
                [Self::Left, Self::Right].into_iter()
            }
        }

        impl sea_orm::PrimaryKeyToColumn for PrimaryKey {
            type Column = Column;

            fn into_column(self) -> Column {
                match self {
                    Self::Left => Column::Left,
                    Self::Right => Column::Right,
                }
            }

            fn from_column(column: Column) -> ::core::option::Option<Self> {
                match column {
                    Column::Left => ::core::option::Option::Some(Self::Left),
                    Column::Right => ::core::option::Option::Some(Self::Right),
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl sea_orm::IdenStatic for PrimaryKey {
            fn as_str(&self) -> &'static str {
                sea_orm::IdenStatic::as_str(&sea_orm::PrimaryKeyToColumn::into_column(*self))
            }
        }

        impl sea_orm::Iden for PrimaryKey {
            fn unquoted(&self) -> &str {
                sea_orm::IdenStatic::as_str(self)
            }
        }

        impl sea_orm::PrimaryKeyTrait for PrimaryKey {
            type ValueType = (::std::string::String, ::std::string::String);

            fn auto_increment() -> bool {
                false
            }
        }

        /// A link table has no relations of its own: links are resolved by the runtime.
        #[derive(::core::marker::Copy, ::core::clone::Clone, ::core::fmt::Debug)]
        pub enum Relation {}

        impl sea_orm::Iterable for Relation {
            type Iterator = ::core::array::IntoIter<Self, 0>;

            fn iter() -> Self::Iterator {
                [].into_iter()
            }
        }

        impl sea_orm::RelationTrait for Relation {
            fn def(&self) -> sea_orm::RelationDef {
                match *self {}
            }
        }
    }
}
