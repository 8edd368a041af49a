//! Huawei providers that fetch temporary credentials over the network: IdP/OIDC federation
//! through IAM, and the ECS metadata service.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::super::fetch::{
    Fetched, USER_AGENT, exchange, read_non_empty_token, read_token, with_scheme,
};
use super::super::{
    Credentials, CredentialsCache, CredentialsError, ProvideCredentials, ProvideFuture,
    ProviderConfig, Timeouts, parse_expiry,
};
use super::{ENV_IAM_ENDPOINT, ENV_METADATA_DISABLED, ENV_METADATA_ENDPOINT};
use crate::redact::Redactor;

/// Refresh when less than this is left (the Huawei SDK's rule, checked on every request).
const REFRESH_BEFORE: Duration = Duration::from_secs(40 * 60);
const METADATA_DEFAULT: &str = "http://169.254.169.254";
const IAM_DEFAULT: &str = "https://iam.myhuaweicloud.com";
const JSON_UTF8: &str = "application/json;charset=UTF-8";
/// The lifetime the federation asks for (fixed by the Huawei SDK).
const FEDERATION_DURATION: u32 = 21600;

/// `{"credential": {...}}` (or `credentials`, or unwrapped) with the field spellings the Huawei
/// SDK accepts.
#[derive(Deserialize)]
struct Wrapped {
    #[serde(alias = "credentials")]
    credential: Option<Temporary>,
}

#[derive(Deserialize)]
struct Temporary {
    #[serde(alias = "accessKeyId", alias = "access_key_id")]
    access: Option<String>,
    #[serde(alias = "secretAccessKey", alias = "secret_access_key")]
    secret: Option<String>,
    #[serde(alias = "securityToken", alias = "security_token")]
    securitytoken: Option<String>,
    #[serde(alias = "expiration")]
    expires_at: Option<String>,
}

fn parse_temporary(
    provider: &'static str,
    body: &[u8],
    name: &'static str,
) -> Result<Credentials, CredentialsError> {
    let not_json = |e: serde_json::Error| {
        CredentialsError::unavailable(provider, format!("the answer is not JSON: {e}"))
    };
    let wrapped: Wrapped = serde_json::from_slice(body).map_err(not_json)?;
    let t = match wrapped.credential {
        Some(t) => t,
        None => serde_json::from_slice(body).map_err(not_json)?,
    };
    let missing =
        |f: &str| CredentialsError::unavailable(provider, format!("the answer has no {f}"));
    let access = t
        .access
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("access"))?;
    let secret = t
        .secret
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("secret"))?;
    let token = t
        .securitytoken
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("securitytoken"))?;
    let expires = t.expires_at.ok_or_else(|| missing("expires_at"))?;
    let expiry = parse_expiry(&expires)
        .map_err(|e| CredentialsError::unavailable(provider, e.to_string()))?;
    Ok(Credentials::new(access, secret)
        .with_security_token(token)
        .with_expiry(expiry)
        .with_provider_name(name))
}

/// An error answer: status plus Keystone/APIG error fields, redacted.
fn service_error(
    provider: &'static str,
    what: &str,
    fetched: &Fetched,
    redactor: &Redactor,
) -> CredentialsError {
    let mut reason = format!("{what}: HTTP {}", fetched.status);
    let excerpt = fetched.body_excerpt();
    if !excerpt.trim().is_empty() {
        reason.push_str(": ");
        reason.push_str(excerpt.trim());
    }
    redactor.text(&mut reason);
    CredentialsError::unavailable(provider, reason)
}

// ---------------------------------------------------------------------------------------------
// IdP federation
// ---------------------------------------------------------------------------------------------

/// IdP/OIDC federation (CCE workloads, CI systems): the OIDC ID token, read from
/// [`id_token_file`](Self::id_token_file) on every refresh, is exchanged at IAM for an
/// unscoped token (`POST /v3.0/OS-AUTH/id-token/tokens` with `X-Idp-Id`), then for temporary
/// AK/SK with a security token (`POST /v3.0/OS-CREDENTIAL/securitytokens`, 6 hours). Both calls
/// are unsigned.
///
/// The IAM endpoint is [`iam_endpoint`](Self::iam_endpoint), else the configuration's
/// [`huawei_iam_endpoint`](crate::credentials::ProviderConfig::huawei_iam_endpoint) (a Huawei
/// client's `.iam_endpoint(..)`), else `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else
/// `https://iam.myhuaweicloud.com`. Credentials are cached
/// and refreshed when less than 40 minutes are left.
#[derive(Clone)]
pub struct IdpFederation {
    config: ProviderConfig,
    idp_id: Option<String>,
    token_file: Option<PathBuf>,
    iam_endpoint: Option<String>,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

impl IdpFederation {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei idp federation";

