//! Verification decisions after onboarding: officer overrides with four-eyes approval
//! (`/v1/customers/{id}/verifications`), the verification history, and resubmission
//! (`/v1/customers/{id}/resubmissions`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cloudkyc_app::customers::{OverrideOutcome, OverrideRequest};
use cloudkyc_domain::cip::{CheckOutcome, CustomerDraft};
use cloudkyc_store::customers::{CustomerId, enum_text};
use cloudkyc_store::verifications::{
    Evidence, OfficerDecision, Verification, VerificationId, state_text,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::customers::{Customer, VerificationCheckResult};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// What the officer decides.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverrideDecision {
    Verified,
    Failed,
}

/// An officer's override of the CIP verification decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "verified", "reason": "passport inspected in person at the Lagos office"}))]
pub struct OverrideBody {
    pub decision: OverrideDecision,
    /// Why (required, 1 to 1000 characters); recorded in the decision reasons and the history.
    pub reason: String,
}

/// One entry of a customer's verification history.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationRecord {
    pub id: Uuid,
    /// `vendor` (a vendor's verdict), `override` (an officer's) or `decision` (the checks of a
    /// decision made after onboarding).
    pub kind: String,
    /// `recorded`, `pending` (waiting for a second officer), `applied` or `rejected`.
    pub state: String,
    /// Who recorded or requested it: `key:<id>`, `operator` or `system:<job>`.
    pub requested_by: String,
    /// Who applied or rejected it.
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Vendor verdicts: the vendor, `pass` / `fail` / `inconclusive`, its evidence reference and
    /// event id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Overrides: `verified` or `failed`, and the officer's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Decisions: the change that made it (`customer.override`, ...), its outcome and checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cip_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_access: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<VerificationCheckResult>>,
}

fn text<T: Serialize>(value: &T) -> ApiResult<String> {
    enum_text(value).map_err(|e| ApiError::internal(e.to_string()))
}

impl VerificationRecord {
    fn from_record(v: Verification) -> ApiResult<Self> {
        let mut out = Self {
            id: *v.id.as_uuid(),
            kind: v.evidence.kind().to_owned(),
            state: state_text(v.state).to_owned(),
            requested_by: v.requested_by,
            decided_by: v.decided_by,
            created_at: v.created_at,
            decided_at: v.decided_at,
            vendor: None,
            verdict: None,
            reference: None,
            event_id: v.event_id,
            decision: None,
            reason: None,
            action: None,
            cip_status: None,
            account_access: None,
            checks: None,
        };
        match v.evidence {
            Evidence::Vendor {
                vendor,
                verdict,
                reference,
            } => {
                out.vendor = Some(vendor);
                out.verdict = Some(text(&verdict)?);
                out.reference = Some(reference);
            }
            Evidence::Override { decision, reason } => {
                out.decision = Some(text(&decision)?);
                out.reason = Some(reason);
            }
            Evidence::Decision {
                action,
                cip_status,
                account_access,
                checks,
            } => {
                out.action = Some(action);
                out.cip_status = Some(text(&cip_status)?);
                out.account_access = Some(text(&account_access)?);
                out.checks = Some(
                    checks
                        .into_iter()
                        .map(|c| {
                            let (outcome, detail) = match c.outcome {
                                CheckOutcome::Pass => ("pass", c.detail),
                                CheckOutcome::Fail => ("fail", c.detail),
                                CheckOutcome::NotApplicable => ("not_applicable", c.detail),
                                CheckOutcome::CannotRun { reason } => ("cannot_run", reason),
                            };
                            VerificationCheckResult {
                                name: c.name,
                                outcome: outcome.to_owned(),
                                detail,
                            }
                        })
                        .collect(),
                );
            }
        }
        Ok(out)
    }
}

/// An override and the customer it concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideAnswer {
    pub verification: VerificationRecord,
    /// The customer as it now stands (unchanged while the override waits for approval).
    pub customer: Customer,
}

impl OverrideAnswer {
    fn from_outcome(outcome: OverrideOutcome) -> ApiResult<Self> {
        Ok(Self {
            verification: VerificationRecord::from_record(outcome.verification)?,
            customer: Customer::from_record(outcome.customer)?,
        })
    }
}

/// A customer's verification history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationHistory {
    pub verifications: Vec<VerificationRecord>,
}

