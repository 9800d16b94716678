//! `/v1/audit`: read a tenant's hash chain, verify the chains.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, InvalidField, Problem};
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Whose chain: the caller's tenant (the default) or one of its descendants.
    pub tenant: Option<Uuid>,
    /// Return entries with a sequence number greater than this (0, the default, starts at the
    /// beginning); pass the previous page's `next_after` to continue.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many entries (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// One event of a tenant's audit chain. It holds digests of the states, never the states.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub tenant: Uuid,
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Who acted: `key:<id>`, `user:<id>`, `operator` or `system:<job>`.
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    /// SHA-256 of the canonical JSON of the state before the change.
    pub before_digest: Option<String>,
    /// SHA-256 of the canonical JSON of the state after the change.
    pub after_digest: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<audit::AuditEntry> for AuditEntry {
    fn from(e: audit::AuditEntry) -> Self {
        Self {
            tenant: *e.tenant.as_uuid(),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            before_digest: e.before_digest,
            after_digest: e.after_digest,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub tenant: Uuid,
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` to read the next page; absent when this page is the last.
    pub next_after: Option<i64>,
}

/// Reads a tenant's audit chain.
///
/// Entries come in chain order, a page at a time; every state change of the tenant is one entry.
#[utoipa::path(
    get, path = "/v1/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the chain", body = AuditPage),
        (status = 404, description = "The tenant does not exist or is not visible to the caller", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_events(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid(vec![InvalidField {
            path: "/after".into(),
            message: "must be 0 or more".into(),
        }]));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let tenant = query.tenant.map_or(scope.tenant(), TenantId::from_uuid);
    let entries = state
        .app
        .audit_events(&scope, Some(tenant), after, limit)
        .await?;
    let full_page = u32::try_from(entries.len()).is_ok_and(|n| n == limit);
    let next_after = if full_page {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(Json(AuditPage {
        tenant: *tenant.as_uuid(),
        entries: entries.into_iter().map(AuditEntry::from).collect(),
        next_after,
    }))
}

/// The verdict on the audit chains of the caller's tenants.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyReport {
    /// True when no chain is broken.
    pub intact: bool,
    pub chains: Vec<ChainReport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainReport {
    pub tenant: Uuid,
    pub entries: u64,
    pub head_hash: String,
    /// The first entry where the chain does not hold; absent when intact.
    pub first_break: Option<ChainBreak>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

impl From<audit::VerifyReport> for VerifyReport {
    fn from(report: audit::VerifyReport) -> Self {
        Self {
            intact: report.intact(),
            chains: report
                .chains
                .into_iter()
                .map(|c| ChainReport {
                    tenant: *c.tenant.as_uuid(),
                    entries: c.entries,
                    head_hash: c.head_hash,
                    first_break: c.first_break.map(|b| ChainBreak {
                        seq: b.seq,
                        reason: b.reason,
                    }),
                })
                .collect(),
        }
    }
}

/// Verifies the audit chains.
///
/// Walks the hash chains of the caller's tenant and its descendants and reports the first
/// altered, removed or reordered entry of each.
#[utoipa::path(
    post, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "The verdict on each chain", body = VerifyReport)),
    security(("bearer" = []))
)]
pub async fn verify(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(state.app.verify_audit_in_scope(&scope).await?.into()))
}
