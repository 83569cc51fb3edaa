"""Fixtures of the Comprehend-compatible endpoint's in-process tests: an AWS environment that
reads nothing of the machine's, and the Lambda handler served over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from comprehend_support import LocalApi, isolate_aws, local_api


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path)


@pytest.fixture
def no_sleep(monkeypatch):
    """botocore waits between attempts (endpoint.py's time.sleep); a retry test need not."""
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda seconds: None)


@pytest.fixture
def api() -> Iterator[LocalApi]:
    """The API function's handler (the real one), served over HTTP on 127.0.0.1."""
    from sentiment_api.handlers import api as handler

    with local_api(handler.lambda_handler) as served:
        yield served
