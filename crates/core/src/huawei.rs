//! Huawei Cloud protocol: REST/JSON signed with `SDK-HMAC-SHA256`.
//!
//! Generated crates declare a static [`ServiceInfo`], wrap [`HuaweiClientBuilder`] and build a
//! [`RestRequest`] per operation:
//!
//! ```no_run
//! use cloudsdk_core::huawei::{HuaweiClientBuilder, PathPart, RestRequest, ServiceInfo};
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
//!     endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
//!     crate_name: "huawei-vpc-v3",
//!     crate_version: "0.1.0",
//! };
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HuaweiClientBuilder::new(&SERVICE)
//!     .region("cn-north-4")
//!     .credentials(Credentials::new("AK", "SK"))
//!     .build()?;
//! let request = RestRequest {
//!     operation: "ShowSecurityGroup",
//!     method: "GET",
//!     path: vec![
//!         PathPart::Literal("/v3/"),
//!         PathPart::ProjectId,
//!         PathPart::Literal("/vpc/security-groups/"),
//!         PathPart::Param { name: "security_group_id", value: "sg-1".into() },
//!     ],
//!     query: vec![],
//!     body: None,
//! };
//! let out: serde_json::Value = client.send::<serde_json::Value, MyError>(request).await?;
//! # Ok(()) }
//! ```
//!
//! **Project id.** Explicit ([`HuaweiClientBuilder::project_id`]), else `HUAWEICLOUD_SDK_PROJECT_ID`
//! or the profile file's `project_id` (only with [`HuaweiClientBuilder::from_env`]), else
//! discovered on the first `send` with a signed `GET {iam}/v3/projects?name=<region>` and cached
//! for the client and its clones. The IAM endpoint is [`HuaweiClientBuilder::iam_endpoint`], else
//! `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else `https://iam.{region}.myhuaweicloud.com` — the last only
//! when the service endpoint is not overridden: with [`HuaweiClientBuilder::endpoint`] (or the
//! `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>` override of `from_env`) and no project id,
//! `build()` fails with `BuildError::InvalidConfig { item: "iam_endpoint", .. }`.
//!
//! **Headers.** Every attempt sends `Content-Type: application/json`, a fresh `X-Sdk-Date`,
//! `Host`, `User-Agent: cloudsdk/<core> <crate>/<version>`, `X-Project-Id`,
//! `X-Security-Token` (temporary credentials) and `Authorization`; the signed headers are
//! `content-type;host;user-agent;x-project-id;x-sdk-date[;x-security-token]`. The query goes on the
//! wire in canonical form (sorted, RFC 3986 encoded), exactly as signed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::credentials::{self, Credentials, Env, ProvideCredentials};
use crate::endpoint::{Endpoint, validate_region};
use crate::error::{BuildError, ConstructionError, OperationError, SdkError};
use crate::error_body;
use crate::http::HttpRequest;
use crate::identity::{CredentialSource, SingleFlight};
use crate::redact::Redactor;
use crate::retry::RetryConfig;
use crate::runtime::{Failure, Outcome, Protocol, Received, Runtime, RuntimeSettings, decode_json};
use crate::sign;

/// Static description of a Huawei service, emitted by the generator.
#[derive(Debug)]
pub struct ServiceInfo {
    /// Endpoint with a `{region}` placeholder, e.g. `https://vpc.{region}.myhuaweicloud.com`.
    pub endpoint_template: &'static str,
    /// Name of the generated crate (for the `User-Agent`).
    pub crate_name: &'static str,
    /// Version of the generated crate (for the `User-Agent`).
    pub crate_version: &'static str,
}

impl ServiceInfo {
    /// A short service name for logs: the first label of the endpoint host (`vpc`, `ecs`).
    pub fn service_name(&self) -> &'static str {
        let t = self.endpoint_template;
        let t = t.split_once("://").map_or(t, |(_, rest)| rest);
        t.split(['.', '/']).next().unwrap_or(t)
    }
}

/// One segment of a request path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathPart {
    /// Literal text, already valid in a URL path (from the spec).
    Literal(&'static str),
    /// The project id (explicit, from the environment, or discovered through IAM).
    ProjectId,
    /// A path parameter: validated (not empty, no `/`, not `.`/`..`) and percent-encoded.
    Param {
        /// Parameter name (reported in errors).
        name: &'static str,
        /// Raw value.
        value: String,
    },
}

