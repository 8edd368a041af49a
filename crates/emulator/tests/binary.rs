//! The `cloudsdk-emulator` binary: the address line and the banner, a signed request answered,
//! request logs on stderr without secrets, a clean exit on SIGTERM, `--help`, exit status 2 for
//! a bad flag or state file; HTTPS with `--tls-cert`/`--tls-key`; and, on Linux, bounded resident memory under 1,000 rejected 8 MiB
//! POSTs and recovery from file-descriptor exhaustion without spinning.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

mod pki;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudsdk_core::sign::huawei;

const BIN: &str = env!("CARGO_BIN_EXE_cloudsdk-emulator");
const AK: &str = "BINTESTAK0001";
const SK: &str = "bin-test-secret-0001";

/// Kills the child on drop (a failed assertion must not leave it running).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(extra: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--access-key-id",
            AK,
            "--access-key-secret",
            SK,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the emulator binary");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let endpoint = line
        .trim_end()
        .strip_prefix("cloudsdk-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    (Running(child), endpoint)
}

/// Starts the binary; returns it, its endpoint and the banner lines (up to the access key id).
fn start_with_banner(extra: &[&str]) -> (Running, String, Vec<String>) {
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--access-key-id",
            AK,
            "--access-key-secret",
            SK,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the emulator binary");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let running = Running(child);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "banner ended: {lines:?}"
        );
        lines.push(line.trim_end().to_owned());
        if line.starts_with("  access key id:") {
            break;
        }
    }
    let endpoint = lines[0]
        .strip_prefix("cloudsdk-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {:?}", lines[0]))
        .to_owned();
    (running, endpoint, lines)
}

fn signed_iam_request(endpoint: &str) -> Vec<u8> {
    let host = endpoint.trim_start_matches("http://");
    let date = huawei::format_sdk_date(time::OffsetDateTime::now_utc());
    let headers = [
        ("Content-Type", "application/json"),
        ("Host", host),
        ("X-Sdk-Date", date.as_str()),
    ];
    let signed = huawei::sign(
        &huawei::SigningInput {
            method: "GET",
            host,
            path: "/v3/projects",
            query: &[("name", "cn-north-4")],
            headers: &headers,
            body: b"",
        },
        AK,
        SK,
    )
    .unwrap();
    let mut out = "GET /v3/projects?name=cn-north-4 HTTP/1.1\r\n".to_owned();
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Authorization: {}\r\nConnection: close\r\n\r\n",
        signed.authorization
    ));
    out.into_bytes()
}

