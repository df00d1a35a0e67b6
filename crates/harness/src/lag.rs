//! The test bed's own lateness: how long work waited to run in this process (on the runner
//! thread that times a device's replies, on the runtime that hosts the embedded reference
//! devices), so that a verdict resting on time can tell a late device from a saturated
//! machine.
//!
//! A runtime whose timing matters is watched ([`watch_this_thread`] on a runner thread's own
//! runtime, [`watch_hosted_devices`] on the one the embedded devices run on). One monitor
//! thread hands each watched runtime a small task every tick and records how long the task
//! waited before it ran: the time any other task woken then waits, behind everything
//! already queued (a probe that sleeps and times its own wake-up would jump that queue and
//! see little). Each runtime keeps the worst wait of every 250 ms slot for five minutes.
//! A step asks what the test bed went through while it was timing ([`since`]: its own
//! thread's record and the hosted devices', never another runner thread's), and uses it two
//! ways:
//! - a grace period or a deadline is counted in the test bed's own time ([`settle`],
//!   [`Deadline`]): the device gets the time it was promised, however late this process
//!   ran;
//! - a measured miss that the test bed's lateness could explain alone ([`Lag::explains`])
//!   is the test bed's (`error`, saying how late it ran and what to do), not the device's.
//!
//! Where nothing is watched (a library user that watches no runtime), the lateness reads
//! as zero and nothing changes.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::Finding;

/// How often each watched runtime is handed a task to time.
const TICK: Duration = Duration::from_millis(100);
/// The resolution of a record.
const SLOT: Duration = Duration::from_millis(250);
/// Five minutes of slots: longer than any step times anything.
const SLOTS: usize = 1200;
/// The longest a grace period or a deadline is stretched, as a multiple of itself.
const STRETCH_LIMIT: u32 = 10;

/// The instant slot numbers count from, the same for every record.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn slot_of(at: Instant) -> u64 {
    let elapsed = at.saturating_duration_since(origin());
    u64::try_from(elapsed.as_millis() / SLOT.as_millis()).unwrap_or(u64::MAX >> 33)
}

/// Where a slot ends.
fn end_of(slot: u64) -> Instant {
    origin() + SLOT * u32::try_from(slot + 1).unwrap_or(u32::MAX)
}

#[derive(Debug)]
/// One runtime's worst wait of each slot, packed as `(slot number + 1) << 32 | milliseconds`,
/// so that a slot written five minutes ago reads as empty.
struct Record {
    slots: Box<[AtomicU64]>,
}

impl Record {
    fn new() -> Record {
        Record {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn cell(&self, slot: u64) -> &AtomicU64 {
        &self.slots[usize::try_from(slot % SLOTS as u64).unwrap_or(0)]
    }

    fn note(&self, at: Instant, wait: Duration) {
        let slot = slot_of(at);
        let millis = u64::try_from(wait.as_millis())
            .unwrap_or(u64::MAX)
            .min(u64::from(u32::MAX));
        let packed = ((slot + 1) << 32) | millis;
        let _ = self
            .cell(slot)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
                let same_slot = current >> 32 == slot + 1;
                (!same_slot || current & u64::from(u32::MAX) < millis).then_some(packed)
            });
    }

    /// The slot's worst wait, if a task was timed in it.
    fn read(&self, slot: u64) -> Option<Duration> {
        let packed = self.cell(slot).load(Ordering::Relaxed);
        (packed >> 32 == slot + 1).then(|| Duration::from_millis(packed & u64::from(u32::MAX)))
    }
}

/// The runtimes watched, each with its record; the monitor thread serves them.
struct Monitor {
    watched: Mutex<Vec<(Weak<Record>, tokio::runtime::Handle)>>,
}