/// A Huawei REST request built by generated code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestRequest {
    /// Operation name (logs, spans).
    pub operation: &'static str,
    /// HTTP method (`GET`, `POST`, …).
    pub method: &'static str,
    /// Path segments, concatenated in order.
    pub path: Vec<PathPart>,
    /// Raw (unencoded) query pairs; repeated names allowed. Sent sorted and encoded.
    pub query: Vec<(&'static str, String)>,
    /// The request body, if any (signed with the rest of the request).
    pub body: Option<RequestBody>,
}

/// A request body: its bytes and their `Content-Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestBody {
    /// The `Content-Type` header sent (and signed) with it, e.g. `application/json`.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Bytes,
}

impl RestRequest {
    /// A request with no path and no query.
    pub fn new(operation: &'static str, method: &'static str) -> Self {
        Self {
            operation,
            method,
            path: Vec::new(),
            query: Vec::new(),
            body: None,
        }
    }

    /// Appends a literal path segment.
    pub fn literal(mut self, text: &'static str) -> Self {
        self.path.push(PathPart::Literal(text));
        self
    }

    /// Appends the project id.
    pub fn project_id(mut self) -> Self {
        self.path.push(PathPart::ProjectId);
        self
    }

    /// Appends a path parameter.
    pub fn path_param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.path.push(PathPart::Param {
            name,
            value: value.into(),
        });
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Sets the body and its content type.
    pub fn body(mut self, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        self.body = Some(RequestBody {
            content_type,
            bytes: bytes.into(),
        });
        self
    }
}

/// Builder of [`HuaweiClient`]. `build()` validates everything and never panics.
pub struct HuaweiClientBuilder {
    service: &'static ServiceInfo,
    env: Env,
    read_env_config: bool,
    region: Option<String>,
    endpoint: Option<String>,
    project_id: Option<String>,
    iam_endpoint: Option<String>,
    credentials: Option<Credentials>,
    provider: Option<Arc<dyn ProvideCredentials>>,
    settings: RuntimeSettings,
}

impl fmt::Debug for HuaweiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiClientBuilder")
            .field("service", &self.service.crate_name)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("project_id", &self.project_id)
            .field("iam_endpoint", &self.iam_endpoint)
            .field("credentials", &self.credentials)
            .field("credentials_provider", &self.provider)
            .field("settings", &self.settings)
            .finish()
    }
}

impl HuaweiClientBuilder {
    /// A builder with defaults: no region, credentials from the default chain (environment, then
    /// `~/.huaweicloud/credentials`) if none are set.
    pub fn new(service: &'static ServiceInfo) -> Self {
        Self {
            service,
            env: Env::real(),
            read_env_config: false,
            region: None,
            endpoint: None,
            project_id: None,
            iam_endpoint: None,
            credentials: None,
            provider: None,
            settings: RuntimeSettings::default(),
        }
    }

    /// Like [`new`](Self::new), plus region (`HUAWEICLOUD_SDK_REGION`) and project id
    /// (`HUAWEICLOUD_SDK_PROJECT_ID`, else `project_id` in the profile file) from the environment.
    /// Values set on the builder win.
    pub fn from_env(service: &'static ServiceInfo) -> Self {
        Self::from_env_with(service, Env::real())
    }

    /// [`from_env`](Self::from_env) reading the given [`Env`] instead of the process environment.
    pub fn from_env_with(service: &'static ServiceInfo, env: Env) -> Self {
        let mut b = Self::new(service);
        b.env = env;
        b.read_env_config = true;
        b
    }

