//! The CIP decision about a customer, made the same way at onboarding and on every later
//! redecision: determination (U.S. or foreign), risk tier, verification checks, the evidence
//! received since onboarding (vendor verdicts, an officer's override), and screening.

use cloudkyc_domain::cip::{
    CheckOutcome, CheckResult, CountryCode, CustomerDetermination, PersonStatus, ValidatedCustomer,
    determine_customer,
};
use cloudkyc_domain::rule_pack::{FailureAction, RiskTier, RulePack, VerificationMethod};
use cloudkyc_store::customers::{AccountAccess, CipStatus, CustomerDecision};
use cloudkyc_store::verifications::{
    Evidence, OfficerDecision, VendorVerdict, Verification, VerificationState,
};

use super::screening::{self, CustomerScreening, ScreeningStatus};
use super::{Outcome, RiskAssessment, Sealed, assess, decide, missing_fields};
use crate::{App, AppResult};

/// The check a vendor's failing verdict adds to a decision.
pub const VENDOR_CHECK: &str = "vendor_verdict";

/// A vendor's verdict as a decision uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorEvidence {
    pub vendor: String,
    pub verdict: VendorVerdict,
    pub reference: String,
}

/// An applied officer override as a decision uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerOverride {
    pub decision: OfficerDecision,
    pub reason: String,
    /// The audit name of the officer who made it.
    pub officer: String,
    /// The second officer, for a four-eyes override.
    pub approved_by: Option<String>,
}

/// What a decision takes into account besides the customer's own data. Onboarding has none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionEvidence {
    /// The geolocated countries the customer's accounts were accessed from.
    pub access_countries: Vec<CountryCode>,
    /// The latest conclusive vendor verdict (the latest inconclusive one when there is none).
    pub vendor: Option<VendorEvidence>,
    /// The latest applied override.
    pub officer: Option<OfficerOverride>,
    /// Hits on parties of the customer's ownership structure and the aggregate rule (issue 6).
    pub ownership: crate::ownership::OwnershipEvidence,
}

impl DecisionEvidence {
    /// The evidence of a customer's history, oldest first (as the store lists it).
    pub fn from_history<'a>(
        access_countries: Vec<CountryCode>,
        history: impl IntoIterator<Item = &'a Verification>,
    ) -> Self {
        let mut out = Self {
            access_countries,
            ..Self::default()
        };
        for record in history {
            match &record.evidence {
                Evidence::Vendor {
                    vendor,
                    verdict,
                    reference,
                } => {
                    let conclusive_before = out
                        .vendor
                        .as_ref()
                        .is_some_and(|v| v.verdict != VendorVerdict::Inconclusive);
                    // An inconclusive verdict does not undo a conclusive one.
                    if *verdict != VendorVerdict::Inconclusive || !conclusive_before {
                        out.vendor = Some(VendorEvidence {
                            vendor: vendor.clone(),
                            verdict: *verdict,
                            reference: reference.clone(),
                        });
                    }
                }
                Evidence::Override { decision, reason }
                    if record.state == VerificationState::Applied =>
                {
                    let approved_by = record
                        .decided_by
                        .clone()
                        .filter(|by| *by != record.requested_by);
                    out.officer = Some(OfficerOverride {
                        decision: *decision,
                        reason: reason.clone(),
                        officer: record.requested_by.clone(),
                        approved_by,
                    });
                }
                Evidence::Override { .. } | Evidence::Decision { .. } => {}
            }
        }
        out
    }
}

/// A complete decision, ready to be stored.
#[derive(Debug, Clone)]
pub(super) struct Assessment {
    pub status: PersonStatus,
    pub determination: CustomerDetermination,
    pub risk: RiskAssessment,
    pub outcome: Outcome,
    pub screening: CustomerScreening,
    /// Every step's sentences, in order.
    pub reasons: Vec<String>,
}

