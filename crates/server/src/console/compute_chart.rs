//! The compute page's chart, computed on the server: estimated cumulative operations of each
//! training run (lineage) over time on a log scale, its p05-p95 band, the projection from
//! reservations, and the pack's thresholds as horizontal lines. The template draws the
//! coordinates as inline SVG; no script, and the same figures are in the page's tables.

use chrono::DateTime;

pub const WIDTH: f64 = 760.0;
pub const HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = WIDTH - 40.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = HEIGHT - 32.0;

/// One run: when each of its episodes ended, the share of the run's chip-seconds used by
/// then, and the run's estimate quantiles (operations).
#[derive(Debug, Clone)]
pub struct RunInput {
    pub label: String,
    pub start: i64,
    /// (episode end, cumulative fraction of the run's chip-seconds at that end), in order.
    pub steps: Vec<(i64, f64)>,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// A projection: from `from` (time, ops so far) to `until` at `ops` (p50 of what the
/// reservations could result in).
#[derive(Debug, Clone)]
pub struct ProjectionInput {
    pub label: String,
    pub from: (i64, f64),
    pub until: i64,
    pub ops: f64,
}

#[derive(Debug, Clone)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Threshold {
    pub y: f64,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    /// `x,y x,y ...` for a `<polyline>`.
    pub median: String,
    /// `x,y ...` for a `<polygon>`: p95 forward, p05 back.
    pub band: String,
}

#[derive(Debug, Clone)]
pub struct Dashed {
    pub label: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub thresholds: Vec<Threshold>,
    pub series: Vec<Series>,
    pub projections: Vec<Dashed>,
}

struct Scale {
    t0: i64,
    t1: i64,
    /// log10 range.
    lo: f64,
    hi: f64,
}

impl Scale {
    fn x(&self, t: i64) -> f64 {
        let span = (self.t1 - self.t0).max(1) as f64;
        round(LEFT + (t - self.t0) as f64 / span * (RIGHT - LEFT))
    }

    fn y(&self, ops: f64) -> f64 {
        let v = ops.max(10f64.powf(self.lo)).log10().min(self.hi);
        round(BOTTOM - (v - self.lo) / (self.hi - self.lo) * (BOTTOM - TOP))
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Lays out `runs`, `projections` and `thresholds` (label, ops) between `now` and the
/// earliest start. `None` when there is nothing to draw.
pub fn layout(
    runs: &[RunInput],
    projections: &[ProjectionInput],
    thresholds: &[(String, f64)],
    now: i64,
) -> Option<Chart> {
    if runs.is_empty() && projections.is_empty() {
        return None;
    }
    let t0 = runs
        .iter()
        .map(|r| r.start)
        .chain(projections.iter().map(|p| p.from.0))
        .min()?;
    let t1 = projections.iter().map(|p| p.until).fold(now, i64::max);
    let values = runs
        .iter()
        .flat_map(|r| [r.p05, r.p95])
        .chain(projections.iter().map(|p| p.ops))
        .chain(thresholds.iter().map(|t| t.1))
        .filter(|v| v.is_finite() && *v > 0.0);
    let (min, max) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = (min.log10().floor() - 1.0).max(0.0);
    let hi = max.log10().ceil() + 1.0;
    let scale = Scale { t0, t1, lo, hi };
    Some(Chart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: RIGHT,
        top: TOP,
        bottom: BOTTOM,
        x_ticks: x_ticks(&scale),
        y_ticks: (lo as i32..=hi as i32)
            .step_by(usize::try_from(((hi - lo) / 6.0).ceil().max(1.0) as i64).unwrap_or(1))
            .map(|e| Tick {
                at: scale.y(10f64.powi(e)),
                label: format!("1e{e}"),
            })
            .collect(),
        thresholds: thresholds
            .iter()
            .map(|(label, ops)| Threshold {
                y: scale.y(*ops),
                label: format!("{label} ({ops:.0e} ops)"),
            })
            .collect(),
        series: runs.iter().map(|r| series(&scale, r)).collect(),
        projections: projections
            .iter()
            .map(|p| Dashed {
                label: p.label.clone(),
                x1: scale.x(p.from.0),
                y1: scale.y(p.from.1),
                x2: scale.x(p.until),
                y2: scale.y(p.ops),
            })
            .collect(),
    })
}

fn series(scale: &Scale, run: &RunInput) -> Series {
    let point = |t: i64, ops: f64| format!("{},{}", scale.x(t), scale.y(ops));
    let mut median = vec![point(run.start, 0.0)];
    let mut upper = vec![point(run.start, 0.0)];
    let mut lower = vec![point(run.start, 0.0)];
    for &(t, share) in &run.steps {
        median.push(point(t, run.p50 * share));
        upper.push(point(t, run.p95 * share));
        lower.push(point(t, run.p05 * share));
    }
    lower.reverse();
    upper.extend(lower);
    Series {
        label: run.label.clone(),
        median: median.join(" "),
        band: upper.join(" "),
    }
}

fn x_ticks(scale: &Scale) -> Vec<Tick> {
    const TICKS: i64 = 5;
    (0..=TICKS)
        .map(|i| {
            let t = scale.t0 + (scale.t1 - scale.t0) * i / TICKS;
            Tick {
                at: scale.x(t),
                label: DateTime::from_timestamp(t, 0)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunInput {
        RunInput {
            label: "H100".into(),
            start: 0,
            steps: vec![(50, 0.5), (100, 1.0)],
            p05: 1e24,
            p50: 2e24,
            p95: 4e24,
        }
    }

    #[test]
    fn nothing_to_draw_is_no_chart() {
        assert!(layout(&[], &[], &[("training".into(), 1e26)], 10).is_none());
    }

    #[test]
    fn the_threshold_sits_above_a_run_under_it_and_time_runs_left_to_right() {
        let chart = layout(&[run()], &[], &[("training".into(), 1e26)], 100).unwrap();
        let series = &chart.series[0];
        let points: Vec<(f64, f64)> = series
            .median
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(points.len(), 3);
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0), "{points:?}");
        // Higher operations are drawn higher (smaller y), and the threshold above the run.
        assert!(points[2].1 < points[1].1);
        assert!(chart.thresholds[0].y < points[2].1);
        assert_eq!(chart.x_ticks.first().unwrap().at, LEFT);
        assert_eq!(chart.x_ticks.last().unwrap().at, RIGHT);
    }

    #[test]
    fn a_projection_extends_the_time_axis_to_its_horizon() {
        let projection = ProjectionInput {
            label: "reserved".into(),
            from: (100, 2e24),
            until: 300,
            ops: 3e26,
        };
        let chart = layout(&[run()], &[projection], &[("training".into(), 1e26)], 100).unwrap();
        let dashed = &chart.projections[0];
        assert_eq!(dashed.x2, RIGHT);
        assert!(
            dashed.y2 < chart.thresholds[0].y,
            "projects past the threshold"
        );
    }
}
