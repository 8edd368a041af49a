//! `src/client.rs`: `Client`, `ClientBuilder`, the service description and (ECS) `ApiVersion`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::Doc;
use super::operation::usage_example;
use crate::model::{Model, Protocol};
use crate::names;

/// A builder method forwarded to the core builder.
struct Forward {
    name: &'static str,
    arg: TokenStream,
    doc: String,
}

fn forward(name: &'static str, arg: TokenStream, doc: impl Into<String>) -> Forward {
    Forward {
        name,
        arg,
        doc: doc.into(),
    }
}

fn string_arg() -> TokenStream {
    quote!(impl ::std::convert::Into<::std::string::String>)
}

/// The builder's setters, in the order the docs list them.
fn forwards(model: &Model) -> Vec<Forward> {
    let mut list = location_forwards(model);
    list.extend(credential_forwards());
    list.extend(vendor_forwards(model));
    list.extend(runtime_forwards());
    list.extend(network_forwards());
    list.extend(misc_forwards(model));
    list
}

/// Region, endpoint and (Huawei) project.
fn location_forwards(model: &Model) -> Vec<Forward> {
    let mut list = vec![
        forward(
            "region",
            string_arg(),
            format!(
                "Region id (for example `{}`); selects the endpoint unless `endpoint` is set.",
                model.protocol.example_region()
            ),
        ),
        forward(
            "endpoint",
            string_arg(),
            "Overrides the endpoint (scheme, host and optional port), for example `http://127.0.0.1:8080`.",
        ),
    ];
    if matches!(model.protocol, Protocol::Huawei { .. }) {
        list.push(forward(
            "project_id",
            string_arg(),
            "Project id that fills `{project_id}` in the URI; without one the core discovers it from IAM for the region.",
        ));
        list.push(forward(
            "iam_endpoint",
            string_arg(),
            "IAM endpoint used for project-id discovery.",
        ));
    }
    list
}

