//! Every number the engine uses, as serde structs whose `Default` is the rule-pack default.
//!
//! The rule pack (crates/domain) maps onto these; the engine never hard-codes a threshold.
//! All structs use `#[serde(default)]` so a pack can override one field and keep the rest.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A parameter value that would make the model meaningless.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("invalid compute parameter {name}: {reason}")]
pub struct ParamError {
    pub name: &'static str,
    pub reason: String,
}

fn check(ok: bool, name: &'static str, reason: impl Into<String>) -> Result<(), ParamError> {
    if ok {
        Ok(())
    } else {
        Err(ParamError {
            name,
            reason: reason.into(),
        })
    }
}

fn positive(value: f64, name: &'static str) -> Result<(), ParamError> {
    check(
        value.is_finite() && value > 0.0,
        name,
        format!("must be a positive number, got {value}"),
    )
}

fn fraction(value: f64, name: &'static str) -> Result<(), ParamError> {
    check(
        (0.0..=1.0).contains(&value),
        name,
        format!("must lie in [0, 1], got {value}"),
    )
}

/// Priors of the hardware estimate (compute.md "Estimating operations").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EstimatorParams {
    /// Median model FLOP utilization U (Epoch AI: 0.33).
    pub utilization_median: f64,
    /// Sigma of ln U (0.39: Epoch's 10th-90th percentile 0.19-0.52).
    pub utilization_sigma: f64,
    pub utilization_min: f64,
    pub utilization_max: f64,
    /// Probability that a run on an FP8-capable chip trains at FP8.
    pub fp8_probability: f64,
    /// Duty assumed when billing is the only source: 1 (U is per billed second).
    pub billing_duty: f64,
    /// Sigma of ln OFU when telemetry is present (the measured tier).
    pub telemetry_sigma: f64,
    pub telemetry_min: f64,
    /// Must stay <= 1 so that the p95 never exceeds the ceiling.
    pub telemetry_max: f64,
    /// Ratio above which the 6ND cross-check and the hardware p50 are flagged as divergent.
    pub cross_check_divergence: f64,
}

impl Default for EstimatorParams {
    fn default() -> Self {
        Self {
            utilization_median: 0.33,
            utilization_sigma: 0.39,
            utilization_min: 0.05,
            utilization_max: 0.75,
            fp8_probability: 0.5,
            billing_duty: 1.0,
            telemetry_sigma: 0.15,
            telemetry_min: 0.01,
            telemetry_max: 1.0,
            cross_check_divergence: 3.0,
        }
    }
}

impl EstimatorParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        positive(self.utilization_median, "utilization_median")?;
        positive(self.utilization_sigma, "utilization_sigma")?;
        positive(self.utilization_min, "utilization_min")?;
        check(
            self.utilization_max > self.utilization_min && self.utilization_max <= 1.0,
            "utilization_max",
            "must lie in (utilization_min, 1]",
        )?;
        fraction(self.fp8_probability, "fp8_probability")?;
        check(
            self.billing_duty > 0.0 && self.billing_duty <= 1.0,
            "billing_duty",
            "must lie in (0, 1]",
        )?;
        positive(self.telemetry_sigma, "telemetry_sigma")?;
        positive(self.telemetry_min, "telemetry_min")?;
        check(
            self.telemetry_max > self.telemetry_min && self.telemetry_max <= 1.0,
            "telemetry_max",
            "must lie in (telemetry_min, 1]",
        )?;
        check(
            self.cross_check_divergence > 1.0,
            "cross_check_divergence",
            "must exceed 1",
        )
    }
}

/// The technical conditions (rule-pack section 10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThresholdParams {
    /// A run must need *more than* this many operations.
    pub training_ops: f64,
    /// The variant for models trained mainly on biological sequence data.
    pub bio_training_ops: f64,
    /// Theoretical dense peak of the co-located cluster, operations per second (>=).
    pub cluster_ops_per_s: f64,
    /// Cluster networking must be *over* this (Gbit/s).
    pub cluster_network_gbps: f64,
}

impl Default for ThresholdParams {
    fn default() -> Self {
        Self {
            training_ops: 1e26,
            bio_training_ops: 1e23,
            cluster_ops_per_s: 1e20,
            cluster_network_gbps: 100.0,
        }
    }
}

