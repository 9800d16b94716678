//! Screening under the active rule pack: the pack sets the match threshold per schema, and every
//! result names the algorithm version and the list versions it used.

use cloudkyc_domain::rule_pack::{RulePack, ScreeningSchema};
use cloudkyc_screening::bundled::{default_rarity, default_snapshots};
use cloudkyc_screening::{
    ALGORITHM_VERSION, CountryCode, Hit, Index, ListVersion, PartialDate, Query, Schema,
    ScreenOptions, score_pair_with,
};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use serde::Serialize;

use crate::{App, AppError, AppResult};

/// The pack's match threshold for a schema; `Unknown` takes the strictest (lowest) of them, so
/// a name of unknown kind is never screened more leniently than a known one.
pub fn threshold(pack: &RulePack, schema: Schema) -> f64 {
    let s = pack.screening();
    let of = |schema| s.match_threshold(schema).get();
    match schema {
        Schema::Person => of(ScreeningSchema::Person),
        Schema::Organization => of(ScreeningSchema::Organization),
        Schema::Vessel => of(ScreeningSchema::Vessel),
        Schema::Aircraft => of(ScreeningSchema::Aircraft),
        Schema::Unknown => [
            ScreeningSchema::Person,
            ScreeningSchema::Organization,
            ScreeningSchema::Vessel,
            ScreeningSchema::Aircraft,
        ]
        .into_iter()
        .map(of)
        .fold(1.0, f64::min),
    }
}

/// The index of the lists bundled with the binary (the offline default until lists are imported).
pub fn bundled_index() -> AppResult<Index> {
    let snapshots =
        default_snapshots().map_err(|e| AppError::Internal(format!("bundled lists: {e}")))?;
    Ok(Index::build(&snapshots))
}

#[derive(Debug, Clone, Default)]
pub struct ScreenRequest {
    pub name: String,
    pub schema: Option<Schema>,
    pub country: Option<String>,
    pub date_of_birth: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScreenResult {
    pub query: String,
    pub threshold: f64,
    pub algorithm_version: &'static str,
    pub list_versions: Vec<ListVersion>,
    pub hits: Vec<Hit>,
}

pub fn screen(pack: &RulePack, index: &Index, req: &ScreenRequest) -> AppResult<ScreenResult> {
    let (query, threshold) = query_of(pack, req)?;
    let options = ScreenOptions {
        threshold,
        limit: req.limit.clamp(1, 100),
        lists: Vec::new(),
    };
    Ok(ScreenResult {
        query: req.name.trim().to_owned(),
        threshold,
        algorithm_version: ALGORITHM_VERSION,
        list_versions: index.list_versions().to_vec(),
        hits: index.screen(&query, &options),
    })
}

/// The engine's query for a request and the pack's threshold for its schema.
pub fn query_of(pack: &RulePack, req: &ScreenRequest) -> AppResult<(Query, f64)> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 500 {
        return Err(AppError::invalid("/name", "must be 1 to 500 characters"));
    }
    let schema = req.schema.unwrap_or(Schema::Unknown);
    let mut query = Query::name(name).with_schema(schema);
    if let Some(c) = &req.country {
        let code = CountryCode::from_code_or_name(c)
            .ok_or_else(|| AppError::invalid("/country", "not a known country code or name"))?;
        query = query.with_country(code);
    }
    if let Some(d) = &req.date_of_birth {
        let date = PartialDate::parse_iso(d).map_err(|_| {
            AppError::invalid("/date_of_birth", "expected YYYY, YYYY-MM or YYYY-MM-DD")
        })?;
        query = query.with_birth_date(date);
    }
    Ok((query, threshold(pack, schema)))
}

/// One scored pair of `cloudkyc match`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairVerdict {
    pub score: f64,
    pub is_match: bool,
}

/// Scores two names with the bundled lists' token rarities, against the pack's threshold.
pub fn score_pair(pack: &RulePack, a: &str, b: &str, schema: Option<Schema>) -> PairVerdict {
    let score = score_pair_with(default_rarity(), a, b, schema).score;
    PairVerdict {
        score,
        is_match: score >= threshold(pack, schema.unwrap_or(Schema::Unknown)),
    }
}

/// The bundled lists' index, built once per process: every `App` starts from it, so tests and
/// tools that make many apps do not rebuild it (the error is kept as text to be cloneable).
fn shared_bundled_index() -> Result<Arc<Index>, String> {
    static BUNDLED: OnceLock<Result<Arc<Index>, String>> = OnceLock::new();
    BUNDLED
        .get_or_init(|| bundled_index().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
}

/// The bundled lists' index, shared by every app of the process, built off the async workers.
pub(crate) async fn shared_bundled() -> AppResult<Arc<Index>> {
    tokio::task::spawn_blocking(shared_bundled_index)
        .await
        .map_err(|e| AppError::Internal(format!("building the screening index: {e}")))?
        .map_err(AppError::Internal)
}

/// The index screening runs against, built from the store's lists (the bundled ones without any) on first use and swappable
/// as a whole when lists change, so a screening in flight keeps the index it started with.
#[derive(Debug, Default)]
pub(crate) struct ScreeningIndex {
    current: OnceLock<Arc<ArcSwap<Index>>>,
    /// Where the first load reads the lists in force from (issue 4); `None`: the bundled lists.
    store: Option<Arc<dyn cloudkyc_store::Store>>,
}

impl ScreeningIndex {
    /// An index built on first use from the store's snapshots in force.
    pub(crate) fn over(store: Arc<dyn cloudkyc_store::Store>) -> Self {
        Self {
            current: OnceLock::new(),
            store: Some(store),
        }
    }

    pub(crate) fn with(index: Index) -> Self {
        let current = OnceLock::new();
        // A fresh cell: setting it cannot fail.
        let _ = current.set(Arc::new(ArcSwap::from_pointee(index)));
        Self {
            current,
            store: None,
        }
    }

    /// The current index; the first call builds it (from the store, or the bundled lists) off
    /// the async workers.
    pub(crate) async fn load(&self) -> AppResult<Arc<Index>> {
        if let Some(swap) = self.current.get() {
            return Ok(swap.load_full());
        }
        let built = match &self.store {
            Some(store) => crate::lists::index_from_store(store.as_ref()).await?,
            None => shared_bundled().await?,
        };
        Ok(self
            .current
            .get_or_init(|| Arc::new(ArcSwap::new(built)))
            .load_full())
    }

    /// The index in force if one was loaded (the lists before a change, for its delta).
    pub(crate) fn loaded(&self) -> Option<Arc<Index>> {
        self.current.get().map(|swap| swap.load_full())
    }

    pub(crate) fn replace(&self, index: Index) {
        self.replace_shared(Arc::new(index));
    }

    /// Swaps in an index that may be shared (the bundled one).
    pub(crate) fn replace_shared(&self, index: Arc<Index>) {
        let swap = self
            .current
            .get_or_init(|| Arc::new(ArcSwap::new(Arc::clone(&index))));
        swap.store(index);
    }
}

impl App {
    /// Screens one name against the current lists under the pack's thresholds.
    pub async fn screen(
        &self,
        scope: &TenantScope,
        req: &ScreenRequest,
    ) -> AppResult<ScreenResult> {
        Self::require(scope, Permission::ReadCustomers)?;
        let index = self.screening_index().load().await?;
        screen(self.policy(), &index, req)
    }

    /// Replaces the lists screening runs against (a list import); screenings in flight finish
    /// on the index they started with.
    pub fn replace_screening_index(&self, index: Index) {
        self.screening_index().replace(index);
    }
}
