//! The same ordered migrations on PostgreSQL: `migrations-postgres/V<n>__<name>.sql`, one for
//! each of `migrations/` with the same number and name, written in PostgreSQL's dialect (a
//! folder of its own: refinery embeds a folder and everything below it). Applied in one
//! transaction and recorded in `refinery_schema_history`, as on SQLite. Nodes that start
//! together migrate one at a time: the first holds a lock in the database until it is done.

use anyhow::{bail, Context, Result};
use postgres::Client;
use refinery::Runner;

use super::{latest_of, Migrated, Stored, HISTORY_TABLE};

mod embedded {
    refinery::embed_migrations!("migrations-postgres");
}

/// Held (`pg_advisory_lock`) while a node migrates.
const MIGRATION_LOCK: i64 = 0x6174_7461_6368_6502;

pub fn migrate(client: &mut Client) -> Result<Migrated> {
    let migrations = embedded::migrations::runner().get_migrations().clone();
    let to = latest_of(&migrations);
    // Another node may migrate for longer than the connection's lock_timeout: wait it out.
    client.batch_execute("SET lock_timeout = 0")?;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = (|| {
        let from = stored(client)?;
        if let Stored::Version(v) = from {
            if v > to {
                bail!(
                    "the database holds schema version {v}, written by a newer attache; this \
                     attache ({}) knows schema versions up to {to}. Nothing was changed.",
                    env!("CARGO_PKG_VERSION")
                );
            }
        }
        Runner::new(&migrations)
            .set_grouped(true)
            .run(client)
            .with_context(|| {
                format!("migrating schema {from} -> {to} failed and was rolled back")
            })?;
        Ok(Migrated {
            from,
            to,
            copy: None,
        })
    })();
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    client.batch_execute("RESET lock_timeout")?;
    result
}

fn stored(client: &mut Client) -> Result<Stored> {
    let history: Option<String> = client
        .query_one("SELECT to_regclass($1)::text", &[&HISTORY_TABLE])?
        .get(0);
    if history.is_none() {
        return Ok(Stored::Empty);
    }
    let version: Option<i32> = client
        .query_one(&format!("SELECT max(version) FROM {HISTORY_TABLE}"), &[])?
        .get(0);
    Ok(version.map_or(Stored::Empty, |v| Stored::Version(v as u32)))
}
