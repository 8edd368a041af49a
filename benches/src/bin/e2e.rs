//! End-to-end benchmark: calls of each operation through the SDK against the local emulator,
//! next to a hand-written floor (reqwest + the core's signers + serde, no builder, no retry loop,
//! same connection pooling), sequentially and with `--concurrency` calls in flight on one shared
//! client.
//!
//! ```text
//! cargo build --release -p cloudsdk-emulator -p cloudsdk-benches
//! target/release/e2e [--endpoint URL] [--ak AK --sk SK] [--project-id ID]
//!                    [--rounds 5] [--seq-calls 2000] [--conc-calls 40000] [--concurrency 64]
//!                    [--alloc-calls 1000] [--only OP[,OP…]] [--tsv PATH] [--alloc-tsv PATH]
//!                    [--profile sdk|floor|sdk-concurrent|floor-concurrent] [--marks PATH]
//! ```
//!
//! `--profile sdk|floor` makes only `--seq-calls` sequential calls of each operation through one
//! implementation (`sdk-concurrent|floor-concurrent`: `--conc-calls` calls, `--concurrency` in
//! flight) and reports nothing: run it under a profiler, once per implementation, e.g.
//! `valgrind --tool=callgrind target/release/e2e --endpoint URL --profile sdk --seq-calls 2000`.
//!
//! `--marks PATH` writes, for every timed block of the interleaved run, `op  mode  impl  calls
//! start_s  end_s` (seconds since the Unix epoch, `CLOCK_REALTIME`): with
//! `perf record -k CLOCK_REALTIME`, the samples of the real run can be split by the block they
//! fall in (`benches/tools/perf_blocks.py`), so the SDK's and the floor's costs are compared
//! as they run side by side, kernel and every thread included.
//!
//! Without `--endpoint` it starts `cloudsdk-emulator` (next to its own executable) on a free
//! loopback port and stops it at the end. Each round measures every (operation, mode) with the
//! SDK and the floor alternating in short interleaved blocks (20 sequential calls; 4 calls per
//! task in flight), so load changes hit both alike; the report gives calls/s as medians over
//! rounds, and the SDK ÷ floor ratio as the median, over every block pair of every round, of the
//! ratio of the two adjacent blocks' times (a pair runs at nearly the same moment, so a burst of
//! load from elsewhere on the machine moves one pair, not a round's total), with a 95%
//! confidence interval of that median.
//! `--tsv` writes one line per (operation, mode, implementation):
//! `op  mode  impl  median_calls_per_s  median_us_per_call  min_calls_per_s  max_calls_per_s
//! sdk_over_floor  cpu_us_per_call  ci_low  ci_high  pairs`: the median over block pairs of the
//! ratio of times per call, the median client CPU time per call (every thread of this process,
//! `CLOCK_PROCESS_CPUTIME_ID`; `-` where unavailable), the 95% confidence interval of that
//! median (`-` with fewer than 6 pairs) and the number of pairs.
//!
//! Sequential and `--concurrency` rows are measured in the same run: every round measures each
//! operation sequentially, then with calls in flight, each time SDK and floor alternating block by
//! block.
//!
//! Allocations per call: after the warm-up, `--alloc-calls` sequential calls of each operation
//! through each implementation (alternating in 4 blocks) with the counting global allocator
//! (`cloudsdk_benches::counting`) on; it is off while timing, where it costs one relaxed atomic
//! load per allocation. Every thread of the process counts (the tokio workers running hyper's
//! connection tasks included); the emulator, a separate process, does not. `--alloc-tsv` writes one
//! line per (operation, implementation): `op  impl  calls  allocations_per_call  bytes_per_call`.

#![warn(clippy::too_many_lines)]

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cloudsdk_benches::counting::{self, Snapshot};
use cloudsdk_benches::stats::{median, median_ci};

use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput;
use cloudsdk_core::aliyun::{Format, SignatureAlgorithm};
use cloudsdk_core::sign::{self, aliyun_v2, aliyun_v3, huawei};
use huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput;
use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput;
use time::OffsetDateTime;

/// Seeded resources of the emulator.
const SERVER_ID: &str = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e";
const VPC_GROUP_ID: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";
const ALIYUN_GROUP_ID: &str = "sg-1133aa";
const HUAWEI_REGION: &str = "cn-north-4";
const ALIYUN_REGION: &str = "cn-hangzhou";
const UA: &str = "cloudsdk-bench-floor/0.1";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

/// The operations measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    VpcShowSecurityGroup,
    NovaListServerSecurityGroups,
    AliyunV3Json,
    AliyunV2Json,
    AliyunV3Xml,
}

