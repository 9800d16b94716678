//! The default offline lists compiled into the binary (feature `bundled-lists`), so a fresh
//! installation screens before its first successful download, and the default rarity table
//! derived from them for scoring free pairs.

use std::sync::LazyLock;

use crate::score::Rarity;

#[cfg(feature = "bundled-lists")]
mod lists {
    use chrono::NaiveDate;

    use crate::model::{ListId, ListSnapshot, SnapshotMeta};
    use crate::parse::{OfacFiles, ParseError, parse_csl_csv, parse_dpl, parse_ofac, parse_un_xml};

    const SDN: OfacFiles<'static> = OfacFiles {
        primary: include_bytes!("../../../data/lists/ofac_sdn_2021-07/sdn.csv"),
        addresses: Some(include_bytes!(
            "../../../data/lists/ofac_sdn_2021-07/add.csv"
        )),
        aliases: Some(include_bytes!(
            "../../../data/lists/ofac_sdn_2021-07/alt.csv"
        )),
        comments: Some(include_bytes!(
            "../../../data/lists/ofac_sdn_2021-07/sdn_comments.csv"
        )),
    };
    const CONS: OfacFiles<'static> = OfacFiles {
        primary: include_bytes!("../../../data/lists/ofac_cons_nonsdn_2025-12/cons_prim.csv"),
        addresses: Some(include_bytes!(
            "../../../data/lists/ofac_cons_nonsdn_2025-12/cons_add.csv"
        )),
        aliases: Some(include_bytes!(
            "../../../data/lists/ofac_cons_nonsdn_2025-12/cons_alt.csv"
        )),
        comments: Some(include_bytes!(
            "../../../data/lists/ofac_cons_nonsdn_2025-12/cons_comments.csv"
        )),
    };
    const UN: &[u8] = include_bytes!("../../../data/lists/un/UN_consolidated_2026-02-27.xml");
    const DPL: &[u8] = include_bytes!("../../../data/lists/bis_dpl/dpl_2022-09.txt");
    const CSL_2025: &[u8] = include_bytes!("../../../data/lists/csl/consolidated_sample_2025.csv");
    const CSL_2019: &[u8] = include_bytes!("../../../data/lists/csl/csl_sample_2019.csv");

    fn meta(id: &str, year: i32, month: u32) -> Result<SnapshotMeta, ParseError> {
        let list = ListId::new(id).map_err(|e| ParseError::malformed("bundled", e.to_string()))?;
        let mut meta = SnapshotMeta::new(list);
        // The legacy files carry no date; the month of the bundled copy stands in for it.
        meta.published = NaiveDate::from_ymd_opt(year, month, 1);
        Ok(meta)
    }

    /// Parses every bundled list. Ids: `ofac_sdn`, `ofac_cons`, `un_sc`, `bis_dpl`, `csl`,
    /// `csl_2019`.
    pub fn default_snapshots() -> Result<Vec<ListSnapshot>, ParseError> {
        Ok(vec![
            parse_ofac(&SDN, &meta("ofac_sdn", 2021, 7)?)?,
            parse_ofac(&CONS, &meta("ofac_cons", 2025, 12)?)?,
            parse_un_xml(UN, &meta("un_sc", 2026, 2)?)?,
            parse_dpl(DPL, &meta("bis_dpl", 2022, 9)?)?,
            parse_csl_csv(CSL_2025, &meta("csl", 2025, 1)?)?,
            parse_csl_csv(CSL_2019, &meta("csl_2019", 2019, 1)?)?,
        ])
    }
}

#[cfg(feature = "bundled-lists")]
pub use lists::default_snapshots;

static DEFAULT_RARITY: LazyLock<Rarity> = LazyLock::new(|| {
    #[cfg(feature = "bundled-lists")]
    {
        lists::default_snapshots()
            .map(|s| Rarity::from_snapshots(&s))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "bundled-lists"))]
    {
        Rarity::default()
    }
});

/// Rarity weights from the bundled lists (empty, so every token weighs alike, without the
/// `bundled-lists` feature). Built on first use, in about a tenth of a second.
pub fn default_rarity() -> &'static Rarity {
    &DEFAULT_RARITY
}
