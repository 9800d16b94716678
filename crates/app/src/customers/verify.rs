//! Verification with what can run offline at onboarding, and the CIP outcome it leads to.
//!
//! Each pack check of the customer's tier becomes one [`CheckResult`]: documentary checks from
//! the machine-readable zone of a submitted document, non-documentary consistency checks from
//! the submitted data. Access-IP geolocation compares the countries the customer's accounts were
//! accessed from (geolocated at ingestion, `App::access_countries`) with the address countries;
//! at onboarding there are none yet, so it cannot run, and neither can vendor verdicts (none
//! received): that leaves the customer `pending`, never `verified`.

use chrono::NaiveDate;
use cloudkyc_domain::cip::consistency::{
    document_number_plausible, email_domain_not_disposable, payment_country_matches_address,
    phone_country_matches_address,
};
use cloudkyc_domain::cip::mrz::{SubmittedDocument, compare_with_submitted};
use cloudkyc_domain::cip::{
    CheckOutcome, CheckResult, CountryCode, Party, PersonStatus, ValidatedCustomer,
};
use cloudkyc_domain::rule_pack::{
    FailureAction, NotOpenedCondition, RiskTier, RulePack, VerificationCheck,
};
use cloudkyc_store::customers::{AccountAccess, CipStatus};

/// Every MRZ comparison of the customer's documents that carry a zone; empty when none does.
fn mrz_results(customer: &ValidatedCustomer, today: NaiveDate) -> Vec<CheckResult> {
    let Party::Individual(facts) = &customer.party else {
        return Vec::new();
    };
    customer
        .contact
        .documents
        .iter()
        .filter_map(|doc| doc.mrz.as_ref().map(|mrz| (doc, mrz)))
        .flat_map(|(doc, mrz)| {
            let submitted = SubmittedDocument {
                kind: doc.kind,
                number: &doc.number,
                issuing_country: doc.issuing_country,
                expires: doc.expires.map(|e| e.date()),
                holder_name: &customer.name,
                holder_date_of_birth: facts.date_of_birth.map(|d| d.date()),
                holder_nationalities: &facts.nationalities,
            };
            compare_with_submitted(mrz, &submitted, today)
        })
        .collect()
}

/// Folds the zone results that belong to one pack check into a single result.
fn fold(name: &str, results: &[&CheckResult], none: &str) -> CheckResult {
    if results.is_empty() {
        return CheckResult::cannot_run(name, none);
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.outcome.is_pass() && r.outcome != CheckOutcome::NotApplicable)
        .map(|r| format!("{} ({})", r.name, r.detail))
        .collect();
    if failed.is_empty() {
        CheckResult::pass(name, format!("{} comparisons agree", results.len()))
    } else {
        CheckResult::fail(name, failed.join("; "))
    }
}

