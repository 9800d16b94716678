//! trade.gov's Consolidated Screening List, as CSV (both the 2019 and the current column
//! layout, read by header name) and as the JSON the CSL API returns (`results` array).

use chrono::NaiveDate;
use serde_json::Value;

use crate::model::{
    ContentHash, Entity, IdKind, Identifier, ListSnapshot, NameKind, Schema, SnapshotMeta,
};

use super::ParseError;
use super::text::{country, decode, derived_id, parse_loose_date, split_list};

const CSV_FORMAT: &str = "csl-csv";
const JSON_FORMAT: &str = "csl-json";

/// One CSL row with multi-valued fields already split.
#[derive(Debug, Default)]
struct CslRow {
    id: String,
    source: String,
    schema: String,
    name: String,
    alt_names: Vec<String>,
    programs: Vec<String>,
    addresses: Vec<String>,
    address_countries: Vec<String>,
    dates_of_birth: Vec<String>,
    nationalities: Vec<String>,
    /// (type, number, country) triples.
    ids: Vec<(String, String, String)>,
}

fn build(row: CslRow) -> Option<Entity> {
    let name = row.name.trim();
    if name.is_empty() {
        return None;
    }
    let id = if row.id.trim().is_empty() {
        derived_id(&[&row.source, name])
    } else {
        row.id.trim().to_owned()
    };
    let mut entity = Entity::new(id, Schema::from_label(&row.schema));
    entity.add_name(name, NameKind::Primary);
    for alias in &row.alt_names {
        entity.add_name(alias, NameKind::Alias);
    }
    entity.add_program(&row.source);
    for program in &row.programs {
        entity.add_program(program);
    }
    for address in &row.addresses {
        entity.add_address(address);
        // The CSL ends every address with the country code.
        if let Some(code) = address.rsplit(',').next().and_then(country) {
            entity.add_country(code);
        }
    }
    for code in row.address_countries.iter().filter_map(|c| country(c)) {
        entity.add_country(code);
    }
    for date in row
        .dates_of_birth
        .iter()
        .filter_map(|d| parse_loose_date(d))
    {
        entity.add_birth_date(date);
    }
    for code in row.nationalities.iter().filter_map(|c| country(c)) {
        entity.add_nationality(code);
    }
    for (kind, number, issuer) in &row.ids {
        let kind = IdKind::from_label(kind);
        if kind == IdKind::Other {
            continue;
        }
        let number = number.strip_prefix("IMO ").unwrap_or(number);
        if let Ok(id) = Identifier::new(kind, number, country(issuer)) {
            entity.add_identifier(id);
        }
    }
    Some(entity)
}

