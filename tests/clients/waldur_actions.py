"""The official client's issue actions and lookups against attache, for waldur_conformance.py
(which turns warnings into errors before importing this): set_status and bulk_update as Waldur's
basic backend serves them, sync, escalate, the actions attache refuses as Waldur does, and the issue
statuses, priorities and request types."""
import uuid

from waldur_api_client.api.support_issue_statuses import (
    support_issue_statuses_count as status_count,
    support_issue_statuses_list as status_list,
    support_issue_statuses_retrieve as status_retrieve,
)
from waldur_api_client.api.support_issues import (
    support_issues_attach_resource as attach_resource,
    support_issues_bulk_update as bulk_update,
    support_issues_count as issue_count,
    support_issues_create as issue_create,
    support_issues_escalate as escalate,
    support_issues_reroute as reroute,
    support_issues_list as issue_list,
    support_issues_retrieve as issue_retrieve,
    support_issues_route_to_provider as route_to_provider,
    support_issues_set_status as set_status,
    support_issues_sync as issue_sync,
)
from waldur_api_client.api.support_priorities import (
    support_priorities_count as priority_count,
    support_priorities_list as priority_list,
    support_priorities_retrieve as priority_retrieve,
)
from waldur_api_client.api.support_request_types import (
    support_request_types_count as request_type_count,
    support_request_types_list as request_type_list,
    support_request_types_retrieve as request_type_retrieve,
)
from waldur_api_client.models import (
    AttachResourceRequest,
    BulkUpdateIssueRequest,
    EscalateIssueRequest,
    IssueRequest,
    IssueStatus,
    IssueStatusType,
    Priority,
    RequestType,
    RouteToProviderRequest,
    SetIssueStatusRequest,
)

from waldur_checks import STATUSES, aware, check, check_issue, expect_status, ok


def statuses(c, customer, run):
    """set_status through every core status; bulk_update of status and priority."""
    issue = issue_create.sync(client=customer, body=IssueRequest(type_="Incident", summary=f"status {run}"))
    check(issue.available_statuses == [], f"a customer's available_statuses: {issue.available_statuses!r}")
    seen = issue_retrieve.sync(issue.uuid, client=c)
    check(seen.available_statuses == sorted(set(STATUSES) - {"open"}), f"staff: {seen.available_statuses!r}")
    for name in ("in_progress", "customer_reply", "pending", "on_hold", "resolved", "closed", "new", "open"):
        moved = set_status.sync(issue.uuid, client=c, body=SetIssueStatusRequest(status=name))
        check_issue(moved, f"set_status {name}")
        check(moved.uuid == issue.uuid and moved.status == name, f"set_status {name}: {moved.status!r}")
        check(name not in moved.available_statuses, f"set_status {name}: offered again")
    check(issue_retrieve.sync(issue.uuid, client=customer).status == "open", "the customer reads the status staff set")
    expect_status(400, lambda: set_status.sync(issue.uuid, client=c, body=SetIssueStatusRequest(status="open")),
                  "set_status to the status it has")
    expect_status(400, lambda: set_status.sync(issue.uuid, client=c, body=SetIssueStatusRequest(status="Done")),
                  "set_status to a status attache does not know")
    expect_status(403, lambda: set_status.sync(issue.uuid, client=customer, body=SetIssueStatusRequest(status="closed")),
                  "a customer's set_status")
    expect_status(404, lambda: set_status.sync(uuid.uuid4(), client=c, body=SetIssueStatusRequest(status="closed")),
                  "set_status of an unknown issue")
    ok("set_status: through every core status (200 Issue), 400 for one it cannot take, 403 for customers, 404")

    other = issue_create.sync(client=customer, body=IssueRequest(type_="Incident", summary=f"bulk {run}"))
    both = [issue.uuid, other.uuid]
    response = bulk_update.sync_detailed(client=c, body=BulkUpdateIssueRequest(issue_uuids=both, status="pending",
                                                                               priority="urgent"))
    check(response.status_code == 200, f"bulk_update: {response.status_code}")
    for x in both:
        got = issue_retrieve.sync(x, client=c)
        check((got.status, got.priority) == ("pending", "urgent"), f"bulk_update: {got.status!r}, {got.priority!r}")
    body = BulkUpdateIssueRequest(issue_uuids=both, status="pending")
    expect_status(400, lambda: bulk_update.sync_detailed(client=c, body=body), "bulk_update to the status they have")
    body = BulkUpdateIssueRequest(issue_uuids=[uuid.uuid4()], status="closed")
    expect_status(400, lambda: bulk_update.sync_detailed(client=c, body=body), "bulk_update of no issue")
    expect_status(403, lambda: bulk_update.sync_detailed(client=customer, body=body), "a customer's bulk_update")
    ok("bulk_update: status and priority of each issue (200), 400 when one cannot move or none exists, 403")


