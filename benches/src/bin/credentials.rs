//! Credential providers against the emulator's credential services: the time of a client's
//! first call with each provider (credential fetch included; for Huawei also project discovery
//! through IAM, as for the static baseline) and how many credentials the emulator issued over
//! the following calls.
//!
//! ```text
//! cargo run --release -p cloudsdk-benches --bin credentials -- [--rounds 5] [--calls 1000]
//! ```
//!
//! Each round starts a fresh in-process emulator on loopback (temporary keys valid one hour) per
//! provider, builds a client from an environment holding only the override variables, times the
//! first call, then makes `--calls` more sequential calls. The table gives the median first call
//! over rounds, the same for static keys (the baseline: no fetch), and the fetches the emulator
//! counted per client over `1 + calls` calls. Refresh over time is not in this run (one hour of
//! wall clock): `crates/core/tests/credential_providers.rs` drives it with a manual clock.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aliyun_ecs::credentials::Env;
use cloudsdk_emulator::{
    DEFAULT_ALIYUN_REGION, DEFAULT_HUAWEI_IDP_ID, DEFAULT_HUAWEI_REGION, DEFAULT_OIDC_TOKEN,
    DEFAULT_ROLE_NAME, Emulator, SEEDED_ALIYUN_SECURITY_GROUP_ID, SEEDED_VPC_SECURITY_GROUP_ID,
};

/// The providers measured, by the name the table prints.
const PROVIDERS: &[&str] = &[
    "aliyun static keys (baseline)",
    "aliyun ECS RAM role (IMDS)",
    "aliyun OIDC role ARN (STS)",
    "aliyun credentials URI",
    "aliyun RAM role ARN (STS)",
    "huawei static keys (baseline)",
    "huawei ECS metadata",
    "huawei IdP federation (IAM)",
    "huawei OIDC (STS v5)",
];

struct Options {
    rounds: usize,
    calls: usize,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        rounds: 5,
        calls: 1000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let n: usize = value
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--rounds" if n > 0 => opts.rounds = n,
            "--calls" => opts.calls = n,
            _ => return Err(format!("unknown flag or zero value: {flag} {value}")),
        }
    }
    Ok(opts)
}

/// The OIDC / ID token file every token-based provider reads.
fn token_file() -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("cloudsdk-bench-credentials-{}", std::process::id()));
    std::fs::write(&path, DEFAULT_OIDC_TOKEN).expect("writing the token file");
    path
}

/// An environment with only `vars`, both metadata providers off unless pointed somewhere.
fn env(vars: Vec<(&str, String)>) -> Env {
    aliyun_ecs::test_util::test_env(vars)
}

