//! The engine: catalog, estimator, episodes, owner groups and reservations behind one API.
//! No I/O and no clock: callers pass records, links, facts and `now`.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use crate::catalog::{AcceleratorId, Catalog, ResolveError};
use crate::episodes::{EpisodeId, EpisodeTracker, IngestOutcome};
use crate::estimate::{
    Estimate, EstimateError, Estimator, FormatPin, OpsQuantiles, RateProfile, UsageMix,
};
use crate::facts::{OwnerFacts, RequestFacts};
use crate::flags::{FlagContext, FlagFiring, Outcome, evaluate};
use crate::group::{GroupView, build_view};
use crate::owners::{Link, MergeEdge, OwnerGroups, WithdrawnMerge};
use crate::params::{ComputeParams, ParamError};
use crate::prices::PriceTable;
use crate::projection::{Projection, project};
use crate::reservation::Reservation;
use crate::usage::{RecordProblem, RecordRejection, UsageRecord, UsageRecordInput};

/// Dense 16-bit peak of the H100 SXM (ops/s), used for H100-equivalents when the catalog has
/// no H100 entry.
const H100_SIXTEEN_BIT_FALLBACK: f64 = 989.4e12;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum EngineError {
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error(transparent)]
    Estimate(#[from] EstimateError),
}

/// The result of assessing one owner group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The group's name: its smallest account.
    pub group: String,
    pub accounts: Vec<String>,
    pub merges: Vec<MergeEdge>,
    /// Merges of these accounts undone because their evidence was withdrawn (history).
    pub withdrawn_merges: Vec<WithdrawnMerge>,
    /// The facts the flags were evaluated with: the caller's, completed with the group's
    /// declared purpose and model from its reservations when the caller had none.
    pub facts: OwnerFacts,
    pub view: GroupView,
    pub projections: Vec<Projection>,
    pub requests: Vec<RequestFacts>,
    pub flags: Vec<FlagFiring>,
    pub knowledge_date: i64,
}

impl Assessment {
    pub fn report_cases(&self) -> impl Iterator<Item = &FlagFiring> {
        self.flags
            .iter()
            .filter(|f| f.outcome == Outcome::ReportCase)
    }
}

/// Catalog + estimator + episode tracker + owner groups + reservations.
#[derive(Debug, Clone)]
pub struct ComputeEngine {
    catalog: Catalog,
    prices: PriceTable,
    params: ComputeParams,
    estimator: Estimator,
    profiles: Vec<Option<RateProfile>>,
    tracker: EpisodeTracker,
    owners: OwnerGroups,
    reservations: BTreeMap<String, Reservation>,
    h100_sixteen_bit: f64,
}

