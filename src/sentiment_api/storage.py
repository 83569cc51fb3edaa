"""The job bucket's layout, and the few S3 calls both job functions make (boto3).

Keys (one bucket, three prefixes, each function's IAM policy scoped to the ones it needs):

- ``input/<name>``: files to analyse; a put here starts the sentiment job. The jobs API puts
  uploads at ``input/<job id>/<filename>``; anything else under ``input/`` works too (an
  ``aws s3 cp``, say) and is analysed with the default options.
- ``output/<name>.jsonl`` and ``output/<name>.summary.json``: the results and the summary of
  ``input/<name>``, written by the sentiment job (so ``input/reviews.csv`` gives
  ``output/reviews.csv.jsonl``; the extension stays, so ``a.csv`` and ``a.txt`` never collide).
- ``jobs/<job id>.json``: the job record the jobs API writes at ``POST /jobs`` (file name and
  options), which the sentiment job reads.

Only :mod:`sentiment_api.handlers.jobs` and :mod:`sentiment_api.handlers.jobs_api` import this
module; the sentiment API function never imports boto3.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

INPUT_PREFIX = "input/"
OUTPUT_PREFIX = "output/"
JOBS_PREFIX = "jobs/"

JOB_ID = re.compile(r"[0-9a-f]{32}")
"""A job id: a random UUID's 32 lower-case hex digits."""

_JOB_INPUT = re.compile(rf"{INPUT_PREFIX}({JOB_ID.pattern})/[^/]+")


def new_job_id() -> str:
    """A new random job id (UUID 4, 122 random bits: not guessable)."""
    return uuid.uuid4().hex


def input_key(job_id: str, filename: str) -> str:
    """Where the jobs API has a job's file uploaded."""
    return f"{INPUT_PREFIX}{job_id}/{filename}"


def job_key(job_id: str) -> str:
    """The key of a job's record."""
    return f"{JOBS_PREFIX}{job_id}.json"


def output_keys(key: str) -> tuple[str, str]:
    """The ``(results, summary)`` keys of input object ``key``.

    Raises:
        ValueError: ``key`` is not under ``input/``.
    """
    if not key.startswith(INPUT_PREFIX) or key == INPUT_PREFIX:
        raise ValueError(f"{key!r} is not under {INPUT_PREFIX}")
    name = OUTPUT_PREFIX + key.removeprefix(INPUT_PREFIX)
    return f"{name}.jsonl", f"{name}.summary.json"


def job_id_of(key: str) -> str | None:
    """The job id of an input key the jobs API made, else None."""
    match = _JOB_INPUT.fullmatch(key)
    return match.group(1) if match else None


def get_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The JSON object stored at ``key``, or None if there is no such key.

    Raises:
        botocore.exceptions.ClientError: any S3 error but ``NoSuchKey``.
        ValueError: the object is not JSON.
    """
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)


def put_json(s3: Any, bucket: str, key: str, value: dict[str, Any]) -> None:
    """Store ``value`` at ``key`` as UTF-8 JSON."""
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(value, ensure_ascii=False, indent=2).encode(),
        ContentType="application/json",
    )
