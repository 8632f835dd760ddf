//! The object-store blob store: each blob an object at `<prefix>/sha256/ab/cd/<64 hex>` in an
//! S3-compatible bucket, through the `object_store` crate (see Cargo.toml for why that one).
//!
//! All S3 traffic runs on a small runtime of its own: the callers are blocking-pool threads
//! (uploads commit there, beside SQLite) and actix workers (download bodies), and neither
//! should carry the client's connection pool. Blocking callers wait with `block_on`; a
//! download's bytes come through a bounded channel, so a slow client holds a few chunks at
//! most. Every failure but "no such object" becomes `StorageUnavailable` (a 503), logged
//! with its cause.

use std::fmt;
use std::fs::File;
use std::future::Future;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use actix_web::web::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    ClientOptions, GetOptions, GetRange, ObjectStore, PutPayload, RetryConfig, WriteMultipart,
};
use tokio::sync::{mpsc, Semaphore};

use super::location::ObjectLocation;
use crate::domain::Sha256;
use crate::metrics::ObjectStoreMetrics;

/// Below this a blob goes up in one PUT (held in memory once); above it, in parts of this size
/// (S3's smallest part is 5 MiB).
const PART: usize = 5 * 1024 * 1024;
/// Large uploads writing parts at once: each holds up to two parts in memory.
const WRITERS: usize = 4;
/// Chunks of a download waiting for a slow client.
const READ_AHEAD: usize = 4;

/// An object-store failure other than "not found": the store is down, slow, refusing the
/// credentials or misconfigured. It travels inside an `io::Error` so the callers' `?` keeps
/// working; `Error::from(io::Error)` turns it into `storage_unavailable`.
#[derive(Debug)]
pub struct StorageUnavailable(pub String);

impl fmt::Display for StorageUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "object store unavailable: {}", self.0)
    }
}

impl std::error::Error for StorageUnavailable {}

/// Owns the S3 runtime; `shutdown_background` because a `Core` may be dropped on an async
/// thread (in tests), where dropping a runtime the usual way panics.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

#[derive(Clone)]
pub struct ObjectBlobs {
    store: Arc<AmazonS3>,
    prefix: String,
    described: String,
    _runtime: Arc<Runtime>,
    handle: tokio::runtime::Handle,
    writers: Arc<Semaphore>,
    metrics: ObjectStoreMetrics,
}

impl fmt::Debug for ObjectBlobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.described)
    }
}

/// An object as listed: its blob, size and when it was written.
pub struct Listed {
    pub sha: Option<Sha256>,
    pub key: String,
    pub size: u64,
    pub modified: SystemTime,
}

