//! Deadlines (the attempt and operation timeouts) on reused tokio timers.
//!
//! `tokio::time::timeout` creates a timer per call: registering it takes the time driver's lock
//! and, when no earlier timer is pending (every sequential call), wakes the thread parked on
//! the driver so that it can shorten its sleep: a write to an eventfd and a context switch.
//! Dropping it takes the lock again. On loopback that was most of what the SDK spent per call
//! beyond a bare reqwest call.
//!
//! [`Timeout`] behaves as `tokio::time::timeout` (the future is polled first; the timer only
//! decides once the future is pending), but takes its timer from a per-thread pool of timers
//! that are still registered with the current runtime's driver. A pooled timer keeps the
//! deadline it had (its previous user's, earlier than the new one): when that passes, the
//! timer fires once and is set to the new deadline then. So a steady stream of calls
//! registers no timer, wakes no thread and resets no timer (a reset clones the runtime's
//! handle: two atomic writes to a counter that every worker shares); only a call that outlives
//! the previous deadline pays for one. A thread's pool holds the timers of
//! one runtime (by [`tokio::runtime::Id`]; it is emptied when the thread runs another): a timer
//! is only ever polled inside the runtime whose driver it belongs to, as with
//! `tokio::time::timeout`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};

/// Most idle timers a thread keeps (one per call in flight is enough to reuse them all).
const MAX_POOLED_PER_THREAD: usize = 256;

/// Idle timers of one runtime, still registered with its driver.
struct Pool {
    runtime: Option<Id>,
    timers: Vec<Pin<Box<Sleep>>>,
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool {
            runtime: None,
            timers: Vec::new(),
        })
    };
}

/// The deadline passed before the future completed; the limit that was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed(pub(crate) Duration);

pin_project_lite::pin_project! {
    /// `future` under a deadline `limit` from now, if any (see the module docs).
    pub(crate) struct Timeout<F> {
        #[pin]
        future: F,
        limit: Option<(Duration, Instant)>,
        timer: Option<PooledSleep>,
    }
}

/// Runs `future` until it completes or `limit` (if any) has passed, whichever is first.
pub(crate) fn timeout<F: Future>(limit: Option<Duration>, future: F) -> Timeout<F> {
    Timeout {
        future,
        limit: limit.map(|limit| (limit, Instant::now() + limit)),
        timer: None,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.project();
        if let Poll::Ready(value) = me.future.poll(cx) {
            return Poll::Ready(Ok(value));
        }
        let Some((limit, deadline)) = *me.limit else {
            return Poll::Pending;
        };
        me.timer
            .get_or_insert_with(|| PooledSleep::take(deadline))
            .poll(cx)
            .map(|()| Err(Elapsed(limit)))
    }
}

