//! Registration checks, the finding's case and termination clock with its reminders, and the
//! downstream rule at termination, on an in-memory store.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use cloudkyc_domain::cases::CaseKind;
use cloudkyc_domain::reseller::{AgreementKind, ResellerEvent, StatusName};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store::customers::CipStatus;
use cloudkyc_store_sqlite::SqliteStore;

use super::*;
use crate::ManualClock;

async fn app() -> (App, Arc<ManualClock>, TenantScope) {
    let store = SqliteStore::open(
        "sqlite::memory:",
        &cloudkyc_store::crypto::MasterKey::generate(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(ManualClock::new(start));
    let app = App::new(Arc::new(store), clock.clone(), Arc::new(pack))
        .with_screening_index(cloudkyc_screening::Index::build(&[]));
    let scope = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (app, clock, scope)
}

fn nimbus() -> RegisterReseller {
    RegisterReseller {
        name: "Nimbus Cloud Pte Ltd".into(),
        country: "SG".into(),
        cip_agreement: AgreementKind::AdoptsProviderCip,
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn registration_checks_every_field_and_refuses_a_us_reseller() {
    let (app, _, scope) = app().await;
    let bad = RegisterReseller {
        name: "  ".into(),
        country: "US".into(),
        cip_agreement: AgreementKind::OwnCip,
    };
    let Err(AppError::Invalid(fields)) = app.register_reseller(&scope, bad).await else {
        panic!("a blank name and a US country are refused");
    };
    let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["/name/full", "/country"]);
    let registered = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registered.record.status.name(), StatusName::Active);
    assert_eq!(registered.record.registered_on, day("2026-11-02"));
    assert_eq!(registered.next_review_due, Some(day("2027-11-02")));
    let screening: ResellerScreening =
        serde_json::from_value(registered.record.screening).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(screening.status, ResellerScreeningStatus::Clear);
}

#[tokio::test]
async fn a_finding_raises_a_case_starts_the_clock_and_the_sweep_reminds_once() {
    let (app, clock, scope) = app().await;
    let id = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .record
        .id;
    let finding = ResellerEvent::FindNonCompliance {
        on: day("2026-11-02"),
        reference: "annual review: no CIP records for 2026".into(),
    };
    let found = app
        .reseller_event(&scope, id, finding)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.record.termination_due, Some(day("2026-12-02")));
    assert_eq!(found.reminders.len(), 5, "21, 14, 7, 3 and 1 days before");
    let filter = CaseFilter {
        kind: Some(CaseKind::Reseller),
        ..CaseFilter::default()
    };
    let cases = app
        .store()
        .cases(&scope, &filter)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].case.due(), Some(day("2026-12-02")));
    // A second finding is not allowed while one stands.
    let again = ResellerEvent::FindNonCompliance {
        on: day("2026-11-02"),
        reference: "again".into(),
    };
    let refused = app.reseller_event(&scope, id, again).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");

    // Nine days on, the 21-days-before reminder (2026-11-11) is due, once.
    clock.advance(Duration::days(9));
    let report = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.reminded, report.running, report.overdue), (1, 1, 0));
    let again = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.reminded, 0);
    let read = app
        .reseller(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.record.reminded_through, Some(day("2026-11-11")));
    assert_eq!(read.reminders.len(), 4);
    // The day before the deadline the reminders that fell due since are recorded at once.
    clock.advance(Duration::days(20));
    let eve = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((eve.reminded, eve.terminated, eve.running), (1, 0, 1));
    // On the deadline the daily job (queued by the finding) completes the termination itself,
    // in time, with its own system actor.
    clock.advance(Duration::days(1));
    let drained = crate::jobs::JobRunner::new(app.clone())
        .drain()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(drained.dead + drained.retried, 0, "{drained:?}");
    let read = app
        .reseller(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(
            read.record.status,
            cloudkyc_domain::reseller::ResellerStatus::Terminated { on, late: false, .. }
                if on == day("2026-12-02")
        ),
        "{:?}",
        read.record.status
    );
    let events: Vec<String> = app
        .store()
        .audit_events(&scope, scope.tenant(), 0, 1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|e| e.action == "reseller.complete_termination")
        .map(|e| e.actor)
        .collect();
    assert_eq!(events, ["system:resellers.termination_clock"]);
}

#[tokio::test]
async fn a_withdrawn_finding_stops_the_clock_and_nothing_is_terminated() {
    let (app, clock, scope) = app().await;
    let id = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .record
        .id;
    let finding = ResellerEvent::FindNonCompliance {
        on: day("2026-11-02"),
        reference: "attestation missing".into(),
    };
    app.reseller_event(&scope, id, finding)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    clock.advance(Duration::days(3));
    let cured = ResellerEvent::WithdrawFinding {
        on: day("2026-11-05"),
        reason: "the attestation was filed on time, misrouted".into(),
    };
    app.reseller_event(&scope, id, cured)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    clock.advance(Duration::days(40));
    let report = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.running, report.terminated), (0, 0));
    let read = app
        .reseller(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.record.status.name(), StatusName::Active);
}

#[tokio::test]
async fn events_in_the_future_or_out_of_order_are_refused() {
    let (app, _, scope) = app().await;
    let id = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .record
        .id;
    let future = ResellerEvent::StartReview {
        on: day("2026-11-03"),
    };
    let refused = app.reseller_event(&scope, id, future).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    let complete = ResellerEvent::CompleteTermination {
        on: day("2026-11-02"),
    };
    let refused = app.reseller_event(&scope, id, complete).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");
}

