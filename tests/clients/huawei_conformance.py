#!/usr/bin/env python3
"""Every Huawei OSM SDK method attache serves for cases (with their operate logs, contact info
and quotas), messages (and their withdrawal), accessories and limits,
called with the unmodified official SDK and Python warnings turned into errors (so a
`TypeConversionWarning` on a date-time fails), checking the parsed models; and the
documented offset/limit walk over every case.

    ATTACHE_URL=... ATTACHE_AK=... ATTACHE_SK=... python3 tests/clients/huawei_conformance.py

The server must let this user open 260 cases (no hourly ticket quota).
"""
import base64
import datetime
import json
import os
import sys
import time
import warnings

warnings.simplefilter("error")

from huaweicloudsdkcore.auth.credentials import GlobalCredentials  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkosm.v2 import (  # noqa: E402
    AccessoryJsonFormatReq, CreateCasesRequest, CreateMessageDoV2, CreateMessagesRequest,
    CreateMessageV2Req, CreateOrderIncidentV2Req, DeleteAccessoriesRequest, DownloadImagesRequest,
    ListCaseCcEmailsRequest, ListCaseCountsRequest, ListCaseLimitsRequest, ListCaseOperateLogsRequest,
    ListCaseQuotasRequest, ListCasesRequest, ListMessagesRequest, OsmClient, RevokeMessageRequest,
    ShowCaseDetailRequest, ShowCaseStatusRequest, UpdateCaseContactInfoReq, UpdateCaseContactInfoRequest,
    UpdateCasesRequest, UploadJsonAccessoriesRequest, WorkOrderOperateV2Req)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException  # noqa: E402

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
BASE_URL = os.environ["ATTACHE_URL"].rstrip("/")
CASES = 260


def client():
    config = HttpConfig.get_default_config()
    config.timeout = (10, 30)
    credentials = GlobalCredentials(os.environ["ATTACHE_AK"], os.environ["ATTACHE_SK"],
                                    "0123456789abcdef0123456789abcdef")
    return (OsmClient.new_builder().with_http_config(config).with_credentials(credentials)
            .with_endpoints([BASE_URL]).build())


def check(condition, message):
    if not condition:
        sys.exit(f"FAIL {message}")


def ok(message):
    print(f"ok    {message}", flush=True)


def upload(osm, name):
    body = AccessoryJsonFormatReq(accessory_name=name, accessory_from="message", upload_type=0,
                                  accessory_data=base64.b64encode(PNG + name.encode()).decode())
    return osm.upload_json_accessories(UploadJsonAccessoriesRequest(body=body)).accessory_id


def case_and_messages(osm):
    first = upload(osm, "first.png")
    description = "The printer is on fire.\nSecond line of the description."
    body = CreateOrderIncidentV2Req(business_type_id="1", simple_description=description,
                                    source_id="83aeb0f2834c4df49826c781d32a963e", accessory_ids=[first])
    case = osm.create_cases(CreateCasesRequest(body=body)).incident_id
    info = osm.show_case_detail(ShowCaseDetailRequest(case_id=case)).incident_detail_info
    check(info.simple_description == description, f"simple_description is the whole description: {info.simple_description!r}")
    check(isinstance(info.create_time, datetime.datetime), f"create_time parses as a date-time: {info.create_time!r}")
    check(info.status == 0, f"a new case is status 0: {info.status}")
    opening = info.message_list[0]
    check(opening.is_first_message == 1 and opening.type == 0, f"the description is the customer's first message: {opening}")
    check([(a.accessory_id, a.file_actual_name) for a in opening.accessory_list] == [(first, "first.png")],
          f"accessory items are {{accessory_id, file_actual_name}}: {opening.accessory_list}")
    check(opening.replier_name and isinstance(opening.create_time, datetime.datetime), f"replier_name and create_time: {opening}")
    ok("create_cases, show_case_detail: full description, date-times, message fields, accessory items")

    second = upload(osm, "second.png")
    message = CreateMessageV2Req(message=CreateMessageDoV2(content="More logs.", accessory_ids=[second]))
    resp = osm.create_messages(CreateMessagesRequest(case_id=case, body=message))
    check(resp.status_code == 200 and not resp.error_code, f"create_messages: {resp}")
    listed = osm.list_messages(ListMessagesRequest(case_id=case, offset=0, limit=10))
    check(listed.count == 2 and len(listed.message_list) == 2, f"list_messages: {listed}")
    reply = listed.message_list[1]
    check(reply.content == "More logs." and reply.is_first_message == 0, f"the reply: {reply}")
    check([a.accessory_id for a in reply.accessory_list] == [second], f"the reply's accessory: {reply}")
    check(isinstance(reply.create_time, datetime.datetime), f"create_time: {reply.create_time!r}")
    one = osm.list_messages(ListMessagesRequest(case_id=case, offset=1, limit=1))
    check(one.count == 2 and [m.content for m in one.message_list] == ["More logs."], f"offset/limit: {one}")
    ok("create_messages, list_messages (count, fields, offset/limit)")

    image = osm.download_images(DownloadImagesRequest(accessory_id=second))
    chunks = []
    image.consume_download_stream(lambda r: chunks.append(r.content))
    check(b"".join(chunks) == PNG + b"second.png", "download_images returns the bytes")
    ok("download_images")
    return case