/// The geolocated access countries against the address countries: every access country must be
/// one the customer claims. No geolocated access (none recorded, or none the database could
/// place) cannot run, so it never verifies anyone by default.
fn ip_geolocation(name: &str, customer: &ValidatedCustomer, access: &[CountryCode]) -> CheckResult {
    if access.is_empty() {
        return CheckResult::cannot_run(name, "no geolocated account access has been recorded yet");
    }
    let claimed: Vec<CountryCode> = customer
        .contact
        .addresses
        .iter()
        .map(|a| a.country)
        .collect();
    if claimed.is_empty() {
        return CheckResult::cannot_run(name, "no address to compare access countries with");
    }
    let list = |cs: &[CountryCode]| {
        cs.iter()
            .map(CountryCode::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unclaimed: Vec<CountryCode> = access
        .iter()
        .copied()
        .filter(|c| !claimed.contains(c))
        .collect();
    let detail = format!(
        "accessed from {}; addresses in {}",
        list(access),
        list(&claimed)
    );
    if unclaimed.is_empty() {
        CheckResult::pass(name, detail)
    } else {
        CheckResult::fail(
            name,
            format!("access from unclaimed {}; {detail}", list(&unclaimed)),
        )
    }
}

fn run(
    check: VerificationCheck,
    customer: &ValidatedCustomer,
    mrz: &[CheckResult],
    access: &[CountryCode],
    today: NaiveDate,
) -> CheckResult {
    let name = check.to_string();
    let contact = &customer.contact;
    let mut result = match check {
        VerificationCheck::DocumentMrz => {
            let digits: Vec<&CheckResult> = mrz
                .iter()
                .filter(|r| r.name.starts_with("mrz_check_digit"))
                .collect();
            fold(
                &name,
                &digits,
                "no document with a machine-readable zone was submitted",
            )
        }
        VerificationCheck::DocumentDataMatch => {
            let fields: Vec<&CheckResult> = mrz
                .iter()
                .filter(|r| !r.name.starts_with("mrz_check_digit"))
                .collect();
            fold(
                &name,
                &fields,
                "no document with a machine-readable zone was submitted",
            )
        }
        VerificationCheck::DocumentNotExpired => {
            if contact.documents.is_empty() {
                CheckResult::cannot_run(&name, "no identity document was submitted")
            } else {
                let ok = contact
                    .documents
                    .iter()
                    .all(|d| d.expires.is_none_or(|e| e.date() > today));
                CheckResult::pass_if(
                    ok,
                    &name,
                    format!("{} document(s) checked on {today}", contact.documents.len()),
                )
            }
        }
        VerificationCheck::DocumentNumberPattern => document_number_plausible(&contact.documents),
        VerificationCheck::PhoneCountry => {
            phone_country_matches_address(&contact.phones, &contact.addresses)
        }
        VerificationCheck::PaymentCountry => {
            payment_country_matches_address(&customer.accounts, &contact.addresses)
        }
        VerificationCheck::EmailDomain => email_domain_not_disposable(&contact.emails),
        VerificationCheck::IpGeolocation => ip_geolocation(&name, customer, access),
        VerificationCheck::VendorVerdict => {
            CheckResult::cannot_run(&name, "no vendor verdict has been received")
        }
    };
    // The pack's name for the check, so evidence and reasons line up with the pack.
    result.name = name;
    result
}

/// The CIP decision: status, access, the checks run, and reasons in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub cip_status: CipStatus,
    pub account_access: AccountAccess,
    pub checks: Vec<CheckResult>,
    pub reasons: Vec<String>,
}

fn describe(check: &CheckResult) -> String {
    match &check.outcome {
        CheckOutcome::Pass => format!("check {} passed: {}", check.name, check.detail),
        CheckOutcome::Fail => format!("check {} failed: {}", check.name, check.detail),
        CheckOutcome::NotApplicable => {
            format!("check {} not applicable: {}", check.name, check.detail)
        }
        CheckOutcome::CannotRun { reason } => {
            format!("check {} could not run: {reason}", check.name)
        }
    }
}

fn pending_access(pack: &RulePack) -> AccountAccess {
    if pack.access().pending.allowed {
        AccountAccess::Restricted
    } else {
        AccountAccess::None
    }
}

/// `access` holds the distinct geolocated countries of the customer's account access events
/// (empty at onboarding).
pub fn decide(
    pack: &RulePack,
    customer: &ValidatedCustomer,
    status: PersonStatus,
    tier: RiskTier,
    missing: &[String],
    access: &[CountryCode],
    today: NaiveDate,
) -> Outcome {
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        reasons.push(format!(
            "required information missing: {}",
            missing.join(", ")
        ));
        let access = if pack
            .access()
            .not_opened_when
            .contains(&NotOpenedCondition::RequiredInformationMissing)
        {
            AccountAccess::None
        } else {
            pending_access(pack)
        };
        return Outcome {
            cip_status: CipStatus::Pending,
            account_access: access,
            checks: Vec::new(),
            reasons,
        };
    }
    if status == PersonStatus::Us {
        reasons.push("U.S. customer with U.S. owners: verification is not required".into());
        return Outcome {
            cip_status: CipStatus::NotRequired,
            account_access: AccountAccess::Full,
            checks: Vec::new(),
            reasons,
        };
    }
    // When the evidence cannot decide U.S. or foreign, the pack asks for the stricter checks.
    let applied = if status == PersonStatus::Undetermined {
        tier.max(pack.verification().when_in_doubt_apply)
    } else {
        tier
    };
    reasons.push(format!("verification at the {applied} tier"));
    let mrz = mrz_results(customer, today);
    let checks: Vec<CheckResult> = pack
        .verification()
        .for_tier(applied)
        .checks
        .iter()
        .map(|check| run(*check, customer, &mrz, access, today))
        .collect();
    reasons.extend(checks.iter().map(describe));
    let failed = checks.iter().any(|c| c.outcome.is_fail());
    let open = checks
        .iter()
        .any(|c| matches!(c.outcome, CheckOutcome::CannotRun { .. }));
    let (cip_status, account_access) = if failed {
        let access = match pack.access().failed.action {
            FailureAction::Close => AccountAccess::Closed,
            FailureAction::Restrict => AccountAccess::Restricted,
        };
        (CipStatus::Failed, access)
    } else if open || status == PersonStatus::Undetermined {
        if status == PersonStatus::Undetermined {
            reasons.push("U.S. or foreign status is undetermined".into());
        }
        (CipStatus::Pending, pending_access(pack))
    } else {
        (CipStatus::Verified, AccountAccess::Full)
    };
    Outcome {
        cip_status,
        account_access,
        checks,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::cip::{CustomerDraft, determine_customer, validate};
    use cloudkyc_domain::rule_pack::DEFAULT_PACK_ID;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
    }

    fn customer(country: &str, phone: &str, card_country: &str) -> ValidatedCustomer {
        let draft: CustomerDraft = serde_json::from_value(json!({
            "kind": "individual",
            "name": {"full": "Jo Example"},
            "date_of_birth": "1980-01-01",
            "nationalities": [country],
            "addresses": [{"line1": "1 Main St", "city": "Springfield", "country": country}],
            "emails": ["jo@example.com"],
            "phones": [phone],
            "accounts": [{"external_id": "a-1", "payment_methods": [{"type": "card", "brand": "visa",
                "last4": "4242", "bin_country": card_country, "source": "customer"}]}],
            "beneficial_owners": []
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        validate(&draft, today()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn outcome(c: &ValidatedCustomer, tier: RiskTier) -> Outcome {
        let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
        let status = determine_customer(c, &[]).overall.status;
        decide(&pack, c, status, tier, &[], &[], today())
    }

    #[test]
    fn a_us_customer_needs_no_verification_and_gets_full_access() {
        let o = outcome(&customer("US", "+1 415 555 0100", "US"), RiskTier::Low);
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::NotRequired, AccountAccess::Full)
        );
        assert!(o.checks.is_empty());
    }

    #[test]
    fn a_foreign_customer_passing_every_low_tier_check_is_verified() {
        let o = outcome(&customer("DE", "+49 30 901820", "DE"), RiskTier::Low);
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Verified, AccountAccess::Full),
            "{o:?}"
        );
    }

    #[test]
    fn a_failing_check_fails_verification_and_closes_the_account_per_the_pack() {
        let o = outcome(&customer("DE", "+49 30 901820", "BR"), RiskTier::Low);
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Failed, AccountAccess::Closed),
            "{o:?}"
        );
        assert!(
            o.reasons
                .iter()
                .any(|r| r.starts_with("check payment_country failed")),
            "{:?}",
            o.reasons
        );
    }

    #[test]
    fn a_check_that_cannot_run_leaves_the_customer_pending_never_verified() {
        let o = outcome(&customer("DE", "+49 30 901820", "DE"), RiskTier::Medium);
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Pending, AccountAccess::Restricted),
            "{o:?}"
        );
    }

    fn geolocation(access: &[&str]) -> CheckResult {
        let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
        let c = customer("DE", "+49 30 901820", "DE");
        let access: Vec<CountryCode> = access
            .iter()
            .filter_map(|a| CountryCode::parse(a).ok())
            .collect();
        let o = decide(
            &pack,
            &c,
            PersonStatus::Foreign,
            RiskTier::Medium,
            &[],
            &access,
            today(),
        );
        o.checks
            .into_iter()
            .find(|c| c.name == "ip_geolocation")
            .unwrap_or_else(|| panic!("the medium tier runs ip_geolocation"))
    }

    #[test]
    fn ip_geolocation_compares_access_countries_with_the_addresses() {
        let none = geolocation(&[]);
        assert!(
            matches!(none.outcome, CheckOutcome::CannotRun { .. }),
            "{none:?}"
        );
        let home = geolocation(&["DE"]);
        assert_eq!(home.outcome, CheckOutcome::Pass, "{home:?}");
        let abroad = geolocation(&["DE", "NG"]);
        assert!(abroad.outcome.is_fail(), "{abroad:?}");
        assert!(abroad.detail.contains("unclaimed NG"), "{}", abroad.detail);
    }

    #[test]
    fn missing_required_information_does_not_open_the_account() {
        let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
        let c = customer("DE", "+49 30 901820", "DE");
        let o = decide(
            &pack,
            &c,
            PersonStatus::Foreign,
            RiskTier::Low,
            &["email".into()],
            &[],
            today(),
        );
        assert_eq!(
            (o.cip_status, o.account_access),
            (CipStatus::Pending, AccountAccess::None)
        );
    }
}
