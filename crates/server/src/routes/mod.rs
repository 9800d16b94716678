//! The route table. The router is built from it, and the authorisation test iterates it (every
//! route × no key × every role), so a route cannot be added without its access rule being
//! declared and checked.

mod access_events;
mod audit;
mod case_dto;
mod case_files;
mod cases;
mod customers;
mod documents;
mod health;
mod keys;
mod lists;
mod metrics;
pub(crate) mod openapi;
mod owners;
mod ownership;
mod redetermination;
mod reports;
mod resellers;
mod retention;
mod screening_dispositions;
mod screenings;
mod special_measures;
mod tenants;
mod usage;
mod vendor_webhook;
mod verifications;
mod webhooks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Extension, Router};
use cloudkyc_app::App;
use cloudkyc_domain::Permission;

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::middleware;
use crate::problem::ApiError;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No credentials needed (health, metrics, the OpenAPI document).
    Public,
    /// Any valid API key; the answer is limited to the key's tenants.
    AnyRole,
    /// A valid API key whose role carries the permission; other roles get 403. The use case
    /// checks it (`Role::allows`); the table states it so the test can hold the two together.
    Requires(Permission),
    /// No API key: the request is authenticated by a signature of its body with a shared
    /// secret (the verification vendor's webhook). An API key does not let it through.
    Signed,
}

/// Which body-size limit a route gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLimit {
    /// `ServerConfig::body_limit_bytes`.
    Standard,
    /// `ServerConfig::bulk_body_limit_bytes`, for bulk ingestion endpoints.
    Bulk,
    /// [`cloudkyc_app::documents::MAX_DOCUMENT_BYTES`] (10 MiB), for document uploads: one
    /// file, larger than JSON bodies, fixed by the use case rather than configured.
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Patch => MethodFilter::PATCH,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// One row of the route table, as tests and documentation see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub verb: Verb,
    /// The axum path template, e.g. `/v1/keys/{id}` (the same syntax OpenAPI uses).
    pub path: &'static str,
    pub access: Access,
    pub body_limit: BodyLimit,
}

struct Route {
    spec: RouteSpec,
    handler: MethodRouter<AppState>,
}

fn route<H, T>(verb: Verb, path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let spec = RouteSpec {
        verb,
        path,
        access,
        body_limit: BodyLimit::Standard,
    };
    Route {
        spec,
        handler: on(verb.filter(), handler),
    }
}

