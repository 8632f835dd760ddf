//! The connection stream actix reads through: it lets bodies through as they are read and
//! holds a request head back until it is whole and judged (see the module above).

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use actix_web::http::Uri;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::chunked::{Chunked, Fed};
use super::head::{judge, Body, Head, MAX_HEAD};
use super::Refusal;

/// The header of attache's stand-in request; its value is `<token> <refusal>`.
pub const STAND_IN: &str = "attache-refused-head";

/// What the stand-in request of one connection may claim: the token it must carry. Shared
/// between the stream and the connection's data, where `answer` finds it.
#[derive(Clone, Default)]
pub struct RefusedHead(Rc<Cell<Option<u64>>>);

impl RefusedHead {
    /// The refusal a request's stand-in header claims, if it carries this connection's token.
    pub fn claimed(&self, value: &str) -> Option<Refusal> {
        let (token, name) = value.split_once(' ')?;
        let expected = self.0.get()?;
        (token.parse::<u64>().ok()? == expected).then(|| Refusal::from_name(name))?
    }
}

/// Where the stream is in the requests it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// The next byte starts a request head.
    Head,
    /// In a body of this many more bytes.
    Length(u64),
    Chunked(Chunked),
    /// Framing unknown from here on (an upgrade, a body actix will fail): no more judging.
    Blind,
    /// A head was refused and its stand-in handed over: nothing more is read.
    Refused,
}

/// What the scan of some bytes found.
enum Scan {
    /// All of them may go to actix.
    Clear,
    /// The bytes before this offset may; an incomplete head starts there.
    HoldFrom(usize),
    /// The bytes before this offset may; a refused head starts there.
    RefuseAt(usize, Refusal),
}

pub struct HeadGuard<IO> {
    io: IO,
    position: Position,
    /// Bytes read but not given to actix: the start of a head not yet whole, after `cleared`
    /// bytes that may go.
    held: Vec<u8>,
    cleared: usize,
    /// attache's request, standing in for a refused head, still to be given to actix.
    stand_in: Vec<u8>,
    refused: RefusedHead,
    /// The write side is shut (a refused connection drains its reads after).
    shut: bool,
}

impl<IO> HeadGuard<IO> {
    pub fn new(io: IO) -> Self {
        HeadGuard {
            io,
            position: Position::Head,
            held: Vec::new(),
            cleared: 0,
            stand_in: Vec::new(),
            refused: RefusedHead::default(),
            shut: false,
        }
    }

    pub fn get_ref(&self) -> &IO {
        &self.io
    }

    /// The handle `answer` checks stand-in requests against.
    pub fn refused_head(&self) -> RefusedHead {
        self.refused.clone()
    }

    /// Follows the requests through `bytes`, which come right after the ones before.
    fn scan(&mut self, bytes: &[u8]) -> Scan {
        let mut at = 0;
        while at < bytes.len() {
            match &mut self.position {
                Position::Blind | Position::Refused => return Scan::Clear,
                Position::Length(left) => {
                    let step = (*left).min((bytes.len() - at) as u64);
                    at += step as usize;
                    *left -= step;
                    if *left == 0 {
                        self.position = Position::Head;
                    }
                }
                Position::Chunked(chunked) => match chunked.feed(&bytes[at..]) {
                    Fed::More => at = bytes.len(),
                    Fed::End(used) => {
                        at += used;
                        self.position = Position::Head;
                    }
                    Fed::Invalid => self.position = Position::Blind,
                },
                Position::Head => match judge(&bytes[at..]) {
                    Head::Partial => return Scan::HoldFrom(at),
                    Head::Refused(refusal) => return Scan::RefuseAt(at, refusal),
                    Head::Fine { len, body } => {
                        at += len;
                        self.position = match body {
                            Body::None => Position::Head,
                            Body::Length(n) => Position::Length(n),
                            Body::Chunked => Position::Chunked(Chunked::default()),
                            Body::ToEnd => Position::Blind,
                        };
                    }
                },
            }
        }
        Scan::Clear
    }

    /// Replaces the refused head that starts `head` with attache's stand-in request.
    fn refuse(&mut self, head: &[u8], refusal: Refusal) {
        let token = rand::random::<u64>();
        self.refused.0.set(Some(token));
        self.stand_in = format!(
            "GET {} HTTP/1.1\r\nHost: attache\r\nConnection: close\r\n{STAND_IN}: {token} {}\r\n\r\n",
            stand_in_path(head),
            refusal.name()
        )
        .into_bytes();
        self.position = Position::Refused;
    }
}

