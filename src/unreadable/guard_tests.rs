//! The guard over a stream that delivers its bytes in pieces of every size: what actix reads
//! through it is exactly what was sent, up to a refused head, and then attache's stand-in.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, ReadBuf};

use super::{HeadGuard, STAND_IN};

/// Gives out `bytes` `piece` at a time, then the end.
struct Pieces {
    bytes: Vec<u8>,
    at: usize,
    piece: usize,
}

impl AsyncRead for Pieces {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let end = (self.at + self.piece)
            .min(self.bytes.len())
            .min(self.at + buf.remaining());
        buf.put_slice(&self.bytes[self.at..end]);
        self.at = end;
        Poll::Ready(Ok(()))
    }
}

/// Everything actix would read through the guard, in reads of up to `room` bytes.
fn through(bytes: &[u8], piece: usize, room: usize) -> Vec<u8> {
    let mut guard = HeadGuard::new(Pieces {
        bytes: bytes.to_vec(),
        at: 0,
        piece,
    });
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    let mut space = vec![0u8; room];
    loop {
        let mut buf = ReadBuf::new(&mut space);
        match Pin::new(&mut guard).poll_read(&mut cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => return out,
            Poll::Ready(Ok(())) => out.extend_from_slice(buf.filled()),
            Poll::Ready(Err(err)) => panic!("{err}"),
            // After a refusal: nothing more is read.
            Poll::Pending => return out,
        }
    }
}

/// Pipelined requests whose bodies look like heads, good and bad.
fn requests() -> Vec<u8> {
    let lookalike = b"GET / HTTP/1.1\r\nX: \x01\r\n\r\n";
    let mut bytes = b"GET /v1/me HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
    bytes.extend(b"POST /v1/tickets HTTP/1.1\r\nHost: a\r\n");
    bytes.extend(format!("Content-Length: {}\r\n\r\n", lookalike.len()).bytes());
    bytes.extend(lookalike);
    bytes.extend(b"POST /api/x/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    bytes.extend(format!("3;a=b\r\nGET\r\n{:X}\r\n", lookalike.len()).bytes());
    bytes.extend(lookalike);
    bytes.extend(b"\r\n0\r\nT: t\r\n\r\n");
    bytes.extend(b"GET /healthz HTTP/1.0\r\n\r\n");
    bytes
}

#[test]
fn passes_every_byte_of_readable_requests() {
    let bytes = requests();
    for piece in 1..=bytes.len() {
        for room in [1, 7, 64, 8192] {
            assert_eq!(
                through(&bytes, piece, room),
                bytes,
                "pieces of {piece}, room {room}"
            );
        }
    }
}

#[test]
fn replaces_a_refused_head_with_the_stand_in() {
    let good = requests();
    let mut bytes = good.clone();
    bytes.extend(b"GET /v2/servicerequest/cases HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    for piece in [1, 2, 3, 5, 16, 100, bytes.len()] {
        for room in [7, 8192] {
            let out = through(&bytes, piece, room);
            assert_eq!(out[..good.len()], good[..], "pieces of {piece}");
            let stand_in = String::from_utf8(out[good.len()..].to_vec()).unwrap();
            assert!(
                stand_in.starts_with("GET /v2/servicerequest/cases HTTP/1.1\r\n"),
                "{stand_in}"
            );
            assert!(stand_in.contains("Connection: close\r\n"));
            assert!(stand_in.contains(&format!("{STAND_IN}: ")));
            assert!(stand_in.ends_with(" malformed\r\n\r\n"), "{stand_in}");
        }
    }
}
