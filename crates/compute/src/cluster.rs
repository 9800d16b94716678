//! The cluster test's raw material: concurrent load over time at one placement.
//!
//! A step function keyed by instant: the load at `t` holds until the next key. Records only
//! ever add load, so the running maxima only grow and can be kept exactly as records arrive,
//! touching only the breakpoints inside the new record's interval.

use std::collections::BTreeMap;

use serde::Serialize;

/// Concurrent load: chips and dense peak sums (ops/s), all of it and the part whose fabric is
/// fast enough for the networking condition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Load {
    pub chips: u64,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub ops_16bit: u128,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub ops_max: u128,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub fast_ops_16bit: u128,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub fast_ops_max: u128,
}

impl Load {
    fn add(&mut self, other: &Load) {
        self.chips = self.chips.saturating_add(other.chips);
        self.ops_16bit = self.ops_16bit.saturating_add(other.ops_16bit);
        self.ops_max = self.ops_max.saturating_add(other.ops_max);
        self.fast_ops_16bit = self.fast_ops_16bit.saturating_add(other.fast_ops_16bit);
        self.fast_ops_max = self.fast_ops_max.saturating_add(other.fast_ops_max);
    }
}

/// The highest value of one load figure and the first instant it was reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeakAt {
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub value: u128,
    pub at: i64,
}

impl PeakAt {
    fn offer(&mut self, value: u128, at: i64) {
        if value > self.value || (value == self.value && value > 0 && at < self.at) {
            *self = Self { value, at };
        }
    }
}

/// Maxima over time of each load figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Peaks {
    pub chips: PeakAt,
    pub ops_16bit: PeakAt,
    pub ops_max: PeakAt,
    pub fast_ops_16bit: PeakAt,
    pub fast_ops_max: PeakAt,
}

impl Peaks {
    fn offer(&mut self, load: &Load, at: i64) {
        self.chips.offer(u128::from(load.chips), at);
        self.ops_16bit.offer(load.ops_16bit, at);
        self.ops_max.offer(load.ops_max, at);
        self.fast_ops_16bit.offer(load.fast_ops_16bit, at);
        self.fast_ops_max.offer(load.fast_ops_max, at);
    }
}

/// Load over time at one placement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadTimeline {
    steps: BTreeMap<i64, Load>,
    peaks: Peaks,
}

impl LoadTimeline {
    fn value_before(&self, t: i64) -> Load {
        self.steps
            .range(..t)
            .next_back()
            .map(|(_, l)| *l)
            .unwrap_or_default()
    }

    fn ensure_breakpoint(&mut self, t: i64) {
        if !self.steps.contains_key(&t) {
            let carried = self.value_before(t);
            self.steps.insert(t, carried);
        }
    }

    /// Adds `load` over `[start, end)`.
    pub fn add(&mut self, start: i64, end: i64, load: &Load) {
        if end <= start {
            return;
        }
        // Fast path for time-ordered input: the interval starts at or after the last
        // breakpoint, where the load is constant up to infinity.
        if let Some((&last_t, &last_value)) = self.steps.last_key_value()
            && start >= last_t
        {
            let mut value = last_value;
            value.add(load);
            self.peaks.offer(&value, start);
            // Keep the function canonical (no two equal neighbours) so back-to-back records
            // of the same allocation cost one breakpoint in total, not one each.
            let before = self.steps.range(..start).next_back().map(|(_, v)| *v);
            if before == Some(value) {
                self.steps.remove(&start);
            } else {
                self.steps.insert(start, value);
            }
            self.steps.insert(end, last_value);
            return;
        }
        self.ensure_breakpoint(start);
        self.ensure_breakpoint(end);
        for (t, value) in self.steps.range_mut(start..end) {
            value.add(load);
            self.peaks.offer(value, *t);
        }
    }

    pub fn peaks(&self) -> &Peaks {
        &self.peaks
    }

    /// Number of breakpoints held (memory grows with this, not with records).
    pub fn breakpoints(&self) -> usize {
        self.steps.len()
    }

    pub fn load_at(&self, t: i64) -> Load {
        self.steps
            .range(..=t)
            .next_back()
            .map(|(_, l)| *l)
            .unwrap_or_default()
    }

    /// The sum of several timelines (the same placement across the accounts of one group),
    /// with its maxima.
    pub fn sum<'a>(timelines: impl IntoIterator<Item = &'a LoadTimeline>) -> LoadTimeline {
        let timelines: Vec<&LoadTimeline> = timelines.into_iter().collect();
        let mut instants: Vec<i64> = timelines
            .iter()
            .flat_map(|t| t.steps.keys().copied())
            .collect();
        instants.sort_unstable();
        instants.dedup();
        let mut out = LoadTimeline::default();
        for t in instants {
            let mut total = Load::default();
            for timeline in &timelines {
                total.add(&timeline.load_at(t));
            }
            out.peaks.offer(&total, t);
            out.steps.insert(t, total);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(chips: u64) -> Load {
        Load {
            chips,
            ops_16bit: u128::from(chips) * 10,
            ops_max: u128::from(chips) * 20,
            ..Load::default()
        }
    }

    #[test]
    fn tracks_the_maximum_of_concurrent_load() {
        let mut t = LoadTimeline::default();
        t.add(0, 100, &load(8));
        t.add(50, 150, &load(8));
        t.add(100, 200, &load(4));
        assert_eq!(t.peaks().chips, PeakAt { value: 16, at: 50 });
        assert_eq!(t.peaks().ops_max.value, 320);
        assert_eq!(t.load_at(120).chips, 12);
        assert_eq!(t.load_at(200).chips, 0);
        t.add(10, 20, &load(0));
        assert_eq!(t.peaks().chips.value, 16);
    }

    #[test]
    fn back_to_back_records_do_not_grow_the_timeline() {
        let mut t = LoadTimeline::default();
        for hour in 0..1_000 {
            t.add(hour * 3600, (hour + 1) * 3600, &load(8));
        }
        assert_eq!(t.breakpoints(), 2);
        assert_eq!(t.load_at(500 * 3600).chips, 8);
        assert_eq!(t.load_at(1_000 * 3600).chips, 0);
        assert_eq!(t.peaks().chips, PeakAt { value: 8, at: 0 });
    }

    #[test]
    fn sum_of_timelines_matches_one_timeline_of_all_records() {
        let (mut a, mut b, mut both) = (
            LoadTimeline::default(),
            LoadTimeline::default(),
            LoadTimeline::default(),
        );
        for (s, e, c, into_a) in [
            (0, 100, 5, true),
            (40, 90, 7, false),
            (80, 300, 2, true),
            (95, 96, 9, false),
        ] {
            if into_a {
                a.add(s, e, &load(c))
            } else {
                b.add(s, e, &load(c))
            }
            both.add(s, e, &load(c));
        }
        let summed = LoadTimeline::sum([&a, &b]);
        assert_eq!(summed.peaks(), both.peaks());
        assert_eq!(summed.peaks().chips, PeakAt { value: 16, at: 95 });
    }
}
