#!/usr/bin/env python3
"""Conformance of attache's Waldur dialect, driven by the official, unmodified Waldur client.

Every function of waldur-api-client (pinned in requirements.txt) for support issues, comments
and attachments, and for the issue actions and lookups attache serves (waldur_actions.py), is
called as a Waldur developer would call it, and every object it parses is checked (with
waldur_checks.py); Python warnings are errors. The client's own `sync_all` walks 260 issues and 130
comments page by page (Link rel="next") and must see each exactly once.

    ATTACHE_URL=http://127.0.0.1:8080 ATTACHE_TOKEN=<agent key> \\
    ATTACHE_CUSTOMER_TOKEN=<customer key> python3 tests/clients/waldur_conformance.py

Prints one line per step; exits 1 with a message at the first failure (2 when misconfigured).
"""
import warnings

warnings.simplefilter("error")

import os  # noqa: E402 (warnings are errors before anything is imported)
import sys  # noqa: E402
import uuid  # noqa: E402
from io import BytesIO  # noqa: E402

import httpx  # noqa: E402
from waldur_api_client.api.support_attachments import (  # noqa: E402
    support_attachments_count as att_count,
    support_attachments_create as att_create,
    support_attachments_destroy as att_destroy,
    support_attachments_list as att_list,
    support_attachments_retrieve as att_retrieve,
)
from waldur_api_client.api.support_comments import (  # noqa: E402
    support_comments_count as comment_count,
    support_comments_destroy as comment_destroy,
    support_comments_list as comment_list,
    support_comments_partial_update as comment_patch,
    support_comments_retrieve as comment_retrieve,
    support_comments_update as comment_update,
)
from waldur_api_client.api.support_issues import (  # noqa: E402
    support_issues_comment as issue_comment,
    support_issues_count as issue_count,
    support_issues_create as issue_create,
    support_issues_destroy as issue_destroy,
    support_issues_list as issue_list,
    support_issues_partial_update as issue_patch,
    support_issues_retrieve as issue_retrieve,
    support_issues_update as issue_update,
)
from waldur_api_client.client import AuthenticatedClient  # noqa: E402
from waldur_api_client.errors import UnexpectedStatus  # noqa: E402
from waldur_api_client.models import (  # noqa: E402
    AttachmentRequestMultipart,
    Comment,
    CommentOEnum,
    CommentRequest,
    IssueOEnum,
    IssueRequest,
    PatchedCommentRequest,
    PatchedIssueRequest,
)
from waldur_api_client.types import File  # noqa: E402

import waldur_actions  # noqa: E402
from waldur_checks import Failure, aware, check, check_issue, expect_status, ok  # noqa: E402


def check_comment(comment, issue, what):
    check(isinstance(comment, Comment), f"{what}: not a Comment")
    check(isinstance(comment.uuid, uuid.UUID) and comment.url.endswith(f"/api/support-comments/{comment.uuid.hex}/"),
          f"{what}: url {comment.url!r}")
    check(comment.issue == issue.url and comment.issue_key == issue.key, f"{what}: issue {comment.issue!r}")
    check(isinstance(comment.author_uuid, uuid.UUID), f"{what}: author_uuid {comment.author_uuid!r}")
    check(comment.author_user.endswith(f"/api/users/{comment.author_uuid.hex}/"), f"{what}: author_user")
    for field in ("description", "author_name", "author_email", "author_image"):
        check(isinstance(getattr(comment, field), str), f"{what}: {field} is not a string")
    check(isinstance(comment.is_public, bool) and comment.backend_id is None, f"{what}: is_public/backend_id")
    check(isinstance(comment.update_is_available, bool) and isinstance(comment.destroy_is_available, bool),
          f"{what}: flags")
    aware(comment.created, f"{what}: created")
    check(comment.additional_properties == {}, f"{what}: unexpected fields {sorted(comment.additional_properties)}")


