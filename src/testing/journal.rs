//! The request journal: what the client under test actually sent, and what it got. Every
//! request but the test-control ones is recorded (method, path, query, headers with
//! credentials redacted, a form's parts, the status, the request id), newest last, at most
//! `CAPACITY` of them; `GET /_attache/requests` reads it with filters, `DELETE` clears it.

use std::collections::VecDeque;
use std::sync::Mutex;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use serde::{Deserialize, Serialize};

use super::{dialect_of, glob_matches, TestMode};
use crate::api::problem::RequestId;
use crate::domain::{now, Timestamp};
use crate::upload::form::{PartSeen, PartsSeen};

/// Oldest entries go first past this many.
pub const CAPACITY: usize = 1000;

/// Headers whose values are secrets: shown as `[redacted]`.
const CREDENTIALS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-auth-token",
    "x-csrf-token",
    "x-security-token",
];

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub request_id: String,
    pub at: Timestamp,
    pub dialect: &'static str,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// A multipart form's parts, when the route read one.
    pub parts: Option<Vec<PartSeen>>,
    pub status: u16,
}

#[derive(Default)]
pub struct Journal {
    entries: Mutex<VecDeque<Entry>>,
}

/// `GET /_attache/requests` filters; all optional, all must hold.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    pub dialect: Option<String>,
    pub method: Option<String>,
    /// A path pattern, `*` for any run of characters.
    pub path: Option<String>,
    pub status: Option<u16>,
    /// Only requests at or after this time (the server's clock), RFC 3339.
    pub since: Option<String>,
}

impl Journal {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, entry: Entry) {
        let mut entries = self.lock();
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The entries that pass `filter`, oldest first; `None` if `since` is not a time.
    pub fn matching(&self, filter: &Filter) -> Option<Vec<Entry>> {
        let since = match &filter.since {
            Some(text) => Some(Timestamp::parse(text)?),
            None => None,
        };
        let entries = self.lock();
        Some(
            entries
                .iter()
                .filter(|e| filter.dialect.as_deref().is_none_or(|d| d == e.dialect))
                .filter(|e| {
                    let method = filter.method.as_deref();
                    method.is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
                })
                .filter(|e| {
                    filter
                        .path
                        .as_deref()
                        .is_none_or(|p| glob_matches(p, &e.path))
                })
                .filter(|e| filter.status.is_none_or(|s| s == e.status))
                .filter(|e| since.is_none_or(|t| e.at >= t))
                .cloned()
                .collect(),
        )
    }
}

fn headers_of(req: &ServiceRequest) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let value = if CREDENTIALS.contains(&name.as_str()) {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect();
    headers.sort();
    headers
}

/// Records each request and its answer (test mode only; inside the request-id middleware).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let test = req.app_data::<web::Data<TestMode>>().cloned();
    let path = req.path().to_owned();
    let Some(test) = test.filter(|_| !path.starts_with("/_attache/")) else {
        return next.call(req).await;
    };
    let mut entry = Entry {
        request_id: String::new(),
        at: now(),
        dialect: dialect_of(&path),
        method: req.method().to_string(),
        query: req.query_string().to_owned(),
        headers: headers_of(&req),
        path,
        parts: None,
        status: 0,
    };
    let res = next.call(req).await?;
    let extensions = res.request().extensions();
    entry.request_id = extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    entry.parts = extensions.get::<PartsSeen>().map(|p| p.0.clone());
    drop(extensions);
    entry.status = res.status().as_u16();
    test.journal.record(entry);
    Ok(res)
}
