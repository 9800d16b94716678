//! Calendar dates as submitted (`YYYY-MM-DD`), and the plausibility rules for birth and
//! incorporation dates. The caller passes `today` so these rules never read a clock.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::field_error::{ErrorCode, FieldProblem};

/// Nobody verifiably alive is older; a birth date before this is a typing error.
pub const MAX_PLAUSIBLE_AGE_YEARS: i32 = 130;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must be a calendar date written YYYY-MM-DD")]
    Format,
    /// The value is not repeated in the message: it may be a date of birth, and messages end up
    /// in responses and logs.
    #[error("is not a date that exists in the calendar")]
    NoSuchDate,
    #[error("is in the future")]
    InFuture,
    #[error("gives an age over {MAX_PLAUSIBLE_AGE_YEARS} years")]
    Implausible,
    #[error("is in the past: the document has expired")]
    Expired,
    #[error("is more than {0} years away")]
    TooFarAhead(i32),
}

impl FieldProblem for DateError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Format | Self::NoSuchDate => ErrorCode::InvalidFormat,
            Self::InFuture | Self::Implausible | Self::Expired | Self::TooFarAhead(_) => {
                ErrorCode::OutOfRange
            }
        }
    }
}

/// Parses exactly `YYYY-MM-DD` (four-digit year). chrono alone would also take `+12345-01-01`
/// or one-digit months; a strict shape keeps stored dates comparable as text.
pub fn parse_calendar_date(input: &str) -> Result<NaiveDate, DateError> {
    let bytes = input.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err(DateError::Format);
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| DateError::NoSuchDate)
}

/// A date of birth that exists, is not after `today` and gives a plausible age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, DateError> {
        Self::new(parse_calendar_date(input)?, today)
    }

    pub fn new(date: NaiveDate, today: NaiveDate) -> Result<Self, DateError> {
        if date > today {
            return Err(DateError::InFuture);
        }
        if age_in_years(date, today) > MAX_PLAUSIBLE_AGE_YEARS {
            return Err(DateError::Implausible);
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }

    pub fn age_on(&self, day: NaiveDate) -> i32 {
        age_in_years(self.0, day)
    }
}

/// Whole years completed on `day` (a person born on 29 February turns a year older on 1 March).
pub fn age_in_years(born: NaiveDate, day: NaiveDate) -> i32 {
    let mut years = day.year() - born.year();
    if (day.month(), day.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years
}

/// A date in the past or today, such as a date of incorporation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PastDate(NaiveDate);

impl PastDate {
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, DateError> {
        let date = parse_calendar_date(input)?;
        if date > today {
            Err(DateError::InFuture)
        } else {
            Ok(Self(date))
        }
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_strict_iso_dates_that_exist() {
        assert_eq!(parse_calendar_date("1988-04-12"), Ok(day(1988, 4, 12)));
        assert_eq!(parse_calendar_date("2024-02-29"), Ok(day(2024, 2, 29)));
        assert_eq!(
            parse_calendar_date("2023-02-29"),
            Err(DateError::NoSuchDate)
        );
        assert_eq!(parse_calendar_date("1988-4-12"), Err(DateError::Format));
        assert_eq!(parse_calendar_date("12/04/1988"), Err(DateError::Format));
        assert_eq!(
            parse_calendar_date("1988-04-12T00:00"),
            Err(DateError::Format)
        );
    }

    #[test]
    fn birth_dates_must_be_past_and_plausible() {
        let today = day(2026, 6, 1);
        assert!(DateOfBirth::parse("1988-04-12", today).is_ok());
        assert!(DateOfBirth::parse("2026-06-01", today).is_ok());
        assert_eq!(
            DateOfBirth::parse("2026-06-02", today),
            Err(DateError::InFuture)
        );
        assert_eq!(
            DateOfBirth::parse("1890-01-01", today),
            Err(DateError::Implausible)
        );
    }

    #[test]
    fn ages_count_completed_years() {
        assert_eq!(age_in_years(day(1988, 4, 12), day(2026, 4, 11)), 37);
        assert_eq!(age_in_years(day(1988, 4, 12), day(2026, 4, 12)), 38);
        assert_eq!(age_in_years(day(2000, 2, 29), day(2001, 2, 28)), 0);
        assert_eq!(age_in_years(day(2000, 2, 29), day(2001, 3, 1)), 1);
    }

    #[test]
    fn past_dates_refuse_the_future() {
        let today = day(2026, 6, 1);
        assert!(PastDate::parse("2024-03-01", today).is_ok());
        assert_eq!(
            PastDate::parse("2027-01-01", today),
            Err(DateError::InFuture)
        );
    }
}
