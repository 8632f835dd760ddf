//! Builds the server from a `TcpListener` (tests bind port 0), with the route table: `routes`
//! and the scopes it lists, top to bottom.

mod waldur;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_governor::Governor;
use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::web::{delete, get, patch, post, put};
use actix_web::{guard, web, App, FromRequest, Handler, HttpResponse, Responder, Route, Scope};
use anyhow::Context;

use crate::api::{self, files, hostup, huawei, meta, native, openapi, problem};
use crate::config::{Config, Tls};
use crate::core::{pending, Core};
use crate::error::Error;
use crate::store::duty::{Duty, DutyLock};
use crate::testing::deterministic::server_date;
use crate::testing::{control, faults, journal, snapshots, TestMode};
use crate::{connections, ratelimit, ui, unreadable};

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

/// Every route, in the order actix tries them: a request goes to the first service whose path
/// matches, and a scope answers for its whole prefix, unknown paths and methods included (the
/// app's default 404, in the scope's error shape). Each route is one method on one path, so a
/// method a path does not take is that 404, not a 405. App-wide extractor configs, the default
/// service and the outer middleware are in `run`.
fn routes(cfg: &mut web::ServiceConfig, layers: &Layers) {
    let (sign_in, limited) = (&layers.sign_in, layers.limited);
    native_scope(cfg, layers);
    // Before Waldur's `/api`, which would otherwise take `/api/v2/support/...` as its own.
    hostup_scope(cfg, layers);
    huawei_scope(cfg, layers);
    waldur::scope(cfg, layers);
    // Signed downloads: a static prefix; the handler parses `{id}/{name}` itself, because a
    // pattern with two segments costs a regex match per request (see `files::ROUTE`).
    cfg.service(
        web::scope("/files")
            .default_service(web::to(files::download))
            .wrap(Condition::new(layers.test_mode, from_fn(faults::inject))),
    )
    .route("/healthz", get().to(meta::healthz))
    .route("/readyz", get().to(meta::readyz))
    .route("/metrics", get().to(meta::metrics))
    .route("/openapi.json", get().to(meta::openapi))
    .route("/errors/{code}", get().to(meta::explain))
    // The key comes in the body: limited per client address, more tightly than the API.
    .service(
        web::resource("/ui/session")
            .guard(guard::Post())
            .wrap(Condition::new(limited, Governor::new(sign_in)))
            .wrap(from_fn(ratelimit::reset_header))
            .route(post().to(ui::sign_in)),
    )
    .route("/ui/session", get().to(ui::current))
    .route("/ui/session", delete().to(ui::sign_out))
    // Last: any GET nothing above took is a file of the web UI, or its 404.
    .route("/{path:.*}", get().to(ui::asset));
}

// The scopes below are tables, one route a line; rustfmt would break most into four lines.

/// The native API, TopTickets' dialect: problem+json errors with TopTickets' statuses and
/// details (`native::errors`).
#[rustfmt::skip]
fn native_scope(cfg: &mut web::ServiceConfig, layers: &Layers) {
    let v1 = under("/v1")
        .route("/v1/tickets", get().to(native::list_tickets))
        .route("/v1/tickets", post().to(native::create_ticket))
        .route("/v1/tickets/{id}", get().to(native::get_ticket))
        .route("/v1/tickets/{id}", patch().to(native::update_ticket))
        .route("/v1/tickets/{id}", delete().to(native::delete_ticket))
        .route("/v1/tickets/{ticket_id}/comments", get().to(native::list_comments))
        .route("/v1/tickets/{ticket_id}/comments", post().to(native::create_comment))
        .route("/v1/tickets/{ticket_id}/comments/{id}", get().to(native::get_comment))
        .route("/v1/tickets/{ticket_id}/comments/{id}", patch().to(native::update_comment))
        .route("/v1/tickets/{ticket_id}/comments/{id}", delete().to(native::delete_comment))
        .route("/v1/tickets/{id}/messages", get().to(native::list_messages))
        .route("/v1/tickets/{id}/messages", post().to(native::create_message))
        .route("/v1/tickets/{ticket_id}/attachments", get().to(native::list_attachments))
        .route("/v1/tickets/{ticket_id}/attachments", post().to(native::upload_attachment))
        .route("/v1/tickets/{ticket_id}/attachments/{id}", get().to(native::get_attachment))
        .route("/v1/tickets/{ticket_id}/attachments/{id}", delete().to(native::delete_attachment))
        .route("/v1/tickets/{ticket_id}/attachments/{id}/download", get().to(native::download_url))
        .route("/v1/attachment-restrictions", get().to(native::restrictions))
        .route("/v1/me", get().to(native::me));
    cfg.service(
        v1.scope()
            .wrap(Condition::new(layers.limited, Governor::new(&layers.api)))
            .wrap(Condition::new(layers.test_mode, from_fn(faults::inject)))
            .wrap(from_fn(ratelimit::reset_header))
            .wrap(from_fn(native::errors::render)),
    );
}