impl Op {
    const ALL: [Op; 5] = [
        Op::VpcShowSecurityGroup,
        Op::NovaListServerSecurityGroups,
        Op::AliyunV3Json,
        Op::AliyunV2Json,
        Op::AliyunV3Xml,
    ];

    fn id(self) -> &'static str {
        match self {
            Op::VpcShowSecurityGroup => "huawei_vpc_show_security_group",
            Op::NovaListServerSecurityGroups => "huawei_ecs_nova_list_server_security_groups",
            Op::AliyunV3Json => "aliyun_describe_security_group_references_v3_json",
            Op::AliyunV2Json => "aliyun_describe_security_group_references_v2_json",
            Op::AliyunV3Xml => "aliyun_describe_security_group_references_v3_xml",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Impl {
    Sdk,
    Floor,
}

impl Impl {
    fn id(self) -> &'static str {
        match self {
            Impl::Sdk => "sdk",
            Impl::Floor => "floor",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sequential,
    Concurrent,
}

impl Mode {
    fn id(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Concurrent => "concurrent",
        }
    }
}

/// Command-line settings.
#[derive(Debug, Clone)]
struct Args {
    endpoint: Option<String>,
    ak: String,
    sk: String,
    project_id: String,
    rounds: usize,
    seq_calls: usize,
    conc_calls: usize,
    concurrency: usize,
    alloc_calls: usize,
    only: Vec<Op>,
    tsv: Option<String>,
    alloc_tsv: Option<String>,
    /// `--profile sdk|floor` (`seq-calls` sequential calls of each operation through one
    /// implementation) or `sdk-concurrent|floor-concurrent` (`conc-calls` calls, `concurrency`
    /// in flight), and no report: for a profiler such as `valgrind --tool=callgrind`.
    profile: Option<(Impl, Mode)>,
    /// `--marks PATH`: where to write the time span of every timed block (see the module docs).
    marks: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        endpoint: None,
        ak: "AK".into(),
        sk: "SK".into(),
        project_id: "060576782980d5762f9ec014dd2f1148".into(),
        rounds: 5,
        seq_calls: 2000,
        conc_calls: 40_000,
        concurrency: 64,
        alloc_calls: 1000,
        only: Op::ALL.to_vec(),
        tsv: None,
        alloc_tsv: None,
        profile: None,
        marks: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag}: not a positive number: {v}"))
        };
        match flag.as_str() {
            "--endpoint" => a.endpoint = Some(value()?),
            "--ak" => a.ak = value()?,
            "--sk" => a.sk = value()?,
            "--project-id" => a.project_id = value()?,
            "--rounds" => a.rounds = number(value()?)?,
            "--seq-calls" => a.seq_calls = number(value()?)?,
            "--conc-calls" => a.conc_calls = number(value()?)?,
            "--concurrency" => a.concurrency = number(value()?)?,
            "--alloc-calls" => a.alloc_calls = number(value()?)?,
            "--tsv" => a.tsv = Some(value()?),
            "--alloc-tsv" => a.alloc_tsv = Some(value()?),
            "--marks" => a.marks = Some(value()?),
            "--profile" => {
                a.profile = Some(match value()?.as_str() {
                    "sdk" => (Impl::Sdk, Mode::Sequential),
                    "floor" => (Impl::Floor, Mode::Sequential),
                    "sdk-concurrent" => (Impl::Sdk, Mode::Concurrent),
                    "floor-concurrent" => (Impl::Floor, Mode::Concurrent),
                    other => {
                        return Err(format!(
                            "--profile: sdk, floor, sdk-concurrent or floor-concurrent, not {other}"
                        ));
                    }
                });
            }
            "--only" => {
                let v = value()?;
                a.only = v
                    .split(',')
                    .map(|name| {
                        Op::ALL
                            .into_iter()
                            .find(|op| op.id() == name)
                            .ok_or_else(|| format!("unknown operation {name}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

/// The SDK clients and the floor's pieces, shared by every task.
#[derive(Debug)]
struct Ctx {
    vpc: huawei_vpc_v3::Client,
    ecs: huawei_ecs_v2::Client,
    ali_v3_json: aliyun_ecs::Client,
    ali_v2_json: aliyun_ecs::Client,
    ali_v3_xml: aliyun_ecs::Client,
    floor: Floor,
}

/// The hand-written floor: one pooled reqwest client, the core's sign functions, serde.
#[derive(Debug)]
struct Floor {
    http: reqwest::Client,
    origin: String,
    host: String,
    ak: String,
    sk: String,
    project_id: String,
}

impl Ctx {
    fn new(endpoint: &str, a: &Args) -> Result<Self, BoxError> {
        let hw = || huawei_vpc_v3::Credentials::new(a.ak.clone(), a.sk.clone());
        let vpc = huawei_vpc_v3::Client::builder()
            .region(HUAWEI_REGION)
            .endpoint(endpoint)
            .project_id(a.project_id.clone())
            .credentials(hw())
            .build()?;
        let ecs = huawei_ecs_v2::Client::builder()
            .region(HUAWEI_REGION)
            .endpoint(endpoint)
            .project_id(a.project_id.clone())
            .credentials(hw())
            .build()?;
        let ali = |alg, format| {
            aliyun_ecs::Client::builder()
                .region(ALIYUN_REGION)
                .endpoint(endpoint)
                .credentials(aliyun_ecs::Credentials::new(a.ak.clone(), a.sk.clone()))
                .signature_algorithm(alg)
                .format(format)
                .build()
        };
        let (origin, host) = split_endpoint(endpoint)?;
        // The SDK's transport settings: rustls with ring (installed by the clients built above),
        // no redirects, 60 s idle pool.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()?;
        Ok(Ctx {
            vpc,
            ecs,
            ali_v3_json: ali(SignatureAlgorithm::V3, Format::Json)?,
            ali_v2_json: ali(SignatureAlgorithm::V2, Format::Json)?,
            ali_v3_xml: ali(SignatureAlgorithm::V3, Format::Xml)?,
            floor: Floor {
                http,
                origin,
                host,
                ak: a.ak.clone(),
                sk: a.sk.clone(),
                project_id: a.project_id.clone(),
            },
        })
    }

    /// One call; returns the number of rules / referencing groups decoded.
    async fn call(&self, op: Op, imp: Impl) -> Result<usize, BoxError> {
        match imp {
            Impl::Sdk => self.sdk(op).await,
            Impl::Floor => self.floor.call(op).await,
        }
    }

    async fn sdk(&self, op: Op) -> Result<usize, BoxError> {
        Ok(match op {
            Op::VpcShowSecurityGroup => {
                let out = self
                    .vpc
                    .show_security_group()
                    .security_group_id(VPC_GROUP_ID)
                    .send()
                    .await?;
                vpc_items(&out)
            }
            Op::NovaListServerSecurityGroups => {
                let out = self
                    .ecs
                    .nova_list_server_security_groups()
                    .server_id(SERVER_ID)
                    .send()
                    .await?;
                nova_items(&out)
            }
            Op::AliyunV3Json | Op::AliyunV2Json | Op::AliyunV3Xml => {
                let client = match op {
                    Op::AliyunV3Json => &self.ali_v3_json,
                    Op::AliyunV2Json => &self.ali_v2_json,
                    _ => &self.ali_v3_xml,
                };
                let out = client
                    .describe_security_group_references()
                    .region_id(ALIYUN_REGION)
                    .security_group_id(ALIYUN_GROUP_ID)
                    .send()
                    .await?;
                aliyun_items(&out)
            }
        })
    }
}

fn vpc_items(o: &ShowSecurityGroupOutput) -> usize {
    o.security_group
        .as_ref()
        .map_or(0, |g| g.security_group_rules.len())
}

fn nova_items(o: &NovaListServerSecurityGroupsOutput) -> usize {
    o.security_groups.iter().map(|g| g.rules.len() + 1).sum()
}

fn aliyun_items(o: &DescribeSecurityGroupReferencesOutput) -> usize {
    o.security_group_references
        .iter()
        .map(|r| r.referencing_security_groups.len() + 1)
        .sum()
}

/// `http://host:port[/base]` → (origin without trailing `/`, `host:port`).
fn split_endpoint(endpoint: &str) -> Result<(String, String), BoxError> {
    let origin = endpoint.trim_end_matches('/').to_owned();
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .ok_or("endpoint must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or(rest).to_owned();
    Ok((origin, host))
}

impl Floor {
    async fn call(&self, op: Op) -> Result<usize, BoxError> {
        match op {
            Op::VpcShowSecurityGroup => {
                let path = format!("/v3/{}/vpc/security-groups/{VPC_GROUP_ID}", self.project_id);
                let body = self.huawei_get(&path).await?;
                Ok(vpc_items(&serde_json::from_slice(&body)?))
            }
            Op::NovaListServerSecurityGroups => {
                let path = format!(
                    "/v2.1/{}/servers/{SERVER_ID}/os-security-groups",
                    self.project_id
                );
                let body = self.huawei_get(&path).await?;
                Ok(nova_items(&serde_json::from_slice(&body)?))
            }
            Op::AliyunV3Json => {
                let body = self.aliyun_v3(false).await?;
                Ok(aliyun_items(&serde_json::from_slice(&body)?))
            }
            Op::AliyunV3Xml => {
                let body = self.aliyun_v3(true).await?;
                let text = std::str::from_utf8(&body)?;
                Ok(aliyun_items(&quick_xml::de::from_str(text)?))
            }
            Op::AliyunV2Json => {
                let body = self.aliyun_v2().await?;
                Ok(aliyun_items(&serde_json::from_slice(&body)?))
            }
        }
    }

    async fn huawei_get(&self, path: &str) -> Result<bytes::Bytes, BoxError> {
        let date = huawei::format_sdk_date(OffsetDateTime::now_utc());
        let headers = [
            ("Content-Type", "application/json"),
            ("Host", self.host.as_str()),
            ("User-Agent", UA),
            (huawei::HEADER_SDK_DATE, date.as_str()),
            ("X-Project-Id", self.project_id.as_str()),
        ];
        let signed = huawei::sign(
            &huawei::SigningInput {
                method: "GET",
                host: &self.host,
                path,
                query: &[],
                headers: &headers,
                body: b"",
            },
            &self.ak,
            &self.sk,
        )?;
        let mut req = self.http.get(format!("{}{path}", self.origin));
        for (n, v) in headers {
            req = req.header(n, v);
        }
        let resp = req
            .header("Authorization", signed.authorization)
            .send()
            .await?;
        ok_body(resp).await
    }

    async fn aliyun_v3(&self, xml: bool) -> Result<bytes::Bytes, BoxError> {
        let now = aliyun_v3::format_timestamp(OffsetDateTime::now_utc());
        let nonce = aliyun_v3::new_nonce();
        let headers = [
            ("host", self.host.as_str()),
            ("x-acs-action", "DescribeSecurityGroupReferences"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", now.as_str()),
            ("x-acs-signature-nonce", nonce.as_str()),
            ("x-acs-content-sha256", sign::EMPTY_PAYLOAD_SHA256),
            (
                "accept",
                if xml {
                    "application/xml"
                } else {
                    "application/json"
                },
            ),
            ("user-agent", UA),
        ];
        let mut query = vec![
            ("RegionId", ALIYUN_REGION),
            ("SecurityGroupId.1", ALIYUN_GROUP_ID),
        ];
        if xml {
            query.push(("Format", "XML"));
        }
        let signed = aliyun_v3::sign(
            &aliyun_v3::SigningInput {
                method: "POST",
                path: "/",
                query: &query,
                headers: &headers,
                body: b"",
            },
            &self.ak,
            &self.sk,
        );
        let mut req = self
            .http
            .post(format!("{}/?{}", self.origin, signed.canonical_query));
        for (n, v) in headers {
            req = req.header(n, v);
        }
        let resp = req
            .header("authorization", signed.authorization)
            .body(Vec::<u8>::new())
            .send()
            .await?;
        ok_body(resp).await
    }

    async fn aliyun_v2(&self) -> Result<bytes::Bytes, BoxError> {
        let now = aliyun_v2::format_timestamp(OffsetDateTime::now_utc());
        let nonce = aliyun_v3::new_nonce();
        let params = [
            ("RegionId", ALIYUN_REGION),
            ("SecurityGroupId.1", ALIYUN_GROUP_ID),
            ("Action", "DescribeSecurityGroupReferences"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("AccessKeyId", self.ak.as_str()),
            ("SignatureMethod", aliyun_v2::SIGNATURE_METHOD),
            ("SignatureVersion", aliyun_v2::SIGNATURE_VERSION),
            ("SignatureNonce", nonce.as_str()),
            ("Timestamp", now.as_str()),
        ];
        let signed = aliyun_v2::sign("POST", &params, &self.sk);
        let resp = self
            .http
            .post(format!("{}/?{}", self.origin, signed.signed_query))
            .header("host", self.host.as_str())
            .header("x-acs-action", "DescribeSecurityGroupReferences")
            .header("x-acs-version", "2014-05-26")
            .header("accept", "application/json")
            .header("user-agent", UA)
            .body(Vec::<u8>::new())
            .send()
            .await?;
        ok_body(resp).await
    }
}

async fn ok_body(resp: reqwest::Response) -> Result<bytes::Bytes, BoxError> {
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )
        .into());
    }
    Ok(body)
}

/// Runs `calls` calls one after another; returns the elapsed time.
async fn sequential(ctx: &Ctx, op: Op, imp: Impl, calls: usize) -> Result<Duration, BoxError> {
    let start = Instant::now();
    for _ in 0..calls {
        ctx.call(op, imp).await?;
    }
    Ok(start.elapsed())
}

/// Runs `calls` calls with `in_flight` tasks sharing the client; returns the elapsed time.
async fn concurrent(
    ctx: &Arc<Ctx>,
    op: Op,
    imp: Impl,
    calls: usize,
    in_flight: usize,
) -> Result<Duration, BoxError> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(in_flight);
    for _ in 0..in_flight {
        let ctx = Arc::clone(ctx);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                ctx.call(op, imp).await?;
            }
            Ok::<(), BoxError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed())
}

/// Calls per second of each round, by (op, mode, impl); client CPU µs per call; SDK ÷ floor
/// time of each block pair, by (op, mode); allocations.
#[derive(Debug, Default)]
struct Results {
    rows: Vec<(Op, Mode, Impl, Vec<f64>)>,
    cpu: Vec<(Op, Mode, Impl, Vec<f64>)>,
    block_ratios: Vec<(Op, Mode, Vec<f64>)>,
    allocs: Vec<AllocRow>,
    /// `--marks`: one TSV line per timed block (see the module docs).
    marks: String,
}

impl Results {
    fn push_block_ratios(&mut self, op: Op, mode: Mode, ratios: &[f64]) {
        match self
            .block_ratios
            .iter_mut()
            .find(|(o, m, _)| *o == op && *m == mode)
        {
            Some(row) => row.2.extend_from_slice(ratios),
            None => self.block_ratios.push((op, mode, ratios.to_vec())),
        }
    }

    fn push_cpu(&mut self, op: Op, mode: Mode, imp: Impl, us_per_call: f64) {
        match self
            .cpu
            .iter_mut()
            .find(|(o, m, i, _)| *o == op && *m == mode && *i == imp)
        {
            Some(row) => row.3.push(us_per_call),
            None => self.cpu.push((op, mode, imp, vec![us_per_call])),
        }
    }

    fn median_cpu(&self, op: Op, mode: Mode, imp: Impl) -> Option<f64> {
        self.cpu
            .iter()
            .find(|(o, m, i, _)| *o == op && *m == mode && *i == imp)
            .map(|(_, _, _, v)| median(v))
    }

    fn push(&mut self, op: Op, mode: Mode, imp: Impl, calls_per_s: f64) {
        match self
            .rows
            .iter_mut()
            .find(|(o, m, i, _)| *o == op && *m == mode && *i == imp)
        {
            Some(row) => row.3.push(calls_per_s),
            None => self.rows.push((op, mode, imp, vec![calls_per_s])),
        }
    }

    /// Median over every block pair of every round of (SDK block time ÷ floor block time); the
    /// two blocks of a pair make the same number of calls one right after the other.
    fn paired_ratio(&self, op: Op, mode: Mode) -> Option<f64> {
        let ratios = self.block_ratios(op, mode);
        (!ratios.is_empty()).then(|| median(ratios))
    }

    /// The block pairs' ratios of (op, mode).
    fn block_ratios(&self, op: Op, mode: Mode) -> &[f64] {
        self.block_ratios
            .iter()
            .find(|(o, m, _)| *o == op && *m == mode)
            .map_or(&[], |(_, _, v)| v.as_slice())
    }

    fn median(&self, op: Op, mode: Mode, imp: Impl) -> Option<f64> {
        self.rows
            .iter()
            .find(|(o, m, i, _)| *o == op && *m == mode && *i == imp)
            .map(|(_, _, _, v)| median(v))
    }
}

/// Warm-up: connections, allocator, and a check that both paths decode the same thing.
async fn warm_up(ctx: &Arc<Ctx>, a: &Args) -> Result<(), BoxError> {
    for &op in &a.only {
        let sdk = ctx
            .call(op, Impl::Sdk)
            .await
            .map_err(|e| format!("{} through the SDK: {e}", op.id()))?;
        let floor = ctx
            .call(op, Impl::Floor)
            .await
            .map_err(|e| format!("{} through the floor: {e}", op.id()))?;
        if sdk != floor || sdk == 0 {
            return Err(format!(
                "{}: the SDK decoded {sdk} items, the floor {floor}: not the same work",
                op.id()
            )
            .into());
        }
        concurrent(ctx, op, Impl::Sdk, a.concurrency * 4, a.concurrency).await?;
        concurrent(ctx, op, Impl::Floor, a.concurrency * 4, a.concurrency).await?;
    }
    Ok(())
}

/// Blocks of the allocation count; SDK and floor alternate.
const ALLOC_BLOCKS: usize = 4;

/// Heap allocations of `calls` sequential calls of each operation through each implementation,
/// counted with the global allocator on (see the module docs).
async fn count_allocations(ctx: &Arc<Ctx>, a: &Args) -> Result<Vec<AllocRow>, BoxError> {
    let mut rows = Vec::new();
    for &op in &a.only {
        // A few uncounted calls first: lazily created state (pooled connection, caches).
        sequential(ctx, op, Impl::Sdk, 10).await?;
        sequential(ctx, op, Impl::Floor, 10).await?;
        let mut spent = [Snapshot::default(); 2];
        let per_block = a.alloc_calls.div_ceil(ALLOC_BLOCKS);
        let mut done = 0;
        let mut block = 0;
        while done < a.alloc_calls {
            let n = per_block.min(a.alloc_calls - done);
            let order = if block % 2 == 0 {
                [Impl::Sdk, Impl::Floor]
            } else {
                [Impl::Floor, Impl::Sdk]
            };
            for imp in order {
                counting::enable();
                let before = Snapshot::now();
                let r = sequential(ctx, op, imp, n).await;
                let d = Snapshot::now().since(before);
                counting::disable();
                r?;
                let s = &mut spent[usize::from(imp == Impl::Floor)];
                s.allocations += d.allocations;
                s.bytes += d.bytes;
            }
            done += n;
            block += 1;
        }
        for (imp, s) in [(Impl::Sdk, spent[0]), (Impl::Floor, spent[1])] {
            rows.push(AllocRow {
                op,
                imp,
                calls: a.alloc_calls,
                spent: s,
            });
        }
    }
    Ok(rows)
}

/// Allocations of `calls` sequential calls of one operation through one implementation.
#[derive(Debug, Clone, Copy)]
struct AllocRow {
    op: Op,
    imp: Impl,
    calls: usize,
    spent: Snapshot,
}

impl AllocRow {
    fn per_call(&self) -> f64 {
        self.spent.allocations as f64 / self.calls as f64
    }

    fn bytes_per_call(&self) -> f64 {
        self.spent.bytes as f64 / self.calls as f64
    }
}

async fn bench(ctx: Arc<Ctx>, a: &Args) -> Result<Results, BoxError> {
    warm_up(&ctx, a).await?;
    let mut results = Results {
        allocs: count_allocations(&ctx, a).await?,
        ..Results::default()
    };
    eprintln!("e2e: allocations counted");
    for round in 0..a.rounds {
        for &op in &a.only {
            // Both rows of an operation in the same round, each with SDK and floor interleaved.
            for mode in [Mode::Sequential, Mode::Concurrent] {
                let calls = match mode {
                    Mode::Sequential => a.seq_calls,
                    Mode::Concurrent => a.conc_calls,
                };
                let ([sdk, floor], ratios) = paired(
                    &ctx,
                    (op, mode),
                    calls,
                    a.concurrency,
                    round,
                    &mut results.marks,
                )
                .await?;
                results.push_block_ratios(op, mode, &ratios);
                results.push(op, mode, Impl::Sdk, calls as f64 / sdk.wall.as_secs_f64());
                results.push(
                    op,
                    mode,
                    Impl::Floor,
                    calls as f64 / floor.wall.as_secs_f64(),
                );
                if let (Some(s), Some(f)) = (sdk.cpu_ns, floor.cpu_ns) {
                    results.push_cpu(op, mode, Impl::Sdk, s as f64 / 1e3 / calls as f64);
                    results.push_cpu(op, mode, Impl::Floor, f as f64 / 1e3 / calls as f64);
                }
            }
        }
        eprintln!("e2e: round {}/{} done", round + 1, a.rounds);
    }
    Ok(results)
}

/// Calls per block of sequential calls (about 10 ms): SDK and floor alternate block by block,
/// so load changes on the machine (other processes, the emulator's own work, a stall of the VM)
/// hit both about equally, and each round yields many block pairs (`--seq-calls 2000`: 100).
/// On a shared 2-core VM one pair's ratio scatters by ±20%; the median of a few hundred pairs
/// is what makes a 1-2% difference visible (see [`median_ci`]).
const SEQ_BLOCK_CALLS: usize = 20;

/// Calls per block of concurrent calls, per call in flight (64 in flight: 256 calls, about
/// 25 ms, 156 pairs per round of `--conc-calls 40000`). Each task makes about 4 calls in a
/// block, so the start and end of a block, when fewer calls are in flight, stay a small part of
/// it. A concurrent pair's ratio scatters more than a sequential one's: with 39 pairs a round
/// (`--conc-calls 10000`), whole runs of five rounds gave one row anywhere from 1.006× to
/// 1.071×; with 156, from 1.014× to 1.030×.
const CONC_BLOCK_CALLS_PER_TASK: usize = 4;

/// Wall time and client CPU time (this process, every thread) of a set of blocks.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    wall: Duration,
    /// `None` where the CPU time cannot be read (not Linux).
    cpu_ns: Option<u64>,
}

/// CPU time consumed so far by every thread of this process (exited ones included), in ns:
/// `CLOCK_PROCESS_CPUTIME_ID`, one system call (`None` where there is no such clock). The
/// client's own cost per call, independent of how fast the emulator answers.
#[cfg(unix)]
fn process_cpu_ns() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    let secs = u64::try_from(t.tv_sec).ok()?;
    let nanos = u64::try_from(t.tv_nsec).ok()?;
    Some(secs * 1_000_000_000 + nanos)
}

#[cfg(not(unix))]
fn process_cpu_ns() -> Option<u64> {
    None
}

/// Runs `calls` calls through each implementation in interleaved blocks ([`SEQ_BLOCK_CALLS`],
/// [`CONC_BLOCK_CALLS_PER_TASK`]); returns what the SDK's blocks and the floor's blocks spent,
/// and each block pair's SDK ÷ floor time.
async fn paired(
    ctx: &Arc<Ctx>,
    (op, mode): (Op, Mode),
    calls: usize,
    in_flight: usize,
    round: usize,
    marks: &mut String,
) -> Result<([Spent; 2], Vec<f64>), BoxError> {
    let per_block = match mode {
        Mode::Sequential => SEQ_BLOCK_CALLS,
        Mode::Concurrent => CONC_BLOCK_CALLS_PER_TASK * in_flight,
    }
    .clamp(1, calls.max(1));
    let mut ratios = Vec::with_capacity(calls.div_ceil(per_block));
    let mut total = [Spent {
        wall: Duration::ZERO,
        cpu_ns: Some(0),
    }; 2];
    let mut done = 0;
    let mut block = 0;
    while done < calls {
        let n = per_block.min(calls - done);
        let order = if (block + round).is_multiple_of(2) {
            [Impl::Sdk, Impl::Floor]
        } else {
            [Impl::Floor, Impl::Sdk]
        };
        let mut pair = [Duration::ZERO; 2];
        for imp in order {
            let cpu_before = process_cpu_ns();
            let started = unix_seconds();
            let d = match mode {
                Mode::Sequential => sequential(ctx, op, imp, n).await?,
                Mode::Concurrent => concurrent(ctx, op, imp, n, in_flight).await?,
            };
            let ended = unix_seconds();
            let cpu = match (cpu_before, process_cpu_ns()) {
                (Some(a), Some(b)) => Some(b.saturating_sub(a)),
                _ => None,
            };
            marks.push_str(&format!(
                "{}\t{}\t{}\t{n}\t{started:.6}\t{ended:.6}\n",
                op.id(),
                mode.id(),
                imp.id()
            ));
            let t = &mut total[usize::from(imp == Impl::Floor)];
            pair[usize::from(imp == Impl::Floor)] = d;
            t.wall += d;
            t.cpu_ns = t.cpu_ns.zip(cpu).map(|(a, b)| a + b);
        }
        ratios.push(pair[0].as_secs_f64() / pair[1].as_secs_f64());
        done += n;
        block += 1;
    }
    Ok((total, ratios))
}

/// Now, in seconds since the Unix epoch (`CLOCK_REALTIME`, the clock `perf record -k
/// CLOCK_REALTIME` stamps its samples with).
fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The emulator child process, stopped on drop.
#[derive(Debug)]
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_emulator(a: &Args) -> Result<(Emulator, String), BoxError> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .ok_or("no executable directory")?
        .join(format!("cloudsdk-emulator{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--access-key-id"])
        .arg(&a.ak)
        .arg("--access-key-secret")
        .arg(&a.sk)
        .arg("--quiet")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {} ({e}); build it with `cargo build --release -p cloudsdk-emulator` or pass --endpoint",
                bin.display()
            )
        })?;
    let stdout = child.stdout.take().ok_or("no emulator stdout")?;
    let emulator = Emulator(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let endpoint = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("unexpected emulator output: {line:?}"))?
        .to_owned();
    Ok((emulator, endpoint))
}