fn credential_forwards() -> Vec<Forward> {
    vec![
        forward(
            "credentials",
            quote!(crate::Credentials),
            "Static credentials (access key id and secret, optionally a security token).",
        ),
        forward(
            "credentials_provider",
            quote!(impl crate::credentials::ProvideCredentials + 'static),
            "A credentials provider (environment, profile file, chain, ...).",
        ),
    ]
}

/// The Alibaba protocol's own settings (none for Huawei).
fn vendor_forwards(model: &Model) -> Vec<Forward> {
    if !model.protocol.is_aliyun() {
        return Vec::new();
    }
    vec![
        forward(
            "signature_algorithm",
            quote!(::cloudsdk_core::aliyun::SignatureAlgorithm),
            "Signature algorithm: `V3` (`ACS3-HMAC-SHA256`, the default) or `V2` (HMAC-SHA1).",
        ),
        forward(
            "format",
            quote!(::cloudsdk_core::aliyun::Format),
            "Response format: `Json` (the default) or `Xml`.",
        ),
        forward(
            "network",
            string_arg(),
            "Network for the endpoint rule (for example `vpc` selects `ecs-vpc.{region}.aliyuncs.com`; `public` or empty is the public endpoint). The endpoint map still wins, as in the official SDKs.",
        ),
    ]
}

/// Retries, timeouts, limits and the HTTP client.
fn runtime_forwards() -> Vec<Forward> {
    let duration = quote!(::std::time::Duration);
    vec![
        forward(
            "max_attempts",
            quote!(u32),
            "Maximum number of attempts per operation, the first one included.",
        ),
        forward(
            "operation_timeout",
            duration.clone(),
            "Time limit for a whole operation, retries included.",
        ),
        forward(
            "attempt_timeout",
            duration.clone(),
            "Time limit for a single attempt.",
        ),
        forward(
            "connect_timeout",
            duration,
            "Time limit for establishing a connection.",
        ),
        forward(
            "retry_config",
            quote!(crate::RetryConfig),
            "Retry policy (maximum attempts and exponential backoff with full jitter).",
        ),
        forward(
            "max_response_bytes",
            quote!(usize),
            "Largest response body accepted (default 16 MiB); a larger body is refused while it streams in.",
        ),
        forward(
            "http_client",
            quote!(impl ::std::convert::Into<crate::http::SharedHttpClient>),
            "The HTTP client: a `reqwest::Client` (0.13) you configured (proxy, TLS roots, pool settings) or any [`HttpClient`](crate::http::HttpClient), such as the replay client of the `test-util` feature. Retries, the attempt and operation timeouts and the body cap still apply; `connect_timeout` configures only the client the SDK builds when none is given.",
        ),
    ]
}

/// Proxy and certificate authorities.
fn network_forwards() -> Vec<Forward> {
    vec![
        forward(
            "proxy",
            string_arg(),
            "Sends every request (http and https endpoints) through the forward proxy at this URL (`http://[user:pass@]host:port` or `https://…`; the credentials go in `Proxy-Authorization`). Replaces the environment's `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`; see [`NetworkSettings`](crate::http::NetworkSettings).",
        ),
        forward(
            "no_proxy",
            string_arg(),
            "Hosts reached without the proxy: a comma list as in `NO_PROXY` (which it replaces), with domains (and their subdomains), IP addresses, CIDR blocks or `*`.",
        ),
        forward(
            "add_root_certificate",
            quote!(impl ::std::convert::AsRef<[u8]>),
            "Trusts the certificate authorities in this PEM text, in addition to the system's roots unless `tls_built_in_root_certs(false)`. Invalid PEM fails `build()` with `BuildError::InvalidCaCertificate`.",
        ),
        forward(
            "ca_bundle",
            quote!(impl ::std::convert::Into<::std::path::PathBuf>),
            "Trusts the certificate authorities in this PEM file (read by `build()`; an unreadable or invalid file fails it with `BuildError::InvalidCaCertificate`).",
        ),
        forward(
            "tls_built_in_root_certs",
            quote!(bool),
            "Whether the system's root certificates are trusted (default `true`); with `false` only the authorities of `add_root_certificate` and `ca_bundle` are.",
        ),
    ]
}

/// The environment, the user agent and clock-skew correction.
fn misc_forwards(model: &Model) -> Vec<Forward> {
    vec![
        forward(
            "env",
            quote!(crate::credentials::Env),
            "Environment (the process environment by default) read by the default credential chain, `from_env` and the proxy variables `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`; tests inject one with `Env::from_vars`.",
        ),
        forward(
            "user_agent_suffix",
            string_arg(),
            "Text appended to the `User-Agent` header.",
        ),
        forward(
            "clock_skew_correction",
            quote!(bool),
            format!(
                "Clock-skew correction (on by default): after a request is rejected for its \
                 timestamp ({}) the client learns the offset from the response's `Date` header, \
                 retries once at once and signs later requests with the corrected time. `false` \
                 disables it.",
                model.protocol.expired_timestamp_error()
            ),
        ),
    ]
}

fn api_version_tokens(model: &Model) -> TokenStream {
    let Some(av) = &model.api_version else {
        return quote!();
    };
    let mut doc = Doc::new();
    doc.paras(&av.docs);
    doc.para(format!("The default is `{}`.", av.default));
    let doc = doc.outer();
    let variants = av.values.iter().map(|(name, docs)| {
        let v = format_ident!("{}", name);
        let d = Doc::new().paras(docs).outer();
        let default = if *name == av.default {
            quote!(#[default])
        } else {
            quote!()
        };
        quote!(#d #default #v,)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        #[allow(non_camel_case_types)]
        pub enum ApiVersion {
            #(#variants)*
        }
    }
}

/// The core's client and builder types, and the `SERVICE` description handed to them.
struct CoreTypes {
    client: TokenStream,
    builder: TokenStream,
    service: TokenStream,
}

fn core_types(model: &Model) -> CoreTypes {
    let crate_name = &model.crate_name;
    match &model.protocol {
        Protocol::Huawei {
            endpoint_template, ..
        } => CoreTypes {
            client: quote!(::cloudsdk_core::huawei::HuaweiClient),
            builder: quote!(::cloudsdk_core::huawei::HuaweiClientBuilder),
            service: quote! {
                /// Service description handed to the core: endpoint template and crate identity.
                pub(crate) static SERVICE: ::cloudsdk_core::huawei::ServiceInfo = ::cloudsdk_core::huawei::ServiceInfo {
                    endpoint_template: #endpoint_template,
                    crate_name: #crate_name,
                    crate_version: env!("CARGO_PKG_VERSION"),
                };
            },
        },
        Protocol::Aliyun {
            product,
            version,
            endpoint_rule,
            endpoint_map,
            ..
        } => {
            let entries = endpoint_map.iter().map(|(r, e)| quote!((#r, #e)));
            CoreTypes {
                client: quote!(::cloudsdk_core::aliyun::AliyunClient),
                builder: quote!(::cloudsdk_core::aliyun::AliyunClientBuilder),
                service: quote! {
                    /// Service description handed to the core: product, API version, endpoint rule
                    /// and map, crate identity.
                    pub(crate) static SERVICE: ::cloudsdk_core::aliyun::ServiceInfo = ::cloudsdk_core::aliyun::ServiceInfo {
                        product: #product,
                        version: #version,
                        endpoint_rule: #endpoint_rule,
                        endpoint_map: &[#(#entries),*],
                        crate_name: #crate_name,
                        crate_version: env!("CARGO_PKG_VERSION"),
                    };
                },
            }
        }
    }
}

/// What an `ApiVersion` adds to the client and its builder (nothing for a service without one).
#[derive(Default)]
struct ApiVersionParts {
    field: TokenStream,
    init: TokenStream,
    build: TokenStream,
    client_method: TokenStream,
    builder_method: TokenStream,
}

fn api_version_parts(model: &Model) -> ApiVersionParts {
    if model.api_version.is_none() {
        return ApiVersionParts::default();
    }
    ApiVersionParts {
        field: quote!(api_version: ApiVersion,),
        init: quote!(api_version: ApiVersion::default(),),
        build: quote!(api_version: self.api_version,),
        client_method: quote! {
            /// The API version (URI prefix) this client calls.
            pub fn api_version(&self) -> ApiVersion {
                self.api_version
            }
        },
        builder_method: quote! {
            /// Selects the API version (URI prefix) for every operation of the client.
            pub fn api_version(mut self, api_version: ApiVersion) -> Self {
                self.api_version = api_version;
                self
            }
        },
    }
}

/// The builder's setters, each forwarding to the core builder.
fn forward_methods(model: &Model) -> Vec<TokenStream> {
    forwards(model)
        .into_iter()
        .map(|f| {
            let name = format_ident!("{}", f.name);
            let arg = f.arg;
            let doc = format!(" {}", f.doc);
            quote! {
                #[doc = #doc]
                pub fn #name(mut self, value: #arg) -> Self {
                    self.inner = self.inner.#name(value);
                    self
                }
            }
        })
        .collect()
}

/// One method per operation on `Client`, returning the operation's fluent builder.
fn operation_methods(model: &Model) -> Vec<TokenStream> {
    model
        .operations
        .iter()
        .map(|op| {
            let method = names::ident(&op.snake);
            let module = names::ident(&op.snake);
            let fluent = format_ident!("{}FluentBuilder", op.name);
            let mut doc = Doc::new();
            doc.para(if op.title == op.name {
                op.name.clone()
            } else {
                format!("{}: {}", op.name, op.title)
            });
            doc.text(&op.doc);
            doc.para(format!(
                "Returns a [`{fluent}`](crate::operation::{}::{fluent}); set the parameters and call `send()`.",
                op.snake
            ));
            doc.heading("Example");
            doc.code("no_run", &usage_example(model, op));
            let doc = doc.outer();
            quote! {
                #doc
                pub fn #method(&self) -> crate::operation::#module::#fluent {
                    crate::operation::#module::#fluent::new(self.clone())
                }
            }
        })
        .collect()
}

/// `Client`: the struct and its methods.
fn client_tokens(model: &Model, core: &CoreTypes, av: &ApiVersionParts) -> TokenStream {
    let mut client_doc = Doc::new();
    client_doc.para(model.description.clone());
    client_doc.para(
        "Cheap to clone: clones share the connection pool and configuration. Build one with \
         [`Client::builder`] or [`Client::from_env`].",
    );
    let client_doc = client_doc.outer();
    let core_client = &core.client;
    let av_field = &av.field;
    let av_client_method = &av.client_method;
    let op_methods = operation_methods(model);
    quote! {
        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            pub(crate) inner: #core_client,
            #av_field
        }

        impl Client {
            /// A builder with nothing configured yet.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new()
            }

            /// A client configured from the vendor's usual environment variables (region,
            /// project, credentials) and, for credentials, the vendor's profile files.
            ///
            /// Same as `ClientBuilder::from_env().build()`; use [`ClientBuilder::from_env`]
            /// to override settings before building.
            ///
            /// # Errors
            ///
            /// A [`BuildError`](crate::BuildError) when the environment does not
            /// give a usable configuration (no region or endpoint, no credentials, ...).
            pub fn from_env() -> ::std::result::Result<Client, ::cloudsdk_core::BuildError> {
                ClientBuilder::from_env().build()
            }

            #av_client_method

            #(#op_methods)*
        }
    }
}

/// `ClientBuilder`: the struct, `Default` and its setters.
fn builder_tokens(model: &Model, core: &CoreTypes, av: &ApiVersionParts) -> TokenStream {
    let core_builder = &core.builder;
    let ApiVersionParts {
        field: av_field,
        init: av_init,
        build: av_build,
        builder_method: av_builder_method,
        ..
    } = av;
    let forward_methods = forward_methods(model);
    quote! {
        /// Configures and builds a [`Client`]. Every setting is checked by `build()`, which
        /// returns an error (never panics) when the configuration is unusable.
        #[derive(Debug)]
        #[must_use]
        pub struct ClientBuilder {
            inner: #core_builder,
            #av_field
        }

        impl Default for ClientBuilder {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ClientBuilder {
            /// A builder with nothing configured yet.
            pub fn new() -> Self {
                Self {
                    inner: #core_builder::new(&SERVICE),
                    #av_init
                }
            }

            /// A builder preloaded from the vendor's usual environment variables (region,
            /// project, credentials), read by the core. Call `build()` on it, optionally after
            /// overriding settings.
            pub fn from_env() -> Self {
                Self {
                    inner: #core_builder::from_env(&SERVICE),
                    #av_init
                }
            }

            #(#forward_methods)*

            #av_builder_method

            /// Builds the client.
            ///
            /// # Errors
            ///
            /// A [`BuildError`](crate::BuildError) when the configuration is incomplete
            /// or invalid (no region or endpoint, no credentials, a malformed endpoint, ...).
            pub fn build(self) -> ::std::result::Result<Client, ::cloudsdk_core::BuildError> {
                Ok(Client {
                    inner: self.inner.build()?,
                    #av_build
                })
            }
        }
    }
}

/// `src/client.rs`.
pub fn client_file(model: &Model) -> TokenStream {
    let core = core_types(model);
    let av = api_version_parts(model);
    let service = &core.service;
    let api_version = api_version_tokens(model);
    let client = client_tokens(model, &core, &av);
    let builder = builder_tokens(model, &core, &av);
    quote! {
        //! The client and its builder.

        #service

        #api_version

        #client

        #builder
    }
}
