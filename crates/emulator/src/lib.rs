#![doc = include_str!("../README.md")]
#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

mod auth;
mod clock;
mod credsvc;
mod faults;
mod http;
mod reply;
mod server;
mod service;
mod state;

pub use auth::{Keys, Scheme, Verdict};
pub use credsvc::{
    ALIYUN_CREDENTIALS_URI_PATH, DEFAULT_CREDENTIAL_TTL, DEFAULT_HUAWEI_IDP_ID, DEFAULT_OIDC_TOKEN,
    DEFAULT_ROLE_NAME, ImdsTokens,
};
pub use faults::{Fault, FaultRule, Faults, HUAWEI_503_HTML, Vendor};
pub use reply::{Recorded, Reply, Streamed};
pub use server::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_LISTEN, DEFAULT_MAX_CLOCK_SKEW,
    DEFAULT_REQUEST_LOG_CAPACITY, DEFAULT_REQUEST_READ_TIMEOUT, DEFAULT_TLS_HANDSHAKE_TIMEOUT,
    Emulator, EmulatorBuilder, Handler, REQUEST_LOG_BODY_BUDGET,
};
pub use state::{
    AliyunRegion, AliyunSecurityGroup, AliyunState, DEFAULT_ALIYUN_REGION,
    DEFAULT_HUAWEI_DOMAIN_ID, DEFAULT_HUAWEI_PROJECT_ID, DEFAULT_HUAWEI_REGION, HuaweiProject,
    HuaweiServer, HuaweiState, SEEDED_ALIYUN_REGIONS, SEEDED_ALIYUN_SECURITY_GROUP_ID,
    SEEDED_SERVER_ID, SEEDED_VPC_SECURITY_GROUP_ID, State, StateError,
};
