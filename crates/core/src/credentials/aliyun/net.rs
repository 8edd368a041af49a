//! Alibaba providers that fetch temporary credentials over the network: OIDC role ARN (RRSA),
//! RAM role ARN (`AssumeRole`), ECS RAM role (IMDS) and a credentials URI.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;

use super::super::fetch::{Fetched, USER_AGENT, exchange, read_non_empty_token, with_scheme};
use super::super::{
    Credentials, CredentialsCache, CredentialsError, ProvideCredentials, ProvideFuture,
    ProviderConfig, Timeouts, parse_expiry,
};
use crate::redact::Redactor;
use crate::sign::aliyun_v2;
use crate::sign::encode::percent_encode;

/// `ALIBABA_CLOUD_ROLE_ARN`.
pub const ENV_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.
pub const ENV_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.
pub const ENV_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// `ALIBABA_CLOUD_ROLE_SESSION_NAME`.
pub const ENV_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
/// `ALIBABA_CLOUD_STS_REGION`: STS host `sts.<region>.aliyuncs.com`.
pub const ENV_STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
/// `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`: `true` uses `sts-vpc.<region>.aliyuncs.com` (only
/// with a region).
pub const ENV_VPC_ENDPOINT_ENABLED: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
/// `CLOUDSDK_ALIYUN_STS_ENDPOINT`: the STS endpoint (URL), overriding every other rule.
pub const ENV_STS_ENDPOINT: &str = "CLOUDSDK_ALIYUN_STS_ENDPOINT";
/// `ALIBABA_CLOUD_ECS_METADATA`: the ECS RAM role name (skips discovery).
pub const ENV_ECS_METADATA: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// `ALIBABA_CLOUD_ECS_METADATA_DISABLED`: `true` disables the ECS RAM role provider.
pub const ENV_ECS_METADATA_DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// `ALIBABA_CLOUD_IMDSV1_DISABLED`: `true` forbids the fallback from IMDSv2 to v1.
pub const ENV_IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
/// `CLOUDSDK_ALIYUN_METADATA_ENDPOINT`: the IMDS endpoint (default `http://100.100.100.200`).
pub const ENV_METADATA_ENDPOINT: &str = "CLOUDSDK_ALIYUN_METADATA_ENDPOINT";
/// `ALIBABA_CLOUD_CREDENTIALS_URI`: the credentials URI.
pub const ENV_CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// The real IMDS address.
const METADATA_DEFAULT: &str = "http://100.100.100.200";
/// Credentials are stale this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(15 * 60);
const DEFAULT_DURATION: u32 = 3600;
const MIN_DURATION: u32 = 900;

fn new_cache(config: &ProviderConfig) -> CredentialsCache {
    CredentialsCache::new(REFRESH_BEFORE, config.time_source().clone())
}

fn default_session_name(config: &ProviderConfig) -> String {
    config.env().get(ENV_ROLE_SESSION_NAME).unwrap_or_else(|| {
        format!(
            "cloudsdk-rust-{}",
            config.time_source().now().unix_timestamp()
        )
    })
}

// ---------------------------------------------------------------------------------------------
// STS
// ---------------------------------------------------------------------------------------------

/// Where the STS calls of one provider go (explicit settings win over the environment).
#[derive(Clone, Debug, Default)]
struct StsLocation {
    endpoint: Option<String>,
    region: Option<String>,
    vpc: Option<bool>,
}

impl StsLocation {
    /// An explicit endpoint, else `CLOUDSDK_ALIYUN_STS_ENDPOINT`, else with a region (explicit,
    /// else `ALIBABA_CLOUD_STS_REGION`) `https://sts[-vpc].<region>.aliyuncs.com`, else
    /// `https://sts.aliyuncs.com`. A fake [`Env`](super::super::Env) never resolves to a vendor
    /// host.
    fn url(&self, config: &ProviderConfig) -> String {
        if let Some(e) = &self.endpoint {
            return with_scheme(e, "https");
        }
        let env = config.env();
        let url = env.service_endpoint(ENV_STS_ENDPOINT, || {
            match self.region.clone().or_else(|| env.get(ENV_STS_REGION)) {
                Some(region) => {
                    let vpc = self
                        .vpc
                        .unwrap_or_else(|| env.is_true(ENV_VPC_ENDPOINT_ENABLED));
                    let prefix = if vpc { "sts-vpc" } else { "sts" };
                    format!("https://{prefix}.{}.aliyuncs.com", region.trim())
                }
                None => "https://sts.aliyuncs.com".to_owned(),
            }
        });
        with_scheme(&url, "https")
    }
}

