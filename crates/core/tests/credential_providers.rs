//! Credential providers against loopback doubles, and the cache rules with a controllable clock.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use cloudsdk_core::Credentials;
use cloudsdk_core::credentials::{CredentialsCache, CredentialsError, ManualClock};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);
const FIFTEEN_MIN: Duration = Duration::from_secs(15 * 60);

fn sts(n: u32, expiry: OffsetDateTime) -> Credentials {
    Credentials::new(format!("STS.{n}"), "secret")
        .with_security_token("token")
        .with_expiry(expiry)
}

#[tokio::test(flavor = "current_thread")]
async fn cache_refreshes_fifteen_minutes_before_expiry() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    let n = AtomicU32::new(0);
    let fetch = || async {
        let i = n.fetch_add(1, Ordering::SeqCst);
        Ok(sts(i, clock.now() + time::Duration::HOUR))
    };
    assert_eq!(
        cache.get_or_refresh(fetch).await.unwrap().access_key_id(),
        "STS.0"
    );
    clock.advance(Duration::from_secs(44 * 60 + 59));
    assert_eq!(
        cache.get_or_refresh(fetch).await.unwrap().access_key_id(),
        "STS.0"
    );
    assert_eq!(cache.fetch_count(), 1);
    clock.advance(Duration::from_secs(1)); // exactly expiry - 15 min: stale
    assert_eq!(
        cache.get_or_refresh(fetch).await.unwrap().access_key_id(),
        "STS.1"
    );
    assert_eq!(cache.fetch_count(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn hundred_concurrent_stale_callers_cause_one_fetch() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    let fetches = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (cache, fetches) = (cache.clone(), fetches.clone());
        tasks.push(tokio::spawn(async move {
            cache
                .get_or_refresh(|| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    // Let every other task run and queue behind this fetch.
                    for _ in 0..10 {
                        tokio::task::yield_now().await;
                    }
                    Ok(sts(7, T0 + time::Duration::HOUR))
                })
                .await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().access_key_id(), "STS.7");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(cache.fetch_count(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn failed_refresh_keeps_serving_valid_credentials_then_fails_after_expiry() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    cache
        .get_or_refresh(|| async { Ok(sts(1, T0 + time::Duration::HOUR)) })
        .await
        .unwrap();
    let failing = || async { Err(CredentialsError::unavailable("sts", "connection refused")) };
    clock.advance(Duration::from_secs(50 * 60)); // stale, not expired
    let c = cache.get_or_refresh(failing).await.unwrap();
    assert_eq!(c.access_key_id(), "STS.1");
    assert_eq!(cache.fetch_count(), 2, "the refresh was attempted");
    clock.advance(Duration::from_secs(10 * 60)); // expired now
    let err = cache.get_or_refresh(failing).await.unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    // A later success replaces them.
    let c = cache
        .get_or_refresh(|| async { Ok(sts(2, T0 + time::Duration::HOUR * 3)) })
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "STS.2");
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_inside_the_refresh_window_are_used_and_fetched_again_next_call() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    let short = || async { Ok(sts(1, T0 + time::Duration::minutes(10))) };
    cache.get_or_refresh(short).await.unwrap();
    cache.get_or_refresh(short).await.unwrap();
    assert_eq!(cache.fetch_count(), 2);
    // Already-expired answers are refused unless a valid value is cached.
    clock.advance(Duration::from_secs(20 * 60));
    let err = cache.get_or_refresh(short).await.unwrap_err();
    assert!(err.to_string().contains("already expired"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Alibaba providers against in-memory doubles (loopback URLs, served by the replay client)
// ---------------------------------------------------------------------------------------------

use cloudsdk_core::credentials::{Env, ProvideCredentials, ProviderConfig, aliyun};
use common::{Captured, Reply, Server, decode};

fn config(vars: &[(&str, &str)]) -> ProviderConfig {
    ProviderConfig::new(Env::from_vars(vars.iter().copied()))
        .with_http_client(common::net())
        .with_metadata_http_client(common::net())
}

const FAR: &str = "2099-01-01T00:00:00Z";

fn imds_credentials(id: &str) -> String {
    format!(
        r#"{{"AccessKeyId":"{id}","AccessKeySecret":"imds-secret","SecurityToken":"imds-token","Expiration":"{FAR}","LastUpdated":"2024-01-01T00:00:00Z","Code":"Success"}}"#
    )
}

fn form_pairs(r: &Captured) -> Vec<(String, String)> {
    let body = String::from_utf8(r.body.clone()).unwrap();
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// IMDS double: `token` is `Some(t)` when v2 is served (GETs must then carry it).
async fn imds(token: Option<&'static str>, role: &'static str) -> Server {
    Server::handler(imds_handler(token, role)).await
}

fn imds_handler(
    token: Option<&'static str>,
    role: &'static str,
) -> impl Fn(usize, &Captured) -> Reply + Send + Sync + 'static {
    move |_, r| match (r.method.as_str(), r.path()) {
        ("PUT", "/latest/api/token") => match token {
            Some(t) if r.header("x-aliyun-ecs-metadata-token-ttl-seconds") == Some("21600") => {
                Reply::raw(200, "text/plain", t)
            }
            _ => Reply::raw(403, "text/plain", "forbidden"),
        },
        ("GET", path) => {
            if token.is_some() && r.header("x-aliyun-ecs-metadata-token") != token {
                return Reply::raw(401, "text/plain", "token required");
            }
            match path.strip_prefix("/latest/meta-data/ram/security-credentials/") {
                Some("") => Reply::raw(200, "text/plain", role),
                Some(r) if r == role => Reply::json(200, &imds_credentials("STS.imds")),
                _ => Reply::raw(404, "text/plain", "not found"),
            }
        }
        _ => Reply::raw(405, "text/plain", ""),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn ecs_ram_role_uses_an_imds_v2_token_and_discovers_the_role() {
    let server = imds(Some("v2tok"), "my-role").await;
    let url = server.url();
    let provider =
        aliyun::EcsRamRole::with_config(config(&[("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", &url)]));
    let c = provider.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "STS.imds");
    assert_eq!(c.security_token(), Some("imds-token"));
    assert_eq!(c.expiry(), Some(datetime!(2099-01-01 00:00 UTC)));
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(
        seen,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/",
            "GET /latest/meta-data/ram/security-credentials/my-role"
        ]
    );
    // Cached: no more requests.
    provider.provide_credentials().await.unwrap();
    assert_eq!(server.count(), 3);
    let shown = format!("{provider:?}");
    assert!(
        !shown.contains("imds-secret") && !shown.contains("imds-token"),
        "{shown}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn ecs_ram_role_falls_back_to_v1_unless_disabled() {
    let server = imds(None, "r1").await;
    let url = server.url();
    let c = aliyun::EcsRamRole::with_config(config(&[("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", &url)]))
        .role_name("r1")
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "STS.imds");
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "token PUT, then the credentials GET without a token"
    );
    assert_eq!(requests[1].header("x-aliyun-ecs-metadata-token"), None);

    let err = aliyun::EcsRamRole::with_config(config(&[
        ("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", &url),
        ("ALIBABA_CLOUD_IMDSV1_DISABLED", "true"),
    ]))
    .provide_credentials()
    .await
    .unwrap_err();
    assert!(err.to_string().contains("IMDSv1 is disabled"), "{err}");
    assert!(err.to_string().contains("HTTP 403"), "{err}");

    let err =
        aliyun::EcsRamRole::with_config(config(&[("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")]))
            .endpoint(&url)
            .provide_credentials()
            .await
            .unwrap_err();
    assert!(matches!(err, CredentialsError::NotLoaded { .. }), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn ecs_ram_role_repeats_a_failed_token_request_without_the_token() {
    // The token endpoint works, but the credentials GET rejects the token (401).
    let server = Server::handler(|_, r| match (r.method.as_str(), r.path()) {
        ("PUT", _) => Reply::raw(200, "text/plain", "tok"),
        ("GET", _) if r.header("x-aliyun-ecs-metadata-token").is_some() => {
            Reply::raw(401, "text/plain", "")
        }
        _ => Reply::json(200, &imds_credentials("STS.v1")),
    })
    .await;
    let c = aliyun::EcsRamRole::with_config(config(&[]))
        .endpoint(server.url())
        .role_name("r")
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "STS.v1");
    assert_eq!(server.count(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn a_fake_env_never_reaches_the_real_imds() {
    let err =
        aliyun::EcsRamRole::with_config(ProviderConfig::new(Env::from_vars([("HOME", "/x")])))
            .provide_credentials()
            .await
            .unwrap_err();
    assert!(
        err.to_string()
            .contains("CLOUDSDK_ALIYUN_METADATA_ENDPOINT"),
        "{err}"
    );
}

fn sts_reply(id: &str, expiration: &str) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"RequestId":"r","AssumedRoleUser":{{"Arn":"acs:ram::1:role/r/s","AssumedRoleId":"1:s"}},"Credentials":{{"AccessKeyId":"{id}","AccessKeySecret":"sts-secret","SecurityToken":"sts-token","Expiration":"{expiration}"}}}}"#
        ),
    )
}

#[tokio::test(flavor = "current_thread")]
async fn oidc_role_arn_posts_the_token_file_and_rereads_it_on_refresh() {
    let dir = std::env::temp_dir().join(format!("cloudsdk-oidc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "oidc-token-one\n").unwrap();
    let server = Server::handler(|i, r| {
        let form = form_pairs(r);
        let ok = r.method == "POST"
            && value(&r.decoded_query(), "Action") == Some("AssumeRoleWithOIDC")
            && value(&form, "RoleArn") == Some("acs:ram::1:role/r")
            && value(&form, "OIDCProviderArn") == Some("acs:ram::1:oidc-provider/p")
            && value(&form, "DurationSeconds") == Some("3600")
            && value(&form, "RoleSessionName").is_some();
        if !ok {
            return Reply::json(
                400,
                r#"{"Code":"InvalidParameter","Message":"bad request"}"#,
            );
        }
        let expiration = if i == 0 { "2030-01-01T01:00:00Z" } else { FAR };
        sts_reply(&format!("STS.oidc{i}"), expiration)
    })
    .await;
    let clock = ManualClock::new(T0);
    let token_path = token_file.display().to_string();
    let provider = aliyun::OidcRoleArn::with_config(
        config(&[
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_path),
            ("CLOUDSDK_ALIYUN_STS_ENDPOINT", &server.url()),
        ])
        .with_time_source(clock.clone()),
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.oidc0"
    );
    std::fs::write(&token_file, "oidc-token-two").unwrap();
    clock.advance(Duration::from_secs(46 * 60));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.oidc1"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (r, token) in requests.iter().zip(["oidc-token-one", "oidc-token-two"]) {
        assert_eq!(value(&form_pairs(r), "OIDCToken"), Some(token));
        assert!(
            !r.target.contains("oidc-token"),
            "the token never goes in the URL"
        );
    }
    let shown = format!("{provider:?}");
    assert!(
        !shown.contains("oidc-token") && !shown.contains("sts-secret"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "current_thread")]
async fn ram_role_arn_signs_assume_role_with_the_source_credentials() {
    let server = Server::handler(|_, r| {
        let mut all = r.decoded_query();
        all.extend(form_pairs(r));
        let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let expected = cloudsdk_core::sign::aliyun_v2::sign("POST", &pairs, "src-secret").signature;
        if value(&all, "Signature") != Some(expected.as_str())
            || value(&all, "AccessKeyId") != Some("STS.src")
            || value(&all, "SecurityToken") != Some("src-token")
            || value(&all, "ExternalId") != Some("ext-1")
        {
            return Reply::json(
                400,
                r#"{"Code":"SignatureDoesNotMatch","Message":"mismatch"}"#,
            );
        }
        sts_reply("STS.assumed", FAR)
    })
    .await;
    let source = Credentials::new("STS.src", "src-secret").with_security_token("src-token");
    let provider = aliyun::RamRoleArn::with_config(config(&[]), source.clone())
        .role_arn("acs:ram::1:role/target")
        .external_id("ext-1")
        .sts_endpoint(server.url());
    let c = provider.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "STS.assumed");
    // A wrong secret is refused by the double, and the error says why (without secrets).
    let wrong = aliyun::RamRoleArn::with_config(
        config(&[]),
        Credentials::new("STS.src", "other").with_security_token("src-token"),
    )
    .role_arn("acs:ram::1:role/target")
    .external_id("ext-1")
    .sts_endpoint(server.url());
    let err = wrong.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert!(!err.to_string().contains("src-token"), "{err}");
    // Below the minimum duration: a configuration error, nothing sent.
    let before = server.count();
    let err = aliyun::RamRoleArn::with_config(config(&[]), source)
        .role_arn("acs:ram::1:role/target")
        .duration_seconds(60)
        .sts_endpoint(server.url())
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CredentialsError::InvalidConfiguration { .. }),
        "{err}"
    );
    assert_eq!(server.count(), before);
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_uri_checks_code_and_fields() {
    let server = Server::handler(|_, r| match r.path() {
        "/ok" => Reply::json(200, &imds_credentials("STS.uri")),
        "/failed" => Reply::json(200, r#"{"Code":"Failed"}"#),
        _ => Reply::json(200, r#"{"Code":"Success","AccessKeyId":"a"}"#),
    })
    .await;
    let uri = |path: &str| {
        aliyun::CredentialsUri::with_config(config(&[]))
            .uri(format!("{}{path}?role=x", server.url()))
    };
    assert_eq!(
        uri("/ok")
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.uri"
    );
    assert_eq!(server.requests()[0].query(), "role=x");
    let err = uri("/failed").provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("Failed"), "{err}");
    let err = uri("/partial").provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("AccessKeySecret"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn alibaba_chain_moves_past_a_network_failure_and_lists_every_provider() {
    let uri_server = Server::handler(|_, _| Reply::json(200, &imds_credentials("STS.uri"))).await;
    let closed = common::closed_port().await;
    let imds_url = format!("http://{closed}");
    let uri = format!("{}/creds", uri_server.url());
    let chain = aliyun::default_chain_with(config(&[
        ("HOME", "/nonexistent"),
        ("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", &imds_url),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", &uri),
    ]));
    let names = chain.provider_names();
    assert_eq!(names.last(), Some(&aliyun::CredentialsUri::NAME));
    let c = chain.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "STS.uri");

    let chain = aliyun::default_chain_with(config(&[
        ("HOME", "/nonexistent"),
        ("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", &imds_url),
    ]));
    let err = chain.provide_credentials().await.unwrap_err();
    let tried = err.tried();
    assert_eq!(tried.len(), 4, "{tried:?}");
    assert!(tried[3].starts_with(aliyun::EcsRamRole::NAME), "{tried:?}");
    assert!(
        tried[3].contains("IMDS") && tried[3].contains("connection refused"),
        "{tried:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Huawei providers
// ---------------------------------------------------------------------------------------------

use cloudsdk_core::credentials::huawei;

fn securitykey(access: &str, expires_at: &str) -> String {
    format!(
        r#"{{"credential":{{"access":"{access}","secret":"hw-secret","securitytoken":"hw-token","expires_at":"{expires_at}"}}}}"#
    )
}

#[tokio::test(flavor = "current_thread")]
async fn huawei_metadata_uses_a_token_and_renews_it_after_a_401() {
    // Token "tok1" is rejected once (expired), "tok2" works; no fractional seconds in expires_at.
    let server = Server::handler(|i, r| match (r.method.as_str(), r.path()) {
        ("PUT", "/meta-data/latest/api/token") => {
            assert_eq!(r.header("x-metadata-token-ttl-seconds"), Some("21600"));
            Reply::raw(200, "text/plain", if i == 0 { "tok1" } else { "tok2" })
        }
        ("GET", "/openstack/latest/securitykey") => match r.header("x-metadata-token") {
            Some("tok2") => Reply::json(200, &securitykey("HWAK", "2099-01-01T00:00:00Z")),
            _ => Reply::raw(401, "text/plain", "token expired"),
        },
        _ => Reply::raw(404, "text/plain", ""),
    })
    .await;
    let url = server.url();
    let provider =
        huawei::EcsMetadata::with_config(config(&[("CLOUDSDK_HUAWEI_METADATA_ENDPOINT", &url)]));
    let c = provider.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "HWAK");
    assert_eq!(c.security_token(), Some("hw-token"));
    let seen: Vec<_> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(seen, ["PUT", "GET", "PUT", "GET"]);
}

#[tokio::test(flavor = "current_thread")]
async fn huawei_metadata_without_v2_and_without_agency() {
    let server = Server::handler(|_, r| match r.method.as_str() {
        "PUT" => Reply::raw(404, "text/plain", ""),
        _ if r.header("x-metadata-token").is_some() => Reply::raw(400, "text/plain", "unexpected"),
        _ => Reply::raw(
            401,
            "text/plain",
            "Please configure Cloud Service Agency first",
        ),
    })
    .await;
    let provider = huawei::EcsMetadata::with_config(config(&[])).endpoint(server.url());
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("Cloud Service Agency"), "{err}");
    // 404 on the token: no token; a 401 naming the agency is not retried with a new token.
    assert_eq!(server.count(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn huawei_metadata_refreshes_when_less_than_forty_minutes_are_left() {
    let clock = ManualClock::new(T0);
    let server = Server::handler(|i, r| match r.method.as_str() {
        "PUT" => Reply::raw(200, "text/plain", "t"),
        _ => Reply::json(
            200,
            &securitykey(&format!("AK{i}"), "2030-01-01T01:00:00.000000Z"),
        ),
    })
    .await;
    let provider = huawei::EcsMetadata::with_config(config(&[]).with_time_source(clock.clone()))
        .endpoint(server.url());
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "AK1"
    );
    clock.advance(Duration::from_secs(19 * 60));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "AK1"
    );
    clock.advance(Duration::from_secs(60)); // 40 minutes left
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "AK2"
    );
    assert_eq!(server.count(), 3, "one token, two credential fetches");
}

#[tokio::test(flavor = "current_thread")]
async fn huawei_idp_federation_from_env_exchanges_the_id_token() {
    let dir = std::env::temp_dir().join(format!("cloudsdk-idp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("id_token");
    std::fs::write(&token_file, "  the-id-token\n").unwrap();
    let server = Server::handler(|_, r| {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        match r.path() {
            "/v3.0/OS-AUTH/id-token/tokens"
                if r.header("x-idp-id") == Some("idp-1")
                    && body["auth"]["id_token"]["id"] == "the-id-token" =>
            {
                Reply::json(201, r#"{"token":{"expires_at":"2099-01-01T00:00:00.000000Z","methods":["mapped"]}}"#)
                    .with_header("X-Subject-Token", "subject-tok")
            }
            "/v3.0/OS-CREDENTIAL/securitytokens"
                if body["auth"]["identity"]["methods"][0] == "token"
                    && body["auth"]["identity"]["token"]["id"] == "subject-tok"
                    && body["auth"]["identity"]["token"]["duration_seconds"] == 21600 =>
            {
                Reply::json(201, &securitykey("FEDAK", "2099-01-01T00:00:00.587000Z"))
            }
            _ => Reply::json(401, r#"{"error":{"code":401,"message":"bad token","title":"Unauthorized"}}"#),
        }
    })
    .await;
    let file = token_file.display().to_string();
    let url = server.url();
    let env_vars = [
        ("HUAWEICLOUD_SDK_IDP_ID", "idp-1"),
        ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", file.as_str()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", url.as_str()),
        // IdP wins over AK/SK.
        ("HUAWEICLOUD_SDK_AK", "STATIC"),
        ("HUAWEICLOUD_SDK_SK", "STATIC"),
    ];
    let chain = huawei::default_chain_with(config(&env_vars));
    assert!(chain.provide_credentials_now().is_none(), "resolved lazily");
    let c = chain.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "FEDAK");
    assert_eq!(c.security_token(), Some("hw-token"));
    assert_eq!(server.count(), 2);
    for r in server.requests() {
        assert_eq!(r.header("authorization"), None, "the exchange is unsigned");
    }
    // A wrong token: the error names the failing call, never the token.
    std::fs::write(&token_file, "wrong-token").unwrap();
    let err = huawei::IdpFederation::with_config(config(&[]))
        .idp_id("idp-1")
        .id_token_file(&token_file)
        .iam_endpoint(&url)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");
    assert!(!err.to_string().contains("wrong-token"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "current_thread")]
async fn huawei_profile_accepts_global_and_idp_keys() {
    let dir = std::env::temp_dir().join(format!("cloudsdk-hwprof-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let global = dir.join("global.ini");
    std::fs::write(&global, "[global]\nak = GAK\nsk = GSK\ndomain_id = d1\n").unwrap();
    let c = huawei::ProfileFile::with_path(&global).load().unwrap();
    assert_eq!(c.access_key_id(), "GAK");
    let idp = dir.join("idp.ini");
    std::fs::write(
        &idp,
        "[basic]\nidp_id = idp-1\nid_token_file = /nonexistent/token\niam_endpoint = http://127.0.0.1:9\n",
    )
    .unwrap();
    let p = huawei::ProfileFile::with_path(&idp);
    assert!(
        p.provide_credentials_now().is_none(),
        "an IdP profile resolves lazily"
    );
    let err = p.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/token"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Client builders: the IAM host rule, endpoint overrides, lazy network credentials
// ---------------------------------------------------------------------------------------------

static VPC: cloudsdk_core::huawei::ServiceInfo = cloudsdk_core::huawei::ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "0.1.0",
};

static ECS: cloudsdk_core::aliyun::ServiceInfo = cloudsdk_core::aliyun::ServiceInfo {
    product: "Ecs",
    version: "2014-05-26",
    endpoint_rule: "ecs{network}.{region}.aliyuncs.com",
    endpoint_map: &[],
    crate_name: "aliyun-ecs",
    crate_version: "0.1.0",
};

#[test]
fn an_overridden_huawei_endpoint_needs_an_explicit_iam_endpoint_for_discovery() {
    use cloudsdk_core::BuildError;
    use cloudsdk_core::huawei::HuaweiClient;
    let builder = || {
        HuaweiClient::builder(&VPC)
            .env(Env::from_vars([("HOME", "/nonexistent")]))
            .region("cn-north-4")
            .endpoint("http://127.0.0.1:1")
            .credentials(Credentials::new("AK", "SK"))
    };
    let err = builder().build().unwrap_err();
    match &err {
        BuildError::InvalidConfig { item, reason } => {
            assert_eq!(*item, "iam_endpoint");
            assert!(reason.contains("HUAWEICLOUD_SDK_IAM_ENDPOINT"), "{reason}");
            assert!(reason.contains("project_id"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(builder().iam_endpoint("http://127.0.0.1:2").build().is_ok());
    assert!(builder().project_id("p1").build().is_ok());
    let with_env_iam = builder()
        .env(Env::from_vars([(
            "HUAWEICLOUD_SDK_IAM_ENDPOINT",
            "http://127.0.0.1:2",
        )]))
        .build();
    assert!(with_env_iam.is_ok(), "{with_env_iam:?}");
    // Without an endpoint override the region's IAM is the vendor's own choice: allowed.
    assert!(
        HuaweiClient::builder(&VPC)
            .region("cn-north-4")
            .credentials(Credentials::new("AK", "SK"))
            .build()
            .is_ok()
    );
}

#[test]
fn from_env_reads_the_service_endpoint_overrides() {
    use cloudsdk_core::aliyun::AliyunClientBuilder;
    use cloudsdk_core::huawei::HuaweiClientBuilder;
    let client = HuaweiClientBuilder::from_env_with(
        &VPC,
        Env::from_vars([
            ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p1"),
            ("HUAWEICLOUD_SDK_AK", "AK"),
            ("HUAWEICLOUD_SDK_SK", "SK"),
            (
                "HUAWEICLOUD_SDK_REGION_VPC_CN_NORTH_4",
                "http://127.0.0.1:3,http://127.0.0.1:4",
            ),
        ]),
    )
    .build()
    .unwrap();
    assert_eq!(client.endpoint(), "http://127.0.0.1:3");
    // Discovery with the env-overridden endpoint needs an IAM endpoint too.
    let err = HuaweiClientBuilder::from_env_with(
        &VPC,
        Env::from_vars([
            ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
            ("HUAWEICLOUD_SDK_AK", "AK"),
            ("HUAWEICLOUD_SDK_SK", "SK"),
            (
                "HUAWEICLOUD_SDK_REGION_VPC_CN_NORTH_4",
                "http://127.0.0.1:3",
            ),
        ]),
    )
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("iam_endpoint"), "{err}");

    let client = AliyunClientBuilder::from_env_with(
        &ECS,
        Env::from_vars([
            ("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "AK"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "SK"),
            ("ALIBABA_CLOUD_ENDPOINT_ECS", "http://127.0.0.1:5"),
        ]),
    )
    .build()
    .unwrap();
    assert_eq!(client.endpoint(), "http://127.0.0.1:5");
}

#[tokio::test(flavor = "current_thread")]
async fn a_client_resolves_instance_credentials_lazily_and_signs_with_them() {
    use cloudsdk_core::aliyun::{AliyunClientBuilder, RpcRequest};
    // Over TCP: the metadata client is the SDK's own (never the client's http_client).
    let imds_server = Server::tcp_handler(imds_handler(Some("v2"), "role")).await;
    let api = Server::handler(|_, r| {
        // ACS3 (V3) signing: the key id in Authorization, the token in x-acs-security-token.
        if r.header("authorization")
            .is_some_and(|a| a.contains("Credential=STS.imds"))
            && r.header("x-acs-security-token") == Some("imds-token")
        {
            Reply::json(200, r#"{"RequestId":"1"}"#)
        } else {
            Reply::json(403, r#"{"Code":"InvalidAccessKeyId","Message":"no"}"#)
        }
    })
    .await;
    let imds_url = imds_server.url();
    let client = AliyunClientBuilder::from_env_with(
        &ECS,
        Env::from_vars([
            ("HOME", "/nonexistent"),
            ("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
            ("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", imds_url.as_str()),
        ]),
    )
    .endpoint(api.url())
    .http_client(common::net())
    .build()
    .expect("network providers resolve on the first call, not at build");
    assert_eq!(imds_server.count(), 0);
    for _ in 0..3 {
        let _: serde_json::Value = client
            .send::<_, common::FakeError>(RpcRequest::new("DescribeRegions"))
            .await
            .unwrap();
    }
    assert_eq!(
        imds_server.count(),
        3,
        "one fetch (token, role, credentials) for three calls"
    );
}

#[test]
fn test_env_disables_metadata_so_an_empty_environment_fails_at_build() {
    use cloudsdk_core::BuildError;
    use cloudsdk_core::aliyun::AliyunClientBuilder;
    use cloudsdk_core::huawei::HuaweiClientBuilder;
    let env = || cloudsdk_core::test_util::test_env([("HOME", "/nonexistent")]);
    let err = AliyunClientBuilder::from_env_with(&ECS, env())
        .region("cn-hangzhou")
        .build()
        .unwrap_err();
    match err {
        BuildError::NoCredentials { tried } => {
            // The disabled ECS provider is left out of the chain, as in the official library.
            assert_eq!(tried.len(), 3, "{tried:?}");
            assert!(!tried.iter().any(|t| t.contains("ecs")), "{tried:?}");
        }
        other => panic!("{other:?}"),
    }
    let err = HuaweiClientBuilder::from_env_with(&VPC, env())
        .region("cn-north-4")
        .project_id("p1")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::NoCredentials { .. }), "{err}");
    assert!(!err.to_string().contains("metadata"), "{err}");
    // With a metadata endpoint given, the provider stays enabled (and resolves lazily).
    let env = cloudsdk_core::test_util::test_env([
        ("HOME", "/nonexistent"),
        ("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", "http://127.0.0.1:9"),
    ]);
    assert!(
        AliyunClientBuilder::from_env_with(&ECS, env)
            .region("cn-hangzhou")
            .build()
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------------------
// Redaction: nothing of a fetched secret, security token, OIDC/ID token or subject token in
// TRACE logs, Debug output or errors
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

const OIDC_SECRET_TOKEN: &str = "eyJOIDC.secret-oidc-token.sig";
const FETCHED_SECRET: &str = "FetchedSecretValue/0001";
const FETCHED_TOKEN: &str = "FetchedSecurityToken/0002";
const SUBJECT_TOKEN: &str = "SubjectTokenValue0003";

fn secret_sts_reply() -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"Credentials":{{"AccessKeyId":"STS.visible","AccessKeySecret":"{FETCHED_SECRET}","SecurityToken":"{FETCHED_TOKEN}","Expiration":"{FAR}"}}}}"#
        ),
    )
}

/// Runs every network provider once with success and once with an error that echoes the
/// token, and returns everything they printed, logged or returned.
async fn exercise_providers(dir: &std::path::Path) -> Vec<String> {
    let token_file = dir.join("token");
    std::fs::write(&token_file, OIDC_SECRET_TOKEN).unwrap();
    // Each STS double answers first with credentials, then with an error echoing the token.
    let echoing = |token: &'static str| {
        let echo = format!(r#"{{"Code":"InvalidToken","Message":"bad token {token}"}}"#);
        move |i: usize, _: &Captured| {
            if i == 0 {
                secret_sts_reply()
            } else {
                Reply::json(400, &echo)
            }
        }
    };
    let oidc_sts = Server::handler(echoing(OIDC_SECRET_TOKEN)).await;
    let role_sts = Server::handler(echoing(FETCHED_TOKEN)).await;
    let iam = Server::handler(|_, r| match r.path() {
        "/v3.0/OS-AUTH/id-token/tokens" => Reply::json(201, r#"{"token":{}}"#)
            .with_header("X-Subject-Token", SUBJECT_TOKEN),
        _ => Reply::json(
            201,
            &format!(
                r#"{{"credential":{{"access":"FED","secret":"{FETCHED_SECRET}","securitytoken":"{FETCHED_TOKEN}","expires_at":"2099-01-01T00:00:00.000000Z"}}}}"#
            ),
        ),
    })
    .await;
    let mut out = Vec::new();
    for round in 0..2 {
        let oidc = aliyun::OidcRoleArn::with_config(config(&[]))
            .role_arn("acs:ram::1:role/r")
            .oidc_provider_arn("p")
            .token_file(&token_file)
            .sts_endpoint(oidc_sts.url());
        let result = oidc.provide_credentials().await;
        out.push(format!(
            "{round} {oidc:?} {result:?} {}",
            result
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
        let source = Credentials::new("SRC", FETCHED_SECRET).with_security_token(FETCHED_TOKEN);
        let role = aliyun::RamRoleArn::with_config(config(&[]), source)
            .role_arn("acs:ram::1:role/r")
            .sts_endpoint(role_sts.url());
        let result = role.provide_credentials().await;
        out.push(format!(
            "{round} {role:?} {result:?} {}",
            result
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
    }
    let fed = huawei::IdpFederation::with_config(config(&[]))
        .idp_id("idp")
        .id_token_file(&token_file)
        .iam_endpoint(iam.url());
    let result = fed.provide_credentials().await;
    out.push(format!("{fed:?} {result:?}"));
    out
}

#[tokio::test(flavor = "current_thread")]
async fn network_providers_never_show_secrets_or_tokens() {
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let dir = std::env::temp_dir().join(format!("cloudsdk-redact-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shown = exercise_providers(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let all = format!("{}\n{logs}", shown.join("\n"));
    assert!(
        all.contains("STS.visible") || all.contains("FED"),
        "the providers ran: {all}"
    );
    assert!(all.contains("InvalidToken"), "an error path ran: {all}");
    for secret in [
        OIDC_SECRET_TOKEN,
        FETCHED_SECRET,
        FETCHED_TOKEN,
        SUBJECT_TOKEN,
    ] {
        assert!(!all.contains(secret), "{secret} leaked:\n{all}");
    }
}

/// The closing note's figure: 1,000 calls spread over one hour with 1-hour credentials cause two
/// fetches (at 0 and at 45 minutes, the Alibaba refresh point).
#[tokio::test(flavor = "current_thread")]
async fn thousand_calls_over_an_hour_with_one_hour_credentials_fetch_twice() {
    // Alibaba (15 minutes before expiry): 2 fetches; Huawei (40 minutes left): 3.
    for (refresh_before, fetches) in [(FIFTEEN_MIN, 2), (Duration::from_secs(40 * 60), 3)] {
        let clock = ManualClock::new(T0);
        let cache = CredentialsCache::new(refresh_before, clock.time_source());
        for _ in 0..1000 {
            cache
                .get_or_refresh(|| async { Ok(sts(0, clock.now() + time::Duration::HOUR)) })
                .await
                .unwrap();
            clock.advance(Duration::from_millis(3600));
        }
        assert_eq!(cache.fetch_count(), fetches, "{refresh_before:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn huawei_oidc_sts_and_pod_identity_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("cloudsdk-hwoidc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let id_token = dir.join("id_token");
    std::fs::write(&id_token, "jwt-one\n").unwrap();
    let pod_token = dir.join("pod_token");
    std::fs::write(&pod_token, "pod-auth\n").unwrap();
    let sts = Server::handler(|_, r| {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        if r.path() == "/v5/agencies/assume-with-oidc"
            && body["provider_urn"] == "iam::1:identityProvider:p"
            && body["agency_urn"] == "iam::1:agency:a"
            && body["agency_session_name"] == "oidc-sts-session"
            && body["duration_seconds"] == 3600
            && body["id_token"] == "jwt-one"
            && body["policy_ids"] == serde_json::json!(["p1", "p2"])
        {
            Reply::json(200, r#"{"credentials":{"access_key_id":"OIDCAK","secret_access_key":"s","security_token":"t","expiration":"2099-01-01T00:00:00.123Z"},"assumed_agency":{}}"#)
        } else {
            Reply::json(400, r#"{"error_code":"STS.0001","error_msg":"bad request"}"#)
        }
    })
    .await;
    let pod = Server::handler(|_, r| {
        if r.method == "POST" && r.header("authorization") == Some("pod-auth") && r.body == b"{}" {
            Reply::json(200, r#"{"credentials":{"accessKeyId":"PODAK","secretAccessKey":"s","securityToken":"t","expiration":"2099-01-01T00:00:00Z"}}"#)
        } else {
            Reply::json(403, r#"{"error":"denied"}"#)
        }
    })
    .await;
    let (id_path, pod_path, sts_url, pod_url) = (
        id_token.display().to_string(),
        pod_token.display().to_string(),
        sts.url(),
        format!("{}/v1/credentials", pod.url()),
    );
    let chain = huawei::default_chain_with(config(&[
        ("HUAWEICLOUD_OIDC_PROVIDER_URN", "iam::1:identityProvider:p"),
        ("HUAWEICLOUD_OIDC_AGENCY_URN", "iam::1:agency:a"),
        ("HUAWEICLOUD_OIDC_TOKEN_FILE", &id_path),
        ("HUAWEICLOUD_OIDC_POLICY_IDS", "p1, p2"),
        ("HUAWEICLOUD_SDK_STS_ENDPOINT", &sts_url),
        ("HUAWEICLOUD_SDK_AK", "STATIC"),
        ("HUAWEICLOUD_SDK_SK", "STATIC"),
    ]));
    assert!(
        chain.provide_credentials_now().is_none(),
        "OIDC comes first and is lazy"
    );
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "OIDCAK"
    );

    let chain = huawei::default_chain_with(config(&[
        ("HOME", "/nonexistent"),
        ("HC_CONTAINER_CREDENTIALS_FULL_URI", &pod_url),
        ("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", &pod_path),
    ]));
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "PODAK"
    );
    assert_eq!(pod.requests()[0].path(), "/v1/credentials");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_refresh_waits_a_minute_before_trying_again() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    cache
        .get_or_refresh(|| async { Ok(sts(1, T0 + time::Duration::HOUR)) })
        .await
        .unwrap();
    let failing = || async { Err(CredentialsError::unavailable("imds", "timed out")) };
    clock.advance(Duration::from_secs(46 * 60));
    cache.get_or_refresh(failing).await.unwrap();
    cache.get_or_refresh(failing).await.unwrap();
    assert_eq!(
        cache.fetch_count(),
        2,
        "the second call within the minute does not fetch"
    );
    clock.advance(Duration::from_secs(61));
    cache.get_or_refresh(failing).await.unwrap();
    assert_eq!(cache.fetch_count(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn ecs_ram_role_refetches_six_hour_credentials_after_an_hour() {
    let clock = ManualClock::new(T0);
    let server = Server::handler(|i, r| match r.method.as_str() {
        "PUT" => Reply::raw(200, "text/plain", "t"),
        _ => Reply::json(
            200,
            &format!(
                r#"{{"AccessKeyId":"STS.{i}","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2030-01-01T06:00:00Z","Code":"Success"}}"#
            ),
        ),
    })
    .await;
    let provider = aliyun::EcsRamRole::with_config(config(&[]).with_time_source(clock.clone()))
        .endpoint(server.url())
        .role_name("r");
    let first = provider.provide_credentials().await.unwrap();
    clock.advance(Duration::from_secs(59 * 60));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        first.access_key_id()
    );
    clock.advance(Duration::from_secs(60));
    assert_ne!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        first.access_key_id()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn alibaba_profiles_with_roles_use_the_network_providers() {
    let dir = std::env::temp_dir().join(format!("cloudsdk-aliprof-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(".aliyun")).unwrap();
    let sts = Server::handler(|_, r| {
        let mut all = r.decoded_query();
        all.extend(form_pairs(r));
        let secret = match value(&all, "AccessKeyId") {
            Some("BASE") => "base-secret",
            Some("STS.chained") => "chained-secret",
            _ => return Reply::json(400, r#"{"Code":"InvalidAccessKeyId.NotFound"}"#),
        };
        let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let signature = cloudsdk_core::sign::aliyun_v2::sign("POST", &pairs, secret).signature;
        if value(&all, "Signature") != Some(signature.as_str()) {
            return Reply::json(400, r#"{"Code":"SignatureDoesNotMatch"}"#);
        }
        let role = value(&all, "RoleArn").unwrap_or_default().to_owned();
        let id = if role.ends_with("/first") { "STS.chained" } else { "STS.final" };
        Reply::json(
            200,
            &format!(
                r#"{{"Credentials":{{"AccessKeyId":"{id}","AccessKeySecret":"chained-secret","SecurityToken":"tok-{id}","Expiration":"{FAR}"}}}}"#
            ),
        )
    })
    .await;
    std::fs::write(
        dir.join(".aliyun/config.json"),
        r#"{"current":"chained","profiles":[
            {"name":"base","mode":"RamRoleArn","access_key_id":"BASE","access_key_secret":"base-secret","ram_role_arn":"acs:ram::1:role/first","ram_session_name":"s1","expired_seconds":1800},
            {"name":"chained","mode":"ChainableRamRoleArn","source_profile":"base","ram_role_arn":"acs:ram::1:role/second"},
            {"name":"sso","mode":"CloudSSO"}
        ]}"#,
    )
    .unwrap();
    let home = dir.display().to_string();
    let sts_url = sts.url();
    let vars = |profile: &'static str| {
        config(&[
            ("HOME", home.as_str()),
            ("ALIBABA_CLOUD_PROFILE", profile),
            ("CLOUDSDK_ALIYUN_STS_ENDPOINT", sts_url.as_str()),
        ])
    };
    let cli = aliyun::CliConfigFile::with_config(vars("chained"));
    assert!(
        cli.provide_credentials_now().is_none(),
        "a role profile resolves lazily"
    );
    let c = cli.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "STS.final");
    let requests = sts.requests();
    assert_eq!(
        requests.len(),
        2,
        "first role with the static key, then the chained role"
    );
    let first = form_pairs(&requests[0]);
    assert_eq!(value(&first, "DurationSeconds"), Some("1800"));
    assert_eq!(value(&first, "RoleSessionName"), Some("s1"));
    assert_eq!(
        value(&requests[1].decoded_query(), "SecurityToken"),
        Some("tok-STS.chained")
    );

    let err = aliyun::CliConfigFile::with_config(vars("sso"))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unsupported mode"), "{err}");
    assert!(
        matches!(err, CredentialsError::NotLoaded { .. }),
        "a chain moves on: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The client's own `http_client(..)` also carries the STS exchange (here the in-memory STS is
/// reachable only through it).
#[tokio::test(flavor = "current_thread")]
async fn a_clients_http_client_carries_the_sts_exchange() {
    use cloudsdk_core::aliyun::{AliyunClientBuilder, RpcRequest};
    let dir = std::env::temp_dir().join(format!("cloudsdk-wire-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "rrsa-token").unwrap();
    let sts = Server::handler(|_, _| sts_reply("STS.rrsa", FAR)).await;
    let api = Server::handler(|_, r| {
        if r.header("x-acs-security-token") == Some("sts-token") {
            Reply::json(200, r#"{"RequestId":"1"}"#)
        } else {
            Reply::json(403, r#"{"Code":"InvalidSecurityToken"}"#)
        }
    })
    .await;
    let (file, sts_url) = (token_file.display().to_string(), sts.url());
    let client = AliyunClientBuilder::from_env_with(
        &ECS,
        Env::from_vars([
            ("HOME", "/nonexistent"),
            ("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", file.as_str()),
            ("CLOUDSDK_ALIYUN_STS_ENDPOINT", sts_url.as_str()),
        ]),
    )
    .endpoint(api.url())
    .http_client(common::net())
    .build()
    .unwrap();
    let _: serde_json::Value = client
        .send::<_, common::FakeError>(RpcRequest::new("DescribeRegions"))
        .await
        .unwrap();
    assert_eq!(sts.count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