/// HostUp; problem+json errors come from the app's renderer.
#[rustfmt::skip]
fn hostup_scope(cfg: &mut web::ServiceConfig, layers: &Layers) {
    let support = under("/api/v2/support")
        .route("/api/v2/support/departments", get().to(hostup::departments))
        .route("/api/v2/support/attachments", post().to(hostup::upload))
        .route("/api/v2/support/attachments/{id}", get().to(hostup::download))
        .route("/api/v2/support/tickets", get().to(hostup::list_tickets))
        .route("/api/v2/support/tickets", post().to(hostup::create_ticket))
        .route("/api/v2/support/tickets/{id}", get().to(hostup::ticket_detail))
        .route("/api/v2/support/tickets/{id}/messages", post().to(hostup::reply))
        .route("/api/v2/support/tickets/{id}/actions/close", post().to(hostup::close))
        .route("/api/v2/support/tickets/{id}/actions/reopen", post().to(hostup::reopen))
        .route("/api/v2/support/openapi.json", get().to(openapi::hostup));
    cfg.service(
        support.scope()
            .wrap(Condition::new(layers.limited, Governor::new(&layers.api)))
            .wrap(Condition::new(layers.test_mode, from_fn(faults::inject)))
            .wrap(from_fn(ratelimit::reset_header))
            .wrap(from_fn(ratelimit::reset_time_header)),
    );
}

/// Huawei Cloud OSM, with its own error shape.
#[rustfmt::skip]
fn huawei_scope(cfg: &mut web::ServiceConfig, layers: &Layers) {
    let osm = under("/v2/servicerequest")
        .route("/v2/servicerequest/accessorys", post().to(huawei::upload_form))
        .route("/v2/servicerequest/accessorys/json-format-content", post().to(huawei::upload_json))
        // Before `/accessorys/{id}`, which would take `limits` and `access-urls` for ids.
        .route("/v2/servicerequest/accessorys/limits", get().to(huawei::limits))
        .route("/v2/servicerequest/accessorys/access-urls", get().to(huawei::access_urls))
        .route("/v2/servicerequest/accessorys/{id}/access-url", get().to(huawei::access_url))
        .route("/v2/servicerequest/accessorys/{id}/image", get().to(huawei::download))
        .route("/v2/servicerequest/accessorys/{id}", get().to(huawei::download))
        .route("/v2/servicerequest/accessorys/{id}", delete().to(huawei::delete))
        .route("/v2/servicerequest/cases", post().to(huawei::create_case))
        .route("/v2/servicerequest/cases", get().to(huawei::list_cases))
        // Before `/cases/{id}`, which would take `count` for an id.
        .route("/v2/servicerequest/cases/count", get().to(huawei::case_counts))
        .route("/v2/servicerequest/cases/{id}", get().to(huawei::show_case))
        .route("/v2/servicerequest/cases/{id}/status", get().to(huawei::case_status))
        .route("/v2/servicerequest/cases/{id}/action", post().to(huawei::update_case))
        .route("/v2/servicerequest/cases/{id}/message", post().to(huawei::create_message))
        .route("/v2/servicerequest/cases/{id}/messages", get().to(huawei::list_messages))
        .route("/v2/servicerequest/cases/{id}/instant-messages/{message_id}/withdraw", post().to(huawei::withdraw_message))
        .route("/v2/servicerequest/cases/{id}/operate-logs", get().to(huawei::list_operate_logs))
        .route("/v2/servicerequest/cases/{id}/contact-info", put().to(huawei::update_contact_info))
        .route("/v2/servicerequest/carbon-copy-emails", get().to(huawei::cc_emails))
        .route("/v2/servicerequest/quotas", get().to(huawei::case_quotas))
        .route("/v2/servicerequest/config/limits", get().to(huawei::case_limits))
        .route("/v2/servicerequest/openapi.json", get().to(openapi::huawei));
    cfg.service(
        osm.scope()
            .wrap(Condition::new(layers.limited, Governor::new(&layers.api)))
            .wrap(Condition::new(layers.test_mode, from_fn(faults::inject)))
            .wrap(from_fn(ratelimit::reset_header))
            .wrap(from_fn(problem::render::<huawei::HuaweiShape>)),
    );
}

