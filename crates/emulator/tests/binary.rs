//! The `cloudsdk-emulator` binary: the one stdout line, a signed request answered, request
//! logs on stderr without secrets, a clean exit on SIGTERM, `--help`, and exit status 2 for a
//! bad flag or state file.

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
