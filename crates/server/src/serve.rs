//! Running the API on a socket together with the background job loop, and stopping both
//! gracefully.

use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;

use cloudkyc_app::App;
use cloudkyc_app::follow::CHANGE_POLL_FALLBACK;
use cloudkyc_app::jobs::JobRunner;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::ServerConfig;
use crate::routes::router;

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("the HTTP server failed: {0}")]
    Io(#[from] io::Error),
}

/// A bound, not yet running server. Binding first lets the caller learn the port (`listen` with
/// port 0) and report a busy address before anything starts.
#[derive(Debug)]
pub struct Server {
    app: App,
    config: ServerConfig,
    listener: TcpListener,
}

impl Server {
    pub async fn bind(app: App, config: ServerConfig) -> Result<Self, ServeError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Ok(Self {
            app,
            config,
            listener,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish
    /// (each is bounded by the request timeout; the whole wait by `shutdown_grace`), and stops
    /// the job loop after the job it is running.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), ServeError> {
        let Self {
            app,
            config,
            listener,
        } = self;
        match app.schedule_daily_jobs().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!("no provider tenant yet; daily audit verification not scheduled")
            }
            // The API is still useful without it; the next start schedules it again.
            Err(error) => {
                tracing::error!(%error, "could not schedule the daily audit verification")
            }
        }

        let (stop, stopped) = watch::channel(false);
        let runner = JobRunner::new(app.clone());
        let poll = config.job_poll_interval;
        let jobs_stopped = stopped.clone();
        let jobs =
            tokio::spawn(async move { runner.run_forever(poll, stop_signal(jobs_stopped)).await });
        // Other instances' list changes reach this one's screening index (issue 9).
        let (follower_app, follow_stopped) = (app.clone(), stopped.clone());
        let follower = tokio::spawn(async move {
            follower_app
                .follow_changes(CHANGE_POLL_FALLBACK, stop_signal(follow_stopped))
                .await;
        });

        // With the peer address, which the rate limiter keys keyless requests by.
        let service = router(app, &config).into_make_service_with_connect_info::<SocketAddr>();
        let http = axum::serve(listener, service)
            .with_graceful_shutdown(stop_signal(stopped))
            .into_future();
        tokio::pin!(http, shutdown);
        tracing::info!(listen = %config.listen, "serving");
        let result = tokio::select! {
            result = &mut http => result,
            () = &mut shutdown => {
                tracing::info!("shutting down: finishing in-flight requests");
                stop.send_replace(true);
                match tokio::time::timeout(config.shutdown_grace, &mut http).await {
                    Ok(result) => result,
                    Err(_) => {
                        tracing::warn!(grace = ?config.shutdown_grace, "connections still open after the grace period; closing them");
                        Ok(())
                    }
                }
            }
        };
        stop.send_replace(true);
        if let Err(error) = jobs.await {
            tracing::error!(%error, "the job loop ended abnormally");
        }
        if let Err(error) = follower.await {
            tracing::error!(%error, "the change follower ended abnormally");
        }
        tracing::info!("stopped");
        Ok(result?)
    }
}

async fn stop_signal(mut stopped: watch::Receiver<bool>) {
    // An error means the sender is gone, which only happens once `run` is over: stop as well.
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Binds `config.listen` and serves the API and the background jobs until `shutdown` resolves
/// (the CLI passes ctrl-c / SIGTERM).
pub async fn serve(
    app: App,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    Server::bind(app, config).await?.run(shutdown).await
}

/// Resolves on ctrl-c, or on SIGTERM on Unix (what service managers send): the `shutdown`
/// future `cloudkyc serve` passes to [`serve`].
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            // Without the handler only the other signal (or a kill) can stop the server.
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted"),
        () = terminate => tracing::info!("terminated"),
    }
}
