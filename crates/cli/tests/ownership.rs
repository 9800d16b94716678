//! `cloudkyc ownership import|show`, run as an operator would, on a customer onboarded into the
//! same database through the application library.

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::json;

const MASTER_KEY: &str = "6f0c1e2d3b4a59687766554433221100ffeeddccbbaa99887766554433221100";

fn cloudkyc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudkyc"))
        .args(args)
        .current_dir(dir)
        .env_remove("CLOUDKYC_DATABASE_URL")
        .env_remove("CLOUDKYC_POLICY")
        .env("CLOUDKYC_MASTER_KEY", MASTER_KEY)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Onboards an entity customer into the database the binary uses in `dir`; returns its id.
async fn onboard(dir: &Path) -> String {
    let migrated = cloudkyc(dir, &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    let url = format!(
        "sqlite://{}",
        dir.join("cloudkyc-data/cloudkyc.db").display()
    );
    let store = Arc::new(
        SqliteStore::open(&url, &MasterKey::from_hex(MASTER_KEY).unwrap())
            .await
            .unwrap(),
    );
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap();
    let app = App::new(store.clone(), Arc::new(SystemClock), Arc::new(pack));
    let scope = app.operator_scope("Cloud Provider").await.unwrap();
    let draft = serde_json::from_value(json!({
        "kind": "entity",
        "name": {"full": "Helios Compute FZ-LLC"},
        "incorporation": {"country": "AE", "date": "2024-03-01"},
        "addresses": [{"line1": "Unit 4, Cluster X", "city": "Dubai", "country": "AE"}],
        "emails": ["ops@helioscompute.example"],
        "phones": ["+971 4 555 0199"],
        "accounts": [],
        "beneficial_owners": []
    }))
    .unwrap();
    let id = app
        .onboard_customer(&scope, draft, None)
        .await
        .unwrap()
        .customer
        .id
        .to_string();
    store.close().await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_stores_a_structure_and_show_prints_its_owners_with_paths() {
    let dir = tempfile::tempdir().unwrap();
    let id = onboard(dir.path()).await;
    let file = dir.path().join("structure.json");
    let structure = json!({
        "parties": [
            {"id": "h1", "kind": "entity", "name": "Cedar Holdings Ltd", "jurisdiction": "KY"},
            {"id": "h2", "kind": "entity", "name": "Birch Holdings Ltd", "jurisdiction": "CY"},
            {"id": "li", "kind": "individual", "person": {"name": {"full": "Li Wei"},
                "date_of_birth": "1979-02-03", "nationalities": ["CN"],
                "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}]}}
        ],
        "edges": [
            {"from": "h1", "to": "customer", "type": "ownership", "percent": 100},
            {"from": "h2", "to": "h1", "type": "ownership", "percent": 50},
            {"from": "li", "to": "h2", "type": "ownership", "percent": "100"}
        ]
    });
    std::fs::write(&file, serde_json::to_vec(&structure).unwrap()).unwrap();
    let file_arg = file.to_str().unwrap();

    let imported = cloudkyc(
        dir.path(),
        &["ownership", "import", "--customer", &id, file_arg],
    );
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let out = text(&imported.stdout);
    assert!(out.contains("stored version 1"), "{out}");
    assert!(out.contains("Li Wei (li): 50 %"), "{out}");
    assert!(
        out.contains("li -[owns 100 %]-> h2 -[owns 50 %]-> h1 -[owns 100 %]-> customer (50 %)"),
        "{out}"
    );

    let shown = cloudkyc(
        dir.path(),
        &["--json", "ownership", "show", "--customer", &id],
    );
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let view: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(view["version"], 1);
    assert_eq!(view["beneficial_owners"][0]["party"], "li");
    assert_eq!(view["beneficial_owners"][0]["effective_share"], "1/2");
    assert_eq!(view["unrecorded_percent"], "50");

    // A bad file and an unknown customer fail with a message, not a panic.
    std::fs::write(&file, b"{\"parties\": 3}").unwrap();
    let bad = cloudkyc(
        dir.path(),
        &["ownership", "import", "--customer", &id, file_arg],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("not an ownership structure"),
        "{}",
        text(&bad.stderr)
    );
    let unknown = cloudkyc(
        dir.path(),
        &[
            "ownership",
            "show",
            "--customer",
            "00000000-0000-4000-8000-000000000000",
        ],
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("not found"),
        "{}",
        text(&unknown.stderr)
    );
}
