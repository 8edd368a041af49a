//! Alibaba Cloud protocol: RPC (`POST /?<params>`), signed with `ACS3-HMAC-SHA256` (default) or
//! the classic V2 `HMAC-SHA1`, JSON or XML responses.
//!
//! ```no_run
//! use cloudsdk_core::aliyun::{AliyunClientBuilder, RpcRequest, ServiceInfo, SignatureAlgorithm, Format};
//! use cloudsdk_core::Credentials;
//! # use cloudsdk_core::error::{ErrorMetadata, OperationError};
//! # #[derive(Debug)] struct MyError(ErrorMetadata);
//! # impl std::fmt::Display for MyError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) } }
//! # impl std::error::Error for MyError {}
//! # impl OperationError for MyError {
//! #     fn from_metadata(meta: ErrorMetadata) -> Self { MyError(meta) }
//! #     fn meta(&self) -> &ErrorMetadata { &self.0 }
//! # }
//! static SERVICE: ServiceInfo = ServiceInfo {
//!     product: "Ecs",
//!     version: "2014-05-26",
//!     endpoint_rule: "ecs{network}.{region}.aliyuncs.com",
//!     endpoint_map: &[("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com")],
//!     crate_name: "aliyun-ecs",
//!     crate_version: "0.1.0",
//! };
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = AliyunClientBuilder::new(&SERVICE)
//!     .region("cn-beijing")
//!     .credentials(Credentials::new("id", "secret"))
//!     .signature_algorithm(SignatureAlgorithm::V3)
//!     .format(Format::Json)
//!     .build()?;
//! let ids = vec!["sg-1".to_string(), "sg-2".to_string()];
//! let request = RpcRequest::new("DescribeSecurityGroupReferences")
//!     .param("RegionId", "cn-beijing")
//!     .param("OwnerAccount", None::<String>)     // skipped
//!     .param_list("SecurityGroupId", &ids);      // SecurityGroupId.1, SecurityGroupId.2
//! let out: serde_json::Value = client.send::<serde_json::Value, MyError>(request).await?;
//! # Ok(()) }
//! ```
//!
//! **Endpoint**: an explicit endpoint always wins; else `endpoint_map[region]`; else the rule with
//! `{region}` and `{network}` (`""`, or `-vpc` after `.network("vpc")`) filled in.
//!
//! **V3** (default): `POST /?<canonical query>` with an empty body and headers `host`,
//! `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce` (fresh per attempt),
//! `x-acs-content-sha256`, with STS `x-acs-security-token` and `x-acs-accesskey-id`, `accept`,
//! `user-agent`, `Authorization`.
//!
//! **V2**: `POST /?<params + Signature>` with common parameters `Action`, `Version`, `Format`,
//! `AccessKeyId`, `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`, `SignatureNonce` (fresh
//! UUID per attempt), `Timestamp`, `SecurityToken` (STS).
//!
//! **XML**: [`Format::Xml`] asks for XML (`Format=XML`, `accept: application/xml`) and the
//! success body is decoded with `quick_xml::de` into the same output type.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::credentials::{self, Credentials, Env, ProvideCredentials};
use crate::endpoint::{Endpoint, validate_region};
use crate::error::{BoxError, BuildError, ConstructionError, OperationError, SdkError};
use crate::error_body;
use crate::http::HttpRequest;
use crate::identity::CredentialSource;
use crate::redact::Redactor;
use crate::retry::RetryConfig;
use crate::runtime::{Failure, Outcome, Protocol, Received, Runtime, RuntimeSettings, decode_json};
use crate::sign;

/// Static description of an Alibaba Cloud product API, emitted by the generator.
#[derive(Debug)]
pub struct ServiceInfo {
    /// Product code (`Ecs`).
    pub product: &'static str,
    /// API version (`2014-05-26`), sent as `x-acs-version` / `Version`.
    pub version: &'static str,
    /// Endpoint rule with `{network}` and `{region}`, e.g. `ecs{network}.{region}.aliyuncs.com`.
    pub endpoint_rule: &'static str,
    /// Region → endpoint exceptions (win over the rule, even with a network set).
    pub endpoint_map: &'static [(&'static str, &'static str)],
    /// Name of the generated crate (for the `User-Agent`).
    pub crate_name: &'static str,
    /// Version of the generated crate (for the `User-Agent`).
    pub crate_version: &'static str,
}

