//! The command line: `serve`, `user`, `key`. Every flag has an `ATTACHE_*` variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{defaults, Config, LogFormat};
use crate::store::blobs::BlobLocation;

#[derive(Parser, Debug)]
#[command(
    name = "attache",
    version,
    about = "An attachment server for helpdesk tickets"
)]
pub struct Cli {
    /// Where the database, signing keys and files live.
    #[arg(
        long,
        global = true,
        env = "ATTACHE_DATA_DIR",
        default_value = "./attache-data"
    )]
    pub data_dir: PathBuf,

    /// Log line format (logs go to stderr).
    #[arg(
        long,
        global = true,
        env = "ATTACHE_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// Where file contents live: `local` (below the data directory) or
    /// `s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path_style=true`, with credentials from
    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) or --blob-store-credentials.
    #[arg(
        long,
        global = true,
        env = "ATTACHE_BLOB_STORE",
        default_value = "local"
    )]
    pub blob_store: String,

    /// Where the metadata lives: `sqlite` (the file attache.db in the data directory) or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME`, which several nodes can share (give a
    /// password through ATTACHE_DATABASE, not on the command line; --help never shows it).
    #[arg(
        long,
        global = true,
        env = "ATTACHE_DATABASE",
        default_value = "sqlite",
        hide_env_values = true
    )]
    pub database: String,

    /// A file (mode 0600) with `aws_access_key_id = …` and `aws_secret_access_key = …` lines,
    /// read instead of the AWS_* variables.
    #[arg(long, global = true, env = "ATTACHE_BLOB_STORE_CREDENTIALS")]
    pub blob_store_credentials: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server. On an empty data directory, creates it and prints the first admin key.
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Check the store: rows without files, files without rows, sizes (and, with
    /// --verify-content, every file's SHA-256). Exits 0 only when all is well.
    Fsck {
        #[arg(long)]
        verify_content: bool,
    },
    /// Remove orphan files, stale temporary files and expired pending uploads. Safe while the
    /// server runs.
    Gc {
        /// Keep orphan files younger than this many seconds (default: 0 on the local store,
        /// 900 on an object store, where uploads write their object before their row).
        #[arg(long)]
        grace: Option<u64>,
    },
    /// Copy a consistent snapshot (the database and the files it names) into DIR, while the
    /// server runs.
    Backup { dir: PathBuf },
    /// Restore a backup from DIR into an empty data directory (the files into --blob-store).
    Restore { dir: PathBuf },
    /// Copy every file from --blob-store to another store (`local`, or `s3://…` with its
    /// credentials from the AWS_* variables), verifying each SHA-256. Resumable, and safe while
    /// the server runs; then restart the server with `--blob-store` set to the new store.
    MigrateBlobs {
        #[arg(long)]
        to: String,
    },
    /// Copy this install's SQLite database (with its signing keys and AK/SK secret) into an
    /// empty PostgreSQL database, verifying every table's row count, so that several nodes can
    /// serve it. Stop the server first. The files stay in --blob-store (see migrate-blobs).
    MigrateDb {
        /// The PostgreSQL database to copy into: postgres://user@host:port/dbname
        #[arg(long)]
        to: String,
    },
    /// Manage the keys that sign download URLs.
    #[command(subcommand)]
    Secret(SecretCommand),
}

