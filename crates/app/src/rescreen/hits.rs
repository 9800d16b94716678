//! Screening hits become review cases (kind `screening_hit`, one per customer and list entity),
//! unless an officer decided "not this entity" for the customer and the entity's record as it is
//! now.
//!
//! Raising travels as a `screening.hits` job: a customer change enqueues it in the same
//! transaction as the change (the hits are stored with the customer, the job names which of them
//! to raise), so a stored hit is never left without its case, and the job is retried until the
//! case is raised. Its payload holds ids only (no personal data).

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::cases::{CaseKind, NewCase, Note, Subject, SubjectRef};
use cloudkyc_screening::Index;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::jobs::{Job, NewJob};
use cloudkyc_store::screening_dispositions::ScreeningDisposition;
use serde::{Deserialize, Serialize};

use super::delta::{EntityKey, entities_of, entity_hash};
use crate::customers::{CustomerRecord, CustomerScreening, ScreenedSubject, SubjectHit};
use crate::jobs::JobHandler;
use crate::{App, AppError, AppResult};

/// The job kind that raises the cases of a customer's hits.
pub const RAISE_HITS_JOB: &str = "screening.hits";

/// The keys of the entities a screening hit.
pub fn hit_keys(screening: Option<&CustomerScreening>) -> BTreeSet<EntityKey> {
    screening
        .into_iter()
        .flat_map(|s| s.hits.iter())
        .map(key_of)
        .collect()
}

pub fn key_of(hit: &SubjectHit) -> EntityKey {
    EntityKey::new(hit.hit.list.as_str(), &hit.hit.entity_id)
}

/// What the job raises: the customer, and which of its stored hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaiseHits {
    pub customer: CustomerId,
    pub entities: BTreeSet<EntityKey>,
}

impl RaiseHits {
    pub fn job(&self, at: DateTime<Utc>, dedupe_key: Option<String>) -> NewJob {
        NewJob {
            kind: RAISE_HITS_JOB.to_owned(),
            payload: serde_json::to_value(self).unwrap_or_default(),
            run_at: at,
            dedupe_key,
            queued_key: None,
        }
    }
}

/// The job raising the hits of `after` that `before` did not have (a customer change); `None`
/// when there are none.
pub(crate) fn new_hits_job(
    customer: CustomerId,
    before: Option<&CustomerScreening>,
    after: Option<&CustomerScreening>,
    at: DateTime<Utc>,
) -> Option<NewJob> {
    let old = hit_keys(before);
    let entities: BTreeSet<EntityKey> = hit_keys(after)
        .into_iter()
        .filter(|k| !old.contains(k))
        .collect();
    (!entities.is_empty()).then(|| RaiseHits { customer, entities }.job(at, None))
}

/// The current record hash of the entity `key` names, if it is in force.
pub(crate) fn current_hash(index: &Index, key: &EntityKey) -> Option<String> {
    entities_of(index)
        .into_iter()
        .find(|(list, e)| list.as_str() == key.list && e.id == key.entity_id)
        .map(|(_, e)| entity_hash(e))
}

fn summary(hit: &SubjectHit) -> String {
    let whose = match hit.subject {
        ScreenedSubject::Customer => "the customer's name",
        ScreenedSubject::BeneficialOwner => "a beneficial owner's name",
        ScreenedSubject::OwnershipParty => "the name of a party in its ownership structure",
    };
    format!(
        "screening: {whose} ~ {:?} ({} {}), score {:.2} at threshold {:.2}",
        hit.hit.primary_name, hit.hit.list, hit.hit.entity_id, hit.hit.score, hit.threshold
    )
}

impl App {
    /// Queues the raising of an onboarded customer's hits. The group commit that stored the
    /// customer has no job outbox, so this is a second write: a failure is logged (the customer
    /// is stored and its access already restricted by the potential match) rather than turned
    /// into an error the client would retry into a replay.
    pub(crate) async fn raise_onboarding_hits(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        screening: Option<&CustomerScreening>,
    ) {
        let Some(job) = new_hits_job(customer, None, screening, self.now()) else {
            return;
        };
        if let Err(error) = self.store().enqueue(scope, job, self.now()).await {
            tracing::error!(%customer, %error, "could not queue the screening cases of an onboarded customer");
        }
    }

    /// Raises a case for each hit of `customer` on `entities`, except those an officer decided
    /// are not the entity (for the entity's record in force). Returns how many were raised.
    pub(crate) async fn raise_screening_hits(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        entities: &BTreeSet<EntityKey>,
    ) -> AppResult<usize> {
        let Some(screening) = &customer.screening else {
            return Ok(0);
        };
        let index = self.screening_index().load().await?;
        let decided: Vec<ScreeningDisposition> = self
            .store()
            .screening_dispositions(scope, customer.id)
            .await?;
        let mut raised = 0;
        let mut seen = BTreeSet::new();
        for hit in &screening.hits {
            let key = key_of(hit);
            if !entities.contains(&key) || !seen.insert(key.clone()) {
                continue;
            }
            let hash = current_hash(&index, &key);
            let suppressed = hash.as_deref().is_some_and(|hash| {
                decided
                    .iter()
                    .any(|d| d.covers(&key.list, &key.entity_id, hash))
            });
            if suppressed || hash.is_none() {
                continue;
            }
            self.raise_hit_case(scope, customer, hit, &key).await?;
            raised += 1;
        }
        Ok(raised)
    }

    async fn raise_hit_case(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        hit: &SubjectHit,
        key: &EntityKey,
    ) -> AppResult<()> {
        let invalid = |e: cloudkyc_domain::cases::CaseError| AppError::Internal(e.to_string());
        let new = NewCase {
            kind: CaseKind::ScreeningHit,
            subject: Subject::Customer(
                SubjectRef::parse(&customer.id.to_string()).map_err(invalid)?,
            ),
            summary: Note::parse(&summary(hit)).map_err(invalid)?,
            risk: Some(customer.decision.risk_tier),
            knowledge_date: self.now().date_naive(),
            due: None,
        };
        let dedupe = format!("{}:{}", key.list, key.entity_id);
        self.raise_case(scope, new, &dedupe).await?;
        Ok(())
    }
}

/// Runs [`RaiseHits`].
#[derive(Debug, Default)]
pub struct RaiseScreeningHits;

#[async_trait]
impl JobHandler for RaiseScreeningHits {
    fn kind(&self) -> &'static str {
        RAISE_HITS_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let raise: RaiseHits =
            serde_json::from_value(job.payload.clone()).map_err(|e| e.to_string())?;
        let scope = app
            .system_scope(Some(job.tenant), RAISE_HITS_JOB)
            .await
            .map_err(|e| e.to_string())?;
        let customer = app
            .customer(&scope, raise.customer)
            .await
            .map_err(|e| e.to_string())?;
        let raised = app
            .raise_screening_hits(&scope, &customer, &raise.entities)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(customer = %customer.id, raised, "screening hits raised");
        Ok(())
    }
}
