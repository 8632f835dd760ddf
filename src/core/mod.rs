//! The use cases, dialect-agnostic: every dialect's routes call these and only these.
//! Rules (who may see or change what, limits, binding uploads) live here once.

pub mod access;
pub mod access_keys;
pub mod alerts;
pub mod attachments;
pub mod downloads;
pub mod escalations;
pub mod events;
pub mod forget;
pub mod in_flight;
pub mod ingest;
pub mod messages;
pub mod pending;
pub mod quota;
pub mod sessions;
pub mod tickets;
pub mod users;
pub mod withdrawals;

use std::fs;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::signing_keys::{self, LiveKeyring};
use crate::store::{Blobs, Db};

pub use access::Caller;

/// The HMAC keys that sign download URLs, newest last.
pub const SIGNING_KEYS: &str = "signing-keys";

/// The file Huawei-style secret keys are derived from.
pub const AKSK_SECRET: &str = "aksk-secret";

/// The secret Huawei-style secret keys are derived from: the `aksk-secret` file of a single
/// node, or the one in the database that several nodes share.
pub fn aksk_secret(db: &Db, data_dir: &std::path::Path) -> anyhow::Result<[u8; 32]> {
    if db.is_postgres() {
        return signing_keys::load_or_create_shared_secret(db, AKSK_SECRET)
            .context("loading the AK/SK secret from the database");
    }
    signing_keys::load_or_create_secret(&data_dir.join(AKSK_SECRET)).context("loading aksk-secret")
}

/// Everything a request needs, shared by all workers.
pub struct Core {
    pub config: Config,
    /// Base of the URLs attache hands out, without a trailing `/`.
    pub public_url: String,
    pub db: Db,
    pub blobs: Blobs,
    /// The keys that sign download URLs (re-read after `attache secret rotate`).
    pub keyring: LiveKeyring,
    /// What Huawei-style secret keys are derived from (`access_keys::secret_key`).
    pub aksk_secret: [u8; 32],
    /// Which key each verified secret belongs to, for the rate limit (`access`).
    pub verified_keys: access::VerifiedKeys,
    /// AK/SK signatures already accepted, so none is accepted twice (`access_keys`).
    pub seen_signatures: access_keys::SeenSignatures,
    pub metrics: Metrics,
    /// Recently downloaded attachments and their open files (`downloads`).
    pub open_blobs: downloads::OpenBlobs,
    /// Uploads in flight per key (`--max-uploads-in-flight`).
    pub uploads_in_flight: in_flight::InFlight,
}

impl Core {
    /// Opens the data directory, creating what is missing: the folders, the database (from
    /// `schema.sql`) and the signing keys.
    pub fn open(config: Config, public_url: String) -> anyhow::Result<Arc<Core>> {
        let dir = &config.data_dir;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let db = Db::open(&config.database())?;
        let metrics = Metrics::default();
        let blobs = Blobs::open(dir, &config.blob_store, metrics.object_store.clone())
            .with_context(|| format!("opening the blob store ({})", config.blob_store))?;
        let keyring = if db.is_postgres() {
            LiveKeyring::open_shared(&db).context("loading the signing keys from the database")?
        } else {
            LiveKeyring::open(&dir.join(SIGNING_KEYS)).context("loading signing-keys")?
        };
        let aksk_secret = aksk_secret(&db, dir)?;
        if db.is_postgres() && matches!(config.blob_store, crate::store::blobs::BlobLocation::Local)
        {
            tracing::warn!(
                "the metadata is in PostgreSQL but the files are in this node's data directory: \
                 other nodes on the same database cannot serve them; give every node one \
                 --blob-store (README: Running several nodes)"
            );
        }
        metrics.set_build_info(db.schema_version);
        Ok(Arc::new(Core {
            config,
            public_url,
            db,
            blobs,
            keyring,
            aksk_secret,
            metrics,
            seen_signatures: access_keys::SeenSignatures::default(),
            verified_keys: access::VerifiedKeys::default(),
            open_blobs: downloads::OpenBlobs::default(),
            uploads_in_flight: in_flight::InFlight::default(),
        }))
    }
}
