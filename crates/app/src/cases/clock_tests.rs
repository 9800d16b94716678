//! The calendar's clocks besides case due dates: special measures and reseller reviews, the
//! same for an auditor as for an officer.

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
