"""The job bucket's layout, and :class:`JobStore`, the data-access layer that owns the S3
client of both job functions: every S3 call of a job goes through it.

Keys (one bucket, four prefixes, each function's IAM policy scoped to the ones it needs):

- ``input/<name>``: files to analyse; a put here starts the sentiment job. The jobs API puts
  uploads at ``input/<job id>/<filename>``; anything else under ``input/`` works too (an
  ``aws s3 cp``, say) and is analysed with the default options.
- ``output/<name>.jsonl`` and ``output/<name>.summary.json``: the results and the summary of
  ``input/<name>``, written by the sentiment job (so ``input/reviews.csv`` gives
  ``output/reviews.csv.jsonl``; the extension stays, so ``a.csv`` and ``a.txt`` never collide).
- ``jobs/<job id>.json``: the job record the jobs API writes at ``POST /jobs`` (file name and
  options), which the sentiment job reads.
- ``active/<owner>/<job id>``: an empty marker per job in flight, written by ``POST /jobs``
  and deleted by the sentiment job when the job ends: the per-key count of jobs in flight
  (:meth:`JobStore.in_flight`), listed under the owner's prefix. ``<owner>`` is
  ``key-<API key id>``, or ``anonymous`` for a job created without a key.
- ``work/<run id>/``: the working files of a job fanned out over several invocations
  (:mod:`.fanout`): ``plans/<file>.json`` (each file's ranges), ``manifest.json`` (every range:
  the Distributed Map's items), ``files.json``, and per range ``parts/<range>.jsonl`` (its
  results), ``tallies/<range>.json`` (its counts, written last: the range is done),
  ``done/<range>.<documents>`` (an empty marker, for the progress a listing gives) and
  ``failures/<range>.json`` (why its last try failed). Deleted when the job completes; else
  expired with the rest of the bucket.

A job over several files (``POST /jobs`` with ``files``) has them uploaded under
``input/<job id>/``, and its results and summary, for all of them, at ``output/<job id>.jsonl``
and ``output/<job id>.summary.json`` (:func:`output_keys` of the prefix).

S3 answers a missing key with 403, not 404, to a caller that may not list the bucket, and the
functions may not (no bucket-wide ``s3:ListBucket``): every read here takes a 403 for a
missing key, as it takes a 404.

Only the job functions import this module; the sentiment API function never imports boto3.
The store takes a client the caller made (the handler module, once per execution environment;
the tests, a moto one) and never creates one.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any, BinaryIO
from urllib.parse import quote

from sentiment_api.errors import InputMissingError
from sentiment_api.jobs.settings import MAX_PARTS

INPUT_PREFIX = "input/"
OUTPUT_PREFIX = "output/"
JOBS_PREFIX = "jobs/"
ACTIVE_PREFIX = "active/"
WORK_PREFIX = "work/"

MIN_PART_BYTES = 5 * 1024 * 1024
"""S3's smallest part of a multipart upload but the last, in bytes (5 MiB; S3 User Guide,
"Amazon S3 multipart upload limits")."""

MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"})
"""The S3 error codes of a read of a key that is not there: 404 (``NoSuchKey``; a ``HEAD``
has no body, so the bare status) to a caller that may list the bucket, 403 (``AccessDenied``)
to one that may not (S3 User Guide, "Required permissions for S3 API operations": without
``s3:ListBucket``, a missing object is a 403)."""

JOB_ID = re.compile(r"[0-9a-f]{32}")
"""A job id: a random UUID's 32 lower-case hex digits."""

_JOB_INPUT = re.compile(rf"{INPUT_PREFIX}({JOB_ID.pattern})/[^/]+")
_JOB_PREFIX = re.compile(rf"{INPUT_PREFIX}({JOB_ID.pattern})/")


def new_job_id() -> str:
    """A new random job id (UUID 4, 122 random bits: not guessable)."""
    return uuid.uuid4().hex


def input_key(job_id: str, filename: str) -> str:
    """Where the jobs API has a job's file uploaded."""
    return f"{INPUT_PREFIX}{job_id}/{filename}"


def job_key(job_id: str) -> str:
    """The key of a job's record."""
    return f"{JOBS_PREFIX}{job_id}.json"


def owner_prefix(api_key_id: str | None) -> str:
    """The prefix of the in-flight markers of an owner: ``active/key-<id>/``, the key id
    percent-encoded (API Gateway's are letters and digits), or ``active/anonymous/``."""
    owner = "anonymous" if api_key_id is None else "key-" + quote(api_key_id, safe="")
    return f"{ACTIVE_PREFIX}{owner}/"


