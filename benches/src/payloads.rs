//! Deterministic large responses, written as wire text.
//!
//! Every generator is a pure function of its size arguments: the same call gives the same bytes,
//! so runs are comparable. Identifiers come from a fixed-seed SplitMix64 sequence.

use std::fmt::Write as _;

/// The sizes the benchmarks use.
pub mod sizes {
    /// Rules in the large VPC security group.
    pub const VPC_RULES: usize = 10_000;
    /// Groups in the large Nova response.
    pub const NOVA_GROUPS: usize = 100;
    /// Rules per group in the large Nova response.
    pub const NOVA_RULES_PER_GROUP: usize = 100;
    /// Queried security group ids in the large Alibaba response.
    pub const ALIYUN_IDS: usize = 10;
    /// Referencing groups per queried id in the large Alibaba response.
    pub const ALIYUN_REFS_PER_ID: usize = 1_000;
}

/// SplitMix64: a tiny, well-distributed deterministic generator.
#[derive(Debug, Clone)]
struct Ids(u64);

impl Ids {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A UUID-shaped id (`8-4-4-4-12` lower-case hex).
    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }

    /// A 32-hex-digit id (Huawei project ids, request ids).
    fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }

    /// An Alibaba security group id such as `sg-bp67acfmxazb4p0001`.
    fn sg(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut v = self.next();
        let mut out = String::with_capacity(23);
        out.push_str("sg-bp");
        for _ in 0..18 {
            out.push(ALPHABET[(v % 36) as usize] as char);
            v /= 36;
            if v == 0 {
                v = self.next();
            }
        }
        out
    }
}

