//! Credential services on the emulator's listener: the endpoints a program fetches temporary
//! keys from (instance metadata, STS, IAM federation, a credentials URI), and the keys they
//! issue, which the emulator then accepts for API calls until they expire.
//!
//! Routing is by path (and, for `AssumeRole`/`AssumeRoleWithOIDC`, by the RPC `Action` at
//! `/`). The metadata and federation calls are unsigned, as the real services are; `AssumeRole`
//! goes through the normal Alibaba signature check first (with the emulator's key or a
//! temporary key it issued). See the crate README, "Credential services".

mod aliyun;
mod huawei;
mod store;

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::auth::{Keys, Verdict};
use crate::clock::Clock;
use crate::faults::Vendor;
use crate::http::Request;
use crate::reply::Reply;

pub(crate) use store::Store;

/// How long the temporary keys the credential services issue stay valid by default (1 hour).
/// A longer `DurationSeconds` / `duration_seconds` asked for is capped to the configured
/// lifetime ([`crate::EmulatorBuilder::credential_ttl`]).
pub const DEFAULT_CREDENTIAL_TTL: Duration = Duration::from_secs(3600);
/// The RAM role (Alibaba) the instance metadata serves and `AssumeRole` accepts by default.
pub const DEFAULT_ROLE_NAME: &str = "EmulatorRole";
/// The OIDC / ID token the emulator expects by default (Alibaba `AssumeRoleWithOIDC`, Huawei
/// IdP federation). Not a secret: the emulator is for tests.
pub const DEFAULT_OIDC_TOKEN: &str = "emulator-oidc-token";
/// The Huawei identity provider id (`X-Idp-Id`) accepted by default.
pub const DEFAULT_HUAWEI_IDP_ID: &str = "emulator-idp";
/// The path of the Alibaba credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`).
pub const ALIYUN_CREDENTIALS_URI_PATH: &str = "/aliyun/credentials-uri";

/// Whether the instance metadata services (Alibaba IMDS, Huawei ECS metadata) want a session
/// token (IMDSv2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImdsTokens {
    /// Tokens are issued; a request without one is served (v1), one with an invalid or
    /// expired token gets `401`.
    #[default]
    Optional,
    /// A request without a valid token gets `401`.
    Required,
    /// The token endpoint answers `403` (Alibaba) / `404` (Huawei): only v1 works.
    Disabled,
}

impl FromStr for ImdsTokens {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "optional" => Ok(Self::Optional),
            "required" => Ok(Self::Required),
            "disabled" => Ok(Self::Disabled),
            other => Err(format!(
                "unknown IMDS token mode {other:?} (expected optional, required or disabled)"
            )),
        }
    }
}

/// The configuration of the credential services.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub ttl: Duration,
    pub roles: Vec<String>,
    pub oidc_token: String,
    pub idp_id: String,
    pub imds_tokens: ImdsTokens,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ttl: DEFAULT_CREDENTIAL_TTL,
            roles: vec![DEFAULT_ROLE_NAME.to_owned()],
            oidc_token: DEFAULT_OIDC_TOKEN.to_owned(),
            idp_id: DEFAULT_HUAWEI_IDP_ID.to_owned(),
            imds_tokens: ImdsTokens::Optional,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialServices")
            .field("ttl", &self.ttl)
            .field("roles", &self.roles)
            .field("oidc_token", &"<redacted>")
            .field("idp_id", &self.idp_id)
            .field("imds_tokens", &self.imds_tokens)
            .finish()
    }
}

/// The credential services of one emulator: configuration and what they issued.
#[derive(Debug)]
pub(crate) struct Services {
    pub config: Config,
    store: Mutex<Store>,
}

