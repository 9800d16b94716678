//! The owner-group view: group episodes, lineages and cluster evidence, derived on demand from
//! the account-level episodes of the group's accounts.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::AcceleratorId;
use crate::cluster::{LoadTimeline, Peaks};
use crate::episodes::{Episode, EpisodeId, EpisodeTracker};
use crate::estimate::{Estimate, Estimator, RateProfile, UsageMix};
use crate::params::ComputeParams;
use crate::usage::{Placement, Purpose};

/// Co-located usage of one owner group, one accelerator model, with short gaps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEpisode {
    pub accelerator_name: String,
    #[serde(skip)]
    pub accelerator: AcceleratorId,
    pub placement: Placement,
    pub start: i64,
    pub end: i64,
    pub usage: UsageMix,
    /// Each account's share (S1 asks whether one account alone would cross).
    pub by_account: BTreeMap<String, UsageMix>,
    pub parts: Vec<EpisodeId>,
    pub max_fabric_gbps: Option<f64>,
    pub purposes: BTreeSet<Purpose>,
    pub reservations: BTreeSet<String>,
}

impl GroupEpisode {
    fn from_episode(e: &Episode) -> Self {
        Self {
            accelerator_name: e.accelerator_name.clone(),
            accelerator: e.accelerator,
            placement: e.placement.clone(),
            start: e.start,
            end: e.end,
            usage: e.usage,
            by_account: [(e.account.clone(), e.usage)].into_iter().collect(),
            parts: vec![e.id],
            max_fabric_gbps: e.max_fabric_gbps,
            purposes: e.purposes.clone(),
            reservations: e.reservations.clone(),
        }
    }

    fn absorb(&mut self, e: &Episode) {
        self.start = self.start.min(e.start);
        self.end = self.end.max(e.end);
        self.usage.merge(&e.usage);
        self.by_account
            .entry(e.account.clone())
            .or_default()
            .merge(&e.usage);
        self.parts.push(e.id);
        self.max_fabric_gbps = match (self.max_fabric_gbps, e.max_fabric_gbps) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.purposes.extend(e.purposes.iter().copied());
        self.reservations.extend(e.reservations.iter().cloned());
    }

    pub fn accounts(&self) -> impl Iterator<Item = &String> {
        self.by_account.keys()
    }

    pub fn chip_seconds(&self) -> u128 {
        self.usage.chip_seconds()
    }

    /// Chips held on average over the episode: its "shape".
    pub fn average_chips(&self) -> f64 {
        self.chip_seconds() as f64 / (self.end - self.start).max(1) as f64
    }
}

/// Why one episode continues another in a lineage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainLink {
    /// Indexes into `GroupView::episodes`.
    pub from: usize,
    pub to: usize,
    pub gap_seconds: i64,
    pub from_average_chips: f64,
    pub to_average_chips: f64,
    /// The two episodes belong to different accounts (S2).
    pub cross_account: bool,
}

/// One training run as reported: chained episodes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lineage {
    pub accelerator_name: String,
    #[serde(skip)]
    pub accelerator: AcceleratorId,
    pub episodes: Vec<usize>,
    pub chains: Vec<ChainLink>,
    pub start: i64,
    pub end: i64,
    pub usage: UsageMix,
    pub estimate: Estimate,
    /// Each account's share alone, estimated the same way.
    pub by_account: BTreeMap<String, Estimate>,
}

/// The cluster test at one placement for the whole group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterEvidence {
    pub placement: Placement,
    pub accounts: Vec<String>,
    pub peaks: Peaks,
    /// Peak concurrent dense ops/s at 16-bit, all allocations.
    pub ops_per_s_16bit: f64,
    /// Same at the fastest training format.
    pub ops_per_s_max: f64,
    /// Same, counting only allocations with fabric above the networking threshold.
    pub fast_ops_per_s_16bit: f64,
    pub fast_ops_per_s_max: f64,
    /// The highest fast max-format peak any single account reaches alone (S1).
    pub largest_single_account_fast_ops_per_s_max: f64,
}

/// Everything derived for one owner group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupView {
    pub accounts: Vec<String>,
    pub episodes: Vec<GroupEpisode>,
    pub lineages: Vec<Lineage>,
    pub clusters: Vec<ClusterEvidence>,
    /// Owner-level total over the rolling window, per accelerator (for review, not a "run").
    pub rolling: Vec<Estimate>,
}

/// Builds the view. `profile` yields the rate profile of an accelerator.
pub fn build_view(
    tracker: &EpisodeTracker,
    accounts: &[String],
    params: &ComputeParams,
    estimator: &Estimator,
    profile: &dyn Fn(AcceleratorId) -> Option<RateProfile>,
    now: i64,
) -> GroupView {
    let episodes = group_episodes(tracker, accounts, params.episodes.gap_seconds());
    let lineages = lineages(&episodes, params, estimator, profile);
    let clusters = clusters(tracker, accounts);
    let window_start = now - i64::from(params.episodes.rolling_window_days) * 86_400;
    let mut rolling: BTreeMap<AcceleratorId, (String, UsageMix)> = BTreeMap::new();
    for e in episodes
        .iter()
        .filter(|e| e.end >= window_start && e.start <= now)
    {
        rolling
            .entry(e.accelerator)
            .or_insert_with(|| (e.accelerator_name.clone(), UsageMix::default()))
            .1
            .merge(&e.usage);
    }
    let rolling = rolling
        .into_iter()
        .filter_map(|(id, (name, usage))| {
            profile(id).map(|p| estimator.estimate(&name, &p, &usage))
        })
        .collect();
    GroupView {
        accounts: accounts.to_vec(),
        episodes,
        lineages,
        clusters,
        rolling,
    }
}

