//! Alibaba Cloud: ECS instance metadata (IMDS) RAM-role credentials, STS `AssumeRole` and
//! `AssumeRoleWithOIDC`, and a credentials URI.

use time::OffsetDateTime;

use super::store::{TokenKind, aliyun_time};
use super::{
    ALIYUN_ROLES_PATH, Ctx, ImdsTokens, TokenCheck, check_metadata_token, method_not_allowed,
    token_ttl,
};
use crate::faults::Vendor;
use crate::http::Request;
use crate::reply::Reply;
use crate::service::aliyun_error;

/// The IMDS token TTL request header.
const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
/// The IMDS token header.
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// The page the metadata server answers an unknown path with.
fn imds_status(status: u16, title: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>{status} - {title}</title>\n </head>\n <body>\n  <h1>{status} - {title}</h1>\n </body>\n</html>\n"
    );
    Reply::new(status)
        .with_header("Content-Type", "text/html")
        .with_body(body)
}

/// `PUT /latest/api/token`: an IMDSv2 session token, valid for the TTL header's seconds.
pub(super) fn imds_token(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "PUT" {
        return method_not_allowed("PUT");
    }
    if ctx.services.config.imds_tokens == ImdsTokens::Disabled {
        return imds_status(403, "Forbidden");
    }
    let Some(ttl) = token_ttl(req, TTL_HEADER) else {
        return imds_status(400, "Bad Request");
    };
    let expires = ctx.now() + time::Duration::seconds(ttl);
    let token = ctx
        .store()
        .issue_token(TokenKind::Metadata(Vendor::Aliyun), expires);
    Reply::new(200)
        .with_header("Content-Type", "text/plain")
        .with_body(token)
}

/// The token check every IMDS `GET` passes first: `None` when it may go on.
fn imds_guard(ctx: &Ctx<'_>, req: &Request) -> Option<Reply> {
    if req.method != "GET" {
        return Some(method_not_allowed("GET"));
    }
    match check_metadata_token(ctx, Vendor::Aliyun, req.header(TOKEN_HEADER)) {
        TokenCheck::Ok => None,
        TokenCheck::Missing | TokenCheck::Invalid => Some(imds_status(401, "Unauthorized")),
    }
}

/// `GET /latest/meta-data/ram/security-credentials/`: the instance's role name.
pub(super) fn imds_roles(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if let Some(refused) = imds_guard(ctx, req) {
        return refused;
    }
    let roles = &ctx.services.config.roles;
    if roles.is_empty() {
        return imds_status(404, "Not Found");
    }
    Reply::new(200)
        .with_header("Content-Type", "text/plain")
        .with_body(roles.join("\n"))
}

/// The configured role named `name` (case-insensitive), as configured.
fn role<'c>(ctx: &'c Ctx<'_>, name: &str) -> Option<&'c str> {
    ctx.services
        .config
        .roles
        .iter()
        .find(|r| r.eq_ignore_ascii_case(name))
        .map(String::as_str)
}

/// A new temporary key valid for the configured lifetime, as the IMDS / URI JSON.
fn instance_credentials(ctx: &Ctx<'_>) -> Reply {
    let now = ctx.now();
    let key = ctx.store().issue(
        Vendor::Aliyun,
        now + time::Duration::seconds(ctx.ttl_secs()),
    );
    let body = serde_json::json!({
        "AccessKeyId": key.access_key_id,
        "AccessKeySecret": key.secret,
        "Expiration": aliyun_time(key.expires),
        "SecurityToken": key.token,
        "LastUpdated": aliyun_time(now),
        "Code": "Success",
    });
    Reply::new(200)
        .with_header("Content-Type", "text/plain")
        .with_body(body.to_string())
}

/// `GET /latest/meta-data/ram/security-credentials/<role>`: temporary keys for the role.
pub(super) fn imds_credentials(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if let Some(refused) = imds_guard(ctx, req) {
        return refused;
    }
    let name = req
        .path
        .strip_prefix(ALIYUN_ROLES_PATH)
        .unwrap_or_default()
        .trim_matches('/');
    let name = cloudsdk_core::sign::encode::percent_decode(name)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| name.to_owned());
    if role(ctx, &name).is_none() {
        return imds_status(404, "Not Found");
    }
    instance_credentials(ctx)
}

/// `GET /aliyun/credentials-uri` (any query): the credentials URI answer.
pub(super) fn credentials_uri(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "GET" {
        return method_not_allowed("GET");
    }
    instance_credentials(ctx)
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// An STS error (the POP JSON shape).
fn sts_error(ctx: &Ctx<'_>, status: u16, code: &str, message: &str) -> Reply {
    aliyun_error(status, code, message, ctx.request_id, ctx.host, false)
}

fn missing(ctx: &Ctx<'_>, name: &str) -> Reply {
    sts_error(
        ctx,
        400,
        "MissingParameter",
        &format!(
            "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
        ),
    )
}

/// What an assume-role request asks for, validated.
struct Assume<'p> {
    account: &'p str,
    role: String,
    session: &'p str,
    duration: i64,
}

