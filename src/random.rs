//! Where every random byte comes from: secrets (API keys, AK/SK, signing keys, session and
//! CSRF tokens) and the random part of ids. In production, always `rand::thread_rng`, the
//! operating system's entropy behind a CSPRNG.
//!
//! Only `--deterministic SEED` (which requires `--test-mode`) calls [`seed`]: from then on, for
//! the rest of the process, the bytes come from a CSPRNG seeded with SEED (rand's `StdRng`,
//! ChaCha12), so two runs of one test make the same ids and secrets. Two streams: one for
//! records (ids of users, keys, tickets, messages, attachments; secrets), one for what a
//! response names once (request ids, multipart boundaries), so that reads and health checks
//! never shift the ids of the records written after them.

use std::sync::{Mutex, MutexGuard, OnceLock};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

/// What a random value is for (which stream it is drawn from when seeded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Records and secrets.
    Record,
    /// Request ids and the other values a single response names.
    Transient,
}

static SEEDED: OnceLock<[Mutex<Stream>; 2]> = OnceLock::new();

/// Seeds the generator for the rest of the process. Returns `false` (and changes nothing) if
/// it was seeded already.
pub fn seed(seed: u64) -> bool {
    let mut records = StdRng::seed_from_u64(seed);
    let transient = StdRng::seed_from_u64(records.next_u64());
    SEEDED
        .set([
            Mutex::new(Stream::new(records)),
            Mutex::new(Stream::new(transient)),
        ])
        .is_ok()
}

pub fn is_seeded() -> bool {
    SEEDED.get().is_some()
}

fn seeded(which: Use) -> Option<MutexGuard<'static, Stream>> {
    let streams = SEEDED.get()?;
    let stream = &streams[(which == Use::Transient) as usize];
    Some(stream.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Fills `bytes` with random bytes (for secrets).
pub fn fill(bytes: &mut [u8]) {
    match seeded(Use::Record) {
        None => rand::thread_rng().fill_bytes(bytes),
        Some(mut stream) => stream.rng.fill_bytes(bytes),
    }
}

/// When seeded, the 128 bits of a new UUIDv7 at `unix_ms` (the server's clock), drawn for
/// `which`; `None` otherwise (the caller then uses the uuid crate's own v7).
pub(crate) fn seeded_v7(which: Use, unix_ms: impl FnOnce() -> i64) -> Option<u128> {
    seeded(which).map(|mut stream| stream.next_v7(unix_ms()))
}

/// A seeded generator and the last id it made.
struct Stream {
    rng: StdRng,
    last_id: u128,
}

const MS_MAX: i64 = (1 << 48) - 1;
/// The 74 random bits of a v7 UUID (12 in `rand_a`, 62 in `rand_b`).
const RANDOM_BITS: u32 = 74;

impl Stream {
    fn new(rng: StdRng) -> Stream {
        Stream { rng, last_id: 0 }
    }

    /// A v7 UUID: 48 bits of milliseconds, then random bits. Strictly greater than the last
    /// one, also when the clock stands still or goes back (listings order by id): then it is
    /// the last one plus a random step, carried into the milliseconds if need be.
    fn next_v7(&mut self, unix_ms: i64) -> u128 {
        let ms = unix_ms.clamp(0, MS_MAX) as u128;
        let mut random =
            u128::from(self.rng.next_u64()) << 10 | u128::from(self.rng.next_u32() & 0x3ff);
        let (mut last_ms, last_random) = split(self.last_id);
        let mut ms = ms;
        if ms <= last_ms {
            let step = u128::from(self.rng.next_u32() >> 8) + 1;
            random = last_random + step;
            if random >> RANDOM_BITS != 0 {
                random &= (1 << RANDOM_BITS) - 1;
                last_ms += 1;
            }
            ms = last_ms;
        }
        self.last_id = join(ms, random);
        self.last_id
    }
}

/// The milliseconds and the 74 random bits of a v7 UUID.
fn split(id: u128) -> (u128, u128) {
    let rand_a = (id >> 64) & 0xfff;
    let rand_b = id & ((1 << 62) - 1);
    (id >> 80, rand_a << 62 | rand_b)
}

fn join(ms: u128, random: u128) -> u128 {
    let (rand_a, rand_b) = (random >> 62, random & ((1 << 62) - 1));
    ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn stream(seed: u64) -> Stream {
        Stream::new(StdRng::seed_from_u64(seed))
    }

    #[test]
    fn seeded_ids_are_v7_repeatable_and_strictly_increasing() {
        let (mut a, mut b, mut c) = (stream(1), stream(1), stream(2));
        let at = 1_893_456_000_000; // 2030-01-01
        let ids: Vec<u128> = (0..1000).map(|_| a.next_v7(at)).collect();
        assert_eq!(ids, (0..1000).map(|_| b.next_v7(at)).collect::<Vec<_>>());
        assert_ne!(ids[0], c.next_v7(at), "another seed, other ids");
        for pair in ids.windows(2) {
            assert!(
                pair[0] < pair[1],
                "the clock stands still, ids still increase"
            );
        }
        for id in &ids {
            let uuid = Uuid::from_u128(*id);
            assert_eq!(uuid.get_version_num(), 7);
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
            let (seconds, _) = uuid.get_timestamp().unwrap().to_unix();
            assert_eq!(seconds, 1_893_456_000);
        }
        // The clock moved on: the milliseconds follow it; moved back: ids still increase.
        let later = a.next_v7(at + 5_000);
        assert_eq!(split(later).0, (at + 5_000) as u128);
        assert!(a.next_v7(at) > later);
    }

    #[test]
    fn a_full_millisecond_carries_into_the_next() {
        let mut s = stream(3);
        let full = join(10, (1 << RANDOM_BITS) - 1);
        s.last_id = full;
        let next = s.next_v7(10);
        assert!(next > full);
        assert_eq!(split(next).0, 11);
        assert_eq!(split(join(7, 12345)), (7, 12345));
    }
}
