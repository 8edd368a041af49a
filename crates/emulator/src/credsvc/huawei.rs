//! Huawei Cloud: ECS instance metadata (`securitykey`, the agency's temporary keys) and the IAM
//! federation calls (ID token → unscoped IAM token → temporary AK/SK with a security token).

use super::store::{TokenKind, huawei_time};
use super::{Ctx, ImdsTokens, TokenCheck, check_metadata_token, method_not_allowed, token_ttl};
use crate::faults::Vendor;
use crate::http::Request;
use crate::reply::Reply;

/// The metadata token TTL request header.
const TTL_HEADER: &str = "x-metadata-token-ttl-seconds";
/// The metadata token header.
const TOKEN_HEADER: &str = "x-metadata-token";
/// What the metadata service says when the instance has no agency.
pub(crate) const NO_AGENCY: &str = "Please configure Cloud Service Agency first";
/// The longest an IAM token lives (24 hours).
const IAM_TOKEN_SECS: i64 = 24 * 3600;

fn metadata_error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        serde_json::json!({"error": {"code": status, "message": message}}).to_string(),
    )
}

/// `PUT /meta-data/latest/api/token`: a metadata session token.
pub(super) fn metadata_token(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "PUT" {
        return method_not_allowed("PUT");
    }
    if ctx.services.config.imds_tokens == ImdsTokens::Disabled {
        return metadata_error(404, "Not Found");
    }
    let Some(ttl) = token_ttl(req, TTL_HEADER) else {
        return metadata_error(400, "X-Metadata-Token-Ttl-Seconds must be 1 to 21600");
    };
    let expires = ctx.now() + time::Duration::seconds(ttl);
    let token = ctx
        .store()
        .issue_token(TokenKind::Metadata(Vendor::Huawei), expires);
    Reply::new(200)
        .with_header("Content-Type", "text/plain")
        .with_body(token)
}

/// `{"credential": {"access", "secret", "securitytoken", "expires_at"}}` for a new key valid
/// `secs` seconds.
fn credential(ctx: &Ctx<'_>, status: u16, secs: i64) -> Reply {
    let key = ctx.store().issue(
        Vendor::Huawei,
        ctx.now() + time::Duration::seconds(secs.min(ctx.ttl_secs())),
    );
    let body = serde_json::json!({"credential": {
        "access": key.access_key_id,
        "secret": key.secret,
        "securitytoken": key.token,
        "expires_at": huawei_time(key.expires),
    }});
    Reply::json(status, body.to_string())
}

/// `GET /openstack/latest/securitykey`: the instance agency's temporary keys.
pub(super) fn security_key(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "GET" {
        return method_not_allowed("GET");
    }
    match check_metadata_token(ctx, Vendor::Huawei, req.header(TOKEN_HEADER)) {
        TokenCheck::Ok => {}
        TokenCheck::Missing => return metadata_error(401, "metadata token required"),
        TokenCheck::Invalid => return metadata_error(401, "invalid or expired metadata token"),
    }
    if ctx.services.config.roles.is_empty() {
        return metadata_error(401, NO_AGENCY);
    }
    credential(ctx, 200, ctx.ttl_secs())
}

/// An IAM (Keystone-style) error, with the trace id header.
fn iam_error(ctx: &Ctx<'_>, status: u16, title: &str, message: &str) -> Reply {
    Reply::json(
        status,
        serde_json::json!({"error": {"code": status, "message": message, "title": title}})
            .to_string(),
    )
    .with_header("X-IAM-Trace-Id", ctx.request_id)
}

fn json_body(req: &Request) -> Option<serde_json::Value> {
    serde_json::from_slice(&req.body).ok()
}

/// `POST /v3.0/OS-AUTH/id-token/tokens`: an unscoped IAM token (`X-Subject-Token`) for an
/// OIDC ID token from the identity provider `X-Idp-Id`.
pub(super) fn id_token(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "POST" {
        return method_not_allowed("POST");
    }
    let config = &ctx.services.config;
    if req.header("x-idp-id") != Some(config.idp_id.as_str()) {
        return iam_error(
            ctx,
            404,
            "Not Found",
            "The identity provider does not exist.",
        );
    }
    let body = json_body(req);
    let sent = body
        .as_ref()
        .and_then(|b| b.pointer("/auth/id_token/id"))
        .and_then(serde_json::Value::as_str);
    let Some(sent) = sent else {
        return iam_error(ctx, 400, "Bad Request", "auth.id_token.id is required.");
    };
    if sent != config.oidc_token {
        return iam_error(ctx, 401, "Unauthorized", "The ID token is invalid.");
    }
    let now = ctx.now();
    let expires = now + time::Duration::seconds(ctx.ttl_secs().min(IAM_TOKEN_SECS));
    let token = ctx.store().issue_token(TokenKind::HuaweiSubject, expires);
    let body = serde_json::json!({"token": {
        "expires_at": huawei_time(expires),
        "methods": ["mapped"],
        "issued_at": huawei_time(now),
        "user": {
            "domain": {"id": "d78cbac186b744899480f25bd022f468", "name": "emulator-domain"},
            "id": "emulatorfederateduser0000000001",
            "name": "FederationUser",
            "OS-FEDERATION": {
                "identity_provider": {"id": config.idp_id},
                "protocol": {"id": "oidc"},
                "groups": [],
            },
        },
    }});
    Reply::json(201, body.to_string())
        .with_header("X-Subject-Token", token)
        .with_header("X-IAM-Trace-Id", ctx.request_id)
}

