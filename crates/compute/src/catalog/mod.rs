//! The accelerator catalog: dense peak per number format, with a source and an as-of date.

mod epoch;
mod names;
mod overrides;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use epoch::{KEPT_COLUMNS as EPOCH_KEPT_COLUMNS, parse_rate};
pub use names::key as name_key;
pub use overrides::{FAMILY_DEFAULTS, vendor_overrides};

use crate::format::NumberFormat;

/// The reduced Epoch AI dataset the product ships (see data/compute/NOTICE).
const BUNDLED_CHIPS: &str =
    include_str!("../../../../data/compute/chip_dataset_2025-11.reduced.csv");
const BUNDLED_LABEL: &str = "Epoch AI, Machine Learning Hardware dataset, 2025-11 snapshot";
const BUNDLED_SNAPSHOT: (i32, u32, u32) = (2025, 11, 30);

/// One dense peak rate and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeakRate {
    ops_per_s: u64,
    source: String,
    as_of: NaiveDate,
}

impl PeakRate {
    pub fn new(ops_per_s: u64, source: String, as_of: NaiveDate) -> Self {
        Self {
            ops_per_s,
            source,
            as_of,
        }
    }

    /// Dense operations per second per chip (an FMA counts two).
    pub fn ops_per_s(&self) -> u64 {
        self.ops_per_s
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }
}

/// A catalog row before indexing.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub name: String,
    pub manufacturer: Option<String>,
    pub kind: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub as_of: NaiveDate,
    pub peaks: BTreeMap<NumberFormat, PeakRate>,
}

/// One accelerator model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accelerator {
    name: String,
    manufacturer: Option<String>,
    kind: Option<String>,
    release_date: Option<NaiveDate>,
    peaks: BTreeMap<NumberFormat, PeakRate>,
    aliases: Vec<String>,
}

/// The peaks the estimator needs, in dense ops/s per chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrainingPeaks {
    /// The 16-bit tensor rate, or for chips without one the best of TF32/FP32.
    pub sixteen_bit: u64,
    /// Which format `sixteen_bit` really is (`bf16` unless the chip lacks a 16-bit figure).
    pub sixteen_bit_format: NumberFormat,
    pub fp8: Option<u64>,
}

impl TrainingPeaks {
    /// The highest dense training-format rate: FP8 where supported (and faster), else 16-bit.
    pub fn max(&self) -> (NumberFormat, u64) {
        match self.fp8 {
            Some(fp8) if fp8 > self.sixteen_bit => (NumberFormat::Fp8, fp8),
            _ => (self.sixteen_bit_format, self.sixteen_bit),
        }
    }
}

impl Accelerator {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn manufacturer(&self) -> Option<&str> {
        self.manufacturer.as_deref()
    }

    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    pub fn release_date(&self) -> Option<NaiveDate> {
        self.release_date
    }

    pub fn aliases(&self) -> &[String] {
        &self.aliases
    }

    pub fn peaks(&self) -> &BTreeMap<NumberFormat, PeakRate> {
        &self.peaks
    }

    pub fn peak(&self, format: NumberFormat) -> Option<&PeakRate> {
        self.peaks.get(&format)
    }

    /// `None` when the chip has no training-format figure at all (only INT8, or nothing).
    pub fn training_peaks(&self) -> Option<TrainingPeaks> {
        let rate = |f| self.peak(f).map(PeakRate::ops_per_s);
        let (sixteen_bit_format, sixteen_bit) = match rate(NumberFormat::Bf16) {
            Some(r) => (NumberFormat::Bf16, r),
            None => [NumberFormat::Tf32, NumberFormat::Fp32]
                .into_iter()
                .filter_map(|f| rate(f).map(|r| (f, r)))
                .max_by_key(|(_, r)| *r)
                .or_else(|| rate(NumberFormat::Fp8).map(|r| (NumberFormat::Fp8, r)))?,
        };
        Some(TrainingPeaks {
            sixteen_bit,
            sixteen_bit_format,
            fp8: rate(NumberFormat::Fp8),
        })
    }
}

/// Index of an accelerator in the catalog that handed it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcceleratorId(u32);

impl AcceleratorId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Entries a provider adds or corrects through configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogExtension {
    #[serde(default)]
    pub accelerators: Vec<ExtraAccelerator>,
}

