//! The calendar's clocks besides case due dates (special measures, reseller reviews), the
//! same for an auditor as for an officer, and the deadline counts of `/metrics` per kind.

use chrono::NaiveDate;
use cloudkyc_domain::Role;
use cloudkyc_domain::cases::ClockKind;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::measures::{MeasureKindName, MeasureTarget};
use cloudkyc_domain::reseller::AgreementKind;

use super::tests::{app, as_role};
use crate::measures::MeasureRequest;
use crate::resellers::RegisterReseller;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[tokio::test]
async fn measures_and_reseller_reviews_are_on_the_calendar() {
    let (app, _clock, operator) = app().await;
    let measure = app
        .register_measure(
            &operator,
            MeasureRequest {
                target: MeasureTarget::Jurisdiction {
                    country: CountryCode::parse("NG").unwrap_or_else(|e| panic!("{e}")),
                },
                kind: MeasureKindName::Prohibit,
                condition: None,
                determined: day(2026, 11, 1),
                effective: day(2027, 5, 1),
                expiry: None,
                reference: "example determination".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reseller = app
        .register_reseller(
            &operator,
            RegisterReseller {
                name: "Nimbus Cloud Pte Ltd".into(),
                country: "SG".into(),
                cip_agreement: AgreementKind::AdoptsProviderCip,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let review = reseller
        .next_review_due
        .unwrap_or_else(|| panic!("a review is due"));

    let auditor = as_role(&app, &operator, Role::Auditor).await;
    let officer = as_role(&app, &operator, Role::Officer).await;
    let seen = app
        .deadline_calendar(&auditor, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        seen,
        app.deadline_calendar(&officer, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
    let dated: Vec<(ClockKind, NaiveDate)> = seen
        .entries
        .iter()
        .map(|e| (e.item.clock, e.item.due))
        .collect();
    for expected in [
        (ClockKind::SpecialMeasureEffective, day(2027, 5, 1)),
        (ClockKind::SpecialMeasureLapse, measure.measure.expiry()),
        (ClockKind::ResellerReview, review),
        (ClockKind::AnnualCertification, day(2027, 1, 31)),
    ] {
        assert!(
            dated.contains(&expected),
            "{expected:?} missing from {dated:?}"
        );
    }
}

#[tokio::test]
async fn a_certification_moves_the_next_one_a_year_on() {
    let (app, _clock, operator) = app().await;
    let next = |calendar: &cloudkyc_domain::cases::Calendar| {
        calendar
            .entries
            .iter()
            .find(|e| e.item.clock == ClockKind::AnnualCertification)
            .map(|e| e.item.due)
    };
    let before = app.deadline_calendar(&operator, None).await;
    assert_eq!(
        next(&before.unwrap_or_else(|e| panic!("{e}"))),
        Some(day(2027, 1, 31))
    );

    let request =
        crate::reports::ReportRequest::new(cloudkyc_reports::ReportKind::CertificationInitial);
    app.generate_report(&operator, request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Made in November 2026, it answers the nearest due date (31 January 2027).
    let after = app.deadline_calendar(&operator, None).await;
    assert_eq!(
        next(&after.unwrap_or_else(|e| panic!("{e}"))),
        Some(day(2028, 1, 31))
    );
}

#[tokio::test]
async fn deadline_counts_cover_measures_and_reseller_terminations() {
    use cloudkyc_domain::cases::CaseKind;
    use cloudkyc_domain::reseller::ResellerEvent;

    let (app, clock, operator) = app().await;
    let counts = app
        .deadline_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.by_case_kind.len(), CaseKind::ALL.len());
    assert_eq!(counts.special_measure_effective, Default::default());

    // Today is 2026-11-02: the measure takes effect in five days, within the window.
    app.register_measure(
        &operator,
        MeasureRequest {
            target: MeasureTarget::Jurisdiction {
                country: CountryCode::parse("NG").unwrap_or_else(|e| panic!("{e}")),
            },
            kind: MeasureKindName::Prohibit,
            condition: None,
            determined: day(2026, 11, 1),
            effective: day(2026, 11, 7),
            expiry: None,
            reference: "example determination".into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let reseller = app
        .register_reseller(
            &operator,
            RegisterReseller {
                name: "Orchid Compute Sdn Bhd".into(),
                country: "MY".into(),
                cip_agreement: AgreementKind::AdoptsProviderCip,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let finding = ResellerEvent::FindNonCompliance {
        on: day(2026, 11, 2),
        reference: "sample review: accounts opened without verification".into(),
    };
    app.reseller_event(&operator, reseller.record.id, finding)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let counts = app
        .deadline_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            counts.special_measure_effective.due_soon,
            counts.special_measure_effective.overdue
        ),
        (1, 0)
    );
    // Thirty days to terminate: not yet due soon.
    assert_eq!(counts.reseller_termination, Default::default());
    let reseller_cases = counts
        .by_case_kind
        .iter()
        .find(|k| k.kind == CaseKind::Reseller)
        .unwrap_or_else(|| panic!("every kind is listed"));
    assert_eq!(reseller_cases.counts.open, 1, "{counts:?}");

    // 25 days on the measure is in force (no account to deal with) and the termination
    // deadline (2026-12-02) is within the window; 31 days on it has passed.
    clock.advance(chrono::Duration::days(25));
    let counts = app
        .deadline_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.special_measure_effective, Default::default());
    assert_eq!(
        (
            counts.reseller_termination.due_soon,
            counts.reseller_termination.overdue
        ),
        (1, 0)
    );
    clock.advance(chrono::Duration::days(6));
    let counts = app
        .deadline_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            counts.reseller_termination.due_soon,
            counts.reseller_termination.overdue
        ),
        (0, 1)
    );
}