/// The refused request's path, when the target is short and valid, else the dialect prefix
/// it starts with (what `answer` needs), else `/`.
fn stand_in_path(head: &[u8]) -> String {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let target = line.split(|&b| b == b' ').nth(1).unwrap_or_default();
    let target = std::str::from_utf8(target).unwrap_or_default();
    if let Some(uri) = (target.len() <= 2048)
        .then(|| Uri::try_from(target).ok())
        .flatten()
    {
        if uri.path().starts_with('/') {
            return uri.path().to_owned();
        }
    }
    let path = target.split('?').next().unwrap_or_default();
    let prefix = super::answer::PREFIXES
        .iter()
        .find(|p| super::answer::within(path, p));
    prefix.map_or("/", |p| p).to_owned()
}

/// Whether `bytes` hold the blank line that ends a head (httparse also takes bare LFs).
fn may_end(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\n\n") || bytes.windows(3).any(|w| w == b"\n\r\n")
}

/// Gives out up to `buf`'s room of `from`, dropping what was given.
fn give(from: &mut Vec<u8>, count: usize, buf: &mut ReadBuf<'_>) {
    let n = count.min(buf.remaining());
    buf.put_slice(&from[..n]);
    from.drain(..n);
}

impl<IO: AsyncRead + Unpin> HeadGuard<IO> {
    /// Reads more of a held head; `Ready` once something may be given to actix, or at the end.
    fn poll_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let start = self.held.len();
            self.held.reserve(16 * 1024);
            let mut room = ReadBuf::uninit(self.held.spare_capacity_mut());
            ready!(Pin::new(&mut self.io).poll_read(cx, &mut room))?;
            let read = room.filled().len();
            // SAFETY: `read` bytes after `start` were just initialised by the read.
            unsafe { self.held.set_len(start + read) };
            if read == 0 {
                // The end: actix gets the partial head as it would have, then the end.
                self.cleared = self.held.len();
                self.position = Position::Blind;
                return Poll::Ready(Ok(()));
            }
            // Judged again only once it may be whole, or at the limit (a refusal can wait), so
            // that a head arriving line by line is not parsed again for each line.
            if !may_end(&self.held[start.saturating_sub(2)..]) && self.held.len() < MAX_HEAD {
                continue;
            }
            let held = std::mem::take(&mut self.held);
            let scan = self.scan(&held);
            self.held = held;
            match scan {
                Scan::Clear => self.cleared = self.held.len(),
                Scan::HoldFrom(0) => continue,
                Scan::HoldFrom(at) => self.cleared = at,
                Scan::RefuseAt(at, refusal) => {
                    let head = self.held.split_off(at);
                    self.refuse(&head, refusal);
                    self.cleared = at;
                }
            }
            return Poll::Ready(Ok(()));
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for HeadGuard<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.cleared > 0 {
                let count = this.cleared.min(buf.remaining());
                give(&mut this.held, count, buf);
                this.cleared -= count;
                if this.held.is_empty() && this.held.capacity() > 64 * 1024 {
                    this.held = Vec::new();
                }
                return Poll::Ready(Ok(()));
            }
            if !this.stand_in.is_empty() {
                let count = this.stand_in.len();
                give(&mut this.stand_in, count, buf);
                return Poll::Ready(Ok(()));
            }
            if this.position == Position::Refused {
                // actix answers the stand-in and closes; the rest is never read.
                return Poll::Pending;
            }
            if !this.held.is_empty() {
                ready!(this.poll_held(cx))?;
                continue;
            }
            // The usual path: straight into actix's buffer, then a look at what came.
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
            if this.position == Position::Blind || buf.filled().len() == before {
                return Poll::Ready(Ok(()));
            }
            let fresh = &buf.filled()[before..];
            let (at, refusal) = match this.scan(fresh) {
                Scan::Clear => return Poll::Ready(Ok(())),
                Scan::HoldFrom(at) => (at, None),
                Scan::RefuseAt(at, refusal) => (at, Some(refusal)),
            };
            let rest = &fresh[at..];
            match refusal {
                Some(refusal) => this.refuse(rest, refusal),
                None => this.held.extend_from_slice(rest),
            }
            buf.set_filled(before + at);
            if at > 0 {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for HeadGuard<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    /// After a refusal, also reads and drops what the client still sends until it closes:
    /// closing with bytes unread would reset the connection, and the client could lose the
    /// answer before reading it. actix bounds this with its disconnect timeout (1 s).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.shut {
            ready!(Pin::new(&mut this.io).poll_shutdown(cx))?;
            this.shut = true;
        }
        if this.position == Position::Refused {
            let mut sink = [0u8; 8192];
            loop {
                let mut buf = ReadBuf::new(&mut sink);
                match ready!(Pin::new(&mut this.io).poll_read(cx, &mut buf)) {
                    Ok(()) if !buf.filled().is_empty() => continue,
                    _ => break,
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
