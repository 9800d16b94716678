//! `TestApp`: a fresh database in a temporary directory (or, with `TestApp::postgres`, a fresh
//! PostgreSQL database), an `App` on a `ManualClock`, the router, a provider with one reseller,
//! and helpers to send requests and read answers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use cloudkyc_app::keys::CreateKey;
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_domain::{Role, TenantId};
use cloudkyc_server::ServerConfig;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{Store, TenantScope};
use cloudkyc_store_postgres::PgStore;
use cloudkyc_store_sqlite::SqliteStore;
use cloudkyc_test_pg::TestDatabase;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub fn default_policy() -> Arc<RulePack> {
    Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap())
}

pub fn start_of_test() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap()
}

/// A served app over a store of type `S` (SQLite unless a test asks for PostgreSQL).
pub struct TestApp<S = SqliteStore> {
    pub app: App,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub store: Arc<S>,
    pub operator: TenantScope,
    pub provider: TenantId,
    pub reseller: TenantId,
    /// A provider admin key.
    pub admin: String,
    _dir: Option<TempDir>,
    _pg: Option<TestDatabase>,
}

/// The defaults without rate limits: the route sweeps send hundreds of requests in a burst with
/// one key, and the limiter has its own tests (`rate_limits.rs`).
fn test_config() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.rate_limit.enabled = false;
    config
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(test_config()).await
    }

    pub async fn with_config(config: ServerConfig) -> Self {
        Self::with_config_and_policy(config, default_policy()).await
    }

    /// A fresh app under another rule pack (a test of a rule the bundled pack does not pick).
    pub async fn with_policy(policy: Arc<RulePack>) -> Self {
        Self::with_config_and_policy(test_config(), policy).await
    }

    async fn with_config_and_policy(config: ServerConfig, policy: Arc<RulePack>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
        let store = Arc::new(
            SqliteStore::open(&url, &MasterKey::generate())
                .await
                .unwrap(),
        );
        Self::build(store, &config, Some(dir), None, policy).await
    }
}

impl TestApp<PgStore> {
    /// The same on a fresh PostgreSQL database of the server `CLOUDKYC_TEST_POSTGRES_URL`
    /// names; `None`, after saying the test was skipped, when it is not set.
    pub async fn postgres() -> Option<Self> {
        let db = TestDatabase::create("the server tests").await?;
        let store = Arc::new(
            PgStore::connect(&db.url(), &MasterKey::generate())
                .await
                .unwrap(),
        );
        Some(Self::build(store, &test_config(), None, Some(db), default_policy()).await)
    }
}

impl<S: Store + 'static> TestApp<S> {
    async fn build(
        store: Arc<S>,
        config: &ServerConfig,
        dir: Option<TempDir>,
        pg: Option<TestDatabase>,
        policy: Arc<RulePack>,
    ) -> Self {
        let clock = Arc::new(ManualClock::new(start_of_test()));
        let app = App::new(store.clone(), clock.clone(), policy);
        let operator = app.operator_scope("Test Cloud Inc.").await.unwrap();
        let reseller = app
            .create_reseller_tenant(&operator, "Nimbus Cloud Pte Ltd")
            .await
            .unwrap();
        // The operator scope was built before the reseller existed; rebuild it so it sees it.
        let operator = app.operator_scope("Test Cloud Inc.").await.unwrap();
        let router = cloudkyc_server::router(app.clone(), config);
        let mut test = Self {
            provider: operator.tenant(),
            reseller: reseller.id,
            app,
            router,
            clock,
            store,
            operator,
            admin: String::new(),
            _dir: dir,
            _pg: pg,
        };
        test.admin = test.key(Role::Admin).await;
        test
    }

    /// A fresh key of `role`: on the reseller tenant for `Reseller`, else on the provider.
    pub async fn key(&self, role: Role) -> String {
        let tenant = (role == Role::Reseller).then_some(self.reseller);
        self.key_for(role, tenant).await
    }

    pub async fn key_for(&self, role: Role, tenant: Option<TenantId>) -> String {
        let request = CreateKey {
            role,
            tenant,
            name: format!("test {role}"),
            expires_at: None,
        };
        self.app
            .create_key(&self.operator, request)
            .await
            .unwrap()
            .secret
            .expose()
            .to_owned()
    }

    /// One key of every role.
    pub async fn keys_by_role(&self) -> HashMap<Role, String> {
        let mut keys = HashMap::new();
        for role in Role::ALL {
            keys.insert(role, self.key(role).await);
        }
        keys
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 64 << 20).await.unwrap().to_vec();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        json: Option<&Value>,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = match json {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(json).unwrap())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> TestResponse {
        self.call(Method::GET, path, key, None).await
    }

    pub async fn post(&self, path: &str, key: Option<&str>, json: &Value) -> TestResponse {
        self.call(Method::POST, path, key, Some(json)).await
    }

    pub async fn delete(&self, path: &str, key: Option<&str>) -> TestResponse {
        self.call(Method::DELETE, path, key, None).await
    }

    /// A raw body with the given content type (or none), authenticated as the admin.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> TestResponse {
        let mut request =
            Request::post(path).header(header::AUTHORIZATION, format!("Bearer {}", self.admin));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).unwrap()).await
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts a success status and returns the JSON body.
    pub fn ok(&self, status: StatusCode) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }

    /// Asserts that this is a well-formed problem of `status` and returns it.
    pub fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header(header::CONTENT_TYPE), Some(PROBLEM_JSON));
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16());
        for field in ["type", "title", "detail", "request_id"] {
            assert!(
                problem[field].is_string(),
                "problem without {field}: {problem}"
            );
        }
        assert_eq!(problem["request_id"].as_str(), self.header("x-request-id"));
        problem
    }

    /// The JSON pointers of a 422's invalid fields.
    pub fn invalid_paths(&self) -> Vec<String> {
        let problem = self.problem(StatusCode::UNPROCESSABLE_ENTITY);
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_owned())
            .collect()
    }
}
