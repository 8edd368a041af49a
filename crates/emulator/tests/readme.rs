//! The README's `--state` and `--faults` examples load, and the state they describe is served.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use cloudsdk_emulator::{Emulator, FaultRule, State};

/// The README's ```json blocks, in order.
fn json_blocks() -> Vec<&'static str> {
    let readme = include_str!("../README.md");
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find("```json\n") {
        let body = &rest[start + "```json\n".len()..];
        let end = body.find("```").expect("closed block");
        blocks.push(&body[..end]);
        rest = &body[end + 3..];
    }
    blocks
}

#[tokio::test]
async fn the_state_example_loads_and_is_served() {
    let blocks = json_blocks();
    assert_eq!(blocks.len(), 2, "a state and a faults example");
    let state = State::from_json(blocks[0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state.huawei.projects.len(), 1);
    let project = &state.huawei.projects[0];
    assert_eq!(project.id, "0123456789abcdef0123456789abcdef");
    assert_eq!(project.servers[0].security_groups.len(), 1);
    assert_eq!(project.security_groups.len(), 1);
    let regions: Vec<&str> = state.aliyun.regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(regions, ["cn-hangzhou", "cn-beijing"]);
    assert_eq!(
        state.aliyun.regions[0].security_groups[0]
            .referenced_by
            .len(),
        1
    );

    let emu = Emulator::builder().state(state).start().await.unwrap();
    let vpc = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .endpoint(emu.endpoint())
        .project_id("0123456789abcdef0123456789abcdef")
        .credentials(emu.credentials())
        .build()
        .unwrap();
    let out = vpc
        .show_security_group()
        .security_group_id("5b1d8a3e-0c2f-4e7a-9d61-2f0e8c4b7a10")
        .send()
        .await
        .unwrap();
    let group = out.security_group.unwrap();
    assert_eq!(group.name, "web");
    assert_eq!(group.security_group_rules.len(), 1);
}

#[test]
fn the_faults_example_loads() {
    let blocks = json_blocks();
    let rules = FaultRule::list_from_json(blocks[1]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.len(), 7);
}
