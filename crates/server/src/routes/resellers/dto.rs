//! The bodies of `/v1/resellers`.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_app::resellers::{DownstreamOutcome, ResellerOutcome};
use cloudkyc_domain::reseller::{AgreementKind, ReviewOutcome};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// How the reseller runs its CIP, by written agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CipAgreement {
    /// The reseller keeps a CIP of its own meeting the same requirements.
    OwnCip,
    /// The reseller adopts (or references) the provider's CIP.
    AdoptsProviderCip,
}

impl From<CipAgreement> for AgreementKind {
    fn from(kind: CipAgreement) -> Self {
        match kind {
            CipAgreement::OwnCip => AgreementKind::OwnCip,
            CipAgreement::AdoptsProviderCip => AgreementKind::AdoptsProviderCip,
        }
    }
}

impl From<AgreementKind> for CipAgreement {
    fn from(kind: AgreementKind) -> Self {
        match kind {
            AgreementKind::OwnCip => CipAgreement::OwnCip,
            AgreementKind::AdoptsProviderCip => CipAgreement::AdoptsProviderCip,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResellerName {
    /// The legal name.
    pub full: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": {"full": "Nimbus Cloud Pte Ltd"}, "country": "SG", "cip_agreement": "adopts_provider_cip"}))]
pub struct RegisterResellerRequest {
    pub name: ResellerName,
    /// ISO 3166-1 alpha-2 country of organisation; not `US` (a foreign reseller).
    pub country: String,
    pub cip_agreement: CipAgreement,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"by": "Mei Tan, Chief Compliance Officer", "statement": "Our CIP ran as agreed during 2026."}))]
pub struct AttestationBody {
    /// Defaults to today; not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    /// Who signed it (name and role at the reseller).
    pub by: String,
    pub statement: String,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewResult {
    Compliant,
    NonCompliant,
}

impl From<ReviewResult> for ReviewOutcome {
    fn from(r: ReviewResult) -> Self {
        match r {
            ReviewResult::Compliant => ReviewOutcome::Compliant,
            ReviewResult::NonCompliant => ReviewOutcome::NonCompliant,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "compliant", "evidence_reference": "review file RS-2026-04"}))]
pub struct ReviewBody {
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    /// `non_compliant` is a finding: it starts the termination clock.
    pub outcome: ReviewResult,
    /// Where the evidence the review relied on is kept.
    pub evidence_reference: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "audit of 2026-11: no CIP records kept"}))]
pub struct FindingBody {
    /// The day non-compliance became known; defaults to today.
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    /// Points at the evidence or review.
    pub reference: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "the reseller does not comply"}))]
pub struct ReasonBody {
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct DateBody {
    /// Defaults to today; not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDocumentView {
    /// Lowercase hex SHA-256 of the document as uploaded.
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    pub uploaded_at: DateTime<Utc>,
}

/// A registered foreign reseller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reseller {
    pub id: Uuid,
    /// The reseller's own tenant: `cloudkyc keys create --role reseller --tenant <tenant_id>`.
    pub tenant_id: Uuid,
    /// The tenant that registered it.
    pub registered_by_tenant: Uuid,
    pub name: ResellerName,
    pub country: String,
    pub cip_agreement: CipAgreement,
    pub agreement_document: Option<AgreementDocumentView>,
    #[schema(value_type = String, format = Date)]
    pub registered_on: NaiveDate,
    /// `active`, `under_review`, `non_compliant`, `terminating` or `terminated`.
    pub status: String,
    /// The status with its details (the finding, the termination clock, the downstream rule).
    #[schema(value_type = Object)]
    pub status_detail: Value,
    /// The last day the relationship may still exist, while a termination clock runs.
    #[schema(value_type = Option<String>, format = Date)]
    pub termination_due: Option<NaiveDate>,
    /// Reminders still to come: `[{"on", "days_before"}]`.
    #[schema(value_type = Vec<Object>)]
    pub reminders: Value,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_due: Option<NaiveDate>,
    /// The events the status accepts now.
    pub allowed_events: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub attestations: Value,
    #[schema(value_type = Vec<Object>)]
    pub reviews: Value,
    /// Every status change: `on`, `from`, `to` and the `event`.
    #[schema(value_type = Vec<Object>)]
    pub history: Value,
    /// The screening of the legal name at registration (`status`, `hits`, list versions).
    #[schema(value_type = Object)]
    pub screening: Value,
    /// What termination did (on the answer to it): `action` (`suspend` or `migrate`), the
    /// customers `changed`, `unchanged` and `failed`, and the reseller's API keys
    /// `keys_revoked` (every live key of its tenant) and `keys_failed`.
    #[schema(value_type = Option<Object>)]
    pub downstream: Option<Value>,
    /// The verification of the legal entity, once submitted (`PUT .../legal-entity`): the
    /// `customer` record it runs on, its `cip_status`, `account_access` and `reasons`.
    #[schema(value_type = Option<Object>)]
    pub legal_entity: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl From<ResellerOutcome> for Reseller {
    fn from(o: ResellerOutcome) -> Self {
        let r = o.record;
        Self {
            id: *r.id.as_uuid(),
            tenant_id: *r.reseller_tenant.as_uuid(),
            registered_by_tenant: *r.tenant.as_uuid(),
            name: ResellerName { full: r.name },
            country: r.country.as_str().to_owned(),
            cip_agreement: r.agreement.into(),
            agreement_document: r.agreement_document.map(|d| AgreementDocumentView {
                sha256: d.sha256.as_str().to_owned(),
                content_type: d.media_type.as_str().to_owned(),
                size: d.size,
                signed_on: d.signed_on,
                uploaded_at: d.uploaded_at,
            }),
            registered_on: r.registered_on,
            status: r.status.name().to_string(),
            status_detail: json(&r.status),
            termination_due: r.termination_due,
            reminders: json(&o.reminders),
            next_review_due: o.next_review_due,
            allowed_events: o.allowed_events.iter().map(ToString::to_string).collect(),
            attestations: json(&r.attestations),
            reviews: json(&r.reviews),
            history: json(&r.history),
            screening: r.screening,
            downstream: o.downstream.as_ref().map(|d: &DownstreamOutcome| json(d)),
            legal_entity: o.legal_entity.as_ref().map(json),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResellerList {
    /// Oldest first.
    pub resellers: Vec<Reseller>,
}
