//! Restricted-party lists: `GET /v1/lists`, `/readyz` and `/metrics` detail, and updates
//! downloaded from a real local HTTP server, including broken and truncated downloads, which
//! must fail closed (the last good snapshot stays in force).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cloudkyc_app::App;
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::lists::{
    HttpFetcher, LIST_UPDATE_JOB, ListSourceConfig, ListSources, ListUpdateOutcome, ListsConfig,
};
use cloudkyc_server::ServerConfig;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::support::TestApp;

const DPL: &[u8] = include_bytes!("../../../../data/lists/bis_dpl/dpl_2022-09.txt");
/// A name on no bundled list, added to the DPL by the "new publication".
const NEW_NAME: &str = "ZORBANEX QUILLFEATHER";

/// The DPL fixture plus one new row.
fn new_dpl() -> Vec<u8> {
    let mut bytes = DPL.to_vec();
    if !bytes.ends_with(b"\n") {
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(
        format!(
            "\"{NEW_NAME}\"\t\"1 HARBOUR ROAD\"\t\"VALLETTA\"\t\"\"\t\"MT\"\t\"VLT 1000\"\t\
             \"01/02/2026\"\t\"01/02/2036\"\t\"Y\"\t\"2026-01-05\"\t\"F.R. NOTICE ADDED\"\t\
             \"91 F.R. 100 1/5/2026\"\r\n"
        )
        .as_bytes(),
    );
    bytes
}

/// What the local publisher answers next.
#[derive(Debug, Clone)]
enum Publish {
    Body(Vec<u8>),
    Status(u16),
}

type Published = Arc<Mutex<Publish>>;

async fn serve_list(State(published): State<Published>) -> Response {
    let answer = published.lock().unwrap().clone();
    match answer {
        Publish::Body(bytes) => ([(header::CONTENT_TYPE, "text/plain")], bytes).into_response(),
        Publish::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
    }
}

/// A publisher on 127.0.0.1:0 serving `/dpl.txt`; returns its base URL.
async fn publisher(published: Published) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/dpl.txt", get(serve_list))
        .with_state(published);
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// A server that promises more bytes than it sends, then hangs up (a cut connection).
async fn lying_publisher(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0_u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len() * 2
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        }
    });
    format!("http://{addr}/dpl.txt")
}

fn sources(url: &str) -> ListSources {
    let source = ListSourceConfig {
        format: "dpl_tsv".to_owned(),
        url: url.to_owned(),
        addresses_url: None,
        aliases_url: None,
        comments_url: None,
    };
    let config = ListsConfig::none().with_sources([("bis_dpl".to_owned(), source)].into());
    ListSources::new(
        config,
        Arc::new(HttpFetcher::new(
            std::time::Duration::from_secs(10),
            1 << 24,
        )),
    )
}

/// The test app's store and index with list sources, and a router over it.
fn with_sources(t: &TestApp, url: &str) -> (App, Router) {
    let app = t.app.clone().with_list_sources(sources(url));
    let router = cloudkyc_server::router(app.clone(), &ServerConfig::default());
    (app, router)
}

async fn get_json(router: &Router, path: &str, key: Option<&str>) -> (StatusCode, Value) {
    use tower::ServiceExt;
    let mut request = axum::http::Request::get(path);
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn list<'a>(lists: &'a Value, id: &str) -> &'a Value {
    lists["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no list {id}: {lists}"))
}