def escalation(c, customer, run):
    """escalate (staff only, once), and the issue's is_escalated, escalated_at and escalation_reason."""
    issue = issue_create.sync(client=customer, body=IssueRequest(type_="Incident", summary=f"escalate {run}"))
    check((issue.is_escalated, issue.escalated_at, issue.escalation_reason) == (False, None, ""),
          f"a new issue's escalation: {issue.is_escalated!r}, {issue.escalated_at!r}, {issue.escalation_reason!r}")
    body = EscalateIssueRequest(reason=f"Down for everyone {run}")
    expect_status(403, lambda: escalate.sync_detailed(issue.uuid, client=customer, body=body), "a customer's escalate")
    expect_status(404, lambda: escalate.sync_detailed(uuid.uuid4(), client=c, body=body), "escalate of an unknown issue")
    response = escalate.sync_detailed(issue.uuid, client=c, body=body)
    check(response.status_code == 200 and response.parsed is None, f"escalate: {response.status_code}")
    for who in (c, customer):
        got = issue_retrieve.sync(issue.uuid, client=who)
        check_issue(got, "an escalated issue")
        check(got.is_escalated is True and got.escalation_reason == body.reason,
              f"escalated: {got.is_escalated!r}, {got.escalation_reason!r}")
        aware(got.escalated_at, "escalated_at")
        check(got.escalated_at <= got.modified, f"escalated_at {got.escalated_at} after modified {got.modified}")
    expect_status(400, lambda: escalate.sync_detailed(issue.uuid, client=c, body=EscalateIssueRequest(reason="again")),
                  "escalating twice")
    check(issue_retrieve.sync(issue.uuid, client=c).escalation_reason == body.reason, "the first reason stays")
    escalated = issue_list.sync_all(client=c, is_escalated=True, summary=f"escalate {run}")
    check([x.uuid for x in escalated] == [issue.uuid], f"is_escalated=true: {escalated!r}")
    check(issue_count.sync(client=c, is_escalated=False, summary=f"escalate {run}") == 0, "is_escalated=false")
    ok("escalate: 200 for staff, then is_escalated, escalated_at, escalation_reason; 400 twice, 403, 404; the filter")


def refused_actions(c, customer, issue):
    """sync has nothing to do; resources and provider routing are refused for want of them."""
    check(issue_sync.sync_detailed(issue.uuid, client=c).status_code == 200, "sync")
    expect_status(403, lambda: issue_sync.sync_detailed(issue.uuid, client=customer), "a customer's sync")
    expect_status(404, lambda: issue_sync.sync_detailed(uuid.uuid4(), client=c), "sync of an unknown issue")
    resource = AttachResourceRequest(resource="https://waldur.example.com/api/marketplace-resources/x/")
    helpdesk = RouteToProviderRequest(provider_helpdesk=uuid.uuid4())
    for name, call in (
        ("attach_resource", lambda who: attach_resource.sync(issue.uuid, client=who, body=resource)),
        ("route_to_provider", lambda who: route_to_provider.sync(issue.uuid, client=who, body=helpdesk)),
        ("reroute", lambda who: reroute.sync(issue.uuid, client=who, body=helpdesk)),
    ):
        expect_status(400, lambda: call(c), f"staff {name}")
        expect_status(403, lambda: call(customer), f"a customer's {name}")
    ok("sync (200); attach_resource, route_to_provider, reroute: 400 for staff, 403 for customers")


def lookups(c, customer):
    """The issue statuses (staff only), priorities and request types: list, count, retrieve."""
    found = status_list.sync(client=c)
    check([(s.name, s.type_, s.type_display) for s in found] ==
          [("closed", IssueStatusType.VALUE_0, "Resolved"), ("resolved", IssueStatusType.VALUE_0, "Resolved")],
          f"issue statuses: {found!r}")
    check(status_count.sync(client=c) == 2, "issue status count")
    for s in found:
        check(isinstance(s, IssueStatus) and s.url.endswith(f"/api/support-issue-statuses/{s.uuid.hex}/"), f"{s!r}")
        check(status_retrieve.sync(s.uuid, client=c) == s, f"issue status {s.name} retrieved differs")
    expect_status(403, lambda: status_list.sync(client=customer), "a customer's issue status list")
    expect_status(404, lambda: status_retrieve.sync(uuid.uuid4(), client=c), "an unknown issue status")
    ok("issue statuses: list, count, retrieve for staff (closed, resolved), 403 for customers")

    priorities = priority_list.sync(client=customer)
    check([p.name for p in priorities] == ["critical", "high", "low", "medium", "urgent"], f"{priorities!r}")
    check(priority_count.sync(client=customer) == 5, "priority count")
    walked = priority_list.sync_all(client=customer)
    check([p.uuid for p in walked] == [p.uuid for p in priorities], "priority sync_all")
    check([p.name for p in priority_list.sync(client=customer, name="ur")] == ["urgent"], "priorities by name")
    check([p.name for p in priority_list.sync(client=customer, name_exact="low")] == ["low"], "by name_exact")
    check(priority_count.sync(client=customer, name="i") == 3, "priority count by name")
    page = priority_list.sync(client=customer, page=2, page_size=2)
    check([p.name for p in page] == ["low", "medium"], f"priority page 2: {page!r}")
    for p in priorities:
        check(isinstance(p, Priority) and p.url.endswith(f"/api/support-priorities/{p.uuid.hex}/"), f"{p!r}")
        check(priority_retrieve.sync(p.uuid, client=customer) == p, f"priority {p.name} retrieved differs")
    expect_status(404, lambda: priority_retrieve.sync(uuid.uuid4(), client=customer), "an unknown priority")
    ok("priorities: list (by name, name_exact, paged, sync_all), count, retrieve")

    types = request_type_list.sync(client=customer)
    check([(t.name, t.issue_type_name, t.order) for t in types] ==
          [("Informational", "Informational", 1), ("Service Request", "Service Request", 2),
           ("Change Request", "Change Request", 3), ("Incident", "Incident", 4)], f"request types: {types!r}")
    check(request_type_count.sync(client=customer) == 4, "request type count")
    for t in types:
        check(isinstance(t, RequestType) and request_type_retrieve.sync(t.uuid, client=customer) == t,
              f"request type {t.name} retrieved differs")
    expect_status(404, lambda: request_type_retrieve.sync(uuid.uuid4(), client=customer), "an unknown request type")
    ok("request types: list, count, retrieve (Waldur's default issue types, in order)")
