//! Duties that must run on one node at a time (the pending-upload sweep, `gc`): with the
//! metadata in PostgreSQL, a node does one only while it holds that duty's lock in the
//! database (`pg_advisory_lock`), taken on a connection of its own; a node that dies lets go
//! of it with its connection. A single node on SQLite holds every duty.

use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::store::sql::postgres::off_runtime;
use crate::store::Db;

/// The duties, each with its lock's key.
#[derive(Clone, Copy, Debug)]
pub enum Duty {
    /// Removing expired pending uploads (and the AK/SK signatures past their window), and
    /// `gc`: never two at once, on any node.
    Sweep,
}

impl Duty {
    fn key(self) -> i64 {
        match self {
            Duty::Sweep => 0x6174_7461_6368_6510,
        }
    }
}

/// A node's hold on one duty, tried again each time the duty comes round.
pub struct DutyLock {
    db: Db,
    held: Arc<Mutex<Held>>,
}

struct Held {
    db: Db,
    duty: Duty,
    /// The connection that holds (or tries for) the lock; made again after a failure.
    client: Option<postgres::Client>,
}

impl DutyLock {
    pub fn new(db: &Db, duty: Duty) -> DutyLock {
        let held = Held {
            db: db.clone(),
            duty,
            client: None,
        };
        DutyLock {
            db: db.clone(),
            held: Arc::new(Mutex::new(held)),
        }
    }

    /// Takes the duty if no other node holds it; `false` when one does.
    pub async fn try_take(&self) -> Result<bool> {
        self.blocking(true, |held| {
            held.with_client(|client, key| {
                let row = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?;
                Ok(row.get(0))
            })
        })
        .await
    }

    /// Lets another node take the duty.
    pub async fn release(&self) -> Result<()> {
        self.blocking((), Held::release).await
    }

    /// Waits until no other node holds the duty, then takes it (for commands: blocking).
    pub fn take_now(&self) -> Result<()> {
        let held = self.held.clone();
        off_runtime(move || {
            lock(&held)
                .with_client(|client, key| {
                    client.execute("SELECT pg_advisory_lock($1)", &[&key])?;
                    Ok(true)
                })
                .map(|_| ())
        })
    }

    /// `job` on the blocking pool; `single_node` at once on SQLite, where one node holds all.
    async fn blocking<R: Send + 'static>(
        &self,
        single_node: R,
        job: impl FnOnce(&mut Held) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        if !self.db.is_postgres() {
            return Ok(single_node);
        }
        let held = self.held.clone();
        self.db.blocking(move || job(&mut lock(&held))).await
    }
}

fn lock(held: &Mutex<Held>) -> std::sync::MutexGuard<'_, Held> {
    held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Held {
    fn release(&mut self) -> Result<()> {
        let key = self.duty.key();
        if let Some(client) = &mut self.client {
            if let Err(err) = client.execute("SELECT pg_advisory_unlock($1)", &[&key]) {
                // Closing the connection lets go of the lock as well.
                self.drop_client();
                return Err(err.into());
            }
        }
        Ok(())
    }

    fn with_client(
        &mut self,
        job: impl FnOnce(&mut postgres::Client, i64) -> Result<bool, postgres::Error>,
    ) -> Result<bool> {
        if self.client.is_none() {
            match self.db.connect_alone() {
                None => return Ok(true),
                Some(client) => self.client = Some(client?),
            }
        }
        let client = self.client.as_mut().expect("connected above");
        match job(client, self.duty.key()) {
            Ok(taken) => Ok(taken),
            Err(err) => {
                self.drop_client();
                Err(err.into())
            }
        }
    }

    fn drop_client(&mut self) {
        if let Some(client) = self.client.take() {
            off_runtime(move || drop(client));
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.drop_client();
    }
}
