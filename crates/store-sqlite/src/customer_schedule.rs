//! The sweep's query: customers due for re-verification or pending too long, from the plaintext
//! schedule columns of migration 0007 and their partial indexes; nothing is decrypted.

use async_trait::async_trait;
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customer_schedule::{CustomerScheduleStore, DueCustomer, DueQuery, DueRow};
use cloudkyc_store::{StoreResult, TenantScope};

use crate::SqliteStore;
use crate::error::db;
use crate::rows::{self, id_list};

// One branch per question, each repeating its partial index's condition and expression word for
// word and naming the index (`INDEXED BY`, which also fails loudly should the index stop
// applying): without statistics the planner would rather scan the tenant's customers. A NULL
// cutoff matches nothing.
const DUE: &str = "\
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(verified_at, created_at) AS since \
      FROM customers INDEXED BY customers_reverify \
     WHERE cip_status = 'verified' AND risk_tier = 'low' \
       AND COALESCE(verified_at, created_at) <= ?3 \
       AND tenant_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR id > ?2) AND purged_at IS NULL \
    UNION ALL \
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(verified_at, created_at) AS since \
      FROM customers INDEXED BY customers_reverify \
     WHERE cip_status = 'verified' AND risk_tier = 'medium' \
       AND COALESCE(verified_at, created_at) <= ?4 \
       AND tenant_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR id > ?2) AND purged_at IS NULL \
    UNION ALL \
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(verified_at, created_at) AS since \
      FROM customers INDEXED BY customers_reverify \
     WHERE cip_status = 'verified' AND risk_tier = 'high' \
       AND COALESCE(verified_at, created_at) <= ?5 \
       AND tenant_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR id > ?2) AND purged_at IS NULL \
    UNION ALL \
    SELECT id, tenant_id, cip_status, risk_tier, COALESCE(pending_since, created_at) AS since \
      FROM customers INDEXED BY customers_pending \
     WHERE cip_status = 'pending' AND COALESCE(pending_since, created_at) <= ?6 \
       AND tenant_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR id > ?2) AND purged_at IS NULL \
    ORDER BY id LIMIT ?7";

#[async_trait]
impl CustomerScheduleStore for SqliteStore {
    async fn customers_due(
        &self,
        scope: &TenantScope,
        query: &DueQuery,
    ) -> StoreResult<Vec<DueCustomer>> {
        let cutoff = |tier| query.verified_cutoff(tier).map(to_micros);
        let found = sqlx::query(DUE)
            .bind(id_list(scope.visible()))
            .bind(query.after.map(|id| id.to_string()))
            .bind(cutoff(RiskTier::Low))
            .bind(cutoff(RiskTier::Medium))
            .bind(cutoff(RiskTier::High))
            .bind(query.pending_before.map(to_micros))
            .bind(i64::from(query.limit))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        found
            .iter()
            .map(|row| {
                DueRow {
                    id: rows::id(row, "id")?,
                    tenant: rows::id(row, "tenant_id")?,
                    cip_status: rows::text(row, "cip_status")?,
                    risk_tier: rows::text(row, "risk_tier")?,
                    since: rows::time(row, "since")?,
                }
                .into_due()
            })
            .collect()
    }
}
