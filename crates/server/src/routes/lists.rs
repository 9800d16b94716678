//! `/v1/lists`: the restricted-party lists in force and how their updates went.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_app::lists::{ListState, ListStatusView};
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::Auth;
use crate::problem::ApiResult;
use crate::state::AppState;

/// One list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListStatus {
    /// The list id (`ofac_sdn`, `un_sc`, ...), as screening results record it.
    pub id: String,
    /// `ok`; `update_failed` (the last good snapshot stays in force); `missing` (no snapshot in
    /// force: screening cannot use this list).
    #[schema(example = "ok")]
    pub state: String,
    /// `store` (imported or downloaded), `bundled` (shipped with the binary) or `none`.
    pub source: String,
    pub version: Option<String>,
    /// SHA-256 of the list's published bytes.
    pub content_sha256: Option<String>,
    pub published: Option<NaiveDate>,
    /// When the snapshot in force was stored (absent for a bundled list).
    pub loaded_at: Option<DateTime<Utc>>,
    pub entity_count: Option<u64>,
    /// Where updates are downloaded from.
    pub url: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last update failed; absent when it succeeded.
    pub last_error: Option<String>,
    /// Failed updates so far.
    pub update_failures: u64,
}

impl From<ListStatusView> for ListStatus {
    fn from(v: ListStatusView) -> Self {
        Self {
            id: v.list,
            state: match v.state {
                ListState::Ok => "ok",
                ListState::UpdateFailed => "update_failed",
                ListState::Missing => "missing",
            }
            .to_owned(),
            source: v.source.to_owned(),
            version: v.version,
            content_sha256: v.content_sha256,
            published: v.published,
            loaded_at: v.loaded_at,
            entity_count: v.entity_count,
            url: v.url,
            last_attempt_at: v.last_attempt_at,
            last_success_at: v.last_success_at,
            last_error: v.last_error,
            update_failures: v.update_failures,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListStatusList {
    pub lists: Vec<ListStatus>,
}

/// The restricted-party lists.
///
/// Every list in force (imported, downloaded or bundled) and every configured one, with its
/// version, content hash, publication date, entity count and its last update attempt and
/// error. Lists are the provider's and the same for every tenant.
#[utoipa::path(
    get, path = "/v1/lists", tag = "screening",
    responses((status = 200, description = "The lists", body = ListStatusList)),
    security(("bearer" = []))
)]
pub async fn list_lists(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<ListStatusList>> {
    let lists = state.app.list_status(&scope).await?;
    Ok(Json(ListStatusList {
        lists: lists.into_iter().map(ListStatus::from).collect(),
    }))
}
