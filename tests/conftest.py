"""Test setup. Powertools reads its environment when the handler module is imported, so the
variables the SAM template sets are set here, before any test imports it."""

import os

import pytest

from support import FakeLambdaContext

os.environ.update(
    {
        "POWERTOOLS_SERVICE_NAME": "sentiment-api",
        "POWERTOOLS_METRICS_NAMESPACE": "SentimentApi",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
)
for name in ("MAX_TEXT_LENGTH", "MAX_BATCH_SIZE", "NEUTRAL_THRESHOLD"):
    os.environ.pop(name, None)


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
