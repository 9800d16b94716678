//! The certification's figures counted from the records: customers by country, foreign
//! beneficial owners by country, foreign accounts not verified, and each failed verification
//! with how it was resolved. Countries are sealed personal data, so they are counted here from
//! the opened customers; everything else comes from plaintext columns.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::cip::{BeneficialOwner, Party, PersonStatus, ValidatedCustomer};
use cloudkyc_reports::{CountryCount, FailedVerificationEntry};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::verifications::{
    Evidence, OfficerDecision, VendorVerdict, Verification, VerificationState,
};

use super::UNKNOWN_COUNTRY;
use crate::customers::{AccountAccess, CipStatus, CustomerRecord};
use crate::{App, AppResult};

/// The country a customer is counted under: an individual's first nationality or an entity's
/// place of organisation, else the country of its first address.
pub fn country_of_customer(customer: &ValidatedCustomer) -> String {
    let declared = match &customer.party {
        Party::Individual(person) => person.nationalities.first().copied(),
        Party::Entity(entity) => entity.incorporation.as_ref().map(|i| i.country),
    };
    declared
        .or_else(|| customer.contact.address_countries().first().copied())
        .map_or_else(|| UNKNOWN_COUNTRY.to_owned(), |c| c.as_str().to_owned())
}

/// The country a beneficial owner is counted under: first nationality, else first address.
pub fn country_of_owner(owner: &BeneficialOwner) -> String {
    owner
        .facts
        .nationalities
        .first()
        .copied()
        .or_else(|| owner.contact.address_countries().first().copied())
        .map_or_else(|| UNKNOWN_COUNTRY.to_owned(), |c| c.as_str().to_owned())
}

/// Counts from every customer created before the period's end.
#[derive(Debug, Default)]
pub(crate) struct CustomerFigures {
    pub total: u64,
    pub by_country: BTreeMap<String, u64>,
    pub foreign_owners_by_country: BTreeMap<String, u64>,
    /// Accounts of foreign customers whose CIP status is pending or failed.
    pub foreign_accounts_not_verified: u64,
}

pub(crate) fn counts(map: BTreeMap<String, u64>) -> Vec<CountryCount> {
    map.into_iter()
        .map(|(country, count)| CountryCount { country, count })
        .collect()
}

impl CustomerFigures {
    fn add(&mut self, record: &CustomerRecord) {
        self.total += 1;
        *self
            .by_country
            .entry(country_of_customer(&record.customer))
            .or_default() += 1;
        for (i, owner) in record.customer.beneficial_owners.iter().enumerate() {
            let foreign = record
                .determination
                .owners
                .get(i)
                .is_some_and(|d| d.status == PersonStatus::Foreign);
            if foreign {
                *self
                    .foreign_owners_by_country
                    .entry(country_of_owner(owner))
                    .or_default() += 1;
            }
        }
        let not_verified = matches!(
            record.decision.cip_status,
            CipStatus::Pending | CipStatus::Failed
        );
        if record.decision.person_status == PersonStatus::Foreign && not_verified {
            self.foreign_accounts_not_verified +=
                u64::try_from(record.accounts.len()).unwrap_or(u64::MAX);
        }
    }
}

fn failed(v: &Verification) -> bool {
    match &v.evidence {
        Evidence::Vendor { verdict, .. } => *verdict == VendorVerdict::Fail,
        Evidence::Override { decision, .. } => {
            *decision == OfficerDecision::Failed && v.state == VerificationState::Applied
        }
        Evidence::Decision { cip_status, .. } => *cip_status == CipStatus::Failed,
    }
}

fn verified(v: &Verification) -> bool {
    match &v.evidence {
        Evidence::Vendor { .. } => false,
        Evidence::Override { decision, .. } => {
            *decision == OfficerDecision::Verified && v.state == VerificationState::Applied
        }
        Evidence::Decision { cip_status, .. } => *cip_status == CipStatus::Verified,
    }
}

/// A customer's failed verification and its resolution, from its history and current state;
/// `None` when nothing failed in `[from, until)` and the customer is not failed now.
pub(crate) fn failure_entry(
    record: &CustomerRecord,
    history: &[Verification],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<FailedVerificationEntry> {
    let first_failure = history
        .iter()
        .filter(|v| failed(v) && v.created_at >= from && v.created_at < until)
        .map(|v| v.created_at)
        .min();
    let failed_at = match (first_failure, record.decision.cip_status) {
        (Some(at), _) => at,
        // Failed at onboarding: the creation is the failure.
        (None, CipStatus::Failed) => record.created_at,
        (None, _) => return None,
    };
    let day = |at: DateTime<Utc>| at.date_naive();
    let updated: NaiveDate = day(record.updated_at);
    let (resolution, resolved_on) = match record.decision.cip_status {
        CipStatus::Verified => {
            let when = history
                .iter()
                .filter(|v| verified(v) && v.created_at > failed_at)
                .map(|v| v.created_at)
                .min()
                .map_or(updated, day);
            ("verified after the failure".to_owned(), Some(when))
        }
        CipStatus::Failed => {
            let access = match record.decision.account_access {
                AccountAccess::Closed => "account closed",
                AccountAccess::None => "no account access granted",
                AccountAccess::Restricted => "account access restricted pending resubmission",
                AccountAccess::Full => "account access not withdrawn",
            };
            let settled = matches!(
                record.decision.account_access,
                AccountAccess::Closed | AccountAccess::None
            );
            (
                format!("not verified; {access}"),
                settled.then_some(updated),
            )
        }
        CipStatus::Pending => ("resubmitted; verification pending".to_owned(), None),
        CipStatus::NotRequired => (
            "verification no longer required (not a foreign person)".to_owned(),
            Some(updated),
        ),
    };
    Some(FailedVerificationEntry {
        customer: record.id.to_string(),
        failed_on: day(failed_at),
        resolution,
        resolved_on,
    })
}

impl App {
    /// Every customer visible to the scope created before `until`, opened, oldest first.
    pub(crate) async fn customers_until(
        &self,
        scope: &TenantScope,
        until: DateTime<Utc>,
    ) -> AppResult<Vec<CustomerRecord>> {
        let mut out: Vec<CustomerRecord> = Vec::new();
        let mut after: Option<CustomerId> = None;
        loop {
            let page = self.list_customers(scope, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            out.extend(page.into_iter().filter(|c| c.created_at < until));
        }
        out.reverse();
        Ok(out)
    }

    pub(crate) async fn customer_figures(
        &self,
        scope: &TenantScope,
        until: DateTime<Utc>,
    ) -> AppResult<CustomerFigures> {
        let mut figures = CustomerFigures::default();
        for record in self.customers_until(scope, until).await? {
            figures.add(&record);
        }
        Ok(figures)
    }

    pub(crate) async fn failed_verifications(
        &self,
        scope: &TenantScope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<Vec<FailedVerificationEntry>> {
        let mut out = Vec::new();
        for id in self
            .store()
            .verification_subjects(scope, from, until)
            .await?
        {
            let record = self.customer(scope, id).await?;
            let history = self.store().verifications(scope, id).await?;
            out.extend(failure_entry(&record, &history, from, until));
        }
        Ok(out)
    }
}
