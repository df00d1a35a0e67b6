//! The test bed's own lateness: how far behind its schedule this process ran (the runner
//! threads that time a device's replies, the runtime that hosts the embedded reference
//! devices), so that a verdict resting on time can tell a late device from a saturated
//! machine.
//!
//! Probes ([`probe`]) are tasks on the runtimes whose timing matters. Each sleeps a short
//! tick and records how much later than asked it woke, into one process-wide record that
//! keeps the worst lateness of every 100 ms slot for ten minutes. A step asks what the test
//! bed went through while it was timing ([`since`]) and uses it two ways:
//! - a grace period or a deadline is counted in the test bed's own time ([`settle`],
//!   [`Lag::extend`]): the device gets the time it was promised, however late this process
//!   ran;
//! - a measured miss that the test bed's lateness could explain alone ([`Lag::explains`])
//!   is the test bed's (`error`, saying how late it ran and what to do), not the device's.
//!
//! With no probe running (a library user that starts none), the lateness reads as zero and
//! nothing changes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::Finding;

/// How often a probe looks at the clock.
const TICK: Duration = Duration::from_millis(20);
/// The resolution of the record.
const SLOT: Duration = Duration::from_millis(100);
/// Ten minutes of slots: longer than any step times anything.
const SLOTS: usize = 6000;
/// The longest a grace period or a deadline is stretched, as a multiple of itself.
const STRETCH_LIMIT: u32 = 10;

/// The worst lateness of each slot, packed as `(slot number + 1) << 32 | milliseconds`, so
/// that a slot written ten minutes ago reads as empty.
struct Record {
    origin: Instant,
    slots: Box<[AtomicU64]>,
}

fn record() -> &'static Record {
    static RECORD: OnceLock<Record> = OnceLock::new();
    RECORD.get_or_init(|| Record {
        origin: Instant::now(),
        slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
    })
}

impl Record {
    fn slot_of(&self, at: Instant) -> u64 {
        let elapsed = at.saturating_duration_since(self.origin);
        u64::try_from(elapsed.as_millis() / SLOT.as_millis()).unwrap_or(u64::MAX >> 33)
    }

    fn note(&self, at: Instant, lateness: Duration) {
        let slot = self.slot_of(at);
        let millis = u64::try_from(lateness.as_millis())
            .unwrap_or(u64::MAX)
            .min(u64::from(u32::MAX));
        let packed = ((slot + 1) << 32) | millis;
        let cell = &self.slots[usize::try_from(slot).unwrap_or(0) % SLOTS];
        let _ = cell.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
            let same_slot = current >> 32 == slot + 1;
            (!same_slot || current & u64::from(u32::MAX) < millis).then_some(packed)
        });
    }

    /// The worst lateness of each slot from `start` to now that a probe wrote.
    fn slots_since(&self, start: Instant) -> Vec<Duration> {
        let now = self.slot_of(Instant::now());
        let first = self
            .slot_of(start)
            .max(now.saturating_sub(SLOTS as u64 - 1));
        (first..=now)
            .filter_map(|slot| {
                let packed =
                    self.slots[usize::try_from(slot).unwrap_or(0) % SLOTS].load(Ordering::Relaxed);
                (packed >> 32 == slot + 1)
                    .then(|| Duration::from_millis(packed & u64::from(u32::MAX)))
            })
            .collect()
    }
}

/// Records the test bed's lateness on the current tokio runtime until the task is dropped
/// or its runtime ends. Start one on every runtime whose timing a verdict rests on.
pub async fn probe() {
    let record = record();
    loop {
        let asked = Instant::now();
        tokio::time::sleep(TICK).await;
        let woke = Instant::now();
        record.note(
            woke,
            woke.saturating_duration_since(asked).saturating_sub(TICK),
        );
    }
}

/// How late the test bed ran over a stretch of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lag {
    /// The latest any probe woke.
    pub worst: Duration,
    /// The median of the slots' worst lateness: how late the test bed typically ran.
    pub typical: Duration,
    /// The slots' worst lateness added up: about how long the test bed stood still.
    pub total: Duration,
}

impl Lag {
    /// Whether this lateness could alone account for a miss of `miss` in a measurement that
    /// rests on a median (`typical`) or on single events (`worst`): half of the miss or more.
    pub fn explains(&self, miss: Duration, measure: Measure) -> bool {
        let lag = match measure {
            Measure::Median => self.typical,
            Measure::Worst => self.worst,
        };
        !lag.is_zero() && lag * 2 >= miss
    }

    /// A deadline set at `start` for `allowed`, pushed back by the time the test bed stood
    /// still since, up to ten times `allowed`.
    pub fn extend(&self, start: Instant, allowed: Duration) -> Instant {
        start + allowed + self.total.min(allowed * (STRETCH_LIMIT - 1))
    }
}

/// Which of a measurement's figures a lateness is held against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A median over many intervals: a single stall does not move it.
    Median,
    /// One gap, one delay, one deadline: a single stall can.
    Worst,
}

/// How late the test bed ran from `start` until now.
pub fn since(start: Instant) -> Lag {
    let mut slots = record().slots_since(start);
    if slots.is_empty() {
        return Lag::default();
    }
    let total = slots.iter().sum();
    slots.sort_unstable();
    Lag {
        worst: slots[slots.len() - 1],
        typical: slots[slots.len() / 2],
        total,
    }
}

/// A deadline counted in the test bed's own time: it moves back by as long as the test bed
/// stood still since it was set (up to ten times what it allowed).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    allowed: Duration,
}

