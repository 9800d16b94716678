//! Why an out-of-cycle certification update is filed (rule-pack section 4).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What makes an out-of-cycle update necessary (rule-pack section 4): a significant change in
/// operations or corporate structure, or a material change of the program (a new CIP contact
/// among them). `other` is a change the officer describes only in the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutOfCycleTrigger {
    OperationsChange,
    CorporateStructureChange,
    ProgramChange,
    NewContact,
    Other,
}

impl OutOfCycleTrigger {
    pub const ALL: [OutOfCycleTrigger; 5] = [
        Self::OperationsChange,
        Self::CorporateStructureChange,
        Self::ProgramChange,
        Self::NewContact,
        Self::Other,
    ];

    /// The name the API and the CLI use (`new_contact`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OperationsChange => "operations_change",
            Self::CorporateStructureChange => "corporate_structure_change",
            Self::ProgramChange => "program_change",
            Self::NewContact => "new_contact",
            Self::Other => "other",
        }
    }

    /// The trigger named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::OperationsChange => "a significant change in operations",
            Self::CorporateStructureChange => "a significant change in corporate structure",
            Self::ProgramChange => "a material change of the Customer Identification Program",
            Self::NewContact => "a new contact person responsible for the program",
            Self::Other => "another change, described in the reason",
        }
    }
}
