#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// Without a vendor feature only the signers, credentials and errors are of use.
#![cfg_attr(
    not(any(feature = "huawei", feature = "aliyun")),
    allow(dead_code, unused_imports, unused_macros)
)]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;
#[cfg(feature = "aliyun")]
pub mod aliyun;
pub mod credentials;
mod endpoint;
pub mod error;
mod error_body;
pub mod http;
#[cfg(feature = "huawei")]
pub mod huawei;
mod identity;
mod redact;
pub mod retry;
mod runtime;
pub mod serde_helpers;
pub mod sign;
#[cfg(feature = "test-util")]
pub mod test_util;
mod timer;
mod validate;

pub use credentials::Credentials;
pub use error::{BuildError, SdkError};
pub use retry::RetryConfig;
pub use runtime::{DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES};
