//! Cases: one open case per dedupe key, transitions saved whole with their audit event and
//! refused when stale, and free text and attachments sealed (listings: `case_listing`).

use chrono::{Duration, NaiveDate};
use cloudkyc_domain::Role;
use cloudkyc_domain::cases::{
    Actor, ActorId, Case, CaseKind, CaseRules, CaseStatus, Command, Decision, NewCase, Note,
    Outcome, Subject, SubjectRef, Transition,
};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::cases::{AttachmentId, NewAttachment};
use crate::documents::{MediaType, sha256_hex};
use crate::{Store, StoreError, TenantScope};

pub(super) fn rules() -> CaseRules {
    CaseRules::from_pack(&RulePack::bundled(DEFAULT_PACK_ID).expect("bundled pack"))
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid day")
}

pub(super) fn opened(
    kind: CaseKind,
    customer: &str,
    summary: &str,
    knowledge: NaiveDate,
) -> Transition {
    let new = NewCase {
        kind,
        subject: Subject::Customer(SubjectRef::parse(customer).expect("subject")),
        summary: Note::parse(summary).expect("summary"),
        risk: None,
        knowledge_date: knowledge,
        due: None,
    };
    Case::open(new, &rules(), ActorId::system(), t0()).expect("opened")
}

pub(super) fn officer(name: &str) -> Actor {
    Actor {
        id: ActorId::parse(name).expect("actor"),
        role: Role::Officer,
    }
}

async fn events(store: &dyn Store, scope: &TenantScope) -> Vec<String> {
    store
        .audit_events(scope, scope.tenant(), 0, 1000)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .filter(|action| action.starts_with("case."))
        .collect()
}

pub async fn cases_are_opened_once_per_dedupe_key_with_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let store = s.store.as_ref();
    let knowledge = day(2025, 3, 14);
    let first = opened(CaseKind::ScreeningHit, "c-1", "SDN candidate", knowledge);
    let created = store
        .create_case(&s.operator, &first, Some("sdn:123"), t0())
        .await
        .expect("created");
    assert!(created.created);
    assert_eq!(created.record.version, 1);
    assert_eq!(created.record.tenant, s.provider.id);
    let again = opened(
        CaseKind::ScreeningHit,
        "c-1",
        "SDN candidate again",
        knowledge,
    );
    let replay = store
        .create_case(&s.operator, &again, Some("sdn:123"), t0())
        .await
        .expect("replayed");
    assert!(!replay.created);
    assert_eq!(
        replay.record.case, first.case,
        "the first case, read back whole"
    );
    let other_key = opened(CaseKind::ScreeningHit, "c-1", "another entry", knowledge);
    assert!(
        store
            .create_case(&s.operator, &other_key, Some("sdn:456"), t0())
            .await
            .expect("other key")
            .created
    );
    assert_eq!(
        events(store, &s.operator).await,
        vec!["case.open", "case.open"]
    );

    // Closed, the alert may open a new case.
    let close = first
        .case
        .apply(
            Command::ProposeDecision {
                decision: Decision {
                    outcome: Outcome::FalsePositive,
                    rationale: Note::parse("different date of birth").expect("note"),
                    cip_override: false,
                },
            },
            &officer("key:one"),
            t0(),
            &rules(),
        )
        .expect("closed");
    assert_eq!(close.case.status(), CaseStatus::Closed);
    store
        .save_transition(&s.operator, 1, &close, "propose_decision", None, t0())
        .await
        .expect("saved");
    let reopened = opened(CaseKind::ScreeningHit, "c-1", "SDN candidate", knowledge);
    assert!(
        store
            .create_case(&s.operator, &reopened, Some("sdn:123"), t0())
            .await
            .expect("new case")
            .created
    );
}

pub async fn transitions_are_saved_whole_and_stale_ones_refused(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let store = s.store.as_ref();
    let open = opened(
        CaseKind::ComputeReview,
        "c-9",
        "burst of H100 hours",
        day(2025, 3, 1),
    );
    store
        .create_case(&s.operator, &open, None, t0())
        .await
        .expect("created");
    let assign = open
        .case
        .apply(
            Command::Assign {
                to: ActorId::parse("key:analyst").expect("actor"),
            },
            &officer("key:one"),
            t0() + Duration::seconds(1),
            &rules(),
        )
        .expect("assigned");
    let saved = store
        .save_transition(&s.operator, 1, &assign, "assign", None, t0())
        .await
        .expect("saved");
    assert_eq!(saved.version, 2);
    let read = store.case(&s.operator, open.case.id()).await.expect("read");
    assert_eq!(read.version, 2);
    assert_eq!(
        read.case, assign.case,
        "state and timeline read back exactly"
    );
    assert_eq!(
        read.case.timeline().len(),
        3,
        "opened, assigned, status changed"
    );

    // A command computed from version 1 is stale now.
    let comment = open
        .case
        .apply(
            Command::Comment {
                text: Note::parse("late").expect("note"),
            },
            &officer("key:two"),
            t0(),
            &rules(),
        )
        .expect("comment");
    let before = events(store, &s.operator).await;
    assert!(matches!(
        store
            .save_transition(&s.operator, 1, &comment, "comment", None, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(events(store, &s.operator).await, before, "nothing written");
    assert_eq!(
        store
            .case(&s.operator, open.case.id())
            .await
            .expect("read")
            .case,
        assign.case
    );
    assert_eq!(before, vec!["case.open", "case.assign"]);
}

pub async fn case_text_and_attachments_are_sealed(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let store = s.store.as_ref();
    let open = opened(
        CaseKind::Verification,
        "c-5",
        "Zebulon Quartermaine failed",
        day(2025, 3, 1),
    );
    store
        .create_case(&s.operator, &open, None, t0())
        .await
        .expect("created");
    let bytes = b"%PDF-1.7 Marmaduke-Evidence-7731".to_vec();
    let id = AttachmentId::new();
    let comment = open
        .case
        .apply(
            Command::Comment {
                text: Note::parse("phoned Yevgenia Throckmorton").expect("note"),
            },
            &officer("key:one"),
            t0(),
            &rules(),
        )
        .expect("comment");
    let attachment = NewAttachment {
        id,
        file_name: "Ottoline-passport.pdf".into(),
        media_type: MediaType::Pdf,
        content: bytes.clone(),
    };
    store
        .save_transition(&s.operator, 1, &comment, "comment", Some(attachment), t0())
        .await
        .expect("saved");
    for secret in ["Zebulon", "Yevgenia", "Marmaduke", "Ottoline"] {
        assert!(
            !db.raw_contains(secret).await,
            "{secret} is stored in clear"
        );
    }
    let listed = store
        .case_attachments(&s.operator, open.case.id())
        .await
        .expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].file_name, "Ottoline-passport.pdf");
    assert_eq!(listed[0].sha256, sha256_hex(&bytes));
    let read = store
        .case_attachment_content(&s.operator, open.case.id(), id, t0())
        .await
        .expect("read");
    assert_eq!(read.content, bytes);
    assert_eq!(
        events(store, &s.operator).await,
        vec!["case.open", "case.comment", "case.attachment_read"]
    );
    let other = reseller(&s.store, &s.operator, s.provider.id, "Other").await;
    let other_scope = scope_of(&s.store, other.id).await;
    assert!(matches!(
        store
            .case_attachment_content(&other_scope, open.case.id(), id, t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
}
