//! Usage records and reservations (issue 5): bulk ingestion into the store and into the
//! in-memory compute engine, and the assessment of an account's owner group.
//!
//! The store is the record of truth; the engine is rebuilt from it. Each tenant has its own
//! engine (account ids are the provider's and mean nothing across tenants), built lazily from
//! the store on first use, so a restarted process recovers everything that was committed. A
//! batch is written to the store first and fed to the engine only after the commit: a record is
//! either committed and counted as accepted, or neither. Records other processes write reach a
//! loaded engine through its store cursor (`compute_follow`).

use std::collections::{BTreeSet, HashMap, HashSet};

use cloudkyc_compute::{
    Catalog, ComputeEngine, ComputeParams, PriceTable, RecordRejection, Reservation,
    ReservationInput, UsageRecord, UsageRecordInput, decode_batch,
};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_domain::{Permission, TenantId};
use cloudkyc_store::TenantScope;
use cloudkyc_store::usage::{ComputeCursor, ComputeRecord, ComputeRecordKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::compute::estimator_params;
use crate::compute_follow::apply_records;
use crate::compute_links::LinkIndex;
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

/// One tenant's engine, the accounts it has seen, and what links them (`compute_links`).
#[derive(Debug)]
pub(crate) struct TenantEngine {
    pub(crate) engine: ComputeEngine,
    pub(crate) accounts: HashSet<String>,
    pub(crate) links: LinkIndex,
    /// How far this engine has read the tenant's records in the store (`compute_follow`).
    pub(crate) cursor: ComputeCursor,
}

/// The engines of the tenants this process has touched.
#[derive(Debug, Default)]
pub(crate) struct ComputeEngines {
    pub(crate) inner: Mutex<EngineMap>,
}

#[derive(Debug, Default)]
pub(crate) struct EngineMap {
    /// An empty engine under the pack, cloned for each tenant (the catalog is parsed once).
    prototype: Option<ComputeEngine>,
    pub(crate) by_tenant: HashMap<TenantId, TenantEngine>,
    /// The store's marks of this process's own batches (`InsertOutcome::write`), applied to
    /// the engines already: a catch-up asks the store to leave them out. Dropped once every
    /// engine's cursor is past them.
    pub(crate) own_writes: BTreeSet<i64>,
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
    let flags = &compute.red_flags;
    let r = &mut params.red_flags;
    r.t3_p50_fraction = flags.t3.p50_fraction_of_threshold.get();
    r.t4_review_fraction = flags.t4.review_fraction_of_peak.get();
    r.r1_h100_equivalents = f64::from(flags.r1.h100_equivalents);
    r.r1_min_days = flags.r1.min_days.get();
    r.r2_gap_hours = flags.r2.max_gap_hours.get();
    r.m1_min_hours = flags.m1.min_hours.get();
    r.m1_min_chips = u64::from(flags.m1.min_accelerators);
    r.m1_min_ofu = flags.m1.min_tensor_activity.get();
    r.m2_ratio = flags.m2.fraction_of_hardware_p05.get();
    r.m4_bio_p50_ops = flags.m4.bio_p50_ops.get();
    r.s3_band = flags.s3.band_fraction.get();
    r.s3_min_requests = flags.s3.min_requests;
    r.s3_window_days = flags.s3.window_days.get();
    r.k1_entity_age_months = flags.k1.entity_younger_than_months.get();
    r.k1_min_indicators = flags.k1.min_indicators;
    r.p1_large_prepayment_usd = flags.p1.large_prepayment_usd.get() as f64;
    r.high_risk_jurisdictions = pack
        .jurisdictions()
        .high_risk()
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
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
pub(crate) fn input_of<T: DeserializeOwned>(record: &ComputeRecord) -> AppResult<T> {
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

/// `details_of` for a usage record, without serialising the record when it has none of the
/// fields that go to `details` (the common case: serialising every record to a JSON map only to
/// drop its columns again was a measurable share of bulk ingestion).
fn usage_details(input: &UsageRecordInput) -> AppResult<Option<serde_json::Value>> {
    // Exhaustive on purpose: a field added to the input does not compile here until it is
    // sorted into the columns (`_`) or the details.
    let UsageRecordInput {
        id: _,
        account: _,
        accelerator: _,
        count: _,
        start: _,
        end: _,
        cluster: _,
        datacenter: _,
        fabric_gbps: _,
        reservation,
        telemetry,
        purpose,
    } = input;
    if reservation.is_none() && telemetry.is_none() && purpose.is_none() {
        return Ok(None);
    }
    details_of(input)
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

    /// Loads, once per process, the records of every tenant the scope sees into their engines,
    /// links their accounts from CIP and starts each tenant's customer sync. Returns the tenants
    /// loaded now (their engines are as current as the store). Engines loaded before are left
    /// as they are: `App::load_engines` also brings those up to the store.
    pub(crate) async fn load_missing_engines(
        &self,
        map: &mut EngineMap,
        scope: &TenantScope,
    ) -> AppResult<Vec<TenantId>> {
        let missing: Vec<TenantId> = scope
            .visible()
            .iter()
            .copied()
            .filter(|t| !map.by_tenant.contains_key(t))
            .collect();
        let Some(&first) = missing.first() else {
            return Ok(missing);
        };
        // Built aside and added only once complete: a failed read leaves nothing half-loaded.
        let mut loaded = HashMap::new();
        for tenant in &missing {
            let engine = map.prototype(self.policy())?;
            loaded.insert(
                *tenant,
                TenantEngine {
                    engine,
                    accounts: HashSet::new(),
                    links: LinkIndex::with_chain(uuid::Uuid::now_v7().to_string()),
                    cursor: ComputeCursor::default(),
                },
            );
        }
        // Only the missing tenants' records: the others' engines hold theirs already.
        let load_scope = TenantScope::system(first, missing.clone(), "compute.engines");
        let changes = self.store().compute_changes(&load_scope, None, &[]).await?;
        apply_records(&mut loaded, &changes)?;
        for (tenant, t) in &mut loaded {
            t.cursor = changes.cursor;
            let accounts: Vec<String> = t.accounts.iter().cloned().collect();
            self.link_accounts(*tenant, &mut t.links, &mut t.engine, accounts)
                .await?;
            self.schedule_customer_sync(*tenant, &t.links.chain, chrono::Duration::zero())
                .await?;
            // A process that stopped between a commit and its jobs left groups unassessed.
            self.queue_recovery_assessments(*tenant, t).await?;
        }
        map.by_tenant.extend(loaded);
        Ok(missing)
    }

    /// After a batch: links the accounts never linked before and queues the assessment of
    /// every owner group the batch touched.
    async fn after_batch(
        &self,
        tenant_id: TenantId,
        tenant: &mut TenantEngine,
        accounts: &BTreeSet<String>,
    ) -> AppResult<()> {
        let fresh = tenant
            .links
            .not_looked_up(accounts.iter().map(String::as_str));
        self.link_accounts(tenant_id, &mut tenant.links, &mut tenant.engine, fresh)
            .await?;
        self.queue_assessments(tenant_id, tenant, accounts.iter().map(String::as_str))
            .await
    }

    /// `POST /v1/usage` and `cloudkyc usage import`: a JSON array or NDJSON of usage records.
    pub async fn ingest_usage(&self, scope: &TenantScope, body: &[u8]) -> AppResult<IngestReport> {
        Self::require(scope, Permission::IngestTelemetry)?;
        let items = decode::<UsageRecordInput>(body)?;
        let mut map = self.compute_engines().inner.lock().await;
        self.load_missing_engines(&mut map, scope).await?;
        let Some(tenant) = map.by_tenant.get(&scope.tenant()) else {
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
                        details: usage_details(&input)?,
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
        // The engines are not held while the store writes: another batch is checked, or applied
        // to the engines, meanwhile. This is safe because the tenant's engine was loaded above
        // (engines load once and are never dropped, so no load can count these records as well),
        // and the store's idempotency makes exactly one batch the owner of each new id.
        drop(map);
        let (records, rows): (Vec<UsageRecord>, Vec<ComputeRecord>) = valid.into_iter().unzip();
        let outcome = self
            .store()
            .insert_compute_records(scope, ComputeRecordKind::Usage, &rows, self.now())
            .await?;
        report.accepted = outcome.accepted.len();
        report.duplicate = outcome.duplicate.len();
        let mut map = self.compute_engines().inner.lock().await;
        let map = &mut *map;
        let Some(tenant) = map.by_tenant.get_mut(&scope.tenant()) else {
            return Err(internal("the scope's own engine was not loaded"));
        };
        let mut new: HashSet<&str> = outcome.accepted.iter().map(String::as_str).collect();
        let mut touched = BTreeSet::new();
        for record in &records {
            // `remove`: a repeat of an id inside the batch was a duplicate, not a second record.
            // A catch-up that read the batch back meanwhile applied it already: `ingest` is
            // idempotent on the id, so it counts once either way.
            if new.remove(record.id()) {
                tenant.engine.ingest(record).map_err(internal)?;
                tenant.accounts.insert(record.account().to_owned());
            }
            // Duplicates too: a resent batch may be one whose jobs were lost after its commit.
            touched.insert(record.account().to_owned());
        }
        // Only once applied: a catch-up skips the batch from here on.
        map.own_writes.extend(outcome.write);
        self.after_batch(scope.tenant(), tenant, &touched).await?;
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
        self.load_missing_engines(&mut map, scope).await?;
        let map = &mut *map;
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
        let mut touched = BTreeSet::new();
        for (reservation, _) in valid {
            touched.insert(reservation.account().to_owned());
            if new.remove(reservation.id()) {
                tenant.accounts.insert(reservation.account().to_owned());
                tenant.engine.add_reservation(reservation);
            }
        }
        map.own_writes.extend(outcome.write);
        self.after_batch(scope.tenant(), tenant, &touched).await?;
        Ok(report)
    }

    /// The assessment of the owner group of `account` (the provider's external id) as of `now`,
    /// from the first tenant of the scope that has seen the account, with the facts the CIP
    /// records of the group's holders give (person status, countries, payments).
    pub async fn assess_account(
        &self,
        scope: &TenantScope,
        account: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<Assessment> {
        Self::require(scope, Permission::ReadCustomers)?;
        let mut map = self.compute_engines().inner.lock().await;
        self.load_engines(&mut map, scope).await?;
        let (tenant, engine) = scope
            .visible()
            .iter()
            .filter_map(|t| map.by_tenant.get(t).map(|e| (*t, e)))
            .find(|(_, t)| t.accounts.contains(account))
            .ok_or_else(|| AppError::NotFound("account".to_owned()))?;
        Ok(self.assess_with_cip(tenant, engine, account, now).await?.0)
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
        assert_eq!(usage_details(&input).unwrap(), details);
        let plain = UsageRecordInput {
            reservation: None,
            telemetry: None,
            purpose: None,
            ..input.clone()
        };
        assert_eq!(usage_details(&plain).unwrap(), None);
        assert_eq!(details_of(&plain).unwrap(), None);
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
        let flags = &pack.compute().red_flags;
        assert_eq!(
            params.red_flags.r1_h100_equivalents,
            f64::from(flags.r1.h100_equivalents)
        );
        assert_eq!(
            params.red_flags.m1_min_ofu,
            flags.m1.min_tensor_activity.get()
        );
        assert!(!params.red_flags.high_risk_jurisdictions.is_empty());
        assert!(params.validate().is_ok());
    }
}