fn monitor() -> &'static Monitor {
    static MONITOR: OnceLock<Monitor> = OnceLock::new();
    static STARTED: OnceLock<()> = OnceLock::new();
    let monitor = MONITOR.get_or_init(|| Monitor {
        watched: Mutex::new(Vec::new()),
    });
    STARTED.get_or_init(|| {
        // Without a thread for the monitor nothing is measured: lateness reads as zero.
        let _ = std::thread::Builder::new()
            .name("rfc3535-lag".to_owned())
            .spawn(|| loop {
                std::thread::sleep(TICK);
                hand_out_tasks();
            });
    });
    monitor
}

/// Hands every watched runtime a task that records how long it waited to run.
fn hand_out_tasks() {
    let mut watched = monitor()
        .watched
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    watched.retain(|(record, runtime)| {
        let Some(record) = record.upgrade() else {
            return false;
        };
        let handed = Instant::now();
        drop(runtime.spawn(async move {
            let ran = Instant::now();
            record.note(ran, ran.saturating_duration_since(handed));
        }));
        true
    });
}

fn hosted() -> &'static Arc<Record> {
    static HOSTED: OnceLock<Arc<Record>> = OnceLock::new();
    HOSTED.get_or_init(|| Arc::new(Record::new()))
}

thread_local! {
    static OWN: RefCell<Option<Arc<Record>>> = const { RefCell::new(None) };
}

/// While held, the runtime it was taken on is watched.
#[must_use = "the runtime is watched only while this is held"]
#[derive(Debug)]
pub struct Watched {
    _record: Arc<Record>,
}

fn watch(record: Arc<Record>) -> Option<Watched> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    monitor()
        .watched
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((Arc::downgrade(&record), runtime));
    Some(Watched { _record: record })
}

/// Watches the current thread's own runtime (a runner thread's current-thread runtime, which
/// every device run on that thread shares): the steps that run on this thread see its
/// lateness. `None` outside a runtime.
pub fn watch_this_thread() -> Option<Watched> {
    let record = Arc::new(Record::new());
    OWN.with(|own| *own.borrow_mut() = Some(Arc::clone(&record)));
    watch(record)
}

/// Watches the current runtime as the one the run's engine and the embedded reference
/// devices run on: every step sees its lateness, since every step may time one of those
/// devices.
pub fn watch_hosted_devices() -> Option<Watched> {
    watch(Arc::clone(hosted()))
}

/// How late the test bed ran over a stretch of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lag {
    /// The longest any task waited to run.
    pub worst: Duration,
    /// The third quartile of the slots' worst waits: how long tasks waited for a good part
    /// of the time.
    pub typical: Duration,
    /// How long, all told, some task was waiting: about how long the test bed stood still.
    pub total: Duration,
}

impl Lag {
    /// Whether this lateness could alone account for a measurement that went `miss` beyond
    /// what its check allows, the measurement resting on a median (held against `typical`)
    /// or on single events (against `worst`): a lateness of half the miss or more, since a
    /// late reader and a late publisher add up.
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
    /// A median over many intervals: a single stall does not move it, a stretch of them
    /// does (held against `typical`).
    Median,
    /// One gap, one delay, one deadline: a single stall can.
    Worst,
}

/// How late the test bed ran from `start` until now, as this thread's runtime and the
/// hosted devices' saw it.
pub fn since(start: Instant) -> Lag {
    let own = OWN.with(|own| own.borrow().clone());
    let records: Vec<&Record> = own.as_deref().into_iter().chain([&**hosted()]).collect();
    let now = slot_of(Instant::now());
    let first = slot_of(start).max(now.saturating_sub(SLOTS as u64 - 1));
    let waits: Vec<(u64, Duration)> = (first..=now)
        .filter_map(|slot| Some((slot, records.iter().filter_map(|r| r.read(slot)).max()?)))
        .collect();
    lag_of(start, &waits)
}

