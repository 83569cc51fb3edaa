"""Run a sentiment job: analyse one input object of the job bucket into its results and
summary (see :mod:`sentiment_api.handlers.jobs` for what is written where, and when), in this
invocation, or, for a file larger than one invocation reads before its timeout and for a job of
several files, by starting the job's execution of the jobs' state machine (:mod:`.fanout`).

The analysis is :func:`.files.analyse_stream`'s; S3 is reached only through
:class:`.storage.JobStore`, Step Functions only through :class:`.executions.Executions`.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sentiment_api.errors import (
    FileRejectedError,
    FileTooLargeError,
    InternalError,
    JobCrashedError,
    JobTimedOutError,
)
from sentiment_api.jobs import fanout, storage
from sentiment_api.jobs.executions import Executions
from sentiment_api.jobs.files import JobOptions, Tally, analyse_stream, buffered, summary
from sentiment_api.jobs.formats import RESULTS_TYPE, file_format
from sentiment_api.jobs.settings import (
    Detail,
    JobSettings,
    detail_of,
    readable_bytes,
    stop_margin_s,
)
from sentiment_api.jobs.timestamps import epoch_seconds
from sentiment_api.observability import logger, metrics

INTERNAL_FAILURES = (JobTimedOutError, JobCrashedError)
"""The failures that are the service's, not the file's: counted as ``JobsFailed`` (which the
``JobsFailedAlarm`` watches). A file rejected for what it is (not UTF-8, a bad ``.csv``, too
large...) is counted as ``JobsRejected`` instead: a client's mistake wakes nobody."""

_JOB_OPTIONS = ("text_column", "neutral_threshold", "sentences", "explain", "engine", "language")
"""What a job record may set; the length cap stays the deployment's."""