    /// Environment used by the default credential chain, `HUAWEICLOUD_SDK_IAM_ENDPOINT` and the
    /// proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`; see
    /// [`NetworkSettings`](crate::http::NetworkSettings)).
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Region id, e.g. `cn-north-4` (any well-formed id is accepted).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Endpoint override, e.g. `https://vpc.cn-north-4.myhuaweicloud.com` or
    /// `http://127.0.0.1:8080`. Always wins over the region template.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Project id; skips IAM discovery.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// IAM endpoint used to discover the project id (required for discovery when the service
    /// endpoint is overridden), and by the default chain's IdP federation (the ID token goes
    /// to this IAM, before `HUAWEICLOUD_SDK_IAM_ENDPOINT`).
    pub fn iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.iam_endpoint = Some(endpoint.into());
        self
    }

    crate::runtime::shared_builder_setters!();

    /// Clock-skew correction (default on). When API Gateway rejects a request as
    /// `401 APIGW.0301 … signature expired` (the `X-Sdk-Date` is more than 15 minutes away from
    /// the server's clock) and the response carries a `Date` header, the client stores the
    /// offset `Date − local time` (shared by its clones), retries the request once at once with
    /// the corrected time (this extra attempt does not count against
    /// [`max_attempts`](Self::max_attempts)), and signs every later request with the corrected
    /// time too. A second expiry, or an expiry without a `Date` header, surfaces as the
    /// service error. `false` disables the correction.
    pub fn clock_skew_correction(mut self, enabled: bool) -> Self {
        self.settings.clock_skew_correction = enabled;
        self
    }

    /// With [`from_env`](Self::from_env) and no explicit endpoint, the vendor's endpoint
    /// override `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>` (e.g.
    /// `HUAWEICLOUD_SDK_REGION_VPC_CN_NORTH_4`; the first of a comma-separated list).
    fn env_endpoint(&self, region: &Option<String>) -> Option<String> {
        if !self.read_env_config {
            return None;
        }
        let var = format!(
            "HUAWEICLOUD_SDK_REGION_{}_{}",
            self.service.service_name().to_ascii_uppercase(),
            region.as_deref()?.to_ascii_uppercase().replace('-', "_")
        );
        let value = self.env.get(&var)?;
        let first = value.split(',').next()?.trim();
        (!first.is_empty()).then(|| first.to_owned())
    }

    /// The IAM endpoint for project-id discovery: explicit, else `HUAWEICLOUD_SDK_IAM_ENDPOINT`,
    /// else (only when the service endpoint was not overridden) the region's IAM. With an
    /// overridden endpoint nothing is sent to a host the user did not choose: the build fails.
    fn iam_for_discovery(
        &self,
        endpoint_overridden: bool,
        region: &Option<String>,
    ) -> Result<Endpoint, BuildError> {
        let raw = match self
            .iam_endpoint
            .clone()
            .or_else(|| self.env.get(credentials::huawei::ENV_IAM_ENDPOINT))
        {
            Some(raw) => raw,
            None if endpoint_overridden => {
                return Err(BuildError::InvalidConfig {
                    item: "iam_endpoint",
                    reason: "the service endpoint is overridden and no project id is set, so the \
                             project id would be discovered through IAM: set .project_id(..) \
                             (or HUAWEICLOUD_SDK_PROJECT_ID), or the IAM endpoint with \
                             .iam_endpoint(..) or HUAWEICLOUD_SDK_IAM_ENDPOINT"
                        .into(),
                });
            }
            None => self
                .env
                .service_endpoint(credentials::huawei::ENV_IAM_ENDPOINT, || {
                    format!(
                        "https://iam.{}.myhuaweicloud.com",
                        region.as_deref().unwrap_or_default()
                    )
                }),
        };
        Endpoint::parse("iam_endpoint", &raw)
    }

    /// Validates the configuration and builds the client.
    pub fn build(mut self) -> Result<HuaweiClient, BuildError> {
        self.settings.network.read_env(&self.env);
        let mut region = self.region.as_ref().map(|r| r.trim().to_owned());
        let mut project_id = self.project_id.as_ref().map(|p| p.trim().to_owned());
        if self.read_env_config {
            if region.is_none() {
                region = self.env.get(credentials::huawei::ENV_REGION);
            }
            if project_id.is_none() {
                project_id = self
                    .env
                    .get(credentials::huawei::ENV_PROJECT_ID)
                    .or_else(|| {
                        credentials::huawei::ProfileFile::with_env(self.env.clone()).project_id()
                    });
            }
        }
        if let Some(r) = &region {
            validate_region(r)?;
        }
        if let Some(p) = &project_id
            && let Some(reason) = crate::validate::project_id_problem(p)
        {
            return Err(BuildError::InvalidConfig {
                item: "project_id",
                reason,
            });
        }
        let endpoint_override = self.endpoint.clone().or_else(|| self.env_endpoint(&region));
        let endpoint = match (&endpoint_override, &region) {
            (Some(e), _) => Endpoint::parse("endpoint", e)?,
            (None, Some(r)) => Endpoint::parse(
                "endpoint",
                &self.service.endpoint_template.replace("{region}", r),
            )?,
            (None, None) => {
                return Err(BuildError::MissingRegion {
                    hint: "set .region(..) (e.g. cn-north-4) or .endpoint(..)",
                });
            }
        };
        if project_id.is_none() && region.is_none() {
            return Err(BuildError::MissingProjectId);
        }
        let iam = match project_id {
            Some(_) => None,
            None => Some(self.iam_for_discovery(endpoint_override.is_some(), &region)?),
        };
        // The api client (proxy, custom CA, or the user's own) carries the API calls and the STS/IAM
        // credential exchanges; the metadata client is never proxied.
        let (api_http, metadata_http) = crate::runtime::http_clients(&self.settings)?;
        let mut provider_config =
            crate::identity::provider_config(&self.env, &api_http, &metadata_http);
        if let Some(iam) = &self.iam_endpoint {
            // IdP federation sends the ID token to the IAM the user chose.
            provider_config = provider_config.with_huawei_iam_endpoint(iam.trim());
        }
        let creds = CredentialSource::from_builder(self.credentials, self.provider, || {
            credentials::huawei::default_chain_with(provider_config)
        })?;
        let runtime = Runtime::new(
            &self.settings,
            api_http,
            self.service.crate_name,
            self.service.crate_version,
        )?;
        Ok(HuaweiClient {
            inner: Arc::new(Inner {
                service: self.service,
                service_name: self.service.service_name(),
                runtime,
                endpoint,
                region,
                project_id,
                discovered_project_id: SingleFlight::new(),
                iam,
                credentials: creds,
            }),
        })
    }
}

