use std::fmt;

use serde::{Deserialize, Serialize};

/// A date of birth as precise as the list gives it: a year, a year and month, or a full date.
///
/// Lists often know only the year ("DOB 1962", "circa 1970"), so the qualifier must compare at
/// the coarser of the two precisions rather than treat a missing day as a mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date (expected YYYY, YYYY-MM or YYYY-MM-DD within 1800..2200): {0:?}")]
pub struct InvalidDate(pub String);

/// How two partial dates relate, compared at the coarser precision of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateAgreement {
    /// Same at the coarser precision.
    Same,
    /// Years one apart (a frequent clerical or calendar-conversion difference).
    Near,
    Different,
}

impl PartialDate {
    pub fn year(year: u16) -> Result<Self, InvalidDate> {
        Self::new(year, None, None)
    }

    pub fn new(year: u16, month: Option<u8>, day: Option<u8>) -> Result<Self, InvalidDate> {
        let invalid = || InvalidDate(format!("{year}-{month:?}-{day:?}"));
        if !(1800..=2200).contains(&year) {
            return Err(invalid());
        }
        match (month, day) {
            (None, Some(_)) => return Err(invalid()),
            (Some(m), _) if !(1..=12).contains(&m) => return Err(invalid()),
            (Some(m), Some(d)) => {
                let valid =
                    chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(m), u32::from(d));
                if valid.is_none() {
                    return Err(invalid());
                }
            }
            _ => {}
        }
        Ok(PartialDate { year, month, day })
    }

    pub fn year_value(&self) -> u16 {
        self.year
    }

    pub fn month_value(&self) -> Option<u8> {
        self.month
    }

    pub fn day_value(&self) -> Option<u8> {
        self.day
    }

    /// Parses the ISO-like forms `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (also with `/`).
    pub fn parse_iso(text: &str) -> Result<Self, InvalidDate> {
        let invalid = || InvalidDate(text.to_owned());
        let t = text.trim();
        let parts: Vec<&str> = t.split(['-', '/']).collect();
        let num = |s: &str| s.trim().parse::<u16>().map_err(|_| invalid());
        match parts.as_slice() {
            [y] if y.len() == 4 => Self::year(num(y)?),
            [y, m] if y.len() == 4 => Self::new(num(y)?, Some(small(num(m)?)?), None),
            [y, m, d] if y.len() == 4 => {
                Self::new(num(y)?, Some(small(num(m)?)?), Some(small(num(d)?)?))
            }
            _ => Err(invalid()),
        }
        .map_err(|_| invalid())
    }

    /// Compares at the coarser precision of the two dates.
    pub fn agreement(&self, other: &PartialDate) -> DateAgreement {
        if self.year != other.year {
            return if self.year.abs_diff(other.year) == 1 {
                DateAgreement::Near
            } else {
                DateAgreement::Different
            };
        }
        let months = (self.month, other.month);
        if let (Some(a), Some(b)) = months {
            if a != b {
                return DateAgreement::Near;
            }
            if let (Some(x), Some(y)) = (self.day, other.day)
                && x != y
            {
                return DateAgreement::Near;
            }
        }
        DateAgreement::Same
    }
}

fn small(v: u16) -> Result<u8, InvalidDate> {
    u8::try_from(v).map_err(|_| InvalidDate(v.to_string()))
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for PartialDate {
    type Err = InvalidDate;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_iso(s)
    }
}

impl TryFrom<String> for PartialDate {
    type Error = InvalidDate;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_iso(&value)
    }
}

impl From<PartialDate> for String {
    fn from(value: PartialDate) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_precisions_and_round_trips() {
        for text in ["1962", "1978-12", "1978-12-05"] {
            let date = PartialDate::parse_iso(text).map(|d| d.to_string());
            assert_eq!(date.as_deref(), Ok(text));
        }
        assert!(PartialDate::parse_iso("1978-02-30").is_err());
        assert!(PartialDate::parse_iso("19").is_err());
        assert!(PartialDate::parse_iso("0001").is_err());
    }

    #[test]
    fn compares_at_the_coarser_precision() -> Result<(), InvalidDate> {
        let year = PartialDate::parse_iso("1978")?;
        let full = PartialDate::parse_iso("1978-12-05")?;
        assert_eq!(year.agreement(&full), DateAgreement::Same);
        assert_eq!(
            full.agreement(&PartialDate::parse_iso("1979-12-05")?),
            DateAgreement::Near
        );
        assert_eq!(
            full.agreement(&PartialDate::parse_iso("1990")?),
            DateAgreement::Different
        );
        assert_eq!(
            full.agreement(&PartialDate::parse_iso("1978-11-12")?),
            DateAgreement::Near
        );
        Ok(())
    }
}
