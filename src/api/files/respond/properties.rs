//! Properties of the Range parser (`parse_ranges`), for any header and any file size.

use proptest::prelude::*;

use super::{parse_ranges, Ranges, MAX_RANGES};

#[derive(Clone, Debug)]
enum Spec {
    FromTo(u64, u64),
    From(u64),
    Suffix(u64),
}

impl Spec {
    fn text(&self) -> String {
        match self {
            Spec::FromTo(first, last) => format!("{first}-{last}"),
            Spec::From(first) => format!("{first}-"),
            Spec::Suffix(length) => format!("-{length}"),
        }
    }

    /// The bytes `(start, length)` RFC 9110 14.1.2 says the spec selects, if any.
    fn selects(&self, size: u64) -> Option<(u64, u64)> {
        match *self {
            Spec::FromTo(first, last) if first < size => {
                Some((first, last.min(size - 1) - first + 1))
            }
            Spec::From(first) if first < size => Some((first, size - first)),
            Spec::Suffix(length) if length > 0 => Some((size - length.min(size), length.min(size))),
            _ => None,
        }
    }
}

/// `(kind, [(start, length)])`, comparable and printable.
fn shape(ranges: Ranges) -> (&'static str, Vec<(u64, u64)>) {
    match ranges {
        Ranges::Whole => ("whole", vec![]),
        Ranges::Unsatisfiable => ("unsatisfiable", vec![]),
        Ranges::One(r) => ("partial", vec![(r.start, r.length)]),
        Ranges::Several(rs) => ("partial", rs.iter().map(|r| (r.start, r.length)).collect()),
    }
}

/// File sizes: small ones, where ranges collide, and any an attachment can have. Empty
/// files are refused at upload (`empty_file`), but the parser must not trip on one either.
fn size() -> impl Strategy<Value = u64> {
    prop_oneof![0..=64u64, 1..=i64::MAX as u64]
}

/// A byte position near the file's end as often as anywhere else.
fn position(size: u64) -> impl Strategy<Value = u64> {
    prop_oneof![0..size.saturating_add(2), any::<u64>()]
}

/// A well-formed byte-range-spec (first ≤ last).
fn spec(size: u64) -> impl Strategy<Value = Spec> {
    prop_oneof![
        (position(size), position(size)).prop_map(|(a, b)| Spec::FromTo(a.min(b), a.max(b))),
        position(size).prop_map(Spec::From),
        position(size).prop_map(Spec::Suffix),
    ]
}

fn header(specs: &[Spec]) -> String {
    let specs: Vec<String> = specs.iter().map(Spec::text).collect();
    format!("bytes={}", specs.join(", "))
}

fn specs(size: u64) -> impl Strategy<Value = Vec<Spec>> {
    prop::collection::vec(spec(size), 1..24)
}

/// A well-formed header with one byte changed or added.
fn edited(size: u64) -> impl Strategy<Value = Vec<u8>> {
    let edit = (any::<prop::sample::Index>(), any::<u8>(), any::<bool>());
    (specs(size), edit).prop_map(|(specs, (at, byte, insert))| {
        let mut value = header(&specs).into_bytes();
        let at = at.index(value.len());
        if insert {
            value.insert(at, byte);
        } else {
            value[at] = byte;
        }
        value
    })
}

/// A file size and any Range value: well-formed, edited, text that looks like a header,
/// bytes at all.
fn raw_header() -> impl Strategy<Value = (u64, Vec<u8>)> {
    size().prop_flat_map(|size| {
        let value = prop_oneof![
            specs(size).prop_map(|specs| header(&specs).into_bytes()),
            edited(size),
            "(bytes|BYTES|items)=[ 0-9,-]{0,40}".prop_map(String::into_bytes),
            "bytes=[ \t0-9,-]{0,20}(18446744073709551615|18446744073709551616)[ 0-9,-]{0,20}"
                .prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..60),
        ];
        (Just(size), value)
    })
}

proptest! {
    /// Whatever the header, what is sent is inside the file, at most `MAX_RANGES` pieces,
    /// no byte twice: a 206 is never longer than the file (issue 12, finding 8).
    #[test]
    fn accepted_ranges_stay_inside_the_file_and_never_repeat_a_byte(
        (size, value) in raw_header(),
    ) {
        let (_, ranges) = shape(parse_ranges(&value, size));
        prop_assert!(ranges.len() <= MAX_RANGES);
        let mut sent = 0u64;
        for &(start, length) in &ranges {
            prop_assert!(length > 0);
            prop_assert!(start.checked_add(length).is_some_and(|end| end <= size));
            sent += length;
        }
        prop_assert!(sent <= size, "{sent} bytes of a {size}-byte file");
    }

    /// Well-formed headers get what RFC 9110 says they select, unless that would be more
    /// than `MAX_RANGES` pieces or send a byte twice: then the whole file, once.
    #[test]
    fn well_formed_headers_get_the_bytes_they_select(
        (size, specs) in size().prop_flat_map(|size| {
            (Just(size), specs(size))
        }),
    ) {
        let selected: Vec<(u64, u64)> = specs.iter().filter_map(|s| s.selects(size)).collect();
        let mut sorted = selected.clone();
        sorted.sort_unstable();
        let overlapping = sorted.windows(2).any(|w| w[1].0 < w[0].0 + w[0].1);
        let expected = match selected.len() {
            0 => ("unsatisfiable", vec![]),
            // A suffix of an empty file selects no bytes: the whole (empty) file, as a 200.
            n if n > MAX_RANGES || overlapping || selected.iter().any(|r| r.1 == 0) => {
                ("whole", vec![])
            }
            _ => ("partial", selected),
        };
        prop_assert_eq!(shape(parse_ranges(header(&specs).as_bytes(), size)), expected);
    }

    /// Finding 8: the same range asked for again and again is served once, as a 200.
    #[test]
    fn a_repeated_range_is_answered_with_the_file_once(
        (size, spec) in size().prop_flat_map(|size| {
            let satisfiable = spec(size).prop_filter("selects no byte", move |s| {
                s.selects(size).is_some()
            });
            (Just(size), satisfiable)
        }),
        times in 2..40usize,
    ) {
        let value = header(&vec![spec; times]);
        prop_assert_eq!(shape(parse_ranges(value.as_bytes(), size)), ("whole", vec![]));
    }
}
