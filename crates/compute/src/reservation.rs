//! Reservations and contracts: committed capacity or committed spend.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{AcceleratorId, Catalog};
use crate::facts::DeclaredModel;
use crate::params::{PriceTerm, RecordLimits};
use crate::prices::{PricePoint, PriceTable};
use crate::usage::{
    Placement, Purpose, RecordProblem, RecordRejection, check_count, check_fabric, check_interval,
    check_non_empty,
};

/// A reservation exactly as `POST /v1/reservations` accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservationInput {
    pub id: String,
    pub account: String,
    pub accelerator: String,
    #[serde(default)]
    pub count: Option<i64>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub datacenter: Option<String>,
    #[serde(default)]
    pub fabric_gbps: Option<f64>,
    /// Committed spend over the term, USD.
    #[serde(default)]
    pub committed_spend_usd: Option<f64>,
    /// Contract price per chip-hour; overrides the price table.
    #[serde(default)]
    pub price_per_chip_hour: Option<f64>,
    #[serde(default)]
    pub price_term: Option<PriceTerm>,
    /// What the customer declared the capacity is for.
    #[serde(default)]
    pub purpose: Option<Purpose>,
    /// The model the customer declared it will train: active parameters N and tokens D (the
    /// 6ND cross-check and M2 read it).
    #[serde(default)]
    pub declared_model: Option<DeclaredModel>,
}

/// Committed spend, converted to chip-hours at the contract's price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CommittedSpend {
    pub usd: f64,
    pub price_per_chip_hour: Option<f64>,
    pub term: Option<PriceTerm>,
}

/// A validated reservation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reservation {
    id: String,
    account: String,
    #[serde(skip)]
    accelerator: AcceleratorId,
    accelerator_name: String,
    count: Option<u64>,
    start: i64,
    end: i64,
    placement: Placement,
    fabric_gbps: Option<f64>,
    spend: Option<CommittedSpend>,
    purpose: Option<Purpose>,
    declared_model: Option<DeclaredModel>,
}

/// Reserved chip-seconds still to come after a date, and how they were derived.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RemainingCapacity {
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub chip_seconds: u128,
    /// Set when the chip-seconds came from committed spend.
    pub price: Option<PricePoint>,
}

fn positive(
    field: &'static str,
    value: Option<f64>,
    problems: &mut Vec<RecordProblem>,
) -> Option<f64> {
    let v = value?;
    if v.is_finite() && v > 0.0 {
        Some(v)
    } else {
        problems.push(RecordProblem::NotPositive { field, value: v });
        None
    }
}

