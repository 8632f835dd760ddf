#!/usr/bin/env python3
"""Drive attache's Waldur dialect with the official, unmodified Waldur client.

    pip install waldur-api-client        # brings httpx, attrs, python-dateutil
    ATTACHE_URL=http://127.0.0.1:8080 ATTACHE_TOKEN=<key> python3 tests/clients/waldur_client.py

Prints one line per step; exits 1 with a message at the first failure (2 when misconfigured).
"""
import json
import os
import re
import struct
import sys
import uuid
import zlib
from io import BytesIO
from urllib.parse import parse_qs, urlparse

import httpx
from waldur_api_client.api.support_attachments import (
    support_attachments_count as att_count,
    support_attachments_create as att_create,
    support_attachments_destroy as att_destroy,
    support_attachments_list as att_list,
    support_attachments_retrieve as att_retrieve,
)
from waldur_api_client.api.support_issues import (
    support_issues_create as issue_create,
    support_issues_list as issue_list,
    support_issues_retrieve as issue_retrieve,
)
from waldur_api_client.client import AuthenticatedClient
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models import AttachmentFieldEnum, AttachmentRequestMultipart, IssueRequest
from waldur_api_client.types import File
from waldur_api_client.utils import parse_link_header


from waldur_checks import Failure, check, expect_status, ok  # shared with waldur_actions.py


def page_of(url):
    return parse_qs(urlparse(url).query).get("page", ["1"])[0]