/// Operation names (in [`crate::Recorded::operation`], and for fault filters).
pub(crate) mod op {
    pub const ALIYUN_IMDS_TOKEN: &str = "AliyunImdsToken";
    pub const ALIYUN_IMDS_ROLES: &str = "AliyunImdsRoleList";
    pub const ALIYUN_IMDS_CREDENTIALS: &str = "AliyunImdsRoleCredentials";
    pub const ALIYUN_CREDENTIALS_URI: &str = "AliyunCredentialsUri";
    pub const ASSUME_ROLE: &str = "AssumeRole";
    pub const ASSUME_ROLE_WITH_OIDC: &str = "AssumeRoleWithOIDC";
    pub const HUAWEI_METADATA_TOKEN: &str = "HuaweiMetadataToken";
    pub const HUAWEI_SECURITY_KEY: &str = "HuaweiMetadataSecurityKey";
    pub const HUAWEI_ID_TOKEN: &str = "CreateTokenWithIdToken";
    pub const HUAWEI_SECURITY_TOKENS: &str = "CreateTemporaryAccessKeyByToken";
    pub const HUAWEI_ASSUME_AGENCY_WITH_OIDC: &str = "AssumeAgencyWithOIDC";
}

/// The Alibaba IMDS role-credentials path prefix.
pub(crate) const ALIYUN_ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials";

/// The unsigned credential endpoint `req` calls (by path), with its vendor and operation.
pub(crate) fn unsigned_route(req: &Request) -> Option<(Vendor, &'static str)> {
    let p = req.path.as_str();
    let route = match p {
        "/latest/api/token" => (Vendor::Aliyun, op::ALIYUN_IMDS_TOKEN),
        ALIYUN_CREDENTIALS_URI_PATH => (Vendor::Aliyun, op::ALIYUN_CREDENTIALS_URI),
        "/meta-data/latest/api/token" => (Vendor::Huawei, op::HUAWEI_METADATA_TOKEN),
        "/openstack/latest/securitykey" => (Vendor::Huawei, op::HUAWEI_SECURITY_KEY),
        "/v3.0/OS-AUTH/id-token/tokens" => (Vendor::Huawei, op::HUAWEI_ID_TOKEN),
        "/v3.0/OS-CREDENTIAL/securitytokens" => (Vendor::Huawei, op::HUAWEI_SECURITY_TOKENS),
        "/v5/agencies/assume-with-oidc" => (Vendor::Huawei, op::HUAWEI_ASSUME_AGENCY_WITH_OIDC),
        _ if p == ALIYUN_ROLES_PATH || p == format!("{ALIYUN_ROLES_PATH}/") => {
            (Vendor::Aliyun, op::ALIYUN_IMDS_ROLES)
        }
        _ if p.starts_with(&format!("{ALIYUN_ROLES_PATH}/")) => {
            (Vendor::Aliyun, op::ALIYUN_IMDS_CREDENTIALS)
        }
        _ => return None,
    };
    Some(route)
}

/// Whether Alibaba RPC parameters call `AssumeRoleWithOIDC` (unsigned by design).
pub(crate) fn is_oidc_action(action: Option<&str>) -> bool {
    action == Some(op::ASSUME_ROLE_WITH_OIDC)
}

/// The access key id a signed request presents, if it can be read.
pub(crate) fn presented_key_id(
    vendor: Vendor,
    req: &Request,
    params: &[(String, String)],
) -> Option<String> {
    use cloudsdk_core::sign::{aliyun_v3, huawei};
    let authorization = req.header("authorization");
    match (vendor, authorization) {
        (Vendor::Huawei, Some(a)) => huawei::parse_authorization(a).ok().map(|p| p.access_key_id),
        (Vendor::Huawei, None) => None,
        (Vendor::Aliyun, Some(a)) => aliyun_v3::parse_authorization(a)
            .ok()
            .map(|p| p.access_key_id),
        (Vendor::Aliyun, None) => params
            .iter()
            .find(|(k, _)| k == "AccessKeyId")
            .map(|(_, v)| v.clone()),
    }
}

/// Everything an answer needs from the server.
pub(crate) struct Ctx<'a> {
    pub services: &'a Services,
    pub clock: &'a Clock,
    pub request_id: &'a str,
    pub host: &'a str,
}

impl Ctx<'_> {
    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn ttl_secs(&self) -> i64 {
        i64::try_from(self.services.config.ttl.as_secs()).unwrap_or(i64::MAX)
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.services.store()
    }
}

