//! Where a case stands, and how it ended.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Raised, nobody working it yet.
    Open,
    Investigating,
    /// Waiting for the customer (or reseller) to send information.
    AwaitingCustomer,
    /// Handed up to an officer or to the program's owner.
    Escalated,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Investigating => "investigating",
            Self::AwaitingCustomer => "awaiting_customer",
            Self::Escalated => "escalated",
            Self::Closed => "closed",
        }
    }

    pub fn is_closed(self) -> bool {
        self == Self::Closed
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a closed case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The alert was right (a real match, a real failure, a real covered run).
    Confirmed,
    FalsePositive,
    /// A report was filed with Commerce; needs a `report_filed` entry on the timeline.
    Reported,
    /// Looked at; nothing to do.
    NoAction,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::FalsePositive => "false_positive",
            Self::Reported => "reported",
            Self::NoAction => "no_action",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
