//! Chip-hour prices (Epoch AI hardware prices), for turning committed spend into chip-hours.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use thiserror::Error;

use crate::catalog::name_key;
use crate::params::PriceTerm;

const BUNDLED_PRICES: &str = include_str!("../../../data/compute/hardware_prices_2025-11.csv");

const MODEL: &str = "Hardware model";
const DATE: &str = "Price date";
const TERM_COLUMNS: [(PriceTerm, &str); 3] = [
    (PriceTerm::OnDemand, "Price per chip-hour (on-demand)"),
    (PriceTerm::OneYear, "Price per chip-hour (1-year CUD)"),
    (PriceTerm::ThreeYear, "Price per chip-hour (3-year CUD)"),
];

/// Prices within this many days of a chip's latest quote form its default price.
const RECENT_WINDOW_DAYS: i64 = 365;

/// The default price of one chip and term: median of the quotes of its most recent year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PricePoint {
    pub usd_per_chip_hour: f64,
    pub term: PriceTerm,
    /// Date of the latest quote used.
    pub as_of: NaiveDate,
    pub quotes: usize,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum PriceError {
    #[error("price table is not valid CSV: {0}")]
    Csv(String),
    #[error("price table lacks the column {0:?}")]
    MissingColumn(&'static str),
}

/// Default chip-hour prices keyed by normalised accelerator name.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    points: HashMap<(String, PriceTerm), PricePoint>,
}

fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => Some((values.get(n / 2 - 1)? + values.get(n / 2)?) / 2.0),
    }
}

impl PriceTable {
    /// The bundled Epoch AI price table (2025-11).
    pub fn bundled() -> Result<Self, PriceError> {
        Self::from_epoch_csv(BUNDLED_PRICES)
    }

    /// Parses Epoch AI's hardware price CSV. Rows without a model, date or a positive price
    /// are skipped: a price table is a default, never a reason to refuse to start.
    pub fn from_epoch_csv(text: &str) -> Result<Self, PriceError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| PriceError::Csv(e.to_string()))?
            .clone();
        let column = |name: &'static str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or(PriceError::MissingColumn(name))
        };
        let (model, date) = (column(MODEL)?, column(DATE)?);
        let terms: Vec<(PriceTerm, usize)> = TERM_COLUMNS
            .iter()
            .map(|(t, c)| column(c).map(|i| (*t, i)))
            .collect::<Result<_, _>>()?;

        let mut quotes: HashMap<(String, PriceTerm), Vec<(NaiveDate, f64)>> = HashMap::new();
        for record in reader.records() {
            let Ok(record) = record else { continue };
            let field = |i: usize| record.get(i).map(str::trim).unwrap_or_default();
            let key = name_key(field(model));
            let Ok(day) = NaiveDate::parse_from_str(field(date), "%Y-%m-%d") else {
                continue;
            };
            if key.is_empty() {
                continue;
            }
            for (term, index) in &terms {
                let price = field(*index).trim_start_matches('$').replace(',', "");
                if let Ok(p) = price.parse::<f64>()
                    && p.is_finite()
                    && p > 0.0
                {
                    quotes
                        .entry((key.clone(), *term))
                        .or_default()
                        .push((day, p));
                }
            }
        }
        let mut points = HashMap::new();
        for ((key, term), list) in quotes {
            let Some(latest) = list.iter().map(|(d, _)| *d).max() else {
                continue;
            };
            let mut recent: Vec<f64> = list
                .iter()
                .filter(|(d, _)| (latest - *d).num_days() <= RECENT_WINDOW_DAYS)
                .map(|(_, p)| *p)
                .collect();
            let quotes = recent.len();
            if let Some(usd_per_chip_hour) = median(&mut recent) {
                points.insert(
                    (key, term),
                    PricePoint {
                        usd_per_chip_hour,
                        term,
                        as_of: latest,
                        quotes,
                    },
                );
            }
        }
        Ok(Self { points })
    }

    /// The price of `accelerator` (any spelling of its catalog name) for `term`, falling back
    /// to the on-demand price when the table has no quote for that term.
    pub fn price(&self, accelerator: &str, term: PriceTerm) -> Option<PricePoint> {
        let key = name_key(accelerator);
        self.points
            .get(&(key.clone(), term))
            .or_else(|| self.points.get(&(key, PriceTerm::OnDemand)))
            .copied()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_prices_the_common_chips() {
        let table = PriceTable::bundled().unwrap();
        let h100 = table
            .price("NVIDIA H100 SXM5 80GB", PriceTerm::OnDemand)
            .unwrap();
        assert!((1.0..15.0).contains(&h100.usd_per_chip_hour), "{h100:?}");
        assert!(h100.quotes >= 3);
        let a100 = table
            .price("NVIDIA A100 SXM4 80 GB", PriceTerm::OneYear)
            .unwrap();
        assert!(a100.usd_per_chip_hour > 0.0);
        assert!(table.price("Acme X1", PriceTerm::OnDemand).is_none());
    }

    #[test]
    fn median_of_the_latest_year_and_on_demand_fallback() {
        let csv = "Price date,Hardware model,Price per chip-hour (on-demand),Price per chip-hour (1-year CUD),Price per chip-hour (3-year CUD)\n\
                   2020-01-01,Chip X,100.00,,\n\
                   2025-01-01,Chip X,3.00,,\n\
                   2025-06-01,Chip X,$5.00,,\n\
                   2025-09-01,Chip X,4.00,,\n\
                   2025-09-01,Chip X,oops,,\n";
        let table = PriceTable::from_epoch_csv(csv).unwrap();
        let p = table.price("chip-x", PriceTerm::ThreeYear).unwrap();
        assert_eq!(p.term, PriceTerm::OnDemand);
        assert_eq!(p.usd_per_chip_hour, 4.0);
        assert_eq!(p.quotes, 3);
        assert_eq!(p.as_of, NaiveDate::from_ymd_opt(2025, 9, 1).unwrap());
    }

    #[test]
    fn missing_columns_are_reported() {
        assert!(matches!(
            PriceTable::from_epoch_csv("a,b\n1,2\n"),
            Err(PriceError::MissingColumn(_))
        ));
    }
}