#[derive(Deserialize)]
struct StsAnswer {
    #[serde(rename = "Credentials")]
    credentials: Option<StsCredentials>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsCredentials {
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
    expiration: Option<String>,
    /// IMDS and credentials URI only.
    code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PopError {
    code: Option<String>,
    message: Option<String>,
}

/// `Code: Message` of an error answer (the POP error shape), else the HTTP status.
fn service_error(
    provider: &'static str,
    what: &str,
    fetched: &Fetched,
    redactor: &Redactor,
) -> CredentialsError {
    let pop: PopError = serde_json::from_slice(&fetched.body).unwrap_or_default();
    let mut reason = format!("{what}: HTTP {}", fetched.status);
    if let Some(code) = pop.code {
        reason.push_str(&format!(" {code}"));
    }
    if let Some(message) = pop.message {
        reason.push_str(&format!(": {message}"));
    }
    redactor.text(&mut reason);
    CredentialsError::unavailable(provider, reason)
}

impl StsCredentials {
    /// Checks the four fields (and `Code` when present) and builds the credentials.
    fn into_credentials(
        self,
        provider: &'static str,
        name: &'static str,
    ) -> Result<Credentials, CredentialsError> {
        if let Some(code) = &self.code
            && code != "Success"
        {
            return Err(CredentialsError::unavailable(
                provider,
                format!("the answer has Code {code:?}, not \"Success\""),
            ));
        }
        let missing = |field: &str| {
            CredentialsError::unavailable(provider, format!("the answer has no {field}"))
        };
        let id = self
            .access_key_id
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing("AccessKeyId"))?;
        let secret = self
            .access_key_secret
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing("AccessKeySecret"))?;
        let token = self
            .security_token
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing("SecurityToken"))?;
        let expiration = self.expiration.ok_or_else(|| missing("Expiration"))?;
        let expiry = parse_expiry(&expiration)
            .map_err(|e| CredentialsError::unavailable(provider, e.to_string()))?;
        Ok(Credentials::new(id, secret)
            .with_security_token(token)
            .with_expiry(expiry)
            .with_provider_name(name))
    }
}

/// Sends an STS request and reads `Credentials` from a 200 answer.
async fn sts_call(
    config: &ProviderConfig,
    request: http::Request<Bytes>,
    timeouts: Timeouts,
    provider: &'static str,
    name: &'static str,
    redactor: &Redactor,
) -> Result<Credentials, CredentialsError> {
    let client = config.api_client(provider)?;
    let action = "STS request";
    let fetched = exchange(&client, request, timeouts, provider, action).await?;
    if fetched.status != 200 {
        return Err(service_error(provider, action, &fetched, redactor));
    }
    let answer: StsAnswer = serde_json::from_slice(&fetched.body).map_err(|e| {
        CredentialsError::unavailable(provider, format!("the STS answer is not JSON: {e}"))
    })?;
    answer
        .credentials
        .ok_or_else(|| {
            CredentialsError::unavailable(provider, "the STS answer has no Credentials")
        })?
        .into_credentials(provider, name)
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn post_form(url: &str, query: &str, body: String) -> Result<http::Request<Bytes>, String> {
    http::Request::post(format!("{url}/?{query}"))
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, USER_AGENT)
        .body(Bytes::from(body))
        .map_err(|e| format!("invalid STS endpoint {url:?}: {e}"))
}

