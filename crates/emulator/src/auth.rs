//! Request authentication, the way each vendor's gateway does it, with the core's signers.
//!
//! The checks are listed in the crate docs ("Authentication").

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use cloudsdk_core::sign::{ParsedAuthorization, aliyun_v2, aliyun_v3, huawei, sha256_hex};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::Clock;
use crate::http::{Request, parse_pairs};

/// The credentials the emulator accepts: one access key, optionally temporary (with a security
/// token). `Debug` redacts the secret and the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    /// The access key id.
    pub access_key_id: String,
    /// The secret the emulator verifies signatures with.
    pub secret: String,
    /// The security token that must accompany the key (temporary/STS credentials), if any.
    /// When set, requests without it (or with another one) are rejected; when unset, requests
    /// carrying a token are rejected.
    pub security_token: Option<String>,
}

impl Keys {
    /// A permanent access key.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// Makes the key temporary: requests must carry (and sign) `token`.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The signature scheme a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scheme {
    /// Huawei `SDK-HMAC-SHA256` (`Authorization` header).
    HuaweiSdkHmacSha256,
    /// Alibaba `ACS3-HMAC-SHA256` (`Authorization` header).
    AliyunV3,
    /// Alibaba RPC `HMAC-SHA1`, `SignatureVersion=1.0` (`Signature` parameter).
    AliyunV2,
    /// No signature: a credential-service call that needs none (instance metadata, a
    /// credentials URI, `AssumeRoleWithOIDC`, the Huawei IAM ID-token exchange).
    Unsigned,
}

/// The outcome of authenticating one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The signature verified; the request was answered (by the emulated service, a scripted
    /// handler or a fault).
    Accepted {
        /// The scheme it was signed with.
        scheme: Scheme,
        /// The signed header names (lower-case, as listed in `SignedHeaders`); empty for V2,
        /// which signs parameters, not headers.
        signed_headers: Vec<String>,
    },
    /// The request was refused with a vendor error before reaching the service.
    Rejected {
        /// The scheme the request claimed, if it got that far.
        scheme: Option<Scheme>,
        /// HTTP status of the refusal.
        status: u16,
        /// Vendor error code (`APIGW.0301`, `SignatureDoesNotMatch`, …).
        code: &'static str,
        /// Why, in detail (for test failure messages; may include the server's canonical
        /// request or string to sign).
        reason: String,
    },
}

impl Verdict {
    /// Whether the request was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }

    /// The scheme, when known.
    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Verdict::Accepted { scheme, .. } => Some(*scheme),
            Verdict::Rejected { scheme, .. } => *scheme,
        }
    }

    /// The error code of a rejection.
    pub fn rejection_code(&self) -> Option<&'static str> {
        match self {
            Verdict::Accepted { .. } => None,
            Verdict::Rejected { code, .. } => Some(code),
        }
    }

    /// The signed header names of an accepted request (empty otherwise).
    pub fn signed_headers(&self) -> &[String] {
        match self {
            Verdict::Accepted { signed_headers, .. } => signed_headers,
            Verdict::Rejected { .. } => &[],
        }
    }
}

/// What the verifiers need from the emulator.
pub(crate) struct AuthContext<'a> {
    pub keys: &'a Keys,
    pub clock: &'a Clock,
    pub max_clock_skew: Duration,
    pub nonces: &'a Mutex<Nonces>,
    /// The emulator's `host:port`, used when a request has no `Host` header.
    pub host: &'a str,
}

impl AuthContext<'_> {
    fn within_skew(&self, t: OffsetDateTime) -> bool {
        let now = self.clock.now().unix_timestamp();
        (now - t.unix_timestamp()).unsigned_abs() <= self.max_clock_skew.as_secs()
    }

    /// Records `nonce`; false when it was used within the replay window.
    fn fresh_nonce(&self, nonce: &str) -> bool {
        let ttl =
            i64::try_from(self.max_clock_skew.as_secs().saturating_mul(2)).unwrap_or(i64::MAX);
        self.nonces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(nonce, self.clock.now().unix_timestamp(), ttl)
    }
}

/// How many signature nonces [`Nonces`] holds at most.
pub(crate) const NONCE_CAPACITY: usize = 100_000;

