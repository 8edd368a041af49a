//! The emulated clouds' resources ([`State`]) and their JSON form (`--state FILE`).

use std::fmt;
use std::path::Path;

use aliyun_ecs::types::ReferencingSecurityGroup;
use huawei_ecs_v2::types::NovaSecurityGroup;
use huawei_vpc_v3::types::SecurityGroupInfo;
use serde::{Deserialize, Serialize};

/// Region of the seeded Huawei project (the ECS and VPC documents' examples live there).
pub const DEFAULT_HUAWEI_REGION: &str = "cn-north-4";
/// Id of the seeded Huawei project (`name` = [`DEFAULT_HUAWEI_REGION`]); it is the project id
/// of the VPC document's example group, and what IAM discovery (`GET /v3/projects?name=cn-north-4`)
/// finds.
pub const DEFAULT_HUAWEI_PROJECT_ID: &str = "060576782980d5762f9ec014dd2f1148";
/// The Huawei account (IAM domain) that owns the seeded projects.
pub const DEFAULT_HUAWEI_DOMAIN_ID: &str = "d78cbac186b744899480f25bd022f468";
/// The region of the seeded Alibaba security groups.
pub const DEFAULT_ALIYUN_REGION: &str = "cn-hangzhou";
/// The Alibaba regions of the seeded state (real region ids); only
/// [`DEFAULT_ALIYUN_REGION`] holds security groups.
pub const SEEDED_ALIYUN_REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-beijing",
    "cn-shanghai",
    "cn-shenzhen",
    "ap-southeast-1",
];
/// The server of the ECS document (its security groups are the document's example).
pub const SEEDED_SERVER_ID: &str = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e";
/// The security group of the VPC document's example.
pub const SEEDED_VPC_SECURITY_GROUP_ID: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";
/// The Alibaba group of the document's example, referenced by `sg-2255cc` and `sg-2255dd`.
pub const SEEDED_ALIYUN_SECURITY_GROUP_ID: &str = "sg-1133aa";

// The documents' example responses the state is seeded from: copies of `specs/examples`
// generated into `src/seed/` by `cargo xtask codegen` (so the crate reads nothing outside it).
const ECS_DOC_EXAMPLE: &str = include_str!("seed/huawei-ecs-v2/doc_example.json");
const VPC_DOC_EXAMPLE: &str = include_str!("seed/huawei-vpc-v3/doc_example.json");
const ALIYUN_DOC_EXAMPLE: &str = include_str!("seed/aliyun-ecs/doc_data_wire.json");

/// Everything the emulator serves. Serializes to (and loads from) the JSON of `--state FILE`:
///
/// ```json
/// {
///   "huawei": {
///     "domain_id": "d78cbac186b744899480f25bd022f468",
///     "projects": [
///       {
///         "id": "060576782980d5762f9ec014dd2f1148",
///         "name": "cn-north-4",
///         "servers": [
///           { "id": "65fae4c2-…", "security_groups": [ /* Nova security groups, wire form */ ] }
///         ],
///         "security_groups": [ /* VPC v3 SecurityGroupInfo objects, wire form */ ]
///       }
///     ]
///   },
///   "aliyun": {
///     "regions": [
///       {
///         "id": "cn-hangzhou",
///         "security_groups": [
///           { "id": "sg-1133aa",
///             "referenced_by": [ { "SecurityGroupId": "sg-2255cc", "AliUid": "123" } ] },
///           { "id": "sg-2255cc" }
///         ]
///       }
///     ]
///   }
/// }
/// ```
///
/// The resource objects are the generated crates' types in their wire form (the same JSON the
/// services answer with): [`NovaSecurityGroup`] (`huawei-ecs-v2`), [`SecurityGroupInfo`]
/// (`huawei-vpc-v3`) and [`ReferencingSecurityGroup`] (`aliyun-ecs`). Every key but the ids and
/// names may be omitted; unknown keys of the emulator's own objects are errors.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Huawei Cloud: IAM projects and their ECS servers and VPC security groups.
    #[serde(default)]
    pub huawei: HuaweiState,
    /// Alibaba Cloud: regions and their ECS security groups.
    #[serde(default)]
    pub aliyun: AliyunState,
}

/// Huawei Cloud resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiState {
    /// The account (IAM domain) id reported by IAM for every project.
    #[serde(default = "default_domain_id")]
    pub domain_id: String,
    /// The projects (one per region, `name` = region id).
    #[serde(default)]
    pub projects: Vec<HuaweiProject>,
}

fn default_domain_id() -> String {
    DEFAULT_HUAWEI_DOMAIN_ID.to_owned()
}

impl Default for HuaweiState {
    fn default() -> Self {
        Self {
            domain_id: default_domain_id(),
            projects: Vec::new(),
        }
    }
}

/// A Huawei IAM project and the resources in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiProject {
    /// Project id (32 hex digits on the real cloud).
    pub id: String,
    /// Project name: the region id (`cn-north-4`), which IAM discovery looks up.
    pub name: String,
    /// ECS servers (for `os-security-groups`).
    #[serde(default)]
    pub servers: Vec<HuaweiServer>,
    /// VPC v3 security groups (for `ShowSecurityGroup`).
    #[serde(default)]
    pub security_groups: Vec<SecurityGroupInfo>,
}

