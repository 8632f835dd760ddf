//! The body of a download: pieces of one blob file, and for several ranges the text between
//! them, read a chunk at a time. A chunk the page cache holds is read on the worker
//! (`read_cached`); one that would wait for the disk goes to the blocking pool. actix-files
//! reads every chunk on the blocking pool, two context switches per 64 KiB; that was the
//! largest cost of a download (BENCHMARKS.md), so attache has its own body. From an object
//! store, each piece is one ranged GET whose chunks arrive through a bounded channel
//! (`ObjectBlobs::read_range`).

use std::collections::VecDeque;
use std::io;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::{Bytes, BytesMut};
use futures_util::future::LocalBoxFuture;
use tokio::sync::mpsc;

use crate::error::Error;
use crate::metrics::ReadCounters;
use crate::store::blobs::{read_cached, Content};
use crate::store::Db;

/// Large enough that a 10 MB file is 40 reads, small enough that a slow client holds little.
const CHUNK: u64 = 256 * 1024;

pub enum Piece {
    Text(Bytes),
    File { offset: u64, end: u64 },
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Text(text) => text.len() as u64,
            Piece::File { offset, end } => end - offset,
        }
    }
}

pub struct BlobBody {
    content: Content,
    db: Db,
    reads: ReadCounters,
    pieces: VecDeque<Piece>,
    size: u64,
    /// Reused between chunks: actix copies each chunk out and drops it before asking again.
    buf: BytesMut,
    waiting: Option<LocalBoxFuture<'static, Result<Bytes, Error>>>,
    /// The ranged read of the current piece, from an object store.
    object_read: Option<mpsc::Receiver<io::Result<Bytes>>>,
}

impl BlobBody {
    pub fn new(content: Content, db: Db, reads: ReadCounters, pieces: Vec<Piece>) -> BlobBody {
        let size = pieces.iter().map(Piece::len).sum();
        BlobBody {
            content,
            db,
            reads,
            pieces: pieces.into(),
            size,
            buf: BytesMut::new(),
            waiting: None,
            object_read: None,
        }
    }

    /// The answer to a HEAD request: the same length, and no bytes read.
    pub fn headers_only(mut self) -> BlobBody {
        self.pieces.clear();
        self
    }

    /// The next chunk of a local file, or a read to wait for.
    fn next(
        &mut self,
        file: &Arc<std::fs::File>,
    ) -> Result<Option<Bytes>, LocalBoxFuture<'static, Result<Bytes, Error>>> {
        loop {
            let Some(piece) = self.pieces.front_mut() else {
                return Ok(None);
            };
            let (offset, end) = match piece {
                Piece::File { offset, end } if *offset < *end => (offset, *end),
                _ => match self.pieces.pop_front() {
                    Some(Piece::Text(text)) => return Ok(Some(text)),
                    _ => continue,
                },
            };
            let at = *offset;
            let want = CHUNK.min(end - at) as usize;
            match read_cached(file, &mut self.buf, want, at) {
                Ok(Some(read)) => {
                    self.reads.page_cache.inc();
                    *offset += read as u64;
                    return Ok(Some(self.buf.split().freeze()));
                }
                Ok(None) => {
                    self.reads.disk.inc();
                    *offset += want as u64;
                    let (file, db) = (file.clone(), self.db.clone());
                    return Err(Box::pin(async move {
                        let data = db
                            .blocking(move || {
                                let mut data = vec![0u8; want];
                                file.read_exact_at(&mut data, at)?;
                                Ok(data)
                            })
                            .await?;
                        Ok(Bytes::from(data))
                    }));
                }
                Err(err) => {
                    self.pieces.clear();
                    return Err(Box::pin(async move { Err(Error::from(err)) }));
                }
            }
        }
    }
}

impl MessageBody for BlobBody {
    type Error = Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.size)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let file = match &this.content {
            Content::File(file) => file.clone(),
            Content::Object { .. } => return this.poll_object(cx),
        };
        loop {
            if let Some(waiting) = this.waiting.as_mut() {
                let result = ready!(waiting.as_mut().poll(cx));
                this.waiting = None;
                return Poll::Ready(Some(result));
            }
            match this.next(&file) {
                Ok(chunk) => return Poll::Ready(chunk.map(Ok)),
                Err(read) => this.waiting = Some(read),
            }
        }
    }
}

impl BlobBody {
    /// The next chunk from an object store: each file piece one ranged read, whose chunks are
    /// passed on as they come. A read that ends short is an error, never a short body.
    fn poll_object(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        let Content::Object { blobs, sha } = &self.content else {
            unreachable!("called for object content only");
        };
        loop {
            if let Some(read) = self.object_read.as_mut() {
                let Some(Piece::File { offset, end }) = self.pieces.front_mut() else {
                    unreachable!("a read runs only for a file piece");
                };
                match ready!(read.poll_recv(cx)) {
                    Some(Ok(chunk)) if *offset + chunk.len() as u64 <= *end => {
                        *offset += chunk.len() as u64;
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                    Some(Err(err)) => {
                        self.pieces.clear();
                        self.object_read = None;
                        return Poll::Ready(Some(Err(Error::from(err))));
                    }
                    Some(Ok(_)) => {
                        self.pieces.clear();
                        self.object_read = None;
                        let long = io::Error::other("the object is longer than its row says");
                        return Poll::Ready(Some(Err(Error::from(long))));
                    }
                    None if *offset != *end => {
                        self.pieces.clear();
                        self.object_read = None;
                        let short = io::Error::other("the object is shorter than its row says");
                        return Poll::Ready(Some(Err(Error::from(short))));
                    }
                    None => {
                        self.object_read = None;
                        self.pieces.pop_front();
                        continue;
                    }
                }
            }
            match self.pieces.front() {
                None => return Poll::Ready(None),
                Some(Piece::File { offset, end }) if offset < end => {
                    self.object_read = Some(blobs.read_range(sha, *offset..*end));
                }
                Some(_) => match self.pieces.pop_front() {
                    Some(Piece::Text(text)) => return Poll::Ready(Some(Ok(text))),
                    _ => continue,
                },
            }
        }
    }
}
