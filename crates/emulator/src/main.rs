//! `cloudsdk-emulator`: serves the Huawei Cloud and Alibaba Cloud emulator until Ctrl-C or
//! SIGTERM. See the library docs for routes, state and faults.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cloudsdk_emulator::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_CREDENTIAL_TTL,
    DEFAULT_HUAWEI_IDP_ID, DEFAULT_MAX_CLOCK_SKEW, DEFAULT_OIDC_TOKEN,
    DEFAULT_REQUEST_LOG_CAPACITY, DEFAULT_REQUEST_READ_TIMEOUT, DEFAULT_TLS_HANDSHAKE_TIMEOUT,
    Emulator, FaultRule, ImdsTokens, State,
};

/// A local cloud on loopback that speaks Huawei Cloud (ECS v2/v2.1 Nova security groups, VPC v3
/// ShowSecurityGroup, IAM project lookup) and Alibaba Cloud (ECS RPC
/// DescribeSecurityGroupReferences, V2 and V3 signatures, JSON and XML), verifying every
/// signature, and their credential services (instance metadata, STS, IAM federation, a
/// credentials URI) issuing temporary keys it then accepts. Prints `cloudsdk-emulator listening
/// on http://HOST:PORT` (https with --tls-cert) once started, followed by the Huawei projects,
/// the Alibaba regions, the accepted access key id and the credential services' role; then one
/// line per request on stderr.
#[derive(Debug, Parser)]
#[command(name = "cloudsdk-emulator", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The access key id to accept.
    #[arg(long, default_value = DEFAULT_ACCESS_KEY_ID)]
    access_key_id: String,
    /// The secret of the access key.
    #[arg(long, default_value = DEFAULT_ACCESS_KEY_SECRET, hide_default_value = false)]
    access_key_secret: String,
    /// Makes the key temporary: every request must carry and sign this security token.
    #[arg(long)]
    security_token: Option<String>,
    /// Resources to serve, as JSON (see the crate docs of `State`); default: the documents'
    /// examples.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Faults to inject, a JSON array of `{"fault": {"kind": ...}, "vendor"?, "operation"?}`.
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Runs the emulator's clock this many seconds ahead (negative: behind).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    clock_offset: i64,
    /// Largest accepted difference between a request's signing time and the emulator's clock.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_MAX_CLOCK_SKEW.as_secs())]
    max_clock_skew: u64,
    /// Closes a connection whose next request (head and body) has not arrived this many
    /// seconds after it was accepted or last answered.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_REQUEST_READ_TIMEOUT.as_secs())]
    request_read_timeout: u64,
    /// How many of the most recent requests the emulator keeps in memory.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_REQUEST_LOG_CAPACITY)]
    request_log_capacity: usize,
    /// Serves HTTPS with this certificate chain (PEM, the leaf first; it should name the
    /// listen address, e.g. an IP SAN 127.0.0.1). Requires --tls-key.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of --tls-cert. Requires --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Closes a connection whose TLS handshake has not completed this many seconds after it
    /// was accepted (with --tls-cert).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TLS_HANDSHAKE_TIMEOUT.as_secs())]
    tls_handshake_timeout: u64,
    /// Do not log requests to stderr.
    #[arg(long)]
    quiet: bool,
    /// Lifetime of the temporary keys the credential services issue (instance metadata, STS,
    /// IAM federation, credentials URI); a longer requested duration is capped to it.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_CREDENTIAL_TTL.as_secs())]
    credential_ttl: u64,
    /// A RAM role name served by the Alibaba instance metadata and accepted by AssumeRole
    /// (repeat for several; default: EmulatorRole).
    #[arg(long = "role-name", value_name = "NAME")]
    role_names: Vec<String>,
    /// No instance role at all: Alibaba IMDS lists none, Huawei metadata says "Please
    /// configure Cloud Service Agency first".
    #[arg(long, conflicts_with = "role_names")]
    no_role: bool,
    /// The OIDC / ID token accepted by AssumeRoleWithOIDC and the Huawei ID-token exchange.
    #[arg(long, value_name = "TOKEN", default_value = DEFAULT_OIDC_TOKEN)]
    oidc_token: String,
    /// The Huawei identity provider id (X-Idp-Id) accepted by the ID-token exchange.
    #[arg(long, value_name = "ID", default_value = DEFAULT_HUAWEI_IDP_ID)]
    idp_id: String,
    /// Instance metadata session tokens (IMDSv2): optional, required or disabled.
    #[arg(long, value_name = "MODE", default_value = "optional", value_parser = parse_imds_tokens)]
    imds_tokens: ImdsTokens,
}

