//! Loss accounting for numbered messages: UDP-notif message ids per publisher id
//! (draft-ietf-netconf-udp-notif-26 §3.2) and the sequence numbers of the notification envelope
//! (draft-ietf-netconf-notif-envelope). Both are 32-bit counters a publisher increments by one
//! per message and that wrap; a receiver that sees every value once, in order, lost nothing.
//!
//! [`SequenceTracker`] takes the values as they arrive and counts what was received, what is
//! missing, what came late (a gap filled out of order, which UDP allows) and what came twice.
//! No I/O and bounded memory: at most [`SequenceTracker::TRACKED_GAPS`] missing values are
//! remembered one by one; beyond that they are only counted, so a publisher whose counter jumps
//! by billions costs a number, not gigabytes.

use std::collections::BTreeSet;

/// What one value told about the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The first value seen: the count starts here.
    First,
    /// The next value expected.
    InOrder,
    /// Ahead of the next value expected: `skipped` values between are missing, for now.
    Gap { expected: u32, skipped: u64 },
    /// A value missing until now arrived out of order.
    Late,
    /// A value already received.
    Duplicate,
    /// A value far behind the counter (further than [`SequenceTracker::TRACKED_GAPS`]): the
    /// publisher started counting again, as after a restart. The count goes on from it.
    Restart { expected: u32 },
}

/// The account of a stream so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loss {
    /// Distinct values received.
    pub received: u64,
    /// Values skipped and not received since.
    pub missing: u64,
    /// Values received out of order, filling a gap.
    pub late: u64,
    /// Values received more than once.
    pub duplicates: u64,
    /// Times the stream jumped ahead.
    pub gaps: u64,
    /// Times the counter started again from far behind.
    pub restarts: u64,
}

impl Loss {
    /// The share of the expected values that never came, from 0 to 1.
    pub fn ratio(&self) -> f64 {
        let expected = self.received + self.missing;
        if expected == 0 {
            0.0
        } else {
            self.missing as f64 / expected as f64
        }
    }

    /// True when every value came exactly once, in order.
    pub fn is_clean(&self) -> bool {
        self.missing == 0
            && self.late == 0
            && self.duplicates == 0
            && self.gaps == 0
            && self.restarts == 0
    }
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} received, {} missing ({:.2} %), {} late, {} duplicate, {} gap(s), {} restart(s)",
            self.received,
            self.missing,
            self.ratio() * 100.0,
            self.late,
            self.duplicates,
            self.gaps,
            self.restarts
        )
    }
}

/// Follows one 32-bit counter.
#[derive(Clone, Debug, Default)]
pub struct SequenceTracker {
    next: Option<u32>,
    loss: Loss,
    /// Missing values remembered one by one, so a late one can be told from a duplicate.
    missing: BTreeSet<u32>,
    /// Missing values only counted, past the bound on `missing`; they can no longer arrive late.
    forgotten: u64,
}

impl SequenceTracker {
    /// Missing values remembered individually.
    pub const TRACKED_GAPS: usize = 65_536;

    pub fn new() -> SequenceTracker {
        SequenceTracker::default()
    }

    /// Takes the next value received.
    pub fn observe(&mut self, value: u32) -> Arrival {
        let Some(next) = self.next else {
            self.next = Some(value.wrapping_add(1));
            self.loss.received = 1;
            return Arrival::First;
        };
        let ahead = value.wrapping_sub(next);
        if ahead == 0 {
            self.next = Some(value.wrapping_add(1));
            self.loss.received += 1;
            return Arrival::InOrder;
        }
        // Less than half the counter ahead is a jump forward; more is a value from behind
        // (serial number arithmetic, as RFC 1982 does it for the same reason).
        if ahead < 1 << 31 {
            let skipped = u64::from(ahead);
            for offset in 0..ahead {
                if self.missing.len() >= Self::TRACKED_GAPS {
                    self.forgotten += skipped - u64::from(offset);
                    break;
                }
                self.missing.insert(next.wrapping_add(offset));
            }
            self.next = Some(value.wrapping_add(1));
            self.loss.received += 1;
            self.loss.missing += skipped;
            self.loss.gaps += 1;
            return Arrival::Gap {
                expected: next,
                skipped,
            };
        }
        if self.missing.remove(&value) {
            self.loss.received += 1;
            self.loss.missing -= 1;
            self.loss.late += 1;
            Arrival::Late
        } else if next.wrapping_sub(value) > Self::TRACKED_GAPS as u32 {
            self.next = Some(value.wrapping_add(1));
            self.loss.received += 1;
            self.loss.restarts += 1;
            Arrival::Restart { expected: next }
        } else {
            self.loss.duplicates += 1;
            Arrival::Duplicate
        }
    }

