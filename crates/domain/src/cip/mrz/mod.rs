//! Machine-readable zones of travel documents (ICAO Doc 9303, 8th edition): parsing of the three
//! layouts with every check digit, and the field-by-field comparison with submitted data.
//!
//! Parsing refuses only what is not an MRZ at all (wrong line count or length, characters
//! outside `A-Z0-9<`). A wrong check digit is *evidence*, not a parse error: the zone is kept
//! with each check digit's result so the verification records the failure instead of letting a
//! caller retry until a forged zone passes.

mod check_digit;
mod compare;
mod fields;
mod parse;
mod transliterate;

pub use check_digit::compute as compute_check_digit;
pub use compare::{SubmittedDocument, compare_with_submitted};
pub use fields::{MrzCountry, MrzDate, MrzName, MrzSex};
pub use parse::MrzError;

use serde::{Deserialize, Serialize};

/// The three ICAO layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzFormat {
    /// ID-1 cards: three lines of 30 characters.
    Td1,
    /// ID-2 cards and visas: two lines of 36.
    Td2,
    /// Passport books: two lines of 44.
    Td3,
}

/// The fields a check digit protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckedField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    /// TD3's personal number / optional data field.
    OptionalData,
    /// The check digit over all the others.
    Composite,
}

impl CheckedField {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::DocumentNumber => "document_number",
            Self::BirthDate => "birth_date",
            Self::ExpiryDate => "expiry_date",
            Self::OptionalData => "optional_data",
            Self::Composite => "composite",
        }
    }
}

/// One check digit as printed and as computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDigit {
    pub field: CheckedField,
    /// The character printed in the zone (a digit, or `<`).
    pub printed: char,
    pub computed: u8,
    pub valid: bool,
}

/// A parsed machine-readable zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mrz {
    format: MrzFormat,
    lines: Vec<String>,
    document_code: String,
    issuing_state: MrzCountry,
    name: MrzName,
    document_number: String,
    nationality: MrzCountry,
    birth_date: MrzDate,
    sex: MrzSex,
    expiry_date: MrzDate,
    optional_data: String,
    check_digits: Vec<CheckDigit>,
}

impl Mrz {
    pub fn format(&self) -> MrzFormat {
        self.format
    }

    /// The zone as parsed (trimmed, upper case), for storage with the evidence.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `P`, `PD`, `I`, `ID`, `AC`, `IR`, ... without fillers. The first letter is the kind:
    /// `P` passport, `I`/`A`/`C` identity-type card, `V` visa.
    pub fn document_code(&self) -> &str {
        &self.document_code
    }

    pub fn issuing_state(&self) -> &MrzCountry {
        &self.issuing_state
    }

    pub fn name(&self) -> &MrzName {
        &self.name
    }

    /// Without fillers; long TD1/TD2 numbers are reassembled from the optional-data field.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    pub fn nationality(&self) -> &MrzCountry {
        &self.nationality
    }

    pub fn birth_date(&self) -> &MrzDate {
        &self.birth_date
    }

    pub fn sex(&self) -> MrzSex {
        self.sex
    }

    pub fn expiry_date(&self) -> &MrzDate {
        &self.expiry_date
    }

    /// Optional data (personal number and the like), fillers turned into spaces and trimmed.
    pub fn optional_data(&self) -> &str {
        &self.optional_data
    }

    pub fn check_digits(&self) -> &[CheckDigit] {
        &self.check_digits
    }

    pub fn all_check_digits_valid(&self) -> bool {
        self.check_digits.iter().all(|digit| digit.valid)
    }
}