fn aliyun_vars(emu: &Emulator, provider: &str, token: &str) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("ALIBABA_CLOUD_REGION_ID", DEFAULT_ALIYUN_REGION.to_owned()),
        ("ALIBABA_CLOUD_ENDPOINT_ECS", emu.endpoint()),
    ];
    let role_arn = format!("acs:ram::1234567890123456:role/{DEFAULT_ROLE_NAME}");
    match provider {
        "aliyun static keys (baseline)" => {
            vars.push((
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                emu.access_key_id().to_owned(),
            ));
            vars.push((
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                emu.access_key_secret().to_owned(),
            ));
        }
        "aliyun ECS RAM role (IMDS)" => {
            vars.push(("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", emu.endpoint()));
        }
        "aliyun OIDC role ARN (STS)" => {
            vars.push(("ALIBABA_CLOUD_ROLE_ARN", role_arn));
            vars.push((
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1234567890123456:oidc-provider/emulator".to_owned(),
            ));
            vars.push(("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.to_owned()));
            vars.push(("CLOUDSDK_ALIYUN_STS_ENDPOINT", emu.endpoint()));
        }
        "aliyun credentials URI" => {
            vars.push(("ALIBABA_CLOUD_CREDENTIALS_URI", emu.credentials_uri()));
        }
        _ => {}
    }
    vars
}

fn aliyun_client(emu: &Emulator, provider: &str, token: &str) -> aliyun_ecs::Client {
    let builder = aliyun_ecs::ClientBuilder::from_env().env(env(aliyun_vars(emu, provider, token)));
    let builder = if provider == "aliyun RAM role ARN (STS)" {
        let source = aliyun_ecs::Credentials::new(emu.access_key_id(), emu.access_key_secret());
        let config = aliyun_ecs::credentials::ProviderConfig::new(env(Vec::new()));
        builder.credentials_provider(
            aliyun_ecs::credentials::aliyun::RamRoleArn::with_config(config, source)
                .role_arn(format!(
                    "acs:ram::1234567890123456:role/{DEFAULT_ROLE_NAME}"
                ))
                .sts_endpoint(emu.endpoint()),
        )
    } else {
        builder
    };
    builder.max_attempts(1).build().expect("client")
}

fn huawei_client(emu: &Emulator, provider: &str, token: &str) -> huawei_vpc_v3::Client {
    let mut vars = vec![
        ("HUAWEICLOUD_SDK_REGION", DEFAULT_HUAWEI_REGION.to_owned()),
        ("HUAWEICLOUD_SDK_REGION_VPC_CN_NORTH_4", emu.endpoint()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.endpoint()),
    ];
    match provider {
        "huawei static keys (baseline)" => {
            vars.push(("HUAWEICLOUD_SDK_AK", emu.access_key_id().to_owned()));
            vars.push(("HUAWEICLOUD_SDK_SK", emu.access_key_secret().to_owned()));
        }
        "huawei ECS metadata" => vars.push(("CLOUDSDK_HUAWEI_METADATA_ENDPOINT", emu.endpoint())),
        "huawei IdP federation (IAM)" => {
            vars.push(("HUAWEICLOUD_SDK_IDP_ID", DEFAULT_HUAWEI_IDP_ID.to_owned()));
            vars.push(("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token.to_owned()));
        }
        _ => {
            vars.push((
                "HUAWEICLOUD_OIDC_PROVIDER_URN",
                "iam::123456789012:identityProvider:emulator".to_owned(),
            ));
            vars.push((
                "HUAWEICLOUD_OIDC_AGENCY_URN",
                format!("iam::123456789012:agency:{DEFAULT_ROLE_NAME}"),
            ));
            vars.push(("HUAWEICLOUD_OIDC_TOKEN_FILE", token.to_owned()));
            vars.push(("HUAWEICLOUD_SDK_STS_ENDPOINT", emu.endpoint()));
        }
    }
    huawei_vpc_v3::ClientBuilder::from_env()
        .env(env(vars))
        .max_attempts(1)
        .build()
        .expect("client")
}

/// One call through the provider's client; panics on failure (a benchmark of a broken setup
/// measures nothing).
async fn call(emu: &Emulator, provider: &str, token: &str, calls: usize) -> (Duration, usize) {
    if provider.starts_with("aliyun") {
        let client = aliyun_client(emu, provider, token);
        let once = || async {
            client
                .describe_security_group_references()
                .security_group_id(SEEDED_ALIYUN_SECURITY_GROUP_ID)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{provider}: {e}"));
        };
        let start = Instant::now();
        once().await;
        let first = start.elapsed();
        for _ in 0..calls {
            once().await;
        }
        (first, emu.issued_credentials())
    } else {
        let client = huawei_client(emu, provider, token);
        let once = || async {
            client
                .show_security_group()
                .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{provider}: {e}"));
        };
        let start = Instant::now();
        once().await;
        let first = start.elapsed();
        for _ in 0..calls {
            once().await;
        }
        (first, emu.issued_credentials())
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(opts: Options) {
    let token = token_file();
    let token_text = token.to_str().expect("utf-8 temp path").to_owned();
    println!(
        "| provider | first call (median of {}) | credentials issued over {} calls |",
        opts.rounds,
        opts.calls + 1
    );
    println!("|---|---:|---:|");
    for provider in PROVIDERS {
        let mut firsts = Vec::new();
        let mut fetches = Vec::new();
        for _ in 0..opts.rounds {
            let emu = Emulator::start().await.expect("emulator");
            let (first, issued) = call(&emu, provider, &token_text, opts.calls).await;
            firsts.push(first);
            fetches.push(issued);
            emu.shutdown().await;
        }
        fetches.dedup();
        let fetches = fetches
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" / ");
        println!(
            "| {provider} | {:.2} ms | {fetches} |",
            median(firsts).as_secs_f64() * 1e3
        );
    }
    let _ = std::fs::remove_file(token);
}

fn main() -> std::process::ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("credentials: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(opts));
    std::process::ExitCode::SUCCESS
}
