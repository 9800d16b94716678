//! `[records]`, `[reporting]` and `[certification]`: what is kept, sent and attested, and when.

use serde::{Deserialize, Serialize};

use super::units::{Days, Deadline, Years};
use super::validate::Checker;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Records {
    /// How long identifying information and verification evidence are kept.
    pub retention_years: Years,
    /// The event the retention period runs from.
    pub retention_from: RetentionAnchor,
    /// Producing the written CIP (and resellers' CIPs) to Commerce after a request.
    pub cip_production: Deadline,
}

impl Records {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.at_least_one("retention_years", self.retention_years.get());
        c.within("cip_production", |c| {
            check_deadline(c, &self.cip_production)
        });
    }
}

/// The event a retention period runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAnchor {
    /// The later of account closure and last access (an account still in use is never purged).
    Later,
    Closure,
    LastAccess,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// Filing an AI-training report, from the transaction or from gaining knowledge of it.
    pub ai_training: Deadline,
}

impl Reporting {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.within("ai_training", |c| check_deadline(c, &self.ai_training));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub initial: InitialCertification,
    /// Providers already in business when the rule takes effect comply within this period.
    pub existing_provider_compliance_days: Days,
    /// The day of the year the annual certification is due.
    pub annual_due: MonthDay,
    /// Case files sampled into each certification as evidence the program is applied.
    pub sample_case_files: u32,
}

impl Certification {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.at_least_one(
            "existing_provider_compliance_days",
            self.existing_provider_compliance_days.get(),
        );
        c.within("annual_due", |c| self.annual_due.check(c));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialCertification {
    /// A new provider certifies before it gives any foreign customer access.
    BeforeFirstForeignCustomer,
}

/// A day of the year without a year (no 29 February, so that it exists every year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    /// The date in `year`; `None` only for a value validation would have refused.
    pub fn in_year(self, year: i32) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(year, self.month, self.day)
    }

    fn check(&self, c: &mut Checker) {
        if !(1..=12).contains(&self.month) {
            c.problem(
                "month",
                format!("must be a month from 1 to 12, got {}", self.month),
            );
        } else if self.in_year(2023).is_none() {
            // 2023 is not a leap year: a day that exists then exists every year.
            c.problem(
                "day",
                format!(
                    "day {} does not exist in every year in month {}",
                    self.day, self.month
                ),
            );
        }
    }
}

pub(crate) fn check_deadline(c: &mut Checker, deadline: &Deadline) {
    c.at_least_one("days", deadline.days.get());
}
