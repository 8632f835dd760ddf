//! Opening a ticket: HostUp's create body, every field error it can have (HostUp's
//! `errors[]` lists them all at once), and its translation into the core's new ticket.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::views;
use super::{attachment_id, departments, PRIORITIES};
use crate::core::{tickets, Caller, Core};
use crate::domain::{CcAddresses, CcProblem};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTicket {
    department_slug: Option<String>,
    subject: Option<String>,
    message: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    cc_emails: Vec<String>,
    context: Option<Value>,
    critical_reason: Option<String>,
    account_id: Option<Value>,
    /// Accepted as HostUp documents them; attache keeps neither.
    #[allow(dead_code)]
    ai_summary: Option<String>,
    #[allow(dead_code)]
    ai_helpful: Option<bool>,
    /// attache's own: `satt_` uploads the opening message carries.
    #[serde(default)]
    attachment_ids: Vec<String>,
}

impl NewTicket {
    fn is_critical(&self) -> bool {
        self.priority.as_deref() == Some(tickets::ALERT_PRIORITY)
    }
}

fn required(errors: &mut Vec<FieldError>, name: &str, value: Option<&str>) {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.push(FieldError::new(
            format!("/{name}"),
            "missing_required",
            format!("`{name}` is required."),
        ));
    }
}

fn cc_error(problem: CcProblem) -> FieldError {
    match problem {
        CcProblem::TooMany => FieldError::new(
            "/ccEmails",
            "too_many",
            format!("At most {} addresses.", CcAddresses::MAX),
        ),
        CcProblem::NotAnAddress(i) => FieldError::new(
            format!("/ccEmails/{i}"),
            "invalid_email",
            "Not an e-mail address.",
        ),
    }
}

/// Every field error of a new ticket, with its cc addresses when they are all addresses.
fn check_new(body: &NewTicket) -> (Vec<FieldError>, CcAddresses) {
    let mut errors = Vec::new();
    required(
        &mut errors,
        "departmentSlug",
        body.department_slug.as_deref(),
    );
    required(&mut errors, "subject", body.subject.as_deref());
    required(&mut errors, "message", body.message.as_deref());
    let mut refuse = |pointer: &str, code: &'static str, detail: &str| {
        errors.push(FieldError::new(pointer, code, detail));
    };
    if let Some(slug) = body.department_slug.as_deref() {
        if !slug.trim().is_empty() && departments::by_slug(slug).is_none() {
            let detail = "Not a slug from GET /api/v2/support/departments.";
            refuse("/departmentSlug", "unknown_department", detail);
        }
    }
    if let Some(p) = body.priority.as_deref() {
        if !PRIORITIES.contains(&p) {
            let detail = "One of low, medium, high, urgent, critical.";
            refuse("/priority", "invalid_enum", detail);
        }
    }
    let reason = body.critical_reason.as_deref().unwrap_or_default();
    if body.is_critical() && reason.trim().is_empty() {
        let detail = "A critical ticket needs `criticalReason`, the customer impact.";
        refuse("/criticalReason", "missing_required", detail);
    }
    if reason.len() > tickets::MAX_BODY {
        let detail = format!("At most {} bytes.", tickets::MAX_BODY);
        refuse("/criticalReason", "too_long", &detail);
    }
    if body.context.as_ref().is_some_and(|c| !c.is_null()) {
        let detail = "No service of this account matches; attache has no services to link.";
        refuse("/context", "service_not_found", detail);
    }
    if body.account_id.is_some() {
        refuse("/accountId", "not_allowed", "`accountId` is not accepted.");
    }
    let cc = CcAddresses::parse(&body.cc_emails).unwrap_or_else(|problems| {
        errors.extend(problems.into_iter().map(cc_error));
        CcAddresses::default()
    });
    (errors, cc)
}

/// `attachmentIds` (attache's own), as ids.
pub(super) fn upload_ids(texts: &[String]) -> Result<Vec<Id>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            attachment_id(text).ok_or_else(|| {
                Error::invalid(
                    &format!("/attachmentIds/{i}"),
                    "invalid_id",
                    "Not a satt_ or tatt_ id.",
                )
            })
        })
        .collect()
}

/// Opens a ticket. `criticalReason` is kept for a critical ticket, which makes it an alert:
/// a second one within the hour is 429 `rate_limited`, as HostUp's error catalogue says.
pub async fn create_ticket(
    core: web::Data<Core>,
    caller: Caller,
    body: web::Json<NewTicket>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let (errors, cc_addresses) = check_new(&body);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let critical = body.is_critical();
    let priority_reason = body.critical_reason.filter(|_| critical);
    let new = tickets::NewTicket {
        subject: body.subject.unwrap_or_default(),
        message: body.message,
        attachment_ids: upload_ids(&body.attachment_ids)?,
        priority: body.priority,
        department: body.department_slug,
        cc_addresses,
        priority_reason,
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Created().json(views::detail(&core, &caller, ticket.id).await?))
}