/// The signature nonces seen within the replay window, oldest first, at most `capacity` of
/// them (the oldest is forgotten first), each as its SHA-256 (a nonce may be long).
///
/// A nonce is kept for twice the clock-skew limit from when it was first seen: a request
/// accepted at time `t` was signed no later than `t + skew`, so from `t + 2 × skew` on the
/// timestamp check refuses a replay of it anyway.
#[derive(Debug)]
pub(crate) struct Nonces {
    order: VecDeque<(i64, String)>,
    seen: HashSet<String>,
    capacity: usize,
}

impl Nonces {
    pub fn new(capacity: usize) -> Self {
        Self {
            order: VecDeque::new(),
            seen: HashSet::new(),
            capacity,
        }
    }

    /// Records `nonce` at `now` (Unix seconds) for `ttl` seconds, forgetting the expired ones
    /// first; false when it is still remembered.
    pub fn insert(&mut self, nonce: &str, now: i64, ttl: i64) -> bool {
        while self
            .order
            .front()
            .is_some_and(|(expires, _)| *expires <= now)
        {
            self.pop_oldest();
        }
        let key = sha256_hex(nonce.as_bytes());
        if self.seen.contains(&key) {
            return false;
        }
        while self.order.len() >= self.capacity.max(1) {
            self.pop_oldest();
        }
        self.seen.insert(key.clone());
        self.order.push_back((now.saturating_add(ttl), key));
        true
    }

    fn pop_oldest(&mut self) {
        if let Some((_, key)) = self.order.pop_front() {
            self.seen.remove(&key);
        }
    }

    /// How many nonces are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.order.len()
    }
}

pub(crate) struct Reject {
    pub status: u16,
    pub code: &'static str,
    pub reason: String,
}

pub(crate) fn reject(status: u16, code: &'static str, reason: impl Into<String>) -> Reject {
    Reject {
        status,
        code,
        reason: reason.into(),
    }
}

fn verdict(scheme: Option<Scheme>, result: Result<Vec<String>, Reject>) -> Verdict {
    match (scheme, result) {
        (Some(scheme), Ok(signed_headers)) => Verdict::Accepted {
            scheme,
            signed_headers,
        },
        (scheme, Err(r)) => Verdict::Rejected {
            scheme,
            status: r.status,
            code: r.code,
            reason: r.reason,
        },
        (None, Ok(_)) => Verdict::Rejected {
            scheme: None,
            status: 500,
            code: "InternalError",
            reason: "no scheme".into(),
        },
    }
}

/// The part of a rejection reason that goes on the wire: everything before a `\n---\n`
/// separator (after it: server-side detail kept for the recording only).
pub(crate) fn public_reason(reason: &str) -> &str {
    reason.split("\n---\n").next().unwrap_or(reason)
}

/// Authenticates a Huawei request.
pub(crate) fn verify_huawei(ctx: &AuthContext<'_>, req: &Request) -> Verdict {
    verdict(Some(Scheme::HuaweiSdkHmacSha256), check_huawei(ctx, req))
}

/// The Huawei gateway's error code for every authentication failure.
const HUAWEI_CODE: &str = "APIGW.0301";

/// The Huawei checks in order: the `Authorization` header and key, the signed date, the
/// signature, the security token. Returns the signed header names.
fn check_huawei(ctx: &AuthContext<'_>, req: &Request) -> Result<Vec<String>, Reject> {
    let parsed = huawei_authorization(ctx, req)?;
    let names = parsed.signed_header_names();
    check_huawei_date(ctx, req, &names)?;
    check_huawei_signature(ctx, req, &parsed, &names)?;
    check_huawei_token(ctx, req, &names)?;
    Ok(parsed.signed_headers)
}

/// The parsed `Authorization` header, when it names the supported algorithm and the known key.
fn huawei_authorization(
    ctx: &AuthContext<'_>,
    req: &Request,
) -> Result<ParsedAuthorization, Reject> {
    let auth = req
        .header("authorization")
        .ok_or_else(|| reject(401, HUAWEI_CODE, "Authorization header not found"))?;
    let parsed = huawei::parse_authorization(auth)
        .map_err(|e| reject(401, HUAWEI_CODE, format!("cannot parse Authorization: {e}")))?;
    if parsed.algorithm != huawei::ALGORITHM {
        return Err(reject(
            401,
            HUAWEI_CODE,
            format!("unsupported algorithm {}", parsed.algorithm),
        ));
    }
    if parsed.access_key_id != ctx.keys.access_key_id {
        return Err(reject(
            401,
            HUAWEI_CODE,
            format!(
                "Get secretKey failed, ak:{} ak not exist",
                parsed.access_key_id
            ),
        ));
    }
    Ok(parsed)
}