/// The lateness that the worst waits of slots (in order) show since `start`: the time
/// standing still is the union of the waits, each taken to end where its slot ends.
fn lag_of(start: Instant, waits: &[(u64, Duration)]) -> Lag {
    if waits.is_empty() {
        return Lag::default();
    }
    let mut total = Duration::ZERO;
    let mut covered_until = start;
    for (slot, wait) in waits {
        let end = end_of(*slot);
        let from = end.checked_sub(*wait).unwrap_or(end).max(covered_until);
        total += end.saturating_duration_since(from);
        covered_until = covered_until.max(end);
    }
    let mut sorted: Vec<Duration> = waits.iter().map(|(_, wait)| *wait).collect();
    sorted.sort_unstable();
    Lag {
        worst: sorted[sorted.len() - 1],
        typical: sorted[sorted.len() * 3 / 4],
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

/// A timing failure, unless the test bed's lateness since `start` explains the measurement
/// going `miss` beyond what the check allows: then the verdict is the test bed's, with the
/// device's apparent failure kept in the message.
pub fn attribute(finding: Finding, start: Instant, miss: Duration, measure: Measure) -> Finding {
    let Finding::Fail(message) = &finding else {
        return finding;
    };
    let lag = since(start);
    if !lag.explains(miss, measure) {
        return finding;
    }
    Finding::error(format!(
        "the test bed itself ran late while this was timed (its work waited up to {} ms to run, {} ms or more a quarter of the time), enough to explain missing the bound by {} ms, so this says nothing about the device; run fewer devices at once (--concurrency) or on more cores. What was measured: {message}",
        lag.worst.as_millis(),
        lag.typical.as_millis(),
        miss.as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_keeps_its_worst_wait_and_an_old_slot_reads_as_empty() {
        let record = Record::new();
        let at = origin() + Duration::from_millis(600);
        record.note(at, Duration::from_millis(30));
        record.note(at, Duration::from_millis(10));
        assert_eq!(
            record.read(2),
            Some(Duration::from_millis(30)),
            "the worst stays"
        );
        assert_eq!(record.read(3), None);
        // Five minutes later the same cell belongs to another slot.
        let later = at + SLOT * SLOTS as u32;
        assert_eq!(record.read(2 + SLOTS as u64), None);
        record.note(later, Duration::from_millis(5));
        assert_eq!(
            record.read(2 + SLOTS as u64),
            Some(Duration::from_millis(5))
        );
        assert_eq!(record.read(2), None);
    }

    #[test]
    fn the_time_stood_still_counts_overlapping_waits_once() {
        let start = origin();
        let ms = Duration::from_millis;
        // A stall that ended in slot 8 (at 2,250 ms) after 2 s, seen again by the task that
        // ran in slot 9 (at 2,500 ms) after 1.7 s: still 250 ms more of standing still, not
        // 1.7 s more.
        let lag = lag_of(start, &[(8, ms(2000)), (9, ms(1700)), (10, ms(3))]);
        assert_eq!(lag.total, ms(2000) + ms(250) + ms(3));
        assert_eq!(lag.worst, ms(2000));
        assert_eq!(lag.typical, ms(2000), "the third quartile of three");
        assert_eq!(lag_of(start, &[]), Lag::default());
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
    async fn a_watched_runtime_that_is_blocked_shows_how_long_its_tasks_waited() {
        let start = Instant::now();
        let watched = watch_this_thread().expect("in a runtime");
        tokio::time::sleep(TICK * 2).await;
        // Block the runtime's only thread: the task handed to it meanwhile cannot run.
        std::thread::sleep(Duration::from_millis(600));
        tokio::time::sleep(TICK * 3).await;
        let lag = since(start);
        drop(watched);
        assert!(
            lag.worst >= Duration::from_millis(400),
            "a 600 ms block shows: {lag:?}"
        );
        assert!(lag.total >= Duration::from_millis(400), "{lag:?}");
        assert!(lag.explains(Duration::from_millis(800), Measure::Worst));
        assert!(
            !lag.explains(Duration::from_secs(3), Measure::Worst),
            "but not a miss of seconds"
        );
        let failure = attribute(
            Finding::fail("updates 700 ms late"),
            start,
            Duration::from_millis(700),
            Measure::Worst,
        );
        assert!(
            matches!(&failure, Finding::Error(m) if m.contains("test bed") && m.contains("updates 700 ms late")),
            "{failure:?}"
        );
    }
}