impl ServiceInfo {
    /// Resolves the endpoint host for a region (`None` network = public).
    pub fn resolve_endpoint(&self, region: &str, network: Option<&str>) -> String {
        if let Some((_, e)) = self.endpoint_map.iter().find(|(r, _)| *r == region) {
            return (*e).to_owned();
        }
        let network = match network {
            None | Some("") | Some("public") => String::new(),
            Some(n) => format!("-{n}"),
        };
        self.endpoint_rule
            .replace("{network}", &network)
            .replace("{region}", region)
    }
}

/// Signature algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// `ACS3-HMAC-SHA256` (default, like the official SDKs).
    #[default]
    V3,
    /// RPC `HMAC-SHA1`, `SignatureVersion=1.0`.
    V2,
}

/// Response format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// JSON (default), decoded with `serde_json`.
    #[default]
    Json,
    /// XML, decoded with `quick_xml::de`.
    Xml,
}

impl Format {
    fn param(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Xml => "XML",
        }
    }

    fn accept(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
        }
    }

    fn accept_header(self) -> http::HeaderValue {
        http::HeaderValue::from_static(self.accept())
    }
}

/// A value that can be an RPC parameter. `None` values are skipped.
pub trait RpcParamValue {
    /// The wire text, or `None` to skip the parameter.
    fn into_param_value(self) -> Option<String>;
}

impl RpcParamValue for String {
    fn into_param_value(self) -> Option<String> {
        Some(self)
    }
}

impl RpcParamValue for &String {
    fn into_param_value(self) -> Option<String> {
        Some(self.clone())
    }
}

impl RpcParamValue for &str {
    fn into_param_value(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl RpcParamValue for &&str {
    fn into_param_value(self) -> Option<String> {
        Some((*self).to_owned())
    }
}

impl RpcParamValue for Cow<'_, str> {
    fn into_param_value(self) -> Option<String> {
        Some(self.into_owned())
    }
}

impl<T: RpcParamValue> RpcParamValue for Option<T> {
    fn into_param_value(self) -> Option<String> {
        self.and_then(RpcParamValue::into_param_value)
    }
}

impl<'a, T> RpcParamValue for &'a Option<T>
where
    &'a T: RpcParamValue,
{
    fn into_param_value(self) -> Option<String> {
        self.as_ref().and_then(RpcParamValue::into_param_value)
    }
}

macro_rules! display_params {
    ($($t:ty),*) => {
        $(
            impl RpcParamValue for $t {
                fn into_param_value(self) -> Option<String> {
                    Some(self.to_string())
                }
            }
            impl RpcParamValue for &$t {
                fn into_param_value(self) -> Option<String> {
                    Some(self.to_string())
                }
            }
        )*
    };
}

display_params!(
    bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, usize, isize
);

/// `name.n` (without the formatting machinery: this runs for every item of every call).
fn indexed_name(name: &str, n: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut out = String::with_capacity(name.len() + 1 + digits.len());
    out.push_str(name);
    out.push('.');
    out.push_str(digits);
    out
}

/// An RPC request built by generated code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcRequest {
    action: &'static str,
    params: Vec<(String, String)>,
}

impl RpcRequest {
    /// A request for `action` (e.g. `DescribeSecurityGroupReferences`).
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            params: Vec::new(),
        }
    }

    /// Adds a parameter; `None` values are skipped.
    pub fn param(mut self, name: impl Into<String>, value: impl RpcParamValue) -> Self {
        if let Some(v) = value.into_param_value() {
            self.params.push((name.into(), v));
        }
        self
    }

    /// Adds a repeat list as `name.1` … `name.N` (`None` items are skipped, numbering stays
    /// contiguous).
    pub fn param_list<I>(mut self, name: &str, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: RpcParamValue,
    {
        let mut n = 0usize;
        for v in values {
            if let Some(v) = v.into_param_value() {
                n += 1;
                self.params.push((indexed_name(name, n), v));
            }
        }
        self
    }

    /// The action.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The parameters added so far, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }
}

