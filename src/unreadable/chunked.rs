//! Where a chunked body ends, by the states of actix-http 3.20's chunked decoder
//! (`h1/chunked.rs`), reading only the chunk-size lines and stepping over the data.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SizeFirst,
    SizeRest,
    SizeLws,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    EndCr,
    EndLf,
}

/// A chunked body being passed through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunked {
    state: State,
    size: u64,
}

/// What one `feed` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Fed {
    /// All the bytes belong to the body, which goes on.
    More,
    /// The body ends after this many of the bytes.
    End(usize),
    /// Not a chunked body actix reads: it fails the request, and the framing is lost.
    Invalid,
}

fn hex(byte: u8) -> Option<u64> {
    (byte as char).to_digit(16).map(u64::from)
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::SizeFirst,
            size: 0,
        }
    }
}

impl Chunked {
    pub fn feed(&mut self, bytes: &[u8]) -> Fed {
        use State::*;
        let mut at = 0;
        while at < bytes.len() {
            if self.state == Data {
                let rest = (bytes.len() - at) as u64;
                let step = rest.min(self.size);
                at += step as usize;
                self.size -= step;
                if self.size == 0 {
                    self.state = DataCr;
                }
                continue;
            }
            let byte = bytes[at];
            at += 1;
            self.state = match (self.state, byte) {
                (SizeFirst, b) => match hex(b) {
                    Some(digit) => {
                        self.size = digit;
                        SizeRest
                    }
                    None => return Fed::Invalid,
                },
                (SizeRest, b) if hex(b).is_some() => {
                    let digit = hex(b).unwrap_or_default();
                    match self.size.checked_mul(16) {
                        Some(size) => self.size = size + digit,
                        None => return Fed::Invalid,
                    }
                    SizeRest
                }
                (SizeRest | SizeLws, b'\t' | b' ') => SizeLws,
                (SizeRest | SizeLws, b';') => Extension,
                (SizeRest | SizeLws | Extension, b'\r') => SizeLf,
                (Extension, 0x00..=0x08 | 0x0a..=0x1f | 0x7f) => return Fed::Invalid,
                (Extension, _) => Extension,
                (SizeLf, b'\n') if self.size > 0 => Data,
                (SizeLf, b'\n') => EndCr,
                (DataCr, b'\r') => DataLf,
                (DataLf, b'\n') => SizeFirst,
                (Trailer, b'\r') => TrailerLf,
                (Trailer, _) => Trailer,
                (TrailerLf, b'\n') => EndCr,
                (EndCr, b'\r') => EndLf,
                (EndCr, _) => Trailer,
                (EndLf, b'\n') => return Fed::End(at),
                _ => return Fed::Invalid,
            };
        }
        Fed::More
    }
}

#[cfg(test)]
mod tests {
    use super::{Chunked, Fed};

    #[test]
    fn finds_the_end_of_a_body_split_anywhere() {
        let body = b"5;x=y\r\nhello\r\na \r\n0123456789\r\n0\r\nTrailer: t\r\n\r\nGET";
        for split in 0..body.len() {
            let mut chunked = Chunked::default();
            let (first, second) = body.split_at(split);
            let end = match chunked.feed(first) {
                Fed::End(at) => at,
                Fed::More => split + matches_end(chunked.feed(second)),
                Fed::Invalid => panic!("invalid at {split}"),
            };
            assert_eq!(&body[end..], b"GET", "split at {split}");
        }
    }

    fn matches_end(fed: Fed) -> usize {
        match fed {
            Fed::End(at) => at,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_what_actix_refuses() {
        for bad in [&b"x\r\n"[..], b"5\n", b"1\r\nab", b"fffffffffffffffff\r\n"] {
            assert_eq!(Chunked::default().feed(bad), Fed::Invalid, "{bad:?}");
        }
    }
}
