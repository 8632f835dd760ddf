//! Duties that must run on one node at a time (the pending-upload sweep, `gc`): with the
//! metadata in PostgreSQL, a node does one only while it holds that duty's lock in the
//! database (`pg_advisory_lock`), taken on a connection of its own; a node that dies lets go
//! of it with its connection. A single node on SQLite holds every duty.

use crate::error::Result;
use crate::store::Db;

/// The duties, each with its lock's key.
#[derive(Clone, Copy, Debug)]
pub enum Duty {
    /// Removing expired pending uploads, and with them the AK/SK signatures past their window.
    /// `gc` holds it too, so the two never remove files at once.
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
    duty: Duty,
    /// The connection that holds (or tries for) the lock; made again after a failure.
    client: Option<postgres::Client>,
}

impl DutyLock {
    pub fn new(db: &Db, duty: Duty) -> DutyLock {
        DutyLock {
            db: db.clone(),
            duty,
            client: None,
        }
    }

    /// Takes the duty if no other node holds it; `false` when one does. Blocking.
    pub fn try_take(&mut self) -> Result<bool> {
        self.with_client(|client, key| {
            let row = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?;
            Ok(row.get(0))
        })
    }

    /// Waits until no other node holds the duty, then takes it. Blocking.
    pub fn take(&mut self) -> Result<()> {
        self.with_client(|client, key| {
            client.execute("SELECT pg_advisory_lock($1)", &[&key])?;
            Ok(true)
        })
        .map(|_| ())
    }

    /// Lets another node take the duty. Blocking.
    pub fn release(&mut self) -> Result<()> {
        let key = self.duty.key();
        if let Some(client) = &mut self.client {
            if let Err(err) = client.execute("SELECT pg_advisory_unlock($1)", &[&key]) {
                // Closing the connection lets go of the lock as well.
                self.client = None;
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
                self.client = None;
                Err(err.into())
            }
        }
    }
}
