//! Foreign resellers (issue 6, items 6-8): the provider's registry of the resellers of its
//! products and its oversight of them.
//!
//! Registering a reseller creates its own tenant under the caller's (its API keys, role
//! `reseller`, then submit and see only its customers) and screens its legal name against the
//! lists like a customer's: a potential match puts the reseller `under_review` at once. The
//! oversight record (agreement document, attestations, reviews, findings, termination) changes
//! through the domain's status machine (`cloudkyc_domain::reseller`), every step audited by the
//! store. A finding of non-compliance starts the pack's termination clock, raises a `reseller`
//! case, and a daily job (`resellers.termination_clock`) records the pack's reminders; at
//! termination the reseller's customers follow the pack's downstream rule and its keys are
//! revoked (`downstream.rs`); under `migrate` they move into the reseller's parent tenant
//! (`migration.rs`). Special measures reach resellers too (`measures/resellers.rs`):
//! a prohibition in force on its country or name refuses registration. Its legal entity is
//! verified through the customer CIP (`legal_entity.rs`).

mod downstream;
mod legal_entity;
mod migration;
mod oversight;
mod suspension;
mod sweep;

use chrono::NaiveDate;
use cloudkyc_domain::Permission;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::reseller::{AgreementKind, ResellerEvent};
use cloudkyc_screening::{Hit, ListVersion, Schema};
use cloudkyc_store::TenantScope;
use cloudkyc_store::resellers::{NewAgreementDocument, NewReseller, ResellerChange};
use serde::{Deserialize, Serialize};

use crate::documents::{MAX_DOCUMENT_BYTES, MediaType, magic_matches};
use crate::screening::{ScreenRequest, screen};
use crate::{App, AppError, AppResult, FieldError};

pub use cloudkyc_store::resellers::{AgreementContent, ResellerId, ResellerRecord};
pub use downstream::{DownstreamOutcome, RESELLER_MIGRATED, RESELLER_SUSPENDED};
pub use legal_entity::LegalEntityStatus;
pub use migration::MigrationRefusal;
pub use oversight::{AttestationRequest, ResellerOutcome};
pub use sweep::{TERMINATION_CLOCK_JOB, TerminationClockSweep};

/// The longest legal name accepted.
const MAX_NAME_CHARS: usize = 300;
/// Hits kept from the registration screening.
const HITS: usize = 10;

/// A reseller to register, as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterReseller {
    pub name: String,
    pub country: String,
    pub cip_agreement: AgreementKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResellerScreeningStatus {
    Clear,
    PotentialMatch,
}

/// The screening of the reseller's legal name at registration, with what it was made under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResellerScreening {
    pub status: ResellerScreeningStatus,
    pub hits: Vec<Hit>,
    pub threshold: f64,
    pub algorithm_version: String,
    pub list_versions: Vec<ListVersion>,
}