/// A timer from the pool, returned to it on drop.
struct PooledSleep {
    runtime: Id,
    /// The task that took the timer: while it runs, the runtime is known without looking it up.
    task: Option<tokio::task::Id>,
    /// The deadline; the timer itself may be set earlier (see [`take`](Self::take)).
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl PooledSleep {
    /// A timer of the current runtime for `deadline`: a pooled one when there is one.
    /// Outside a runtime this panics as `tokio::time::sleep` does.
    ///
    /// A pooled timer set to an earlier deadline (the previous call's) is not reset: it fires
    /// early once (or already fired, idle in the pool), and [`poll`](Self::poll) then sets it
    /// to this deadline. Resetting it here would cost every call what only a call outliving the
    /// previous deadline needs. One set later than `deadline` is reset now.
    fn take(deadline: Instant) -> Self {
        let runtime = Handle::current().id();
        let pooled = POOL
            .try_with(|pool| {
                let mut pool = pool.try_borrow_mut().ok()?;
                if pool.runtime != Some(runtime) {
                    return None;
                }
                pool.timers.pop()
            })
            .ok()
            .flatten();
        let sleep = match pooled {
            Some(mut sleep) => {
                if sleep.deadline() > deadline {
                    sleep.as_mut().reset(deadline);
                }
                sleep
            }
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        Self {
            runtime,
            task: tokio::task::try_id(),
            deadline,
            sleep: Some(sleep),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(sleep) = self.sleep.as_mut() else {
            return Poll::Ready(());
        };
        loop {
            // Like `tokio::time::timeout`: the deadline is noticed even when the future used up
            // the task's cooperative budget.
            let mut unconstrained = tokio::task::coop::unconstrained(sleep.as_mut());
            std::task::ready!(Pin::new(&mut unconstrained).poll(cx));
            if sleep.deadline() >= self.deadline {
                return Poll::Ready(());
            }
            // A pooled timer's earlier deadline passed; ours has not.
            sleep.as_mut().reset(self.deadline);
        }
    }

    /// Whether this thread runs the timer's runtime: known without a lookup while the task
    /// that took it runs (a task never moves to another runtime).
    fn in_own_runtime(&self) -> bool {
        if self.task.is_some() && tokio::task::try_id() == self.task {
            return true;
        }
        Handle::try_current().is_ok_and(|current| current.id() == self.runtime)
    }
}

impl Drop for PooledSleep {
    fn drop(&mut self) {
        let Some(mut sleep) = self.sleep.take() else {
            return;
        };
        // Only inside the runtime the timer belongs to (alive, as this code runs in it); else
        // the timer is dropped (deregistered), as tokio's own would be.
        if !self.in_own_runtime() {
            return;
        }
        // Forget the waker of the task that polled it last (a waker keeps its task allocated):
        // a poll, elapsed or not, stores this one in its place.
        let mut cx = Context::from_waker(Waker::noop());
        let mut unconstrained = tokio::task::coop::unconstrained(sleep.as_mut());
        let _ = Pin::new(&mut unconstrained).poll(&mut cx);
        let runtime = self.runtime;
        let _ = POOL.try_with(|pool| {
            let Ok(mut pool) = pool.try_borrow_mut() else {
                return;
            };
            if pool.runtime != Some(runtime) {
                // The thread now runs another runtime: the old one's timers go.
                pool.timers.clear();
                pool.runtime = Some(runtime);
            }
            if pool.timers.len() < MAX_POOLED_PER_THREAD {
                pool.timers.push(sleep);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    fn pooled() -> usize {
        POOL.with(|p| p.borrow().timers.len())
    }

    #[tokio::test(start_paused = true)]
    async fn fires_at_the_deadline_and_reused_timers_fire_at_their_new_one() {
        let start = Instant::now();
        let r = timeout(Some(Duration::from_secs(2)), std::future::pending::<()>()).await;
        assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert_eq!(pooled(), 1, "the fired timer went back to the pool");

        // Reused, later deadline.
        let start = Instant::now();
        let r = timeout(Some(Duration::from_secs(5)), std::future::pending::<()>()).await;
        assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(pooled(), 1, "one timer served both");

        // A completed future returns its (still registered) timer; the next deadline is earlier.
        pool_a_timer_still_set(Duration::from_secs(30)).await;
        let start = Instant::now();
        let r = timeout(Some(Duration::from_secs(1)), std::future::pending::<()>()).await;
        assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_ready_future_wins_even_after_the_deadline() {
        let r = timeout(Some(Duration::ZERO), async { 1 }).await;
        assert_eq!(r, Ok(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_error_gives_the_limit_and_no_limit_never_fires() {
        let r = timeout(
            Some(Duration::from_millis(1500)),
            std::future::pending::<()>(),
        )
        .await;
        assert_eq!(r, Err(Elapsed(Duration::from_millis(1500))));
        let r = timeout(None, async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            2
        })
        .await;
        assert_eq!(r, Ok(2));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_deadlines_each_fire_on_time() {
        let start = Instant::now();
        let tasks: Vec<_> = (1..=20u64)
            .map(|i| {
                tokio::spawn(async move {
                    let t = Instant::now();
                    let r =
                        timeout(Some(Duration::from_secs(i)), std::future::pending::<()>()).await;
                    (r, t.elapsed())
                })
            })
            .collect();
        for (i, t) in (1..=20u64).zip(tasks) {
            let (r, took) = t.await.unwrap();
            assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
            assert_eq!(took, Duration::from_secs(i));
        }
        assert_eq!(start.elapsed(), Duration::from_secs(20));
    }

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pooled_timer_keeps_no_waker() {
        let counting = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counting));
        {
            let mut t = Box::pin(timeout(
                Some(Duration::from_secs(1)),
                std::future::pending::<()>(),
            ));
            let mut cx = Context::from_waker(&waker);
            assert!(t.as_mut().poll(&mut cx).is_pending());
            assert!(
                Arc::strong_count(&counting) > 2,
                "the timer holds the waker"
            );
        }
        assert_eq!(pooled(), 1);
        assert_eq!(
            Arc::strong_count(&counting),
            2,
            "the pooled timer let go of it"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(counting.0.load(Ordering::SeqCst), 0, "no stale wake-up");
    }

    /// A call under `limit` whose future completes first (after 10 ms): its timer goes back
    /// to the pool still set to `limit` from the start.
    async fn pool_a_timer_still_set(limit: Duration) {
        let r = timeout(Some(limit), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            7
        })
        .await;
        assert_eq!(r, Ok(7));
        assert_eq!(pooled(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_that_fired_idle_in_the_pool_is_armed_again() {
        // Its future completed first, so the timer went back still set to 1 s from then.
        pool_a_timer_still_set(Duration::from_secs(1)).await;
        // It fires in the pool, with no task waiting.
        tokio::time::sleep(Duration::from_secs(5)).await;
        // Reused: it must wake this task at its new deadline (a timer that kept no waker would
        // leave the call pending; the outer guard turns that into a failure, not a hang).
        let start = Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(60),
            timeout(Some(Duration::from_secs(2)), std::future::pending::<()>()),
        )
        .await
        .expect("the reused timer fired");
        assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert_eq!(pooled(), 1, "one timer served both");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reused_timer_still_set_to_an_earlier_deadline_fires_at_the_new_one() {
        // Its future completed first: the timer goes back still set to 2 s from then.
        pool_a_timer_still_set(Duration::from_secs(2)).await;
        // Reused with a later deadline: the old one passes first, and must not end the wait.
        let start = Instant::now();
        let r = timeout(Some(Duration::from_secs(5)), std::future::pending::<()>()).await;
        assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(pooled(), 1, "one timer served both");
    }

    /// In a new (paused) runtime, dropped afterwards: a 3 s deadline fires at 3 s.
    fn times_out_on_time_in_a_new_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let start = Instant::now();
            let r = timeout(Some(Duration::from_secs(3)), std::future::pending::<()>()).await;
            assert!(matches!(r, Err(Elapsed(_))), "{r:?}");
            assert_eq!(start.elapsed(), Duration::from_secs(3));
        });
    }

    #[test]
    fn a_timeout_dropped_after_its_runtime_is_gone_is_harmless() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let mut pending = Box::pin(timeout(
            Some(Duration::from_secs(30)),
            std::future::pending::<()>(),
        ));
        rt.block_on(async {
            let waker = Waker::noop();
            let mut cx = Context::from_waker(waker);
            assert!(
                pending.as_mut().poll(&mut cx).is_pending(),
                "the timer is taken"
            );
        });
        drop(rt);
        // Outside any runtime, with the timer's runtime shut down.
        drop(pending);
        // The next runtime does not use that timer.
        times_out_on_time_in_a_new_runtime();
        assert_eq!(pooled(), 1, "only the new runtime's timer is pooled");
    }

    #[test]
    fn timers_of_a_finished_runtime_are_not_used_by_the_next() {
        for _ in 0..3 {
            times_out_on_time_in_a_new_runtime();
        }
        // Each runtime's timer replaced the previous runtime's in the pool.
        assert_eq!(pooled(), 1);
    }
}
