//! How OSM reaches a case's customer: the case's contact info (`PUT /cases/{id}/contact-info`,
//! shown in the detail's `ext_info`), and the account's carbon-copy addresses
//! (`GET /carbon-copy-emails`), none since attache sends no mail.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::cases::{parse_json, signed_body};
use super::{id, Data, OsmCaller};
use crate::core::{events, Caller};
use crate::domain::Contact;
use crate::error::{Error, Result};

/// OSM's contact fields; `extension_map` and `group_id` are read and ignored.
#[derive(Deserialize, Default)]
pub(super) struct ContactInfo {
    area_code: Option<String>,
    remind_mobile: Option<String>,
    remind_mail: Option<String>,
    remind_time: Option<String>,
    #[allow(dead_code)]
    group_id: Option<String>,
    #[allow(dead_code)]
    extension_map: Option<HashMap<String, Value>>,
}

impl ContactInfo {
    pub(super) fn into_contact(self) -> Contact {
        Contact {
            calling_code: self.area_code,
            phone: self.remind_mobile,
            email: self.remind_mail,
            hours: self.remind_time,
        }
    }
}

/// A case's `ext_info`: its contact, and no carbon copies (attache sends no mail).
pub(super) fn ext_info(contact: &Contact) -> Value {
    let text = |part: &Option<String>| part.clone().unwrap_or_default();
    json!({
        "area_code": text(&contact.calling_code),
        "remind_mobile": text(&contact.phone),
        "remind_mail": text(&contact.email),
        "remind_time": text(&contact.hours),
        "cc_email": "",
    })
}

/// `PUT /cases/{id}/contact-info`: the fields sent replace those stored (an empty one clears
/// it), the others stay; the body is required (OSM's SDK always sends one). OSM answers
/// `{error_code, error_msg}`; a success is `{}`.
pub async fn update_contact_info(
    core: Data,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse> {
    let (caller, text): (Caller, _) = signed_body(&core, &req, body).await?;
    let text = text.ok_or_else(|| Error::invalid("", "missing_body", "Send the contact info."))?;
    let contact = parse_json::<ContactInfo>(&text)?.into_contact();
    // Bad input is refused as such whatever the case, as the schema says.
    events::check_contact(&contact)?;
    let case = id(&path, "case")?;
    events::set_contact(&core, &caller, case, contact).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `GET /carbon-copy-emails`: the caller's carbon-copy address, and the addresses OSM would
/// copy; attache mails nobody, so both are empty (as `/config/limits` allows none).
pub async fn cc_emails(caller: OsmCaller) -> Result<HttpResponse> {
    let user = caller.0.user.id.hex();
    Ok(HttpResponse::Ok().json(json!({
        "cc_email_info": { "user_id": user, "customer_id": user, "cc_email": "" },
        "mc_email_infos": [],
    })))
}