    /// Uses the process environment (for the IAM endpoint) and default HTTP clients.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Uses `config`'s environment, HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            cache: CredentialsCache::new(REFRESH_BEFORE, config.time_source().clone()),
            config,
            idp_id: None,
            token_file: None,
            iam_endpoint: None,
            timeouts: Timeouts::HUAWEI_IAM,
        }
    }

    /// The identity provider id (`HUAWEICLOUD_SDK_IDP_ID`).
    pub fn idp_id(mut self, id: impl Into<String>) -> Self {
        self.idp_id = Some(id.into());
        self
    }

    /// The file holding the OIDC ID token (`HUAWEICLOUD_SDK_ID_TOKEN_FILE`).
    pub fn id_token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_file = Some(path.into());
        self
    }

    /// The IAM endpoint (URL or host; https when no scheme).
    pub fn iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.iam_endpoint = Some(endpoint.into());
        self
    }

    /// The timeouts of each IAM call (default 10 s / 30 s).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    fn iam(&self) -> String {
        match self
            .iam_endpoint
            .as_deref()
            .or(self.config.huawei_iam_endpoint())
        {
            Some(e) => with_scheme(e, "https"),
            None => with_scheme(
                &self
                    .config
                    .env()
                    .service_endpoint(ENV_IAM_ENDPOINT, || IAM_DEFAULT.to_owned()),
                "https",
            ),
        }
    }

    fn post(
        &self,
        path: &str,
        body: String,
        idp: Option<&str>,
    ) -> Result<http::Request<Bytes>, CredentialsError> {
        let mut request = http::Request::post(format!("{}{path}", self.iam()))
            .header(http::header::CONTENT_TYPE, JSON_UTF8)
            .header(http::header::USER_AGENT, USER_AGENT);
        if let Some(idp) = idp {
            request = request.header("x-idp-id", idp);
        }
        request.body(Bytes::from(body)).map_err(|e| {
            CredentialsError::invalid(Self::NAME, format!("invalid IAM endpoint: {e}"))
        })
    }

    fn read_token(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let path = self.token_file.as_ref().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no ID token file configured")
        })?;
        read_non_empty_token(Self::NAME, "ID token file", path)
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let idp = self
            .idp_id
            .clone()
            .ok_or_else(|| CredentialsError::not_loaded(Self::NAME, "no IdP id configured"))?;
        let id_token = self.read_token()?;
        let client = self.config.api_client(Self::NAME)?;
        let body = serde_json::json!({"auth": {"id_token": {"id": id_token.as_str()}}}).to_string();
        let request = self.post("/v3.0/OS-AUTH/id-token/tokens", body, Some(&idp))?;
        let what = "IAM id-token exchange";
        let fetched = exchange(&client, request, self.timeouts, Self::NAME, what).await?;
        let redactor = Redactor::new(Some(&id_token));
        if fetched.status >= 400 || fetched.body.is_empty() {
            return Err(service_error(Self::NAME, what, &fetched, &redactor));
        }
        let subject = fetched
            .headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .map(|v| Zeroizing::new(v.to_owned()))
            .ok_or_else(|| {
                CredentialsError::unavailable(Self::NAME, format!("{what}: no X-Subject-Token"))
            })?;
        let body = serde_json::json!({"auth": {"identity": {"methods": ["token"], "token": {
            "id": subject.as_str(), "duration_seconds": FEDERATION_DURATION}}}})
        .to_string();
        let request = self.post("/v3.0/OS-CREDENTIAL/securitytokens", body, None)?;
        let what = "IAM security-token request";
        let fetched = exchange(&client, request, self.timeouts, Self::NAME, what).await?;
        if fetched.status >= 400 {
            let redactor = Redactor::new(Some(&subject));
            return Err(service_error(Self::NAME, what, &fetched, &redactor));
        }
        parse_temporary(Self::NAME, &fetched.body, "idp_federation")
    }
}