/// One added or corrected accelerator. A `name` that matches an existing entry exactly patches
/// the formats it lists; any other name creates an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraAccelerator {
    pub name: String,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where the figures come from (datasheet, contract annex...).
    #[serde(default)]
    pub source: String,
    pub as_of: NaiveDate,
    /// Dense TFLOP/s (TOP/s for int8) per format. Never the sparsity figure.
    #[serde(default)]
    pub peak_tflops: BTreeMap<NumberFormat, f64>,
    /// Per-format sources that override `source`.
    #[serde(default)]
    pub sources: BTreeMap<NumberFormat, String>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CatalogError {
    #[error("chip dataset is not valid CSV: {0}")]
    Csv(String),
    #[error("chip dataset lacks the column {0:?}")]
    MissingColumn(&'static str),
    #[error(
        "chip dataset row {row}, column {column:?}: {value:?} is not a positive rate below 1e19"
    )]
    BadNumber {
        row: usize,
        column: String,
        value: String,
    },
    #[error("catalog extension entry {name:?}: {reason}")]
    BadExtension { name: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResolveError {
    #[error("unknown accelerator {query:?}; closest catalog names: {}", suggestions.join(", "))]
    Unknown {
        query: String,
        suggestions: Vec<String>,
    },
    #[error("accelerator {query:?} is ambiguous; it matches: {}", candidates.join(", "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
    #[error(
        "accelerator {name:?} has no dense 16-bit, TF32, FP32 or FP8 peak in the catalog; add one through the catalog extension"
    )]
    NoTrainingPeak { name: String },
}

/// The catalog, indexed for forgiving lookup.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<Accelerator>,
    tokens: Vec<Vec<Vec<String>>>,
    keys: HashMap<String, usize>,
    /// Names and aliases exactly as written: the common case skips tokenising.
    verbatim: HashMap<String, usize>,
}

fn date(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or(NaiveDate::MIN)
}

impl Catalog {
    /// The shipped catalog: the bundled Epoch AI rows plus the vendor overrides.
    pub fn bundled() -> Result<Self, CatalogError> {
        Self::from_epoch_csv(BUNDLED_CHIPS, BUNDLED_LABEL, date(BUNDLED_SNAPSHOT))
    }

    /// Builds a catalog from Epoch AI's chip CSV (full or reduced) and applies the vendor
    /// overrides. `snapshot` dates rows without a readable `Last modified`.
    pub fn from_epoch_csv(
        text: &str,
        dataset_label: &str,
        snapshot: NaiveDate,
    ) -> Result<Self, CatalogError> {
        let raw = epoch::parse(text, dataset_label, snapshot)?;
        let entries = raw
            .into_iter()
            .map(|r| Accelerator {
                name: r.name,
                manufacturer: r.manufacturer,
                kind: r.kind,
                release_date: r.release_date,
                peaks: r.peaks,
                aliases: Vec::new(),
            })
            .collect();
        let mut catalog = Self {
            entries,
            tokens: Vec::new(),
            keys: HashMap::new(),
            verbatim: HashMap::new(),
        };
        catalog.reindex();
        catalog.extend(&vendor_overrides())?;
        for (alias, target) in FAMILY_DEFAULTS {
            if let Some(&index) = catalog.keys.get(&names::key(target)) {
                catalog.add_alias(index, alias);
            }
        }
        Ok(catalog)
    }

    /// Adds or patches entries from configuration.
    pub fn extend(&mut self, extension: &CatalogExtension) -> Result<(), CatalogError> {
        for extra in &extension.accelerators {
            let bad = |reason: String| CatalogError::BadExtension {
                name: extra.name.clone(),
                reason,
            };
            let key = names::key(&extra.name);
            if key.is_empty() {
                return Err(bad("the name has no letters or digits".into()));
            }
            let mut peaks = BTreeMap::new();
            for (format, tflops) in &extra.peak_tflops {
                let rate = epoch::rate_from_f64(tflops * 1e12).ok_or_else(|| {
                    bad(format!(
                        "{format} peak {tflops} TFLOP/s is not a positive finite rate"
                    ))
                })?;
                let source = extra.sources.get(format).unwrap_or(&extra.source).clone();
                if source.trim().is_empty() {
                    return Err(bad(format!("{format} peak has no source")));
                }
                peaks.insert(*format, PeakRate::new(rate, source, extra.as_of));
            }
            let index = match self.keys.get(&key).copied() {
                Some(index) => index,
                None => {
                    let probe = Accelerator {
                        name: extra.name.clone(),
                        manufacturer: None,
                        kind: None,
                        release_date: None,
                        peaks: peaks.clone(),
                        aliases: Vec::new(),
                    };
                    if probe.training_peaks().is_none() {
                        return Err(bad(
                            "a new entry needs a bf16, tf32, fp32 or fp8 peak".into()
                        ));
                    }
                    self.entries.push(Accelerator {
                        name: extra.name.clone(),
                        manufacturer: extra.manufacturer.clone(),
                        kind: None,
                        release_date: None,
                        peaks: BTreeMap::new(),
                        aliases: Vec::new(),
                    });
                    self.reindex();
                    self.entries.len() - 1
                }
            };
            if let Some(entry) = self.entries.get_mut(index) {
                entry.peaks.extend(peaks);
                if entry.training_peaks().is_none() {
                    return Err(bad(
                        "no dense training-format peak (bf16, tf32, fp32 or fp8)".into(),
                    ));
                }
            }
            for alias in &extra.aliases {
                match self.keys.get(&names::key(alias)).copied() {
                    Some(other) if other != index => {
                        return Err(bad(format!(
                            "alias {alias:?} already names another accelerator"
                        )));
                    }
                    _ => self.add_alias(index, alias),
                }
            }
        }
        Ok(())
    }

