//! What a multipart body may cost besides its file: the raw body is metered as it is read,
//! and no more than `FRAMING_BUDGET` may be read while no part yields content (a part's
//! headers, which actix-multipart buffers whole until they end, or boundaries); the content of the
//! parts that are not the file (kept or dropped) may not pass `NON_FILE_BYTES` in all, over at
//! most `MAX_NON_FILE_PARTS` parts. So a body costs at most the file's limit plus a few
//! hundred KiB, read and held, whatever its parts.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

use crate::error::{Error, Result};

/// Bytes read with no part content yielded since: part headers and boundaries. (Checked before
/// each new chunk is taken, so one large chunk read ahead of its part is no framing.)
pub const FRAMING_BUDGET: u64 = 256 * 1024;
/// The text parts a dialect reads are ids and small JSON; anything else is dropped unread.
pub const NON_FILE_BYTES: u64 = 64 * 1024;
pub const MAX_NON_FILE_PARTS: usize = 16;

/// Counts shared by the metered body and the form reading it (one request, one thread).
#[derive(Default)]
pub struct Budget {
    since_content: Cell<u64>,
    non_file: Cell<u64>,
    parts: Cell<usize>,
    framing_exceeded: Cell<bool>,
}

impl Budget {
    /// Part content yielded to the form.
    pub fn content(&self, bytes: usize) {
        if bytes > 0 {
            self.since_content.set(0);
        }
    }

    /// Takes one more part that is not the file.
    pub fn non_file_part(&self) -> Result<()> {
        self.parts.set(self.parts.get() + 1);
        if self.parts.get() > MAX_NON_FILE_PARTS {
            return Err(Error::invalid(
                "",
                "too_many_parts",
                format!("A form may have at most {MAX_NON_FILE_PARTS} parts besides `file`."),
            ));
        }
        Ok(())
    }

    /// Counts bytes of a part that is not the file, against one total for them all.
    pub fn non_file_bytes(&self, bytes: usize) -> Result<()> {
        self.non_file.set(self.non_file.get() + bytes as u64);
        if self.non_file.get() > NON_FILE_BYTES {
            return Err(too_much_besides_the_file());
        }
        Ok(())
    }

    /// The error to answer: the framing cap's when the body was cut for it, else `err`.
    pub fn explain(&self, err: Error) -> Error {
        if self.framing_exceeded.get() {
            Error::invalid(
                "",
                "part_headers_too_large",
                "The part headers and boundaries of this form are too large.",
            )
        } else {
            err
        }
    }
}

pub fn too_much_besides_the_file() -> Error {
    Error::invalid(
        "",
        "parts_too_large",
        format!("The parts besides `file` may hold at most {NON_FILE_BYTES} bytes in all."),
    )
}

/// The raw body, metered: ends in an error once its framing passes `FRAMING_BUDGET`.
///
/// actix-multipart reads every chunk that is ready before it parses any (its
/// `PayloadBuffer::poll_stream` loops until `Pending`), so under load several chunks of file
/// content would be taken with no content yielded between them, and look like framing. After
/// each chunk this stream answers `Pending` once (and wakes its task at once), so that the
/// form parses what it took before it takes more.
pub struct Metered<S> {
    inner: S,
    budget: Rc<Budget>,
    just_read: bool,
}

impl<S> Metered<S> {
    pub fn new(inner: S, budget: Rc<Budget>) -> Self {
        Metered {
            inner,
            budget,
            just_read: false,
        }
    }
}

impl<S> Stream for Metered<S>
where
    S: Stream<Item = std::result::Result<Bytes, PayloadError>> + Unpin,
{
    type Item = std::result::Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let budget = self.budget.clone();
        if budget.framing_exceeded.get() {
            return Poll::Ready(None);
        }
        if std::mem::take(&mut self.just_read) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            if budget.since_content.get() > FRAMING_BUDGET {
                budget.framing_exceeded.set(true);
                return Poll::Ready(Some(Err(PayloadError::Overflow)));
            }
            budget
                .since_content
                .set(budget.since_content.get() + chunk.len() as u64);
            self.just_read = true;
        }
        polled
    }
}

/// A part's content, noted as it is yielded (so that it is not taken for framing).
pub struct Counted<'a, S> {
    pub inner: &'a mut S,
    pub budget: &'a Budget,
}

impl<S, T, E> Stream for Counted<'_, S>
where
    S: Stream<Item = std::result::Result<T, E>> + Unpin,
    T: AsRef<[u8]>,
{
    type Item = std::result::Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut *self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            self.budget.content(chunk.as_ref().len());
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_multipart::Multipart;
    use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
    use futures_util::StreamExt;

    /// The file's content, all of it ready at once (a fast client, a busy server), is content,
    /// not framing: found as a flaky `part_headers_too_large` under 32 concurrent uploads.
    #[actix_web::test]
    async fn chunks_that_are_ready_together_are_not_taken_for_framing() {
        let size = 2 * 1024 * 1024;
        let mut body =
            b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
                .to_vec();
        body.extend(std::iter::repeat_n(b'x', size));
        body.extend(b"\r\n--b--\r\n");
        let chunks: Vec<std::result::Result<Bytes, PayloadError>> = body
            .chunks(64 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let budget = Rc::new(Budget::default());
        let mut headers = HeaderMap::new();
        let form = HeaderValue::from_static("multipart/form-data; boundary=b");
        headers.insert(CONTENT_TYPE, form);
        let body = Metered::new(futures_util::stream::iter(chunks), budget.clone());
        let mut multipart = Multipart::new(&headers, body);
        let mut field = multipart.next().await.unwrap().unwrap();
        let mut content = Counted {
            inner: &mut field,
            budget: &budget,
        };
        let mut received = 0;
        while let Some(chunk) = content.next().await {
            received += chunk.expect("content, not a framing error").len();
        }
        assert_eq!(received, size);
        assert!(!budget.framing_exceeded.get());
    }
}
