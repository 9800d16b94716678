//! Cases seen from outside: every transition (allowed and refused), four-eyes, the pack's
//! deadlines in calendar and business days, and the calendar's order and flags.

#![allow(clippy::unwrap_used)]

mod deadlines;
mod four_eyes;
mod transitions;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use cloudkyc_domain::Role;
use cloudkyc_domain::cases::{
    Actor, ActorId, CalendarEntry, Case, CaseError, CaseEvent, CaseKind, CaseRules, CaseStatus,
    ClockKind, Command, DatedItem, Decision, DueState, Evidence, FiledReport, Holidays, NewCase,
    Note, Outcome, Priority, Sha256Digest, Subject, SubjectRef, ai_training_report_due,
    annual_certification_due, calendar, due_date, records_production_due, reseller_termination_due,
    special_measure_dates, verification_pending_until,
};
use cloudkyc_domain::rule_pack::{DayCount, Days, Deadline, RiskTier, RulePack};

pub(super) fn pack() -> RulePack {
    RulePack::bundled("bis-2024-nprm").unwrap()
}

/// The default pack with one TOML line replaced (the key must be on a line of its own).
pub(super) fn pack_with(line_start: &str, replacement: &str) -> RulePack {
    let source = RulePack::bundled_source("bis-2024-nprm").unwrap();
    let text: String = source
        .lines()
        .map(|line| {
            if line.starts_with(line_start) {
                replacement.to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(text, source.replace("\r\n", "\n"), "nothing replaced");
    RulePack::from_toml_str(&text).unwrap()
}

pub(super) fn rules() -> CaseRules {
    CaseRules::from_pack(&pack())
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
        .unwrap()
        .to_utc()
}

pub(super) fn note(text: &str) -> Note {
    Note::parse(text).unwrap()
}

pub(super) fn actor(id: &str, role: Role) -> Actor {
    Actor {
        id: ActorId::parse(id).unwrap(),
        role,
    }
}

pub(super) fn officer() -> Actor {
    actor("olivia", Role::Officer)
}

pub(super) fn second_officer() -> Actor {
    actor("oscar", Role::Officer)
}

pub(super) fn analyst() -> Actor {
    actor("ann", Role::Analyst)
}

pub(super) fn new_case(kind: CaseKind, risk: Option<RiskTier>) -> NewCase {
    NewCase {
        kind,
        subject: Subject::Customer(SubjectRef::parse("cust-1").unwrap()),
        summary: note("raised by a test"),
        risk,
        knowledge_date: date(2026, 11, 2),
        due: None,
    }
}

pub(super) fn open(kind: CaseKind, risk: Option<RiskTier>) -> Case {
    Case::open(new_case(kind, risk), &rules(), ActorId::system(), t0())
        .unwrap()
        .case
}

/// A low-priority case (verification of a low-risk customer): officers close it alone.
pub(super) fn low_case() -> Case {
    let case = open(CaseKind::Verification, Some(RiskTier::Low));
    assert_eq!(case.priority(), Priority::Low);
    case
}

pub(super) fn run(case: &Case, command: Command, by: &Actor) -> Result<Case, CaseError> {
    case.apply(command, by, t0() + TimeDelta::minutes(5), &rules())
        .map(|t| t.case)
}

pub(super) fn decision(outcome: Outcome) -> Decision {
    Decision {
        outcome,
        rationale: note("reviewed the evidence"),
        cip_override: false,
    }
}

pub(super) fn in_status(status: CaseStatus) -> Case {
    let case = low_case();
    match status {
        CaseStatus::Open => case,
        CaseStatus::Investigating => run(&case, assign("ann"), &analyst()).unwrap(),
        CaseStatus::AwaitingCustomer => run(
            &case,
            Command::RequestCustomerInfo {
                what: note("a copy of the passport"),
            },
            &analyst(),
        )
        .unwrap(),
        CaseStatus::Escalated => run(
            &case,
            Command::Escalate {
                reason: note("needs an officer"),
            },
            &analyst(),
        )
        .unwrap(),
        CaseStatus::Closed => run(
            &case,
            Command::ProposeDecision {
                decision: decision(Outcome::NoAction),
            },
            &officer(),
        )
        .unwrap(),
    }
}

pub(super) const ALL_STATUSES: [CaseStatus; 5] = [
    CaseStatus::Open,
    CaseStatus::Investigating,
    CaseStatus::AwaitingCustomer,
    CaseStatus::Escalated,
    CaseStatus::Closed,
];

pub(super) fn assign(to: &str) -> Command {
    Command::Assign {
        to: ActorId::parse(to).unwrap(),
    }
}

/// Runs `command` from every status and checks which are allowed and where they lead.
pub(super) fn check_table(
    command: impl Fn() -> Command,
    by: &Actor,
    expect: impl Fn(CaseStatus) -> Option<CaseStatus>,
) {
    for from in ALL_STATUSES {
        let case = in_status(from);
        assert_eq!(case.status(), from);
        let result = run(&case, command(), by);
        match (expect(from), result) {
            (Some(to), Ok(next)) => {
                assert_eq!(next.status(), to, "{} from {from}", command().name())
            }
            (None, Err(CaseError::InvalidTransition { status, .. })) => assert_eq!(status, from),
            (expected, got) => panic!(
                "{} from {from}: expected {expected:?}, got {got:?}",
                command().name()
            ),
        }
    }
}