fn parse_imds_tokens(s: &str) -> Result<ImdsTokens, String> {
    s.parse()
}

/// The PEM text of --tls-cert and --tls-key.
struct TlsFiles {
    cert: Vec<u8>,
    key: Vec<u8>,
}

/// The certificate and key PEM files of --tls-cert / --tls-key, read.
fn read_tls(args: &Args) -> Result<Option<TlsFiles>, String> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    let read = |path: &PathBuf, what: &str| {
        std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
    };
    Ok(Some(TlsFiles {
        cert: read(cert, "--tls-cert")?,
        key: read(key, "--tls-key")?,
    }))
}

/// The startup banner: the address line (always the first line: scripts wait for it), then what
/// is served and with which key id. Never the secret or the token.
fn banner(emulator: &Emulator) -> String {
    let state = emulator.state();
    let mut out = format!("cloudsdk-emulator listening on {}\n", emulator.endpoint());
    out.push_str("  Huawei Cloud projects (id, region):\n");
    if state.huawei.projects.is_empty() {
        out.push_str("    (none)\n");
    }
    for p in &state.huawei.projects {
        out.push_str(&format!("    {}  {}\n", p.id, p.name));
    }
    let regions: Vec<&str> = state.aliyun.regions.iter().map(|r| r.id.as_str()).collect();
    out.push_str(&format!(
        "  Alibaba Cloud regions: {}\n",
        if regions.is_empty() {
            "(none)".to_owned()
        } else {
            regions.join(", ")
        }
    ));
    let token = if emulator.security_token().is_some() {
        " (temporary: requests must carry the security token)"
    } else {
        ""
    };
    out.push_str(&format!(
        "  access key id: {}{token}\n",
        emulator.access_key_id()
    ));
    let roles = emulator.role_names();
    out.push_str(&format!(
        "  credential services: role {}; temporary keys valid {} s\n",
        if roles.is_empty() {
            "(none)".to_owned()
        } else {
            roles.join(", ")
        },
        emulator.credential_ttl().as_secs()
    ));
    out
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("cloudsdk-emulator: {message}");
    ExitCode::from(2)
}

/// The emulator the command line asks for.
fn configure(
    args: Args,
    state: State,
    faults: Vec<FaultRule>,
    tls: Option<TlsFiles>,
) -> cloudsdk_emulator::EmulatorBuilder {
    let mut builder = Emulator::builder()
        .listen(args.listen)
        .access_key(args.access_key_id, args.access_key_secret)
        .state(state)
        .clock_offset(args.clock_offset)
        .max_clock_skew(Duration::from_secs(args.max_clock_skew))
        .faults(faults)
        .request_read_timeout(Duration::from_secs(args.request_read_timeout))
        .request_log_capacity(args.request_log_capacity)
        .log_requests(!args.quiet)
        .credential_ttl(Duration::from_secs(args.credential_ttl))
        .oidc_token(args.oidc_token)
        .idp_id(args.idp_id)
        .imds_tokens(args.imds_tokens);
    if args.no_role {
        builder = builder.role_names(Vec::<String>::new());
    } else if !args.role_names.is_empty() {
        builder = builder.role_names(args.role_names);
    }
    if let Some(token) = args.security_token {
        builder = builder.security_token(token);
    }
    if let Some(TlsFiles { cert, key }) = tls {
        builder = builder
            .tls(cert, key)
            .tls_handshake_timeout(Duration::from_secs(args.tls_handshake_timeout));
    }
    builder
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let state = match &args.state {
        Some(path) => match State::from_file(path) {
            Ok(s) => s,
            Err(e) => return fail(e),
        },
        None => State::seeded(),
    };
    let faults = match &args.faults {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read faults file {}: {e}", path.display()))
            .and_then(|t| {
                FaultRule::list_from_json(&t)
                    .map_err(|e| format!("faults file {}: {e}", path.display()))
            }) {
            Ok(f) => f,
            Err(e) => return fail(e),
        },
        None => Vec::new(),
    };
    let tls = match read_tls(&args) {
        Ok(tls) => tls,
        Err(e) => return fail(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let listen = args.listen;
        let builder = configure(args, state, faults, tls);
        let shutdown = shutdown_signal();
        let emulator = match builder.start().await {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot start on {listen}: {e}")),
        };
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner(&emulator).as_bytes());
        let _ = stdout.flush();
        drop(stdout);
        shutdown.await;
        eprintln!("cloudsdk-emulator: shutting down");
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are registered when this is called (before the
/// "listening" line is printed), so a signal sent right after that line is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            match (term, int) {
                (Some(mut term), Some(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
