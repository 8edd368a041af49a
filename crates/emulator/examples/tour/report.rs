//! The tour's report: calls the three operations through the SDK crates and renders what they
//! return as plain-text tables.
//!
//! Shared by the `tour` example (`examples/tour/main.rs`) and its test (`tests/tour.rs`), so the
//! output a user sees is the output the test checks. The text is deterministic: no request ids,
//! times or ports.

use std::fmt::Write as _;

use cloudsdk_core::SdkError;

/// What the tour looks at. A section is skipped when its id is `None` / empty.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Huawei region, for the headings (the clients carry their own).
    pub huawei_region: String,
    /// ECS server whose security groups are listed.
    pub server_id: Option<String>,
    /// VPC security group that is shown.
    pub security_group_id: Option<String>,
    /// Alibaba region (`RegionId`).
    pub aliyun_region: String,
    /// Alibaba security groups whose referencing groups are listed (1 to 10).
    pub aliyun_group_ids: Vec<String>,
}

impl Targets {
    /// The ids seeded in the emulator from the three documents' examples: the ECS server, the
    /// VPC security group and the Alibaba group that others reference (`sg-1133aa`).
    pub fn seeded(huawei_region: &str, aliyun_region: &str) -> Self {
        Self {
            huawei_region: huawei_region.to_owned(),
            server_id: Some(cloudsdk_emulator::SEEDED_SERVER_ID.to_owned()),
            security_group_id: Some(cloudsdk_emulator::SEEDED_VPC_SECURITY_GROUP_ID.to_owned()),
            aliyun_region: aliyun_region.to_owned(),
            aliyun_group_ids: vec![cloudsdk_emulator::SEEDED_ALIYUN_SECURITY_GROUP_ID.to_owned()],
        }
    }
}

/// The three clients; a `None` client skips its section.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    /// Huawei ECS (Nova) client.
    pub ecs: Option<huawei_ecs_v2::Client>,
    /// Huawei VPC v3 client.
    pub vpc: Option<huawei_vpc_v3::Client>,
    /// Alibaba ECS client.
    pub aliyun: Option<aliyun_ecs::Client>,
}

impl Clients {
    /// Clients for an emulator at `endpoint` with `credentials`, both vendors' regions given.
    ///
    /// The Huawei clients find their project id through the emulator's IAM
    /// (`GET /v3/projects?name={region}`), as they would on the real cloud; the Alibaba client
    /// signs with V3 (ACS3-HMAC-SHA256) and asks for JSON, its defaults.
    pub fn for_emulator(
        endpoint: &str,
        credentials: &cloudsdk_core::Credentials,
        huawei_region: &str,
        aliyun_region: &str,
    ) -> Result<Self, cloudsdk_core::BuildError> {
        Ok(Self {
            ecs: Some(
                huawei_ecs_v2::Client::builder()
                    .region(huawei_region)
                    .endpoint(endpoint)
                    .iam_endpoint(endpoint)
                    .credentials(credentials.clone())
                    .build()?,
            ),
            vpc: Some(
                huawei_vpc_v3::Client::builder()
                    .region(huawei_region)
                    .endpoint(endpoint)
                    .iam_endpoint(endpoint)
                    .credentials(credentials.clone())
                    .build()?,
            ),
            aliyun: Some(
                aliyun_ecs::Client::builder()
                    .region(aliyun_region)
                    .endpoint(endpoint)
                    .credentials(credentials.clone())
                    .build()?,
            ),
        })
    }
}

/// The rendered report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The text, one section per operation.
    pub text: String,
    /// How many calls failed (their errors are in the text).
    pub failures: usize,
}

/// Calls each operation that has a client and a target, and renders the answers.
pub async fn run(clients: &Clients, targets: &Targets) -> Report {
    let mut report = Report::default();
    if let (Some(ecs), Some(server_id)) = (&clients.ecs, &targets.server_id) {
        report.heading(&format!(
            "Huawei Cloud ECS - NovaListServerSecurityGroups (region {})",
            targets.huawei_region
        ));
        match ecs
            .nova_list_server_security_groups()
            .server_id(server_id.clone())
            .send()
            .await
        {
            Ok(out) => render_nova(&mut report.text, server_id, &out.security_groups),
            Err(err) => report.error(&err),
        }
    }
    if let (Some(vpc), Some(group_id)) = (&clients.vpc, &targets.security_group_id) {
        report.heading(&format!(
            "Huawei Cloud VPC - ShowSecurityGroup (region {})",
            targets.huawei_region
        ));
        match vpc
            .show_security_group()
            .security_group_id(group_id.clone())
            .send()
            .await
        {
            Ok(out) => match &out.security_group {
                Some(group) => render_vpc(&mut report.text, group),
                None => {
                    let _ = writeln!(report.text, "security group {group_id}: not in the answer");
                    report.failures += 1;
                }
            },
            Err(err) => report.error(&err),
        }
    }
    if let (Some(aliyun), false) = (&clients.aliyun, targets.aliyun_group_ids.is_empty()) {
        report.heading(&format!(
            "Alibaba Cloud ECS - DescribeSecurityGroupReferences (region {})",
            targets.aliyun_region
        ));
        let mut request = aliyun
            .describe_security_group_references()
            .region_id(targets.aliyun_region.clone());
        for id in &targets.aliyun_group_ids {
            request = request.security_group_id(id.clone());
        }
        match request.send().await {
            Ok(out) => render_references(
                &mut report.text,
                &targets.aliyun_group_ids,
                &out.security_group_references,
            ),
            Err(err) => report.error(&err),
        }
    }
    report
}

