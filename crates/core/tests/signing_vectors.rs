//! Feeds the vendor test vectors (computed by the official SDKs) to the signers and compares
//! every recorded intermediate.
//!
//! The vectors are committed next to this test, in `tests/data/` (see `tests/data/README.md`
//! for where they come from), and are part of the crate's package. A missing or unreadable file
//! is a test failure, not a skip.
//!
//! Each `#[test]` covers one family of vectors, collects every mismatch, and fails once at the
//! end naming each failing vector and its first differing intermediate.

use std::fmt::Debug;
use std::path::PathBuf;

use cloudsdk_core::sign::encode::percent_decode;
use cloudsdk_core::sign::{self, SigningErrorKind, aliyun_v2, aliyun_v3, huawei};

// ---------------------------------------------------------------------------------------------
// JSON that keeps object key order (header order matters for added/final headers).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl<'de> serde::Deserialize<'de> for J {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = J;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_none<E>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<J, E> {
                Ok(J::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<J, E> {
                Ok(J::Num(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<J, E> {
                Ok(J::Num(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<J, E> {
                Ok(J::Num(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<J, E> {
                Ok(J::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<J, E> {
                Ok(J::Str(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(J::Arr(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry()? {
                    out.push((k, v));
                }
                Ok(J::Obj(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl J {
    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// The member `key`, panicking with the vector id context if absent.
    fn at(&self, key: &str) -> &J {
        self.get(key)
            .unwrap_or_else(|| panic!("vector file: missing key {key:?} in {self:.200?}"))
    }
    fn str(&self) -> &str {
        match self {
            J::Str(s) => s,
            other => panic!("vector file: expected a string, got {other:?}"),
        }
    }
    fn opt_str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            None | Some(J::Null) => None,
            Some(v) => Some(v.str()),
        }
    }
    fn arr(&self) -> &[J] {
        match self {
            J::Arr(v) => v,
            other => panic!("vector file: expected an array, got {other:.200?}"),
        }
    }
    fn obj(&self) -> &[(String, J)] {
        match self {
            J::Obj(v) => v,
            other => panic!("vector file: expected an object, got {other:.200?}"),
        }
    }
    /// An object of string values as ordered pairs.
    fn str_pairs(&self) -> Vec<(String, String)> {
        self.obj()
            .iter()
            .map(|(k, v)| (k.clone(), v.str().to_owned()))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Loading and failure collection
// ---------------------------------------------------------------------------------------------

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn load(file: &str) -> J {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read signing vectors {}: {e}\n\
             The vectors are committed in crates/core/tests/data/; restore them from git.",
            path.display()
        )
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// Collects mismatches per vector; reports the first differing intermediate of each.
#[derive(Default)]
struct Report {
    checks: usize,
    vectors: usize,
    failures: Vec<String>,
    current: Option<(String, Vec<String>)>,
}

impl Report {
    fn vector(&mut self, id: &str) {
        self.flush();
        self.vectors += 1;
        self.current = Some((id.to_owned(), Vec::new()));
    }

    fn eq<T: PartialEq + Debug + ?Sized>(&mut self, what: &str, got: &T, expected: &T) {
        self.checks += 1;
        if got != expected {
            let (_, diffs) = self.current.as_mut().expect("vector() first");
            diffs.push(format!(
                "{what}\n      expected: {expected:?}\n      got:      {got:?}"
            ));
        }
    }

    fn check(&mut self, what: &str, ok: bool, detail: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            let (_, diffs) = self.current.as_mut().expect("vector() first");
            diffs.push(format!("{what}: {}", detail()));
        }
    }

    fn flush(&mut self) {
        if let Some((id, diffs)) = self.current.take()
            && !diffs.is_empty()
        {
            let names: Vec<&str> = diffs
                .iter()
                .map(|d| d.lines().next().unwrap_or(""))
                .collect();
            self.failures.push(format!(
                "vector {id:?}: first differing intermediate: {}\n    (all differing: {})",
                diffs[0],
                names.join(", ")
            ));
        }
    }

    fn finish(mut self, family: &str, min_vectors: usize) {
        self.flush();
        println!(
            "{family}: {} vectors, {} checks, {} failing vectors",
            self.vectors,
            self.checks,
            self.failures.len()
        );
        assert!(
            self.vectors >= min_vectors,
            "{family}: expected at least {min_vectors} vectors, found {}",
            self.vectors
        );
        assert!(
            self.failures.is_empty(),
            "{family}: {} of {} vectors failed ({} checks):\n{}",
            self.failures.len(),
            self.vectors,
            self.checks,
            self.failures.join("\n")
        );
    }
}

/// Splits a canonical request into (method, uri, query, canonical headers, signed, payload).
fn split_canonical_request(cr: &str) -> Option<[String; 6]> {
    let lines: Vec<&str> = cr.split('\n').collect();
    if lines.len() < 6 || !lines[lines.len() - 3].is_empty() {
        return None;
    }
    let n = lines.len();
    let headers: String = lines[3..n - 3].iter().map(|l| format!("{l}\n")).collect();
    Some([
        lines[0].to_owned(),
        lines[1].to_owned(),
        lines[2].to_owned(),
        headers,
        lines[n - 2].to_owned(),
        lines[n - 1].to_owned(),
    ])
}

fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Decodes an `application/x-www-form-urlencoded` query (as Python's `urlencode` writes it).
fn decode_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| percent_decode(&s.replace('+', " ")).unwrap().into_owned();
            (dec(k), dec(v))
        })
        .collect()
}

/// Splits `https://host/path?query` into (host, path, query).
fn split_url(url: &str) -> (String, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (host, path_query) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    (host.to_owned(), path.to_owned(), query.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Huawei
// ---------------------------------------------------------------------------------------------

/// Expands a recorded query value the way the Python SDK renders it.
fn huawei_query_values(v: &J) -> Vec<String> {
    match v {
        J::Str(s) => vec![s.clone()],
        J::Bool(b) => vec![b.to_string()],
        J::Num(n) => vec![n.clone()],
        J::Arr(items) => items.iter().flat_map(huawei_query_values).collect(),
        other => panic!("unsupported query value {other:?}"),
    }
}

#[test]
fn huawei_signer_vectors() {
    let file = load("huawei_vectors.json");
    let vectors = file.at("signer_vectors").arr();
    let mut r = Report::default();
    let mut ids = Vec::new();

    for v in vectors {
        let id = v.at("id").str();
        ids.push(id.to_owned());
        r.vector(id);
        let inp = v.at("input");
        let out = v.at("output");
        let (ak, sk) = (inp.at("ak").str(), inp.at("sk").str());

        let query: Vec<(String, String)> = inp
            .at("query_params")
            .arr()
            .iter()
            .flat_map(|pair| {
                let [k, val] = pair.arr() else {
                    panic!("{id}: query pair {pair:?}")
                };
                huawei_query_values(val)
                    .into_iter()
                    .map(|s| (k.str().to_owned(), s))
                    .collect::<Vec<_>>()
            })
            .collect();
        let input_headers = inp.at("headers").str_pairs();

        // Vectors signed through BasicCredentials.sign_request: the caller (our runtime) adds
        // X-Project-Id and, for temporary credentials, X-Security-Token before signing.
        let mut headers = input_headers.clone();
        let mut caller_added = Vec::new();
        if inp.get("via").is_some() {
            if let Some(p) = inp.opt_str("project_id") {
                caller_added.push(("X-Project-Id".to_owned(), p.to_owned()));
            }
            if let Some(t) = inp.opt_str("security_token") {
                caller_added.push(("X-Security-Token".to_owned(), t.to_owned()));
            }
            headers.extend(caller_added.iter().cloned());
        }

        let body = inp.opt_str("body").unwrap_or("").as_bytes().to_vec();
        let query_refs = as_refs(&query);
        let header_refs = as_refs(&headers);
        let input = huawei::SigningInput {
            method: inp.at("method").str(),
            host: inp.at("host").str(),
            path: inp.at("resource_path").str(),
            query: &query_refs,
            headers: &header_refs,
            body: &body,
        };

        let algorithm = v.at("algorithm").str();
        let signed = match algorithm {
            "SDK-HMAC-SHA256" => huawei::sign(&input, ak, sk),
            "V11-HMAC-SHA256" => {
                let d = inp.at("derived");
                huawei::sign_derived(&input, ak, sk, d.at("region").str(), d.at("service").str())
            }
            other => panic!("{id}: unknown algorithm {other}"),
        };
        let signed = match signed {
            Ok(s) => s,
            Err(e) => {
                r.check("sign()", false, || format!("returned an error: {e}"));
                continue;
            }
        };

        // Intermediates, in pipeline order.
        let expected_cr = out.at("canonical_request").str();
        match split_canonical_request(expected_cr) {
            Some([_, uri, query, headers, signed_h, _]) => {
                r.eq("canonical_uri", &signed.canonical_uri, &uri);
                r.eq("canonical_query", &signed.canonical_query, &query);
                r.eq("canonical_headers", &signed.canonical_headers, &headers);
                r.eq(
                    "signed_headers (from canonical request)",
                    &signed.signed_headers,
                    &signed_h,
                );
            }
            None => r.check("canonical_request shape", false, || expected_cr.to_owned()),
        }
        r.eq(
            "signed_headers",
            signed.signed_headers.as_str(),
            out.at("signed_headers").str(),
        );
        r.eq(
            "canonical_request",
            signed.canonical_request.as_str(),
            expected_cr,
        );
        r.eq(
            "string_to_sign",
            signed.string_to_sign.as_str(),
            out.at("string_to_sign").str(),
        );
        r.eq(
            "signature",
            signed.signature.as_str(),
            out.at("signature").str(),
        );
        r.eq(
            "authorization",
            signed.authorization.as_str(),
            out.at("authorization").str(),
        );
        if let Some(h) = out.opt_str("body_sha256") {
            r.eq("body_sha256", sign::sha256_hex(&body).as_str(), h);
        }
        if let Some(info) = out.opt_str("derivation_info") {
            let d = inp.at("derived");
            let scope = huawei::derivation_scope(
                inp.at("x_sdk_date").str(),
                d.at("region").str(),
                d.at("service").str(),
            );
            r.eq("derivation_info", scope.as_str(), info);
            r.eq(
                "derived_signing_key_hex",
                huawei::derived_signing_key_hex(ak, sk, info).as_str(),
                out.at("derived_signing_key_hex").str(),
            );
        }

        // The wire URI: the resource path plus exactly the canonical query.
        let wire = if signed.canonical_query.is_empty() {
            input.path.to_owned()
        } else {
            format!("{}?{}", input.path, signed.canonical_query)
        };
        r.eq("request_uri", wire.as_str(), out.at("request_uri").str());

        // Added headers: what the official signer added, minus Authorization, minus what the
        // caller adds (X-Project-Id / X-Security-Token) and minus values it merely trimmed.
        let mut expected_added = Vec::new();
        for (name, value) in out.at("added_or_changed_headers").str_pairs() {
            if name == "Authorization" {
                continue;
            }
            if let Some((_, original)) = headers.iter().find(|(k, _)| *k == name) {
                let in_caller_added = caller_added.iter().any(|(k, _)| *k == name);
                if !in_caller_added {
                    r.eq(
                        &format!("changed header {name} is the trimmed input"),
                        value.as_str(),
                        original.trim(),
                    );
                }
                continue;
            }
            expected_added.push((name, value));
        }
        r.eq("added_headers", &signed.added_headers, &expected_added);

        // Final headers: the request's headers (values trimmed, as the Python SDK rewrites them),
        // then the added ones, then Authorization.
        let mut final_headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect();
        final_headers.extend(signed.added_headers.iter().cloned());
        final_headers.push(("Authorization".to_owned(), signed.authorization.clone()));
        // The caller-added X-Project-Id / X-Security-Token sit after the original headers in
        // both lists (BasicCredentials inserts them before the signer runs).
        let expected_final = out.at("final_headers").str_pairs();
        r.eq("final_headers", &final_headers, &expected_final);

        // Verification path: parse the recorded Authorization and recompute over its
        // SignedHeaders from the final request headers.
        match huawei::parse_authorization(out.at("authorization").str()) {
            Ok(parsed) => {
                r.eq("parsed access key", parsed.access_key_id.as_str(), ak);
                r.eq(
                    "parsed signature",
                    parsed.signature.as_str(),
                    out.at("signature").str(),
                );
                r.eq(
                    "parsed signed headers",
                    parsed.signed_headers.join(";").as_str(),
                    out.at("signed_headers").str(),
                );
                if algorithm == "SDK-HMAC-SHA256" {
                    let wire_headers: Vec<(String, String)> = final_headers
                        .iter()
                        .filter(|(k, _)| k != "Authorization")
                        .cloned()
                        .collect();
                    let wire_refs = as_refs(&wire_headers);
                    let verify_input = huawei::SigningInput {
                        headers: &wire_refs,
                        ..input
                    };
                    match huawei::sign_with_signed_headers(
                        &verify_input,
                        &parsed.signed_header_names(),
                        ak,
                        sk,
                    ) {
                        Ok(again) => r.eq(
                            "sign_with_signed_headers(final headers) authorization",
                            again.authorization.as_str(),
                            out.at("authorization").str(),
                        ),
                        Err(e) => r.check("sign_with_signed_headers", false, || e.to_string()),
                    }
                } else {
                    r.eq(
                        "parsed credential scope",
                        &parsed.credential_scope.as_deref(),
                        &out.opt_str("derivation_info"),
                    );
                }
            }
            Err(e) => r.check("parse_authorization", false, || e.to_string()),
        }
    }

    for required in [
        "apig-doc-example",
        "derived-v11-vpc",
        "vpc-v3-show-security-group-security-token",
        "ecs-v2_1-os-security-groups-basic-credentials",
        "unsigned-payload",
        "unsigned-payload-empty-body-quirk",
    ] {
        assert!(
            ids.iter().any(|i| i == required),
            "vector {required} missing from the file"
        );
    }
    r.finish("huawei signer_vectors", 18);
}

#[test]
fn huawei_client_captures() {
    let file = load("huawei_vectors.json");
    let vectors = file.at("client_vectors").arr();
    let mut r = Report::default();

    for v in vectors {
        let id = v.at("id").str();
        r.vector(id);
        let req = v.at("captured_request");
        let captured: Vec<(String, String)> = req
            .at("headers")
            .arr()
            .iter()
            .map(|pair| {
                let [k, val] = pair.arr() else {
                    panic!("{id}: header {pair:?}")
                };
                (k.str().to_owned(), val.str().to_owned())
            })
            .collect();
        let authorization = captured
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .expect("captured request has an Authorization header");

        let Some(creds) = v.get("credentials") else {
            // The request carried a caller-provided Authorization; it is not an SDK signature.
            let err = huawei::parse_authorization(&authorization)
                .map(|_| ())
                .unwrap_err();
            r.eq(
                "preset Authorization is rejected",
                &err.kind(),
                &SigningErrorKind::MalformedAuthorization,
            );
            continue;
        };
        let (ak, sk) = (creds.at("ak").str(), creds.at("sk").str());

        let raw_path = req.at("raw_path").str();
        let (path, raw_query) = raw_path.split_once('?').unwrap_or((raw_path, ""));
        let query = decode_query(raw_query);
        let query_refs = as_refs(&query);
        let headers: Vec<(String, String)> = captured
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
            .cloned()
            .collect();
        let header_refs = as_refs(&headers);
        let host = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let body = req.at("body").str().as_bytes();
        let input = huawei::SigningInput {
            method: req.at("method").str(),
            host,
            path,
            query: &query_refs,
            headers: &header_refs,
            body,
        };

        let parsed = match huawei::parse_authorization(&authorization) {
            Ok(p) => p,
            Err(e) => {
                r.check("parse_authorization", false, || e.to_string());
                continue;
            }
        };
        r.eq("access key", parsed.access_key_id.as_str(), ak);
        match huawei::sign_with_signed_headers(&input, &parsed.signed_header_names(), ak, sk) {
            Ok(s) => {
                r.eq(
                    "signature (sign_with_signed_headers)",
                    &s.signature,
                    &parsed.signature,
                );
                r.eq(
                    "authorization (sign_with_signed_headers)",
                    &s.authorization,
                    &authorization,
                );
            }
            Err(e) => r.check("sign_with_signed_headers", false, || e.to_string()),
        }

        // The official client signs every header it has set before the HTTP library adds its
        // own (Accept, Accept-Encoding, Connection): sign() over exactly those must agree.
        let sdk_headers: Vec<(&str, &str)> = header_refs
            .iter()
            .copied()
            .filter(|(k, _)| {
                parsed
                    .signed_headers
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(k))
            })
            .collect();
        let auto_input = huawei::SigningInput {
            headers: &sdk_headers,
            ..input
        };
        match huawei::sign(&auto_input, ak, sk) {
            Ok(s) => {
                r.eq(
                    "authorization (sign over the SDK's headers)",
                    &s.authorization,
                    &authorization,
                );
                r.eq(
                    "nothing added (Host was present)",
                    &s.added_headers,
                    &Vec::new(),
                );
            }
            Err(e) => r.check("sign", false, || e.to_string()),
        }
    }
    r.finish("huawei client_vectors", 3);
}

// ---------------------------------------------------------------------------------------------
// Aliyun
// ---------------------------------------------------------------------------------------------

#[test]
fn aliyun_v2_vectors() {
    let file = load("aliyun_vectors.json");
    let mut r = Report::default();
    for v in file.at("v2_rpc_hmac_sha1").arr() {
        r.vector(v.at("name").str());
        let inp = v.at("inputs");
        let exp = v.at("expected");
        let params = inp.at("params").str_pairs();
        let signed = aliyun_v2::sign(
            inp.at("method").str(),
            &as_refs(&params),
            inp.at("access_key_secret").str(),
        );
        r.eq(
            "canonical_query",
            signed.canonical_query.as_str(),
            exp.at("canonicalized_query").str(),
        );
        r.eq(
            "string_to_sign",
            signed.string_to_sign.as_str(),
            exp.at("string_to_sign").str(),
        );
        r.eq(
            "signature",
            signed.signature.as_str(),
            exp.at("signature").str(),
        );
        r.eq(
            "signed_query",
            signed.signed_query.as_str(),
            exp.at("signed_query").str(),
        );
    }
    r.finish("aliyun v2_rpc_hmac_sha1", 10);
}

#[test]
fn aliyun_v3_vectors() {
    let file = load("aliyun_vectors.json");
    let mut r = Report::default();
    for v in file.at("v3_acs3_hmac_sha256").arr() {
        r.vector(v.at("name").str());
        let inp = v.at("inputs");
        let exp = v.at("expected");
        let query = inp.at("query").str_pairs();
        let headers = inp.at("headers").str_pairs();
        let (query_refs, header_refs) = (as_refs(&query), as_refs(&headers));
        let input = aliyun_v3::SigningInput {
            method: inp.at("method").str(),
            path: inp.at("pathname").str(),
            query: &query_refs,
            headers: &header_refs,
            body: inp.at("body").str().as_bytes(),
        };
        let (ak, sk) = (
            inp.at("access_key_id").str(),
            inp.at("access_key_secret").str(),
        );
        let signed = aliyun_v3::sign(&input, ak, sk);

        let expected_cr = exp.at("canonical_request").str();
        r.eq(
            "canonical_query",
            signed.canonical_query.as_str(),
            exp.at("canonical_query").str(),
        );
        match split_canonical_request(expected_cr) {
            Some([_, _, _, canonical_headers, signed_headers, _]) => {
                r.eq(
                    "canonical_headers",
                    &signed.canonical_headers,
                    &canonical_headers,
                );
                r.eq("signed_headers", &signed.signed_headers, &signed_headers);
            }
            None => r.check("canonical_request shape", false, || expected_cr.to_owned()),
        }
        r.eq(
            "hashed_payload",
            signed.hashed_payload.as_str(),
            exp.at("hashed_payload").str(),
        );
        r.eq(
            "canonical_request",
            signed.canonical_request.as_str(),
            expected_cr,
        );
        r.eq(
            "string_to_sign",
            signed.string_to_sign.as_str(),
            exp.at("string_to_sign").str(),
        );
        r.eq(
            "signature",
            signed.signature.as_str(),
            exp.at("signature").str(),
        );
        r.eq(
            "authorization",
            signed.authorization.as_str(),
            exp.at("authorization").str(),
        );

        // The payload hash from the body alone, when no x-acs-content-sha256 header is given.
        let without: Vec<(&str, &str)> = header_refs
            .iter()
            .copied()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(aliyun_v3::HEADER_CONTENT_SHA256))
            .collect();
        let body_only = aliyun_v3::sign(
            &aliyun_v3::SigningInput {
                headers: &without,
                ..input
            },
            ak,
            sk,
        );
        r.eq(
            "hashed_payload (from body)",
            body_only.hashed_payload.as_str(),
            exp.at("hashed_payload").str(),
        );

        match aliyun_v3::parse_authorization(exp.at("authorization").str()) {
            Ok(p) => {
                r.eq("parsed access key", p.access_key_id.as_str(), ak);
                r.eq(
                    "parsed signature",
                    p.signature.as_str(),
                    exp.at("signature").str(),
                );
                let again =
                    aliyun_v3::sign_with_signed_headers(&input, &p.signed_header_names(), ak, sk);
                r.eq(
                    "sign_with_signed_headers authorization",
                    again.authorization.as_str(),
                    exp.at("authorization").str(),
                );
            }
            Err(e) => r.check("parse_authorization", false, || e.to_string()),
        }
    }
    r.finish("aliyun v3_acs3_hmac_sha256", 7);
}

#[test]
fn aliyun_end_to_end_captures() {
    let file = load("aliyun_vectors.json");
    let fixed = file.at("fixed_inputs");
    let (ak, sk) = (
        fixed.at("access_key_id").str(),
        fixed.at("access_key_secret").str(),
    );
    let e2e = file.at("end_to_end_tea_openapi_ecs_client");
    let mut r = Report::default();

    for (name, case) in e2e.obj() {
        let Some(req) = case.get("request") else {
            continue;
        }; // "errors" holds no request
        r.vector(&format!("end_to_end_tea_openapi_ecs_client.{name}"));
        let method = req.at("method").str();
        let (_host, path, raw_query) = split_url(req.at("url").str());
        let query = decode_query(&raw_query);
        let headers = req.at("headers").str_pairs();
        let body = req.opt_str("body").unwrap_or("").as_bytes();

        if let Some((_, auth)) = headers.iter().find(|(k, _)| k == "Authorization") {
            // V3: verify the captured Authorization over its own SignedHeaders.
            let unsigned: Vec<(String, String)> = headers
                .iter()
                .filter(|(k, _)| k != "Authorization")
                .cloned()
                .collect();
            let (query_refs, header_refs) = (as_refs(&query), as_refs(&unsigned));
            let input = aliyun_v3::SigningInput {
                method,
                path: &path,
                query: &query_refs,
                headers: &header_refs,
                body,
            };
            match aliyun_v3::parse_authorization(auth) {
                Ok(p) => {
                    r.eq("access key", p.access_key_id.as_str(), ak);
                    let s = aliyun_v3::sign_with_signed_headers(
                        &input,
                        &p.signed_header_names(),
                        ak,
                        sk,
                    );
                    r.eq("signature", &s.signature, &p.signature);
                    r.eq("authorization", &s.authorization, auth);
                }
                Err(e) => r.check("parse_authorization", false, || e.to_string()),
            }
        } else {
            // V2: the signature travels in the query.
            let sig = query
                .iter()
                .find(|(k, _)| k == "Signature")
                .map(|(_, v)| v.clone())
                .expect("V2 capture has a Signature parameter");
            let s = aliyun_v2::sign(method, &as_refs(&query), sk);
            r.eq("signature", &s.signature, &sig);
            r.eq(
                "string_to_sign",
                s.string_to_sign.as_str(),
                case.at("string_to_sign").str(),
            );
            let mut ours = decode_query(&s.signed_query);
            let mut theirs = query.clone();
            ours.sort();
            theirs.sort();
            r.eq(
                "signed_query has the same parameters as the wire query",
                &ours,
                &theirs,
            );
        }
    }

    // Legacy aliyunsdkcore captures (V2, including the signed empty `SignatureType=`).
    for (name, case) in file.at("end_to_end_legacy_aliyunsdkcore").obj() {
        r.vector(&format!("end_to_end_legacy_aliyunsdkcore.{name}"));
        let pq = case.at("path_and_query").str();
        let query = decode_query(pq.split_once('?').map_or("", |(_, q)| q));
        let sig = query
            .iter()
            .find(|(k, _)| k == "Signature")
            .map(|(_, v)| v.clone())
            .expect("legacy capture has a Signature parameter");
        let s = aliyun_v2::sign(case.at("method").str(), &as_refs(&query), sk);
        r.eq("signature", &s.signature, &sig);
        r.eq(
            "string_to_sign",
            s.string_to_sign.as_str(),
            case.at("string_to_sign").str(),
        );
    }
    r.finish("aliyun end_to_end captures", 6);
}
