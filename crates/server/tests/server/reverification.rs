//! The daily ongoing-duties sweep (`customers.reverify_due`): with a `ManualClock` moved past the
//! due dates, exactly the due customers are decided again, and a customer pending longer than
//! `[access.pending].max_days` is failed.
//!
//! The pack here is the bundled one with `ip_geolocation` left out of the medium tier's checks,
//! so that a foreign customer can be verified at onboarding (the bundled pack waits for access
//! events first), and `document_not_expired` added, so that a re-verification sees a passport
//! that expired meanwhile.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, TimeZone, Utc};
use cloudkyc_app::customers::{ACCESS_CHANGED_JOB, AccessChange, AccountAccess};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_server::ServerConfig;
use cloudkyc_store::JobStore;
use cloudkyc_store::TenantScope;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::owners::reasons;

const BUNDLED_MEDIUM_CHECKS: &str = r#"checks = ["email_domain", "phone_country", "payment_country", "ip_geolocation", "document_number_pattern"]"#;
const OFFLINE_MEDIUM_CHECKS: &str = r#"checks = ["email_domain", "phone_country", "payment_country", "document_number_pattern", "document_not_expired"]"#;

fn offline_pack() -> Arc<RulePack> {
    let source = RulePack::bundled_source(DEFAULT_PACK_ID).unwrap();
    assert!(
        source.contains(BUNDLED_MEDIUM_CHECKS),
        "the bundled pack changed"
    );
    let source = source.replace(BUNDLED_MEDIUM_CHECKS, OFFLINE_MEDIUM_CHECKS);
    Arc::new(RulePack::from_toml_str(&source).unwrap())
}

struct Harness {
    app: App,
    clock: Arc<ManualClock>,
    store: Arc<SqliteStore>,
    operator: TenantScope,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn new(start: DateTime<Utc>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
        let store = Arc::new(
            SqliteStore::open(&url, &MasterKey::generate())
                .await
                .unwrap(),
        );
        let clock = Arc::new(ManualClock::new(start));
        let app = App::new(store.clone(), clock.clone(), offline_pack());
        let operator = app.operator_scope("Test Cloud Inc.").await.unwrap();
        Self {
            app,
            clock,
            store,
            operator,
            _dir: dir,
        }
    }

    fn move_to(&self, at: DateTime<Utc>) {
        self.clock.advance(at - self.app.now());
    }

    async fn onboard(&self, body: Value) -> CustomerId {
        let draft: CustomerDraft = serde_json::from_value(body).unwrap();
        self.app
            .onboard_customer(&self.operator, draft, None)
            .await
            .unwrap()
            .customer
            .id
    }

    /// The customer as the API shows it.
    async fn read(&self, id: CustomerId) -> Value {
        let router = cloudkyc_server::router(self.app.clone(), &ServerConfig::default());
        let request = Request::get(format!("/v1/customers/{id}"))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.admin_key().await),
            )
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    async fn admin_key(&self) -> String {
        let request = cloudkyc_app::keys::CreateKey {
            role: cloudkyc_domain::Role::Admin,
            tenant: None,
            name: "sweep test".into(),
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

    async fn drain(&self) {
        let report = JobRunner::new(self.app.clone()).drain().await.unwrap();
        assert_eq!((report.retried, report.dead), (0, 0), "{report:?}");
    }

    async fn access_changes(&self) -> Vec<AccessChange> {
        let mut out = Vec::new();
        let now = self.app.now();
        while let Some(job) = self
            .store
            .claim_job(&[ACCESS_CHANGED_JOB], now, Duration::minutes(5))
            .await
            .unwrap()
        {
            out.push(serde_json::from_value(job.payload.clone()).unwrap());
            self.store.complete_job(job.id, now).await.unwrap();
        }
        out
    }
}

fn amara(n: u32) -> Value {
    amara_with_passport_until(n, "2031-09-15")
}

fn amara_with_passport_until(n: u32, expires: &str) -> Value {
    json!({
      "kind": "individual",
      "name": {"full": "Amara Okafor"},
      "date_of_birth": "1988-04-12",
      "nationalities": ["NG"],
      "addresses": [{"line1": "12 Marina Road", "city": "Lagos", "country": "NG"}],
      "emails": [format!("amara{n}@example.ng")],
      "phones": ["+234 803 555 0142"],
      "documents": [{"type": "passport", "number": "A07314252", "issuing_country": "NG",
                     "expires": expires}],
      "accounts": [{"external_id": format!("acct-{n}"),
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "NG", "source": "customer"}]}]
    })
}