/// `X-Sdk-Date` is signed, well formed and within the clock-skew limit.
fn check_huawei_date(ctx: &AuthContext<'_>, req: &Request, names: &[&str]) -> Result<(), Reject> {
    // Only the date must be signed: the official Go SDK signs neither `Host` nor
    // `Content-Type`, and the gateway accepts it.
    if !names.iter().any(|n| n.eq_ignore_ascii_case("x-sdk-date")) {
        return Err(reject(401, HUAWEI_CODE, "x-sdk-date is not signed"));
    }
    let date = req.header(huawei::HEADER_SDK_DATE).unwrap_or_default();
    let t = huawei::parse_sdk_date(date)
        .map_err(|e| reject(401, HUAWEI_CODE, format!("bad X-Sdk-Date: {e}")))?;
    if !ctx.within_skew(t) {
        return Err(reject(
            401,
            HUAWEI_CODE,
            format!(
                "calc aksk signature fail:signature expired, signature time:{date}, server time:{}",
                huawei::format_sdk_date(ctx.clock.now())
            ),
        ));
    }
    Ok(())
}

/// The signature recomputed over the received request and the header names it lists matches.
fn check_huawei_signature(
    ctx: &AuthContext<'_>,
    req: &Request,
    parsed: &ParsedAuthorization,
    names: &[&str],
) -> Result<(), Reject> {
    let headers = signed_inputs(&req.headers);
    let query = parse_pairs(&req.raw_query);
    let query = str_pairs(&query);
    let input = huawei::SigningInput {
        method: &req.method,
        host: req.header("host").unwrap_or(ctx.host),
        path: &req.path,
        query: &query,
        headers: &headers,
        body: &req.body,
    };
    let expected =
        huawei::sign_with_signed_headers(&input, names, &ctx.keys.access_key_id, &ctx.keys.secret)
            .map_err(|e| {
                reject(
                    401,
                    HUAWEI_CODE,
                    format!("cannot recompute the signature: {e}"),
                )
            })?;
    if expected.signature != parsed.signature {
        return Err(reject(
            401,
            HUAWEI_CODE,
            format!(
                "verify aksk signature fail\n---\nserver canonical request:\n{}",
                expected.canonical_request
            ),
        ));
    }
    Ok(())
}

/// A temporary key needs its (signed) `X-Security-Token`; a permanent key must not send one.
fn check_huawei_token(ctx: &AuthContext<'_>, req: &Request, names: &[&str]) -> Result<(), Reject> {
    let token = req.header("x-security-token");
    match (&ctx.keys.security_token, token) {
        (Some(want), Some(got)) if want == got => {
            if !names
                .iter()
                .any(|n| n.eq_ignore_ascii_case("x-security-token"))
            {
                return Err(reject(401, HUAWEI_CODE, "x-security-token is not signed"));
            }
            Ok(())
        }
        (Some(_), Some(_)) => Err(reject(401, HUAWEI_CODE, "invalid security token")),
        (Some(_), None) => Err(reject(
            401,
            HUAWEI_CODE,
            "temporary access key without X-Security-Token",
        )),
        (None, Some(_)) => Err(reject(
            401,
            HUAWEI_CODE,
            "X-Security-Token sent with a permanent access key",
        )),
        (None, None) => Ok(()),
    }
}

