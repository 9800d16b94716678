//! Account-level episodes and load timelines, maintained record by record.
//!
//! Episodes are kept per (account, accelerator, placement); owner-group episodes and lineages
//! are derived from them on demand (`group.rs`), so a merge of accounts never has to rewrite
//! what was ingested, and an ingest touches one episode key and one timeline only.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::catalog::{AcceleratorId, TrainingPeaks};
use crate::cluster::{Load, LoadTimeline};
use crate::estimate::{FormatPin, UsageMix};
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::params::EpisodeParams;
use crate::usage::{Placement, Purpose, UsageRecord};

/// Identifier of an account-level episode (stable while the tracker lives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EpisodeId(pub u64);

/// Usage of one account, one accelerator model, one placement, with gaps under the pack's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    pub id: EpisodeId,
    pub account: String,
    #[serde(skip)]
    pub accelerator: AcceleratorId,
    pub accelerator_name: String,
    pub placement: Placement,
    pub start: i64,
    pub end: i64,
    pub usage: UsageMix,
    pub records: u64,
    pub max_record_count: u64,
    pub max_fabric_gbps: Option<f64>,
    pub reservations: BTreeSet<String>,
    pub purposes: BTreeSet<Purpose>,
}

impl Episode {
    pub fn chip_seconds(&self) -> u128 {
        self.usage.chip_seconds()
    }

    /// Chips held on average between start and end: the episode's "shape".
    pub fn average_chips(&self) -> f64 {
        let span = (self.end - self.start).max(1);
        self.chip_seconds() as f64 / span as f64
    }

    fn absorb(&mut self, other: Episode) {
        self.start = self.start.min(other.start);
        self.end = self.end.max(other.end);
        self.usage.merge(&other.usage);
        self.records += other.records;
        self.max_record_count = self.max_record_count.max(other.max_record_count);
        self.max_fabric_gbps = max_option(self.max_fabric_gbps, other.max_fabric_gbps);
        self.reservations.extend(other.reservations);
        self.purposes.extend(other.purposes);
    }
}

fn max_option(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// What one ingest did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    Accepted {
        episode: EpisodeId,
        created: bool,
        absorbed: Vec<EpisodeId>,
    },
    /// The record id was ingested before; nothing changed.
    Duplicate,
}

fn add_usage(usage: &mut UsageMix, record: &UsageRecord, billing_duty: f64) {
    let telemetry = record.telemetry();
    let pin = FormatPin::from_hint(telemetry.and_then(|t| t.precision()));
    match (
        telemetry.and_then(|t| t.ofu()),
        telemetry.and_then(|t| t.duty()),
    ) {
        (Some(ofu), _) => usage.add_measured(record.chip_seconds(), ofu, pin),
        (None, duty) => usage.add_billing(record.chip_seconds(), duty.unwrap_or(billing_duty), pin),
    }
}

/// The same as absorbing a one-record episode, without building one.
fn extend_in_place(episode: &mut Episode, record: &UsageRecord, billing_duty: f64) {
    episode.start = episode.start.min(record.start());
    episode.end = episode.end.max(record.end());
    add_usage(&mut episode.usage, record, billing_duty);
    episode.records += 1;
    episode.max_record_count = episode.max_record_count.max(record.count());
    episode.max_fabric_gbps = max_option(episode.max_fabric_gbps, record.fabric_gbps());
    if let Some(r) = record.reservation()
        && !episode.reservations.contains(r)
    {
        episode.reservations.insert(r.to_owned());
    }
    if let Some(p) = record.purpose() {
        episode.purposes.insert(p);
    }
}

/// Account-level episodes and per-placement load timelines.
#[derive(Debug, Clone, Default)]
pub struct EpisodeTracker {
    gap_seconds: i64,
    billing_duty: f64,
    network_gbps: f64,
    seen: FxHashSet<String>,
    episodes: Vec<Option<Episode>>,
    account_ids: FxHashMap<String, u32>,
    placement_ids: FxHashMap<Placement, u32>,
    by_key: FxHashMap<(u32, AcceleratorId, u32), Vec<usize>>,
    by_account: FxHashMap<String, BTreeSet<usize>>,
    timelines: FxHashMap<(u32, u32), LoadTimeline>,
}

impl EpisodeTracker {
    /// `billing_duty` is the duty assumed without telemetry; `network_gbps` the networking
    /// threshold that makes an allocation count toward the "fast" cluster figures.
    pub fn new(params: &EpisodeParams, billing_duty: f64, network_gbps: f64) -> Self {
        Self {
            gap_seconds: params.gap_seconds(),
            billing_duty,
            network_gbps,
            ..Self::default()
        }
    }

    fn intern_account(&mut self, account: &str) -> u32 {
        if let Some(&id) = self.account_ids.get(account) {
            return id;
        }
        let id = u32::try_from(self.account_ids.len()).unwrap_or(u32::MAX);
        self.account_ids.insert(account.to_owned(), id);
        id
    }

    fn intern_placement(&mut self, placement: &Placement) -> u32 {
        if let Some(&id) = self.placement_ids.get(placement) {
            return id;
        }
        let id = u32::try_from(self.placement_ids.len()).unwrap_or(u32::MAX);
        self.placement_ids.insert(placement.clone(), id);
        id
    }