impl ObjectBlobs {
    pub fn open(location: &ObjectLocation, metrics: ObjectStoreMetrics) -> io::Result<Self> {
        let creds = &location.credentials;
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&location.bucket)
            .with_region(&location.region)
            .with_access_key_id(&creds.access_key_id)
            .with_secret_access_key(&creds.secret_access_key)
            .with_virtual_hosted_style_request(!location.path_style)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(true)
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_timeout(Duration::from_secs(30)),
            )
            // A store that is down answers 503 within seconds, not after a minute of retries.
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: Duration::from_secs(10),
                ..RetryConfig::default()
            });
        if let Some(token) = &creds.session_token {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = &location.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder
            .build()
            .map_err(|e| io::Error::other(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("attache-s3")
            .enable_all()
            .build()?;
        Ok(ObjectBlobs {
            store: Arc::new(store),
            prefix: location.prefix.clone(),
            described: location.to_string(),
            handle: runtime.handle().clone(),
            _runtime: Arc::new(Runtime(Some(runtime))),
            writers: Arc::new(Semaphore::new(WRITERS)),
            metrics,
        })
    }

    pub fn key_of(&self, sha: &Sha256) -> Key {
        let hex = sha.hex();
        let relative = format!("sha256/{}/{}/{hex}", &hex[0..2], &hex[2..4]);
        if self.prefix.is_empty() {
            Key::from(relative)
        } else {
            Key::from(format!("{}/{relative}", self.prefix))
        }
    }

    /// Runs one request on the S3 runtime and waits for it: for blocking callers only.
    fn call<T>(
        &self,
        op: &'static str,
        request: impl Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> io::Result<T>
    where
        T: Send + 'static,
    {
        let started = Instant::now();
        let joined = self.handle.block_on(self.handle.spawn(request));
        let outcome = joined.unwrap_or_else(|e| {
            Err(object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })
        });
        self.metrics
            .observe(op, started.elapsed(), outcome_kind(&outcome));
        outcome.map_err(|e| self.io_error(op, e))
    }

    fn io_error(&self, op: &str, err: object_store::Error) -> io::Error {
        match err {
            object_store::Error::NotFound { .. } => io::Error::from(io::ErrorKind::NotFound),
            other => {
                tracing::warn!(store = %self.described, op, error = %other, "object store request failed");
                io::Error::other(StorageUnavailable(format!("{op}: {other}")))
            }
        }
    }

    /// The size of the object of `sha`, if there is one.
    pub fn size_of(&self, sha: &Sha256) -> io::Result<Option<u64>> {
        let (store, key) = (self.store.clone(), self.key_of(sha));
        match self.call("head", async move { store.head(&key).await }) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The size of the object of `sha`, if there is one; for async callers.
    pub async fn size_of_async(&self, sha: &Sha256) -> io::Result<Option<u64>> {
        let (store, key) = (self.store.clone(), self.key_of(sha));
        let started = Instant::now();
        let outcome = match self
            .handle
            .spawn(async move { store.head(&key).await })
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => return Err(io::Error::other(e)),
        };
        self.metrics
            .observe("head", started.elapsed(), outcome_kind(&outcome));
        match outcome {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.io_error("head", e)),
        }
    }

    /// Writes `file` (its whole content, from its start) as the object of `sha` unless one is
    /// there already; returns whether it wrote one. The object appears whole or not at all
    /// (a single PUT, or a multipart upload completed last and aborted on failure).
    pub fn put_file(&self, file: &File, sha: &Sha256) -> io::Result<bool> {
        if self.size_of(sha)?.is_some() {
            return Ok(false);
        }
        let size = file.metadata()?.len();
        let key = self.key_of(sha);
        let mut reader = file;
        if size as usize <= PART {
            let mut data = Vec::with_capacity(size as usize);
            reader.read_to_end(&mut data)?;
            let store = self.store.clone();
            let payload = PutPayload::from(data);
            self.call("put", async move { store.put(&key, payload).await })?;
            return Ok(true);
        }
        let _writer = self
            .handle
            .block_on(self.writers.clone().acquire_owned())
            .map_err(io::Error::other)?;
        let store = self.store.clone();
        let upload_key = key.clone();
        let upload = self.call("create_multipart", async move {
            store.put_multipart(&upload_key).await
        })?;
        let mut parts = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let read = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) => {
                    self.abort(parts);
                    return Err(e);
                }
            };
            // `write` starts a part upload when a part is full; it must run on the runtime.
            let waited = self.handle.block_on(async {
                parts.write(&buf[..read]);
                parts.wait_for_capacity(1).await
            });
            if let Err(e) = waited {
                self.abort(parts);
                return Err(self.io_error("upload_part", e));
            }
        }
        let started = Instant::now();
        let finished = self.handle.block_on(parts.finish());
        self.metrics.observe(
            "complete_multipart",
            started.elapsed(),
            outcome_kind(&finished),
        );
        finished.map_err(|e| self.io_error("complete_multipart", e))?;
        Ok(true)
    }

    fn abort(&self, parts: WriteMultipart) {
        if let Err(e) = self.handle.block_on(parts.abort()) {
            // The parts stay until the bucket's lifecycle rule removes them; nothing names them.
            tracing::warn!(store = %self.described, error = %e, "aborting a multipart upload failed");
        }
    }

    /// Removes the object of a blob; a missing one is not an error.
    pub fn remove(&self, sha: &Sha256) -> io::Result<()> {
        let (store, key) = (self.store.clone(), self.key_of(sha));
        match self.call("delete", async move { store.delete(&key).await }) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Streams `range` of the object of `sha` through a bounded channel; for async callers.
    pub fn read_range(&self, sha: &Sha256, range: Range<u64>) -> mpsc::Receiver<io::Result<Bytes>> {
        let (tx, rx) = mpsc::channel(READ_AHEAD);
        let this = self.clone();
        let key = self.key_of(sha);
        self.handle.spawn(async move {
            let started = Instant::now();
            let options = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..GetOptions::default()
            };
            let got = this.store.get_opts(&key, options).await;
            this.metrics
                .observe("get", started.elapsed(), outcome_kind(&got));
            let mut stream = match got {
                Ok(got) => got.into_stream(),
                Err(e) => {
                    let _ = tx.send(Err(this.io_error("get", e))).await;
                    return;
                }
            };
            while let Some(chunk) = stream.next().await {
                let failed = chunk.is_err();
                let chunk = chunk.map_err(|e| this.io_error("get", e));
                if tx.send(chunk).await.is_err() || failed {
                    return; // the client went away, or the read failed
                }
            }
        });
        rx
    }

    /// Copies the whole object of `sha` into `to`, a chunk at a time; for blocking callers.
    pub fn copy_to(&self, sha: &Sha256, size: u64, to: &mut dyn io::Write) -> io::Result<u64> {
        if size == 0 {
            return Ok(0);
        }
        let mut chunks = self.read_range(sha, 0..size);
        let mut copied = 0;
        while let Some(chunk) = self.handle.block_on(chunks.recv()) {
            let chunk = chunk?;
            to.write_all(&chunk)?;
            copied += chunk.len() as u64;
        }
        Ok(copied)
    }

    /// Every object under the prefix's `sha256/`.
    pub fn list(&self) -> io::Result<Vec<Listed>> {
        let store = self.store.clone();
        let root = Key::from(if self.prefix.is_empty() {
            "sha256".to_owned()
        } else {
            format!("{}/sha256", self.prefix)
        });
        let metas = self.call("list", async move {
            let mut metas = Vec::new();
            let mut listing = store.list(Some(&root));
            while let Some(meta) = listing.next().await {
                metas.push(meta?);
            }
            Ok(metas)
        })?;
        Ok(metas
            .into_iter()
            .map(|meta| {
                let key = meta.location.to_string();
                let sha = key
                    .rsplit('/')
                    .next()
                    .and_then(Sha256::parse)
                    .filter(|sha| self.key_of(sha).as_ref() == key);
                Listed {
                    sha,
                    key,
                    size: meta.size,
                    modified: meta.last_modified.into(),
                }
            })
            .collect())
    }

    /// Whether the bucket answers: a HEAD of a key that is never written.
    pub fn check(&self) -> io::Result<()> {
        let store = self.store.clone();
        let key = Key::from(format!("{}/readyz-probe", self.prefix));
        match self.call("head", async move { store.head(&key).await }) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other.map(drop),
        }
    }

    pub fn describe(&self) -> &str {
        &self.described
    }
}

fn outcome_kind<T>(outcome: &object_store::Result<T>) -> &'static str {
    match outcome {
        Ok(_) => "ok",
        Err(object_store::Error::NotFound { .. }) => "not_found",
        Err(_) => "error",
    }
}
