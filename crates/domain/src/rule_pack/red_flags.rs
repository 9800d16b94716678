//! `[compute.red_flags]`: the numbers behind each red flag of the compute monitor.
//!
//! Flags open an inquiry, never an automatic filing. Flags without numbers of their own (T1, T2,
//! S1, K2) use the training thresholds, the cluster condition and the jurisdiction lists.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::compute::TrainingThresholds;
use super::risk::PaymentRisk;
use super::units::{Days, Fraction, Hours, Months, Ops, OpsPerSecond, Usd};
use super::validate::Checker;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlags {
    /// Flags that never fire under this pack.
    pub disabled: Vec<RedFlagId>,
    pub t3: NearThreshold,
    pub t4: ClusterReview,
    pub r1: LargeReservation,
    pub r2: BackToBackReservations,
    pub m1: ServingMismatch,
    pub m2: DeclaredSizeMismatch,
    pub m4: BioPurpose,
    pub s2: LinkedChaining,
    pub s3: Structuring,
    pub k1: ShellIndicators,
    pub p1: PaymentFlags,
}

impl RedFlags {
    pub fn is_enabled(&self, flag: RedFlagId) -> bool {
        !self.disabled.contains(&flag)
    }

    pub(crate) fn check(&self, c: &mut Checker, training: &TrainingThresholds) {
        c.unique("disabled", &self.disabled);
        c.within("t3", |c| {
            c.range(
                "p50_fraction_of_threshold",
                self.t3.p50_fraction_of_threshold,
            )
        });
        c.within("t4", |c| {
            c.range("review_fraction_of_peak", self.t4.review_fraction_of_peak)
        });
        c.within("r1", |c| {
            c.at_least_one("h100_equivalents", self.r1.h100_equivalents);
            c.range("h100_peak_ops_per_s", self.r1.h100_peak_ops_per_s);
            c.at_least_one("min_days", self.r1.min_days.get());
        });
        c.within("r2", |c| {
            c.at_least_one("max_gap_hours", self.r2.max_gap_hours.get())
        });
        c.within("m1", |c| {
            c.at_least_one("min_hours", self.m1.min_hours.get());
            c.at_least_one("min_accelerators", self.m1.min_accelerators);
            c.range("min_tensor_activity", self.m1.min_tensor_activity);
        });
        c.within("m2", |c| {
            c.range("fraction_of_hardware_p05", self.m2.fraction_of_hardware_p05)
        });
        c.within("m4", |c| {
            c.range("bio_p50_ops", self.m4.bio_p50_ops);
            let bio = training.bio_sequence_threshold_ops.get();
            if self.m4.bio_p50_ops.get() >= bio {
                c.problem(
                    "bio_p50_ops",
                    format!("must be below `compute.training.bio_sequence_threshold_ops` ({bio:e}) to warn before it"),
                );
            }
        });
        c.within("s2", |c| {
            c.at_least_one("window_days", self.s2.window_days.get())
        });
        c.within("s3", |c| {
            if self.s3.min_requests < 2 {
                c.problem(
                    "min_requests",
                    format!(
                        "must be at least 2 to describe a pattern, got {}",
                        self.s3.min_requests
                    ),
                );
            }
            c.range("band_fraction", self.s3.band_fraction);
            c.at_least_one("window_days", self.s3.window_days.get());
        });
        c.within("k1", |c| {
            c.at_least_one(
                "entity_younger_than_months",
                self.k1.entity_younger_than_months.get(),
            );
            if !(1..=ShellIndicators::KNOWN).contains(&self.k1.min_indicators) {
                c.problem(
                    "min_indicators",
                    format!(
                        "must be between 1 and {} (the indicators K1 knows), got {}",
                        ShellIndicators::KNOWN,
                        self.k1.min_indicators
                    ),
                );
            }
        });
        c.within("p1", |c| {
            c.non_empty(
                "payment_kinds",
                &self.p1.payment_kinds,
                "use `disabled = [\"P1\"]` to turn the flag off",
            );
            c.unique("payment_kinds", &self.p1.payment_kinds);
            if self.p1.large_prepayment_usd.get() == 0 {
                c.problem(
                    "large_prepayment_usd",
                    "must be at least 1 (every prepayment would count as large)",
                );
            }
        });
    }
}

/// T3: enhanced due diligence when p95 (or projected p95) exceeds the threshold, or when p50
/// exceeds this fraction of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearThreshold {
    pub p50_fraction_of_threshold: Fraction,
}

/// T4: a foreign group's concurrent co-located peak at this fraction of the cluster threshold
/// opens a review (at the full threshold, a report case).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterReview {
    pub review_fraction_of_peak: Fraction,
}

/// R1: due diligence before provisioning one reservation this large for this long.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LargeReservation {
    pub h100_equivalents: u32,
    /// What one H100-equivalent is: the dense BF16 peak of an H100 SXM.
    pub h100_peak_ops_per_s: OpsPerSecond,
    pub min_days: Days,
}

/// R2: reservations of the same size and zone separated by less than this are one episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackToBackReservations {
    pub max_gap_hours: Hours,
}

/// M1: declared inference or serving, but a training signature for longer than `min_hours`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServingMismatch {
    pub min_hours: Hours,
    /// At least this many accelerators in the co-located allocation.
    pub min_accelerators: u32,
    /// Sustained tensor-pipe activity (OFU) at or above this.
    pub min_tensor_activity: Fraction,
}

/// M2: declared N and D whose 6ND falls below this fraction of the hardware p05.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredSizeMismatch {
    pub fraction_of_hardware_p05: Fraction,
}

/// M4: a bio-purpose run whose p50 exceeds this opens an inquiry ahead of the bio threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BioPurpose {
    pub bio_p50_ops: Ops,
}

/// S2: an episode in a linked account starting within this long after another's end, with the
/// same shape, is chained into the same lineage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedChaining {
    pub window_days: Days,
}

/// S3: at least `min_requests` requests within `band_fraction` below an internal threshold in
/// `window_days` (structuring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structuring {
    pub min_requests: u32,
    pub band_fraction: Fraction,
    pub window_days: Days,
}

/// K1: enhanced due diligence at `min_indicators` shell indicators (entity younger than
/// `entity_younger_than_months`, virtual-office address, unverifiable owner, owner in a
/// high-risk jurisdiction, frontier-scale request without history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellIndicators {
    pub entity_younger_than_months: Months,
    pub min_indicators: u32,
}

impl ShellIndicators {
    /// How many indicators K1 evaluates.
    pub const KNOWN: u32 = 5;
}

/// P1: payment circumstances that raise a medium flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentFlags {
    pub payment_kinds: Vec<PaymentRisk>,
    /// A prepayment of at least this much counts as large.
    pub large_prepayment_usd: Usd,
}

/// The red flags of the compute monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RedFlagId {
    T1,
    T2,
    T3,
    T4,
    R1,
    R2,
    M1,
    M2,
    M4,
    S1,
    S2,
    S3,
    K1,
    K2,
    P1,
}

impl fmt::Display for RedFlagId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
