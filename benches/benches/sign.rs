//! Signing benchmarks: every signer of `cloudsdk_core::sign` on a realistic request of each
//! operation, plus the per-attempt preparation the clients run (date, nonce, signature, URL and
//! header list). Target: < 5 µs per request.
//!
//! Run: `cargo bench -p cloudsdk-benches --bench sign` (or `cargo xtask bench`).

use std::hint::black_box;
use std::time::Duration;

use cloudsdk_benches::requests::{
    self, ACCESS_KEY_ID, ACCESS_KEY_SECRET, HuaweiRequest, PROJECT_ID, pairs,
};
use cloudsdk_core::sign::{self, aliyun_v2, aliyun_v3, huawei};
use criterion::{Criterion, criterion_group, criterion_main};
use time::OffsetDateTime;

fn huawei_input<'a>(
    r: &'a HuaweiRequest,
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
) -> huawei::SigningInput<'a> {
    huawei::SigningInput {
        method: r.method,
        host: &r.host,
        path: &r.path,
        query,
        headers,
        body: b"",
    }
}

fn signers(c: &mut Criterion) {
    let mut g = c.benchmark_group("sign");
    for (name, req) in [
        (
            "show_security_group",
            requests::huawei_show_security_group(),
        ),
        (
            "nova_list_server_security_groups",
            requests::huawei_nova_list_server_security_groups(),
        ),
    ] {
        let query = pairs(&req.query);
        let headers = pairs(&req.headers);
        let input = huawei_input(&req, &query, &headers);
        g.bench_function(format!("huawei_sdk_hmac_sha256/{name}"), |b| {
            b.iter(|| huawei::sign(black_box(&input), ACCESS_KEY_ID, ACCESS_KEY_SECRET).unwrap())
        });
        g.bench_function(format!("huawei_v11_hmac_sha256/{name}"), |b| {
            b.iter(|| {
                huawei::sign_derived(
                    black_box(&input),
                    ACCESS_KEY_ID,
                    ACCESS_KEY_SECRET,
                    "cn-north-4",
                    "vpc",
                )
                .unwrap()
            })
        });
    }
    for ids in [1, 10] {
        let req = requests::aliyun_v3_describe(ids);
        let query = pairs(&req.query);
        let headers = pairs(&req.headers);
        let input = aliyun_v3::SigningInput {
            method: "POST",
            path: "/",
            query: &query,
            headers: &headers,
            body: b"",
        };
        g.bench_function(
            format!("aliyun_acs3_hmac_sha256/describe_security_group_references_{ids}_ids"),
            |b| b.iter(|| aliyun_v3::sign(black_box(&input), ACCESS_KEY_ID, ACCESS_KEY_SECRET)),
        );
        let params = requests::aliyun_v2_describe(ids);
        let params = pairs(&params);
        g.bench_function(
            format!("aliyun_v2_hmac_sha1/describe_security_group_references_{ids}_ids"),
            |b| b.iter(|| aliyun_v2::sign("POST", black_box(&params), ACCESS_KEY_SECRET)),
        );
    }
    g.finish();
}

/// What a client does per attempt besides I/O, mirrored from `cloudsdk-core` (which keeps the
/// function private): validate the input with the generated builder, read the clock, draw a
/// nonce, sign, and assemble the URL and the owned header list.
fn prepare(c: &mut Criterion) {
    let mut g = c.benchmark_group("prepare");
    let origin = "https://vpc.cn-north-4.myhuaweicloud.com";
    let host = "vpc.cn-north-4.myhuaweicloud.com";
    g.bench_function("huawei_vpc_show_security_group", |b| {
        b.iter(|| {
            let input =
                huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupInput::builder()
                    .security_group_id(black_box("69c999ad-d9ef-4d79-94fd-35e6ceb75325"))
                    .build()
                    .unwrap();
            let path = format!(
                "/v3/{PROJECT_ID}/vpc/security-groups/{}",
                sign::encode::percent_encode(&input.security_group_id)
            );
            let date = huawei::format_sdk_date(OffsetDateTime::now_utc());
            let headers = [
                ("Content-Type", "application/json"),
                ("Host", host),
                ("User-Agent", requests::USER_AGENT),
                (huawei::HEADER_SDK_DATE, date.as_str()),
                ("X-Project-Id", PROJECT_ID),
            ];
            let signed = huawei::sign(
                &huawei::SigningInput {
                    method: "GET",
                    host,
                    path: &path,
                    query: &[],
                    headers: &headers,
                    body: b"",
                },
                ACCESS_KEY_ID,
                ACCESS_KEY_SECRET,
            )
            .unwrap();
            let url = format!("{origin}{path}");
            let mut out: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect();
            out.push(("Authorization".to_owned(), signed.authorization));
            (url, out)
        })
    });
    let aliyun_host = "ecs.cn-hangzhou.aliyuncs.com";
    g.bench_function("aliyun_v3_describe_security_group_references", |b| {
        b.iter(|| {
            let input = aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesInput::builder()
                .region_id("cn-hangzhou")
                .security_group_id(black_box("sg-bp67acfmxazb4p0001"))
                .build()
                .unwrap();
            let now = aliyun_v3::format_timestamp(OffsetDateTime::now_utc());
            let nonce = aliyun_v3::new_nonce();
            let headers = [
                ("host", aliyun_host),
                ("x-acs-action", "DescribeSecurityGroupReferences"),
                ("x-acs-version", "2014-05-26"),
                ("x-acs-date", now.as_str()),
                ("x-acs-signature-nonce", nonce.as_str()),
                ("x-acs-content-sha256", sign::EMPTY_PAYLOAD_SHA256),
                ("accept", "application/json"),
                ("user-agent", "cloudsdk/0.1.0 aliyun-ecs/0.1.0"),
            ];
            let region = input.region_id.clone();
            let query = [
                ("RegionId", region.as_str()),
                ("SecurityGroupId.1", input.security_group_ids[0].as_str()),
            ];
            let signed = aliyun_v3::sign(
                &aliyun_v3::SigningInput {
                    method: "POST",
                    path: "/",
                    query: &query,
                    headers: &headers,
                    body: b"",
                },
                ACCESS_KEY_ID,
                ACCESS_KEY_SECRET,
            );
            let url = format!("https://{aliyun_host}/?{}", signed.canonical_query);
            let mut out: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect();
            out.push(("authorization".to_owned(), signed.authorization));
            (url, out)
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = signers, prepare
}
criterion_main!(benches);
