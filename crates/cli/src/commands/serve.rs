use std::process::ExitCode;

use anyhow::Result;

use crate::config::Config;
use crate::wiring;

pub async fn run(config: &Config, demo: bool) -> Result<ExitCode> {
    let app = wiring::open_app(config).await?;
    if !demo {
        app.operator_scope(&config.provider_name).await?;
    } else {
        let summary = cloudkyc_app::demo::seed(&app).await?;
        let listen = config.server.listen;
        println!(
            "demo data loaded: provider tenant {}, reseller tenant {}",
            summary.provider_tenant, summary.reseller_tenant
        );
        println!("API: http://{listen}/v1/  (OpenAPI document: http://{listen}/openapi.json)");
        println!("admin API key (shown once; use as `Authorization: Bearer <key>`):");
        println!("{}", summary.admin_key.expose());
    }
    cloudkyc_server::serve(app, config.server.clone(), shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight, then exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