/// A Huawei client: one pooled HTTP connection pool plus configuration. Cheap to clone (an
/// `Arc`); clones share the pool and the discovered project id.
#[derive(Clone, Debug)]
pub struct HuaweiClient {
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
    /// `service.service_name()`, found once (every operation's span names it).
    service_name: &'static str,
    runtime: Runtime,
    endpoint: Endpoint,
    region: Option<String>,
    project_id: Option<String>,
    /// Concurrent first calls share one IAM lookup and its failure.
    discovered_project_id: SingleFlight<String, Failure>,
    iam: Option<Endpoint>,
    credentials: CredentialSource,
}

const JSON: &str = "application/json";

/// One Huawei operation: everything needed to sign its attempts.
struct HuaweiCall<'a> {
    method: http::Method,
    endpoint: &'a Endpoint,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    project_id: Option<&'a str>,
    runtime: &'a Runtime,
    credentials: &'a Credentials,
    body: Option<&'a RequestBody>,
    redactor: Redactor,
}

/// Most headers a Huawei request signs.
const MAX_SIGNED_HEADERS: usize = 6;

const X_SDK_DATE: http::HeaderName = http::HeaderName::from_static("x-sdk-date");
const X_PROJECT_ID: http::HeaderName = http::HeaderName::from_static("x-project-id");
const X_SECURITY_TOKEN: http::HeaderName = http::HeaderName::from_static("x-security-token");
const JSON_HEADER: http::HeaderValue = http::HeaderValue::from_static(JSON);

impl HuaweiCall<'_> {
    /// The headers to sign, in the order they are sent: `(list, count)`.
    fn headers<'h>(&'h self, date: &'h str) -> ([(&'h str, &'h str); MAX_SIGNED_HEADERS], usize) {
        let content_type = self.body.map_or(JSON, |b| b.content_type);
        let mut headers = [("", ""); MAX_SIGNED_HEADERS];
        headers[..4].copy_from_slice(&[
            ("Content-Type", content_type),
            ("Host", self.endpoint.host.as_str()),
            ("User-Agent", self.runtime.user_agent.as_str()),
            (sign::huawei::HEADER_SDK_DATE, date),
        ]);
        let mut n = 4;
        if let Some(p) = self.project_id {
            headers[n] = ("X-Project-Id", p);
            n += 1;
        }
        if let Some(t) = self.credentials.security_token() {
            headers[n] = ("X-Security-Token", t);
            n += 1;
        }
        (headers, n)
    }
}

