//! Due dates of the clocks the pack defines.
//!
//! A deadline of N calendar days falls N days after its trigger date. A deadline of N business
//! days falls on the Nth weekday after the trigger date, skipping Saturdays, Sundays and the
//! holidays the caller lists: public holidays are NOT known to the pack or to this module, so a
//! provider that counts them must pass them in a [`Holidays`] set. The trigger day itself never
//! counts, and a calendar deadline that lands on a weekend is not moved (the pack says
//! "calendar"; rolling forward would make the product later than the rule).

use std::collections::BTreeSet;

use chrono::{Datelike, Days as ChronoDays, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::rule_pack::{DayCount, Days, Deadline, RulePack};

use super::error::DeadlineError;

/// Days that business-day deadlines skip besides weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<NaiveDate>);

impl Holidays {
    /// No holidays: only weekends are skipped.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.0.contains(&date)
    }
}

impl FromIterator<NaiveDate> for Holidays {
    fn from_iter<I: IntoIterator<Item = NaiveDate>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Monday to Friday and not a listed holiday.
pub fn is_business_day(date: NaiveDate, holidays: &Holidays) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(date)
}

/// The last day on which something triggered on `start` may be done.
pub fn due_date(
    start: NaiveDate,
    deadline: Deadline,
    holidays: &Holidays,
) -> Result<NaiveDate, DeadlineError> {
    let days = deadline.days.get();
    let out_of_range = || DeadlineError { start, days };
    match deadline.count {
        DayCount::Calendar => start
            .checked_add_days(ChronoDays::new(u64::from(days)))
            .ok_or_else(out_of_range),
        DayCount::Business => {
            let mut date = start;
            let mut counted = 0;
            while counted < days {
                date = date.succ_opt().ok_or_else(out_of_range)?;
                if is_business_day(date, holidays) {
                    counted += 1;
                }
            }
            Ok(date)
        }
    }
}

/// The AI-training report is due this long after the transaction or after gaining knowledge of
/// it (`[reporting].ai_training`).
pub fn ai_training_report_due(
    pack: &RulePack,
    knowledge: NaiveDate,
    holidays: &Holidays,
) -> Result<NaiveDate, DeadlineError> {
    due_date(knowledge, pack.reporting().ai_training, holidays)
}

/// The relationship with a non-compliant foreign reseller ends by this date
/// (`[resellers].termination`, from the day the provider learned of the non-compliance).
pub fn reseller_termination_due(
    pack: &RulePack,
    known: NaiveDate,
    holidays: &Holidays,
) -> Result<NaiveDate, DeadlineError> {
    due_date(known, pack.resellers().termination, holidays)
}

/// The written CIP and records are produced to Commerce by this date (`[records].cip_production`).
pub fn records_production_due(
    pack: &RulePack,
    requested: NaiveDate,
    holidays: &Holidays,
) -> Result<NaiveDate, DeadlineError> {
    due_date(requested, pack.records().cip_production, holidays)
}

/// A verification still pending after this date is treated as failed (`[access.pending].max_days`,
/// calendar days).
pub fn verification_pending_until(
    pack: &RulePack,
    pending_since: NaiveDate,
) -> Result<NaiveDate, DeadlineError> {
    let deadline = Deadline {
        days: pack.access().pending.max_days,
        count: DayCount::Calendar,
    };
    due_date(pending_since, deadline, &Holidays::none())
}

/// The next annual certification date (`[certification].annual_due`). A certification covers
/// the due date nearest to the day it was made (filed a little early or a little late, it still
/// answers that year's date), so the next one falls a year after that date. With no
/// certification yet, it is the first occurrence of the day on or after `today`.
pub fn annual_certification_due(
    pack: &RulePack,
    last_certified: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, DeadlineError> {
    let month_day = pack.certification().annual_due;
    let from = last_certified.unwrap_or(today);
    let out_of_range = || DeadlineError {
        start: from,
        days: 366,
    };
    let in_year = |offset: i32| -> Result<NaiveDate, DeadlineError> {
        let year = from.year().checked_add(offset).ok_or_else(out_of_range)?;
        month_day.in_year(year).ok_or_else(out_of_range)
    };
    let Some(last) = last_certified else {
        let this_year = in_year(0)?;
        return if this_year >= today {
            Ok(this_year)
        } else {
            in_year(1)
        };
    };
    let mut covered = in_year(-1)?;
    for offset in [0, 1] {
        let candidate = in_year(offset)?;
        if (candidate - last).num_days().abs() < (covered - last).num_days().abs() {
            covered = candidate;
        }
    }
    let next_year = covered.year().checked_add(1).ok_or_else(out_of_range)?;
    month_day.in_year(next_year).ok_or_else(out_of_range)
}

/// The dates a special measure sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureDates {
    /// Accounts the measure reaches must be dealt with by this date (its effective date).
    pub act_by: NaiveDate,
    /// The measure lapses on this date unless extended (`max_duration_days` after effect).
    pub lapses: NaiveDate,
    /// The pack's earliest lawful effective date (`earliest_effect_days` after determination);
    /// an effective date before it is suspicious, and `effective_too_early` says so.
    pub earliest_effect: NaiveDate,
    pub effective_too_early: bool,
}

pub fn special_measure_dates(
    pack: &RulePack,
    determined: NaiveDate,
    effective: NaiveDate,
) -> Result<MeasureDates, DeadlineError> {
    let rules = pack.special_measures();
    let calendar = |days: Days| Deadline {
        days,
        count: DayCount::Calendar,
    };
    let lapses = due_date(
        effective,
        calendar(rules.max_duration_days),
        &Holidays::none(),
    )?;
    let earliest_effect = due_date(
        determined,
        calendar(rules.earliest_effect_days),
        &Holidays::none(),
    )?;
    Ok(MeasureDates {
        act_by: effective,
        lapses,
        earliest_effect,
        effective_too_early: effective < earliest_effect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn business(days: u32) -> Deadline {
        Deadline {
            days: Days::new(days),
            count: DayCount::Business,
        }
    }

    #[test]
    fn business_days_skip_weekends_and_listed_holidays() {
        // Friday 2026-01-02 + 1 business day = Monday 2026-01-05.
        assert_eq!(
            due_date(date(2026, 1, 2), business(1), &Holidays::none()),
            Ok(date(2026, 1, 5))
        );
        let holidays: Holidays = [date(2026, 1, 5)].into_iter().collect();
        assert_eq!(
            due_date(date(2026, 1, 2), business(1), &holidays),
            Ok(date(2026, 1, 6))
        );
    }

    #[test]
    fn dates_beyond_chrono_are_errors_not_panics() {
        let far = NaiveDate::MAX;
        let calendar = Deadline {
            days: Days::new(1),
            count: DayCount::Calendar,
        };
        assert!(due_date(far, calendar, &Holidays::none()).is_err());
        assert!(due_date(far, business(1), &Holidays::none()).is_err());
    }
}