impl ThresholdParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        positive(self.training_ops, "training_ops")?;
        positive(self.bio_training_ops, "bio_training_ops")?;
        positive(self.cluster_ops_per_s, "cluster_ops_per_s")?;
        positive(self.cluster_network_gbps, "cluster_network_gbps")
    }
}

/// What makes records one run (compute.md "What is one training run").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EpisodeParams {
    /// Records further apart than this start a new episode (restarts stay inside one).
    pub gap_hours: u32,
    /// An episode starting within this many days of another's end, same shape, continues it.
    pub lineage_gap_days: u32,
    /// "Same shape": peak chip counts within this relative difference, same accelerator.
    pub shape_tolerance: f64,
    /// Window of the owner-level rolling total kept for review.
    pub rolling_window_days: u32,
}

impl Default for EpisodeParams {
    fn default() -> Self {
        Self {
            gap_hours: 48,
            lineage_gap_days: 7,
            shape_tolerance: 0.10,
            rolling_window_days: 365,
        }
    }
}

impl EpisodeParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        fraction(self.shape_tolerance, "shape_tolerance")?;
        check(
            self.rolling_window_days > 0,
            "rolling_window_days",
            "must be positive",
        )
    }

    pub fn gap_seconds(&self) -> i64 {
        i64::from(self.gap_hours) * 3600
    }

    pub fn lineage_gap_seconds(&self) -> i64 {
        i64::from(self.lineage_gap_days) * 86_400
    }
}

/// How accounts are merged into owner groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupingParams {
    /// Distinct weak link kinds (shared admin IPs, contacts, SSH keys, storage prefixes,
    /// cross-account transfer) a pair of accounts needs before it merges.
    pub weak_link_kinds_to_merge: u32,
}

impl Default for GroupingParams {
    fn default() -> Self {
        Self {
            weak_link_kinds_to_merge: 2,
        }
    }
}

/// Which price column converts committed spend into chip-hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceTerm {
    OnDemand,
    OneYear,
    ThreeYear,
}

/// "Could result" projections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectionParams {
    /// A held allocation with no reservation is projected this far (BIS: runs planned within six
    /// months).
    pub horizon_days: u32,
    /// Price term used for committed spend when the contract names none.
    pub default_price_term: PriceTerm,
}

impl Default for ProjectionParams {
    fn default() -> Self {
        Self {
            horizon_days: 180,
            default_price_term: PriceTerm::OneYear,
        }
    }
}

/// Bounds past which a usage record is rejected as absurd rather than ingested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordLimits {
    pub max_duration_days: u32,
    pub max_count: u64,
    pub max_fabric_gbps: f64,
}

impl Default for RecordLimits {
    fn default() -> Self {
        Self {
            max_duration_days: 400,
            max_count: 10_000_000,
            max_fabric_gbps: 100_000.0,
        }
    }
}

/// Numbers of the red-flag table (compute.md "Red flags").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedFlagParams {
    /// T3: p50 above `training_ops * t3_p50_fraction` asks for enhanced due diligence.
    pub t3_p50_fraction: f64,
    /// T4: concurrent peak at this fraction of the cluster threshold opens a review.
    pub t4_review_fraction: f64,
    /// T4: decide on the fastest training format's peak (true) or the 16-bit peak (false).
    /// Both figures are kept in the evidence either way.
    pub t4_use_max_format: bool,
    /// R1: one reservation of at least this many H100-equivalents (16-bit peak)...
    pub r1_h100_equivalents: f64,
    /// ...for at least this many days.
    pub r1_min_days: u32,
    /// R2: reservations closer than this (same size and zone) are back-to-back.
    pub r2_gap_hours: u32,
    /// M1: training signature sustained for longer than this.
    pub m1_min_hours: u32,
    /// M1: at least this many chips concurrently.
    pub m1_min_chips: u64,
    /// M1: tensor activity (OFU) at least this high.
    pub m1_min_ofu: f64,
    /// M1: fabric at least this fast (Gbit/s) counts as sustained training traffic.
    pub m1_min_fabric_gbps: f64,
    /// M2: 6ND below this fraction of the hardware p05 asks for an inquiry.
    pub m2_ratio: f64,
    /// M4: bio purpose and p50 above this.
    pub m4_bio_p50_ops: f64,
    /// S3: requests within this fraction below an internal threshold...
    pub s3_band: f64,
    /// ...this many or more...
    pub s3_min_requests: u32,
    /// ...within this window.
    pub s3_window_days: u32,
    /// K1: an entity younger than this is a shell indicator.
    pub k1_entity_age_months: u32,
    /// K1: this many indicators or more.
    pub k1_min_indicators: u32,
    /// K1: "frontier-scale request": a projected p50 at least this fraction of the threshold.
    pub k1_frontier_fraction: f64,
    /// K2/K1: the pack's high-risk jurisdictions (ISO 3166-1 alpha-2).
    pub high_risk_jurisdictions: Vec<String>,
    /// P1: a prepayment at or above this many USD is large.
    pub p1_large_prepayment_usd: f64,
    /// Whether T1/T2/T4 conditions met by a U.S. person open a review item (never a report).
    pub review_us_persons: bool,
}

