//! The bad-input table of `docs/reliability.md`, row by row: for every parameter and every kind
//! of bad value, the generated clients either percent-encode the value so that it cannot leave
//! its place (the exact path / query / header the gateway received is checked), or refuse it as
//! `SdkError::Construction` / `BuildError` before any byte is sent (the gateway saw no request
//! and no connection).
//!
//! Expected encodings are written out by hand (RFC 3986: unreserved `A-Z a-z 0-9 - . _ ~` kept,
//! every other UTF-8 byte as `%XX`), never computed with the code under test.

use std::fmt;

use cloudsdk_conformance::{Keys, Recorded, Reply, VerifyingServer};
use cloudsdk_core::credentials::{CredentialsError, ProvideCredentials, ProvideFuture};
use cloudsdk_core::{Credentials, SdkError};

const AK: &str = "HPUAXXXXXXXXXXXXXXXX";
const SK: &str = "hw-secret-key-0123456789abcdefghijklmnop";
const TOKEN: &str = "gQpjbi1ub3J0aC00hGZzZWN1cml0eS10b2tlbi8rPQ==";
const PROJECT: &str = "0605767b5280d57e2f6ec014d9c0a2b7";
const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";
const SERVER_ID: &str = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e";
const REGION: &str = "cn-north-4";
const ALI_REGION: &str = "cn-hangzhou";

/// The kinds of bad value, each with a label for failure messages.
fn long() -> String {
    "a".repeat(10 * 1024)
}
const CRLF: &str = "x\r\nX-Injected: 1";
const CRLF_ENC: &str = "x%0D%0AX-Injected%3A%201";
const NUL: &str = "x\u{0}y";
const NUL_ENC: &str = "x%00y";
const DEL: &str = "x\u{7f}y";
const NON_ASCII: &str = "sg-é中";
const NON_ASCII_ENC: &str = "sg-%C3%A9%E4%B8%AD";
const DOTDOT_SLASH: &str = "../x";
const DOTDOT: &str = "..";
const SLASH: &str = "a/b";
const QUESTION: &str = "a?b";
const HASH: &str = "a#b";
const PCT2F: &str = "%2F";

