use serde::{Deserialize, Serialize};

use crate::model::{CountryCode, Identifier, PartialDate, Schema};

/// What is screened: a name and whatever else is known about the party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub name: String,
    #[serde(default)]
    pub schema: Option<Schema>,
    #[serde(default)]
    pub countries: Vec<CountryCode>,
    #[serde(default)]
    pub birth_date: Option<PartialDate>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
}

impl Query {
    pub fn name(name: impl Into<String>) -> Self {
        Query {
            name: name.into(),
            schema: None,
            countries: Vec::new(),
            birth_date: None,
            identifiers: Vec::new(),
        }
    }

    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    pub fn with_country(mut self, country: CountryCode) -> Self {
        self.countries.push(country);
        self
    }

    pub fn with_birth_date(mut self, date: PartialDate) -> Self {
        self.birth_date = Some(date);
        self
    }

    pub fn with_identifier(mut self, id: Identifier) -> Self {
        self.identifiers.push(id);
        self
    }
}