impl Default for IdpFederation {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for IdpFederation {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }
}

impl fmt::Debug for IdpFederation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdpFederation")
            .field("idp_id", &self.idp_id)
            .field("token_file", &self.token_file)
            .field("iam_endpoint", &self.iam_endpoint)
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// ECS metadata
// ---------------------------------------------------------------------------------------------

const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";
/// After the token endpoint says "no IMDSv2", no new token is asked for this long.
const NO_V2_RETRY: time::Duration = time::Duration::hours(24);

#[derive(Default)]
struct TokenState {
    token: Option<Zeroizing<String>>,
    /// The token endpoint answered 404/405/503: go without a token until then.
    no_v2_until: Option<OffsetDateTime>,
}

/// ECS metadata (the instance's agency): temporary AK/SK with a security token from
/// `GET /openstack/latest/securitykey`, never through a proxy.
///
/// An IMDSv2 token (`PUT /meta-data/latest/api/token`) is asked for first and reused until a
/// 401; a 404, 405 or 503 there means "no IMDSv2" (no new attempt for 24 h). A 401 on the
/// credentials (other than "configure a Cloud Service Agency") fetches a new token and repeats
/// once. The endpoint is [`endpoint`](Self::endpoint), else
/// `CLOUDSDK_HUAWEI_METADATA_ENDPOINT`, else `http://169.254.169.254`;
/// `CLOUDSDK_HUAWEI_METADATA_DISABLED=true` disables it. Timeouts 3 s / 3 s. Credentials are
/// cached and refreshed when less than 40 minutes are left.
#[derive(Clone)]
pub struct EcsMetadata {
    config: ProviderConfig,
    endpoint: Option<String>,
    timeouts: Timeouts,
    cache: CredentialsCache,
    token: Arc<Mutex<TokenState>>,
}

impl EcsMetadata {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei ecs metadata";

    /// Uses the process environment and default HTTP clients.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Uses `config`'s environment, metadata HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            cache: CredentialsCache::new(REFRESH_BEFORE, config.time_source().clone()),
            config,
            endpoint: None,
            timeouts: Timeouts::HUAWEI_METADATA,
            token: Arc::default(),
        }
    }

    /// The metadata endpoint (e.g. `http://127.0.0.1:8080` for a test double).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The timeouts of each metadata request (default 3 s / 3 s).
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

    /// Disabled, or a fake [`Env`](super::super::Env) without a metadata endpoint.
    fn unusable(&self) -> Option<CredentialsError> {
        let env = self.config.env();
        if env.is_true(ENV_METADATA_DISABLED) {
            return Some(CredentialsError::not_loaded(
                Self::NAME,
                format!("disabled by {ENV_METADATA_DISABLED}"),
            ));
        }
        if self.endpoint.is_none() && env.is_fake() && env.get(ENV_METADATA_ENDPOINT).is_none() {
            return Some(CredentialsError::not_loaded(
                Self::NAME,
                format!(
                    "a fake Env without {ENV_METADATA_ENDPOINT} never reaches the real metadata service"
                ),
            ));
        }
        None
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TokenState> {
        self.token.lock().unwrap_or_else(|e| e.into_inner())
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
            request = request.header("x-metadata-token-ttl-seconds", "21600");
        }
        if let Some(t) = token {
            request = request.header("x-metadata-token", t);
        }
        let request = request.body(Bytes::new()).map_err(|e| {
            CredentialsError::invalid(Self::NAME, format!("invalid metadata endpoint: {e}"))
        })?;
        exchange(
            &client,
            request,
            self.timeouts,
            Self::NAME,
            &format!("metadata {method} {path}"),
        )
        .await
    }

    /// A new token (stored), or `None` when the instance has no IMDSv2.
    async fn new_token(&self) -> Result<Option<Zeroizing<String>>, CredentialsError> {
        let fetched = self.send(http::Method::PUT, TOKEN_PATH, None).await?;
        match fetched.status {
            200 => {
                let token =
                    Zeroizing::new(String::from_utf8_lossy(&fetched.body).trim().to_owned());
                self.state().token = Some(token.clone());
                Ok(Some(token))
            }
            404 | 405 | 503 => {
                let mut state = self.state();
                state.token = None;
                state.no_v2_until = Some(self.config.time_source().now() + NO_V2_RETRY);
                Ok(None)
            }
            status => Err(CredentialsError::unavailable(
                Self::NAME,
                format!("metadata PUT {TOKEN_PATH}: HTTP {status}"),
            )),
        }
    }

    /// The held token, else a new one unless "no IMDSv2" was answered recently.
    async fn token(&self) -> Result<Option<Zeroizing<String>>, CredentialsError> {
        {
            let state = self.state();
            if let Some(t) = &state.token {
                return Ok(Some(t.clone()));
            }
            if state
                .no_v2_until
                .is_some_and(|until| self.config.time_source().now() < until)
            {
                return Ok(None);
            }
        }
        self.new_token().await
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let token = self.token().await?;
        let mut fetched = self
            .send(
                http::Method::GET,
                SECURITY_KEY_PATH,
                token.as_ref().map(|t| t.as_str()),
            )
            .await?;
        if fetched.status == 401 && !String::from_utf8_lossy(&fetched.body).contains(NO_AGENCY) {
            self.state().token = None;
            let token = self.new_token().await?;
            fetched = self
                .send(
                    http::Method::GET,
                    SECURITY_KEY_PATH,
                    token.as_ref().map(|t| t.as_str()),
                )
                .await?;
        }
        if fetched.status >= 400 {
            return Err(service_error(
                Self::NAME,
                &format!("metadata GET {SECURITY_KEY_PATH}"),
                &fetched,
                &Redactor::none(),
            ));
        }
        parse_temporary(Self::NAME, &fetched.body, "ecs_metadata")
    }
}

