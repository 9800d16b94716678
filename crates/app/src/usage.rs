//! Usage records and reservations (issue 5): bulk ingestion into the store and into the
//! in-memory compute engine, and the assessment of an account's owner group.
//!
//! The store is the record of truth; the engine is rebuilt from it. Each tenant has its own
//! engine (account ids are the provider's and mean nothing across tenants), built lazily from
//! the store on first use, so a restarted process recovers everything that was committed. A
//! batch is written to the store first and fed to the engine only after the commit: a record is
//! either committed and counted as accepted, or neither.

use std::collections::{HashMap, HashSet};

use cloudkyc_compute::{
    Catalog, ComputeEngine, ComputeParams, OwnerFacts, PersonStatus, PriceTable, RecordRejection,
    Reservation, ReservationInput, UsageRecord, UsageRecordInput, decode_batch,
};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_domain::{Permission, TenantId};
use cloudkyc_store::TenantScope;
use cloudkyc_store::usage::{ComputeRecord, ComputeRecordKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::compute::estimator_params;
use crate::{App, AppError, AppResult};

/// The assessment `assess_account` returns (the compute engine's type).
pub use cloudkyc_compute::Assessment;

/// Fields of a record that have their own columns; everything else goes to `details`.
const COLUMN_FIELDS: [&str; 9] = [
    "id",
    "account",
    "accelerator",
    "count",
    "start",
    "end",
    "cluster",
    "datacenter",
    "fabric_gbps",
];

/// The answer to a bulk body.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestReport {
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: Vec<RejectedRecord>,
}

/// One record that was refused, with every reason at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedRecord {
    /// The record's id when one could be read.
    pub id: Option<String>,
    /// Position of the record in the body (0-based; blank NDJSON lines are not counted).
    pub index: usize,
    pub reasons: Vec<String>,
}

impl RejectedRecord {
    pub(crate) fn new(index: usize, rejection: RecordRejection) -> Self {
        Self {
            id: rejection.id,
            index,
            reasons: rejection
                .problems
                .iter()
                .map(|p| match p.field() {
                    "" => p.to_string(),
                    field => format!("{field}: {p}"),
                })
                .collect(),
        }
    }
}

/// One tenant's engine and the accounts it has seen.
#[derive(Debug)]
struct TenantEngine {
    engine: ComputeEngine,
    accounts: HashSet<String>,
}

/// The engines of the tenants this process has touched.
#[derive(Debug, Default)]
pub(crate) struct ComputeEngines {
    inner: Mutex<EngineMap>,
}

#[derive(Debug, Default)]
struct EngineMap {
    /// An empty engine under the pack, cloned for each tenant (the catalog is parsed once).
    prototype: Option<ComputeEngine>,
    by_tenant: HashMap<TenantId, TenantEngine>,
}

