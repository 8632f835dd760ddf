//! Typed settings. clap applies the order "default, then `ATTACHE_*` environment, then flag";
//! this module checks the values once so the rest of the code can trust them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};

use crate::core::quota::Quotas;
use crate::store::blobs::BlobLocation;
use crate::store::Database;

/// Every default, written once: `Config::new` and clap's `default_value_t` both read these.
pub mod defaults {
    pub const MAX_UPLOAD_BYTES: u64 = 30 * 1024 * 1024;
    pub const MAX_ATTACHMENTS: u64 = 100;
    pub const URL_TTL_SECONDS: u64 = 3600;
    pub const PENDING_TTL_SECONDS: u64 = 24 * 3600;
    pub const RATE_LIMIT_PER_MINUTE: u32 = 1200;
    pub const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;
    pub const SHUTDOWN_TIMEOUT_SECONDS: u64 = 30;
    /// Each upload in flight holds a socket and a temporary file.
    pub const MAX_UPLOADS_IN_FLIGHT: usize = 8;
    /// Ten minutes: 30 MiB at 50 KB/s.
    pub const UPLOAD_DEADLINE_SECONDS: u64 = 600;
    /// Per customer: a reply with a handful of files, several times over.
    pub const QUOTA_PENDING_UPLOADS: u64 = 20;
    /// Per customer: 2 GiB, some seventy files at the 30 MiB limit.
    pub const QUOTA_STORED_BYTES: u64 = 2 * 1024 * 1024 * 1024;
    /// Per customer: more than a person writes, fewer than a script floods.
    pub const QUOTA_TICKETS_PER_HOUR: u64 = 30;
}
pub const MAX_URL_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    /// Where file contents live (`--blob-store`): the data directory, or a bucket.
    pub blob_store: BlobLocation,
    /// Where the metadata lives (`--database`): `None` for the SQLite file in the data
    /// directory, or PostgreSQL.
    pub database: Option<Database>,
    /// Base of every URL attache hands out (signed URLs, `Link`, problem `type`), no trailing `/`.
    /// `None` means "the address the server is listening on".
    pub public_url: Option<String>,
    pub max_upload_bytes: u64,
    pub max_attachments_per_ticket: u64,
    pub url_ttl: Duration,
    /// How long an upload no message carries yet is kept (HostUp `satt_`, Huawei accessories).
    pub pending_ttl: Duration,
    /// Requests per minute per key (per client address when unauthenticated); 0 turns it off.
    pub rate_limit_per_minute: u32,
    /// `/readyz` answers 503 when the data directory's file system has less free space.
    pub min_free_bytes: u64,
    /// Uploads one key may have in flight at once; more are answered `too_many_uploads`.
    pub max_uploads_in_flight: usize,
    /// How long the whole body of an upload may take to arrive.
    pub upload_deadline: Duration,
    /// What one customer may hold and open (0: no quota); see `core::quota`.
    pub quotas: Quotas,
    pub workers: usize,
    /// On SIGTERM, how long requests in flight (uploads above all) may take to finish.
    pub shutdown_timeout: Duration,
    /// PEM certificate chain and private key: serve HTTPS instead of HTTP.
    pub tls: Option<Tls>,
    /// The test double's controls under `/_attache/` (never on by default).
    pub test_mode: bool,
    /// A directory whose `manifest.json` seeds users, keys, tickets, messages and files.
    pub fixtures: Option<PathBuf>,
    /// With test mode: ids, secrets and the (frozen) clock follow this seed.
    pub deterministic: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Config {
    /// The metadata database: as `--database` named it, else the data directory's SQLite file.
    pub fn database(&self) -> Database {
        self.database.clone().unwrap_or_else(|| {
            Database::Sqlite(self.data_dir.join(crate::store::database::DATABASE_FILE))
        })
    }

    /// Defaults for everything but the data directory.
    pub fn new(data_dir: PathBuf) -> Self {
        Config {
            data_dir,
            blob_store: BlobLocation::Local,
            database: None,
            public_url: None,
            max_upload_bytes: defaults::MAX_UPLOAD_BYTES,
            max_attachments_per_ticket: defaults::MAX_ATTACHMENTS,
            url_ttl: Duration::from_secs(defaults::URL_TTL_SECONDS),
            pending_ttl: Duration::from_secs(defaults::PENDING_TTL_SECONDS),
            rate_limit_per_minute: defaults::RATE_LIMIT_PER_MINUTE,
            min_free_bytes: defaults::MIN_FREE_BYTES,
            max_uploads_in_flight: defaults::MAX_UPLOADS_IN_FLIGHT,
            upload_deadline: Duration::from_secs(defaults::UPLOAD_DEADLINE_SECONDS),
            quotas: Quotas {
                pending_uploads: defaults::QUOTA_PENDING_UPLOADS,
                stored_bytes: defaults::QUOTA_STORED_BYTES,
                tickets_per_hour: defaults::QUOTA_TICKETS_PER_HOUR,
            },
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            shutdown_timeout: Duration::from_secs(defaults::SHUTDOWN_TIMEOUT_SECONDS),
            tls: None,
            test_mode: false,
            fixtures: None,
            deterministic: None,
        }
    }

    pub fn validate(self) -> Result<Self> {
        if self.max_upload_bytes == 0 {
            bail!("--max-upload-bytes must be at least 1");
        }
        if self.url_ttl.is_zero() || self.url_ttl > MAX_URL_TTL {
            bail!("--url-ttl must be between 1 second and 7 days (604800 seconds)");
        }
        if self.max_uploads_in_flight == 0 {
            bail!("--max-uploads-in-flight must be at least 1");
        }
        if self.upload_deadline.is_zero() {
            bail!("--upload-deadline must be at least 1 second");
        }
        if self.pending_ttl.is_zero() {
            bail!("--pending-ttl must be at least 1 second");
        }
        if self.deterministic.is_some() && !self.test_mode {
            bail!("--deterministic needs --test-mode");
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("--public-url must start with http:// or https://");
            }
        }
        Ok(Config {
            public_url: self.public_url.map(|u| u.trim_end_matches('/').to_owned()),
            ..self
        })
    }
}
