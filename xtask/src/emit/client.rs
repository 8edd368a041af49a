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

fn forwards(model: &Model) -> Vec<Forward> {
    let string = quote!(impl ::std::convert::Into<::std::string::String>);
    let duration = quote!(::std::time::Duration);
    let mut list = vec![
        Forward {
            name: "region",
            arg: string.clone(),
            doc: format!(
                "Region id (for example `{}`); selects the endpoint unless `endpoint` is set.",
                model.protocol.example_region()
            ),
        },
        Forward {
            name: "endpoint",
            arg: string.clone(),
            doc: "Overrides the endpoint (scheme, host and optional port), for example `http://127.0.0.1:8080`.".to_string(),
        },
    ];
    if matches!(model.protocol, Protocol::Huawei { .. }) {
        list.push(Forward {
            name: "project_id",
            arg: string.clone(),
            doc: "Project id that fills `{project_id}` in the URI; without one the core discovers it from IAM for the region.".to_string(),
        });
        list.push(Forward {
            name: "iam_endpoint",
            arg: string.clone(),
            doc: "IAM endpoint used for project-id discovery.".to_string(),
        });
    }
    list.push(Forward {
        name: "credentials",
        arg: quote!(crate::Credentials),
        doc: "Static credentials (access key id and secret, optionally a security token)."
            .to_string(),
    });
    list.push(Forward {
        name: "credentials_provider",
        arg: quote!(impl crate::credentials::ProvideCredentials + 'static),
        doc: "A credentials provider (environment, profile file, chain, ...).".to_string(),
    });
    if model.protocol.is_aliyun() {
        list.push(Forward {
            name: "signature_algorithm",
            arg: quote!(::cloudsdk_core::aliyun::SignatureAlgorithm),
            doc: "Signature algorithm: `V3` (`ACS3-HMAC-SHA256`, the default) or `V2` (HMAC-SHA1)."
                .to_string(),
        });
        list.push(Forward {
            name: "format",
            arg: quote!(::cloudsdk_core::aliyun::Format),
            doc: "Response format: `Json` (the default) or `Xml`.".to_string(),
        });
        list.push(Forward {
            name: "network",
            arg: string.clone(),
            doc: "Network for the endpoint rule (for example `vpc` selects `ecs-vpc.{region}.aliyuncs.com`; `public` or empty is the public endpoint). The endpoint map still wins, as in the official SDKs.".to_string(),
        });
    }
    list.extend([
        Forward {
            name: "max_attempts",
            arg: quote!(u32),
            doc: "Maximum number of attempts per operation, the first one included.".to_string(),
        },
        Forward {
            name: "operation_timeout",
            arg: duration.clone(),
            doc: "Time limit for a whole operation, retries included.".to_string(),
        },
        Forward {
            name: "attempt_timeout",
            arg: duration.clone(),
            doc: "Time limit for a single attempt.".to_string(),
        },
        Forward {
            name: "connect_timeout",
            arg: duration,
            doc: "Time limit for establishing a connection.".to_string(),
        },
        Forward {
            name: "retry_config",
            arg: quote!(crate::RetryConfig),
            doc: "Retry policy (maximum attempts and exponential backoff with full jitter).".to_string(),
        },
        Forward {
            name: "max_response_bytes",
            arg: quote!(usize),
            doc: "Largest response body accepted (default 16 MiB); a larger body is refused while it streams in.".to_string(),
        },
        Forward {
            name: "http_client",
            arg: quote!(impl ::std::convert::Into<crate::http::SharedHttpClient>),
            doc: "The HTTP client: a `reqwest::Client` (0.13) you configured (proxy, TLS roots, pool settings) or any [`HttpClient`](crate::http::HttpClient), such as the replay client of the `test-util` feature. Retries, the attempt and operation timeouts and the body cap still apply; `connect_timeout` configures only the client the SDK builds when none is given.".to_string(),
        },
        Forward {
            name: "proxy",
            arg: string.clone(),
            doc: "Sends every request (http and https endpoints) through the forward proxy at this URL (`http://[user:pass@]host:port` or `https://…`; the credentials go in `Proxy-Authorization`). Replaces the environment's `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`; see [`NetworkSettings`](crate::http::NetworkSettings).".to_string(),
        },
        Forward {
            name: "no_proxy",
            arg: string.clone(),
            doc: "Hosts reached without the proxy: a comma list as in `NO_PROXY` (which it replaces), with domains (and their subdomains), IP addresses, CIDR blocks or `*`.".to_string(),
        },
        Forward {
            name: "add_root_certificate",
            arg: quote!(impl ::std::convert::AsRef<[u8]>),
            doc: "Trusts the certificate authorities in this PEM text, in addition to the system's roots unless `tls_built_in_root_certs(false)`. Invalid PEM fails `build()` with `BuildError::InvalidCaCertificate`.".to_string(),
        },
        Forward {
            name: "ca_bundle",
            arg: quote!(impl ::std::convert::Into<::std::path::PathBuf>),
            doc: "Trusts the certificate authorities in this PEM file (read by `build()`; an unreadable or invalid file fails it with `BuildError::InvalidCaCertificate`).".to_string(),
        },
        Forward {
            name: "tls_built_in_root_certs",
            arg: quote!(bool),
            doc: "Whether the system's root certificates are trusted (default `true`); with `false` only the authorities of `add_root_certificate` and `ca_bundle` are.".to_string(),
        },
        Forward {
            name: "env",
            arg: quote!(crate::credentials::Env),
            doc: "Environment (the process environment by default) read by the default credential chain, `from_env` and the proxy variables `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`; tests inject one with `Env::from_vars`.".to_string(),
        },
        Forward {
            name: "user_agent_suffix",
            arg: string,
            doc: "Text appended to the `User-Agent` header.".to_string(),
        },
        Forward {
            name: "clock_skew_correction",
            arg: quote!(bool),
            doc: format!(
                "Clock-skew correction (on by default): after a request is rejected for its \
                 timestamp ({}) the client learns the offset from the response's `Date` header, \
                 retries once at once and signs later requests with the corrected time. `false` \
                 disables it.",
                model.protocol.expired_timestamp_error()
            ),
        },
    ]);
    list
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

/// `src/client.rs`.
pub fn client_file(model: &Model) -> TokenStream {
    let crate_name = &model.crate_name;
    let (core_client, core_builder, service) = match &model.protocol {
        Protocol::Huawei {
            endpoint_template, ..
        } => (
            quote!(::cloudsdk_core::huawei::HuaweiClient),
            quote!(::cloudsdk_core::huawei::HuaweiClientBuilder),
            quote! {
                /// Service description handed to the core: endpoint template and crate identity.
                pub(crate) static SERVICE: ::cloudsdk_core::huawei::ServiceInfo = ::cloudsdk_core::huawei::ServiceInfo {
                    endpoint_template: #endpoint_template,
                    crate_name: #crate_name,
                    crate_version: env!("CARGO_PKG_VERSION"),
                };
            },
        ),
        Protocol::Aliyun {
            product,
            version,
            endpoint_rule,
            endpoint_map,
            ..
        } => {
            let entries = endpoint_map.iter().map(|(r, e)| quote!((#r, #e)));
            (
                quote!(::cloudsdk_core::aliyun::AliyunClient),
                quote!(::cloudsdk_core::aliyun::AliyunClientBuilder),
                quote! {
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
            )
        }
    };
    let has_av = model.api_version.is_some();
    let av_field = if has_av {
        quote!(api_version: ApiVersion,)
    } else {
        quote!()
    };
    let av_init = if has_av {
        quote!(api_version: ApiVersion::default(),)
    } else {
        quote!()
    };
    let av_build = if has_av {
        quote!(api_version: self.api_version,)
    } else {
        quote!()
    };
    let av_client_method = if has_av {
        quote! {
            /// The API version (URI prefix) this client calls.
            pub fn api_version(&self) -> ApiVersion {
                self.api_version
            }
        }
    } else {
        quote!()
    };
    let av_builder_method = if has_av {
        quote! {
            /// Selects the API version (URI prefix) for every operation of the client.
            pub fn api_version(mut self, api_version: ApiVersion) -> Self {
                self.api_version = api_version;
                self
            }
        }
    } else {
        quote!()
    };

    let forward_methods = forwards(model).into_iter().map(|f| {
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
    });

    let op_methods = model.operations.iter().map(|op| {
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
    });

    let mut client_doc = Doc::new();
    client_doc.para(model.description.clone());
    client_doc.para(
        "Cheap to clone: clones share the connection pool and configuration. Build one with \
         [`Client::builder`] or [`Client::from_env`].",
    );
    let client_doc = client_doc.outer();
    let api_version = api_version_tokens(model);

    quote! {
        //! The client and its builder.

        #service

        #api_version

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
