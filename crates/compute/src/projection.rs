//! "Could result": projecting an owner group's compute forward.
//!
//! projected CS = CS of the active lineage so far + remaining reserved chip-seconds (capacity,
//! committed terms, committed spend / price); with no reservation, the active lineage's current
//! allocation held for the pack's horizon. The estimator is then applied unchanged.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::AcceleratorId;
use crate::estimate::{Estimate, Estimator, FormatPin, RateProfile};
use crate::group::GroupView;
use crate::params::ComputeParams;
use crate::prices::{PricePoint, PriceTable};
use crate::reservation::Reservation;

/// One accelerator's projection for an owner group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    pub accelerator_name: String,
    #[serde(skip)]
    pub accelerator: AcceleratorId,
    /// Index of the active lineage in `GroupView::lineages`, if one is running.
    pub lineage: Option<usize>,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub chip_seconds_so_far: u128,
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub reserved_chip_seconds: u128,
    /// Chips held now x horizon, used only when nothing is reserved.
    #[serde(serialize_with = "crate::serde_u128::as_f64")]
    pub held_chip_seconds: u128,
    pub reservations: Vec<String>,
    /// Prices used to convert committed spend.
    pub prices: Vec<PricePoint>,
    pub estimate: Estimate,
}

/// Projects every accelerator the group uses or has reserved.
pub fn project(
    view: &GroupView,
    reservations: &[&Reservation],
    prices: &PriceTable,
    params: &ComputeParams,
    estimator: &Estimator,
    profile: &dyn Fn(AcceleratorId) -> Option<RateProfile>,
    now: i64,
) -> Vec<Projection> {
    let gap = params.episodes.gap_seconds();
    let horizon = u128::from(params.projection.horizon_days) * 86_400;
    let term = params.projection.default_price_term;
    let mut accelerators: BTreeMap<AcceleratorId, String> = BTreeMap::new();
    for l in &view.lineages {
        accelerators.insert(l.accelerator, l.accelerator_name.clone());
    }
    for r in reservations.iter().filter(|r| r.end() > now) {
        accelerators.insert(r.accelerator(), r.accelerator_name().to_owned());
    }
    let mut out = Vec::new();
    for (accelerator, name) in accelerators {
        let active = view
            .lineages
            .iter()
            .enumerate()
            .filter(|(_, l)| l.accelerator == accelerator && l.end >= now - gap)
            .max_by_key(|(_, l)| (l.end, l.usage.chip_seconds()));
        let mut reserved = 0_u128;
        let mut used_prices = Vec::new();
        let mut ids = Vec::new();
        for r in reservations
            .iter()
            .filter(|r| r.accelerator() == accelerator && r.end() > now)
        {
            let remaining = r.remaining_chip_seconds(now, prices, term);
            reserved = reserved.saturating_add(remaining.chip_seconds);
            used_prices.extend(remaining.price);
            ids.push(r.id().to_owned());
        }
        let held = match (reserved, active) {
            (0, Some((_, lineage))) => {
                let chips = lineage
                    .episodes
                    .last()
                    .and_then(|&i| view.episodes.get(i))
                    .map(|e| e.average_chips())
                    .unwrap_or_default();
                // Finite and non-negative: chip-seconds over a positive span.
                (chips * horizon as f64) as u128
            }
            _ => 0,
        };
        if reserved == 0 && held == 0 {
            continue;
        }
        let Some(rate) = profile(accelerator) else {
            continue;
        };
        let mut usage = active.map(|(_, l)| l.usage).unwrap_or_default();
        let so_far = usage.chip_seconds();
        usage.add_billing(
            reserved.saturating_add(held),
            params.estimator.billing_duty,
            FormatPin::Unknown,
        );
        out.push(Projection {
            estimate: estimator.estimate(&name, &rate, &usage),
            accelerator_name: name,
            accelerator,
            lineage: active.map(|(i, _)| i),
            chip_seconds_so_far: so_far,
            reserved_chip_seconds: reserved,
            held_chip_seconds: held,
            reservations: ids,
            prices: used_prices,
        });
    }
    out
}