/// A Huawei ECS server and the Nova security groups bound to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiServer {
    /// Server id.
    pub id: String,
    /// Its security groups, as `os-security-groups` lists them.
    #[serde(default)]
    pub security_groups: Vec<NovaSecurityGroup>,
}

/// Alibaba Cloud resources.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunState {
    /// The regions that exist (others answer `InvalidRegionId.NotFound`).
    #[serde(default)]
    pub regions: Vec<AliyunRegion>,
}

/// An Alibaba region and its ECS security groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunRegion {
    /// Region id (`cn-hangzhou`).
    pub id: String,
    /// Security groups of the region.
    #[serde(default)]
    pub security_groups: Vec<AliyunSecurityGroup>,
}

/// An Alibaba ECS security group and the groups whose rules reference it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunSecurityGroup {
    /// Security group id (`sg-…`).
    pub id: String,
    /// Groups (with their account) whose rules reference this one, as
    /// `DescribeSecurityGroupReferences` lists them.
    #[serde(default)]
    pub referenced_by: Vec<ReferencingSecurityGroup>,
}

/// Why a state could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum StateError {
    /// The file could not be read.
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The text is not a valid state document.
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The document parsed but is inconsistent (empty or duplicate ids).
    Invalid {
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Io { path, source } => {
                write!(f, "cannot read state file {}: {source}", path.display())
            }
            StateError::Json {
                line,
                column,
                message,
            } => write!(
                f,
                "invalid state at line {line}, column {column}: {message}"
            ),
            StateError::Invalid { message } => write!(f, "invalid state: {message}"),
        }
    }
}

impl std::error::Error for StateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StateError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl State {
    /// No resources at all: no Huawei project, no Alibaba region.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every resource of the three documents' examples (the default state):
    ///
    /// - Huawei project [`DEFAULT_HUAWEI_PROJECT_ID`] named [`DEFAULT_HUAWEI_REGION`], with
    ///   server [`SEEDED_SERVER_ID`] bound to the ECS example's two Nova groups (`default`,
    ///   `test-sg`) and the VPC example's group [`SEEDED_VPC_SECURITY_GROUP_ID`];
    /// - Alibaba regions [`SEEDED_ALIYUN_REGIONS`]; in [`DEFAULT_ALIYUN_REGION`] the groups
    ///   `sg-1133aa` (referenced by `sg-2255cc` and `sg-2255dd` of account `123`), `sg-2255cc`
    ///   and `sg-2255dd`.
    ///
    /// The resources are the documents' examples (`src/seed/<crate>/doc_*.json`, generated from
    /// `specs/examples`), compiled in.
    pub fn seeded() -> Self {
        #[derive(Deserialize)]
        struct Vpc {
            security_group: SecurityGroupInfo,
        }
        // The examples are compiled in and decoded by the generated crates' own tests; a
        // failure here is a broken build, reported as an empty part rather than a panic.
        let nova: Vec<NovaSecurityGroup> = serde_json::from_str::<
            huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput,
        >(ECS_DOC_EXAMPLE)
        .map(|o| o.security_groups)
        .unwrap_or_default();
        let vpc: Vec<SecurityGroupInfo> = serde_json::from_str::<Vpc>(VPC_DOC_EXAMPLE)
            .map(|v| vec![v.security_group])
            .unwrap_or_default();
        let references = serde_json::from_str::<
            aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput,
        >(ALIYUN_DOC_EXAMPLE)
        .map(|o| o.security_group_references)
        .unwrap_or_default();

        let mut groups: Vec<AliyunSecurityGroup> = Vec::new();
        for reference in references {
            let Some(id) = reference.security_group_id else {
                continue;
            };
            for referencing in &reference.referencing_security_groups {
                if let Some(other) = &referencing.security_group_id
                    && !groups.iter().any(|g| &g.id == other)
                {
                    groups.push(AliyunSecurityGroup {
                        id: other.clone(),
                        referenced_by: Vec::new(),
                    });
                }
            }
            groups.insert(
                0,
                AliyunSecurityGroup {
                    id,
                    referenced_by: reference.referencing_security_groups,
                },
            );
        }
        State {
            huawei: HuaweiState {
                domain_id: default_domain_id(),
                projects: vec![HuaweiProject {
                    id: DEFAULT_HUAWEI_PROJECT_ID.to_owned(),
                    name: DEFAULT_HUAWEI_REGION.to_owned(),
                    servers: vec![HuaweiServer {
                        id: SEEDED_SERVER_ID.to_owned(),
                        security_groups: nova,
                    }],
                    security_groups: vpc,
                }],
            },
            aliyun: AliyunState {
                regions: SEEDED_ALIYUN_REGIONS
                    .iter()
                    .map(|id| AliyunRegion {
                        id: (*id).to_owned(),
                        security_groups: if *id == DEFAULT_ALIYUN_REGION {
                            groups.clone()
                        } else {
                            Vec::new()
                        },
                    })
                    .collect(),
            },
        }
    }

