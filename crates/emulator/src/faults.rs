//! Fault injection: scripted failures consumed by authenticated requests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which vendor's protocol a request spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// Huawei Cloud (ECS `/v2/`, `/v2.1/`, VPC and IAM `/v3/`).
    Huawei,
    /// Alibaba Cloud (RPC at `/`).
    Aliyun,
}

/// One injected failure. Serialized with a `kind` tag (the `--faults FILE` format):
///
/// ```json
/// {"kind": "reply", "status": 503, "headers": [["Content-Type", "text/html"]], "body": "<html>…"}
/// {"kind": "delay", "millis": 1500}
/// {"kind": "close_before_response"}
/// {"kind": "truncated_body"}
/// {"kind": "oversized", "bytes": 104857600, "chunked": false}
/// {"kind": "wrong_content_type", "content_type": "text/html", "html_body": false}
/// {"kind": "aliyun_error", "status": 400, "code": "Throttling.User", "message": "…", "retry_after_millis": 300}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this response instead of the service's (the emulator adds `Content-Length`,
    /// `Date` and the request-id header unless given). `{request_id}` in the body is replaced
    /// by the request's id.
    Reply {
        /// HTTP status.
        status: u16,
        /// Headers (name, value).
        #[serde(default)]
        headers: Vec<(String, String)>,
        /// Body text.
        #[serde(default)]
        body: String,
    },
    /// Wait, then answer normally.
    Delay {
        /// Milliseconds to wait before answering.
        millis: u64,
    },
    /// Close the connection without sending a byte of response.
    CloseBeforeResponse,
    /// Send the normal answer's head with its full `Content-Length`, then only half of the
    /// body (at most the first half, at least one byte fewer), then close.
    TruncatedBody,
    /// Answer 200 with a JSON body of `bytes` bytes (`{"padding":"aaa…"}`), streamed in 64 KiB
    /// pieces and never held in memory whole; with `Content-Length` or, when `chunked`,
    /// `Transfer-Encoding: chunked`.
    Oversized {
        /// Body length in bytes.
        bytes: u64,
        /// Send chunked instead of with a `Content-Length`.
        #[serde(default)]
        chunked: bool,
    },
    /// A wrong `Content-Type`: the normal answer (status and body) labelled `content_type`, or,
    /// with `html_body`, a `200` whose body is an HTML page.
    WrongContentType {
        /// The `Content-Type` to send.
        content_type: String,
        /// Replace the body by an HTML page and the status by 200.
        #[serde(default)]
        html_body: bool,
    },
    /// An Alibaba error answer in the format the request asked for (`Format=XML`, or V2
    /// without `Format`: the `<Error>` document; else JSON), with the emulator's `RequestId`,
    /// `HostId` and `Recommend`, as the real gateway writes it; `x-acs-retry-after` when
    /// `retry_after_millis` is given.
    AliyunError {
        /// HTTP status.
        status: u16,
        /// Error code (`Throttling.User`, `ServiceUnavailable`, …).
        code: String,
        /// Error message.
        message: String,
        /// Milliseconds for the `x-acs-retry-after` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_millis: Option<u64>,
    },
}

/// An HTML error page like the one Huawei's front end serves for a 503.
pub const HUAWEI_503_HTML: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

impl Fault {
    /// A `Reply` fault.
    pub fn reply(status: u16, headers: Vec<(String, String)>, body: impl Into<String>) -> Self {
        Fault::Reply {
            status,
            headers,
            body: body.into(),
        }
    }

    /// Huawei's front end answering `503` with an HTML page ([`HUAWEI_503_HTML`]).
    pub fn huawei_503_html() -> Self {
        Self::reply(
            503,
            vec![("Content-Type".into(), "text/html".into())],
            HUAWEI_503_HTML,
        )
    }

    /// Huawei API Gateway throttling: `429 APIGW.0308` with `Retry-After: retry_after_secs`.
    pub fn huawei_throttled(retry_after_secs: u64) -> Self {
        Self::reply(
            429,
            vec![
                (
                    "Content-Type".into(),
                    "application/json;charset=UTF-8".into(),
                ),
                ("Retry-After".into(), retry_after_secs.to_string()),
            ],
            r#"{"error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second","error_code":"APIGW.0308","request_id":"{request_id}"}"#,
        )
    }

    /// Alibaba user flow control: `400 Throttling.User`, with `x-acs-retry-after` (milliseconds)
    /// when given; JSON or XML as the request asked ([`Fault::AliyunError`]).
    pub fn aliyun_throttling_user(retry_after_millis: Option<u64>) -> Self {
        Fault::AliyunError {
            status: 400,
            code: "Throttling.User".into(),
            message: "Request was denied due to user flow control.".into(),
            retry_after_millis,
        }
    }

    /// Alibaba `503 ServiceUnavailable`; JSON or XML as the request asked
    /// ([`Fault::AliyunError`]).
    pub fn aliyun_service_unavailable() -> Self {
        Fault::AliyunError {
            status: 503,
            code: "ServiceUnavailable".into(),
            message: "The request has failed due to a temporary failure of the server.".into(),
            retry_after_millis: None,
        }
    }

