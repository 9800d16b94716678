//! `POST /v1/screenings`: one name against the current restricted-party lists, under the rule
//! pack's threshold for its schema.

use axum::Json;
use axum::extract::State;
use cloudkyc_app::AppError;
use cloudkyc_app::screening::{ScreenRequest, ScreenResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{ApiJson, Auth};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Hits returned when the request names no `limit`.
const DEFAULT_LIMIT: usize = 10;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Kim Jong Un", "schema": "person", "country": "KP", "date_of_birth": "1984-01-08"}))]
pub struct ScreeningRequest {
    /// The name to screen (1 to 500 characters), in any script.
    pub name: String,
    /// `person`, `organization`, `vessel`, `aircraft` or `unknown` (the default, screened at
    /// the strictest threshold).
    #[serde(default)]
    pub schema: Option<String>,
    /// An ISO 3166 alpha-2 code or a country name; a matching list country raises the score.
    #[serde(default)]
    pub country: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// At most this many hits (1 to 100, default 10).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// The hits at or above the threshold, best first, each with its explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningResponse {
    /// The name as screened (trimmed).
    pub query: String,
    /// The rule pack's match threshold for the query's schema.
    pub threshold: f64,
    pub algorithm_version: String,
    /// The list versions the index was built from.
    pub list_versions: Vec<serde_json::Value>,
    /// Each hit: list, entity, matched name, score and the explanation of the score.
    pub hits: Vec<serde_json::Value>,
}

fn schema(label: &str) -> ApiResult<cloudkyc_screening::Schema> {
    use cloudkyc_screening::Schema;
    match label {
        "person" => Ok(Schema::Person),
        "organization" => Ok(Schema::Organization),
        "vessel" => Ok(Schema::Vessel),
        "aircraft" => Ok(Schema::Aircraft),
        "unknown" => Ok(Schema::Unknown),
        _ => Err(AppError::invalid(
            "/schema",
            "must be person, organization, vessel, aircraft or unknown",
        )
        .into()),
    }
}

fn values<T: Serialize>(items: &[T]) -> ApiResult<Vec<serde_json::Value>> {
    items
        .iter()
        .map(|item| serde_json::to_value(item).map_err(|e| ApiError::internal(e.to_string())))
        .collect()
}

impl ScreeningResponse {
    fn from_result(result: ScreenResult) -> ApiResult<Self> {
        Ok(Self {
            list_versions: values(&result.list_versions)?,
            hits: values(&result.hits)?,
            query: result.query,
            threshold: result.threshold,
            algorithm_version: result.algorithm_version.to_owned(),
        })
    }
}

/// Screens a name against the restricted-party lists.
///
/// Every answer names the threshold, the algorithm version and the list versions it was made
/// under, so it can be reproduced.
#[utoipa::path(
    post, path = "/v1/screenings", tag = "screening",
    request_body = ScreeningRequest,
    responses((status = 200, description = "The hits, best first (none: no match)", body = ScreeningResponse)),
    security(("bearer" = []))
)]
pub async fn screen(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ScreeningRequest>,
) -> ApiResult<Json<ScreeningResponse>> {
    let limit = body.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=100).contains(&limit) {
        return Err(AppError::invalid("/limit", "must be 1 to 100").into());
    }
    let request = ScreenRequest {
        name: body.name,
        schema: body.schema.as_deref().map(schema).transpose()?,
        country: body.country,
        date_of_birth: body.date_of_birth,
        limit,
    };
    let result = state.app.screen(&scope, &request).await?;
    Ok(Json(ScreeningResponse::from_result(result)?))
}
