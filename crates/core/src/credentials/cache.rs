//! Time sources, expiry parsing and the refreshing credentials cache.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Credentials, CredentialsError};

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/// Where the credential cache reads the time: the system clock (the default) or a
/// [`ManualClock`] that a test moves by hand.
#[derive(Clone, Default)]
pub struct TimeSource {
    manual: Option<ManualClock>,
}

impl TimeSource {
    /// The system clock (UTC).
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        match &self.manual {
            Some(clock) => clock.now(),
            None => OffsetDateTime::now_utc(),
        }
    }
}

impl From<ManualClock> for TimeSource {
    fn from(clock: ManualClock) -> Self {
        Self {
            manual: Some(clock),
        }
    }
}

impl fmt::Debug for TimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            Some(clock) => f.debug_tuple("TimeSource::manual").field(clock).finish(),
            None => f.write_str("TimeSource::system"),
        }
    }
}

/// A clock that only moves when told to; clones share the time. Turn it into a [`TimeSource`]
/// with `.into()` or [`time_source`](Self::time_source).
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// The time it shows.
    pub fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the time.
    pub fn set(&self, now: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = guard.saturating_add(time::Duration::try_from(by).unwrap_or(time::Duration::MAX));
    }

    /// A [`TimeSource`] reading this clock.
    pub fn time_source(&self) -> TimeSource {
        TimeSource::from(self.clone())
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

/// An expiry time that [`parse_expiry`] could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidExpiry {
    value: String,
}

impl fmt::Display for InvalidExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid expiry time {:?} (expected RFC 3339, e.g. 2030-01-01T00:00:00Z)",
            self.value
        )
    }
}

impl std::error::Error for InvalidExpiry {}

