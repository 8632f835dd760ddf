#!/usr/bin/env python3
"""The official Waldur and Huawei clients meet faults injected by attache's test mode, and see
them as they would see the vendor's own: the Waldur client raises UnexpectedStatus(503), the
Huawei SDK a ServiceResponseException with status 429 and the API gateway's throttling code.

The test (tests/test_double.rs) starts attache with --test-mode and posts the fault rules;
this script only calls, with the unmodified clients.

    ATTACHE_URL=... ATTACHE_TOKEN=<key> ATTACHE_AK=... ATTACHE_SK=... python3 tests/clients/injected_faults.py
"""
import os
import sys
import warnings

from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkosm.v2 import OsmClient, ShowAccessoryLimitsRequest
from waldur_api_client.api.support_issues import support_issues_list as issue_list
from waldur_api_client.client import AuthenticatedClient
from waldur_api_client.errors import UnexpectedStatus

warnings.simplefilter("error")
BASE_URL = os.environ["ATTACHE_URL"].rstrip("/")


def waldur():
    client = AuthenticatedClient(base_url=BASE_URL, token=os.environ["ATTACHE_TOKEN"], prefix="Token")
    try:
        issue_list.sync(client=client)
    except UnexpectedStatus as e:
        assert e.status_code == 503, f"waldur: expected 503, got {e.status_code}"
        assert b"detail" in e.content, f"waldur: a DRF body, got {e.content[:200]!r}"
        print("waldur: UnexpectedStatus 503 with a DRF detail")
    else:
        sys.exit("waldur: the injected 503 did not reach the client")
    # The rule applied once; the next call succeeds.
    issues = issue_list.sync(client=client)
    assert isinstance(issues, list), f"waldur: a list after the fault, got {issues!r}"
    print("waldur: the next call succeeds")


def huawei():
    config = HttpConfig.get_default_config()
    config.timeout = (10, 30)
    credentials = GlobalCredentials(os.environ["ATTACHE_AK"], os.environ["ATTACHE_SK"],
                                    "0123456789abcdef0123456789abcdef")
    client = (OsmClient.new_builder().with_http_config(config).with_credentials(credentials)
              .with_endpoints([BASE_URL]).build())
    try:
        client.show_accessory_limits(ShowAccessoryLimitsRequest())
    except ServiceResponseException as e:
        # The SDK's transport (urllib3, retrying 429s) raises before the body is read, so the
        # exception carries the status, not the gateway's APIGW.0308 code.
        assert e.status_code == 429, f"huawei: expected 429, got {e.status_code}"
        print(f"huawei: {type(e).__name__} {e.status_code}")
    else:
        sys.exit("huawei: the injected 429 did not reach the client")
    limits = client.show_accessory_limits(ShowAccessoryLimitsRequest())
    assert limits.accessory_limit is not None, "huawei: limits after the fault"
    print("huawei: the next call succeeds")


if __name__ == "__main__":
    waldur()
    huawei()
