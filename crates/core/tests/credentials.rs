//! Credential providers with an injected environment and real files in a temporary home.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cloudsdk_core::Credentials;
use cloudsdk_core::credentials::{
    ChainProvider, CredentialsError, Env, ProvideCredentials, aliyun, huawei,
};

/// A fresh directory under the system temp dir, removed on drop.
struct TempHome(PathBuf);

impl TempHome {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cloudsdk-core-creds-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempHome(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn home(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn credentials_accessors_debug_and_clone() {
    let c = Credentials::new("AKIDVISIBLE", "SUPERSECRETSK").with_security_token("SECRETTOKEN");
    assert_eq!(c.access_key_id(), "AKIDVISIBLE");
    assert_eq!(c.access_key_secret(), "SUPERSECRETSK");
    assert_eq!(c.security_token(), Some("SECRETTOKEN"));
    let d = format!("{c:?} {c:#?}");
    assert!(d.contains("AKIDVISIBLE"));
    assert!(!d.contains("SUPERSECRETSK"), "{d}");
    assert!(!d.contains("SECRETTOKEN"), "{d}");
    let clone = c.clone();
    assert_eq!(clone.access_key_secret(), "SUPERSECRETSK");
    assert_eq!(Credentials::new("a", "b").security_token(), None);
}

#[test]
fn huawei_environment() {
    let env = Env::from_vars([
        ("HUAWEICLOUD_SDK_AK", "AK1"),
        ("HUAWEICLOUD_SDK_SK", "SK1"),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "TOK"),
    ]);
    let c = huawei::EnvironmentVariables::with_env(env).load().unwrap();
    assert_eq!((c.access_key_id(), c.access_key_secret()), ("AK1", "SK1"));
    assert_eq!(c.security_token(), Some("TOK"));
    assert_eq!(c.provider_name(), "environment");

    let err = huawei::EnvironmentVariables::with_env(Env::from_vars([("HUAWEICLOUD_SDK_AK", "x")]))
        .load()
        .unwrap_err();
    assert!(matches!(err, CredentialsError::NotLoaded { .. }));
    assert!(err.to_string().contains("HUAWEICLOUD_SDK_SK"), "{err}");
}

#[test]
fn huawei_profile_file() {
    let home = TempHome::new();
    home.write(
        ".huaweicloud/credentials",
        "[global]\nak = G\nsk = G\n\n[basic]\nak = FILEAK\nsk = FILESK\nsecurity_token = FILETOK\nproject_id = fileproject\n",
    );
    let p = huawei::ProfileFile::with_env(Env::from_vars([("HOME", home.home())]));
    let c = p.load().unwrap();
    assert_eq!(
        (c.access_key_id(), c.access_key_secret()),
        ("FILEAK", "FILESK")
    );
    assert_eq!(c.security_token(), Some("FILETOK"));
    assert_eq!(p.project_id().as_deref(), Some("fileproject"));

    // Override path.
    let other = home.write("elsewhere.ini", "[basic]\nak=O\nsk=P\n");
    let p = huawei::ProfileFile::with_env(Env::from_vars([
        ("HOME", home.home()),
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            other.display().to_string(),
        ),
    ]));
    assert_eq!(p.load().unwrap().access_key_id(), "O");

    // Half-configured section stops the chain with a clear error.
    let bad = home.write("bad.ini", "[basic]\nak=only\n");
    let err = huawei::ProfileFile::with_path(&bad).load().unwrap_err();
    assert!(
        matches!(err, CredentialsError::InvalidConfiguration { .. }),
        "{err}"
    );
}

#[test]
fn huawei_chain_order_and_not_found() {
    let home = TempHome::new();
    home.write(".huaweicloud/credentials", "[basic]\nak=FILE\nsk=FILE\n");
    // Env wins over the file.
    let env = Env::from_vars([
        ("HOME", home.home()),
        ("HUAWEICLOUD_SDK_AK", "ENV".into()),
        ("HUAWEICLOUD_SDK_SK", "ENV".into()),
    ]);
    let c = block(huawei::default_chain(env).provide_credentials()).unwrap();
    assert_eq!(c.access_key_id(), "ENV");
    // File when env is empty.
    let env = Env::from_vars([("HOME", home.home())]);
    let c = block(huawei::default_chain(env).provide_credentials()).unwrap();
    assert_eq!(c.access_key_id(), "FILE");
    // Nothing: the error lists both providers.
    let env = Env::from_vars([("HOME", "/definitely/not/here")]);
    let err = block(huawei::default_chain(env).provide_credentials()).unwrap_err();
    match &err {
        CredentialsError::NoneFound { tried } => {
            // The official order: OIDC (STS v5), env, profile, metadata, pod identity.
            assert_eq!(tried.len(), 5, "{tried:?}");
            assert!(tried[0].starts_with("huawei oidc sts"), "{tried:?}");
            assert!(tried[1].starts_with("huawei environment variables"));
            assert!(tried[2].contains("/definitely/not/here/.huaweicloud/credentials"));
            assert!(tried[3].starts_with("huawei ecs metadata"), "{tried:?}");
            assert!(tried[4].starts_with("huawei pod identity"), "{tried:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn aliyun_environment() {
    let env = Env::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "S"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "T"),
    ]);
    let c = aliyun::EnvironmentVariables::with_env(env).load().unwrap();
    assert_eq!(c.access_key_id(), "LTAI");
    assert_eq!(c.security_token(), Some("T"));
    // Empty values count as unset.
    let env = Env::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ""),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "S"),
    ]);
    assert!(aliyun::EnvironmentVariables::with_env(env).load().is_err());
}