/// The test double's controls (`--test-mode` only; without it `/_attache/` is not routed
/// and answers the app's 404).
#[rustfmt::skip]
fn test_routes(cfg: &mut web::ServiceConfig, test_mode: bool) {
    if !test_mode {
        return;
    }
    let control = under("/_attache")
        .route("/_attache/reset", post().to(control::reset))
        .route("/_attache/snapshots/{name}", post().to(control::take_snapshot))
        .route("/_attache/snapshots/{name}/restore", post().to(control::restore_snapshot))
        .route("/_attache/requests", get().to(control::requests))
        .route("/_attache/requests", delete().to(control::clear_requests))
        .route("/_attache/faults", post().to(control::add_fault))
        .route("/_attache/faults", get().to(control::faults))
        .route("/_attache/faults", delete().to(control::clear_faults))
        .route("/_attache/clock", get().to(control::clock))
        .route("/_attache/clock", post().to(control::move_clock));
    cfg.service(control.scope());
}

/// A `web::scope` whose routes are written with their full paths, as clients and the `route`
/// label of `/metrics` spell them, so that any path can be found in this table. A path outside
/// its scope panics at startup, which every test goes through.
struct Under {
    prefix: &'static str,
    scope: Scope,
}

fn under(prefix: &'static str) -> Under {
    Under {
        prefix,
        scope: web::scope(prefix),
    }
}

impl Under {
    fn route(mut self, path: &str, route: Route) -> Self {
        let within = path
            .strip_prefix(self.prefix)
            .filter(|rest| rest.starts_with('/'))
            .unwrap_or_else(|| panic!("route {path} is outside its scope {}", self.prefix));
        self.scope = self.scope.route(within, route);
        self
    }

    /// `route` for `method` alone, recorded in `known`.
    fn on<F, Args>(
        self,
        known: &mut api::waldur::Known,
        method: Method,
        path: &str,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        known.add(path, method.clone());
        self.route(path, web::method(method).to(handler))
    }

    fn scope(self) -> Scope {
        self.scope
    }
}

/// Removes expired pending uploads, every `pending::sweep_interval`, for as long as the
/// runtime lives; with several nodes on one database, whichever holds the sweep's lock.
fn spawn_sweeper(core: Arc<Core>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(pending::sweep_interval(&core));
        let duty = DutyLock::new(&core.db, Duty::Sweep);
        loop {
            tick.tick().await;
            match pending::sweep_as_duty(&core, &duty).await {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "removed expired pending uploads"),
                Err(err) => tracing::warn!(error = %err, "sweeping pending uploads failed"),
            }
        }
    });
}

/// With the keys in a shared database: picks up a rotation made on another node (or by
/// `attache secret rotate`) within a second.
fn spawn_key_follower(core: Arc<Core>) {
    if !core.db.is_postgres() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(err) = core.keyring.follow(&core.db).await {
                tracing::warn!(error = %err, "reading the signing keys from the database failed");
            }
        }
    });
}

/// The middleware the scopes share: the rate limiters (off together with `--rate-limit 0`)
/// and, in test mode, injected faults.
#[derive(Clone)]
struct Layers {
    api: ratelimit::Config,
    sign_in: ratelimit::Config,
    limited: bool,
    test_mode: bool,
}

pub fn run(listener: TcpListener, core: Arc<Core>) -> std::io::Result<Server> {
    spawn_sweeper(core.clone());
    spawn_key_follower(core.clone());
    crate::core::forget::spawn_listener(&core);
    let data = web::Data::from(core.clone());
    // One limiter for all workers: built once, shared through its Arc.
    let test_mode = core.config.test_mode;
    let layers = Layers {
        api: ratelimit::config(core.config.rate_limit_per_minute.max(1))
            .expect("a non-zero rate makes a valid quota"),
        sign_in: ratelimit::sign_in_config(),
        limited: core.config.rate_limit_per_minute > 0,
        test_mode,
    };
    let test = web::Data::from(TestMode::new());
    if test_mode {
        snapshots::take_initial(&core).map_err(std::io::Error::other)?;
    }
    // The `Date` header from the server's clock, which test mode can move.
    let server_clock = test_mode;
    let app = move || {
        App::new()
            .app_data(data.clone())
            .app_data(test.clone())
            .configure(api::extractor_configs)
            // Heads actix-http would refuse, in the dialect's shape (`connections`, `unreadable`).
            .service(unreadable::answer::service())
            .configure(|cfg| test_routes(cfg, test_mode))
            .configure(|cfg| routes(cfg, &layers))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(Error::NotFound("resource"))
            }))
            .wrap(from_fn(problem::render::<problem::Problem>))
            .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
            .wrap(Condition::new(test_mode, from_fn(journal::record)))
            .wrap(Condition::new(server_clock, from_fn(server_date)))
            .wrap(from_fn(api::request_log))
    };
    let settings = connections::Settings {
        workers: core.config.workers,
        shutdown_timeout: core.config.shutdown_timeout,
        test_mode,
        tls: core.config.tls.as_ref().map(tls_config).transpose()?,
    };
    connections::serve(listener, settings, app)
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