    /// Wait `d`, then answer normally.
    pub fn delay(d: Duration) -> Self {
        Fault::Delay {
            millis: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// A short name for logs and recordings (`reply 503`, `delay`, …).
    pub fn label(&self) -> String {
        match self {
            Fault::Reply { status, .. } | Fault::AliyunError { status, .. } => {
                format!("reply {status}")
            }
            Fault::Delay { millis } => format!("delay {millis}ms"),
            Fault::CloseBeforeResponse => "close_before_response".into(),
            Fault::TruncatedBody => "truncated_body".into(),
            Fault::Oversized { bytes, .. } => format!("oversized {bytes}"),
            Fault::WrongContentType { content_type, .. } => {
                format!("wrong_content_type {content_type}")
            }
        }
    }
}

/// A fault and the requests it may hit.
///
/// JSON form (`--faults FILE` holds an array of these):
/// `{"fault": {"kind": "delay", "millis": 100}, "vendor": "huawei", "operation": "ShowSecurityGroup"}`;
/// `vendor` and `operation` may be omitted (any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// Only requests to this vendor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Vendor>,
    /// Only this operation: `NovaListServerSecurityGroups`, `ShowSecurityGroup`,
    /// `KeystoneListProjects` or `DescribeSecurityGroupReferences`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

impl FaultRule {
    /// A rule matching every authenticated request.
    pub fn any(fault: Fault) -> Self {
        Self {
            fault,
            vendor: None,
            operation: None,
        }
    }

    /// Restricts the rule to `vendor`.
    pub fn for_vendor(mut self, vendor: Vendor) -> Self {
        self.vendor = Some(vendor);
        self
    }

    /// Restricts the rule to `operation`.
    pub fn for_operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    fn matches(&self, vendor: Vendor, operation: Option<&str>) -> bool {
        self.vendor.is_none_or(|v| v == vendor)
            && self
                .operation
                .as_deref()
                .is_none_or(|o| Some(o) == operation)
    }

    /// Parses a `--faults` document: a JSON array of rules.
    pub fn list_from_json(text: &str) -> Result<Vec<FaultRule>, crate::StateError> {
        serde_json::from_str(text).map_err(|e| crate::StateError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule::any(fault)
    }
}

/// The emulator's fault queue (shared; cloning gives another handle to the same queue). Each
/// authenticated request takes the first rule that matches it, in push order.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<VecDeque<FaultRule>>>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<FaultRule>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a fault (a [`Fault`] matches any request; a [`FaultRule`] may filter).
    pub fn push(&self, rule: impl Into<FaultRule>) {
        self.lock().push_back(rule.into());
    }

    /// Appends several.
    pub fn extend(&self, rules: impl IntoIterator<Item = FaultRule>) {
        self.lock().extend(rules);
    }

    /// How many faults are waiting.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no fault is waiting.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Drops every waiting fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Takes the first fault matching the request.
    pub(crate) fn take(&self, vendor: Vendor, operation: Option<&str>) -> Option<Fault> {
        let mut queue = self.lock();
        let pos = queue.iter().position(|r| r.matches(vendor, operation))?;
        queue.remove(pos).map(|r| r.fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_round_trip_through_json() {
        let rules = vec![
            FaultRule::any(Fault::huawei_503_html()),
            FaultRule::any(Fault::delay(Duration::from_millis(250))).for_vendor(Vendor::Aliyun),
            FaultRule::any(Fault::CloseBeforeResponse).for_operation("ShowSecurityGroup"),
            Fault::TruncatedBody.into(),
            Fault::Oversized {
                bytes: 1 << 20,
                chunked: true,
            }
            .into(),
            Fault::WrongContentType {
                content_type: "text/html".into(),
                html_body: false,
            }
            .into(),
            Fault::aliyun_throttling_user(Some(300)).into(),
            Fault::aliyun_service_unavailable().into(),
        ];
        let text = serde_json::to_string(&rules).unwrap();
        assert_eq!(FaultRule::list_from_json(&text).unwrap(), rules);
        let parsed = FaultRule::list_from_json(
            r#"[{"fault": {"kind": "delay", "millis": 5}, "vendor": "huawei"}]"#,
        )
        .unwrap();
        assert_eq!(parsed[0].fault, Fault::Delay { millis: 5 });
        assert_eq!(parsed[0].vendor, Some(Vendor::Huawei));
        let err = FaultRule::list_from_json(r#"[{"fault": {"kind": "explode"}}]"#).unwrap_err();
        assert!(err.to_string().contains("explode"), "{err}");
    }

    #[test]
    fn queue_takes_the_first_matching_rule() {
        let q = Faults::default();
        q.push(FaultRule::any(Fault::TruncatedBody).for_vendor(Vendor::Aliyun));
        q.push(FaultRule::any(Fault::CloseBeforeResponse).for_operation("ShowSecurityGroup"));
        q.push(Fault::delay(Duration::from_millis(1)));
        assert_eq!(
            q.take(Vendor::Huawei, Some("ShowSecurityGroup")),
            Some(Fault::CloseBeforeResponse)
        );
        assert_eq!(
            q.take(Vendor::Huawei, Some("KeystoneListProjects")),
            Some(Fault::Delay { millis: 1 })
        );
        assert_eq!(q.take(Vendor::Huawei, None), None);
        assert_eq!(q.len(), 1);
        assert_eq!(q.take(Vendor::Aliyun, None), Some(Fault::TruncatedBody));
        assert!(q.is_empty());
    }
}
