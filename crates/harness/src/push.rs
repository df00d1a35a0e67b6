//! Judging YANG-Push delivery (RFC 8641) by time: how far the intervals between a periodic
//! subscription's updates stray from its period, how far its updates stray from the grid
//! its anchor time lays down, and how close together an on-change subscription's updates
//! come, and whether a periodic subscription lost updates without saying so (suspension,
//! RFC 8639 §2.7). Pure functions over instants the client recorded on arrival and times the
//! device wrote; the steps decide what is too far, from the period itself (generous bounds,
//! so a loaded machine does not fail a device).

use std::time::{Duration, Instant, SystemTime};

/// How the intervals between consecutive updates compare with the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Cadence {
    /// Each interval, in milliseconds.
    pub intervals_ms: Vec<f64>,
    /// The median and 99th percentile of |interval - period|, in milliseconds.
    pub error_p50_ms: f64,
    pub error_p99_ms: f64,
    /// The median interval, in milliseconds.
    pub interval_p50_ms: f64,
}

/// The cadence of updates that arrived at `arrivals` (in order) for a subscription of
/// `period`; `None` with fewer than two arrivals.
pub fn cadence(arrivals: &[Instant], period: Duration) -> Option<Cadence> {
    if arrivals.len() < 2 {
        return None;
    }
    let period_ms = period.as_secs_f64() * 1000.0;
    let intervals_ms: Vec<f64> = arrivals
        .windows(2)
        .map(|pair| pair[1].saturating_duration_since(pair[0]).as_secs_f64() * 1000.0)
        .collect();
    let mut errors: Vec<f64> = intervals_ms.iter().map(|i| (i - period_ms).abs()).collect();
    let mut sorted = intervals_ms.clone();
    Some(Cadence {
        error_p50_ms: percentile(&mut errors, 50.0),
        error_p99_ms: percentile(&mut errors, 99.0),
        interval_p50_ms: percentile(&mut sorted, 50.0),
        intervals_ms,
    })
}

/// The `p`th percentile (nearest rank) of `values`; 0 for none.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// How far each time lies from the nearest point of the grid `anchor + k * period`, in
/// milliseconds (RFC 8641 §3.1: updates of an anchored subscription fall on that grid).
pub fn anchor_errors(times: &[SystemTime], anchor: SystemTime, period: Duration) -> Vec<f64> {
    let period_ms = period.as_secs_f64() * 1000.0;
    if period_ms <= 0.0 {
        return Vec::new();
    }
    times
        .iter()
        .map(|time| {
            let offset_ms = match time.duration_since(anchor) {
                Ok(after) => after.as_secs_f64() * 1000.0,
                Err(before) => -(before.duration().as_secs_f64() * 1000.0),
            };
            let off_grid = offset_ms.rem_euclid(period_ms);
            off_grid.min(period_ms - off_grid)
        })
        .collect()
}

/// The shortest gap between consecutive times, if there are two.
pub fn shortest_gap(times: &[SystemTime]) -> Option<Duration> {
    times
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]).unwrap_or_default())
        .min()
}

/// One notification of a periodic subscription, as the judge of its continuity sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// A `push-update`, at the eventTime the device gave it.
    Update(SystemTime),
    Suspended,
    Resumed,
    /// `subscription-modified`, which also returns a suspended subscription to active.
    Modified,
    Terminated,
}

/// Whether a periodic subscription's updates came every period while it was active, and
/// whether its suspensions were announced and ended as the state change notifications say
/// (ietf-subscribed-notifications: nothing is sent while suspended; `subscription-resumed`
/// follows a suspension).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Continuity {
    pub updates: usize,
    pub suspensions: usize,
    /// Updates due while the subscription was active (from each active stretch's first
    /// update to its last, one a period), and how many of them never came.
    pub due: usize,
    pub missing: usize,
    /// The longest time between two updates of one active stretch.
    pub longest_gap: Duration,
    /// Updates that came while the subscription was suspended.
    pub updates_while_suspended: usize,
    /// `subscription-resumed` for a subscription that was not suspended.
    pub resumed_unsuspended: usize,
    /// The last word was `subscription-suspended`: it was neither resumed nor terminated.
    pub ends_suspended: bool,
}