/// The CSV `ids` field is "type, number, country" in the current layout and "country, number,
/// type" (or "number, type") in 2019's; the type is recognised by its wording, the country by
/// being a two-letter code, and the number is what remains.
fn split_csv_id(item: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = item
        .split(", ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut kind = None;
    let mut issuer = String::new();
    let mut number = None;
    for part in &parts {
        if part.len() == 2 && part.chars().all(|c| c.is_ascii_uppercase()) {
            issuer = (*part).to_owned();
        } else if kind.is_none()
            && IdKind::from_label(part) != IdKind::Other
            && !part.starts_with("IMO ")
        {
            kind = Some((*part).to_owned());
        } else if number.is_none() && part.chars().any(|c| c.is_ascii_digit()) {
            number = Some((*part).to_owned());
        }
    }
    let number = number?;
    let kind = kind.or_else(|| number.starts_with("IMO ").then(|| "IMO".to_owned()))?;
    Some((kind, number, issuer))
}

pub fn parse_csl_csv(bytes: &[u8], meta: &SnapshotMeta) -> Result<ListSnapshot, ParseError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| ParseError::malformed(CSV_FORMAT, e.to_string()))?
        .iter()
        .map(|h| decode(h).trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let name_col = column("name").ok_or(ParseError::MissingColumn {
        format: CSV_FORMAT,
        column: "name".into(),
    })?;
    let source_col = column("source").ok_or(ParseError::MissingColumn {
        format: CSV_FORMAT,
        column: "source".into(),
    })?;
    let (id_col, number_col, type_col) = (column("_id"), column("entity_number"), column("type"));
    let (programs_col, addresses_col, alt_col) =
        (column("programs"), column("addresses"), column("alt_names"));
    let (dob_col, nat_col, cit_col, ids_col) = (
        column("dates_of_birth"),
        column("nationalities"),
        column("citizenships"),
        column("ids"),
    );
    let flag_col = column("vessel_flag");
    let mut entities = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut row_no = 1u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => row_no += 1,
            Err(e) => return Err(ParseError::record(CSV_FORMAT, row_no + 1, e.to_string())),
        }
        let get = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .map(decode)
                .unwrap_or_default()
        };
        let list = |col: Option<usize>| {
            split_list(&get(col), ";")
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let id = {
            let own = get(id_col);
            if own.trim().is_empty() {
                get(number_col)
            } else {
                own
            }
        };
        let row = CslRow {
            id,
            source: get(Some(source_col)),
            schema: get(type_col),
            name: get(Some(name_col)),
            alt_names: list(alt_col),
            programs: list(programs_col),
            addresses: list(addresses_col),
            address_countries: list(flag_col),
            dates_of_birth: list(dob_col),
            nationalities: list(nat_col).into_iter().chain(list(cit_col)).collect(),
            ids: list(ids_col)
                .iter()
                .filter_map(|i| split_csv_id(i))
                .collect(),
        };
        entities.extend(build(row));
    }
    if entities.is_empty() {
        return Err(ParseError::Empty { format: CSV_FORMAT });
    }
    Ok(ListSnapshot::new(
        meta,
        ContentHash::of(bytes),
        None,
        entities,
    ))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => split_list(s, ";").map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(|s| split_list(s, ";"))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub fn parse_csl_json(bytes: &[u8], meta: &SnapshotMeta) -> Result<ListSnapshot, ParseError> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::malformed(JSON_FORMAT, e.to_string()))?;
    let results = doc
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::malformed(JSON_FORMAT, "no \"results\" array"))?;
    let mut entities = Vec::with_capacity(results.len());
    for (i, item) in results.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(ParseError::record(
                JSON_FORMAT,
                i as u64 + 1,
                "result is not an object",
            ));
        };
        let mut addresses = Vec::new();
        let mut address_countries = Vec::new();
        for address in obj
            .get("addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let parts: Vec<String> = ["address", "city", "state", "postal_code", "country"]
                .iter()
                .map(|k| text(address.get(*k)))
                .filter(|s| !s.trim().is_empty())
                .collect();
            addresses.push(parts.join(", "));
            address_countries.push(text(address.get("country")));
        }
        let ids = obj
            .get("ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|id| {
                (
                    text(id.get("type")),
                    text(id.get("number")),
                    text(id.get("country")),
                )
            })
            .collect();
        let id = [
            text(obj.get("id")),
            text(obj.get("_id")),
            text(obj.get("entity_number")),
        ]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_default();
        let row = CslRow {
            id,
            source: text(obj.get("source")),
            schema: text(obj.get("type")),
            name: text(obj.get("name")),
            alt_names: strings(obj.get("alt_names")),
            programs: strings(obj.get("programs")),
            addresses,
            address_countries,
            dates_of_birth: strings(obj.get("dates_of_birth")),
            nationalities: strings(obj.get("nationalities"))
                .into_iter()
                .chain(strings(obj.get("citizenships")))
                .collect(),
            ids,
        };
        entities.extend(build(row));
    }
    if entities.is_empty() {
        return Err(ParseError::Empty {
            format: JSON_FORMAT,
        });
    }
    // The API states when each source was last updated; the newest is the publication date.
    let published = doc
        .get("sources_used")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("source_last_updated").and_then(Value::as_str))
        .filter_map(|d| {
            d.get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .max();
    Ok(ListSnapshot::new(
        meta,
        ContentHash::of(bytes),
        published,
        entities,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListId;

    #[test]
    fn csv_ids_in_both_layouts() {
        assert_eq!(
            split_csv_id("US, 80-0890696, Tax ID No."),
            Some(("Tax ID No.".into(), "80-0890696".into(), "US".into()))
        );
        assert_eq!(
            split_csv_id("Passport, 836238033, KP"),
            Some(("Passport".into(), "836238033".into(), "KP".into()))
        );
        assert_eq!(
            split_csv_id("IMO 8898831, Vessel Registration Identification"),
            Some((
                "Vessel Registration Identification".into(),
                "IMO 8898831".into(),
                String::new()
            ))
        );
        assert_eq!(split_csv_id("Gender, Male"), None);
    }

    #[test]
    fn json_results_shape() -> Result<(), Box<dyn std::error::Error>> {
        let json = br#"{"total":1,"sources_used":[{"source":"SDN","source_last_updated":"2025-11-03T10:00:00"}],
          "results":[{"id":"52291","name":"RIM, Ryong Nam","type":"Individual","alt_names":["RIM Ryong-nam"],
          "programs":["NPWMD"],"addresses":[{"address":null,"city":"Shenyang","country":"CN"}],
          "dates_of_birth":"1978-12-05","nationalities":["KP"],"ids":[{"type":"Passport","number":"836238033","country":"KP"}],
          "source":"Specially Designated Nationals (SDN) - Treasury Department"}]}"#;
        let snap = parse_csl_json(json, &SnapshotMeta::new(ListId::new("csl")?))?;
        assert_eq!(snap.published(), NaiveDate::from_ymd_opt(2025, 11, 3));
        let e = snap.entities().first().ok_or("entity")?;
        assert_eq!(
            (e.id.as_str(), e.schema, e.names.len()),
            ("52291", Schema::Person, 2)
        );
        assert_eq!(
            e.identifiers.first().map(|i| (i.kind(), i.value())),
            Some((IdKind::Passport, "836238033"))
        );
        assert_eq!(
            e.countries.first().map(ToString::to_string).as_deref(),
            Some("CN")
        );
        assert!(
            parse_csl_json(b"{\"results\": 3}", &SnapshotMeta::new(ListId::new("csl")?)).is_err()
        );
        Ok(())
    }
}