/// Overrides a customer's verification decision.
///
/// At the risk tiers the rule pack lists in `[access.redress] four_eyes_override_at` the
/// override waits (202) until a different officer approves or rejects it; elsewhere it applies
/// at once (200): `verified` gives full access, `failed` the pack's failure action. The reasons
/// name the officer(s) and the reason.
#[utoipa::path(
    post, path = "/v1/customers/{id}/verifications", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    request_body = OverrideBody,
    responses(
        (status = 200, description = "Applied: the override and the customer decided with it", body = OverrideAnswer),
        (status = 202, description = "Waiting for a second officer (four-eyes)", body = OverrideAnswer),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing to override, or the customer changed meanwhile", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn override_verification(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> ApiResult<(StatusCode, Json<OverrideAnswer>)> {
    let request = OverrideRequest {
        decision: match body.decision {
            OverrideDecision::Verified => OfficerDecision::Verified,
            OverrideDecision::Failed => OfficerDecision::Failed,
        },
        reason: body.reason,
    };
    let outcome = state
        .app
        .override_verification(&scope, CustomerId::from_uuid(id), request)
        .await?;
    let status = if outcome.verification.decided_at.is_some() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(OverrideAnswer::from_outcome(outcome)?)))
}

/// Lists a customer's verification history.
///
/// Vendor verdicts (with the vendor's evidence reference), overrides and their state, and the
/// checks of each decision made after onboarding, oldest first.
#[utoipa::path(
    get, path = "/v1/customers/{id}/verifications", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The history", body = VerificationHistory),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_verifications(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<VerificationHistory>> {
    let history = state
        .app
        .verification_history(&scope, CustomerId::from_uuid(id))
        .await?;
    Ok(Json(VerificationHistory {
        verifications: history
            .into_iter()
            .map(VerificationRecord::from_record)
            .collect::<ApiResult<_>>()?,
    }))
}

/// Approves a pending four-eyes override.
///
/// Only an officer other than the one who requested it may approve (403 otherwise); the
/// customer is then decided with the override.
#[utoipa::path(
    post, path = "/v1/customers/{id}/verifications/{verification_id}/approve", tag = "customers",
    params(
        ("id" = Uuid, Path, description = "The customer's id"),
        ("verification_id" = Uuid, Path, description = "The pending override's id"),
    ),
    responses(
        (status = 200, description = "Applied", body = OverrideAnswer),
        (status = 404, description = "No such customer or override", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The override is no longer pending, or the customer changed meanwhile", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn approve_override(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath((id, verification)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<OverrideAnswer>> {
    let outcome = state
        .app
        .approve_override(
            &scope,
            CustomerId::from_uuid(id),
            VerificationId::from_uuid(verification),
        )
        .await?;
    Ok(Json(OverrideAnswer::from_outcome(outcome)?))
}

/// Rejects a pending four-eyes override.
///
/// Only an officer other than the one who requested it may reject (403 otherwise); the
/// customer is unchanged.
#[utoipa::path(
    post, path = "/v1/customers/{id}/verifications/{verification_id}/reject", tag = "customers",
    params(
        ("id" = Uuid, Path, description = "The customer's id"),
        ("verification_id" = Uuid, Path, description = "The pending override's id"),
    ),
    responses(
        (status = 200, description = "Rejected", body = VerificationRecord),
        (status = 404, description = "No such customer or override", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The override is no longer pending", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn reject_override(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath((id, verification)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<VerificationRecord>> {
    let rejected = state
        .app
        .reject_override(
            &scope,
            CustomerId::from_uuid(id),
            VerificationId::from_uuid(verification),
        )
        .await?;
    Ok(Json(VerificationRecord::from_record(rejected)?))
}

/// Resubmits a customer's information.
///
/// For a customer whose verification failed or is pending, within the rule pack's
/// `resubmission_window_days` and up to `max_resubmissions`: the body is validated as at
/// onboarding (422 lists every field error), the customer keeps its id and is decided again.
/// Its accounts become the body's; an account of another customer is a 409.
#[utoipa::path(
    post, path = "/v1/customers/{id}/resubmissions", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    request_body = CustomerDraft,
    responses(
        (status = 200, description = "The customer, decided again", body = Customer),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not failed or pending, window closed, limit reached, an account of another customer, or the customer changed meanwhile", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn resubmit(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(draft): ApiJson<CustomerDraft>,
) -> ApiResult<Json<Customer>> {
    let record = state
        .app
        .resubmit_customer(&scope, CustomerId::from_uuid(id), draft)
        .await?;
    Ok(Json(Customer::from_record(record)?))
}