    /// Parses and checks a state document (see [`State`] for the schema).
    pub fn from_json(text: &str) -> Result<Self, StateError> {
        let state: State = serde_json::from_str(text).map_err(|e| StateError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        state.validate()?;
        Ok(state)
    }

    /// Reads and parses a state file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, StateError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| StateError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// The state as pretty JSON (the `--state` format).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks ids: non-empty, unique where the services need them unique.
    pub fn validate(&self) -> Result<(), StateError> {
        let invalid = |message: String| Err(StateError::Invalid { message });
        let mut seen = std::collections::HashSet::new();
        for p in &self.huawei.projects {
            if p.id.is_empty() || p.name.is_empty() {
                return invalid("a Huawei project has an empty id or name".into());
            }
            if !seen.insert(&p.id) {
                return invalid(format!("duplicate Huawei project id {:?}", p.id));
            }
            let mut servers = std::collections::HashSet::new();
            for s in &p.servers {
                if s.id.is_empty() || !servers.insert(&s.id) {
                    return invalid(format!(
                        "empty or duplicate server id {:?} in project {}",
                        s.id, p.id
                    ));
                }
            }
            let mut groups = std::collections::HashSet::new();
            for g in &p.security_groups {
                if g.id.is_empty() || !groups.insert(&g.id) {
                    return invalid(format!(
                        "empty or duplicate VPC security group id {:?} in project {}",
                        g.id, p.id
                    ));
                }
            }
        }
        let mut regions = std::collections::HashSet::new();
        for r in &self.aliyun.regions {
            if r.id.is_empty() || !regions.insert(&r.id) {
                return invalid(format!("empty or duplicate Alibaba region id {:?}", r.id));
            }
            let mut groups = std::collections::HashSet::new();
            for g in &r.security_groups {
                if g.id.is_empty() || !groups.insert(&g.id) {
                    return invalid(format!(
                        "empty or duplicate security group id {:?} in region {}",
                        g.id, r.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// The Huawei project with id `id`.
    pub fn huawei_project(&self, id: &str) -> Option<&HuaweiProject> {
        self.huawei.projects.iter().find(|p| p.id == id)
    }

    /// The Alibaba region with id `id`.
    pub fn aliyun_region(&self, id: &str) -> Option<&AliyunRegion> {
        self.aliyun.regions.iter().find(|r| r.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_holds_the_documents_resources() {
        let s = State::seeded();
        let p = s.huawei_project(DEFAULT_HUAWEI_PROJECT_ID).unwrap();
        assert_eq!(p.name, "cn-north-4");
        assert_eq!(p.servers[0].id, "65fae4c2-3a09-46c6-af12-3b04f1fdba1e");
        let names: Vec<&str> = p.servers[0]
            .security_groups
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        assert_eq!(names, ["default", "test-sg"]);
        assert_eq!(
            p.security_groups[0].id,
            "69c999ad-d9ef-4d79-94fd-35e6ceb75325"
        );
        assert_eq!(p.security_groups[0].security_group_rules.len(), 4);
        let r = s.aliyun_region("cn-hangzhou").unwrap();
        let ids: Vec<&str> = r.security_groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["sg-1133aa", "sg-2255cc", "sg-2255dd"]);
        let refs: Vec<(Option<&str>, Option<&str>)> = r.security_groups[0]
            .referenced_by
            .iter()
            .map(|g| (g.security_group_id.as_deref(), g.ali_uid.as_deref()))
            .collect();
        assert_eq!(
            refs,
            [
                (Some("sg-2255cc"), Some("123")),
                (Some("sg-2255dd"), Some("123"))
            ]
        );
        assert!(s.aliyun_region("cn-beijing").is_some());
        s.validate().unwrap();
    }

    #[test]
    fn json_round_trip() {
        let s = State::seeded();
        assert_eq!(State::from_json(&s.to_json()).unwrap(), s);
        assert_eq!(State::from_json("{}").unwrap(), State::empty());
    }

    #[test]
    fn errors_carry_line_and_column() {
        let err = State::from_json("{\n  \"huawei\": {\n    \"projects\": 5\n  }\n}").unwrap_err();
        match err {
            StateError::Json { line, column, .. } => {
                assert_eq!(line, 3);
                assert!(column > 0);
            }
            other => panic!("{other:?}"),
        }
        let err = State::from_json("{\"huawie\": {}}").unwrap_err();
        assert!(
            matches!(&err, StateError::Json { line: 1, message, .. } if message.contains("huawie")),
            "{err}"
        );
        let err = State::from_json(
            r#"{"aliyun": {"regions": [{"id": "cn-hangzhou"}, {"id": "cn-hangzhou"}]}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, StateError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("duplicate"), "{err}");
        let err = State::from_file("/nonexistent/state.json").unwrap_err();
        assert!(matches!(err, StateError::Io { .. }), "{err}");
    }
}