impl Report {
    fn heading(&mut self, title: &str) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        let _ = writeln!(self.text, "{title}\n{}", "=".repeat(title.chars().count()));
    }

    /// Status, code and message only: the request id would make the output vary.
    fn error<E>(&mut self, err: &SdkError<E>)
    where
        SdkError<E>: std::fmt::Display,
    {
        self.failures += 1;
        match (err.status(), err.code(), err.message()) {
            (Some(status), Some(code), message) => {
                let _ = writeln!(
                    self.text,
                    "error: HTTP {status} {code}: {}",
                    message.unwrap_or("")
                );
            }
            _ => {
                let _ = writeln!(self.text, "error: {err}");
            }
        }
    }
}

fn render_nova(
    out: &mut String,
    server_id: &str,
    groups: &[huawei_ecs_v2::types::NovaSecurityGroup],
) {
    let _ = writeln!(
        out,
        "server {server_id}: {} security group{}",
        groups.len(),
        plural(groups.len())
    );
    for group in groups {
        let _ = writeln!(
            out,
            "\n  {} ({}) - {}",
            group.name,
            group.id,
            describe(&group.description)
        );
        // Nova rules are ingress rules that allow; they have no priority.
        let rows: Vec<Vec<String>> = group
            .rules
            .iter()
            .map(|rule| {
                let protocol = rule.ip_protocol.as_deref().unwrap_or("any").to_owned();
                let ports = nova_ports(&protocol, rule.from_port, rule.to_port);
                let peer = match (&rule.ip_range.cidr, &rule.group.name) {
                    (Some(cidr), _) => cidr.clone(),
                    (None, Some(name)) => format!("group {name}"),
                    (None, None) => "any".to_owned(),
                };
                vec![
                    protocol,
                    ports,
                    peer,
                    "ingress".to_owned(),
                    "allow".to_owned(),
                    "-".to_owned(),
                ]
            })
            .collect();
        table(
            out,
            &[
                "PROTOCOL",
                "PORTS",
                "PEER",
                "DIRECTION",
                "ACTION",
                "PRIORITY",
            ],
            &rows,
        );
    }
}

fn nova_ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> String {
    let any = |p: Option<i32>| p.is_none_or(|p| p < 0);
    if protocol.eq_ignore_ascii_case("icmp") {
        // For ICMP the "ports" are the ICMP type and code.
        return match (from, to) {
            (Some(t), Some(c)) if t >= 0 && c >= 0 => format!("type {t} code {c}"),
            (Some(t), _) if t >= 0 => format!("type {t}"),
            _ => "any".to_owned(),
        };
    }
    match (from, to) {
        _ if any(from) && any(to) => "any".to_owned(),
        (Some(f), Some(t)) if f == t => f.to_string(),
        (Some(f), Some(t)) => format!("{f}-{t}"),
        (Some(p), None) | (None, Some(p)) => p.to_string(),
        (None, None) => "any".to_owned(),
    }
}

fn render_vpc(out: &mut String, group: &huawei_vpc_v3::types::SecurityGroupInfo) {
    let _ = writeln!(
        out,
        "security group {} ({}) - {}: {} rule{}",
        group.name,
        group.id,
        describe(&group.description),
        group.security_group_rules.len(),
        plural(group.security_group_rules.len())
    );
    let rows: Vec<Vec<String>> = group
        .security_group_rules
        .iter()
        .map(|rule| {
            let peer = match (
                &rule.remote_ip_prefix,
                &rule.remote_group_id,
                &rule.remote_address_group_id,
            ) {
                (Some(prefix), _, _) => prefix.clone(),
                (None, Some(id), _) if *id == group.id => format!("group {} (itself)", group.name),
                (None, Some(id), _) => format!("group {id}"),
                (None, None, Some(id)) => format!("address group {id}"),
                (None, None, None) => "any".to_owned(),
            };
            vec![
                rule.protocol.as_deref().unwrap_or("any").to_owned(),
                rule.multiport.as_deref().unwrap_or("any").to_owned(),
                peer,
                rule.ethertype.as_str().to_owned(),
                rule.direction.as_str().to_owned(),
                rule.action.as_str().to_owned(),
                rule.priority.to_string(),
            ]
        })
        .collect();
    table(
        out,
        &[
            "PROTOCOL",
            "PORTS",
            "PEER",
            "ETHERTYPE",
            "DIRECTION",
            "ACTION",
            "PRIORITY",
        ],
        &rows,
    );
}

fn render_references(
    out: &mut String,
    asked: &[String],
    references: &[aliyun_ecs::types::SecurityGroupReference],
) {
    for id in asked {
        let referencing: Vec<&aliyun_ecs::types::ReferencingSecurityGroup> = references
            .iter()
            .filter(|r| r.security_group_id.as_deref() == Some(id.as_str()))
            .flat_map(|r| r.referencing_security_groups.iter())
            .collect();
        if referencing.is_empty() {
            let _ = writeln!(out, "{id} is not referenced by any security group");
            continue;
        }
        let _ = writeln!(
            out,
            "{id} is referenced by {} security group{}:",
            referencing.len(),
            plural(referencing.len())
        );
        let rows: Vec<Vec<String>> = referencing
            .iter()
            .map(|g| {
                vec![
                    g.security_group_id
                        .clone()
                        .unwrap_or_else(|| "?".to_owned()),
                    g.ali_uid.clone().unwrap_or_else(|| "?".to_owned()),
                ]
            })
            .collect();
        table(out, &["GROUP", "ACCOUNT"], &rows);
    }
}

fn describe(description: &str) -> String {
    if description.is_empty() {
        "no description".to_owned()
    } else {
        format!("\"{description}\"")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Left-aligned columns separated by two spaces, indented by four; no trailing spaces.
fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        let _ = writeln!(out, "    (no rules)");
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::from("    ");
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let _ = write!(text, "{cell:<width$}");
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}
