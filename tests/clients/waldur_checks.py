"""What waldur_conformance.py and waldur_actions.py check in every answer the official client
parses, and how they report."""
import datetime
import uuid

from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models import Issue

# attache's core statuses, which its Waldur dialect shows by name (src/domain/status.rs).
STATUSES = ("new", "open", "in_progress", "customer_reply", "pending", "on_hold", "resolved", "closed")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def ok(message):
    print(f"ok    {message}", flush=True)


def expect_status(status, call, what):
    """The client raises UnexpectedStatus for every status it does not document as success."""
    try:
        call()
    except UnexpectedStatus as e:
        check(e.status_code == status, f"{what}: expected {status}, got {e.status_code}: {e.content[:200]!r}")
        return
    raise Failure(f"{what}: expected {status}, but the call succeeded")


def aware(value, what):
    check(isinstance(value, datetime.datetime) and value.tzinfo is not None, f"{what} {value!r} is not an aware time")


def check_issue(issue, what):
    """What the client's Issue.from_dict parsed, field by field, in Waldur's types."""
    check(isinstance(issue, Issue), f"{what}: not an Issue")
    check(isinstance(issue.uuid, uuid.UUID) and issue.url.endswith(f"/api/support-issues/{issue.uuid.hex}/"),
          f"{what}: url {issue.url!r} / uuid {issue.uuid!r}")
    check(issue.key.startswith("SUP-") and isinstance(issue.summary, str) and isinstance(issue.type_, str),
          f"{what}: key {issue.key!r}, type {issue.type_!r}")
    check(issue.status in STATUSES and issue.resolved == (True if issue.status in ("resolved", "closed") else None),
          f"{what}: status {issue.status!r}, resolved {issue.resolved!r}")
    aware(issue.created, f"{what}: created")
    aware(issue.modified, f"{what}: modified")
    check(isinstance(issue.caller_uuid, uuid.UUID) and issue.reporter_uuid == issue.caller_uuid, f"{what}: caller/reporter")
    check(issue.caller.endswith(f"/api/users/{issue.caller_uuid.hex}/"), f"{what}: caller {issue.caller!r}")
    check(issue.reporter.endswith(f"/api/support-users/{issue.reporter_uuid.hex}/"), f"{what}: reporter {issue.reporter!r}")
    check(isinstance(issue.reporter_name, str) and issue.reporter_name == issue.caller_full_name, f"{what}: names")
    check(issue.update_is_available is False and issue.destroy_is_available is False, f"{what}: update/destroy flags")
    check(isinstance(issue.add_comment_is_available, bool) and isinstance(issue.add_attachment_is_available, bool),
          f"{what}: comment/attachment flags")
    others = sorted(set(STATUSES) - {issue.status})
    check(issue.available_statuses in ([], others), f"{what}: available_statuses {issue.available_statuses!r}")
    check(isinstance(issue.description, str) and isinstance(issue.priority, str), f"{what}: description/priority")
    check(isinstance(issue.is_escalated, bool) and isinstance(issue.escalation_reason, str)
          and (issue.escalated_at is None) == (not issue.is_escalated) == (issue.escalation_reason == ""),
          f"{what}: escalation {issue.is_escalated!r}, {issue.escalated_at!r}, {issue.escalation_reason!r}")
    check(issue.additional_properties == {}, f"{what}: unexpected fields {sorted(issue.additional_properties)}")