def status_and_actions(osm, case):
    check(osm.show_case_status(ShowCaseStatusRequest(case_id=case)).status == 0, "show_case_status 0")
    counts = osm.list_case_counts(ListCaseCountsRequest()).incident_status_counts
    check({c.status for c in counts} >= {0} and all(isinstance(c.count, int) for c in counts), f"counts: {counts}")
    pressed = osm.update_cases(UpdateCasesRequest(case_id=case, action_id="press", body=WorkOrderOperateV2Req()))
    check(pressed.status_code == 200 and not pressed.error_code, f"press: {pressed}")
    bad = osm.update_cases(UpdateCasesRequest(case_id=case, action_id="reopen", body=WorkOrderOperateV2Req()))
    check(bad.status_code == 200 and bad.error_code == "OSM.01010013", f"an unknown action is a business error: {bad}")
    closed = osm.update_cases(UpdateCasesRequest(case_id=case, action_id="close",
                                                 body=WorkOrderOperateV2Req(judgement="Thanks")))
    check(closed.status_code == 200 and not closed.error_code, f"close: {closed}")
    check(osm.show_case_status(ShowCaseStatusRequest(case_id=case)).status == 3, "closed is status 3")
    missing = osm.show_case_status(ShowCaseStatusRequest(case_id="00000000-0000-7000-8000-000000000000"))
    check(missing.status is None and missing.status_code == 200, f"an unknown case is a 200 business error: {missing}")
    raw = json.loads(missing.raw_content)
    check(raw.get("error_code") == "OSM.01010015", f"OSM.01010015 in the body: {raw}")
    limits = osm.list_case_limits(ListCaseLimitsRequest())
    check(limits.config is not None and isinstance(limits.config.create_case_ccemail_max_count, int), f"limits: {limits}")
    ok("show_case_status, list_case_counts, update_cases (press, close, unknown action), list_case_limits")


