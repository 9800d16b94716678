//! The foreign-reseller part of the demo (issue 6, items 6-8), in the provider's registry
//! (each registered reseller gets a tenant of its own, beside the demo's "Nimbus Cloud Pte Ltd"
//! tenant):
//!
//! - Lumen Byte GmbH (Germany, its own CIP): `active`, with the signed agreement (a one-page
//!   PDF) and an attestation of its compliance officer.
//! - Orchid Compute Sdn Bhd (Malaysia, adopts the provider's CIP): a finding of non-compliance
//!   on the seeding day, so it is `non_compliant` with the pack's 30-day termination clock
//!   running and a `reseller` case due on the deadline.
//!
//! Idempotent: resellers are found by name, and each step is taken only when the record does
//! not show it yet (so a run interrupted half-way is completed by the next).

use chrono::Duration;
use cloudkyc_domain::reseller::{AgreementKind, EventName, ResellerEvent, StatusName};
use cloudkyc_store::TenantScope;
use cloudkyc_store::documents::MediaType;
use serde::Serialize;

use crate::resellers::{AttestationRequest, RegisterReseller, ResellerOutcome};
use crate::{App, AppResult};

pub const ACTIVE_RESELLER: &str = "Lumen Byte GmbH";
pub const NON_COMPLIANT_RESELLER: &str = "Orchid Compute Sdn Bhd";

/// The smallest document every PDF reader opens: one empty page.
const AGREEMENT_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

/// One demo reseller as it stands after seeding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResellerDemo {
    pub id: String,
    pub name: String,
    pub country: String,
    pub status: StatusName,
    /// Registered by this run.
    pub registered: bool,
    pub agreement_signed: bool,
    pub attestations: usize,
    pub termination_due: Option<chrono::NaiveDate>,
}

impl ResellerDemo {
    fn of(outcome: &ResellerOutcome, registered: bool) -> Self {
        let r = &outcome.record;
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            country: r.country.as_str().to_owned(),
            status: r.status.name(),
            registered,
            agreement_signed: r.agreement_document.is_some(),
            attestations: r.attestations.len(),
            termination_due: r.termination_due,
        }
    }
}

async fn registered(
    app: &App,
    scope: &TenantScope,
    name: &str,
    country: &str,
    cip_agreement: AgreementKind,
) -> AppResult<(ResellerOutcome, bool)> {
    if let Some(found) = app
        .resellers(scope)
        .await?
        .into_iter()
        .find(|r| r.record.name == name)
    {
        return Ok((found, false));
    }
    let request = RegisterReseller {
        name: name.to_owned(),
        country: country.to_owned(),
        cip_agreement,
    };
    Ok((app.register_reseller(scope, request).await?, true))
}

/// Registers the two demo resellers in the provider's registry (see the module documentation).
pub async fn seed_resellers(app: &App, scope: &TenantScope) -> AppResult<Vec<ResellerDemo>> {
    let today = app.reseller_today();
    let (mut lumen, lumen_new) =
        registered(app, scope, ACTIVE_RESELLER, "DE", AgreementKind::OwnCip).await?;
    if lumen.record.agreement_document.is_none() {
        // Signed the week before the registration, as such agreements usually are.
        let signed_on = lumen.record.registered_on - Duration::days(7);
        lumen = app
            .upload_reseller_agreement(
                scope,
                lumen.record.id,
                MediaType::Pdf,
                Some(signed_on),
                AGREEMENT_PDF.to_vec(),
            )
            .await?;
    }
    if lumen.record.attestations.is_empty() {
        let attestation = AttestationRequest {
            on: None,
            by: "Anna Keller, compliance officer, Lumen Byte GmbH".into(),
            statement: "Lumen Byte verifies the identity of every customer under its own CIP, \
                        keeps the records for five years and screens customers against the \
                        sanctions lists before opening an account."
                .into(),
        };
        lumen = app
            .attest_reseller(scope, lumen.record.id, attestation)
            .await?;
    }
    let (mut orchid, orchid_new) = registered(
        app,
        scope,
        NON_COMPLIANT_RESELLER,
        "MY",
        AgreementKind::AdoptsProviderCip,
    )
    .await?;
    // Once only: never again after an officer withdrew the finding or terminated the reseller.
    let found_before = orchid
        .record
        .history
        .iter()
        .any(|c| c.event.name() == EventName::FindNonCompliance);
    if !found_before
        && orchid
            .allowed_events
            .contains(&EventName::FindNonCompliance)
    {
        let finding = ResellerEvent::FindNonCompliance {
            on: today,
            reference: "sample review: 4 of 20 accounts opened without identity verification"
                .into(),
        };
        orchid = app.reseller_event(scope, orchid.record.id, finding).await?;
    }
    Ok(vec![
        ResellerDemo::of(&lumen, lumen_new),
        ResellerDemo::of(&orchid, orchid_new),
    ])
}
