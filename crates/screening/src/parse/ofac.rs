//! OFAC's legacy CSV format (SDN and the consolidated non-SDN list): four header-less files
//! joined on the entry number, `-0-` for empty fields.

use rustc_hash::FxHashMap;

use crate::model::{ContentHash, Entity, ListSnapshot, NameKind, Schema, SnapshotMeta};

use super::ParseError;
use super::ofac_remarks::apply_remarks;
use super::text::{country, decode, non_empty};

const FORMAT: &str = "ofac-csv";

/// The four files of one OFAC legacy-CSV publication. Only the primary file is required; OFAC
/// publishes the others alongside (`add.csv`, `alt.csv`, `sdn_comments.csv`, or their `cons_`
/// counterparts).
#[derive(Debug, Clone, Copy)]
pub struct OfacFiles<'a> {
    pub primary: &'a [u8],
    pub addresses: Option<&'a [u8]>,
    pub aliases: Option<&'a [u8]>,
    pub comments: Option<&'a [u8]>,
}

impl<'a> OfacFiles<'a> {
    pub fn primary_only(primary: &'a [u8]) -> Self {
        OfacFiles {
            primary,
            addresses: None,
            aliases: None,
            comments: None,
        }
    }

    fn hash(&self) -> ContentHash {
        let empty: &[u8] = &[];
        ContentHash::of_parts(&[
            self.primary,
            self.addresses.unwrap_or(empty),
            self.aliases.unwrap_or(empty),
            self.comments.unwrap_or(empty),
        ])
    }
}

pub fn parse_ofac(files: &OfacFiles<'_>, meta: &SnapshotMeta) -> Result<ListSnapshot, ParseError> {
    let comments = match files.comments {
        Some(bytes) => read_comments(bytes)?,
        None => FxHashMap::default(),
    };
    let mut entities = Vec::new();
    let mut position: FxHashMap<String, usize> = FxHashMap::default();
    for_each_row(files.primary, 12, |row_no, row| {
        let id = field(row, 0);
        let name = field(row, 1);
        let (Some(id), Some(name)) = (non_empty(&id), non_empty(&name)) else {
            return Err(ParseError::record(
                FORMAT,
                row_no,
                "entry without number or name",
            ));
        };
        let schema = match non_empty(&field(row, 2)) {
            Some(kind) => Schema::from_label(kind),
            // OFAC leaves the type empty for entities.
            None => Schema::Organization,
        };
        let mut entity = Entity::new(id, schema);
        entity.add_name(name, NameKind::Primary);
        if let Some(programs) = non_empty(&field(row, 3)) {
            for program in programs.split("] [") {
                entity.add_program(program.trim_matches(['[', ']', ' ']));
            }
        }
        if let Some(flag) = non_empty(&field(row, 9)).and_then(country) {
            entity.add_country(flag);
        }
        let mut remarks = non_empty(&field(row, 11)).unwrap_or_default().to_owned();
        if let Some(rest) = comments.get(id) {
            // The primary file truncates long remarks; the comments file holds the rest.
            remarks.push_str(rest);
        }
        apply_remarks(&mut entity, &remarks);
        position.insert(entity.id.clone(), entities.len());
        entities.push(entity);
        Ok(())
    })?;
    if entities.is_empty() {
        return Err(ParseError::Empty { format: FORMAT });
    }
    if let Some(bytes) = files.aliases {
        for_each_row(bytes, 5, |row_no, row| {
            let entity = lookup(&mut entities, &position, &field(row, 0), row_no)?;
            if let Some(name) = non_empty(&field(row, 3)) {
                entity.add_name(name, NameKind::Alias);
            }
            Ok(())
        })?;
    }
    if let Some(bytes) = files.addresses {
        for_each_row(bytes, 6, |row_no, row| {
            let entity = lookup(&mut entities, &position, &field(row, 0), row_no)?;
            let parts: Vec<String> = [2, 3, 4]
                .iter()
                .filter_map(|&i| non_empty(&field(row, i)).map(str::to_owned))
                .collect();
            if !parts.is_empty() {
                entity.add_address(&parts.join(", "));
            }
            if let Some(code) = non_empty(&field(row, 4)).and_then(country) {
                entity.add_country(code);
            }
            Ok(())
        })?;
    }
    Ok(ListSnapshot::new(meta, files.hash(), None, entities))
}