/// The engine parameters as the pack sets them; the rest keep the compute crate's defaults.
pub fn compute_params(pack: &RulePack) -> ComputeParams {
    let compute = pack.compute();
    let mut params = ComputeParams {
        estimator: estimator_params(pack),
        ..ComputeParams::default()
    };
    params.thresholds.training_ops = compute.training.threshold_ops.get();
    params.thresholds.bio_training_ops = compute.training.bio_sequence_threshold_ops.get();
    params.thresholds.cluster_ops_per_s = compute.cluster.peak_ops_per_s.get();
    params.thresholds.cluster_network_gbps = compute.cluster.networking_gbit_per_s.get();
    params.episodes.gap_hours = compute.episodes.gap_hours.get();
    params.episodes.lineage_gap_days = compute.episodes.lineage_window_days.get();
    params.episodes.rolling_window_days = compute.episodes.rolling_total_days.get();
    params.projection.horizon_days = compute.episodes.projection_horizon_days.get();
    params.red_flags.review_us_persons = compute.review_us_persons;
    params
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

impl EngineMap {
    fn prototype(&mut self, pack: &RulePack) -> AppResult<ComputeEngine> {
        if let Some(engine) = &self.prototype {
            return Ok(engine.clone());
        }
        let catalog = Catalog::bundled().map_err(internal)?;
        let prices = PriceTable::bundled().map_err(internal)?;
        let engine = ComputeEngine::new(catalog, prices, compute_params(pack)).map_err(internal)?;
        self.prototype = Some(engine.clone());
        Ok(engine)
    }
}

/// A stored record back into the input it was made from.
fn input_of<T: DeserializeOwned>(record: &ComputeRecord) -> AppResult<T> {
    let mut object = match &record.details {
        Some(serde_json::Value::Object(map)) => map.clone(),
        _ => serde_json::Map::new(),
    };
    let columns = serde_json::json!({
        "id": record.id, "account": record.account, "accelerator": record.accelerator,
        "count": record.count, "start": record.start, "end": record.end,
        "cluster": record.cluster, "datacenter": record.datacenter,
        "fabric_gbps": record.fabric_gbps,
    });
    if let serde_json::Value::Object(map) = columns {
        object.extend(map.into_iter().filter(|(_, v)| !v.is_null()));
    }
    serde_json::from_value(serde_json::Value::Object(object)).map_err(internal)
}

/// The optional fields of an input that have no column of their own.
fn details_of(input: &impl Serialize) -> AppResult<Option<serde_json::Value>> {
    let serde_json::Value::Object(mut map) = serde_json::to_value(input).map_err(internal)? else {
        return Ok(None);
    };
    map.retain(|k, v| !v.is_null() && !COLUMN_FIELDS.contains(&k.as_str()));
    Ok((!map.is_empty()).then_some(serde_json::Value::Object(map)))
}

/// Decodes a bulk body; refuses only a body that is unusable as a whole.
pub(crate) fn decode<T: DeserializeOwned>(
    body: &[u8],
) -> AppResult<Vec<Result<T, RecordRejection>>> {
    let items = decode_batch::<T>(body).map_err(|e| AppError::invalid("", e.to_string()))?;
    if items.is_empty() {
        return Err(AppError::invalid("", "the body holds no records"));
    }
    // NDJSON in which no line is JSON at all is not NDJSON.
    let nothing_is_json = items.iter().all(|item| {
        item.as_ref().is_err_and(|r| {
            r.id.is_none()
                && r.problems
                    .iter()
                    .all(|p| matches!(p, cloudkyc_compute::RecordProblem::Malformed(_)))
        })
    });
    if nothing_is_json && !body.trim_ascii_start().starts_with(b"{") {
        return Err(AppError::invalid(
            "",
            "the body is neither a JSON array nor NDJSON",
        ));
    }
    Ok(items)
}

impl App {
    /// Refuses a scope that may not ingest usage, before anything about the body is looked at.
    pub fn can_ingest_usage(scope: &TenantScope) -> AppResult<()> {
        Self::require(scope, Permission::IngestTelemetry)
    }

    /// Loads, once per process, the records of every tenant the scope sees into their engines.
    async fn load_engines(&self, map: &mut EngineMap, scope: &TenantScope) -> AppResult<()> {
        let missing: Vec<TenantId> = scope
            .visible()
            .iter()
            .copied()
            .filter(|t| !map.by_tenant.contains_key(t))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        // Built aside and added only once complete: a failed read leaves nothing half-loaded.
        let mut loaded = HashMap::new();
        for tenant in &missing {
            let engine = map.prototype(self.policy())?;
            loaded.insert(
                *tenant,
                TenantEngine {
                    engine,
                    accounts: HashSet::new(),
                },
            );
        }
        let usage = self
            .store()
            .compute_records(scope, ComputeRecordKind::Usage)
            .await?;
        let reservations = self
            .store()
            .compute_records(scope, ComputeRecordKind::Reservation)
            .await?;
        for stored in &usage {
            let Some(t) = loaded.get_mut(&stored.tenant) else {
                continue;
            };
            let input: UsageRecordInput = input_of(&stored.record)?;
            // A record stored under an older catalog or pack may no longer validate; it stays
            // stored and is reported in the log rather than failing the whole tenant.
            match t.engine.ingest_input(&input) {
                Ok(_) => {
                    t.accounts.insert(input.account);
                }
                Err(e) => {
                    tracing::warn!(record = %input.id, error = %e, "stored usage record skipped")
                }
            }
        }
        for stored in &reservations {
            let Some(t) = loaded.get_mut(&stored.tenant) else {
                continue;
            };
            let input: ReservationInput = input_of(&stored.record)?;
            match Reservation::validate(&input, t.engine.catalog(), &t.engine.params().limits) {
                Ok(r) => {
                    t.engine.add_reservation(r);
                    t.accounts.insert(input.account);
                }
                Err(e) => {
                    tracing::warn!(record = %input.id, error = %e, "stored reservation skipped")
                }
            }
        }
        map.by_tenant.extend(loaded);
        Ok(())
    }

    /// `POST /v1/usage` and `cloudkyc usage import`: a JSON array or NDJSON of usage records.
    pub async fn ingest_usage(&self, scope: &TenantScope, body: &[u8]) -> AppResult<IngestReport> {
        Self::require(scope, Permission::IngestTelemetry)?;
        let items = decode::<UsageRecordInput>(body)?;
        let mut map = self.compute_engines().inner.lock().await;
        self.load_engines(&mut map, scope).await?;
        let Some(tenant) = map.by_tenant.get_mut(&scope.tenant()) else {
            return Err(internal("the scope's own engine was not loaded"));
        };
        let mut report = IngestReport::default();
        let mut valid: Vec<(UsageRecord, ComputeRecord)> = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let checked = item.and_then(|input| {
                let record = tenant.engine.validate_usage(&input)?;
                Ok((record, input))
            });
            match checked {
                Ok((record, input)) => {
                    let row = ComputeRecord {
                        accelerator_resolved: record.accelerator_name().to_owned(),
                        details: details_of(&input)?,
                        id: input.id,
                        account: input.account,
                        accelerator: input.accelerator,
                        count: Some(input.count),
                        start: input.start,
                        end: input.end,
                        cluster: input.cluster,
                        datacenter: input.datacenter,
                        fabric_gbps: input.fabric_gbps,
                    };
                    valid.push((record, row));
                }
                Err(rejection) => report.rejected.push(RejectedRecord::new(index, rejection)),
            }
        }
        let rows: Vec<ComputeRecord> = valid.iter().map(|(_, row)| row.clone()).collect();
        let outcome = self
            .store()
            .insert_compute_records(scope, ComputeRecordKind::Usage, &rows, self.now())
            .await?;
        report.accepted = outcome.accepted.len();
        report.duplicate = outcome.duplicate.len();
        let mut new: HashSet<&str> = outcome.accepted.iter().map(String::as_str).collect();
        for (record, _) in &valid {
            // `remove`: a repeat of an id inside the batch was a duplicate, not a second record.
            if new.remove(record.id()) {
                tenant.engine.ingest(record).map_err(internal)?;
                tenant.accounts.insert(record.account().to_owned());
            }
        }
        Ok(report)
    }

    /// `POST /v1/reservations`: a JSON array or NDJSON of reservations or committed spend.
    pub async fn ingest_reservations(
        &self,
        scope: &TenantScope,
        body: &[u8],
    ) -> AppResult<IngestReport> {
        Self::require(scope, Permission::IngestTelemetry)?;
        let items = decode::<ReservationInput>(body)?;
        let mut map = self.compute_engines().inner.lock().await;
        self.load_engines(&mut map, scope).await?;
        let Some(tenant) = map.by_tenant.get_mut(&scope.tenant()) else {
            return Err(internal("the scope's own engine was not loaded"));
        };
        let mut report = IngestReport::default();
        let mut valid: Vec<(Reservation, ComputeRecord)> = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let checked = item.and_then(|input| {
                let limits = &tenant.engine.params().limits;
                let reservation = Reservation::validate(&input, tenant.engine.catalog(), limits)?;
                Ok((reservation, input))
            });
            match checked {
                Ok((reservation, input)) => {
                    let row = ComputeRecord {
                        accelerator_resolved: reservation.accelerator_name().to_owned(),
                        details: details_of(&input)?,
                        id: input.id,
                        account: input.account,
                        accelerator: input.accelerator,
                        count: input.count,
                        start: input.start,
                        end: input.end,
                        cluster: input.cluster,
                        datacenter: input.datacenter,
                        fabric_gbps: input.fabric_gbps,
                    };
                    valid.push((reservation, row));
                }
                Err(rejection) => report.rejected.push(RejectedRecord::new(index, rejection)),
            }
        }
        let rows: Vec<ComputeRecord> = valid.iter().map(|(_, row)| row.clone()).collect();
        let outcome = self
            .store()
            .insert_compute_records(scope, ComputeRecordKind::Reservation, &rows, self.now())
            .await?;
        report.accepted = outcome.accepted.len();
        report.duplicate = outcome.duplicate.len();
        let mut new: HashSet<&str> = outcome.accepted.iter().map(String::as_str).collect();
        for (reservation, _) in valid {
            if new.remove(reservation.id()) {
                tenant.accounts.insert(reservation.account().to_owned());
                tenant.engine.add_reservation(reservation);
            }
        }
        Ok(report)
    }

    /// The assessment of the owner group of `account` (the provider's external id) as of `now`,
    /// from the first tenant of the scope that has seen the account. Person status is
    /// `undetermined` until accounts are linked to CIP customers, so report-case outcomes show
    /// as reviews.
    pub async fn assess_account(
        &self,
        scope: &TenantScope,
        account: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<Assessment> {
        Self::require(scope, Permission::ReadCustomers)?;
        let mut map = self.compute_engines().inner.lock().await;
        self.load_engines(&mut map, scope).await?;
        let engine = scope
            .visible()
            .iter()
            .filter_map(|t| map.by_tenant.get(t))
            .find(|t| t.accounts.contains(account))
            .ok_or_else(|| AppError::NotFound("account".to_owned()))?;
        let facts = OwnerFacts::with_status(PersonStatus::Undetermined);
        Ok(engine.engine.assess(account, &facts, now.timestamp()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_through_columns_and_details() {
        let input: UsageRecordInput = serde_json::from_str(
            r#"{"id": "u-1", "account": "a", "accelerator": "H100", "count": 8,
                "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z",
                "cluster": "c1", "telemetry": {"ofu": 0.4}, "purpose": "training"}"#,
        )
        .unwrap();
        let details = details_of(&input).unwrap();
        assert_eq!(
            details,
            Some(serde_json::json!({
                "telemetry": {"duty": null, "ofu": 0.4, "precision": null},
                "purpose": "training"
            }))
        );
        let row = ComputeRecord {
            id: input.id.clone(),
            account: input.account.clone(),
            accelerator: input.accelerator.clone(),
            accelerator_resolved: "H100 SXM5 80GB".into(),
            count: Some(input.count),
            start: input.start,
            end: input.end,
            cluster: input.cluster.clone(),
            datacenter: None,
            fabric_gbps: None,
            details,
        };
        let back: UsageRecordInput = input_of(&row).unwrap();
        assert_eq!(back, input);
    }

    #[test]
    fn unusable_bodies_are_refused_whole() {
        assert!(decode::<UsageRecordInput>(b"").is_err());
        assert!(decode::<UsageRecordInput>(b"[]").is_err());
        assert!(decode::<UsageRecordInput>(b"hello world\nnot json").is_err());
        assert!(decode::<UsageRecordInput>(b"[{").is_err());
        let one_bad_line = decode::<UsageRecordInput>(b"{\"id\": 1}").unwrap();
        assert_eq!(one_bad_line.len(), 1);
        assert!(one_bad_line[0].is_err());
    }

    #[test]
    fn pack_settings_reach_the_engine() {
        let pack = RulePack::bundled(cloudkyc_domain::rule_pack::DEFAULT_PACK_ID).unwrap();
        let params = compute_params(&pack);
        assert_eq!(
            params.thresholds.training_ops,
            pack.compute().training.threshold_ops.get()
        );
        assert!(params.validate().is_ok());
    }
}
