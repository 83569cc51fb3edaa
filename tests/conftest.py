"""Test setup. Powertools reads its environment when the handler module is imported, so the
variables the SAM template sets are set here, before any test imports it."""

import os

import pytest

from sentiment_api.settings import get_settings
from support import FakeLambdaContext, chromium

os.environ.update(
    {
        "POWERTOOLS_SERVICE_NAME": "sentiment-api",
        "POWERTOOLS_METRICS_NAMESPACE": "SentimentApi",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
)
SETTINGS_VARIABLES = (
    "MAX_TEXT_LENGTH",
    "MAX_BATCH_SIZE",
    "NEUTRAL_THRESHOLD",
    "ENGINE",
    "LANGUAGE_CHECK",
)
for name in SETTINGS_VARIABLES:
    os.environ.pop(name, None)


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are read once per process (``get_settings`` is cached): each test reads the
    environment as it finds it, and leaves no settings of its own behind."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def deployment(monkeypatch):
    """Set the deployment's settings for one test, as the template does: through environment
    variables. ``deployment(MAX_TEXT_LENGTH="10")``; unnamed ones take their defaults."""

    def configure(**variables: str) -> None:
        for name in SETTINGS_VARIABLES:
            if name in variables:
                monkeypatch.setenv(name, variables[name])
            else:
                monkeypatch.delenv(name, raising=False)
        get_settings.cache_clear()

    return configure


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def browser():
    """Headless Chromium driven by Selenium (:func:`support.chromium`), for the browser tests
    (marked ``browser``) of tests/integration and tests/e2e."""
    with chromium() as driver:
        yield driver