def active_key(api_key_id: str | None, job_id: str) -> str:
    """The key of the in-flight marker of job ``job_id`` of that owner."""
    return owner_prefix(api_key_id) + job_id


def is_missing(exc: Exception) -> bool:
    """Whether ``exc`` is S3's answer to a read of a key that is not there (404, or the 403
    of a caller that may not list the bucket: :data:`MISSING_CODES`)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    return response.get("Error", {}).get("Code") in MISSING_CODES


def output_keys(key: str) -> tuple[str, str]:
    """The ``(results, summary)`` keys of input object ``key``, or of a job over every file
    under a prefix ``key`` (ending in ``/``: ``input/<job id>/`` gives
    ``output/<job id>.jsonl``, which no file's results can be, as a file's keep its extension).

    Raises:
        ValueError: ``key`` is not under ``input/``.
    """
    if not key.startswith(INPUT_PREFIX) or key.rstrip("/") + "/" == INPUT_PREFIX:
        raise ValueError(f"{key!r} is not under {INPUT_PREFIX}")
    name = OUTPUT_PREFIX + key.removeprefix(INPUT_PREFIX).removesuffix("/")
    return f"{name}.jsonl", f"{name}.summary.json"


def work_key(run_id: str, *names: str) -> str:
    """A key of run ``run_id``'s working files: ``work/<run id>/<names...>``."""
    return "/".join((WORK_PREFIX.removesuffix("/"), run_id, *names))


def job_id_of(key: str) -> str | None:
    """The job id of an input key the jobs API made (a file of its, or its prefix), else
    None."""
    match = _JOB_INPUT.fullmatch(key) or _JOB_PREFIX.fullmatch(key)
    return match.group(1) if match else None