/// Builder of [`AliyunClient`]. `build()` validates everything and never panics.
pub struct AliyunClientBuilder {
    service: &'static ServiceInfo,
    env: Env,
    read_env_config: bool,
    region: Option<String>,
    endpoint: Option<String>,
    network: Option<String>,
    credentials: Option<Credentials>,
    provider: Option<Arc<dyn ProvideCredentials>>,
    algorithm: SignatureAlgorithm,
    format: Format,
    settings: RuntimeSettings,
}

impl fmt::Debug for AliyunClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunClientBuilder")
            .field("service", &self.service.crate_name)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("network", &self.network)
            .field("credentials", &self.credentials)
            .field("credentials_provider", &self.provider)
            .field("signature_algorithm", &self.algorithm)
            .field("format", &self.format)
            .field("settings", &self.settings)
            .finish()
    }
}

impl AliyunClientBuilder {
    /// A builder with defaults (V3, JSON); credentials from the default chain if none are set.
    pub fn new(service: &'static ServiceInfo) -> Self {
        Self {
            service,
            env: Env::real(),
            read_env_config: false,
            region: None,
            endpoint: None,
            network: None,
            credentials: None,
            provider: None,
            algorithm: SignatureAlgorithm::V3,
            format: Format::Json,
            settings: RuntimeSettings::default(),
        }
    }

    /// Like [`new`](Self::new), plus the region from `ALIBABA_CLOUD_REGION_ID`.
    pub fn from_env(service: &'static ServiceInfo) -> Self {
        Self::from_env_with(service, Env::real())
    }

    /// [`from_env`](Self::from_env) reading the given [`Env`].
    pub fn from_env_with(service: &'static ServiceInfo, env: Env) -> Self {
        let mut b = Self::new(service);
        b.env = env;
        b.read_env_config = true;
        b
    }

