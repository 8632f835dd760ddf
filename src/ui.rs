//! The web UI: the files of `static/`, embedded in the binary, and the session endpoints that
//! exchange a pasted API key for a cookie (`HttpOnly; SameSite=Strict`, `Secure` when attache
//! is reached over TLS) so that the browser never keeps the key.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};

use crate::auth::UI_COOKIE;
use crate::core::access::AccessView;
use crate::core::sessions::{self, SESSION_LIFETIME};
use crate::core::{Caller, Core};
use crate::domain::Scope;
use crate::error::{Error, Result};

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// The page may load only its own files; no inline script, no framing.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; media-src 'self'; \
     frame-src 'self'; object-src 'self'; style-src 'self'; script-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

pub async fn asset(path: web::Path<String>) -> Result<HttpResponse> {
    let path = path.into_inner();
    let name = if path.is_empty() {
        "index.html"
    } else {
        path.as_str()
    };
    let file = Assets::get(name).ok_or(Error::NotFound("page"))?;
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .content_type(mime.as_ref())
        .insert_header(("Content-Security-Policy", PAGE_POLICY))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-cache"))
        .body(file.data.into_owned()))
}

#[derive(Serialize)]
struct SessionView {
    user: serde_json::Value,
    scopes: Vec<&'static str>,
    /// The same as `/v1/me`'s: what the page may offer.
    access: AccessView,
    csrf: String,
}

fn view(caller: &Caller, csrf: String) -> SessionView {
    SessionView {
        user: serde_json::json!({
            "id": caller.user.id,
            "name": caller.user.name,
            "role": caller.user.role.as_str(),
        }),
        scopes: caller.scopes.iter().map(Scope::as_str).collect(),
        access: caller.access(),
        csrf,
    }
}

fn cookie(core: &Core, value: String, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build(UI_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(core.public_url.starts_with("https://"))
        .max_age(max_age)
        .finish()
}

#[derive(Deserialize)]
pub struct SignIn {
    key: String,
}

pub async fn sign_in(core: web::Data<Core>, body: web::Json<SignIn>) -> Result<HttpResponse> {
    let session = sessions::sign_in(&core, &body.key).await?;
    let lifetime = CookieDuration::seconds(SESSION_LIFETIME.as_secs() as i64);
    Ok(HttpResponse::Ok()
        .cookie(cookie(&core, session.token, lifetime))
        .json(view(&session.caller, session.csrf)))
}

pub async fn current(core: web::Data<Core>, req: HttpRequest) -> Result<HttpResponse> {
    let token = req.cookie(UI_COOKIE).ok_or(Error::Unauthenticated)?;
    let (caller, csrf) = sessions::resume(&core, token.value()).await?;
    Ok(HttpResponse::Ok().json(view(&caller, csrf)))
}

/// Signing out needs the session itself (and, being a write, its CSRF token).
pub async fn sign_out(
    core: web::Data<Core>,
    req: HttpRequest,
    _caller: Caller,
) -> Result<HttpResponse> {
    let token = req.cookie(UI_COOKIE).ok_or(Error::Unauthenticated)?;
    sessions::sign_out(&core, token.value()).await?;
    Ok(HttpResponse::NoContent()
        .cookie(cookie(&core, String::new(), CookieDuration::ZERO))
        .finish())
}
