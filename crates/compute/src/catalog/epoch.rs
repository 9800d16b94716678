//! Reads Epoch AI's chip dataset (CSV, header-driven) into catalog entries.
//!
//! Columns taken, all dense figures (Epoch records peak rates without structured sparsity;
//! the built-in reference checks in `overrides.rs` catch a row that would say otherwise):
//! `Tensor-FP16/BF16 performance (FLOP/s)` (else `FP16 (half precision) performance (FLOP/s)`)
//! -> bf16, `FP8 performance (FLOP/s)` -> fp8, `TF32 (TensorFloat-32) performance (FLOP/s)` ->
//! tf32, `FP32 (single precision) performance (FLOP/s)` -> fp32, `INT8 performance (OP/s)` ->
//! int8. The `INT4/FP4`, `Max performance` and `Performance (OP/s)` columns are never read: they
//! mix formats and, for some chips, sparsity.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{CatalogError, PeakRate, RawEntry};
use crate::format::NumberFormat;

pub const NAME: &str = "Hardware name";
pub const MANUFACTURER: &str = "Manufacturer";
pub const KIND: &str = "Type";
pub const RELEASE_DATE: &str = "Release date";
pub const LAST_MODIFIED: &str = "Last modified";
pub const TENSOR_16BIT: &str = "Tensor-FP16/BF16 performance (FLOP/s)";
pub const FP16: &str = "FP16 (half precision) performance (FLOP/s)";
pub const FP8: &str = "FP8 performance (FLOP/s)";
pub const TF32: &str = "TF32 (TensorFloat-32) performance (FLOP/s)";
pub const FP32: &str = "FP32 (single precision) performance (FLOP/s)";
pub const INT8: &str = "INT8 performance (OP/s)";

/// The columns the product keeps when it bundles a reduced copy of the dataset.
pub const KEPT_COLUMNS: [&str; 11] = [
    NAME,
    MANUFACTURER,
    KIND,
    RELEASE_DATE,
    LAST_MODIFIED,
    TENSOR_16BIT,
    FP16,
    FP8,
    TF32,
    FP32,
    INT8,
];

/// Column -> format, in order of preference for the same format (tensor 16-bit before plain FP16).
const PEAK_COLUMNS: [(&str, NumberFormat); 6] = [
    (TENSOR_16BIT, NumberFormat::Bf16),
    (FP16, NumberFormat::Bf16),
    (FP8, NumberFormat::Fp8),
    (TF32, NumberFormat::Tf32),
    (FP32, NumberFormat::Fp32),
    (INT8, NumberFormat::Int8),
];

/// Parses the dataset. `dataset_label` names it in every peak's source, `snapshot` is the as-of
/// date of rows whose `Last modified` is missing or unreadable.
pub fn parse(
    text: &str,
    dataset_label: &str,
    snapshot: NaiveDate,
) -> Result<Vec<RawEntry>, CatalogError> {
    // Epoch's export starts with a UTF-8 byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CatalogError::Csv(e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let name_column = column(NAME).ok_or(CatalogError::MissingColumn(NAME))?;
    let peak_columns: Vec<(usize, &str, NumberFormat)> = PEAK_COLUMNS
        .iter()
        .filter_map(|(name, format)| column(name).map(|i| (i, *name, *format)))
        .collect();
    if peak_columns.is_empty() {
        return Err(CatalogError::MissingColumn(TENSOR_16BIT));
    }
    let (manufacturer, kind) = (column(MANUFACTURER), column(KIND));
    let (release, modified) = (column(RELEASE_DATE), column(LAST_MODIFIED));

    let mut entries: Vec<RawEntry> = Vec::new();
    for (row_index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CatalogError::Csv(e.to_string()))?;
        let field = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let Some(name) = field(Some(name_column)) else {
            continue;
        };
        let as_of = field(modified).and_then(parse_us_date).unwrap_or(snapshot);
        let mut peaks = BTreeMap::new();
        for (index, column_name, format) in &peak_columns {
            if peaks.contains_key(format) {
                continue;
            }
            let Some(raw) = field(Some(*index)) else {
                continue;
            };
            let ops_per_s = parse_rate(raw).ok_or_else(|| CatalogError::BadNumber {
                row: row_index + 2,
                column: (*column_name).to_owned(),
                value: raw.to_owned(),
            })?;
            let source = format!("{dataset_label}, row \"{name}\", column \"{column_name}\"");
            peaks.insert(*format, PeakRate::new(ops_per_s, source, as_of));
        }
        if peaks.is_empty() {
            continue;
        }
        entries.push(RawEntry {
            name: name.to_owned(),
            manufacturer: field(manufacturer).map(str::to_owned),
            kind: field(kind).map(str::to_owned),
            release_date: field(release)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            as_of,
            peaks,
        });
    }
    Ok(dedupe_latest(entries))
}