impl Default for EcsMetadata {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for EcsMetadata {
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

impl fmt::Debug for EcsMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsMetadata")
            .field("endpoint", &self.endpoint)
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// OIDC through STS v5 (AssumeAgencyWithOIDC)
// ---------------------------------------------------------------------------------------------

/// `HUAWEICLOUD_OIDC_PROVIDER_URN`.
pub const ENV_OIDC_PROVIDER_URN: &str = "HUAWEICLOUD_OIDC_PROVIDER_URN";
/// `HUAWEICLOUD_OIDC_AGENCY_URN`.
pub const ENV_OIDC_AGENCY_URN: &str = "HUAWEICLOUD_OIDC_AGENCY_URN";
/// `HUAWEICLOUD_OIDC_ID_TOKEN`: the ID token itself (wins over the file).
pub const ENV_OIDC_ID_TOKEN: &str = "HUAWEICLOUD_OIDC_ID_TOKEN";
/// `HUAWEICLOUD_OIDC_TOKEN_FILE`: the file holding the ID token (re-read on every exchange).
pub const ENV_OIDC_TOKEN_FILE: &str = "HUAWEICLOUD_OIDC_TOKEN_FILE";
/// `HUAWEICLOUD_OIDC_SESSION_NAME` (default `oidc-sts-session`).
pub const ENV_OIDC_SESSION_NAME: &str = "HUAWEICLOUD_OIDC_SESSION_NAME";
/// `HUAWEICLOUD_OIDC_DURATION_SECONDS` (default 3600).
pub const ENV_OIDC_DURATION_SECONDS: &str = "HUAWEICLOUD_OIDC_DURATION_SECONDS";
/// `HUAWEICLOUD_OIDC_POLICY`: an optional policy (JSON).
pub const ENV_OIDC_POLICY: &str = "HUAWEICLOUD_OIDC_POLICY";
/// `HUAWEICLOUD_OIDC_POLICY_IDS`: optional policy ids (comma list).
pub const ENV_OIDC_POLICY_IDS: &str = "HUAWEICLOUD_OIDC_POLICY_IDS";
const STS_DEFAULT: &str = "https://sts.cn-north-4.myhuaweicloud.com";

/// OIDC through STS v5 (`POST /v5/agencies/assume-with-oidc`, unsigned): an ID token for
/// temporary AK/SK of an agency. Configured from `HUAWEICLOUD_OIDC_PROVIDER_URN`,
/// `HUAWEICLOUD_OIDC_AGENCY_URN`, the token `HUAWEICLOUD_OIDC_ID_TOKEN` or the file
/// `HUAWEICLOUD_OIDC_TOKEN_FILE` (re-read on every exchange, unlike the Python SDK),
/// `HUAWEICLOUD_OIDC_SESSION_NAME` (default `oidc-sts-session`),
/// `HUAWEICLOUD_OIDC_DURATION_SECONDS` (default 3600), `HUAWEICLOUD_OIDC_POLICY`,
/// `HUAWEICLOUD_OIDC_POLICY_IDS`. STS endpoint: [`sts_endpoint`](Self::sts_endpoint), else
/// `HUAWEICLOUD_SDK_STS_ENDPOINT`, else `https://sts.cn-north-4.myhuaweicloud.com`. Without
/// both URNs the provider has nothing to offer (a chain moves on at once). Credentials are cached
/// and refreshed when less than 40 minutes are left.
#[derive(Clone)]
pub struct OidcSts {
    config: ProviderConfig,
    sts_endpoint: Option<String>,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

impl OidcSts {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei oidc sts";