fn is_form(req: &Request) -> bool {
    req.header("content-type")
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Whether the body of a request can change its verdict: it is signed (an `Authorization`
/// header: the Huawei and Alibaba V3 signatures cover the body's hash) or it is a form (which
/// can carry the V2 signature parameters). Otherwise only the head counts.
pub(crate) fn body_can_matter(req: &Request) -> bool {
    req.header("authorization").is_some() || is_form(req)
}

/// RPC parameters: the query, plus a form-encoded body.
pub(crate) fn aliyun_params(req: &Request) -> Vec<(String, String)> {
    let mut params = parse_pairs(&req.raw_query);
    if is_form(req)
        && let Ok(body) = std::str::from_utf8(&req.body)
    {
        params.extend(parse_pairs(body));
    }
    params
}

/// Authenticates an Alibaba RPC request (V3 when it has an `Authorization` header, else V2).
pub(crate) fn verify_aliyun(
    ctx: &AuthContext<'_>,
    req: &Request,
    params: &[(String, String)],
) -> Verdict {
    if req.header("authorization").is_some() {
        verdict(Some(Scheme::AliyunV3), verify_aliyun_v3(ctx, req))
    } else if params.iter().any(|(k, _)| k == aliyun_v2::SIGNATURE_PARAM) {
        verdict(Some(Scheme::AliyunV2), verify_aliyun_v2(ctx, req, params))
    } else {
        verdict(
            None,
            Err(reject(
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.\n---\nno Authorization header and no Signature parameter",
            )),
        )
    }
}

fn check_token(ctx: &AuthContext<'_>, sent: Option<&str>) -> Result<(), Reject> {
    const CODE: &str = "InvalidSecurityToken.MismatchWithAccessKey";
    match (&ctx.keys.security_token, sent) {
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), Some(_)) => Err(reject(
            400,
            CODE,
            "The security token does not match the access key.",
        )),
        (Some(_), None) => Err(reject(
            400,
            CODE,
            "The access key is temporary and needs a security token.",
        )),
        (None, Some(_)) => Err(reject(
            400,
            CODE,
            "A security token was sent with a permanent access key.",
        )),
        (None, None) => Ok(()),
    }
}

fn check_time(ctx: &AuthContext<'_>, timestamp: &str) -> Result<(), Reject> {
    let t = OffsetDateTime::parse(timestamp, &Rfc3339).map_err(|_| {
        reject(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    })?;
    if !ctx.within_skew(t) {
        return Err(reject(
            400,
            "InvalidTimeStamp.Expired",
            format!(
                "Specified time stamp or date value is expired.\n---\nrequest time {timestamp}, server time {}",
                aliyun_v3::format_timestamp(ctx.clock.now())
            ),
        ));
    }
    Ok(())
}

fn check_nonce(ctx: &AuthContext<'_>, nonce: &str) -> Result<(), Reject> {
    if nonce.is_empty() {
        return Err(reject(
            400,
            "MissingSignatureNonce",
            "SignatureNonce is mandatory for this action.",
        ));
    }
    if !ctx.fresh_nonce(nonce) {
        return Err(reject(
            400,
            "SignatureNonceUsed",
            "The request signature nonce has been used.",
        ));
    }
    Ok(())
}

/// The Alibaba V3 checks in order: the `Authorization` header and key, the required and signed
/// headers, the body hash and signature, then the token, the time and the nonce. Returns the
/// signed header names.
fn verify_aliyun_v3(ctx: &AuthContext<'_>, req: &Request) -> Result<Vec<String>, Reject> {
    let auth = req.header("authorization").unwrap_or_default();
    let parsed = aliyun_v3::parse_authorization(auth).map_err(|e| {
        reject(
            400,
            V3_INCOMPLETE,
            format!("The request signature does not conform to Aliyun standards.\n---\n{e}"),
        )
    })?;
    if parsed.access_key_id != ctx.keys.access_key_id {
        return Err(reject(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let names = parsed.signed_header_names();
    check_v3_headers(req, &names)?;
    check_v3_signature(ctx, req, &parsed, &names)?;
    check_token(ctx, req.header("x-acs-security-token"))?;
    check_time(ctx, req.header("x-acs-date").unwrap_or_default())?;
    check_nonce(ctx, req.header("x-acs-signature-nonce").unwrap_or_default())?;
    Ok(parsed.signed_headers)
}

/// The Alibaba V3 error code for a malformed or incomplete signature.
const V3_INCOMPLETE: &str = "IncompleteSignature";

/// The V3 headers are all present, and every header V3 signs (but `content-type`) is signed.
fn check_v3_headers(req: &Request, names: &[&str]) -> Result<(), Reject> {
    let signed = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        aliyun_v3::HEADER_CONTENT_SHA256,
    ] {
        if req.header(required).is_none() {
            return Err(reject(
                400,
                V3_INCOMPLETE,
                format!(
                    "The request signature does not conform to Aliyun standards. The header {required} is missing."
                ),
            ));
        }
    }
    for (name, _) in &req.headers {
        if aliyun_v3::is_signed_header(name) && name != "content-type" && !signed(name) {
            return Err(reject(
                400,
                V3_INCOMPLETE,
                format!(
                    "The request signature does not conform to Aliyun standards. The header {name} is not signed."
                ),
            ));
        }
    }
    Ok(())
}

/// `x-acs-content-sha256` is the body's hash, and the signature recomputed over the received
/// request and the header names it lists matches.
fn check_v3_signature(
    ctx: &AuthContext<'_>,
    req: &Request,
    parsed: &ParsedAuthorization,
    names: &[&str],
) -> Result<(), Reject> {
    let content_sha = req
        .header(aliyun_v3::HEADER_CONTENT_SHA256)
        .unwrap_or_default();
    if content_sha != sha256_hex(&req.body) {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            "The x-acs-content-sha256 header does not match the body.",
        ));
    }
    let headers = signed_inputs(&req.headers);
    let query = parse_pairs(&req.raw_query);
    let query = str_pairs(&query);
    let expected = aliyun_v3::sign_with_signed_headers(
        &aliyun_v3::SigningInput {
            method: &req.method,
            path: &req.path,
            query: &query,
            headers: &headers,
            body: &req.body,
        },
        names,
        &ctx.keys.access_key_id,
        &ctx.keys.secret,
    );
    if expected.signature != parsed.signature {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            format!(
                "The request signature we calculated does not match the signature you provided. Check your key and signing method. server string to sign is:{}\n---\nserver canonical request:\n{}",
                expected.string_to_sign, expected.canonical_request
            ),
        ));
    }
    Ok(())
}

