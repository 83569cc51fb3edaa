"""The jobs API's logic: create a job, and tell its status (with the timeout rule) to its owner.

No HTTP and no pydantic here (:mod:`.routes` parses and answers), no engine (the jobs API
never analyses), and S3 only through :class:`.storage.JobStore`.

Ownership: a job's record keeps the API key id of the request that created it
(``requestContext.identity.apiKeyId``, which API Gateway sets when the method requires a key:
the key's id, not its secret value, so it is stored as is), or None without one. Only a request
with the same key id (None included, unless the deployment requires a key) sees the job; to
anyone else it does not exist (:class:`JobNotFoundError`, as an unknown id), so job ids cannot
be probed.

A job is one file (``filename`` and ``size``) or several (``files``, up to
``settings.max_files_per_job``), each uploaded with its own presigned ``PUT`` under
``input/<job id>/``; a job of several is analysed as one (one summary, one results file, each
line naming its ``file``) once its last file is there. A job larger than one invocation reads,
or of several files, runs as an execution of the jobs' state machine (:mod:`.fanout`): its
status then shows its progress, and ``DELETE /jobs/{job_id}`` stops it (:func:`cancel_job`).

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
    IncompleteUploadError,
    InvalidFilenameError,
    JobCrashedError,
    JobNotCancellableError,
    JobNotFoundError,
    JobNotRunError,
    JobTimedOutError,
    TooManyJobsError,
    UnsupportedFormatError,
    UploadTooLargeError,
)
from sentiment_api.jobs import storage
from sentiment_api.jobs.executions import Executions
from sentiment_api.jobs.formats import CONTENT_TYPES, file_format
from sentiment_api.jobs.settings import (
    EXECUTION_TIMEOUT_S,
    MAX_EVENT_AGE_S,
    MAX_PARTS,
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
CANCEL_ERROR = "JobCancelled"
"""The error a cancelled job's execution is stopped with (in its history)."""
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
    files: list[tuple[str, int]],
    several: bool = False,
    options: dict[str, Any],
    api_key_id: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Record a new job and presign its uploads, one per file.

    Args:
        store: the job bucket.
        settings: the deployment's job settings.
        files: ``[(filename, size)]``: each file's name (its extension sets its format) and
            exact size in bytes, at least 1: each upload must be exactly that.
        several: the job was asked for with ``files`` (even if only one is given, it is a
            job of several: its results name their ``file``).
        options: the job's options (``text_column``, ``neutral_threshold``, ``sentences``,
            ``explain``, ``engine``, ``language``), those not given left out.
        api_key_id: the caller's API key id, None without one: the job's owner.

    Returns:
        ``(job, uploads)``: the job's public fields (``job_id``, ``filename`` and ``size``
        of a job of one file, or ``files`` (``[{"filename", "size", "input_key"}]``) and
        ``size`` (all together) of a job of several, ``input_key`` (the file's, or the job's
        ``input/<job id>/``), ``options``, ``created_at``) and, per file,
        ``{"filename", "url", "headers", "expires_at"}``: a presigned PUT and the headers it
        must carry exactly.

    Raises:
        ApiKeyRequiredError: ``settings.auth_required`` and no ``api_key_id``.
        InvalidFilenameError: a path, a hidden name, not .txt/.csv/.jsonl, a name given twice,
            more files than ``settings.max_files_per_job``, or ``text_column`` for a job
            without a .csv.
        UploadTooLargeError: a file over ``settings.max_file_bytes(engine, detail)`` (one
            ``PUT``), or the files together over ``settings.max_total_bytes(engine, detail)``
            (``MAX_UPLOAD_BYTES``, or what a job fanned out reads in time at the engine's
            worst); the message names which.
        TooManyJobsError: the owner has ``settings.max_jobs_per_key`` jobs in flight already
            (429, ``Retry-After`` :data:`RETRY_AFTER_S`); nothing is created.
    """
    if settings.auth_required and api_key_id is None:
        raise ApiKeyRequiredError
    formats = [_format_of(name) for name, _ in files]
    if len({name for name, _ in files}) != len(files):
        raise InvalidFilenameError("Each file of a job must have a name of its own")
    if len(files) > settings.max_files_per_job:
        raise InvalidFilenameError(
            f"A job has at most {settings.max_files_per_job} files (MAX_FILES_PER_JOB), "
            f"not {len(files)}"
        )
    if options.get("text_column") is not None and "csv" not in formats:
        raise InvalidFilenameError("text_column applies to .csv files only")
    engine = options.get("engine") or get_settings().engine
    detail = detail_of(bool(options.get("sentences")), bool(options.get("explain")))
    cap, source = _size_cap(settings, engine, detail)
    limit = settings.max_file_bytes(engine, detail)  # the cap, or one PUT's most if less
    for _, size in files:
        if size > limit:
            put = "the most one S3 upload (PUT) may carry"
            raise UploadTooLargeError(size, limit, source if limit == cap else put)
    total = sum(size for _, size in files)
    if total > cap:
        raise UploadTooLargeError(total, cap, source)
    now = time.time()
    job_id = storage.new_job_id()
    _take_a_slot(store, settings, api_key_id, job_id, now)
    job: dict[str, Any] = {"job_id": job_id}
    if several:
        job.update(
            files=[
                {"filename": name, "size": size, "input_key": storage.input_key(job_id, name)}
                for name, size in files
            ],
            size=total,
            input_key=storage.input_key(job_id, ""),
        )
    else:
        ((name, size),) = files
        job.update(filename=name, size=size, input_key=storage.input_key(job_id, name))
    job.update(options=options, created_at=iso_utc(now, "seconds"), api_key_id=api_key_id)
    store.put_job(job)
    uploads = []
    for (name, size), fmt in zip(files, formats, strict=True):
        content_type = CONTENT_TYPES[fmt]
        key = storage.input_key(job_id, name)
        uploads.append(
            {
                "filename": name,
                "url": store.presign_upload(key, content_type, size, UPLOAD_EXPIRY_S),
                # The signed headers, which the PUT must carry with these values.
                "headers": {
                    "Content-Length": str(size),
                    "Content-Type": content_type,
                    "If-None-Match": "*",
                },
                "expires_at": iso_utc(now + UPLOAD_EXPIRY_S, "seconds"),
            }
        )
    return _public(job), uploads


def job_status(
    store: storage.JobStore,
    settings: JobSettings,
    job_id: str,
    *,
    api_key_id: str | None,
    executions: Executions | None = None,
) -> dict[str, Any]:
    """The status of job ``job_id``, as its owner may see it.

    The status comes from what is in the bucket. No summary yet: ``WAITING_FOR_UPLOAD`` while
    the upload is not there (every file of a job of several), ``QUEUED`` once it is (its S3
    event waits for the job function: throttled by its reserved concurrency, or about to
    start); but a job ``QUEUED`` for longer than
    :data:`~sentiment_api.jobs.settings.MAX_EVENT_AGE_S` plus :data:`TIMEOUT_GRACE_S` since
    the upload never ran (Lambda sent its event to the on-failure queue): ``FAILED``,
    ``code: not_run``; and a job of several files not all uploaded when their URLs expired can
    never start: ``FAILED``, ``code: incomplete_upload``. Then the summary's status, except
    that one ``IN_PROGRESS`` for longer than ``settings.job_timeout_s`` plus
    :data:`TIMEOUT_GRACE_S` is ``FAILED``, ``code: timed_out``; a job fanned out has no such
    limit but its execution's: if that has ended while the summary still says
    ``IN_PROGRESS``, ``FAILED`` (``internal_error``). A job cancelled
    (:func:`cancel_job`) is ``CANCELLED``, unless it ended first. (A ``FAILED`` of the API's
    own is not written to the bucket: if the job does run later, its own summary is what is
    shown.)

    Returns:
        the job's public fields (see :func:`create_job`) with ``status``, ``summary`` (None
        before the job starts, but for ``not_run`` and ``incomplete_upload``: ``{"status",
        "code", "reason", "input"}``), ``progress`` (a job fanned out in progress:
        ``{"ranges" (None until its files are cut), "ranges_done", "documents"}``; a job of
        several files waiting: ``{"files", "files_uploaded"}``; else None) and ``results``
        (``{"url", "expires_at"}`` when ``COMPLETED``, else None).

    Raises:
        JobNotFoundError: the id is malformed, no job has it, or the caller's key id is not
            the job's (or is None while the deployment requires a key).
    """
    job = _owned_job(store, settings, job_id, api_key_id)
    summary = store.get_summary(job["input_key"])
    now = time.time()
    progress = None
    ended = summary is not None and summary["status"] in ("COMPLETED", "FAILED")
    if job.get("cancelled_at") and not ended:
        status = "CANCELLED"
    elif summary is None:
        status, summary, progress = _before_the_run(store, job, now)
    else:
        status = summary["status"]
    if status == "IN_PROGRESS" and summary is not None and summary.get("execution"):
        status, summary, progress = _fanned_out(store, summary, executions)
    elif (
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
    return {
        **_public(job),
        "status": status,
        "summary": summary,
        "progress": progress,
        "results": results,
    }


def cancel_job(
    store: storage.JobStore,
    settings: JobSettings,
    job_id: str,
    *,
    api_key_id: str | None,
    executions: Executions | None,
) -> dict[str, Any]:
    """Cancel job ``job_id`` for its owner (``DELETE /jobs/{job_id}``): a job fanned out has
    its execution stopped (no step runs after; ranges in flight finish and are dropped); a job
    not started yet never will (the job function skips a cancelled job's events). The job
    then no longer counts as in flight. Cancelling a cancelled job again answers the same.

    Returns:
        the job's status (:func:`job_status`), ``CANCELLED``.

    Raises:
        JobNotFoundError: as :func:`job_status`.
        JobNotCancellableError: the job has ended (``COMPLETED`` or ``FAILED``), or it runs in
            one invocation (a file under what one reads), which nothing can stop: it ends
            within the job function's timeout.
    """
    job = _owned_job(store, settings, job_id, api_key_id)
    if job.get("cancelled_at"):
        return job_status(store, settings, job_id, api_key_id=api_key_id, executions=executions)
    summary = store.get_summary(job["input_key"])
    if summary is not None and summary["status"] == "IN_PROGRESS":
        if not summary.get("execution") or executions is None:
            raise JobNotCancellableError(
                "The job runs in one invocation, which cannot be stopped; it ends within the "
                f"job function's {settings.job_timeout_s} s timeout"
            )
        executions.stop(summary["execution"], CANCEL_ERROR, f"DELETE /jobs/{job_id} by its owner")
        summary = store.get_summary(job["input_key"])  # it may have ended meanwhile
    if summary is not None and summary["status"] in ("COMPLETED", "FAILED"):
        raise JobNotCancellableError(f"The job has ended: {summary['status']}")
    store.put_job({**job, "cancelled_at": iso_utc(time.time(), "seconds")})
    store.clear_in_flight(api_key_id, job_id)
    return job_status(store, settings, job_id, api_key_id=api_key_id, executions=executions)


def _owned_job(
    store: storage.JobStore, settings: JobSettings, job_id: str, api_key_id: str | None
) -> dict[str, Any]:
    """The record of ``job_id`` if ``api_key_id`` owns it.

    Raises:
        JobNotFoundError: as :func:`job_status`.
    """
    if not storage.JOB_ID.fullmatch(job_id):
        raise JobNotFoundError
    if settings.auth_required and api_key_id is None:
        raise JobNotFoundError
    job = store.get_job(job_id)
    # .get: a record written before jobs were owned has no key id, as a job created without one
    if job is None or job.get("api_key_id") != api_key_id:
        raise JobNotFoundError
    return job


def _fanned_out(
    store: storage.JobStore, summary: dict[str, Any], executions: Executions | None
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """The status, summary and progress of a job fanned out whose summary says
    ``IN_PROGRESS``: its ranges done (each range's marker names its documents, so one
    listing tells both), unless its execution has ended without a word."""
    ended = executions.status(summary["execution"]) if executions is not None else None
    if ended is not None and ended not in ("RUNNING", "SUCCEEDED"):
        failed = {
            **summary,
            "status": "FAILED",
            "code": JobCrashedError.code,
            "reason": f"The job's execution ended {ended} without its summary",
        }
        return "FAILED", failed, None
    done = store.list_work(summary["run_id"], "done")
    documents: dict[int, int] = {}
    for name in done:
        index, _, count = name.partition(".")
        documents[int(index)] = int(count)
    progress = {
        "ranges": summary.get("ranges"),
        "ranges_done": len(documents),
        "documents": sum(documents.values()),
    }
    return "IN_PROGRESS", summary, progress


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
    may still come; or uploaded (every file), not ended (no ``COMPLETED`` or ``FAILED``
    summary, not cancelled), and uploaded within
    :data:`~sentiment_api.jobs.settings.MAX_EVENT_AGE_S` plus the job timeout plus
    :data:`TIMEOUT_GRACE_S`, after which its event cannot run any more; or fanned out and not
    ended.
    """
    if marked + UPLOAD_EXPIRY_S + TIMEOUT_GRACE_S >= now:
        return True
    job = store.get_job(job_id)
    uploaded = _last_upload(store, job) if job is not None and not job.get("cancelled_at") else None
    if job is not None and uploaded is not None:
        summary = store.get_summary(job["input_key"])
        ended = summary is not None and summary.get("status") in ("COMPLETED", "FAILED")
        fanned_out = summary is not None and bool(summary.get("execution"))
        deadline = uploaded + MAX_EVENT_AGE_S + settings.job_timeout_s
        if not ended and (fanned_out or deadline + TIMEOUT_GRACE_S >= now):
            return True
    store.clear_in_flight(api_key_id, job_id)
    return False


def _uploads(store: storage.JobStore, job: dict[str, Any]) -> list[dict[str, Any] | None]:
    """The ``HEAD`` of each of the job's uploads (None for one not there), in order."""
    keys = [f["input_key"] for f in job["files"]] if job.get("files") else [job["input_key"]]
    return [store.head_input(key) for key in keys]


def _last_upload(store: storage.JobStore, job: dict[str, Any]) -> float | None:
    """When the job's last upload arrived (Unix seconds), None while one is missing."""
    uploads = _uploads(store, job)
    if any(upload is None for upload in uploads):
        return None
    return max(float(upload["last_modified"]) for upload in uploads if upload is not None)


def _before_the_run(
    store: storage.JobStore, job: dict[str, Any], now: float
) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
    """The status, summary and progress of a job whose run has written no summary."""
    uploads = _uploads(store, job)
    present = [upload for upload in uploads if upload is not None]
    several = bool(job.get("files"))
    progress = {"files": len(uploads), "files_uploaded": len(present)} if several else None
    if len(present) < len(uploads):
        expired = epoch_seconds(job["created_at"]) + UPLOAD_EXPIRY_S + TIMEOUT_GRACE_S < now
        if not (several and present and expired):
            return "WAITING_FOR_UPLOAD", None, progress
        return (
            "FAILED",
            {
                "status": "FAILED",
                "code": IncompleteUploadError.code,
                "reason": (
                    f"Only {len(present)} of the job's {len(uploads)} files were uploaded "
                    "before their upload URLs expired; the job cannot start. Create a new job"
                ),
                "input": {"prefix": job["input_key"], "files": len(uploads)},
            },
            None,
        )
    last = max(upload["last_modified"] for upload in present)
    if last + MAX_EVENT_AGE_S + TIMEOUT_GRACE_S >= now:
        return "QUEUED", None, None
    upload = present[-1]
    described: dict[str, Any] = (
        {"prefix": job["input_key"], "files": len(uploads)}
        if several
        else {"key": job["input_key"], "size": upload["size"], "etag": upload["etag"]}
    )
    return (
        "FAILED",
        {
            "status": "FAILED",
            "code": JobNotRunError.code,
            "reason": (
                f"The job did not start within {MAX_EVENT_AGE_S // 3600} hours of the upload "
                "(the job function was busy); its event went to the on-failure queue. Create a "
                "new job"
            ),
            "input": described,
        },
        None,
    )


def _size_cap(settings: JobSettings, engine: str, detail: Detail) -> tuple[int, str]:
    """A job's cap (:meth:`.JobSettings.max_total_bytes`) and what sets it, in words."""
    cap = settings.max_total_bytes(engine, detail)
    if cap == settings.max_upload_bytes:
        return cap, "MAX_UPLOAD_BYTES, the deployment's cap on a job"
    options = "" if detail == "plain" else f" with {detail}"
    return cap, (
        f"the most a job fanned out reads in time: {settings.map_concurrency} ranges at once "
        f"(MAP_CONCURRENCY) at {MIN_BYTES_PER_S[engine, detail]} bytes/s, the {engine} "
        f"engine's worst case{options}, within half the state machine's "
        f"{EXECUTION_TIMEOUT_S} s timeout, in at most {MAX_PARTS} ranges"
    )


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