impl ComputeEngine {
    pub fn new(
        catalog: Catalog,
        prices: PriceTable,
        params: ComputeParams,
    ) -> Result<Self, EngineError> {
        params.validate()?;
        let estimator = Estimator::new(params.estimator.clone())?;
        let tracker = EpisodeTracker::new(
            &params.episodes,
            params.estimator.billing_duty,
            params.thresholds.cluster_network_gbps,
        );
        let h100_sixteen_bit = catalog
            .resolve("H100")
            .ok()
            .and_then(|id| catalog.training_peaks(id))
            .map_or(H100_SIXTEEN_BIT_FALLBACK, |p| p.sixteen_bit as f64);
        Ok(Self {
            profiles: vec![None; catalog.len()],
            catalog,
            prices,
            estimator,
            tracker,
            owners: OwnerGroups::new(params.grouping.weak_link_kinds_to_merge as usize),
            reservations: BTreeMap::new(),
            h100_sixteen_bit,
            params,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn params(&self) -> &ComputeParams {
        &self.params
    }

    pub fn estimator(&self) -> &Estimator {
        &self.estimator
    }

    pub fn tracker(&self) -> &EpisodeTracker {
        &self.tracker
    }

    pub fn owners(&self) -> &OwnerGroups {
        &self.owners
    }

    /// The accelerator's billing-tier quantiles, cached after first use.
    fn profile_cached(&mut self, id: AcceleratorId) -> Option<RateProfile> {
        if let Some(Some(p)) = self.profiles.get(id.index()) {
            return Some(*p);
        }
        let profile = self.compute_profile(id)?;
        if let Some(slot) = self.profiles.get_mut(id.index()) {
            *slot = Some(profile);
        }
        Some(profile)
    }

    fn compute_profile(&self, id: AcceleratorId) -> Option<RateProfile> {
        self.estimator
            .profile(self.catalog.training_peaks(id)?, None)
            .ok()
    }

    fn profile(&self, id: AcceleratorId) -> Option<RateProfile> {
        match self.profiles.get(id.index()) {
            Some(Some(p)) => Some(*p),
            _ => self.compute_profile(id),
        }
    }

    pub fn validate_usage(&self, input: &UsageRecordInput) -> Result<UsageRecord, RecordRejection> {
        UsageRecord::validate(input, &self.catalog, &self.params.limits)
    }

    /// Ingests one validated record (idempotent on its id): updates one account-level
    /// episode and one load timeline.
    pub fn ingest(&mut self, record: &UsageRecord) -> Result<IngestOutcome, RecordRejection> {
        let Some(profile) = self.profile_cached(record.accelerator()) else {
            // Only a record validated against another catalog can get here.
            let name = record.accelerator_name().to_owned();
            return Err(RecordRejection {
                id: Some(record.id().to_owned()),
                problems: vec![RecordProblem::Accelerator(ResolveError::NoTrainingPeak {
                    name,
                })],
            });
        };
        self.owners.add_account(record.account());
        Ok(self.tracker.ingest(record, profile.peaks()))
    }

    /// Validates and ingests.
    pub fn ingest_input(
        &mut self,
        input: &UsageRecordInput,
    ) -> Result<IngestOutcome, RecordRejection> {
        let record = self.validate_usage(input)?;
        self.ingest(&record)
    }

    /// The estimate of one account-level episode (O(1) for billing-only usage).
    pub fn episode_estimate(&self, id: EpisodeId) -> Option<Estimate> {
        let episode = self.tracker.episode(id)?;
        let profile = self.profile(episode.accelerator)?;
        Some(
            self.estimator
                .estimate(&episode.accelerator_name, &profile, &episode.usage),
        )
    }

    /// The quantiles of one account-level episode, without provenance (the per-record screen).
    pub fn episode_quantiles(&self, id: EpisodeId) -> Option<OpsQuantiles> {
        let episode = self.tracker.episode(id)?;
        let profile = self.profile(episode.accelerator)?;
        Some(self.estimator.quantiles(&profile, &episode.usage))
    }

    /// Whether a usage record with this id was ingested.
    pub fn knows_usage(&self, id: &str) -> bool {
        self.tracker.has_seen(id)
    }

    /// Whether a reservation with this id was added.
    pub fn knows_reservation(&self, id: &str) -> bool {
        self.reservations.contains_key(id)
    }

    /// Adds a validated reservation; false when its id is known already.
    pub fn add_reservation(&mut self, reservation: Reservation) -> bool {
        if self.reservations.contains_key(reservation.id()) {
            return false;
        }
        self.owners.add_account(reservation.account());
        let _ = self.profile_cached(reservation.accelerator());
        self.reservations
            .insert(reservation.id().to_owned(), reservation);
        true
    }

    /// Records a link between accounts; returns the merge it caused.
    pub fn link(&mut self, link: Link) -> Option<MergeEdge> {
        self.owners.link(link)
    }

    /// Withdraws links whose evidence no longer holds; the groups are rebuilt from the links
    /// still live. Returns the merges undone (kept as history, see [`OwnerGroups::withdraw`]).
    pub fn withdraw_links(&mut self, links: &[Link], at: i64) -> Vec<WithdrawnMerge> {
        self.owners.withdraw(links, at)
    }

    /// Whether the owner group of `account` used accelerators before its first reservation
    /// starts (with no reservation: whether it used any). K1's "no prior history" is the
    /// negation.
    pub fn prior_history(&self, account: &str) -> bool {
        let accounts = self.owners.members(account);
        let first_request = self
            .reservations
            .values()
            .filter(|r| accounts.iter().any(|a| a == r.account()))
            .map(Reservation::start)
            .min();
        accounts.iter().any(|a| {
            self.tracker
                .episodes_of(a)
                .iter()
                .any(|e| first_request.is_none_or(|start| e.start < start))
        })
    }

    /// The caller's facts, completed from the group's latest reservation that declares a
    /// purpose or a model (a declaration on file outranks one in a request).
    fn declared_facts(&self, facts: &OwnerFacts, reservations: &[&Reservation]) -> OwnerFacts {
        let mut facts = facts.clone();
        let mut latest: Vec<&&Reservation> = reservations.iter().collect();
        latest.sort_by_key(|r| (std::cmp::Reverse(r.start()), r.id()));
        if facts.declared_model.is_none() {
            facts.declared_model = latest.iter().find_map(|r| r.declared_model());
        }
        if facts.declared_purpose.is_none() {
            facts.declared_purpose = latest.iter().find_map(|r| r.purpose());
        }
        facts
    }

    fn request_facts(&self, r: &Reservation) -> Option<RequestFacts> {
        let profile = self.profile(r.accelerator())?;
        let peaks = profile.peaks();
        let term = self.params.projection.default_price_term;
        let chips = r.average_chips(&self.prices, term);
        let mut usage = UsageMix::default();
        usage.add_billing(
            r.total_chip_seconds(&self.prices, term).chip_seconds,
            self.params.estimator.billing_duty,
            FormatPin::Unknown,
        );
        Some(RequestFacts {
            id: r.id().to_owned(),
            account: r.account().to_owned(),
            accelerator_name: r.accelerator_name().to_owned(),
            placement: r.placement().clone(),
            chips,
            start: r.start(),
            end: r.end(),
            h100_equivalents: chips * peaks.sixteen_bit as f64 / self.h100_sixteen_bit,
            peak_ops_per_s_max: chips * peaks.max().1 as f64,
            ops_p50: self
                .estimator
                .estimate(r.accelerator_name(), &profile, &usage)
                .ops_p50,
        })
    }

    /// Assesses the owner group of `account` as of `now`: episodes, lineages, cluster
    /// evidence, projections and red flags.
    pub fn assess(&self, account: &str, facts: &OwnerFacts, now: i64) -> Assessment {
        let accounts = self.owners.members(account);
        let profile = |id: AcceleratorId| self.profile(id);
        let mut view = build_view(
            &self.tracker,
            &accounts,
            &self.params,
            &self.estimator,
            &profile,
            now,
        );
        let reservations: Vec<&Reservation> = self
            .reservations
            .values()
            .filter(|r| accounts.iter().any(|a| a == r.account()))
            .collect();
        let facts = self.declared_facts(facts, &reservations);
        if let Some(model) = facts.declared_model
            && let Some(largest) = view
                .lineages
                .iter_mut()
                .max_by(|a, b| a.estimate.ops_p50.total_cmp(&b.estimate.ops_p50))
        {
            // Validated positive and finite, so the cross-check cannot fail.
            let _ =
                self.estimator
                    .cross_check(&mut largest.estimate, model.parameters, model.tokens);
        }
        let projections = project(
            &view,
            &reservations,
            &self.prices,
            &self.params,
            &self.estimator,
            &profile,
            now,
        );
        let requests: Vec<RequestFacts> = reservations
            .iter()
            .filter_map(|r| self.request_facts(r))
            .collect();
        let flags = evaluate(&FlagContext {
            facts: &facts,
            view: &view,
            projections: &projections,
            requests: &requests,
            thresholds: &self.params.thresholds,
            params: &self.params.red_flags,
            now,
        });
        Assessment {
            group: self.owners.group_of(account),
            merges: self.owners.evidence(account),
            withdrawn_merges: self.owners.withdrawn_for(&accounts),
            facts,
            accounts,
            view,
            projections,
            requests,
            flags,
            knowledge_date: now,
        }
    }
}