def case_records(osm):
    body = CreateOrderIncidentV2Req(business_type_id="1", simple_description="Records.",
                                    source_id="83aeb0f2834c4df49826c781d32a963e", remind_mail="ops@example.com")
    case = osm.create_cases(CreateCasesRequest(body=body)).incident_id
    carried = upload(osm, "taken-back.png")
    message = CreateMessageV2Req(message=CreateMessageDoV2(content="Wrong case, sorry.", accessory_ids=[carried]))
    osm.create_messages(CreateMessagesRequest(case_id=case, body=message))
    info = osm.show_case_detail(ShowCaseDetailRequest(case_id=case)).incident_detail_info
    check(info.ext_info.remind_mail == "ops@example.com", f"create_cases keeps remind_mail: {info.ext_info}")
    opening, wrong = info.message_list[0].message_id, info.message_list[1].message_id

    revoked = osm.revoke_message(RevokeMessageRequest(case_id=case, message_id=wrong))
    check(revoked.status_code == 200 and not revoked.error_code, f"revoke_message: {revoked}")
    listed = osm.list_messages(ListMessagesRequest(case_id=case, offset=0, limit=10))
    check(listed.count == 1 and [m.content for m in listed.message_list] == ["Records."],
          f"a withdrawn message leaves the list: {listed}")
    try:
        osm.download_images(DownloadImagesRequest(accessory_id=carried))
        check(False, "the withdrawn message's accessory is gone")
    except ClientRequestException as e:
        check(e.status_code == 404, f"its accessory is gone: {e}")
    # The same signed POST again within its second would be refused as a replay.
    time.sleep(1.1)
    for message_id, code in [(wrong, "OSM.01010014"), (opening, "OSM.01010002"),
                             ("00000000-0000-7000-8000-000000000000", "OSM.01010001")]:
        refused = osm.revoke_message(RevokeMessageRequest(case_id=case, message_id=message_id))
        check(refused.status_code == 200 and refused.error_code == code, f"{code} for {message_id}: {refused}")
    ok("revoke_message: the message and its accessory leave; again, the description, unknown ids are business errors")

    contact = UpdateCaseContactInfoReq(area_code="49", remind_mobile="15112345678", remind_time="09:00-18:00")
    changed = osm.update_case_contact_info(UpdateCaseContactInfoRequest(case_id=case, body=contact))
    check(changed.status_code == 200 and not changed.error_code, f"update_case_contact_info: {changed}")
    ext = osm.show_case_detail(ShowCaseDetailRequest(case_id=case)).incident_detail_info.ext_info
    check((ext.area_code, ext.remind_mobile, ext.remind_mail, ext.remind_time)
          == ("49", "15112345678", "ops@example.com", "09:00-18:00"), f"ext_info after the change: {ext}")
    ok("update_case_contact_info: the fields sent replace, the others stay, in ext_info")

    logs = osm.list_case_operate_logs(ListCaseOperateLogsRequest(case_id=case, offset=0, limit=100))
    found = logs.incident_operate_log_list
    check(logs.total_count == 5 and [log.operate_type for log in found] == [1, 2, 7, 11, 12],
          f"opened, message, accessory, withdrawn, contact: {logs}")
    for log in found:
        check(isinstance(log.timestamp_operate_time, datetime.datetime), f"a date-time: {log}")
        check(log.incident_id == case and log.operator_type == 0 and log.operator_name and log.operate_desc,
              f"log fields: {log}")
    page = osm.list_case_operate_logs(ListCaseOperateLogsRequest(case_id=case, offset=1, limit=2))
    check(page.total_count == 5 and [log.operate_type for log in page.incident_operate_log_list] == [2, 7],
          f"offset/limit: {page}")
    ok("list_case_operate_logs: every change in order, offset/limit")

    cc = osm.list_case_cc_emails(ListCaseCcEmailsRequest())
    check(cc.mc_email_infos == [] and cc.cc_email_info.cc_email == "", f"no carbon copies: {cc}")
    ok("list_case_cc_emails: none")

    # This server sets no hourly case quota (tests/huawei_case_records.rs sets one).
    quotas = osm.list_case_quotas(ListCaseQuotasRequest(business_type_id="1"))
    check(quotas.status_code == 200 and quotas.total is None and quotas.un_used is None, f"no quota: {quotas}")
    ok("list_case_quotas: no numbers without a quota")


def walk(osm):
    made = set()
    for i in range(CASES):
        body = CreateOrderIncidentV2Req(business_type_id="1", simple_description=f"Case {i}",
                                        source_id="83aeb0f2834c4df49826c781d32a963e")
        made.add(osm.create_cases(CreateCasesRequest(body=body)).incident_id)
    seen, offset = [], 0
    while True:
        page = osm.list_cases(ListCasesRequest(offset=offset, limit=100))
        check(isinstance(page.total_count, int), f"total_count: {page.total_count!r}")
        seen += [c.incident_id for c in page.incident_info_list or []]
        for c in page.incident_info_list or []:
            check(isinstance(c.create_time, datetime.datetime), f"create_time: {c.create_time!r}")
        offset += len(page.incident_info_list or [])
        if not page.incident_info_list or offset >= page.total_count:
            break
    check(len(seen) == len(set(seen)), "no case twice")
    check(made <= set(seen), f"every case seen: {len(made - set(seen))} missing")
    ok(f"list_cases offset/limit walk: {len(seen)} cases, each once")
    oldest = seen[-1]
    one = osm.list_cases(ListCasesRequest(incident_id=oldest, offset=0, limit=10))
    check(one.total_count == 1 and [c.incident_id for c in one.incident_info_list] == [oldest],
          f"incident_id finds a case on any page: {one.total_count} {one.incident_info_list}")
    ok("list_cases incident_id filter")


def accessories(osm):
    gone = upload(osm, "gone.png")
    resp = osm.delete_accessories(DeleteAccessoriesRequest(accessory_id=gone))
    check(resp.status_code == 200 and not resp.error_code, f"delete_accessories answers 200: {resp}")
    ok("delete_accessories (200)")


if __name__ == "__main__":
    osm = client()
    case = case_and_messages(osm)
    status_and_actions(osm, case)
    accessories(osm)
    case_records(osm)
    walk(osm)
    print("all Huawei OSM conformance steps passed")
