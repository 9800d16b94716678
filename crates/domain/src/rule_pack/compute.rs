//! `[compute]`: the technical conditions of a reportable training run, how a run is delimited,
//! and the priors of the compute estimator.

use serde::{Deserialize, Serialize};

use super::red_flags::RedFlags;
use super::units::{Days, Factor, Fraction, GbitPerSecond, Hours, LogSigma, Ops, OpsPerSecond};
use super::validate::Checker;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    /// Whether U.S. persons' runs above a threshold open review items (never report cases).
    pub review_us_persons: bool,
    pub training: TrainingThresholds,
    pub cluster: ClusterCondition,
    pub episodes: EpisodeRules,
    pub estimator: EstimatorPriors,
    pub red_flags: RedFlags,
}

impl Compute {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.within("training", |c| self.training.check(c));
        c.within("cluster", |c| self.cluster.check(c));
        c.within("episodes", |c| self.episodes.check(c));
        c.within("estimator", |c| self.estimator.check(c));
        c.within("red_flags", |c| self.red_flags.check(c, &self.training));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingThresholds {
    /// A run needing more than this many operations is reportable.
    pub threshold_ops: Ops,
    /// The same for models trained mainly on biological sequence data.
    pub bio_sequence_threshold_ops: Ops,
}

impl TrainingThresholds {
    fn check(&self, c: &mut Checker) {
        c.range("threshold_ops", self.threshold_ops);
        c.range(
            "bio_sequence_threshold_ops",
            self.bio_sequence_threshold_ops,
        );
        if self.bio_sequence_threshold_ops.get() > self.threshold_ops.get() {
            c.problem(
                "bio_sequence_threshold_ops",
                format!(
                    "must not exceed `threshold_ops` ({:e}), got {:e}",
                    self.threshold_ops.get(),
                    self.bio_sequence_threshold_ops.get()
                ),
            );
        }
    }
}

/// The cluster a reportable run is trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterCondition {
    /// Networking between the nodes faster than this.
    pub networking_gbit_per_s: GbitPerSecond,
    /// Theoretical peak of the co-located accelerators of at least this.
    pub peak_ops_per_s: OpsPerSecond,
    /// Peaks are counted without structured sparsity (vendors print the sparse figure, double).
    pub dense_peaks_only: bool,
    /// Only accelerators in one datacenter count together.
    pub co_located_only: bool,
}

impl ClusterCondition {
    fn check(&self, c: &mut Checker) {
        c.range("networking_gbit_per_s", self.networking_gbit_per_s);
        c.range("peak_ops_per_s", self.peak_ops_per_s);
    }
}

/// What counts as one run, and how far ahead "could result" looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeRules {
    /// Usage records separated by less than this belong to one episode (restarts).
    pub gap_hours: Hours,
    /// An episode starting within this long after another ends, with the same shape, continues
    /// its lineage.
    pub lineage_window_days: Days,
    /// Without a reservation, the current allocation is projected as held this long.
    pub projection_horizon_days: Days,
    /// Window of the owner-level rolling total kept for review.
    pub rolling_total_days: Days,
}

impl EpisodeRules {
    fn check(&self, c: &mut Checker) {
        c.at_least_one("gap_hours", self.gap_hours.get());
        c.at_least_one("lineage_window_days", self.lineage_window_days.get());
        c.at_least_one(
            "projection_horizon_days",
            self.projection_horizon_days.get(),
        );
        c.at_least_one("rolling_total_days", self.rolling_total_days.get());
    }
}

/// Priors of the hardware estimate C = chip-seconds x duty x peak(format) x U.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimatorPriors {
    /// Median of the log-normal model-FLOP utilization U.
    pub utilization_median: Fraction,
    pub utilization_sigma: LogSigma,
    /// U is truncated to [utilization_min, utilization_max].
    pub utilization_min: Fraction,
    pub utilization_max: Fraction,
    /// Probability that a run on a chip with FP8 trains in FP8 (else BF16).
    pub fp8_probability: Fraction,
    /// Spread when measured tensor-pipe activity (OFU) replaces U x duty.
    pub ofu_sigma: LogSigma,
    /// Declared 6ND and the hardware estimate further apart than this are flagged.
    pub cross_check_divergence_factor: Factor,
}

impl EstimatorPriors {
    fn check(&self, c: &mut Checker) {
        c.range("utilization_median", self.utilization_median);
        c.range("utilization_sigma", self.utilization_sigma);
        c.range("utilization_min", self.utilization_min);
        c.range("utilization_max", self.utilization_max);
        c.range("fp8_probability", self.fp8_probability);
        c.range("ofu_sigma", self.ofu_sigma);
        c.range(
            "cross_check_divergence_factor",
            self.cross_check_divergence_factor,
        );
        // log(0) is undefined: the truncation must stay clear of zero.
        if self.utilization_min.get() <= 0.0 {
            c.problem(
                "utilization_min",
                "must be above 0 (the prior is log-normal)",
            );
        }
        c.increasing(
            "utilization_min",
            self.utilization_min.get(),
            self.utilization_median.get(),
            "`utilization_median`",
        );
        c.increasing(
            "utilization_median",
            self.utilization_median.get(),
            self.utilization_max.get(),
            "`utilization_max`",
        );
    }
}