/// The continuity of a periodic subscription of `period` from its notifications, in the
/// order they came.
pub fn continuity(delivered: &[Delivered], period: Duration) -> Continuity {
    let mut account = Continuity::default();
    let mut suspended = false;
    let mut stretch: Vec<SystemTime> = Vec::new();
    let close = |stretch: &mut Vec<SystemTime>, account: &mut Continuity| {
        if let (Some(first), Some(last)) = (stretch.first(), stretch.last()) {
            let span = last.duration_since(*first).unwrap_or_default();
            let due = if period.is_zero() {
                stretch.len()
            } else {
                (span.as_secs_f64() / period.as_secs_f64()).round() as usize + 1
            };
            account.due += due;
            account.missing += due.saturating_sub(stretch.len());
            for pair in stretch.windows(2) {
                let gap = pair[1].duration_since(pair[0]).unwrap_or_default();
                account.longest_gap = account.longest_gap.max(gap);
            }
        }
        stretch.clear();
    };
    for item in delivered {
        match item {
            Delivered::Update(time) => {
                account.updates += 1;
                if suspended {
                    account.updates_while_suspended += 1;
                } else {
                    stretch.push(*time);
                }
            }
            Delivered::Suspended => {
                account.suspensions += 1;
                close(&mut stretch, &mut account);
                suspended = true;
            }
            Delivered::Resumed | Delivered::Modified => {
                if *item == Delivered::Resumed && !suspended {
                    account.resumed_unsuspended += 1;
                }
                close(&mut stretch, &mut account);
                suspended = false;
            }
            Delivered::Terminated => {
                close(&mut stretch, &mut account);
                suspended = false;
            }
        }
    }
    close(&mut stretch, &mut account);
    account.ends_suspended = suspended;
    account
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updates(from_ms: u64, to_ms: u64, step_ms: u64) -> Vec<Delivered> {
        (from_ms..=to_ms)
            .step_by(usize::try_from(step_ms).expect("step"))
            .map(|ms| Delivered::Update(SystemTime::UNIX_EPOCH + Duration::from_millis(ms)))
            .collect()
    }

    #[test]
    fn a_subscription_that_keeps_every_update_misses_none() {
        let period = Duration::from_millis(100);
        let account = continuity(&updates(0, 2000, 100), period);
        assert_eq!(account.updates, 21);
        assert_eq!((account.due, account.missing), (21, 0));
        assert_eq!(account.longest_gap, period);
        assert!(!account.ends_suspended);
    }

    #[test]
    fn a_silent_gap_is_counted_as_missing_updates() {
        let period = Duration::from_millis(100);
        let mut delivered = updates(0, 1000, 100);
        delivered.extend(updates(4000, 5000, 100));
        let account = continuity(&delivered, period);
        assert_eq!(account.due, 51);
        assert_eq!(account.missing, 29);
        assert_eq!(account.longest_gap, Duration::from_millis(3000));
    }

    #[test]
    fn a_gap_inside_an_announced_suspension_is_not_missing() {
        let period = Duration::from_millis(100);
        let mut delivered = updates(0, 1000, 100);
        delivered.push(Delivered::Suspended);
        delivered.push(Delivered::Resumed);
        delivered.extend(updates(4000, 5000, 100));
        let account = continuity(&delivered, period);
        assert_eq!(
            (account.due, account.missing, account.suspensions),
            (22, 0, 1)
        );
        assert_eq!(account.longest_gap, period);
        assert_eq!(account.updates_while_suspended, 0);
        assert_eq!(account.resumed_unsuspended, 0);
    }

    #[test]
    fn what_breaks_the_state_machine_is_counted() {
        let period = Duration::from_millis(100);
        let mut delivered = vec![Delivered::Resumed];
        delivered.extend(updates(0, 300, 100));
        delivered.push(Delivered::Suspended);
        delivered.extend(updates(400, 500, 100));
        let account = continuity(&delivered, period);
        assert_eq!(account.resumed_unsuspended, 1);
        assert_eq!(account.updates_while_suspended, 2);
        assert!(account.ends_suspended);
        // A modification returns a suspended subscription to active.
        let account = continuity(&[Delivered::Suspended, Delivered::Modified], period);
        assert!(!account.ends_suspended);
    }

    #[test]
    fn a_steady_cadence_has_small_errors_and_a_drifting_one_large() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let period = Duration::from_millis(500);
        let steady = cadence(&[at(0), at(502), at(1001), at(1499), at(2003)], period)
            .expect("four intervals");
        assert!(steady.error_p50_ms <= 3.0, "{steady:?}");
        let drifting = cadence(&[at(0), at(750), at(1500), at(2250)], period).expect("three");
        assert!((drifting.error_p50_ms - 250.0).abs() < 1.0, "{drifting:?}");
        assert!((drifting.interval_p50_ms - 750.0).abs() < 1.0);
        assert!(cadence(&[at(0)], period).is_none());
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let mut values = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&mut values, 50.0), 3.0);
        assert_eq!(percentile(&mut values, 99.0), 5.0);
        assert_eq!(percentile(&mut [], 50.0), 0.0);
    }

    #[test]
    fn anchor_errors_measure_the_distance_to_the_grid_on_either_side() {
        let anchor = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let period = Duration::from_millis(500);
        let times = [
            anchor + Duration::from_millis(1010),
            anchor + Duration::from_millis(1490),
            anchor - Duration::from_millis(240),
        ];
        let errors = anchor_errors(&times, anchor, period);
        assert!((errors[0] - 10.0).abs() < 0.01);
        assert!((errors[1] - 10.0).abs() < 0.01);
        assert!((errors[2] - 240.0).abs() < 0.01);
    }

    #[test]
    fn the_shortest_gap_is_between_the_closest_neighbours() {
        let t = SystemTime::UNIX_EPOCH;
        let times = [
            t,
            t + Duration::from_millis(1000),
            t + Duration::from_millis(1200),
        ];
        assert_eq!(shortest_gap(&times), Some(Duration::from_millis(200)));
        assert_eq!(shortest_gap(&times[..1]), None);
    }
}