def run_job(
    store: storage.JobStore,
    key: str,
    defaults: JobOptions,
    *,
    size: int | None = None,
    etag: str | None = None,
    seconds_left: float = 900.0,
    job_timeout_s: float = 900.0,
    settings: JobSettings | None = None,
    executions: Executions | None = None,
) -> dict[str, Any]:
    """Analyse input object ``key`` (under ``input/``) into ``output/``; return the summary.

    Unless this upload has been run already: S3 delivers an event at least once, and Lambda
    retries an invocation that failed. If the summary of ``key`` is for the same ``etag`` and
    says ``COMPLETED``, ``FAILED`` with any code but ``internal_error`` (which a retry may
    fix), or ``IN_PROGRESS`` since less than ``job_timeout_s`` ago (a run still going; for a
    job fanned out, as long as its execution exists), that run stands: its summary is
    returned as it is, nothing is read, written or counted. A job the jobs API cancelled
    before it ran is not run either.

    With ``settings`` and ``executions``, a file over :meth:`.settings.JobSettings.fans_out`'s
    size, or any file of a job of several files once they are all uploaded, is not analysed
    here: the job's execution is started (:func:`.fanout.start`; for a file of a job of
    several not all uploaded yet, nothing is done and ``WAITING_FOR_UPLOAD`` returned).

    Args:
        store: the job bucket.
        key: the input object's key (decoded).
        defaults: the options of a file that has no job record (put under ``input/`` other
            than through the jobs API); a job record's options replace them.
        size, etag: from the S3 event; they describe the input in the summary of a file
            rejected before it is read; once it is read, the object's own values replace them.
        seconds_left: the invocation's remaining time, in seconds: a file too large for it at
            the engine's :data:`.settings.MIN_BYTES_PER_S` at the job's detail (less the stop
            margin, :func:`.settings.stop_margin_s`) is rejected (``file_too_large``), and a
            job that runs out of it stops (``timed_out``); both end ``FAILED`` without a
            retry, which would fail the same way.
        job_timeout_s: the job function's timeout, in seconds: an ``IN_PROGRESS`` run of the
            same upload that started longer ago than this is dead, and is run again.

    Metrics (EMF): ``JobDocuments``; then ``JobsCompleted``, ``JobsRejected`` (a file the job
    refuses for what it is) or ``JobsFailed`` (:data:`INTERNAL_FAILURES`: a timeout, or an
    error the job cannot handle, which is re-raised after the count). A job the jobs API
    created has its in-flight marker deleted once it has ended (not after a crash: Lambda
    retries it).

    Returns:
        the summary as stored (see :func:`.files.summary`).

    Raises:
        ValueError: ``key`` is not under ``input/``.
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 failed in a way
            a retry may fix (after a ``FAILED`` summary, if S3 still takes it).
    """
    results_key = storage.output_keys(key)[0]  # a ValueError before anything is written
    logger.append_keys(input_key=key)
    earlier = _earlier_run(store, key, etag, job_timeout_s, executions)
    if earlier is not None:
        logger.info(
            "This upload has been run already; the event is a duplicate, skipped",
            extra={"etag": etag, "status": earlier["status"], "started_at": earlier["started_at"]},
        )
        return earlier
    if settings is not None and executions is not None:
        elsewhere = _fan_out(store, key, defaults, size, etag, settings, executions)
        if elsewhere is not None:
            return elsewhere
    started = time.time()
    tally = Tally()
    options = defaults
    job: dict[str, Any] | None = None
    described: dict[str, Any] = {"key": key, "size": size, "etag": etag}
    fmt: str | None = None
    margin = stop_margin_s(seconds_left)
    deadline = time.monotonic() + seconds_left - margin

    def record(status: str, failure: FileRejectedError | None = None) -> dict[str, Any]:
        fields = summary(
            status=status,
            tally=tally,
            started=started,
            input_fields=described,
            output_key=results_key if status != "FAILED" else None,
            fmt=fmt,
            options=options,
            failure=failure,
        )
        store.put_summary(key, fields)
        return fields

    try:
        fmt = file_format(key)
        job = _job_record(store, key)
        options = _options(job, defaults)
        if job is not None and job.get("cancelled_at"):
            logger.info("The job was cancelled before it ran; skipped")
            return {"status": "CANCELLED", "documents": 0, "started_at": None}
        body, length, object_etag = store.open_input(key)
        described = {"key": key, "size": length, "etag": object_etag}
        _check_size(length, deadline - time.monotonic(), options)
        record("IN_PROGRESS")

        def check_deadline(_: int) -> None:
            if time.monotonic() > deadline:
                raise JobTimedOutError(
                    f"The job stopped {margin:.0f} s before the function's timeout, after "
                    f"{tally.documents} documents; split the file",
                )

        with tempfile.TemporaryDirectory(prefix="job-") as spool:
            path = os.path.join(spool, "results.jsonl")
            with open(path, "w", encoding="utf-8", newline="\n") as sink:
                analyse_stream(
                    buffered(body.read), sink, fmt, options, tally=tally, progress=check_deadline
                )
            store.upload_results(key, path, RESULTS_TYPE)
    except FileRejectedError as exc:
        logger.warning("File rejected", extra={"code": exc.code, "reason": str(exc)})
        store.delete_results(key)  # no stale results of an earlier run
        fields = record("FAILED", exc)
        outcome = "JobsFailed" if isinstance(exc, INTERNAL_FAILURES) else "JobsRejected"
    except Exception as exc:
        logger.exception("Job failed")
        _record_crash(record, exc, lambda: store.delete_results(key))
        metrics.add_metric(name="JobsFailed", unit=MetricUnit.Count, value=1)
        raise
    else:
        fields = record("COMPLETED")
        outcome = "JobsCompleted"
    _clear_in_flight(store, job)
    metrics.add_metric(name="JobDocuments", unit=MetricUnit.Count, value=tally.documents)
    metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=1)
    logger.info("Job finished", extra={k: fields[k] for k in ("status", "documents", "duration_s")})
    return fields


def _fan_out(
    store: storage.JobStore,
    key: str,
    defaults: JobOptions,
    size: int | None,
    etag: str | None,
    settings: JobSettings,
    executions: Executions,
) -> dict[str, Any] | None:
    """Start the job of ``key`` as an execution if it is one to fan out (see :func:`run_job`),
    and return its summary; None for a job this invocation runs itself, or one it must
    reject (an unsupported format, an unreadable record: the usual path says why)."""
    try:
        file_format(key)
        job = _job_record(store, key)
    except Exception:
        return None  # the usual path meets the same error, and records it
    options = _options(job, defaults)
    if job is not None and job.get("cancelled_at"):
        logger.info("The job was cancelled before it ran; skipped")
        return {"status": "CANCELLED", "documents": 0, "started_at": None}
    if job is not None and job.get("files"):
        return _start_when_uploaded(store, job, options, settings, executions)
    if size is None or not etag:
        head = store.head_input(key)
        if head is None:
            return None
        size, etag = head["size"], head["etag"]
    if not settings.fans_out(size, options.engine, _detail(options)):
        return None
    return fanout.start(
        store,
        executions,
        settings,
        target=key,
        files=[{"key": key, "name": None}],
        job_id=job["job_id"] if job is not None else None,
        options=options,
        size=size,
        etag=etag.strip('"'),
        earlier=store.get_summary(key),
    )


