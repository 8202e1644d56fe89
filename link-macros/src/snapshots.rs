//! What the macros expand to, for representative inputs, as reviewed snapshots: a change to the
//! generated code shows in review as a diff of `src/snapshots/*.snap` (accept one with
//! `INSTA_UPDATE=always cargo test -p link-macros`, or `cargo insta review`).

use proc_macro2::TokenStream;
use quote::quote;

/// The expansion as formatted Rust.
fn pretty(tokens: TokenStream) -> String {
    let file = syn2::parse_file(&tokens.to_string()).expect("an expansion is a file of items");
    prettyplease::unparse(&file)
}

fn define_link(input: TokenStream) -> String {
    let input = syn::parse2(input).expect("the input parses");
    pretty(crate::expand_link::expand(input))
}

fn derive_linkable(input: TokenStream) -> String {
    let input = syn::parse2(input).expect("the input parses");
    pretty(crate::expand_linkable::expand(&input))
}

#[test]
fn a_link_with_every_option_of_a_stored_link() {
    insta::assert_snapshot!(define_link(quote! {
        /// A brand has many products; each product has one brand.
        pub ProductBrand: product::Model [is_list, delete_cascade] => brand::Model [filterable(id, name), alias = "maker"],
        extra_columns {
            featured: bool = false,
            position: i32 = 0,
            weight: f64 = 1.5,
            note: Option<String>,
            since: Option<chrono::DateTime<chrono::Utc>>,
            meta: Option<serde_json::Value>,
        },
        table = "product_brand",
        id_prefix = "pb",
    }));
}

#[test]
fn a_read_only_link() {
    insta::assert_snapshot!(define_link(quote! {
        /// A post points at its product through its own `product_id` field.
        pub PostProduct: post::Model [field = product_id] => product::Model,
        read_only,
    }));
}

#[test]
fn a_linkable_sea_orm_model() {
    insta::assert_snapshot!(derive_linkable(quote! {
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
        #[sea_orm(table_name = "product")]
        #[linkable(module = "product")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: String,
            pub title: String,
            pub deleted_at: Option<DateTimeUtc>,
        }
    }));
}

#[test]
fn a_linkable_external_model_with_an_integer_key() {
    insta::assert_snapshot!(derive_linkable(quote! {
        #[linkable(module = "cms", name = "page", key = "page_ref")]
        pub struct Page {
            #[linkable(primary_key)]
            pub number: i64,
            pub headline: String,
        }
    }));
}

#[test]
fn an_input_with_mistakes_still_expands_its_fallbacks() {
    // An unknown option and an unsupported column type: errors with spans, and the impls the
    // rest of the program needs, so one mistake does not cascade.
    insta::assert_snapshot!(define_link(quote! {
        pub Broken: product::Model [is_lsit] => brand::Model,
        extra_columns { odd: std::time::Duration },
    }));
}
