"""The sentiment job function (``SentimentJobFunction``): a file put under ``input/`` in the job
bucket is analysed, document by document, into ``output/`` (Amazon Comprehend's
``StartSentimentDetectionJob``, as one Lambda invocation per file).

For ``input/<name>`` it writes ``output/<name>.jsonl`` (one line per document, in order; see
:func:`sentiment_api.jobs.files.analyse_stream`) and ``output/<name>.summary.json``: first with
``status: IN_PROGRESS``, then ``COMPLETED`` or ``FAILED``. The object is read as a stream and
the results are written to a temporary file in ``/tmp`` and uploaded from there (multipart
above 8 MB), so memory stays bounded whatever the file's size.

A file that cannot be analysed (unsupported extension, not UTF-8, a CSV without its text
column, the object gone) ends ``FAILED`` with the reason in the summary, and any results of an
earlier run are deleted; the invocation succeeds, so it is not retried. Any other error (S3
unreachable, say) is logged, recorded as ``FAILED`` if S3 still answers, and raised: Lambda
retries the asynchronous invocation once and then sends the event to the on-failure queue
(``template.yaml``). A re-run of the same input overwrites the same keys; a second event for
the same upload (same ETag) whose run stands is skipped
(:func:`~sentiment_api.jobs.runner.run_job`).

A thin handler: it parses the event and calls :func:`sentiment_api.jobs.runner.run_job`, which
holds the job's logic; S3 is reached through :class:`sentiment_api.jobs.storage.JobStore`, handed
this module's client.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from sentiment_api import engines
from sentiment_api.jobs import storage
from sentiment_api.jobs.files import JobOptions
from sentiment_api.jobs.runner import run_job
from sentiment_api.jobs.settings import get_job_settings
from sentiment_api.jobs.tracing import tracer
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import get_settings

# A misconfigured deployment fails at init, not on its first job; the default engine loads here.
engines.get_engine(get_settings().engine)
get_job_settings()

s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
"""Created once per execution environment; honours ``AWS_ENDPOINT_URL_S3`` (moto_server)."""


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
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
    analysis = get_settings()
    defaults = JobOptions(
        neutral_threshold=analysis.neutral_threshold,
        max_text_length=analysis.max_text_length,
        engine=analysis.engine,
    )
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
            storage.JobStore(s3, bucket),
            key,
            defaults,
            size=obj.get("size"),
            etag=obj.get("eTag"),
            seconds_left=context.get_remaining_time_in_millis() / 1000,
            job_timeout_s=get_job_settings().job_timeout_s,
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
