//! The training-compute estimator (compute.md "Estimating operations for an episode").
//!
//! An episode's chip-seconds are kept in up to six parts: billing-only or measured (telemetry
//! OFU), times format unknown / pinned FP8 / pinned 16-bit. Each part's p-quantile is
//! `chip-seconds x quantile of (peak(format) x U)`; the episode's quantile is the sum of its
//! parts' quantiles, which is exact when the parts share one utilization draw (comonotone: one
//! run has one utilization) and keeps every accumulator an integer, so aggregation is exactly
//! commutative and associative.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalog::TrainingPeaks;
use crate::format::NumberFormat;
use crate::params::{EstimatorParams, ParamError};
use crate::stats::{ScaledMixture, TruncatedLogNormal, Utilization};

/// The three quantiles reported.
pub const QUANTILES: [f64; 3] = [0.05, 0.5, 0.95];

/// Fixed-point scale of duty and OFU (parts per million) inside the integer accumulators.
const PPM: u128 = 1_000_000;

/// Where an estimate's utilization comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Billing only: U from the prior, times duty.
    Billing,
    /// Telemetry: measured OFU replaces U x duty.
    Telemetry,
    /// Both kinds of records in one episode.
    Mixed,
}

/// A format pin: the caller (`--format`) or the telemetry precision hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatPin {
    Unknown,
    Fp8,
    SixteenBit,
}

impl FormatPin {
    const ALL: [FormatPin; 3] = [Self::Unknown, Self::Fp8, Self::SixteenBit];

    pub fn from_hint(format: Option<NumberFormat>) -> Self {
        match format {
            Some(NumberFormat::Fp8) => Self::Fp8,
            Some(NumberFormat::Bf16 | NumberFormat::Tf32 | NumberFormat::Fp32) => Self::SixteenBit,
            Some(NumberFormat::Int8) | None => Self::Unknown,
        }
    }

    fn slot(self) -> usize {
        match self {
            Self::Unknown => 0,
            Self::Fp8 => 1,
            Self::SixteenBit => 2,
        }
    }
}

/// Integer accumulator of one part: chip-seconds and chip-seconds x factor (ppm).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Part {
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub chip_seconds: u128,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub weighted_ppm: u128,
}

impl Part {
    fn add(&mut self, other: Part) {
        self.chip_seconds = self.chip_seconds.saturating_add(other.chip_seconds);
        self.weighted_ppm = self.weighted_ppm.saturating_add(other.weighted_ppm);
    }

    /// Chip-second weighted mean of the factor.
    fn mean_factor(&self) -> f64 {
        if self.chip_seconds == 0 {
            return 0.0;
        }
        self.weighted_ppm as f64 / self.chip_seconds as f64 / PPM as f64
    }
}

/// What an estimate is computed from: chip-seconds split by tier and format pin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct UsageMix {
    billing: [Part; 3],
    measured: [Part; 3],
}

fn ppm(fraction: f64) -> u128 {
    // Clamped to [0, 1] first, so the cast is in range.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let value = (fraction.clamp(0.0, 1.0) * PPM as f64).round() as u128;
    value
}

impl UsageMix {
    /// Billing-only chip-seconds; `duty` (fraction of time any kernel ran) when telemetry gave
    /// one, else the prior's billing duty.
    pub fn add_billing(&mut self, chip_seconds: u128, duty: f64, pin: FormatPin) {
        let part = Part {
            chip_seconds,
            weighted_ppm: chip_seconds.saturating_mul(ppm(duty)),
        };
        if let Some(slot) = self.billing.get_mut(pin.slot()) {
            slot.add(part);
        }
    }

    /// Chip-seconds with a measured OFU (tensor activity x clock ratio).
    pub fn add_measured(&mut self, chip_seconds: u128, ofu: f64, pin: FormatPin) {
        let part = Part {
            chip_seconds,
            weighted_ppm: chip_seconds.saturating_mul(ppm(ofu)),
        };
        if let Some(slot) = self.measured.get_mut(pin.slot()) {
            slot.add(part);
        }
    }

    /// Adds another mix (commutative and associative: integer sums).
    pub fn merge(&mut self, other: &UsageMix) {
        for (a, b) in self.billing.iter_mut().zip(other.billing) {
            a.add(b);
        }
        for (a, b) in self.measured.iter_mut().zip(other.measured) {
            a.add(b);
        }
    }

