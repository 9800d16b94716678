//! Import and update against a real (in-memory SQLite) store, with a fetcher that answers from
//! memory (the HTTP fetcher is tested against a real local server in the server's tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::TimeZone;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_screening::{ListFormat, Schema};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;

use super::*;
use crate::ManualClock;
use crate::screening::ScreenRequest;

const DPL: &[u8] = include_bytes!("../../../../data/lists/bis_dpl/dpl_2022-09.txt");
const UN: &[u8] = include_bytes!("../../../../data/lists/un/UN_consolidated_2026-02-27.xml");

#[derive(Debug)]
struct Memory(Mutex<Result<Vec<u8>, String>>);

#[async_trait]
impl ListFetcher for Memory {
    async fn fetch(&self, _url: &str) -> Result<Vec<u8>, String> {
        self.0.lock().unwrap().clone()
    }
}

async fn app() -> (App, TenantScope) {
    let (app, scope, _) = app_and_store().await;
    (app, scope)
}

async fn app_and_store() -> (App, TenantScope, Arc<SqliteStore>) {
    let store = Arc::new(
        SqliteStore::open("sqlite::memory:", &MasterKey::generate())
            .await
            .unwrap(),
    );
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .unwrap();
    let app = App::new(
        store.clone(),
        Arc::new(ManualClock::new(start)),
        Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap()),
    );
    let scope = app.operator_scope("Lists Cloud").await.unwrap();
    (app, scope, store)
}

async fn hits(app: &App, scope: &TenantScope, name: &str) -> Vec<String> {
    let req = ScreenRequest {
        name: name.to_owned(),
        schema: Some(Schema::Person),
        limit: 5,
        ..ScreenRequest::default()
    };
    let result = app.screen(scope, &req).await.unwrap();
    result
        .hits
        .iter()
        .map(|h| h.list.as_str().to_owned())
        .collect()
}

fn dpl_with(name: &str) -> Vec<u8> {
    let mut bytes = DPL.to_vec();
    bytes.extend_from_slice(
        format!(
            "\"{name}\"\t\"1 ROAD\"\t\"TOWN\"\t\"\"\t\"MT\"\t\"1000\"\t\"01/02/2026\"\t\
             \"01/02/2036\"\t\"Y\"\t\"2026-01-05\"\t\"F.R. NOTICE ADDED\"\t\"91 F.R. 1\"\r\n"
        )
        .as_bytes(),
    );
    bytes
}

#[tokio::test]
async fn an_import_is_stored_once_and_swaps_the_index() {
    let (app, scope, store) = app_and_store().await;
    assert!(hits(&app, &scope, "Quentin Vorhalbeck").await.is_empty());
    // Another process on the same database, its index already built.
    let other = App::new(
        store.clone(),
        Arc::new(ManualClock::new(app.now())),
        Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap()),
    );
    assert!(hits(&other, &scope, "Quentin Vorhalbeck").await.is_empty());
    let req = ImportList {
        list: None,
        format: ListFormat::DplTsv,
        files: ListFiles::Single(dpl_with("QUENTIN VORHALBECK")),
    };
    let first = app.import_list(&scope, req.clone()).await.unwrap();
    assert_eq!((first.list.as_str(), first.entity_count), ("bis_dpl", 582));
    assert!(!first.unchanged);
    assert_eq!(hits(&app, &scope, "Quentin Vorhalbeck").await, ["bis_dpl"]);
    // The other process sees the new snapshot once it reports status (as `/readyz` does).
    assert!(hits(&other, &scope, "Quentin Vorhalbeck").await.is_empty());
    assert!(other.lists_readiness().await.unwrap().ready);
    assert_eq!(
        hits(&other, &scope, "Quentin Vorhalbeck").await,
        ["bis_dpl"]
    );
    let again = app.import_list(&scope, req).await.unwrap();
    assert!(again.unchanged);
    assert_eq!(again.content_sha256, first.content_sha256);

    // A new app over the same store (a restart) builds its index from the store.
    let restarted = App::new(
        store,
        Arc::new(ManualClock::new(app.now())),
        Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap()),
    );
    assert_eq!(
        hits(&restarted, &scope, "Quentin Vorhalbeck").await,
        ["bis_dpl"]
    );
    let status = restarted.list_status(&scope).await.unwrap();
    let dpl = status.iter().find(|s| s.list == "bis_dpl").unwrap();
    assert_eq!((dpl.source, dpl.entity_count), ("store", Some(582)));
    let un = status.iter().find(|s| s.list == "un_sc").unwrap();
    assert_eq!(un.source, "bundled");
}

