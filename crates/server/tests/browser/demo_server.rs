//! The real server, as `cloudkyc serve --demo` runs it: a fresh SQLite database with the demo
//! data set and its console users, the system clock, and the whole router on an ephemeral port.

use std::net::SocketAddr;
use std::sync::Arc;

use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_server::{Server, ServerConfig};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug)]
pub struct DemoServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    running: Option<JoinHandle<()>>,
    _dir: TempDir,
}

impl DemoServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
        let store = Arc::new(
            SqliteStore::open(&url, &MasterKey::generate())
                .await
                .unwrap(),
        );
        let pack = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap());
        let app = App::new(store, Arc::new(SystemClock), pack);
        cloudkyc_app::demo::seed(&app).await.unwrap();
        let scope = app
            .operator_scope(cloudkyc_app::demo::DEMO_PROVIDER)
            .await
            .unwrap();
        app.seed_demo_console_users(&scope).await.unwrap();
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..ServerConfig::default()
        };
        let server = Server::bind(app, config).await.unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            addr,
            stop: Some(stop),
            running: Some(running),
            _dir: dir,
        }
    }

    /// `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(running) = self.running.take() {
            running.await.unwrap();
        }
    }
}
