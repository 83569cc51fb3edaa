"""An AWS CLI v1 plugin that sends this API's key with every ``aws comprehend`` request, so
that ``aws comprehend detect-sentiment --endpoint-url <the API's URL> ...`` works against the
Comprehend-compatible endpoint: the CLI has no option that adds a header.

Enable it in the CLI's config file (``~/.aws/config``, or the file ``$AWS_CONFIG_FILE`` names),
with this folder on ``PYTHONPATH`` (or this file installed next to awscli)::

    [plugins]
    sentiment_api_key = sentiment_api_key

The key is read from ``$SENTIMENT_API_KEY`` at each request; without it, requests go out as
before (and a deployment with keys answers 403). awscli loads plugins named in
``[plugins]`` and calls their ``awscli_initialize`` with its event emitter (awscli/plugin.py).
CLI v2 has only a "legacy" plugin mechanism (``cli_legacy_plugin_path``), not tested here.
Standard library only.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

KEY_VARIABLE = "SENTIMENT_API_KEY"


AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
"""Hosts of AWS's own endpoints: Amazon Comprehend itself, which the key is never sent to."""


def add_api_key(request: Any, **_: Any) -> None:
    """``before-sign.comprehend`` handler: the key as ``x-api-key`` on ``request`` (botocore's
    AWSRequest), on every attempt, signed or not; not to Amazon Comprehend's own endpoints (a
    plain ``aws comprehend ...`` without ``--endpoint-url``), so the plugin can stay on. An
    API on an execute-api host (``*.execute-api.<region>.amazonaws.com``) gets it."""
    key = os.environ.get(KEY_VARIABLE)
    host = (urlsplit(request.url).hostname or "").lower()
    aws_service = host.endswith(AWS_HOST_SUFFIXES) and ".execute-api." not in host
    if key and not aws_service:
        request.headers["x-api-key"] = key


def awscli_initialize(cli: Any) -> None:
    """The plugin's entry point: called by awscli with its session's event emitter."""
    cli.register("before-sign.comprehend", add_api_key)
