//! Document numbers that no issuer would print: placeholders typed to get past a form.

use std::fmt;

use crate::cip::check::CheckResult;
use crate::cip::document::{DocumentNumber, IdentityDocument};

/// Shorter than any passport or national id number we know of (the shortest are 6-7).
const MIN_PLAUSIBLE_LENGTH: usize = 5;

/// Numbers of published specimen documents (ICAO 9303 examples, the German and other
/// governments' specimen cards) and placeholders seen in test data.
const KNOWN_TEST_NUMBERS: &[&str] = &[
    "L898902C3",
    "L898902C",
    "D23145890",
    "D231458907",
    "C01X00T47",
    "C01X0006H",
    "T22000129",
    "LZ6311T47",
    "123456789",
    "1234567890",
    "987654321",
    "A12345678",
    "AB1234567",
    "X12345678",
    "P1234567",
];

/// Words that mark a number as not from a real document.
const TEST_WORDS: &[&str] = &["TEST", "SPECIMEN", "SAMPLE", "DUMMY", "EXAMPLE", "XXXX"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentNumberFlaw {
    TooShort,
    OneRepeatedCharacter,
    RepeatingPattern,
    SequentialDigits,
    KnownTestNumber,
    TestWord,
}

impl fmt::Display for DocumentNumberFlaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooShort => "too short to be a real document number",
            Self::OneRepeatedCharacter => "one character repeated",
            Self::RepeatingPattern => "a short pattern repeated",
            Self::SequentialDigits => "sequential digits",
            Self::KnownTestNumber => "a published specimen or test number",
            Self::TestWord => "contains a test or specimen marker",
        })
    }
}

/// The first known-bad pattern the number shows, if any.
pub fn document_number_flaw(number: &DocumentNumber) -> Option<DocumentNumberFlaw> {
    let text = number.as_str();
    let bytes = text.as_bytes();
    if bytes.len() < MIN_PLAUSIBLE_LENGTH {
        return Some(DocumentNumberFlaw::TooShort);
    }
    if KNOWN_TEST_NUMBERS.contains(&text) {
        return Some(DocumentNumberFlaw::KnownTestNumber);
    }
    if TEST_WORDS.iter().any(|word| text.contains(word)) {
        return Some(DocumentNumberFlaw::TestWord);
    }
    if bytes.windows(2).all(|pair| pair[0] == pair[1]) {
        return Some(DocumentNumberFlaw::OneRepeatedCharacter);
    }
    if (2..=3).any(|period| {
        bytes.len() >= period * 2
            && bytes
                .iter()
                .zip(bytes.iter().skip(period))
                .all(|(a, b)| a == b)
    }) {
        return Some(DocumentNumberFlaw::RepeatingPattern);
    }
    if is_sequential_run(bytes) {
        return Some(DocumentNumberFlaw::SequentialDigits);
    }
    None
}

/// The digits, after any leading letters (`A1234567`), form one ascending or descending run of
/// at least five.
fn is_sequential_run(bytes: &[u8]) -> bool {
    let digits: Vec<i16> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_alphabetic())
        .map(|b| i16::from(*b) - i16::from(b'0'))
        .collect();
    if digits.len() < MIN_PLAUSIBLE_LENGTH || digits.iter().any(|d| !(0..=9).contains(d)) {
        return false;
    }
    let steps: Vec<i16> = digits.windows(2).map(|pair| pair[1] - pair[0]).collect();
    steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

/// Fails when any document number shows a known-bad pattern.
pub fn document_number_plausible(documents: &[IdentityDocument]) -> CheckResult {
    const CHECK: &str = "document_number_plausible";
    if documents.is_empty() {
        return CheckResult::not_applicable(CHECK, "no identity document given");
    }
    let flawed: Vec<String> = documents
        .iter()
        .filter_map(|doc| {
            document_number_flaw(&doc.number)
                .map(|flaw| format!("{} number {}: {flaw}", doc.kind, doc.number))
        })
        .collect();
    if flawed.is_empty() {
        CheckResult::pass(
            CHECK,
            format!(
                "{} document number(s) show no known-bad pattern",
                documents.len()
            ),
        )
    } else {
        CheckResult::fail(CHECK, flawed.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flaw(text: &str) -> Option<DocumentNumberFlaw> {
        document_number_flaw(&DocumentNumber::parse(text).unwrap())
    }

    #[test]
    fn flags_placeholder_numbers() {
        assert_eq!(flaw("A123"), Some(DocumentNumberFlaw::TooShort));
        assert_eq!(
            flaw("000000000"),
            Some(DocumentNumberFlaw::OneRepeatedCharacter)
        );
        assert_eq!(
            flaw("121212121"),
            Some(DocumentNumberFlaw::RepeatingPattern)
        );
        assert_eq!(
            flaw("ABCABCABC"),
            Some(DocumentNumberFlaw::RepeatingPattern)
        );
        assert_eq!(flaw("23456789"), Some(DocumentNumberFlaw::SequentialDigits));
        assert_eq!(
            flaw("B76543210"),
            Some(DocumentNumberFlaw::SequentialDigits)
        );
        assert_eq!(flaw("L898902C3"), Some(DocumentNumberFlaw::KnownTestNumber));
        assert_eq!(flaw("123456789"), Some(DocumentNumberFlaw::KnownTestNumber));
        assert_eq!(flaw("TEST12345"), Some(DocumentNumberFlaw::TestWord));
    }

    #[test]
    fn leaves_ordinary_numbers_alone() {
        for real in [
            "A07314252",
            "C4X9K2P71",
            "502 331 870",
            "X7709134",
            "DMCC-102938",
        ] {
            assert_eq!(flaw(real), None, "{real}");
        }
    }
}
