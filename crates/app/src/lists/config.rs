//! List sources as configured: one entry per list (format and publication URL), the update
//! interval, and the limits a download must pass before it replaces the list in force.

use std::collections::BTreeMap;

use cloudkyc_screening::ListFormat;
use serde::{Deserialize, Serialize};

use crate::{AppError, AppResult};

const OFAC_EXPORTS: &str =
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports";

/// The `[lists]` configuration section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ListsConfig {
    /// Seconds between scheduled updates (`lists.update` job); 0 turns the schedule off.
    pub update_interval_secs: u64,
    /// A download with fewer entities than this fraction below the list in force is refused
    /// (0.5: losing more than half the entries is a broken publication, not a delisting).
    pub max_entity_drop: f64,
    /// A download larger than this is refused.
    pub max_download_bytes: u64,
    /// Per request.
    pub download_timeout_secs: u64,
    /// One entry per list id.
    pub sources: BTreeMap<String, ListSourceConfig>,
}

/// Where one list is published.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ListSourceConfig {
    /// `ofac_csv`, `un_xml`, `csl_csv`, `csl_json`, `dpl_tsv`, `ftm_jsonl`, or a JSON object
    /// (`{"format": "custom_csv", "mapping": {...}}`).
    pub format: String,
    /// The file (OFAC: the primary file); empty: never downloaded.
    pub url: String,
    /// OFAC only: the addresses, aliases and comments files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_url: Option<String>,
}

impl Default for ListsConfig {
    /// The official publication URLs of every bundled list that is still published.
    fn default() -> Self {
        let ofac = |prim: &str, add: &str, alt: &str, comments: &str| ListSourceConfig {
            format: "ofac_csv".to_owned(),
            url: format!("{OFAC_EXPORTS}/{prim}"),
            addresses_url: Some(format!("{OFAC_EXPORTS}/{add}")),
            aliases_url: Some(format!("{OFAC_EXPORTS}/{alt}")),
            comments_url: Some(format!("{OFAC_EXPORTS}/{comments}")),
        };
        let single = |format: &str, url: &str| ListSourceConfig {
            format: format.to_owned(),
            url: url.to_owned(),
            addresses_url: None,
            aliases_url: None,
            comments_url: None,
        };
        let sources = BTreeMap::from([
            (
                "ofac_sdn".to_owned(),
                ofac("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"),
            ),
            (
                "ofac_cons".to_owned(),
                ofac(
                    "CONS_PRIM.CSV",
                    "CONS_ADD.CSV",
                    "CONS_ALT.CSV",
                    "CONS_COMMENTS.CSV",
                ),
            ),
            (
                "un_sc".to_owned(),
                single(
                    "un_xml",
                    "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
                ),
            ),
            (
                "bis_dpl".to_owned(),
                single("dpl_tsv", "https://www.bis.doc.gov/dpl/dpl.txt"),
            ),
            (
                "csl".to_owned(),
                single(
                    "csl_csv",
                    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
                ),
            ),
        ]);
        Self {
            update_interval_secs: 86_400,
            ..Self::none()
        }
        .with_sources(sources)
    }
}

impl ListsConfig {
    /// No source at all (an app built without configuration downloads nothing).
    pub fn none() -> Self {
        Self {
            update_interval_secs: 86_400,
            max_entity_drop: 0.5,
            max_download_bytes: 256 * 1024 * 1024,
            download_timeout_secs: 300,
            sources: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn with_sources(mut self, sources: BTreeMap<String, ListSourceConfig>) -> Self {
        self.sources = sources;
        self
    }

    /// The sources that are downloaded (a URL is set), by list id.
    pub fn downloadable(&self) -> impl Iterator<Item = (&String, &ListSourceConfig)> {
        self.sources
            .iter()
            .filter(|(_, s)| !s.url.trim().is_empty())
    }
}

/// A format named in configuration or on the command line: a bare name or a JSON object.
pub fn parse_format(text: &str) -> AppResult<ListFormat> {
    let text = text.trim();
    let json = if text.starts_with('{') {
        text.to_owned()
    } else {
        serde_json::json!({ "format": text }).to_string()
    };
    serde_json::from_str(&json).map_err(|e| {
        AppError::invalid(
            "/format",
            format!(
                "{e}; expected ofac_csv, un_xml, csl_csv, csl_json, dpl_tsv, ftm_jsonl or a \
                 custom_csv object"
            ),
        )
    })
}

/// The stored text of a format: its bare name, or the JSON object when it carries a mapping.
pub fn format_name(format: &ListFormat) -> String {
    let value = serde_json::to_value(format).unwrap_or_default();
    match value.as_object() {
        Some(o) if o.len() == 1 => o
            .get("format")
            .and_then(|f| f.as_str())
            .map_or_else(|| value.to_string(), str::to_owned),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_back_from_their_stored_name() {
        for name in [
            "ofac_csv",
            "un_xml",
            "csl_csv",
            "csl_json",
            "dpl_tsv",
            "ftm_jsonl",
        ] {
            let format = parse_format(name).unwrap();
            assert_eq!(format_name(&format), name);
        }
        let custom = r#"{"format":"custom_csv","mapping":{"name_column":"full_name"}}"#;
        let format = parse_format(custom).unwrap();
        assert_eq!(parse_format(&format_name(&format)).unwrap(), format);
        assert!(parse_format("pdf").is_err());
    }

    #[test]
    fn the_default_sources_are_the_official_publications() {
        let config = ListsConfig::default();
        let ids: Vec<&str> = config.downloadable().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["bis_dpl", "csl", "ofac_cons", "ofac_sdn", "un_sc"]);
        for source in config.sources.values() {
            parse_format(&source.format).unwrap();
            assert!(source.url.starts_with("https://"), "{}", source.url);
        }
        assert!(ListsConfig::none().sources.is_empty());
    }
}
