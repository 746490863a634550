"""Post-deploy grants Lambda: the `Custom::AmcDataUploadGrants` resource. After CloudFormation wrote the
artifact bucket policy, it writes the AMC statement of the stored instances back, then answers
CloudFormation at the pre-signed ResponseURL (always, so a deploy never waits for a timeout)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from amc_uploader.api.handlers import handle_deploy_event
from amc_uploader.api.logs import configure_logging

configure_logging()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        response = handle_deploy_event(event)
    except Exception as exc:  # settings or imports broken: still answer, or the deploy hangs for an hour
        response = {
            "Status": "FAILED",
            "Reason": f"AMC data-upload grants not restored: {type(exc).__name__}",
            "PhysicalResourceId": event.get("PhysicalResourceId") or "amc-data-upload-grants",
            **{k: event.get(k) for k in ("StackId", "RequestId", "LogicalResourceId")},
        }
    body = json.dumps(response).encode()
    # The pre-signed URL is signed without a content type: send none.
    request = urllib.request.Request(  # noqa: S310 (CloudFormation's https URL)
        str(event["ResponseURL"]), data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        answer.read()
    return response
