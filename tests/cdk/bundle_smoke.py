"""Run in a subprocess by test_build.py: python -I -S bundle_smoke.py BUNDLE VENV_SITE HANDLER...

Imports each handler module from the Lambda bundle alone. Only what the Lambda runtime provides (boto3
and its dependencies) and the bundle's native extensions (built for CPython 3.12, this is 3.11) come
from the venv; anything else missing from the bundle fails the import. Then GET /api/health goes
through the API handler (Mangum) with an API Gateway REST event. Prints one JSON line.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import json
import sys
from types import ModuleType
from typing import Any

FROM_VENV = (
    "pydantic_core",
    "isal",
    "_cffi_backend",
    "cryptography",
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "six",
    "urllib3",
)


class VenvFinder(importlib.abc.MetaPathFinder):
    def __init__(self, site: str) -> None:
        self.site = site

    def find_spec(self, name: str, path: Any = None, target: ModuleType | None = None) -> Any:
        if path is None and name.split(".", maxsplit=1)[0] in FROM_VENV:
            return importlib.machinery.PathFinder.find_spec(name, [self.site])
        return None


class Context:
    aws_request_id = "smoke"
    function_name = "api"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:api"


HEALTH_EVENT = {
    "resource": "/api/health",
    "path": "/api/health",
    "httpMethod": "GET",
    "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com"},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {
        "resourcePath": "/api/health",
        "httpMethod": "GET",
        "path": "/prod/api/health",
        "stage": "prod",
        "identity": {"sourceIp": "127.0.0.1"},
        "requestId": "smoke",
    },
    "body": None,
    "isBase64Encoded": False,
}


def main() -> None:
    bundle, site, *handlers = sys.argv[1:]
    sys.meta_path.insert(0, VenvFinder(site))
    sys.path.insert(0, bundle)
    result: dict[str, Any] = {"imported": [], "health": None}
    for name in handlers:
        module = importlib.import_module(name)
        assert callable(module.handler), name
        result["imported"].append(name)
    if "api" in handlers:
        response = importlib.import_module("api").handler(HEALTH_EVENT, Context())
        result["health"] = {"status": response["statusCode"], "body": json.loads(response["body"])}
    result["outside_bundle"] = sorted(
        {
            n.split(".")[0]
            for n, m in sys.modules.items()
            if (getattr(m, "__file__", None) or "").startswith(site) and n.split(".")[0] not in FROM_VENV
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
