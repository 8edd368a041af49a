//! Decoding of error response bodies (every shape the two vendors use) into [`ErrorMetadata`].

use serde_json::{Map, Value};

use crate::error::{BODY_SNIPPET_LIMIT, ErrorMetadata, body_snippet};
use crate::runtime::Received;

#[cfg(feature = "huawei")]
/// Request-id headers of Huawei responses, in order of preference.
const HUAWEI_REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "x-openstack-request-id",
    "x-compute-request-id",
    "x-iam-trace-id",
];

#[cfg(feature = "aliyun")]
/// Request-id headers of Alibaba responses.
const ALIYUN_REQUEST_ID_HEADERS: &[&str] = &["x-acs-request-id"];

fn header_request_id(received: &Received, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| received.header(n))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

#[cfg(feature = "huawei")]
/// Huawei request id: headers, then body `request_id`.
pub(crate) fn huawei_request_id(received: &Received) -> Option<String> {
    header_request_id(received, HUAWEI_REQUEST_ID_HEADERS).or_else(|| {
        json_object(&received.body)
            .and_then(|m| m.get("request_id").and_then(scalar_text))
            .filter(|v| !v.is_empty())
    })
}

#[cfg(feature = "aliyun")]
/// Alibaba request id: body `RequestId` / `requestId` (JSON or XML), then `x-acs-request-id`.
pub(crate) fn aliyun_request_id(received: &Received) -> Option<String> {
    let from_body = if let Some(m) = json_object(&received.body) {
        ["RequestId", "requestId"]
            .iter()
            .find_map(|k| m.get(*k).and_then(scalar_text))
    } else {
        xml_child_text(&received.body, "RequestId")
    };
    from_body
        .filter(|v| !v.is_empty())
        .or_else(|| header_request_id(received, ALIYUN_REQUEST_ID_HEADERS))
}

#[cfg(feature = "huawei")]
/// (wrapper key, the level holding code/message, code, message).
type Found<'a> = (
    Option<String>,
    &'a Map<String, Value>,
    Option<&'a Value>,
    Option<&'a Value>,
);

#[cfg(feature = "huawei")]
/// (code, message) at one level of a Huawei error body, trying the known key pairs in order.
fn huawei_pair(map: &Map<String, Value>) -> Option<(Option<&Value>, Option<&Value>)> {
    for (code_key, msg_key) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        let code = map.get(code_key).filter(|v| !v.is_null());
        let msg = map.get(msg_key).filter(|v| !v.is_null());
        if code.is_some() || msg.is_some() {
            return Some((code, msg));
        }
    }
    None
}

