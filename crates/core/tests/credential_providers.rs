//! Credential providers against loopback doubles, and the cache rules with a controllable clock.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use cloudsdk_core::Credentials;
use cloudsdk_core::credentials::{CredentialsCache, CredentialsError, ManualClock};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);
const FIFTEEN_MIN: Duration = Duration::from_secs(15 * 60);

fn sts(n: u32, expiry: OffsetDateTime) -> Credentials {
    Credentials::new(format!("STS.{n}"), "secret")
        .with_security_token("token")
        .with_expiry(expiry)
}

#[tokio::test(flavor = "current_thread")]
async fn cache_refreshes_fifteen_minutes_before_expiry() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    let n = AtomicU32::new(0);
    let fetch = || async {
        let i = n.fetch_add(1, Ordering::SeqCst);
        Ok(sts(i, clock.now() + time::Duration::HOUR))
    };
    assert_eq!(
        cache.get_or_refresh(fetch).await.unwrap().access_key_id(),
        "STS.0"
    );
    clock.advance(Duration::from_secs(44 * 60 + 59));
    assert_eq!(
        cache.get_or_refresh(fetch).await.unwrap().access_key_id(),
        "STS.0"
    );
    assert_eq!(cache.fetch_count(), 1);
    clock.advance(Duration::from_secs(1)); // exactly expiry - 15 min: stale
    assert_eq!(
        cache.get_or_refresh(fetch).await.unwrap().access_key_id(),
        "STS.1"
    );
    assert_eq!(cache.fetch_count(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn hundred_concurrent_stale_callers_cause_one_fetch() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    let fetches = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (cache, fetches) = (cache.clone(), fetches.clone());
        tasks.push(tokio::spawn(async move {
            cache
                .get_or_refresh(|| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    // Let every other task run and queue behind this fetch.
                    for _ in 0..10 {
                        tokio::task::yield_now().await;
                    }
                    Ok(sts(7, T0 + time::Duration::HOUR))
                })
                .await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().access_key_id(), "STS.7");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(cache.fetch_count(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn failed_refresh_keeps_serving_valid_credentials_then_fails_after_expiry() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    cache
        .get_or_refresh(|| async { Ok(sts(1, T0 + time::Duration::HOUR)) })
        .await
        .unwrap();
    let failing = || async { Err(CredentialsError::unavailable("sts", "connection refused")) };
    clock.advance(Duration::from_secs(50 * 60)); // stale, not expired
    let c = cache.get_or_refresh(failing).await.unwrap();
    assert_eq!(c.access_key_id(), "STS.1");
    assert_eq!(cache.fetch_count(), 2, "the refresh was attempted");
    clock.advance(Duration::from_secs(10 * 60)); // expired now
    let err = cache.get_or_refresh(failing).await.unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    // A later success replaces them.
    let c = cache
        .get_or_refresh(|| async { Ok(sts(2, T0 + time::Duration::HOUR * 3)) })
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "STS.2");
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_inside_the_refresh_window_are_used_and_fetched_again_next_call() {
    let clock = ManualClock::new(T0);
    let cache = CredentialsCache::new(FIFTEEN_MIN, clock.time_source());
    let short = || async { Ok(sts(1, T0 + time::Duration::minutes(10))) };
    cache.get_or_refresh(short).await.unwrap();
    cache.get_or_refresh(short).await.unwrap();
    assert_eq!(cache.fetch_count(), 2);
    // Already-expired answers are refused unless a valid value is cached.
    clock.advance(Duration::from_secs(20 * 60));
    let err = cache.get_or_refresh(short).await.unwrap_err();
    assert!(err.to_string().contains("already expired"), "{err}");
}