impl Default for RedFlagParams {
    fn default() -> Self {
        Self {
            t3_p50_fraction: 0.1,
            t4_review_fraction: 0.25,
            t4_use_max_format: true,
            r1_h100_equivalents: 5000.0,
            r1_min_days: 30,
            r2_gap_hours: 48,
            m1_min_hours: 72,
            m1_min_chips: 256,
            m1_min_ofu: 0.3,
            m1_min_fabric_gbps: 400.0,
            m2_ratio: 1.0 / 3.0,
            m4_bio_p50_ops: 1e22,
            s3_band: 0.10,
            s3_min_requests: 3,
            s3_window_days: 90,
            k1_entity_age_months: 12,
            k1_min_indicators: 2,
            k1_frontier_fraction: 0.1,
            high_risk_jurisdictions: ["CN", "RU", "IR", "KP", "CU", "SY", "BY", "VE", "MO"]
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            p1_large_prepayment_usd: 1_000_000.0,
            review_us_persons: false,
        }
    }
}

impl RedFlagParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        fraction(self.t3_p50_fraction, "t3_p50_fraction")?;
        fraction(self.t4_review_fraction, "t4_review_fraction")?;
        positive(self.r1_h100_equivalents, "r1_h100_equivalents")?;
        fraction(self.m1_min_ofu, "m1_min_ofu")?;
        positive(self.m2_ratio, "m2_ratio")?;
        positive(self.m4_bio_p50_ops, "m4_bio_p50_ops")?;
        fraction(self.s3_band, "s3_band")?;
        fraction(self.k1_frontier_fraction, "k1_frontier_fraction")?;
        positive(self.p1_large_prepayment_usd, "p1_large_prepayment_usd")
    }
}

/// Everything the engine reads from the rule pack, in one place.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComputeParams {
    pub estimator: EstimatorParams,
    pub thresholds: ThresholdParams,
    pub episodes: EpisodeParams,
    pub grouping: GroupingParams,
    pub projection: ProjectionParams,
    pub limits: RecordLimits,
    pub red_flags: RedFlagParams,
}

impl ComputeParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        self.estimator.validate()?;
        self.thresholds.validate()?;
        self.episodes.validate()?;
        self.red_flags.validate()?;
        check(
            self.projection.horizon_days > 0,
            "horizon_days",
            "must be positive",
        )?;
        check(self.limits.max_count > 0, "max_count", "must be positive")?;
        check(
            self.limits.max_duration_days > 0,
            "max_duration_days",
            "must be positive",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_pack() {
        let p = ComputeParams::default();
        p.validate().unwrap();
        assert_eq!(p.thresholds.training_ops, 1e26);
        assert_eq!(p.thresholds.cluster_ops_per_s, 1e20);
        assert_eq!(p.projection.horizon_days, 180);
        assert_eq!(p.episodes.gap_hours, 48);
    }

    #[test]
    fn partial_override_keeps_other_defaults() {
        let p: ComputeParams =
            serde_json::from_str(r#"{"thresholds": {"training_ops": 1e25}}"#).unwrap();
        assert_eq!(p.thresholds.training_ops, 1e25);
        assert_eq!(p.thresholds.bio_training_ops, 1e23);
        assert_eq!(p.estimator, EstimatorParams::default());
    }

    #[test]
    fn rejects_meaningless_values() {
        let mut p = ComputeParams::default();
        p.estimator.telemetry_max = 1.5;
        assert_eq!(p.validate().unwrap_err().name, "telemetry_max");
        let bad: Result<ComputeParams, _> = serde_json::from_str(r#"{"thresholds": {"nope": 1}}"#);
        assert!(bad.is_err());
    }
}
