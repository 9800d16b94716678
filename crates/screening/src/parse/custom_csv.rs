//! A CSV of the provider's own (an internal deny list, a regulator's list we have no parser for),
//! read through a declarative column mapping stored as configuration.

use serde::{Deserialize, Serialize};

use crate::model::{
    ContentHash, Entity, IdKind, Identifier, ListSnapshot, NameKind, Schema, SnapshotMeta,
};

use super::ParseError;
use super::text::{country, decode, derived_id, parse_loose_date, split_list};

const FORMAT: &str = "custom-csv";

/// Which column holds what. Column names refer to the header row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCsvMapping {
    /// Field delimiter, `,` when absent.
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
    /// The entry's id; without one, ids are derived from the name and the other mapped fields.
    #[serde(default)]
    pub id_column: Option<String>,
    pub name_column: String,
    #[serde(default)]
    pub alias_columns: Vec<String>,
    #[serde(default)]
    pub weak_alias_columns: Vec<String>,
    /// Separates several aliases within one cell.
    #[serde(default = "default_separator")]
    pub alias_separator: String,
    #[serde(default)]
    pub schema_column: Option<String>,
    /// Used when there is no schema column or its cell is empty.
    #[serde(default = "default_schema")]
    pub default_schema: Schema,
    #[serde(default)]
    pub country_columns: Vec<String>,
    #[serde(default)]
    pub nationality_columns: Vec<String>,
    #[serde(default)]
    pub dob_column: Option<String>,
    #[serde(default)]
    pub id_columns: Vec<IdColumn>,
    #[serde(default)]
    pub address_columns: Vec<String>,
    #[serde(default)]
    pub program_column: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdColumn {
    pub column: String,
    pub kind: IdKind,
}

fn default_delimiter() -> char {
    ','
}

fn default_separator() -> String {
    ";".to_owned()
}

fn default_schema() -> Schema {
    Schema::Unknown
}

impl CustomCsvMapping {
    /// The smallest mapping: just a name column.
    pub fn names_only(name_column: &str) -> Self {
        CustomCsvMapping {
            delimiter: default_delimiter(),
            id_column: None,
            name_column: name_column.to_owned(),
            alias_columns: Vec::new(),
            weak_alias_columns: Vec::new(),
            alias_separator: default_separator(),
            schema_column: None,
            default_schema: default_schema(),
            country_columns: Vec::new(),
            nationality_columns: Vec::new(),
            dob_column: None,
            id_columns: Vec::new(),
            address_columns: Vec::new(),
            program_column: None,
        }
    }
}

