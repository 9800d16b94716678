//! `/v1/customers/{id}/documents`: upload, list and read back with the right SHA-256, replays of
//! the same bytes, tenant isolation, who may read images, and every bad upload refused.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cloudkyc_app::keys::CreateKey;
use cloudkyc_domain::Role;
use cloudkyc_store::AuditStore;
use cloudkyc_store::documents::sha256_hex;
use serde_json::{Value, json};

use super::support::{TestApp, TestResponse};

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

fn png(marker: &str) -> Vec<u8> {
    [PNG_MAGIC, marker.as_bytes()].concat()
}

fn customer(account: &str) -> Value {
    json!({
      "kind": "individual",
      "name": {"full": "Amara Okafor"},
      "date_of_birth": "1988-04-12",
      "nationalities": ["NG"],
      "addresses": [{"line1": "12 Marina Road", "city": "Lagos", "country": "NG"}],
      "emails": ["amara.okafor@example.ng"],
      "phones": ["+234 803 555 0142"],
      "accounts": [{"external_id": account,
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "NG", "source": "customer"}]}],
      "beneficial_owners": []
    })
}

async fn onboard(t: &TestApp, key: &str, account: &str) -> String {
    let created = t
        .post("/v1/customers", Some(key), &customer(account))
        .await
        .ok(StatusCode::CREATED);
    created["id"].as_str().unwrap().to_owned()
}

