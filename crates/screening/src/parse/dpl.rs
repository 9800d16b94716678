//! The BIS Denied Persons List: tab-separated, every field quoted, one header row.

use chrono::NaiveDate;

use crate::model::{ContentHash, Entity, ListSnapshot, NameKind, Schema, SnapshotMeta};

use super::ParseError;
use super::text::{country, decode, derived_id};

const FORMAT: &str = "bis-dpl-tsv";

pub fn parse_dpl(bytes: &[u8], meta: &SnapshotMeta) -> Result<ListSnapshot, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| ParseError::malformed(FORMAT, e.to_string()))?
        .iter()
        .map(|h| decode(h).trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(ParseError::MissingColumn {
                format: FORMAT,
                column: name.to_owned(),
            })
    };
    let name = column("Name")?;
    let street = column("Street_Address")?;
    let city = column("City")?;
    let state = column("State")?;
    let country_col = column("Country")?;
    let postal = column("Postal_Code")?;
    let effective = column("Effective_Date")?;
    let updated = column("Last_Update")?;
    let mut entities = Vec::new();
    let mut latest_update: Option<NaiveDate> = None;
    let mut record = csv::ByteRecord::new();
    let mut row_no = 1u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => row_no += 1,
            Err(e) => return Err(ParseError::record(FORMAT, row_no + 1, e.to_string())),
        }
        let get = |col: usize| record.get(col).map(decode).unwrap_or_default();
        let row_name = get(name);
        if row_name.trim().is_empty() {
            continue;
        }
        // The list says nothing about whether a row is a person or a company.
        let mut entity = Entity::new(
            derived_id(&[row_name.trim(), get(street).trim(), get(effective).trim()]),
            Schema::Unknown,
        );
        entity.add_name(&row_name, NameKind::Primary);
        entity.add_program("DPL");
        let address: Vec<String> = [street, city, state, postal, country_col]
            .iter()
            .map(|&c| get(c))
            .filter(|s| !s.trim().is_empty())
            .collect();
        entity.add_address(&address.join(", "));
        if let Some(code) = country(&get(country_col)) {
            entity.add_country(code);
        }
        if let Ok(date) = NaiveDate::parse_from_str(get(updated).trim(), "%Y-%m-%d") {
            latest_update = latest_update.max(Some(date));
        }
        entities.push(entity);
    }
    if entities.is_empty() {
        return Err(ParseError::Empty { format: FORMAT });
    }
    // The file has no publication date; its newest row update is the best lower bound.
    Ok(ListSnapshot::new(
        meta,
        ContentHash::of(bytes),
        latest_update,
        entities,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListId;

    #[test]
    fn reads_rows_and_fails_on_wrong_header() -> Result<(), Box<dyn std::error::Error>> {
        let tsv = "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\t\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t\"FR_Citation\"\n\
                   \"AARON ABRAHAM VILLA\"\t\"3415 RIVERA AVENUE\"\t\"EL PASO\"\t\"TX\"\t\"US\"\t\"79905\"\t\"08/24/2022\"\t\"01/14/2026\"\t\"Y\"\t\"2022-08-29\"\t\"F.R. NOTICE ADDED\"\t\"87 F.R. 52741\"\n";
        let meta = SnapshotMeta::new(ListId::new("bis_dpl")?);
        let snap = parse_dpl(tsv.as_bytes(), &meta)?;
        assert_eq!(snap.entity_count(), 1);
        assert_eq!(snap.published(), NaiveDate::from_ymd_opt(2022, 8, 29));
        assert_eq!(
            snap.entities().first().map(|e| e.primary_name()),
            Some("AARON ABRAHAM VILLA")
        );
        assert!(matches!(
            parse_dpl(b"\"Nom\"\n\"x\"\n", &meta),
            Err(ParseError::MissingColumn { .. })
        ));
        Ok(())
    }
}