impl Reservation {
    pub fn validate(
        input: &ReservationInput,
        catalog: &Catalog,
        limits: &RecordLimits,
    ) -> Result<Self, RecordRejection> {
        let mut problems = Vec::new();
        check_non_empty("id", &input.id, &mut problems);
        check_non_empty("account", &input.account, &mut problems);
        let accelerator = catalog
            .resolve(&input.accelerator)
            .map_err(|e| problems.push(RecordProblem::Accelerator(e)))
            .ok();
        let count = input.count.map(|c| check_count(c, limits, &mut problems));
        let (start, end) = check_interval(input.start, input.end, limits, &mut problems);
        let fabric_gbps = check_fabric(input.fabric_gbps, limits, &mut problems);
        let usd = positive(
            "committed_spend_usd",
            input.committed_spend_usd,
            &mut problems,
        );
        let price = positive(
            "price_per_chip_hour",
            input.price_per_chip_hour,
            &mut problems,
        );
        if count.is_none() && input.committed_spend_usd.is_none() {
            problems.push(RecordProblem::NoCapacity);
        }
        let declared = input.declared_model.as_ref();
        let parameters = positive(
            "declared_model.parameters",
            declared.map(|d| d.parameters),
            &mut problems,
        );
        let tokens = positive(
            "declared_model.tokens",
            declared.map(|d| d.tokens),
            &mut problems,
        );
        match accelerator {
            Some(accelerator) if problems.is_empty() => Ok(Self {
                id: input.id.trim().to_owned(),
                account: input.account.trim().to_owned(),
                accelerator,
                accelerator_name: catalog
                    .get(accelerator)
                    .map(|a| a.name().to_owned())
                    .unwrap_or_default(),
                count,
                start,
                end,
                placement: Placement::new(input.datacenter.as_deref(), input.cluster.as_deref()),
                fabric_gbps,
                spend: usd.map(|usd| CommittedSpend {
                    usd,
                    price_per_chip_hour: price,
                    term: input.price_term,
                }),
                purpose: input.purpose,
                declared_model: parameters
                    .zip(tokens)
                    .map(|(parameters, tokens)| DeclaredModel { parameters, tokens }),
            }),
            _ => Err(RecordRejection {
                id: Some(input.id.clone()).filter(|i| !i.is_empty()),
                problems,
            }),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn accelerator(&self) -> AcceleratorId {
        self.accelerator
    }

    pub fn accelerator_name(&self) -> &str {
        &self.accelerator_name
    }

    pub fn count(&self) -> Option<u64> {
        self.count
    }

    pub fn start(&self) -> i64 {
        self.start
    }

    pub fn end(&self) -> i64 {
        self.end
    }

    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    pub fn fabric_gbps(&self) -> Option<f64> {
        self.fabric_gbps
    }

    pub fn spend(&self) -> Option<&CommittedSpend> {
        self.spend.as_ref()
    }

    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose
    }

    pub fn declared_model(&self) -> Option<DeclaredModel> {
        self.declared_model
    }

    fn duration(&self) -> u128 {
        u128::try_from(self.end - self.start).unwrap_or(0)
    }

    /// Total reserved chip-seconds: count x duration, or committed spend / price.
    pub fn total_chip_seconds(
        &self,
        prices: &PriceTable,
        default_term: PriceTerm,
    ) -> RemainingCapacity {
        if let Some(count) = self.count {
            return RemainingCapacity {
                chip_seconds: u128::from(count) * self.duration(),
                price: None,
            };
        }
        let Some(spend) = self.spend else {
            return RemainingCapacity {
                chip_seconds: 0,
                price: None,
            };
        };
        let term = spend.term.unwrap_or(default_term);
        let price = match spend.price_per_chip_hour {
            Some(p) => Some(PricePoint {
                usd_per_chip_hour: p,
                term,
                as_of: chrono::NaiveDate::MIN,
                quotes: 0,
            }),
            None => prices.price(&self.accelerator_name, term),
        };
        let chip_seconds = price
            .map(|p| spend.usd / p.usd_per_chip_hour * 3600.0)
            .filter(|cs| cs.is_finite() && *cs >= 0.0)
            // Finite and non-negative, so the cast saturates at worst.
            .map(|cs| cs as u128)
            .unwrap_or(0);
        RemainingCapacity {
            chip_seconds,
            price,
        }
    }

    /// Reserved chip-seconds after `now`: the part of the term not yet elapsed (committed spend
    /// is assumed to be consumed evenly over the term).
    pub fn remaining_chip_seconds(
        &self,
        now: i64,
        prices: &PriceTable,
        default_term: PriceTerm,
    ) -> RemainingCapacity {
        let total = self.total_chip_seconds(prices, default_term);
        let remaining = u128::try_from(self.end - now.max(self.start)).unwrap_or(0);
        let duration = self.duration();
        let chip_seconds = total
            .chip_seconds
            .saturating_mul(remaining)
            .checked_div(duration)
            .unwrap_or(0);
        RemainingCapacity {
            chip_seconds,
            price: total.price,
        }
    }

    /// Average chips held over the term (count, or spend-derived chip-seconds / duration).
    pub fn average_chips(&self, prices: &PriceTable, default_term: PriceTerm) -> f64 {
        match (self.count, self.duration()) {
            (Some(c), _) => c as f64,
            (None, 0) => 0.0,
            (None, d) => {
                self.total_chip_seconds(prices, default_term).chip_seconds as f64 / d as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> ReservationInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn accepts_the_documented_example_and_projects_remaining_capacity() {
        let catalog = Catalog::bundled().unwrap();
        let json = serde_json::json!({"id": "r-1", "account": "acct-2001", "accelerator": "H100",
            "count": 24576, "start": "2026-11-01T00:00:00Z", "end": "2027-05-01T00:00:00Z",
            "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200});
        let r = Reservation::validate(&input(json), &catalog, &RecordLimits::default()).unwrap();
        let prices = PriceTable::default();
        let total = r
            .total_chip_seconds(&prices, PriceTerm::OneYear)
            .chip_seconds;
        assert_eq!(total, 24_576 * 181 * 86_400);
        let halfway = r.start() + (r.end() - r.start()) / 2;
        let rest = r
            .remaining_chip_seconds(halfway, &prices, PriceTerm::OneYear)
            .chip_seconds;
        assert_eq!(rest, total / 2);
        assert_eq!(
            r.remaining_chip_seconds(r.end() + 1, &prices, PriceTerm::OneYear)
                .chip_seconds,
            0
        );
        assert_eq!(
            r.remaining_chip_seconds(r.start() - 100, &prices, PriceTerm::OneYear)
                .chip_seconds,
            total
        );
    }

    #[test]
    fn committed_spend_uses_the_contract_price_or_the_table() {
        let catalog = Catalog::bundled().unwrap();
        let json = serde_json::json!({"id": "r-2", "account": "a", "accelerator": "H100",
            "start": "2026-01-01T00:00:00Z", "end": "2026-07-01T00:00:00Z",
            "committed_spend_usd": 2.0e8, "price_per_chip_hour": 2.0});
        let r = Reservation::validate(&input(json.clone()), &catalog, &RecordLimits::default())
            .unwrap();
        let cs = r
            .total_chip_seconds(&PriceTable::default(), PriceTerm::OneYear)
            .chip_seconds;
        assert_eq!(cs, 100_000_000 * 3600);

        let mut table_priced = json;
        table_priced
            .as_object_mut()
            .unwrap()
            .remove("price_per_chip_hour");
        let r = Reservation::validate(&input(table_priced), &catalog, &RecordLimits::default())
            .unwrap();
        let table = PriceTable::bundled().unwrap();
        let got = r.total_chip_seconds(&table, PriceTerm::OneYear);
        let price = got.price.unwrap();
        assert!(got.chip_seconds > 0);
        let expected = 2.0e8 / price.usd_per_chip_hour * 3600.0;
        assert!((got.chip_seconds as f64 / expected - 1.0).abs() < 1e-9);
    }

    #[test]
    fn needs_count_or_spend() {
        let catalog = Catalog::bundled().unwrap();
        let json = serde_json::json!({"id": "r-3", "account": "a", "accelerator": "H100",
            "start": "2026-01-01T00:00:00Z", "end": "2026-07-01T00:00:00Z", "price_per_chip_hour": -2});
        let err =
            Reservation::validate(&input(json), &catalog, &RecordLimits::default()).unwrap_err();
        let fields: Vec<&str> = err.problems.iter().map(RecordProblem::field).collect();
        assert_eq!(fields, ["price_per_chip_hour", "count"]);
    }
}
