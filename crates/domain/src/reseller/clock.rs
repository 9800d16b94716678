//! The termination clock a non-compliance finding starts.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::measures::add_days;
use crate::rule_pack::{DayCount, Days, Deadline, Resellers};

/// A reminder to the compliance officer before the termination deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reminder {
    pub on: NaiveDate,
    pub days_before: Days,
}

/// From the day non-compliance became known to the day the relationship must have ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TerminationClock {
    pub known_on: NaiveDate,
    /// The last day on which the relationship may still exist.
    pub deadline: NaiveDate,
    /// In date order; reminders that would fall before `known_on` are dropped.
    pub reminders: Vec<Reminder>,
}

impl TerminationClock {
    /// The clock the pack's `[resellers]` section sets for a finding known on `known_on`:
    /// the deadline is `termination` days later (calendar or business days), and a reminder
    /// goes out each of `reminder_days_before` calendar days before it.
    pub fn start(known_on: NaiveDate, pack: &Resellers) -> Self {
        let deadline = due_date(known_on, pack.termination);
        let mut reminders: Vec<Reminder> = pack
            .reminder_days_before
            .iter()
            .filter_map(|&days_before| {
                let on =
                    deadline.checked_sub_days(chrono::Days::new(u64::from(days_before.get())))?;
                (on > known_on).then_some(Reminder { on, days_before })
            })
            .collect();
        reminders.sort_by_key(|r| r.on);
        reminders.dedup();
        Self {
            known_on,
            deadline,
            reminders,
        }
    }

    /// Reminders due on `date` or earlier that are not yet past the deadline: what a daily job
    /// that last ran on `last_run` should send now.
    pub fn reminders_between(&self, last_run: NaiveDate, today: NaiveDate) -> Vec<Reminder> {
        self.reminders
            .iter()
            .filter(|r| r.on > last_run && r.on <= today)
            .copied()
            .collect()
    }

    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.deadline - today).num_days()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        today > self.deadline
    }
}

/// `trigger` plus the deadline's days; business days skip Saturdays and Sundays (holidays are
/// not known to the pack).
pub fn due_date(trigger: NaiveDate, deadline: Deadline) -> NaiveDate {
    match deadline.count {
        DayCount::Calendar => add_days(trigger, deadline.days.get()),
        DayCount::Business => {
            let mut date = trigger;
            let mut left = deadline.days.get();
            while left > 0 {
                let Some(next) = date.succ_opt() else {
                    return date;
                };
                date = next;
                if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    left -= 1;
                }
            }
            date
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule_pack::{DownstreamAction, Months};

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn pack(days: u32, count: DayCount, reminders: &[u32]) -> Resellers {
        Resellers {
            termination: Deadline {
                days: Days::new(days),
                count,
            },
            reminder_days_before: reminders.iter().map(|&d| Days::new(d)).collect(),
            downstream_on_termination: DownstreamAction::Suspend,
            review_every_months: Months::new(12),
        }
    }

    #[test]
    fn calendar_clock_with_reminders_in_date_order() {
        let clock = TerminationClock::start(
            date("2026-03-02"),
            &pack(30, DayCount::Calendar, &[21, 14, 7, 3, 1]),
        );
        assert_eq!(clock.deadline, date("2026-04-01"));
        let on: Vec<NaiveDate> = clock.reminders.iter().map(|r| r.on).collect();
        assert_eq!(
            on,
            [
                date("2026-03-11"),
                date("2026-03-18"),
                date("2026-03-25"),
                date("2026-03-29"),
                date("2026-03-31")
            ]
        );
        assert_eq!(clock.days_left(date("2026-03-25")), 7);
        assert!(!clock.is_overdue(date("2026-04-01")));
        assert!(clock.is_overdue(date("2026-04-02")));
        let due = clock.reminders_between(date("2026-03-17"), date("2026-03-26"));
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].days_before, Days::new(14));
    }

    #[test]
    fn business_days_skip_weekends() {
        // Friday 2026-03-06 plus 5 business days is Friday 2026-03-13.
        let deadline = Deadline {
            days: Days::new(5),
            count: DayCount::Business,
        };
        assert_eq!(due_date(date("2026-03-06"), deadline), date("2026-03-13"));
        // A reminder that would fall before the finding is dropped.
        let clock =
            TerminationClock::start(date("2026-03-06"), &pack(5, DayCount::Business, &[1, 4]));
        assert_eq!(clock.reminders.len(), 2);
        let short =
            TerminationClock::start(date("2026-03-06"), &pack(2, DayCount::Calendar, &[1, 5]));
        assert_eq!(short.reminders.len(), 1);
    }
}