#[cfg(feature = "huawei")]
/// Huawei error body → metadata. Shapes: `{error_code, error_msg, request_id}`,
/// `{errorCode, errorMsg}`, `{code, message}`, `{"error": {...}}`, Nova faults
/// `{"itemNotFound": {"message", "code": 404}}` (code = fault name, integer kept as
/// `fault_code`), `encoded_authorization_message` kept in extras; anything else keeps the status
/// and a body snippet as the message.
pub(crate) fn huawei_error(received: &Received) -> ErrorMetadata {
    let mut meta = ErrorMetadata::new(received.status);
    meta.request_id = huawei_request_id(received);
    let Some(top) = json_object(&received.body) else {
        let snippet = body_snippet(&received.body, BODY_SNIPPET_LIMIT);
        meta.message = (!snippet.is_empty()).then_some(snippet);
        return meta;
    };

    // Level 1, else one nested object (error / Nova fault).
    let mut found: Option<Found<'_>> = huawei_pair(&top).map(|(c, m)| (None, &top, c, m));
    if found.is_none() {
        for (key, value) in &top {
            if let Value::Object(inner) = value
                && let Some((c, m)) = huawei_pair(inner)
            {
                found = Some((Some(key.clone()), inner, c, m));
                break;
            }
        }
    }

    match found {
        Some((wrapper, level, code, message)) => {
            match (code, wrapper.as_deref()) {
                (Some(Value::String(s)), _) => meta.code = Some(s.clone()),
                (Some(Value::Number(n)), Some(fault)) if fault != "error" => {
                    meta.code = Some(fault.to_owned());
                    meta.extras.insert("fault_code".into(), n.to_string());
                }
                (Some(other), _) => meta.code = scalar_text(other),
                (None, Some(fault)) if fault != "error" => meta.code = Some(fault.to_owned()),
                (None, _) => {}
            }
            meta.message = message
                .and_then(scalar_text)
                .or_else(|| message.map(|v| v.to_string()));
            for map in [&top, level] {
                if let Some(v) = map
                    .get("encoded_authorization_message")
                    .and_then(scalar_text)
                {
                    meta.extras
                        .insert("encoded_authorization_message".into(), v);
                }
                if meta.request_id.is_none()
                    && let Some(v) = map.get("request_id").and_then(scalar_text)
                {
                    meta.request_id = Some(v);
                }
            }
            if let Some(details) = level.get("details").or_else(|| top.get("details"))
                && !details.is_null()
            {
                let text = scalar_text(details).unwrap_or_else(|| details.to_string());
                meta.extras.insert("details".into(), text);
            }
        }
        None => {
            let snippet = body_snippet(&received.body, BODY_SNIPPET_LIMIT);
            meta.message = (!snippet.is_empty()).then_some(snippet);
        }
    }
    meta
}

#[cfg(feature = "aliyun")]
fn first_text<'a>(map: &'a Map<String, Value>, keys: &[&str]) -> Option<(&'a str, String)> {
    keys.iter().find_map(|k| {
        map.get_key_value(*k)
            .and_then(|(k, v)| scalar_text(v).map(|t| (k.as_str(), t)))
    })
}

#[cfg(feature = "aliyun")]
/// Alibaba error body → metadata. JSON `{RequestId, HostId, Code, Message, Recommend,
/// AccessDeniedDetail}` (any case of the first letter), XML `<Error>…</Error>`; anything else
/// keeps the status and a body snippet. `x-acs-retry-after` is kept as `retry_after_ms`.
pub(crate) fn aliyun_error(received: &Received) -> ErrorMetadata {
    let mut meta = ErrorMetadata::new(received.status);
    if let Some(map) = json_object(&received.body) {
        meta.code = first_text(&map, &["Code", "code"]).map(|(_, v)| v);
        meta.message = first_text(&map, &["Message", "message"]).map(|(_, v)| v);
        meta.request_id = first_text(&map, &["RequestId", "requestId"]).map(|(_, v)| v);
        for (key, value) in &map {
            if matches!(
                key.as_str(),
                "Code" | "code" | "Message" | "message" | "RequestId" | "requestId"
            ) || value.is_null()
            {
                continue;
            }
            let canonical = match key.as_str() {
                "accessDeniedDetail" => "AccessDeniedDetail".to_owned(),
                "hostId" => "HostId".to_owned(),
                "recommend" => "Recommend".to_owned(),
                other => other.to_owned(),
            };
            let text = scalar_text(value).unwrap_or_else(|| value.to_string());
            meta.extras.entry(canonical).or_insert(text);
        }
    } else if let Some(fields) = xml_error_fields(&received.body) {
        for (name, text) in fields {
            match name.as_str() {
                "Code" => meta.code = Some(text),
                "Message" => meta.message = Some(text),
                "RequestId" => meta.request_id = Some(text),
                _ => {
                    meta.extras.insert(name, text);
                }
            }
        }
    } else {
        let snippet = body_snippet(&received.body, BODY_SNIPPET_LIMIT);
        meta.message = (!snippet.is_empty()).then_some(snippet);
    }
    if meta.request_id.is_none() {
        meta.request_id = header_request_id(received, ALIYUN_REQUEST_ID_HEADERS);
    }
    if let Some(v) = received.header("x-acs-retry-after") {
        meta.extras
            .insert("retry_after_ms".into(), v.trim().to_owned());
    }
    meta
}

