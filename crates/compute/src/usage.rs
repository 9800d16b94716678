//! Usage records: the JSON shape of `POST /v1/usage`, and the validated record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalog::{AcceleratorId, Catalog, ResolveError};
use crate::format::NumberFormat;
use crate::params::RecordLimits;

/// A declared purpose of use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Training,
    FineTuning,
    Inference,
    Serving,
    /// Training mainly on biological sequence data (the 1e23 variant).
    #[serde(alias = "bio", alias = "biological_sequences")]
    BioTraining,
    Research,
    Other,
}

impl Purpose {
    /// Inference or serving: declared as "not training".
    pub fn is_serving(self) -> bool {
        matches!(self, Self::Inference | Self::Serving)
    }
}

/// Optional accelerator telemetry attached to a record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryInput {
    /// Fraction of time any kernel ran.
    #[serde(default)]
    pub duty: Option<f64>,
    /// Tensor-pipe activity x clock ratio.
    #[serde(default)]
    pub ofu: Option<f64>,
    /// Precision hint: fp8, bf16/fp16, tf32, fp32.
    #[serde(default)]
    pub precision: Option<String>,
}

/// A usage record exactly as the API and the NDJSON import accept it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRecordInput {
    pub id: String,
    pub account: String,
    pub accelerator: String,
    /// Signed so that a negative count is reported as such rather than as a type error.
    pub count: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub datacenter: Option<String>,
    #[serde(default)]
    pub fabric_gbps: Option<f64>,
    #[serde(default)]
    pub reservation: Option<String>,
    #[serde(default)]
    pub telemetry: Option<TelemetryInput>,
    #[serde(default)]
    pub purpose: Option<Purpose>,
}

/// Validated telemetry: fractions in [0, 1], a known precision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Telemetry {
    duty: Option<f64>,
    ofu: Option<f64>,
    precision: Option<NumberFormat>,
}

impl Telemetry {
    pub fn duty(&self) -> Option<f64> {
        self.duty
    }

    pub fn ofu(&self) -> Option<f64> {
        self.ofu
    }

    pub fn precision(&self) -> Option<NumberFormat> {
        self.precision
    }
}

/// Where an allocation ran: the co-location key of episodes and the cluster test. Records
/// without any placement share one key per account (the conservative reading: the provider
/// cannot show they were apart).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Placement {
    datacenter: String,
    cluster: String,
}

impl Placement {
    pub fn new(datacenter: Option<&str>, cluster: Option<&str>) -> Self {
        let clean = |v: Option<&str>| v.map(str::trim).unwrap_or_default().to_owned();
        Self {
            datacenter: clean(datacenter),
            cluster: clean(cluster),
        }
    }

    pub fn datacenter(&self) -> &str {
        &self.datacenter
    }

    pub fn cluster(&self) -> &str {
        &self.cluster
    }
}

/// One problem with one record; `field` names the JSON field for a 422 answer.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RecordProblem {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{0}")]
    Accelerator(ResolveError),
    #[error("count must be positive, got {0}")]
    NonPositiveCount(i64),
    #[error("count {count} exceeds the plausible maximum {max}")]
    CountTooLarge { count: i64, max: u64 },
    #[error("end must be after start")]
    EndNotAfterStart,
    #[error("duration of {days:.1} days exceeds the plausible maximum of {max} days")]
    DurationTooLong { days: f64, max: u32 },
    #[error("fabric_gbps must be a positive number up to {max}, got {value}")]
    Fabric { value: f64, max: f64 },
    #[error("{field} must lie in [0, 1], got {value}")]
    Fraction { field: &'static str, value: f64 },
    #[error("{field} must be a positive finite number, got {value}")]
    NotPositive { field: &'static str, value: f64 },
    #[error("unknown precision {0:?}: expected fp8, bf16, fp16, tf32 or fp32")]
    Precision(String),
    #[error("a reservation needs a positive count or a positive committed_spend_usd")]
    NoCapacity,
    #[error("malformed record: {0}")]
    Malformed(String),
}

impl RecordProblem {
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty { field }
            | Self::Fraction { field, .. }
            | Self::NotPositive { field, .. } => field,
            Self::Accelerator(_) => "accelerator",
            Self::NonPositiveCount(_) | Self::CountTooLarge { .. } | Self::NoCapacity => "count",
            Self::EndNotAfterStart | Self::DurationTooLong { .. } => "end",
            Self::Fabric { .. } => "fabric_gbps",
            Self::Precision(_) => "telemetry.precision",
            Self::Malformed(_) => "",
        }
    }
}

/// A record that was not accepted, with every reason.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("record {}: {}", id.as_deref().unwrap_or("(no id)"), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct RecordRejection {
    pub id: Option<String>,
    pub problems: Vec<RecordProblem>,
}

/// A usage record that passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageRecord {
    id: String,
    account: String,
    #[serde(skip)]
    accelerator: AcceleratorId,
    accelerator_name: String,
    count: u64,
    start: i64,
    end: i64,
    placement: Placement,
    fabric_gbps: Option<f64>,
    reservation: Option<String>,
    telemetry: Option<Telemetry>,
    purpose: Option<Purpose>,
}