impl Assessment {
    pub fn decision(&self, pack: &RulePack) -> CustomerDecision {
        let policy = pack.policy_ref();
        CustomerDecision {
            person_status: self.status,
            cip_status: self.outcome.cip_status,
            account_access: self.outcome.account_access,
            risk_tier: self.risk.tier,
            policy_id: policy.id,
            policy_version: policy.version,
            reasons: self.reasons.clone(),
        }
    }

    /// What the store seals for the customer.
    pub fn sealed(self, customer: ValidatedCustomer) -> Sealed {
        Sealed {
            customer,
            determination: self.determination,
            checks: self.outcome.checks,
            screening: Some(self.screening),
        }
    }
}

impl App {
    /// Decides about `customer` with the current pack and screening lists.
    pub(super) async fn assess_customer(
        &self,
        customer: &ValidatedCustomer,
        reseller_channel: bool,
        evidence: &DecisionEvidence,
    ) -> AppResult<Assessment> {
        let today = self.now().date_naive();
        let pack = self.policy();
        let determination = determine_customer(customer, &evidence.access_countries);
        let status = determination.overall.status;
        let risk = assess(pack, customer, status, reseller_channel, today);
        let missing = missing_fields(pack, customer);
        let outcome = decide(
            pack,
            customer,
            status,
            risk.tier,
            &missing,
            &evidence.access_countries,
            today,
        );
        let (mut outcome, evidence_reasons) =
            apply_evidence(pack, status, risk.tier, outcome, evidence);
        let index = self.screening_index().load().await?;
        let mut screened = screening::screen_customer(pack, &index, customer)?;
        // Hits at any depth of the ownership structure count as the customer's own.
        screened
            .hits
            .extend(evidence.ownership.hits.iter().cloned());
        if !screened.hits.is_empty() {
            screened.status = ScreeningStatus::PotentialMatch;
        }

        let mut reasons = vec![format!(
            "person status {status}: {}",
            determination.overall.basis
        )];
        reasons.extend(risk.reasons.iter().cloned());
        reasons.append(&mut outcome.reasons);
        reasons.extend(evidence_reasons);
        if screened.status == ScreeningStatus::PotentialMatch {
            reasons.push(screening::potential_match_reason(&screened));
            if outcome.account_access == AccountAccess::Full {
                outcome.account_access = AccountAccess::Restricted;
            }
        }
        if !evidence.ownership.reasons.is_empty() {
            reasons.extend(evidence.ownership.reasons.iter().cloned());
            if outcome.account_access == AccountAccess::Full {
                outcome.account_access = AccountAccess::Restricted;
            }
        }
        Ok(Assessment {
            status,
            determination,
            risk,
            outcome,
            screening: screened,
            reasons,
        })
    }
}

fn failed_access(pack: &RulePack) -> AccountAccess {
    match pack.access().failed.action {
        FailureAction::Close => AccountAccess::Closed,
        FailureAction::Restrict => AccountAccess::Restricted,
    }
}

