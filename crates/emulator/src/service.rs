//! The emulated services: routing and answers from the [`State`], in each vendor's wire format.

use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput;
use aliyun_ecs::types::SecurityGroupReference;
use huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput;
use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput;

use crate::faults::Vendor;
use crate::http::{Request, parse_pairs};
use crate::reply::Reply;
use crate::state::{AliyunRegion, State};

/// `NovaListServerSecurityGroups`.
pub(crate) const OP_NOVA: &str = "NovaListServerSecurityGroups";
/// `ShowSecurityGroup`.
pub(crate) const OP_VPC: &str = "ShowSecurityGroup";
/// `KeystoneListProjects`.
pub(crate) const OP_IAM: &str = "KeystoneListProjects";
/// `KeystoneListAuthDomains` (domain-id discovery for global services).
pub(crate) const OP_IAM_DOMAINS: &str = "KeystoneListAuthDomains";
/// STS v5 `GetCallerIdentity` (the fallback of domain-id discovery).
pub(crate) const OP_CALLER_IDENTITY: &str = "GetCallerIdentity";
/// `DescribeSecurityGroupReferences`.
pub(crate) const OP_ALIYUN: &str = "DescribeSecurityGroupReferences";
/// The ECS RPC API version.
pub(crate) const ALIYUN_VERSION: &str = "2014-05-26";

/// The vendor a path belongs to: `/` is the Alibaba RPC endpoint; `/v2/`, `/v2.1/` and `/v3/`
/// are Huawei. Any other path goes to Huawei when the request carries a Huawei signature,
/// else to Alibaba.
pub(crate) fn vendor_for(req: &Request) -> Vendor {
    let p = req.path.as_str();
    let huawei_path = p.starts_with("/v2/") || p.starts_with("/v2.1/") || p.starts_with("/v3/");
    let huawei_signature = req
        .header("authorization")
        .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256"));
    if p != "/" && (huawei_path || huawei_signature) {
        Vendor::Huawei
    } else {
        Vendor::Aliyun
    }
}

fn decode(segment: &str) -> String {
    cloudsdk_core::sign::encode::percent_decode(segment)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| segment.to_owned())
}

enum HuaweiRoute {
    Iam,
    Domains,
    CallerIdentity,
    Nova { project: String, server: String },
    Vpc { project: String, group: String },
}

fn huawei_route(req: &Request) -> Option<HuaweiRoute> {
    if req.method != "GET" {
        return None;
    }
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v3", "projects"] => Some(HuaweiRoute::Iam),
        ["v3", "auth", "domains"] => Some(HuaweiRoute::Domains),
        ["v5", "caller-identity"] => Some(HuaweiRoute::CallerIdentity),
        [v, project, "servers", server, "os-security-groups"]
            if (*v == "v2" || *v == "v2.1") && !project.is_empty() && !server.is_empty() =>
        {
            Some(HuaweiRoute::Nova {
                project: decode(project),
                server: decode(server),
            })
        }
        ["v3", project, "vpc", "security-groups", group]
            if !project.is_empty() && !group.is_empty() =>
        {
            Some(HuaweiRoute::Vpc {
                project: decode(project),
                group: decode(group),
            })
        }
        _ => None,
    }
}

/// The Huawei operation a request calls, if it is one the emulator serves.
pub(crate) fn huawei_operation(req: &Request) -> Option<&'static str> {
    huawei_route(req).map(|r| match r {
        HuaweiRoute::Iam => OP_IAM,
        HuaweiRoute::Domains => OP_IAM_DOMAINS,
        HuaweiRoute::CallerIdentity => OP_CALLER_IDENTITY,
        HuaweiRoute::Nova { .. } => OP_NOVA,
        HuaweiRoute::Vpc { .. } => OP_VPC,
    })
}

/// A Huawei `{"error_msg", "error_code", "request_id"}` body.
pub(crate) fn huawei_error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    let body = serde_json::json!({
        "error_msg": message,
        "error_code": code,
        "request_id": request_id,
    });
    Reply::json(status, body.to_string())
}

/// A Nova fault `{"<name>": {"message", "code"}}`.
fn nova_fault(status: u16, name: &str, message: &str) -> Reply {
    let body = serde_json::json!({ name: { "message": message, "code": status } });
    Reply::new(status)
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string())
}

/// Why a request for `project` (the URL's) cannot be served, if it cannot: the emulator does
/// not have the project (the message lists the ones it has), or the request's `X-Project-Id`
/// names another one (`mismatch(context)`: the service's own message for that).
fn project_problem(
    state: &State,
    project: &str,
    context: Option<&str>,
    mismatch: impl FnOnce(&str) -> String,
) -> Option<String> {
    if state.huawei_project(project).is_none() {
        let served: Vec<String> = state
            .huawei
            .projects
            .iter()
            .map(|p| format!("{} ({})", p.id, p.name))
            .collect();
        let served = if served.is_empty() {
            "none".to_owned()
        } else {
            served.join(", ")
        };
        return Some(format!(
            "Project {project} is not served by this emulator (served: {served})"
        ));
    }
    context.filter(|c| *c != project).map(mismatch)
}

