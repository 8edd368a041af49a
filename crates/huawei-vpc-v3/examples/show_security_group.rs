//! Prints a security group as JSON.
//!
//! ```text
//! HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_REGION=cn-north-4 \
//!     cargo run -p huawei-vpc-v3 --example show_security_group -- <security-group-id>
//! ```

use huawei_vpc_v3::{ClientBuilder, SdkError};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::args()
        .nth(1)
        .ok_or("usage: show_security_group <security-group-id>")?;
    let client = ClientBuilder::from_env()
        .max_attempts(3)
        .operation_timeout(std::time::Duration::from_secs(30))
        .build()?;
    match client
        .show_security_group()
        .security_group_id(id)
        .send()
        .await
    {
        Ok(output) => println!("{}", serde_json::to_string_pretty(&output)?),
        Err(SdkError::Service(e)) if e.err().is_not_found() => {
            eprintln!("no such security group: {}", e.err());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
