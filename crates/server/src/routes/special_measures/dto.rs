//! The bodies of `/v1/special-measures` and their translation to and from the app's types.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_app::AppError;
use cloudkyc_app::measures::{Measure, MeasureActionView, MeasureDetail};
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::measures::{
    Extension, Lifting, MeasureKind, MeasureKindName, MeasureTarget, NamedPerson,
};
use cloudkyc_store::customers::enum_text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::{ApiError, ApiResult};

/// What a measure targets.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// Foreign persons located in the jurisdiction (ISO 3166-1 alpha-2 code).
    Jurisdiction { country: String },
    /// A named foreign person (individual or entity).
    Person {
        name: String,
        /// Where the person is, as the determination says (alpha-2 code).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aliases: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date_of_birth: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        identifiers: Vec<String>,
    },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target": {"kind": "jurisdiction", "country": "KP"}, "measure": "prohibit",
    "determined": "2026-11-01", "effective": "2026-11-01", "reference": "example determination"}))]
pub struct CreateMeasureRequest {
    pub target: Target,
    /// `prohibit` or `condition`.
    #[schema(value_type = String)]
    pub measure: MeasureKindName,
    /// For `condition`: one of the pack's `[special_measures.conditions]`.
    #[serde(default)]
    pub condition: Option<String>,
    pub determined: NaiveDate,
    /// An effective date earlier than the pack's `earliest_effect_days` after `determined` is
    /// accepted with a warning.
    pub effective: NaiveDate,
    /// Defaults to `effective` plus the pack's maximum duration (365 days).
    #[serde(default)]
    pub expiry: Option<NaiveDate>,
    /// Where the measure was published.
    pub reference: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_expiry": "2028-11-01", "reference": "extension notice"}))]
pub struct ExtendRequest {
    pub new_expiry: NaiveDate,
    /// Defaults to today.
    #[serde(default)]
    pub decided_on: Option<NaiveDate>,
    pub reference: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "rescission notice"}))]
pub struct ExpireRequest {
    /// The first day the measure no longer holds; defaults to today.
    #[serde(default)]
    pub on: Option<NaiveDate>,
    pub reference: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecialMeasure {
    pub id: Uuid,
    pub tenant: Uuid,
    pub target: Target,
    /// `prohibit` or `condition`.
    pub measure: String,
    pub condition: Option<String>,
    pub determined: NaiveDate,
    pub effective: NaiveDate,
    /// After every extension.
    pub expiry: NaiveDate,
    /// `pending`, `in_force`, `expired` or `lifted`, today.
    pub status: String,
    pub reference: String,
    #[schema(value_type = Vec<Object>)]
    pub extensions: Vec<Extension>,
    #[schema(value_type = Option<Object>)]
    pub lifted: Option<Lifting>,
    /// What was accepted although the pack questions it.
    pub warnings: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A measure's action on one customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedCustomer {
    pub customer: Uuid,
    pub tenant: Uuid,
    /// `refuse`, `close` or `restrict`.
    pub action: String,
    pub due: NaiveDate,
    /// `scheduled`, `applied` or `lifted`.
    pub state: String,
    pub lift_reason: Option<String>,
    /// The measure and each match, in words.
    pub reasons: Vec<String>,
    /// Each subject that matched (`customer` or `owner`) with its basis: `location` and the
    /// evidence (source, country, detail), or `person` with the score and explanation.
    #[schema(value_type = Vec<Object>)]
    pub matches: Vec<serde_json::Value>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecialMeasureDetail {
    #[serde(flatten)]
    pub measure: SpecialMeasure,
    pub customers: Vec<MatchedCustomer>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecialMeasureList {
    /// Newest first.
    pub special_measures: Vec<SpecialMeasure>,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e.to_string())
}

fn country(path: &str, text: &str) -> Result<CountryCode, AppError> {
    CountryCode::parse(text.trim())
        .map_err(|e| AppError::invalid(path, format!("not an ISO 3166-1 alpha-2 code: {e}")))
}

pub(super) fn target(body: Target) -> Result<MeasureTarget, AppError> {
    Ok(match body {
        Target::Jurisdiction { country: code } => MeasureTarget::Jurisdiction {
            country: country("/target/country", &code)?,
        },
        Target::Person {
            name,
            country: code,
            aliases,
            date_of_birth,
            identifiers,
        } => MeasureTarget::Person(NamedPerson {
            name,
            aliases,
            country: code.map(|c| country("/target/country", &c)).transpose()?,
            date_of_birth,
            identifiers,
        }),
    })
}

fn target_dto(target: &MeasureTarget) -> Target {
    match target {
        MeasureTarget::Jurisdiction { country } => Target::Jurisdiction {
            country: country.as_str().to_owned(),
        },
        MeasureTarget::Person(p) => Target::Person {
            name: p.name.clone(),
            country: p.country.map(|c| c.as_str().to_owned()),
            aliases: p.aliases.clone(),
            date_of_birth: p.date_of_birth,
            identifiers: p.identifiers.clone(),
        },
    }
}

pub(super) fn measure_dto(m: Measure) -> ApiResult<SpecialMeasure> {
    let (kind, condition) = match m.measure.kind() {
        MeasureKind::Prohibit => ("prohibit", None),
        MeasureKind::Condition { condition } => ("condition", Some(condition.clone())),
    };
    Ok(SpecialMeasure {
        id: *m.id.as_uuid(),
        tenant: *m.tenant.as_uuid(),
        target: target_dto(m.measure.target()),
        measure: kind.to_owned(),
        condition,
        determined: m.measure.determination_date(),
        effective: m.measure.effective_date(),
        expiry: m.measure.expiry(),
        status: enum_text(&m.status).map_err(internal)?,
        reference: m.measure.source_reference().to_owned(),
        extensions: m.measure.extensions().to_vec(),
        lifted: m.measure.lifted().cloned(),
        warnings: m.warnings,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn matched(a: MeasureActionView) -> ApiResult<MatchedCustomer> {
    Ok(MatchedCustomer {
        customer: *a.customer.as_uuid(),
        tenant: *a.tenant.as_uuid(),
        action: enum_text(&a.kind).map_err(internal)?,
        due: a.due,
        state: enum_text(&a.state).map_err(internal)?,
        lift_reason: a.lift_reason,
        reasons: a.plan.reasons,
        matches: a
            .plan
            .matches
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map_err(internal)?,
        updated_at: a.updated_at,
    })
}

pub(super) fn detail(d: MeasureDetail) -> ApiResult<SpecialMeasureDetail> {
    Ok(SpecialMeasureDetail {
        measure: measure_dto(d.measure)?,
        customers: d
            .actions
            .into_iter()
            .map(matched)
            .collect::<ApiResult<_>>()?,
    })
}
