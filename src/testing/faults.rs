//! Injected faults: rules that make matching requests fail the way a vendor's API does, for
//! the next N of them or with a probability; and, per request, Prism's `Prefer: code=503` and
//! `Prefer: delay=2000`. A rule answers a status in the dialect's own error shape (it runs
//! inside the dialect's error renderer), waits first, closes the connection with no answer,
//! or cuts the answer's body short.

use std::sync::Mutex;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody, SizedStream};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{dialect_of, glob_matches, TestMode};
use crate::error::Error;

/// The statuses a rule (or `Prefer: code=`) may answer, each with the error it stands for.
pub const STATUSES: &[u16] = &[400, 401, 403, 404, 405, 408, 413, 429, 500, 503, 507];

/// What a matching request gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The rule's `status`, in the dialect's error shape (the default).
    #[default]
    Status,
    /// The connection is closed with no answer.
    Reset,
    /// The route answers, but the connection closes halfway through the body.
    Truncate,
    /// Only the rule's delay, then the route answers as usual.
    Delay,
}

/// A rule as a test posts it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `native`, `hostup`, `huawei`, `waldur` or `files`; any when absent.
    pub dialect: Option<String>,
    pub method: Option<String>,
    /// A path pattern, `*` for any run of characters; any path when absent.
    pub path: Option<String>,
    #[serde(default)]
    pub action: Action,
    /// For `status`: one of `STATUSES`.
    pub status: Option<u16>,
    /// Seconds for `Retry-After` on 429 and 503 (default 1).
    pub retry_after: Option<u64>,
    /// Wait this long before anything else.
    pub delay_ms: Option<u64>,
    /// Apply to the next N matching requests, then stop (default: every one).
    pub times: Option<u64>,
    /// Apply to each matching request with this probability (default 1).
    pub probability: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: RuleSpec,
    /// How many requests it applied to so far.
    pub applied: u64,
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<(u64, Vec<Rule>)>,
}

impl RuleSpec {
    /// Why the rule cannot work, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let dialects = ["native", "hostup", "huawei", "waldur", "files"];
        if let Some(d) = &self.dialect {
            if !dialects.contains(&d.as_str()) {
                return Some(format!("`dialect` is one of {}.", dialects.join(", ")));
            }
        }
        match (self.action, self.status) {
            (Action::Status, None) => return Some("`status` is required.".into()),
            (_, Some(s)) if !STATUSES.contains(&s) => {
                return Some(format!("`status` is one of {STATUSES:?}."))
            }
            _ => {}
        }
        if self.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Some("`probability` is between 0 and 1.".into());
        }
        if self.times == Some(0) {
            return Some("`times` is at least 1.".into());
        }
        None
    }

    fn matches(&self, req: &ServiceRequest) -> bool {
        let path = req.path();
        self.dialect
            .as_deref()
            .is_none_or(|d| d == dialect_of(path))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(req.method().as_str()))
            && self.path.as_deref().is_none_or(|p| glob_matches(p, path))
    }
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Rule>)> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add(&self, spec: RuleSpec) -> Rule {
        let mut rules = self.lock();
        rules.0 += 1;
        let rule = Rule {
            id: rules.0,
            spec,
            applied: 0,
        };
        rules.1.push(rule.clone());
        rule
    }

    pub fn list(&self) -> Vec<Rule> {
        self.lock().1.clone()
    }

    pub fn clear(&self) {
        self.lock().1.clear();
    }

    /// The first rule this request triggers, counted as applied (and dropped once it has
    /// applied `times` times).
    fn take(&self, req: &ServiceRequest) -> Option<RuleSpec> {
        let mut rules = self.lock();
        let index = rules.1.iter().position(|r| {
            r.spec.matches(req)
                && r.spec
                    .probability
                    .is_none_or(|p| rand::thread_rng().gen_bool(p))
        })?;
        let rule = &mut rules.1[index];
        rule.applied += 1;
        let spec = rule.spec.clone();
        if rule.spec.times.is_some_and(|n| rule.applied >= n) {
            rules.1.remove(index);
        }
        Some(spec)
    }
}