    /// Reads the process environment.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Reads `config`'s environment; uses its HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            cache: CredentialsCache::new(REFRESH_BEFORE, config.time_source().clone()),
            config,
            sts_endpoint: None,
            timeouts: Timeouts::HUAWEI_IAM,
        }
    }

    /// The STS endpoint (URL or host; https when no scheme).
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// The timeouts of the STS call (default 10 s / 30 s).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    fn unconfigured(&self) -> Option<CredentialsError> {
        let env = self.config.env();
        let missing: Vec<&str> = [ENV_OIDC_PROVIDER_URN, ENV_OIDC_AGENCY_URN]
            .into_iter()
            .filter(|v| env.get(v).is_none())
            .collect();
        (!missing.is_empty()).then(|| {
            CredentialsError::not_loaded(Self::NAME, format!("{} not set", missing.join(" and ")))
        })
    }

    fn id_token(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let env = self.config.env();
        if let Some(t) = env.get(ENV_OIDC_ID_TOKEN) {
            return Ok(Zeroizing::new(t.trim().to_owned()));
        }
        let path = env.get(ENV_OIDC_TOKEN_FILE).ok_or_else(|| {
            CredentialsError::not_loaded(
                Self::NAME,
                format!("neither {ENV_OIDC_ID_TOKEN} nor {ENV_OIDC_TOKEN_FILE} is set"),
            )
        })?;
        read_non_empty_token(Self::NAME, "ID token file", std::path::Path::new(&path))
    }

    fn body(&self, id_token: &str) -> Result<String, CredentialsError> {
        let env = self.config.env();
        let duration: u32 = match env.get(ENV_OIDC_DURATION_SECONDS) {
            Some(v) => v.trim().parse().map_err(|_| {
                CredentialsError::invalid(
                    Self::NAME,
                    format!("{ENV_OIDC_DURATION_SECONDS} {v:?} is not a number"),
                )
            })?,
            None => 3600,
        };
        let mut body = serde_json::json!({
            "provider_urn": env.get(ENV_OIDC_PROVIDER_URN),
            "agency_urn": env.get(ENV_OIDC_AGENCY_URN),
            "agency_session_name": env.get(ENV_OIDC_SESSION_NAME).unwrap_or_else(|| "oidc-sts-session".to_owned()),
            "id_token": id_token,
            "duration_seconds": duration,
        });
        if let Some(policy) = env.get(ENV_OIDC_POLICY) {
            body["policy"] =
                serde_json::from_str(&policy).unwrap_or(serde_json::Value::String(policy));
        }
        if let Some(ids) = env.get(ENV_OIDC_POLICY_IDS) {
            let ids: Vec<&str> = ids
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            body["policy_ids"] = serde_json::json!(ids);
        }
        Ok(body.to_string())
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        if let Some(e) = self.unconfigured() {
            return Err(e);
        }
        let id_token = self.id_token()?;
        let body = Zeroizing::new(self.body(&id_token)?);
        let sts = match &self.sts_endpoint {
            Some(e) => with_scheme(e, "https"),
            None => with_scheme(
                &self
                    .config
                    .env()
                    .service_endpoint(super::ENV_STS_ENDPOINT, || STS_DEFAULT.to_owned()),
                "https",
            ),
        };
        let request = http::Request::post(format!("{sts}/v5/agencies/assume-with-oidc"))
            .header(http::header::CONTENT_TYPE, JSON_UTF8)
            .header(http::header::USER_AGENT, USER_AGENT)
            .body(Bytes::from(body.as_bytes().to_vec()))
            .map_err(|e| {
                CredentialsError::invalid(Self::NAME, format!("invalid STS endpoint: {e}"))
            })?;
        let client = self.config.api_client(Self::NAME)?;
        let what = "STS assume-with-oidc";
        let fetched = exchange(&client, request, self.timeouts, Self::NAME, what).await?;
        if fetched.status >= 400 {
            return Err(service_error(
                Self::NAME,
                what,
                &fetched,
                &Redactor::new(Some(&id_token)),
            ));
        }
        parse_temporary(Self::NAME, &fetched.body, "oidc_sts")
    }
}

