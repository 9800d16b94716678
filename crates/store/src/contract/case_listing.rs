//! Case listings: tenant scope, every filter, paging, the deadline counts of `/metrics`, and
//! concurrent raises and transitions.

use cloudkyc_domain::cases::{ActorId, CaseKind, CaseStatus, Command, SubjectRef};

use super::ContractDatabase;
use super::cases::{day, officer, opened, rules};
use super::support::{reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::cases::CaseFilter;

pub async fn cases_are_scoped_filtered_and_counted(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let store = s.store.as_ref();
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    // The AI-training clock (15 days) from 2025-03-01 is 2025-03-16; the reseller one later.
    let report = opened(
        CaseKind::AiTrainingReport,
        "c-1",
        "covered run",
        day(2025, 3, 1),
    );
    let reseller_case = opened(CaseKind::Reseller, "c-2", "no CIP", day(2025, 3, 10));
    let hit = opened(CaseKind::ScreeningHit, "c-1", "candidate", day(2025, 3, 1));
    for t in [&report, &reseller_case, &hit] {
        store
            .create_case(&a_scope, t, None, t0())
            .await
            .expect("created");
    }
    let mine = store
        .cases(
            &a_scope,
            &CaseFilter {
                limit: 10,
                ..CaseFilter::default()
            },
        )
        .await
        .expect("listed");
    let ids: Vec<_> = mine.iter().map(|r| r.case.id()).collect();
    assert_eq!(
        ids,
        vec![hit.case.id(), reseller_case.case.id(), report.case.id()]
    );
    assert!(
        mine.iter().all(|r| r.case.timeline().is_empty()),
        "not loaded in listings"
    );
    assert_eq!(
        store
            .cases(
                &whole,
                &CaseFilter {
                    limit: 10,
                    ..CaseFilter::default()
                }
            )
            .await
            .expect("all")
            .len(),
        3
    );
    assert!(
        store
            .cases(
                &b_scope,
                &CaseFilter {
                    limit: 10,
                    ..CaseFilter::default()
                }
            )
            .await
            .expect("none")
            .is_empty()
    );
    assert!(matches!(
        store.case(&b_scope, report.case.id()).await,
        Err(StoreError::NotFound { .. })
    ));

    let a_ref = &a_scope;
    let list = |filter: CaseFilter| async move {
        store
            .cases(
                a_ref,
                &CaseFilter {
                    limit: 10,
                    ..filter
                },
            )
            .await
            .expect("filtered")
            .into_iter()
            .map(|r| r.case.id())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(CaseFilter {
            kind: Some(CaseKind::Reseller),
            ..CaseFilter::default()
        })
        .await,
        vec![reseller_case.case.id()]
    );
    assert_eq!(
        list(CaseFilter {
            subject: SubjectRef::parse("c-1").ok(),
            ..CaseFilter::default()
        })
        .await,
        vec![hit.case.id(), report.case.id()]
    );
    assert_eq!(
        list(CaseFilter {
            due_before: Some(day(2025, 3, 20)),
            open_only: true,
            ..CaseFilter::default()
        })
        .await,
        vec![report.case.id()]
    );
    assert_eq!(
        list(CaseFilter {
            before: Some(reseller_case.case.id()),
            ..CaseFilter::default()
        })
        .await,
        vec![report.case.id()]
    );
    assert_eq!(
        list(CaseFilter {
            status: Some(CaseStatus::Closed),
            ..CaseFilter::default()
        })
        .await,
        vec![]
    );
    let assigned = hit
        .case
        .apply(
            Command::Assign {
                to: ActorId::parse("key:x").expect("actor"),
            },
            &officer("key:one"),
            t0(),
            &rules(),
        )
        .expect("assigned");
    store
        .save_transition(&a_scope, 1, &assigned, "assign", None, t0())
        .await
        .expect("saved");
    assert_eq!(
        list(CaseFilter {
            assignee: ActorId::parse("key:x").ok(),
            status: Some(CaseStatus::Investigating),
            ..CaseFilter::default()
        })
        .await,
        vec![hit.case.id()]
    );

    // On 2025-03-17 the report (due 03-16) is overdue; the reseller case (due 04-09) is not soon.
    let counts = store
        .case_deadline_counts(day(2025, 3, 17), day(2025, 3, 24))
        .await
        .expect("counts");
    assert_eq!((counts.open, counts.overdue, counts.due_soon), (3, 1, 0));
    let counts = store
        .case_deadline_counts(day(2025, 3, 10), day(2025, 3, 17))
        .await
        .expect("counts");
    assert_eq!((counts.open, counts.overdue, counts.due_soon), (3, 0, 1));
    let by_kind = store
        .case_deadlines_by_kind(day(2025, 3, 17), day(2025, 3, 24))
        .await
        .expect("counts by kind");
    assert_eq!(
        by_kind.iter().map(|k| k.counts.open).sum::<u64>(),
        3,
        "{by_kind:?}"
    );
    assert_eq!(by_kind.iter().map(|k| k.counts.overdue).sum::<u64>(), 1);
    let overdue: Vec<_> = by_kind.iter().filter(|k| k.counts.overdue > 0).collect();
    assert_eq!(overdue.len(), 1, "{by_kind:?}");
    assert_eq!(overdue[0].kind, CaseKind::AiTrainingReport);
}

/// Raising the same alert from many tasks at once opens one case; of many transitions computed
/// from the same version, exactly one is saved.
pub async fn concurrent_raises_and_transitions_make_one_change(db: &dyn ContractDatabase) {
    const TASKS: usize = 8;
    let s = setup(db).await;
    let raises = (0..TASKS).map(|_| {
        let store = s.store.clone();
        let scope = s.operator.clone();
        tokio::spawn(async move {
            let open = opened(CaseKind::ScreeningHit, "c-1", "candidate", day(2025, 3, 1));
            store
                .create_case(&scope, &open, Some("sdn:1"), t0())
                .await
                .expect("raised")
        })
    });
    let mut created = Vec::new();
    for raise in raises {
        created.push(raise.await.expect("task"));
    }
    assert_eq!(created.iter().filter(|c| c.created).count(), 1);
    let id = created[0].record.case.id();
    assert!(created.iter().all(|c| c.record.case.id() == id));

    let case = s.store.case(&s.operator, id).await.expect("read").case;
    let comments = (0..TASKS).map(|i| {
        let store = s.store.clone();
        let scope = s.operator.clone();
        let command = Command::Comment {
            text: cloudkyc_domain::cases::Note::parse(&format!("comment {i}")).expect("note"),
        };
        let transition = case
            .apply(command, &officer("key:one"), t0(), &rules())
            .expect("applied");
        tokio::spawn(async move {
            store
                .save_transition(&scope, 1, &transition, "comment", None, t0())
                .await
        })
    });
    let mut saved = 0;
    for comment in comments {
        match comment.await.expect("task") {
            Ok(_) => saved += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(saved, 1, "one save per version");
    let read = s.store.case(&s.operator, id).await.expect("read");
    assert_eq!((read.version, read.case.timeline().len()), (2, 2));
}
