//! The Alibaba profile files: the INI credentials file and the CLI `config.json`. Profiles that
//! name a role (RAM role ARN, OIDC, ECS RAM role) become the matching network provider, built
//! once and kept (with its cache) by the profile provider and its clones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::super::fetch::{Inner, Resolved, provide, provide_now, static_only};
use super::super::ini::{non_empty, parse_ini, read_file};
use super::super::{
    Credentials, CredentialsError, Env, ProvideCredentials, ProvideFuture, ProviderConfig,
};
use super::net::{EcsRamRole, OidcRoleArn, RamRoleArn};
use super::{ENV_CLI_PROFILE_DISABLED, ENV_CREDENTIALS_FILE, ENV_PROFILE};

fn duration(
    provider: &'static str,
    value: Option<String>,
) -> Result<Option<u32>, CredentialsError> {
    value
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                CredentialsError::invalid(
                    provider,
                    format!("duration {v:?} is not a number of seconds"),
                )
            })
        })
        .transpose()
}

/// The INI credentials file: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
/// `~/.alibabacloud/credentials`, else `~/.alibabacloud/credentials.ini`; section
/// `ALIBABA_CLOUD_PROFILE`, else `default`. Key `type`:
///
/// - `access_key` (the default): `access_key_id`, `access_key_secret`;
/// - `ram_role_arn`: those two as the source, `role_arn`, `role_session_name`, `policy`
///   ([`RamRoleArn`]);
/// - `oidc_role_arn`: `role_arn`, `oidc_provider_arn`, `oidc_token_file_path`,
///   `role_session_name`, `policy` ([`OidcRoleArn`]);
/// - `ecs_ram_role`: `role_name` ([`EcsRamRole`]);
/// - anything else (`rsa_key_pair`, …): an "unsupported type" error, and a chain moves on.
#[derive(Clone, Debug, Default)]
pub struct ProfileFile {
    config: ProviderConfig,
    path: Option<PathBuf>,
    inner: Inner,
}

impl ProfileFile {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba credentials file";

    /// Uses the process environment to locate the file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the given environment to locate the file.
    pub fn with_env(env: Env) -> Self {
        Self::with_config(ProviderConfig::new(env))
    }

    /// Uses `config`'s environment to locate the file; role profiles use its HTTP clients.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Reads exactly this file (the profile still comes from `ALIBABA_CLOUD_PROFILE`).
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Some(path.into()),
            ..Self::default()
        }
    }

    /// The file this provider reads, if a location can be determined.
    pub fn path(&self) -> Option<PathBuf> {
        let env = self.config.env();
        self.path
            .clone()
            .or_else(|| env.get(ENV_CREDENTIALS_FILE).map(PathBuf::from))
            .or_else(|| {
                let dir = env.home_dir()?.join(".alibabacloud");
                let plain = dir.join("credentials");
                let ini = dir.join("credentials.ini");
                Some(if !plain.exists() && ini.exists() {
                    ini
                } else {
                    plain
                })
            })
    }

    /// Loads a static (`access_key`) profile synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        static_only(Self::NAME, self.resolve()?)
    }

    fn resolve(&self) -> Result<Resolved, CredentialsError> {
        let path = self.path().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no home directory (HOME unset)")
        })?;
        let text = read_file(Self::NAME, &path)?;
        let profile = self
            .config
            .env()
            .get(ENV_PROFILE)
            .unwrap_or_else(|| "default".to_owned());
        let section = parse_ini(&text).remove(&profile).ok_or_else(|| {
            CredentialsError::not_loaded(
                Self::NAME,
                format!("{} has no [{profile}] section", path.display()),
            )
        })?;
        let at = format!("[{profile}] in {}", path.display());
        self.section(&section, &at)
    }

    fn section(
        &self,
        section: &BTreeMap<String, String>,
        at: &str,
    ) -> Result<Resolved, CredentialsError> {
        let get = |k: &str| non_empty(section, k);
        let keys = || match (get("access_key_id"), get("access_key_secret")) {
            (Some(id), Some(secret)) => {
                Ok(Credentials::new(id, secret).with_provider_name("credentials file"))
            }
            _ => Err(CredentialsError::invalid(
                Self::NAME,
                format!("{at} must set access_key_id and access_key_secret"),
            )),
        };
        let config = self.config.clone();
        let kind = get("type").unwrap_or_else(|| "access_key".to_owned());
        let provider: Arc<dyn ProvideCredentials> = match kind.as_str() {
            "access_key" => return Ok(Resolved::Static(keys()?)),
            "ram_role_arn" => {
                let mut p = RamRoleArn::with_config(config, keys()?);
                p = apply(p, get("role_arn"), RamRoleArn::role_arn);
                p = apply(p, get("role_session_name"), RamRoleArn::role_session_name);
                Arc::new(apply(p, get("policy"), RamRoleArn::policy))
            }
            "oidc_role_arn" => {
                let mut p = OidcRoleArn::with_config(config);
                p = apply(p, get("role_arn"), OidcRoleArn::role_arn);
                p = apply(p, get("oidc_provider_arn"), OidcRoleArn::oidc_provider_arn);
                p = apply(p, get("oidc_token_file_path"), OidcRoleArn::token_file);
                p = apply(p, get("role_session_name"), OidcRoleArn::role_session_name);
                Arc::new(apply(p, get("policy"), OidcRoleArn::policy))
            }
            "ecs_ram_role" => Arc::new(apply(
                EcsRamRole::with_config(config),
                get("role_name"),
                EcsRamRole::role_name,
            )),
            other => {
                return Err(CredentialsError::not_loaded(
                    Self::NAME,
                    format!(
                        "{at} has type {other:?}: unsupported type (supported: access_key, \
                         ram_role_arn, oidc_role_arn, ecs_ram_role)"
                    ),
                ));
            }
        };
        Ok(Resolved::Network(provider))
    }
}

