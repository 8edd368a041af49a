//! A local cloud on loopback that speaks Huawei Cloud's and Alibaba Cloud's protocols, for
//! tests without a cloud account.
//!
//! One [`Emulator`] (a real HTTP/1.1 server on `127.0.0.1`) serves both vendors on one port. It
//! **authenticates every request the way the vendor's gateway does**, recomputing signatures
//! with the core's signers (`cloudsdk_core::sign::*`, checked against the vendors' reference
//! vectors) over the bytes it received, then answers from its [`State`] in the services' real
//! wire format, produced by serializing the generated crates' own types
//! (`huawei-ecs-v2`, `huawei-vpc-v3`, `aliyun-ecs`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = cloudsdk_emulator::Emulator::start().await?; // seeded, default keys, free port
//!
//! let vpc = huawei_vpc_v3::Client::builder()
//!     .region(cloudsdk_emulator::DEFAULT_HUAWEI_REGION)
//!     .endpoint(emu.endpoint())
//!     .iam_endpoint(emu.endpoint()) // the project id is discovered through the emulator's IAM
//!     .credentials(emu.credentials())
//!     .build()?;
//! let out = vpc
//!     .show_security_group()
//!     .security_group_id(cloudsdk_emulator::SEEDED_VPC_SECURITY_GROUP_ID)
//!     .send()
//!     .await?;
//! assert_eq!(out.security_group.unwrap().name, "security_group_1");
//!
//! let ecs = aliyun_ecs::Client::builder()
//!     .region("cn-hangzhou")
//!     .endpoint(emu.endpoint())
//!     .credentials(emu.credentials())
//!     .build()?;
//! let refs = ecs
//!     .describe_security_group_references()
//!     .region_id("cn-hangzhou")
//!     .security_group_id("sg-1133aa")
//!     .send()
//!     .await?;
//! assert_eq!(refs.security_group_references[0].referencing_security_groups.len(), 2);
//! assert_eq!(emu.requests().len(), 3); // IAM, VPC, ECS: all recorded
//! # Ok(()) }
//! ```
//!
//! # Routes
//!
//! | path | vendor | operation |
//! |---|---|---|
//! | `GET /v2/{project_id}/servers/{server_id}/os-security-groups` and `/v2.1/…` | Huawei ECS (Nova) | `NovaListServerSecurityGroups`: `{"security_groups": [...]}` |
//! | `GET /v3/{project_id}/vpc/security-groups/{security_group_id}` | Huawei VPC | `ShowSecurityGroup`: `{"request_id": "...", "security_group": {...}}` |
//! | `GET /v3/projects[?name={region}]` | Huawei IAM | `KeystoneListProjects`: `{"projects": [...], "links": {...}}` (project-id discovery) |
//! | `GET` or `POST /` (parameters in the query or a form body) | Alibaba ECS RPC | `DescribeSecurityGroupReferences`, V3 (`ACS3-HMAC-SHA256`) or V2 (`HMAC-SHA1`) signature, `Format=JSON` or `XML` |
//!
//! Other paths go to Huawei when the request carries an `SDK-HMAC-SHA256` signature
//! (`404 APIGW.0101`), else to Alibaba.
//!
//! # Authentication
//!
//! Every request is authenticated before anything else (with the core's signers); a refused request gets the vendor's
//! error body (Huawei `{"error_msg", "error_code", "request_id"}` with
//! `Incorrect IAM authentication information: …`; Alibaba `{"RequestId", "HostId", "Code",
//! "Message", "Recommend"}` or the `<Error>` XML document) and never reaches the service, a
//! scripted handler or a fault.
//!
//! | vendor | scheme | checks (in order) | on failure |
//! |---|---|---|---|
//! | Huawei | `SDK-HMAC-SHA256` `Authorization` header | present and parsable; algorithm; access key id known; `x-sdk-date` signed (`Host` need not be: the official Go SDK does not sign it); `X-Sdk-Date` within the clock-skew limit of the emulator's clock; signature recomputed with [`huawei::sign_with_signed_headers`](cloudsdk_core::sign::huawei::sign_with_signed_headers) over the received method, path, query, headers and body; `X-Security-Token` equal to the expected one and signed (absent for permanent keys) | `401 APIGW.0301` |
//! | Alibaba | V3 `ACS3-HMAC-SHA256` `Authorization` header | parsable (`IncompleteSignature`); access key id known (`404 InvalidAccessKeyId.NotFound`); `host` and every `x-acs-*` header signed, the mandatory ones present (`IncompleteSignature`); `x-acs-content-sha256` is the body's hash and the signature recomputed with [`aliyun_v3::sign_with_signed_headers`](cloudsdk_core::sign::aliyun_v3::sign_with_signed_headers) (`SignatureDoesNotMatch`, with the server's string to sign); `x-acs-security-token` (`InvalidSecurityToken.MismatchWithAccessKey`); `x-acs-date` within the limit (`InvalidTimeStamp.Expired`); `x-acs-signature-nonce` never seen (`SignatureNonceUsed`) | `400`/`404` |
//! | Alibaba | V2 RPC `Signature` parameter (query or form body) | common parameters present (`MissingParameter`), `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`; `AccessKeyId`; `Signature` recomputed with [`aliyun_v2::sign`](cloudsdk_core::sign::aliyun_v2::sign); `SecurityToken`; `Timestamp`; `SignatureNonce` | as for V3 |
//!
//! The Huawei messages are the gateway's: `verify aksk signature fail`, and beyond the
//! clock-skew limit `calc aksk signature fail:signature expired, signature time:…, server
//! time:…` (both times as `X-Sdk-Date`). The Alibaba `SignatureDoesNotMatch` message carries
//! the server's string to sign.
//!
//! # Answers
//!
//! Service errors: unknown server → Nova `404 {"itemNotFound": {"message", "code": 404}}`;
//! unknown VPC group → `404 VPC.0602` (`{"error_code", "error_msg", "request_id"}`); a project
//! that is not in the state or differs from `X-Project-Id` → Nova `400 badRequest` / VPC
//! `400 VPC.0007`; Alibaba `MissingParameter` (no `RegionId`), `InvalidRegionId.NotFound`,
//! `InvalidSecurityGroupId.Malformed` (0 or more than 10 `SecurityGroupId.N`),
//! `InvalidSecurityGroupId.NotFound`, `InvalidAction.NotFound`, `InvalidVersion`; JSON or
//! XML (`<Error>`) as the request asked. Every response carries a `Date` header (IMF-fixdate,
//! from the emulator's clock) and the vendor's request-id header (`X-Request-Id` or
//! `x-acs-request-id`), equal to the id in the body.
//!
//! # State
//!
//! [`State::seeded`] (the default) holds every resource of the three documents' examples;
//! [`State::empty`] nothing; [`State::from_json`] / [`State::from_file`] load the JSON
//! documented on [`State`] (errors carry line and column).
//!
//! # Faults and clock
//!
//! [`Fault`]s (scripted replies such as [`Fault::huawei_503_html`],
//! [`Fault::huawei_throttled`], [`Fault::aliyun_throttling_user`],
//! [`Fault::aliyun_service_unavailable`]; delays; a connection closed before the response; a
//! truncated body; an oversized body streamed without being held in memory; a wrong content
//! type) wait in a queue ([`Emulator::faults`]); each is consumed by the next authenticated
//! request it matches ([`FaultRule`] can filter by vendor and operation). Rejected requests
//! never consume faults. [`EmulatorBuilder::clock_offset`] and
//! [`Emulator::set_clock_offset`] run the emulator's clock ahead or behind: the `Date` header,
//! the signature time checks and the server time in messages follow it.
//!
//! # Recording
//!
//! Every request that got as far as a complete HTTP head is [`Recorded`] (method, path, query,
//! headers, body, [`Verdict`], status, request id, fault) and returned by
//! [`Emulator::requests`]. How each oversized body stream ended (bytes the client accepted,
//! whether it closed the connection early) is in [`Emulator::streams`].
//!
//! # Binary
//!
//! `cargo run -p cloudsdk-emulator -- --listen 127.0.0.1:8080 --access-key-id AK
//! --access-key-secret SK [--security-token T] [--state FILE] [--faults FILE]
//! [--clock-offset SECS] [--max-clock-skew SECS]` prints
//! `cloudsdk-emulator listening on http://127.0.0.1:8080` and logs requests to stderr.
//!
//! # HTTP support
//!
//! HTTP/1.1 and 1.0 with keep-alive, `Connection: close`, `Content-Length` and chunked request
//! bodies, `Expect: 100-continue`; requests on one connection are answered in order. A
//! malformed request (bad request line, header line, `Content-Length` or chunk size, a head
//! over 64 KiB, a body over 8 MiB) closes the connection without an answer and is not
//! recorded.

mod auth;
mod clock;
mod faults;
mod http;
mod reply;
mod server;
mod service;
mod state;

pub use auth::{Keys, Scheme, Verdict};
pub use faults::{Fault, FaultRule, Faults, HUAWEI_503_HTML, Vendor};
pub use reply::{Recorded, Reply, Streamed};
pub use server::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_LISTEN, DEFAULT_MAX_CLOCK_SKEW,
    DEFAULT_REQUEST_LOG_CAPACITY, DEFAULT_REQUEST_READ_TIMEOUT, Emulator, EmulatorBuilder, Handler,
    REQUEST_LOG_BODY_BUDGET,
};
pub use state::{
    AliyunRegion, AliyunSecurityGroup, AliyunState, DEFAULT_ALIYUN_REGION,
    DEFAULT_HUAWEI_DOMAIN_ID, DEFAULT_HUAWEI_PROJECT_ID, DEFAULT_HUAWEI_REGION, HuaweiProject,
    HuaweiServer, HuaweiState, SEEDED_ALIYUN_REGIONS, SEEDED_ALIYUN_SECURITY_GROUP_ID,
    SEEDED_SERVER_ID, SEEDED_VPC_SECURITY_GROUP_ID, State, StateError,
};