/// `POST /v3.0/OS-CREDENTIAL/securitytokens`: a temporary AK/SK with a security token, for an
/// IAM token (in the body, or in `X-Auth-Token`).
pub(super) fn security_tokens(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "POST" {
        return method_not_allowed("POST");
    }
    let Some(body) = json_body(req) else {
        return iam_error(ctx, 400, "Bad Request", "The request body is not JSON.");
    };
    let identity = body.pointer("/auth/identity");
    let methods = identity.and_then(|i| i.get("methods"));
    if methods != Some(&serde_json::json!(["token"])) {
        return iam_error(
            ctx,
            400,
            "Bad Request",
            "auth.identity.methods must be [\"token\"].",
        );
    }
    let token = identity
        .and_then(|i| i.pointer("/token/id"))
        .and_then(serde_json::Value::as_str)
        .or_else(|| req.header("x-auth-token"));
    let valid = token.is_some_and(|t| {
        ctx.store()
            .token_valid(TokenKind::HuaweiSubject, t, ctx.now())
    });
    if !valid {
        return iam_error(
            ctx,
            401,
            "Unauthorized",
            "The token is invalid or has expired.",
        );
    }
    let duration = match identity.and_then(|i| i.pointer("/token/duration_seconds")) {
        None => 900,
        Some(d) => match d.as_i64().filter(|d| (900..=86_400).contains(d)) {
            Some(d) => d,
            None => {
                return iam_error(
                    ctx,
                    400,
                    "Bad Request",
                    "duration_seconds must be 900 to 86400.",
                );
            }
        },
    };
    credential(ctx, 201, duration).with_header("X-IAM-Trace-Id", ctx.request_id)
}

/// An STS v5 error `{"error_code", "error_msg"}`.
fn sts_error(ctx: &Ctx<'_>, status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        serde_json::json!({"error_code": code, "error_msg": message, "request_id": ctx.request_id})
            .to_string(),
    )
}

/// `POST /v5/agencies/assume-with-oidc` (STS v5, unsigned): temporary keys for an agency, for
/// the configured OIDC ID token. The agency (the last part of `agency_urn`
/// `iam::<account>:agency:<name>`) must be a configured role name.
pub(super) fn assume_with_oidc(ctx: &Ctx<'_>, req: &Request) -> Reply {
    if req.method != "POST" {
        return method_not_allowed("POST");
    }
    let body = json_body(req).unwrap_or_default();
    let field = |name: &str| body.get(name).and_then(serde_json::Value::as_str);
    let required = [
        "provider_urn",
        "agency_urn",
        "agency_session_name",
        "id_token",
    ];
    if let Some(name) = required.iter().find(|n| field(n).is_none_or(str::is_empty)) {
        return sts_error(ctx, 400, "STS.0001", &format!("{name} is required."));
    }
    let duration = match body.get("duration_seconds") {
        None => 3600,
        Some(d) => match d.as_i64().filter(|d| (900..=43_200).contains(d)) {
            Some(d) => d,
            None => {
                return sts_error(
                    ctx,
                    400,
                    "STS.0001",
                    "duration_seconds must be 900 to 43200.",
                );
            }
        },
    };
    let agency_urn = field("agency_urn").unwrap_or_default();
    let agency = agency_urn.rsplit(":agency:").next().unwrap_or_default();
    let known = agency_urn.contains(":agency:")
        && ctx
            .services
            .config
            .roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(agency));
    if !known {
        return sts_error(
            ctx,
            404,
            "STS.0004",
            &format!("The agency {agency_urn} does not exist."),
        );
    }
    if field("id_token") != Some(ctx.services.config.oidc_token.as_str()) {
        return sts_error(ctx, 401, "STS.0002", "The ID token is invalid.");
    }
    let key = ctx.store().issue(
        Vendor::Huawei,
        ctx.now() + time::Duration::seconds(duration.min(ctx.ttl_secs())),
    );
    let session = field("agency_session_name").unwrap_or_default();
    let account = agency_urn.split(':').nth(2).unwrap_or_default();
    let body = serde_json::json!({
        "credentials": {
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret,
            "security_token": key.token,
            "expiration": huawei_time(key.expires),
        },
        "assumed_agency": {
            "agency_urn": agency_urn,
            "agency_session_urn": format!("sts::{account}:assumed-agency:{agency}/{session}"),
        },
        "source_identity": null,
        "audience": "emulator",
        "provider": field("provider_urn"),
        "subject_from_id_token": "system:serviceaccount:default:emulator",
    });
    Reply::json(200, body.to_string())
}
