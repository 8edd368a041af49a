//! Stage 4, **emit**: the model → token streams (Rust files) and text (Cargo.toml).

pub mod builder;
pub mod client;
pub mod divergences;
pub mod docs;
pub mod operation;
pub mod readme;
pub mod types;

use proc_macro2::TokenStream;
use quote::quote;

use self::docs::Doc;
use crate::model::Model;
use crate::names;

/// Contents of one generated file before formatting.
#[derive(Debug)]
pub enum Contents {
    /// A Rust source file (formatted by the format stage).
    Rust(TokenStream),
    /// A text file written as is (after the header).
    Toml(String),
    /// A Markdown file written as is (after an HTML-comment header).
    Markdown(String),
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
            path: "README.md".to_string(),
            contents: Contents::Markdown(readme::readme(model)),
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
        Emitted {
            path: "src/credentials.rs".to_string(),
            contents: Contents::Rust(credentials_mod()),
        },
        Emitted {
            path: "src/error.rs".to_string(),
            contents: Contents::Rust(error_mod()),
        },
        Emitted {
            path: "src/divergences.rs".to_string(),
            contents: Contents::Rust(divergences::divergences_file(model)),
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

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `key = ["a", "b"]\n`, or nothing for an empty list.
fn toml_list(key: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let items: Vec<String> = items.iter().map(|i| toml_str(i)).collect();
    format!("{key} = [{}]\n", items.join(", "))
}

fn cargo_toml(model: &Model) -> String {
    let xml = if model.protocol.is_aliyun() {
        "quick-xml.workspace = true\n"
    } else {
        ""
    };
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         description = {description}\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         repository.workspace = true\n\
         readme = \"README.md\"\n\
         {keywords}\
         {categories}\
         \n\
         [package.metadata.docs.rs]\n\
         all-features = true\n\
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
         \n\
         # tests/*.rs and examples/ are hand-written; tests/examples/ is generated (copies of the\n\
         # spec's example payloads).\n\
         [dev-dependencies]\n\
         insta.workspace = true\n\
         {xml}\
         serde_json.workspace = true\n\
         tokio = {{ workspace = true, features = [\"rt\", \"macros\"] }}\n",
        name = model.crate_name,
        description = toml_str(&model.description),
        keywords = toml_list("keywords", &model.keywords),
        categories = toml_list("categories", &model.categories),
        vendor = if model.protocol.is_aliyun() {
            "aliyun"
        } else {
            "huawei"
        },
    )
}

fn lib_file(model: &Model) -> TokenStream {
    let mut map = Doc::new();
    map.heading("Crate map");
    let mut rows = vec![
        "- [`Client`] / [`ClientBuilder`]: configure a client and call the operations".to_string(),
    ];
    for op in &model.operations {
        rows.push(format!(
            "- [`operation::{}`]: input, builders, output and errors of `{}`",
            op.snake, op.name
        ));
    }
    rows.extend([
        "- [`types`]: model types shared by the operations".to_string(),
        "- [`error`]: [`SdkError`] and its parts; [`credentials`]: credentials providers"
            .to_string(),
        "- [`divergences`]: where the real service differs from the document, with the evidence"
            .to_string(),
    ]);
    map.para(rows.join("\n"));
    let map = map.inner();

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
        #![doc = include_str!("../README.md")]
        #map
        #![warn(missing_docs)]

        #[rustfmt::skip]
        pub mod client;
        #[rustfmt::skip]
        pub mod credentials;
        #[rustfmt::skip]
        pub mod divergences;
        #[rustfmt::skip]
        pub mod error;
        #[rustfmt::skip]
        pub mod operation;
        #[rustfmt::skip]
        pub mod types;

        #client_reexport
        #aliyun_reexport
        #[doc(inline)]
        pub use cloudsdk_core::{BuildError, Credentials, RetryConfig, SdkError};
        pub use error::ErrorMetadata;
        /// The transport seam: the [`HttpClient`](http::HttpClient) trait,
        /// [`SharedHttpClient`](http::SharedHttpClient) that `ClientBuilder::http_client` takes
        /// and [`NetworkSettings`](http::NetworkSettings) (proxy and trusted roots).
        pub use cloudsdk_core::http;
        /// In-memory replay client for tests of code that calls this crate (feature
        /// `test-util`): scripted replies, recorded requests, no socket.
        #[cfg(feature = "test-util")]
        pub use cloudsdk_core::test_util;
    }
}

/// `src/credentials.rs`: the core's credentials API, so that users need no `cloudsdk-core`
/// dependency to name a provider or an [`Env`](cloudsdk_core::credentials::Env).
fn credentials_mod() -> TokenStream {
    quote! {
        //! Credentials and their providers: [`Credentials`], the [`ProvideCredentials`] trait
        //! (taken by `ClientBuilder::credentials_provider`), the [`Env`] the default chain reads
        //! (taken by `ClientBuilder::env`), [`ChainProvider`], the refreshing
        //! [`CredentialsCache`] and [`ProviderConfig`], and the vendor's providers: environment
        //! variables, profile files, and the network providers for temporary credentials
        //! (Huawei: `huawei::OidcSts`, `huawei::IdpFederation`, `huawei::EcsMetadata`,
        //! `huawei::PodIdentity`; Alibaba:
        //! `aliyun::OidcRoleArn`, `aliyun::RamRoleArn`, `aliyun::EcsRamRole`,
        //! `aliyun::CredentialsUri`).
        //!
        //! Re-exported from `cloudsdk-core`, the runtime shared by the generated crates.

        #[doc(inline)]
        pub use cloudsdk_core::credentials::*;
    }
}

/// `src/error.rs`: the core's error types, so that users need no `cloudsdk-core` dependency to
/// name the errors the client returns.
fn error_mod() -> TokenStream {
    quote! {
        //! Errors: [`SdkError`] (what `send()` returns) and its parts, [`ServiceError`],
        //! [`ResponseError`], [`DispatchError`], [`TimeoutError`] / [`TimeoutKind`],
        //! [`ConstructionError`] (invalid input, nothing sent; also what a fixture builder's
        //! `build()` returns when a required field is missing), [`ErrorMetadata`] (status, code,
        //! message and request id of an error response), [`BuildError`] (client
        //! configuration) and the [`OperationError`] trait of the per-operation error enums.
        //!
        //! Re-exported from `cloudsdk-core`, the runtime shared by the generated crates.

        #[doc(inline)]
        pub use cloudsdk_core::error::*;
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
