//! Liveness and readiness, for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the process is up and answering.
    pub status: String,
}

/// The process is up.
///
/// No dependency is checked, so a slow database never gets the process restarted.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` when every check passes, else `unavailable`.
    pub status: String,
    pub checks: Vec<ReadinessCheck>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessCheck {
    pub name: String,
    pub ok: bool,
    /// Why the check failed (never an internal error message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Whether this instance can serve traffic.
///
/// Every dependency must answer; the body lists each check, with 503 when one fails.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Every check passed", body = Readiness),
        (status = 503, description = "At least one check failed", body = Readiness),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let checks = vec![database(&state).await, lists(&state).await];
    let ready = checks.iter().all(|c| c.ok);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let readiness = Readiness {
        status: if ready { "ready" } else { "unavailable" }.into(),
        checks,
    };
    (status, Json(readiness))
}

async fn database(state: &AppState) -> ReadinessCheck {
    match state.app.ready().await {
        Ok(()) => ReadinessCheck {
            name: "database".into(),
            ok: true,
            detail: None,
        },
        Err(error) => {
            tracing::warn!(%error, "readiness: database check failed");
            ReadinessCheck {
                name: "database".into(),
                ok: false,
                detail: Some("the database does not answer".into()),
            }
        }
    }
}

/// Restricted-party lists: ready while every configured list has a snapshot in force; a failed
/// update with a good snapshot still in force is ready, and the detail says so.
async fn lists(state: &AppState) -> ReadinessCheck {
    let name = "lists".to_owned();
    match state.app.lists_readiness().await {
        Ok(r) => ReadinessCheck {
            name,
            ok: r.ready,
            detail: (!r.detail.is_empty()).then(|| r.detail.join("; ")),
        },
        Err(error) => {
            tracing::warn!(%error, "readiness: lists check failed");
            ReadinessCheck {
                name,
                ok: false,
                detail: Some("the restricted-party lists cannot be read".into()),
            }
        }
    }
}