pub(crate) fn check_fraction(
    field: &'static str,
    value: Option<f64>,
    problems: &mut Vec<RecordProblem>,
) -> Option<f64> {
    let v = value?;
    if (0.0..=1.0).contains(&v) {
        Some(v)
    } else {
        problems.push(RecordProblem::Fraction { field, value: v });
        None
    }
}

pub(crate) fn check_interval(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    limits: &RecordLimits,
    problems: &mut Vec<RecordProblem>,
) -> (i64, i64) {
    let (s, e) = (start.timestamp(), end.timestamp());
    if e <= s {
        problems.push(RecordProblem::EndNotAfterStart);
    } else if e - s > i64::from(limits.max_duration_days) * 86_400 {
        problems.push(RecordProblem::DurationTooLong {
            days: (e - s) as f64 / 86_400.0,
            max: limits.max_duration_days,
        });
    }
    (s, e)
}

pub(crate) fn check_count(
    count: i64,
    limits: &RecordLimits,
    problems: &mut Vec<RecordProblem>,
) -> u64 {
    match u64::try_from(count) {
        Ok(0) | Err(_) => {
            problems.push(RecordProblem::NonPositiveCount(count));
            0
        }
        Ok(c) if c > limits.max_count => {
            problems.push(RecordProblem::CountTooLarge {
                count,
                max: limits.max_count,
            });
            c
        }
        Ok(c) => c,
    }
}

pub(crate) fn check_fabric(
    value: Option<f64>,
    limits: &RecordLimits,
    problems: &mut Vec<RecordProblem>,
) -> Option<f64> {
    let v = value?;
    if v.is_finite() && v > 0.0 && v <= limits.max_fabric_gbps {
        Some(v)
    } else {
        problems.push(RecordProblem::Fabric {
            value: v,
            max: limits.max_fabric_gbps,
        });
        None
    }
}

pub(crate) fn check_non_empty(field: &'static str, value: &str, problems: &mut Vec<RecordProblem>) {
    if value.trim().is_empty() {
        problems.push(RecordProblem::Empty { field });
    }
}

impl UsageRecord {
    /// Validates one record; every problem is reported, not just the first.
    pub fn validate(
        input: &UsageRecordInput,
        catalog: &Catalog,
        limits: &RecordLimits,
    ) -> Result<Self, RecordRejection> {
        let mut problems = Vec::new();
        check_non_empty("id", &input.id, &mut problems);
        check_non_empty("account", &input.account, &mut problems);
        let accelerator = catalog
            .resolve(&input.accelerator)
            .map_err(|e| problems.push(RecordProblem::Accelerator(e)))
            .ok();
        let count = check_count(input.count, limits, &mut problems);
        let (start, end) = check_interval(input.start, input.end, limits, &mut problems);
        let fabric_gbps = check_fabric(input.fabric_gbps, limits, &mut problems);
        let telemetry = input.telemetry.as_ref().map(|t| Telemetry {
            duty: check_fraction("telemetry.duty", t.duty, &mut problems),
            ofu: check_fraction("telemetry.ofu", t.ofu, &mut problems),
            precision: t.precision.as_deref().and_then(|p| {
                p.parse::<NumberFormat>()
                    .ok()
                    .filter(|f| *f != NumberFormat::Int8)
                    .or_else(|| {
                        problems.push(RecordProblem::Precision(p.to_owned()));
                        None
                    })
            }),
        });
        match accelerator {
            Some(accelerator) if problems.is_empty() => Ok(Self {
                id: input.id.trim().to_owned(),
                account: input.account.trim().to_owned(),
                accelerator,
                accelerator_name: catalog
                    .get(accelerator)
                    .map(|a| a.name().to_owned())
                    .unwrap_or_default(),
                count,
                start,
                end,
                placement: Placement::new(input.datacenter.as_deref(), input.cluster.as_deref()),
                fabric_gbps,
                reservation: input.reservation.clone().filter(|r| !r.trim().is_empty()),
                telemetry,
                purpose: input.purpose,
            }),
            _ => Err(RecordRejection {
                id: Some(input.id.clone()).filter(|i| !i.is_empty()),
                problems,
            }),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn accelerator(&self) -> AcceleratorId {
        self.accelerator
    }

    /// The catalog name the record's accelerator resolved to.
    pub fn accelerator_name(&self) -> &str {
        &self.accelerator_name
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Start, Unix seconds (UTC).
    pub fn start(&self) -> i64 {
        self.start
    }

    /// End (exclusive), Unix seconds (UTC).
    pub fn end(&self) -> i64 {
        self.end
    }

    pub fn seconds(&self) -> u64 {
        u64::try_from(self.end - self.start).unwrap_or(0)
    }

    pub fn chip_seconds(&self) -> u128 {
        u128::from(self.count) * u128::from(self.seconds())
    }

    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    pub fn fabric_gbps(&self) -> Option<f64> {
        self.fabric_gbps
    }

    pub fn reservation(&self) -> Option<&str> {
        self.reservation.as_deref()
    }

    pub fn telemetry(&self) -> Option<&Telemetry> {
        self.telemetry.as_ref()
    }

    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose
    }
}

#[cfg(test)]
mod tests;