impl Protocol for HuaweiCall<'_> {
    fn sign_attempt(&self, now: OffsetDateTime) -> Result<HttpRequest, ConstructionError> {
        let date = sign::huawei::format_sdk_date(now);
        let (headers, n) = self.headers(&date);
        let body = self.body.map_or_else(Bytes::new, |b| b.bytes.clone());
        let input = sign::huawei::SigningInput {
            method: self.method.as_str(),
            host: &self.endpoint.host,
            path: self.path,
            query: self.query,
            headers: &headers[..n],
            body: &body,
        };
        let signed = sign::huawei::sign(
            &input,
            self.credentials.access_key_id(),
            self.credentials.access_key_secret(),
        )
        .map_err(|e| ConstructionError::new("request", "signing failed").with_source(e))?;
        crate::runtime::trace_signing(
            sign::huawei::ALGORITHM,
            &signed.canonical_request,
            &signed.string_to_sign,
            self.credentials.security_token(),
        );
        let origin = &self.endpoint.origin;
        let mut url = String::with_capacity(
            origin.len() + self.path.len() + 1 + signed.canonical_query.len(),
        );
        url.push_str(origin);
        url.push_str(self.path);
        if !signed.canonical_query.is_empty() {
            url.push('?');
            url.push_str(&signed.canonical_query);
        }
        // The same headers, in the same order, as signed.
        let mut map = crate::validate::HeaderBuilder::with_capacity(n + 2);
        match self.body {
            None => map.shared(http::header::CONTENT_TYPE, &JSON_HEADER),
            Some(b) => map.copied("Content-Type", b.content_type)?,
        }
        map.shared(http::header::HOST, &self.endpoint.host_header);
        map.shared(http::header::USER_AGENT, &self.runtime.user_agent_header);
        map.owned(X_SDK_DATE, date)?;
        if let Some(p) = self.project_id {
            map.copied_value(X_PROJECT_ID, p)?;
        }
        if let Some(t) = self.credentials.security_token() {
            map.copied_value(X_SECURITY_TOKEN, t)?;
        }
        for (name, value) in &signed.added_headers {
            if !map.contains(name) {
                map.copied(name, value)?;
            }
        }
        map.owned(http::header::AUTHORIZATION, signed.authorization)?;
        crate::validate::http_request(self.method.clone(), url, map.finish(), body)
    }

    fn parse_error(&self, received: &Received) -> crate::error::ErrorMetadata {
        error_body::huawei_error(received)
    }

    fn request_id(&self, received: &Received) -> Option<String> {
        error_body::huawei_request_id(received)
    }

    fn is_clock_skew(&self, meta: &crate::error::ErrorMetadata) -> bool {
        is_clock_skew(meta)
    }

    fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

/// API Gateway's expired-signature error: 401 `APIGW.0301` with
/// `calc aksk signature fail:signature expired, signature time:…,server time:…`.
fn is_clock_skew(meta: &crate::error::ErrorMetadata) -> bool {
    meta.status == 401
        && meta.code() == Some("APIGW.0301")
        && meta
            .message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("signature expired"))
}

/// A path parameter, checked and percent-encoded (it stays in its segment), as `path` puts it in.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn encode_param(name: &'static str, value: &str) -> Result<String, ConstructionError> {
    check_param(name, value)?;
    Ok(sign::encode::percent_encode(value))
}

