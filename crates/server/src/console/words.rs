//! Small formatting helpers shared by the oversight pages (compute, resellers, measures,
//! lists, reports): enum names in words, dates, and large numbers.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A serde enum's wire name in words: `non_compliant` -> "non compliant".
pub(crate) fn words(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.replace(['_', '-'], " "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

pub(crate) fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Operations in scientific notation with three significant digits: `2.35e25`.
pub(crate) fn ops(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2e}")
    } else {
        "-".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Sample {
        NonCompliant,
    }

    #[test]
    fn enum_names_read_as_words_and_numbers_as_powers_of_ten() {
        assert_eq!(words(&Sample::NonCompliant), "non compliant");
        assert_eq!(ops(2.345e25), "2.35e25");
        assert_eq!(ops(f64::NAN), "-");
    }
}