/// `ShowSecurityGroup` response (Huawei VPC v3, JSON) for one group with `rules` rules.
///
/// Rules vary the way real ones do: ingress/egress, IPv4/IPv6, `tcp`/`udp`/`icmp`/any, port
/// ranges, remote CIDRs or remote groups, allow/deny, priorities 1–100.
pub fn vpc_security_group(rules: usize) -> Vec<u8> {
    let mut ids = Ids::new(0x5650_4333);
    let project = ids.hex32();
    let group = ids.uuid();
    let peer = ids.uuid();
    let mut s = String::with_capacity(600 + rules * 560);
    let _ = write!(
        s,
        r#"{{"security_group":{{"id":"{group}","name":"bench-group","project_id":"{project}","description":"security group generated for the decode benchmarks","enterprise_project_id":"0","created_at":"2024-03-01T08:00:00Z","updated_at":"2024-03-02T09:30:00Z","tags":[{{"key":"env","value":"bench"}}],"security_group_rules":["#
    );
    for i in 0..rules {
        if i > 0 {
            s.push(',');
        }
        let id = ids.uuid();
        let direction = if i % 3 == 0 { "egress" } else { "ingress" };
        let ethertype = if i % 5 == 0 { "IPv6" } else { "IPv4" };
        let protocol = match i % 4 {
            0 => r#""tcp""#,
            1 => r#""udp""#,
            2 => r#""icmp""#,
            _ => "null",
        };
        let multiport = match i % 4 {
            0 => format!(r#""{}""#, 1000 + i % 60_000),
            1 => format!(r#""{}-{}""#, 2000 + i % 1000, 3000 + i % 1000),
            _ => "null".to_owned(),
        };
        let (remote_group, remote_ip) = if i % 7 == 0 {
            (format!(r#""{peer}""#), "null".to_owned())
        } else if ethertype == "IPv6" {
            ("null".to_owned(), format!(r#""2001:db8:{:x}::/64""#, i))
        } else {
            (
                "null".to_owned(),
                format!(r#""10.{}.{}.0/24""#, (i / 256) % 256, i % 256),
            )
        };
        let action = if i % 11 == 0 { "deny" } else { "allow" };
        let _ = write!(
            s,
            r#"{{"id":"{id}","project_id":"{project}","security_group_id":"{group}","remote_group_id":{remote_group},"direction":"{direction}","protocol":{protocol},"description":"rule {i} generated for the benchmark","created_at":"2024-03-01T08:00:00Z","updated_at":"2024-03-01T08:00:00Z","ethertype":"{ethertype}","remote_ip_prefix":{remote_ip},"multiport":{multiport},"remote_address_group_id":null,"action":"{action}","priority":{priority},"enabled":true}}"#,
            priority = 1 + i % 100,
        );
    }
    let request_id = ids.hex32();
    let _ = write!(s, r#"]}},"request_id":"{request_id}"}}"#);
    s.into_bytes()
}

/// `NovaListServerSecurityGroups` response (Huawei ECS v2, JSON): `groups` groups of
/// `rules_per_group` rules each.
pub fn nova_security_groups(groups: usize, rules_per_group: usize) -> Vec<u8> {
    let mut ids = Ids::new(0x4E4F_5641);
    let tenant = ids.hex32();
    let mut s = String::with_capacity(64 + groups * (200 + rules_per_group * 330));
    s.push_str(r#"{"security_groups":["#);
    for g in 0..groups {
        if g > 0 {
            s.push(',');
        }
        let group_id = ids.uuid();
        let _ = write!(
            s,
            r#"{{"id":"{group_id}","name":"group-{g}","description":"generated group {g}","tenant_id":"{tenant}","rules":["#
        );
        for r in 0..rules_per_group {
            if r > 0 {
                s.push(',');
            }
            let rule_id = ids.uuid();
            if r % 5 == 0 {
                // A rule granting another group: no ports, no CIDR.
                let _ = write!(
                    s,
                    r#"{{"id":"{rule_id}","parent_group_id":"{group_id}","ip_protocol":null,"from_port":null,"to_port":null,"ip_range":{{}},"group":{{"tenant_id":"{tenant}","name":"default"}}}}"#
                );
            } else {
                let protocol = ["tcp", "udp", "icmp", "tcp"][r % 4];
                let (from, to) = if protocol == "icmp" {
                    (-1, -1)
                } else {
                    let p = 1 + ((g * 131 + r * 17) % 60_000) as i32;
                    (p, p + (r % 10) as i32)
                };
                let _ = write!(
                    s,
                    r#"{{"id":"{rule_id}","parent_group_id":"{group_id}","ip_protocol":"{protocol}","from_port":{from},"to_port":{to},"ip_range":{{"cidr":"10.{}.{}.0/24"}},"group":{{}}}}"#,
                    g % 256,
                    r % 256
                );
            }
        }
        s.push_str("]}");
    }
    s.push_str("]}");
    s.into_bytes()
}

/// Queried group ids, each with its referencing `(group id, AliUid)` pairs.
type References = Vec<(String, Vec<(String, u64)>)>;

/// One Alibaba `DescribeSecurityGroupReferences` result set: `ids` queried groups, each with
/// `refs_per_id` referencing groups, as `(queried id, [(referencing id, AliUid)])`.
fn aliyun_references(ids: usize, refs_per_id: usize) -> (String, References) {
    let mut rng = Ids::new(0x4143_5333);
    let request_id = rng.uuid().to_ascii_uppercase();
    let groups = (0..ids)
        .map(|_| {
            let id = rng.sg();
            let refs = (0..refs_per_id)
                .map(|_| (rng.sg(), 1_000_000_000 + rng.next() % 9_000_000_000))
                .collect();
            (id, refs)
        })
        .collect();
    (request_id, groups)
}

/// `DescribeSecurityGroupReferences` JSON response in the real wire shape (wrapped lists).
pub fn aliyun_references_json(ids: usize, refs_per_id: usize) -> Vec<u8> {
    let (request_id, groups) = aliyun_references(ids, refs_per_id);
    let mut s = String::with_capacity(128 + ids * (128 + refs_per_id * 72));
    let _ = write!(
        s,
        r#"{{"RequestId":"{request_id}","SecurityGroupReferences":{{"SecurityGroupReference":["#
    );
    for (i, (id, refs)) in groups.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"SecurityGroupId":"{id}","ReferencingSecurityGroups":{{"ReferencingSecurityGroup":["#
        );
        for (j, (ref_id, uid)) in refs.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            let _ = write!(s, r#"{{"AliUid":"{uid}","SecurityGroupId":"{ref_id}"}}"#);
        }
        s.push_str("]}}");
    }
    s.push_str("]}}");
    s.into_bytes()
}

/// The same response as [`aliyun_references_json`] in XML (`Format=XML`).
pub fn aliyun_references_xml(ids: usize, refs_per_id: usize) -> Vec<u8> {
    let (request_id, groups) = aliyun_references(ids, refs_per_id);
    let mut s = String::with_capacity(256 + ids * (160 + refs_per_id * 150));
    let _ = write!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8"?><DescribeSecurityGroupReferencesResponse><RequestId>{request_id}</RequestId><SecurityGroupReferences>"#
    );
    for (id, refs) in &groups {
        let _ = write!(
            s,
            "<SecurityGroupReference><SecurityGroupId>{id}</SecurityGroupId><ReferencingSecurityGroups>"
        );
        for (ref_id, uid) in refs {
            let _ = write!(
                s,
                "<ReferencingSecurityGroup><AliUid>{uid}</AliUid><SecurityGroupId>{ref_id}</SecurityGroupId></ReferencingSecurityGroup>"
            );
        }
        s.push_str("</ReferencingSecurityGroups></SecurityGroupReference>");
    }
    s.push_str("</SecurityGroupReferences></DescribeSecurityGroupReferencesResponse>");
    s.into_bytes()
}

/// A large response prepared for a decode benchmark.
#[derive(Debug, Clone)]
pub struct Large {
    /// Benchmark name, e.g. `vpc_10000_rules`.
    pub name: &'static str,
    /// Wire format.
    pub format: Format,
    /// Which output type decodes it.
    pub kind: Kind,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Wire format of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// XML.
    Xml,
}

/// The output type a payload decodes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput`.
    VpcShowSecurityGroup,
    /// `huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput`.
    NovaListServerSecurityGroups,
    /// `aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput`.
    AliyunDescribeSecurityGroupReferences,
}

/// The large responses of the decode and memory benchmarks, at the sizes of [`sizes`].
pub fn large() -> Vec<Large> {
    use sizes::*;
    vec![
        Large {
            name: "vpc_10000_rules",
            format: Format::Json,
            kind: Kind::VpcShowSecurityGroup,
            bytes: vpc_security_group(VPC_RULES),
        },
        Large {
            name: "nova_100x100_rules",
            format: Format::Json,
            kind: Kind::NovaListServerSecurityGroups,
            bytes: nova_security_groups(NOVA_GROUPS, NOVA_RULES_PER_GROUP),
        },
        Large {
            name: "aliyun_10x1000_refs_json",
            format: Format::Json,
            kind: Kind::AliyunDescribeSecurityGroupReferences,
            bytes: aliyun_references_json(ALIYUN_IDS, ALIYUN_REFS_PER_ID),
        },
        Large {
            name: "aliyun_10x1000_refs_xml",
            format: Format::Xml,
            kind: Kind::AliyunDescribeSecurityGroupReferences,
            bytes: aliyun_references_xml(ALIYUN_IDS, ALIYUN_REFS_PER_ID),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput;
    use huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput;
    use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput;

    #[test]
    fn generators_are_deterministic() {
        assert_eq!(vpc_security_group(50), vpc_security_group(50));
        assert_eq!(nova_security_groups(3, 7), nova_security_groups(3, 7));
        assert_eq!(aliyun_references_xml(2, 5), aliyun_references_xml(2, 5));
        assert_ne!(vpc_security_group(2), vpc_security_group(3));
    }

    #[test]
    fn vpc_payload_decodes_with_every_rule() {
        let out: ShowSecurityGroupOutput =
            serde_json::from_slice(&vpc_security_group(120)).unwrap();
        let group = out.security_group.expect("group present");
        assert_eq!(group.security_group_rules.len(), 120);
        assert_eq!(group.security_group_rules[0].priority, 1);
        assert_eq!(group.security_group_rules[0].direction.as_str(), "egress");
        assert_eq!(group.security_group_rules[1].direction.as_str(), "ingress");
        assert_eq!(group.security_group_rules[11].action.as_str(), "deny");
        assert!(!group.security_group_rules[1].direction.is_unknown());
        assert_eq!(
            group.security_group_rules[3].remote_ip_prefix.as_deref(),
            Some("10.0.3.0/24")
        );
    }

    #[test]
    fn nova_payload_decodes_with_every_rule() {
        let out: NovaListServerSecurityGroupsOutput =
            serde_json::from_slice(&nova_security_groups(4, 9)).unwrap();
        assert_eq!(out.security_groups.len(), 4);
        assert!(out.security_groups.iter().all(|g| g.rules.len() == 9));
        assert_eq!(out.security_groups[2].name, "group-2");
        assert_eq!(
            out.security_groups[0].rules[2].ip_protocol.as_deref(),
            Some("icmp")
        );
        assert_eq!(out.security_groups[0].rules[2].from_port, Some(-1));
        assert_eq!(out.security_groups[0].rules[0].from_port, None);
    }

    #[test]
    fn aliyun_json_and_xml_decode_to_the_same_value() {
        let json: DescribeSecurityGroupReferencesOutput =
            serde_json::from_slice(&aliyun_references_json(3, 40)).unwrap();
        let xml_text = String::from_utf8(aliyun_references_xml(3, 40)).unwrap();
        let xml: DescribeSecurityGroupReferencesOutput =
            quick_xml::de::from_str(&xml_text).unwrap();
        assert_eq!(json.security_group_references.len(), 3);
        assert!(
            json.security_group_references
                .iter()
                .all(|r| r.referencing_security_groups.len() == 40)
        );
        assert_eq!(json, xml);
        let first = &json.security_group_references[0].referencing_security_groups[0];
        assert!(
            first
                .security_group_id
                .as_deref()
                .unwrap()
                .starts_with("sg-bp")
        );
        assert_eq!(first.ali_uid.as_deref().map(str::len), Some(10));
    }

    #[test]
    fn large_payloads_have_the_documented_sizes() {
        let all = large();
        assert_eq!(all.len(), 4);
        let vpc: ShowSecurityGroupOutput = serde_json::from_slice(&all[0].bytes).unwrap();
        assert_eq!(
            vpc.security_group.unwrap().security_group_rules.len(),
            sizes::VPC_RULES
        );
        let refs: DescribeSecurityGroupReferencesOutput =
            serde_json::from_slice(&all[2].bytes).unwrap();
        let total: usize = refs
            .security_group_references
            .iter()
            .map(|r| r.referencing_security_groups.len())
            .sum();
        assert_eq!(total, sizes::ALIYUN_IDS * sizes::ALIYUN_REFS_PER_ID);
    }
}