    /// Environment used by the default credential chain and the proxy variables
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`; see
    /// [`NetworkSettings`](crate::http::NetworkSettings)).
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Region id, e.g. `cn-hangzhou` (any well-formed id is accepted).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Endpoint override (`ecs.cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:8080`); always wins.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Network for the endpoint rule (`vpc`, …; `public` or empty = public).
    pub fn network(mut self, network: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self
    }

    /// Signature algorithm (default V3).
    pub fn signature_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Response format (default JSON).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    crate::runtime::shared_builder_setters!();

    /// Clock-skew correction (default on). When the service rejects a request with
    /// `InvalidTimeStamp.Expired` (the `x-acs-date` / `Timestamp` is more than 15 minutes away
    /// from the server's clock) and the response carries a `Date` header, the client stores the
    /// offset `Date − local time` (shared by its clones), retries the request once at once with
    /// the corrected time and a fresh nonce (this extra attempt does not count against
    /// [`max_attempts`](Self::max_attempts)), and signs every later request with the corrected
    /// time too. A second expiry, or an expiry without a `Date` header, surfaces as the
    /// service error. `false` disables the correction.
    pub fn clock_skew_correction(mut self, enabled: bool) -> Self {
        self.settings.clock_skew_correction = enabled;
        self
    }

    /// With [`from_env`](Self::from_env) and no explicit endpoint,
    /// `ALIBABA_CLOUD_ENDPOINT_<PRODUCT>` (e.g. `ALIBABA_CLOUD_ENDPOINT_ECS`).
    fn env_endpoint(&self) -> Option<String> {
        if !self.read_env_config {
            return None;
        }
        self.env.get(&format!(
            "ALIBABA_CLOUD_ENDPOINT_{}",
            self.service.product.to_ascii_uppercase()
        ))
    }

    /// Validates the configuration and builds the client.
    pub fn build(mut self) -> Result<AliyunClient, BuildError> {
        self.settings.network.read_env(&self.env);
        let mut region = self.region.as_ref().map(|r| r.trim().to_owned());
        if self.read_env_config && region.is_none() {
            region = self.env.get(credentials::aliyun::ENV_REGION_ID);
        }
        if let Some(r) = &region {
            validate_region(r)?;
        }
        if let Some(n) = &self.network
            && !n.is_empty()
            && !n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(BuildError::InvalidConfig {
                item: "network",
                reason: format!("{n:?} is not a network name (e.g. vpc)"),
            });
        }
        let endpoint_override = self.endpoint.clone().or_else(|| self.env_endpoint());
        let endpoint = match (&endpoint_override, &region) {
            (Some(e), _) => Endpoint::parse("endpoint", e)?,
            (None, Some(r)) => Endpoint::parse(
                "endpoint",
                &self.service.resolve_endpoint(r, self.network.as_deref()),
            )?,
            (None, None) => {
                return Err(BuildError::MissingRegion {
                    hint: "set .region(..) (e.g. cn-hangzhou) or .endpoint(..)",
                });
            }
        };
        // The api client (proxy, custom CA, or the user's own) carries the API calls and the STS/IAM
        // credential exchanges; the metadata client is never proxied.
        let (api_http, metadata_http) = crate::runtime::http_clients(&self.settings)?;
        let provider_config =
            crate::identity::provider_config(&self.env, &api_http, &metadata_http);
        let creds = CredentialSource::from_builder(self.credentials, self.provider, || {
            credentials::aliyun::default_chain_with(provider_config)
        })?;
        let runtime = Runtime::new(
            &self.settings,
            api_http,
            self.service.crate_name,
            self.service.crate_version,
        )?;
        let rpc_path = format!("{}/", endpoint.base_path);
        Ok(AliyunClient {
            inner: Arc::new(Inner {
                service: self.service,
                runtime,
                rpc_path,
                endpoint,
                region,
                credentials: creds,
                algorithm: self.algorithm,
                format: self.format,
                version_header: crate::validate::header_value(
                    "service_version",
                    self.service.version,
                )?,
            }),
        })
    }
}

/// An Alibaba Cloud client. Cheap to clone (an `Arc`), `Send + Sync`.
#[derive(Clone, Debug)]
pub struct AliyunClient {
    inner: Arc<Inner>,
}

/// Aligned to 128 bytes (two cache lines, the unit adjacent-line prefetchers fetch), so the
/// fields sit apart from the `Arc`'s reference counts: every operation clones and drops the
/// client (its fluent builder owns a handle), and those writes would otherwise evict the
/// fields every worker thread reads at the same time.
#[derive(Debug)]
#[repr(align(128))]
struct Inner {
    service: &'static ServiceInfo,
    runtime: Runtime,
    endpoint: Endpoint,
    region: Option<String>,
    credentials: CredentialSource,
    algorithm: SignatureAlgorithm,
    format: Format,
    /// `service.version` as a header value, made once.
    version_header: http::HeaderValue,
    /// The path every RPC request goes to: the endpoint's base path and `/`.
    rpc_path: String,
}

/// `InvalidTimeStamp.Expired`: the `x-acs-date` / `Timestamp` is more than 15 minutes away from
/// the server's clock.
fn is_clock_skew(meta: &crate::error::ErrorMetadata) -> bool {
    meta.code() == Some("InvalidTimeStamp.Expired")
}

pub(crate) fn decode_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, BoxError> {
    let text = std::str::from_utf8(body).map_err(|e| Box::new(e) as BoxError)?;
    quick_xml::de::from_str(text).map_err(|e| Box::new(e) as BoxError)
}

impl AliyunClient {
    /// A builder for `service`.
    pub fn builder(service: &'static ServiceInfo) -> AliyunClientBuilder {
        AliyunClientBuilder::new(service)
    }

    /// The configured region, if any.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.inner.endpoint.url()
    }

    /// The signature algorithm.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm
    }

    /// The response format.
    pub fn format(&self) -> Format {
        self.inner.format
    }

    /// The service description.
    pub fn service(&self) -> &'static ServiceInfo {
        self.inner.service
    }

    /// The clock offset in seconds (server time − local time) learnt from a clock-skew error
    /// and added to the local clock when signing; 0 until one happened. See
    /// [`AliyunClientBuilder::clock_skew_correction`].
    pub fn clock_offset_seconds(&self) -> i64 {
        self.inner.runtime.clock_offset_seconds()
    }

    /// Sends a request: resolves credentials, signs every attempt (fresh date and nonce),
    /// retries, applies timeouts, decodes a 2xx body (JSON or XML per [`Format`]) into `O` and
    /// any other status into `E` (through [`OperationError::from_metadata`]). The operation
    /// timeout covers credential resolution too.
    pub async fn send<O, E>(&self, request: RpcRequest) -> Result<O, SdkError<E>>
    where
        O: DeserializeOwned,
        E: OperationError,
    {
        // Read before the call, with the other settings it reads, not from the client again
        // after the response: under perf at 64 calls in flight, that late load of a line the
        // other calls had evicted was one of the costliest instructions of the decode.
        let format = self.inner.format;
        let (outcome, redactor) = self.call(&request).await;
        match format {
            Format::Json => {
                outcome.finish(&redactor, error_body::aliyun_request_id, decode_json::<O>)
            }
            Format::Xml => {
                outcome.finish(&redactor, error_body::aliyun_request_id, decode_xml::<O>)
            }
        }
    }

    /// Validates the input (before any I/O), then runs the operation under its deadline.
    async fn call(&self, request: &RpcRequest) -> (Outcome, Redactor) {
        if request.params.iter().any(|(name, _)| name.is_empty()) {
            let e = ConstructionError::new("parameter", "parameter names must not be empty");
            return (Failure::from(e).into(), Redactor::none());
        }
        let mut redactor = Redactor::none();
        let redactor_out = &mut redactor;
        let product = self.inner.service.product;
        let outcome = self
            .inner
            .runtime
            .run(product, request.action, |span| async move {
                match self.inner.credentials.resolve().await {
                    Ok(credentials) => {
                        let call = AliyunCall {
                            inner: &self.inner,
                            request,
                            redactor: Redactor::new(credentials.security_token()),
                            credentials: &credentials,
                        };
                        let outcome = self.inner.runtime.execute(&call, &span).await;
                        *redactor_out = call.redactor;
                        outcome
                    }
                    Err(e) => Failure::from(e).into(),
                }
            })
            .await;
        (outcome, redactor)
    }
}

/// One Alibaba operation: everything needed to sign its attempts.
struct AliyunCall<'a> {
    inner: &'a Inner,
    request: &'a RpcRequest,
    credentials: &'a Credentials,
    redactor: Redactor,
}

/// The common parameters the V2 signature sets itself.
const V2_COMMON_PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SecurityToken",
    "Signature",
];

const X_ACS_ACTION: http::HeaderName = http::HeaderName::from_static("x-acs-action");
const X_ACS_VERSION: http::HeaderName = http::HeaderName::from_static("x-acs-version");
const X_ACS_DATE: http::HeaderName = http::HeaderName::from_static("x-acs-date");
const X_ACS_NONCE: http::HeaderName = http::HeaderName::from_static("x-acs-signature-nonce");
const X_ACS_SECURITY_TOKEN: http::HeaderName =
    http::HeaderName::from_static("x-acs-security-token");
const X_ACS_ACCESS_KEY_ID: http::HeaderName = http::HeaderName::from_static("x-acs-accesskey-id");
const X_ACS_CONTENT_SHA256: http::HeaderName =
    http::HeaderName::from_static("x-acs-content-sha256");
const EMPTY_PAYLOAD_SHA256: http::HeaderValue =
    http::HeaderValue::from_static(sign::EMPTY_PAYLOAD_SHA256);

impl AliyunCall<'_> {
    /// The request's parameters, with room for the common ones the signature adds.
    fn params(&self) -> Vec<(&str, &str)> {
        let mut params = Vec::with_capacity(self.request.params.len() + 10);
        params.extend(
            self.request
                .params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        params
    }

    /// `ACS3-HMAC-SHA256`: signed headers; returns the headers and the canonical query.
    fn sign_v3(
        &self,
        path: &str,
        date: String,
    ) -> Result<(http::HeaderMap, String), ConstructionError> {
        let (inner, credentials) = (self.inner, self.credentials);
        let nonce = sign::aliyun_v3::new_nonce();
        let mut h: Vec<(&str, &str)> = Vec::with_capacity(10);
        h.extend([
            ("host", inner.endpoint.host.as_str()),
            ("x-acs-action", self.request.action),
            ("x-acs-version", inner.service.version),
            ("x-acs-date", date.as_str()),
            ("x-acs-signature-nonce", nonce.as_str()),
            ("x-acs-content-sha256", sign::EMPTY_PAYLOAD_SHA256),
        ]);
        if let Some(token) = credentials.security_token() {
            h.push(("x-acs-security-token", token));
            h.push(("x-acs-accesskey-id", credentials.access_key_id()));
        }
        h.push(("accept", inner.format.accept()));
        h.push(("user-agent", inner.runtime.user_agent.as_str()));
        let mut q = self.params();
        if inner.format == Format::Xml {
            q.push(("Format", "XML"));
        }
        let signed = sign::aliyun_v3::sign(
            &sign::aliyun_v3::SigningInput {
                method: "POST",
                path,
                query: &q,
                headers: &h,
                body: b"",
            },
            credentials.access_key_id(),
            credentials.access_key_secret(),
        );
        crate::runtime::trace_signing(
            sign::aliyun_v3::ALGORITHM,
            &signed.canonical_request,
            &signed.string_to_sign,
            credentials.security_token(),
        );
        drop(h);
        // The same headers, in the same order, as signed.
        let mut map = crate::validate::HeaderBuilder::with_capacity(11);
        map.shared(http::header::HOST, &inner.endpoint.host_header);
        map.static_value(X_ACS_ACTION, self.request.action)?;
        map.shared(X_ACS_VERSION, &inner.version_header);
        map.owned(X_ACS_DATE, date)?;
        map.owned(X_ACS_NONCE, nonce)?;
        map.shared(X_ACS_CONTENT_SHA256, &EMPTY_PAYLOAD_SHA256);
        if let Some(token) = credentials.security_token() {
            map.copied_value(X_ACS_SECURITY_TOKEN, token)?;
            map.copied_value(X_ACS_ACCESS_KEY_ID, credentials.access_key_id())?;
        }
        map.shared(http::header::ACCEPT, &inner.format.accept_header());
        map.shared(http::header::USER_AGENT, &inner.runtime.user_agent_header);
        map.owned(http::header::AUTHORIZATION, signed.authorization)?;
        Ok((map.finish(), signed.canonical_query))
    }

    /// RPC `HMAC-SHA1`: everything in the query; returns the headers and the signed query.
    fn sign_v2(&self, date: &str) -> Result<(http::HeaderMap, String), ConstructionError> {
        let (inner, credentials) = (self.inner, self.credentials);
        let nonce = crate::sign::new_uuid_v4_hyphenated();
        let mut p = self.params();
        if let Some((name, _)) = p.iter().find(|(n, _)| V2_COMMON_PARAMETERS.contains(n)) {
            return Err(ConstructionError::new(
                (*name).to_owned(),
                "is a common parameter set by the client",
            ));
        }
        p.extend([
            ("Action", self.request.action),
            ("Version", inner.service.version),
            ("Format", inner.format.param()),
            ("AccessKeyId", credentials.access_key_id()),
            ("SignatureMethod", sign::aliyun_v2::SIGNATURE_METHOD),
            ("SignatureVersion", sign::aliyun_v2::SIGNATURE_VERSION),
            ("SignatureNonce", nonce.as_str()),
            ("Timestamp", date),
        ]);
        if let Some(token) = credentials.security_token() {
            p.push(("SecurityToken", token));
        }
        let signed = sign::aliyun_v2::sign("POST", &p, credentials.access_key_secret());
        crate::runtime::trace_signing(
            sign::aliyun_v2::SIGNATURE_METHOD,
            &signed.canonical_query,
            &signed.string_to_sign,
            credentials.security_token(),
        );
        let mut map = crate::validate::HeaderBuilder::with_capacity(5);
        map.shared(http::header::HOST, &inner.endpoint.host_header);
        map.static_value(X_ACS_ACTION, self.request.action)?;
        map.shared(X_ACS_VERSION, &inner.version_header);
        map.shared(http::header::ACCEPT, &inner.format.accept_header());
        map.shared(http::header::USER_AGENT, &inner.runtime.user_agent_header);
        Ok((map.finish(), signed.signed_query))
    }
}

impl Protocol for AliyunCall<'_> {
    fn sign_attempt(&self, now: OffsetDateTime) -> Result<HttpRequest, ConstructionError> {
        let endpoint = &self.inner.endpoint;
        let path = &self.inner.rpc_path;
        let date = sign::aliyun_v2::format_timestamp(now);
        let (headers, query) = match self.inner.algorithm {
            SignatureAlgorithm::V3 => self.sign_v3(path, date)?,
            SignatureAlgorithm::V2 => self.sign_v2(&date)?,
        };
        let mut url = String::with_capacity(endpoint.origin.len() + path.len() + 1 + query.len());
        url.push_str(&endpoint.origin);
        url.push_str(path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        crate::validate::http_request(http::Method::POST, url, headers, Bytes::new())
    }

    fn parse_error(&self, received: &Received) -> crate::error::ErrorMetadata {
        error_body::aliyun_error(received)
    }

    fn request_id(&self, received: &Received) -> Option<String> {
        error_body::aliyun_request_id(received)
    }

    fn is_clock_skew(&self, meta: &crate::error::ErrorMetadata) -> bool {
        is_clock_skew(meta)
    }

    fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SVC: ServiceInfo = ServiceInfo {
        product: "Ecs",
        version: "2014-05-26",
        endpoint_rule: "ecs{network}.{region}.aliyuncs.com",
        endpoint_map: &[("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com")],
        crate_name: "aliyun-ecs",
        crate_version: "0.1.0",
    };

    #[test]
    fn endpoint_resolution() {
        assert_eq!(
            SVC.resolve_endpoint("cn-hangzhou", None),
            "ecs-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            SVC.resolve_endpoint("cn-hangzhou", Some("vpc")),
            "ecs-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            SVC.resolve_endpoint("cn-beijing", Some("vpc")),
            "ecs-vpc.cn-beijing.aliyuncs.com"
        );
        assert_eq!(
            SVC.resolve_endpoint("xx-new-9", None),
            "ecs.xx-new-9.aliyuncs.com"
        );
        let c = AliyunClientBuilder::new(&SVC)
            .region("cn-beijing")
            .endpoint("http://127.0.0.1:9")
            .credentials(Credentials::new("a", "b"))
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "http://127.0.0.1:9");
    }

    #[test]
    fn indexed_names_match_the_formatted_ones() {
        for n in [1, 9, 10, 11, 99, 100, 105, 1_000_000, usize::MAX] {
            assert_eq!(
                indexed_name("SecurityGroupId", n),
                format!("SecurityGroupId.{n}")
            );
        }
    }

    #[test]
    fn params() {
        let ids = vec!["a".to_string(), "b".to_string()];
        let none: Option<String> = None;
        let r = RpcRequest::new("X")
            .param("RegionId", "cn-x")
            .param("OwnerId", Some(5i64))
            .param("OwnerAccount", &none)
            .param_list("SecurityGroupId", &ids);
        assert_eq!(
            r.params(),
            [
                ("RegionId".to_string(), "cn-x".to_string()),
                ("OwnerId".into(), "5".into()),
                ("SecurityGroupId.1".into(), "a".into()),
                ("SecurityGroupId.2".into(), "b".into()),
            ]
        );
    }
}