fn verify_aliyun_v2(
    ctx: &AuthContext<'_>,
    req: &Request,
    params: &[(String, String)],
) -> Result<Vec<String>, Reject> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    for required in [
        "Action",
        "Version",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
    ] {
        if get(required).is_none() {
            return Err(reject(
                400,
                "MissingParameter",
                format!(
                    "The input parameter \"{required}\" that is mandatory for processing this request is not supplied."
                ),
            ));
        }
    }
    if get("SignatureMethod") != Some(aliyun_v2::SIGNATURE_METHOD)
        || get("SignatureVersion") != Some(aliyun_v2::SIGNATURE_VERSION)
    {
        return Err(reject(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.\n---\nunsupported SignatureMethod or SignatureVersion",
        ));
    }
    if get("AccessKeyId") != Some(ctx.keys.access_key_id.as_str()) {
        return Err(reject(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let pairs = str_pairs(params);
    let expected = aliyun_v2::sign(&req.method, &pairs, &ctx.keys.secret);
    if get(aliyun_v2::SIGNATURE_PARAM) != Some(expected.signature.as_str()) {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{}",
                expected.string_to_sign
            ),
        ));
    }
    check_token(ctx, get("SecurityToken"))?;
    check_time(ctx, get("Timestamp").unwrap_or_default())?;
    check_nonce(ctx, get("SignatureNonce").unwrap_or_default())?;
    Ok(Vec::new())
}

/// Borrowed `(name, value)` pairs, as the core's signers take them.
fn str_pairs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The received headers a signature is recomputed over: all but `authorization`.
fn signed_inputs(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .filter(|(n, _)| n != "authorization")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod nonce_tests {
    use super::Nonces;

    #[test]
    fn a_nonce_is_refused_within_its_window_and_forgotten_after_it() {
        let mut n = Nonces::new(10);
        assert!(n.insert("a", 1000, 60));
        assert!(!n.insert("a", 1059, 60), "replay inside the window");
        assert!(n.insert("b", 1059, 60));
        assert!(n.insert("a", 1060, 60), "expired at 1000 + 60");
        assert_eq!(
            n.len(),
            2,
            "the first `a` was dropped; `b` and the new `a` stay"
        );
    }

    #[test]
    fn the_set_never_holds_more_than_its_capacity() {
        let mut n = Nonces::new(100);
        for i in 0..10_000 {
            assert!(n.insert(&format!("nonce-{i}"), 1000, 3600));
            assert!(n.len() <= 100);
        }
        assert_eq!(n.len(), 100);
        assert!(!n.insert("nonce-9999", 1000, 3600), "the newest are kept");
        assert!(n.insert("nonce-0", 1000, 3600), "the oldest went first");
    }
}