#[tokio::test]
async fn a_file_that_does_not_parse_stores_nothing() {
    let (app, scope) = app().await;
    let cut = &UN[..UN.len() / 2];
    let refused = app
        .import_list(
            &scope,
            ImportList {
                list: None,
                format: ListFormat::UnXml,
                files: ListFiles::Single(cut.to_vec()),
            },
        )
        .await;
    let Err(AppError::Invalid(fields)) = refused else {
        panic!("{refused:?}");
    };
    assert!(fields[0].message.contains("does not parse"), "{fields:?}");
    assert!(app.store().list_statuses(&scope).await.unwrap().is_empty());
    let unnamed = app
        .import_list(
            &scope,
            ImportList {
                list: None,
                format: ListFormat::FtmJsonl,
                files: ListFiles::Single(b"{}".to_vec()),
            },
        )
        .await;
    assert!(matches!(unnamed, Err(AppError::Invalid(_))), "{unnamed:?}");
}

#[tokio::test]
async fn updates_fail_closed_and_unchanged_content_adds_no_snapshot() {
    let (app, scope) = app().await;
    let fetcher = Memory(Mutex::new(Ok(dpl_with("QUENTIN VORHALBECK"))));
    let source = ListSourceConfig {
        format: "dpl_tsv".to_owned(),
        url: "memory:dpl".to_owned(),
        addresses_url: None,
        aliases_url: None,
        comments_url: None,
    };
    let config = ListsConfig::none().with_sources(BTreeMap::from([("bis_dpl".to_owned(), source)]));
    let app = app.with_list_sources(ListSources::new(config, Arc::new(HttpFetcher::default())));

    let report = app.update_lists_with(&scope, &fetcher).await.unwrap();
    assert!(matches!(
        report.lists[0].1,
        ListUpdateOutcome::Updated {
            entity_count: 582,
            ..
        }
    ));
    let report = app.update_lists_with(&scope, &fetcher).await.unwrap();
    assert!(matches!(
        report.lists[0].1,
        ListUpdateOutcome::Unchanged { .. }
    ));

    *fetcher.0.lock().unwrap() = Err("connection refused".to_owned());
    let report = app.update_lists_with(&scope, &fetcher).await.unwrap();
    assert_eq!(report.failures(), 1);
    *fetcher.0.lock().unwrap() = Ok(DPL[..DPL.len() / 10].to_vec());
    let report = app.update_lists_with(&scope, &fetcher).await.unwrap();
    assert_eq!(report.failures(), 1, "{report:?}");

    let status = app.list_status(&scope).await.unwrap();
    let dpl = status.iter().find(|s| s.list == "bis_dpl").unwrap();
    assert_eq!(dpl.state, ListState::UpdateFailed);
    assert_eq!(dpl.entity_count, Some(582));
    assert_eq!(dpl.update_failures, 2);
    assert!(
        hits(&app, &scope, "Quentin Vorhalbeck")
            .await
            .contains(&"bis_dpl".to_owned())
    );
    let readiness = app.lists_readiness().await.unwrap();
    assert!(readiness.ready);
    assert_eq!(readiness.detail.len(), 1, "{readiness:?}");
}