/// An entity whose owners' contact details are missing: pending, account not opened.
fn helios() -> Value {
    json!({
      "kind": "entity",
      "name": {"full": "Helios Compute FZ-LLC"},
      "incorporation": {"country": "AE", "date": "2024-03-01"},
      "addresses": [{"line1": "Unit 4, Cluster X", "city": "Dubai", "country": "AE"}],
      "emails": ["ops@helioscompute.example"],
      "phones": ["+971 4 555 0199"],
      "accounts": [{"external_id": "acct-helios",
                    "payment_methods": [{"type": "bank_account", "country": "AE", "source": "customer"}]}],
      "beneficial_owners": [
        {"name": {"full": "Li Wei"}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
         "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}],
         "ownership_percent": 60}
      ]
    })
}

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().unwrap()
}

#[tokio::test]
async fn the_sweep_decides_again_exactly_the_due_customers_and_fails_the_long_pending() {
    let h = Harness::new(day(2026, 11, 1)).await;
    let early = h.onboard(amara(1)).await;
    let pending = h.onboard(helios()).await;
    let before = h.read(early).await;
    assert_eq!(before["cip_status"], "verified", "{before}");
    assert_eq!(before["risk_tier"], "medium");
    let helios_before = h.read(pending).await;
    assert_eq!(
        (
            &helios_before["cip_status"],
            &helios_before["account_access"]
        ),
        (&json!("pending"), &json!("none"))
    );
    assert!(h.app.schedule_daily_jobs().await.unwrap());
    h.drain().await;
    assert_eq!(h.read(pending).await, helios_before, "not due yet");

    // 31 days later the pending customer has waited longer than the pack's 30 days. (The sweep
    // is run directly here, so that the access-change notice is still queued to be looked at;
    // the job runner would deliver it.)
    h.move_to(day(2026, 12, 2));
    let report = h.app.sweep_ongoing_duties(&h.operator).await.unwrap();
    assert_eq!(
        (report.reverified, report.expired, report.errors),
        (0, 1, 0)
    );
    let expired = h.read(pending).await;
    assert_eq!(expired["cip_status"], "failed", "{expired}");
    assert_eq!(expired["account_access"], "closed");
    assert_eq!(
        reasons(&expired).last().unwrap(),
        "verification pending since 2026-11-01, longer than the pack's 30 days: treated as failed, account access closed"
    );
    let notices = h.access_changes().await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        (notices[0].from, notices[0].to),
        (AccountAccess::None, AccountAccess::Closed)
    );
    assert_eq!(notices[0].cause, "customer.pending_expired");
    assert_eq!(h.read(early).await, before, "verified a month ago: not due");

    // Six months in, a second customer is verified.
    h.move_to(day(2027, 5, 1));
    let late = h.onboard(amara(2)).await;
    h.drain().await;
    let late_before = h.read(late).await;

    // Two years after the first verification the medium tier's 24 months have run out for the
    // first customer only.
    h.move_to(day(2028, 11, 1));
    h.drain().await;
    let after = h.read(early).await;
    assert_eq!(after["cip_status"], "verified", "{after}");
    assert_eq!(after["updated_at"], json!(day(2028, 11, 1)));
    assert!(
        reasons(&after)
            .iter()
            .any(|r| r == "periodic re-verification due (tier medium, every 24 months)"),
        "{after}"
    );
    assert_eq!(
        h.read(late).await,
        late_before,
        "verified 18 months ago: not due"
    );
    assert_eq!(
        h.read(pending).await,
        expired,
        "failed customers are not swept"
    );

    // The next day nothing is due: the re-verification restarted the clock.
    h.move_to(day(2028, 11, 2));
    h.drain().await;
    assert_eq!(h.read(early).await, after);

    // The second customer's turn comes 24 months after its own verification.
    h.move_to(day(2029, 5, 1));
    h.drain().await;
    assert_eq!(h.read(late).await["updated_at"], json!(day(2029, 5, 1)));
    assert_eq!(h.read(early).await, after);
}

#[tokio::test]
async fn a_passport_that_expired_meanwhile_fails_the_re_verification() {
    let h = Harness::new(day(2026, 11, 1)).await;
    let id = h.onboard(amara_with_passport_until(3, "2027-12-31")).await;
    let before = h.read(id).await;
    assert_eq!(before["cip_status"], "verified", "{before}");
    assert!(h.app.schedule_daily_jobs().await.unwrap());
    h.drain().await;

    h.move_to(day(2028, 11, 1));
    let report = h.app.sweep_ongoing_duties(&h.operator).await.unwrap();
    assert_eq!(
        (report.reverified, report.expired, report.errors),
        (1, 0, 0)
    );
    let after = h.read(id).await;
    let expiry = after["verification_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "document_not_expired")
        .unwrap();
    assert_eq!(expiry["outcome"], "fail", "{after}");
    assert_eq!(after["cip_status"], "failed");
    assert_eq!(after["account_access"], "closed");
    assert_eq!(
        reasons(&after)[0],
        "periodic re-verification due (tier medium, every 24 months)"
    );
    let notices = h.access_changes().await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        (notices[0].from, notices[0].to, notices[0].cause.as_str()),
        (
            AccountAccess::Full,
            AccountAccess::Closed,
            "customer.reverify"
        )
    );
}
