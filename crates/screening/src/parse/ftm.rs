//! FollowTheMoney entities, one JSON object per line (OpenSanctions' export format).

use serde_json::Value;

use crate::model::{
    ContentHash, Entity, IdKind, Identifier, ListSnapshot, NameKind, Schema, SnapshotMeta,
};

use super::ParseError;
use super::text::{country, parse_loose_date};

const FORMAT: &str = "ftm-jsonl";

/// FollowTheMoney identifier properties and what they mean here.
const ID_PROPERTIES: [(&str, IdKind); 12] = [
    ("passportNumber", IdKind::Passport),
    ("idNumber", IdKind::NationalId),
    ("nationalId", IdKind::NationalId),
    ("taxNumber", IdKind::TaxId),
    ("innCode", IdKind::TaxId),
    ("vatCode", IdKind::TaxId),
    ("imoNumber", IdKind::Imo),
    ("registrationNumber", IdKind::Registration),
    ("ogrnCode", IdKind::Registration),
    ("leiCode", IdKind::Registration),
    ("publicKey", IdKind::CryptoWallet),
    ("swiftBic", IdKind::Other),
];

fn schema_of(name: &str) -> Option<Schema> {
    Some(match name {
        "Person" => Schema::Person,
        "Company" | "Organization" | "PublicBody" => Schema::Organization,
        "LegalEntity" => Schema::Unknown,
        "Vessel" => Schema::Vessel,
        "Airplane" => Schema::Aircraft,
        // Sanctions, addresses, ownership links and the like are not parties to screen.
        _ => return None,
    })
}

pub fn parse_ftm_jsonl(bytes: &[u8], meta: &SnapshotMeta) -> Result<ListSnapshot, ParseError> {
    let mut entities = Vec::new();
    for (line_no, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_no = line_no as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: Value = serde_json::from_slice(line)
            .map_err(|e| ParseError::record(FORMAT, line_no, e.to_string()))?;
        let (Some(id), Some(schema)) = (
            value.get("id").and_then(Value::as_str),
            value.get("schema").and_then(Value::as_str),
        ) else {
            return Err(ParseError::record(
                FORMAT,
                line_no,
                "entity without \"id\" or \"schema\"",
            ));
        };
        let Some(schema) = schema_of(schema) else {
            continue;
        };
        let props = value.get("properties");
        let values = |prop: &str| -> Vec<&str> {
            props
                .and_then(|p| p.get(prop))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        };
        let mut entity = Entity::new(id, schema);
        for name in values("name") {
            entity.add_name(name, NameKind::Primary);
        }
        if entity.names.is_empty() {
            let parts: Vec<&str> = ["firstName", "middleName", "lastName"]
                .iter()
                .flat_map(|p| values(p))
                .collect();
            entity.add_name(&parts.join(" "), NameKind::Primary);
        }
        for name in values("alias").into_iter().chain(values("previousName")) {
            entity.add_name(name, NameKind::Alias);
        }
        for name in values("weakAlias") {
            entity.add_name(name, NameKind::WeakAlias);
        }
        if entity.names.is_empty() {
            continue;
        }
        for date in values("birthDate").into_iter().filter_map(parse_loose_date) {
            entity.add_birth_date(date);
        }
        for code in values("nationality")
            .into_iter()
            .chain(values("citizenship"))
            .filter_map(country)
        {
            entity.add_nationality(code);
        }
        for code in ["country", "jurisdiction", "flag", "mainCountry"]
            .iter()
            .flat_map(|p| values(p))
            .filter_map(country)
        {
            entity.add_country(code);
        }
        for (prop, kind) in ID_PROPERTIES {
            for number in values(prop) {
                if let Ok(id) = Identifier::new(kind, number, None) {
                    entity.add_identifier(id);
                }
            }
        }
        for address in values("address") {
            entity.add_address(address);
        }
        for program in values("program").into_iter().chain(values("topics")) {
            entity.add_program(program);
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
    fn reads_parties_and_skips_other_schemas() -> Result<(), Box<dyn std::error::Error>> {
        let lines = concat!(
            r#"{"id":"Q7747","schema":"Person","properties":{"name":["Vladimir Putin"],"alias":["Путин Владимир"],"weakAlias":["VVP"],"birthDate":["1952-10-07"],"nationality":["ru"],"passportNumber":["100000001"]}}"#,
            "\n",
            r#"{"id":"san-1","schema":"Sanction","properties":{"program":["EU"]}}"#,
            "\n\n",
            r#"{"id":"v-1","schema":"Vessel","properties":{"name":["SEA STAR"],"imoNumber":["IMO 9123456"],"flag":["pa"]}}"#,
        );
        let snap = parse_ftm_jsonl(
            lines.as_bytes(),
            &SnapshotMeta::new(ListId::new("opensanctions")?),
        )?;
        let [person, vessel] = snap.entities() else {
            return Err("expected two".into());
        };
        assert_eq!(
            person.names.iter().map(|n| n.kind).collect::<Vec<_>>(),
            [NameKind::Primary, NameKind::Alias, NameKind::WeakAlias]
        );
        assert_eq!(
            person
                .birth_dates
                .first()
                .map(ToString::to_string)
                .as_deref(),
            Some("1952-10-07")
        );
        assert_eq!(
            vessel.identifiers.first().map(|i| (i.kind(), i.value())),
            Some((IdKind::Imo, "IMO9123456"))
        );
        assert_eq!(
            vessel.countries.first().map(ToString::to_string).as_deref(),
            Some("PA")
        );
        assert!(matches!(
            parse_ftm_jsonl(
                b"{\"id\":\"x\",\"schema\":\"Person\"\n",
                &SnapshotMeta::new(ListId::new("o")?)
            ),
            Err(ParseError::Record { record: 1, .. })
        ));
        Ok(())
    }
}