fn group_episodes(tracker: &EpisodeTracker, accounts: &[String], gap: i64) -> Vec<GroupEpisode> {
    let mut by_key: BTreeMap<(AcceleratorId, Placement), Vec<&Episode>> = BTreeMap::new();
    for account in accounts {
        for e in tracker.episodes_of(account) {
            by_key
                .entry((e.accelerator, e.placement.clone()))
                .or_default()
                .push(e);
        }
    }
    let mut out = Vec::new();
    for (_, mut list) in by_key {
        list.sort_by_key(|e| (e.start, e.end, e.id));
        let mut current: Option<GroupEpisode> = None;
        for e in list {
            match current.as_mut() {
                Some(g) if e.start <= g.end.saturating_add(gap) => g.absorb(e),
                _ => out.extend(current.replace(GroupEpisode::from_episode(e))),
            }
        }
        out.extend(current);
    }
    out.sort_by(|a, b| (a.start, a.end, &a.placement).cmp(&(b.start, b.end, &b.placement)));
    out
}

fn same_shape(a: f64, b: f64, tolerance: f64) -> bool {
    let high = a.max(b);
    high > 0.0 && (a - b).abs() / high <= tolerance
}

fn lineages(
    episodes: &[GroupEpisode],
    params: &ComputeParams,
    estimator: &Estimator,
    profile: &dyn Fn(AcceleratorId) -> Option<RateProfile>,
) -> Vec<Lineage> {
    let (gap, chain_gap) = (
        params.episodes.gap_seconds(),
        params.episodes.lineage_gap_seconds(),
    );
    // Lineage index of each episode, and the last episode of each lineage.
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut chains: Vec<Vec<ChainLink>> = Vec::new();
    for (j, e) in episodes.iter().enumerate() {
        let mut best: Option<(usize, usize, i64)> = None;
        for (l, list) in members.iter().enumerate() {
            let Some(&last) = list.last() else { continue };
            let Some(prev) = episodes.get(last) else {
                continue;
            };
            let delay = e.start - prev.end;
            let continues = prev.accelerator == e.accelerator
                && e.start >= prev.start
                && delay >= -gap
                && delay <= chain_gap
                && same_shape(
                    prev.average_chips(),
                    e.average_chips(),
                    params.episodes.shape_tolerance,
                );
            if continues && best.is_none_or(|(_, _, d)| delay.abs() < d.abs()) {
                best = Some((l, last, delay));
            }
        }
        match best {
            Some((l, last, delay)) => {
                let prev = episodes.get(last);
                let cross_account =
                    prev.is_some_and(|p| p.by_account.keys().ne(e.by_account.keys()));
                if let (Some(list), Some(links)) = (members.get_mut(l), chains.get_mut(l)) {
                    list.push(j);
                    links.push(ChainLink {
                        from: last,
                        to: j,
                        gap_seconds: delay,
                        from_average_chips: prev
                            .map(GroupEpisode::average_chips)
                            .unwrap_or_default(),
                        to_average_chips: e.average_chips(),
                        cross_account,
                    });
                }
            }
            None => {
                members.push(vec![j]);
                chains.push(Vec::new());
            }
        }
    }
    members
        .into_iter()
        .zip(chains)
        .filter_map(|(list, links)| {
            let first = episodes.get(*list.first()?)?;
            let profile = profile(first.accelerator)?;
            let mut usage = UsageMix::default();
            let mut by_account: BTreeMap<String, UsageMix> = BTreeMap::new();
            let (mut start, mut end) = (i64::MAX, i64::MIN);
            for e in list.iter().filter_map(|&i| episodes.get(i)) {
                usage.merge(&e.usage);
                for (account, mix) in &e.by_account {
                    by_account.entry(account.clone()).or_default().merge(mix);
                }
                start = start.min(e.start);
                end = end.max(e.end);
            }
            let name = first.accelerator_name.clone();
            Some(Lineage {
                estimate: estimator.estimate(&name, &profile, &usage),
                by_account: by_account
                    .into_iter()
                    .map(|(a, mix)| (a, estimator.estimate(&name, &profile, &mix)))
                    .collect(),
                accelerator_name: name,
                accelerator: first.accelerator,
                episodes: list,
                chains: links,
                start,
                end,
                usage,
            })
        })
        .collect()
}

fn clusters(tracker: &EpisodeTracker, accounts: &[String]) -> Vec<ClusterEvidence> {
    let mut by_placement: BTreeMap<Placement, Vec<(&String, &LoadTimeline)>> = BTreeMap::new();
    for account in accounts {
        for placement in tracker.placements_of(account) {
            if let Some(t) = tracker.timeline(account, &placement) {
                by_placement
                    .entry(placement)
                    .or_default()
                    .push((account, t));
            }
        }
    }
    by_placement
        .into_iter()
        .map(|(placement, list)| {
            let summed = LoadTimeline::sum(list.iter().map(|(_, t)| *t));
            let peaks = *summed.peaks();
            let largest = list
                .iter()
                .map(|(_, t)| t.peaks().fast_ops_max.value)
                .max()
                .unwrap_or(0);
            ClusterEvidence {
                placement,
                accounts: list.iter().map(|(a, _)| (*a).clone()).collect(),
                ops_per_s_16bit: peaks.ops_16bit.value as f64,
                ops_per_s_max: peaks.ops_max.value as f64,
                fast_ops_per_s_16bit: peaks.fast_ops_16bit.value as f64,
                fast_ops_per_s_max: peaks.fast_ops_max.value as f64,
                largest_single_account_fast_ops_per_s_max: largest as f64,
                peaks,
            }
        })
        .collect()
}
