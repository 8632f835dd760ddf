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
        let (staged, Identity) = self.stage_decoded(bytes, Identity, self.limit).await?;
        Ok(staged)
    }

    /// Streams a body of at most `raw_limit` bytes through `decoder` to `tmp/`, in batches
    /// decoded off the async workers; the decoded file is held to the limit as it grows.
    /// Returns the decoder too, for what it learnt on the way.
    pub async fn stage_decoded<S, E, D>(
        &self,
        bytes: &mut S,
        decoder: D,
        raw_limit: u64,
    ) -> Result<(StagedUpload, D)>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
        D: Decode,
    {
        let (blobs, limit) = (self.blobs.clone(), self.limit);
        let mut job = self
            .db
            .blocking(move || Job::new(&blobs, decoder, limit))
            .await?;
        let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
        let mut received = 0u64;
        while let Some(chunk) = next_within(bytes).await? {
            let chunk = chunk.map_err(super::malformed)?;
            received += chunk.len() as u64;
            if received > raw_limit {
                return Err(Error::FileTooLarge { limit }); // `job` drops: tmp file removed
            }
            batch.extend_from_slice(&chunk);
            if batch.len() >= BATCH {
                (job, batch) = self
                    .db
                    .blocking(move || {
                        job.feed(&batch)?;
                        batch.clear();
                        Ok((job, batch))
                    })
                    .await?;
            }
        }
        self.db
            .blocking(move || {
                job.feed(&batch)?;
                job.finish()
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

/// Turns the bytes received into the file's bytes, batch by batch, off the async workers.
pub trait Decode: Send + 'static {
    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()>;
    /// The body has ended: the last bytes, or why it is incomplete.
    fn end(&mut self, out: &mut Vec<u8>) -> Result<()>;
    /// Whether the bytes received are the file's as they are: then they are written without
    /// a copy into a second buffer (a multipart file part).
    fn passes_through(&self) -> bool {
        false
    }
}

/// A multipart file part: its bytes are the file's.
struct Identity;

impl Decode for Identity {
    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        out.extend_from_slice(input);
        Ok(())
    }

    fn end(&mut self, _: &mut Vec<u8>) -> Result<()> {
        Ok(())
    }

    fn passes_through(&self) -> bool {
        true
    }
}

/// A decoder writing to a `Writer`, the file held to `limit`.
struct Job<D> {
    writer: Writer,
    decoder: D,
    decoded: Vec<u8>,
    limit: u64,
}

impl<D: Decode> Job<D> {
    fn new(blobs: &Blobs, decoder: D, limit: u64) -> Result<Self> {
        let writer = Writer::new(blobs)?;
        let decoded = Vec::new();
        Ok(Job {
            writer,
            decoder,
            decoded,
            limit,
        })
    }

    fn feed(&mut self, input: &[u8]) -> Result<()> {
        if self.decoder.passes_through() {
            return self.write(input);
        }
        self.decoder.decode(input, &mut self.decoded)?;
        self.write_decoded()
    }

    fn write_decoded(&mut self) -> Result<()> {
        let decoded = std::mem::take(&mut self.decoded);
        self.write(&decoded)?;
        self.decoded = decoded;
        self.decoded.clear();
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.writer.size + bytes.len() as u64 > self.limit {
            return Err(Error::FileTooLarge { limit: self.limit });
        }
        self.writer.write(bytes)
    }

    fn finish(mut self) -> Result<(StagedUpload, D)> {
        self.decoder.end(&mut self.decoded)?;
        self.write_decoded()?;
        Ok((self.writer.finish()?, self.decoder))
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