impl Deadline {
    /// `allowed` from now.
    pub fn after(allowed: Duration) -> Deadline {
        Deadline {
            start: Instant::now(),
            allowed,
        }
    }

    /// At `instant`, as the clock reads now.
    pub fn at(instant: Instant) -> Deadline {
        let start = Instant::now();
        Deadline {
            start,
            allowed: instant.saturating_duration_since(start),
        }
    }

    /// The instant it falls on, as far as the test bed's lateness so far moved it.
    pub fn instant(&self) -> Instant {
        since(self.start).extend(self.start, self.allowed)
    }

    /// Runs `future` until it ends or the deadline passes (`None`).
    pub async fn run<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        loop {
            let deadline = self.instant();
            match tokio::time::timeout_at(deadline.into(), &mut future).await {
                Ok(output) => return Some(output),
                // The test bed stood still while it waited: the deadline moved.
                Err(_) if self.instant() > deadline => continue,
                Err(_) => return None,
            }
        }
    }
}

/// Waits `grace` of the test bed's own time: `grace`, and then as long again as the test bed
/// stood still meanwhile, up to ten times `grace` in all.
pub async fn settle(grace: Duration) {
    Deadline::after(grace)
        .run(std::future::pending::<()>())
        .await;
}

/// A timing failure, unless the test bed's lateness since `start` explains a miss of `miss`:
/// then the verdict is the test bed's, with the device's apparent failure kept in the message.
pub fn attribute(finding: Finding, start: Instant, miss: Duration, measure: Measure) -> Finding {
    let Finding::Fail(message) = &finding else {
        return finding;
    };
    let lag = since(start);
    if !lag.explains(miss, measure) {
        return finding;
    }
    Finding::error(format!(
        "the test bed itself ran late while this was timed (worst {} ms, typically {} ms behind), enough to explain a miss of {} ms, so this says nothing about the device; run fewer devices at once (--concurrency) or on more cores. What was measured: {message}",
        lag.worst.as_millis(),
        lag.typical.as_millis(),
        miss.as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_keeps_its_worst_lateness_and_an_old_slot_reads_as_empty() {
        let record = Record {
            origin: Instant::now(),
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        };
        let at = record.origin + Duration::from_millis(250);
        record.note(at, Duration::from_millis(30));
        record.note(at, Duration::from_millis(10));
        let cell = |slot: usize| record.slots[slot].load(Ordering::Relaxed);
        assert_eq!(cell(2) & u64::from(u32::MAX), 30, "the worst stays");
        // Ten minutes later the same cell belongs to another slot: the old value is replaced.
        let later = at + SLOT * SLOTS as u32;
        record.note(later, Duration::from_millis(5));
        assert_eq!(cell(2) & u64::from(u32::MAX), 5);
        assert_eq!(cell(2) >> 32, 2 + SLOTS as u64 + 1);
    }

    #[test]
    fn a_lateness_explains_a_miss_of_up_to_twice_itself_and_zero_explains_nothing() {
        let lag = Lag {
            worst: Duration::from_millis(400),
            typical: Duration::from_millis(20),
            total: Duration::from_millis(900),
        };
        assert!(lag.explains(Duration::from_millis(800), Measure::Worst));
        assert!(!lag.explains(Duration::from_millis(801), Measure::Worst));
        assert!(!lag.explains(Duration::from_millis(250), Measure::Median));
        assert!(lag.explains(Duration::from_millis(40), Measure::Median));
        assert!(!Lag::default().explains(Duration::ZERO, Measure::Worst));
    }

    #[test]
    fn a_deadline_moves_by_the_time_stood_still_and_no_more_than_ten_times_over() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let stalled = Lag {
            total: Duration::from_millis(300),
            ..Lag::default()
        };
        assert_eq!(
            stalled.extend(start, second),
            start + Duration::from_millis(1300)
        );
        let frozen = Lag {
            total: Duration::from_secs(60),
            ..Lag::default()
        };
        assert_eq!(frozen.extend(start, second), start + second * 10);
    }

    #[test]
    fn only_a_failure_becomes_the_test_beds_and_only_when_the_lateness_explains_it() {
        // Nothing recorded since a moment in the future: no lateness, the failure stands.
        let later = Instant::now() + Duration::from_secs(3600);
        let failure = attribute(
            Finding::fail("late"),
            later,
            Duration::from_millis(1),
            Measure::Worst,
        );
        assert_eq!(failure, Finding::fail("late"));
        let skip = attribute(
            Finding::skip("n/a"),
            Instant::now(),
            Duration::ZERO,
            Measure::Worst,
        );
        assert_eq!(skip, Finding::skip("n/a"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_probe_on_a_blocked_runtime_records_how_long_it_was_blocked() {
        let start = Instant::now();
        let probe = tokio::spawn(probe());
        tokio::task::yield_now().await;
        // Block the runtime's only thread: the probe cannot wake on time.
        std::thread::sleep(Duration::from_millis(300));
        tokio::time::sleep(TICK * 3).await;
        probe.abort();
        let lag = since(start);
        assert!(
            lag.worst >= Duration::from_millis(250),
            "a 300 ms block shows: {lag:?}"
        );
        assert!(lag.explains(Duration::from_millis(500), Measure::Worst));
        assert!(
            !lag.explains(Duration::from_secs(2), Measure::Worst),
            "but not a miss of seconds"
        );
    }
}
