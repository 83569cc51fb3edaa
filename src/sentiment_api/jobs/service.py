"""The jobs API's logic: create a job, and tell its status (with the timeout rule) to its owner.

No HTTP and no pydantic here (:mod:`.routes` parses and answers), no engine (the jobs API
never analyses), and S3 only through :class:`.storage.JobStore`.

Ownership: a job's record keeps the API key id of the request that created it
(``requestContext.identity.apiKeyId``, which API Gateway sets when the method requires a key:
the key's id, not its secret value, so it is stored as is), or None without one. Only a request
with the same key id (None included, unless the deployment requires a key) sees the job; to
anyone else it does not exist (:class:`JobNotFoundError`, as an unknown id), so job ids cannot
be probed.

Jobs in flight: each owner (API key id, or the one anonymous owner) may have at most
``settings.max_jobs_per_key`` jobs created and not ended, counted from the in-flight markers
of :class:`.storage.JobStore` (``active/<owner>/<job id>``), which the sentiment job deletes
when the job ends. A marker whose job can no longer be in flight (its upload URL expired
unused, the job ended, or its event is older than Lambda keeps one) is not counted, and is
deleted.
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

from sentiment_api.errors import (
    ApiKeyRequiredError,
    InvalidFilenameError,
    JobNotFoundError,
    JobNotRunError,
    JobTimedOutError,
    TooManyJobsError,
    UnsupportedFormatError,
    UploadTooLargeError,
)
from sentiment_api.jobs import storage
from sentiment_api.jobs.formats import CONTENT_TYPES, file_format
from sentiment_api.jobs.settings import (
    MAX_EVENT_AGE_S,
    MIN_BYTES_PER_S,
    Detail,
    JobSettings,
    detail_of,
)
from sentiment_api.jobs.timestamps import epoch_seconds, iso_utc
from sentiment_api.settings import get_settings

UPLOAD_EXPIRY_S = 900
"""How long the upload URL works: 15 minutes."""
DOWNLOAD_EXPIRY_S = 600
"""How long the results URL works: 10 minutes (each status request makes a new one, and is
counted in the key's quota). S3 checks the expiry when a download starts, so a slow download
of a large file still finishes. The URL is a bearer token: anyone holding it may download
within that time, as often as they like (docs/security.md gives the egress it can cost)."""
RETRY_AFTER_S = 60
"""The ``Retry-After`` of a 429 ``too_many_jobs``, in seconds: a job of a typical file ends
within a minute (docs/jobs.md, "Memory and size")."""
TIMEOUT_GRACE_S = 60
"""A job ``IN_PROGRESS`` for longer than the job function's timeout plus this has died without
a word (its event is in the on-failure queue); one ``QUEUED`` for longer than
:data:`~sentiment_api.jobs.settings.MAX_EVENT_AGE_S` plus this never ran."""

_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_PRIVATE = ("api_key_id",)
"""Fields of a job record that no answer shows."""


def create_job(
    store: storage.JobStore,
    settings: JobSettings,
    *,
    filename: str,
    size: int,
    options: dict[str, Any],
    api_key_id: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record a new job and presign its single upload.

    Args:
        store: the job bucket.
        settings: the deployment's job settings.
        filename: the file's name; its extension sets the format.
        size: the file's exact size in bytes, at least 1: the upload must be exactly this.
        options: the job's options (``text_column``, ``neutral_threshold``, ``sentences``,
            ``explain``), those not given left out.
        api_key_id: the caller's API key id, None without one: the job's owner.

    Returns:
        ``(job, upload)``: the job's public fields (``job_id``, ``filename``, ``size``,
        ``input_key``, ``options``, ``created_at``) and ``{"url", "headers", "expires_at"}``,
        the presigned PUT and the headers it must carry exactly.

    Raises:
        ApiKeyRequiredError: ``settings.auth_required`` and no ``api_key_id``.
        InvalidFilenameError: a path, a hidden name, not .txt/.csv/.jsonl, or ``text_column``
            for a file that is not a .csv.
        UploadTooLargeError: ``size`` is over ``settings.max_file_bytes`` for the job's engine
            (its own, else the deployment's) and its ``sentences`` and ``explain``: the upload cap
            (``MAX_UPLOAD_BYTES``) or what one job reads before its timeout, whichever is
            smaller; the message names which.
        TooManyJobsError: the owner has ``settings.max_jobs_per_key`` jobs in flight already
            (429, ``Retry-After`` :data:`RETRY_AFTER_S`); nothing is created.
    """
    if settings.auth_required and api_key_id is None:
        raise ApiKeyRequiredError
    fmt = _format_of(filename)
    if options.get("text_column") is not None and fmt != "csv":
        raise InvalidFilenameError("text_column applies to .csv files only")
    engine = options.get("engine") or get_settings().engine
    detail = detail_of(bool(options.get("sentences")), bool(options.get("explain")))
    limit = settings.max_file_bytes(engine, detail)
    if size > limit:
        raise UploadTooLargeError(size, limit, _size_cap_source(settings, engine, detail))
    now = time.time()
    job_id = storage.new_job_id()
    _take_a_slot(store, settings, api_key_id, job_id, now)
    key = storage.input_key(job_id, filename)
    job = {
        "job_id": job_id,
        "filename": filename,
        "size": size,
        "input_key": key,
        "options": options,
        "created_at": iso_utc(now, "seconds"),
        "api_key_id": api_key_id,
    }
    store.put_job(job)
    content_type = CONTENT_TYPES[fmt]
    upload = {
        "url": store.presign_upload(key, content_type, size, UPLOAD_EXPIRY_S),
        # The signed headers, which the PUT must carry with these values.
        "headers": {
            "Content-Length": str(size),
            "Content-Type": content_type,
            "If-None-Match": "*",
        },
        "expires_at": iso_utc(now + UPLOAD_EXPIRY_S, "seconds"),
    }
    return _public(job), upload


def job_status(
    store: storage.JobStore,
    settings: JobSettings,
    job_id: str,
    *,
    api_key_id: str | None,
) -> dict[str, Any]:
    """The status of job ``job_id``, as its owner may see it.

    The status comes from what is in the bucket. No summary yet: ``WAITING_FOR_UPLOAD`` while
    the upload is not there, ``QUEUED`` once it is (its S3 event waits for the job function:
    throttled by its reserved concurrency, or about to start); but a job ``QUEUED`` for longer
    than :data:`~sentiment_api.jobs.settings.MAX_EVENT_AGE_S` plus :data:`TIMEOUT_GRACE_S`
    since the upload never ran (Lambda sent its event to the on-failure queue): ``FAILED``,
    ``code: not_run``. Then the summary's status, except that one ``IN_PROGRESS`` for longer
    than ``settings.job_timeout_s`` plus :data:`TIMEOUT_GRACE_S` is ``FAILED``,
    ``code: timed_out``. (A ``FAILED`` of the API's own, ``not_run`` or ``timed_out``, is
    not written to the bucket: if the job does run later, its own summary is what is shown.)

    Returns:
        the job's public fields (see :func:`create_job`) with ``status``, ``summary`` (None
        before the job starts, but for ``not_run``: ``{"status", "code", "reason", "input"}``)
        and ``results`` (``{"url", "expires_at"}`` when ``COMPLETED``,
        else None).

    Raises:
        JobNotFoundError: the id is malformed, no job has it, or the caller's key id is not
            the job's (or is None while the deployment requires a key).
    """
    if not storage.JOB_ID.fullmatch(job_id):
        raise JobNotFoundError
    if settings.auth_required and api_key_id is None:
        raise JobNotFoundError
    job = store.get_job(job_id)
    # .get: a record written before jobs were owned has no key id, as a job created without one
    if job is None or job.get("api_key_id") != api_key_id:
        raise JobNotFoundError
    summary = store.get_summary(job["input_key"])
    now = time.time()
    if summary is None:
        status, summary = _before_the_run(store, job["input_key"], now)
    else:
        status = summary["status"]
    if (
        summary is not None
        and status == "IN_PROGRESS"
        and _started(summary) + settings.job_timeout_s + TIMEOUT_GRACE_S < now
    ):
        status = "FAILED"
        summary = {
            **summary,
            "status": status,
            "code": JobTimedOutError.code,
            "reason": (
                f"The job did not finish within the function's {settings.job_timeout_s} s timeout"
            ),
        }
    results = None
    if status == "COMPLETED":
        results = {
            "url": store.presign_results(job["input_key"], DOWNLOAD_EXPIRY_S),
            "expires_at": iso_utc(now + DOWNLOAD_EXPIRY_S, "seconds"),
        }
    return {**_public(job), "status": status, "summary": summary, "results": results}


def _take_a_slot(
    store: storage.JobStore,
    settings: JobSettings,
    api_key_id: str | None,
    job_id: str,
    now: float,
) -> None:
    """Mark job ``job_id`` in flight for its owner, then count the owner's jobs in flight; over
    the limit, take the mark back and refuse. Marking first makes concurrent requests safe:
    each counts the others' marks, so together they never pass the limit (at worst both are
    refused, and retry).

    Raises:
        TooManyJobsError: more than ``settings.max_jobs_per_key`` with this one.
    """
    store.mark_in_flight(api_key_id, job_id)
    others = [
        other
        for other, marked in store.in_flight(api_key_id).items()
        if other != job_id and _still_in_flight(store, settings, api_key_id, other, marked, now)
    ]
    if len(others) >= settings.max_jobs_per_key:
        store.clear_in_flight(api_key_id, job_id)
        raise TooManyJobsError(len(others), settings.max_jobs_per_key, RETRY_AFTER_S)


def _still_in_flight(
    store: storage.JobStore,
    settings: JobSettings,
    api_key_id: str | None,
    job_id: str,
    marked: float,
    now: float,
) -> bool:
    """Whether the job of an in-flight marker written at ``marked`` (Unix seconds) may still
    be in flight; a marker whose job cannot be is deleted.

    In flight: marked within the upload URL's life (plus :data:`TIMEOUT_GRACE_S`), so its upload
    may still come; or uploaded, not ended (no ``COMPLETED`` or ``FAILED`` summary), and
    uploaded within :data:`~sentiment_api.jobs.settings.MAX_EVENT_AGE_S` plus the job timeout
    plus :data:`TIMEOUT_GRACE_S`, after which its event cannot run any more.
    """
    if marked + UPLOAD_EXPIRY_S + TIMEOUT_GRACE_S >= now:
        return True
    job = store.get_job(job_id)
    upload = store.head_input(job["input_key"]) if job is not None else None
    if job is not None and upload is not None:
        summary = store.get_summary(job["input_key"])
        ended = summary is not None and summary.get("status") in ("COMPLETED", "FAILED")
        deadline = upload["last_modified"] + MAX_EVENT_AGE_S + settings.job_timeout_s
        if not ended and deadline + TIMEOUT_GRACE_S >= now:
            return True
    store.clear_in_flight(api_key_id, job_id)
    return False


def _before_the_run(
    store: storage.JobStore, key: str, now: float
) -> tuple[str, dict[str, Any] | None]:
    """The status, and summary, of a job whose run has written no summary."""
    upload = store.head_input(key)
    if upload is None:
        return "WAITING_FOR_UPLOAD", None
    if upload["last_modified"] + MAX_EVENT_AGE_S + TIMEOUT_GRACE_S >= now:
        return "QUEUED", None
    return "FAILED", {
        "status": "FAILED",
        "code": JobNotRunError.code,
        "reason": (
            f"The job did not start within {MAX_EVENT_AGE_S // 3600} hours of the upload (the "
            "job function was busy); its event went to the on-failure queue. Create a new job"
        ),
        "input": {"key": key, "size": upload["size"], "etag": upload["etag"]},
    }


def _size_cap_source(settings: JobSettings, engine: str, detail: Detail) -> str:
    if settings.max_job_bytes(engine, detail) < settings.max_upload_bytes:
        options = "" if detail == "plain" else f" with {detail}"
        return (
            f"the most one job reads in the job function's {settings.job_timeout_s} s timeout, "
            f"at {MIN_BYTES_PER_S[engine, detail]} bytes/s, the {engine} engine's worst "
            f"case{options}"
        )
    return "MAX_UPLOAD_BYTES, the deployment's upload cap"


def _format_of(filename: str) -> str:
    fmt = None
    if _FILENAME.fullmatch(filename) and ".." not in filename:
        with contextlib.suppress(UnsupportedFormatError):
            fmt = file_format(filename)
    if fmt is None:
        raise InvalidFilenameError(
            "The filename must be a plain file name (letters, digits, '.', '_', '-'; up to "
            "200 characters) ending in .txt, .csv or .jsonl"
        )
    return fmt


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in job.items() if name not in _PRIVATE}


def _started(summary: dict[str, Any]) -> float:
    return epoch_seconds(summary["started_at"])
