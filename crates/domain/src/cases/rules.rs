//! The parts of a rule pack that govern cases, read once per pack.

use chrono::NaiveDate;

use crate::rule_pack::{DayCount, Deadline, PolicyRef, RiskTier, RulePack};

use super::deadline::{Holidays, due_date};
use super::error::DeadlineError;
use super::kind::CaseKind;

/// Deadlines and four-eyes settings of one pack, plus the holidays business-day deadlines skip.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRules {
    policy: PolicyRef,
    ai_training: Deadline,
    reseller_termination: Deadline,
    records_production: Deadline,
    verification_pending: Deadline,
    officer_override: bool,
    four_eyes_override_at: Vec<RiskTier>,
    holidays: Holidays,
}

impl CaseRules {
    pub fn from_pack(pack: &RulePack) -> Self {
        let redress = &pack.access().redress;
        Self {
            policy: pack.policy_ref(),
            ai_training: pack.reporting().ai_training,
            reseller_termination: pack.resellers().termination,
            records_production: pack.records().cip_production,
            verification_pending: Deadline {
                days: pack.access().pending.max_days,
                count: DayCount::Calendar,
            },
            officer_override: redress.officer_override,
            four_eyes_override_at: redress.four_eyes_override_at.clone(),
            holidays: Holidays::none(),
        }
    }

    /// Business-day deadlines also skip these days.
    pub fn with_holidays(mut self, holidays: Holidays) -> Self {
        self.holidays = holidays;
        self
    }

    pub fn policy(&self) -> &PolicyRef {
        &self.policy
    }

    pub fn holidays(&self) -> &Holidays {
        &self.holidays
    }

    /// The deadline the pack sets for a case of `kind`, if it sets one.
    pub fn deadline_for(&self, kind: CaseKind) -> Option<Deadline> {
        match kind {
            CaseKind::AiTrainingReport => Some(self.ai_training),
            CaseKind::Reseller => Some(self.reseller_termination),
            CaseKind::RecordsRequest => Some(self.records_production),
            CaseKind::Verification => Some(self.verification_pending),
            CaseKind::ScreeningHit | CaseKind::SpecialMeasure | CaseKind::ComputeReview => None,
        }
    }

    /// The pack's due date for a case of `kind` whose clock started on `knowledge`.
    pub fn due_for(
        &self,
        kind: CaseKind,
        knowledge: NaiveDate,
    ) -> Result<Option<NaiveDate>, DeadlineError> {
        self.deadline_for(kind)
            .map(|deadline| due_date(knowledge, deadline, &self.holidays))
            .transpose()
    }

    pub fn officer_override_allowed(&self) -> bool {
        self.officer_override
    }

    /// Whether overriding the CIP decision of a customer at `risk` needs a second officer. An
    /// unknown tier is treated as high: the safe side of four-eyes.
    pub fn override_needs_four_eyes(&self, risk: Option<RiskTier>) -> bool {
        self.four_eyes_override_at
            .contains(&risk.unwrap_or(RiskTier::High))
    }
}