/// Applies the vendor's verdict and then the officer's override to a decision made from the
/// customer's data; returns the outcome and the sentences saying what the evidence did.
///
/// A vendor pass satisfies the checks that could not run (the pack's `vendor` method stands in
/// for them) when nothing failed and the status is known; a vendor fail fails verification; an
/// inconclusive verdict changes nothing. An override decides whatever the checks say.
pub fn apply_evidence(
    pack: &RulePack,
    status: PersonStatus,
    tier: RiskTier,
    mut outcome: Outcome,
    evidence: &DecisionEvidence,
) -> (Outcome, Vec<String>) {
    let mut reasons = Vec::new();
    let required = outcome.cip_status != CipStatus::NotRequired;
    if let Some(vendor) = &evidence.vendor {
        let applied = if status == PersonStatus::Undetermined {
            tier.max(pack.verification().when_in_doubt_apply)
        } else {
            tier
        };
        let said = format!(
            "vendor {} verdict {} (reference {})",
            vendor.vendor,
            verdict_text(vendor.verdict),
            vendor.reference
        );
        let accepted = pack
            .verification()
            .for_tier(applied)
            .methods
            .contains(&VerificationMethod::Vendor);
        if !required {
            reasons.push(format!("{said}: verification is not required"));
        } else if !accepted {
            reasons.push(format!(
                "{said}: not accepted, the {applied} tier does not use vendor verification"
            ));
        } else {
            match vendor.verdict {
                VendorVerdict::Pass => {
                    let waiting: Vec<String> = outcome
                        .checks
                        .iter()
                        .filter(|c| matches!(c.outcome, CheckOutcome::CannotRun { .. }))
                        .map(|c| c.name.clone())
                        .collect();
                    let nothing_failed = !outcome.checks.iter().any(|c| c.outcome.is_fail());
                    if outcome.cip_status == CipStatus::Pending
                        && !waiting.is_empty()
                        && nothing_failed
                        && status != PersonStatus::Undetermined
                    {
                        for check in &mut outcome.checks {
                            if matches!(check.outcome, CheckOutcome::CannotRun { .. }) {
                                *check = CheckResult::pass(
                                    &check.name,
                                    format!("satisfied by the {said}"),
                                );
                            }
                        }
                        outcome.cip_status = CipStatus::Verified;
                        outcome.account_access = AccountAccess::Full;
                        reasons.push(format!(
                            "{said} satisfied the checks that could not run: {}",
                            waiting.join(", ")
                        ));
                    } else {
                        reasons.push(format!("{said}: recorded, the decision stands"));
                    }
                }
                VendorVerdict::Fail => {
                    outcome
                        .checks
                        .push(CheckResult::fail(VENDOR_CHECK, said.clone()));
                    outcome.cip_status = CipStatus::Failed;
                    outcome.account_access = failed_access(pack);
                    reasons.push(format!("{said}: verification failed"));
                }
                VendorVerdict::Inconclusive => {
                    reasons.push(format!("{said}: no change"));
                }
            }
        }
    }
    if let Some(officer) = &evidence.officer
        && pack.access().redress.officer_override
    {
        let by = match &officer.approved_by {
            Some(second) => format!("{} with {} (four-eyes)", officer.officer, second),
            None => officer.officer.clone(),
        };
        let (cip_status, access, word) = match officer.decision {
            OfficerDecision::Verified => (CipStatus::Verified, AccountAccess::Full, "verified"),
            OfficerDecision::Failed => (CipStatus::Failed, failed_access(pack), "failed"),
        };
        outcome.cip_status = cip_status;
        outcome.account_access = access;
        reasons.push(format!(
            "officer override to {word} by {by}: {}",
            officer.reason
        ));
    }
    (outcome, reasons)
}

