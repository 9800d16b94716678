//! `PUT /v1/customers/{id}/beneficial-owners`: a beneficial-owner change notice.

use axum::Json;
use axum::extract::State;
use cloudkyc_domain::cip::BeneficialOwnerDraft;
use cloudkyc_store::customers::CustomerId;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::customers::Customer;
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The customer's full new list of beneficial owners.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"beneficial_owners": [
    {"name": {"full": "Li Wei"}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
     "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}],
     "emails": ["li.wei@example.cn"], "phones": ["+86 10 5555 0100"], "ownership_percent": 60},
    {"name": {"full": "Omar Haddad"}, "date_of_birth": "1983-11-20", "nationalities": ["AE"],
     "addresses": [{"line1": "22 Al Wasl", "city": "Dubai", "country": "AE"}],
     "emails": ["omar@example.ae"], "phones": ["+971 4 555 0123"], "control": "management"}
]}))]
#[serde(deny_unknown_fields)]
pub struct OwnersNotice {
    /// Every beneficial owner as of now, in the form `POST /v1/customers` takes; owners left
    /// out are removed.
    pub beneficial_owners: Vec<BeneficialOwnerDraft>,
}

/// Records a beneficial-owner change notice.
///
/// Validates the new owner list as onboarding does (every field error at once, paths under
/// `/beneficial_owners/N/...`), compares it with the stored owners (matched by normalised name
/// and date of birth), and decides the customer again with the new owners: U.S./foreign
/// determination, risk tier, verification and screening. The decision reasons say how many
/// owners were added, removed and changed; a change of `account_access` is sent to the
/// provider's webhook endpoints.
#[utoipa::path(
    put, path = "/v1/customers/{id}/beneficial-owners", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    request_body = OwnersNotice,
    responses(
        (status = 200, description = "The customer, decided again with its new owners", body = Customer),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer changed meanwhile; read it again and retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn replace_owners(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(notice): ApiJson<OwnersNotice>,
) -> ApiResult<Json<Customer>> {
    let changed = state
        .app
        .change_beneficial_owners(&scope, CustomerId::from_uuid(id), &notice.beneficial_owners)
        .await?;
    Ok(Json(Customer::from_record(changed.customer)?))
}
