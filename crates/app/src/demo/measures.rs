//! The special-measure part of the demo (issue 6, items 9-11), registered after the customers
//! exist: a prohibition on Belarus, determined 150 days before the seeding day and effective 30
//! days after it (the pack's 180 days apart, so no warning). The generated customers living in
//! Belarus (six with the default seed) are reached by address, nationality and payment: the
//! re-check job that registration queues schedules the closing of their accounts for the
//! effective date, each with a `special_measure` review case; nothing changes on the accounts
//! before that day.
//!
//! Idempotent: the measure is found by its target and source reference before registering.

use chrono::{Duration, NaiveDate};
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::measures::{MeasureKindName, MeasureTarget};
use cloudkyc_store::TenantScope;
use serde::Serialize;

use crate::measures::{Measure, MeasureRequest};
use crate::{App, AppError, AppResult};

pub const MEASURE_JURISDICTION: &str = "BY";
pub const MEASURE_REFERENCE: &str =
    "Demo determination DM-2026-01: accounts of persons located in Belarus (fictional)";
const DETERMINED_DAYS_BEFORE: i64 = 150;
const EFFECTIVE_DAYS_AFTER: i64 = 30;

/// The demo measure as it stands after seeding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureDemo {
    pub id: String,
    pub jurisdiction: String,
    /// Registered by this run (its re-check job is queued).
    pub registered: bool,
    pub effective: NaiveDate,
    pub expiry: NaiveDate,
}

impl MeasureDemo {
    fn of(measure: &Measure, registered: bool) -> Self {
        Self {
            id: measure.id.to_string(),
            jurisdiction: MEASURE_JURISDICTION.to_owned(),
            registered,
            effective: measure.measure.effective_date(),
            expiry: measure.measure.expiry(),
        }
    }
}

/// Registers the demo measure in the provider tenant unless it is there.
pub async fn seed_measure(app: &App, scope: &TenantScope) -> AppResult<MeasureDemo> {
    let country = CountryCode::parse(MEASURE_JURISDICTION)
        .map_err(|e| AppError::Internal(format!("demo measure: {e}")))?;
    let target = MeasureTarget::Jurisdiction { country };
    if let Some(found) = app.measures(scope).await?.into_iter().find(|m| {
        m.measure.target() == &target && m.measure.source_reference() == MEASURE_REFERENCE
    }) {
        return Ok(MeasureDemo::of(&found, false));
    }
    let today = app.now().date_naive();
    let request = MeasureRequest {
        target,
        kind: MeasureKindName::Prohibit,
        condition: None,
        determined: today - Duration::days(DETERMINED_DAYS_BEFORE),
        effective: today + Duration::days(EFFECTIVE_DAYS_AFTER),
        expiry: None,
        reference: MEASURE_REFERENCE.to_owned(),
    };
    let measure = app.register_measure(scope, request).await?;
    Ok(MeasureDemo::of(&measure, true))
}