fn check_duration(provider: &'static str, duration: u32) -> Result<(), CredentialsError> {
    if duration < MIN_DURATION {
        return Err(CredentialsError::invalid(
            provider,
            format!("duration_seconds {duration} is below the minimum {MIN_DURATION}"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// OIDC role ARN (RRSA)
// ---------------------------------------------------------------------------------------------

/// OIDC role ARN (ACK RRSA): `AssumeRoleWithOIDC` with the OIDC token read from a file **on
/// every refresh** (the cluster rotates it) and sent in a POST body (never in a URL). The call is
/// not signed.
///
/// Settings default to `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
/// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, `ALIBABA_CLOUD_ROLE_SESSION_NAME` (else
/// `cloudsdk-rust-<epoch>`); duration 3600 s (at least 900); STS host rules as
/// [`RamRoleArn`]. Credentials are cached and refreshed 15 minutes before they expire.
#[derive(Clone)]
pub struct OidcRoleArn {
    config: ProviderConfig,
    role_arn: Option<String>,
    oidc_provider_arn: Option<String>,
    token_file: Option<PathBuf>,
    session_name: Option<String>,
    duration_seconds: u32,
    policy: Option<String>,
    sts: StsLocation,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

impl OidcRoleArn {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba oidc role arn";

    /// Reads its defaults from the process environment.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Reads its defaults from `config`'s environment and uses its HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            cache: new_cache(&config),
            config,
            role_arn: None,
            oidc_provider_arn: None,
            token_file: None,
            session_name: None,
            duration_seconds: DEFAULT_DURATION,
            policy: None,
            sts: StsLocation::default(),
            timeouts: Timeouts::ALIYUN_STS,
        }
    }

    /// Whether `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set (the default chain's condition).
    pub fn is_configured_in(env: &super::super::Env) -> bool {
        [ENV_ROLE_ARN, ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE]
            .iter()
            .all(|v| env.get(v).is_some())
    }

    /// The role to assume (`acs:ram::<account>:role/<name>`).
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The OIDC provider ARN.
    pub fn oidc_provider_arn(mut self, arn: impl Into<String>) -> Self {
        self.oidc_provider_arn = Some(arn.into());
        self
    }

    /// The file holding the OIDC token (read on every refresh).
    pub fn token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_file = Some(path.into());
        self
    }

    /// The role session name.
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Lifetime requested, in seconds (default 3600, minimum 900).
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// A policy narrowing the role's permissions (JSON).
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The STS endpoint (URL or host; https when no scheme), overriding every other rule.
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts.endpoint = Some(endpoint.into());
        self
    }

    /// The STS region: host `sts.<region>.aliyuncs.com`.
    pub fn sts_region(mut self, region: impl Into<String>) -> Self {
        self.sts.region = Some(region.into());
        self
    }

    /// With a region, use the VPC host `sts-vpc.<region>.aliyuncs.com`.
    pub fn enable_vpc(mut self, enabled: bool) -> Self {
        self.sts.vpc = Some(enabled);
        self
    }

    /// The timeouts of the STS call (default 5 s connect, 10 s read).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    fn setting(&self, explicit: &Option<String>, var: &str) -> Result<String, CredentialsError> {
        explicit
            .clone()
            .or_else(|| self.config.env().get(var))
            .ok_or_else(|| CredentialsError::not_loaded(Self::NAME, format!("{var} is not set")))
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let role_arn = self.setting(&self.role_arn, ENV_ROLE_ARN)?;
        let provider_arn = self.setting(&self.oidc_provider_arn, ENV_OIDC_PROVIDER_ARN)?;
        let path = match &self.token_file {
            Some(p) => p.clone(),
            None => PathBuf::from(self.setting(&None, ENV_OIDC_TOKEN_FILE)?),
        };
        check_duration(Self::NAME, self.duration_seconds)?;
        let token = read_non_empty_token(Self::NAME, "OIDC token file", &path)?;
        let session = self
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(&self.config));
        let timestamp = aliyun_v2::format_timestamp(self.config.time_source().now());
        let query = form(&[
            ("Action", "AssumeRoleWithOIDC"),
            ("Format", "JSON"),
            ("Version", "2015-04-01"),
            ("Timestamp", &timestamp),
        ]);
        let duration = self.duration_seconds.to_string();
        let mut body = vec![
            ("RoleArn", role_arn.as_str()),
            ("OIDCProviderArn", provider_arn.as_str()),
            ("OIDCToken", token.as_str()),
            ("RoleSessionName", session.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        if let Some(p) = &self.policy {
            body.push(("Policy", p));
        }
        let request = post_form(&self.sts.url(&self.config), &query, form(&body))
            .map_err(|e| CredentialsError::invalid(Self::NAME, e))?;
        let redactor = Redactor::new(Some(&token));
        sts_call(
            &self.config,
            request,
            self.timeouts,
            Self::NAME,
            "oidc_role_arn",
            &redactor,
        )
        .await
    }
}

impl Default for OidcRoleArn {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for OidcRoleArn {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }
}

impl fmt::Debug for OidcRoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcRoleArn")
            .field("role_arn", &self.role_arn)
            .field("oidc_provider_arn", &self.oidc_provider_arn)
            .field("token_file", &self.token_file)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("sts", &self.sts)
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// RAM role ARN (AssumeRole)
// ---------------------------------------------------------------------------------------------

/// RAM role ARN: `AssumeRole`, signed (RPC V2, HMAC-SHA1, spec encoding) with the source
/// credentials, which are asked for on every refresh (a source with a security token sends it
/// as `SecurityToken`). Sent as a POST: the signature parameters in the query, the role
/// parameters in a form body, the signature over both.
///
/// The role ARN defaults to `ALIBABA_CLOUD_ROLE_ARN`, the session name to
/// `ALIBABA_CLOUD_ROLE_SESSION_NAME` (else `cloudsdk-rust-<epoch>`); duration 3600 s (at least
/// 900). STS host: [`sts_endpoint`](Self::sts_endpoint), else `CLOUDSDK_ALIYUN_STS_ENDPOINT`,
/// else with a region ([`sts_region`](Self::sts_region) or `ALIBABA_CLOUD_STS_REGION`)
/// `sts.<region>.aliyuncs.com` (`sts-vpc.` with [`enable_vpc`](Self::enable_vpc) or
/// `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), else `sts.aliyuncs.com`; always https unless the
/// endpoint says otherwise. Credentials are cached and refreshed 15 minutes before they expire.
#[derive(Clone)]
pub struct RamRoleArn {
    config: ProviderConfig,
    source: Arc<dyn ProvideCredentials>,
    role_arn: Option<String>,
    session_name: Option<String>,
    duration_seconds: u32,
    policy: Option<String>,
    external_id: Option<String>,
    sts: StsLocation,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

/// The `AssumeRole` parameters: (query, body).
type AssumeRoleParams = (Vec<(&'static str, String)>, Vec<(&'static str, String)>);

impl RamRoleArn {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba ram role arn";

    /// Assumes a role with the credentials of `source`; defaults from the process environment.
    pub fn new(source: impl ProvideCredentials + 'static) -> Self {
        Self::with_config(ProviderConfig::default(), source)
    }

    /// Assumes a role with the credentials of `source`; defaults from `config`'s environment,
    /// its HTTP client and clock.
    pub fn with_config(config: ProviderConfig, source: impl ProvideCredentials + 'static) -> Self {
        Self::with_shared_source(config, Arc::new(source))
    }

    pub(crate) fn with_shared_source(
        config: ProviderConfig,
        source: Arc<dyn ProvideCredentials>,
    ) -> Self {
        Self {
            cache: new_cache(&config),
            config,
            source,
            role_arn: None,
            session_name: None,
            duration_seconds: DEFAULT_DURATION,
            policy: None,
            external_id: None,
            sts: StsLocation::default(),
            timeouts: Timeouts::ALIYUN_STS,
        }
    }

    /// The role to assume (`acs:ram::<account>:role/<name>`).
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The role session name.
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Lifetime requested, in seconds (default 3600, minimum 900).
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// A policy narrowing the role's permissions (JSON).
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy requires.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The STS endpoint (URL or host; https when no scheme), overriding every other rule.
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts.endpoint = Some(endpoint.into());
        self
    }

    /// The STS region: host `sts.<region>.aliyuncs.com`.
    pub fn sts_region(mut self, region: impl Into<String>) -> Self {
        self.sts.region = Some(region.into());
        self
    }

    /// With a region, use the VPC host `sts-vpc.<region>.aliyuncs.com`.
    pub fn enable_vpc(mut self, enabled: bool) -> Self {
        self.sts.vpc = Some(enabled);
        self
    }

    /// The timeouts of the STS call (default 5 s connect, 10 s read).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    fn params(
        &self,
        source: &Credentials,
        role_arn: String,
        timestamp: String,
        nonce: String,
    ) -> AssumeRoleParams {
        let mut query = vec![
            ("AccessKeyId", source.access_key_id().to_owned()),
            ("Action", "AssumeRole".to_owned()),
            ("Format", "JSON".to_owned()),
            ("SignatureMethod", aliyun_v2::SIGNATURE_METHOD.to_owned()),
            ("SignatureNonce", nonce),
            ("SignatureVersion", aliyun_v2::SIGNATURE_VERSION.to_owned()),
            ("Timestamp", timestamp),
            ("Version", "2015-04-01".to_owned()),
        ];
        if let Some(token) = source.security_token() {
            query.push(("SecurityToken", token.to_owned()));
        }
        let session = self
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(&self.config));
        let mut body = vec![
            ("DurationSeconds", self.duration_seconds.to_string()),
            ("RoleArn", role_arn),
            ("RoleSessionName", session),
        ];
        if let Some(p) = &self.policy {
            body.push(("Policy", p.clone()));
        }
        if let Some(e) = &self.external_id {
            body.push(("ExternalId", e.clone()));
        }
        (query, body)
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let role_arn = self
            .role_arn
            .clone()
            .or_else(|| self.config.env().get(ENV_ROLE_ARN))
            .ok_or_else(|| {
                CredentialsError::not_loaded(
                    Self::NAME,
                    format!("no role ARN ({ENV_ROLE_ARN} is not set)"),
                )
            })?;
        check_duration(Self::NAME, self.duration_seconds)?;
        let source = self.source.provide_credentials().await.map_err(|e| {
            CredentialsError::unavailable(Self::NAME, format!("the source credentials: {e}"))
        })?;
        let timestamp = aliyun_v2::format_timestamp(self.config.time_source().now());
        let (mut query, body) = self.params(
            &source,
            role_arn,
            timestamp,
            crate::sign::aliyun_v3::new_nonce(),
        );
        let all: Vec<(&str, &str)> = query
            .iter()
            .chain(body.iter())
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let signed = aliyun_v2::sign("POST", &all, source.access_key_secret());
        query.push(("Signature", signed.signature));
        let pairs = |v: &[(&'static str, String)]| -> String {
            form(&v.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
        };
        let request = post_form(&self.sts.url(&self.config), &pairs(&query), pairs(&body))
            .map_err(|e| CredentialsError::invalid(Self::NAME, e))?;
        let redactor = Redactor::new(source.security_token());
        sts_call(
            &self.config,
            request,
            self.timeouts,
            Self::NAME,
            "ram_role_arn",
            &redactor,
        )
        .await
    }
}

impl ProvideCredentials for RamRoleArn {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }
}

impl fmt::Debug for RamRoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamRoleArn")
            .field("source", &self.source)
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("external_id", &self.external_id.as_ref().map(|_| "set"))
            .field("sts", &self.sts)
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// ECS RAM role (IMDS)
// ---------------------------------------------------------------------------------------------

const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";

/// ECS RAM role: temporary credentials of the instance's RAM role from the instance metadata
/// service (IMDS), never through a proxy.
///
/// Each refresh first asks for an IMDSv2 token (`PUT /latest/api/token`); when that fails it
/// continues without a token (IMDSv1) unless v1 is disabled
/// ([`disable_imds_v1`](Self::disable_imds_v1) or `ALIBABA_CLOUD_IMDSV1_DISABLED=true`). A
/// request with a token that fails is repeated once without it when v1 is allowed. The role is
/// [`role_name`](Self::role_name), else `ALIBABA_CLOUD_ECS_METADATA`, else discovered. The
/// endpoint is [`endpoint`](Self::endpoint), else `CLOUDSDK_ALIYUN_METADATA_ENDPOINT`, else
/// `http://100.100.100.200`. `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` disables the provider.
/// Timeouts 1 s / 1 s. Credentials are cached and refreshed 15 minutes before they expire or an
/// hour after they were fetched, whichever comes first (a failed refresh keeps the valid ones).
#[derive(Clone)]
pub struct EcsRamRole {
    config: ProviderConfig,
    role_name: Option<String>,
    disable_v1: Option<bool>,
    endpoint: Option<String>,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

impl EcsRamRole {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba ecs ram role";

    /// Reads its defaults from the process environment.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Reads its defaults from `config`'s environment and uses its metadata HTTP client and
    /// clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            // As the official provider: 6-hour instance credentials are re-fetched hourly.
            cache: CredentialsCache::with_max_age(
                REFRESH_BEFORE,
                Duration::from_secs(3600),
                config.time_source().clone(),
            ),
            config,
            role_name: None,
            disable_v1: None,
            endpoint: None,
            timeouts: Timeouts::ALIYUN_METADATA,
        }
    }

    /// The RAM role name (skips discovery).
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// `true` forbids the fallback from IMDSv2 (token) to IMDSv1.
    pub fn disable_imds_v1(mut self, disabled: bool) -> Self {
        self.disable_v1 = Some(disabled);
        self
    }

    /// The IMDS endpoint (e.g. `http://127.0.0.1:8080` for a test double).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The timeouts of each IMDS request (default 1 s / 1 s).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    fn base(&self) -> String {
        match &self.endpoint {
            Some(e) => with_scheme(e, "http"),
            None => with_scheme(
                &self
                    .config
                    .env()
                    .service_endpoint(ENV_METADATA_ENDPOINT, || METADATA_DEFAULT.to_owned()),
                "http",
            ),
        }
    }

    fn v1_allowed(&self) -> bool {
        !self
            .disable_v1
            .unwrap_or_else(|| self.config.env().is_true(ENV_IMDSV1_DISABLED))
    }

    async fn send(
        &self,
        method: http::Method,
        path: &str,
        token: Option<&str>,
    ) -> Result<Fetched, CredentialsError> {
        let client = self.config.metadata_client(Self::NAME)?;
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base()))
            .header(http::header::USER_AGENT, USER_AGENT);
        if method == http::Method::PUT {
            request = request.header(TOKEN_TTL_HEADER, "21600");
        }
        if let Some(t) = token {
            request = request.header(TOKEN_HEADER, t);
        }
        let request = request.body(Bytes::new()).map_err(|e| {
            CredentialsError::invalid(Self::NAME, format!("invalid IMDS endpoint: {e}"))
        })?;
        exchange(
            &client,
            request,
            self.timeouts,
            Self::NAME,
            &format!("IMDS {method} {path}"),
        )
        .await
    }

    /// The IMDSv2 token, or `None` to continue with v1.
    async fn token(&self) -> Result<Option<zeroize::Zeroizing<String>>, CredentialsError> {
        let failure = match self
            .send(http::Method::PUT, "/latest/api/token", None)
            .await
        {
            Ok(f) if f.status == 200 => {
                let token = String::from_utf8_lossy(&f.body).trim().to_owned();
                return Ok(Some(zeroize::Zeroizing::new(token)));
            }
            Ok(f) => format!("HTTP {}", f.status),
            Err(e) => e.to_string(),
        };
        if self.v1_allowed() {
            tracing::debug!(%failure, "no IMDSv2 token; continuing with IMDSv1");
            return Ok(None);
        }
        Err(CredentialsError::unavailable(
            Self::NAME,
            format!(
                "failed to get a token from the ECS metadata service ({failure}) and IMDSv1 is disabled"
            ),
        ))
    }

    /// A GET with the token; repeated once without it when that fails and v1 is allowed.
    async fn get(&self, path: &str, token: Option<&str>) -> Result<Bytes, CredentialsError> {
        let first = self.send(http::Method::GET, path, token).await?;
        let fetched = if first.status != 200 && token.is_some() && self.v1_allowed() {
            self.send(http::Method::GET, path, None).await?
        } else {
            first
        };
        if fetched.status != 200 {
            return Err(CredentialsError::unavailable(
                Self::NAME,
                format!("IMDS GET {path}: HTTP {}", fetched.status),
            ));
        }
        Ok(fetched.body)
    }

    /// Why this provider cannot run at all: disabled, or a fake [`Env`](super::super::Env)
    /// without a metadata endpoint (a test environment never reaches the real IMDS).
    fn unusable(&self) -> Option<CredentialsError> {
        let env = self.config.env();
        if env.is_true(ENV_ECS_METADATA_DISABLED) {
            return Some(CredentialsError::not_loaded(
                Self::NAME,
                format!("disabled by {ENV_ECS_METADATA_DISABLED}"),
            ));
        }
        if self.endpoint.is_none() && env.is_fake() && env.get(ENV_METADATA_ENDPOINT).is_none() {
            return Some(CredentialsError::not_loaded(
                Self::NAME,
                format!("a fake Env without {ENV_METADATA_ENDPOINT} never reaches the real IMDS"),
            ));
        }
        None
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        if let Some(e) = self.unusable() {
            return Err(e);
        }
        let token = self.token().await?;
        let token = token.as_ref().map(|t| t.as_str());
        let role = match self
            .role_name
            .clone()
            .or_else(|| self.config.env().get(ENV_ECS_METADATA))
        {
            Some(r) => r,
            None => {
                let body = self.get(CREDENTIALS_PATH, token).await?;
                let role = String::from_utf8_lossy(&body).trim().to_owned();
                if role.is_empty() {
                    return Err(CredentialsError::unavailable(
                        Self::NAME,
                        "the instance has no RAM role",
                    ));
                }
                role
            }
        };
        let path = format!("{CREDENTIALS_PATH}{}", percent_encode(&role));
        let body = self.get(&path, token).await?;
        let creds: StsCredentials = serde_json::from_slice(&body).map_err(|e| {
            CredentialsError::unavailable(Self::NAME, format!("the IMDS answer is not JSON: {e}"))
        })?;
        creds.into_credentials(Self::NAME, "ecs_ram_role")
    }
}

