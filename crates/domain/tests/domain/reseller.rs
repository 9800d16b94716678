//! Foreign resellers: registration, the status machine, the termination clock and what
//! termination means downstream.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_domain::reseller::{
    Agreement, AgreementKind, Attestation, DocumentDigest, EventName, Reseller, ResellerDraft,
    ResellerError, ResellerEvent, ResellerStatus, Review, ReviewOutcome, StatusName,
    TransitionError,
};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, Days, DownstreamAction, Resellers, RulePack};

fn on(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn pack() -> Resellers {
    RulePack::bundled(DEFAULT_PACK_ID)
        .unwrap()
        .resellers()
        .clone()
}

const DIGEST: &str = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

fn draft(country: &str) -> ResellerDraft {
    ResellerDraft {
        tenant: TenantId::new(),
        legal_identity: PartyRef::new("party-reseller-1").unwrap(),
        country: CountryCode::parse(country).unwrap(),
        agreement: Agreement {
            kind: AgreementKind::AdoptsProviderCip,
            document_sha256: DocumentDigest::parse(DIGEST).unwrap(),
            signed_on: on("2026-01-10"),
        },
        registered_on: on("2026-01-15"),
    }
}

fn reseller() -> Reseller {
    Reseller::register(draft("DE")).unwrap()
}

#[test]
fn registration_checks_the_agreement() {
    let r = reseller();
    assert_eq!(r.status(), &ResellerStatus::Active);
    assert_eq!(
        r.agreement().document_sha256.as_str(),
        DIGEST.to_ascii_lowercase()
    );
    assert_eq!(
        Reseller::register(draft("US")),
        Err(ResellerError::NotForeign)
    );
    let mut late = draft("DE");
    late.agreement.signed_on = on("2026-02-01");
    assert!(matches!(
        Reseller::register(late),
        Err(ResellerError::AgreementAfterRegistration { .. })
    ));
    assert!(DocumentDigest::parse("abc").is_err());
    assert!(DocumentDigest::parse(&"g".repeat(64)).is_err());
}

#[test]
fn a_finding_starts_the_clock_and_termination_follows_the_pack() {
    let pack = pack();
    let mut r = reseller();
    r.apply(
        ResellerEvent::StartReview {
            on: on("2026-03-01"),
        },
        &pack,
    )
    .unwrap();
    let change = r
        .apply(
            ResellerEvent::CompleteReview {
                review: Review {
                    on: on("2026-03-10"),
                    outcome: ReviewOutcome::NonCompliant,
                    evidence_reference: "review-2026-q1".into(),
                },
            },
            &pack,
        )
        .unwrap();
    assert_eq!(
        (change.from, change.to),
        (StatusName::UnderReview, StatusName::NonCompliant)
    );
    let clock = r.status().clock().unwrap().clone();
    // 30 calendar days; reminders 21, 14, 7, 3 and 1 days before the deadline.
    assert_eq!(clock.known_on, on("2026-03-10"));
    assert_eq!(clock.deadline, on("2026-04-09"));
    let reminders: Vec<(NaiveDate, u32)> = clock
        .reminders
        .iter()
        .map(|r| (r.on, r.days_before.get()))
        .collect();
    assert_eq!(
        reminders,
        [
            (on("2026-03-19"), 21),
            (on("2026-03-26"), 14),
            (on("2026-04-02"), 7),
            (on("2026-04-06"), 3),
            (on("2026-04-08"), 1)
        ]
    );
    assert_eq!(r.reviews().len(), 1);

    // Starting termination keeps the finding's clock.
    r.apply(
        ResellerEvent::StartTermination {
            on: on("2026-03-20"),
            reason: "non-compliance finding of 2026-03-10".into(),
        },
        &pack,
    )
    .unwrap();
    assert_eq!(r.status().clock(), Some(&clock));
    assert_eq!(r.downstream(), None);
    r.apply(
        ResellerEvent::CompleteTermination {
            on: on("2026-04-09"),
        },
        &pack,
    )
    .unwrap();
    assert_eq!(
        r.status(),
        &ResellerStatus::Terminated {
            on: on("2026-04-09"),
            downstream: DownstreamAction::Suspend,
            late: false
        }
    );
    let downstream = r.downstream().unwrap();
    assert_eq!(downstream.action, DownstreamAction::Suspend);
    assert_eq!(downstream.on, on("2026-04-09"));
    let names: Vec<StatusName> = r.history().iter().map(|c| c.to).collect();
    assert_eq!(
        names,
        [
            StatusName::UnderReview,
            StatusName::NonCompliant,
            StatusName::Terminating,
            StatusName::Terminated
        ]
    );
}

#[test]
fn late_termination_is_marked_and_migration_follows_a_pack_that_says_so() {
    let mut pack = pack();
    pack.downstream_on_termination = DownstreamAction::Migrate;
    pack.reminder_days_before = vec![Days::new(7)];
    let mut r = reseller();
    r.apply(
        ResellerEvent::FindNonCompliance {
            on: on("2026-05-01"),
            reference: "complaint-88".into(),
        },
        &pack,
    )
    .unwrap();
    assert_eq!(r.status().clock().unwrap().reminders.len(), 1);
    r.apply(
        ResellerEvent::CompleteTermination {
            on: on("2026-06-05"),
        },
        &pack,
    )
    .unwrap();
    assert_eq!(
        r.status(),
        &ResellerStatus::Terminated {
            on: on("2026-06-05"),
            downstream: DownstreamAction::Migrate,
            late: true
        }
    );
}

#[test]
fn invalid_transitions_are_refused_with_the_allowed_ones() {
    let pack = pack();
    let mut r = reseller();
    let error = r
        .apply(
            ResellerEvent::CompleteTermination {
                on: on("2026-03-01"),
            },
            &pack,
        )
        .unwrap_err();
    assert_eq!(
        error,
        ResellerError::Transition(TransitionError::NotAllowed {
            from: StatusName::Active,
            event: EventName::CompleteTermination
        })
    );
    assert_eq!(
        error.to_string(),
        "cannot complete_termination a reseller that is active: while active only start_review, complete_review, find_non_compliance, start_termination are allowed"
    );
    // Nothing changed.
    assert_eq!(r.status(), &ResellerStatus::Active);
    assert!(r.history().is_empty());

    // Dated before the last change.
    r.apply(
        ResellerEvent::StartReview {
            on: on("2026-03-01"),
        },
        &pack,
    )
    .unwrap();
    let error = r
        .apply(
            ResellerEvent::FindNonCompliance {
                on: on("2026-02-01"),
                reference: "x".into(),
            },
            &pack,
        )
        .unwrap_err();
    assert!(matches!(
        error,
        ResellerError::Transition(TransitionError::BeforeLastChange { .. })
    ));
    // A reason is required.
    let error = r
        .apply(
            ResellerEvent::StartTermination {
                on: on("2026-03-02"),
                reason: "  ".into(),
            },
            &pack,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "start_termination: reason cannot be blank"
    );
    // A review cannot be started twice.
    assert!(
        r.apply(
            ResellerEvent::StartReview {
                on: on("2026-03-02")
            },
            &pack
        )
        .is_err()
    );

    // Termination is final.
    r.apply(
        ResellerEvent::StartTermination {
            on: on("2026-03-02"),
            reason: "provider decision".into(),
        },
        &pack,
    )
    .unwrap();
    // A termination without a finding gets the pack's notice period from its start.
    assert_eq!(r.status().clock().unwrap().deadline, on("2026-04-01"));
    r.apply(
        ResellerEvent::CompleteTermination {
            on: on("2026-03-30"),
        },
        &pack,
    )
    .unwrap();
    let error = r
        .apply(
            ResellerEvent::StartReview {
                on: on("2026-04-01"),
            },
            &pack,
        )
        .unwrap_err();
    assert!(error.to_string().ends_with("termination is final"));
    assert_eq!(
        r.attest(Attestation {
            on: on("2026-04-01"),
            by: "CEO".into(),
            statement: "we comply".into()
        }),
        Err(ResellerError::Terminated)
    );
}

#[test]
fn a_withdrawn_finding_returns_to_active_and_reviews_set_the_next_due_date() {
    let pack = pack();
    let mut r = reseller();
    assert_eq!(r.next_review_due(&pack), on("2027-01-15"));
    assert!(r.is_review_overdue(on("2027-01-16"), &pack));
    r.apply(
        ResellerEvent::CompleteReview {
            review: Review {
                on: on("2026-06-01"),
                outcome: ReviewOutcome::Compliant,
                evidence_reference: "review-2026".into(),
            },
        },
        &pack,
    )
    .unwrap();
    assert_eq!(r.next_review_due(&pack), on("2027-06-01"));
    r.apply(
        ResellerEvent::FindNonCompliance {
            on: on("2026-07-01"),
            reference: "tip".into(),
        },
        &pack,
    )
    .unwrap();
    r.apply(
        ResellerEvent::WithdrawFinding {
            on: on("2026-07-03"),
            reason: "the tip concerned another company".into(),
        },
        &pack,
    )
    .unwrap();
    assert_eq!(r.status(), &ResellerStatus::Active);
    assert_eq!(r.status().clock(), None);
    r.attest(Attestation {
        on: on("2026-07-04"),
        by: "Anna Schmidt, compliance officer".into(),
        statement: "Our CIP follows the provider's program adopted on 2026-01-10.".into(),
    })
    .unwrap();
    assert!(matches!(
        r.attest(Attestation {
            on: on("2025-01-01"),
            by: "x".into(),
            statement: "y".into()
        }),
        Err(ResellerError::AttestationBeforeRegistration { .. })
    ));
    assert_eq!(r.attestations().len(), 1);
    // The stored form round-trips.
    let json = serde_json::to_string(&r).unwrap();
    let back: Reseller = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}
