//! Compute estimation under the active rule pack: the pack's priors become the estimator's
//! parameters, so a provider that tightens them in its pack changes every estimate.

use cloudkyc_compute::{
    AllocationQuery, Catalog, Estimate, Estimator, EstimatorParams, NumberFormat,
};

use cloudkyc_domain::rule_pack::RulePack;

use crate::{App, AppError, AppResult};

/// One allocation to estimate, as `cloudkyc compute estimate` takes it.
#[derive(Debug, Clone)]
pub struct EstimateRequest {
    pub accelerator: String,
    pub count: u64,
    pub hours: f64,
    pub utilization: Option<f64>,
    pub format: Option<NumberFormat>,
    /// Declared model size (active parameters) and training tokens, for the 6ND cross-check.
    pub declared: Option<(f64, f64)>,
}

impl App {
    pub fn estimate_allocation(&self, req: &EstimateRequest) -> AppResult<Estimate> {
        estimate_with_pack(self.policy(), req)
    }
}

/// The estimator's parameters as the pack sets them.
pub fn estimator_params(pack: &RulePack) -> EstimatorParams {
    let priors = &pack.compute().estimator;
    EstimatorParams {
        utilization_median: priors.utilization_median.get(),
        utilization_sigma: priors.utilization_sigma.get(),
        utilization_min: priors.utilization_min.get(),
        utilization_max: priors.utilization_max.get(),
        fp8_probability: priors.fp8_probability.get(),
        telemetry_sigma: priors.ofu_sigma.get(),
        cross_check_divergence: priors.cross_check_divergence_factor.get(),
        ..EstimatorParams::default()
    }
}

/// The estimate of one allocation under `pack`, from the bundled accelerator catalog. Needs no
/// database, so the CLI runs it without opening one.
pub fn estimate_with_pack(pack: &RulePack, req: &EstimateRequest) -> AppResult<Estimate> {
    if req.count == 0 {
        return Err(AppError::invalid("/count", "must be at least 1"));
    }
    if !(req.hours.is_finite() && req.hours > 0.0 && req.hours <= 24.0 * 3660.0) {
        return Err(AppError::invalid(
            "/hours",
            "must be more than 0 and at most ten years",
        ));
    }
    let catalog = Catalog::bundled().map_err(|e| AppError::Internal(e.to_string()))?;
    let id = catalog
        .resolve(&req.accelerator)
        .map_err(|e| AppError::invalid("/accelerator", e.to_string()))?;
    let peaks = catalog.training_peaks(id).ok_or_else(|| {
        AppError::invalid(
            "/accelerator",
            "this accelerator has no dense training-format peak in the catalog",
        )
    })?;
    let estimator =
        Estimator::new(estimator_params(pack)).map_err(|e| AppError::Internal(e.to_string()))?;
    let query = AllocationQuery {
        count: req.count,
        // Whole seconds: chip-seconds are counted exactly, as billing does.
        seconds: (req.hours * 3600.0).round() as u64,
        utilization: req.utilization,
        format: req.format,
    };
    let name = catalog
        .get(id)
        .map_or_else(|| req.accelerator.clone(), |a| a.name().to_owned());
    let mut estimate = estimator
        .estimate_allocation(&name, peaks, &query)
        .map_err(|e| AppError::invalid("/utilization", e.to_string()))?;
    if let Some((parameters, tokens)) = req.declared {
        estimator
            .cross_check(&mut estimate, parameters, tokens)
            .map_err(|e| AppError::invalid("/declared", e.to_string()))?;
    }
    Ok(estimate)
}
