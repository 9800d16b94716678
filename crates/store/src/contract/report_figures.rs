//! Report figures and generated reports: counts aggregated from plaintext columns within the
//! scope and period, reports kept with their digest in the audit chain, files sealed when
//! personal, and every disclosure logged.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::customers::{AccountAccess, CipStatus, Customer, CustomerDecision, NewCustomer};
use crate::report_figures::{
    CustomerStatusCount, NewReport, REPORT_DISCLOSE, REPORT_GENERATE, REPORT_SUBJECT, ReportFile,
    VerificationRecordCount,
};
use crate::verifications::{Evidence, NewVerification, OfficerDecision, VerificationState};
use crate::{Store, StoreError, TenantScope};

async fn customer(
    store: &Arc<dyn Store>,
    scope: &TenantScope,
    tenant: TenantId,
    status: (PersonStatus, CipStatus, AccountAccess),
    account: &str,
    at: DateTime<Utc>,
) -> Customer {
    let new = NewCustomer {
        tenant,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: CustomerDecision {
            person_status: status.0,
            cip_status: status.1,
            account_access: status.2,
            risk_tier: RiskTier::Medium,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: vec![],
        },
        personal: json!({"name": {"full": "Ines Duarte"}}),
        lookups: vec![],
        accounts: vec![account.to_owned()],
    };
    store
        .create_customer(scope, new, at)
        .await
        .expect("created")
        .customer
}

fn report(kind: &str, personal: bool, json_text: &str) -> NewReport {
    let json = json_text.as_bytes().to_vec();
    NewReport {
        kind: kind.to_owned(),
        sha256: hex::encode(Sha256::digest(&json)),
        parameters: json!({"year": 2025}),
        personal,
        json,
        pdf: b"%PDF-1.7 contract".to_vec(),
        archive: personal.then(|| b"archive of Ines Duarte".to_vec()),
    }
}

pub async fn figures_are_counted_per_status_within_scope_and_period(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let foreign_failed = (
        PersonStatus::Foreign,
        CipStatus::Failed,
        AccountAccess::Closed,
    );
    let us_verified = (PersonStatus::Us, CipStatus::Verified, AccountAccess::Full);
    let failed = customer(&s.store, &whole, s.provider.id, foreign_failed, "p-1", t0()).await;
    customer(&s.store, &whole, s.provider.id, us_verified, "p-2", t0()).await;
    let in_a = customer(&s.store, &a_scope, a.id, us_verified, "a-1", t0()).await;
    let late = t0() + Duration::days(400);
    customer(&s.store, &whole, s.provider.id, us_verified, "p-3", late).await;

    let until = t0() + Duration::days(1);
    let counts = s
        .store
        .customer_status_counts(&whole, until)
        .await
        .expect("counts");
    let row = |status: (PersonStatus, CipStatus, AccountAccess), count| CustomerStatusCount {
        person_status: status.0,
        cip_status: status.1,
        account_access: status.2,
        risk_tier: RiskTier::Medium,
        count,
    };
    let mut expected = vec![row(foreign_failed, 1), row(us_verified, 2)];
    let mut got = counts.clone();
    let key = |c: &CustomerStatusCount| format!("{:?}{:?}", c.person_status, c.cip_status);
    expected.sort_by_key(key);
    got.sort_by_key(key);
    assert_eq!(got, expected, "the later customer is outside the period");
    let a_counts = s
        .store
        .customer_status_counts(&a_scope, until)
        .await
        .expect("counts");
    assert_eq!(
        a_counts,
        vec![row(us_verified, 1)],
        "a reseller counts its own"
    );

    let record = NewVerification {
        customer: in_a.id,
        evidence: Evidence::Override {
            decision: OfficerDecision::Failed,
            reason: "document forged".into(),
        },
        state: VerificationState::Applied,
        event_id: None,
    };
    s.store
        .record_verification(&a_scope, record, t0() + Duration::hours(1))
        .await
        .expect("recorded");
    let records = s
        .store
        .verification_record_counts(&whole, t0(), until)
        .await
        .expect("records");
    assert_eq!(
        records,
        vec![VerificationRecordCount {
            kind: "override".into(),
            state: "applied".into(),
            count: 1,
        }]
    );
    assert!(
        s.store
            .verification_record_counts(&whole, until, late)
            .await
            .expect("records")
            .is_empty()
    );
    let mut subjects = s
        .store
        .verification_subjects(&whole, t0(), until)
        .await
        .expect("subjects");
    subjects.sort();
    let mut expected = vec![failed.id, in_a.id];
    expected.sort();
    assert_eq!(
        subjects, expected,
        "the failed customer and the one with a record"
    );
    assert_eq!(
        s.store
            .verification_subjects(&a_scope, t0(), until)
            .await
            .expect("subjects"),
        vec![in_a.id]
    );
}