    /// The account so far.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// The first missing values, in counter order from the oldest remembered (at most `limit`).
    pub fn missing(&self, limit: usize) -> Vec<u32> {
        self.missing.iter().take(limit).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(values: &[u32]) -> (SequenceTracker, Vec<Arrival>) {
        let mut tracker = SequenceTracker::new();
        let arrivals = values.iter().map(|value| tracker.observe(*value)).collect();
        (tracker, arrivals)
    }

    #[test]
    fn contiguous_values_are_clean() {
        let (tracker, arrivals) = feed(&[7, 8, 9, 10]);
        assert_eq!(arrivals[0], Arrival::First);
        assert!(arrivals[1..]
            .iter()
            .all(|arrival| *arrival == Arrival::InOrder));
        assert_eq!(tracker.loss().received, 4);
        assert!(tracker.loss().is_clean());
        assert_eq!(tracker.loss().ratio(), 0.0);
    }

    #[test]
    fn a_gap_is_missing_until_its_values_come_late() {
        let (mut tracker, arrivals) = feed(&[1, 2, 5, 6]);
        assert_eq!(
            arrivals[2],
            Arrival::Gap {
                expected: 3,
                skipped: 2
            }
        );
        assert_eq!(tracker.missing(10), vec![3, 4]);
        assert_eq!(tracker.loss().missing, 2);
        assert_eq!(tracker.observe(4), Arrival::Late);
        let loss = tracker.loss();
        assert_eq!(
            (loss.received, loss.missing, loss.late, loss.gaps),
            (5, 1, 1, 1)
        );
        assert_eq!(tracker.missing(10), vec![3]);
        assert!((loss.ratio() - 1.0 / 6.0).abs() < 1e-9);
    }

    #[test]
    fn a_value_seen_twice_is_a_duplicate_not_a_gap() {
        let (tracker, arrivals) = feed(&[1, 2, 2, 3, 1]);
        assert_eq!(arrivals[2], Arrival::Duplicate);
        assert_eq!(arrivals[4], Arrival::Duplicate);
        let loss = tracker.loss();
        assert_eq!((loss.received, loss.duplicates, loss.missing), (3, 2, 0));
        assert!(!loss.is_clean());
    }

    #[test]
    fn a_counter_that_starts_again_is_a_restart_and_is_followed() {
        let (tracker, arrivals) = feed(&[500_000, 500_001, 0, 1, 2]);
        assert_eq!(arrivals[2], Arrival::Restart { expected: 500_002 });
        assert_eq!(&arrivals[3..], &[Arrival::InOrder, Arrival::InOrder]);
        let loss = tracker.loss();
        assert_eq!((loss.received, loss.restarts, loss.duplicates), (5, 1, 0));
        assert!(!loss.is_clean());
    }

    #[test]
    fn the_counter_wraps_without_a_gap() {
        let (tracker, _) = feed(&[u32::MAX - 1, u32::MAX, 0, 1]);
        assert!(tracker.loss().is_clean());
        assert_eq!(tracker.loss().received, 4);
    }

    #[test]
    fn a_huge_jump_is_counted_in_bounded_memory() {
        let (mut tracker, arrivals) = feed(&[0, 1_000_000_000]);
        assert_eq!(
            arrivals[1],
            Arrival::Gap {
                expected: 1,
                skipped: 999_999_999
            }
        );
        assert_eq!(tracker.loss().missing, 999_999_999);
        assert_eq!(tracker.missing.len(), SequenceTracker::TRACKED_GAPS);
        assert_eq!(
            tracker.forgotten,
            999_999_999 - SequenceTracker::TRACKED_GAPS as u64
        );
        // A remembered value can still come late; the stream goes on from the jump.
        assert_eq!(tracker.observe(1), Arrival::Late);
        assert_eq!(tracker.observe(1_000_000_001), Arrival::InOrder);
        assert!(tracker.loss().to_string().contains("999999998 missing"));
    }
}
