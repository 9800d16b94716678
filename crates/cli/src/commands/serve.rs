use std::process::ExitCode;

use anyhow::{Context, Result};
use cloudkyc_server::ingest::JetStreamConsumer;

use crate::config::Config;
use crate::wiring;

pub async fn run(config: &Config, demo: bool) -> Result<ExitCode> {
    let app = wiring::open_serving_app(config).await?;
    if !demo {
        app.operator_scope(&config.provider_name).await?;
    } else {
        let summary = cloudkyc_app::demo::seed(&app).await?;
        let listen = config.server.listen;
        println!(
            "demo data loaded: provider tenant {}, reseller tenant {}",
            summary.provider_tenant, summary.reseller_tenant
        );
        println!("{}", summary.counts);
        if let Some(oversight) = &summary.oversight {
            println!("{oversight}");
        }
        println!("API: http://{listen}/v1/  (OpenAPI document: http://{listen}/openapi.json)");
        println!("admin API key (shown once; use as `Authorization: Bearer <key>`):");
        println!("{}", summary.admin_key.expose());
        print_demo_console(&app, config).await?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumer = if config.jetstream.enabled {
        let consumer = JetStreamConsumer::connect(config.jetstream.clone())
            .await
            .context("cannot start the JetStream telemetry consumer ([jetstream] enabled)")?;
        let (app, mut stopped) = (app.clone(), stopped.clone());
        Some(tokio::spawn(async move {
            consumer
                .run(app, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        }))
    } else {
        None
    };
    drop(stopped);
    let shutdown = async move {
        shutdown_signal().await;
        stop.send_replace(true);
    };
    cloudkyc_server::serve(app, config.server.clone(), shutdown).await?;
    if let Some(consumer) = consumer {
        // It finishes the batch in hand; redelivery covers anything it had not acknowledged.
        if let Err(error) = consumer.await {
            tracing::error!(%error, "the JetStream consumer ended abnormally");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates the demonstration's console users and says how to sign in.
async fn print_demo_console(app: &cloudkyc_app::App, config: &Config) -> Result<()> {
    use cloudkyc_app::console_users::demo::{DEMO_PASSWORD, DEMO_USERS};
    let scope = app.operator_scope(&config.provider_name).await?;
    app.seed_demo_console_users(&scope).await?;
    let listen = config.server.listen;
    println!(
        "console: http://{listen}/console/sign-in  (demo password for every user: {DEMO_PASSWORD})"
    );
    for (email, role) in DEMO_USERS {
        println!("  {role:<8} {email}");
    }
    Ok(())
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