fn json_reply<T: serde::Serialize>(value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(body) => Reply::json(200, body),
        Err(e) => Reply::json(
            500,
            serde_json::json!({"error_msg": e.to_string(), "error_code": "SYS.0500"}).to_string(),
        ),
    }
}

/// Answers an authenticated Huawei request from `state`.
pub(crate) fn huawei(state: &State, req: &Request, request_id: &str, host: &str) -> Reply {
    let Some(route) = huawei_route(req) else {
        return Reply::unknown_api(Vendor::Huawei);
    };
    let context_project = req.header("x-project-id");
    match route {
        HuaweiRoute::Iam => iam_projects(state, req, request_id, host),
        HuaweiRoute::Domains => iam_domains(state, request_id, host),
        HuaweiRoute::CallerIdentity => caller_identity(state, req),
        HuaweiRoute::Nova { project, server } => {
            nova_security_groups(state, &project, &server, context_project, request_id)
        }
        HuaweiRoute::Vpc { project, group } => {
            vpc_security_group(state, &project, &group, context_project, request_id)
        }
    }
}

/// `KeystoneListProjects`: the projects (filtered by the `name` query parameter), as IAM
/// lists them.
fn iam_projects(state: &State, req: &Request, request_id: &str, host: &str) -> Reply {
    let name = parse_pairs(&req.raw_query)
        .into_iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v);
    let domain = &state.huawei.domain_id;
    let projects: Vec<serde_json::Value> = state
        .huawei
        .projects
        .iter()
        .filter(|p| name.as_deref().is_none_or(|n| n == p.name))
        .map(|p| {
            serde_json::json!({
                "domain_id": domain,
                "is_domain": false,
                "parent_id": domain,
                "name": p.name,
                "description": "",
                "links": {"self": format!("http://{host}/v3/projects/{}", p.id)},
                "id": p.id,
                "enabled": true,
            })
        })
        .collect();
    let self_link = if req.raw_query.is_empty() {
        format!("http://{host}/v3/projects")
    } else {
        format!("http://{host}/v3/projects?{}", req.raw_query)
    };
    let body = serde_json::json!({
        "projects": projects,
        "links": {"self": self_link, "previous": null, "next": null},
    });
    Reply::json(200, body.to_string()).with_header("X-IAM-Trace-Id", request_id)
}

/// `KeystoneListAuthDomains`: the account (IAM domain) the key belongs to.
fn iam_domains(state: &State, request_id: &str, host: &str) -> Reply {
    let domain = &state.huawei.domain_id;
    let body = serde_json::json!({
        "domains": [{
            "id": domain,
            "name": "emulator-domain",
            "enabled": true,
            "description": "",
            "links": {"self": format!("http://{host}/v3/domains/{domain}")},
        }],
        "links": {"self": format!("http://{host}/v3/auth/domains")},
    });
    Reply::json(200, body.to_string()).with_header("X-IAM-Trace-Id", request_id)
}

/// STS v5 `GetCallerIdentity`: the account id and the caller's principal.
fn caller_identity(state: &State, req: &Request) -> Reply {
    let domain = &state.huawei.domain_id;
    let principal = if req.header("x-security-token").is_some() {
        format!("sts::{domain}:assumed-agency:emulator-agency/emulator-session")
    } else {
        format!("iam::{domain}:user:emulator-user")
    };
    let body = serde_json::json!({
        "account_id": domain,
        "principal_urn": principal,
        "principal_id": "emulatorprincipal0000000000000001",
    });
    Reply::json(200, body.to_string())
}

/// `NovaListServerSecurityGroups`: a server's security groups, or a Nova fault.
fn nova_security_groups(
    state: &State,
    project: &str,
    server: &str,
    context_project: Option<&str>,
    request_id: &str,
) -> Reply {
    if let Some(message) = project_problem(state, project, context_project, |c| {
        format!(
            "Malformed request URL: URL's project_id '{project}' doesn't match Context's project_id '{c}'"
        )
    }) {
        return nova_fault(400, "badRequest", &message);
    }
    let found = state
        .huawei_project(project)
        .and_then(|p| p.servers.iter().find(|s| s.id == server));
    match found {
        Some(s) => json_reply(
            &NovaListServerSecurityGroupsOutput::builder()
                .set_security_groups(Some(s.security_groups.clone()))
                .build(),
        )
        .without_header("Content-Type")
        .with_header("Content-Type", "application/json")
        .with_header("X-Compute-Request-Id", format!("req-{request_id}")),
        None => nova_fault(
            404,
            "itemNotFound",
            &format!("Instance {server} could not be found."),
        ),
    }
}

