//! Judging YANG-Push delivery (RFC 8641) by time: how far the intervals between a periodic
//! subscription's updates stray from its period, how far its updates stray from the grid
//! its anchor time lays down, and how close together an on-change subscription's updates
//! come. Pure functions over instants the client recorded on arrival and times the device
//! wrote; the steps decide what is too far, from the period itself (generous bounds, so a
//! loaded machine does not fail a device).

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

#[cfg(test)]
mod tests {
    use super::*;

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
