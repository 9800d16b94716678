//! One test over a real socket: `Server::bind` on an ephemeral port, a request with hyper's
//! client, then a graceful shutdown with an idle keep-alive connection still open.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cloudkyc_app::{App, SystemClock};
use cloudkyc_server::{Server, ServerConfig};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;

#[tokio::test]
async fn serve_answers_over_tcp_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
    let store = Arc::new(
        SqliteStore::open(&url, &MasterKey::generate())
            .await
            .unwrap(),
    );
    let app = App::new(
        store,
        Arc::new(SystemClock),
        super::support::default_policy(),
    );
    app.operator_scope("Test Cloud Inc.").await.unwrap();

    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    };
    let server = Server::bind(app.clone(), config).await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let request = Request::get("/healthz")
        .header("host", addr.to_string())
        .body(Body::empty())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], br#"{"status":"ok"}"#);

    // The keep-alive connection is idle now; shutdown must not wait for the client to drop it.
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    connection.await.unwrap().unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );

    // Serving scheduled the daily audit verification, and the job loop ran it.
    let counts = app.job_counts().await.unwrap();
    assert!(
        counts.done + counts.queued + counts.running >= 1,
        "{counts:?}"
    );
}
