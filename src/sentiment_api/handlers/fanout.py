"""The two functions the jobs' state machine (``JobStateMachine``) invokes for a job fanned out
over several invocations (docs/jobs.md, "A job larger than one invocation"):

- ``JobCoordinatorFunction`` (:func:`coordinate`): the steps that see the whole job, one at a
  time: ``plan_file`` (cut a file into byte ranges), ``collect`` (the ranges, for the
  Distributed Map), ``reduce`` (merge: results and summary), ``fail`` (the ``FAILED``
  summary).
- ``JobRangeFunction`` (:func:`analyse_range`): one byte range, an item of the Distributed
  Map; at most ``MapConcurrency`` at once (its reserved concurrency).

Entry points only: each hands the state's payload, with a
:class:`~sentiment_api.jobs.storage.JobStore` over this module's S3 client, to
:mod:`sentiment_api.jobs.fanout`.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from sentiment_api.jobs import fanout, storage
from sentiment_api.jobs.tracing import tracer
from sentiment_api.observability import logger, metrics

s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
"""Created once per execution environment; honours ``AWS_ENDPOINT_URL_S3`` (moto_server)."""

STEPS = ("plan_file", "collect", "reduce", "fail")
"""The coordinator's steps, as the state machine names them (the payload's ``step``)."""


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def coordinate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run one step of a job's execution.

    Args:
        event: ``{"step": one of STEPS, "input": the state's input}`` (the state machine's
            ``Payload``): for ``plan_file`` an item of the ``PlanFiles`` Map, else the run
            (:class:`~sentiment_api.jobs.fanout.Run`).
        context: the Lambda context.

    Returns:
        the step's result (:mod:`sentiment_api.jobs.fanout`), the state's output.

    Raises:
        ValueError: an unknown step.
        sentiment_api.errors.RangesFailedError: ``reduce`` found ranges without a result.
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 failed (the
            state machine retries the service's errors, then fails the job).
    """
    step, payload = event["step"], event["input"]
    store = storage.JobStore(s3, payload["bucket"])
    logger.append_keys(run_id=payload["run_id"], step=step)
    if step == "plan_file":
        return fanout.plan_file(store, payload)
    if step == "collect":
        return dict(fanout.collect(store, payload))
    if step == "reduce":
        return fanout.reduce(store, payload)
    if step == "fail":
        return fanout.fail(store, payload)
    raise ValueError(f"Unknown step {step!r}; one of {', '.join(STEPS)}")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def analyse_range(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Analyse one byte range of a job (an item of the ``AnalyseRanges`` Distributed Map).

    Args:
        event: ``{"bucket", "run_id", "options", "range"}`` (the Map's ``ItemSelector``).
        context: the Lambda context (its remaining time bounds the range's reading).

    Returns:
        ``{"index", "documents", "bytes"}``.

    Raises:
        TimeoutError: the range ran out of time (retried, then the job fails).
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 failed.
    """
    store = storage.JobStore(s3, event["bucket"])
    logger.append_keys(run_id=event["run_id"], range=event["range"]["index"])
    return fanout.analyse_range(store, event, context.get_remaining_time_in_millis() / 1000)
