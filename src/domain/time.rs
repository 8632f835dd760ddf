//! The one spelling of a time: a UTC instant, kept as a time until it is rendered, and written
//! as RFC 3339 with milliseconds (`2026-12-06T07:56:18.000Z`), which sorts in time order.

use std::fmt;

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
    pub fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
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
