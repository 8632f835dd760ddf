//! The HTTP server around the app: actix-server accepting on the listener, rustls when
//! configured, and actix-http's HTTP/1.1 service, each connection's stream wrapped in a
//! [`HeadGuard`] that answers heads actix-http would refuse bare in the dialect's error shape
//! (see `unreadable`).
//!
//! This is what actix-web's `HttpServer` builds, with the same settings, written out because
//! `HttpServer` takes no stream wrapper: its `listen` and `listen_rustls_0_23` hand the raw
//! `TcpStream`/`TlsStream` to actix-http. What differs: the app's `AppConfig` is the default
//! one (`AppConfig::new` is private to actix-web), which only changes what
//! `connection_info()` and `url_for` would guess, and attache uses neither (its public URL is
//! configured).

use std::fmt;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::error::DispatchError;
use actix_http::{Extensions, HttpService, KeepAlive, Protocol, Request, Response};
use actix_server::{GracefulShutdownSignal, Server};
use actix_service::{
    fn_service, map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt,
};
use actix_tls::accept::rustls_0_23::{Acceptor, TlsStream};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::testing::faults;
use crate::unreadable::guard::HeadGuard;

/// How the server runs.
pub struct Settings {
    pub workers: usize,
    pub shutdown_timeout: Duration,
    /// Keeps a duplicate of each socket, for injected faults that drop a connection.
    pub test_mode: bool,
    pub tls: Option<rustls::ServerConfig>,
}

/// A connection's stream, under its TLS if any.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + 'static {
    fn tcp(&self) -> &TcpStream;
}

impl Transport for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Transport for TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Serves the apps `app` makes (one a worker) on `listener`. Signals are the caller's
/// (`commands::serve`: the first stops gracefully, a second at once).
pub fn serve<F, I, S, B>(
    listener: TcpListener,
    settings: Settings,
    app: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let builder = Server::build()
        .workers(settings.workers)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .disable_signals();
    let shutdown = builder.graceful_shutdown_signal();
    let test_mode = settings.test_mode;
    let name = format!("attache-{addr}");
    let builder = match settings.tls {
        None => builder.listen(name, listener, move || {
            let http = http_service(app.clone(), shutdown.clone(), addr, test_mode);
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok((HeadGuard::new(io), Protocol::Http1, peer))
            })
            .and_then(http)
        })?,
        Some(mut tls) => {
            // HTTP/1.1 only, as actix-web offers it without its `http2` feature.
            let mut protocols = vec![b"http/1.1".to_vec()];
            protocols.append(&mut tls.alpn_protocols);
            tls.alpn_protocols = protocols;
            builder.listen(name, listener, move || {
                let http = http_service(app.clone(), shutdown.clone(), addr, test_mode);
                // actix-tls's default handshake timeout (3 s), as `HttpServer` keeps it.
                Acceptor::new(tls.clone())
                    .map_init_err(|_| ())
                    .map_err(|err| tracing::debug!(error = ?err, "TLS handshake failed"))
                    .and_then(fn_service(|io: TlsStream<TcpStream>| async move {
                        let peer = io.get_ref().0.peer_addr().ok();
                        Ok((HeadGuard::new(io), Protocol::Http1, peer))
                    }))
                    .and_then(http.map_err(|_| ()))
            })?
        }
    };
    Ok(builder.run())
}

/// actix-http's service over guarded `T` streams, with `HttpServer`'s defaults: keep-alive
/// 5 s, 5 s for a first request head (slow clients get 408), 1 s to close a connection.
fn http_service<T, F, I, S, B>(
    app: F,
    shutdown: GracefulShutdownSignal,
    addr: std::net::SocketAddr,
    test_mode: bool,
) -> impl ServiceFactory<
    (HeadGuard<T>, Protocol, Option<std::net::SocketAddr>),
    Config = (),
    Response = (),
    Error = DispatchError,
    InitError = (),
>
where
    T: Transport,
    F: Fn() -> I,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let app = app()
        .into_factory()
        .map_err(|err| err.into().error_response());
    HttpService::build()
        .graceful_shutdown_signal(move || {
            let shutdown = shutdown.clone();
            async move { shutdown.notified().await }
        })
        .keep_alive(KeepAlive::default())
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .h1_allow_half_closed(true)
        .local_addr(addr)
        .on_connect_ext(move |io: &HeadGuard<T>, extensions: &mut Extensions| {
            connected(io, extensions, test_mode)
        })
        .finish(map_config(app, |_| AppConfig::default()))
}

/// Each new connection: answers without Nagle's delay, and keeps what `unreadable::answer`
/// and (in test mode) injected faults need.
fn connected<T: Transport>(io: &HeadGuard<T>, extensions: &mut Extensions, test_mode: bool) {
    extensions.insert(io.refused_head());
    let tcp = io.get_ref().tcp();
    let _ = tcp.set_nodelay(true);
    // Kept so that an injected fault can close the connection with no answer.
    if let Some(socket) = test_mode.then(|| rustix::io::dup(tcp).ok()).flatten() {
        extensions.insert(faults::ConnectionSocket(socket));
    }
}