/// `Prefer: code=503, delay=2000` (Prism's spelling; `;` also separates), as a rule.
fn preferred(req: &ServiceRequest) -> Option<RuleSpec> {
    let prefer = req.headers().get("prefer")?.to_str().ok()?;
    let mut spec = RuleSpec {
        dialect: None,
        method: None,
        path: None,
        action: Action::Delay,
        status: None,
        retry_after: None,
        delay_ms: None,
        times: None,
        probability: None,
    };
    for item in prefer.split([',', ';']) {
        match item.trim().split_once('=') {
            Some(("code", code)) => {
                spec.status = code.trim().parse().ok().filter(|s| STATUSES.contains(s));
                spec.action = Action::Status;
            }
            Some(("delay", ms)) => spec.delay_ms = ms.trim().parse().ok(),
            _ => {}
        }
    }
    (spec.status.is_some() || spec.delay_ms.is_some()).then_some(spec)
}

/// The error that a status stands for.
fn error_for(status: u16, retry_after: u64) -> Error {
    match status {
        400 => Error::invalid(
            "",
            "injected_fault",
            "An injected fault (attache test mode).",
        ),
        401 => Error::InvalidCredentials,
        403 => Error::Forbidden("An injected fault (attache test mode)."),
        404 => Error::NotFound("resource"),
        405 => Error::MethodNotAllowed,
        408 => Error::UploadTimeout { seconds: 0 },
        413 => Error::FileTooLarge { limit: 0 },
        429 => Error::RateLimited { retry_after },
        503 => Error::Busy { retry_after },
        507 => Error::InsufficientStorage,
        _ => Error::Internal(anyhow::anyhow!("an injected fault (attache test mode)")),
    }
}

/// Applies the fault rules and `Prefer` to a dialect's requests (test mode only; innermost
/// in each dialect's scope, so that its error renderer shapes the answer).
pub async fn inject(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let test = req.app_data::<web::Data<TestMode>>().cloned();
    let Some(spec) = test.and_then(|t| preferred(&req).or_else(|| t.faults.take(&req))) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if let Some(ms) = spec.delay_ms {
        actix_web::rt::time::sleep(Duration::from_millis(ms)).await;
    }
    match spec.action {
        Action::Delay => Ok(next.call(req).await?.map_into_boxed_body()),
        Action::Status => Ok(failed(req, &spec)),
        Action::Reset => {
            close_connection(&req);
            Ok(failed(req, &spec))
        }
        Action::Truncate => truncated(next.call(req).await?).await,
    }
}

fn failed(req: ServiceRequest, spec: &RuleSpec) -> ServiceResponse<BoxBody> {
    let status = spec.status.unwrap_or(500);
    let retry_after = spec.retry_after.unwrap_or(1);
    let mut res = req.error_response(error_for(status, retry_after));
    if status == 429 {
        // As HostUp (and most limiters) say it: the quota, none left, and when it refills.
        let headers = res.headers_mut();
        for (name, value) in [
            ("x-ratelimit-limit", 60),
            ("x-ratelimit-remaining", 0),
            ("x-ratelimit-reset", retry_after),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    res
}

/// The route's answer with its full `Content-Length` but only the first half of its body,
/// after which the connection closes.
async fn truncated(
    res: ServiceResponse<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("reading the body"))?;
    let half = bytes.slice(..bytes.len() / 2);
    let cut: Result<Bytes, std::io::Error> = Err(std::io::ErrorKind::ConnectionAborted.into());
    let stream = futures_util::stream::iter([Ok(half), cut.map_err(actix_web::Error::from)]);
    let body = SizedStream::new(bytes.len() as u64, stream);
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(body))))
}

/// Closes the request's connection, both ways, so the client gets no answer: a `dup` of the
/// socket kept for this (`startup`'s connect hook, test mode only), with no linger, so that
/// actix's own close after it resets the connection.
fn close_connection(req: &ServiceRequest) {
    if let Some(socket) = req.conn_data::<ConnectionSocket>() {
        let fd = &socket.0;
        let _ = rustix::net::sockopt::set_socket_linger(fd, Some(Duration::ZERO));
        let _ = rustix::net::shutdown(fd, rustix::net::Shutdown::Both);
    }
}

/// A duplicate of a connection's socket (test mode only).
pub struct ConnectionSocket(pub std::os::fd::OwnedFd);
