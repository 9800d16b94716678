use serde::{Deserialize, Serialize};

use super::{CountryCode, Identifier, PartialDate, Schema};

/// Whether a name is the list's primary name, an alias, or a weak alias (OFAC "fka"/"nka" style
/// low-quality names, UN "Low quality" aliases, FollowTheMoney `weakAlias`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    Primary,
    Alias,
    WeakAlias,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityName {
    pub text: String,
    pub kind: NameKind,
}

/// One party named by a list, in the one model every parser produces.
///
/// The fields are plain data: every value in them is already a parsed type, and parsers only
/// emit an entity that has an id and at least one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// The list's own id for the entry (OFAC ent_num, UN DATAID, CSL id, ...).
    pub id: String,
    pub schema: Schema,
    pub names: Vec<EntityName>,
    pub birth_dates: Vec<PartialDate>,
    pub nationalities: Vec<CountryCode>,
    /// Countries of address, registration, flag or jurisdiction.
    pub countries: Vec<CountryCode>,
    pub identifiers: Vec<Identifier>,
    pub addresses: Vec<String>,
    pub programs: Vec<String>,
}

impl Entity {
    pub fn new(id: impl Into<String>, schema: Schema) -> Self {
        Entity {
            id: id.into(),
            schema,
            names: Vec::new(),
            birth_dates: Vec::new(),
            nationalities: Vec::new(),
            countries: Vec::new(),
            identifiers: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
        }
    }

    /// Adds a name unless it is blank or already present (lists repeat names across fields).
    pub fn add_name(&mut self, text: &str, kind: NameKind) {
        let text = text.trim();
        if text.is_empty() || self.names.iter().any(|n| n.text == text) {
            return;
        }
        self.names.push(EntityName {
            text: text.to_owned(),
            kind,
        });
    }

    pub fn primary_name(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.text.as_str())
            .unwrap_or_default()
    }

    pub fn add_birth_date(&mut self, date: PartialDate) {
        push_unique(&mut self.birth_dates, date);
    }

    pub fn add_nationality(&mut self, country: CountryCode) {
        push_unique(&mut self.nationalities, country);
    }

    pub fn add_country(&mut self, country: CountryCode) {
        push_unique(&mut self.countries, country);
    }

    pub fn add_identifier(&mut self, id: Identifier) {
        push_unique(&mut self.identifiers, id);
    }

    pub fn add_address(&mut self, address: &str) {
        let address = address.trim();
        if !address.is_empty() {
            push_unique(&mut self.addresses, address.to_owned());
        }
    }

    pub fn add_program(&mut self, program: &str) {
        let program = program.trim();
        if !program.is_empty() {
            push_unique(&mut self.programs, program.to_owned());
        }
    }

    /// Nationalities and other countries together, as the country qualifier uses them.
    pub fn all_countries(&self) -> impl Iterator<Item = CountryCode> + '_ {
        self.nationalities
            .iter()
            .chain(self.countries.iter())
            .copied()
    }
}

fn push_unique<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}