/// Validates `RoleArn` (a configured role), `RoleSessionName` and `DurationSeconds`.
fn assume_params<'p>(ctx: &Ctx<'_>, params: &'p [(String, String)]) -> Result<Assume<'p>, Reply> {
    let arn = param(params, "RoleArn").ok_or_else(|| missing(ctx, "RoleArn"))?;
    let session =
        param(params, "RoleSessionName").ok_or_else(|| missing(ctx, "RoleSessionName"))?;
    let valid_session = (2..=64).contains(&session.len())
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".@_-".contains(&b));
    if !valid_session {
        return Err(sts_error(
            ctx,
            400,
            "InvalidParameter.RoleSessionName",
            "The parameter RoleSessionName is wrongly formed.",
        ));
    }
    let duration = match param(params, "DurationSeconds") {
        None => 3600,
        Some(d) => d.parse::<i64>().ok().filter(|d| *d >= 900).ok_or_else(|| {
            sts_error(
                ctx,
                400,
                "InvalidParameter.DurationSeconds",
                "The Min/Max value of DurationSeconds is 15min/1hr.",
            )
        })?,
    };
    let parsed = arn
        .strip_prefix("acs:ram::")
        .and_then(|rest| rest.split_once(":role/"))
        .filter(|(account, role)| !account.is_empty() && !role.is_empty());
    let Some((account, role_name)) = parsed else {
        return Err(sts_error(
            ctx,
            400,
            "InvalidParameter.RoleArn",
            "The parameter RoleArn is wrongly formed.",
        ));
    };
    let Some(role) = role(ctx, role_name) else {
        return Err(sts_error(
            ctx,
            404,
            "EntityNotExist.Role",
            &format!("The role not exists: {arn}."),
        ));
    };
    Ok(Assume {
        account,
        role: role.to_owned(),
        session,
        duration,
    })
}

/// The success answer of `AssumeRole` / `AssumeRoleWithOIDC`: a new temporary key.
fn assumed(ctx: &Ctx<'_>, a: &Assume<'_>, extra: Option<(&str, serde_json::Value)>) -> Reply {
    let now: OffsetDateTime = ctx.now();
    let secs = a.duration.min(ctx.ttl_secs());
    let key = ctx
        .store()
        .issue(Vendor::Aliyun, now + time::Duration::seconds(secs));
    let role_id = format!("3{}", &uuid::Uuid::new_v4().simple().to_string()[..17]);
    let mut body = serde_json::json!({
        "RequestId": ctx.request_id,
        "AssumedRoleUser": {
            "Arn": format!("acs:ram::{}:role/{}/{}", a.account, a.role.to_ascii_lowercase(), a.session),
            "AssumedRoleId": format!("{role_id}:{}", a.session),
        },
        "Credentials": {
            "AccessKeyId": key.access_key_id,
            "AccessKeySecret": key.secret,
            "SecurityToken": key.token,
            "Expiration": aliyun_time(key.expires),
        },
    });
    if let (Some((name, value)), Some(map)) = (extra, body.as_object_mut()) {
        map.insert(name.to_owned(), value);
    }
    Reply::new(200)
        .with_header("Content-Type", "application/json;charset=utf-8")
        .with_body(body.to_string())
}

/// STS `AssumeRole` (the signature was verified before, with the source key).
pub(super) fn assume_role(ctx: &Ctx<'_>, params: &[(String, String)]) -> Reply {
    match assume_params(ctx, params) {
        Ok(a) => assumed(ctx, &a, None),
        Err(reply) => reply,
    }
}

/// STS `AssumeRoleWithOIDC` (unsigned): the OIDC token must be the configured one.
pub(super) fn assume_role_with_oidc(ctx: &Ctx<'_>, params: &[(String, String)]) -> Reply {
    let Some(provider) = param(params, "OIDCProviderArn") else {
        return missing(ctx, "OIDCProviderArn");
    };
    let Some(token) = param(params, "OIDCToken") else {
        return missing(ctx, "OIDCToken");
    };
    let a = match assume_params(ctx, params) {
        Ok(a) => a,
        Err(reply) => return reply,
    };
    if !provider.starts_with("acs:ram::") || !provider.contains(":oidc-provider/") {
        return sts_error(
            ctx,
            400,
            "InvalidParameter.OIDCProviderArn",
            "The parameter OIDCProviderArn is wrongly formed.",
        );
    }
    if token != ctx.services.config.oidc_token {
        return sts_error(
            ctx,
            400,
            "AuthenticationFail.OIDCToken.Invalid",
            "The OIDC token is invalid.",
        );
    }
    let info = serde_json::json!({
        "Subject": "system:serviceaccount:default:emulator",
        "Issuer": "https://oidc.emulator.invalid",
        "ClientIds": "sts.aliyuncs.com",
    });
    assumed(ctx, &a, Some(("OIDCTokenInfo", info)))
}