pub(crate) fn checked_text(path: &str, text: &str, max: usize) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(AppError::invalid(
            path,
            format!("is required: 1 to {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            path,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

fn checked(request: &RegisterReseller) -> AppResult<(String, CountryCode)> {
    let mut errors = Vec::new();
    let name = checked_text("/name/full", &request.name, MAX_NAME_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let country = match CountryCode::parse(&request.country) {
        Ok(country) if country.is_us() => {
            errors.push(AppError::invalid(
                "/country",
                "a foreign reseller cannot be organised in the United States",
            ));
            None
        }
        Ok(country) => Some(country),
        Err(e) => {
            errors.push(AppError::invalid("/country", e.to_string()));
            None
        }
    };
    match (name, country) {
        (Some(name), Some(country)) => Ok((name, country)),
        _ => Err(AppError::Invalid(
            errors
                .into_iter()
                .flat_map(|e| match e {
                    AppError::Invalid(fields) => fields,
                    _ => Vec::new(),
                })
                .collect::<Vec<FieldError>>(),
        )),
    }
}

impl App {
    /// Registers a foreign reseller with its own tenant (`ManageResellers`); see the module
    /// documentation.
    pub async fn register_reseller(
        &self,
        scope: &TenantScope,
        request: RegisterReseller,
    ) -> AppResult<ResellerOutcome> {
        Self::require(scope, Permission::ManageResellers)?;
        let (name, country) = checked(&request)?;
        // A prohibition in force on the reseller's country or name refuses it (422).
        self.refuse_prohibited_reseller(&name, country).await?;
        let screening = self.screen_reseller(&name, country).await?;
        let today = self.now().date_naive();
        let new = NewReseller {
            name,
            country,
            agreement: request.cip_agreement,
            registered_on: today,
            screening: serde_json::to_value(&screening)
                .map_err(|e| AppError::Internal(format!("screening does not encode: {e}")))?,
        };
        let record = self.store().create_reseller(scope, new, self.now()).await?;
        self.record_reseller_measures(&record).await;
        if screening.status == ResellerScreeningStatus::PotentialMatch {
            // A listed reseller is not overseen as usual until someone looked at the hits.
            let event = ResellerEvent::StartReview { on: today };
            return self.apply_reseller_event(scope, record, event).await;
        }
        Ok(ResellerOutcome::of(record, self.policy()))
    }

    async fn screen_reseller(
        &self,
        name: &str,
        country: CountryCode,
    ) -> AppResult<ResellerScreening> {
        let index = self.screening_index().load().await?;
        let request = ScreenRequest {
            name: name.to_owned(),
            schema: Some(Schema::Organization),
            country: Some(country.as_str().to_owned()),
            date_of_birth: None,
            limit: HITS,
        };
        let result = screen(self.policy(), &index, &request)?;
        Ok(ResellerScreening {
            status: if result.hits.is_empty() {
                ResellerScreeningStatus::Clear
            } else {
                ResellerScreeningStatus::PotentialMatch
            },
            hits: result.hits,
            threshold: result.threshold,
            algorithm_version: result.algorithm_version.to_owned(),
            list_versions: result.list_versions,
        })
    }

    /// The resellers the scope's tenants registered (`ManageResellers`).
    pub async fn resellers(&self, scope: &TenantScope) -> AppResult<Vec<ResellerOutcome>> {
        Self::require(scope, Permission::ManageResellers)?;
        let mut out = Vec::new();
        for record in self.store().resellers(scope).await? {
            out.push(
                self.with_legal_entity(ResellerOutcome::of(record, self.policy()))
                    .await?,
            );
        }
        Ok(out)
    }

    pub async fn reseller(
        &self,
        scope: &TenantScope,
        id: ResellerId,
    ) -> AppResult<ResellerOutcome> {
        Self::require(scope, Permission::ManageResellers)?;
        let record = self.store().reseller(scope, id).await?;
        self.with_legal_entity(ResellerOutcome::of(record, self.policy()))
            .await
    }

    /// Checks the permission alone, so a raw upload is refused before its body is looked at.
    pub fn can_manage_resellers(scope: &TenantScope) -> AppResult<()> {
        Self::require(scope, Permission::ManageResellers)
    }

    /// Stores the written agreement (PDF or image, at most [`MAX_DOCUMENT_BYTES`]) signed on
    /// `signed_on`; the latest upload is the agreement in force.
    pub async fn upload_reseller_agreement(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        media_type: MediaType,
        signed_on: Option<NaiveDate>,
        content: Vec<u8>,
    ) -> AppResult<ResellerOutcome> {
        Self::require(scope, Permission::ManageResellers)?;
        let today = self.now().date_naive();
        let mut errors = Vec::new();
        match signed_on {
            None => errors.push(FieldError::new("/signed_on", "is required (YYYY-MM-DD)")),
            Some(day) if day > today => {
                errors.push(FieldError::new("/signed_on", "cannot be in the future"))
            }
            Some(_) => {}
        }
        if content.is_empty() || content.len() > MAX_DOCUMENT_BYTES {
            errors.push(FieldError::new(
                "/body",
                format!("the agreement must be 1 to {MAX_DOCUMENT_BYTES} bytes"),
            ));
        } else if !magic_matches(media_type, &content) {
            errors.push(FieldError::new(
                "/body",
                format!("the bytes are not {}", media_type.as_str()),
            ));
        }
        let Some(signed_on) = signed_on.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let current = self.store().reseller(scope, id).await?;
        let change = ResellerChange::Agreement(NewAgreementDocument {
            media_type,
            signed_on,
            content,
        });
        let record = self
            .store()
            .update_reseller(scope, id, change, current.updated_at, self.now())
            .await?;
        Ok(ResellerOutcome::of(record, self.policy()))
    }

    /// The agreement in force, with its bytes (`ManageResellers`; the read is audited).
    pub async fn reseller_agreement(
        &self,
        scope: &TenantScope,
        id: ResellerId,
    ) -> AppResult<AgreementContent> {
        Self::require(scope, Permission::ManageResellers)?;
        Ok(self
            .store()
            .agreement_content(scope, id, self.now())
            .await?)
    }
}

#[cfg(test)]
mod migration_tests;
#[cfg(test)]
mod tests;
