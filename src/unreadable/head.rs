//! A request head judged as actix-http 3.20's h1 decoder judges it (`h1/decoder.rs`,
//! `MessageType::decode` and `set_headers`), with the same parser (`httparse`) and limits, but
//! without building the request: whether actix will take it, and if so how its body is framed,
//! so that the next head can be found.

use actix_web::http::{Method, Uri};

use super::Refusal;

/// actix-http's `h1::decoder::MAX_BUFFER_SIZE`: a head still incomplete in this many bytes
/// is refused (431).
pub const MAX_HEAD: usize = 131_072;
/// actix-http's `h1::decoder::MAX_HEADERS`: one more is refused (431).
pub const MAX_HEADERS: usize = 96;
/// The longest URI the `http` crate parses (`u16::MAX - 1`); actix answers a longer one 400.
const MAX_URI: usize = u16::MAX as usize - 1;

/// What follows a head, until the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    Length(u64),
    Chunked,
    /// Everything to the end of the connection: a WebSocket upgrade, a `CONNECT`.
    ToEnd,
}

/// The verdict on the bytes from the start of a head.
#[derive(Debug, PartialEq, Eq)]
pub enum Head {
    /// Not complete yet, and not refused either.
    Partial,
    /// A head actix takes: its length and its body's framing.
    Fine {
        len: usize,
        body: Body,
    },
    Refused(Refusal),
}

pub fn judge(bytes: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if bytes.len() < MAX_HEAD => return Head::Partial,
        // Still no end of the request line in all that: the target is what is too long.
        Ok(httparse::Status::Partial) if !bytes.contains(&b'\n') => {
            return Head::Refused(Refusal::UriTooLong)
        }
        Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
            return Head::Refused(Refusal::HeadersTooLarge)
        }
        Err(_) => return Head::Refused(Refusal::Malformed),
    };
    // A complete head longer than actix's buffer is refused or not depending on how much
    // actix happened to read; refused here, always.
    if len > MAX_HEAD {
        return Head::Refused(Refusal::HeadersTooLarge);
    }
    let (Some(method), Some(path), Some(version)) = (req.method, req.path, req.version) else {
        return Head::Refused(Refusal::Malformed);
    };
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return Head::Refused(Refusal::Malformed);
    };
    if path.len() > MAX_URI {
        return Head::Refused(Refusal::UriTooLong);
    }
    if !plain(path) && Uri::try_from(path).is_err() {
        return Head::Refused(Refusal::Malformed);
    }
    match framing(&method, version == 1, req.headers) {
        Some(body) => Head::Fine { len, body },
        None => Head::Refused(Refusal::Malformed),
    }
}

/// Whether `target` is an origin-form path and query of bytes the `http` crate takes in both
/// (its `PathAndQuery::from_shared`), so the copy `Uri::try_from` makes can be skipped.
fn plain(target: &str) -> bool {
    target.starts_with('/') && target.bytes().all(|b| PLAIN[usize::from(b)])
}

/// Letters, digits and `-._~/?&=%+,;:@!$'()*`.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'?'
                    | b'&'
                    | b'='
                    | b'%'
                    | b'+'
                    | b','
                    | b';'
                    | b':'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
            );
        b += 1;
    }
    table
};

