"""The sentiment job function (``SentimentJobFunction``): a file put under ``input/`` in the job
bucket is analysed, document by document, into ``output/`` (Amazon Comprehend's
``StartSentimentDetectionJob``, as one Lambda invocation per file).

For ``input/<name>`` it writes ``output/<name>.jsonl`` (one line per document, in order; see
:func:`sentiment_api.files.analyse_stream`) and ``output/<name>.summary.json``: first with
``status: IN_PROGRESS``, then ``COMPLETED`` or ``FAILED``. The object is read as a stream and
the results are written to a temporary file in ``/tmp`` and uploaded from there (multipart
above 8 MB), so memory stays bounded whatever the file's size.

A file that cannot be analysed (unsupported extension, not UTF-8, a CSV without its text
column, the object gone) ends ``FAILED`` with the reason in the summary, and any results of an
earlier run are deleted; the invocation succeeds, so it is not retried. Any other error (S3
unreachable, say) is logged, recorded as ``FAILED`` if S3 still answers, and raised: Lambda
retries the asynchronous invocation once and then sends the event to the on-failure queue
(``template.yaml``). A re-run of the same input overwrites the same keys.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from sentiment_api import storage
from sentiment_api.files import (
    CONTENT_TYPES,
    FileRejectedError,
    JobOptions,
    Tally,
    analyse_stream,
    buffered,
    file_format,
    summary,
)
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import get_settings

s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
"""Created once per execution environment; honours ``AWS_ENDPOINT_URL_S3`` (moto_server)."""

_RESULTS_TYPE = f"{CONTENT_TYPES['jsonl']}; charset=utf-8"

MIN_BYTES_PER_S = 1_000_000
"""The input rate a job can count on: two-thirds of the 1.5 MB/s of review sentences that
``make bench`` measured through this handler at one vCPU (README, "Memory and size"). A file
larger than this rate allows in the invocation's remaining time is rejected before it is read,
rather than killed by the timeout and retried."""
STOP_MARGIN_S = 20.0
"""A job still reading this close to its timeout stops and records ``FAILED`` (``timed_out``)
itself, while it still can (a tenth of the time instead, for invocations under 200 s)."""


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Analyse the object of each record of an S3 ``ObjectCreated`` event.

    Args:
        event: an S3 event notification (``{"Records": [{"s3": {"bucket": {"name"},
            "object": {"key", "size", "eTag"}}}]}``; keys URL-encoded, as S3 sends them).
        context: the Lambda context.

    Returns:
        ``{"jobs": [{"key", "status", "documents", "summary"}, ...]}``, one per record; a key
        not under ``input/``, or a "folder" key ending in ``/``, is ``{"key", "status":
        "SKIPPED"}``.

    Raises:
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 failed in a way
            a retry may fix (after a ``FAILED`` summary, if S3 still takes it).
    """
    jobs: list[dict[str, Any]] = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        obj = record["s3"]["object"]
        key = unquote_plus(obj["key"])
        if not key.startswith(storage.INPUT_PREFIX) or key.endswith("/"):
            # A "folder" the S3 console creates (input/, input/x/) holds no documents.
            logger.info("Not a file under input/; skipped", extra={"input_key": key})
            jobs.append({"key": key, "status": "SKIPPED"})
            continue
        result = run_job(
            bucket,
            key,
            size=obj.get("size"),
            etag=obj.get("eTag"),
            seconds_left=context.get_remaining_time_in_millis() / 1000,
        )
        jobs.append(
            {
                "key": key,
                "status": result["status"],
                "documents": result["documents"],
                "summary": storage.output_keys(key)[1],
            }
        )
    return {"jobs": jobs}