fn exchange(endpoint: &str, raw: &[u8]) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(endpoint.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serves_logs_without_secrets_and_exits_cleanly_on_sigterm() {
    let (mut running, endpoint) = start(&["--security-token", "bin-test-token-0001"]);
    // Without the token: refused; the emulator is up and verifying.
    let answer = exchange(&endpoint, &signed_iam_request(&endpoint));
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    assert!(answer.contains("APIGW.0301"), "{answer}");
    running.0.kill().unwrap();
    let _ = running.0.wait();

    let (mut running, endpoint) = start(&[]);
    let answer = exchange(&endpoint, &signed_iam_request(&endpoint));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains("\"id\":\"060576782980d5762f9ec014dd2f1148\""),
        "{answer}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &running.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = running.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut stderr = String::new();
    running
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("huawei KeystoneListProjects GET /v3/projects -> 200"),
        "{stderr}"
    );
    assert!(!stderr.contains(SK), "{stderr}");
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--listen",
        "--access-key-id",
        "--access-key-secret",
        "--security-token",
        "--state",
        "--faults",
        "--clock-offset",
        "--max-clock-skew",
    ] {
        assert!(text.contains(flag), "{flag} in {text}");
    }

    let bad = Command::new(BIN).arg("--no-such-flag").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--no-such-flag"));

    let bad = Command::new(BIN)
        .args(["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));

    let dir = std::env::temp_dir().join(format!("cloudsdk-emulator-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(&state, "{\n  \"huawei\": {\"projects\": [}\n}").unwrap();
    let bad = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("line 2"), "{err}");
    assert!(bad.stdout.is_empty());

    let faults = dir.join("faults.json");
    std::fs::write(&faults, r#"[{"fault": {"kind": "nope"}}]"#).unwrap();
    let bad = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--faults"])
        .arg(&faults)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn state_faults_and_clock_flags_take_effect() {
    let dir = std::env::temp_dir().join(format!("cloudsdk-emulator-flags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(
        &state,
        r#"{"huawei": {"projects": [{"id": "0123456789abcdef0123456789abcdef", "name": "cn-north-4"}]}}"#,
    )
    .unwrap();
    let faults = dir.join("faults.json");
    std::fs::write(
        &faults,
        r#"[{"fault": {"kind": "reply", "status": 503, "body": "busy"}, "vendor": "huawei"}]"#,
    )
    .unwrap();
    let (_running, endpoint) = start(&[
        "--state",
        state.to_str().unwrap(),
        "--faults",
        faults.to_str().unwrap(),
        "--clock-offset",
        "-30",
        "--max-clock-skew",
        "120",
    ]);
    let first = exchange(&endpoint, &signed_iam_request(&endpoint));
    assert!(first.starts_with("HTTP/1.1 503 "), "{first}");
    assert!(first.ends_with("busy"), "{first}");
    let second = exchange(&endpoint, &signed_iam_request(&endpoint));
    assert!(second.starts_with("HTTP/1.1 200 "), "{second}");
    assert!(
        second.contains("\"id\":\"0123456789abcdef0123456789abcdef\""),
        "{second}"
    );
    // The Date header runs 30 s behind.
    let date = second
        .lines()
        .find_map(|l| l.strip_prefix("Date: "))
        .expect("Date header");
    let date = time::PrimitiveDateTime::parse(
        date,
        time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ),
    )
    .unwrap()
    .assume_utc();
    let behind = (time::OffsetDateTime::now_utc() - date).whole_seconds();
    assert!((29..=32).contains(&behind), "{behind}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_banner_lists_projects_regions_and_the_key_id_but_no_secret() {
    let (_running, endpoint, banner) = start_with_banner(&[]);
    assert_eq!(
        banner,
        [
            format!("cloudsdk-emulator listening on {endpoint}"),
            "  Huawei Cloud projects (id, region):".to_owned(),
            "    060576782980d5762f9ec014dd2f1148  cn-north-4".to_owned(),
            "  Alibaba Cloud regions: cn-hangzhou, cn-beijing, cn-shanghai, cn-shenzhen, ap-southeast-1"
                .to_owned(),
            format!("  access key id: {AK}"),
        ]
    );

    let dir = std::env::temp_dir().join(format!("cloudsdk-emulator-banner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(
        &state,
        r#"{"huawei": {"projects": [
              {"id": "0123456789abcdef0123456789abcdef", "name": "cn-north-4"},
              {"id": "fedcba9876543210fedcba9876543210", "name": "ap-southeast-1"}]},
            "aliyun": {"regions": [{"id": "cn-beijing"}]}}"#,
    )
    .unwrap();
    let token = "banner-token-0001";
    let (_running, _, banner) = start_with_banner(&[
        "--state",
        state.to_str().unwrap(),
        "--security-token",
        token,
    ]);
    assert_eq!(
        banner[1..],
        [
            "  Huawei Cloud projects (id, region):",
            "    0123456789abcdef0123456789abcdef  cn-north-4",
            "    fedcba9876543210fedcba9876543210  ap-southeast-1",
            "  Alibaba Cloud regions: cn-beijing",
            &format!("  access key id: {AK} (temporary: requests must carry the security token)"),
        ]
    );
    let text = banner.join("\n");
    assert!(!text.contains(SK) && !text.contains(token), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A value of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
#[cfg(target_os = "linux")]
fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {status}"))
}

/// Reads one `Content-Length` response off `stream`; its status.
fn read_response(stream: &mut std::net::TcpStream) -> u16 {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).unwrap();
    assert!(reader.buffer().is_empty(), "one response at a time");
    status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{status_line:?}"))
}

/// Sends `count` unauthenticated `size`-byte POSTs (alternately Alibaba `/` and a Huawei path)
/// on `connections` keep-alive connections at once; each must be refused. With
/// `bad_signature`, each carries a Huawei `Authorization` header (so the body is read whole
/// to check the signature) that does not verify.
fn post_unsigned(addr: &str, connections: usize, count: usize, size: usize, bad_signature: bool) {
    use std::io::Write;
    let body = vec![b'a'; size];
    std::thread::scope(|scope| {
        for t in 0..connections {
            let body = &body;
            scope.spawn(move || {
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                for i in 0..count / connections {
                    let path = if i % 2 == 0 { "/" } else { "/v3/p/vpc/security-groups/g" };
                    let auth = if bad_signature {
                        "Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=00\r\nX-Sdk-Date: 20240101T000000Z\r\n"
                    } else {
                        ""
                    };
                    let head = format!(
                        "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    stream.write_all(head.as_bytes()).unwrap();
                    stream.write_all(body).unwrap();
                    let status = read_response(&mut stream);
                    assert!(status == 400 || status == 401, "connection {t} post {i}: {status}");
                }
            });
        }
    });
}

/// 1,000 unauthenticated 8 MiB POSTs (the largest body the emulator reads) on two keep-alive
/// connections at a time: each is refused on its head and its body dropped as it arrives, so
/// the resident size stays where it was, whatever the number of requests. Then 100 with a
/// wrong signature, whose bodies are read whole (the signature covers them) and dropped.
#[cfg(target_os = "linux")]
#[test]
fn resident_memory_stays_bounded_under_1000_rejected_8_mib_posts() {
    use std::io::Write;
    const MIB: usize = 1024 * 1024;
    let (running, endpoint, _) = start_with_banner(&["--quiet"]);
    let pid = running.0.id();
    let addr = endpoint.trim_start_matches("http://").to_owned();
    // Warm up (runtime threads, first allocations).
    let mut warm = std::net::TcpStream::connect(&addr).unwrap();
    warm.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut warm), 400);
    let before = proc_status_kib(pid, "VmRSS");

    let started = Instant::now();
    post_unsigned(&addr, 2, 200, 8 * MIB, false);
    let after_200 = proc_status_kib(pid, "VmRSS");
    post_unsigned(&addr, 2, 800, 8 * MIB, false);
    let elapsed = started.elapsed();
    let after = proc_status_kib(pid, "VmRSS");
    let peak = proc_status_kib(pid, "VmHWM");
    eprintln!(
        "emulator VmRSS before {before} KiB, after 200 rejected 8 MiB POSTs {after_200} KiB, after 1000 {after} KiB (peak {peak} KiB), {elapsed:?}"
    );
    assert!(
        after < before + 64 * 1024,
        "resident size grew from {before} KiB to {after} KiB"
    );
    assert!(
        after < after_200 + 16 * 1024,
        "resident size grows with the number of requests: {after_200} KiB after 200, {after} KiB after 1000"
    );

    // Bodies under a (wrong) signature are read whole to be checked, then dropped.
    post_unsigned(&addr, 1, 100, 8 * MIB, true);
    let signed = proc_status_kib(pid, "VmRSS");
    eprintln!("emulator VmRSS after 100 more with a wrong signature {signed} KiB");
    assert!(
        signed < before + 64 * 1024,
        "resident size grew from {before} KiB to {signed} KiB"
    );
    // Still serving.
    let answer = exchange(&endpoint, &signed_iam_request(&endpoint));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
}

/// User plus system CPU time of process `pid`, in clock ticks.
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_comm.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Under `ulimit -n 64` the emulator runs out of file descriptors after a few dozen
/// connections; it then backs off (no spinning: little CPU while exhausted), logs it once, and
/// answers a signed request once the connections are closed.
#[cfg(target_os = "linux")]
#[test]
fn running_out_of_file_descriptors_backs_off_and_recovers() {
    use std::sync::mpsc;
    let script = format!(
        "ulimit -n 64 && exec '{BIN}' --listen 127.0.0.1:0 --access-key-id {AK} --access-key-secret {SK}"
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    let pid = running.0.id();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let endpoint = line
        .trim_end()
        .strip_prefix("cloudsdk-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) if l.contains(what) => return l,
                Ok(_) => {}
                Err(e) => panic!("no stderr line with {what:?}: {e}"),
            }
        }
    };

    let addr = endpoint.trim_start_matches("http://").to_owned();
    let held: Vec<std::net::TcpStream> = (0..100)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    let failed = wait_for("accept failed");
    assert!(failed.contains("Too many open files"), "{failed}");
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(2));
    let spent = cpu_ticks(pid) - before;
    // Spinning would be ~200 ticks (2 s at 100 Hz); the backoff wakes at most once a second.
    assert!(
        spent < 40,
        "{spent} ticks of CPU in 2 s while out of descriptors"
    );

    drop(held);
    wait_for("accepting again");
    let answer = exchange(&endpoint, &signed_iam_request(&endpoint));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    // One message per burst.
    let more_failures = rx
        .try_iter()
        .filter(|l| l.contains("accept failed"))
        .count();
    assert_eq!(more_failures, 0);
}