def png(n):
    """A valid 1x1 RGB PNG whose pixel depends on n, so every file's content differs."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    pixel = zlib.compress(bytes([0, n * 37 % 256, 80, 160]))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


def main(base_url, token):
    c = AuthenticatedClient(base_url=base_url, token=token, timeout=httpx.Timeout(30.0))
    run = uuid.uuid4().hex[:8]

    # 1. A support issue, created, read back and listed through the client.
    issue = issue_create.sync(client=c, body=IssueRequest(
        type_="INFORMATIONAL", summary=f"waldur client check {run}",
        description="Created by tests/clients/waldur_client.py", is_reported_manually=True))
    check(issue.summary == f"waldur client check {run}", f"issue summary came back as {issue.summary!r}")
    check(issue.key, "issue has an empty key")
    check(issue.url.rstrip("/").endswith(issue.uuid.hex), f"issue url {issue.url} does not end in its uuid")
    check(issue_retrieve.sync(issue.uuid, client=c).key == issue.key, "retrieved issue has another key")
    check(issue.uuid in {i.uuid for i in issue_list.sync_all(client=c)}, "new issue missing from the issue list")
    ok(f"issue {issue.key} created, retrieved and listed ({issue.url})")

    # 2. Seven attachments on it, multipart `issue` + `file`, alternating PNG and text.
    sent = {}  # uuid -> (file name, bytes, mime type)
    for n in range(7):
        name, data, mime = ((f"pixel-{run}-{n}.png", png(n), "image/png") if n % 2 == 0 else
                            (f"note-{run}-{n}.txt", f"note {n} of run {run}\n".encode(), "text/plain"))
        body = AttachmentRequestMultipart(issue=issue.url, file=File(payload=BytesIO(data), file_name=name, mime_type=mime))
        att = att_create.sync(client=c, body=body)  # raises unless the answer is 201
        check(att.file_name == name and att.file_size == len(data) and att.mime_type == mime,
              f"created attachment reports {att.file_name!r}, {att.file_size}, {att.mime_type!r}")
        check(att.issue == issue.url, f"attachment issue {att.issue!r} is not {issue.url!r}")
        sent[att.uuid] = (name, data, mime)
    ok("7 attachments created (201)")

    # 3. Pages of 3, following the Link header. The client's own walker (sync_all) forces
    # page_size=100, so the pages of 3 are fetched by URL through the client's own httpx session
    # (the client has no "fetch this Link" function) and parsed by the client's own list parser.
    first = att_list.sync_detailed(client=c, issue_uuid=issue.uuid, page_size=3)
    check(first.headers.get("X-Result-Count") == "7", f"X-Result-Count is {first.headers.get('X-Result-Count')!r}")
    links = parse_link_header(first.headers.get("Link", ""))
    check({"first", "next", "last"} <= links.keys() and "prev" not in links, f"page 1 Link rels are {sorted(links)}")
    seen, fetched, url = list(first.parsed), 1, links["first"]
    while "next" in links:
        url = links["next"]
        response = c.get_httpx_client().get(url)
        page = att_list._parse_response(client=c, response=response)
        check(1 <= len(page) <= 3, f"page {page_of(url)} has {len(page)} items")
        seen += page
        fetched += 1
        links = parse_link_header(response.headers.get("Link", ""))
        check("prev" in links and "first" in links, f"page {page_of(url)} Link lacks prev/first: {sorted(links)}")
        check(fetched <= 5, "Link keeps offering a next page")
    check(fetched == 3, f"7 items in pages of 3 took {fetched} pages")
    check(page_of(url) == page_of(links["last"]) == "3", f"walk ended at {url}, last is {links.get('last')}")
    uuids = [a.uuid for a in seen]
    check(len(uuids) == 7 and set(uuids) == set(sent), f"pages gave {len(uuids)} items, {len(set(uuids))} distinct")
    everything = att_list.sync_all(client=c, issue_uuid=issue.uuid)
    check(sorted(a.uuid for a in everything) == sorted(sent), "sync_all did not return the 7 attachments")
    ok("pages of 3 via Link next -> last: each of the 7 seen once; sync_all agrees")

    # 4. Count (HEAD, X-Result-Count).
    check(att_count.sync(client=c, issue_uuid=issue.uuid) == 7, "HEAD count for the issue is not 7")
    check(att_count.sync(client=c) >= 7, "HEAD count of all attachments is below 7")
    ok("HEAD count: X-Result-Count 7 for the issue")

    # 5. Filters (uuid as the client sends it, hyphenated, and as Waldur prints it, hex; issue URL)
    # and sparse fields (?field=uuid&field=file_name).
    for label, kwargs in (("issue_uuid (hyphenated)", {"issue_uuid": issue.uuid}),
                          ("issue_uuid (hex)", {"issue_uuid": issue.uuid.hex}),
                          ("issue (URL)", {"issue": issue.url})):
        got = att_list.sync(client=c, page_size=50, **kwargs)
        check(sorted(a.uuid for a in got) == sorted(sent), f"filter {label} gave {len(got)} items")
    sparse = att_list.sync(client=c, issue_uuid=issue.uuid, page_size=50,
                           field=[AttachmentFieldEnum.UUID, AttachmentFieldEnum.FILE_NAME])
    check(len(sparse) == 7, f"sparse list gave {len(sparse)} items")
    for a in sparse:
        check(set(a.to_dict()) == {"uuid", "file_name"}, f"sparse item has keys {sorted(a.to_dict())}")
        check(a.file_name == sent[a.uuid][0], f"sparse file_name {a.file_name!r} is wrong")
    ok("filters issue_uuid/issue and sparse fields uuid,file_name")

    # 6. Retrieve one and check every field; download its file URL without credentials.
    target = next(iter(sent))
    name, data, mime = sent[target]
    raw = att_retrieve.sync_detailed(target, client=c)
    att = raw.parsed
    printed = json.loads(raw.content).get("uuid", "")
    check(re.fullmatch(r"[0-9a-f]{32}", printed), f"uuid is printed as {printed!r}, not 32 hex digits")
    check(att.uuid == target and att.url.rstrip("/").endswith(target.hex), f"url {att.url!r} / uuid {att.uuid}")
    check(att.issue == issue.url and att.issue_key == issue.key, f"issue {att.issue!r}, key {att.issue_key!r}")
    check((att.file_name, att.file_size, att.mime_type) == (name, len(data), mime),
          f"got {att.file_name!r}, {att.file_size}, {att.mime_type!r}")
    check(att.created is not None and att.created.tzinfo is not None, f"created {att.created!r} lacks a time zone")
    check(isinstance(att.backend_id, str), f"backend_id is {att.backend_id!r}")
    check(att.destroy_is_available is True, "destroy_is_available is not true for the uploader")
    only_file = att_retrieve.sync(target, client=c, field=[AttachmentFieldEnum.FILE])
    check(set(only_file.to_dict()) == {"file"}, f"?field=file gave keys {sorted(only_file.to_dict())}")
    # Downloading is plain HTTP on a signed URL; the client has no function for it.
    download = httpx.get(att.file, follow_redirects=True, timeout=30.0)
    check(download.status_code == 200, f"file URL answered {download.status_code} without credentials")
    check(download.content == data, "file URL served other bytes")
    ok(f"retrieved {name}: fields right, file URL downloads the same {len(data)} bytes without credentials")

    # 7. Destroy (204), then it is gone (404), and the count drops.
    check(att_destroy.sync_detailed(target, client=c).status_code == 204, "destroy did not answer 204")
    expect_status(404, lambda: att_retrieve.sync(target, client=c), "retrieve after destroy")
    expect_status(404, lambda: att_destroy.sync_detailed(target, client=c), "destroy twice")
    check(att_count.sync(client=c, issue_uuid=issue.uuid) == 6, "count after destroy is not 6")
    ok("destroyed one (204); retrieving it is 404; count is 6")

    # 8. Unknown uuid: 404. Wrong token: 401.
    expect_status(404, lambda: att_retrieve.sync(uuid.uuid4(), client=c), "retrieve of an unknown uuid")
    bad = AuthenticatedClient(base_url=base_url, token="not-a-valid-key", timeout=httpx.Timeout(30.0))
    expect_status(401, lambda: att_list.sync(client=bad), "list with a wrong token")
    expect_status(401, lambda: att_count.sync(client=bad), "HEAD count with a wrong token")
    ok("unknown uuid is 404; a wrong token gets 401")


if __name__ == "__main__":
    base_url, token = os.environ.get("ATTACHE_URL"), os.environ.get("ATTACHE_TOKEN")
    if not base_url or not token:
        print("FAIL  set ATTACHE_URL and ATTACHE_TOKEN", file=sys.stderr)
        sys.exit(2)
    try:
        main(base_url, token)
    except Failure as e:
        sys.exit(f"FAIL  {e}")
    except UnexpectedStatus as e:
        sys.exit(f"FAIL  unexpected status {e.status_code} from {e.url}: {e.content[:300]!r}")
    except (KeyError, TypeError, ValueError) as e:  # the client's from_dict rejected an answer
        sys.exit(f"FAIL  the client could not parse an answer: {type(e).__name__}: {e}")
    except httpx.HTTPError as e:
        sys.exit(f"FAIL  HTTP error: {e}")
    print("PASS  the official Waldur client works against attache")