/// `ShowSecurityGroup`: one security group, or a VPC error.
fn vpc_security_group(
    state: &State,
    project: &str,
    group: &str,
    context_project: Option<&str>,
    request_id: &str,
) -> Reply {
    if let Some(message) = project_problem(state, project, context_project, |_| {
        "urlTenantId is not equal tokenTenantId".to_owned()
    }) {
        return huawei_error(400, "VPC.0007", &message, request_id);
    }
    let found = state
        .huawei_project(project)
        .and_then(|p| p.security_groups.iter().find(|g| g.id == group));
    match found {
        Some(g) => json_reply(
            &ShowSecurityGroupOutput::builder()
                .request_id(request_id)
                .security_group(g.clone())
                .build(),
        ),
        None => huawei_error(
            404,
            "VPC.0602",
            &format!("Security group {group} does not exist."),
            request_id,
        ),
    }
}

/// Whether an Alibaba request asked for XML (`Format=XML`; V2 without `Format` defaults to
/// XML, V3 to JSON).
pub(crate) fn aliyun_wants_xml(params: &[(String, String)], v2: bool) -> bool {
    match params.iter().find(|(k, _)| k == "Format") {
        Some((_, v)) => v.eq_ignore_ascii_case("XML"),
        None => v2,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An Alibaba error body, JSON or XML.
pub(crate) fn aliyun_error(
    status: u16,
    code: &str,
    message: &str,
    request_id: &str,
    host: &str,
    xml: bool,
) -> Reply {
    let recommend =
        format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={request_id}");
    if xml {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <RequestId>{}</RequestId>\n  <HostId>{}</HostId>\n  <Code>{}</Code>\n  <Message>{}</Message>\n  <Recommend><![CDATA[{}]]></Recommend>\n</Error>",
            xml_escape(request_id),
            xml_escape(host),
            xml_escape(code),
            xml_escape(message),
            recommend,
        );
        Reply::xml(status, body)
    } else {
        let body = serde_json::json!({
            "RequestId": request_id,
            "HostId": host,
            "Code": code,
            "Message": message,
            "Recommend": recommend,
        });
        Reply::new(status)
            .with_header("Content-Type", "application/json;charset=utf-8")
            .with_body(body.to_string())
    }
}

/// The action and version of an Alibaba request (V3 headers, else parameters).
pub(crate) fn aliyun_action(req: &Request, params: &[(String, String)]) -> Option<String> {
    req.header("x-acs-action").map(str::to_owned).or_else(|| {
        params
            .iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.clone())
    })
}

/// Serializes the output as Alibaba's XML document.
pub(crate) fn aliyun_xml(out: &DescribeSecurityGroupReferencesOutput) -> Result<String, String> {
    let body = quick_xml::se::to_string_with_root("DescribeSecurityGroupReferencesResponse", out)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}"
    ))
}

/// A refusal of an Alibaba request: status, error code and message.
struct RpcFault {
    status: u16,
    code: &'static str,
    message: &'static str,
}

fn rpc_fault(status: u16, code: &'static str, message: &'static str) -> RpcFault {
    RpcFault {
        status,
        code,
        message,
    }
}

/// Answers an authenticated Alibaba RPC request from `state`.
pub(crate) fn aliyun(
    state: &State,
    req: &Request,
    params: &[(String, String)],
    v2: bool,
    request_id: &str,
    host: &str,
) -> Reply {
    let xml = aliyun_wants_xml(params, v2);
    let error = |status: u16, code: &str, message: &str| {
        aliyun_error(status, code, message, request_id, host, xml)
    };
    let references = check_action(req, params)
        .and_then(|()| requested_region(state, params))
        .and_then(|region| security_group_references(region, params));
    let references = match references {
        Ok(references) => references,
        Err(f) => return error(f.status, f.code, f.message),
    };
    let out = DescribeSecurityGroupReferencesOutput::builder()
        .request_id(request_id)
        .set_security_group_references(Some(references))
        .build();
    let out = match out {
        Ok(out) => out,
        Err(e) => return error(500, "InternalError", &e.to_string()),
    };
    if xml {
        match aliyun_xml(&out) {
            Ok(body) => Reply::xml(200, body),
            Err(e) => error(500, "InternalError", &e),
        }
    } else {
        match serde_json::to_vec(&out) {
            Ok(body) => Reply::new(200)
                .with_header("Content-Type", "application/json;charset=utf-8")
                .with_body(body),
            Err(e) => error(500, "InternalError", &e.to_string()),
        }
    }
}

