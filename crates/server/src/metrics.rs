//! Prometheus metrics. Each router owns its registry (no process-global recorder), so two
//! servers in one process, as in the tests, do not mix their counts.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use cloudkyc_app::cases::deadline_metrics::{DeadlineCounts, DueCounts};
use cloudkyc_store::jobs::JobCounts;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

/// The content type of [`Metrics::render`]'s output.
pub const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets (seconds): API calls are expected in milliseconds, reports in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route template (`/v1/keys/{id}`), never the raw path: bounded cardinality, and no ids
    /// or personal data in the metrics.
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CaseLabels {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeadlineLabels {
    /// `case_<case kind>`, `special_measure_effective` or `reseller_termination`.
    kind: String,
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListLabels {
    list: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    backend: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    jobs: Family<JobLabels, Gauge<u64, AtomicU64>>,
    cases: Family<CaseLabels, Gauge<u64, AtomicU64>>,
    deadlines: Family<DeadlineLabels, Gauge<u64, AtomicU64>>,
    list_age: Family<ListLabels, Gauge>,
    list_failures: Family<ListLabels, Gauge<u64, AtomicU64>>,
}

impl Metrics {
    pub fn new(backend: &'static str) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "cloudkyc_http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            new_latency_histogram as fn() -> Histogram,
        );
        registry.register_with_unit(
            "cloudkyc_http_request_duration",
            "Time from receiving a request to answering it, by method and route template",
            Unit::Seconds,
            latency.clone(),
        );
        let jobs = Family::<JobLabels, Gauge<u64, AtomicU64>>::default();
        registry.register(
            "cloudkyc_jobs",
            "Background jobs in the queue, by state (read at scrape time)",
            jobs.clone(),
        );
        let cases = Family::<CaseLabels, Gauge<u64, AtomicU64>>::default();
        registry.register(
            "cloudkyc_cases",
            "Cases not closed (`open`), those past their due date (`overdue`) and those due within \
             7 days (`due_soon`), across every tenant (read at scrape time)",
            cases.clone(),
        );
        let deadlines = Family::<DeadlineLabels, Gauge<u64, AtomicU64>>::default();
        registry.register(
            "cloudkyc_deadlines",
            "Deadlines past (`overdue`) or within 7 days (`due_soon`), by kind: open cases by case \
             kind (`case_<kind>`), special measures' effective dates and foreign resellers' \
             termination deadlines, across every tenant (read at scrape time)",
            deadlines.clone(),
        );
        let list_age = Family::<ListLabels, Gauge>::default();
        registry.register_with_unit(
            "cloudkyc_list_snapshot_age",
            "Age of each restricted-party list in force: since its publication date, or since it \
             was stored when undated (read at scrape time)",
            Unit::Seconds,
            list_age.clone(),
        );
        // A gauge holding the stored count: the count lives in the database, shared by every
        // instance, so a counter of this process would see only its own share.
        let list_failures = Family::<ListLabels, Gauge<u64, AtomicU64>>::default();
        registry.register(
            "cloudkyc_list_update_failures",
            "Failed restricted-party list updates so far, by list (read at scrape time)",
            list_failures.clone(),
        );
        registry.register(
            "cloudkyc_build",
            "Version of this cloudkyc build and the storage backend it runs on",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                backend,
            }),
        );
        Self {
            registry,
            requests,
            latency,
            jobs,
            cases,
            deadlines,
            list_age,
            list_failures,
        }
    }

    /// Per list: the age of the snapshot in force (seconds) and the failed updates so far.
    pub fn set_lists(&self, lists: &[(String, Option<i64>, u64)]) {
        for (list, age, failures) in lists {
            let labels = ListLabels { list: list.clone() };
            if let Some(age) = age {
                self.list_age.get_or_create(&labels).set(*age);
            }
            self.list_failures.get_or_create(&labels).set(*failures);
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn set_job_counts(&self, counts: JobCounts) {
        for (state, count) in [
            ("queued", counts.queued),
            ("running", counts.running),
            ("done", counts.done),
            ("dead", counts.dead),
        ] {
            self.jobs.get_or_create(&JobLabels { state }).set(count);
        }
    }

    /// The case gauges and the deadline gauges of every kind (each kind set every time, so a
    /// count that fell to zero reads zero).
    pub fn set_deadline_counts(&self, counts: &DeadlineCounts) {
        let c = counts.cases;
        for (state, count) in [
            ("open", c.open),
            ("overdue", c.overdue),
            ("due_soon", c.due_soon),
        ] {
            self.cases.get_or_create(&CaseLabels { state }).set(count);
        }
        let per_kind = counts.by_case_kind.iter().map(|k| {
            let due = DueCounts {
                overdue: k.counts.overdue,
                due_soon: k.counts.due_soon,
            };
            (format!("case_{}", k.kind.as_str()), due)
        });
        let records = [
            (
                "special_measure_effective".to_owned(),
                counts.special_measure_effective,
            ),
            (
                "reseller_termination".to_owned(),
                counts.reseller_termination,
            ),
        ];
        for (kind, due) in per_kind.chain(records) {
            for (state, count) in [("overdue", due.overdue), ("due_soon", due.due_soon)] {
                self.deadlines
                    .get_or_create(&DeadlineLabels {
                        kind: kind.clone(),
                        state,
                    })
                    .set(count);
            }
        }
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn new_latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_jobs_and_build_info_are_exposed() {
        let metrics = Metrics::new("sqlite");
        metrics.observe_request("GET", "/v1/keys/{id}", 404, Duration::from_millis(3));
        metrics.observe_request("GET", "/v1/keys/{id}", 404, Duration::from_millis(3));
        metrics.set_job_counts(JobCounts {
            queued: 2,
            running: 1,
            done: 7,
            dead: 0,
        });
        let text = metrics.render();
        assert!(
            text.contains(
                r#"cloudkyc_http_requests_total{method="GET",route="/v1/keys/{id}",status="404"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains("cloudkyc_http_request_duration_seconds_bucket{"),
            "{text}"
        );
        assert!(
            text.contains(r#"cloudkyc_jobs{state="queued"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"cloudkyc_build_info{version=""#), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn deadlines_are_exposed_per_kind_and_fall_back_to_zero() {
        use cloudkyc_domain::cases::CaseKind;
        use cloudkyc_store::cases::{CaseDeadlineCounts, KindDeadlineCounts};

        let metrics = Metrics::new("sqlite");
        let counts = |overdue, due_soon| CaseDeadlineCounts {
            open: overdue + due_soon,
            overdue,
            due_soon,
        };
        let mut deadlines = DeadlineCounts {
            cases: counts(2, 1),
            by_case_kind: vec![
                KindDeadlineCounts {
                    kind: CaseKind::AiTrainingReport,
                    counts: counts(2, 0),
                },
                KindDeadlineCounts {
                    kind: CaseKind::ScreeningHit,
                    counts: counts(0, 1),
                },
            ],
            special_measure_effective: DueCounts {
                overdue: 1,
                due_soon: 3,
            },
            reseller_termination: DueCounts {
                overdue: 0,
                due_soon: 1,
            },
        };
        metrics.set_deadline_counts(&deadlines);
        let text = metrics.render();
        for line in [
            r#"cloudkyc_cases{state="overdue"} 2"#,
            r#"cloudkyc_deadlines{kind="case_ai_training_report",state="overdue"} 2"#,
            r#"cloudkyc_deadlines{kind="case_screening_hit",state="due_soon"} 1"#,
            r#"cloudkyc_deadlines{kind="special_measure_effective",state="overdue"} 1"#,
            r#"cloudkyc_deadlines{kind="special_measure_effective",state="due_soon"} 3"#,
            r#"cloudkyc_deadlines{kind="reseller_termination",state="due_soon"} 1"#,
        ] {
            assert!(text.contains(line), "{line} not in {text}");
        }

        deadlines.special_measure_effective = DueCounts::default();
        metrics.set_deadline_counts(&deadlines);
        let text = metrics.render();
        assert!(
            text.contains(
                r#"cloudkyc_deadlines{kind="special_measure_effective",state="due_soon"} 0"#
            ),
            "{text}"
        );
    }
}