fn verdict_text(verdict: VendorVerdict) -> &'static str {
    match verdict {
        VendorVerdict::Pass => "pass",
        VendorVerdict::Fail => "fail",
        VendorVerdict::Inconclusive => "inconclusive",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::rule_pack::DEFAULT_PACK_ID;

    fn pack() -> RulePack {
        RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"))
    }

    fn pending() -> Outcome {
        Outcome {
            cip_status: CipStatus::Pending,
            account_access: AccountAccess::Restricted,
            checks: vec![
                CheckResult::pass("email_domain", "ok"),
                CheckResult::cannot_run("ip_geolocation", "no access events"),
            ],
            reasons: Vec::new(),
        }
    }

    fn vendor(verdict: VendorVerdict) -> DecisionEvidence {
        DecisionEvidence {
            vendor: Some(VendorEvidence {
                vendor: "acme".into(),
                verdict,
                reference: "ref-1".into(),
            }),
            ..DecisionEvidence::default()
        }
    }

    #[test]
    fn a_vendor_pass_satisfies_the_checks_that_could_not_run() {
        let (o, reasons) = apply_evidence(
            &pack(),
            PersonStatus::Foreign,
            RiskTier::Medium,
            pending(),
            &vendor(VendorVerdict::Pass),
        );
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Verified, AccountAccess::Full)
        );
        assert!(o.checks.iter().all(|c| c.outcome.is_pass()), "{o:?}");
        assert!(reasons[0].contains("satisfied the checks that could not run: ip_geolocation"));
    }

    #[test]
    fn a_vendor_pass_cannot_rescue_a_failed_check_or_an_unknown_status() {
        let mut failed = pending();
        failed
            .checks
            .push(CheckResult::fail("phone_country", "NG vs GB"));
        let (o, _) = apply_evidence(
            &pack(),
            PersonStatus::Foreign,
            RiskTier::Medium,
            failed,
            &vendor(VendorVerdict::Pass),
        );
        assert_eq!(o.cip_status, CipStatus::Pending);
        let (o, _) = apply_evidence(
            &pack(),
            PersonStatus::Undetermined,
            RiskTier::Medium,
            pending(),
            &vendor(VendorVerdict::Pass),
        );
        assert_eq!(o.cip_status, CipStatus::Pending);
    }

    #[test]
    fn a_vendor_fail_fails_and_inconclusive_changes_nothing() {
        let (o, _) = apply_evidence(
            &pack(),
            PersonStatus::Foreign,
            RiskTier::Low,
            pending(),
            &vendor(VendorVerdict::Fail),
        );
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Failed, AccountAccess::Closed)
        );
        assert!(
            o.checks
                .iter()
                .any(|c| c.name == VENDOR_CHECK && c.outcome.is_fail())
        );
        let (o, _) = apply_evidence(
            &pack(),
            PersonStatus::Foreign,
            RiskTier::Low,
            pending(),
            &vendor(VendorVerdict::Inconclusive),
        );
        assert_eq!(o, pending());
    }

    #[test]
    fn an_override_decides_and_names_both_officers() {
        let evidence = DecisionEvidence {
            officer: Some(OfficerOverride {
                decision: OfficerDecision::Verified,
                reason: "passport seen in person".into(),
                officer: "key:a".into(),
                approved_by: Some("key:b".into()),
            }),
            ..vendor(VendorVerdict::Fail)
        };
        let (o, reasons) = apply_evidence(
            &pack(),
            PersonStatus::Foreign,
            RiskTier::High,
            pending(),
            &evidence,
        );
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Verified, AccountAccess::Full)
        );
        assert_eq!(
            reasons.last().map(String::as_str),
            Some(
                "officer override to verified by key:a with key:b (four-eyes): passport seen in person"
            )
        );
    }

    #[test]
    fn history_keeps_the_latest_conclusive_verdict_and_applied_override() {
        let at = chrono::Utc::now();
        let record = |evidence: Evidence, state: VerificationState| Verification {
            id: cloudkyc_store::verifications::VerificationId::new(),
            tenant: cloudkyc_domain::TenantId::new(),
            customer: cloudkyc_store::customers::CustomerId::new(),
            evidence,
            state,
            event_id: None,
            requested_by: "key:a".into(),
            decided_by: Some("key:a".into()),
            created_at: at,
            decided_at: Some(at),
        };
        let verdict = |verdict| Evidence::Vendor {
            vendor: "acme".into(),
            verdict,
            reference: "r".into(),
        };
        let history = [
            record(verdict(VendorVerdict::Fail), VerificationState::Recorded),
            record(verdict(VendorVerdict::Pass), VerificationState::Recorded),
            record(
                verdict(VendorVerdict::Inconclusive),
                VerificationState::Recorded,
            ),
            record(
                Evidence::Override {
                    decision: OfficerDecision::Failed,
                    reason: "pending".into(),
                },
                VerificationState::Pending,
            ),
        ];
        let evidence = DecisionEvidence::from_history(Vec::new(), &history);
        assert_eq!(
            evidence.vendor.map(|v| v.verdict),
            Some(VendorVerdict::Pass)
        );
        assert_eq!(evidence.officer, None, "a pending override is not applied");
    }
}