impl Services {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            store: Mutex::new(Store::default()),
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The keys to verify a request with when it presents a temporary key this emulator
    /// issued for `vendor`.
    pub fn issued_keys(&self, vendor: Vendor, key_id: &str) -> Option<(Keys, OffsetDateTime)> {
        self.store().key(vendor, key_id)
    }

    /// How many temporary keys were issued so far (all vendors, all services).
    pub fn issued_count(&self) -> usize {
        self.store().issued_total()
    }

    /// Turns an accepted verdict for an expired temporary key into the vendor's refusal.
    pub fn expire(
        vendor: Vendor,
        verdict: Verdict,
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Verdict {
        if !verdict.is_accepted() || now < expires {
            return verdict;
        }
        let scheme = verdict.scheme();
        let (status, code, reason) = match vendor {
            Vendor::Huawei => (
                401,
                "APIGW.0301",
                "the security token has expired".to_owned(),
            ),
            Vendor::Aliyun => (
                400,
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired.".to_owned(),
            ),
        };
        Verdict::Rejected {
            scheme,
            status,
            code,
            reason: format!("{reason}\n---\nexpired at {}", store::aliyun_time(expires)),
        }
    }
}

/// The answer of a credential service to an accepted request, when `operation` is one.
pub(crate) fn answer(
    ctx: &Ctx<'_>,
    vendor: Vendor,
    operation: Option<&str>,
    req: &Request,
    params: &[(String, String)],
) -> Option<Reply> {
    let reply = match (vendor, operation?) {
        (Vendor::Aliyun, op::ALIYUN_IMDS_TOKEN) => aliyun::imds_token(ctx, req),
        (Vendor::Aliyun, op::ALIYUN_IMDS_ROLES) => aliyun::imds_roles(ctx, req),
        (Vendor::Aliyun, op::ALIYUN_IMDS_CREDENTIALS) => aliyun::imds_credentials(ctx, req),
        (Vendor::Aliyun, op::ALIYUN_CREDENTIALS_URI) => aliyun::credentials_uri(ctx, req),
        (Vendor::Aliyun, op::ASSUME_ROLE) => aliyun::assume_role(ctx, params),
        (Vendor::Aliyun, op::ASSUME_ROLE_WITH_OIDC) => aliyun::assume_role_with_oidc(ctx, params),
        (Vendor::Huawei, op::HUAWEI_METADATA_TOKEN) => huawei::metadata_token(ctx, req),
        (Vendor::Huawei, op::HUAWEI_SECURITY_KEY) => huawei::security_key(ctx, req),
        (Vendor::Huawei, op::HUAWEI_ID_TOKEN) => huawei::id_token(ctx, req),
        (Vendor::Huawei, op::HUAWEI_SECURITY_TOKENS) => huawei::security_tokens(ctx, req),
        (Vendor::Huawei, op::HUAWEI_ASSUME_AGENCY_WITH_OIDC) => huawei::assume_with_oidc(ctx, req),
        _ => return None,
    };
    Some(reply)
}

/// `405` for a credential path called with another method.
fn method_not_allowed(allowed: &str) -> Reply {
    Reply::new(405)
        .with_header("Allow", allowed)
        .with_header("Content-Type", "text/plain; charset=utf-8")
        .with_body(format!("405 Method Not Allowed (use {allowed})\n"))
}

/// The request's header `name` parsed as a token TTL in seconds (1 to 21600).
fn token_ttl(req: &Request, name: &str) -> Option<i64> {
    req.header(name)?
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (1..=21_600).contains(s))
}

/// The outcome of checking a metadata request's session token.
enum TokenCheck {
    Ok,
    Missing,
    Invalid,
}

fn check_metadata_token(ctx: &Ctx<'_>, vendor: Vendor, sent: Option<&str>) -> TokenCheck {
    match sent {
        Some(t) if ctx.store().metadata_token_valid(vendor, t, ctx.now()) => TokenCheck::Ok,
        Some(_) => TokenCheck::Invalid,
        None if ctx.services.config.imds_tokens == ImdsTokens::Required => TokenCheck::Missing,
        None => TokenCheck::Ok,
    }
}
