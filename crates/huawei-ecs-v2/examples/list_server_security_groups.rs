//! Lists the security groups of an ECS instance (Nova API, `/v2.1/` by default).
//!
//! ```text
//! HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_REGION=cn-north-4 \
//!     cargo run -p huawei-ecs-v2 --example list_server_security_groups -- <server-id> [v2]
//! ```

use huawei_ecs_v2::{ApiVersion, ClientBuilder, SdkError};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let server_id = args
        .next()
        .ok_or("usage: list_server_security_groups <server-id> [v2]")?;
    let version = match args.next().as_deref() {
        Some("v2") => ApiVersion::V2,
        _ => ApiVersion::V2_1,
    };
    let client = ClientBuilder::from_env().api_version(version).build()?;
    match client
        .nova_list_server_security_groups()
        .server_id(server_id)
        .send()
        .await
    {
        Ok(output) => {
            for group in &output.security_groups {
                println!("{} {} ({} rules)", group.id, group.name, group.rules.len());
                for rule in &group.rules {
                    let protocol = rule.ip_protocol.as_deref().unwrap_or("any");
                    let peer = rule
                        .ip_range
                        .cidr
                        .clone()
                        .or_else(|| rule.group.name.clone())
                        .unwrap_or_default();
                    println!(
                        "  {protocol} {:?}..{:?} from {peer}",
                        rule.from_port, rule.to_port
                    );
                }
            }
        }
        Err(SdkError::Service(e)) if e.err().is_item_not_found() => {
            eprintln!("no such server: {}", e.err());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
