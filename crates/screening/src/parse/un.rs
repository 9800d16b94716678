//! The UN Security Council consolidated list (XML).

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::model::{
    ContentHash, Entity, IdKind, Identifier, ListSnapshot, NameKind, Schema, SnapshotMeta,
};

use super::ParseError;
use super::text::{country, decode, parse_loose_date};

const FORMAT: &str = "un-xml";

/// The nested blocks of a record whose leaf fields belong together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Alias,
    BirthDate,
    Document,
    Address,
    Nationality,
    Other,
}

impl Block {
    fn from_tag(tag: &str) -> Option<Block> {
        Some(match tag {
            "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" => Block::Alias,
            "INDIVIDUAL_DATE_OF_BIRTH" => Block::BirthDate,
            "INDIVIDUAL_DOCUMENT" => Block::Document,
            "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS" => Block::Address,
            "NATIONALITY" => Block::Nationality,
            "INDIVIDUAL_PLACE_OF_BIRTH"
            | "DESIGNATION"
            | "TITLE"
            | "LIST_TYPE"
            | "LAST_DAY_UPDATED" => Block::Other,
            _ => return None,
        })
    }
}

#[derive(Debug, Default)]
struct Record {
    fields: Vec<(String, String)>,
    blocks: Vec<(Block, Vec<(String, String)>)>,
}

impl Record {
    fn get(&self, tag: &str) -> Option<&str> {
        get(&self.fields, tag)
    }
}

fn get<'a>(fields: &'a [(String, String)], tag: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(t, v)| t == tag && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

pub fn parse_un_xml(bytes: &[u8], meta: &SnapshotMeta) -> Result<ListSnapshot, ParseError> {
    let text = decode(bytes);
    let mut reader = Reader::from_str(&text);
    reader.config_mut().trim_text(true);
    let mut published: Option<NaiveDate> = None;
    let mut saw_root = false;
    let mut stack: Vec<String> = Vec::new();
    let mut record: Option<(Schema, Record)> = None;
    let mut entities = Vec::new();
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| ParseError::malformed(FORMAT, format!("at byte {position}: {e}")))?;
        match event {
            Event::Start(start) => {
                let tag = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                if tag == "CONSOLIDATED_LIST" {
                    saw_root = true;
                    published = start
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"dateGenerated")
                        .and_then(|a| a.unescape_value().ok())
                        .and_then(|v| {
                            v.get(..10)
                                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                        });
                }
                match (tag.as_str(), &mut record) {
                    ("INDIVIDUAL", None) => record = Some((Schema::Person, Record::default())),
                    ("ENTITY", None) => record = Some((Schema::Organization, Record::default())),
                    (_, Some((_, rec))) => {
                        if let Some(block) = Block::from_tag(&tag) {
                            rec.blocks.push((block, Vec::new()));
                        }
                    }
                    _ => {}
                }
                stack.push(tag);
            }
            Event::End(_) => {
                let Some(tag) = stack.pop() else {
                    return Err(ParseError::malformed(FORMAT, "unbalanced closing tag"));
                };
                if (tag == "INDIVIDUAL" || tag == "ENTITY")
                    && let Some((schema, rec)) = record.take()
                    && let Some(entity) = build(schema, &rec)
                {
                    entities.push(entity);
                }
            }
            Event::Text(t) => {
                let value = t
                    .unescape()
                    .map_err(|e| ParseError::malformed(FORMAT, e.to_string()))?;
                store_text(&mut record, &stack, &value);
            }
            Event::CData(c) => {
                let value = decode(&c.into_inner());
                store_text(&mut record, &stack, &value);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() || !saw_root {
        return Err(ParseError::malformed(
            FORMAT,
            "document ends before CONSOLIDATED_LIST closes (truncated?)",
        ));
    }
    if entities.is_empty() {
        return Err(ParseError::Empty { format: FORMAT });
    }
    Ok(ListSnapshot::new(
        meta,
        ContentHash::of(bytes),
        published,
        entities,
    ))
}

fn store_text(record: &mut Option<(Schema, Record)>, stack: &[String], value: &str) {
    let (Some((_, rec)), Some(tag)) = (record.as_mut(), stack.last()) else {
        return;
    };
    let in_block = stack
        .iter()
        .rev()
        .nth(1)
        .and_then(|parent| Block::from_tag(parent))
        .is_some();
    let pair = (tag.clone(), value.to_owned());
    match rec.blocks.last_mut() {
        Some((_, fields)) if in_block => fields.push(pair),
        _ => rec.fields.push(pair),
    }
}

