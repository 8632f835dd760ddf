//! `GET /api/v2/support/departments`: a built-in list, HostUp's own slugs (those its
//! documents name) and the two attache's fixtures use. Tickets opened in this dialect must
//! name one; tickets from other dialects may carry any department, shown with no name.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::core::Caller;
use crate::domain::Scope;
use crate::error::Result;

/// What a ticket with no department shows as its `departmentSlug`.
pub const DEFAULT_SLUG: &str = "support";

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    pub slug: &'static str,
    pub display_name: &'static str,
    pub description: Option<&'static str>,
    pub email: Option<&'static str>,
}

const fn department(
    slug: &'static str,
    display_name: &'static str,
    description: &'static str,
    email: &'static str,
) -> Department {
    Department {
        slug,
        display_name,
        description: Some(description),
        email: Some(email),
    }
}

pub const DEPARTMENTS: [Department; 6] = [
    department(
        "general-web-hosting",
        "General - Web hosting",
        "Web hosting, e-mail and<br>control panel questions.",
        "info@hostup.example",
    ),
    department(
        "domain-names",
        "Domain names",
        "Registrations, transfers and DNS.",
        "registry@hostup.example",
    ),
    department(
        "vps",
        "VPS",
        "Virtual servers, IP addresses and VPS networks.",
        "vps@hostup.example",
    ),
    department(
        "billing",
        "Billing",
        "Invoices, payments and refunds.",
        "billing@hostup.example",
    ),
    department(
        "support",
        "Support",
        "Anything else.",
        "support@hostup.example",
    ),
    department(
        "hardware",
        "Hardware",
        "Dedicated servers and devices.",
        "hardware@hostup.example",
    ),
];

/// The department of a slug, if it is one of ours.
pub fn by_slug(slug: &str) -> Option<Department> {
    DEPARTMENTS.into_iter().find(|d| d.slug == slug)
}

/// HostUp asks for `read:account`; attache's nearest scope is reading tickets.
pub async fn departments(caller: Caller) -> Result<HttpResponse> {
    caller.require(Scope::TicketsRead)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "departments": DEPARTMENTS })))
}