def _start_when_uploaded(
    store: storage.JobStore,
    job: dict[str, Any],
    options: JobOptions,
    settings: JobSettings,
    executions: Executions,
) -> dict[str, Any]:
    """A file of a job of several arrived: start the job once every one of its files is
    there, with its declared size (each upload's event checks; the last one starts it, and
    a second start of the same run is refused by its name)."""
    target = job["input_key"]
    earlier = store.get_summary(target)
    if earlier is not None and _stands(earlier, executions):
        return earlier
    missing = [
        declared["filename"]
        for declared in job["files"]
        if (store.head_input(declared["input_key"]) or {}).get("size") != declared["size"]
    ]
    if missing:
        logger.info("Waiting for the job's other files", extra={"missing": len(missing)})
        return {"status": "WAITING_FOR_UPLOAD", "documents": 0, "started_at": None}
    return fanout.start(
        store,
        executions,
        settings,
        target=target,
        files=[{"key": f["input_key"], "name": f["filename"]} for f in job["files"]],
        job_id=job["job_id"],
        options=options,
        size=sum(f["size"] for f in job["files"]),
        etag=None,
        earlier=earlier,
    )


def _stands(earlier: dict[str, Any], executions: Executions | None) -> bool:
    """Whether a job fanned out whose summary is ``earlier`` needs no new run: it has ended
    (but ``FAILED`` ``internal_error``), or its execution exists."""
    status = earlier.get("status")
    if status == "COMPLETED":
        return True
    if status == "FAILED":
        return earlier.get("code") != InternalError.code
    if status == "IN_PROGRESS" and earlier.get("execution"):
        return executions is None or executions.status(earlier["execution"]) is not None
    return False


def _detail(options: JobOptions) -> Detail:
    return detail_of(options.sentences, options.explain)


def _earlier_run(
    store: storage.JobStore,
    key: str,
    etag: str | None,
    job_timeout_s: float,
    executions: Executions | None = None,
) -> dict[str, Any] | None:
    """The summary of a run of this very upload (same ETag) that stands, else None."""
    if not etag:  # nothing to tell one upload from another by: run
        return None
    try:
        earlier = store.get_summary(key)
    except Exception:
        # The check only spares a duplicate run; S3 failing here is the run's to meet and
        # record (internal_error), not a reason to drop the event.
        logger.warning("Could not read the summary of an earlier run; running", exc_info=True)
        return None
    if earlier is None or (earlier.get("input") or {}).get("etag") != etag.strip('"'):
        return None
    if earlier.get("status") == "IN_PROGRESS" and not earlier.get("execution"):
        # one invocation's run: it stands while it may still be running
        started = epoch_seconds(earlier["started_at"])
        return earlier if time.time() - started < job_timeout_s else None
    return earlier if _stands(earlier, executions) else None


def _check_size(size: int, seconds: float, options: JobOptions) -> None:
    """Raise ``file_too_large`` for a file the job cannot read in ``seconds`` with its engine
    and its ``sentences`` and ``explain`` options."""
    limit = readable_bytes(seconds, options.engine, detail_of(options.sentences, options.explain))
    if size > limit:
        raise FileTooLargeError(
            f"The file is {size} bytes; one job reads at most {limit} bytes before the "
            "function's timeout. Split it into smaller files",
        )


def _job_record(store: storage.JobStore, key: str) -> dict[str, Any] | None:
    """The record of the job the jobs API created for ``key``; None for any other file."""
    job_id = storage.job_id_of(key)
    return store.get_job(job_id) if job_id else None


def _clear_in_flight(store: storage.JobStore, job: dict[str, Any] | None) -> None:
    """Best effort: delete the ended job's in-flight marker. If S3 fails here the jobs API
    sees the job ended (its summary) and deletes the marker itself."""
    if job is None:
        return
    try:
        store.clear_in_flight(job.get("api_key_id"), job["job_id"])
    except Exception:
        logger.warning("Could not delete the in-flight marker", exc_info=True)


def _options(job: dict[str, Any] | None, defaults: JobOptions) -> JobOptions:
    """The options of the job the jobs API created (its record); ``defaults`` for any other
    file (``job`` None)."""
    if job is None:
        return defaults
    chosen = job.get("options", {})
    return dataclasses.replace(
        defaults, **{name: chosen[name] for name in _JOB_OPTIONS if name in chosen}
    )


def _record_crash(
    record: Callable[..., Any], exc: Exception, delete_results: Callable[[], None]
) -> None:
    """Best effort: a ``FAILED`` summary for an error the job cannot handle, so the jobs API
    does not say ``IN_PROGRESS`` until it gives up, and no results of an earlier run beside
    it; S3 may be what failed."""
    try:
        delete_results()
        failure = JobCrashedError(f"The job failed: {type(exc).__name__}")
        record("FAILED", failure)
    except Exception:
        logger.exception("Could not record the failure")