fn table() -> Vec<Route> {
    use Access::{AnyRole, Public, Requires, Signed};
    use Verb::{Delete, Get, Post, Put};
    vec![
        route(Get, "/healthz", Public, health::healthz),
        route(Get, "/readyz", Public, health::readyz),
        route(Get, "/metrics", Public, metrics::metrics),
        route(Get, "/openapi.json", Public, openapi::openapi_json),
        route(
            Post,
            "/v1/keys",
            Requires(Permission::ManageKeys),
            keys::create_key,
        ),
        route(
            Get,
            "/v1/keys",
            Requires(Permission::ManageKeys),
            keys::list_keys,
        ),
        route(
            Delete,
            "/v1/keys/{id}",
            Requires(Permission::ManageKeys),
            keys::revoke_key,
        ),
        route(Get, "/v1/tenants", AnyRole, tenants::list_tenants),
        route(
            Post,
            "/v1/customers",
            Requires(Permission::WriteCustomers),
            customers::create_customer,
        ),
        route(
            Get,
            "/v1/customers",
            Requires(Permission::ReadCustomers),
            customers::list_customers,
        ),
        route(
            Get,
            "/v1/customers/{id}",
            Requires(Permission::ReadCustomers),
            customers::get_customer,
        ),
        route(
            Put,
            "/v1/customers/{id}/beneficial-owners",
            Requires(Permission::WriteCustomers),
            owners::replace_owners,
        ),
        route(
            Put,
            "/v1/customers/{id}/ownership",
            Requires(Permission::WriteCustomers),
            ownership::submit_ownership,
        ),
        route(
            Get,
            "/v1/customers/{id}/ownership",
            Requires(Permission::ReadCustomers),
            ownership::get_ownership,
        ),
        route(
            Post,
            "/v1/customers/{id}/redetermination",
            Requires(Permission::DecideCases),
            redetermination::redetermine,
        ),
        route(
            Post,
            "/v1/screenings",
            Requires(Permission::ReadCustomers),
            screenings::screen,
        ),
        route(
            Get,
            "/v1/lists",
            Requires(Permission::ReadCustomers),
            lists::list_lists,
        ),
        route(
            Get,
            "/v1/audit",
            Requires(Permission::ReadAudit),
            audit::list_events,
        ),
        route(
            Post,
            "/v1/audit/verify",
            Requires(Permission::ReadAudit),
            audit::verify,
        ),
        bulk(route(
            Post,
            "/v1/usage",
            Requires(Permission::IngestTelemetry),
            usage::ingest_usage,
        )),
        bulk(route(
            Post,
            "/v1/reservations",
            Requires(Permission::IngestTelemetry),
            usage::ingest_reservations,
        )),
        bulk(route(
            Post,
            "/v1/access-events",
            Requires(Permission::IngestTelemetry),
            access_events::ingest_access_events,
        )),
        route(
            Get,
            "/v1/access-events/summary",
            Requires(Permission::ReadCustomers),
            access_events::access_summary,
        ),
        route(
            Get,
            "/v1/compute/accounts/{account}",
            Requires(Permission::ReadCustomers),
            usage::assess_account,
        ),
        document(route(
            Post,
            "/v1/customers/{id}/documents",
            Requires(Permission::WriteCustomers),
            documents::upload_document,
        )),
        route(
            Get,
            "/v1/customers/{id}/documents",
            Requires(Permission::ReadCustomers),
            documents::list_documents,
        ),
        route(
            Get,
            "/v1/customers/{id}/documents/{document_id}/content",
            Requires(Permission::ReadDocumentImages),
            documents::document_content,
        ),
        route(
            Post,
            "/v1/customers/{id}/verifications",
            Requires(Permission::DecideCases),
            verifications::override_verification,
        ),
        route(
            Get,
            "/v1/customers/{id}/verifications",
            Requires(Permission::ReadCustomers),
            verifications::list_verifications,
        ),
        route(
            Post,
            "/v1/customers/{id}/verifications/{verification_id}/approve",
            Requires(Permission::DecideCases),
            verifications::approve_override,
        ),
        route(
            Post,
            "/v1/customers/{id}/verifications/{verification_id}/reject",
            Requires(Permission::DecideCases),
            verifications::reject_override,
        ),
        route(
            Post,
            "/v1/customers/{id}/screening/dispositions",
            Requires(Permission::DecideCases),
            screening_dispositions::record_disposition,
        ),
        route(
            Get,
            "/v1/customers/{id}/screening/dispositions",
            Requires(Permission::ReadCustomers),
            screening_dispositions::list_dispositions,
        ),
        route(
            Post,
            "/v1/customers/{id}/resubmissions",
            Requires(Permission::WriteCustomers),
            verifications::resubmit,
        ),
        route(
            Post,
            "/v1/webhooks/verification-vendor",
            Signed,
            vendor_webhook::receive,
        ),
        route(
            Post,
            "/v1/webhooks",
            Requires(Permission::ManageWebhooks),
            webhooks::create_webhook,
        ),
        route(
            Get,
            "/v1/webhooks",
            Requires(Permission::ManageWebhooks),
            webhooks::list_webhooks,
        ),
        route(
            Post,
            "/v1/resellers",
            Requires(Permission::ManageResellers),
            resellers::register_reseller,
        ),
        route(
            Get,
            "/v1/resellers",
            Requires(Permission::ManageResellers),
            resellers::list_resellers,
        ),
        route(
            Get,
            "/v1/resellers/{id}",
            Requires(Permission::ManageResellers),
            resellers::get_reseller,
        ),
        document(route(
            Put,
            "/v1/resellers/{id}/agreement",
            Requires(Permission::ManageResellers),
            resellers::upload_agreement,
        )),
        route(
            Get,
            "/v1/resellers/{id}/agreement",
            Requires(Permission::ManageResellers),
            resellers::read_agreement,
        ),
        route(
            Put,
            "/v1/resellers/{id}/legal-entity",
            Requires(Permission::ManageResellers),
            resellers::verify_legal_entity,
        ),
        route(
            Post,
            "/v1/resellers/{id}/attestations",
            Requires(Permission::ManageResellers),
            resellers::attest,
        ),
        route(
            Post,
            "/v1/resellers/{id}/reviews/start",
            Requires(Permission::ManageResellers),
            resellers::start_review,
        ),
        route(
            Post,
            "/v1/resellers/{id}/reviews",
            Requires(Permission::ManageResellers),
            resellers::complete_review,
        ),
        route(
            Post,
            "/v1/resellers/{id}/findings",
            Requires(Permission::ManageResellers),
            resellers::find_non_compliance,
        ),
        route(
            Post,
            "/v1/resellers/{id}/findings/withdrawal",
            Requires(Permission::ManageResellers),
            resellers::withdraw_finding,
        ),
        route(
            Post,
            "/v1/resellers/{id}/termination",
            Requires(Permission::ManageResellers),
            resellers::start_termination,
        ),
        route(
            Post,
            "/v1/resellers/{id}/termination/complete",
            Requires(Permission::ManageResellers),
            resellers::complete_termination,
        ),
        route(
            Post,
            "/v1/customers/{id}/legal-hold",
            Requires(Permission::DecideCases),
            retention::place_legal_hold,
        ),
        route(
            Delete,
            "/v1/customers/{id}/legal-hold",
            Requires(Permission::DecideCases),
            retention::release_legal_hold,
        ),
        route(
            Get,
            "/v1/customers/{id}/retention",
            Requires(Permission::ReadCustomers),
            retention::customer_retention,
        ),
        route(
            Get,
            "/v1/retention",
            Requires(Permission::ReadCustomers),
            retention::retention_status,
        ),
        route(
            Delete,
            "/v1/webhooks/{id}",
            Requires(Permission::ManageWebhooks),
            webhooks::delete_webhook,
        ),
        route(
            Get,
            "/v1/webhooks/{id}/deliveries",
            Requires(Permission::ManageWebhooks),
            webhooks::list_deliveries,
        ),
        route(
            Post,
            "/v1/reports",
            Requires(Permission::DecideCases),
            reports::generate_report,
        ),
        route(
            Get,
            "/v1/reports",
            Requires(Permission::ReadAudit),
            reports::list_reports,
        ),
        route(
            Get,
            "/v1/reports/{id}",
            Requires(Permission::ReadAudit),
            reports::get_report,
        ),
        // Reports with personal data also need `ReadCustomers`, which every role holding
        // `ReadAudit` has; the use case checks both.
        route(
            Get,
            "/v1/reports/{id}/json",
            Requires(Permission::ReadAudit),
            reports::report_json,
        ),
        route(
            Get,
            "/v1/reports/{id}/pdf",
            Requires(Permission::ReadAudit),
            reports::report_pdf,
        ),
        route(
            Get,
            "/v1/reports/{id}/archive",
            Requires(Permission::ReadAudit),
            reports::report_archive,
        ),
        route(
            Get,
            "/v1/cases",
            Requires(Permission::ReadAudit),
            cases::list_cases,
        ),
        route(
            Post,
            "/v1/cases",
            Requires(Permission::WorkCases),
            cases::open_case,
        ),
        route(
            Get,
            "/v1/cases/{id}",
            Requires(Permission::ReadAudit),
            cases::get_case,
        ),
        route(
            Post,
            "/v1/cases/{id}/actions",
            Requires(Permission::WorkCases),
            cases::act,
        ),
        document(route(
            Post,
            "/v1/cases/{id}/attachments",
            Requires(Permission::WorkCases),
            case_files::upload_attachment,
        )),
        route(
            Get,
            "/v1/cases/{id}/attachments",
            Requires(Permission::ReadAudit),
            case_files::list_attachments,
        ),
        route(
            Get,
            "/v1/cases/{id}/attachments/{attachment_id}/content",
            Requires(Permission::ReadDocumentImages),
            case_files::attachment_content,
        ),
        route(
            Get,
            "/v1/calendar",
            Requires(Permission::ReadAudit),
            case_files::calendar,
        ),
        route(
            Post,
            "/v1/special-measures",
            Requires(Permission::ManageSpecialMeasures),
            special_measures::create_measure,
        ),
        route(
            Get,
            "/v1/special-measures",
            Requires(Permission::ReadCustomers),
            special_measures::list_measures,
        ),
        route(
            Get,
            "/v1/special-measures/{id}",
            Requires(Permission::ReadCustomers),
            special_measures::get_measure,
        ),
        route(
            Post,
            "/v1/special-measures/{id}/extend",
            Requires(Permission::ManageSpecialMeasures),
            special_measures::extend_measure,
        ),
        route(
            Post,
            "/v1/special-measures/{id}/expire",
            Requires(Permission::ManageSpecialMeasures),
            special_measures::expire_measure,
        ),
    ]
}