def run_job(
    bucket: str,
    key: str,
    *,
    size: int | None = None,
    etag: str | None = None,
    seconds_left: float = 900.0,
) -> dict[str, Any]:
    """Analyse ``s3://bucket/key`` (under ``input/``) into ``output/``; return the summary.

    ``size`` and ``etag`` (from the S3 event) describe the input in the summary of a file
    rejected before it is read; once it is read, the object's own values replace them.
    ``seconds_left`` is the invocation's remaining time: a file too large for it is rejected
    (``file_too_large``), and a job that runs out of it stops (``timed_out``); both end
    ``FAILED`` without a retry, which would fail the same way.

    Raises:
        ValueError: ``key`` is not under ``input/``.
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: see
            :func:`lambda_handler`.
    """
    results_key, summary_key = storage.output_keys(key)
    started = time.time()
    tally = Tally()
    settings = get_settings()
    options = JobOptions(
        neutral_threshold=settings.neutral_threshold, max_text_length=settings.max_text_length
    )
    described: dict[str, Any] = {"key": key, "size": size, "etag": etag}
    fmt: str | None = None
    logger.append_keys(input_key=key)
    margin = min(STOP_MARGIN_S, seconds_left / 10)
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
        storage.put_json(s3, bucket, summary_key, fields)
        return fields

    try:
        fmt = file_format(key)
        options = _options(bucket, key, options)
        try:
            obj = s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            raise FileRejectedError("input_missing", "The input object no longer exists") from None
        described = {"key": key, "size": obj["ContentLength"], "etag": obj["ETag"].strip('"')}
        _check_size(obj["ContentLength"], deadline - time.monotonic())
        record("IN_PROGRESS")

        def check_deadline(_: int) -> None:
            if time.monotonic() > deadline:
                raise FileRejectedError(
                    "timed_out",
                    f"The job stopped {margin:.0f} s before the function's timeout, after "
                    f"{tally.documents} documents; split the file",
                )

        with tempfile.TemporaryDirectory(prefix="job-") as spool:
            path = os.path.join(spool, "results.jsonl")
            with open(path, "w", encoding="utf-8", newline="\n") as sink:
                analyse_stream(
                    buffered(obj["Body"].read),
                    sink,
                    fmt,
                    options,
                    tally=tally,
                    progress=check_deadline,
                )
            s3.upload_file(path, bucket, results_key, ExtraArgs={"ContentType": _RESULTS_TYPE})
    except FileRejectedError as exc:
        logger.warning("File rejected", extra={"code": exc.code, "reason": str(exc)})
        s3.delete_object(Bucket=bucket, Key=results_key)  # no stale results of an earlier run
        fields = record("FAILED", exc)
    except Exception as exc:
        logger.exception("Job failed")
        _record_crash(record, exc, lambda: s3.delete_object(Bucket=bucket, Key=results_key))
        raise
    else:
        fields = record("COMPLETED")
    metrics.add_metric(name="JobDocuments", unit=MetricUnit.Count, value=tally.documents)
    metrics.add_metric(name=f"Jobs{fields['status'].title()}", unit=MetricUnit.Count, value=1)
    logger.info("Job finished", extra={k: fields[k] for k in ("status", "documents", "duration_s")})
    return fields


def _check_size(size: int, seconds: float) -> None:
    """Raise ``file_too_large`` for a file the job cannot read in ``seconds``."""
    limit = int(max(seconds, 0) * MIN_BYTES_PER_S)
    if size > limit:
        raise FileRejectedError(
            "file_too_large",
            f"The file is {size} bytes; one job reads at most {limit} bytes before the "
            "function's timeout. Split it into smaller files",
        )


def _options(bucket: str, key: str, defaults: JobOptions) -> JobOptions:
    """The options of the job the jobs API created for ``key``; ``defaults`` for any other."""
    job_id = storage.job_id_of(key)
    job = storage.get_json(s3, bucket, storage.job_key(job_id)) if job_id else None
    if job is None:
        return defaults
    chosen = job.get("options", {})
    return dataclasses.replace(
        defaults, **{name: chosen[name] for name in _JOB_OPTIONS if name in chosen}
    )


_JOB_OPTIONS = ("text_column", "neutral_threshold", "sentences", "explain")
"""What a job record may set; the length cap stays the deployment's."""


def _record_crash(record: Any, exc: Exception, delete_results: Any) -> None:
    """Best effort: a ``FAILED`` summary for an error the job cannot handle, so the jobs API
    does not say ``IN_PROGRESS`` until it gives up, and no results of an earlier run beside
    it; S3 may be what failed."""
    try:
        delete_results()
        failure = FileRejectedError("internal_error", f"The job failed: {type(exc).__name__}")
        record("FAILED", failure)
    except Exception:
        logger.exception("Could not record the failure")
