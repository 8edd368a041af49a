//! Shows which security groups reference the given ones.
//!
//! ```text
//! ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... \
//!     cargo run -p aliyun-ecs --example describe_security_group_references -- cn-hangzhou sg-1 sg-2
//! ```

use aliyun_ecs::{ClientBuilder, Format, SdkError};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let region = args
        .next()
        .ok_or("usage: describe_security_group_references <region> <sg-id>...")?;
    let client = ClientBuilder::from_env()
        .region(region.clone())
        .format(Format::Json)
        .build()?;
    let mut request = client
        .describe_security_group_references()
        .region_id(region);
    for id in args {
        request = request.security_group_id(id);
    }
    match request.send().await {
        Ok(output) => {
            for reference in &output.security_group_references {
                let id = reference.security_group_id.as_deref().unwrap_or("?");
                for by in &reference.referencing_security_groups {
                    println!(
                        "{id} is referenced by {} (account {})",
                        by.security_group_id.as_deref().unwrap_or("?"),
                        by.ali_uid.as_deref().unwrap_or("?")
                    );
                }
            }
        }
        Err(SdkError::Construction(e)) => eprintln!("invalid request: {e}"),
        Err(SdkError::Service(e)) if e.err().is_invalid_security_group_id_not_found() => {
            eprintln!("unknown security group: {}", e.err());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