/// `setter(provider, value)` when the value is present.
fn apply<P, V>(provider: P, value: Option<V>, setter: impl FnOnce(P, V) -> P) -> P {
    match value {
        Some(v) => setter(provider, v),
        None => provider,
    }
}

impl ProvideCredentials for ProfileFile {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        provide(&self.inner, || self.resolve())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        provide_now(&self.inner, || self.resolve())
    }
}

/// The Alibaba Cloud CLI configuration `~/.aliyun/config.json`: profile
/// `ALIBABA_CLOUD_PROFILE`, else the file's `current`. Disabled by
/// `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`. Modes:
///
/// - `AK`: `access_key_id`, `access_key_secret`;
/// - `StsToken`: those two and `sts_token`;
/// - `RamRoleArn`: those two as the source, `ram_role_arn`, `ram_session_name`,
///   `expired_seconds`, `policy`, `external_id`, `sts_region`, `enable_vpc` ([`RamRoleArn`]);
/// - `ChainableRamRoleArn`: `source_profile` (another profile of the file, resolved the same
///   way) as the source, and the `RamRoleArn` keys;
/// - `EcsRamRole`: `ram_role_name` ([`EcsRamRole`]);
/// - `OIDC`: `ram_role_arn`, `oidc_provider_arn`, `oidc_token_file`, `role_session_name`,
///   `expired_seconds`, `policy`, `sts_region`, `enable_vpc` ([`OidcRoleArn`]);
/// - `CloudSSO`, `OAuth`, `External` and anything else: an "unsupported mode" error, and a
///   chain moves on.
#[derive(Clone, Debug, Default)]
pub struct CliConfigFile {
    config: ProviderConfig,
    path: Option<PathBuf>,
    inner: Inner,
}

/// How deep `source_profile` references may nest.
const MAX_SOURCE_DEPTH: usize = 8;

impl CliConfigFile {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba cli config";

    /// Uses the process environment to locate the file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the given environment to locate the file.
    pub fn with_env(env: Env) -> Self {
        Self::with_config(ProviderConfig::new(env))
    }

    /// Uses `config`'s environment to locate the file; role profiles use its HTTP clients.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Reads exactly this file.
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Some(path.into()),
            ..Self::default()
        }
    }

    /// The file this provider reads, if a location can be determined.
    pub fn path(&self) -> Option<PathBuf> {
        self.path.clone().or_else(|| {
            self.config
                .env()
                .home_dir()
                .map(|h| h.join(".aliyun").join("config.json"))
        })
    }

    /// The name of the profile to use: `ALIBABA_CLOUD_PROFILE`, else `current`.
    fn wanted(&self, doc: &serde_json::Value, path: &Path) -> Result<String, CredentialsError> {
        self.config
            .env()
            .get(ENV_PROFILE)
            .or_else(|| {
                doc.get("current")
                    .and_then(|c| c.as_str())
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
            })
            .ok_or_else(|| {
                CredentialsError::not_loaded(
                    Self::NAME,
                    format!("{} names no current profile", path.display()),
                )
            })
    }

    /// Loads a static (`AK`, `StsToken`) profile synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        static_only(Self::NAME, self.resolve()?)
    }

    fn resolve(&self) -> Result<Resolved, CredentialsError> {
        if self.config.env().is_true(ENV_CLI_PROFILE_DISABLED) {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                format!("disabled by {ENV_CLI_PROFILE_DISABLED}"),
            ));
        }
        let path = self.path().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no home directory (HOME unset)")
        })?;
        let text = read_file(Self::NAME, &path)?;
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            CredentialsError::invalid(Self::NAME, format!("{} is not JSON: {e}", path.display()))
        })?;
        let wanted = self.wanted(&doc, &path)?;
        CliProfiles {
            config: &self.config,
            doc: &doc,
            path: &path,
        }
        .profile(&wanted, 0)
    }
}

/// The profiles of one `config.json`.
struct CliProfiles<'a> {
    config: &'a ProviderConfig,
    doc: &'a serde_json::Value,
    path: &'a Path,
}

