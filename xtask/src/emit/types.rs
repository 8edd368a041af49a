//! Model types: shared structs/enums (`types.rs`) and operation outputs.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::Doc;
use crate::load::{Decode, Presence};
use crate::model::{EnumModel, FieldModel, Model, StructModel, TypeModel, TypeRef};
use crate::names;

/// Paths of the serde helpers the generated code calls.
pub mod helpers {
    /// `null` or absent → `Default::default()` (generated into `types::wire`; the core has no
    /// such helper).
    pub const NULL_AS_DEFAULT: &str = "crate::types::wire::null_as_default";
    /// `String` / `Option<String>` from a string or a number (JSON) or text (XML).
    pub const STRING_OR_NUMBER: &str = "cloudsdk_core::serde_helpers::string_or_number";
    /// A list that may be wrapped in `{"Item": [...]}`, bare, a single element, `null` or empty.
    pub const WRAPPED_LIST: &str = "cloudsdk_core::serde_helpers::wrapped_list";
}

/// Rust type tokens for a type reference (without `Option`).
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Integer => quote!(i32),
        TypeRef::Long => quote!(i64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Named(n) => {
            let id = format_ident!("{}", n);
            quote!(crate::types::#id)
        }
        TypeRef::List(inner) => {
            let inner = rust_type(inner);
            quote!(::std::vec::Vec<#inner>)
        }
    }
}

/// Name of the serializer for a wrapped list (`wire::serialize_security_group_reference`).
fn wrapped_module(item_key: &str, item: &TypeRef) -> String {
    let item_name = match item {
        TypeRef::Named(n) => names::snake(n),
        TypeRef::String => "string".to_string(),
        TypeRef::Integer => "integer".to_string(),
        TypeRef::Long => "long".to_string(),
        TypeRef::Boolean => "boolean".to_string(),
        TypeRef::List(_) => "list".to_string(),
    };
    let key = names::snake(item_key);
    if key == item_name {
        format!("serialize_{key}")
    } else {
        format!("serialize_{key}_as_{item_name}")
    }
}

/// Whether any field of the crate decodes through `null_as_default`.
pub fn uses_null_as_default(model: &Model) -> bool {
    let check = |s: &StructModel| {
        s.fields.iter().any(|f| {
            (f.ty.is_list() && f.item_key.is_none())
                || (!f.ty.is_list() && f.presence == Presence::Default)
        })
    };
    model
        .types
        .iter()
        .any(|t| matches!(t, TypeModel::Struct(s) if check(s)))
        || model.operations.iter().any(|op| check(&op.output))
}

/// Collects the wrapped-list helper modules needed by a crate: module name → (item key, item type).
pub fn wrapped_lists(model: &Model) -> BTreeMap<String, (String, TypeRef)> {
    let mut out = BTreeMap::new();
    let mut visit = |s: &StructModel| {
        for f in &s.fields {
            if let (Some(key), TypeRef::List(item)) = (&f.item_key, &f.ty) {
                out.insert(wrapped_module(key, item), (key.clone(), (**item).clone()));
            }
        }
    };
    for t in &model.types {
        if let TypeModel::Struct(s) = t {
            visit(s);
        }
    }
    for op in &model.operations {
        visit(&op.output);
    }
    out
}

/// Documentation of a field: description, wire facts, divergences.
fn field_doc(f: &FieldModel) -> Doc {
    let mut doc = Doc::new();
    doc.text(&f.doc);
    let mut facts = vec![format!("Wire name: `{}`", f.wire_name)];
    if let Some(t) = &f.documented_type {
        facts.push(format!("documented type: {t}"));
    }
    if let Some(m) = f.documented_mandatory {
        facts.push(format!(
            "documented as mandatory: {}",
            if m { "yes" } else { "no" }
        ));
    }
    if let Some(e) = &f.example {
        facts.push(format!("example: `{e}`"));
    }
    doc.para(format!("{}.", facts.join("; ")));
    if !f.aliases.is_empty() {
        let list: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
        doc.para(format!("Also accepted when decoding: {}.", list.join(", ")));
    }
    if let Some(key) = &f.item_key {
        doc.para(format!(
            "On the wire the list is wrapped in an object keyed by `{key}` \
             (XML: repeated `<{key}>` elements); bare arrays, a single object, `null` and an \
             absent field are accepted too."
        ));
    }
    if f.decode == Some(Decode::StringOrNumber) {
        doc.para("Accepts a JSON string or number; a number is kept as its decimal text.");
    }
    match f.presence {
        Presence::Required => {
            if f.ty.is_list() && f.item_key.is_none() {
                doc.para("`null` or an absent field decode to an empty list.");
            }
        }
        Presence::Nullable => {
            doc.para("The service may send `null` here; `None` then (re-serialized as `null`).");
        }
        Presence::Optional => {
            if f.ty.is_list() {
                doc.para("May be absent or `null`; an empty list then, skipped when serialized.");
            } else {
                doc.para("May be absent (or `null`); `None` then, skipped when serialized.");
            }
        }
        Presence::Default => {
            doc.para("An absent field or `null` decode to the default (empty) value.");
        }
    }
    if let Some(s) = &f.source {
        doc.para(format!("Source: {s}."));
    }
    doc.divergences(&f.divergences);
    doc
}

/// One struct field with its serde attributes.
fn field_tokens(f: &FieldModel) -> TokenStream {
    let doc = field_doc(f).outer();
    let ident = names::ident(&f.rust_name);
    let mut args: Vec<TokenStream> = Vec::new();
    if f.rust_name != f.wire_name {
        let wire = &f.wire_name;
        args.push(quote!(rename = #wire));
    }
    for a in &f.aliases {
        args.push(quote!(alias = #a));
    }
    let base = rust_type(&f.ty);
    let ty = match (&f.ty, f.presence) {
        (TypeRef::List(item), presence) => {
            args.push(quote!(default));
            if let Some(key) = &f.item_key {
                let ser = format!("crate::types::wire::{}", wrapped_module(key, item));
                let de = helpers::WRAPPED_LIST;
                args.push(quote!(deserialize_with = #de, serialize_with = #ser));
            } else {
                let path = helpers::NULL_AS_DEFAULT;
                args.push(quote!(deserialize_with = #path));
            }
            if presence == Presence::Optional {
                args.push(quote!(skip_serializing_if = "::std::vec::Vec::is_empty"));
            }
            base
        }
        (_, Presence::Default) => {
            let path = helpers::NULL_AS_DEFAULT;
            args.push(quote!(default, deserialize_with = #path));
            base
        }
        (_, Presence::Required) => {
            if f.decode == Some(Decode::StringOrNumber) {
                let path = helpers::STRING_OR_NUMBER;
                args.push(quote!(deserialize_with = #path));
            }
            base
        }
        (_, presence) => {
            args.push(quote!(default));
            if f.decode == Some(Decode::StringOrNumber) {
                let path = helpers::STRING_OR_NUMBER;
                args.push(quote!(deserialize_with = #path));
            }
            if presence == Presence::Optional {
                args.push(quote!(
                    skip_serializing_if = "::std::option::Option::is_none"
                ));
            }
            quote!(::std::option::Option<#base>)
        }
    };
    let serde = if args.is_empty() {
        quote!()
    } else {
        quote!(#[serde(#(#args),*)])
    };
    quote! {
        #doc
        #serde
        pub #ident: #ty,
    }
}

/// A response structure.
pub fn struct_tokens(s: &StructModel, extra_doc: &Doc) -> TokenStream {
    let mut doc = Doc::new();
    if let Some(n) = &s.documented_name {
        doc.para(format!("{n} (as the document names it)."));
    }
    doc.text(&s.doc);
    doc.paras(extra_doc.paragraphs());
    if let Some(src) = &s.source {
        doc.para(format!("Source: {src}."));
    }
    doc.divergences(&s.divergences);
    doc.para(
        "Decoding ignores unknown fields; `Serialize` writes the canonical wire form, so \
         decoding that output gives back an equal value.",
    );
    doc.para(format!(
        "`#[non_exhaustive]`: build one with [`{name}::builder`] (for example a test fixture); \
         fields the documents add later are not a breaking change.",
        name = s.name
    ));
    let doc = doc.outer();
    let name = format_ident!("{}", s.name);
    let fields = s.fields.iter().map(field_tokens);
    let default = if s.default {
        quote!(Default,)
    } else {
        quote!()
    };
    let builder = super::builder::builder_tokens(s);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, #default ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        #builder
    }
}

/// A string enum with an `Unknown` catch-all.
pub fn enum_tokens(e: &EnumModel) -> TokenStream {
    let doc = enum_doc(e).outer();
    let name = format_ident!("{}", e.name);
    let variants: Vec<_> = e
        .values
        .iter()
        .map(|(_, v, _)| format_ident!("{}", v))
        .collect();
    let wires: Vec<&String> = e.values.iter().map(|(w, _, _)| w).collect();
    let variant_docs = e.values.iter().map(|(w, _, d)| {
        let mut doc = Doc::new();
        doc.para(format!("`{w}`"));
        doc.text(d);
        doc.outer()
    });
    let conversions = enum_conversions(&name, &variants, &wires);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #variant_docs #variants, )*
            /// A value not known to this version of the SDK, kept verbatim.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The wire values this version knows, in document order.
            pub const VALUES: &'static [&'static str] = &[#(#wires),*];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Unknown(value) => value,
                }
            }

            /// Whether this is a value this version of the SDK does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        #conversions
    }
}

/// An enum's doc: the document's name and text, then how unknown values behave.
fn enum_doc(e: &EnumModel) -> Doc {
    let mut doc = Doc::new();
    if let Some(n) = &e.documented_name {
        doc.para(format!("{n} (as the document names it)."));
    }
    doc.text(&e.doc);
    if let Some(src) = &e.source {
        doc.para(format!("Source: {src}."));
    }
    doc.divergences(&e.divergences);
    doc.para(
        "The set is open: a value this version does not know decodes to `Unknown` and is \
         written back unchanged. Match it with a wildcard arm and compare `as_str()`.",
    );
    doc
}

/// Conversions of a string enum from and to its wire value: `From<&str>`, `From<String>`,
/// `FromStr`, `AsRef<str>`, `Display` and serde.
fn enum_conversions(
    name: &proc_macro2::Ident,
    variants: &[proc_macro2::Ident],
    wires: &[&String],
) -> TokenStream {
    quote! {
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #( #wires => Self::#variants, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value))
            }
        }
    }
}

/// The crate-private `wire` module: serde helpers used by the field attributes.
fn wire_module(model: &Model) -> TokenStream {
    let lists = wrapped_lists(model);
    let null_as_default = uses_null_as_default(model);
    if lists.is_empty() && !null_as_default {
        return quote!();
    }
    let serializers = lists.iter().map(|(function, (key, item))| {
        let function = format_ident!("{}", function);
        let item_ty = rust_type(item);
        let doc = format!(" Writes the list wrapped as the service does: `{{\"{key}\": [...]}}`.");
        quote! {
            #[doc = #doc]
            pub(crate) fn #function<S: ::serde::Serializer>(
                items: &[#item_ty],
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                ::cloudsdk_core::serde_helpers::serialize_wrapped(items, #key, serializer)
            }
        }
    });
    let nad = if null_as_default {
        quote! {
            /// Decodes `null` (and, with `#[serde(default)]`, an absent field) as the default value.
            pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> ::std::result::Result<T, D::Error>
            where
                D: ::serde::Deserializer<'de>,
                T: ::serde::Deserialize<'de> + ::std::default::Default,
            {
                let value = <::std::option::Option<T> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(value.unwrap_or_default())
            }
        }
    } else {
        quote!()
    };
    quote! {
        /// Serde helpers used by the field attributes of this crate's types.
        pub(crate) mod wire {
            #nad
            #(#serializers)*
        }
    }
}

/// `src/types.rs`.
pub fn types_file(model: &Model) -> TokenStream {
    let items = model.types.iter().map(|t| match t {
        TypeModel::Struct(s) => struct_tokens(s, &Doc::new()),
        TypeModel::Enum(e) => enum_tokens(e),
    });
    let wire = wire_module(model);
    let mut doc = Doc::new();
    doc.para("Model types shared by the operations of this crate.");
    let doc = doc.inner();
    quote! {
        #doc
        #(#items)*
        #wire
    }
}