async fn hits_for(t: &TestApp, name: &str) -> Vec<Value> {
    let result = t
        .post(
            "/v1/screenings",
            Some(&t.admin),
            &json!({"name": name, "schema": "person"}),
        )
        .await
        .ok(StatusCode::OK);
    result["hits"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_bundled_lists_are_in_force_on_a_fresh_database() {
    let t = TestApp::new().await;
    let lists = t.get("/v1/lists", Some(&t.admin)).await.ok(StatusCode::OK);
    for id in ["ofac_sdn", "ofac_cons", "un_sc", "bis_dpl", "csl"] {
        let l = list(&lists, id);
        assert_eq!(l["source"], "bundled", "{l}");
        assert_eq!(l["state"], "ok", "{l}");
        assert_eq!(l["content_sha256"].as_str().unwrap().len(), 64, "{l}");
    }
    assert_eq!(list(&lists, "bis_dpl")["entity_count"], 581);
    assert_eq!(list(&lists, "un_sc")["published"], "2026-02-27");
    let ready = t.get("/readyz", None).await.ok(StatusCode::OK);
    let check = ready["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "lists")
        .unwrap();
    assert_eq!(check["ok"], true, "{ready}");
}

#[tokio::test]
async fn a_good_download_is_put_in_force_and_screened_against_at_once() {
    let t = TestApp::new().await;
    let published: Published = Arc::new(Mutex::new(Publish::Body(new_dpl())));
    let base = publisher(published.clone()).await;
    let (app, router) = with_sources(&t, &format!("{base}/dpl.txt"));
    assert!(hits_for(&t, "Zorbanex Quillfeather").await.is_empty());

    let report = app.update_lists(&t.operator).await.unwrap();
    assert_eq!(report.lists.len(), 1);
    assert!(
        matches!(
            &report.lists[0].1,
            ListUpdateOutcome::Updated {
                entity_count: 582,
                ..
            }
        ),
        "{report:?}"
    );
    // The router built before the update (the test app's) screens against the new index.
    let hits = hits_for(&t, "Zorbanex Quillfeather").await;
    let top = hits.first().expect("the new name is found");
    assert_eq!(top["list"], "bis_dpl", "{top}");
    assert!(top["score"].as_f64().unwrap() >= 0.99, "{top}");

    let (status, lists) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
    assert_eq!(status, StatusCode::OK);
    let dpl = list(&lists, "bis_dpl");
    assert_eq!(dpl["source"], "store", "{dpl}");
    assert_eq!(dpl["entity_count"], 582);
    assert_eq!(dpl["url"], format!("{base}/dpl.txt"));
    assert!(
        dpl["last_success_at"].is_string() && dpl["last_error"].is_null(),
        "{dpl}"
    );
    let hash = dpl["content_sha256"].clone();

    // The same publication again: success recorded, no new snapshot.
    let report = app.update_lists(&t.operator).await.unwrap();
    assert!(
        matches!(&report.lists[0].1, ListUpdateOutcome::Unchanged { .. }),
        "{report:?}"
    );
    let (_, lists) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
    assert_eq!(list(&lists, "bis_dpl")["content_sha256"], hash);
}

#[tokio::test]
async fn broken_truncated_and_garbage_downloads_keep_the_last_good_snapshot() {
    let t = TestApp::new().await;
    let published: Published = Arc::new(Mutex::new(Publish::Body(new_dpl())));
    let base = publisher(published.clone()).await;
    let url = format!("{base}/dpl.txt");
    let (app, router) = with_sources(&t, &url);
    app.update_lists(&t.operator).await.unwrap();
    let (_, before) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
    let good_hash = list(&before, "bis_dpl")["content_sha256"].clone();

    let full = new_dpl();
    let cut_mid_row = full[..full.len() - 40].to_vec();
    let few_rows: Vec<u8> = full
        .split_inclusive(|b| *b == b'\n')
        .take(20)
        .flatten()
        .copied()
        .collect();
    let cases: Vec<(&str, Publish, &str)> = vec![
        ("HTTP 500", Publish::Status(500), "HTTP 500"),
        ("cut mid-row", Publish::Body(cut_mid_row), "does not parse"),
        (
            "garbage",
            Publish::Body(b"\x00\xff<html>nope".to_vec()),
            "does not parse",
        ),
        (
            "a sudden drop",
            Publish::Body(few_rows),
            "drop of more than 50 %",
        ),
    ];
    for (round, (what, publish, expected)) in cases.into_iter().enumerate() {
        *published.lock().unwrap() = publish;
        let report = app.update_lists(&t.operator).await.unwrap();
        let ListUpdateOutcome::Failed { error } = &report.lists[0].1 else {
            panic!("{what}: {report:?}");
        };
        assert!(error.contains(expected), "{what}: {error}");
        let (_, lists) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
        let dpl = list(&lists, "bis_dpl");
        assert_eq!(dpl["state"], "update_failed", "{what}: {dpl}");
        assert_eq!(dpl["content_sha256"], good_hash, "{what}: {dpl}");
        assert_eq!(dpl["update_failures"], round + 1, "{what}: {dpl}");
        assert!(
            !hits_for(&t, "Zorbanex Quillfeather").await.is_empty(),
            "{what}: the good snapshot stays in force"
        );
    }

    // A body shorter than its Content-Length, over a real socket.
    let (app, router) = with_sources(&t, &lying_publisher(new_dpl()).await);
    let report = app.update_lists(&t.operator).await.unwrap();
    let ListUpdateOutcome::Failed { error } = &report.lists[0].1 else {
        panic!("{report:?}");
    };
    assert!(
        error.contains("cut") || error.contains("truncated"),
        "{error}"
    );

    // Ready: a good snapshot is in force, and the detail says the update failed.
    let (status, ready) = get_json(&router, "/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    let check = ready["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "lists")
        .unwrap()
        .clone();
    let detail = check["detail"].as_str().unwrap();
    assert!(
        detail.contains("bis_dpl") && detail.contains("stays in force"),
        "{detail}"
    );

    let metrics = t.get("/metrics", None).await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(
        text.contains("cloudkyc_list_update_failures{list=\"bis_dpl\"} 5"),
        "{text}"
    );
    assert!(
        text.contains("cloudkyc_list_snapshot_age_seconds{list=\"bis_dpl\"}"),
        "{text}"
    );

    // A good publication again clears the error.
    *published.lock().unwrap() = Publish::Body(new_dpl());
    let (app, router) = with_sources(&t, &url);
    app.update_lists(&t.operator).await.unwrap();
    let (_, lists) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
    assert_eq!(list(&lists, "bis_dpl")["state"], "ok");
}

#[tokio::test]
async fn a_configured_list_with_no_snapshot_makes_the_server_unready() {
    let t = TestApp::new().await;
    let published: Published = Arc::new(Mutex::new(Publish::Status(503)));
    let base = publisher(published).await;
    let source = ListSourceConfig {
        format: "ftm_jsonl".to_owned(),
        url: format!("{base}/dpl.txt"),
        addresses_url: None,
        aliases_url: None,
        comments_url: None,
    };
    let config = ListsConfig::none().with_sources([("opensanctions".to_owned(), source)].into());
    let app = t
        .app
        .clone()
        .with_list_sources(ListSources::new(config, Arc::new(HttpFetcher::default())));
    let router = cloudkyc_server::router(app.clone(), &ServerConfig::default());
    app.update_lists(&t.operator).await.unwrap();
    let (status, ready) = get_json(&router, "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    let (_, lists) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
    let l = list(&lists, "opensanctions");
    assert_eq!(l["state"], "missing", "{l}");
    assert!(
        l["last_error"].as_str().unwrap().contains("HTTP 503"),
        "{l}"
    );
}

#[tokio::test]
async fn the_scheduled_job_updates_the_lists() {
    let t = TestApp::new().await;
    let published: Published = Arc::new(Mutex::new(Publish::Body(new_dpl())));
    let base = publisher(published).await;
    let (app, router) = with_sources(&t, &format!("{base}/dpl.txt"));
    app.schedule_list_updates(t.provider, chrono::Duration::zero())
        .await
        .unwrap();
    let report = JobRunner::new(app.clone()).drain().await.unwrap();
    // The update, then the re-screening it started (issue 4): one page of customers, then one
    // of stored ownership structures.
    assert_eq!(report.completed, 3, "{report:?}");
    let (_, lists) = get_json(&router, "/v1/lists", Some(&t.admin)).await;
    assert_eq!(list(&lists, "bis_dpl")["source"], "store");
    let events = t.get("/v1/audit", Some(&t.admin)).await.ok(StatusCode::OK);
    let actions: Vec<&str> = events["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_kind"] == "list")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["list.activate", "list.update"], "{events}");
    // The next run is scheduled one interval later.
    let counts = app.job_counts().await.unwrap();
    assert_eq!(counts.queued, 1, "{counts:?}");
    let _ = LIST_UPDATE_JOB;
}

#[tokio::test]
async fn only_the_providers_administrators_change_lists() {
    let t = TestApp::new().await;
    let reseller_admin = t.app.operator_scope_for(t.reseller).await.unwrap();
    let (app, _) = with_sources(&t, "http://127.0.0.1:9/dpl.txt");
    let refused = app.update_lists(&reseller_admin).await;
    assert!(
        matches!(refused, Err(cloudkyc_app::AppError::Forbidden(_))),
        "{refused:?}"
    );
    // Every role that reads customers reads the lists, resellers included.
    let key = t
        .key_for(cloudkyc_domain::Role::Reseller, Some(t.reseller))
        .await;
    let lists = t.get("/v1/lists", Some(&key)).await.ok(StatusCode::OK);
    assert!(lists["lists"].as_array().unwrap().len() >= 5);
}
