//! Parsers: bytes in, a [`ListSnapshot`] or a [`ParseError`] out. No I/O, no panics.

mod csl;
mod custom_csv;
mod dpl;
mod error;
mod ftm;
mod ofac;
mod ofac_remarks;
pub(crate) mod text;
mod un;

pub use csl::{parse_csl_csv, parse_csl_json};
pub use custom_csv::{CustomCsvMapping, IdColumn, parse_custom_csv};
pub use dpl::parse_dpl;
pub use error::ParseError;
pub use ftm::parse_ftm_jsonl;
pub use ofac::{OfacFiles, parse_ofac};
pub use un::parse_un_xml;

use serde::{Deserialize, Serialize};

use crate::model::{ListSnapshot, SnapshotMeta};

/// The formats a configured list can have, so list configuration can name one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum ListFormat {
    /// OFAC legacy CSV; give all four files as [`ListBytes::Ofac`].
    OfacCsv,
    UnXml,
    CslCsv,
    CslJson,
    DplTsv,
    FtmJsonl,
    CustomCsv {
        mapping: Box<CustomCsvMapping>,
    },
}

/// The downloaded bytes of one list: one file, or OFAC's four.
#[derive(Debug, Clone, Copy)]
pub enum ListBytes<'a> {
    Single(&'a [u8]),
    Ofac(OfacFiles<'a>),
}

impl ListFormat {
    /// Parses with this format. OFAC accepts a single file as the primary file alone.
    pub fn parse(
        &self,
        bytes: ListBytes<'_>,
        meta: &SnapshotMeta,
    ) -> Result<ListSnapshot, ParseError> {
        let single = match bytes {
            ListBytes::Single(b) => b,
            ListBytes::Ofac(files) => {
                return match self {
                    ListFormat::OfacCsv => parse_ofac(&files, meta),
                    _ => Err(ParseError::malformed(
                        "list",
                        "several files were given for a single-file format",
                    )),
                };
            }
        };
        match self {
            ListFormat::OfacCsv => parse_ofac(&OfacFiles::primary_only(single), meta),
            ListFormat::UnXml => parse_un_xml(single, meta),
            ListFormat::CslCsv => parse_csl_csv(single, meta),
            ListFormat::CslJson => parse_csl_json(single, meta),
            ListFormat::DplTsv => parse_dpl(single, meta),
            ListFormat::FtmJsonl => parse_ftm_jsonl(single, meta),
            ListFormat::CustomCsv { mapping } => parse_custom_csv(single, mapping, meta),
        }
    }
}