/// Why a path parameter cannot be sent (its encoded form would not name one segment).
fn check_param(name: &'static str, value: &str) -> Result<(), ConstructionError> {
    if value.is_empty() {
        return Err(ConstructionError::new(name, "must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(ConstructionError::new(
            name,
            format!("{value:?} is not a valid path parameter"),
        ));
    }
    if value.contains('/') {
        return Err(ConstructionError::new(name, "must not contain '/'"));
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct ProjectList {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(serde::Deserialize)]
struct Project {
    id: String,
}

impl HuaweiClient {
    /// A builder for `service`.
    pub fn builder(service: &'static ServiceInfo) -> HuaweiClientBuilder {
        HuaweiClientBuilder::new(service)
    }

    /// The configured region, if any.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The endpoint requests go to (`https://vpc.cn-north-4.myhuaweicloud.com`).
    pub fn endpoint(&self) -> String {
        self.inner.endpoint.url()
    }

    /// The project id, if configured or already discovered.
    pub fn project_id(&self) -> Option<&str> {
        self.inner
            .project_id
            .as_deref()
            .or_else(|| self.inner.discovered_project_id.get().map(String::as_str))
    }

    /// The service description.
    pub fn service(&self) -> &'static ServiceInfo {
        self.inner.service
    }

    /// The clock offset in seconds (server time − local time) learnt from a clock-skew error
    /// and added to the local clock when signing; 0 until one happened. See
    /// [`HuaweiClientBuilder::clock_skew_correction`].
    pub fn clock_offset_seconds(&self) -> i64 {
        self.inner.runtime.clock_offset_seconds()
    }

    /// Sends a request: validates and encodes the path, resolves credentials and the project id,
    /// signs every attempt, retries, applies timeouts, decodes a 2xx JSON body into `O` and any
    /// other status into `E` (through [`OperationError::from_metadata`]).
    ///
    /// The operation timeout covers all of it: credential resolution, project-id discovery,
    /// every attempt and backoff.
    pub async fn send<O, E>(&self, request: RestRequest) -> Result<O, SdkError<E>>
    where
        O: DeserializeOwned,
        E: OperationError,
    {
        let (outcome, redactor) = self.call(&request).await;
        outcome.finish(&redactor, error_body::huawei_request_id, decode_json::<O>)
    }

    /// Validates the input (before any I/O), then runs the operation under its deadline.
    async fn call(&self, request: &RestRequest) -> (Outcome, Redactor) {
        let method = match validate_request(request) {
            Ok(v) => v,
            Err(e) => return (Failure::from(e).into(), Redactor::none()),
        };
        let mut redactor = Redactor::none();
        let redactor_out = &mut redactor;
        let service = self.inner.service_name;
        let outcome = self
            .inner
            .runtime
            .run(service, request.operation, |span| async move {
                self.operate(request, method, redactor_out, &span)
                    .await
                    .unwrap_or_else(Outcome::Failed)
            })
            .await;
        (outcome, redactor)
    }

    /// Identity and endpoint resolution, then the attempts.
    async fn operate(
        &self,
        request: &RestRequest,
        method: http::Method,
        redactor_out: &mut Redactor,
        span: &tracing::Span,
    ) -> Result<Outcome, Failure> {
        let credentials = self.inner.credentials.resolve().await?;
        let project_id = self.resolve_project_id(&credentials).await?;
        let path = self.path(request, project_id);
        let query: Vec<(&str, &str)> = request
            .query
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let call = HuaweiCall {
            method,
            endpoint: &self.inner.endpoint,
            path: &path,
            query: &query,
            project_id: Some(project_id),
            runtime: &self.inner.runtime,
            credentials: &credentials,
            body: request.body.as_ref(),
            redactor: Redactor::new(credentials.security_token()),
        };
        let outcome = self.inner.runtime.execute(&call, span).await;
        *redactor_out = call.redactor;
        Ok(outcome)
    }

    /// The endpoint's base path followed by the request's parts, parameters percent-encoded
    /// (checked by `validate_request`).
    fn path(&self, request: &RestRequest, project_id: &str) -> String {
        let base = &self.inner.endpoint.base_path;
        let len = request.path.iter().map(|part| match part {
            PathPart::Literal(s) => s.len(),
            PathPart::ProjectId => project_id.len(),
            PathPart::Param { value, .. } => value.len(),
        });
        // Room for the encoded parameters' usual size (unreserved characters) and a leading `/`.
        let mut path = String::with_capacity(1 + base.len() + len.sum::<usize>());
        path.push_str(base);
        for part in &request.path {
            match part {
                PathPart::Literal(s) => path.push_str(s),
                PathPart::ProjectId => sign::encode::percent_encode_into(project_id, &mut path),
                PathPart::Param { value, .. } => {
                    sign::encode::percent_encode_into(value, &mut path)
                }
            }
        }
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        path
    }

    async fn resolve_project_id(&self, credentials: &Credentials) -> Result<&str, Failure> {
        if let Some(p) = &self.inner.project_id {
            return Ok(p);
        }
        if let Some(p) = self.inner.discovered_project_id.get() {
            return Ok(p);
        }
        // Boxed: the lookup (a whole IAM call) runs once per client, and inline it would make
        // every operation's future as large as two calls.
        Box::pin(
            self.inner
                .discovered_project_id
                .get_or_try_init(|| self.discover_project_id(credentials)),
        )
        .await
        .map(String::as_str)
    }

    async fn discover_project_id(&self, credentials: &Credentials) -> Result<String, Failure> {
        let (Some(iam), Some(region)) = (&self.inner.iam, &self.inner.region) else {
            return Err(Failure::Construction(ConstructionError::new(
                "project_id",
                "no project id configured and no region to discover it",
            )));
        };
        let path = format!("{}/v3/projects", iam.base_path);
        let query = [("name", region.as_str())];
        let call = HuaweiCall {
            method: http::Method::GET,
            endpoint: iam,
            path: &path,
            query: &query,
            project_id: None,
            runtime: &self.inner.runtime,
            credentials,
            body: None,
            redactor: Redactor::new(credentials.security_token()),
        };
        let span = tracing::info_span!(
            "operation",
            service = "iam",
            operation = "KeystoneListProjects",
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let outcome = async {
            tracing::debug!(region = %region, iam = %iam.host, "discovering the project id through IAM");
            self.inner.runtime.execute(&call, &span).await
        }
        .instrument(span.clone())
        .await;
        match outcome {
            Outcome::Success(received) => project_from_list(&received, region, &call.redactor),
            Outcome::ServiceError(meta, _raw) => {
                Err(Failure::Construction(ConstructionError::new(
                    "project_id",
                    format!(
                        "discovering the project id of region {region:?} through IAM failed: {meta}"
                    ),
                )))
            }
            Outcome::Failed(f) => Err(f),
        }
    }

    /// Convenience for tests and tools: resolves (and caches) the project id now, under the
    /// operation timeout.
    pub async fn resolve_project_id_now<E>(&self) -> Result<String, SdkError<E>> {
        let mut found = None;
        let outcome = self
            .inner
            .runtime
            .run("iam", "ResolveProjectId", |_| async {
                let resolved = async {
                    let credentials = self.inner.credentials.resolve().await?;
                    self.resolve_project_id(&credentials).await
                }
                .await;
                match resolved {
                    Ok(p) => {
                        found = Some(p);
                        Outcome::Success(Received {
                            status: 200,
                            headers: http::HeaderMap::new(),
                            body: Bytes::new(),
                        })
                    }
                    Err(f) => Outcome::Failed(f),
                }
            })
            .await;
        match (outcome, found) {
            (Outcome::Failed(f), _) => Err(f.into_sdk()),
            (_, Some(p)) => Ok(p.to_owned()),
            (_, None) => Err(SdkError::Construction(ConstructionError::new(
                "project_id",
                "the project id could not be resolved",
            ))),
        }
    }
}

/// Input validation, before any I/O: the method and the path parameters.
fn validate_request(request: &RestRequest) -> Result<http::Method, ConstructionError> {
    let method = http::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        ConstructionError::new(
            "method",
            format!("{:?} is not an HTTP method", request.method),
        )
    })?;
    for part in &request.path {
        if let PathPart::Param { name, value } = part {
            check_param(name, value)?;
        }
    }
    Ok(method)
}