fn report(a: &Args, r: &Results) -> (String, String) {
    let mut md = String::new();
    let mut tsv = String::new();
    let _ = writeln!(
        md,
        "| operation | mode | SDK calls/s | floor calls/s | SDK µs/call | floor µs/call | SDK ÷ floor (time/call; 95% CI) | SDK CPU µs/call | floor CPU µs/call |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for &op in &a.only {
        for mode in [Mode::Sequential, Mode::Concurrent] {
            let (Some(sdk), Some(floor)) = (
                r.median(op, mode, Impl::Sdk),
                r.median(op, mode, Impl::Floor),
            ) else {
                continue;
            };
            let mode_label = match mode {
                Mode::Sequential => "sequential".to_owned(),
                Mode::Concurrent => format!("{} in flight", a.concurrency),
            };
            let ratio = r.paired_ratio(op, mode).unwrap_or(floor / sdk);
            let pairs = r.block_ratios(op, mode);
            let ci = median_ci(pairs);
            let ci_md = ci.map_or_else(String::new, |(l, h)| format!(" ({l:.3}–{h:.3})"));
            let ci_tsv = ci.map_or_else(|| "-\t-".to_owned(), |(l, h)| format!("{l:.4}\t{h:.4}"));
            let cpu = |imp| {
                r.median_cpu(op, mode, imp)
                    .map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
            };
            let _ = writeln!(
                md,
                "| {} | {mode_label} | {sdk:.0} | {floor:.0} | {:.1} | {:.1} | {ratio:.3}×{ci_md} | {} | {} |",
                op.id(),
                1e6 / sdk,
                1e6 / floor,
                cpu(Impl::Sdk),
                cpu(Impl::Floor),
            );
            for imp in [Impl::Sdk, Impl::Floor] {
                if let Some((_, _, _, v)) = r
                    .rows
                    .iter()
                    .find(|(o, m, i, _)| *o == op && *m == mode && *i == imp)
                {
                    let med = median(v);
                    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = v.iter().copied().fold(0.0, f64::max);
                    let cpu = r
                        .median_cpu(op, mode, imp)
                        .map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
                    let _ = writeln!(
                        tsv,
                        "{}\t{}\t{}\t{med:.1}\t{:.3}\t{min:.1}\t{max:.1}\t{ratio:.4}\t{cpu}\t{ci_tsv}\t{}",
                        op.id(),
                        mode.id(),
                        imp.id(),
                        1e6 / med,
                        pairs.len(),
                    );
                }
            }
        }
    }
    (md, tsv)
}