/// What a row must do.
#[derive(Debug, Clone)]
enum Expect {
    /// `build()` fails with this error (its `Display` contains the text); nothing is sent.
    BuildRefused(&'static str),
    /// `send()` fails with `SdkError::Construction` naming this parameter; nothing is sent.
    SendRefused(&'static str),
    /// Sent; the request path is exactly this.
    Path(String),
    /// Sent; the raw (still encoded) query has this name with exactly this value.
    Query(&'static str, String),
    /// Sent; this header has exactly this value (and no `x-injected` header exists).
    Header(&'static str, String),
    /// Sent; this header's value starts with this text.
    HeaderPrefix(&'static str, String),
    /// Sent; this header's value ends with this text.
    HeaderSuffix(&'static str, String),
    /// Sent, and the gateway verified the signature.
    Verified,
}

/// What happened.
#[derive(Debug)]
struct Observed {
    build_error: Option<String>,
    construction: Option<(String, String)>,
    other_error: Option<String>,
    requests: Vec<Recorded>,
    connections: usize,
}

impl Observed {
    fn check(&self, expect: &Expect) -> Result<(), String> {
        let nothing_sent = || {
            if self.requests.is_empty() && self.connections == 0 {
                Ok(())
            } else {
                Err(format!(
                    "the gateway saw {} request(s) on {} connection(s) although the value was refused",
                    self.requests.len(),
                    self.connections
                ))
            }
        };
        let sent = || -> Result<&Recorded, String> {
            if let Some(e) = &self.build_error {
                return Err(format!("build() refused it: {e}"));
            }
            if let Some((p, m)) = &self.construction {
                return Err(format!("send() refused it: {p}: {m}"));
            }
            let [r] = self.requests.as_slice() else {
                return Err(format!(
                    "expected exactly one request, the gateway saw {} (client error: {:?})",
                    self.requests.len(),
                    self.other_error
                ));
            };
            if r.header("x-injected").is_some() {
                return Err("an injected header reached the gateway".into());
            }
            Ok(r)
        };
        match expect {
            Expect::BuildRefused(text) => match &self.build_error {
                Some(e) if e.contains(text) => nothing_sent(),
                Some(e) => Err(format!("build() failed, but not with {text:?}: {e}")),
                None => Err(format!(
                    "build() accepted it (send: construction {:?}, other {:?}, {} request(s))",
                    self.construction,
                    self.other_error,
                    self.requests.len()
                )),
            },
            Expect::SendRefused(param) => match &self.construction {
                Some((p, _)) if p == param => nothing_sent(),
                Some((p, m)) => Err(format!("refused for parameter {p:?} ({m}), not {param:?}")),
                None => Err(format!(
                    "not refused as Construction (build: {:?}, error: {:?}, {} request(s))",
                    self.build_error,
                    self.other_error,
                    self.requests.len()
                )),
            },
            Expect::Path(path) => {
                let r = sent()?;
                if &r.path == path {
                    Ok(())
                } else {
                    Err(format!("path {:?}, expected {path:?}", short(&r.path)))
                }
            }
            Expect::Query(name, value) => {
                let r = sent()?;
                let found: Vec<&str> = r
                    .raw_query
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .collect();
                if found == [value.as_str()] {
                    Ok(())
                } else {
                    Err(format!(
                        "query {name} = {found:?}, expected [{:?}] (query {:?})",
                        short(value),
                        short(&r.raw_query)
                    ))
                }
            }
            Expect::Header(name, value) => {
                let r = sent()?;
                match r.header(name) {
                    Some(v) if v == value => Ok(()),
                    other => Err(format!(
                        "header {name} = {:?}, expected {:?}",
                        other.map(short),
                        short(value)
                    )),
                }
            }
            Expect::HeaderPrefix(name, prefix) => {
                let r = sent()?;
                match r.header(name) {
                    Some(v) if v.starts_with(prefix.as_str()) => Ok(()),
                    other => Err(format!(
                        "header {name} = {:?}, expected it to start with {:?}",
                        other.map(short),
                        short(prefix)
                    )),
                }
            }
            Expect::HeaderSuffix(name, suffix) => {
                let r = sent()?;
                match r.header(name) {
                    Some(v) if v.ends_with(suffix.as_str()) => Ok(()),
                    other => Err(format!(
                        "header {name} = {:?}, expected it to end with {:?}",
                        other.map(short),
                        short(suffix)
                    )),
                }
            }
            Expect::Verified => {
                let r = sent()?;
                if r.verdict.is_accepted() {
                    Ok(())
                } else {
                    Err(format!(
                        "the gateway rejected the signature: {:?}",
                        r.verdict
                    ))
                }
            }
        }
    }
}

fn short(s: &str) -> String {
    if s.len() > 120 {
        let mut end = 120;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &s[..end], s.len())
    } else {
        s.to_owned()
    }
}

fn observe<E: std::error::Error>(result: Result<(), SdkError<E>>) -> Observed {
    let mut o = Observed {
        build_error: None,
        construction: None,
        other_error: None,
        requests: vec![],
        connections: 0,
    };
    match result {
        Ok(()) => {}
        Err(SdkError::Construction(c)) => {
            o.construction = Some((c.parameter().to_owned(), c.message().to_owned()))
        }
        Err(e) => o.other_error = Some(e.to_string()),
    }
    o
}

fn finish(mut o: Observed, server: &VerifyingServer) -> Observed {
    o.requests = server.requests();
    o.connections = server.connection_count();
    assert_eq!(o.requests.len(), server.request_count());
    o
}

/// A provider handing out fixed credentials, as a custom provider would (checked at `send`).
#[derive(Debug)]
struct Provider(Credentials);

impl ProvideCredentials for Provider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        let c: Result<Credentials, CredentialsError> = Ok(self.0.clone());
        Box::pin(std::future::ready(c))
    }
}

// ---------------------------------------------------------------------------------------------
// Huawei
// ---------------------------------------------------------------------------------------------

/// Settings of one Huawei call; each row changes one of them.
#[derive(Clone)]
struct Hw {
    region: String,
    /// `None`: the server's URL; `Some(f)`: `f(server url)`.
    endpoint: Option<fn(&str) -> String>,
    project: String,
    ak: String,
    sk: String,
    token: Option<String>,
    /// Credentials through a provider (checked at send) instead of statically (checked at build).
    via_provider: bool,
    ua_suffix: Option<String>,
    sg: String,
    server_id: String,
    /// Call huawei-ecs-v2 instead of huawei-vpc-v3.
    ecs: bool,
}

impl Default for Hw {
    fn default() -> Self {
        Hw {
            region: REGION.into(),
            endpoint: None,
            project: PROJECT.into(),
            ak: AK.into(),
            sk: SK.into(),
            token: None,
            via_provider: false,
            ua_suffix: None,
            sg: SG.into(),
            server_id: SERVER_ID.into(),
            ecs: false,
        }
    }
}

fn hw_keys(cfg: &Hw) -> Keys {
    let keys = Keys::new(cfg.ak.clone(), cfg.sk.clone());
    match &cfg.token {
        Some(t) => keys.with_security_token(t.clone()),
        None => keys,
    }
}

fn hw_creds(cfg: &Hw) -> Credentials {
    let c = Credentials::new(cfg.ak.clone(), cfg.sk.clone());
    match &cfg.token {
        Some(t) => c.with_security_token(t.clone()),
        None => c,
    }
}

macro_rules! hw_client {
    ($krate:ident, $cfg:expr, $url:expr) => {{
        let cfg: &Hw = $cfg;
        let mut b = $krate::Client::builder()
            .region(cfg.region.clone())
            .endpoint(cfg.endpoint.map_or_else(|| $url.to_owned(), |f| f($url)))
            .project_id(cfg.project.clone())
            .max_attempts(1);
        b = if cfg.via_provider {
            b.credentials_provider(Provider(hw_creds(cfg)))
        } else {
            b.credentials(hw_creds(cfg))
        };
        if let Some(s) = &cfg.ua_suffix {
            b = b.user_agent_suffix(s.clone());
        }
        b.build()
    }};
}

async fn run_hw(cfg: Hw) -> Observed {
    let server = VerifyingServer::huawei(hw_keys(&cfg))
        .reply(Reply::json(200, "{}"))
        .start()
        .await;
    let url = server.url();
    let o = if cfg.ecs {
        match hw_client!(huawei_ecs_v2, &cfg, &url) {
            Err(e) => Observed {
                build_error: Some(e.to_string()),
                ..observe::<std::io::Error>(Ok(()))
            },
            Ok(client) => observe(
                client
                    .nova_list_server_security_groups()
                    .server_id(cfg.server_id.clone())
                    .send()
                    .await
                    .map(drop),
            ),
        }
    } else {
        match hw_client!(huawei_vpc_v3, &cfg, &url) {
            Err(e) => Observed {
                build_error: Some(e.to_string()),
                ..observe::<std::io::Error>(Ok(()))
            },
            Ok(client) => observe(
                client
                    .show_security_group()
                    .security_group_id(cfg.sg.clone())
                    .send()
                    .await
                    .map(drop),
            ),
        }
    };
    finish(o, &server)
}

fn vpc_path(project: &str, sg: &str) -> String {
    format!("/v3/{project}/vpc/security-groups/{sg}")
}

fn ecs_path(server_id: &str) -> String {
    format!("/v2.1/{PROJECT}/servers/{server_id}/os-security-groups")
}

struct Row<C> {
    param: &'static str,
    input: &'static str,
    cfg: C,
    expect: Expect,
}

fn hw_rows() -> Vec<Row<Hw>> {
    let mut rows = Vec::new();
    let mut row = |param, input, cfg: Hw, expect| {
        rows.push(Row {
            param,
            input,
            cfg,
            expect,
        })
    };
    let d = Hw::default;

    // security_group_id (huawei-vpc-v3 path parameter).
    let sg = |v: &str| Hw {
        sg: v.to_owned(),
        ..d()
    };
    let sg_path = |enc: &str| Expect::Path(vpc_path(PROJECT, enc));
    row("security_group_id", "valid", sg(SG), sg_path(SG));
    row(
        "security_group_id",
        "empty",
        sg(""),
        Expect::SendRefused("security_group_id"),
    );
    row("security_group_id", "10 KiB", sg(&long()), sg_path(&long()));
    row("security_group_id", "CRLF", sg(CRLF), sg_path(CRLF_ENC));
    row("security_group_id", "NUL", sg(NUL), sg_path(NUL_ENC));
    row("security_group_id", "DEL", sg(DEL), sg_path("x%7Fy"));
    row(
        "security_group_id",
        "non-ASCII",
        sg(NON_ASCII),
        sg_path(NON_ASCII_ENC),
    );
    row(
        "security_group_id",
        "../",
        sg(DOTDOT_SLASH),
        Expect::SendRefused("security_group_id"),
    );
    row(
        "security_group_id",
        "..",
        sg(DOTDOT),
        Expect::SendRefused("security_group_id"),
    );
    row(
        "security_group_id",
        ".",
        sg("."),
        Expect::SendRefused("security_group_id"),
    );
    row(
        "security_group_id",
        "/",
        sg(SLASH),
        Expect::SendRefused("security_group_id"),
    );
    row("security_group_id", "?", sg(QUESTION), sg_path("a%3Fb"));
    row("security_group_id", "#", sg(HASH), sg_path("a%23b"));
    row("security_group_id", "%2F", sg(PCT2F), sg_path("%252F"));
    row("security_group_id", "...", sg("..."), sg_path("..."));
    row(
        "security_group_id",
        "surrounding spaces",
        sg(" sg "),
        sg_path("%20sg%20"),
    );

    // server_id (huawei-ecs-v2 path parameter).
    let srv = |v: &str| Hw {
        server_id: v.to_owned(),
        ecs: true,
        ..d()
    };
    let srv_path = |enc: &str| Expect::Path(ecs_path(enc));
    row("server_id", "valid", srv(SERVER_ID), srv_path(SERVER_ID));
    row(
        "server_id",
        "empty",
        srv(""),
        Expect::SendRefused("server_id"),
    );
    row("server_id", "10 KiB", srv(&long()), srv_path(&long()));
    row("server_id", "CRLF", srv(CRLF), srv_path(CRLF_ENC));
    row("server_id", "NUL", srv(NUL), srv_path(NUL_ENC));
    row(
        "server_id",
        "non-ASCII",
        srv(NON_ASCII),
        srv_path(NON_ASCII_ENC),
    );
    row(
        "server_id",
        "../",
        srv(DOTDOT_SLASH),
        Expect::SendRefused("server_id"),
    );
    row(
        "server_id",
        "..",
        srv(DOTDOT),
        Expect::SendRefused("server_id"),
    );
    row(
        "server_id",
        "/",
        srv(SLASH),
        Expect::SendRefused("server_id"),
    );
    row("server_id", "?", srv(QUESTION), srv_path("a%3Fb"));
    row("server_id", "#", srv(HASH), srv_path("a%23b"));
    row("server_id", "%2F", srv(PCT2F), srv_path("%252F"));

    // project_id (builder; path segment and X-Project-Id header).
    let proj = |v: &str| Hw {
        project: v.to_owned(),
        ..d()
    };
    let refused = || Expect::BuildRefused("project_id");
    row(
        "project_id",
        "valid",
        proj(PROJECT),
        Expect::Header("x-project-id", PROJECT.into()),
    );
    row("project_id", "empty", proj(""), refused());
    row("project_id", "10 KiB", proj(&long()), refused());
    row("project_id", "CRLF", proj(CRLF), refused());
    row("project_id", "NUL", proj(NUL), refused());
    row("project_id", "DEL", proj(DEL), refused());
    row("project_id", "non-ASCII", proj(NON_ASCII), refused());
    row("project_id", "../", proj(DOTDOT_SLASH), refused());
    row("project_id", "..", proj(DOTDOT), refused());
    row("project_id", "/", proj(SLASH), refused());
    row("project_id", "?", proj(QUESTION), refused());
    row("project_id", "#", proj(HASH), refused());
    row(
        "project_id",
        "%2F (path)",
        proj(PCT2F),
        Expect::Path(vpc_path("%252F", SG)),
    );
    row(
        "project_id",
        "%2F (header)",
        proj(PCT2F),
        Expect::Header("x-project-id", PCT2F.into()),
    );
    row(
        "project_id",
        "surrounding spaces",
        proj("  0605767b5280d57e2f6ec014d9c0a2b7 "),
        Expect::Header("x-project-id", PROJECT.into()),
    );

    // region (builder; selects the endpoint and the IAM project name).
    let region = |v: &str| Hw {
        region: v.to_owned(),
        ..d()
    };
    let bad_region = || Expect::BuildRefused("invalid region id");
    row(
        "region",
        "valid",
        region("ap-southeast-1"),
        Expect::Verified,
    );
    row("region", "empty", region(""), bad_region());
    row("region", "10 KiB", region(&long()), bad_region());
    row(
        "region",
        "CRLF",
        region("cn-north-4\r\nX-Injected: 1"),
        bad_region(),
    );
    row("region", "NUL", region("cn\u{0}north"), bad_region());
    row("region", "non-ASCII", region("cn-nörth-4"), bad_region());
    row("region", "../", region("../cn"), bad_region());
    row("region", "/", region("cn/north"), bad_region());
    row("region", "?", region("cn?north"), bad_region());
    row("region", "#", region("cn#north"), bad_region());
    row("region", "%2F", region("cn%2Fnorth"), bad_region());
    row("region", "upper case", region("CN-NORTH-4"), bad_region());

    // endpoint (builder).
    let ep = |f: fn(&str) -> String| Hw {
        endpoint: Some(f),
        ..d()
    };
    let bad_ep = || Expect::BuildRefused("invalid endpoint");
    row("endpoint", "empty", ep(|_| String::new()), bad_ep());
    row(
        "endpoint",
        "CRLF",
        ep(|u| format!("{u}\r\nX-Injected: 1")),
        bad_ep(),
    );
    row("endpoint", "NUL", ep(|u| format!("{u}/a\u{0}b")), bad_ep());
    row("endpoint", "space", ep(|u| format!("{u}/a b")), bad_ep());
    row("endpoint", "?", ep(|u| format!("{u}/?x=1")), bad_ep());
    row("endpoint", "#", ep(|u| format!("{u}/#x")), bad_ep());
    row(
        "endpoint",
        "scheme ftp",
        ep(|u| u.replace("http", "ftp")),
        bad_ep(),
    );
    row(
        "endpoint",
        "user info",
        ep(|u| u.replace("http://", "http://user:pw@")),
        bad_ep(),
    );
    row(
        "endpoint",
        "base path",
        ep(|u| format!("{u}/gw/")),
        Expect::Path(format!("/gw{}", vpc_path(PROJECT, SG))),
    );
    row(
        "endpoint",
        "../ in base path (URL resolution)",
        ep(|u| format!("{u}/a/../gw")),
        Expect::Path(format!("/gw{}", vpc_path(PROJECT, SG))),
    );
    row(
        "endpoint",
        "%2F in base path",
        ep(|u| format!("{u}/a%2Fb")),
        Expect::Path(format!("/a%2Fb{}", vpc_path(PROJECT, SG))),
    );
    row(
        "endpoint",
        "non-ASCII in base path",
        ep(|u| format!("{u}/é")),
        Expect::Path(format!("/%C3%A9{}", vpc_path(PROJECT, SG))),
    );
    row(
        "endpoint",
        "10 KiB base path",
        ep(|u| format!("{u}/{}", long())),
        Expect::Path(format!("/{}{}", long(), vpc_path(PROJECT, SG))),
    );

    // Access key id (Authorization header).
    let ak = |v: &str| Hw {
        ak: v.to_owned(),
        ..d()
    };
    let bad_creds = || Expect::BuildRefused("credentials");
    let auth =
        |ak: &str| Expect::HeaderPrefix("authorization", format!("SDK-HMAC-SHA256 Access={ak}, "));
    row("access key id", "valid", ak(AK), Expect::Verified);
    row("access key id", "empty", ak(""), bad_creds());
    row("access key id", "10 KiB", ak(&long()), auth(&long()));
    row(
        "access key id",
        "CRLF",
        ak(&format!("{AK}\r\nX-Injected: 1")),
        bad_creds(),
    );
    row("access key id", "NUL", ak("AK\u{0}"), bad_creds());
    row("access key id", "DEL", ak("AK\u{7f}"), bad_creds());
    row("access key id", "non-ASCII", ak("ÄK"), bad_creds());
    row("access key id", "space", ak("A K"), bad_creds());
    row("access key id", "comma", ak("A,K"), bad_creds());
    row("access key id", "../", ak(DOTDOT_SLASH), auth(DOTDOT_SLASH));
    row(
        "access key id",
        "/?#%2F",
        ak("a/b?c#d%2F"),
        auth("a/b?c#d%2F"),
    );
    row(
        "access key id",
        "CRLF via provider",
        Hw {
            via_provider: true,
            ..ak(&format!("{AK}\r\nX-Injected: 1"))
        },
        Expect::SendRefused("credentials"),
    );

    // Secret key: only an HMAC key, never on the wire; anything but empty signs fine.
    let sk = |v: &str| Hw {
        sk: v.to_owned(),
        ..d()
    };
    row("secret key", "empty", sk(""), bad_creds());
    row(
        "secret key",
        "empty via provider",
        Hw {
            via_provider: true,
            ..sk("")
        },
        Expect::SendRefused("credentials"),
    );
    row("secret key", "10 KiB", sk(&long()), Expect::Verified);
    row(
        "secret key",
        "CRLF",
        sk("s\r\nX-Injected: 1"),
        Expect::Verified,
    );
    row("secret key", "NUL", sk("s\u{0}k"), Expect::Verified);
    row("secret key", "non-ASCII", sk("sëcret中"), Expect::Verified);
    row(
        "secret key",
        "../ / ? # %2F",
        sk("../a/b?c#%2F"),
        Expect::Verified,
    );

    // Security token (X-Security-Token header).
    let tok = |v: &str| Hw {
        token: Some(v.to_owned()),
        ..d()
    };
    let tok_header = |v: &str| Expect::Header("x-security-token", v.to_owned());
    row("security token", "valid", tok(TOKEN), Expect::Verified);
    row("security token", "empty", tok(""), bad_creds());
    row(
        "security token",
        "10 KiB",
        tok(&long()),
        tok_header(&long()),
    );
    row(
        "security token",
        "CRLF",
        tok(&format!("{TOKEN}\r\nX-Injected: 1")),
        bad_creds(),
    );
    row("security token", "NUL", tok("t\u{0}k"), bad_creds());
    row("security token", "non-ASCII", tok("tök"), bad_creds());
    row("security token", "space", tok("t k"), bad_creds());
    row(
        "security token",
        "../ / ? # %2F",
        tok("../a/b?c#%2F"),
        tok_header("../a/b?c#%2F"),
    );
    row(
        "security token",
        "CRLF via provider",
        Hw {
            via_provider: true,
            ..tok("t\r\nX-Injected: 1")
        },
        Expect::SendRefused("credentials"),
    );

    // User-agent suffix (User-Agent header).
    let ua = |v: &str| Hw {
        ua_suffix: Some(v.to_owned()),
        ..d()
    };
    row(
        "user_agent_suffix",
        "valid",
        ua("audit-job/2.0"),
        ua_check("audit-job/2.0"),
    );
    row(
        "user_agent_suffix",
        "CRLF",
        ua("x\r\nX-Injected: 1"),
        Expect::BuildRefused("user_agent_suffix"),
    );
    row(
        "user_agent_suffix",
        "NUL",
        ua("x\u{0}"),
        Expect::BuildRefused("user_agent_suffix"),
    );
    row(
        "user_agent_suffix",
        "non-ASCII",
        ua("tëst"),
        Expect::BuildRefused("user_agent_suffix"),
    );
    rows
}

fn ua_check(suffix: &str) -> Expect {
    // The core and crate versions are not fixed here; only the suffix position is.
    Expect::HeaderSuffix("user-agent", format!(" huawei-vpc-v3/0.1.0 {suffix}"))
}

// ---------------------------------------------------------------------------------------------
// Alibaba
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Ali {
    region: String,
    region_id: String,
    ids: Vec<String>,
    owner_account: Option<String>,
    ak: String,
    sk: String,
    token: Option<String>,
    v2: bool,
}

impl Default for Ali {
    fn default() -> Self {
        Ali {
            region: ALI_REGION.into(),
            region_id: ALI_REGION.into(),
            ids: vec!["sg-1".into()],
            owner_account: None,
            ak: "LTAI5tXXXXXXXXXXXXXXXXXX".into(),
            sk: "ali-secret-0123456789abcdef".into(),
            token: None,
            v2: false,
        }
    }
}

async fn run_ali(cfg: Ali) -> Observed {
    let keys = Keys::new(cfg.ak.clone(), cfg.sk.clone());
    let keys = match &cfg.token {
        Some(t) => keys.with_security_token(t.clone()),
        None => keys,
    };
    let server = VerifyingServer::aliyun(keys)
        .reply(Reply::json(200, r#"{"RequestId":"r"}"#))
        .start()
        .await;
    let mut creds = Credentials::new(cfg.ak.clone(), cfg.sk.clone());
    if let Some(t) = &cfg.token {
        creds = creds.with_security_token(t.clone());
    }
    let built = aliyun_ecs::Client::builder()
        .region(cfg.region.clone())
        .endpoint(server.url())
        .credentials(creds)
        .signature_algorithm(if cfg.v2 {
            aliyun_ecs::SignatureAlgorithm::V2
        } else {
            aliyun_ecs::SignatureAlgorithm::V3
        })
        .max_attempts(1)
        .build();
    let o = match built {
        Err(e) => Observed {
            build_error: Some(e.to_string()),
            ..observe::<std::io::Error>(Ok(()))
        },
        Ok(client) => {
            let mut op = client
                .describe_security_group_references()
                .region_id(cfg.region_id.clone());
            for id in &cfg.ids {
                op = op.security_group_id(id.clone());
            }
            if let Some(o) = &cfg.owner_account {
                op = op.owner_account(o.clone());
            }
            observe(op.send().await.map(drop))
        }
    };
    finish(o, &server)
}

fn ali_rows() -> Vec<Row<Ali>> {
    let mut rows = Vec::new();
    let mut row = |param, input, cfg: Ali, expect| {
        rows.push(Row {
            param,
            input,
            cfg,
            expect,
        })
    };
    let d = Ali::default;
    let q = |name: &'static str, v: &str| Expect::Query(name, v.to_owned());

    // RegionId (required query parameter) and every other string parameter.
    let rid = |v: &str| Ali {
        region_id: v.to_owned(),
        ..d()
    };
    row("RegionId", "valid", rid(ALI_REGION), Expect::Verified);
    row(
        "RegionId",
        "empty",
        rid(""),
        Expect::SendRefused("RegionId"),
    );
    row("RegionId", "10 KiB", rid(&long()), q("RegionId", &long()));
    row("RegionId", "CRLF", rid(CRLF), q("RegionId", CRLF_ENC));
    row("RegionId", "NUL", rid(NUL), q("RegionId", NUL_ENC));
    row(
        "RegionId",
        "non-ASCII",
        rid(NON_ASCII),
        q("RegionId", NON_ASCII_ENC),
    );
    row(
        "RegionId",
        "../",
        rid(DOTDOT_SLASH),
        q("RegionId", "..%2Fx"),
    );
    row("RegionId", "/", rid(SLASH), q("RegionId", "a%2Fb"));
    row("RegionId", "?", rid(QUESTION), q("RegionId", "a%3Fb"));
    row("RegionId", "#", rid(HASH), q("RegionId", "a%23b"));
    row("RegionId", "%2F", rid(PCT2F), q("RegionId", "%252F"));
    row(
        "RegionId",
        "& and =",
        rid("a&b=c"),
        q("RegionId", "a%26b%3Dc"),
    );
    row(
        "RegionId",
        "CRLF (V2)",
        Ali {
            v2: true,
            ..rid(CRLF)
        },
        q("RegionId", CRLF_ENC),
    );

    // SecurityGroupId.N (repeat list, 1 to 10 items).
    let ids = |v: &[&str]| Ali {
        ids: v.iter().map(|s| (*s).to_owned()).collect(),
        ..d()
    };
    let sgid = |v: &str| Ali {
        ids: vec![v.to_owned()],
        ..d()
    };
    row(
        "SecurityGroupId.N",
        "none",
        ids(&[]),
        Expect::SendRefused("SecurityGroupId.N"),
    );
    row(
        "SecurityGroupId.N",
        "empty item",
        ids(&["sg-1", ""]),
        Expect::SendRefused("SecurityGroupId.N"),
    );
    let ten: Vec<String> = (1..=10).map(|i| format!("sg-{i}")).collect();
    let ten_refs: Vec<&str> = ten.iter().map(String::as_str).collect();
    row(
        "SecurityGroupId.N",
        "10 ids",
        ids(&ten_refs),
        q("SecurityGroupId.10", "sg-10"),
    );
    let eleven: Vec<String> = (1..=11).map(|i| format!("sg-{i}")).collect();
    let eleven_refs: Vec<&str> = eleven.iter().map(String::as_str).collect();
    row(
        "SecurityGroupId.N",
        "11th id",
        ids(&eleven_refs),
        Expect::SendRefused("SecurityGroupId.N"),
    );
    row(
        "SecurityGroupId.N",
        "10 KiB",
        sgid(&long()),
        q("SecurityGroupId.1", &long()),
    );
    row(
        "SecurityGroupId.N",
        "CRLF",
        sgid(CRLF),
        q("SecurityGroupId.1", CRLF_ENC),
    );
    row(
        "SecurityGroupId.N",
        "NUL",
        sgid(NUL),
        q("SecurityGroupId.1", NUL_ENC),
    );
    row(
        "SecurityGroupId.N",
        "non-ASCII",
        sgid(NON_ASCII),
        q("SecurityGroupId.1", NON_ASCII_ENC),
    );
    row(
        "SecurityGroupId.N",
        "../",
        sgid(DOTDOT_SLASH),
        q("SecurityGroupId.1", "..%2Fx"),
    );
    row(
        "SecurityGroupId.N",
        "/",
        sgid(SLASH),
        q("SecurityGroupId.1", "a%2Fb"),
    );
    row(
        "SecurityGroupId.N",
        "?",
        sgid(QUESTION),
        q("SecurityGroupId.1", "a%3Fb"),
    );
    row(
        "SecurityGroupId.N",
        "#",
        sgid(HASH),
        q("SecurityGroupId.1", "a%23b"),
    );
    row(
        "SecurityGroupId.N",
        "%2F",
        sgid(PCT2F),
        q("SecurityGroupId.1", "%252F"),
    );

    // OwnerAccount (optional string).
    let owner = |v: &str| Ali {
        owner_account: Some(v.to_owned()),
        ..d()
    };
    row(
        "OwnerAccount",
        "valid",
        owner("owner@example.com"),
        q("OwnerAccount", "owner%40example.com"),
    );
    row("OwnerAccount", "empty", owner(""), q("OwnerAccount", ""));
    row(
        "OwnerAccount",
        "10 KiB",
        owner(&long()),
        q("OwnerAccount", &long()),
    );
    row(
        "OwnerAccount",
        "CRLF",
        owner(CRLF),
        q("OwnerAccount", CRLF_ENC),
    );
    row(
        "OwnerAccount",
        "NUL",
        owner(NUL),
        q("OwnerAccount", NUL_ENC),
    );
    row(
        "OwnerAccount",
        "non-ASCII",
        owner(NON_ASCII),
        q("OwnerAccount", NON_ASCII_ENC),
    );
    row(
        "OwnerAccount",
        "../",
        owner(DOTDOT_SLASH),
        q("OwnerAccount", "..%2Fx"),
    );
    row(
        "OwnerAccount",
        "?",
        owner(QUESTION),
        q("OwnerAccount", "a%3Fb"),
    );
    row("OwnerAccount", "#", owner(HASH), q("OwnerAccount", "a%23b"));
    row(
        "OwnerAccount",
        "%2F",
        owner(PCT2F),
        q("OwnerAccount", "%252F"),
    );

    // region (builder).
    let region = |v: &str| Ali {
        region: v.to_owned(),
        ..d()
    };
    let bad_region = || Expect::BuildRefused("invalid region id");
    row("region", "empty", region(""), bad_region());
    row("region", "10 KiB", region(&long()), bad_region());
    row(
        "region",
        "CRLF",
        region("cn-hangzhou\r\nX-Injected: 1"),
        bad_region(),
    );
    row("region", "non-ASCII", region("cn-hängzhou"), bad_region());
    row("region", "../", region("../cn"), bad_region());
    row("region", "?", region("cn?x"), bad_region());
    row("region", "#", region("cn#x"), bad_region());

    // Credentials: the access key id is in the Authorization header (V3) or the query (V2).
    let ak = |v: &str| Ali {
        ak: v.to_owned(),
        ..d()
    };
    let bad_creds = || Expect::BuildRefused("credentials");
    row("access key id", "empty", ak(""), bad_creds());
    row(
        "access key id",
        "CRLF",
        ak("AK\r\nX-Injected: 1"),
        bad_creds(),
    );
    row("access key id", "non-ASCII", ak("ÄK"), bad_creds());
    row(
        "access key id",
        "comma (V3 Authorization)",
        ak("A,K"),
        bad_creds(),
    );
    row(
        "access key id",
        "../ (V3)",
        ak(DOTDOT_SLASH),
        Expect::HeaderPrefix("authorization", "ACS3-HMAC-SHA256 Credential=../x,".into()),
    );
    row(
        "access key id",
        "/?#%2F (V2)",
        Ali {
            v2: true,
            ..ak("a/b?c#%2F")
        },
        q("AccessKeyId", "a%2Fb%3Fc%23%252F"),
    );
    row(
        "secret key",
        "non-ASCII (V2)",
        Ali {
            v2: true,
            sk: "sëcret\r\n".into(),
            ..d()
        },
        Expect::Verified,
    );
    let tok = |v: &str, v2: bool| Ali {
        token: Some(v.to_owned()),
        v2,
        ..d()
    };
    row(
        "security token",
        "valid (V3)",
        tok(TOKEN, false),
        Expect::Header("x-acs-security-token", TOKEN.into()),
    );
    row(
        "security token",
        "valid (V2)",
        tok(TOKEN, true),
        Expect::Verified,
    );
    row(
        "security token",
        "CRLF (V3)",
        tok("t\r\nX-Injected: 1", false),
        bad_creds(),
    );
    row(
        "security token",
        "CRLF (V2)",
        tok("t\r\nX-Injected: 1", true),
        bad_creds(),
    );
    row(
        "security token",
        "/?#%2F (V2)",
        tok("a/b?c#%2F", true),
        q("SecurityToken", "a%2Fb%3Fc%23%252F"),
    );
    row(
        "security token",
        "10 KiB (V3)",
        tok(&long(), false),
        Expect::Header("x-acs-security-token", long()),
    );
    rows
}

fn report<C>(rows: &[Row<C>], failures: Vec<String>) {
    assert!(!rows.is_empty());
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn huawei_bad_input_table() {
    let rows = hw_rows();
    let mut failures = Vec::new();
    for r in &rows {
        let observed = run_hw(r.cfg.clone()).await;
        if let Err(why) = observed.check(&r.expect) {
            failures.push(format!("  huawei | {} | {}: {why}", r.param, r.input));
        }
    }
    report(&rows, failures);
}

#[tokio::test]
async fn aliyun_bad_input_table() {
    let rows = ali_rows();
    let mut failures = Vec::new();
    for r in &rows {
        let observed = run_ali(r.cfg.clone()).await;
        if let Err(why) = observed.check(&r.expect) {
            failures.push(format!("  aliyun | {} | {}: {why}", r.param, r.input));
        }
    }
    report(&rows, failures);
}

/// The checker itself can fail: a refusal row run against a value that is sent, and an encoding
/// row run against the wrong expectation, are both reported.
#[tokio::test]
async fn the_checks_can_fail() {
    let sent = run_hw(Hw::default()).await;
    assert!(
        sent.check(&Expect::SendRefused("security_group_id"))
            .is_err()
    );
    assert!(sent.check(&Expect::BuildRefused("project_id")).is_err());
    assert!(sent.check(&Expect::Path("/elsewhere".into())).is_err());
    assert!(sent.check(&Expect::Path(vpc_path(PROJECT, SG))).is_ok());
    let refused = run_hw(Hw {
        sg: String::new(),
        ..Hw::default()
    })
    .await;
    assert!(refused.check(&Expect::Path(vpc_path(PROJECT, ""))).is_err());
    let mut leaked = refused;
    leaked.connections = 1;
    assert!(
        leaked
            .check(&Expect::SendRefused("security_group_id"))
            .is_err()
    );
}

impl fmt::Debug for Hw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hw { .. }")
    }
}