fn build(schema: Schema, rec: &Record) -> Option<Entity> {
    let id = rec.get("DATAID")?;
    let mut entity = Entity::new(id, schema);
    let parts: Vec<&str> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .filter_map(|t| rec.get(t))
        .collect();
    entity.add_name(&parts.join(" "), NameKind::Primary);
    if entity.names.is_empty() {
        return None;
    }
    if let Some(original) = rec.get("NAME_ORIGINAL_SCRIPT") {
        entity.add_name(original, NameKind::Alias);
    }
    if let Some(program) = rec.get("UN_LIST_TYPE") {
        entity.add_program(program);
    }
    for (block, fields) in &rec.blocks {
        match block {
            Block::Alias => {
                let Some(name) = get(fields, "ALIAS_NAME") else {
                    continue;
                };
                let kind = if get(fields, "QUALITY") == Some("Low") {
                    NameKind::WeakAlias
                } else {
                    NameKind::Alias
                };
                entity.add_name(name, kind);
            }
            Block::BirthDate => {
                let date = get(fields, "DATE")
                    .or_else(|| get(fields, "YEAR"))
                    .or_else(|| get(fields, "FROM_YEAR"))
                    .and_then(parse_loose_date);
                if let Some(date) = date {
                    entity.add_birth_date(date);
                }
            }
            Block::Document => {
                let kind = IdKind::from_label(get(fields, "TYPE_OF_DOCUMENT").unwrap_or_default());
                let kind = if kind == IdKind::Other
                    && get(fields, "TYPE_OF_DOCUMENT").is_some_and(|t| t.contains("pas"))
                {
                    IdKind::Passport
                } else {
                    kind
                };
                let issuer = get(fields, "ISSUING_COUNTRY")
                    .or_else(|| get(fields, "COUNTRY_OF_ISSUE"))
                    .and_then(country);
                if let Some(Ok(id)) =
                    get(fields, "NUMBER").map(|n| Identifier::new(kind, n, issuer))
                {
                    entity.add_identifier(id);
                }
            }
            Block::Address => {
                let parts: Vec<&str> = ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"]
                    .iter()
                    .filter_map(|t| get(fields, t))
                    .collect();
                entity.add_address(&parts.join(", "));
                if let Some(code) = get(fields, "COUNTRY").and_then(country) {
                    entity.add_country(code);
                }
            }
            Block::Nationality => {
                for (_, value) in fields {
                    if let Some(code) = country(value) {
                        entity.add_nationality(code);
                    }
                }
            }
            Block::Other => {}
        }
    }
    Some(entity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListId;

    const SAMPLE: &str = r#"<?xml version="1.0"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS><INDIVIDUAL>
<DATAID>6908555</DATAID><FIRST_NAME>RI</FIRST_NAME><SECOND_NAME>WON HO</SECOND_NAME>
<UN_LIST_TYPE>DPRK</UN_LIST_TYPE><NATIONALITY><VALUE>Democratic People's Republic of Korea</VALUE></NATIONALITY>
<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>RI WON-HO</ALIAS_NAME></INDIVIDUAL_ALIAS>
<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1964-07-17</DATE></INDIVIDUAL_DATE_OF_BIRTH>
<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>381310014</NUMBER></INDIVIDUAL_DOCUMENT>
</INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><DATAID>1</DATAID><FIRST_NAME>KOREA MINING &amp; CO</FIRST_NAME>
<ENTITY_ADDRESS><CITY>Pyongyang</CITY><COUNTRY>DPRK</COUNTRY></ENTITY_ADDRESS></ENTITY></ENTITIES></CONSOLIDATED_LIST>"#;

    #[test]
    fn reads_people_and_entities() -> Result<(), Box<dyn std::error::Error>> {
        let snap = parse_un_xml(SAMPLE.as_bytes(), &SnapshotMeta::new(ListId::new("un_sc")?))?;
        assert_eq!(snap.published(), NaiveDate::from_ymd_opt(2026, 2, 27));
        let [person, org] = snap.entities() else {
            return Err("expected two entities".into());
        };
        assert_eq!(person.primary_name(), "RI WON HO");
        assert_eq!(
            person.names.get(1).map(|n| n.kind),
            Some(NameKind::WeakAlias)
        );
        assert_eq!(
            person
                .birth_dates
                .first()
                .map(ToString::to_string)
                .as_deref(),
            Some("1964-07-17")
        );
        assert_eq!(
            person
                .nationalities
                .first()
                .map(ToString::to_string)
                .as_deref(),
            Some("KP")
        );
        assert_eq!(
            person.identifiers.first().map(|i| i.value()),
            Some("381310014")
        );
        assert_eq!(org.primary_name(), "KOREA MINING & CO");
        assert_eq!(org.schema, Schema::Organization);
        Ok(())
    }

    #[test]
    fn truncated_document_fails() -> Result<(), Box<dyn std::error::Error>> {
        let cut = SAMPLE.get(..SAMPLE.len() / 2).ok_or("cut")?;
        assert!(parse_un_xml(cut.as_bytes(), &SnapshotMeta::new(ListId::new("un_sc")?)).is_err());
        Ok(())
    }
}
