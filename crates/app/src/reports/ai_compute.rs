//! What the compute engine contributes to the AI-training report: the estimate of the largest
//! run, its episodes as hardware evidence, and the strongest cluster.

use chrono::{DateTime, Utc};
use cloudkyc_compute::engine::Assessment;
use cloudkyc_reports::{ClusterEvidence, ComputeEstimate, HardwareEvidence};

use crate::{App, AppError, AppResult};

pub(super) fn time(ts: i64) -> AppResult<DateTime<Utc>> {
    DateTime::from_timestamp(ts, 0)
        .ok_or_else(|| AppError::Internal(format!("timestamp {ts} is out of range")))
}

/// What the compute engine contributes to the report.
pub(super) struct ComputeParts {
    pub estimate: ComputeEstimate,
    pub hardware: Vec<HardwareEvidence>,
    pub cluster: ClusterEvidence,
    /// The run's first and last second.
    pub span: (i64, i64),
}

/// The largest training run the engine sees for the group: the lineage with the highest median.
pub(super) fn compute_parts(app: &App, assessment: &Assessment) -> AppResult<ComputeParts> {
    let view = &assessment.view;
    let lineage = view
        .lineages
        .iter()
        .max_by(|a, b| a.estimate.ops_p50.total_cmp(&b.estimate.ops_p50))
        .ok_or_else(|| {
            AppError::Conflict(
                "the compute monitor has no usage episode for the customer's accounts; an \
                 AI-training report needs an estimate"
                    .into(),
            )
        })?;
    let e = &lineage.estimate;
    let pack = app.policy().compute();
    let estimate = ComputeEstimate {
        p05_ops: e.ops_p05,
        p50_ops: e.ops_p50,
        p95_ops: e.ops_p95,
        ceiling_ops: e.ops_ceiling,
        threshold_ops: pack.training.threshold_ops.get(),
        method: format!(
            "cloudkyc compute estimator: {}",
            serde_json::to_string(&e.method).unwrap_or_default()
        ),
        assumptions: vec![
            format!("{} chip-seconds of {}", e.chip_seconds, e.accelerator),
            format!(
                "dense peak {:.3e} ops/s at 16-bit, {:.3e} ops/s at the fastest training format",
                e.peak_ops_per_s_16bit, e.peak_ops_per_s_max
            ),
            format!(
                "estimator parameters: {}",
                serde_json::to_string(&e.params).unwrap_or_default()
            ),
        ],
    };
    let mut hardware = Vec::new();
    for index in &lineage.episodes {
        let Some(episode) = view.episodes.get(*index) else {
            continue;
        };
        let seconds = u128::try_from((episode.end - episode.start).max(1)).unwrap_or(1);
        hardware.push(HardwareEvidence {
            accelerator: episode.accelerator_name.clone(),
            count: u64::try_from(episode.usage.chip_seconds() / seconds).unwrap_or(u64::MAX),
            peak_ops_per_s: e.peak_ops_per_s_max,
            start: time(episode.start)?,
            end: time(episode.end)?,
            cluster: episode.placement.cluster().to_owned(),
            datacenter: episode.placement.datacenter().to_owned(),
        });
    }
    let fabric = view
        .episodes
        .iter()
        .filter_map(|e| e.max_fabric_gbps)
        .fold(0.0_f64, f64::max);
    let cluster = view
        .clusters
        .iter()
        .max_by(|a, b| a.fast_ops_per_s_max.total_cmp(&b.fast_ops_per_s_max))
        .map_or(
            ClusterEvidence {
                cluster: String::new(),
                datacenter: String::new(),
                co_located: false,
                networking_gbit_per_s: 0.0,
                peak_ops_per_s: 0.0,
                meets_cluster_condition: false,
            },
            |c| ClusterEvidence {
                cluster: c.placement.cluster().to_owned(),
                datacenter: c.placement.datacenter().to_owned(),
                co_located: true,
                networking_gbit_per_s: fabric,
                peak_ops_per_s: c.fast_ops_per_s_max,
                meets_cluster_condition: c.fast_ops_per_s_max >= pack.cluster.peak_ops_per_s.get(),
            },
        );
    Ok(ComputeParts {
        estimate,
        hardware,
        cluster,
        span: (lineage.start, lineage.end),
    })
}