/// A route for bulk ingestion: the larger body limit.
fn bulk(mut route: Route) -> Route {
    route.spec.body_limit = BodyLimit::Bulk;
    route
}

/// A document upload: the document body limit.
fn document(mut route: Route) -> Route {
    route.spec.body_limit = BodyLimit::Document;
    route
}

/// Every route the router serves, with its access rule.
pub fn routes() -> Vec<RouteSpec> {
    table().into_iter().map(|r| r.spec).collect()
}

/// The whole HTTP API over `app`, with its middleware. Serve it with [`crate::serve`], or call
/// it in-process (`tower::ServiceExt::oneshot`) in tests.
pub fn router(app: App, config: &ServerConfig) -> Router {
    let metrics = Arc::new(Metrics::new(app.store().backend()));
    let state = AppState {
        app,
        metrics: Arc::clone(&metrics),
    };
    let webhooks = Arc::new(config.webhooks.clone());
    let mut router = Router::new();
    for Route { spec, handler } in table() {
        let handler = match spec.body_limit {
            BodyLimit::Standard => handler,
            // Inside the router-wide default limit, so it overrides it for this route.
            BodyLimit::Bulk => handler.layer(DefaultBodyLimit::max(config.bulk_body_limit_bytes)),
            BodyLimit::Document => handler.layer(DefaultBodyLimit::max(
                cloudkyc_app::documents::MAX_DOCUMENT_BYTES,
            )),
        };
        // Signed routes check their signature with the configured secrets.
        let handler = match spec.access {
            Access::Signed => handler.layer(Extension(Arc::clone(&webhooks))),
            Access::Public | Access::AnyRole | Access::Requires(_) => handler,
        };
        router = router.route(spec.path, handler);
    }
    // The web console (HTML, its own sessions; not in the OpenAPI document).
    let router = router
        .merge(crate::console::router(config))
        .fallback(no_route);
    // Inside the request log and metrics, so refused requests are counted too.
    let router = middleware::rate_limit::apply(router, &config.rate_limit, &routes());
    middleware::apply(router, metrics, config).with_state(state)
}

async fn no_route() -> ApiError {
    ApiError::not_found("no such route; GET /openapi.json lists them all")
}

#[cfg(test)]
mod tests;
