//! Builds the server from a `TcpListener` (tests bind port 0), with the route table in one
//! function.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_governor::Governor;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;

use crate::api::{self, files, hostup, huawei, meta, native, problem, waldur};
use crate::config::{Config, Tls};
use crate::core::{pending, Core};
use crate::error::Error;
use crate::{ratelimit, ui};

/// Binds the listener and opens the data directory; the public URL defaults to the address
/// actually bound.
pub fn prepare(config: Config, listen: &str) -> anyhow::Result<(TcpListener, Arc<Core>)> {
    let listener = TcpListener::bind(listen).with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr()?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{address}"));
    let core = Core::open(config, public_url)?;
    Ok((listener, core))
}

/// Bytes a base64 JSON body needs to carry a file of `max` bytes.
fn base64_room(max: u64) -> usize {
    (max.div_ceil(3) * 4 + 64 * 1024) as usize
}

fn routes(
    cfg: &mut web::ServiceConfig,
    limits: &ratelimit::Config,
    limited: bool,
    limits_of_uploads: u64,
) {
    cfg.service(
        web::scope("/v1")
            .configure(native::routes)
            .wrap(Condition::new(limited, Governor::new(limits)))
            .wrap(from_fn(ratelimit::reset_header)),
    )
    .service(
        web::scope("/api/v2/support")
            .configure(hostup::routes)
            .wrap(Condition::new(limited, Governor::new(limits)))
            .wrap(from_fn(ratelimit::reset_header)),
    )
    .service(
        web::scope("/v2/servicerequest")
            // Base64 JSON uploads carry the file in the body: room for the limit, encoded.
            .app_data(web::PayloadConfig::new(base64_room(limits_of_uploads)))
            .configure(huawei::routes)
            .wrap(Condition::new(limited, Governor::new(limits)))
            .wrap(from_fn(ratelimit::reset_header))
            .wrap(from_fn(problem::render::<huawei::HuaweiShape>)),
    )
    .service(
        web::scope("/api")
            .configure(waldur::routes)
            .wrap(Condition::new(limited, Governor::new(limits)))
            .wrap(from_fn(ratelimit::reset_header))
            .wrap(from_fn(problem::render::<waldur::Drf>)),
    )
    .service(web::scope(files::SCOPE).default_service(web::to(files::download)))
    .route("/healthz", web::get().to(meta::healthz))
    .route("/readyz", web::get().to(meta::readyz))
    .route("/metrics", web::get().to(meta::metrics))
    .route("/openapi.json", web::get().to(meta::openapi))
    .route("/errors/{code}", web::get().to(meta::explain))
    .configure(ui::routes);
}

/// Removes expired pending uploads, every `pending::sweep_interval`, for as long as the
/// runtime lives.
fn spawn_sweeper(core: Arc<Core>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(pending::sweep_interval(&core));
        loop {
            tick.tick().await;
            match pending::sweep(&core).await {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "removed expired pending uploads"),
                Err(err) => tracing::warn!(error = %err, "sweeping pending uploads failed"),
            }
        }
    });
}

pub fn run(listener: TcpListener, core: Arc<Core>) -> std::io::Result<Server> {
    spawn_sweeper(core.clone());
    let data = web::Data::from(core.clone());
    let limited = core.config.rate_limit_per_minute > 0;
    let max_upload = core.config.max_upload_bytes;
    // One limiter for all workers: built once, shared through its Arc.
    let limits = ratelimit::config(core.config.rate_limit_per_minute.max(1))
        .expect("a non-zero rate makes a valid quota");
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(api::extractor_configs)
            .configure(|cfg| routes(cfg, &limits, limited, max_upload))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(Error::NotFound("resource"))
            }))
            .wrap(from_fn(problem::render::<problem::Problem>))
            .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
            .wrap(from_fn(api::request_log))
    })
    // Small answers must not wait on Nagle's algorithm.
    .on_connect(|conn, _| {
        type Tls = actix_tls::accept::rustls_0_23::TlsStream<TcpStream>;
        let tcp = conn
            .downcast_ref::<TcpStream>()
            .or_else(|| conn.downcast_ref::<Tls>().map(|tls| tls.get_ref().0));
        if let Some(tcp) = tcp {
            let _ = tcp.set_nodelay(true);
        }
    })
    .workers(core.config.workers)
    .shutdown_timeout(core.config.shutdown_timeout.as_secs())
    // `commands::serve` handles signals: the first stops gracefully, a second at once.
    .disable_signals();
    let server = match &core.config.tls {
        Some(tls) => server.listen_rustls_0_23(listener, tls_config(tls)?)?,
        None => server.listen(listener)?,
    };
    Ok(server.run())
}

/// The certificate chain and key of `--tls-cert`/`--tls-key`, with ring as the crypto provider.
fn tls_config(tls: &Tls) -> std::io::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let invalid = |what: &Path, err: &dyn std::fmt::Display| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}: {err}", what.display()),
        )
    };
    let chain = CertificateDer::pem_file_iter(&tls.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid(&tls.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| invalid(&tls.key, &e))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&tls.cert, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| invalid(&tls.cert, &e))
}
