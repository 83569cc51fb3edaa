"""The sentiment job function (``SentimentJobFunction``): each file put under ``input/`` in
the job bucket is analysed into ``output/`` by :func:`sentiment_api.jobs.runner.run_job`, in
this invocation, or, for a file larger than one invocation reads and for a job of several
files, by starting the job's execution of the jobs' state machine (docs/jobs.md: formats,
output, failures, retries, duplicate events, the two paths).

An entry point only: it parses the S3 event and hands each key, with a
:class:`~sentiment_api.jobs.storage.JobStore` over this module's S3 client and an
:class:`~sentiment_api.jobs.executions.Executions` over its Step Functions client, to the
runner.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from sentiment_api import engines
from sentiment_api.analysis import AUTO
from sentiment_api.jobs import storage
from sentiment_api.jobs.executions import Executions
from sentiment_api.jobs.files import JobOptions
from sentiment_api.jobs.runner import run_job
from sentiment_api.jobs.settings import get_job_settings
from sentiment_api.jobs.tracing import tracer
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import get_settings

# A misconfigured deployment fails at init, not on its first job; the default engine loads here
# (a job that cannot load its engine fails as internal_error, and is retried).
get_job_settings()
try:
    engines.get_engine(get_settings().engine)
except Exception:
    logger.exception(
        "The default engine could not be loaded", extra={"engine": get_settings().engine}
    )

s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
"""Created once per execution environment; honours ``AWS_ENDPOINT_URL_S3`` (moto_server)."""
sfn = boto3.client(
    "stepfunctions",
    region_name=s3.meta.region_name,  # the function's (Lambda sets AWS_REGION), as S3's
    config=Config(retries={"mode": "standard"}),
)
"""The jobs' state machine's client, for the jobs fanned out."""


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
        "SKIPPED"}``. A job fanned out is ``IN_PROGRESS`` (its execution started), a file of a
        job of several not all uploaded ``WAITING_FOR_UPLOAD``.

    Raises:
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 failed in a way
            a retry may fix (after a ``FAILED`` summary, if S3 still takes it).
    """
    analysis = get_settings()
    defaults = JobOptions(
        neutral_threshold=analysis.neutral_threshold,
        max_text_length=analysis.max_text_length,
        engine=analysis.engine,
        language=AUTO if analysis.language_check else None,
    )
    settings = get_job_settings()
    executions = Executions(sfn, settings.state_machine_arn) if settings.state_machine_arn else None
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
            job_timeout_s=settings.job_timeout_s,
            settings=settings,
            executions=executions,
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