/// The one project of an IAM `GET /v3/projects?name=<region>` answer.
fn project_from_list(
    received: &Received,
    region: &str,
    redactor: &Redactor,
) -> Result<String, Failure> {
    let fail = |msg: String| Failure::Construction(ConstructionError::new("project_id", msg));
    let rid = error_body::huawei_request_id(received)
        .map(|r| format!(" (request id {r})"))
        .unwrap_or_default();
    let list: ProjectList = decode_json(&received.body).map_err(|e| {
        Failure::Construction(
            ConstructionError::new(
                "project_id",
                format!("the IAM project list could not be decoded{rid}"),
            )
            .with_source(redactor.error(e)),
        )
    })?;
    match list.projects.as_slice() {
        [one] => match crate::validate::project_id_problem(&one.id) {
            Some(problem) => Err(fail(format!(
                "IAM returned an unusable project id for region {region:?}{rid}: {problem}; \
                 set the project id explicitly"
            ))),
            None => {
                tracing::debug!(region = %region, project_id = %one.id, "project id discovered");
                Ok(one.id.clone())
            }
        },
        [] => Err(fail(format!(
            "no IAM project named {region:?} is visible to these credentials{rid}; \
             set the project id explicitly"
        ))),
        many => Err(fail(format!(
            "{} IAM projects match region {region:?} ({}){rid}; set the project id explicitly",
            many.len(),
            many.iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SVC: ServiceInfo = ServiceInfo {
        endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
        crate_name: "huawei-vpc-v3",
        crate_version: "0.1.0",
    };

    #[test]
    fn service_name() {
        assert_eq!(SVC.service_name(), "vpc");
    }

    #[test]
    fn build_errors() {
        let c = || Credentials::new("a", "b");
        assert!(matches!(
            HuaweiClientBuilder::new(&SVC).credentials(c()).build(),
            Err(BuildError::MissingRegion { .. })
        ));
        assert!(matches!(
            HuaweiClientBuilder::new(&SVC)
                .endpoint("http://127.0.0.1:1")
                .credentials(c())
                .build(),
            Err(BuildError::MissingProjectId)
        ));
        assert!(matches!(
            HuaweiClientBuilder::new(&SVC)
                .region("cn-north-4")
                .endpoint("garbage url")
                .credentials(c())
                .build(),
            Err(BuildError::InvalidEndpoint { .. })
        ));
        assert!(matches!(
            HuaweiClientBuilder::new(&SVC)
                .region("cn-north-4")
                .max_attempts(0)
                .credentials(c())
                .build(),
            Err(BuildError::InvalidConfig {
                item: "max_attempts",
                ..
            })
        ));
        let err = HuaweiClientBuilder::new(&SVC)
            .region("cn-north-4")
            .env(Env::from_vars([("HOME", "/nonexistent-home")]))
            .build()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("HUAWEICLOUD_SDK_AK"), "{text}");
        assert!(
            text.contains("/nonexistent-home/.huaweicloud/credentials"),
            "{text}"
        );
        let client = HuaweiClientBuilder::new(&SVC)
            .region("cn-north-4")
            .project_id("p")
            .credentials(c())
            .build()
            .unwrap();
        assert_eq!(
            client.endpoint(),
            "https://vpc.cn-north-4.myhuaweicloud.com"
        );
    }

    #[test]
    fn path_params() {
        assert!(encode_param("id", "").is_err());
        assert!(encode_param("id", "a/b").is_err());
        assert!(encode_param("id", "..").is_err());
        assert_eq!(encode_param("id", "urn:a b").unwrap(), "urn%3Aa%20b");
    }

    proptest::proptest! {
        /// Bounded version of the cargo-fuzz target `percent_encoding`: a path parameter is
        /// either refused or one segment that cannot be normalised and decodes back to it.
        #[test]
        fn path_params_stay_in_their_segment(value in proptest::prelude::any::<String>()) {
            match encode_param("id", &value) {
                Ok(segment) => {
                    proptest::prop_assert!(!segment.is_empty());
                    proptest::prop_assert!(!segment.contains(['/', '?', '#', '\\']), "{}", segment);
                    proptest::prop_assert!(segment != "." && segment != "..");
                    proptest::prop_assert_eq!(sign::encode::percent_decode(&segment).unwrap(), value);
                }
                Err(e) => proptest::prop_assert!(
                    value.is_empty() || value.contains('/') || value == "." || value == "..",
                    "{}", e
                ),
            }
        }
    }
}