#[cfg(feature = "aliyun")]
#[derive(serde::Deserialize, Default)]
struct XmlError {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "HostId")]
    host_id: Option<String>,
    #[serde(rename = "Recommend")]
    recommend: Option<String>,
}

#[cfg(feature = "aliyun")]
fn parse_xml<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.trim_start().starts_with('<') {
        return None;
    }
    quick_xml::de::from_str(text).ok()
}

#[cfg(feature = "aliyun")]
/// Fields of an XML `<Error>` body as (name, text) pairs, when it has a `Code` or `Message`.
fn xml_error_fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    let e: XmlError = parse_xml(body)?;
    if e.code.is_none() && e.message.is_none() {
        return None;
    }
    let fields = [
        ("Code", e.code),
        ("Message", e.message),
        ("RequestId", e.request_id),
        ("HostId", e.host_id),
        ("Recommend", e.recommend),
    ];
    Some(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.trim().to_owned())))
            .collect(),
    )
}

#[cfg(feature = "aliyun")]
fn xml_child_text(body: &[u8], name: &str) -> Option<String> {
    debug_assert_eq!(name, "RequestId");
    #[derive(serde::Deserialize)]
    struct Rid {
        #[serde(rename = "RequestId")]
        request_id: Option<String>,
    }
    parse_xml::<Rid>(body)?
        .request_id
        .map(|s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recv(status: u16, headers: &[(&str, &str)], body: &str) -> Received {
        Received::from_pairs(status, headers.iter().copied(), body.as_bytes())
    }

    #[cfg(feature = "huawei")]
    #[test]
    fn huawei_shapes() {
        let m = huawei_error(&recv(
            404,
            &[("X-Request-Id", "rid")],
            r#"{"error_msg":"not found","error_code":"VPC.0602","request_id":"body"}"#,
        ));
        assert_eq!(
            (m.code(), m.message(), m.request_id()),
            (Some("VPC.0602"), Some("not found"), Some("rid"))
        );

        let m = huawei_error(&recv(
            400,
            &[],
            r#"{"errorCode":"SVC.0001","errorMsg":"camel"}"#,
        ));
        assert_eq!((m.code(), m.message()), (Some("SVC.0001"), Some("camel")));

        let m = huawei_error(&recv(
            400,
            &[],
            r#"{"error":{"message":"bad","code":"Ecs.0114"}}"#,
        ));
        assert_eq!((m.code(), m.message()), (Some("Ecs.0114"), Some("bad")));

        let m = huawei_error(&recv(
            404,
            &[("X-Openstack-Request-Id", "req-1")],
            r#"{"itemNotFound":{"message":"gone","code":404}}"#,
        ));
        assert_eq!(
            (m.code(), m.message(), m.request_id()),
            (Some("itemNotFound"), Some("gone"), Some("req-1"))
        );
        assert_eq!(m.extra("fault_code"), Some("404"));

        let m = huawei_error(&recv(
            403,
            &[],
            r#"{"error_msg":"denied","error_code":"VPC.0015","request_id":"b","encoded_authorization_message":"XX=="}"#,
        ));
        assert_eq!(m.request_id(), Some("b"));
        assert_eq!(m.extra("encoded_authorization_message"), Some("XX=="));

        let m = huawei_error(&recv(503, &[], "<html><body>503</body></html>"));
        assert_eq!(m.code(), None);
        assert_eq!(m.message(), Some("<html><body>503</body></html>"));
    }

    #[cfg(feature = "aliyun")]
    #[test]
    fn aliyun_shapes() {
        let m = aliyun_error(&recv(
            403,
            &[],
            r#"{"RequestId":"r","HostId":"h","Code":"Forbidden.RAM","Message":"no","AccessDeniedDetail":{"AuthAction":"ecs:X"}}"#,
        ));
        assert_eq!(
            (m.code(), m.message(), m.request_id()),
            (Some("Forbidden.RAM"), Some("no"), Some("r"))
        );
        assert_eq!(m.extra("HostId"), Some("h"));
        assert!(m.extra("AccessDeniedDetail").unwrap().contains("ecs:X"));

        let m = aliyun_error(&recv(
            400,
            &[],
            r#"{"requestId":"r","code":"X","message":"y","accessDeniedDetail":{"a":1}}"#,
        ));
        assert_eq!(
            (m.code(), m.message(), m.request_id()),
            (Some("X"), Some("y"), Some("r"))
        );
        assert!(m.extra("AccessDeniedDetail").is_some());

        let m = aliyun_error(&recv(
            400,
            &[],
            "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>R6</RequestId><HostId>h</HostId><Code>SignatureDoesNotMatch</Code><Message>a &amp; b</Message></Error>",
        ));
        assert_eq!(
            (m.code(), m.message(), m.request_id()),
            (Some("SignatureDoesNotMatch"), Some("a & b"), Some("R6"))
        );
        assert_eq!(m.extra("HostId"), Some("h"));
    }

    // Bounded versions of the cargo-fuzz target `error_body` (fuzz/).
    mod props {
        use super::*;
        use proptest::prelude::*;

        fn body() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..2048),
                "\\PC{0,64}".prop_map(String::into_bytes),
                // JSON objects with the keys the decoders look for, and arbitrary values.
                prop::collection::vec(
                    (
                        prop::sample::select(vec![
                            "error_code",
                            "error_msg",
                            "errorCode",
                            "errorMsg",
                            "code",
                            "message",
                            "Code",
                            "Message",
                            "RequestId",
                            "requestId",
                            "request_id",
                            "error",
                            "itemNotFound",
                            "details",
                            "HostId",
                            "encoded_authorization_message",
                        ]),
                        prop_oneof![
                            Just("null".to_owned()),
                            any::<i64>().prop_map(|n| n.to_string()),
                            "\\PC{0,16}".prop_map(|s| serde_json::Value::String(s).to_string()),
                            "\\PC{0,8}".prop_map(|s| format!(
                                r#"{{"code":{},"message":"m"}}"#,
                                serde_json::Value::String(s)
                            )),
                            Just("[1,{}]".to_owned()),
                        ],
                    ),
                    0..6,
                )
                .prop_map(|fields| {
                    let inner: Vec<String> =
                        fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", inner.join(",")).into_bytes()
                }),
                // XML error documents.
                ("\\PC{0,12}", "\\PC{0,12}", "[A-Za-z]{1,8}").prop_map(|(c, m, t)| {
                    format!("<Error><Code>{c}</Code><Message>{m}</Message><{t}>x</{t}></Error>")
                        .into_bytes()
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn decoders_never_panic_and_keep_the_status(
                status in any::<u16>(),
                headers in prop::collection::vec(
                    (prop::sample::select(vec!["x-request-id", "x-acs-request-id", "x-acs-retry-after", "x-openstack-request-id", "other"]), "\\PC{0,16}"),
                    0..4,
                ),
                body in body(),
            ) {
                let r = Received::from_pairs(status, headers.iter().map(|(k, v)| (*k, v)), &body);
                #[cfg(all(feature = "huawei", feature = "aliyun"))]
                for meta in [huawei_error(&r), aliyun_error(&r)] {
                    prop_assert_eq!(meta.status, status);
                    if let Some(m) = meta.message() {
                        // A snippet of an unknown body is bounded.
                        if !r.body.starts_with(b"{") && !r.body.starts_with(b"<") {
                            prop_assert!(m.len() <= BODY_SNIPPET_LIMIT + '…'.len_utf8(), "{}", m.len());
                        }
                    }
                    let _ = (meta.to_string(), format!("{meta:?}"));
                }
                let _ = (huawei_request_id(&r), aliyun_request_id(&r));
            }
        }
    }
}
