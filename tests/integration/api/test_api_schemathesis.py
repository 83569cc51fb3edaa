"""Schemathesis against the OpenAPI document the function serves, in-process.

Schemathesis reads ``GET /openapi.json`` and sends what it generates from it, valid and
invalid (negative data), to the handler through a WSGI shim shaped like ``sam local
start-api``. Fixed seed, bounded cases. The same checks run against the container in
``tests/e2e/test_sam_local.py``.
"""

import schemathesis
from hypothesis import HealthCheck, settings

from sentiment_api.handlers import api
from support import schemathesis_checks, schemathesis_comprehend_media_type, wsgi_app

schemathesis_comprehend_media_type()
schema = schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app(api.lambda_handler))


@schema.parametrize()
@settings(
    max_examples=150,
    derandomize=True,  # a fixed seed: the same cases on every run
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_own_openapi_document(case):
    case.call_and_validate(checks=schemathesis_checks())
