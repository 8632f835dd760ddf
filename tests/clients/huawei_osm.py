#!/usr/bin/env python3
"""Drive attache's Huawei OSM compatible API with the official Huawei Cloud Python SDK.

Only the unmodified SDK talks to the server (no hand-made headers or signatures);
the one plain HTTP request is the fetch of a returned access URL.

    python3 -m venv /tmp/hwsdk && /tmp/hwsdk/bin/pip install huaweicloudsdkosm
    ATTACHE_URL=http://127.0.0.1:8080 ATTACHE_AK=... ATTACHE_SK=... \
        /tmp/hwsdk/bin/python tests/clients/huawei_osm.py

ATTACHE_DOMAIN_ID is optional (the SDK then sends a fixed dummy X-Domain-Id).
Prints one line per step; exits non-zero on the first failure.
Note: importing the SDK creates ~/.huaweicloud/application_id (used in its User-Agent).
"""
import base64
import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request

from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkosm.v2 import (
    AccessoryJsonFormatReq, CreateCasesRequest, CreateOrderIncidentV2Req, DeleteAccessoriesRequest,
    DownloadAccessoriesRequest, ListAccessoryAccessUrlsRequest, OsmClient, ShowAccessoryLimitsRequest,
    ShowCaseDetailRequest, ShowDownloadAccessoryUrlRequest, UploadAccessoryRequest,
    UploadAccessoryRequestBody, UploadJsonAccessoriesRequest)

# A valid 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
TEXT = "hello from the Huawei OSM SDK \u2713\n".encode("utf-8")
SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"  # the fixed source_id documented by the SDK


class Failure(Exception):
    """A check on a response failed."""


def env(name, default=None):
    value = os.environ.get(name, default)
    return value or sys.exit("huawei_osm: environment variable %s is required" % name)


BASE_URL = env("ATTACHE_URL").rstrip("/")
AK, SK = env("ATTACHE_AK"), env("ATTACHE_SK")
DOMAIN_ID = env("ATTACHE_DOMAIN_ID", "0123456789abcdef0123456789abcdef")


def make_client(sk):
    # Explicit endpoint, no region: the SDK never calls IAM; it sends and signs X-Domain-Id.
    config = HttpConfig.get_default_config()
    config.timeout = (10, 30)
    return (OsmClient.new_builder()
            .with_http_config(config)
            .with_credentials(GlobalCredentials(AK, sk, DOMAIN_ID))
            .with_endpoints([BASE_URL])
            .build())


def check(cond, message):
    if not cond:
        raise Failure(message)


def fetch(url):
    """Plain GET of an access URL (which must work without SDK signing)."""
    with urllib.request.urlopen(urllib.parse.urljoin(BASE_URL + "/", url), timeout=30) as r:
        return r.read()


def download_bytes(client, accessory_id):
    resp = client.download_accessories(DownloadAccessoriesRequest(accessory_id=accessory_id))
    chunks = []
    resp.consume_download_stream(lambda r: chunks.append(r.content))
    return resp.status_code, b"".join(chunks)


