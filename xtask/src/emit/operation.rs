//! `src/operation/<op>.rs`: input, input builder, fluent builder, output, error enum.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{Doc, rust_str};
use super::types::struct_tokens;
use crate::load::{ListStyle, ParamLocation};
use crate::model::{ErrorModel, MemberModel, Model, OperationModel, Protocol, Scalar, UriPart};
use crate::names;

fn scalar_type(s: Scalar) -> TokenStream {
    match s {
        Scalar::String => quote!(::std::string::String),
        Scalar::Integer => quote!(i32),
        Scalar::Long => quote!(i64),
        Scalar::Boolean => quote!(bool),
    }
}

/// The type the input struct stores for a member.
fn member_type(m: &MemberModel) -> TokenStream {
    let s = scalar_type(m.scalar);
    if m.list {
        quote!(::std::vec::Vec<#s>)
    } else if m.required {
        s
    } else {
        quote!(::std::option::Option<#s>)
    }
}

/// The type the builders store (always optional).
fn builder_type(m: &MemberModel) -> TokenStream {
    let s = scalar_type(m.scalar);
    if m.list {
        quote!(::std::option::Option<::std::vec::Vec<#s>>)
    } else {
        quote!(::std::option::Option<#s>)
    }
}

/// The argument type of the value setter (`impl Into<String>` for strings).
fn setter_arg(m: &MemberModel) -> (TokenStream, TokenStream) {
    match m.scalar {
        Scalar::String => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(input.into()),
        ),
        other => (scalar_type(other), quote!(input)),
    }
}

/// The document's name of a parameter, for messages (`SecurityGroupId.N`).
fn display_name(m: &MemberModel) -> String {
    m.documented_name
        .clone()
        .unwrap_or_else(|| m.wire_name.clone())
}

fn member_doc(m: &MemberModel) -> Doc {
    let mut doc = Doc::new();
    doc.text(&m.doc);
    let location = match m.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    };
    let mut facts = vec![format!(
        "Wire name: `{}` ({location} parameter)",
        display_name(m)
    )];
    if let Some(t) = &m.documented_type {
        facts.push(format!("documented type: {t}"));
    }
    facts.push(format!(
        "required: {}",
        if m.required { "yes" } else { "no" }
    ));
    if let Some(e) = &m.example {
        facts.push(format!("example: `{e}`"));
    }
    doc.para(format!("{}.", facts.join("; ")));
    if m.default_client_region {
        doc.para(format!(
            "When not set, `send()` uses the client's region (`ClientBuilder::region`), as \
             Alibaba's `aliyunsdkcore` does; a value set here wins. Without either, `send()` fails with \
             `SdkError::Construction` naming `{}`.",
            display_name(m)
        ));
    }
    let c = constraint_text(m);
    if !c.is_empty() {
        doc.para(format!("Checked before sending: {}.", c.join("; ")));
    }
    if let Some(s) = &m.source {
        doc.para(format!("Source: {s}."));
    }
    doc.divergences(&m.divergences);
    doc
}

fn constraint_text(m: &MemberModel) -> Vec<String> {
    let mut c = Vec::new();
    if m.required {
        c.push("must be set".to_string());
    }
    if let Some(n) = m.min_items {
        c.push(format!("at least {n} item(s)"));
    }
    if let Some(n) = m.max_items {
        c.push(format!("at most {n} items"));
    }
    let each = if m.list { "each item " } else { "" };
    match (m.min_length, m.max_length) {
        (Some(1), None) => c.push(format!("{each}non-empty")),
        (Some(a), None) => c.push(format!("{each}at least {a} characters")),
        (None, Some(b)) => c.push(format!("{each}at most {b} characters")),
        (Some(a), Some(b)) => c.push(format!("{each}{a} to {b} characters")),
        (None, None) => {}
    }
    if let Some(n) = m.min {
        c.push(format!("{each}at least {n}"));
    }
    if let Some(n) = m.max {
        c.push(format!("{each}at most {n}"));
    }
    if !m.allowed.is_empty() {
        let list: Vec<String> = m.allowed.iter().map(|a| format!("`{a}`")).collect();
        c.push(format!("{each}one of {}", list.join(", ")));
    }
    c
}

/// A `ConstructionError` expression; `message` may use `{value}` and `{item}` placeholders.
fn construction_error(param: &str, message: &str) -> TokenStream {
    let msg = if message.contains('{') {
        quote!(format!(#message))
    } else {
        quote!(#message)
    };
    quote!(::cloudsdk_core::error::ConstructionError::new(#param, #msg))
}

fn usize_lit(n: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(n as usize)
}

/// Checks on one value (`value: &T` in scope); `label` names it in messages and may use the
/// `{item}` placeholder.
fn value_checks(m: &MemberModel, label: &str) -> TokenStream {
    let param = display_name(m);
    let mut checks = Vec::new();
    let mut check = |cond: TokenStream, message: String| {
        let err = construction_error(&param, &message);
        checks.push(quote! {
            if #cond {
                return Err(#err);
            }
        });
    };
    if let Some(n) = m.min_length {
        if n == 1 {
            check(
                quote!(value.is_empty()),
                format!("{label} must not be empty"),
            );
        } else {
            let lit = usize_lit(n);
            check(
                quote!(value.chars().count() < #lit),
                format!("{label} must be at least {n} characters long"),
            );
        }
    }
    if let Some(n) = m.max_length {
        let lit = usize_lit(n);
        check(
            quote!(value.chars().count() > #lit),
            format!("{label} must be at most {n} characters long"),
        );
    }
    if let Some(n) = m.min {
        let lit = proc_macro2::Literal::i64_unsuffixed(n);
        check(
            quote!(i64::from(*value) < #lit),
            format!("{label} must be at least {n} (got {{value}})"),
        );
    }
    if let Some(n) = m.max {
        let lit = proc_macro2::Literal::i64_unsuffixed(n);
        check(
            quote!(i64::from(*value) > #lit),
            format!("{label} must be at most {n} (got {{value}})"),
        );
    }
    if !m.allowed.is_empty() {
        let allowed = &m.allowed;
        let joined = allowed.join(", ");
        check(
            quote!(![#(#allowed),*].contains(&value.as_str())),
            format!("{label} must be one of {joined} (got `{{value}}`)"),
        );
    }
    quote!(#(#checks)*)
}

/// `let <field> = ...;` with validation, inside `InputBuilder::build`.
fn build_member(m: &MemberModel) -> TokenStream {
    let param = display_name(m);
    let setter = m.item_setter.clone().unwrap_or_else(|| m.rust_name.clone());
    let missing = if m.default_client_region {
        format!(
            "missing required parameter `{param}` (set it with `.{setter}(..)` or give the client a region)"
        )
    } else {
        format!("missing required parameter `{param}` (set it with `.{setter}(..)`)")
    };
    if m.list {
        build_list_member(m, &param, &missing)
    } else {
        build_value_member(m, &param, &missing)
    }
}

/// A list member: unset is empty; then the item count checks and each item's checks.
fn build_list_member(m: &MemberModel, param: &str, missing: &str) -> TokenStream {
    let field = names::ident(&m.rust_name);
    let mut checks = Vec::new();
    if m.required || m.min_items.is_some_and(|n| n > 0) {
        let err = construction_error(param, missing);
        checks.push(quote! {
            if #field.is_empty() {
                return Err(#err);
            }
        });
    }
    if let Some(n) = m.min_items.filter(|n| *n > 1) {
        let lit = usize_lit(n);
        let err = construction_error(
            param,
            &format!("`{param}` needs at least {n} items (got {{count}})"),
        );
        checks.push(quote! {
            if #field.len() < #lit {
                let count = #field.len();
                return Err(#err);
            }
        });
    }
    if let Some(n) = m.max_items {
        let lit = usize_lit(n);
        let err = construction_error(
            param,
            &format!("`{param}` takes at most {n} items (got {{count}})"),
        );
        checks.push(quote! {
            if #field.len() > #lit {
                let count = #field.len();
                return Err(#err);
            }
        });
    }
    let item_checks = value_checks(m, &format!("`{param}` item {{item}}"));
    let item_loop = if item_checks.is_empty() {
        quote!()
    } else {
        quote! {
            for (index, value) in #field.iter().enumerate() {
                let item = index + 1;
                #item_checks
            }
        }
    };
    quote! {
        let #field = self.#field.unwrap_or_default();
        #(#checks)*
        #item_loop
    }
}

/// A single-value member: a required one must be set; a set value is checked.
fn build_value_member(m: &MemberModel, param: &str, missing: &str) -> TokenStream {
    let field = names::ident(&m.rust_name);
    let checks = value_checks(m, &format!("`{param}`"));
    let checked = if checks.is_empty() {
        quote!()
    } else if m.required {
        quote! {
            {
                let value = &#field;
                #checks
            }
        }
    } else {
        quote! {
            if let Some(value) = &#field {
                #checks
            }
        }
    };
    if m.required {
        let missing_err = construction_error(param, missing);
        quote! {
            let Some(#field) = self.#field else {
                return Err(#missing_err);
            };
            #checked
        }
    } else {
        quote! {
            let #field = self.#field;
            #checked
        }
    }
}

/// Setter/getter methods shared by the input builder and the fluent builder, which forwards
/// to its inner input builder (`fluent`).
fn accessor_methods(m: &MemberModel, fluent: bool) -> TokenStream {
    let display = display_name(m);
    let set = names::prefixed("set_", &m.rust_name);
    let get = names::prefixed("get_", &m.rust_name);
    let store = builder_type(m);
    let (value_method, value_doc, set_doc, get_doc) = if m.list {
        let item = names::ident(m.item_setter.as_deref().unwrap_or(&m.rust_name));
        let set_doc = Doc::new()
            .para(format!("Sets or clears all of `{display}` at once."))
            .outer();
        let get_doc = Doc::new()
            .para(format!("The values of `{display}` set so far."))
            .outer();
        (item, append_doc(m).outer(), set_doc, get_doc)
    } else {
        let set_doc = Doc::new()
            .para(format!("Sets or clears `{display}`."))
            .outer();
        let get_doc = Doc::new()
            .para(format!("The value of `{display}` set so far."))
            .outer();
        let field = names::ident(&m.rust_name);
        (field, member_doc(m).outer(), set_doc, get_doc)
    };
    let (arg, conv) = setter_arg(m);
    let (value_body, set_body, get_body) = if fluent {
        (
            quote!(self.inner = self.inner.#value_method(input);),
            quote!(self.inner = self.inner.#set(input);),
            quote!(self.inner.#get()),
        )
    } else {
        let field = names::ident(&m.rust_name);
        let store_value = if m.list {
            quote!(self.#field.get_or_insert_with(::std::vec::Vec::new).push(#conv);)
        } else {
            quote!(self.#field = Some(#conv);)
        };
        (
            store_value,
            quote!(self.#field = input;),
            quote!(&self.#field),
        )
    };
    quote! {
        #value_doc
        pub fn #value_method(mut self, input: #arg) -> Self {
            #value_body
            self
        }
        #set_doc
        pub fn #set(mut self, input: #store) -> Self {
            #set_body
            self
        }
        #get_doc
        pub fn #get(&self) -> &#store {
            #get_body
        }
    }
}

/// The doc of a list member's appending setter: how repeated calls reach the wire, then the
/// member's doc.
fn append_doc(m: &MemberModel) -> Doc {
    let display = display_name(m);
    let wire = &m.wire_name;
    let mut doc = Doc::new();
    doc.para(match m.list_style {
        Some(ListStyle::RepeatList) => format!(
            "Appends one value to `{display}` (call once per value; the first call sets \
             `{wire}.1`, the second `{wire}.2`, and so on)."
        ),
        _ => format!(
            "Appends one value to `{display}` (call once per value; each value is sent as \
             its own `{wire}` parameter)."
        ),
    });
    doc.paras(member_doc(m).paragraphs());
    doc
}

/// A compiling (`no_run`) usage example for an operation, for rustdoc (inside a hidden
/// `async fn`).
pub fn usage_example(model: &Model, op: &OperationModel) -> String {
    format!(
        "# async fn example() -> Result<(), Box<dyn std::error::Error>> {{\n{}# Ok(())\n# }}",
        usage_body(model, op)
    )
}

/// The statements of a usage example: build a client, call the operation, print the output.
pub fn usage_body(model: &Model, op: &OperationModel) -> String {
    let krate = &model.crate_ident;
    let mut s = String::new();
    match &model.protocol {
        Protocol::Huawei { .. } => {
            s.push_str(&format!(
                "let client = {krate}::Client::builder()\n    .region(\"{region}\")\n",
                region = model.protocol.example_region()
            ));
            if let Some(av) = &model.api_version {
                s.push_str(&format!(
                    "    .api_version({krate}::ApiVersion::{})\n",
                    av.default
                ));
            }
            s.push_str(&format!(
                "    .credentials({krate}::Credentials::new(\"access-key-id\", \"secret-access-key\"))\n    .build()?;\n"
            ));
        }
        Protocol::Aliyun { .. } => {
            s.push_str(&format!(
                "let client = {krate}::Client::builder()\n    .region(\"{region}\")\n    .credentials({krate}::Credentials::new(\"access-key-id\", \"access-key-secret\"))\n    .build()?;\n",
                region = model.protocol.example_region()
            ));
        }
    }
    s.push_str(&format!("let output = client\n    .{}()\n", op.snake));
    for m in op.members.iter().filter(|m| !m.client_filled && m.required) {
        let example = m
            .example
            .clone()
            .unwrap_or_else(|| format!("example-{}", m.rust_name));
        let value = match m.scalar {
            Scalar::String => rust_str(&example),
            _ => example,
        };
        let method = m.item_setter.as_deref().unwrap_or(&m.rust_name);
        s.push_str(&format!("    .{method}({value})\n"));
    }
    s.push_str("    .send()\n    .await?;\nprintln!(\"{output:?}\");\n");
    s
}

/// `into_request()`: the input as the core's protocol request (its strings moved, not copied).
fn request_tokens(model: &Model, op: &OperationModel) -> TokenStream {
    match &model.protocol {
        Protocol::Huawei { .. } => rest_request_tokens(op),
        Protocol::Aliyun { .. } => rpc_request_tokens(op),
    }
}

/// Huawei: a `RestRequest` with the method, the path (per API version when the client has
/// one) and the query.
fn rest_request_tokens(op: &OperationModel) -> TokenStream {
    let name = &op.name;
    let method = &op.method;
    let (signature, path) = if op.uris.len() == 1 && op.uris[0].0.is_none() {
        (quote!(), path_tokens(op, &op.uris[0].1))
    } else {
        let arms = op.uris.iter().map(|(v, parts)| {
            let v = format_ident!("{}", v.as_deref().unwrap_or_default());
            let path = path_tokens(op, parts);
            quote!(crate::client::ApiVersion::#v => #path,)
        });
        (
            quote!(api_version: crate::client::ApiVersion),
            quote!(match api_version { #(#arms)* }),
        )
    };
    let query = query_tokens(op);
    quote! {
        /// The protocol request handed to the core.
        pub(crate) fn into_request(self, #signature) -> ::cloudsdk_core::huawei::RestRequest {
            #query
            ::cloudsdk_core::huawei::RestRequest {
                operation: #name,
                method: #method,
                path: #path,
                query,
                body: ::std::option::Option::None,
            }
        }
    }
}

/// A URI template as a `Vec` of the core's `PathPart`s.
fn path_tokens(op: &OperationModel, parts: &[UriPart]) -> TokenStream {
    let parts = parts.iter().map(|p| match p {
        UriPart::Literal(l) => quote!(::cloudsdk_core::huawei::PathPart::Literal(#l)),
        UriPart::ProjectId => quote!(::cloudsdk_core::huawei::PathPart::ProjectId),
        UriPart::Param(i) => {
            let m = &op.members[*i];
            let wire = &m.wire_name;
            let field = names::ident(&m.rust_name);
            let value = if m.scalar == Scalar::String {
                quote!(self.#field)
            } else {
                quote!(self.#field.to_string())
            };
            quote!(::cloudsdk_core::huawei::PathPart::Param { name: #wire, value: #value })
        }
    });
    quote!(::std::vec::Vec::from([#(#parts),*]))
}

/// `let query = ...;`: the user's query members as `(name, value)` pairs, one per list item.
fn query_tokens(op: &OperationModel) -> TokenStream {
    let query = op
        .members
        .iter()
        .filter(|m| m.location == ParamLocation::Query && !m.client_filled)
        .map(|m| {
            let wire = &m.wire_name;
            let field = names::ident(&m.rust_name);
            let text = if m.scalar == Scalar::String {
                quote!(value)
            } else {
                quote!(value.to_string())
            };
            if m.list {
                quote! {
                    for value in self.#field {
                        query.push((#wire, #text));
                    }
                }
            } else if m.required {
                quote! {
                    let value = self.#field;
                    query.push((#wire, #text));
                }
            } else {
                quote! {
                    if let Some(value) = self.#field {
                        query.push((#wire, #text));
                    }
                }
            }
        })
        .collect::<Vec<_>>();
    if query.is_empty() {
        quote!(let query = ::std::vec::Vec::new();)
    } else {
        quote!(let mut query = ::std::vec::Vec::new(); #(#query)*)
    }
}

/// Alibaba: an `RpcRequest` for the action with every user parameter.
fn rpc_request_tokens(op: &OperationModel) -> TokenStream {
    let action = op
        .members
        .iter()
        .find(|m| m.client_filled)
        .and_then(|m| m.value.clone())
        .unwrap_or_else(|| op.name.clone());
    let params = op.members.iter().filter(|m| !m.client_filled).map(|m| {
        let wire = &m.wire_name;
        let field = names::ident(&m.rust_name);
        if m.list {
            quote!(.param_list(#wire, self.#field))
        } else {
            quote!(.param(#wire, self.#field))
        }
    });
    quote! {
        /// The protocol request handed to the core.
        pub(crate) fn into_request(self) -> ::cloudsdk_core::aliyun::RpcRequest {
            ::cloudsdk_core::aliyun::RpcRequest::new(#action) #(#params)*
        }
    }
}

/// The operation's error enum, its accessors and its trait impls.
fn error_tokens(op: &OperationModel) -> TokenStream {
    let err = format_ident!("{}Error", op.name);
    let doc = error_enum_doc(op).outer();
    let variants = op.errors.iter().map(|e| {
        let v = format_ident!("{}", e.name);
        let d = error_variant_doc(e).outer();
        quote!(#d #v(::cloudsdk_core::error::ErrorMetadata),)
    });
    let names: Vec<_> = op
        .errors
        .iter()
        .map(|e| format_ident!("{}", e.name))
        .collect();
    let is_fns = op.errors.iter().map(|e| {
        let v = format_ident!("{}", e.name);
        let f = names::prefixed("is_", &e.snake);
        let d = format!(" Whether this is [`{}::{}`].", err, e.name);
        quote! {
            #[doc = #d]
            pub fn #f(&self) -> bool {
                matches!(self, Self::#v(_))
            }
        }
    });
    let impls = error_trait_impls(&err, &from_metadata_body(op));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum #err {
            #(#variants)*
            /// An error this SDK version has no variant for; `code()`, `message()` and
            /// `request_id()` still give its details.
            Unhandled(::cloudsdk_core::error::ErrorMetadata),
        }

        impl #err {
            /// The metadata (status, code, message, request id, extras) of any variant.
            pub fn meta(&self) -> &::cloudsdk_core::error::ErrorMetadata {
                match self {
                    #( Self::#names(meta) )|* | Self::Unhandled(meta) => meta,
                }
            }

            /// HTTP status of the error response.
            pub fn status(&self) -> u16 {
                self.meta().status()
            }

            /// Service error code, if the response had one.
            pub fn code(&self) -> Option<&str> {
                self.meta().code()
            }

            /// Service error message, if the response had one.
            pub fn message(&self) -> Option<&str> {
                self.meta().message()
            }

            /// Request id of the failed request, if known.
            pub fn request_id(&self) -> Option<&str> {
                self.meta().request_id()
            }

            #(#is_fns)*

            /// Whether no documented variant matched.
            pub fn is_unhandled(&self) -> bool {
                matches!(self, Self::Unhandled(_))
            }
        }

        #impls
    }
}

/// The error enum's doc: what its variants are, then the spec's notes.
fn error_enum_doc(op: &OperationModel) -> Doc {
    let mut doc = Doc::new();
    doc.para(format!(
        "Errors of [`{}`](crate::Client::{}).",
        op.name, op.snake
    ));
    doc.para(
        "One variant per documented error, plus `Unhandled` for anything else. Every variant \
         keeps the full [`ErrorMetadata`](crate::error::ErrorMetadata) (status, code, \
         message, request id). New variants may be added when the documentation grows: match \
         with a wildcard arm and use `code()` for the rest.",
    );
    doc.paras(&op.errors_docs);
    doc
}

/// A documented error's doc: status, code and message, then its description and source.
fn error_variant_doc(e: &ErrorModel) -> Doc {
    let mut d = Doc::new();
    let mut head = format!("HTTP {}", e.status);
    if let Some(code) = &e.code {
        head.push_str(&format!(", code `{code}`"));
    } else {
        head.push_str(" (any error code)");
    }
    if let Some(msg) = &e.message {
        head.push_str(&format!(": \"{msg}\""));
    }
    d.para(head);
    d.text(&e.doc);
    if let Some(s) = &e.source {
        d.para(format!("Source: {s}."));
    }
    d
}

/// The body of `from_metadata`: match the code first, then the status of the errors without
/// a code, else `Unhandled`.
fn from_metadata_body(op: &OperationModel) -> TokenStream {
    let by_code: Vec<TokenStream> = op
        .errors
        .iter()
        .filter_map(|e| {
            let v = format_ident!("{}", e.name);
            e.code.as_ref().map(|c| quote!(Some(#c) => Self::#v(meta),))
        })
        .collect();
    let by_status: Vec<TokenStream> = op
        .errors
        .iter()
        .filter(|e| e.code.is_none())
        .map(|e| {
            let v = format_ident!("{}", e.name);
            let s = proc_macro2::Literal::u16_unsuffixed(e.status);
            quote!(#s => Self::#v(meta),)
        })
        .collect();
    let status_match = if by_status.is_empty() {
        quote!(Self::Unhandled(meta))
    } else {
        quote! {
            match meta.status() {
                #(#by_status)*
                _ => Self::Unhandled(meta),
            }
        }
    };
    if by_code.is_empty() {
        status_match
    } else {
        quote! {
            let code = meta.code().map(::std::borrow::ToOwned::to_owned);
            match code.as_deref() {
                #(#by_code)*
                _ => #status_match,
            }
        }
    }
}

/// `OperationError`, `Display` and `Error` for the error enum `err`.
fn error_trait_impls(err: &proc_macro2::Ident, from_metadata: &TokenStream) -> TokenStream {
    quote! {
        impl ::cloudsdk_core::error::OperationError for #err {
            fn from_metadata(meta: ::cloudsdk_core::error::ErrorMetadata) -> Self {
                #from_metadata
            }

            fn meta(&self) -> &::cloudsdk_core::error::ErrorMetadata {
                #err::meta(self)
            }
        }

        impl ::std::fmt::Display for #err {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self.meta(), f)
            }
        }

        impl ::std::error::Error for #err {}
    }
}

/// `src/operation/<op>.rs`.
pub fn operation_file(model: &Model, op: &OperationModel) -> TokenStream {
    let mdoc = module_doc(model, op).inner();
    let input = input_tokens(model, op);
    let fluent = fluent_builder_tokens(model, op);
    let output_struct = {
        let mut extra = Doc::new();
        extra.para(format!(
            "Response of [`{}`](crate::Client::{}).",
            op.name, op.snake
        ));
        if let Some(root) = &op.output.xml_root {
            extra.para(format!("XML responses have the root element `<{root}>`."));
        }
        struct_tokens(&op.output, &extra)
    };
    let errors = error_tokens(op);
    quote! {
        #mdoc

        #input

        #fluent

        #output_struct

        #errors
    }
}

/// The module doc: title, description, how it reaches the wire, parameters, example
/// requests, documented errors and a usage example.
fn module_doc(model: &Model, op: &OperationModel) -> Doc {
    let mut mdoc = Doc::new();
    mdoc.para(if op.title == op.name {
        op.name.clone()
    } else {
        format!("{}: {}", op.name, op.title)
    });
    mdoc.text(&op.doc);
    match &model.protocol {
        Protocol::Huawei { .. } => {
            mdoc.heading("URI");
            mdoc.code("text", &uri_lines(op).join("\n"));
        }
        Protocol::Aliyun { .. } => {
            mdoc.heading("Action");
            mdoc.para(format!(
                "`{}` (RPC; the client sends the parameters as a signed query string).",
                op.name
            ));
        }
    }
    if !op.members.is_empty() {
        mdoc.heading("Parameters");
        for m in &op.members {
            mdoc.para(parameter_line(m));
        }
    }
    if !op.example_requests.is_empty() {
        mdoc.heading("Example requests (from the document)");
        for (desc, text) in &op.example_requests {
            if let Some(d) = desc {
                mdoc.para(d.clone());
            }
            mdoc.code("text", text);
        }
    }
    if !op.errors.is_empty() || !op.errors_docs.is_empty() {
        mdoc.heading("Documented errors");
        mdoc.paras(&op.errors_docs);
        let err = format_ident!("{}Error", op.name);
        for e in &op.errors {
            let mut line = format!("- HTTP {}", e.status);
            if let Some(c) = &e.code {
                line.push_str(&format!(" `{c}`"));
            }
            line.push_str(&format!(
                " → [`{err}::{name}`](crate::operation::{module}::{err}::{name})",
                name = e.name,
                module = op.snake
            ));
            mdoc.para(line);
        }
    }
    mdoc.heading("Example");
    mdoc.code("no_run", &usage_example(model, op));
    mdoc.para(format!("Source: {}.", op.source));
    mdoc
}

/// `METHOD /uri/{param}` for each URI template, with its API version when there are several.
fn uri_lines(op: &OperationModel) -> Vec<String> {
    let mut lines = Vec::new();
    for (v, parts) in &op.uris {
        let mut uri = String::new();
        for p in parts {
            match p {
                UriPart::Literal(l) => uri.push_str(l),
                UriPart::ProjectId => uri.push_str("{project_id}"),
                UriPart::Param(i) => uri.push_str(&format!("{{{}}}", op.members[*i].wire_name)),
            }
        }
        match v {
            Some(v) => lines.push(format!("{} {uri}    (ApiVersion::{v})", op.method)),
            None => lines.push(format!("{} {uri}", op.method)),
        }
    }
    lines
}

/// A parameter's line in the module doc: name, type, who fills it, first doc sentence.
fn parameter_line(m: &MemberModel) -> String {
    let mut line = format!(
        "- `{}` ({}{})",
        display_name(m),
        m.documented_type
            .clone()
            .unwrap_or_else(|| format!("{:?}", m.scalar)),
        if m.required { ", required" } else { "" }
    );
    if m.client_filled {
        line.push_str(": filled in by the client");
    } else {
        line.push_str(&format!(
            ": set with `{}()`",
            m.item_setter.as_deref().unwrap_or(&m.rust_name)
        ));
        if m.default_client_region {
            line.push_str(", or taken from the client's region");
        }
    }
    let first = m.doc.translation.first().or(m.doc.docs.first());
    if let Some(first) = first {
        line.push_str(&format!(". {first}"));
    }
    line
}

/// The input struct with `into_request()`, and its builder whose `build()` checks the
/// documented constraints.
fn input_tokens(model: &Model, op: &OperationModel) -> TokenStream {
    let input = format_ident!("{}Input", op.name);
    let input_builder = format_ident!("{}InputBuilder", op.name);
    let user_members: Vec<&MemberModel> = op.members.iter().filter(|m| !m.client_filled).collect();
    let input_fields = user_members.iter().map(|m| {
        let doc = member_doc(m).outer();
        let f = names::ident(&m.rust_name);
        let ty = member_type(m);
        quote!(#doc pub #f: #ty,)
    });
    let builder_fields = user_members.iter().map(|m| {
        let f = names::ident(&m.rust_name);
        let ty = builder_type(m);
        quote!(pub(crate) #f: #ty,)
    });
    let builder_methods = user_members.iter().map(|m| accessor_methods(m, false));
    let build_members = user_members.iter().map(|m| build_member(m));
    let field_names: Vec<_> = user_members
        .iter()
        .map(|m| names::ident(&m.rust_name))
        .collect();
    let request = request_tokens(model, op);
    let input_doc = format!(" Input of [`{}`](crate::Client::{}).", op.name, op.snake);
    let builder_doc =
        format!(" Builder for [`{input}`]; `build()` checks the documented constraints.");
    quote! {
        #[doc = #input_doc]
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct #input {
            #(#input_fields)*
        }

        impl #input {
            /// A builder for this input.
            pub fn builder() -> #input_builder {
                #input_builder::default()
            }

            #request
        }

        #[doc = #builder_doc]
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[must_use]
        pub struct #input_builder {
            #(#builder_fields)*
        }

        impl #input_builder {
            #(#builder_methods)*

            /// Checks the parameters against the documented constraints and builds the input.
            ///
            /// # Errors
            ///
            /// A [`ConstructionError`](crate::error::ConstructionError) naming the
            /// parameter when a required value is missing or a constraint is violated.
            pub fn build(self) -> ::std::result::Result<#input, ::cloudsdk_core::error::ConstructionError> {
                #(#build_members)*
                Ok(#input { #(#field_names),* })
            }
        }
    }
}

/// The fluent builder the client returns: the input builder's setters and `send()`.
fn fluent_builder_tokens(model: &Model, op: &OperationModel) -> TokenStream {
    let input_builder = format_ident!("{}InputBuilder", op.name);
    let fluent = format_ident!("{}FluentBuilder", op.name);
    let output = format_ident!("{}Output", op.name);
    let err = format_ident!("{}Error", op.name);
    let user_members = op.members.iter().filter(|m| !m.client_filled);
    let fluent_methods = user_members.map(|m| accessor_methods(m, true));
    let build_input = build_input_tokens(op);
    let send_request = if model.api_version.is_some() {
        quote!(input.into_request(self.client.api_version()))
    } else {
        quote!(input.into_request())
    };
    let send_doc = Doc::new()
        .para("Validates the input and sends the request.")
        .heading("Errors")
        .para(format!(
            "[`SdkError::Construction`](crate::SdkError::Construction) when the input is \
             invalid (nothing is sent); otherwise what the call produced: a timeout, a dispatch \
             failure, an undecodable response, or a service error whose [`{err}`] tells which \
             documented error it is."
        ))
        .outer();
    let fluent_doc = format!(
        " Fluent builder for [`{}`](crate::Client::{}): set the parameters, then `send()`.",
        op.name, op.snake
    );
    quote! {
        #[doc = #fluent_doc]
        #[derive(Debug, Clone)]
        #[must_use]
        pub struct #fluent {
            client: crate::Client,
            inner: #input_builder,
        }

        impl #fluent {
            pub(crate) fn new(client: crate::Client) -> Self {
                Self { client, inner: #input_builder::default() }
            }

            /// The input built so far.
            pub fn as_input(&self) -> &#input_builder {
                &self.inner
            }

            #(#fluent_methods)*

            #send_doc
            pub async fn send(self) -> ::std::result::Result<#output, ::cloudsdk_core::SdkError<#err>> {
                #build_input
                let request = #send_request;
                self.client.inner.send::<#output, #err>(request).await
            }
        }
    }
}

/// `let input = ...;` in `send()`: parameters that default to a client setting (the region)
/// are filled when the user left them unset, then the input is built.
fn build_input_tokens(op: &OperationModel) -> TokenStream {
    let client_defaults: Vec<TokenStream> = op
        .members
        .iter()
        .filter(|m| !m.client_filled && m.default_client_region)
        .map(|m| {
            let field = names::ident(&m.rust_name);
            quote! {
                if inner.#field.is_none() {
                    inner.#field = self.client.inner.region().map(::std::borrow::ToOwned::to_owned);
                }
            }
        })
        .collect();
    if client_defaults.is_empty() {
        quote! {
            let input = self.inner.build().map_err(::cloudsdk_core::SdkError::Construction)?;
        }
    } else {
        quote! {
            let mut inner = self.inner;
            #(#client_defaults)*
            let input = inner.build().map_err(::cloudsdk_core::SdkError::Construction)?;
        }
    }
}
