//! Raising once per alert, four-eyes between two officers' keys, refusals as 4xx kinds, the
//! calendar and metrics counts under a moving clock, and attachments, on an in-memory store.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use cloudkyc_domain::Role;
use cloudkyc_domain::cases::{
    CaseKind, CaseStatus, ClockKind, Command, Decision, DueState, NewCase, Note, Outcome, Subject,
    SubjectRef,
};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RiskTier, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store_sqlite::SqliteStore;

use super::attachments::AttachFile;
use crate::documents::MediaType;
use crate::keys::CreateKey;
use crate::{App, AppError, ManualClock};

pub(super) async fn app() -> (App, Arc<ManualClock>, TenantScope) {
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

/// The scope of a fresh key of `role` on the provider, as the server would build it.
pub(super) async fn as_role(app: &App, operator: &TenantScope, role: Role) -> TenantScope {
    let request = CreateKey {
        role,
        tenant: None,
        name: format!("{role} key"),
        expires_at: None,
    };
    let created = app
        .create_key(operator, request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.authenticate(created.secret.expose())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the key authenticates"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn new_case(
    kind: CaseKind,
    customer: &str,
    risk: Option<RiskTier>,
    knowledge: NaiveDate,
) -> NewCase {
    NewCase {
        kind,
        subject: Subject::Customer(SubjectRef::parse(customer).unwrap_or_else(|e| panic!("{e}"))),
        summary: Note::parse("raised by a test").unwrap_or_else(|e| panic!("{e}")),
        risk,
        knowledge_date: knowledge,
        due: None,
    }
}

fn note(text: &str) -> Note {
    Note::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn decide(outcome: Outcome) -> Command {
    Command::ProposeDecision {
        decision: Decision {
            outcome,
            rationale: note("checked against the list entry"),
            cip_override: false,
        },
    }
}

#[tokio::test]
async fn an_alert_raised_twice_opens_one_case_until_it_is_closed() {
    let (app, _clock, operator) = app().await;
    let system = app
        .system_scope(None, "screening")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let new = || new_case(CaseKind::ScreeningHit, "c-1", None, day(2026, 11, 2));
    let first = app
        .raise_case(&system, new(), "sdn:1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = app
        .raise_case(&system, new(), "sdn:1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(first.created && !again.created);
    assert_eq!(first.id, again.id);
    let record = app
        .case(&operator, first.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(record.case.timeline()[0].actor.as_str(), "system:screening");

    let officer = as_role(&app, &operator, Role::Officer).await;
    app.work_case(&officer, first.id, None, decide(Outcome::FalsePositive))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after = app
        .raise_case(&system, new(), "sdn:1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(after.created && after.id != first.id);
    let auditor = as_role(&app, &operator, Role::Auditor).await;
    assert!(matches!(
        app.raise_case(&auditor, new(), "sdn:2").await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_high_risk_decision_needs_a_second_officer() {
    let (app, _clock, operator) = app().await;
    let first = as_role(&app, &operator, Role::Officer).await;
    let second = as_role(&app, &operator, Role::Officer).await;
    let analyst = as_role(&app, &operator, Role::Analyst).await;
    let opened = app
        .open_case(
            &first,
            new_case(
                CaseKind::ScreeningHit,
                "c-2",
                Some(RiskTier::High),
                day(2026, 11, 2),
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = opened.case.id();
    let proposed = app
        .work_case(&first, id, Some(1), decide(Outcome::Confirmed))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(proposed.case.status(), CaseStatus::Open);
    assert!(proposed.case.pending_decision().is_some());
    for (who, what) in [(&first, "the proposer"), (&analyst, "an analyst")] {
        assert!(
            matches!(
                app.work_case(who, id, None, Command::ApproveDecision).await,
                Err(AppError::Forbidden(_))
            ),
            "{what} may not approve"
        );
    }
    assert!(
        matches!(
            app.work_case(&second, id, Some(1), Command::ApproveDecision)
                .await,
            Err(AppError::Conflict(_))
        ),
        "a stale version is refused"
    );
    let closed = app
        .work_case(&second, id, Some(2), Command::ApproveDecision)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closed.case.status(), CaseStatus::Closed);
    assert_eq!(closed.case.outcome(), Some(Outcome::Confirmed));
    assert!(matches!(
        app.work_case(
            &first,
            id,
            None,
            Command::Escalate {
                reason: note("late")
            }
        )
        .await,
        Err(AppError::Conflict(_))
    ));
    let closed_list = app
        .cases(
            &operator,
            &CaseFilter {
                status: Some(CaseStatus::Closed),
                limit: 10,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closed_list.len(), 1);
}

#[tokio::test]
async fn the_calendar_and_counts_follow_the_clock() {
    let (app, clock, operator) = app().await;
    // AI-training report: 15 calendar days from knowledge, so due 2026-11-17.
    let raised = app
        .raise_case(
            &operator,
            new_case(CaseKind::AiTrainingReport, "c-3", None, day(2026, 11, 2)),
            "run-1",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let calendar = app
        .deadline_calendar(&operator, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let item = calendar
        .entries
        .iter()
        .find(|e| e.item.case == Some(raised.id))
        .unwrap_or_else(|| panic!("listed"));
    assert_eq!(
        (item.item.due, item.item.clock, item.state),
        (
            day(2026, 11, 17),
            ClockKind::AiTrainingReport,
            DueState::Later
        )
    );
    assert!(
        calendar
            .entries
            .iter()
            .any(|e| e.item.clock == ClockKind::AnnualCertification
                && e.item.due == day(2027, 1, 31))
    );
    let counts = app
        .case_deadline_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((counts.open, counts.overdue, counts.due_soon), (1, 0, 0));

    clock.advance(Duration::days(12));
    let calendar = app
        .deadline_calendar(&operator, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(calendar.due_soon, 1);
    clock.advance(Duration::days(4));
    let calendar = app
        .deadline_calendar(&operator, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((calendar.overdue, calendar.due_soon), (1, 0));
    let counts = app
        .case_deadline_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((counts.open, counts.overdue), (1, 1));
    assert!(matches!(
        app.deadline_calendar(&operator, Some(0)).await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test]
async fn attachments_are_checked_stored_and_put_on_the_timeline() {
    let (app, _clock, operator) = app().await;
    let opened = app
        .open_case(
            &operator,
            new_case(CaseKind::Verification, "c-4", None, day(2026, 11, 2)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = opened.case.id();
    let file = |bytes: &[u8]| AttachFile {
        file_name: "statement.pdf".into(),
        media_type: MediaType::Pdf,
        description: "bank statement".into(),
        content: bytes.to_vec(),
    };
    assert!(matches!(
        app.attach_to_case(&operator, id, file(b"not a pdf")).await,
        Err(AppError::Invalid(_))
    ));
    let (attachment, version) = app
        .attach_to_case(&operator, id, file(b"%PDF-1.7 statement"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(version, 2);
    let record = app
        .case(&operator, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let last = serde_json::to_value(record.case.timeline().last()).unwrap_or_default();
    assert_eq!(last["type"], "evidence_added");
    assert_eq!(last["evidence"]["sha256"], attachment.sha256);
    assert_eq!(
        last["evidence"]["reference"],
        format!("attachment:{}", attachment.id)
    );
    let read = app
        .case_attachment_content(&operator, id, attachment.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.content, b"%PDF-1.7 statement");
}