#[test]
fn aliyun_ini_file_profiles() {
    let home = TempHome::new();
    home.write(
        ".alibabacloud/credentials",
        "[default]\ntype = access_key\naccess_key_id = DEF\naccess_key_secret = DEFS\n\n[dev]\ntype = access_key\naccess_key_id = DEV\naccess_key_secret = DEVS\n\n[role]\ntype = ecs_ram_role\nrole_name = r\n",
    );
    let load =
        |vars: Vec<(&str, String)>| aliyun::ProfileFile::with_env(Env::from_vars(vars)).load();
    assert_eq!(
        load(vec![("HOME", home.home())]).unwrap().access_key_id(),
        "DEF"
    );
    assert_eq!(
        load(vec![
            ("HOME", home.home()),
            ("ALIBABA_CLOUD_PROFILE", "dev".into())
        ])
        .unwrap()
        .access_key_id(),
        "DEV"
    );
    let err = load(vec![
        ("HOME", home.home()),
        ("ALIBABA_CLOUD_PROFILE", "role".into()),
    ])
    .unwrap_err();
    // A role profile is served by a network provider, not by the synchronous load().
    assert!(err.to_string().contains("over the network"), "{err}");
    let other = home.write(
        "x/creds",
        "[default]\naccess_key_id=O\naccess_key_secret=P\n",
    );
    assert_eq!(
        load(vec![
            ("HOME", home.home()),
            (
                "ALIBABA_CLOUD_CREDENTIALS_FILE",
                other.display().to_string()
            )
        ])
        .unwrap()
        .access_key_id(),
        "O"
    );
}

#[test]
fn aliyun_cli_config() {
    let home = TempHome::new();
    home.write(
        ".aliyun/config.json",
        r#"{"current":"sts","profiles":[
            {"name":"default","mode":"AK","access_key_id":"AKID","access_key_secret":"AKS","region_id":"cn-hangzhou"},
            {"name":"sts","mode":"StsToken","access_key_id":"STSID","access_key_secret":"STSS","sts_token":"STSTOKEN"},
            {"name":"role","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y","ram_role_arn":"acs:ram::1:role/r"}
        ],"meta_path":""}"#,
    );
    let load =
        |vars: Vec<(&str, String)>| aliyun::CliConfigFile::with_env(Env::from_vars(vars)).load();
    let c = load(vec![("HOME", home.home())]).unwrap();
    assert_eq!(c.access_key_id(), "STSID");
    assert_eq!(c.security_token(), Some("STSTOKEN"));
    let c = load(vec![
        ("HOME", home.home()),
        ("ALIBABA_CLOUD_PROFILE", "default".into()),
    ])
    .unwrap();
    assert_eq!(c.access_key_id(), "AKID");
    assert_eq!(c.security_token(), None);
    let err = load(vec![
        ("HOME", home.home()),
        ("ALIBABA_CLOUD_PROFILE", "role".into()),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("over the network"), "{err}");
    let err = load(vec![
        ("HOME", home.home()),
        ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true".into()),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("disabled"), "{err}");
}

#[test]
fn aliyun_chain_order() {
    let home = TempHome::new();
    home.write(
        ".aliyun/config.json",
        r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"CLI","access_key_secret":"s"}]}"#,
    );
    home.write(
        ".alibabacloud/credentials",
        "[default]\ntype=access_key\naccess_key_id=INI\naccess_key_secret=s\n",
    );
    let c =
        block(aliyun::default_chain(Env::from_vars([("HOME", home.home())])).provide_credentials())
            .unwrap();
    assert_eq!(
        c.access_key_id(),
        "CLI",
        "CLI config comes before the INI file"
    );
    let c = block(
        aliyun::default_chain(Env::from_vars([
            ("HOME", home.home()),
            ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true".into()),
        ]))
        .provide_credentials(),
    )
    .unwrap();
    assert_eq!(c.access_key_id(), "INI");
    let err =
        block(aliyun::default_chain(Env::from_vars([("HOME", "/nope")])).provide_credentials())
            .unwrap_err();
    assert_eq!(err.tried().len(), 4, "{err}"); // env, cli config, ini file, ecs ram role
}

#[derive(Debug)]
struct Failing;

impl ProvideCredentials for Failing {
    fn provide_credentials(&self) -> cloudsdk_core::credentials::ProvideFuture<'_> {
        Box::pin(async { Err(CredentialsError::invalid("failing", "broken on purpose")) })
    }
}

#[test]
fn custom_chain_stops_on_invalid_configuration() {
    let chain = ChainProvider::first_try("failing", Failing)
        .or_else("static", Credentials::new("never", "reached"));
    assert_eq!(chain.provider_names(), ["failing", "static"]);
    let err = block(chain.provide_credentials()).unwrap_err();
    assert!(err.to_string().contains("broken on purpose"));
    let chain = ChainProvider::first_try(
        "env",
        huawei::EnvironmentVariables::with_env(Env::from_vars(Vec::<(String, String)>::new())),
    )
    .or_else("static", Credentials::new("fallback", "s"));
    assert_eq!(
        block(chain.provide_credentials()).unwrap().access_key_id(),
        "fallback"
    );
    // Debug of a chain shows names only.
    assert!(format!("{chain:?}").contains("static"));
    assert!(
        !format!("{:?}", Env::from_vars([("SECRETNAME", "SECRETVALUE")])).contains("SECRETVALUE")
    );
}
