//! An officer's "not this entity" decision for a customer and a list entity, made against the
//! entity's record in force; hits on that record are not raised again for the customer, and a
//! changed record is.

use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::screening_dispositions::{
    DispositionDecision, NewDisposition, ScreeningDisposition,
};
use serde::Serialize;

use super::delta::EntityKey;
use super::hits::current_hash;
use crate::{App, AppError, AppResult};

/// The longest note kept.
const MAX_NOTE_CHARS: usize = 2_000;

/// A decision as the caller gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionRequest {
    pub list: String,
    pub entity_id: String,
    pub decision: DispositionDecision,
    pub note: String,
}

/// A stored disposition and whether it still applies (the entity's record is the one it was
/// made against).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispositionView {
    #[serde(flatten)]
    pub disposition: ScreeningDisposition,
    pub in_force: bool,
}

fn bounded(pointer: &str, text: &str, max: usize) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            pointer,
            format!("must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(text.to_owned())
}

impl App {
    /// Records the decision for a customer visible to the scope against the entity's record in
    /// force; an entity on no list in force is refused (there is nothing to decide about).
    pub async fn record_screening_disposition(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        req: DispositionRequest,
    ) -> AppResult<ScreeningDisposition> {
        Self::require(scope, Permission::DecideCases)?;
        let key = EntityKey::new(
            bounded("/list", &req.list, 100)?,
            bounded("/entity_id", &req.entity_id, 200)?,
        );
        let note = req.note.trim();
        if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
            return Err(AppError::invalid(
                "/note",
                format!("must be 1 to {MAX_NOTE_CHARS} characters"),
            ));
        }
        let index = self.screening_index().load().await?;
        let entity_hash = current_hash(&index, &key).ok_or_else(|| {
            AppError::invalid(
                "/entity_id",
                "no entity with this id is on that list in force",
            )
        })?;
        Ok(self
            .store()
            .record_screening_disposition(
                scope,
                NewDisposition {
                    customer,
                    list: key.list,
                    entity_id: key.entity_id,
                    entity_hash,
                    decision: req.decision,
                    note: note.to_owned(),
                },
                self.now(),
            )
            .await?)
    }

    /// The customer's dispositions, each saying whether the entity's record is still the one
    /// it was made against.
    pub async fn screening_dispositions(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> AppResult<Vec<DispositionView>> {
        Self::require(scope, Permission::ReadCustomers)?;
        let stored = self.store().screening_dispositions(scope, customer).await?;
        let index = self.screening_index().load().await?;
        Ok(stored
            .into_iter()
            .map(|d| {
                let key = EntityKey::new(d.list.as_str(), d.entity_id.as_str());
                let in_force = current_hash(&index, &key).as_deref() == Some(&d.entity_hash);
                DispositionView {
                    disposition: d,
                    in_force,
                }
            })
            .collect())
    }
}