impl Default for OidcSts {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for OidcSts {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        self.unconfigured().map(Err)
    }
}

impl fmt::Debug for OidcSts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcSts")
            .field("sts_endpoint", &self.sts_endpoint)
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// CCE pod identity
// ---------------------------------------------------------------------------------------------

/// `HC_CONTAINER_CREDENTIALS_FULL_URI`: the pod-identity agent's URI.
pub const ENV_POD_CREDENTIALS_URI: &str = "HC_CONTAINER_CREDENTIALS_FULL_URI";
/// `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`: the file holding the agent's authorization token.
pub const ENV_POD_TOKEN_FILE: &str = "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE";

/// CCE pod identity: `POST <HC_CONTAINER_CREDENTIALS_FULL_URI>` with `Authorization: <content of
/// HC_CONTAINER_AUTHORIZATION_TOKEN_FILE>` (re-read on every refresh) and body `{}`, answering
/// `{"credentials":{"accessKeyId","secretAccessKey","securityToken","expiration"}}`. Sent with
/// the metadata client (never proxied); timeouts 5 s / 5 s. Without both variables the provider
/// has nothing to offer. Credentials are cached and refreshed when less than 40 minutes are
/// left.
#[derive(Clone)]
pub struct PodIdentity {
    config: ProviderConfig,
    timeouts: Timeouts,
    cache: CredentialsCache,
}

impl PodIdentity {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei pod identity";

    /// Reads the process environment.
    pub fn new() -> Self {
        Self::with_config(ProviderConfig::default())
    }

    /// Reads `config`'s environment; uses its metadata HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            cache: CredentialsCache::new(REFRESH_BEFORE, config.time_source().clone()),
            config,
            timeouts: Timeouts::new(Duration::from_secs(5), Duration::from_secs(5)),
        }
    }

    /// The timeouts of the request (default 5 s / 5 s).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    fn settings(&self) -> Result<(String, String), CredentialsError> {
        let env = self.config.env();
        match (
            env.get(ENV_POD_CREDENTIALS_URI),
            env.get(ENV_POD_TOKEN_FILE),
        ) {
            (Some(uri), Some(file)) => Ok((uri, file)),
            _ => Err(CredentialsError::not_loaded(
                Self::NAME,
                format!("{ENV_POD_CREDENTIALS_URI} and {ENV_POD_TOKEN_FILE} are not both set"),
            )),
        }
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let (uri, file) = self.settings()?;
        let token = read_token(Self::NAME, "token file", std::path::Path::new(&file))?;
        let request = http::Request::post(with_scheme(&uri, "http"))
            .header(http::header::AUTHORIZATION, token.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, USER_AGENT)
            .body(Bytes::from_static(b"{}"))
            .map_err(|e| {
                CredentialsError::invalid(
                    Self::NAME,
                    format!("invalid {ENV_POD_CREDENTIALS_URI}: {e}"),
                )
            })?;
        let client = self.config.metadata_client(Self::NAME)?;
        let what = "pod identity request";
        let fetched = exchange(&client, request, self.timeouts, Self::NAME, what).await?;
        if fetched.status >= 400 {
            return Err(service_error(
                Self::NAME,
                what,
                &fetched,
                &Redactor::new(Some(&token)),
            ));
        }
        parse_temporary(Self::NAME, &fetched.body, "pod_identity")
    }
}

impl Default for PodIdentity {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for PodIdentity {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.cache.get_or_refresh(|| self.fetch()))
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        self.settings().err().map(Err)
    }
}

impl fmt::Debug for PodIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PodIdentity")
            .field("timeouts", &self.timeouts)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}