    fn add_alias(&mut self, index: usize, alias: &str) {
        let key = names::key(alias);
        if key.is_empty() || self.keys.contains_key(&key) {
            return;
        }
        if let (Some(entry), Some(tokens)) =
            (self.entries.get_mut(index), self.tokens.get_mut(index))
        {
            entry.aliases.push(alias.to_owned());
            tokens.push(names::tokens(alias));
            self.keys.insert(key, index);
            self.verbatim.entry(alias.to_owned()).or_insert(index);
        }
    }

    fn reindex(&mut self) {
        self.tokens.clear();
        self.keys.clear();
        self.verbatim.clear();
        for (index, entry) in self.entries.iter().enumerate() {
            self.verbatim.entry(entry.name.clone()).or_insert(index);
            for alias in &entry.aliases {
                self.verbatim.entry(alias.clone()).or_insert(index);
            }
            let mut sets = vec![names::tokens(&entry.name)];
            sets.extend(entry.aliases.iter().map(|a| names::tokens(a)));
            for set in &sets {
                self.keys.entry(set.join(" ")).or_insert(index);
            }
            self.tokens.push(sets);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Accelerator> {
        self.entries.iter()
    }

    pub fn get(&self, id: AcceleratorId) -> Option<&Accelerator> {
        self.entries.get(id.index())
    }

    pub fn training_peaks(&self, id: AcceleratorId) -> Option<TrainingPeaks> {
        self.get(id).and_then(Accelerator::training_peaks)
    }

    /// Finds an accelerator by any reasonable spelling of its name.
    pub fn resolve(&self, query: &str) -> Result<AcceleratorId, ResolveError> {
        if let Some(&index) = self.verbatim.get(query) {
            return self.usable(index);
        }
        let query_tokens = names::tokens(query);
        if let Some(&index) = self.keys.get(&query_tokens.join(" ")) {
            return self.usable(index);
        }
        let matches: Vec<usize> = (0..self.entries.len())
            .filter(|&i| {
                self.token_sets(i)
                    .iter()
                    .any(|s| names::is_token_subset(&query_tokens, s))
            })
            .collect();
        if query_tokens.is_empty() || matches.is_empty() {
            return Err(ResolveError::Unknown {
                query: query.to_owned(),
                suggestions: self.suggest(query),
            });
        }
        let usable: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|&i| self.usable(i).is_ok())
            .collect();
        let pool = if usable.is_empty() { matches } else { usable };
        if let [only] = pool.as_slice() {
            return self.usable(*only);
        }
        let exact: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| {
                self.token_sets(i)
                    .iter()
                    .any(|s| names::same_token_set(&query_tokens, s))
            })
            .collect();
        if let [only] = exact.as_slice() {
            return self.usable(*only);
        }
        let mut candidates: Vec<String> = pool.iter().map(|&i| self.name_of(i)).collect();
        candidates.sort();
        candidates.truncate(12);
        Err(ResolveError::Ambiguous {
            query: query.to_owned(),
            candidates,
        })
    }

    fn token_sets(&self, index: usize) -> &[Vec<String>] {
        self.tokens
            .get(index)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn name_of(&self, index: usize) -> String {
        self.entries
            .get(index)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    }

    fn usable(&self, index: usize) -> Result<AcceleratorId, ResolveError> {
        let entry = self.entries.get(index);
        match (
            entry.and_then(Accelerator::training_peaks),
            u32::try_from(index),
        ) {
            (Some(_), Ok(i)) => Ok(AcceleratorId(i)),
            _ => Err(ResolveError::NoTrainingPeak {
                name: self.name_of(index),
            }),
        }
    }

    fn suggest(&self, query: &str) -> Vec<String> {
        let query_key = names::key(query);
        let mut scored: Vec<(usize, &str)> = self
            .entries
            .iter()
            .filter(|e| e.training_peaks().is_some())
            .map(|e| {
                (
                    names::edit_distance(&query_key, &names::key(&e.name)),
                    e.name.as_str(),
                )
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(5)
            .map(|(_, name)| name.to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests;
