//! Every command from every status: where it leads or why it is refused.

use super::*;

#[test]
fn opening_derives_priority_due_date_and_records_the_pack() {
    let transition = Case::open(
        new_case(CaseKind::AiTrainingReport, None),
        &rules(),
        ActorId::system(),
        t0(),
    )
    .unwrap();
    let case = &transition.case;
    assert_eq!(case.status(), CaseStatus::Open);
    assert_eq!(case.priority(), Priority::High);
    // 15 calendar days from 2026-11-02.
    assert_eq!(case.due(), Some(date(2026, 11, 17)));
    assert_eq!(case.policy().to_string(), "bis-2024-nprm@1.0.0");
    assert_eq!(transition.entries.len(), 1);
    assert_eq!(transition.entries[0].event.type_name(), "opened");
    assert_eq!(case.timeline(), &transition.entries[..]);

    // An explicit due date earlier than the pack's wins; a later one does not.
    let mut early = new_case(CaseKind::AiTrainingReport, None);
    early.due = Some(date(2026, 11, 10));
    let case = Case::open(early, &rules(), ActorId::system(), t0())
        .unwrap()
        .case;
    assert_eq!(case.due(), Some(date(2026, 11, 10)));
    let mut late = new_case(CaseKind::AiTrainingReport, None);
    late.due = Some(date(2026, 12, 31));
    let case = Case::open(late, &rules(), ActorId::system(), t0())
        .unwrap()
        .case;
    assert_eq!(case.due(), Some(date(2026, 11, 17)));

    // Kinds without a pack clock have no due date unless given one.
    assert_eq!(open(CaseKind::ScreeningHit, None).due(), None);
    assert_eq!(
        open(CaseKind::Reseller, None).due(),
        Some(date(2026, 12, 2))
    );
    assert_eq!(
        open(CaseKind::RecordsRequest, None).due(),
        Some(date(2026, 11, 12))
    );
    assert_eq!(
        open(CaseKind::Verification, None).due(),
        Some(date(2026, 12, 2))
    );
}

#[test]
fn assign_starts_work_on_open_cases_and_is_refused_when_closed() {
    check_table(
        || assign("alex"),
        &analyst(),
        |from| match from {
            CaseStatus::Open => Some(CaseStatus::Investigating),
            CaseStatus::Closed => None,
            other => Some(other),
        },
    );
    let assigned = run(&low_case(), assign("alex"), &analyst()).unwrap();
    assert_eq!(assigned.assignee().map(ActorId::as_str), Some("alex"));
    assert!(matches!(
        run(&assigned, assign("alex"), &analyst()),
        Err(CaseError::Unchanged(_))
    ));
    let reassigned = run(&assigned, assign("bea"), &analyst()).unwrap();
    let last = reassigned.timeline().last().unwrap();
    match &last.event {
        CaseEvent::Assigned { from, to } => {
            assert_eq!(from.as_ref().map(ActorId::as_str), Some("alex"));
            assert_eq!(to.as_str(), "bea");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn comments_are_allowed_in_every_status() {
    check_table(
        || Command::Comment {
            text: note("noted"),
        },
        &analyst(),
        Some,
    );
}

#[test]
fn evidence_is_added_until_the_case_closes() {
    check_table(
        || Command::AddEvidence {
            evidence: Evidence {
                description: note("screenshot of the registry"),
                reference: Some(note("att-1")),
                sha256: Some(Sha256Digest::parse(&"0a".repeat(32)).unwrap()),
            },
        },
        &analyst(),
        |from| (from != CaseStatus::Closed).then_some(from),
    );
}

#[test]
fn customer_info_requests_wait_for_the_answer() {
    check_table(
        || Command::RequestCustomerInfo {
            what: note("proof of address"),
        },
        &analyst(),
        |from| match from {
            CaseStatus::Open | CaseStatus::Investigating | CaseStatus::Escalated => {
                Some(CaseStatus::AwaitingCustomer)
            }
            _ => None,
        },
    );
    check_table(
        || Command::CustomerResponded {
            summary: note("sent a utility bill"),
        },
        &analyst(),
        |from| (from == CaseStatus::AwaitingCustomer).then_some(CaseStatus::Investigating),
    );
}

#[test]
fn escalation_is_refused_from_escalated_and_closed() {
    check_table(
        || Command::Escalate {
            reason: note("beyond my authority"),
        },
        &analyst(),
        |from| match from {
            CaseStatus::Escalated | CaseStatus::Closed => None,
            _ => Some(CaseStatus::Escalated),
        },
    );
}

#[test]
fn officers_close_low_priority_cases_alone_and_reopen_them() {
    check_table(
        || Command::ProposeDecision {
            decision: decision(Outcome::FalsePositive),
        },
        &officer(),
        |from| (from != CaseStatus::Closed).then_some(CaseStatus::Closed),
    );
    let closed = in_status(CaseStatus::Closed);
    assert_eq!(closed.outcome(), Some(Outcome::NoAction));
    let types: Vec<_> = closed
        .timeline()
        .iter()
        .map(|e| e.event.type_name())
        .collect();
    assert_eq!(types, ["opened", "decision", "status_changed"]);

    check_table(
        || Command::Reopen {
            reason: note("new information"),
        },
        &officer(),
        |from| (from == CaseStatus::Closed).then_some(CaseStatus::Investigating),
    );
    let reopened = run(
        &closed,
        Command::Reopen {
            reason: note("new information"),
        },
        &officer(),
    )
    .unwrap();
    assert_eq!(reopened.outcome(), None);
    assert!(matches!(
        run(&closed, Command::Reopen { reason: note("x") }, &analyst()),
        Err(CaseError::NotPermitted {
            role: Role::Analyst,
            ..
        })
    ));
}

#[test]
fn read_only_roles_can_do_nothing() {
    let case = low_case();
    for role in [Role::Auditor, Role::Integration, Role::Reseller] {
        let result = run(
            &case,
            Command::Comment { text: note("hi") },
            &actor("k", role),
        );
        assert_eq!(
            result,
            Err(CaseError::NotPermitted {
                role,
                action: "comment"
            })
        );
    }
}

#[test]
fn apply_leaves_the_original_case_untouched() {
    let case = low_case();
    let before = case.clone();
    let transition = case
        .apply(assign("alex"), &analyst(), t0(), &rules())
        .unwrap();
    assert_eq!(case, before);
    assert_eq!(transition.entries.len(), 2);
    assert_eq!(
        transition.case.timeline().len(),
        before.timeline().len() + transition.entries.len()
    );
    // The case survives a round trip through JSON (what the store keeps).
    let json = serde_json::to_string(&transition.case).unwrap();
    let back: Case = serde_json::from_str(&json).unwrap();
    assert_eq!(back, transition.case);
}

#[test]
fn commands_deserialise_from_action_tagged_json() {
    let command: Command = serde_json::from_str(
        r#"{"action": "propose_decision",
            "decision": {"outcome": "false_positive", "rationale": "different birth date"}}"#,
    )
    .unwrap();
    assert_eq!(command.name(), "propose_decision");
    assert!(serde_json::from_str::<Command>(r#"{"action": "comment", "text": "  "}"#).is_err());
    assert!(serde_json::from_str::<Command>(r#"{"action": "delete"}"#).is_err());
}
