//! A tour of cloudsdk: starts the embedded emulator, calls the three security-group APIs through
//! the typed SDK crates (every request signed), and prints what came back as tables.
//!
//! ```text
//! cargo run -p cloudsdk-emulator --example tour
//! ```
//!
//! With `--live` it calls the real clouds instead, with credentials from the vendors' default
//! chains (environment variables such as `HUAWEICLOUD_SDK_AK`/`HUAWEICLOUD_SDK_SK` or
//! `ALIBABA_CLOUD_ACCESS_KEY_ID`/`ALIBABA_CLOUD_ACCESS_KEY_SECRET`, profile files, OIDC, or the
//! instance's role on a cloud VM: see the README's "Credentials"), the region
//! (`HUAWEICLOUD_SDK_REGION`, `ALIBABA_CLOUD_REGION_ID` or the flags) and the ids you give:
//!
//! ```text
//! cargo run -p cloudsdk-emulator --example tour -- --live \
//!     --huawei-region cn-north-4 --server-id <ecs-server-id> --security-group-id <vpc-group-id> \
//!     --aliyun-region cn-hangzhou --aliyun-group-id sg-... --aliyun-group-id sg-...
//! ```
//!
//! Only the sections whose ids are given are called. The report goes to stdout, progress to
//! stderr; the exit status is 1 if a call failed and 2 for a usage or setup error.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

mod report;

use std::process::ExitCode;

use cloudsdk_core::credentials::{aliyun as aliyun_env, huawei as huawei_env};
use report::{Clients, Targets};

const USAGE: &str = "\
usage: tour [--live] [--huawei-region REGION] [--server-id ID] [--security-group-id ID]
            [--aliyun-region REGION] [--aliyun-group-id ID]...

Without --live: starts the embedded emulator and shows its seeded resources (the ids default to
the documents' examples). With --live: calls the real clouds with credentials from the vendors'
default chains (environment, profiles, OIDC, instance role), for the ids given.";

#[derive(Debug, Default)]
struct Args {
    live: bool,
    huawei_region: Option<String>,
    server_id: Option<String>,
    security_group_id: Option<String>,
    aliyun_region: Option<String>,
    aliyun_group_ids: Vec<String>,
}

enum Parsed {
    Run(Args),
    Help,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--live" => parsed.live = true,
            "--huawei-region" => parsed.huawei_region = Some(value("--huawei-region")?),
            "--server-id" => parsed.server_id = Some(value("--server-id")?),
            "--security-group-id" => parsed.security_group_id = Some(value("--security-group-id")?),
            "--aliyun-region" => parsed.aliyun_region = Some(value("--aliyun-region")?),
            "--aliyun-group-id" => parsed.aliyun_group_ids.push(value("--aliyun-group-id")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if parsed.aliyun_group_ids.len() > 10 {
        return Err("at most 10 --aliyun-group-id (the API's limit)".to_owned());
    }
    Ok(Parsed::Run(parsed))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("tour: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = if args.live {
        live(args).await
    } else {
        emulated(args).await
    };
    match result {
        Ok(report) => {
            print!("{}", report.text);
            if report.failures == 0 {
                ExitCode::SUCCESS
            } else {
                eprintln!("tour: {} call(s) failed", report.failures);
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("tour: {message}");
            ExitCode::from(2)
        }
    }
}

/// Against the embedded emulator, seeded with the documents' examples.
async fn emulated(args: Args) -> Result<report::Report, String> {
    let emulator = cloudsdk_emulator::Emulator::start()
        .await
        .map_err(|e| format!("could not start the embedded emulator: {e}"))?;
    eprintln!(
        "tour: embedded emulator listening on {} (Huawei and Alibaba protocols)",
        emulator.endpoint()
    );
    let huawei_region = args
        .huawei_region
        .unwrap_or_else(|| cloudsdk_emulator::DEFAULT_HUAWEI_REGION.to_owned());
    let aliyun_region = args
        .aliyun_region
        .unwrap_or_else(|| cloudsdk_emulator::DEFAULT_ALIYUN_REGION.to_owned());
    let mut targets = Targets::seeded(&huawei_region, &aliyun_region);
    if args.server_id.is_some() {
        targets.server_id = args.server_id;
    }
    if args.security_group_id.is_some() {
        targets.security_group_id = args.security_group_id;
    }
    if !args.aliyun_group_ids.is_empty() {
        targets.aliyun_group_ids = args.aliyun_group_ids;
    }
    let clients = Clients::for_emulator(
        &emulator.endpoint(),
        &emulator.credentials(),
        &huawei_region,
        &aliyun_region,
    )
    .map_err(|e| format!("could not build the clients: {e}"))?;
    Ok(report::run(&clients, &targets).await)
}

/// Against the real clouds, with the vendors' environment variables.
async fn live(args: Args) -> Result<report::Report, String> {
    let huawei = args.server_id.is_some() || args.security_group_id.is_some();
    let aliyun = !args.aliyun_group_ids.is_empty();
    if !huawei && !aliyun {
        return Err(format!(
            "--live needs at least one of --server-id, --security-group-id, --aliyun-group-id\n\n{USAGE}"
        ));
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut missing = Vec::new();
    let huawei_region = args.huawei_region.or_else(|| var(huawei_env::ENV_REGION));
    let aliyun_region = args
        .aliyun_region
        .or_else(|| var(aliyun_env::ENV_REGION_ID));
    // Credentials come from the default chains (environment, profiles, OIDC, instance
    // metadata): nothing to check here, the clients report what they tried.
    if huawei && huawei_region.is_none() {
        missing.push(format!("{} (or --huawei-region)", huawei_env::ENV_REGION));
    }
    if aliyun && aliyun_region.is_none() {
        missing.push(format!(
            "{} (or --aliyun-region)",
            aliyun_env::ENV_REGION_ID
        ));
    }
    if !missing.is_empty() {
        return Err(format!(
            "--live needs these environment variables, which are not set: {}",
            missing.join(", ")
        ));
    }

    let mut clients = Clients::default();
    if huawei {
        let region = huawei_region.clone().unwrap_or_default();
        clients.ecs = Some(
            huawei_ecs_v2::ClientBuilder::from_env()
                .region(region.clone())
                .build()
                .map_err(|e| format!("Huawei ECS client: {e}"))?,
        );
        clients.vpc = Some(
            huawei_vpc_v3::ClientBuilder::from_env()
                .region(region)
                .build()
                .map_err(|e| format!("Huawei VPC client: {e}"))?,
        );
    }
    if aliyun {
        clients.aliyun = Some(
            aliyun_ecs::ClientBuilder::from_env()
                .region(aliyun_region.clone().unwrap_or_default())
                .build()
                .map_err(|e| format!("Alibaba ECS client: {e}"))?,
        );
    }
    eprintln!("tour: calling the live clouds");
    let targets = Targets {
        huawei_region: huawei_region.unwrap_or_default(),
        server_id: args.server_id,
        security_group_id: args.security_group_id,
        aliyun_region: aliyun_region.unwrap_or_default(),
        aliyun_group_ids: args.aliyun_group_ids,
    };
    Ok(report::run(&clients, &targets).await)
}
