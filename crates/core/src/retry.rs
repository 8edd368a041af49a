//! Retry policy.
//!
//! The standard policy makes at most [`RetryConfig::max_attempts`] attempts (default 3). Between
//! attempts it sleeps a random duration in `[0, min(max_backoff, initial_backoff * 2^(n-1)))`
//! ("full jitter"; defaults 100 ms and 20 s), unless the service said how long to wait
//! (`Retry-After` in seconds, `x-acs-retry-after` in milliseconds), in which case it waits that
//! long.
//!
//! Retried: connection and I/O errors, attempt timeouts, HTTP 429, 500, 502, 503, 504, and the
//! error codes `APIGW.0308`, `Throttling`, `Throttling.User`, `Throttling.Api`, `ServiceUnavailable`
//! (whatever the status). Never retried: any other 4xx, undecodable responses, construction
//! errors. Every attempt is signed again (fresh date and nonce).

use std::time::Duration;

/// Retry settings. Build with [`RetryConfig::standard`] (= `Default`) and the `with_*` methods,
/// or with a struct literal.
///
/// ```
/// use std::time::Duration;
/// use cloudsdk_core::RetryConfig;
/// let cfg = RetryConfig::standard()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(50));
/// assert_eq!(cfg.max_attempts, 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    /// Total attempts including the first one; `1` disables retries, `0` is rejected by `build()`.
    pub max_attempts: u32,
    /// Base of the exponential back-off.
    pub initial_backoff: Duration,
    /// Upper bound of one back-off sleep (not applied to server-requested delays).
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryConfig {
    /// Default maximum number of attempts.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
    /// Default initial back-off.
    pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(100);
    /// Default maximum back-off.
    pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(20);

    /// 3 attempts, 100 ms initial back-off, 20 s cap.
    pub const fn standard() -> Self {
        Self {
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            initial_backoff: Self::DEFAULT_INITIAL_BACKOFF,
            max_backoff: Self::DEFAULT_MAX_BACKOFF,
        }
    }

    /// A single attempt, no retries.
    pub const fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Sets the maximum number of attempts.
    pub const fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets the initial back-off.
    pub const fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the maximum back-off.
    pub const fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Maximum number of attempts.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Initial back-off.
    pub const fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Maximum back-off.
    pub const fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Upper bound of the jittered sleep after attempt `attempt` (1-based) failed.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .initial_backoff
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_backoff);
        ceiling.min(self.max_backoff)
    }

    /// A random sleep in `[0, backoff_ceiling(attempt))` (full jitter).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt);
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(fastrand::u64(0..nanos))
    }
}

/// Error codes retried whatever the HTTP status.
pub const RETRYABLE_CODES: &[&str] = &[
    "APIGW.0308",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
];

/// HTTP statuses retried.
pub const RETRYABLE_STATUSES: &[u16] = &[429, 500, 502, 503, 504];

/// Whether an error response with this status and code is worth retrying.
pub fn is_retryable_response(status: u16, code: Option<&str>) -> bool {
    RETRYABLE_STATUSES.contains(&status) || code.is_some_and(|c| RETRYABLE_CODES.contains(&c))
}

/// Server-requested delay: `x-acs-retry-after` (milliseconds) or `Retry-After` (seconds; HTTP
/// dates are ignored). Header names are matched case-insensitively.
pub fn server_retry_after<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<Duration> {
    let mut found = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("x-acs-retry-after") {
            if let Ok(ms) = value.trim().parse::<u64>() {
                return Some(Duration::from_millis(ms));
            }
        } else if name.eq_ignore_ascii_case("retry-after")
            && let Ok(secs) = value.trim().parse::<u64>()
        {
            found = Some(Duration::from_secs(secs));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        let cfg = RetryConfig::standard();
        assert_eq!(cfg.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(cfg.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(cfg.backoff_ceiling(40), Duration::from_secs(20));
        for a in 1..50 {
            assert!(cfg.backoff(a) < Duration::from_secs(20));
        }
    }

    #[test]
    fn getters_read_what_the_setters_wrote() {
        let cfg = RetryConfig::standard()
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(7))
            .with_max_backoff(Duration::from_secs(9));
        assert_eq!(cfg.max_attempts(), 5);
        assert_eq!(cfg.initial_backoff(), Duration::from_millis(7));
        assert_eq!(cfg.max_backoff(), Duration::from_secs(9));
        assert_eq!(RetryConfig::disabled().max_attempts(), 1);
        assert_eq!(RetryConfig::default(), RetryConfig::standard());
    }

    #[test]
    fn backoff_is_jittered_and_a_zero_ceiling_sleeps_zero() {
        let cfg = RetryConfig::standard();
        let draws: Vec<Duration> = (0..64).map(|_| cfg.backoff(3)).collect();
        assert!(draws.iter().all(|d| *d < Duration::from_millis(400)));
        assert!(
            draws.iter().any(|d| *d > Duration::ZERO),
            "full jitter over [0, 400 ms) is not always zero"
        );
        assert!(
            draws.iter().any(|d| *d != draws[0]),
            "the sleeps are random, not one fixed value"
        );
        let zero = RetryConfig::standard().with_initial_backoff(Duration::ZERO);
        assert_eq!(zero.backoff(1), Duration::ZERO);
        assert_eq!(zero.backoff(7), Duration::ZERO);
    }

    #[test]
    fn classification() {
        assert!(is_retryable_response(429, None));
        assert!(is_retryable_response(400, Some("Throttling.User")));
        assert!(is_retryable_response(403, Some("APIGW.0308")));
        assert!(!is_retryable_response(400, Some("InvalidParameter")));
        assert!(!is_retryable_response(404, None));
        assert!(!is_retryable_response(501, None));
    }

    #[test]
    fn retry_after_headers() {
        assert_eq!(
            server_retry_after([("Retry-After", "2")]),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            server_retry_after([("retry-after", "2"), ("x-acs-retry-after", "1500")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            server_retry_after([("retry-after", "Wed, 21 Oct 2015")]),
            None
        );
    }
}