def get_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The JSON object stored at ``key``, or None if there is no such key (S3's 404, or its 403
    to a caller that may not list the bucket).

    Raises:
        botocore.exceptions.ClientError: any other S3 error.
        ValueError: the object is not JSON.
    """
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.ClientError as exc:
        if is_missing(exc):
            return None
        raise
    value: dict[str, Any] = json.loads(body)
    return value


def put_json(s3: Any, bucket: str, key: str, value: dict[str, Any] | list[Any]) -> None:
    """Store ``value`` at ``key`` as UTF-8 JSON."""
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(value, ensure_ascii=False, indent=2).encode(),
        ContentType="application/json",
    )


class JobStore:
    """The job bucket, as the job functions use it: job records, summaries, inputs, results
    and presigned URLs. Keys follow the layout above.

    Args:
        s3: a boto3 S3 client (SigV4 for presigning; the jobs API's is, see ``jobs_api.py``).
        bucket: the job bucket's name.

    Every method may raise ``botocore.exceptions.ClientError`` or ``BotoCoreError`` for an S3
    failure other than the ones it documents.
    """

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    # ---- job records and summaries ------------------------------------------------------------

    def put_job(self, job: dict[str, Any]) -> None:
        """Store the record of job ``job["job_id"]`` at ``jobs/<job id>.json``."""
        put_json(self.s3, self.bucket, job_key(job["job_id"]), job)

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        """The record of ``job_id``, or None if there is none."""
        return get_json(self.s3, self.bucket, job_key(job_id))

    def put_summary(self, input_key: str, summary: dict[str, Any]) -> None:
        """Store the summary of input ``input_key`` beside its results."""
        put_json(self.s3, self.bucket, output_keys(input_key)[1], summary)

    def get_summary(self, input_key: str) -> dict[str, Any] | None:
        """The summary of input ``input_key``, or None if its job has not started."""
        return get_json(self.s3, self.bucket, output_keys(input_key)[1])

    # ---- inputs and results -------------------------------------------------------------------

    def open_input(self, key: str) -> tuple[BinaryIO, int, str]:
        """``(body, size in bytes, ETag without quotes)`` of input object ``key``; ``body`` is
        botocore's streaming body (``read(n)``), read once.

        Raises:
            InputMissingError: there is no such object (404, or 403: see :data:`MISSING_CODES`).
        """
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if is_missing(exc):
                raise InputMissingError from None
            raise
        return obj["Body"], obj["ContentLength"], obj["ETag"].strip('"')

    def head_input(self, key: str) -> dict[str, Any] | None:
        """``{"size" (bytes), "etag" (without quotes), "last_modified" (Unix seconds)}`` of
        input object ``key`` (a ``HEAD``, which needs ``s3:GetObject``), or None if there is
        no such object (404, or 403: see :data:`MISSING_CODES`)."""
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return {
            "size": head["ContentLength"],
            "etag": head["ETag"].strip('"'),
            "last_modified": head["LastModified"].timestamp(),
        }

    def upload_results(self, input_key: str, path: str, content_type: str) -> None:
        """Upload the results file at local ``path`` for input ``input_key`` (multipart above
        boto3's 8 MB threshold, so any size fits in bounded memory)."""
        self.s3.upload_file(
            path, self.bucket, output_keys(input_key)[0], ExtraArgs={"ContentType": content_type}
        )

    def delete_results(self, input_key: str) -> None:
        """Delete the results of input ``input_key``, if any (S3 deletes idempotently)."""
        self.s3.delete_object(Bucket=self.bucket, Key=output_keys(input_key)[0])

    def open_range(
        self, key: str, start: int, end: int, etag: str | None = None
    ) -> tuple[BinaryIO, int]:
        """``(body, size)`` of bytes ``[start, end)`` of object ``key`` (a ranged ``GET``;
        nothing is read for an empty range: ``(empty body, 0)``); with ``etag``, only of that
        version of the object (``If-Match``).

        Raises:
            InputMissingError: there is no such object (404, or 403: :data:`MISSING_CODES`).
            botocore.exceptions.ClientError: ``PreconditionFailed``: the object was replaced.
        """
        if end <= start:
            return io.BytesIO(b""), 0
        extra = {"IfMatch": f'"{etag}"'} if etag else {}
        try:
            obj = self.s3.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end - 1}", **extra
            )
        except self.s3.exceptions.ClientError as exc:
            if is_missing(exc):
                raise InputMissingError from None
            raise
        return obj["Body"], obj["ContentLength"]

    # ---- the working files of a job fanned out (work/<run id>/) -------------------------------

    def put_work(self, run_id: str, name: str, value: dict[str, Any] | list[Any]) -> None:
        """Store ``value`` as JSON at ``work/<run id>/<name>``."""
        put_json(self.s3, self.bucket, work_key(run_id, name), value)

    def get_work(self, run_id: str, name: str) -> Any:
        """The JSON at ``work/<run id>/<name>``, or None if there is none."""
        return get_json(self.s3, self.bucket, work_key(run_id, name))

    def put_work_file(self, run_id: str, name: str, path: str, content_type: str) -> None:
        """Upload the local file at ``path`` to ``work/<run id>/<name>`` (multipart above
        boto3's 8 MB threshold; the same key each time: a retried range overwrites its part)."""
        self.s3.upload_file(
            path, self.bucket, work_key(run_id, name), ExtraArgs={"ContentType": content_type}
        )

    def mark_work(self, run_id: str, name: str) -> None:
        """Write an empty marker at ``work/<run id>/<name>``."""
        self.s3.put_object(Bucket=self.bucket, Key=work_key(run_id, name), Body=b"")

    def list_work(self, run_id: str, folder: str) -> list[str]:
        """The names under ``work/<run id>/<folder>/`` (``ListObjectsV2``, by prefix; a page
        per 1,000)."""
        prefix = work_key(run_id, folder) + "/"
        names: list[str] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            names.extend(item["Key"].removeprefix(prefix) for item in page.get("Contents", []))
        return names

    def delete_work(self, run_id: str) -> None:
        """Delete every working file of run ``run_id`` (``DeleteObjects``, 1,000 a call)."""
        prefix = work_key(run_id) + "/"
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})

    def assemble(self, parts: list[tuple[str, int]], key: str, content_type: str) -> dict[str, int]:
        """Write the objects ``parts`` (``[(key, size in bytes)]``), end to end in that order,
        as object ``key``, holding at most about twice :data:`MIN_PART_BYTES` in memory.

        A part of at least :data:`MIN_PART_BYTES` is copied by S3 itself (``UploadPartCopy``:
        its bytes never come here); smaller ones are read and joined until the buffer holds
        that many (topped up from the head of the next part, whose rest is then copied from
        an offset), and uploaded (``UploadPart``); the last part may be smaller (S3's rule).
        In all under :data:`MIN_PART_BYTES`: one ``PUT``. An upload that fails is aborted.

        Returns:
            ``{"copied_parts", "uploaded_parts", "bytes_read"}``: what was done (for the
            tests and the bench).

        Raises:
            ValueError: more parts than :data:`~.settings.MAX_PARTS` would be needed.
        """
        stats = {"copied_parts": 0, "uploaded_parts": 0, "bytes_read": 0}
        total = sum(size for _, size in parts)
        if total < MIN_PART_BYTES:
            body = b"".join(self._read(name, 0, size, stats) for name, size in parts if size)
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
            stats["uploaded_parts"] = 1
            return stats
        upload_id = self.s3.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type
        )["UploadId"]
        done: list[dict[str, Any]] = []

        def add(etag: str) -> None:
            done.append({"PartNumber": len(done) + 1, "ETag": etag})
            if len(done) > MAX_PARTS:
                raise ValueError(f"more than {MAX_PARTS} parts for {key}")

        def upload(data: bytes) -> None:
            answer = self.s3.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=len(done) + 1,
                Body=data,
            )  # fmt: skip
            stats["uploaded_parts"] += 1
            add(answer["ETag"])

        def copy(name: str, first: int, last: int) -> None:
            answer = self.s3.upload_part_copy(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=len(done) + 1,
                CopySource={"Bucket": self.bucket, "Key": name},
                CopySourceRange=f"bytes={first}-{last}",
            )  # fmt: skip
            stats["copied_parts"] += 1
            add(answer["CopyPartResult"]["ETag"])

        buffer = bytearray()
        try:
            for name, size in parts:
                start = 0
                if buffer and size:  # top the buffer up from this part's head, then send it
                    start = min(size, MIN_PART_BYTES - len(buffer))
                    buffer += self._read(name, 0, start, stats)
                    if len(buffer) >= MIN_PART_BYTES:
                        upload(bytes(buffer))
                        buffer.clear()
                rest = size - start
                if rest >= MIN_PART_BYTES:
                    copy(name, start, size - 1)
                elif rest:
                    buffer += self._read(name, start, size, stats)
                    if len(buffer) >= MIN_PART_BYTES:
                        upload(bytes(buffer))
                        buffer.clear()
            if buffer:
                upload(bytes(buffer))
            self.s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
        except BaseException:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return stats

    def _read(self, key: str, start: int, end: int, stats: dict[str, int]) -> bytes:
        data: bytes = self.s3.get_object(
            Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end - 1}"
        )["Body"].read()
        stats["bytes_read"] += len(data)
        return data

    # ---- jobs in flight, per owner ------------------------------------------------------------

    def mark_in_flight(self, api_key_id: str | None, job_id: str) -> None:
        """Write the in-flight marker of job ``job_id`` (an empty object)."""
        self.s3.put_object(Bucket=self.bucket, Key=active_key(api_key_id, job_id), Body=b"")

    def in_flight(self, api_key_id: str | None) -> dict[str, float]:
        """``{job id: when its marker was written, in Unix seconds}`` of the owner's in-flight
        markers: one ``ListObjectsV2`` of the owner's prefix (the policy allows no other), a
        page per 1,000 markers. S3 lists a write at once (strong read-after-write consistency
        since December 2020)."""
        prefix = owner_prefix(api_key_id)
        markers: dict[str, float] = {}
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                markers[item["Key"].removeprefix(prefix)] = item["LastModified"].timestamp()
        return markers

    def clear_in_flight(self, api_key_id: str | None, job_id: str) -> None:
        """Delete the in-flight marker of job ``job_id`` (S3 deletes idempotently)."""
        self.s3.delete_object(Bucket=self.bucket, Key=active_key(api_key_id, job_id))

    # ---- presigned URLs -----------------------------------------------------------------------

    def presign_upload(self, key: str, content_type: str, size: int, expires_in: int) -> str:
        """A presigned S3 ``PUT`` of ``key`` that S3 accepts once, with exactly ``size`` bytes
        of ``content_type``, for ``expires_in`` seconds.

        ``Content-Length``, ``Content-Type`` and ``If-None-Match: *`` are signed headers
        (``X-Amz-SignedHeaders``): a request with another length or type does not match the
        signature, and S3's conditional write refuses a second PUT to the key with 412
        ``PreconditionFailed`` (S3 User Guide, "Conditional writes").
        """
        url: str = self.s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
                "IfNoneMatch": "*",
            },
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )
        return url

    def presign_results(self, input_key: str, expires_in: int) -> str:
        """A presigned S3 ``GET`` of the results of input ``input_key``, for ``expires_in``
        seconds."""
        url: str = self.s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": output_keys(input_key)[0]},
            ExpiresIn=expires_in,
        )
        return url
