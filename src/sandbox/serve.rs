//! The sandbox's accept loop: axum's router served over HTTP/1 by hyper, like
//! `axum::serve`, plus what `axum::serve` cannot set: a header-read timeout. A connection
//! that has not sent a complete request head within [`HEADER_READ_TIMEOUT`] (a slow or
//! stalled client, or one idle between requests) is closed, so half-sent requests cannot
//! hold sockets open.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// The longest a connection may take to send a request head (and may idle between requests).
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// After a failed accept (out of descriptors, say), the loop waits this long.
const AFTER_ACCEPT_ERROR: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `stop` completes, then lets requests in flight finish
/// (idle connections close at once) and returns.
pub(crate) async fn serve(listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    let connections = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "sandbox: accepting a connection failed");
                tokio::time::sleep(AFTER_ACCEPT_ERROR).await;
                continue;
            }
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "sandbox connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}
