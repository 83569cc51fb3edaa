"""Test setup. Powertools reads its environment when the handler module is imported, so the
variables the SAM template sets are set here, before any test imports it."""

import os

os.environ.update(
    {
        "POWERTOOLS_SERVICE_NAME": "sentiment-api",
        "POWERTOOLS_METRICS_NAMESPACE": "SentimentApi",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
)
os.environ.pop("MAX_TEXT_LENGTH", None)

import pytest

from support import FakeLambdaContext


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
