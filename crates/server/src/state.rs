use std::sync::Arc;

use cloudkyc_app::App;

use crate::metrics::Metrics;

/// What every handler may reach: the application and the metrics registry.
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) app: App,
    pub(crate) metrics: Arc<Metrics>,
}
