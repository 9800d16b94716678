//! Units of the numbers a pack carries.
//!
//! Each number has its own type so that a deadline in days cannot be passed where a gap in hours
//! is expected, and so that the unit is visible at every use. Deserialisation accepts any value of
//! the underlying primitive: ranges are checked by the pack's validation, which reports every
//! problem at once instead of stopping at the first (a `RulePack` only exists once validation
//! passed). Values built in code go through the checked constructors.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::validate::Ranged;

macro_rules! count_unit {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            pub const fn new(value: u32) -> Self {
                Self(value)
            }

            pub const fn get(self) -> u32 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.0, $unit)
            }
        }
    };
}

count_unit!(
    /// A number of calendar days (or business days where a [`Deadline`] says so).
    Days,
    "days"
);
count_unit!(
    /// A number of hours.
    Hours,
    "hours"
);
count_unit!(
    /// A number of calendar months.
    Months,
    "months"
);
count_unit!(
    /// A number of years.
    Years,
    "years"
);
count_unit!(
    /// Points a risk factor adds to a customer's risk score.
    RiskPoints,
    "points"
);

impl Days {
    pub fn as_time_delta(self) -> TimeDelta {
        TimeDelta::days(i64::from(self.0))
    }
}

impl Hours {
    pub fn as_time_delta(self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.0))
    }
}

impl Months {
    pub fn as_chrono(self) -> chrono::Months {
        chrono::Months::new(self.0)
    }
}

impl Years {
    pub fn as_chrono_months(self) -> chrono::Months {
        chrono::Months::new(self.0.saturating_mul(12))
    }
}

/// An amount in whole U.S. dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Usd(u64);

impl Usd {
    pub const fn new(dollars: u64) -> Self {
        Self(dollars)
    }

    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "USD {}", self.0)
    }
}

/// Why a checked constructor refused a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{value} is out of range: {expected}")]
pub struct OutOfRange {
    pub value: f64,
    pub expected: &'static str,
}

macro_rules! real_unit {
    ($(#[$doc:meta])* $name:ident, $expected:literal, |$v:ident| $ok:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(f64);

        impl $name {
            /// What a valid value looks like, as validation messages say it.
            pub const EXPECTED: &'static str = $expected;

            pub fn new(value: f64) -> Result<Self, OutOfRange> {
                if Self::is_valid(value) {
                    Ok(Self(value))
                } else {
                    Err(OutOfRange { value, expected: $expected })
                }
            }

            pub fn get(self) -> f64 {
                self.0
            }

            pub(crate) fn is_valid($v: f64) -> bool {
                $v.is_finite() && $ok
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Ranged for $name {
            fn raw(self) -> f64 {
                self.0
            }

            fn in_range(self) -> bool {
                Self::is_valid(self.0)
            }

            fn expected() -> &'static str {
                $expected
            }
        }
    };
}

real_unit!(
    /// A percentage of ownership or similar, in (0, 100].
    Percent,
    "a percentage greater than 0 and at most 100",
    |v| v > 0.0 && v <= 100.0
);
real_unit!(
    /// A share of something, in [0, 1].
    Fraction,
    "a fraction between 0 and 1",
    |v| (0.0..=1.0).contains(&v)
);
real_unit!(
    /// A total number of integer or floating-point operations (an FMA counts two).
    Ops,
    "a positive number of operations",
    |v| v > 0.0
);
real_unit!(
    /// A rate of operations per second, counted dense (without sparsity).
    OpsPerSecond,
    "a positive number of operations per second",
    |v| v > 0.0
);
real_unit!(
    /// A network bandwidth in gigabits per second.
    GbitPerSecond,
    "a positive bandwidth in Gbit/s",
    |v| v > 0.0
);
real_unit!(
    /// The spread of a log-normal prior, in natural-log units.
    LogSigma,
    "a positive standard deviation in natural-log units",
    |v| v > 0.0
);
real_unit!(
    /// A multiplicative factor greater than one ("more than 3x apart").
    Factor,
    "a factor greater than 1",
    |v| v > 1.0
);
real_unit!(
    /// A similarity score of the screening engine, in (0, 1].
    MatchScore,
    "a score greater than 0 and at most 1",
    |v| v > 0.0 && v <= 1.0
);

impl Percent {
    /// The same share as a fraction of one (25 % is 0.25).
    pub fn as_fraction(self) -> f64 {
        self.0 / 100.0
    }
}

/// How the days of a deadline are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    Calendar,
    /// Monday to Friday; public holidays are not known to the pack and are the caller's concern.
    Business,
}

/// A period within which something must be done, counted from a trigger date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub days: Days,
    pub count: DayCount,
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.count {
            DayCount::Calendar => "calendar",
            DayCount::Business => "business",
        };
        write!(f, "{} {kind} days", self.days.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_constructors_refuse_out_of_range_values() {
        assert!(Percent::new(25.0).is_ok());
        assert!(Percent::new(0.0).is_err());
        assert!(Percent::new(100.5).is_err());
        assert!(Fraction::new(f64::NAN).is_err());
        assert!(Fraction::new(0.0).is_ok());
        assert!(Ops::new(-1.0).is_err());
        assert!(MatchScore::new(1.0).is_ok());
        assert_eq!(Percent::new(25.0).map(Percent::as_fraction), Ok(0.25));
    }

    #[test]
    fn durations_convert_to_chrono() {
        assert_eq!(Days::new(15).as_time_delta(), TimeDelta::days(15));
        assert_eq!(Hours::new(48).as_time_delta(), TimeDelta::hours(48));
        assert_eq!(Years::new(2).as_chrono_months(), chrono::Months::new(24));
        let deadline = Deadline {
            days: Days::new(10),
            count: DayCount::Calendar,
        };
        assert_eq!(deadline.to_string(), "10 calendar days");
    }
}