pub async fn reports_are_kept_with_their_digest_and_disclosures_are_logged(
    db: &dyn ContractDatabase,
) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;

    let plain = report("written-cip", false, "{\"kind\":\"written-cip\"}\n");
    let personal = report(
        "ai-training",
        true,
        "{\"foreign_person\":\"Ines Duarte de Sousa\"}\n",
    );
    let mut bad = report("adp", false, "{}\n");
    bad.sha256 = "0".repeat(64);
    assert!(s.store.record_report(&whole, bad, t0()).await.is_err());

    let first = s
        .store
        .record_report(&whole, plain.clone(), t0())
        .await
        .expect("kept");
    assert_eq!(
        (first.kind.as_str(), first.personal, first.json_bytes),
        ("written-cip", false, 23)
    );
    assert_eq!(first.archive_bytes, None);
    assert_eq!(first.created_by, "operator");
    let second = s
        .store
        .record_report(&whole, personal.clone(), t0() + Duration::seconds(1))
        .await
        .expect("kept");
    assert_eq!(second.archive_bytes, Some(22));
    assert_eq!(
        s.store.reports(&whole, 10).await.expect("list"),
        vec![second.clone(), first.clone()],
        "newest first, read back exactly"
    );
    assert_eq!(
        s.store.report(&whole, first.id).await.ok(),
        Some(first.clone())
    );
    assert!(
        s.store
            .reports(&a_scope, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        s.store.report(&a_scope, first.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .disclose_report(&a_scope, first.id, ReportFile::Json, t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .disclose_report(&whole, first.id, ReportFile::Archive, t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.store.report_counts(&whole).await.expect("counts"),
        vec![("ai-training".to_owned(), 1), ("written-cip".to_owned(), 1)]
    );

    let (meta, json) = s
        .store
        .disclose_report(&whole, second.id, ReportFile::Json, t0())
        .await
        .expect("disclosed");
    assert_eq!((meta, json), (second.clone(), personal.json.clone()));
    let (_, archive) = s
        .store
        .disclose_report(&whole, second.id, ReportFile::Archive, t0())
        .await
        .expect("disclosed");
    assert_eq!(Some(archive), personal.archive.clone());
    let (_, pdf) = s
        .store
        .disclose_report(&whole, first.id, ReportFile::Pdf, t0())
        .await
        .expect("disclosed");
    assert_eq!(pdf, plain.pdf);
    assert_eq!(s.store.report_disclosure_count(&whole).await.ok(), Some(3));
    assert_eq!(
        s.store.report_disclosure_count(&a_scope).await.ok(),
        Some(0)
    );

    let events = s
        .store
        .audit_events(&whole, s.provider.id, 0, 100)
        .await
        .expect("events");
    let reports: Vec<(&str, String, Option<String>)> = events
        .iter()
        .filter(|e| e.subject_kind == REPORT_SUBJECT)
        .map(|e| {
            (
                e.action.as_str(),
                e.subject_id.clone(),
                e.after_digest.clone(),
            )
        })
        .collect();
    let digest = |b: &[u8]| Some(hex::encode(Sha256::digest(b)));
    assert_eq!(
        reports,
        vec![
            (
                REPORT_GENERATE,
                first.id.to_string(),
                Some(first.sha256.clone())
            ),
            (
                REPORT_GENERATE,
                second.id.to_string(),
                Some(second.sha256.clone())
            ),
            (
                REPORT_DISCLOSE,
                second.id.to_string(),
                digest(&personal.json)
            ),
            (
                REPORT_DISCLOSE,
                second.id.to_string(),
                personal.archive.as_deref().and_then(digest)
            ),
            (REPORT_DISCLOSE, first.id.to_string(), digest(&plain.pdf)),
        ]
    );
    assert!(
        db.raw_contains("contract").await,
        "plain files are stored as given"
    );
    for sealed in ["Duarte de Sousa", "archive of Ines"] {
        assert!(
            !db.raw_contains(sealed).await,
            "{sealed:?} found in plaintext"
        );
    }
}