#[tokio::test]
async fn completing_the_termination_revokes_every_live_key_of_the_reseller() {
    let (app, _, scope) = app().await;
    let registered = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = registered.record.id;
    // A scope built after the reseller tenant exists, as a request's scope is.
    let operator = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = |name: &str| crate::keys::CreateKey {
        role: cloudkyc_domain::Role::Reseller,
        tenant: Some(registered.record.reseller_tenant),
        name: name.into(),
        expires_at: None,
    };
    let live = app
        .create_key(&operator, key("live"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let old = app
        .create_key(&operator, key("old"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.revoke_key(&operator, old.key.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let secret = live.secret.expose().to_owned();
    let before = app
        .authenticate(&secret)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(before.is_some(), "the live key gets in before termination");
    let start = ResellerEvent::StartTermination {
        on: day("2026-11-02"),
        reason: "the reseller ends the agreement".into(),
    };
    app.reseller_event(&operator, id, start)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let complete = ResellerEvent::CompleteTermination {
        on: day("2026-11-02"),
    };
    let done = app
        .reseller_event(&operator, id, complete)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let downstream = done
        .downstream
        .unwrap_or_else(|| panic!("termination reports its downstream"));
    assert_eq!((downstream.keys_revoked, downstream.keys_failed), (1, 0));
    let after = app
        .authenticate(&secret)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(after.is_none(), "the revoked key is refused");
    let keys = app
        .list_keys(&operator)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        keys.iter()
            .filter(|k| k.tenant == registered.record.reseller_tenant)
            .all(|k| k.revoked_at.is_some()),
        "{keys:?}"
    );
    // The terminated reseller's tenant takes no new key, and the revoked ones stay revoked.
    let refused = app.create_key(&operator, key("after termination")).await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(m)) if m.contains("terminated on 2026-11-02")),
        "{refused:?}"
    );
    let still = app
        .revoke_key(&operator, live.key.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(still.revoked_at.is_some());
    let after = app
        .authenticate(&secret)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(after.is_none(), "the revoked key stays refused");
}

fn legal_entity(email: &str, phone: &str) -> cloudkyc_domain::cip::CustomerDraft {
    serde_json::from_value(serde_json::json!({
        "kind": "entity",
        "name": {"full": "Nimbus Cloud Pte Ltd"},
        "incorporation": {"country": "SG", "date": "2019-05-02", "registration_number": "201912345K"},
        "addresses": [{"line1": "1 Raffles Place", "city": "Singapore", "country": "SG"}],
        "emails": [email],
        "phones": [phone],
        "accounts": [{"external_id": "reseller-nimbus",
                      "payment_methods": [{"type": "bank_account", "country": "SG", "source": "customer"}]}],
        "beneficial_owners": [{"name": {"full": "Mei Tan"}, "date_of_birth": "1980-01-15",
            "nationalities": ["SG"], "ownership_percent": 100,
            "emails": ["mei.tan@nimbus.example"], "phones": ["+65 6123 4568"],
            "addresses": [{"line1": "9 Orchard Road", "city": "Singapore", "country": "SG"}]}]
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_legal_entity_is_verified_by_the_customer_cip_and_feeds_the_oversight() {
    let (app, _, scope) = app().await;
    let id = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .record
        .id;
    let mut individual = legal_entity("ops@nimbus.example", "+65 6123 4567");
    individual.kind = cloudkyc_domain::cip::CustomerKind::Individual;
    let refused = app.verify_reseller_entity(&scope, id, individual).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(f)) if f[0].path == "/kind"),
        "{refused:?}"
    );

    // A disposable email and a phone of another country fail the CIP checks: the reseller is
    // put under review and cannot be reviewed compliant while its identity stands failed.
    let failed = app
        .verify_reseller_entity(
            &scope,
            id,
            legal_entity("ops@10minutemail.com", "+44 20 7946 0958"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = failed
        .legal_entity
        .clone()
        .unwrap_or_else(|| panic!("the answer carries the verification"));
    assert_eq!(status.cip_status, CipStatus::Failed, "{:?}", status.reasons);
    assert_eq!(failed.record.status.name(), StatusName::UnderReview);
    assert_eq!(failed.record.legal_entity, Some(status.customer));
    let record = app
        .customer(&scope, status.customer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(record.tenant, scope.tenant(), "the provider's own record");
    let compliant = |on: &str| ResellerEvent::CompleteReview {
        review: cloudkyc_domain::reseller::Review {
            on: day(on),
            outcome: cloudkyc_domain::reseller::ReviewOutcome::Compliant,
            evidence_reference: "annual review file 2026".into(),
        },
    };
    let refused = app
        .reseller_event(&scope, id, compliant("2026-11-02"))
        .await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(m)) if m.contains("failed verification")),
        "{refused:?}"
    );

    // Corrected data resubmits the same record; the review then goes through.
    let fixed = app
        .verify_reseller_entity(
            &scope,
            id,
            legal_entity("ops@nimbus.example", "+65 6123 4567"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = fixed
        .legal_entity
        .unwrap_or_else(|| panic!("the answer carries the verification"));
    assert_eq!(fixed.record.legal_entity, Some(status.customer));
    assert_eq!(Some(status.customer), failed.record.legal_entity);
    assert_ne!(status.cip_status, CipStatus::Failed, "{:?}", status.reasons);
    let reviewed = app
        .reseller_event(&scope, id, compliant("2026-11-02"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reviewed.record.status.name(), StatusName::Active);
    let read = app
        .reseller(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        read.legal_entity.map(|s| s.customer),
        failed.record.legal_entity
    );
}