/// Parses the expiry time of temporary credentials exactly: RFC 3339 with or without fractional
/// seconds (up to nanoseconds) and with `Z` or a numeric offset, as the vendors send it
/// (Alibaba `2030-01-01T00:00:00Z`, Huawei `2030-01-01T00:00:00.123000Z`). A time without any
/// offset is read as UTC. Surrounding whitespace is ignored.
///
/// ```
/// use cloudsdk_core::credentials::parse_expiry;
/// let t = parse_expiry("2024-05-20T08:15:32.123000Z").unwrap();
/// assert_eq!(t.millisecond(), 123);
/// assert!(parse_expiry("tomorrow").is_err());
/// ```
pub fn parse_expiry(value: &str) -> Result<OffsetDateTime, InvalidExpiry> {
    let trimmed = value.trim();
    let invalid = || InvalidExpiry {
        value: value.chars().take(64).collect(),
    };
    if let Ok(t) = OffsetDateTime::parse(trimmed, &Rfc3339) {
        return Ok(t);
    }
    // No offset at all (`2030-01-01T00:00:00` or with a fraction): UTC.
    let has_offset = trimmed.ends_with(['Z', 'z'])
        || trimmed
            .get(19..)
            .is_some_and(|rest| rest.contains(['+', '-']));
    if !has_offset && trimmed.len() >= 19 {
        return OffsetDateTime::parse(&format!("{trimmed}Z"), &Rfc3339).map_err(|_| invalid());
    }
    Err(invalid())
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

/// How long credentials without a known expiry are used before they are fetched again.
const UNKNOWN_EXPIRY_LIFETIME: time::Duration = time::Duration::HOUR;
/// After a failed refresh that keeps valid credentials in use, the next attempt waits this long
/// (at most until they expire), so a dead endpoint does not slow every call.
const RETRY_AFTER_FAILURE: time::Duration = time::Duration::MINUTE;

struct State {
    /// The cached credentials and the time they become stale.
    value: Option<(Credentials, OffsetDateTime)>,
    /// Completed fetches (successful or not).
    generation: u64,
    last_error: Option<CredentialsError>,
}

struct CacheInner {
    time: TimeSource,
    refresh_before: time::Duration,
    /// Credentials are also stale this long after they were fetched.
    max_age: Option<time::Duration>,
    state: Mutex<State>,
    /// Held by the caller running a fetch; other callers that find the value stale wait on it.
    flight: tokio::sync::Mutex<()>,
}

/// A cache of temporary credentials, shared by its clones (so by a client's clones).
///
/// - Credentials are *stale* `refresh_before` ahead of their [`expiry`](Credentials::expiry)
///   (credentials without an expiry: one hour after they were fetched). A call that finds them
///   fresh returns them at once.
/// - Single flight: callers that find them stale (or find nothing cached) queue; one fetches,
///   the others take its result (100 concurrent stale callers cause one fetch).
/// - With [`with_max_age`](Self::with_max_age) they are also stale that long after they were
///   fetched (Alibaba's ECS provider re-fetches 6-hour instance credentials hourly).
/// - A failed fetch while the cached credentials have not yet expired keeps serving them; the
///   next attempt comes a minute later (or at expiry, if sooner). Otherwise the error is
///   returned.
/// - Fetched credentials that are already inside the refresh window are used, and the next
///   call fetches again.
/// - The fetch runs on the calling task: no background thread or timer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use cloudsdk_core::Credentials;
/// use cloudsdk_core::credentials::{CredentialsCache, ManualClock};
/// let clock = ManualClock::new(time::macros::datetime!(2030-01-01 00:00 UTC));
/// let cache = CredentialsCache::new(Duration::from_secs(15 * 60), clock.time_source());
/// let fetch = || async {
///     Ok(Credentials::new("STS.a", "s").with_expiry(time::macros::datetime!(2030-01-01 01:00 UTC)))
/// };
/// cache.get_or_refresh(fetch).await.unwrap();
/// cache.get_or_refresh(fetch).await.unwrap();
/// assert_eq!(cache.fetch_count(), 1);
/// clock.advance(Duration::from_secs(46 * 60)); // inside the last 15 minutes
/// cache.get_or_refresh(fetch).await.unwrap();
/// assert_eq!(cache.fetch_count(), 2);
/// # }
/// ```
#[derive(Clone)]
pub struct CredentialsCache(Arc<CacheInner>);

impl CredentialsCache {
    /// A cache that refreshes `refresh_before` ahead of expiry, reading the time from `time`.
    pub fn new(refresh_before: Duration, time: TimeSource) -> Self {
        Self::build(refresh_before, None, time)
    }

    /// Like [`new`](Self::new), and credentials are also refreshed `max_age` after they were
    /// fetched.
    pub fn with_max_age(refresh_before: Duration, max_age: Duration, time: TimeSource) -> Self {
        Self::build(refresh_before, Some(max_age), time)
    }

    fn build(refresh_before: Duration, max_age: Option<Duration>, time: TimeSource) -> Self {
        let span = |d: Duration| time::Duration::try_from(d).unwrap_or(time::Duration::MAX);
        Self(Arc::new(CacheInner {
            time,
            refresh_before: span(refresh_before),
            max_age: max_age.map(span),
            state: Mutex::new(State {
                value: None,
                generation: 0,
                last_error: None,
            }),
            flight: tokio::sync::Mutex::new(()),
        }))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of fetches run so far (successful or not).
    pub fn fetch_count(&self) -> u64 {
        self.state().generation
    }

    /// The cached credentials, fresh or not.
    pub fn cached(&self) -> Option<Credentials> {
        self.state().value.as_ref().map(|(c, _)| c.clone())
    }

    /// The cached credentials if they have not expired yet (possibly stale).
    fn still_valid(state: &State, now: OffsetDateTime) -> Option<Credentials> {
        state
            .value
            .as_ref()
            .filter(|(c, _)| c.expiry().is_none_or(|e| now < e))
            .map(|(c, _)| c.clone())
    }

    /// The cached credentials when fresh, else the result of `fetch` (run by one caller at a
    /// time; see the type's documentation for the rules).
    pub async fn get_or_refresh<F, Fut>(&self, fetch: F) -> Result<Credentials, CredentialsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, CredentialsError>>,
    {
        let seen = {
            let state = self.state();
            let now = self.0.time.now();
            if let Some((c, stale)) = &state.value
                && now < *stale
            {
                return Ok(c.clone());
            }
            state.generation
        };
        let _flight = self.0.flight.lock().await;
        {
            let state = self.state();
            let now = self.0.time.now();
            if let Some((c, stale)) = &state.value
                && now < *stale
            {
                return Ok(c.clone());
            }
            // A fetch ended while this caller waited: share its outcome.
            if state.generation != seen {
                if let Some(c) = Self::still_valid(&state, now) {
                    return Ok(c);
                }
                if let Some(e) = &state.last_error {
                    return Err(e.clone());
                }
            }
        }
        let result = fetch().await;
        self.store(result)
    }

    fn store(
        &self,
        result: Result<Credentials, CredentialsError>,
    ) -> Result<Credentials, CredentialsError> {
        let now = self.0.time.now();
        let mut state = self.state();
        state.generation += 1;
        match result {
            Ok(c) => {
                let mut stale = match c.expiry() {
                    Some(expiry) => expiry.saturating_sub(self.0.refresh_before),
                    None => now.saturating_add(UNKNOWN_EXPIRY_LIFETIME),
                };
                if let Some(max_age) = self.0.max_age {
                    stale = stale.min(now.saturating_add(max_age));
                }
                if c.expiry().is_some_and(|e| e <= now) {
                    // Already expired: keep what is cached if that is still valid.
                    if let Some(old) = Self::still_valid(&state, now) {
                        return Ok(old);
                    }
                    let e = CredentialsError::unavailable(
                        c.provider_name().to_owned(),
                        "the credentials fetched have already expired",
                    );
                    state.last_error = Some(e.clone());
                    return Err(e);
                }
                state.value = Some((c.clone(), stale));
                state.last_error = None;
                Ok(c)
            }
            Err(e) => {
                state.last_error = Some(e.clone());
                if let Some(old) = Self::still_valid(&state, now) {
                    tracing::warn!(error = %e, "refreshing credentials failed; the cached ones are still valid and stay in use");
                    let retry = now.saturating_add(RETRY_AFTER_FAILURE);
                    let retry = old.expiry().map_or(retry, |expiry| retry.min(expiry));
                    if let Some((_, stale)) = state.value.as_mut() {
                        *stale = retry;
                    }
                    return Ok(old);
                }
                Err(e)
            }
        }
    }
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("CredentialsCache")
            .field("refresh_before", &self.0.refresh_before)
            .field("cached", &state.value.as_ref().map(|(c, _)| c))
            .field("fetches", &state.generation)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expiry_formats() {
        let cases = [
            ("2030-01-01T00:00:00Z", datetime!(2030-01-01 00:00 UTC)),
            (
                "2024-05-20T08:15:32.123000Z",
                datetime!(2024-05-20 08:15:32.123 UTC),
            ),
            (
                "2020-01-08T03:50:07.574000Z",
                datetime!(2020-01-08 03:50:07.574 UTC),
            ),
            (
                "2099-01-01T00:00:00.123Z",
                datetime!(2099-01-01 00:00:00.123 UTC),
            ),
            (
                "2030-01-01T00:00:00.123456789Z",
                datetime!(2030-01-01 00:00:00.123456789 UTC),
            ),
            ("2030-01-01T08:00:00+08:00", datetime!(2030-01-01 00:00 UTC)),
            ("2030-01-01T00:00:00", datetime!(2030-01-01 00:00 UTC)),
            (
                " 2030-01-01T00:00:00.5 ",
                datetime!(2030-01-01 00:00:00.5 UTC),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_expiry(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "2030-01-01",
            "2030-13-01T00:00:00Z",
            "1700000000",
            "2030-01-01T00:00:00ZZ",
        ] {
            assert!(parse_expiry(bad).is_err(), "{bad:?} must not parse");
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(datetime!(2030-01-01 00:00 UTC));
        let source = clock.time_source();
        assert_eq!(source.now(), datetime!(2030-01-01 00:00 UTC));
        clock.advance(Duration::from_secs(90));
        assert_eq!(source.now(), datetime!(2030-01-01 00:01:30 UTC));
    }
}
