//! The OpenAPI document: served, valid JSON, and unchanged unless the snapshot is updated on
//! purpose (`cargo insta review` or `INSTA_UPDATE=always`).

use axum::http::StatusCode;

use super::support::TestApp;

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_its_snapshot() {
    let t = TestApp::new().await;
    let mut doc = t.get("/openapi.json", None).await.ok(StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // The version changes with every release; the API shape is what the snapshot guards.
    doc["info"]["version"] = "[version]".into();
    insta::assert_json_snapshot!("openapi", doc);
}