    pub fn chip_seconds(&self) -> u128 {
        self.billing
            .iter()
            .chain(&self.measured)
            .map(|p| p.chip_seconds)
            .sum()
    }

    pub fn measured_chip_seconds(&self) -> u128 {
        self.measured.iter().map(|p| p.chip_seconds).sum()
    }

    /// Chip-second weighted mean OFU of the measured part, if any.
    pub fn measured_mean_ofu(&self) -> Option<f64> {
        let mut total = Part::default();
        for part in self.measured {
            total.add(part);
        }
        (total.chip_seconds > 0).then(|| total.mean_factor())
    }

    fn tier(&self) -> Tier {
        let billing: u128 = self.billing.iter().map(|p| p.chip_seconds).sum();
        match (billing > 0, self.measured_chip_seconds() > 0) {
            (_, false) => Tier::Billing,
            (false, true) => Tier::Telemetry,
            (true, true) => Tier::Mixed,
        }
    }
}

/// The utilization used, as reported in `method`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UtilizationUsed {
    LogNormal {
        median: f64,
        sigma: f64,
        min: f64,
        max: f64,
    },
    Fixed {
        value: f64,
    },
}

/// How an estimate was made: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateMethod {
    pub tier: Tier,
    pub utilization: UtilizationUsed,
    /// q actually used (0 when the chip has no FP8 peak).
    pub fp8_probability: f64,
    pub pinned_format: Option<NumberFormat>,
    pub mean_billing_duty: Option<f64>,
    pub telemetry_chip_seconds: u64,
    pub telemetry_mean_ofu: Option<f64>,
    pub telemetry_sigma: Option<f64>,
    pub quantiles: std::borrow::Cow<'static, str>,
}

/// The 6ND cross-check against a declared model size and token count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrossCheck {
    /// Active parameters (mixture-of-experts: the active ones).
    pub declared_parameters: f64,
    pub declared_tokens: f64,
    pub ops_6nd: f64,
    /// ops_6nd / hardware p50.
    pub ratio_to_p50: f64,
    /// True when the two differ by more than the divergence factor either way.
    pub divergent: bool,
}

/// One estimate; `compute estimate --json` prints exactly this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub accelerator: String,
    pub chip_seconds: u64,
    pub ops_p05: f64,
    pub ops_p50: f64,
    pub ops_p95: f64,
    pub ops_ceiling: f64,
    /// Dense 16-bit peak of one chip, ops/s.
    pub peak_ops_per_s_16bit: f64,
    /// Dense peak of the fastest training format of one chip, ops/s.
    pub peak_ops_per_s_max: f64,
    pub max_format: NumberFormat,
    pub method: EstimateMethod,
    pub params: EstimatorParams,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_check: Option<CrossCheck>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum EstimateError {
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error("utilization {0} must lie in (0, 1]")]
    Utilization(f64),
    #[error("declared model size and tokens must be positive finite numbers")]
    Declared,
}

/// Billing-tier quantiles per chip-second for one accelerator, one per format pin: the part of
/// the estimate that does not depend on usage, computed once per accelerator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateProfile {
    peaks: TrainingPeaks,
    billing: [[f64; 3]; 3],
    fixed_utilization: Option<f64>,
}

impl RateProfile {
    pub fn peaks(&self) -> TrainingPeaks {
        self.peaks
    }
}

/// The numbers of an estimate without its provenance: what a per-record screen needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OpsQuantiles {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    pub ceiling: f64,
}

/// The estimator: validated priors.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimator {
    params: EstimatorParams,
    prior: TruncatedLogNormal,
}

impl Estimator {
    pub fn new(params: EstimatorParams) -> Result<Self, EstimateError> {
        params.validate()?;
        let prior = TruncatedLogNormal::new(
            params.utilization_median,
            params.utilization_sigma,
            params.utilization_min,
            params.utilization_max,
        )
        .ok_or(ParamError {
            name: "utilization_median",
            reason: "prior has no mass in [min, max]".into(),
        })?;
        Ok(Self { params, prior })
    }

    pub fn params(&self) -> &EstimatorParams {
        &self.params
    }

