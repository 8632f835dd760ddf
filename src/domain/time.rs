//! The one spelling of a time: a UTC instant, kept as a time until it is rendered, and written
//! as RFC 3339 with milliseconds (`2026-12-06T07:56:18.000Z`), which sorts in time order.
//!
//! And the server's clock, [`now`]: the system's, unless test mode moved it
//! (`POST /_attache/clock`) or `--deterministic` froze it. Everything the server decides by
//! time reads it: signed-URL expiry, pending-upload expiry and the sweeper, quotas, records'
//! times. Not the Huawei AK/SK date window, which compares with the client's real clock.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

const TIME_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The server's clock (see [`now`]).
    pub fn now() -> Self {
        let shift = Duration::milliseconds(SHIFT_MS.load(Ordering::Relaxed));
        let base = match FROZEN_AT_MS.load(Ordering::Relaxed) {
            NOT_FROZEN => OffsetDateTime::now_utc(),
            frozen => OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(frozen),
        };
        Self::from(base.checked_add(shift).unwrap_or(base))
    }

    /// Milliseconds since 1970.
    pub fn unix_ms(self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// Any RFC 3339 time, in whatever offset it was written.
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339).ok().map(Self::from)
    }

    pub fn from_unix(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(Self::from)
    }

    pub fn unix(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn plus(self, by: std::time::Duration) -> Self {
        let later = Duration::try_from(by)
            .ok()
            .and_then(|by| self.0.checked_add(by))
            .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc());
        Self::from(later)
    }

    pub fn minus(self, by: std::time::Duration) -> Self {
        let earlier = Duration::try_from(by)
            .ok()
            .and_then(|by| self.0.checked_sub(by))
            .unwrap_or(time::PrimitiveDateTime::MIN.assume_utc());
        Self::from(earlier)
    }

    /// The same instant in another offset, for dialects that show local times.
    pub fn at_offset(self, offset: UtcOffset) -> OffsetDateTime {
        self.0.to_offset(offset)
    }
}

/// Kept to the millisecond, as it is written: a time read back equals the time stored.
impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        let t = t.to_offset(UtcOffset::UTC);
        let millis = t.nanosecond() / 1_000_000 * 1_000_000;
        Timestamp(t.replace_nanosecond(millis).unwrap_or(t))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_time(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// RFC 3339 UTC with milliseconds; such strings sort in time order.
pub fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(TIME_FORMAT)
        .expect("formatting a UTC time cannot fail")
}

pub fn now() -> Timestamp {
    Timestamp::now()
}

/// How far the clock is moved from its base (the system's clock, or the frozen instant).
static SHIFT_MS: AtomicI64 = AtomicI64::new(0);
/// The instant the clock stands at when frozen, in ms since 1970.
static FROZEN_AT_MS: AtomicI64 = AtomicI64::new(NOT_FROZEN);
const NOT_FROZEN: i64 = i64::MIN;

/// Moves the clock forward (or back, with a negative span) by `ms`. For test mode only: the
/// clock is one per process.
pub fn advance_clock(ms: i64) {
    SHIFT_MS.fetch_add(ms, Ordering::Relaxed);
}

/// Sets the clock to `at`, from where it runs on (or stands, when frozen).
pub fn set_clock(at: Timestamp) {
    let base = match FROZEN_AT_MS.load(Ordering::Relaxed) {
        NOT_FROZEN => Timestamp::from(OffsetDateTime::now_utc()).unix_ms(),
        frozen => frozen,
    };
    SHIFT_MS.store(at.unix_ms() - base, Ordering::Relaxed);
}

/// Back to the base: the system's clock, or the frozen instant.
pub fn reset_clock() {
    SHIFT_MS.store(0, Ordering::Relaxed);
}

/// Stops the clock at `at` (`--deterministic`): it moves only when told to.
pub fn freeze_clock(at: Timestamp) {
    FROZEN_AT_MS.store(at.unix_ms(), Ordering::Relaxed);
    SHIFT_MS.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc_with_millis_and_round_trip() {
        let t = Timestamp::from_unix(1_700_000_000).unwrap();
        assert_eq!(t.to_string(), "2023-11-14T22:13:20.000Z");
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        assert_eq!(
            Timestamp::parse("2023-11-15T06:13:20+08:00"),
            Some(t),
            "an offset is the same instant"
        );
        assert_eq!(serde_json::to_value(t).unwrap(), "2023-11-14T22:13:20.000Z");
        let now = Timestamp::now();
        assert_eq!(
            Timestamp::parse(&now.to_string()),
            Some(now),
            "to the millisecond"
        );
    }
}
