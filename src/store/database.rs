//! Which metadata database an install uses (`--database`): the SQLite file in the data
//! directory, or a PostgreSQL server that several nodes share.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use postgres::config::Host;
use postgres::NoTls;

use super::sql::postgres::PgClient;

/// How long a statement waits for a lock in PostgreSQL (the write lock above all).
const LOCK_WAIT: Duration = Duration::from_secs(15);
/// How long PostgreSQL keeps a transaction that does nothing open.
const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(60);

/// The database's file name in the data directory.
pub const DATABASE_FILE: &str = "attache.db";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// The SQLite file (the default: `attache.db` in the data directory).
    Sqlite(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL, or a libpq `key=value` string.
    Postgres(String),
}

impl Database {
    /// `sqlite` (or empty) for the file in `data_dir`, else a PostgreSQL connection string.
    pub fn parse(spec: &str, data_dir: &Path) -> anyhow::Result<Database> {
        let spec = spec.trim();
        if spec.is_empty() || spec == "sqlite" {
            return Ok(Database::Sqlite(data_dir.join(DATABASE_FILE)));
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            postgres::Config::from_str(spec).context("reading the PostgreSQL URL")?;
            return Ok(Database::Postgres(spec.to_owned()));
        }
        bail!("--database takes `sqlite` or a `postgres://user@host:port/dbname` URL")
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres(_))
    }
}

/// Names the database without its password, for logs and messages.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "SQLite {}", path.display()),
            Database::Postgres(url) => match postgres::Config::from_str(url) {
                Ok(config) => f.write_str(&describe(&config)),
                Err(_) => f.write_str("PostgreSQL (unreadable URL)"),
            },
        }
    }
}

fn describe(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "PostgreSQL {}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().unwrap_or("?")
    )
}

/// r2d2's manager for PostgreSQL connections. Written here rather than taken from
/// r2d2_postgres because each pooled connection carries the store's statement cache.
/// Connections are unencrypted (`NoTls`): the database is expected on loopback or a private
/// network; see the README.
#[derive(Clone, Debug)]
pub struct PgManager {
    config: postgres::Config,
}

impl PgManager {
    pub fn new(url: &str) -> anyhow::Result<PgManager> {
        let mut config = postgres::Config::from_str(url).context("reading the PostgreSQL URL")?;
        config.application_name("attache");
        // Notices ("relation … already exists, skipping" from the migrations' history table
        // at every start) are the database talking to itself: debug lines, not info.
        config.notice_callback(
            |notice| tracing::debug!(notice = %notice.message(), "PostgreSQL notice"),
        );
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // A node that stalls holding the write lock (paused, cut off) must not stop every
        // node's writes until TCP gives up on it: a write waits at most LOCK_WAIT for the lock
        // (then 503 busy), an open transaction left idle is ended by the server, and a dead
        // peer is noticed within a minute or so.
        let options = config.get_options().unwrap_or_default().to_owned();
        config.options(&format!(
            "{options} -c lock_timeout={}s -c idle_in_transaction_session_timeout={}s",
            LOCK_WAIT.as_secs(),
            IDLE_IN_TRANSACTION.as_secs()
        ));
        config.keepalives_idle(Duration::from_secs(30));
        Ok(PgManager { config })
    }

    pub fn describe(&self) -> String {
        describe(&self.config)
    }

    /// A connection outside the pool, for what holds one for long (a node's duty lock, its
    /// LISTEN for other nodes' changes).
    pub fn connect_alone(&self) -> Result<postgres::Client, postgres::Error> {
        self.config.connect(NoTls)
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgClient, postgres::Error> {
        self.config.connect(NoTls).map(PgClient::new)
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), postgres::Error> {
        conn.client().simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        conn.client().is_closed()
    }
}