    /// Adds one validated record; `peaks` are its accelerator's. Idempotent on the record id.
    pub fn ingest(&mut self, record: &UsageRecord, peaks: TrainingPeaks) -> IngestOutcome {
        if self.seen.contains(record.id()) {
            return IngestOutcome::Duplicate;
        }
        self.seen.insert(record.id().to_owned());
        let account = self.intern_account(record.account());
        let placement = self.intern_placement(record.placement());
        let fast = record.fabric_gbps().is_some_and(|g| g > self.network_gbps);
        self.add_load(account, placement, record, peaks, fast);

        let key = (account, record.accelerator(), placement);
        let (start, end) = (record.start(), record.end());
        let gap = self.gap_seconds;
        let touches =
            |e: &Episode| start <= e.end.saturating_add(gap) && end.saturating_add(gap) >= e.start;
        // Fast path: the record extends exactly one episode (time-ordered billing exports).
        if let Some(slots) = self.by_key.get(&key) {
            let mut hits = slots.iter().filter(|&&i| {
                self.episodes
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(touches)
            });
            if let (Some(&only), None) = (hits.next(), hits.next())
                && let Some(episode) = self.episodes.get_mut(only).and_then(Option::as_mut)
            {
                extend_in_place(episode, record, self.billing_duty);
                return IngestOutcome::Accepted {
                    episode: episode.id,
                    created: false,
                    absorbed: Vec::new(),
                };
            }
        }
        let fresh = self.episode_of(record);
        let slots = self.by_key.entry(key).or_default();
        let touching: Vec<usize> = slots
            .iter()
            .copied()
            .filter(|&i| {
                self.episodes
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(|e| {
                        start <= e.end.saturating_add(gap) && end.saturating_add(gap) >= e.start
                    })
            })
            .collect();
        let Some((&keep, others)) = touching.split_first() else {
            let index = self.episodes.len();
            slots.push(index);
            let id = EpisodeId(index as u64);
            self.episodes.push(Some(Episode { id, ..fresh }));
            self.by_account
                .entry(record.account().to_owned())
                .or_default()
                .insert(index);
            return IngestOutcome::Accepted {
                episode: id,
                created: true,
                absorbed: Vec::new(),
            };
        };
        slots.retain(|i| !others.contains(i));
        let mut absorbed = Vec::new();
        let mut merged = fresh;
        for &i in others {
            if let Some(old) = self.episodes.get_mut(i).and_then(Option::take) {
                absorbed.push(old.id);
                merged.absorb(old);
            }
        }
        if let Some(set) = self.by_account.get_mut(record.account()) {
            for i in others {
                set.remove(i);
            }
        }
        let mut episode = EpisodeId(keep as u64);
        if let Some(target) = self.episodes.get_mut(keep).and_then(Option::as_mut) {
            target.absorb(merged);
            episode = target.id;
        }
        IngestOutcome::Accepted {
            episode,
            created: false,
            absorbed,
        }
    }

    fn episode_of(&self, record: &UsageRecord) -> Episode {
        let mut usage = UsageMix::default();
        add_usage(&mut usage, record, self.billing_duty);
        Episode {
            id: EpisodeId(u64::MAX),
            account: record.account().to_owned(),
            accelerator: record.accelerator(),
            accelerator_name: record.accelerator_name().to_owned(),
            placement: record.placement().clone(),
            start: record.start(),
            end: record.end(),
            usage,
            records: 1,
            max_record_count: record.count(),
            max_fabric_gbps: record.fabric_gbps(),
            reservations: record
                .reservation()
                .map(str::to_owned)
                .into_iter()
                .collect(),
            purposes: record.purpose().into_iter().collect(),
        }
    }

    fn add_load(
        &mut self,
        account: u32,
        placement: u32,
        record: &UsageRecord,
        peaks: TrainingPeaks,
        fast: bool,
    ) {
        let count = u128::from(record.count());
        let ops_16bit = count * u128::from(peaks.sixteen_bit);
        let ops_max = count * u128::from(peaks.max().1);
        let load = Load {
            chips: record.count(),
            ops_16bit,
            ops_max,
            fast_ops_16bit: if fast { ops_16bit } else { 0 },
            fast_ops_max: if fast { ops_max } else { 0 },
        };
        self.timelines.entry((account, placement)).or_default().add(
            record.start(),
            record.end(),
            &load,
        );
    }

    pub fn episode(&self, id: EpisodeId) -> Option<&Episode> {
        usize::try_from(id.0)
            .ok()
            .and_then(|i| self.episodes.get(i))
            .and_then(Option::as_ref)
    }

    /// Live episodes of one account, oldest first.
    pub fn episodes_of(&self, account: &str) -> Vec<&Episode> {
        let mut out: Vec<&Episode> = self
            .by_account
            .get(account)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.episodes.get(i).and_then(Option::as_ref))
            .collect();
        out.sort_by_key(|e| (e.start, e.id));
        out
    }

    /// Every live episode.
    pub fn episodes(&self) -> impl Iterator<Item = &Episode> {
        self.episodes.iter().filter_map(Option::as_ref)
    }

    /// The load timeline of one account at one placement.
    pub fn timeline(&self, account: &str, placement: &Placement) -> Option<&LoadTimeline> {
        let a = self.account_ids.get(account)?;
        let p = self.placement_ids.get(placement)?;
        self.timelines.get(&(*a, *p))
    }

    /// Placements where an account has load.
    pub fn placements_of(&self, account: &str) -> Vec<Placement> {
        let Some(&a) = self.account_ids.get(account) else {
            return Vec::new();
        };
        let mut out: Vec<Placement> = self
            .placement_ids
            .iter()
            .filter(|&(_, p)| self.timelines.contains_key(&(a, *p)))
            .map(|(placement, _)| placement.clone())
            .collect();
        out.sort();
        out
    }

    /// Whether a record with this id was ingested (the next ingest of it is a duplicate).
    pub fn has_seen(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    pub fn records_seen(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests;
