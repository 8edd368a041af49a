//! The decode entry points the SDK uses, callable on any payload.
//!
//! JSON bodies are decoded with `serde_json::from_slice::<Output>` and XML bodies with
//! `quick_xml::de::from_str::<Output>` after a UTF-8 check, exactly as `cloudsdk-core` does for a
//! successful response.

use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput;
use huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput;
use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput;
use serde::de::DeserializeOwned;

use crate::payloads::{Format, Kind};

/// A decoded response of one of the three operations.
#[derive(Debug)]
pub enum Decoded {
    /// Huawei VPC v3 `ShowSecurityGroup`.
    Vpc(ShowSecurityGroupOutput),
    /// Huawei ECS `NovaListServerSecurityGroups`.
    Nova(NovaListServerSecurityGroupsOutput),
    /// Alibaba ECS `DescribeSecurityGroupReferences`.
    Aliyun(DescribeSecurityGroupReferencesOutput),
}

impl Decoded {
    /// Number of rules (Huawei) or referencing groups (Alibaba) decoded: a cheap check that the
    /// decode did the work.
    pub fn items(&self) -> usize {
        match self {
            Decoded::Vpc(o) => o
                .security_group
                .as_ref()
                .map_or(0, |g| g.security_group_rules.len()),
            Decoded::Nova(o) => o.security_groups.iter().map(|g| g.rules.len()).sum(),
            Decoded::Aliyun(o) => o
                .security_group_references
                .iter()
                .map(|r| r.referencing_security_groups.len())
                .sum(),
        }
    }
}

/// Decodes `bytes` as the SDK does.
pub fn typed<T: DeserializeOwned>(format: Format, bytes: &[u8]) -> Result<T, String> {
    match format {
        Format::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        Format::Xml => {
            let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
            quick_xml::de::from_str(text).map_err(|e| e.to_string())
        }
    }
}

/// Decodes `bytes` into the output type of `kind`.
pub fn typed_kind(kind: Kind, format: Format, bytes: &[u8]) -> Result<Decoded, String> {
    Ok(match kind {
        Kind::VpcShowSecurityGroup => Decoded::Vpc(typed(format, bytes)?),
        Kind::NovaListServerSecurityGroups => Decoded::Nova(typed(format, bytes)?),
        Kind::AliyunDescribeSecurityGroupReferences => Decoded::Aliyun(typed(format, bytes)?),
    })
}

/// The untyped baseline: `serde_json::from_slice::<serde_json::Value>`.
pub fn json_value(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// The XML floor: reads every event with `quick_xml::Reader` and builds nothing. Returns the
/// number of start tags.
pub fn xml_events(bytes: &[u8]) -> Result<usize, String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut starts = 0;
    loop {
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?
        {
            quick_xml::events::Event::Start(_) => starts += 1,
            quick_xml::events::Event::Eof => return Ok(starts),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payloads;

    #[test]
    fn typed_kind_counts_items() {
        let d = typed_kind(
            Kind::VpcShowSecurityGroup,
            Format::Json,
            &payloads::vpc_security_group(17),
        )
        .unwrap();
        assert_eq!(d.items(), 17);
        let d = typed_kind(
            Kind::AliyunDescribeSecurityGroupReferences,
            Format::Xml,
            &payloads::aliyun_references_xml(2, 9),
        )
        .unwrap();
        assert_eq!(d.items(), 18);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(typed_kind(Kind::NovaListServerSecurityGroups, Format::Json, b"{").is_err());
        assert!(
            typed_kind(
                Kind::AliyunDescribeSecurityGroupReferences,
                Format::Xml,
                b"\xff"
            )
            .is_err()
        );
        assert!(json_value(b"[1,").is_err());
        assert!(xml_events(b"<a></b>").is_err());
    }

    #[test]
    fn xml_events_counts_start_tags() {
        assert_eq!(xml_events(b"<a><b>x</b><c/></a>").unwrap(), 2);
    }
}
