//! A multipart upload form: the `file` part goes to staging, the text parts a dialect asked
//! for are kept, any other part is read and dropped.

use actix_multipart::{Field, Multipart};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::HttpRequest;

use super::{malformed, next_within, Stager};
use crate::domain::StagedUpload;
use crate::error::{Error, Result};

/// Room for the multipart framing and small text parts around the file itself.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;
const MAX_TEXT_PART: usize = 16 * 1024;

/// The parts of an upload request: at most one file (with the name the client gave it) and
/// the text parts the dialect asked for.
#[derive(Default)]
pub struct UploadForm {
    pub file: Option<(StagedUpload, Option<String>)>,
    pub fields: Vec<(String, String)>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Refuses at once a request whose declared length cannot fit the limit.
fn check_declared_length(req: &HttpRequest, limit: u64) -> Result<()> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit.saturating_add(FRAMING_ALLOWANCE) => {
            Err(Error::FileTooLarge { limit })
        }
        _ => Ok(()),
    }
}

impl Stager {
    /// Reads a multipart upload, after refusing one whose declared length cannot fit the
    /// limit: streams the `file` part to `tmp/` and keeps the text parts named in
    /// `text_fields`; any other part is read and dropped.
    pub async fn read_form(
        &self,
        req: &HttpRequest,
        mut multipart: Multipart,
        text_fields: &[&str],
    ) -> Result<UploadForm> {
        check_declared_length(req, self.limit())?;
        let mut form = UploadForm::default();
        while let Some(field) = next_within(&mut multipart).await? {
            let mut field = field.map_err(malformed)?;
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                if form.file.is_some() {
                    return Err(Error::invalid(
                        "/file",
                        "multiple_files",
                        "Send one file per request.",
                    ));
                }
                let client_name = client_filename(&field);
                let staged = self.stage(&mut field).await?;
                form.file = Some((staged, client_name));
            } else if text_fields.contains(&name.as_str()) {
                let text = read_text(&mut field, &name).await?;
                form.fields.push((name, text));
            } else {
                self.skip(&mut field).await?;
            }
        }
        Ok(form)
    }

    async fn skip(&self, field: &mut Field) -> Result<()> {
        let mut seen = 0u64;
        while let Some(chunk) = next_within(field).await? {
            seen += chunk.map_err(malformed)?.len() as u64;
            if seen > self.limit() {
                return Err(Error::FileTooLarge {
                    limit: self.limit(),
                });
            }
        }
        Ok(())
    }
}

async fn read_text(field: &mut Field, name: &str) -> Result<String> {
    let bytes = match field.bytes(MAX_TEXT_PART).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(malformed(e)),
        Err(_) => {
            return Err(Error::invalid(
                &format!("/{name}"),
                "too_long",
                "This part is too long.",
            ))
        }
    };
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        Error::invalid(
            &format!("/{name}"),
            "not_utf8",
            "This part must be UTF-8 text.",
        )
    })
}

fn client_filename(field: &Field) -> Option<String> {
    let disposition = field.content_disposition()?;
    if let Some(ext) = disposition.get_filename_ext() {
        if let Ok(name) = String::from_utf8(ext.value.clone()) {
            return Some(name);
        }
    }
    disposition.get_filename().map(str::to_owned)
}