/// Epoch keeps a few names twice; the most recently modified row wins.
fn dedupe_latest(entries: Vec<RawEntry>) -> Vec<RawEntry> {
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept: Vec<RawEntry> = Vec::with_capacity(entries.len());
    for entry in entries {
        match by_name.get(&entry.name).copied() {
            Some(i) => {
                if let Some(existing) = kept.get_mut(i)
                    && (entry.as_of > existing.as_of
                        || (entry.as_of == existing.as_of
                            && entry.peaks.len() > existing.peaks.len()))
                {
                    *existing = entry;
                }
            }
            None => {
                by_name.insert(entry.name.clone(), kept.len());
                kept.push(entry);
            }
        }
    }
    kept
}

/// `11/14/2025 1:27pm` -> 2025-11-14.
fn parse_us_date(value: &str) -> Option<NaiveDate> {
    let date = value.split_whitespace().next()?;
    NaiveDate::parse_from_str(date, "%m/%d/%Y").ok()
}

/// A positive, finite rate that fits the integer representation (below 1e19 ops/s per chip).
pub fn parse_rate(raw: &str) -> Option<u64> {
    let value: f64 = raw.trim().parse().ok()?;
    rate_from_f64(value)
}

pub fn rate_from_f64(value: f64) -> Option<u64> {
    if !(1.0..1e19).contains(&value) {
        return None;
    }
    // In range by the check above, so the cast neither saturates nor wraps.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(value.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 11, 30).unwrap()
    }

    #[test]
    fn reads_dense_columns_and_prefers_tensor_16bit() {
        let csv = "\u{feff}Hardware name,Type,Tensor-FP16/BF16 performance (FLOP/s),FP16 (half precision) performance (FLOP/s),FP8 performance (FLOP/s),INT4/FP4 performance (OP/s),Last modified\n\
                   Chip A,GPU,989400000000000,60000000000000,,9000000000000000,11/14/2025 1:27pm\n\
                   Chip B,NPU,,376000000000000,,,\n\
                   No figures,CPU,,,,,\n";
        let entries = parse(csv, "test", snapshot()).unwrap();
        assert_eq!(entries.len(), 2);
        let a = &entries[0];
        assert_eq!(
            a.peaks[&NumberFormat::Bf16].ops_per_s(),
            989_400_000_000_000
        );
        assert!(!a.peaks.contains_key(&NumberFormat::Fp8));
        assert_eq!(a.as_of, NaiveDate::from_ymd_opt(2025, 11, 14).unwrap());
        assert!(
            a.peaks[&NumberFormat::Bf16]
                .source()
                .contains("Tensor-FP16/BF16")
        );
        let b = &entries[1];
        assert_eq!(
            b.peaks[&NumberFormat::Bf16].ops_per_s(),
            376_000_000_000_000
        );
        assert_eq!(b.as_of, snapshot());
    }

    #[test]
    fn rejects_garbage_numbers_with_the_cell() {
        let csv = "Hardware name,FP8 performance (FLOP/s)\nX,lots\n";
        let err = parse(csv, "test", snapshot()).unwrap_err();
        assert!(err.to_string().contains("lots"), "{err}");
        let csv = "Hardware name,FP8 performance (FLOP/s)\nX,-5\n";
        assert!(parse(csv, "test", snapshot()).is_err());
    }

    #[test]
    fn needs_the_name_column() {
        assert!(matches!(
            parse("Chip,FP8 performance (FLOP/s)\n", "t", snapshot()),
            Err(CatalogError::MissingColumn(NAME))
        ));
    }

    #[test]
    fn duplicate_names_keep_the_latest_row() {
        let csv = "Hardware name,FP8 performance (FLOP/s),Last modified\n\
                   X,100,1/1/2025 1:00pm\nX,200,2/1/2025 1:00pm\nX,300,1/15/2025 1:00pm\n";
        let entries = parse(csv, "t", snapshot()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].peaks[&NumberFormat::Fp8].ops_per_s(), 200);
    }
}