impl Default for EcsRamRole {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for EcsRamRole {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        if let Some(e) = self.unusable() {
            return Box::pin(std::future::ready(Err(e)));
        }
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        self.unusable().map(Err)
    }
}

impl fmt::Debug for EcsRamRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsRamRole")
            .field("role_name", &self.role_name)
            .field("disable_v1", &self.disable_v1)
            .field("endpoint", &self.endpoint)
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials URI
// ---------------------------------------------------------------------------------------------

/// Credentials URI: `GET <uri>` (the URI from [`uri`](Self::uri), else
/// `ALIBABA_CLOUD_CREDENTIALS_URI`) answering `{"Code":"Success","AccessKeyId",
/// "AccessKeySecret","SecurityToken","Expiration"}`. Timeouts 5 s / 10 s. Credentials are cached
/// and refreshed 15 minutes before they expire.
#[derive(Clone)]
pub struct CredentialsUri {
    config: ProviderConfig,
    uri: Option<String>,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

impl CredentialsUri {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba credentials uri";

    /// Reads the URI from the process environment.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Reads the URI from `config`'s environment; uses its HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            cache: new_cache(&config),
            config,
            uri: None,
            timeouts: Timeouts::ALIYUN_STS,
        }
    }

    /// The URI to ask.
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// The timeouts of the request (default 5 s / 10 s).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let uri = self
            .uri
            .clone()
            .or_else(|| self.config.env().get(ENV_CREDENTIALS_URI))
            .ok_or_else(|| {
                CredentialsError::not_loaded(
                    Self::NAME,
                    format!("{ENV_CREDENTIALS_URI} is not set"),
                )
            })?;
        let request = http::Request::get(with_scheme(&uri, "http"))
            .header(http::header::USER_AGENT, USER_AGENT)
            .body(Bytes::new())
            .map_err(|e| {
                CredentialsError::invalid(Self::NAME, format!("invalid credentials URI: {e}"))
            })?;
        let client = self.config.api_client(Self::NAME)?;
        let fetched = exchange(
            &client,
            request,
            self.timeouts,
            Self::NAME,
            "credentials URI",
        )
        .await?;
        if fetched.status != 200 {
            return Err(CredentialsError::unavailable(
                Self::NAME,
                format!("credentials URI: HTTP {}", fetched.status),
            ));
        }
        let creds: StsCredentials = serde_json::from_slice(&fetched.body).map_err(|e| {
            CredentialsError::unavailable(Self::NAME, format!("the answer is not JSON: {e}"))
        })?;
        if creds.code.is_none() {
            return Err(CredentialsError::unavailable(
                Self::NAME,
                "the answer has no Code",
            ));
        }
        creds.into_credentials(Self::NAME, "credential_uri")
    }
}