pub fn parse_custom_csv(
    bytes: &[u8],
    mapping: &CustomCsvMapping,
    meta: &SnapshotMeta,
) -> Result<ListSnapshot, ParseError> {
    let delimiter = u8::try_from(mapping.delimiter).map_err(|_| {
        ParseError::malformed(
            FORMAT,
            format!(
                "delimiter {:?} is not a single-byte character",
                mapping.delimiter
            ),
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| ParseError::malformed(FORMAT, e.to_string()))?
        .iter()
        .map(|h| decode(h).trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let column = |name: &String| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ParseError::MissingColumn {
                format: FORMAT,
                column: name.clone(),
            })
    };
    let columns = |names: &[String]| names.iter().map(column).collect::<Result<Vec<_>, _>>();
    let optional = |name: &Option<String>| name.as_ref().map(column).transpose();
    let name_col = column(&mapping.name_column)?;
    let id_col = optional(&mapping.id_column)?;
    let alias_cols = columns(&mapping.alias_columns)?;
    let weak_cols = columns(&mapping.weak_alias_columns)?;
    let schema_col = optional(&mapping.schema_column)?;
    let country_cols = columns(&mapping.country_columns)?;
    let nationality_cols = columns(&mapping.nationality_columns)?;
    let dob_col = optional(&mapping.dob_column)?;
    let address_cols = columns(&mapping.address_columns)?;
    let program_col = optional(&mapping.program_column)?;
    let id_cols = mapping
        .id_columns
        .iter()
        .map(|c| column(&c.column).map(|i| (i, c.kind)))
        .collect::<Result<Vec<_>, _>>()?;

    let mut entities = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut row_no = 1u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => row_no += 1,
            Err(e) => return Err(ParseError::record(FORMAT, row_no + 1, e.to_string())),
        }
        let get = |col: usize| record.get(col).map(decode).unwrap_or_default();
        let name = get(name_col);
        if name.trim().is_empty() {
            continue;
        }
        let id = match id_col.map(get) {
            Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
            _ => derived_id(&[name.trim(), &row_no.to_string()]),
        };
        let schema = schema_col
            .map(get)
            .filter(|s| !s.trim().is_empty())
            .map_or(mapping.default_schema, |s| Schema::from_label(&s));
        let mut entity = Entity::new(id, schema);
        entity.add_name(&name, NameKind::Primary);
        for (cols, kind) in [
            (&alias_cols, NameKind::Alias),
            (&weak_cols, NameKind::WeakAlias),
        ] {
            for &col in cols {
                for alias in split_list(&get(col), &mapping.alias_separator) {
                    entity.add_name(alias, kind);
                }
            }
        }
        for code in country_cols
            .iter()
            .map(|&c| get(c))
            .filter_map(|c| country(&c))
        {
            entity.add_country(code);
        }
        for code in nationality_cols
            .iter()
            .map(|&c| get(c))
            .filter_map(|c| country(&c))
        {
            entity.add_nationality(code);
        }
        if let Some(date) = dob_col.map(get).and_then(|d| parse_loose_date(&d)) {
            entity.add_birth_date(date);
        }
        for &(col, kind) in &id_cols {
            if let Ok(id) = Identifier::new(kind, &get(col), None) {
                entity.add_identifier(id);
            }
        }
        let address: Vec<String> = address_cols
            .iter()
            .map(|&c| get(c))
            .filter(|s| !s.trim().is_empty())
            .collect();
        entity.add_address(&address.join(", "));
        if let Some(program) = program_col.map(get) {
            entity.add_program(&program);
        }
        entities.push(entity);
    }
    if entities.is_empty() {
        return Err(ParseError::Empty { format: FORMAT });
    }
    Ok(ListSnapshot::new(
        meta,
        ContentHash::of(bytes),
        None,
        entities,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListId;

    #[test]
    fn mapping_from_json_reads_every_field() -> Result<(), Box<dyn std::error::Error>> {
        let mapping: CustomCsvMapping = serde_json::from_str(
            r#"{"id_column":"ref","name_column":"full name","alias_columns":["aka"],"alias_separator":"|",
                "schema_column":"kind","country_columns":["cc"],"dob_column":"born",
                "id_columns":[{"column":"passport","kind":"passport"}]}"#,
        )?;
        let csv = "ref,full name,aka,kind,cc,born,passport\nX1,Ivan Petrov,I. Petrov|Iwan Petrow,person,RU,1970-05,AB123456\n";
        let snap = parse_custom_csv(
            csv.as_bytes(),
            &mapping,
            &SnapshotMeta::new(ListId::new("internal")?),
        )?;
        let e = snap.entities().first().ok_or("entity")?;
        assert_eq!(
            (e.id.as_str(), e.schema, e.names.len()),
            ("X1", Schema::Person, 3)
        );
        assert_eq!(
            e.birth_dates.first().map(ToString::to_string).as_deref(),
            Some("1970-05")
        );
        assert_eq!(e.identifiers.first().map(|i| i.value()), Some("AB123456"));
        let missing = CustomCsvMapping::names_only("nom");
        assert!(matches!(
            parse_custom_csv(
                csv.as_bytes(),
                &missing,
                &SnapshotMeta::new(ListId::new("internal")?)
            ),
            Err(ParseError::MissingColumn { .. })
        ));
        Ok(())
    }
}