impl CliProfiles<'_> {
    fn find(&self, name: &str) -> Result<&serde_json::Value, CredentialsError> {
        self.doc
            .get("profiles")
            .and_then(|p| p.as_array())
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
            })
            .ok_or_else(|| {
                CredentialsError::not_loaded(
                    CliConfigFile::NAME,
                    format!("{} has no profile {name:?}", self.path.display()),
                )
            })
    }

    fn profile(&self, name: &str, depth: usize) -> Result<Resolved, CredentialsError> {
        let profile = self.find(name)?;
        let field = |k: &str| match profile.get(k) {
            Some(serde_json::Value::String(s)) => {
                Some(s.trim().to_owned()).filter(|s| !s.is_empty())
            }
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        let keys = || match (field("access_key_id"), field("access_key_secret")) {
            (Some(id), Some(secret)) => {
                Ok(Credentials::new(id, secret).with_provider_name("cli config"))
            }
            _ => Err(CredentialsError::invalid(
                CliConfigFile::NAME,
                format!(
                    "profile {name:?} in {} must set access_key_id and access_key_secret",
                    self.path.display()
                ),
            )),
        };
        let mode = field("mode").unwrap_or_else(|| "AK".to_owned());
        let provider: Arc<dyn ProvideCredentials> = match mode.as_str() {
            "AK" => return Ok(Resolved::Static(keys()?)),
            "StsToken" => {
                let token = field("sts_token").ok_or_else(|| {
                    CredentialsError::invalid(
                        CliConfigFile::NAME,
                        format!("profile {name:?} (StsToken) has no sts_token"),
                    )
                })?;
                return Ok(Resolved::Static(keys()?.with_security_token(token)));
            }
            "RamRoleArn" => Arc::new(self.ram_role(&field, Arc::new(keys()?))?),
            "ChainableRamRoleArn" => {
                let source = self.source(name, field("source_profile"), depth)?;
                Arc::new(self.ram_role(&field, source)?)
            }
            "EcsRamRole" => Arc::new(apply(
                EcsRamRole::with_config(self.config.clone()),
                field("ram_role_name"),
                EcsRamRole::role_name,
            )),
            "OIDC" => Arc::new(self.oidc(&field)?),
            other => {
                return Err(CredentialsError::not_loaded(
                    CliConfigFile::NAME,
                    format!(
                        "profile {name:?} has mode {other:?}: unsupported mode (supported: AK, \
                         StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC)"
                    ),
                ));
            }
        };
        Ok(Resolved::Network(provider))
    }

    fn source(
        &self,
        name: &str,
        source: Option<String>,
        depth: usize,
    ) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let source = source.ok_or_else(|| {
            CredentialsError::invalid(
                CliConfigFile::NAME,
                format!("profile {name:?} (ChainableRamRoleArn) has no source_profile"),
            )
        })?;
        if depth >= MAX_SOURCE_DEPTH || source == name {
            return Err(CredentialsError::invalid(
                CliConfigFile::NAME,
                format!("profile {name:?}: source_profile references loop or nest too deeply"),
            ));
        }
        Ok(match self.profile(&source, depth + 1)? {
            Resolved::Static(c) => Arc::new(c),
            Resolved::Network(p) => p,
        })
    }

    fn ram_role(
        &self,
        field: &dyn Fn(&str) -> Option<String>,
        source: Arc<dyn ProvideCredentials>,
    ) -> Result<RamRoleArn, CredentialsError> {
        let mut p = RamRoleArn::with_shared_source(self.config.clone(), source);
        p = apply(p, field("ram_role_arn"), RamRoleArn::role_arn);
        p = apply(p, field("ram_session_name"), RamRoleArn::role_session_name);
        p = apply(
            p,
            duration(CliConfigFile::NAME, field("expired_seconds"))?,
            RamRoleArn::duration_seconds,
        );
        p = apply(p, field("policy"), RamRoleArn::policy);
        p = apply(p, field("external_id"), RamRoleArn::external_id);
        p = apply(p, field("sts_region"), RamRoleArn::sts_region);
        Ok(apply(
            p,
            field("enable_vpc").map(|v| v == "true"),
            RamRoleArn::enable_vpc,
        ))
    }

    fn oidc(
        &self,
        field: &dyn Fn(&str) -> Option<String>,
    ) -> Result<OidcRoleArn, CredentialsError> {
        let mut p = OidcRoleArn::with_config(self.config.clone());
        p = apply(p, field("ram_role_arn"), OidcRoleArn::role_arn);
        p = apply(
            p,
            field("oidc_provider_arn"),
            OidcRoleArn::oidc_provider_arn,
        );
        p = apply(p, field("oidc_token_file"), OidcRoleArn::token_file);
        p = apply(
            p,
            field("role_session_name"),
            OidcRoleArn::role_session_name,
        );
        p = apply(
            p,
            duration(CliConfigFile::NAME, field("expired_seconds"))?,
            OidcRoleArn::duration_seconds,
        );
        p = apply(p, field("policy"), OidcRoleArn::policy);
        p = apply(p, field("sts_region"), OidcRoleArn::sts_region);
        Ok(apply(
            p,
            field("enable_vpc").map(|v| v == "true"),
            OidcRoleArn::enable_vpc,
        ))
    }
}

impl ProvideCredentials for CliConfigFile {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        provide(&self.inner, || self.resolve())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        provide_now(&self.inner, || self.resolve())
    }
}
