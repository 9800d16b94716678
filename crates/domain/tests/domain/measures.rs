//! Special measures: the registry's dates, jurisdiction matching on every evidence source,
//! enforcement plans and what expiry lifts.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use cloudkyc_domain::cip::{self, AccessObservation, CountryCode, IpAddress, PersonStatus};
use cloudkyc_domain::measures::{
    Action, EvidenceSource, Extension, Lifting, LocationEvidence, MatchBasis, MeasureDraft,
    MeasureId, MeasureKindName, MeasureProblem, MeasureRecord, MeasureStatus, MeasureTarget,
    NamedPerson, PersonMatch, SpecialMeasure, Stage, Subject, SubjectRole, lifted_actions,
    plan_enforcement,
};
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, MatchScore, ProductId, RulePack};

use super::cip::{ENTITY, INDIVIDUAL, draft as customer_draft, today as cip_today};

fn on(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn pack() -> RulePack {
    RulePack::bundled(DEFAULT_PACK_ID).unwrap()
}

fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

/// Determined 2026-01-01; the pack's earliest effect is 180 days later, 2026-06-30.
fn jurisdiction_draft(id: &str, code: &str) -> MeasureDraft {
    MeasureDraft {
        id: id.into(),
        target: MeasureTarget::Jurisdiction {
            country: country(code),
        },
        kind: MeasureKindName::Prohibit,
        condition: None,
        determination_date: on("2026-01-01"),
        effective_date: on("2026-06-30"),
        expiry_date: None,
        source_reference: "91 FR 1234".into(),
    }
}

fn measure(draft: MeasureDraft) -> SpecialMeasure {
    SpecialMeasure::new(draft, pack().special_measures()).unwrap()
}

#[test]
fn status_runs_pending_in_force_expired() {
    let m = measure(jurisdiction_draft("sm-1", "NG"));
    // Default expiry: 365 days after the effective date.
    assert_eq!(m.expiry(), on("2027-06-30"));
    assert_eq!(m.status_on(on("2025-12-31")), MeasureStatus::Pending);
    assert_eq!(m.status_on(on("2026-06-29")), MeasureStatus::Pending);
    assert_eq!(m.status_on(on("2026-06-30")), MeasureStatus::InForce);
    assert_eq!(m.status_on(on("2027-06-29")), MeasureStatus::InForce);
    assert_eq!(m.status_on(on("2027-06-30")), MeasureStatus::Expired);
}

#[test]
fn drafts_report_every_problem() {
    let mut draft = jurisdiction_draft("", "NG");
    draft.effective_date = on("2026-03-01");
    draft.expiry_date = Some(on("2027-06-01"));
    draft.source_reference = " ".into();
    draft.kind = MeasureKindName::Condition;
    draft.condition = Some("no_gpus".into());
    let error = SpecialMeasure::new(draft, pack().special_measures()).unwrap_err();
    let problems = error.problems;
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(matches!(problems[0], MeasureProblem::InvalidId { .. }));
    assert_eq!(problems[1], MeasureProblem::BlankSourceReference);
    assert_eq!(
        problems[2],
        MeasureProblem::UnknownCondition {
            condition: "no_gpus".into(),
            known: vec!["enhanced_monitoring".into(), "no_accelerators".into()],
        }
    );
    assert_eq!(
        problems[3],
        MeasureProblem::TooEarly {
            effective: on("2026-03-01"),
            earliest: on("2026-06-30"),
            days: 180
        }
    );
    assert_eq!(
        problems[4],
        MeasureProblem::TooLong {
            expiry: on("2027-06-01"),
            latest: on("2027-03-01"),
            days: 365
        }
    );
    assert!(problems[3].to_string().contains("earliest_effect_days"));

    let mut backwards = jurisdiction_draft("sm-2", "NG");
    backwards.expiry_date = Some(on("2026-06-30"));
    backwards.condition = Some("no_accelerators".into());
    let problems = SpecialMeasure::new(backwards, pack().special_measures())
        .unwrap_err()
        .problems;
    assert_eq!(
        problems,
        [
            MeasureProblem::ConditionOnProhibition,
            MeasureProblem::ExpiryNotAfterEffective {
                effective: on("2026-06-30"),
                expiry: on("2026-06-30")
            }
        ]
    );
}

#[test]
fn extensions_and_lifting() {
    let sm = pack().special_measures().clone();
    let mut m = measure(jurisdiction_draft("sm-1", "NG"));
    let extension = |decided: &str, expiry: &str| Extension {
        decided_on: on(decided),
        new_expiry: on(expiry),
        reference: "91 FR 9999".into(),
    };
    // Too long (more than 365 days past the current expiry), after expiry, not later.
    let error = m
        .extend(extension("2027-05-01", "2028-07-01"), &sm)
        .unwrap_err();
    assert!(matches!(error.problems[0], MeasureProblem::TooLong { .. }));
    let error = m
        .extend(extension("2027-06-30", "2028-01-01"), &sm)
        .unwrap_err();
    assert!(matches!(
        error.problems[0],
        MeasureProblem::ExtensionAfterExpiry { .. }
    ));
    let error = m
        .extend(extension("2027-05-01", "2027-06-30"), &sm)
        .unwrap_err();
    assert!(matches!(
        error.problems[0],
        MeasureProblem::ExpiryNotExtended { .. }
    ));

    m.extend(extension("2027-05-01", "2028-06-29"), &sm)
        .unwrap();
    assert_eq!(m.expiry(), on("2028-06-29"));
    assert_eq!(m.status_on(on("2027-07-01")), MeasureStatus::InForce);
    assert_eq!(m.status_on(on("2028-06-29")), MeasureStatus::Expired);

    let lifting = Lifting {
        on: on("2027-09-01"),
        reference: "91 FR 10001".into(),
    };
    m.lift(lifting.clone()).unwrap();
    assert_eq!(m.status_on(on("2027-08-31")), MeasureStatus::InForce);
    assert_eq!(m.status_on(on("2027-09-01")), MeasureStatus::Lifted);
    assert!(m.lift(lifting).is_err());
    assert!(
        m.extend(extension("2027-10-01", "2028-06-30"), &sm)
            .is_err()
    );

    // The stored form validates again on the way back.
    let json = serde_json::to_string(&m).unwrap();
    let record: MeasureRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(SpecialMeasure::from_record(record, &sm).unwrap(), m);
}

#[test]
fn every_evidence_source_matches() {
    let customer = cip::validate(&customer_draft(INDIVIDUAL), cip_today()).unwrap();
    let access = [AccessObservation {
        ip: IpAddress::parse("102.89.34.10").unwrap(),
        country: Some(country("NG")),
    }];
    let evidence = LocationEvidence::of_customer(&customer, &access);
    let found = evidence.placing_in(country("NG"), pack().special_measures());
    let sources: Vec<EvidenceSource> = found.iter().map(|item| item.source).collect();
    assert_eq!(
        sources,
        [
            EvidenceSource::Address,
            EvidenceSource::Nationality,
            EvidenceSource::PaymentInstrument,
            EvidenceSource::AccessIp
        ]
    );
    assert_eq!(found[2].detail, "card ending 4242 of account acct-1001");
    assert_eq!(found[3].to_string(), "access IP from 102.89.34.10 (NG)");
    assert!(
        evidence
            .placing_in(country("GH"), pack().special_measures())
            .is_empty()
    );

    // An entity: place of organisation and bank country; its owners separately.
    let entity = cip::validate(&customer_draft(ENTITY), cip_today()).unwrap();
    let evidence = LocationEvidence::of_customer(&entity, &[]);
    let sources: Vec<EvidenceSource> = evidence
        .placing_in(country("AE"), pack().special_measures())
        .iter()
        .map(|item| item.source)
        .collect();
    assert_eq!(
        sources,
        [
            EvidenceSource::Address,
            EvidenceSource::PlaceOfOrganization,
            EvidenceSource::PaymentInstrument
        ]
    );
    let owner = LocationEvidence::of_owner(&entity.beneficial_owners[0]);
    assert_eq!(
        owner
            .placing_in(country("CN"), pack().special_measures())
            .len(),
        2
    );
}

#[test]
fn the_pack_decides_which_evidence_counts() {
    let source = RulePack::bundled_source(DEFAULT_PACK_ID).unwrap();
    let narrowed = source.replace(
        r#"location_evidence = ["address", "nationality_or_organization", "payment_country", "access_ip_country"]"#,
        r#"location_evidence = ["address"]"#,
    );
    assert_ne!(
        narrowed, source,
        "the bundled pack's line changed; update this test"
    );
    let narrow = RulePack::from_toml_str(&narrowed).unwrap();
    let evidence = LocationEvidence::new()
        .with(
            EvidenceSource::PaymentInstrument,
            country("NG"),
            "card ending 4242",
        )
        .with(EvidenceSource::AccessIp, country("NG"), "from 102.89.34.10");
    assert!(
        evidence
            .placing_in(country("NG"), narrow.special_measures())
            .is_empty()
    );
    assert_eq!(
        evidence
            .placing_in(country("NG"), pack().special_measures())
            .len(),
        2
    );
}

fn subject(role: SubjectRole, party: &str, status: PersonStatus, code: &str) -> Subject {
    Subject {
        role,
        party: PartyRef::new(party).unwrap(),
        status,
        evidence: LocationEvidence::new().with(EvidenceSource::Address, country(code), "in town"),
        person_matches: Vec::new(),
    }
}

#[test]
fn onboarding_is_refused_while_a_prohibition_is_in_force() {
    let measures = [measure(jurisdiction_draft("sm-ng", "NG"))];
    let subjects = [subject(
        SubjectRole::Customer,
        "c1",
        PersonStatus::Foreign,
        "NG",
    )];
    let plan = plan_enforcement(
        &measures,
        &subjects,
        Stage::Onboarding,
        on("2026-07-01"),
        &pack(),
    );
    assert!(plan.refuses());
    assert_eq!(plan.actions.len(), 1);
    let action = &plan.actions[0];
    assert_eq!(action.due, on("2026-07-01"));
    assert!(action.reasons[0].starts_with(
        "special measure sm-ng (prohibit) on NG (Nigeria), in force since 2026-06-30"
    ));
    assert_eq!(
        action.reasons[1],
        "the customer c1 is located there by address in town (NG)"
    );
    assert_eq!(plan.policy, pack().policy_ref());
    // Before the effective date: the account may open, but must close by the effective date.
    let early = plan_enforcement(
        &measures,
        &subjects,
        Stage::Onboarding,
        on("2026-02-01"),
        &pack(),
    );
    assert!(!early.refuses());
    assert_eq!(early.actions[0].action, Action::Close);
    assert_eq!(early.actions[0].due, on("2026-06-30"));
    // After expiry nothing is required.
    let later = plan_enforcement(
        &measures,
        &subjects,
        Stage::Onboarding,
        on("2027-06-30"),
        &pack(),
    );
    assert!(later.actions.is_empty());
}

#[test]
fn existing_accounts_close_or_are_restricted_by_the_effective_date() {
    let mut condition = jurisdiction_draft("sm-ae", "AE");
    condition.kind = MeasureKindName::Condition;
    condition.condition = Some("no_accelerators".into());
    let measures = [
        measure(jurisdiction_draft("sm-ng", "NG")),
        measure(condition),
    ];
    // The customer is in the AE, an owner in NG: the owner's location reaches the customer.
    let subjects = [
        subject(SubjectRole::Customer, "c1", PersonStatus::Foreign, "AE"),
        subject(SubjectRole::Owner, "o1", PersonStatus::Undetermined, "NG"),
    ];
    let plan = plan_enforcement(
        &measures,
        &subjects,
        Stage::ExistingAccount,
        on("2026-03-01"),
        &pack(),
    );
    assert_eq!(plan.actions.len(), 2);
    assert_eq!(plan.actions[0].action, Action::Close);
    assert_eq!(plan.actions[0].due, on("2026-06-30"));
    assert_eq!(plan.actions[0].matches[0].role, SubjectRole::Owner);
    assert_eq!(
        plan.actions[1].action,
        Action::Restrict {
            condition: "no_accelerators".into(),
            blocked_products: vec![
                ProductId::new("accelerated_instances"),
                ProductId::new("ai_training_services")
            ],
            enhanced_monitoring: true,
        }
    );
    // Found after the effective date: due at once.
    let late = plan_enforcement(
        &measures,
        &subjects,
        Stage::ExistingAccount,
        on("2026-08-01"),
        &pack(),
    );
    assert_eq!(late.actions[0].due, on("2026-08-01"));
}

#[test]
fn us_persons_are_reviewed_not_acted_on() {
    let measures = [measure(jurisdiction_draft("sm-ng", "NG"))];
    let subjects = [subject(SubjectRole::Customer, "c1", PersonStatus::Us, "NG")];
    let plan = plan_enforcement(
        &measures,
        &subjects,
        Stage::ExistingAccount,
        on("2026-07-01"),
        &pack(),
    );
    assert!(plan.actions.is_empty());
    assert_eq!(plan.reviews.len(), 1);
    assert!(plan.reviews[0].reason.contains("foreign persons only"));
}

#[test]
fn person_matches_act_above_the_match_threshold_and_are_reviewed_below() {
    let mut draft = jurisdiction_draft("sm-person", "NG");
    draft.target = MeasureTarget::Person(NamedPerson {
        name: "Viktor Example".into(),
        aliases: vec![],
        country: Some(country("RU")),
        date_of_birth: None,
        identifiers: vec![],
    });
    let measures = [measure(draft)];
    let matched = |score: f64| PersonMatch {
        measure_id: MeasureId::new("sm-person").unwrap(),
        score: MatchScore::new(score).unwrap(),
        explanation: "full name and birth year agree".into(),
    };
    let mut reseller = subject(SubjectRole::Reseller, "r1", PersonStatus::Foreign, "DE");
    reseller.person_matches = vec![matched(0.9)];
    let plan = plan_enforcement(
        &measures,
        &[reseller.clone()],
        Stage::ExistingAccount,
        on("2026-07-01"),
        &pack(),
    );
    assert_eq!(plan.actions.len(), 1);
    assert!(matches!(
        plan.actions[0].matches[0].basis,
        MatchBasis::Person { .. }
    ));
    reseller.person_matches = vec![matched(0.8)];
    let plan = plan_enforcement(
        &measures,
        &[reseller.clone()],
        Stage::ExistingAccount,
        on("2026-07-01"),
        &pack(),
    );
    assert!(plan.actions.is_empty());
    assert_eq!(plan.reviews.len(), 1);
    reseller.person_matches = vec![matched(0.5)];
    let plan = plan_enforcement(
        &measures,
        &[reseller],
        Stage::ExistingAccount,
        on("2026-07-01"),
        &pack(),
    );
    assert!(plan.actions.is_empty() && plan.reviews.is_empty());
}

#[test]
fn expiry_and_lifting_undo_what_they_caused() {
    let sm = pack().special_measures().clone();
    let expiring = measure(jurisdiction_draft("sm-ng", "NG"));
    let mut extended = measure(jurisdiction_draft("sm-ng-2", "NG"));
    extended
        .extend(
            Extension {
                decided_on: on("2027-01-01"),
                new_expiry: on("2028-01-01"),
                reference: "ext".into(),
            },
            &sm,
        )
        .unwrap();
    let mut lifted = measure(jurisdiction_draft("sm-ng-3", "NG"));
    let removed = measure(jurisdiction_draft("sm-ng-4", "NG"));
    let subjects = [subject(
        SubjectRole::Customer,
        "c1",
        PersonStatus::Foreign,
        "NG",
    )];
    let all = [expiring.clone(), extended.clone(), lifted.clone(), removed];
    let plan = plan_enforcement(
        &all,
        &subjects,
        Stage::ExistingAccount,
        on("2026-07-01"),
        &pack(),
    );
    assert_eq!(plan.actions.len(), 4);

    lifted
        .lift(Lifting {
            on: on("2027-01-15"),
            reference: "91 FR 2000".into(),
        })
        .unwrap();
    let registry = [expiring, extended, lifted];
    // While the measures run, only the one removed from the registry is lifted.
    let early = lifted_actions(&plan.actions, &registry, on("2026-12-01"));
    assert_eq!(early.len(), 1);
    assert_eq!(early[0].action.measure_id.as_str(), "sm-ng-4");
    let undone = lifted_actions(&plan.actions, &registry, on("2027-06-30"));
    let reasons: Vec<(&str, &str)> = undone
        .iter()
        .map(|l| (l.action.measure_id.as_str(), l.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("sm-ng", "measure sm-ng expired on 2027-06-30"),
            (
                "sm-ng-3",
                "measure sm-ng-3 was lifted on 2027-01-15 (91 FR 2000)"
            ),
            ("sm-ng-4", "measure sm-ng-4 is no longer in the registry"),
        ]
    );
}