#[derive(Subcommand, Debug)]
pub enum SecretCommand {
    /// Start signing URLs with a new key; URLs signed before stay valid until they expire.
    Rotate,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ATTACHE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Public base URL used in signed URLs and links (default: http://<listen>).
    #[arg(long, env = "ATTACHE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest accepted file, in bytes.
    #[arg(long, env = "ATTACHE_MAX_UPLOAD_BYTES", default_value_t = defaults::MAX_UPLOAD_BYTES)]
    pub max_upload_bytes: u64,
    /// Most attachments one ticket may hold.
    #[arg(long, env = "ATTACHE_MAX_ATTACHMENTS", default_value_t = defaults::MAX_ATTACHMENTS)]
    pub max_attachments: u64,
    /// Validity of signed download URLs, in seconds (at most 7 days).
    #[arg(long, env = "ATTACHE_URL_TTL", default_value_t = defaults::URL_TTL_SECONDS)]
    pub url_ttl: u64,
    /// How long an upload that no message carries yet is kept, in seconds.
    #[arg(long, env = "ATTACHE_PENDING_TTL", default_value_t = defaults::PENDING_TTL_SECONDS)]
    pub pending_ttl: u64,
    /// Requests per minute per API key (per client address without one); 0 turns limits off.
    #[arg(long, env = "ATTACHE_RATE_LIMIT", default_value_t = defaults::RATE_LIMIT_PER_MINUTE)]
    pub rate_limit: u32,
    /// `/readyz` reports not ready when the data directory has less free space, in bytes.
    #[arg(long, env = "ATTACHE_MIN_FREE_BYTES", default_value_t = defaults::MIN_FREE_BYTES)]
    pub min_free_bytes: u64,
    /// Uploads one key may have in flight at once (each holds a socket and a temporary file).
    #[arg(long, env = "ATTACHE_MAX_UPLOADS_IN_FLIGHT", default_value_t = defaults::MAX_UPLOADS_IN_FLIGHT)]
    pub max_uploads_in_flight: usize,
    /// How long the whole body of an upload may take to arrive, in seconds.
    #[arg(long, env = "ATTACHE_UPLOAD_DEADLINE", default_value_t = defaults::UPLOAD_DEADLINE_SECONDS)]
    pub upload_deadline: u64,
    /// Uploads one customer may leave waiting for a message (HostUp, Huawei); 0: no quota.
    #[arg(long, env = "ATTACHE_QUOTA_PENDING_UPLOADS", default_value_t = defaults::QUOTA_PENDING_UPLOADS)]
    pub quota_pending_uploads: u64,
    /// Bytes one customer's uploads may hold, counted per upload; 0: no quota.
    #[arg(long, env = "ATTACHE_QUOTA_STORED_BYTES", default_value_t = defaults::QUOTA_STORED_BYTES)]
    pub quota_stored_bytes: u64,
    /// Tickets one customer may open in any hour; 0: no quota.
    #[arg(long, env = "ATTACHE_QUOTA_TICKETS_PER_HOUR", default_value_t = defaults::QUOTA_TICKETS_PER_HOUR)]
    pub quota_tickets_per_hour: u64,
    /// On SIGTERM or Ctrl-C, how long uploads in flight may take to finish, in seconds. A
    /// second signal stops at once.
    #[arg(long, env = "ATTACHE_SHUTDOWN_TIMEOUT", default_value_t = defaults::SHUTDOWN_TIMEOUT_SECONDS)]
    pub shutdown_timeout: u64,
    /// PEM certificate chain: serve HTTPS with it (needs --tls-key).
    #[arg(long, env = "ATTACHE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "ATTACHE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "ATTACHE_WORKERS")]
    pub workers: Option<usize>,
    /// Seed demo tickets, users and files, and print fresh demo keys.
    #[arg(long, env = "ATTACHE_DEMO")]
    pub demo: bool,
    /// Serve a fresh temporary data directory (instead of --data-dir), removed when attache
    /// stops: a clean state for each test run.
    #[arg(long, env = "ATTACHE_EPHEMERAL")]
    pub ephemeral: bool,
    /// Once the server accepts connections, write its base URL (and a newline) to this file,
    /// for test harnesses that start attache on port 0.
    #[arg(long, env = "ATTACHE_READY_FILE")]
    pub ready_file: Option<PathBuf>,
    /// Run as a test double: the controls under /_attache/ (reset, snapshots, request journal,
    /// injected faults, the clock) and `Prefer` headers. Never for a production server.
    #[arg(long, env = "ATTACHE_TEST_MODE")]
    pub test_mode: bool,
    /// Seed users, keys, tickets, messages and files from DIR/manifest.json at start (see the
    /// README); with --test-mode, `POST /_attache/reset` returns to them.
    #[arg(long, env = "ATTACHE_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// With --test-mode: ids, secrets and a frozen clock follow SEED, so two runs of one test
    /// answer alike.
    #[arg(long, env = "ATTACHE_DETERMINISTIC", value_name = "SEED", requires = "test_mode",
          num_args = 0..=1, default_missing_value = "0")]
    pub deterministic: Option<u64>,
}

impl Cli {
    /// The store `--blob-store` names, with its credentials from the environment or the file.
    pub fn blob_location(&self) -> anyhow::Result<BlobLocation> {
        BlobLocation::parse(
            &self.blob_store,
            self.blob_store_credentials.as_deref(),
            |name| std::env::var(name).ok().filter(|v| !v.is_empty()),
        )
    }
}

impl ServeArgs {
    pub fn config(&self, data_dir: PathBuf, blobs: BlobLocation) -> anyhow::Result<Config> {
        let mut config = Config::new(data_dir);
        config.blob_store = blobs;
        config.public_url = self.public_url.clone();
        config.max_upload_bytes = self.max_upload_bytes;
        config.max_attachments_per_ticket = self.max_attachments;
        config.url_ttl = std::time::Duration::from_secs(self.url_ttl);
        config.pending_ttl = std::time::Duration::from_secs(self.pending_ttl);
        config.shutdown_timeout = std::time::Duration::from_secs(self.shutdown_timeout);
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config.tls = Some(crate::config::Tls {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        config.test_mode = self.test_mode;
        config.fixtures = self.fixtures.clone();
        config.deterministic = self.deterministic;
        config.rate_limit_per_minute = self.rate_limit;
        config.min_free_bytes = self.min_free_bytes;
        config.max_uploads_in_flight = self.max_uploads_in_flight;
        config.upload_deadline = std::time::Duration::from_secs(self.upload_deadline);
        config.quotas = crate::core::quota::Quotas {
            pending_uploads: self.quota_pending_uploads,
            stored_bytes: self.quota_stored_bytes,
            tickets_per_hour: self.quota_tickets_per_hour,
        };
        if let Some(workers) = self.workers {
            config.workers = workers.max(1);
        }
        config.validate()
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user.
    Add {
        name: String,
        #[arg(long, default_value = "customer")]
        role: String,
    },
    /// List users.
    List,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Create an API key and print it, alone, on stdout. Creates the user when missing.
    Create {
        #[arg(long)]
        user: String,
        /// Role for a user created by this command.
        #[arg(long, default_value = "customer")]
        role: String,
        /// Comma-separated scopes (default: all the role may have).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// A note to tell keys apart in `key list`.
        #[arg(long, default_value = "")]
        label: String,
        /// Create a Huawei-style access key pair instead, printed as `<AK> <SK>`, for the
        /// signatures of Huawei Cloud SDKs. The SK is never stored.
        #[arg(long)]
        aksk: bool,
    },
    /// List keys (never the secrets).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a key by the prefix shown in `key list`, or by its id.
    Revoke { key: String },
}
