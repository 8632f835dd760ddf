//! Uploads in flight per key: each holds a socket and a temporary file until its body is in,
//! so one caller with many slow uploads could use up the server's descriptors for everyone.
//! A key past `--max-uploads-in-flight` is answered `too_many_uploads` before its body is read.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::ids::Id;

#[derive(Default)]
pub struct InFlight {
    counts: Mutex<HashMap<Id, usize>>,
}

/// One upload in flight; dropping it (done, refused or cut off) frees its place.
pub struct Slot<'a> {
    in_flight: &'a InFlight,
    key: Id,
}

impl InFlight {
    /// Takes a place for `key`, unless it already holds `limit`.
    pub fn enter(&self, key: Id, limit: usize) -> Result<Slot<'_>> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(key).or_insert(0);
        if *count >= limit {
            return Err(Error::TooManyUploads { limit });
        }
        *count += 1;
        Ok(Slot {
            in_flight: self,
            key,
        })
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut counts = self
            .in_flight
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_at_most_its_limit_and_a_finished_upload_frees_its_place() {
        let in_flight = InFlight::default();
        let (a, b) = (Id::new(), Id::new());
        let first = in_flight.enter(a, 2).unwrap();
        let _second = in_flight.enter(a, 2).unwrap();
        assert!(matches!(
            in_flight.enter(a, 2),
            Err(Error::TooManyUploads { limit: 2 })
        ));
        let _other = in_flight.enter(b, 2).unwrap();
        drop(first);
        let _again = in_flight.enter(a, 2).unwrap();
    }
}