def main():
    client = make_client(SK)
    state = {}

    def limits():
        lim = client.show_accessory_limits(ShowAccessoryLimitsRequest()).accessory_limit
        check(lim is not None, "response has no accessory_limit")
        check(all(isinstance(v, str) and v for v in (lim.limit_count, lim.limit_size, lim.limit_file_type)),
              "limit_count/limit_size/limit_file_type must be non-empty strings, got %s" % lim)
        return "count=%s size=%sM types=%s" % (lim.limit_count, lim.limit_size, lim.limit_file_type)

    def upload_form(tmp):
        path = os.path.join(tmp, "pixel.png")
        with open(path, "wb") as f:
            f.write(PNG)
        form_data = json.dumps({"fileName": "pixel.png", "accessoryFrom": "incident", "uploadType": 0})
        body = UploadAccessoryRequestBody(file=FormFile(path), form_data=form_data)
        resp = client.upload_accessory(UploadAccessoryRequest(body=body))
        check(isinstance(resp.accessory_id, str) and resp.accessory_id, "no accessory_id in %s" % resp)
        state["png"] = resp.accessory_id
        return "accessory_id=%s" % resp.accessory_id

    def upload_json(key, name, data):
        body = AccessoryJsonFormatReq(accessory_name=name, accessory_from="incident", upload_type=0,
                                      accessory_data=base64.b64encode(data).decode("ascii"))
        resp = client.upload_json_accessories(UploadJsonAccessoriesRequest(body=body))
        check(isinstance(resp.accessory_id, str) and resp.accessory_id, "no accessory_id in %s" % resp)
        state[key] = resp.accessory_id
        return "accessory_id=%s" % resp.accessory_id

    def single_url():
        resp = client.show_download_accessory_url(
            ShowDownloadAccessoryUrlRequest(accessory_id=state["png"], relation_type="DEFAULT"))
        check(resp.accessory_url, "no accessory_url in %s" % resp)
        got = fetch(resp.accessory_url)
        check(got == PNG, "GET %s returned %d bytes, not the uploaded PNG" % (resp.accessory_url, len(got)))
        return "fetched %d bytes from %s" % (len(got), resp.accessory_url)

    def batch_urls():
        ids = [state["png"], state["txt"]]
        resp = client.list_accessory_access_urls(ListAccessoryAccessUrlsRequest(accessory_ids=ids))
        urls = {u.accessory_id: u for u in (resp.accessory_urls or [])}
        check(set(urls) == set(ids), "expected urls for %s, got %s" % (ids, resp))
        check(urls[state["txt"]].accessory_name == "note.txt", "txt accessory_name is %r"
              % urls[state["txt"]].accessory_name)
        check(all(u.accessory_url for u in urls.values()), "empty accessory_url in %s" % resp)
        url = urls[state["txt"]].accessory_url
        check(fetch(url) == TEXT, "GET %s did not return the uploaded text" % url)
        return "%d urls, text fetched" % len(urls)

    def download():
        for key, want in (("png", PNG), ("txt", TEXT)):
            status, got = download_bytes(client, state[key])
            check(status == 200, "download of %s: HTTP %s" % (key, status))
            check(got == want, "download of %s: %d bytes differ from the upload" % (key, len(got)))
        return "png and txt bytes match"

    def create_case():
        body = CreateOrderIncidentV2Req(business_type_id="1", simple_description="SDK compatibility test",
                                        source_id=SOURCE_ID, accessory_ids=[state["png"], state["txt"]])
        resp = client.create_cases(CreateCasesRequest(body=body))
        check(isinstance(resp.incident_id, str) and resp.incident_id, "no incident_id in %s" % resp)
        state["case"] = resp.incident_id
        return "incident_id=%s" % resp.incident_id

    def show_case():
        info = client.show_case_detail(ShowCaseDetailRequest(case_id=state["case"])).incident_detail_info
        check(info is not None, "response has no incident_detail_info")
        check(info.incident_id == state["case"], "incident_id %r != %r" % (info.incident_id, state["case"]))
        check(info.simple_description == "SDK compatibility test",
              "simple_description is %r" % info.simple_description)
        return "incident_id=%s status=%s" % (info.incident_id, info.status)

    def delete():
        resp = client.delete_accessories(DeleteAccessoriesRequest(accessory_id=state["tmp"]))
        check(resp.status_code in (200, 204), "delete: HTTP %s" % resp.status_code)
        try:
            download_bytes(client, state["tmp"])
        except ServiceResponseException as e:
            check(e.status_code == 404, "download after delete: HTTP %s, want 404" % e.status_code)
            return "deleted %s; download now 404 (%s)" % (state["tmp"], e.error_code)
        raise Failure("download after delete still succeeded")

    def wrong_sk():
        bad = make_client(SK + "-wrong")
        try:
            bad.show_accessory_limits(ShowAccessoryLimitsRequest())
        except ServiceResponseException as e:
            check(e.status_code == 401, "wrong SK gave HTTP %s, want 401 (%s)" % (e.status_code, e))
            check(e.error_code and e.error_msg, "401 without error_code/error_msg: %s" % e)
            return "HTTP 401 error_code=%s request_id=%s" % (e.error_code, e.request_id)
        raise Failure("request signed with a wrong SK succeeded")

    with tempfile.TemporaryDirectory() as tmp:
        steps = [
            ("show_accessory_limits", limits),
            ("upload_accessory (form-data png)", lambda: upload_form(tmp)),
            ("upload_json_accessories (base64 txt)", lambda: upload_json("txt", "note.txt", TEXT)),
            ("upload_json_accessories (to delete)", lambda: upload_json("tmp", "delete-me.txt", b"bye\n")),
            ("show_download_accessory_url + fetch", single_url),
            ("list_accessory_access_urls + fetch", batch_urls),
            ("download_accessories", download),
            ("create_cases", create_case),
            ("show_case_detail", show_case),
            ("delete_accessories", delete),
            ("wrong SK is rejected", wrong_sk),
        ]
        for name, fn in steps:
            try:
                print("ok   %-40s %s" % (name, fn()), flush=True)
            except Failure as e:
                sys.exit("FAIL %s: %s" % (name, e))
            except ServiceResponseException as e:
                sys.exit("FAIL %s: HTTP %s error_code=%s error_msg=%s request_id=%s"
                         % (name, e.status_code, e.error_code, e.error_msg, e.request_id))
            except Exception as e:  # connection errors, SDK exceptions, bad JSON ...
                sys.exit("FAIL %s: %s: %s" % (name, type(e).__name__, e))
    print("all Huawei OSM SDK steps passed")


if __name__ == "__main__":
    main()
