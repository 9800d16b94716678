//! Verdicts of the identity-verification vendor, delivered by its webhook (the server checks
//! the signature; this is what a genuine event does). The verdict is recorded as evidence with
//! the vendor's reference and the customer is decided again (`customer.vendor_verdict`): a pass
//! satisfies the checks that were waiting, a fail fails verification (see `decision.rs`). Each
//! vendor event id is recorded once; a replay changes nothing.

use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::verifications::{Evidence, NewVerification, VendorVerdict, VerificationState};
use serde::Deserialize;

use super::redecide::Redecision;
use super::{CustomerRecord, record};
use crate::{App, AppError, AppResult, FieldError};

/// The audit action of a vendor verdict, and the actor name of the webhook's scope.
pub const CUSTOMER_VENDOR_VERDICT: &str = "customer.vendor_verdict";
pub const VENDOR_WEBHOOK_ACTOR: &str = "vendor_webhook";

/// A vendor event as its webhook delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorEvent {
    /// The vendor's event id, unique per event (deduplication).
    pub id: String,
    pub customer_id: String,
    pub vendor: String,
    pub verdict: VendorVerdict,
    /// The vendor's reference for its evidence.
    pub reference: String,
}

/// What a vendor event did.
#[derive(Debug, Clone, PartialEq)]
pub enum VendorOutcome {
    /// Recorded; the customer as decided with it.
    Recorded(Box<CustomerRecord>),
    /// The event id was recorded before; nothing changed.
    Duplicate,
}

fn text(errors: &mut Vec<FieldError>, path: &str, value: &str, max: usize) {
    if value.trim().is_empty() || value.chars().count() > max {
        errors.push(FieldError::new(
            path,
            format!("must be 1 to {max} characters"),
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(path, "must not contain control characters"));
    }
}

impl VendorEvent {
    /// Every invalid field at once; the customer id as a `CustomerId`.
    pub fn check(&self) -> AppResult<CustomerId> {
        let mut errors = Vec::new();
        text(&mut errors, "/id", &self.id, 200);
        text(&mut errors, "/vendor", &self.vendor, 100);
        text(&mut errors, "/reference", &self.reference, 500);
        let customer = self.customer_id.parse::<CustomerId>();
        if customer.is_err() {
            errors.push(FieldError::new(
                "/customer_id",
                "must be a customer id (UUID)",
            ));
        }
        match customer {
            Ok(id) if errors.is_empty() => Ok(id),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

impl App {
    /// The scope the vendor webhook acts in: every tenant of the installation (the vendor's
    /// signature, not an API key, authenticates it).
    async fn vendor_scope(&self) -> AppResult<TenantScope> {
        let provider = self
            .store()
            .provider()
            .await?
            .ok_or_else(|| AppError::NotFound("customer".into()))?;
        let subtree = self.store().subtree(provider.id).await?;
        Ok(TenantScope::system(
            provider.id,
            subtree,
            VENDOR_WEBHOOK_ACTOR,
        ))
    }

    /// Records a genuine vendor event (see the module documentation). An unknown customer is
    /// `NotFound`.
    pub async fn record_vendor_verdict(&self, event: VendorEvent) -> AppResult<VendorOutcome> {
        let id = event.check()?;
        let scope = self.vendor_scope().await?;
        if self
            .store()
            .verification_by_event(&scope, &event.id)
            .await?
            .is_some()
        {
            return Ok(VendorOutcome::Duplicate);
        }
        let current = record(self.store().customer(&scope, id).await?)?;
        let mut change = Redecision::new(
            CUSTOMER_VENDOR_VERDICT,
            format!("verdict received from vendor {}", event.vendor),
        );
        change.access_countries = self.access_countries(&scope, &current).await?;
        change.evidence = vec![NewVerification {
            customer: id,
            evidence: Evidence::Vendor {
                vendor: event.vendor,
                verdict: event.verdict,
                reference: event.reference,
            },
            state: VerificationState::Recorded,
            event_id: Some(event.id.clone()),
        }];
        match self.redecide(&scope, current, change).await {
            Ok(customer) => Ok(VendorOutcome::Recorded(Box::new(customer))),
            // The same event delivered twice at once: the second lost the race on the event id.
            Err(AppError::Conflict(why)) => {
                match self
                    .store()
                    .verification_by_event(&scope, &event.id)
                    .await?
                {
                    Some(_) => Ok(VendorOutcome::Duplicate),
                    None => Err(AppError::Conflict(why)),
                }
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_invalid_field_is_reported() {
        let event: VendorEvent = serde_json::from_value(json!({
            "id": "", "customer_id": "nope", "vendor": "acme", "verdict": "pass", "reference": " "
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let Err(AppError::Invalid(errors)) = event.check() else {
            panic!("invalid");
        };
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["/id", "/reference", "/customer_id"]);
    }

    #[test]
    fn an_unknown_verdict_does_not_parse() {
        let parsed = serde_json::from_value::<VendorEvent>(json!({
            "id": "e", "customer_id": "x", "vendor": "acme", "verdict": "maybe", "reference": "r"
        }));
        assert!(parsed.is_err());
    }
}