/// The value of the parameter `name`.
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The request calls the one action the emulator serves, in its API version.
fn check_action(req: &Request, params: &[(String, String)]) -> Result<(), RpcFault> {
    let action = aliyun_action(req, params);
    if action.as_deref() != Some(OP_ALIYUN) {
        return Err(rpc_fault(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    let version = req
        .header("x-acs-version")
        .or_else(|| param(params, "Version"));
    if version != Some(ALIYUN_VERSION) {
        return Err(rpc_fault(
            400,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        ));
    }
    Ok(())
}

/// The region `RegionId` names, when it is given and the emulator has it.
fn requested_region<'s>(
    state: &'s State,
    params: &[(String, String)],
) -> Result<&'s AliyunRegion, RpcFault> {
    let Some(region) = param(params, "RegionId").filter(|r| !r.is_empty()) else {
        return Err(rpc_fault(
            400,
            "MissingParameter",
            "The input parameter \"RegionId\" that is mandatory for processing this request is not supplied.",
        ));
    };
    state.aliyun_region(region).ok_or_else(|| {
        rpc_fault(
            404,
            "InvalidRegionId.NotFound",
            "The RegionId provided does not exist in our records.",
        )
    })
}

/// The references of the groups `SecurityGroupId.N` names (1 to 10 of them, in `N` order),
/// one per referenced group; every group must exist in `region`.
fn security_group_references(
    region: &AliyunRegion,
    params: &[(String, String)],
) -> Result<Vec<SecurityGroupReference>, RpcFault> {
    let mut ids: Vec<(u32, &str)> = params
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix("SecurityGroupId.")?.parse::<u32>().ok()?;
            Some((n, v.as_str()))
        })
        .collect();
    ids.sort_by_key(|(n, _)| *n);
    if ids.is_empty() || ids.len() > 10 || ids.iter().any(|(_, id)| id.is_empty()) {
        return Err(rpc_fault(
            400,
            "InvalidSecurityGroupId.Malformed",
            "The specified parameter SecurityGroupId is essential and size should less than 10",
        ));
    }
    let mut references: Vec<SecurityGroupReference> = Vec::new();
    for (_, id) in &ids {
        let Some(group) = region.security_groups.iter().find(|g| g.id == *id) else {
            return Err(rpc_fault(
                404,
                "InvalidSecurityGroupId.NotFound",
                "The SecurityGroupId provided does not exist in our records.",
            ));
        };
        if !group.referenced_by.is_empty()
            && !references
                .iter()
                .any(|r| r.security_group_id.as_deref() == Some(*id))
        {
            references.push(
                SecurityGroupReference::builder()
                    .security_group_id(group.id.clone())
                    .set_referencing_security_groups(Some(group.referenced_by.clone()))
                    .build(),
            );
        }
    }
    Ok(references)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented() -> DescribeSecurityGroupReferencesOutput {
        serde_json::from_str(include_str!("seed/aliyun-ecs/doc_data_wire.json")).unwrap()
    }

    /// Every leaf of an XML document as `path/to/leaf=text`, sorted (child order is not
    /// significant in Alibaba's XML), plus every element path with its child count.
    fn leaves(xml: &str) -> Vec<String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().trim_text(true);
        let mut path: Vec<String> = Vec::new();
        let mut out = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) => {
                    path.push(e.name().as_ref().to_owned());
                    out.push(format!("<{}>", path.join("/")));
                }
                Event::End(_) => {
                    path.pop();
                }
                Event::Text(t) => {
                    let text = t.into_inner();
                    out.push(format!("{}={}", path.join("/"), text));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out.sort();
        out
    }

    #[test]
    fn xml_is_the_documented_shape_and_decodes_back() {
        let out = documented();
        let xml = aliyun_xml(&out).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeSecurityGroupReferencesResponse>"), "{xml}");
        // Same elements, in the same order, as the document's XML example.
        let doc = include_str!("seed/aliyun-ecs/doc_xml.xml");
        assert_eq!(leaves(&xml), leaves(doc));
        assert_eq!(leaves(&xml).len(), 12 + 6, "12 elements, 6 texts: {xml}");
        let back: DescribeSecurityGroupReferencesOutput = quick_xml::de::from_str(&xml).unwrap();
        assert_eq!(back, out);
    }

    #[test]
    fn json_is_the_wrapped_wire_shape() {
        let out = documented();
        let json: serde_json::Value = serde_json::to_value(&out).unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("seed/aliyun-ecs/doc_data_wire.json")).unwrap();
        assert_eq!(json, doc);
    }

    #[test]
    fn empty_output_xml_decodes_back() {
        let out = DescribeSecurityGroupReferencesOutput::builder()
            .request_id("R")
            .build()
            .unwrap();
        let xml = aliyun_xml(&out).unwrap();
        let back: DescribeSecurityGroupReferencesOutput = quick_xml::de::from_str(&xml).unwrap();
        assert_eq!(back, out, "{xml}");
    }
}
