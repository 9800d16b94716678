//! What one endpoint's phase observed, and the table that shows it.

use std::time::Duration;

/// How one request ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The expected 2xx answer.
    Ok,
    /// A 4xx: the harness sent something the server refused (or a rate limit was on).
    Refused,
    /// A 5xx.
    ServerError,
    /// No answer: connection refused or reset, timeout, a body cut short.
    Transport,
}

/// One request: how long it took (until its whole answer was read) and how it ended.
#[derive(Debug, Clone)]
pub struct Sample {
    pub latency: Duration,
    pub outcome: Outcome,
}

/// Usage records summed over the phase's answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Records {
    pub accepted: u64,
    pub duplicate: u64,
    pub rejected: u64,
}

/// One endpoint's phase.
#[derive(Debug)]
pub struct Phase {
    pub endpoint: &'static str,
    pub planned: usize,
    pub elapsed: Duration,
    pub samples: Vec<Sample>,
    pub records: Records,
    /// The first few failures, described for stderr.
    pub failures: Vec<String>,
}

impl Phase {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.samples.iter().filter(|s| f(&s.outcome)).count()
    }

    pub fn ok(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Ok))
    }

    fn refused(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Refused))
    }

    fn server_errors(&self) -> usize {
        self.count(|o| matches!(o, Outcome::ServerError))
    }

    fn transport_errors(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Transport))
    }

    /// Why this phase fails the run, if it does: any 5xx or transport error, and also any 4xx
    /// or rejected usage record, because then the figures measure refusals, not the work.
    pub fn verdict(&self) -> Option<String> {
        let mut why = Vec::new();
        for (count, what) in [
            (self.server_errors(), "5xx answers"),
            (self.transport_errors(), "transport errors"),
            (self.refused(), "4xx answers"),
        ] {
            if count > 0 {
                why.push(format!("{count} {what}"));
            }
        }
        if self.records.rejected > 0 {
            why.push(format!("{} usage records rejected", self.records.rejected));
        }
        (!why.is_empty()).then(|| format!("{}: {}", self.endpoint, why.join(", ")))
    }

    /// Latencies of the requests that got an answer, sorted.
    fn answered_latencies(&self) -> Vec<Duration> {
        let mut latencies: Vec<Duration> = self
            .samples
            .iter()
            .filter(|s| !matches!(s.outcome, Outcome::Transport))
            .map(|s| s.latency)
            .collect();
        latencies.sort_unstable();
        latencies
    }

    fn row(&self) -> String {
        let latencies = self.answered_latencies();
        let seconds = self.elapsed.as_secs_f64();
        let per_second = if seconds > 0.0 {
            latencies.len() as f64 / seconds
        } else {
            0.0
        };
        let at = |p: f64| millis(percentile(&latencies, p));
        format!(
            "| {} | {} | {} | {} | {} | {} | {:.2} | {:.1} | {} | {} | {} | {} |",
            self.endpoint,
            self.samples.len(),
            self.ok(),
            self.refused(),
            self.server_errors(),
            self.transport_errors(),
            seconds,
            per_second,
            at(50.0),
            at(90.0),
            at(99.0),
            millis(latencies.last().copied()),
        )
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn millis(value: Option<Duration>) -> String {
    value.map_or_else(
        || "-".to_owned(),
        |d| format!("{:.2}", d.as_secs_f64() * 1000.0),
    )
}

/// The Markdown table of a setup's phases, with the notes that go with it.
pub fn table(title: &str, phases: &[Phase]) -> String {
    let mut out = format!(
        "\n### {title}\n\n| endpoint | sent | 2xx | 4xx | 5xx | transport errors | seconds | \
         req/s | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for phase in phases {
        out.push_str(&phase.row());
        out.push('\n');
    }
    for phase in phases {
        if phase.samples.len() < phase.planned {
            out.push_str(&format!(
                "\n{}: stopped by the time limit after {} of {} requests.",
                phase.endpoint,
                phase.samples.len(),
                phase.planned
            ));
        }
        let r = phase.records;
        if r.accepted + r.duplicate + r.rejected > 0 {
            let seconds = phase.elapsed.as_secs_f64();
            out.push_str(&format!(
                "\n{}: {} records accepted ({:.0}/s), {} duplicate, {} rejected.",
                phase.endpoint,
                r.accepted,
                if seconds > 0.0 {
                    r.accepted as f64 / seconds
                } else {
                    0.0
                },
                r.duplicate,
                r.rejected
            ));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(5)));
        assert_eq!(percentile(&sorted, 90.0), Some(Duration::from_millis(9)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&sorted, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
