"""An integration under test (a tiny uploader with retries) checked against attache: it retries
a 429 as the vendor asks, and the journal shows exactly what it sent."""
import time
import urllib.error
import urllib.request
import uuid


def upload_with_retry(attache, ticket, name, data, attempts=3):
    """The code under test: uploads a file, waiting out 429 and 503 answers (Retry-After)."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    for attempt in range(attempts):
        req = urllib.request.Request(f"{attache.url}/v1/tickets/{ticket}/attachments", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {attache.key}",
                                              "Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(req) as res:
                return res.status
        except urllib.error.HTTPError as err:
            if err.code not in (429, 503) or attempt == attempts - 1:
                raise
            time.sleep(min(float(err.headers.get("Retry-After", "1")), 1.0))


def test_the_uploader_retries_after_a_429(attache):
    status, _, ticket = attache.call("POST", "/v1/tickets", {"subject": "Printer on fire"})
    assert status == 201
    attache.inject(dialect="native", method="POST", path="/v1/tickets/*/attachments", status=429,
                   retry_after=1, times=1)

    assert upload_with_retry(attache, ticket["id"], "log.txt", b"smoke\n") == 201

    sent = attache.journal(dialect="native", method="POST", path="/v1/tickets/*/attachments")
    assert [entry["status"] for entry in sent] == [429, 201]
    assert sent[1]["parts"] == [{"name": "file", "filename": "log.txt", "size": 6}]
    assert dict(sent[1]["headers"])["authorization"] == "[redacted]"


def test_each_test_starts_clean(attache):
    status, _, tickets = attache.call("GET", "/v1/tickets")
    assert (status, tickets) == (200, [])
    # The journal was emptied by the reset: only the request above is in it.
    assert [(e["method"], e["path"]) for e in attache.journal()] == [("GET", "/v1/tickets")]