fn lookup<'e>(
    entities: &'e mut [Entity],
    position: &FxHashMap<String, usize>,
    id: &str,
    row_no: u64,
) -> Result<&'e mut Entity, ParseError> {
    position
        .get(id.trim())
        .and_then(|&i| entities.get_mut(i))
        .ok_or_else(|| {
            ParseError::record(
                FORMAT,
                row_no,
                format!("refers to unknown entry {:?}", id.trim()),
            )
        })
}

fn read_comments(bytes: &[u8]) -> Result<FxHashMap<String, String>, ParseError> {
    let mut comments = FxHashMap::default();
    for_each_row(bytes, 2, |_, row| {
        if let Some(text) = non_empty(&field(row, 1)) {
            comments.insert(field(row, 0).trim().to_owned(), text.to_owned());
        }
        Ok(())
    })?;
    Ok(comments)
}

fn field(row: &csv::ByteRecord, index: usize) -> String {
    row.get(index).map(decode).unwrap_or_default()
}

/// Walks a header-less CSV, insisting on the column count: a truncated download shows up as a
/// short last row and must fail rather than load a partial list.
fn for_each_row(
    bytes: &[u8],
    columns: usize,
    mut visit: impl FnMut(u64, &csv::ByteRecord) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut row = csv::ByteRecord::new();
    let mut row_no = 0u64;
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                row_no += 1;
                // OFAC ends its files with a lone 0x1A (DOS end-of-file) on some publications.
                if row.len() == 1
                    && row
                        .get(0)
                        .is_some_and(|f| f.iter().all(|b| b.is_ascii_whitespace() || *b == 0x1a))
                {
                    continue;
                }
                if row.len() != columns {
                    return Err(ParseError::record(
                        FORMAT,
                        row_no,
                        format!(
                            "expected {columns} columns, found {} (truncated or not an OFAC file?)",
                            row.len()
                        ),
                    ));
                }
                visit(row_no, &row)?;
            }
            Err(e) => return Err(ParseError::record(FORMAT, row_no + 1, e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListId;

    fn meta() -> Result<SnapshotMeta, crate::model::InvalidListId> {
        Ok(SnapshotMeta::new(ListId::new("ofac_sdn")?))
    }

    #[test]
    fn joins_the_four_files() -> Result<(), Box<dyn std::error::Error>> {
        let files = OfacFiles {
            primary: b"306,\"BANCO NACIONAL DE CUBA\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'BNC'.\"\n",
            addresses: Some(b"306,199,\"Zweierstrasse 35\",\"Zurich CH-8022\",\"Switzerland\",-0- \n"),
            aliases: Some(b"306,220,\"aka\",\"NATIONAL BANK OF CUBA\",-0- \n"),
            comments: None,
        };
        let snap = parse_ofac(&files, &meta()?)?;
        let e = snap.entities().first().ok_or("no entity")?;
        assert_eq!(e.schema, Schema::Organization);
        let names: Vec<(&str, NameKind)> =
            e.names.iter().map(|n| (n.text.as_str(), n.kind)).collect();
        assert_eq!(
            names,
            [
                ("BANCO NACIONAL DE CUBA", NameKind::Primary),
                ("BNC", NameKind::WeakAlias),
                ("NATIONAL BANK OF CUBA", NameKind::Alias)
            ]
        );
        assert_eq!(
            e.countries
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["CH"]
        );
        assert_eq!(e.programs, ["CUBA"]);
        Ok(())
    }

    #[test]
    fn truncated_rows_and_orphans_fail_closed() -> Result<(), Box<dyn std::error::Error>> {
        let truncated = OfacFiles::primary_only(b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\"\n");
        assert!(matches!(
            parse_ofac(&truncated, &meta()?),
            Err(ParseError::Record { .. })
        ));
        let orphan = OfacFiles {
            aliases: Some(b"999,1,\"aka\",\"X\",-0- \n"),
            ..OfacFiles::primary_only(
                b"36,\"A\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n",
            )
        };
        assert!(parse_ofac(&orphan, &meta()?).is_err());
        assert!(matches!(
            parse_ofac(&OfacFiles::primary_only(b""), &meta()?),
            Err(ParseError::Empty { .. })
        ));
        Ok(())
    }
}
