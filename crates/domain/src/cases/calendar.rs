//! The deadline calendar: every dated clock in one sorted list, with what is overdue or close.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rule_pack::Days;

use super::case::Case;
use super::id::CaseId;
use super::kind::{CaseKind, Subject};

/// Which clock a dated item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    AiTrainingReport,
    RecordsProduction,
    ResellerTermination,
    SpecialMeasureEffective,
    SpecialMeasureLapse,
    VerificationPending,
    AnnualCertification,
    ResellerReview,
    /// The due date of a case whose kind has no clock of its own.
    CaseDue,
}

impl ClockKind {
    /// The clock a case's due date stands for.
    pub fn of_case(kind: CaseKind) -> Self {
        match kind {
            CaseKind::AiTrainingReport => Self::AiTrainingReport,
            CaseKind::RecordsRequest => Self::RecordsProduction,
            CaseKind::Reseller => Self::ResellerTermination,
            CaseKind::SpecialMeasure => Self::SpecialMeasureEffective,
            CaseKind::Verification => Self::VerificationPending,
            CaseKind::ScreeningHit | CaseKind::ComputeReview => Self::CaseDue,
        }
    }
}

/// One dated thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedItem {
    /// The last day it may be done.
    pub due: NaiveDate,
    pub clock: ClockKind,
    pub title: String,
    pub case: Option<CaseId>,
    pub subject: Option<Subject>,
}

impl DatedItem {
    /// The item of an open case with a due date; `None` for closed or undated cases.
    pub fn from_case(case: &Case) -> Option<Self> {
        if case.status().is_closed() {
            return None;
        }
        Some(Self {
            due: case.due()?,
            clock: ClockKind::of_case(case.kind()),
            title: format!("{}: {}", case.kind(), case.summary()),
            case: Some(case.id()),
            subject: Some(case.subject().clone()),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    /// The last day has passed.
    Overdue,
    /// Due today or within the window.
    DueSoon,
    Later,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    #[serde(flatten)]
    pub item: DatedItem,
    pub state: DueState,
    /// Days from today to the due date; negative when overdue.
    pub days_left: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub today: NaiveDate,
    pub window_days: u32,
    /// Earliest first; ties by clock, then title, then case id, so the order is stable.
    pub entries: Vec<CalendarEntry>,
    pub overdue: usize,
    pub due_soon: usize,
}

/// The calendar of `cases` (open ones with a due date) and of `other` clocks (certification,
/// measures, reseller reviews), as of `today`, flagging items due within `window` days.
pub fn calendar(
    cases: &[Case],
    other: impl IntoIterator<Item = DatedItem>,
    today: NaiveDate,
    window: Days,
) -> Calendar {
    let window_days = i64::from(window.get());
    let mut entries: Vec<CalendarEntry> = cases
        .iter()
        .filter_map(DatedItem::from_case)
        .chain(other)
        .map(|item| {
            let days_left = (item.due - today).num_days();
            let state = if days_left < 0 {
                DueState::Overdue
            } else if days_left <= window_days {
                DueState::DueSoon
            } else {
                DueState::Later
            };
            CalendarEntry {
                item,
                state,
                days_left,
            }
        })
        .collect();
    entries.sort_by(|a, b| {
        (a.item.due, a.item.clock, &a.item.title, a.item.case).cmp(&(
            b.item.due,
            b.item.clock,
            &b.item.title,
            b.item.case,
        ))
    });
    let count = |state| entries.iter().filter(|e| e.state == state).count();
    Calendar {
        today,
        window_days: window.get(),
        overdue: count(DueState::Overdue),
        due_soon: count(DueState::DueSoon),
        entries,
    }
}