    /// Precomputes the billing-tier quantiles of one accelerator. `fixed_utilization` replaces
    /// the prior by a point value (`--utilization`).
    pub fn profile(
        &self,
        peaks: TrainingPeaks,
        fixed_utilization: Option<f64>,
    ) -> Result<RateProfile, EstimateError> {
        if let Some(u) = fixed_utilization
            && !(u.is_finite() && u > 0.0 && u <= 1.0)
        {
            return Err(EstimateError::Utilization(u));
        }
        let utilization = match fixed_utilization {
            Some(u) => Utilization::Point(u),
            None => Utilization::Prior(self.prior),
        };
        let mut billing = [[0.0; 3]; 3];
        for (slot, pin) in billing.iter_mut().zip(FormatPin::ALL) {
            *slot = self.rate_quantiles(utilization, peaks, pin);
        }
        Ok(RateProfile {
            peaks,
            billing,
            fixed_utilization,
        })
    }

    fn components(&self, peaks: TrainingPeaks, pin: FormatPin) -> Vec<(f64, f64)> {
        let sixteen = peaks.sixteen_bit as f64;
        match (pin, peaks.fp8) {
            (FormatPin::SixteenBit, _) | (_, None) => vec![(1.0, sixteen)],
            (FormatPin::Fp8, Some(fp8)) => vec![(1.0, fp8 as f64)],
            (FormatPin::Unknown, Some(fp8)) => {
                let q = self.params.fp8_probability;
                vec![(1.0 - q, sixteen), (q, fp8 as f64)]
            }
        }
    }

    /// Per-chip-second quantiles of `peak(format) x U`.
    fn rate_quantiles(
        &self,
        utilization: Utilization,
        peaks: TrainingPeaks,
        pin: FormatPin,
    ) -> [f64; 3] {
        match ScaledMixture::new(utilization, &self.components(peaks, pin)) {
            Some(mix) => QUANTILES.map(|p| mix.quantile(p)),
            None => [0.0; 3],
        }
    }

    /// The estimate of a usage mix on one accelerator, with its method and parameters.
    pub fn estimate(&self, accelerator: &str, profile: &RateProfile, usage: &UsageMix) -> Estimate {
        let (q, measured_ofu) = self.quantiles_and_ofu(profile, usage);
        let peaks = profile.peaks;
        let (max_format, max_peak) = peaks.max();
        Estimate {
            accelerator: accelerator.to_owned(),
            chip_seconds: u64::try_from(usage.chip_seconds()).unwrap_or(u64::MAX),
            ops_p05: q.p05,
            ops_p50: q.p50,
            ops_p95: q.p95,
            ops_ceiling: q.ceiling,
            peak_ops_per_s_16bit: peaks.sixteen_bit as f64,
            peak_ops_per_s_max: max_peak as f64,
            max_format,
            method: self.method(profile, usage, measured_ofu),
            params: self.params.clone(),
            cross_check: None,
        }
    }

    /// p05/p50/p95 and ceiling only: O(1) for billing-only usage (the per-record path).
    pub fn quantiles(&self, profile: &RateProfile, usage: &UsageMix) -> OpsQuantiles {
        self.quantiles_and_ofu(profile, usage).0
    }

    fn quantiles_and_ofu(
        &self,
        profile: &RateProfile,
        usage: &UsageMix,
    ) -> (OpsQuantiles, Option<f64>) {
        let peaks = profile.peaks;
        let max_peak = peaks.max().1;
        let mut totals = [0.0_f64; 3];
        for (pin, part) in FormatPin::ALL.iter().zip(usage.billing) {
            if part.chip_seconds == 0 {
                continue;
            }
            let duty_chip_seconds = part.weighted_ppm as f64 / PPM as f64;
            let per_chip = profile.billing.get(pin.slot()).copied().unwrap_or_default();
            for (total, q) in totals.iter_mut().zip(per_chip) {
                *total += duty_chip_seconds * q;
            }
        }
        let mut measured_ofu = None;
        for (pin, part) in FormatPin::ALL.iter().zip(usage.measured) {
            if part.chip_seconds == 0 {
                continue;
            }
            let ofu = part.mean_factor();
            let per_chip = match TruncatedLogNormal::new(
                ofu.max(self.params.telemetry_min),
                self.params.telemetry_sigma,
                self.params.telemetry_min,
                self.params.telemetry_max,
            ) {
                Some(d) => self.rate_quantiles(Utilization::Prior(d), peaks, *pin),
                None => [0.0; 3],
            };
            for (total, q) in totals.iter_mut().zip(per_chip) {
                *total += part.chip_seconds as f64 * q;
            }
            measured_ofu = Some(ofu);
        }
        let chip_seconds = usage.chip_seconds();
        // Exact integer product, then one rounding; the clamp absorbs the last-ulp rounding of
        // the quantile sums so the invariant p95 <= ceiling holds bit for bit.
        let ceiling = chip_seconds.saturating_mul(u128::from(max_peak)) as f64;
        let [p05, p50, p95] = totals.map(|t| t.min(ceiling));
        let p50 = p50.max(p05);
        (
            OpsQuantiles {
                p05,
                p50,
                p95: p95.max(p50),
                ceiling,
            },
            measured_ofu,
        )
    }

