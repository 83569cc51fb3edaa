"""The jobs API function (``JobsFunction``): analyse a whole file over HTTPS, no AWS console.

- ``POST /jobs`` ``{"filename": "reviews.csv", "text_column": "review", ...options}`` → 201
  with the job id and a presigned S3 PUT URL (valid :data:`UPLOAD_EXPIRY_S`, bound to the
  file's Content-Type) for the upload to ``input/<job id>/<filename>``, which starts the
  sentiment job (:mod:`sentiment_api.handlers.jobs`).
- ``GET /jobs/{job_id}`` → the job's status (``WAITING_FOR_UPLOAD``, ``IN_PROGRESS``,
  ``COMPLETED``, ``FAILED``), its summary once it has started, and when it is completed a
  presigned GET URL of the results (valid :data:`DOWNLOAD_EXPIRY_S`).

A function of its own, so that only it pays boto3's import on a cold start; the sentiment API
function never imports boto3. It reads and writes job records under ``jobs/``, presigns puts
under ``input/`` and reads summaries and presigns gets under ``output/`` (see ``storage.py``).
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from sentiment_api import storage
from sentiment_api.error_answers import rejected_response
from sentiment_api.errors import (
    BodyTooLargeError,
    InvalidFilenameError,
    JobNotFoundError,
    NoBodyError,
    UnsupportedMediaTypeError,
)
from sentiment_api.formats import CONTENT_TYPES, format_of
from sentiment_api.models.jobs import JobRequest, JobResponse, JobResults, JobUpload
from sentiment_api.observability import logger, metrics
from sentiment_api.routes.errors import install_error_handlers
from sentiment_api.timestamps import iso_utc
from sentiment_api.web import base_path, screen_post_body

BUCKET = os.environ.get("JOB_BUCKET", "")
"""The job bucket's name (the template sets it)."""
JOB_TIMEOUT_S = int(os.environ.get("JOB_TIMEOUT_SECONDS", "900"))
"""The sentiment job function's timeout: a job ``IN_PROGRESS`` for longer than this (plus a
minute) has died without a word (its event is in the on-failure queue), and is ``FAILED``."""
UPLOAD_EXPIRY_S = 900
"""How long the upload URL works: 15 minutes."""
DOWNLOAD_EXPIRY_S = 3600
"""How long the results URL works: 1 hour (each GET /jobs/{job_id} makes a new one)."""
MAX_BODY_LENGTH = 4096
"""The longest request body read, in characters; a valid one is well under 1 KB."""

_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_ALLOWED_METHODS = {"/jobs": ("POST",), "/jobs/{job_id}": ("GET",)}

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

app = APIGatewayRestResolver(enable_validation=True)
install_error_handlers(
    app,
    _ALLOWED_METHODS,
    missing_body=NoBodyError('No request body; send {"filename": ...}'),
)


@app.post("/jobs", summary="Create a job: get a URL to upload a file to analyse")
def create_job(request: JobRequest) -> Response[JobResponse]:
    """Record a new job and presign its upload.

    Raises:
        InvalidFilenameError: a path, a hidden name, or not .txt, .csv or .jsonl (400).
    """
    fmt = _format_of(request.filename)
    if request.text_column is not None and fmt != "csv":
        raise InvalidFilenameError("text_column applies to .csv files only")
    job_id = storage.new_job_id()
    key = storage.input_key(job_id, request.filename)
    content_type = CONTENT_TYPES[fmt]
    job = {
        "job_id": job_id,
        "filename": request.filename,
        "input_key": key,
        "options": {
            name: value
            for name, value in request.model_dump(exclude={"filename"}).items()
            if value is not None
        },
        "created_at": iso_utc(time.time(), "seconds"),
    }
    storage.put_json(s3, BUCKET, storage.job_key(job_id), job)
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": BUCKET, "Key": key, "ContentType": content_type},
        ExpiresIn=UPLOAD_EXPIRY_S,
        HttpMethod="PUT",
    )
    upload = JobUpload(
        url=url,
        headers={"Content-Type": content_type},
        expires_at=iso_utc(time.time() + UPLOAD_EXPIRY_S, "seconds"),
    )
    logger.info("Job created", extra={"job_id": job_id, "input_key": key})
    body = JobResponse(status="WAITING_FOR_UPLOAD", upload=upload, **job)
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump(mode="json"),
        headers={"Location": f"{_stage_path()}/jobs/{job_id}"},
    )


@app.get("/jobs/<job_id>", summary="The status of a job, and its results when done")
def get_job(job_id: Annotated[str, Path(description="The job id POST /jobs gave.")]) -> JobResponse:
    """The job's status, derived from what is in the bucket: no summary yet means the file
    has not been uploaded (or the job has not started, within a second of the upload).

    Raises:
        JobNotFoundError: the id is malformed, or no job has it (404).
    """
    if not storage.JOB_ID.fullmatch(job_id):
        raise JobNotFoundError
    job = storage.get_json(s3, BUCKET, storage.job_key(job_id))
    if job is None:
        raise JobNotFoundError
    results_key, summary_key = storage.output_keys(job["input_key"])
    summary = storage.get_json(s3, BUCKET, summary_key)
    status = "WAITING_FOR_UPLOAD" if summary is None else summary["status"]
    if status == "IN_PROGRESS" and _started(summary) + JOB_TIMEOUT_S + 60 < time.time():
        status = "FAILED"
        summary = {
            **summary,
            "status": status,
            "code": "timed_out",
            "reason": f"The job did not finish within the function's {JOB_TIMEOUT_S} s timeout",
        }
    results = None
    if status == "COMPLETED":
        url = s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": BUCKET, "Key": results_key},
            ExpiresIn=DOWNLOAD_EXPIRY_S,
        )
        results = JobResults(
            url=url, expires_at=iso_utc(time.time() + DOWNLOAD_EXPIRY_S, "seconds")
        )
    return JobResponse(status=status, summary=summary, results=results, **job)


def _format_of(filename: str) -> str:
    fmt = format_of(filename)
    if not _FILENAME.fullmatch(filename) or ".." in filename or fmt is None:
        raise InvalidFilenameError(
            "The filename must be a plain file name (letters, digits, '.', '_', '-'; up to "
            "200 characters) ending in .txt, .csv or .jsonl"
        )
    return fmt


def _started(summary: dict[str, Any]) -> float:
    return datetime.fromisoformat(summary["started_at"]).timestamp()


def _stage_path() -> str:
    return base_path(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway proxy event (REST API, payload 1.0) with a proxy response.

    Never raises for bad input: every request error is a JSON 4xx (see ``responses.py``);
    a body over :data:`MAX_BODY_LENGTH` characters is a 413 ``body_too_large`` unread, and a
    POST body declared as anything but JSON is a 415 ``unsupported_media_type`` unparsed
    (Powertools would parse form and multipart bodies itself, a multipart one without a
    boundary into a 500, and would compare the media type case-sensitively).
    """
    try:
        event = screen_post_body(event, MAX_BODY_LENGTH)
    except (BodyTooLargeError, UnsupportedMediaTypeError) as exc:
        return rejected_response(exc)
    return app.resolve(event, context)
