//! Stage 4, **emit**: the model → token streams (Rust files) and text (Cargo.toml).

pub mod client;
pub mod docs;
pub mod operation;
pub mod types;

use proc_macro2::TokenStream;
use quote::quote;

use self::docs::Doc;
use crate::model::{Model, Protocol};
use crate::names;

/// Contents of one generated file before formatting.
#[derive(Debug)]
pub enum Contents {
    /// A Rust source file (formatted by the format stage).
    Rust(TokenStream),
    /// A text file written as is (after the header).
    Toml(String),
}

/// One generated file, path relative to the crate directory.
#[derive(Debug)]
pub struct Emitted {
    /// Path inside `crates/<crate>/`.
    pub path: String,
    /// Contents.
    pub contents: Contents,
}

/// Emits every file of a crate, in a fixed order.
pub fn emit(model: &Model) -> Vec<Emitted> {
    let mut files = vec![
        Emitted {
            path: "Cargo.toml".to_string(),
            contents: Contents::Toml(cargo_toml(model)),
        },
        Emitted {
            path: "src/lib.rs".to_string(),
            contents: Contents::Rust(lib_file(model)),
        },
        Emitted {
            path: "src/client.rs".to_string(),
            contents: Contents::Rust(client::client_file(model)),
        },
        Emitted {
            path: "src/types.rs".to_string(),
            contents: Contents::Rust(types::types_file(model)),
        },
        Emitted {
            path: "src/operation.rs".to_string(),
            contents: Contents::Rust(operation_mod(model)),
        },
    ];
    for op in &model.operations {
        files.push(Emitted {
            path: format!("src/operation/{}.rs", op.snake),
            contents: Contents::Rust(operation::operation_file(model, op)),
        });
    }
    files
}

fn cargo_toml(model: &Model) -> String {
    let description = model.description.replace('\\', "\\\\").replace('"', "\\\"");
    let xml = if model.protocol.is_aliyun() {
        "quick-xml.workspace = true\n"
    } else {
        ""
    };
    let extra_deps = format!(
        "\n# tests/ and examples/ are hand-written.\n[dev-dependencies]\ninsta.workspace = true\n{xml}\
         serde_json.workspace = true\ntokio = {{ workspace = true, features = [\"rt\", \"macros\"] }}\n"
    );
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         description = \"{description}\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         repository.workspace = true\n\
         \n\
         [lints]\n\
         workspace = true\n\
         \n\
         [features]\n\
         # The replay client for tests of code that calls this crate: `test_util`.\n\
         test-util = [\"cloudsdk-core/test-util\"]\n\
         \n\
         [dependencies]\n\
         cloudsdk-core = {{ workspace = true, features = [\"{vendor}\"] }}\n\
         serde.workspace = true\n\
         {extra_deps}",
        name = model.crate_name,
        vendor = if model.protocol.is_aliyun() {
            "aliyun"
        } else {
            "huawei"
        },
    )
}

fn lib_file(model: &Model) -> TokenStream {
    let mut doc = Doc::new();
    doc.para(model.description.clone());
    doc.paras(&model.docs);
    doc.heading("Operations");
    for op in &model.operations {
        doc.para(format!(
            "- `{}` ({}): [`Client::{}`]",
            op.name, op.title, op.snake
        ));
    }
    doc.heading("Endpoint");
    match &model.protocol {
        Protocol::Huawei {
            endpoint_template,
            docs,
        } => {
            doc.para(format!(
                "`{endpoint_template}`, with `{{region}}` from [`ClientBuilder::region`]; \
                 [`ClientBuilder::endpoint`] overrides it."
            ));
            doc.paras(docs);
        }
        Protocol::Aliyun {
            product,
            version,
            endpoint_rule,
            endpoint_map,
            docs,
        } => {
            doc.para(format!(
                "Product `{product}`, API version `{version}`. Endpoint rule `{endpoint_rule}` \
                 (`{{network}}` is empty on the public network), except for these regions:"
            ));
            let rows: Vec<String> = endpoint_map
                .iter()
                .map(|(r, e)| format!("- `{r}` → `{e}`"))
                .collect();
            doc.para(rows.join("\n"));
            doc.paras(docs);
        }
    }
    doc.heading("Example");
    if let Some(op) = model.operations.first() {
        doc.code("no_run", &operation::usage_example(model, op));
    }
    doc.heading("Sources");
    doc.para("This crate is generated from a spec transcribed from these documents:");
    // The primary document first, then the others in key order.
    let mut sources: Vec<(&String, &crate::model::SourceModel)> = model.sources.iter().collect();
    sources.sort_by_key(|(key, _)| (**key != model.primary_source, (*key).clone()));
    let rows: Vec<String> = sources
        .iter()
        .map(|(_, s)| format!("- {} (`{}`)", s.title, s.location))
        .collect();
    doc.para(rows.join("\n"));
    let doc = doc.inner();

    let client_reexport = if model.api_version.is_some() {
        quote!(
            pub use client::{ApiVersion, Client, ClientBuilder};
        )
    } else {
        quote!(
            pub use client::{Client, ClientBuilder};
        )
    };
    let aliyun_reexport = if model.protocol.is_aliyun() {
        quote!(
            pub use cloudsdk_core::aliyun::{Format, SignatureAlgorithm};
        )
    } else {
        quote!()
    };
    // The modules are generated with prettyplease, whose layout differs from rustfmt's in
    // places; `#[rustfmt::skip]` keeps `cargo fmt` away from them. This file itself is written
    // rustfmt-stable (imports in rustfmt's order).
    quote! {
        #doc
        #![warn(missing_docs)]

        #[rustfmt::skip]
        pub mod client;
        #[rustfmt::skip]
        pub mod operation;
        #[rustfmt::skip]
        pub mod types;

        #client_reexport
        #aliyun_reexport
        pub use cloudsdk_core::error::ErrorMetadata;
        pub use cloudsdk_core::{BuildError, Credentials, SdkError};
        /// In-memory replay client for tests of code that calls this crate (feature
        /// `test-util`): scripted replies, recorded requests, no socket.
        #[cfg(feature = "test-util")]
        pub use cloudsdk_core::test_util;
    }
}

fn operation_mod(model: &Model) -> TokenStream {
    let mods = model.operations.iter().map(|op| {
        let m = names::ident(&op.snake);
        let doc = format!(" {}: {}", op.name, op.title);
        quote!(#[doc = #doc] pub mod #m;)
    });
    quote! {
        //! One module per operation: input, builders, output and error types.
        #(#mods)*
    }
}