def issues(c, customer, run):
    """Create, retrieve, list (filters, ordering), count; update/destroy refused as Waldur does."""
    new = IssueRequest(type_="Incident", summary=f"conformance {run}", description="The printer is on fire.",
                       priority="high", is_reported_manually=True)
    issue = issue_create.sync(client=customer, body=new)
    check_issue(issue, "created issue")
    check((issue.type_, issue.description, issue.priority) == ("Incident", "The printer is on fire.", "high"),
          f"created issue: {issue.type_!r}, {issue.description!r}, {issue.priority!r}")
    got = issue_retrieve.sync(issue.uuid, client=c)
    check_issue(got, "retrieved issue")
    check((got.uuid, got.key, got.description) == (issue.uuid, issue.key, issue.description), "retrieve differs")
    for label, kwargs, expected in (
        ("summary", {"summary": f"CONFORMANCE {run}"}, [issue.uuid]),
        ("key", {"key": issue.key}, [issue.uuid]),
        ("query", {"query": issue.key.lower()}, [issue.uuid]),
        ("type+status", {"type_": "Incident", "status": "open", "summary": run}, [issue.uuid]),
        ("unknown status", {"status": "Resolved", "summary": run}, []),
        ("caller", {"caller": issue.caller, "summary": run}, [issue.uuid]),
        ("unknown customer", {"customer_uuid": uuid.uuid4()}, []),
        ("is_open", {"is_open": False, "summary": run}, []),
    ):
        listed = issue_list.sync(client=c, **kwargs)
        for i in listed:
            check_issue(i, f"listed issue ({label})")
        check([i.uuid for i in listed] == expected, f"issue list by {label}: {[i.key for i in listed]}")
        check(issue_count.sync(client=c, **kwargs) == len(expected), f"issue count by {label}")
    ok(f"issue {issue.key}: create (201), retrieve, list and count by summary, key, query, type, status, caller")

    body = IssueRequest(type_="Incident", summary="changed")
    expect_status(400, lambda: issue_update.sync(issue.uuid, client=c, body=body), "staff PUT of an issue")
    expect_status(400, lambda: issue_patch.sync(issue.uuid, client=c, body=PatchedIssueRequest(summary="x")),
                  "staff PATCH of an issue")
    expect_status(400, lambda: issue_destroy.sync_detailed(issue.uuid, client=c), "staff DELETE of an issue")
    expect_status(403, lambda: issue_patch.sync(issue.uuid, client=customer, body=PatchedIssueRequest(summary="x")),
                  "customer PATCH of an issue")
    expect_status(404, lambda: issue_retrieve.sync(uuid.uuid4(), client=c), "retrieve of an unknown issue")
    ok("issue update, partial update and destroy: 400 for staff, 403 for customers, as Waldur's basic backend")
    return issue


def comments(c, customer, issue):
    """Comment on an issue; list, count, retrieve, update, partial update, destroy."""
    mine = issue_comment.sync(issue.uuid, client=customer, body=CommentRequest(description="Still burning."))
    public = issue_comment.sync(issue.uuid, client=c, body=CommentRequest(description="On my way.", is_public=True))
    note = issue_comment.sync(issue.uuid, client=c, body=CommentRequest(description="Call the brigade", is_public=False))
    for comment, name in ((mine, "customer's"), (public, "agent's"), (note, "internal")):
        check_comment(comment, issue, f"{name} comment")
    check((mine.is_public, note.is_public) == (True, False), "is_public as sent")
    check(mine.update_is_available is False and public.update_is_available is True, "flags follow the caller")
    ok("comments created (201): customer's, agent's public, agent's internal")

    seen = comment_list.sync(client=customer, issue_uuid=issue.uuid, o=[CommentOEnum.CREATED])
    check([x.description for x in seen] == ["Still burning.", "On my way."], f"customer sees {[x.description for x in seen]}")
    staff = comment_list.sync(client=c, issue=issue.url)
    check([x.description for x in staff] == ["Call the brigade", "On my way.", "Still burning."], "staff list, newest first")
    for x in staff:
        check_comment(x, issue, "listed comment")
    check(comment_count.sync(client=customer, issue_uuid=issue.uuid) == 2, "customer's count")
    check(comment_count.sync(client=c, issue_uuid=issue.uuid, is_public=False) == 1, "count of internal notes")
    by_text = comment_list.sync(client=c, description="BRIGADE", author_name="ale")
    check([x.uuid for x in by_text] == [note.uuid], "filter by description and author_name")
    check(comment_list.sync(client=c, issue_uuid=uuid.uuid4()) == [], "an unknown issue lists no comment")
    expect_status(404, lambda: comment_retrieve.sync(note.uuid, client=customer), "customer retrieving a note")
    check_comment(comment_retrieve.sync(public.uuid, client=customer), issue, "retrieved comment")
    ok("comment list, count and retrieve: customers see public comments and their own")

    updated = comment_update.sync(mine.uuid, client=c, body=CommentRequest(description="Put out.", is_public=True))
    check_comment(updated, issue, "updated comment")
    check(updated.description == "Put out.", "PUT changed nothing")
    patched = comment_patch.sync(mine.uuid, client=c, body=PatchedCommentRequest(is_public=False))
    check((patched.description, patched.is_public) == ("Put out.", False), "PATCH changed the wrong fields")
    expect_status(403, lambda: comment_patch.sync(public.uuid, client=customer, body=PatchedCommentRequest(is_public=False)),
                  "customer PATCH of a comment")
    expect_status(403, lambda: comment_destroy.sync_detailed(public.uuid, client=customer), "customer DELETE of a comment")
    check(comment_destroy.sync_detailed(public.uuid, client=c).status_code == 204, "staff DELETE did not answer 204")
    expect_status(404, lambda: comment_retrieve.sync(public.uuid, client=c), "retrieve after delete")
    ok("comment update (PUT), partial update (PATCH), destroy (204): staff only")