/// The allocation table (markdown) and its TSV lines.
fn alloc_report(r: &Results) -> (String, String) {
    let mut md = String::new();
    let mut tsv = String::new();
    let _ = writeln!(
        md,
        "| operation | SDK allocations/call | floor allocations/call | SDK ÷ floor | SDK bytes/call | floor bytes/call |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    for pair in r.allocs.chunks(2) {
        let [sdk, floor] = pair else { continue };
        let _ = writeln!(
            md,
            "| {} | {:.1} | {:.1} | {:.2}× | {:.0} | {:.0} |",
            sdk.op.id(),
            sdk.per_call(),
            floor.per_call(),
            sdk.per_call() / floor.per_call(),
            sdk.bytes_per_call(),
            floor.bytes_per_call(),
        );
    }
    for row in &r.allocs {
        let _ = writeln!(
            tsv,
            "{}\t{}\t{}\t{:.2}\t{:.1}",
            row.op.id(),
            row.imp.id(),
            row.calls,
            row.per_call(),
            row.bytes_per_call()
        );
    }
    (md, tsv)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("e2e: {e}");
            }
            eprintln!(
                "usage: e2e [--endpoint URL] [--ak AK --sk SK] [--project-id ID] [--rounds N] \
                 [--seq-calls N] [--conc-calls N] [--concurrency N] [--alloc-calls N] \
                 [--only OP,…] [--tsv PATH] [--alloc-tsv PATH] [--profile sdk|floor|sdk-concurrent|floor-concurrent] [--marks PATH]"
            );
            let ops: Vec<&str> = Op::ALL.iter().map(|o| o.id()).collect();
            eprintln!("operations: {}", ops.join(", "));
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), BoxError> {
    let (_emulator, endpoint) = match &args.endpoint {
        Some(e) => (None, e.clone()),
        None => {
            let (emu, endpoint) = start_emulator(args)?;
            (Some(emu), endpoint)
        }
    };
    eprintln!("e2e: emulator at {endpoint}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some((imp, mode)) = args.profile {
        return rt.block_on(async {
            let ctx = Arc::new(Ctx::new(&endpoint, args)?);
            for &op in &args.only {
                match mode {
                    Mode::Sequential => sequential(&ctx, op, imp, args.seq_calls).await?,
                    Mode::Concurrent => {
                        concurrent(&ctx, op, imp, args.conc_calls, args.concurrency).await?
                    }
                };
            }
            Ok(())
        });
    }
    let results = rt.block_on(async {
        let ctx = Arc::new(Ctx::new(&endpoint, args)?);
        bench(ctx, args).await
    })?;
    let (md, tsv) = report(args, &results);
    print!("{md}");
    if let Some(path) = &args.tsv {
        std::fs::write(path, tsv)?;
    }
    let (md, tsv) = alloc_report(&results);
    print!("\n{md}");
    if let Some(path) = &args.alloc_tsv {
        std::fs::write(path, tsv)?;
    }
    if let Some(path) = &args.marks {
        std::fs::write(path, &results.marks)?;
    }
    Ok(())
}
