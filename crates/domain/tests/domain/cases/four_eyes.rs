//! Four-eyes: proposals, approvals, refusals, overrides and filed reports.

use super::*;

#[test]
fn an_analyst_proposes_and_a_different_officer_approves() {
    let case = low_case();
    let proposed = run(
        &case,
        Command::ProposeDecision {
            decision: decision(Outcome::Confirmed),
        },
        &analyst(),
    )
    .unwrap();
    assert_eq!(proposed.status(), CaseStatus::Open);
    assert_eq!(
        proposed.pending_decision().unwrap().proposed_by.as_str(),
        "ann"
    );
    // The analyst cannot approve, neither their own nor anyone's decision.
    assert!(matches!(
        run(&proposed, Command::ApproveDecision, &analyst()),
        Err(CaseError::NotPermitted { .. })
    ));
    assert!(matches!(
        run(
            &proposed,
            Command::ApproveDecision,
            &actor("other-analyst", Role::Analyst)
        ),
        Err(CaseError::NotPermitted { .. })
    ));
    // While a decision waits, status changes and new proposals are refused.
    assert!(matches!(
        run(
            &proposed,
            Command::Escalate { reason: note("x") },
            &analyst()
        ),
        Err(CaseError::DecisionPending { .. })
    ));
    assert!(matches!(
        run(
            &proposed,
            Command::ProposeDecision {
                decision: decision(Outcome::NoAction)
            },
            &officer()
        ),
        Err(CaseError::DecisionPending { .. })
    ));
    let transition = proposed
        .apply(Command::ApproveDecision, &officer(), t0(), &rules())
        .unwrap();
    let closed = transition.case;
    assert_eq!(closed.status(), CaseStatus::Closed);
    assert_eq!(closed.outcome(), Some(Outcome::Confirmed));
    assert!(closed.pending_decision().is_none());
    let types: Vec<_> = transition
        .entries
        .iter()
        .map(|e| e.event.type_name())
        .collect();
    assert_eq!(types, ["approval_given", "decision", "status_changed"]);
    match &transition.entries[1].event {
        CaseEvent::Decision {
            proposed_by,
            approved_by,
            ..
        } => {
            assert_eq!(proposed_by.as_str(), "ann");
            assert_eq!(approved_by.as_ref().map(ActorId::as_str), Some("olivia"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn four_eyes_high_priority_needs_a_second_officer() {
    let case = open(CaseKind::ScreeningHit, Some(RiskTier::High));
    assert_eq!(case.priority(), Priority::High);
    let proposed = run(
        &case,
        Command::ProposeDecision {
            decision: decision(Outcome::FalsePositive),
        },
        &officer(),
    )
    .unwrap();
    assert_eq!(
        proposed.status(),
        CaseStatus::Open,
        "not closed by one officer"
    );
    assert_eq!(
        run(&proposed, Command::ApproveDecision, &officer()),
        Err(CaseError::SelfApproval {
            actor: officer().id
        })
    );
    // Admin is no exception to four-eyes.
    let by_admin = run(
        &case,
        Command::ProposeDecision {
            decision: decision(Outcome::FalsePositive),
        },
        &actor("root", Role::Admin),
    )
    .unwrap();
    assert!(by_admin.pending_decision().is_some());
    let closed = run(&proposed, Command::ApproveDecision, &second_officer()).unwrap();
    assert_eq!(closed.status(), CaseStatus::Closed);
    assert_eq!(closed.outcome(), Some(Outcome::FalsePositive));
}

#[test]
fn four_eyes_cannot_be_escaped_by_lowering_the_priority() {
    let case = open(CaseKind::ScreeningHit, Some(RiskTier::High));
    // Only officers may lower a priority below the derived one.
    assert!(matches!(
        run(
            &case,
            Command::SetPriority {
                priority: Priority::Low,
                reason: note("looks benign")
            },
            &analyst()
        ),
        Err(CaseError::NotPermitted { .. })
    ));
    let lowered = run(
        &case,
        Command::SetPriority {
            priority: Priority::Low,
            reason: note("looks benign"),
        },
        &officer(),
    )
    .unwrap();
    assert_eq!(lowered.priority(), Priority::Low);
    assert!(lowered.priority_overridden());
    let proposed = run(
        &lowered,
        Command::ProposeDecision {
            decision: decision(Outcome::FalsePositive),
        },
        &officer(),
    )
    .unwrap();
    assert!(proposed.pending_decision().is_some());
}

#[test]
fn raising_a_priority_brings_four_eyes_and_analysts_may_raise() {
    let case = low_case();
    let raised = run(
        &case,
        Command::SetPriority {
            priority: Priority::High,
            reason: note("linked to a sanctioned owner"),
        },
        &analyst(),
    )
    .unwrap();
    assert_eq!(raised.priority(), Priority::High);
    assert!(matches!(
        run(
            &raised,
            Command::SetPriority {
                priority: Priority::High,
                reason: note("again")
            },
            &analyst()
        ),
        Err(CaseError::Unchanged(_))
    ));
    let proposed = run(
        &raised,
        Command::ProposeDecision {
            decision: decision(Outcome::Confirmed),
        },
        &officer(),
    )
    .unwrap();
    assert!(proposed.pending_decision().is_some());
    assert!(matches!(
        run(
            &in_status(CaseStatus::Closed),
            Command::SetPriority {
                priority: Priority::High,
                reason: note("x")
            },
            &officer()
        ),
        Err(CaseError::InvalidTransition { .. })
    ));
}

#[test]
fn cip_overrides_need_four_eyes_at_the_packs_tiers_only() {
    let overriding = Decision {
        outcome: Outcome::FalsePositive,
        rationale: note("the document is genuine; the registry was stale"),
        cip_override: true,
    };
    let propose = |case: &Case| {
        run(
            case,
            Command::ProposeDecision {
                decision: overriding.clone(),
            },
            &officer(),
        )
    };
    // Default pack: four_eyes_override_at = ["high"]. A medium-risk customer's override closes.
    let medium = open(CaseKind::Verification, Some(RiskTier::Medium));
    assert_eq!(propose(&medium).unwrap().status(), CaseStatus::Closed);
    // A high-risk customer's override needs a second officer; so does an unknown tier.
    let unknown = open(CaseKind::Verification, None);
    assert!(propose(&unknown).unwrap().pending_decision().is_some());
    // A pack that lists medium too.
    let strict = CaseRules::from_pack(&pack_with(
        "four_eyes_override_at",
        "four_eyes_override_at = [\"medium\", \"high\"]",
    ));
    assert!(medium.needs_four_eyes(&overriding, &strict));
    assert!(!medium.needs_four_eyes(&overriding, &rules()));
    // Overrides exist only on verification cases, and only when the pack allows them.
    let screening = open(CaseKind::ScreeningHit, Some(RiskTier::Low));
    assert!(matches!(
        propose(&screening),
        Err(CaseError::OverrideNotAllowed(_))
    ));
    let no_override =
        CaseRules::from_pack(&pack_with("officer_override", "officer_override = false"));
    assert!(matches!(
        medium.apply(
            Command::ProposeDecision {
                decision: overriding.clone()
            },
            &officer(),
            t0(),
            &no_override
        ),
        Err(CaseError::OverrideNotAllowed(_))
    ));
}

#[test]
fn rejection_drops_the_proposal_and_records_why() {
    let proposed = run(
        &low_case(),
        Command::ProposeDecision {
            decision: decision(Outcome::NoAction),
        },
        &analyst(),
    )
    .unwrap();
    assert!(matches!(
        run(
            &proposed,
            Command::RejectDecision { reason: note("x") },
            &analyst()
        ),
        Err(CaseError::NotPermitted { .. })
    ));
    let rejected = run(
        &proposed,
        Command::RejectDecision {
            reason: note("check the owner first"),
        },
        &officer(),
    )
    .unwrap();
    assert!(rejected.pending_decision().is_none());
    assert_eq!(rejected.status(), CaseStatus::Open);
    assert_eq!(
        rejected.timeline().last().unwrap().event.type_name(),
        "approval_refused"
    );
    assert_eq!(
        run(&rejected, Command::ApproveDecision, &officer()),
        Err(CaseError::NoPendingDecision)
    );
    assert_eq!(
        run(
            &low_case(),
            Command::RejectDecision { reason: note("x") },
            &officer()
        ),
        Err(CaseError::NoPendingDecision)
    );
}

#[test]
fn reported_outcome_needs_a_filed_report() {
    let case = open(CaseKind::AiTrainingReport, None);
    let report = decision(Outcome::Reported);
    assert_eq!(
        run(
            &case,
            Command::ProposeDecision {
                decision: report.clone()
            },
            &officer()
        ),
        Err(CaseError::ReportNotFiled)
    );
    let file = || Command::FileReport {
        report: FiledReport {
            report: note("ai-training"),
            sha256: Sha256Digest::parse(&"ab".repeat(32)).unwrap(),
            filed_on: date(2026, 11, 10),
            reference: None,
        },
    };
    assert!(matches!(
        run(&case, file(), &analyst()),
        Err(CaseError::NotPermitted { .. })
    ));
    let filed = run(&case, file(), &officer()).unwrap();
    let proposed = run(
        &filed,
        Command::ProposeDecision { decision: report },
        &officer(),
    )
    .unwrap();
    // An AI-training case is high priority: the filing officer needs a second one to close.
    assert!(proposed.pending_decision().is_some());
    let closed = run(&proposed, Command::ApproveDecision, &second_officer()).unwrap();
    assert_eq!(closed.outcome(), Some(Outcome::Reported));
    assert!(matches!(
        run(&closed, file(), &officer()),
        Err(CaseError::InvalidTransition { .. })
    ));
}
