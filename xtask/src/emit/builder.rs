//! Builders of response structs (model types and operation outputs), after the aws-sdk-rust
//! model: `Type::builder()`, then `field(value)`, `set_field(Option<_>)`, `get_field()`, an
//! appending setter per list field, and `build()`.
//!
//! `build()` returns the struct when every field can be filled by default (the struct then
//! also derives `Default`), otherwise a `Result` whose error names the first missing field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::Doc;
use super::types::rust_type;
use crate::load::Presence;
use crate::model::{FieldModel, StructModel, TypeRef};
use crate::names;

/// The type a builder stores for a field (always an `Option`).
fn stored_type(f: &FieldModel) -> TokenStream {
    let base = rust_type(&f.ty);
    quote!(::std::option::Option<#base>)
}

/// Whether the struct's field is an `Option` (then the builder passes its value through).
fn is_option(f: &FieldModel) -> bool {
    !f.ty.is_list() && matches!(f.presence, Presence::Nullable | Presence::Optional)
}

/// The struct-field expression of `build()` for a field that cannot be missing.
fn filled(f: &FieldModel) -> TokenStream {
    let field = names::ident(&f.rust_name);
    if is_option(f) {
        quote!(self.#field)
    } else {
        quote!(self.#field.unwrap_or_default())
    }
}

/// The setter, `set_` and `get_` methods (plus the appender of a list field).
fn field_methods(s: &StructModel, f: &FieldModel) -> TokenStream {
    let field = names::ident(&f.rust_name);
    let set = names::prefixed("set_", &f.rust_name);
    let get = names::prefixed("get_", &f.rust_name);
    let stored = stored_type(f);
    let link = format!("[`{}`]({}::{field})", f.rust_name, s.name);
    let required = if f.defaultable {
        ""
    } else {
        " Required: `build()` fails without it."
    };
    let set_doc = format!(" Sets or clears {link} (wire name `{}`).", f.wire_name);
    let get_doc = format!(" The value of {link} set so far.");
    let accessors = quote! {
        #[doc = #set_doc]
        pub fn #set(mut self, input: #stored) -> Self {
            self.#field = input;
            self
        }

        #[doc = #get_doc]
        pub fn #get(&self) -> &#stored {
            &self.#field
        }
    };
    match (&f.ty, &f.item_setter) {
        (TypeRef::List(item), Some(appender)) => {
            let appender = names::ident(appender);
            let item = rust_type(item);
            let doc = format!(" Appends one item to {link} (call once per item).");
            quote! {
                #[doc = #doc]
                pub fn #appender(mut self, item: impl ::std::convert::Into<#item>) -> Self {
                    self.#field.get_or_insert_with(::std::vec::Vec::new).push(item.into());
                    self
                }

                #accessors
            }
        }
        _ => {
            let base = rust_type(&f.ty);
            let doc = format!(" Sets {link}.{required}");
            quote! {
                #[doc = #doc]
                pub fn #field(mut self, input: impl ::std::convert::Into<#base>) -> Self {
                    self.#field = ::std::option::Option::Some(input.into());
                    self
                }

                #accessors
            }
        }
    }
}

/// `build()`: infallible when every field can be defaulted, checked otherwise.
fn build_method(s: &StructModel) -> TokenStream {
    let name = format_ident!("{}", s.name);
    let idents: Vec<_> = s
        .fields
        .iter()
        .map(|f| names::ident(&f.rust_name))
        .collect();
    if s.default {
        let values = s.fields.iter().map(filled);
        return quote! {
            /// Builds the value; unset fields get their default (`None`, empty, `Default`).
            pub fn build(self) -> #name {
                #name { #( #idents: #values, )* }
            }
        };
    }
    let lets = s.fields.iter().map(|f| {
        let field = names::ident(&f.rust_name);
        if f.defaultable {
            let value = filled(f);
            return quote!(let #field = #value;);
        }
        let wire = &f.wire_name;
        let message = format!(
            "missing required field `{}` (set it with `.{}(..)`)",
            f.rust_name, f.rust_name
        );
        quote! {
            let ::std::option::Option::Some(#field) = self.#field else {
                return ::std::result::Result::Err(
                    ::cloudsdk_core::error::ConstructionError::new(#wire, #message),
                );
            };
        }
    });
    quote! {
        /// Builds the value.
        ///
        /// # Errors
        ///
        /// A [`ConstructionError`](crate::error::ConstructionError) naming the first required
        /// field that was not set (its wire name is the error's `parameter()`).
        pub fn build(self) -> ::std::result::Result<#name, ::cloudsdk_core::error::ConstructionError> {
            #(#lets)*
            ::std::result::Result::Ok(#name { #(#idents),* })
        }
    }
}

/// `impl Type { fn builder() }` and the `TypeBuilder` struct with its methods.
pub fn builder_tokens(s: &StructModel) -> TokenStream {
    let name = format_ident!("{}", s.name);
    let builder = format_ident!("{}Builder", s.name);
    let fields = s.fields.iter().map(|f| {
        let field = names::ident(&f.rust_name);
        let stored = stored_type(f);
        quote!(#field: #stored,)
    });
    let methods = s.fields.iter().map(|f| field_methods(s, f));
    let build = build_method(s);
    let mut doc = Doc::new();
    doc.para(format!(
        "Builder for [`{}`]: set the fields, then `build()`. For test fixtures and mocks; \
         responses are decoded by the client.",
        s.name
    ));
    let doc = doc.outer();
    let ctor_doc = format!(" A builder for [`{}`] with no field set.", s.name);
    quote! {
        impl #name {
            #[doc = #ctor_doc]
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        #doc
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[must_use]
        pub struct #builder {
            #(#fields)*
        }

        impl #builder {
            #(#methods)*

            #build
        }
    }
}
