//! Signs requests read as JSON lines on stdin and writes one JSON line per request with every
//! intermediate string. Used by `tests/interop/signer_interop.py` to compare the Rust signers
//! with the official Python SDKs.
//!
//! ```text
//! cargo run -q -p cloudsdk-core --example sign_json < requests.jsonl
//! ```
//!
//! Input objects (`id` is echoed back; `body` is UTF-8 text, `body_hex` raw bytes in hex):
//!
//! * `{"kind":"huawei","method","host","path","query":[[k,v]…],"headers":[[k,v]…],"body","ak","sk"}`
//!   plus optional `"signed_headers":[…]` (verification mode) or `"derived":{"region","service"}`;
//! * `{"kind":"aliyun_v2","method","params":[[k,v]…],"secret"}`;
//! * `{"kind":"aliyun_v3","method","path","query":[[k,v]…],"headers":[[k,v]…],"body","ak","secret"}`
//!   plus optional `"signed_headers":[…]`.
//!
//! A line that cannot be handled produces `{"id":…,"error":"…"}`.

use std::io::{self, BufRead, BufWriter, Write};

use cloudsdk_core::sign::{aliyun_v2, aliyun_v3, huawei};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Request {
    Huawei {
        method: String,
        host: String,
        path: String,
        #[serde(default)]
        query: Vec<(String, String)>,
        #[serde(default)]
        headers: Vec<(String, String)>,
        #[serde(flatten)]
        body: Body,
        ak: String,
        sk: String,
        signed_headers: Option<Vec<String>>,
        derived: Option<Derived>,
    },
    AliyunV2 {
        method: String,
        params: Vec<(String, String)>,
        secret: String,
    },
    AliyunV3 {
        method: String,
        path: String,
        #[serde(default)]
        query: Vec<(String, String)>,
        #[serde(default)]
        headers: Vec<(String, String)>,
        #[serde(flatten)]
        body: Body,
        ak: String,
        secret: String,
        signed_headers: Option<Vec<String>>,
    },
}

#[derive(Deserialize)]
struct Derived {
    region: String,
    service: String,
}

#[derive(Deserialize, Default)]
struct Body {
    body: Option<String>,
    body_hex: Option<String>,
}

impl Body {
    fn bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.body, &self.body_hex) {
            (_, Some(hex)) => decode_hex(hex),
            (Some(text), None) => Ok(text.as_bytes().to_vec()),
            (None, None) => Ok(Vec::new()),
        }
    }
}

fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("body_hex has an odd length".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("body_hex: {e}")))
        .collect()
}

fn refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn handle(request: Request) -> Result<Value, String> {
    match request {
        Request::Huawei {
            method,
            host,
            path,
            query,
            headers,
            body,
            ak,
            sk,
            signed_headers,
            derived,
        } => {
            let body = body.bytes()?;
            let (q, h) = (refs(&query), refs(&headers));
            let input = huawei::SigningInput {
                method: &method,
                host: &host,
                path: &path,
                query: &q,
                headers: &h,
                body: &body,
            };
            let signed = match (signed_headers, derived) {
                (Some(names), _) => {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    huawei::sign_with_signed_headers(&input, &names, &ak, &sk)
                }
                (None, Some(d)) => huawei::sign_derived(&input, &ak, &sk, &d.region, &d.service),
                (None, None) => huawei::sign(&input, &ak, &sk),
            }
            .map_err(|e| e.to_string())?;
            Ok(json!({
                "canonical_uri": signed.canonical_uri,
                "canonical_query": signed.canonical_query,
                "canonical_headers": signed.canonical_headers,
                "signed_headers": signed.signed_headers,
                "canonical_request": signed.canonical_request,
                "string_to_sign": signed.string_to_sign,
                "signature": signed.signature,
                "authorization": signed.authorization,
                "added_headers": signed.added_headers,
            }))
        }
        Request::AliyunV2 {
            method,
            params,
            secret,
        } => {
            let signed = aliyun_v2::sign(&method, &refs(&params), &secret);
            Ok(json!({
                "canonical_query": signed.canonical_query,
                "string_to_sign": signed.string_to_sign,
                "signature": signed.signature,
                "signed_query": signed.signed_query,
            }))
        }
        Request::AliyunV3 {
            method,
            path,
            query,
            headers,
            body,
            ak,
            secret,
            signed_headers,
        } => {
            let body = body.bytes()?;
            let (q, h) = (refs(&query), refs(&headers));
            let input = aliyun_v3::SigningInput {
                method: &method,
                path: &path,
                query: &q,
                headers: &h,
                body: &body,
            };
            let signed = match signed_headers {
                Some(names) => {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    aliyun_v3::sign_with_signed_headers(&input, &names, &ak, &secret)
                }
                None => aliyun_v3::sign(&input, &ak, &secret),
            };
            Ok(json!({
                "canonical_query": signed.canonical_query,
                "canonical_headers": signed.canonical_headers,
                "signed_headers": signed.signed_headers,
                "hashed_payload": signed.hashed_payload,
                "canonical_request": signed.canonical_request,
                "string_to_sign": signed.string_to_sign,
                "signature": signed.signature,
                "authorization": signed.authorization,
            }))
        }
    }
}

fn main() -> io::Result<()> {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                writeln!(
                    out,
                    "{}",
                    json!({ "id": null, "error": format!("bad JSON: {e}") })
                )?;
                continue;
            }
        };
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        let result = serde_json::from_value::<Request>(value)
            .map_err(|e| format!("bad request: {e}"))
            .and_then(handle);
        let mut reply = match result {
            Ok(v) => v,
            Err(e) => json!({ "error": e }),
        };
        reply["id"] = id;
        writeln!(out, "{reply}")?;
    }
    out.flush()
}
