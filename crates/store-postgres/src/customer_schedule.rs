//! The sweep's query: customers due for re-verification or pending too long, from the plaintext
//! schedule columns of migration 0007 and their partial indexes; nothing is decrypted.

use async_trait::async_trait;
use cloudkyc_domain::TenantId;
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_store::customer_schedule::{CustomerScheduleStore, DueCustomer, DueQuery, DueRow};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreResult, TenantScope};

use crate::PgStore;
use crate::error::db;
use crate::rows::{get, time, uuids};

// One branch per question, each repeating its partial index's condition and expression word for
// word, so that each is a range scan of `customers_reverify` (tier, instant) or
// `customers_pending`. A NULL cutoff matches nothing.
const DUE: &str = "\
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(verified_at, created_at) AS since \
      FROM customers \
     WHERE cip_status = 'verified' AND risk_tier = 'low' \
       AND COALESCE(verified_at, created_at) <= $3 \
       AND tenant_id = ANY($1) AND ($2::uuid IS NULL OR id > $2) AND purged_at IS NULL \
    UNION ALL \
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(verified_at, created_at) AS since \
      FROM customers \
     WHERE cip_status = 'verified' AND risk_tier = 'medium' \
       AND COALESCE(verified_at, created_at) <= $4 \
       AND tenant_id = ANY($1) AND ($2::uuid IS NULL OR id > $2) AND purged_at IS NULL \
    UNION ALL \
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(verified_at, created_at) AS since \
      FROM customers \
     WHERE cip_status = 'verified' AND risk_tier = 'high' \
       AND COALESCE(verified_at, created_at) <= $5 \
       AND tenant_id = ANY($1) AND ($2::uuid IS NULL OR id > $2) AND purged_at IS NULL \
    UNION ALL \
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(pending_since, created_at) AS since \
      FROM customers \
     WHERE cip_status = 'pending' AND COALESCE(pending_since, created_at) <= $6 \
       AND tenant_id = ANY($1) AND ($2::uuid IS NULL OR id > $2) AND purged_at IS NULL \
    ORDER BY id LIMIT $7";

#[async_trait]
impl CustomerScheduleStore for PgStore {
    async fn customers_due(
        &self,
        scope: &TenantScope,
        query: &DueQuery,
    ) -> StoreResult<Vec<DueCustomer>> {
        let cutoff = |tier| query.verified_cutoff(tier);
        let found = sqlx::query(DUE)
            .bind(uuids(scope.visible()))
            .bind(query.after.map(|id| *id.as_uuid()))
            .bind(cutoff(RiskTier::Low))
            .bind(cutoff(RiskTier::Medium))
            .bind(cutoff(RiskTier::High))
            .bind(query.pending_before)
            .bind(i64::from(query.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        found
            .iter()
            .map(|row| {
                DueRow {
                    id: CustomerId::from_uuid(get(row, "id")?),
                    tenant: TenantId::from_uuid(get(row, "tenant_id")?),
                    cip_status: get(row, "cip_status")?,
                    risk_tier: get(row, "risk_tier")?,
                    since: time(row, "since")?,
                }
                .into_due()
            })
            .collect()
    }
}