def attachments(c, customer, issue, run):
    """Upload, list, count, retrieve, destroy; filters naming nothing list nothing."""
    data = f"log of run {run}\n".encode()
    body = AttachmentRequestMultipart(issue=issue.url, file=File(payload=BytesIO(data), file_name="run.log",
                                                                  mime_type="text/plain"))
    att = att_create.sync(client=customer, body=body)
    check(isinstance(att.uuid, uuid.UUID) and att.issue == issue.url and att.issue_key == issue.key, "created attachment")
    check((att.file_name, att.file_size, att.mime_type) == ("run.log", len(data), "text/plain"), "attachment fields")
    aware(att.created, "attachment created")
    check([a.uuid for a in att_list.sync(client=c, issue_uuid=issue.uuid)] == [att.uuid], "list by issue_uuid")
    check([a.uuid for a in att_list.sync(client=c, issue=issue.url)] == [att.uuid], "list by issue URL")
    check(att_count.sync(client=c, issue_uuid=issue.uuid) == 1, "count by issue_uuid")
    check(att_retrieve.sync(att.uuid, client=c).file_name == "run.log", "retrieve")
    nobody = uuid.uuid4()
    check(att_list.sync(client=c, issue_uuid=nobody) == [], "an unknown issue_uuid lists nothing")
    check(att_list.sync(client=c, issue=f"{issue.url.split('/api/')[0]}/api/support-issues/{nobody.hex}/") == [],
          "an unknown issue URL lists nothing")
    check(att_count.sync(client=c, issue_uuid=nobody) == 0, "an unknown issue_uuid counts 0")
    check(att_destroy.sync_detailed(att.uuid, client=customer).status_code == 204, "destroy did not answer 204")
    expect_status(404, lambda: att_retrieve.sync(att.uuid, client=c), "retrieve after destroy")
    ok("attachment create, list, count, retrieve, destroy; unknown issues list nothing (200, [])")


def sync_all(c, customer, run):
    """The client's own page walker over 260 issues and 130 comments: it ends, each once."""
    tag = f"bulk {run}"
    created = {issue_create.sync(client=customer, body=IssueRequest(type_="Informational", summary=f"{tag} {n:03}")).uuid
               for n in range(260)}
    check(issue_count.sync(client=c, summary=tag) == 260, "count of the bulk issues")
    for label, order in (("newest first", None), ("by summary", [IssueOEnum.SUMMARY]), ("by -key", [IssueOEnum.VALUE_5])):
        kwargs = {"summary": tag} if order is None else {"summary": tag, "o": order}
        walked = issue_list.sync_all(client=c, **kwargs)
        keys = [i.uuid for i in walked]
        check(len(keys) == 260 and set(keys) == created, f"sync_all {label}: {len(keys)} issues, {len(set(keys))} distinct")
    ordered = [i.summary for i in issue_list.sync_all(client=c, summary=tag, o=[IssueOEnum.SUMMARY])]
    check(ordered == sorted(ordered), "sync_all by summary is not in order")
    ok("sync_all over 260 issues (3 pages of 100): each seen once, in each order")

    target = issue_retrieve.sync(next(iter(created)), client=c)
    sent = {issue_comment.sync(target.uuid, client=customer, body=CommentRequest(description=f"{tag} comment {n}")).uuid
            for n in range(130)}
    walked = [x.uuid for x in comment_list.sync_all(client=c, issue_uuid=target.uuid)]
    check(len(walked) == 130 and set(walked) == sent, f"comment sync_all: {len(walked)} comments")
    ok("sync_all over 130 comments (2 pages): each seen once")


def main(base_url, token, customer_token):
    timeout = httpx.Timeout(30.0)
    c = AuthenticatedClient(base_url=base_url, token=token, timeout=timeout)
    customer = AuthenticatedClient(base_url=base_url, token=customer_token, timeout=timeout)
    run = uuid.uuid4().hex[:8]
    issue = issues(c, customer, run)
    comments(c, customer, issue)
    attachments(c, customer, issue, run)
    sync_all(c, customer, run)
    waldur_actions.statuses(c, customer, run)
    waldur_actions.escalation(c, customer, run)
    waldur_actions.refused_actions(c, customer, issue)
    waldur_actions.lookups(c, customer)


if __name__ == "__main__":
    env = [os.environ.get(name) for name in ("ATTACHE_URL", "ATTACHE_TOKEN", "ATTACHE_CUSTOMER_TOKEN")]
    if not all(env):
        print("FAIL  set ATTACHE_URL, ATTACHE_TOKEN and ATTACHE_CUSTOMER_TOKEN", file=sys.stderr)
        sys.exit(2)
    try:
        main(*env)
    except Failure as e:
        sys.exit(f"FAIL  {e}")
    except UnexpectedStatus as e:
        sys.exit(f"FAIL  unexpected status {e.status_code} from {e.url}: {e.content[:300]!r}")
    except (KeyError, TypeError, ValueError) as e:  # the client's from_dict rejected an answer
        sys.exit(f"FAIL  the client could not parse an answer: {type(e).__name__}: {e}")
    except Warning as e:  # a warning turned into an error
        sys.exit(f"FAIL  a warning: {type(e).__name__}: {e}")
    except httpx.HTTPError as e:
        sys.exit(f"FAIL  HTTP error: {e}")
    print("PASS  attache's Waldur dialect conforms to the official client")