/// Exit status and stderr of a run that must fail before listening.
fn run_failing(extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tls_cert_and_key_serve_https() {
    let (ca, cert, key) = pki::test_pki();
    let dir = std::env::temp_dir().join(format!("cloudsdk-emulator-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let (cert_arg, key_arg) = (cert_path.to_str().unwrap(), key_path.to_str().unwrap());

    let (_running, endpoint, _) =
        start_with_banner(&["--tls-cert", cert_arg, "--tls-key", key_arg]);
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    let client = huawei_vpc_v3::Client::builder()
        .region(cloudsdk_emulator::DEFAULT_HUAWEI_REGION)
        .project_id(cloudsdk_emulator::DEFAULT_HUAWEI_PROJECT_ID)
        .endpoint(&endpoint)
        .credentials(huawei_vpc_v3::Credentials::new(AK, SK))
        .env(huawei_vpc_v3::credentials::Env::from_vars(
            std::iter::empty::<(String, String)>(),
        ))
        .add_root_certificate(ca)
        .max_attempts(1)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = runtime
        .block_on(
            client
                .show_security_group()
                .security_group_id(cloudsdk_emulator::SEEDED_VPC_SECURITY_GROUP_ID)
                .send(),
        )
        .unwrap();
    assert!(out.security_group.is_some());

    // Both flags or neither; unreadable or unusable files exit with status 2.
    let (code, stderr) = run_failing(&["--tls-cert", cert_arg]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--tls-key"), "{stderr}");
    let (code, stderr) =
        run_failing(&["--tls-cert", "/nonexistent/cert.pem", "--tls-key", key_arg]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read --tls-cert /nonexistent/cert.pem"),
        "{stderr}"
    );
    let (code, stderr) = run_failing(&["--tls-cert", key_arg, "--tls-key", key_arg]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("TLS certificate: no PEM certificate found"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn credential_flags_set_the_roles_the_ttl_and_the_token_mode() {
    let (_running, endpoint, _) = start_with_banner(&[
        "--role-name",
        "bin-role",
        "--credential-ttl",
        "120",
        "--imds-tokens",
        "required",
        "--quiet",
    ]);
    let roles = "GET /latest/meta-data/ram/security-credentials/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let refused = exchange(&endpoint, roles.as_bytes());
    assert!(refused.starts_with("HTTP/1.1 401 "), "{refused}");
    let token = exchange(
        &endpoint,
        b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aliyun-ecs-metadata-token-ttl-seconds: 60\r\nConnection: close\r\n\r\n",
    );
    let token = token.rsplit("\r\n\r\n").next().unwrap().to_owned();
    let with_token = format!(
        "GET /latest/meta-data/ram/security-credentials/bin-role HTTP/1.1\r\nHost: x\r\nX-aliyun-ecs-metadata-token: {token}\r\nConnection: close\r\n\r\n"
    );
    let answer = exchange(&endpoint, with_token.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let body: serde_json::Value =
        serde_json::from_str(answer.rsplit("\r\n\r\n").next().unwrap()).unwrap();
    let expiry = time::OffsetDateTime::parse(
        body["Expiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = (expiry - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((100..=120).contains(&left), "{left}");
}

#[test]
fn the_banner_names_the_credential_role_and_a_bad_token_mode_is_refused() {
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--role-name",
            "r1",
            "--role-name",
            "r2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let _running = Running(child);
    let mut text = String::new();
    while !text.contains("credential services:") {
        assert!(stdout.read_line(&mut text).unwrap() > 0, "{text}");
    }
    assert!(
        text.contains("  credential services: role r1, r2; temporary keys valid 3600 s"),
        "{text}"
    );
    let out = Command::new(BIN)
        .args(["--imds-tokens", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown IMDS token mode"));
}
