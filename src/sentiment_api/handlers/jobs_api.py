"""The jobs API function (``JobsFunction``): analyse a whole file over HTTPS, no AWS console.

- ``POST /jobs`` ``{"filename": "reviews.csv", "size": 52817, "text_column": "review", ...}``
  → 201 with the job id and a presigned S3 PUT URL (valid 15 minutes, bound to the file's
  size and Content-Type, single use) for the upload to ``input/<job id>/<filename>``, which
  starts the sentiment job (:mod:`sentiment_api.handlers.jobs`).
- ``GET /jobs/{job_id}`` → the job's status (``WAITING_FOR_UPLOAD``, ``QUEUED``,
  ``IN_PROGRESS``, ``COMPLETED``, ``FAILED``, ``CANCELLED``), its summary once it has started,
  its progress while it runs in byte ranges, and when it is completed a presigned GET URL of
  the results. Only for the API key that created it.
- ``DELETE /jobs/{job_id}`` → cancels it (a job fanned out: its execution stopped).

An entry point only: it screens the event, hands the resolver (:mod:`sentiment_api.jobs.app`) a
:class:`~sentiment_api.jobs.storage.JobStore` over this module's S3 client, and answers. A
function of its own, so that only it pays boto3's import on a cold start; the sentiment API
function never imports boto3.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from sentiment_api.errors import DomainError
from sentiment_api.http import cors
from sentiment_api.http.errors import rejected_response
from sentiment_api.http.proxy import screen_post_body, strip_base_path
from sentiment_api.jobs.app import app
from sentiment_api.jobs.executions import Executions
from sentiment_api.jobs.settings import get_job_settings
from sentiment_api.jobs.storage import JobStore
from sentiment_api.jobs.tracing import tracer
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import get_settings

MAX_BODY_LENGTH = 16_000
"""The longest request body read, in characters: a job of one file is well under 1 KB, one
of :data:`~sentiment_api.jobs.settings.MAX_FILES_PER_JOB_LIMIT` files with names of 30
characters about 15 KB (under the web ACL's 16 KB body rule)."""

_ENDPOINT_OVERRIDDEN = bool(
    os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
)
s3 = boto3.client(
    "s3",
    config=Config(
        signature_version="s3v4",
        retries={"mode": "standard"},
        # Virtual-hosted style named explicitly: botocore then presigns on the bucket's regional
        # endpoint, not on the legacy global one (<bucket>.s3.amazonaws.com), which answers a
        # new bucket outside us-east-1 with a 307 redirect for up to a day (breaking the
        # signature) and does not serve opt-in Regions at all. An endpoint override (a local
        # S3 for tests) keeps botocore's own choice, path style.
        s3=None if _ENDPOINT_OVERRIDDEN else {"addressing_style": "virtual"},
    ),
)
"""SigV4 presigning, so that the Content-Type is part of the upload URL's signature."""
sfn = boto3.client(
    "stepfunctions",
    region_name=s3.meta.region_name,  # the function's (Lambda sets AWS_REGION), as S3's
    config=Config(retries={"mode": "standard"}),
)
"""The jobs' state machine: a job fanned out's status, and its cancellation."""


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway proxy event (REST API, payload 1.0) with a proxy response.

    Never raises for bad input: every request error is a JSON 4xx from the error table
    (:mod:`sentiment_api.http.errors`);
    a body over :data:`MAX_BODY_LENGTH` characters is a 413 ``body_too_large`` unread, a
    base64 body that is not strict base64 a 400 ``invalid_base64``, and a POST body declared
    as anything but UTF-8 JSON is a 415 ``unsupported_media_type`` unparsed
    (Powertools would parse form and multipart bodies itself, a multipart one without a
    boundary into a 500, and would compare the media type case-sensitively). With
    ``CORS_ALLOW_ORIGIN`` set, every answer carries the CORS headers, as the API's do.
    """
    return cors.serve(get_settings().cors_allow_origin, event, lambda: _answer(event, context))


def _answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The proxy response to ``event``, before CORS: a rejection from the screen, or the
    resolver's. The custom domain's base path (``BASE_PATH``) is taken off the path first."""
    event = strip_base_path(event, get_settings().base_path)
    try:
        event = screen_post_body(event, MAX_BODY_LENGTH)
    except DomainError as exc:  # 413, 415, 400 (base64, UTF-8): screen_post_body
        return rejected_response(exc)
    settings = get_job_settings()
    executions = Executions(sfn, settings.state_machine_arn) if settings.state_machine_arn else None
    app.append_context(store=JobStore(s3, settings.bucket), executions=executions)
    return app.resolve(event, context)
