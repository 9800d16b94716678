//! The record every verification check produces, documentary or not. Checks are evidence: the
//! verification decision is taken elsewhere (per the rule pack) from the list of results, and
//! the list is kept with the decision.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a check concluded.
///
/// `CannotRun` differs from `NotApplicable`: the check applied but its input was missing (no
/// geolocation data, a non-geographic phone number), so it must keep a verification pending
/// rather than let it pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    Fail,
    NotApplicable,
    CannotRun { reason: String },
}

impl CheckOutcome {
    pub fn is_pass(&self) -> bool {
        matches!(self, Self::Pass)
    }

    pub fn is_fail(&self) -> bool {
        matches!(self, Self::Fail)
    }
}

/// One check and its result, e.g. `phone_country_matches_address` / fail / "+2348035550142 is
/// a NG (Nigeria) number; addresses are in GB (United Kingdom)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// A stable snake_case identifier; stored with the evidence and counted in reports.
    pub name: String,
    #[serde(flatten)]
    pub outcome: CheckOutcome,
    /// For the compliance officer: what was compared and what was found.
    pub detail: String,
}

impl CheckResult {
    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::Pass,
            detail: detail.into(),
        }
    }

    pub fn fail(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::Fail,
            detail: detail.into(),
        }
    }

    pub fn not_applicable(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::NotApplicable,
            detail: detail.into(),
        }
    }

    /// The reason is also the detail: it is all there is to say.
    pub fn cannot_run(name: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::CannotRun {
                reason: reason.clone(),
            },
            detail: reason,
        }
    }

    /// Pass when `ok`, fail otherwise, with the same detail either way.
    pub fn pass_if(ok: bool, name: &str, detail: impl Into<String>) -> Self {
        if ok {
            Self::pass(name, detail)
        } else {
            Self::fail(name, detail)
        }
    }
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match &self.outcome {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail => "fail",
            CheckOutcome::NotApplicable => "not applicable",
            CheckOutcome::CannotRun { .. } => "cannot run",
        };
        write!(f, "{}: {outcome}: {}", self.name, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_flat_with_the_reason_for_cannot_run() {
        let result = CheckResult::cannot_run("ip_country", "no geolocation database loaded");
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "ip_country",
                "outcome": "cannot_run",
                "reason": "no geolocation database loaded",
                "detail": "no geolocation database loaded"
            })
        );
        let back: CheckResult = serde_json::from_value(json).unwrap();
        assert_eq!(back, result);
        let pass = serde_json::to_value(CheckResult::pass("x", "ok")).unwrap();
        assert_eq!(pass["outcome"], "pass");
    }

    #[test]
    fn pass_if_picks_the_outcome() {
        assert!(CheckResult::pass_if(true, "a", "d").outcome.is_pass());
        assert!(CheckResult::pass_if(false, "a", "d").outcome.is_fail());
        assert_eq!(CheckResult::fail("a", "b").to_string(), "a: fail: b");
    }
}