    fn method(
        &self,
        profile: &RateProfile,
        usage: &UsageMix,
        measured_ofu: Option<f64>,
    ) -> EstimateMethod {
        let p = &self.params;
        let billing_cs: u128 = usage.billing.iter().map(|x| x.chip_seconds).sum();
        let billing_w: u128 = usage.billing.iter().map(|x| x.weighted_ppm).sum();
        let pins: Vec<FormatPin> = FormatPin::ALL
            .into_iter()
            .filter(|pin| {
                let slot = pin.slot();
                usage.billing.get(slot).is_some_and(|x| x.chip_seconds > 0)
                    || usage.measured.get(slot).is_some_and(|x| x.chip_seconds > 0)
            })
            .collect();
        let pinned_format = match pins.as_slice() {
            [FormatPin::Fp8] if profile.peaks.fp8.is_some() => Some(NumberFormat::Fp8),
            [FormatPin::SixteenBit] | [FormatPin::Fp8] => Some(profile.peaks.sixteen_bit_format),
            _ => None,
        };
        let measured = usage.measured_chip_seconds();
        EstimateMethod {
            tier: usage.tier(),
            utilization: match profile.fixed_utilization {
                Some(value) => UtilizationUsed::Fixed { value },
                None => UtilizationUsed::LogNormal {
                    median: p.utilization_median,
                    sigma: p.utilization_sigma,
                    min: p.utilization_min,
                    max: p.utilization_max,
                },
            },
            fp8_probability: if profile.peaks.fp8.is_some() {
                p.fp8_probability
            } else {
                0.0
            },
            pinned_format,
            mean_billing_duty: (billing_cs > 0)
                .then(|| billing_w as f64 / billing_cs as f64 / PPM as f64),
            telemetry_chip_seconds: u64::try_from(measured).unwrap_or(u64::MAX),
            telemetry_mean_ofu: measured_ofu,
            telemetry_sigma: (measured > 0).then_some(p.telemetry_sigma),
            quantiles: std::borrow::Cow::Borrowed(
                "bisection on the CDF of peak(format) x U; parts summed comonotonically",
            ),
        }
    }

    /// Adds the 6ND cross-check from a declared model size (active parameters) and tokens.
    pub fn cross_check(
        &self,
        estimate: &mut Estimate,
        parameters: f64,
        tokens: f64,
    ) -> Result<CrossCheck, EstimateError> {
        if !(parameters.is_finite() && tokens.is_finite() && parameters > 0.0 && tokens > 0.0) {
            return Err(EstimateError::Declared);
        }
        let ops_6nd = 6.0 * parameters * tokens;
        let ratio = if estimate.ops_p50 > 0.0 {
            ops_6nd / estimate.ops_p50
        } else {
            f64::INFINITY
        };
        let factor = self.params.cross_check_divergence;
        let check = CrossCheck {
            declared_parameters: parameters,
            declared_tokens: tokens,
            ops_6nd,
            ratio_to_p50: ratio,
            divergent: ratio > factor || ratio < 1.0 / factor,
        };
        estimate.cross_check = Some(check);
        Ok(check)
    }
}

/// One allocation, as `cloudkyc compute estimate` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationQuery {
    pub count: u64,
    pub seconds: u64,
    pub utilization: Option<f64>,
    pub format: Option<NumberFormat>,
}

impl Estimator {
    /// The estimate of `count` chips for `seconds` (the CLI path).
    pub fn estimate_allocation(
        &self,
        accelerator: &str,
        peaks: TrainingPeaks,
        query: &AllocationQuery,
    ) -> Result<Estimate, EstimateError> {
        let profile = self.profile(peaks, query.utilization)?;
        let mut usage = UsageMix::default();
        let chip_seconds = u128::from(query.count).saturating_mul(u128::from(query.seconds));
        usage.add_billing(
            chip_seconds,
            self.params.billing_duty,
            FormatPin::from_hint(query.format),
        );
        Ok(self.estimate(accelerator, &profile, &usage))
    }
}

#[cfg(test)]
mod tests;
