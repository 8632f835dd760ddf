//! From a multipart request to a staged blob: the `file` part streams, in bounded batches, to a
//! temporary file while its SHA-256, size and type are computed off the async workers; the
//! size limit is enforced as the bytes arrive. Nothing is ever held whole in memory.

pub mod filename;
pub mod sniff;

use std::time::Duration;

use actix_multipart::{Field, Multipart};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::HttpRequest;
use futures_util::StreamExt;
use sha2::{Digest, Sha256 as Hasher};
use tempfile::NamedTempFile;

use crate::core::{uploads, Caller, Core};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::store::blobs::append;
use crate::store::Sha256;
use sniff::Sniffer;

/// Bytes handed to the blocking pool at a time: big enough that the hand-off is cheap next to
/// hashing it, small enough that 32 uploads at once stay a few MiB.
const BATCH: usize = 256 * 1024;
/// Room for the multipart framing and small text parts around the file itself.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;
/// A client that sends nothing for this long is cut off.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_TEXT_PART: usize = 16 * 1024;

/// An upload written to `tmp/`, fsynced, with what we learned while streaming it.
/// Dropping it removes the temporary file.
pub struct StagedUpload {
    pub file: NamedTempFile,
    pub sha256: Sha256,
    pub size: u64,
    pub content_type: &'static str,
}

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

/// Receives an upload request after the checks that need no body: the caller may upload (to
/// `ticket_id`, when the route names one), and the declared length fits the limit.
pub async fn receive(
    core: &Core,
    caller: &Caller,
    ticket_id: Option<Id>,
    req: &HttpRequest,
    multipart: Multipart,
    text_fields: &[&str],
) -> Result<UploadForm> {
    uploads::prepare(core, caller, ticket_id).await?;
    check_declared_length(req, core.config.max_upload_bytes)?;
    read_form(core, multipart, text_fields).await
}

/// Refuses at once a request whose declared length cannot fit the limit.
pub fn check_declared_length(req: &HttpRequest, limit: u64) -> Result<()> {
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

fn malformed(err: impl std::fmt::Display) -> Error {
    Error::invalid(
        "",
        "malformed_multipart",
        format!("The body is not valid multipart/form-data with a `file` part: {err}."),
    )
}

async fn next_within<S: futures_util::Stream + Unpin>(stream: &mut S) -> Result<Option<S::Item>> {
    actix_web::rt::time::timeout(IDLE_TIMEOUT, stream.next())
        .await
        .map_err(|_| Error::invalid("", "request_timeout", "The client stopped sending."))
}

/// Reads a multipart upload: streams the `file` part to `tmp/` and keeps the text parts named
/// in `text_fields`; any other part is read and dropped.
pub async fn read_form(
    core: &Core,
    mut multipart: Multipart,
    text_fields: &[&str],
) -> Result<UploadForm> {
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
            let staged = stage(core, &mut field).await?;
            form.file = Some((staged, client_name));
        } else if text_fields.contains(&name.as_str()) {
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
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                Error::invalid(
                    &format!("/{name}"),
                    "not_utf8",
                    "This part must be UTF-8 text.",
                )
            })?;
            form.fields.push((name, text));
        } else {
            skip(core, &mut field).await?;
        }
    }
    Ok(form)
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

async fn skip(core: &Core, field: &mut Field) -> Result<()> {
    let mut seen = 0u64;
    while let Some(chunk) = next_within(field).await? {
        seen += chunk.map_err(malformed)?.len() as u64;
        if seen > core.config.max_upload_bytes {
            return Err(Error::FileTooLarge {
                limit: core.config.max_upload_bytes,
            });
        }
    }
    Ok(())
}

/// The blocking half of staging: a temporary file, the hasher and the type sniffer.
struct Writer {
    file: NamedTempFile,
    hasher: Hasher,
    sniffer: Sniffer,
    size: u64,
}

impl Writer {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.sniffer.feed(data)?;
        self.hasher.update(data);
        append(&mut self.file, data)?;
        self.size += data.len() as u64;
        Ok(())
    }

    fn finish(self) -> Result<StagedUpload> {
        if self.size == 0 {
            return Err(Error::EmptyFile);
        }
        let content_type = self.sniffer.finish()?;
        self.file.as_file().sync_all()?;
        Ok(StagedUpload {
            file: self.file,
            sha256: Sha256(self.hasher.finalize().into()),
            size: self.size,
            content_type,
        })
    }
}

async fn stage(core: &Core, field: &mut Field) -> Result<StagedUpload> {
    let limit = core.config.max_upload_bytes;
    let blobs = core.blobs.clone();
    let mut writer = core
        .db
        .blocking(move || {
            Ok(Writer {
                file: blobs.new_temp()?,
                hasher: Hasher::new(),
                sniffer: Sniffer::default(),
                size: 0,
            })
        })
        .await?;
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
    let mut received = 0u64;
    while let Some(chunk) = next_within(field).await? {
        let chunk = chunk.map_err(malformed)?;
        received += chunk.len() as u64;
        if received > limit {
            return Err(Error::FileTooLarge { limit }); // `writer` drops: tmp file removed
        }
        batch.extend_from_slice(&chunk);
        if batch.len() >= BATCH {
            (writer, batch) = core
                .db
                .blocking(move || {
                    writer.write(&batch)?;
                    batch.clear();
                    Ok((writer, batch))
                })
                .await?;
        }
    }
    core.db
        .blocking(move || {
            writer.write(&batch)?;
            writer.finish()
        })
        .await
}

/// Stages bytes already in memory (demo data, small JSON-borne uploads).
pub async fn stage_bytes(core: &Core, bytes: Vec<u8>) -> Result<StagedUpload> {
    if bytes.len() as u64 > core.config.max_upload_bytes {
        return Err(Error::FileTooLarge {
            limit: core.config.max_upload_bytes,
        });
    }
    let blobs = core.blobs.clone();
    core.db
        .blocking(move || {
            let mut writer = Writer {
                file: blobs.new_temp()?,
                hasher: Hasher::new(),
                sniffer: Sniffer::default(),
                size: 0,
            };
            writer.write(&bytes)?;
            writer.finish()
        })
        .await
}
