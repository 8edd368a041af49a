//! Identity resolution shared by both vendors: where a client's credentials come from, and a
//! single-flight cache for values looked up once per client (the Huawei project id).

use std::fmt;
use std::sync::Arc;
#[cfg(feature = "huawei")]
use std::sync::{Mutex, OnceLock};

use crate::credentials::{self, Credentials, Env, ProvideCredentials, ProviderConfig};
use crate::error::{BuildError, ConstructionError};
use crate::http::SharedHttpClient;

/// The configuration of a client's credential providers: its [`Env`], and the HTTP clients for
/// STS/IAM and metadata endpoints. A client's own `http_client(..)` also carries the STS/IAM
/// exchanges; the metadata client is always the SDK's unproxied one. The one place where the
/// builders' network settings reach the providers.
pub(crate) fn provider_config(
    env: &Env,
    api_http: &SharedHttpClient,
    metadata_http: &SharedHttpClient,
) -> ProviderConfig {
    ProviderConfig::new(env.clone())
        .with_http_client(api_http.clone())
        .with_metadata_http_client(metadata_http.clone())
}

/// Where a client's credentials come from.
#[derive(Clone)]
pub(crate) enum CredentialSource {
    /// Fixed credentials (checked when the client is built).
    Static(Credentials),
    /// A provider called once per operation (its credentials are checked at every `send`).
    Provider(Arc<dyn ProvideCredentials>),
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Static(c) => f.debug_tuple("Static").field(c).finish(),
            CredentialSource::Provider(p) => f.debug_tuple("Provider").field(p).finish(),
        }
    }
}

impl CredentialSource {
    /// The builder's choice: explicit credentials, else a provider, else the vendor's default
    /// chain (its environment and file providers run now: when one answers its credentials
    /// become static; when all providers are of that kind and find nothing the build fails
    /// listing what they tried; network providers resolve lazily, on the first call, inside the
    /// operation deadline).
    pub(crate) fn from_builder(
        explicit: Option<Credentials>,
        provider: Option<Arc<dyn ProvideCredentials>>,
        default_chain: impl FnOnce() -> credentials::ChainProvider,
    ) -> Result<Self, BuildError> {
        if let Some(c) = explicit {
            return Self::checked(CredentialSource::Static(c));
        }
        if let Some(p) = provider {
            return Ok(CredentialSource::Provider(p));
        }
        let chain = default_chain();
        match chain.provide_credentials_now() {
            Some(Ok(c)) => Self::checked(CredentialSource::Static(c)),
            Some(Err(e)) => Err(BuildError::NoCredentials { tried: e.tried() }),
            None => Ok(CredentialSource::Provider(Arc::new(chain))),
        }
    }

    fn checked(source: Self) -> Result<Self, BuildError> {
        if let CredentialSource::Static(c) = &source
            && let Some(problem) = crate::validate::credentials_problem(c)
        {
            return Err(BuildError::InvalidConfig {
                item: "credentials",
                reason: problem.into(),
            });
        }
        Ok(source)
    }

    /// Resolves and checks the credentials of one operation. Static credentials (checked when
    /// the client was built) are lent, not cloned: a clone would bump the reference count that
    /// every task calling through the client shares.
    pub(crate) async fn resolve(
        &self,
    ) -> Result<std::borrow::Cow<'_, Credentials>, ConstructionError> {
        let credentials = match self {
            CredentialSource::Static(c) => return Ok(std::borrow::Cow::Borrowed(c)),
            CredentialSource::Provider(p) => p.provide_credentials().await.map_err(|e| {
                ConstructionError::new("credentials", "the credentials provider failed")
                    .with_source(e)
            })?,
        };
        crate::validate::check_credentials(&credentials)?;
        Ok(std::borrow::Cow::Owned(credentials))
    }
}

#[cfg(feature = "huawei")]
/// A value looked up at most once at a time: concurrent callers wait for the lookup in flight
/// and share its result, success or failure. A success is cached for good; after a failure the
/// next caller (one that arrived after the failed lookup ended) starts a new lookup.
#[derive(Debug)]
pub(crate) struct SingleFlight<T, E> {
    value: OnceLock<T>,
    /// Held by the caller running the lookup; waiters queue on it (FIFO).
    flight: tokio::sync::Mutex<()>,
    /// (number of failed lookups so far, the last failure).
    failed: Mutex<(u64, Option<E>)>,
}

#[cfg(feature = "huawei")]
impl<T: Clone, E: Clone> SingleFlight<T, E> {
    pub(crate) fn new() -> Self {
        Self {
            value: OnceLock::new(),
            flight: tokio::sync::Mutex::new(()),
            failed: Mutex::new((0, None)),
        }
    }

    /// The cached value, if a lookup succeeded.
    pub(crate) fn get(&self) -> Option<&T> {
        self.value.get()
    }

    fn failures(&self) -> (u64, Option<E>) {
        let guard = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        (guard.0, guard.1.clone())
    }

    /// The cached value, or the result of `lookup` (run by one caller at a time).
    pub(crate) async fn get_or_try_init<F, Fut>(&self, lookup: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.value.get() {
            return Ok(v);
        }
        let (failures_seen, _) = self.failures();
        let _flight = self.flight.lock().await;
        if let Some(v) = self.value.get() {
            return Ok(v);
        }
        // A lookup failed while this caller waited: it shares that failure instead of
        // starting another lookup.
        if let (n, Some(e)) = self.failures()
            && n != failures_seen
        {
            return Err(e);
        }
        match lookup().await {
            Ok(v) => Ok(self.value.get_or_init(|| v)),
            Err(e) => {
                let mut guard = self.failed.lock().unwrap_or_else(|p| p.into_inner());
                guard.0 += 1;
                guard.1 = Some(e.clone());
                Err(e)
            }
        }
    }
}

#[cfg(feature = "huawei")]
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_waiters_share_one_failed_lookup_then_a_new_one_runs() {
        let cell = Arc::new(SingleFlight::<String, String>::new());
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cell, calls) = (cell.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                cell.get_or_try_init(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err::<String, _>("IAM is down".to_owned())
                })
                .await
                .cloned()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Err("IAM is down".to_owned()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one lookup for 20 waiters");
        // A later caller tries again, and a success is cached.
        let v = cell
            .get_or_try_init(|| async { Ok::<_, String>("p1".to_owned()) })
            .await;
        assert_eq!(v.map(String::as_str), Ok("p1"));
        let v = cell
            .get_or_try_init(|| async { Err::<String, _>("not called".to_owned()) })
            .await;
        assert_eq!(v.map(String::as_str), Ok("p1"));
        assert_eq!(cell.get().map(String::as_str), Some("p1"));
    }
}