/// The body's framing, or `None` where actix refuses the headers (`ParseError::Header`).
fn framing(method: &Method, http11: bool, headers: &[httparse::Header<'_>]) -> Option<Body> {
    let (mut length, mut chunked, mut websocket) = (None, false, false);
    let (mut seen_te, mut seen_host, mut any_te) = (false, false, false);
    for header in headers {
        let name = header.name;
        // Only these four matter; most headers differ in length from all of them.
        if !matches!(name.len(), 4 | 7 | 14 | 17) {
            continue;
        }
        let text = std::str::from_utf8(header.value)
            .ok()
            .filter(|v| v.bytes().all(|b| b == b'\t' || (b' '..0x7f).contains(&b)));
        if name.eq_ignore_ascii_case("content-length") {
            let value = text?.trim();
            if length.is_some() || value.starts_with('+') {
                return None;
            }
            length = Some(value.parse::<u64>().ok()?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            any_te = true;
            if seen_te {
                return None;
            }
            if http11 {
                seen_te = true;
                let value = text?.trim();
                if value.eq_ignore_ascii_case("chunked") {
                    chunked = true;
                } else if !value.eq_ignore_ascii_case("identity") {
                    return None;
                }
            }
        } else if name.eq_ignore_ascii_case("host") {
            if seen_host {
                return None;
            }
            seen_host = true;
        } else if name.eq_ignore_ascii_case("upgrade") {
            websocket |= text.is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
        }
    }
    if (http11 && !seen_host) || (any_te && (!http11 || !chunked || length.is_some())) {
        return None;
    }
    let body = if chunked {
        Body::Chunked
    } else if websocket {
        Body::ToEnd
    } else if let Some(length) = length {
        // actix reads no body for a zero length; neither does the next head's search.
        if length == 0 {
            Body::None
        } else {
            Body::Length(length)
        }
    } else if *method == Method::POST && !http11 {
        return None;
    } else if *method == Method::CONNECT {
        Body::ToEnd
    } else {
        Body::None
    };
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::{judge, Body, Head, MAX_HEAD};
    use crate::unreadable::Refusal;

    fn head(lines: &str) -> Vec<u8> {
        format!("{lines}\r\n").into_bytes()
    }

    #[test]
    fn takes_what_actix_takes_and_frames_its_body() {
        let cases = [
            ("GET / HTTP/1.1\r\nHost: a\r\n", Body::None),
            (
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n",
                Body::Length(12),
            ),
            (
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n",
                Body::None,
            ),
            (
                "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n",
                Body::Chunked,
            ),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n",
                Body::ToEnd,
            ),
            ("GET / HTTP/1.0\r\n", Body::None),
        ];
        for (text, body) in cases {
            let bytes = head(text);
            assert_eq!(
                judge(&bytes),
                Head::Fine {
                    len: bytes.len(),
                    body
                },
                "{text}"
            );
            assert_eq!(judge(&bytes[..bytes.len() - 1]), Head::Partial, "{text}");
        }
    }

    #[test]
    fn refuses_what_actix_refuses() {
        let many = "X: y\r\n".repeat(97);
        let cases = [
            ("GET / HTTP/1.1\r\n".to_owned(), Refusal::Malformed),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n".to_owned(),
                Refusal::Malformed,
            ),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n".to_owned(),
                Refusal::Malformed,
            ),
            (
                "G(T / HTTP/1.1\r\nHost: a\r\n".to_owned(),
                Refusal::Malformed,
            ),
            ("POST / HTTP/1.0\r\n".to_owned(), Refusal::Malformed),
            (
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
                    .to_owned(),
                Refusal::Malformed,
            ),
            (
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n".to_owned(),
                Refusal::Malformed,
            ),
            (
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n".to_owned(),
                Refusal::Malformed,
            ),
            (
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n"
                    .to_owned(),
                Refusal::Malformed,
            ),
            (
                format!("GET / HTTP/1.1\r\nHost: a\r\n{many}"),
                Refusal::HeadersTooLarge,
            ),
            (
                format!("GET /{} HTTP/1.1\r\nHost: a\r\n", "u".repeat(70_000)),
                Refusal::UriTooLong,
            ),
        ];
        for (text, refusal) in cases {
            assert_eq!(judge(&head(&text)), Head::Refused(refusal), "{text:.80}");
        }
        let endless_line = format!("GET /{}", "u".repeat(MAX_HEAD));
        assert_eq!(
            judge(endless_line.as_bytes()),
            Head::Refused(Refusal::UriTooLong)
        );
        let endless_headers = format!("GET / HTTP/1.1\r\nX: {}", "h".repeat(MAX_HEAD));
        let verdict = judge(endless_headers.as_bytes());
        assert_eq!(verdict, Head::Refused(Refusal::HeadersTooLarge));
    }
}
