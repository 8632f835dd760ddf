//! Staging: bytes streamed to a temporary file in `tmp/`, hashed, sniffed and fsynced off the
//! async workers, and refused past the limit as they arrive.

use actix_web::web::Bytes;
use futures_util::Stream;
use sha2::{Digest, Sha256 as Hasher};
use tempfile::NamedTempFile;

use super::next_within;
use super::sniff::Sniffer;
use crate::domain::{Sha256, StagedUpload};
use crate::error::{Error, Result};
use crate::store::blobs::append;
use crate::store::{Blobs, Db};

/// Bytes handed to the blocking pool at a time: big enough that the hand-off is cheap next to
/// hashing it, small enough that 32 uploads at once stay a few MiB.
const BATCH: usize = 256 * 1024;

/// Stages uploads of at most `limit` bytes into the blob store's `tmp/`.
#[derive(Clone)]
pub struct Stager {
    db: Db,
    blobs: Blobs,
    limit: u64,
}

impl Stager {
    pub fn new(db: Db, blobs: Blobs, limit: u64) -> Stager {
        Stager { db, blobs, limit }
    }

    /// The most bytes a file may have.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Streams `bytes` to `tmp/` in batches; a stream longer than the limit is refused as soon
    /// as it passes it, and its temporary file removed.
    pub async fn stage<S, E>(&self, bytes: &mut S) -> Result<StagedUpload>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let blobs = self.blobs.clone();
        let mut writer = self.db.blocking(move || Writer::new(&blobs)).await?;
        let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
        let mut received = 0u64;
        while let Some(chunk) = next_within(bytes).await? {
            let chunk = chunk.map_err(super::malformed)?;
            received += chunk.len() as u64;
            if received > self.limit {
                let limit = self.limit;
                return Err(Error::FileTooLarge { limit }); // `writer` drops: tmp file removed
            }
            batch.extend_from_slice(&chunk);
            if batch.len() >= BATCH {
                (writer, batch) = self
                    .db
                    .blocking(move || {
                        writer.write(&batch)?;
                        batch.clear();
                        Ok((writer, batch))
                    })
                    .await?;
            }
        }
        self.db
            .blocking(move || {
                writer.write(&batch)?;
                writer.finish()
            })
            .await
    }

    /// Stages bytes already in memory (demo data, small JSON-borne uploads).
    pub async fn stage_bytes(&self, bytes: Vec<u8>) -> Result<StagedUpload> {
        if bytes.len() as u64 > self.limit {
            return Err(Error::FileTooLarge { limit: self.limit });
        }
        let blobs = self.blobs.clone();
        self.db
            .blocking(move || {
                let mut writer = Writer::new(&blobs)?;
                writer.write(&bytes)?;
                writer.finish()
            })
            .await
    }
}

/// The blocking half of staging: a temporary file, the hasher and the type sniffer.
struct Writer {
    file: NamedTempFile,
    hasher: Hasher,
    sniffer: Sniffer,
    size: u64,
}

impl Writer {
    fn new(blobs: &Blobs) -> Result<Writer> {
        Ok(Writer {
            file: blobs.new_temp()?,
            hasher: Hasher::new(),
            sniffer: Sniffer::default(),
            size: 0,
        })
    }

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