impl Default for CredentialsUri {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for CredentialsUri {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }
}

impl fmt::Debug for CredentialsUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URI may carry a secret in its query: only its presence is shown.
        f.debug_struct("CredentialsUri")
            .field("uri", &self.uri.as_ref().map(|_| "set"))
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The research note's AssumeRole vectors (computed with the official helpers).
    #[test]
    fn assume_role_signature_vectors() {
        let env = super::super::super::Env::from_vars([("X", "y")]);
        let provider = RamRoleArn::with_config(
            ProviderConfig::new(env),
            Credentials::new("testid", "testsecret"),
        )
        .role_session_name("rust-sdk");
        let sign = |p: &RamRoleArn, source: &Credentials, method: &str| {
            let (q, b) = p.params(
                source,
                "acs:ram::123456789012:role/test-role".to_owned(),
                "2024-01-01T00:00:00Z".to_owned(),
                "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf".to_owned(),
            );
            let all: Vec<(&str, &str)> =
                q.iter().chain(&b).map(|(k, v)| (*k, v.as_str())).collect();
            aliyun_v2::sign(method, &all, source.access_key_secret()).signature
        };
        let source = Credentials::new("testid", "testsecret");
        assert_eq!(
            sign(&provider, &source, "GET"),
            "aXRrIlY6yk7c/6SetCQzr5SDAQc="
        );
        let with_ext = provider.clone().external_id("ext-1");
        let sts_source = source.clone().with_security_token("tok/with+chars=");
        assert_eq!(
            sign(&with_ext, &sts_source, "GET"),
            "IHJoE7AAACb7V4+YBwc7f4P+Pws="
        );
        let with_policy = provider.policy(r#"{"Version": "1"}"#);
        assert_eq!(
            sign(&with_policy, &source, "GET"),
            "8Nn8T6UlbNR1paY3RbXsmL9AB04="
        );
        assert_eq!(
            sign(&with_policy, &source, "POST"),
            "+88QqXrHoviwGTxjgNLYa6A7jV0="
        );
    }

    #[test]
    fn sts_host_rules() {
        let env = |vars: &[(&str, &str)]| {
            ProviderConfig::new(super::super::super::Env::from_vars(vars.iter().copied()))
        };
        let loc = StsLocation::default();
        assert_eq!(
            loc.url(&env(&[])),
            "http://127.0.0.1:9",
            "a fake env never reaches STS"
        );
        assert_eq!(
            loc.url(&env(&[(ENV_STS_ENDPOINT, "http://127.0.0.1:5000/")])),
            "http://127.0.0.1:5000"
        );
        let explicit = StsLocation {
            endpoint: Some("sts.example.test".into()),
            ..StsLocation::default()
        };
        assert_eq!(explicit.url(&env(&[])), "https://sts.example.test");
    }
}
