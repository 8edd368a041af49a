//! Test doubles shared by the network tests: a forward proxy and a test certificate authority.

pub mod proxy;
pub mod tls;