async fn upload(
    t: &TestApp,
    key: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> TestResponse {
    let mut request = Request::post(path).header(header::AUTHORIZATION, format!("Bearer {key}"));
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    t.send(request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn an_upload_is_listed_and_read_back_with_its_sha256_and_the_read_is_audited() {
    let t = TestApp::new().await;
    let id = onboard(&t, &t.admin, "acct-doc-1").await;
    let bytes = png("passport data page");
    let path = format!("/v1/customers/{id}/documents?kind=passport");
    let created = upload(&t, &t.admin, &path, Some("image/png"), bytes.clone())
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(created["customer_id"], id.as_str());
    assert_eq!(created["kind"], "passport");
    assert_eq!(created["content_type"], "image/png");
    assert_eq!(created["size"], bytes.len());
    assert_eq!(created["sha256"], sha256_hex(&bytes));
    assert_eq!(created["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(created["uploaded_at"], "2026-11-01T09:00:00Z");

    // The same bytes again: the first record, 200.
    let replay = upload(&t, &t.admin, &path, Some("image/png"), bytes.clone())
        .await
        .ok(StatusCode::OK);
    assert_eq!(replay, created);

    let pdf = b"%PDF-1.7\n utility bill".to_vec();
    let second = upload(
        &t,
        &t.admin,
        &format!("/v1/customers/{id}/documents?kind=proof_of_address"),
        Some("application/pdf; charset=binary"),
        pdf.clone(),
    )
    .await
    .ok(StatusCode::CREATED);

    let listed = t
        .get(&format!("/v1/customers/{id}/documents"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(listed["documents"], json!([created, second]));

    let doc_id = created["id"].as_str().unwrap();
    let read = t
        .get(
            &format!("/v1/customers/{id}/documents/{doc_id}/content"),
            Some(&t.admin),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body, bytes);
    assert_eq!(read.header(header::CONTENT_TYPE), Some("image/png"));
    assert_eq!(read.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(read.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));

    let events = t
        .store
        .audit_events(&t.operator, t.provider, 0, 1000)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.subject_kind == "document")
        .map(|e| (e.action.as_str(), e.subject_id.as_str()))
        .collect();
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(
        actions,
        vec![
            ("document.upload", doc_id),
            ("document.upload", second_id),
            ("document.read", doc_id),
        ]
    );
}

#[tokio::test]
async fn another_tenants_customer_and_documents_are_not_found() {
    let t = TestApp::new().await;
    let reseller_key = t.key(Role::Reseller).await;
    let id = onboard(&t, &reseller_key, "acct-r-1").await;
    let path = format!("/v1/customers/{id}/documents?kind=selfie");
    let created = upload(&t, &reseller_key, &path, Some("image/png"), png("face"))
        .await
        .ok(StatusCode::CREATED);
    let doc_id = created["id"].as_str().unwrap();

    let other = t
        .app
        .create_reseller_tenant(&t.operator, "Cirrus Reseller")
        .await
        .unwrap();
    // The operator scope of the test app predates this tenant: rebuild it to see it.
    let operator = t.app.operator_scope("Test Cloud Inc.").await.unwrap();
    let request = CreateKey {
        role: Role::Reseller,
        tenant: Some(other.id),
        name: "other reseller".into(),
        expires_at: None,
    };
    let created_key = t.app.create_key(&operator, request).await.unwrap();
    let other_key = created_key.secret.expose().to_owned();
    upload(&t, &other_key, &path, Some("image/png"), png("intruder"))
        .await
        .problem(StatusCode::NOT_FOUND);
    t.get(&format!("/v1/customers/{id}/documents"), Some(&other_key))
        .await
        .problem(StatusCode::NOT_FOUND);

    // The provider sees its reseller's documents.
    let listed = t
        .get(&format!("/v1/customers/{id}/documents"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(listed["documents"], json!([created]));
    // A document is reached only through its own customer.
    let mine = onboard(&t, &t.admin, "acct-p-1").await;
    t.get(
        &format!("/v1/customers/{mine}/documents/{doc_id}/content"),
        Some(&t.admin),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_people_who_verify_documents_read_the_bytes() {
    let t = TestApp::new().await;
    let id = onboard(&t, &t.admin, "acct-roles").await;
    let created = upload(
        &t,
        &t.admin,
        &format!("/v1/customers/{id}/documents?kind=passport"),
        Some("image/jpeg"),
        [&[0xFF_u8, 0xD8, 0xFF, 0xE0][..], b"jfif"].concat(),
    )
    .await
    .ok(StatusCode::CREATED);
    let content = format!(
        "/v1/customers/{id}/documents/{}/content",
        created["id"].as_str().unwrap()
    );
    for (role, may_read) in [
        (Role::Officer, true),
        (Role::Analyst, true),
        (Role::Integration, false),
        (Role::Auditor, false),
    ] {
        let key = t.key(role).await;
        let response = t.get(&content, Some(&key)).await;
        if may_read {
            assert_eq!(response.status, StatusCode::OK, "{role}");
        } else {
            response.problem(StatusCode::FORBIDDEN);
            // The metadata and fingerprint stay visible to them.
            t.get(&format!("/v1/customers/{id}/documents"), Some(&key))
                .await
                .ok(StatusCode::OK);
        }
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_and_store_nothing() {
    let t = TestApp::new().await;
    let id = onboard(&t, &t.admin, "acct-bad").await;
    let path = format!("/v1/customers/{id}/documents?kind=passport");

    for content_type in [Some("image/gif"), Some("application/json"), None] {
        let problem = upload(&t, &t.admin, &path, content_type, png("x"))
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            problem["type"],
            "urn:cloudkyc:problem:unsupported-media-type"
        );
    }
    // JPEG declared, PNG sent.
    let mismatch = upload(&t, &t.admin, &path, Some("image/jpeg"), png("x")).await;
    assert_eq!(mismatch.invalid_paths(), vec!["/body"]);
    let empty = upload(&t, &t.admin, &path, Some("image/png"), Vec::new()).await;
    assert_eq!(empty.invalid_paths(), vec!["/body"]);
    // Every problem at once: unknown kind and wrong bytes.
    let both = upload(
        &t,
        &t.admin,
        &format!("/v1/customers/{id}/documents?kind=id_card"),
        Some("application/pdf"),
        png("x"),
    )
    .await;
    assert_eq!(both.invalid_paths(), vec!["/kind", "/body"]);
    let no_kind = upload(
        &t,
        &t.admin,
        &format!("/v1/customers/{id}/documents"),
        Some("image/png"),
        png("x"),
    )
    .await;
    assert_eq!(no_kind.invalid_paths(), vec!["/kind"]);

    let oversize = [
        PNG_MAGIC,
        &vec![0_u8; cloudkyc_app::documents::MAX_DOCUMENT_BYTES],
    ]
    .concat();
    let problem = upload(&t, &t.admin, &path, Some("image/png"), oversize)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem["type"], "urn:cloudkyc:problem:payload-too-large");
    // Just under the limit passes.
    let largest = [
        PNG_MAGIC,
        &vec![7_u8; cloudkyc_app::documents::MAX_DOCUMENT_BYTES - 8],
    ]
    .concat();
    upload(&t, &t.admin, &path, Some("image/png"), largest)
        .await
        .ok(StatusCode::CREATED);

    upload(
        &t,
        &t.admin,
        &format!(
            "/v1/customers/{}/documents?kind=passport",
            uuid::Uuid::new_v4()
        ),
        Some("image/png"),
        png("x"),
    )
    .await
    .problem(StatusCode::NOT_FOUND);

    let listed = t
        .get(&format!("/v1/customers/{id}/documents"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        listed["documents"].as_array().unwrap().len(),
        1,
        "only the valid upload was stored"
    );
}
