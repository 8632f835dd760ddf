//! A multipart upload form: the `file` part goes to staging, the text parts a dialect asked
//! for are kept, any other part is read and dropped. What the body may cost besides its file
//! is metered (`budget`): framing, part headers and the other parts, in count and bytes.

use std::rc::Rc;

use actix_multipart::{Field, Multipart};
use actix_web::{web, HttpMessage, HttpRequest};

use super::budget::{Budget, Counted, Metered, FRAMING_BUDGET, NON_FILE_BYTES};
use super::{malformed, next_within, Stager};
use crate::domain::StagedUpload;
use crate::error::{Error, Result};

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

/// What a form's parts were (name, file name, bytes), left in the request's extensions for
/// whoever records requests (the test double's journal).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PartsSeen(pub Vec<PartSeen>);

#[derive(Clone, Debug, serde::Serialize)]
pub struct PartSeen {
    pub name: String,
    pub filename: Option<String>,
    pub size: u64,
}

/// Refuses at once a request whose declared length cannot fit the limit.
fn check_declared_length(req: &HttpRequest, limit: u64) -> Result<()> {
    match super::declared_length(req) {
        Some(length) if length > limit.saturating_add(NON_FILE_BYTES + FRAMING_BUDGET) => {
            Err(Error::FileTooLarge { limit })
        }
        _ => Ok(()),
    }
}

impl Stager {
    /// Reads a multipart upload, after refusing one whose declared length cannot fit the
    /// limit: streams the `file` part to `tmp/` and keeps the text parts named in
    /// `text_fields`; any other part is read and dropped. Past a cap of the body's `Budget`
    /// nothing more is read.
    pub async fn read_form(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        text_fields: &[&str],
    ) -> Result<UploadForm> {
        check_declared_length(req, self.limit())?;
        let budget = Rc::new(Budget::default());
        let mut multipart = Multipart::new(req.headers(), Metered::new(payload, budget.clone()));
        let mut seen = PartsSeen::default();
        let form = self
            .read_parts(&mut multipart, &budget, text_fields, &mut seen)
            .await
            .map_err(|e| budget.explain(e));
        req.extensions_mut().insert(seen);
        form
    }

    async fn read_parts(
        &self,
        multipart: &mut Multipart,
        budget: &Budget,
        text_fields: &[&str],
        seen: &mut PartsSeen,
    ) -> Result<UploadForm> {
        let mut form = UploadForm::default();
        while let Some(field) = next_within(multipart).await? {
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
                let mut content = Counted {
                    inner: &mut field,
                    budget,
                };
                let staged = self.stage(&mut content).await?;
                seen.0.push(PartSeen {
                    name,
                    filename: client_name.clone(),
                    size: staged.size,
                });
                form.file = Some((staged, client_name));
                continue;
            }
            budget.non_file_part()?;
            let text = read_text(&mut field, &name, budget).await?;
            seen.0.push(PartSeen {
                name: name.clone(),
                filename: client_filename(&field),
                size: text.as_ref().map_or(0, |t| t.len() as u64),
            });
            if text_fields.contains(&name.as_str()) {
                form.fields.push((name, text?));
            }
        }
        Ok(form)
    }
}

/// Reads a part that is not the file, against the budget for them all; its text, or why it
/// is not text (which matters only for a part the dialect asked for).
async fn read_text(field: &mut Field, name: &str, budget: &Budget) -> Result<Result<String>> {
    let mut bytes = Vec::new();
    let mut too_long = false;
    let mut content = Counted {
        inner: field,
        budget,
    };
    while let Some(chunk) = next_within(&mut content).await? {
        let chunk = chunk.map_err(malformed)?;
        budget.non_file_bytes(chunk.len())?;
        too_long |= bytes.len() + chunk.len() > MAX_TEXT_PART;
        if !too_long {
            bytes.extend_from_slice(&chunk);
        }
    }
    let pointer = format!("/{name}");
    if too_long {
        return Ok(Err(Error::invalid(
            &pointer,
            "too_long",
            "This part is too long.",
        )));
    }
    Ok(String::from_utf8(bytes)
        .map_err(|_| Error::invalid(&pointer, "not_utf8", "This part must be UTF-8 text.")))
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
