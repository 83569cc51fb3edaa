"""The job functions' deployment settings, each from one environment variable the template
sets, read once per execution environment through :func:`get_job_settings`."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Literal, overload

DEFAULT_MAX_UPLOAD_BYTES = 5_000_000_000
"""Default cap on a job's bytes, a file or a job's files together (5 GB; the template's
``MaxUploadBytes``): far past what one function reads (:meth:`JobSettings.max_job_bytes`), as
a larger job fans out (:mod:`.fanout`)."""
MAX_PUT_BYTES = 5_000_000_000
"""The largest object one S3 ``PUT`` may carry (5 GB; S3 User Guide, "Uploading objects"):
the most one file of a job may be, as each is one presigned ``PUT``."""
DEFAULT_MAP_CONCURRENCY = 40
"""Default number of byte ranges analysed at once by one job fanned out (the template's
``MapConcurrency``: the Distributed Map's ``MaxConcurrency`` and the range function's reserved
concurrency)."""
DEFAULT_MAX_FILES_PER_JOB = 100
"""Default most files in one job (the template's ``MaxFilesPerJob``)."""
MAX_FILES_PER_JOB_LIMIT = 250
"""The most ``MaxFilesPerJob`` may be: what fits in the jobs API's request body and in one
execution's input (the files' names travel in it)."""
MAX_PARTS = 10_000
"""S3's most parts in one multipart upload (S3 User Guide, "Amazon S3 multipart upload
limits"): the most ranges a job's results may be assembled from, one part per range at most."""
EXECUTION_TIMEOUT_S = 86_400
"""The jobs' state machine's ``TimeoutSeconds`` in template.yaml (a day; a test holds them
equal): a job fanned out must end within it."""
MIN_RANGE_BYTES = 16_000_000
"""The smallest byte range a job is cut into (16 MB): each range's results (about 3 times its
bytes) are then well over S3's 5 MiB part minimum, so the merge copies them server-side, and
an invocation's start (about a second) stays small beside its work."""

DEFAULT_MAX_JOBS_PER_KEY = 2
"""Default cap on one API key's jobs in flight (the template's ``MaxJobsPerKey``): below the
job function's default reserved concurrency (5, ``JobConcurrency``), so that one key never
holds every slot and the others' jobs wait behind its queue."""

Detail = Literal["plain", "sentences", "explain"]
"""How much a job asks of each document, from the cheapest: the result alone, ``sentences``
(each sentence scored too), ``explain`` (what the score rests on; for the encoder, occlusion)."""


def detail_of(sentences: bool, explain: bool) -> Detail:
    """The :data:`Detail` of a job's ``sentences`` and ``explain`` options."""
    return "explain" if explain else "sentences" if sentences else "plain"


MIN_BYTES_PER_S: dict[tuple[str, Detail], int] = {
    ("textblob", "plain"): 120_000,
    ("textblob", "sentences"): 80_000,
    ("textblob", "explain"): 80_000,
    ("model", "plain"): 200_000,
    ("model", "sentences"): 200_000,
    ("model", "explain"): 200_000,
    ("encoder", "plain"): 12_000,
    ("encoder", "sentences"): 3_500,
    ("encoder", "explain"): 500,
}
"""The input rate a job can count on, in bytes per second, by engine and :data:`Detail`: the
worst case, not the average. ``make bench`` ("job input rate") runs
:func:`~sentiment_api.jobs.files.analyse_stream` in process on one CPU over the slowest inputs
found (lines of review sentences, 5,000-character lines of review text, of ``":)! "`` runs, of 64
one-token words) at each detail, prints each engine's worst against these, and flags one that
is above its measured worst. Each figure is under that worst with a margin for a busier machine
(runs on the same machine differ by up to a quarter). Measured (2026-12-06, bytes/s, plain /
sentences / explain): textblob 440,812 / 124,834 / 120,913 (``":)! "`` lines: 1,250 sentences
each); model 1,276,062 / 376,301 / 347,489; encoder 16,079 (``":)! "`` lines: 3,750 tokens, 15
windows each) / 5,279 (one encoder run per sentence) / 699 (one run per word of a short line:
occlusion).

Not counted: files of very short documents. Per document a job has a fixed cost (the
language check, a result line), so lines of one or two characters read slower than some rates
above (``"a"`` lines: textblob 45,000 to 79,000, model 80,000 to 105,000, encoder 3,900 to
4,100 bytes/s). Such a file is not refused up front; if it runs out of time, the job stops
before its timeout and records ``timed_out`` (docs/jobs.md)."""
STOP_MARGIN_S = 20.0
"""A job still reading this close to its timeout stops and records ``FAILED`` (``timed_out``)
itself, while it still can (a tenth of the time instead, for invocations under 200 s)."""
START_ALLOWANCE_S = 2.0
"""Seconds a job may spend before its size check (reading its job record, opening the input),
which :attr:`JobSettings.max_job_bytes` keeps aside so that a file ``POST /jobs`` accepts is
never one the job then refuses."""
MAX_EVENT_AGE_S = 21_600
"""How long Lambda keeps trying to run a job's S3 event, in seconds (6 hours, the most Lambda
allows): ``SentimentJobFunction``'s ``EventInvokeConfig.MaximumEventAgeInSeconds`` in
template.yaml (a test holds them equal). An event still throttled then goes to the on-failure
queue without running."""


def stop_margin_s(seconds_left: float) -> float:
    """How long before the end of an invocation with ``seconds_left`` a job stops reading:
    :data:`STOP_MARGIN_S`, or a tenth of ``seconds_left`` if that is less."""
    return min(STOP_MARGIN_S, seconds_left / 10)


def readable_bytes(seconds: float, engine: str, detail: Detail) -> int:
    """The most bytes a job with this ``engine`` and :data:`Detail` is sure to read in
    ``seconds`` of reading (0 for none), at :data:`MIN_BYTES_PER_S`: the size rule of both the
    job (on its remaining time) and ``POST /jobs`` (on the job's timeout,
    :meth:`JobSettings.max_job_bytes`).

    Raises:
        KeyError: ``engine`` is not an engine's name.
    """
    return int(max(seconds, 0) * MIN_BYTES_PER_S[engine, detail])


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What a deployment sets for the jobs.

    Attributes:
        bucket: the job bucket's name (env ``JOB_BUCKET``; the jobs API's only).
        job_timeout_s: the sentiment job function's timeout, in seconds (env
            ``JOB_TIMEOUT_SECONDS``, default 900): a job ``IN_PROGRESS`` for longer (plus a
            minute) has died without a word.
        max_upload_bytes: the largest job ``POST /jobs`` accepts, in bytes: a file, or a
            job's files together (env ``MAX_UPLOAD_BYTES``, default
            :data:`DEFAULT_MAX_UPLOAD_BYTES`).
        auth_required: the API requires an API key (env ``AUTH_REQUIRED`` is ``"true"``,
            any case); then a request without a key id sees no job.
        max_jobs_per_key: the most jobs one API key may have in flight (created and not
            ended); ``POST /jobs`` over it is a 429 (env ``MAX_JOBS_PER_KEY``, default
            :data:`DEFAULT_MAX_JOBS_PER_KEY`). Every caller without a key shares one count.
        state_machine_arn: the jobs' state machine, which a job fanned out runs as (env
            ``STATE_MACHINE_ARN``; the sentiment job's and the jobs API's).
        map_concurrency: ranges of one job analysed at once (env ``MAP_CONCURRENCY``, default
            :data:`DEFAULT_MAP_CONCURRENCY`).
        max_files_per_job: the most files one job may have (env ``MAX_FILES_PER_JOB``,
            default :data:`DEFAULT_MAX_FILES_PER_JOB`, at most :data:`MAX_FILES_PER_JOB_LIMIT`).
        fan_out_bytes: a tuning knob, not in the template (env ``FAN_OUT_BYTES``): fan out
            files over this many bytes instead of over :meth:`max_job_bytes`.
        range_bytes: a tuning knob, not in the template (env ``RANGE_BYTES``): cut files in
            ranges of this many bytes instead of :meth:`range_size`'s.

    Derived: for a job's engine and :data:`Detail`, :meth:`max_job_bytes` (what one
    invocation reads in its timeout), hence :meth:`fans_out` and :meth:`range_size`; and
    :meth:`max_file_bytes` and :meth:`max_total_bytes` (the largest file and job ``POST
    /jobs`` accepts).

    Raises:
        ValueError: a number is not a positive integer; the function then fails at init. (The
            analysis settings, the defaults of a job's options, are
            :func:`sentiment_api.settings.get_settings`'s.)
    """

    bucket: str = ""
    job_timeout_s: int = 900
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    auth_required: bool = False
    max_jobs_per_key: int = DEFAULT_MAX_JOBS_PER_KEY
    state_machine_arn: str = ""
    map_concurrency: int = DEFAULT_MAP_CONCURRENCY
    max_files_per_job: int = DEFAULT_MAX_FILES_PER_JOB
    fan_out_bytes: int | None = None
    range_bytes: int | None = None

    def max_job_bytes(self, engine: str, detail: Detail) -> int:
        """The largest file one job with this ``engine`` and :data:`Detail` reads before
        its timeout, in bytes: the job's own size rule (:func:`readable_bytes` after
        :func:`stop_margin_s`) applied to ``job_timeout_s`` less :data:`START_ALLOWANCE_S`.
        At 900 s, plain: textblob 105,360,000, model 175,600,000, encoder 10,536,000."""
        seconds = self.job_timeout_s - START_ALLOWANCE_S
        return readable_bytes(seconds - stop_margin_s(seconds), engine, detail)

    def max_file_bytes(self, engine: str, detail: Detail) -> int:
        """The largest file ``POST /jobs`` accepts, in bytes: the smaller of :data:`MAX_PUT_BYTES`
        (one presigned ``PUT``) and :meth:`max_total_bytes`."""
        return min(MAX_PUT_BYTES, self.max_total_bytes(engine, detail))

    def max_total_bytes(self, engine: str, detail: Detail) -> int:
        """The largest job ``POST /jobs`` accepts, a file or a job's files together, in bytes,
        for this ``engine`` and :data:`Detail`: the smallest of ``max_upload_bytes``; what
        :data:`MAX_PARTS` ranges of at most :meth:`max_job_bytes` hold (less one range per file
        a job may have, each file's last range being short); and what ``map_concurrency``
        invocations at once read at the engine's worst in half of :data:`EXECUTION_TIMEOUT_S`
        (the other half left for waiting on the range slots other jobs hold, and for the plan
        and the merge). At the defaults, textblob and the model reach ``max_upload_bytes``; the
        encoder's explain (occlusion, 500 bytes/s) stops at 864 MB."""
        ranges = MAX_PARTS - self.max_files_per_job
        in_time = readable_bytes(EXECUTION_TIMEOUT_S / 2, engine, detail) * self.map_concurrency
        return min(self.max_upload_bytes, ranges * self.max_job_bytes(engine, detail), in_time)

    def fans_out(self, size: int, engine: str, detail: Detail) -> bool:
        """Whether a file of ``size`` bytes is analysed in byte ranges over several
        invocations (:mod:`.fanout`) rather than in one: when it is over
        ``fan_out_bytes`` if set, else over :meth:`max_job_bytes`, what one invocation is sure
        to read before its timeout (below it, one invocation costs less: no orchestration, no
        second read, no merge; ranges side by side would end sooner)."""
        if self.fan_out_bytes is not None:
            return size > self.fan_out_bytes
        return size > self.max_job_bytes(engine, detail)

    def range_size(self, size: int, engine: str, detail: Detail) -> int:
        """The bytes of each range a file of ``size`` bytes is cut into: ``range_bytes`` if
        set; else enough ranges for ``map_concurrency`` invocations at once
        (``size / map_concurrency``), at least :data:`MIN_RANGE_BYTES`, but never over
        :meth:`max_job_bytes` (each range must be read in one invocation, at the engine's
        worst: that bound wins over the minimum, so the encoder's ranges may be short)."""
        if self.range_bytes is not None:
            return self.range_bytes
        share = -(-size // self.map_concurrency)
        return min(self.max_job_bytes(engine, detail), max(MIN_RANGE_BYTES, share))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> JobSettings:
        """Build settings from ``environ`` (default ``os.environ``); unset ones keep defaults.

        Raises:
            ValueError: as the class does.
        """
        env = os.environ if environ is None else environ
        return cls(
            bucket=env.get("JOB_BUCKET", ""),
            job_timeout_s=_positive_int(env, "JOB_TIMEOUT_SECONDS", 900),
            max_upload_bytes=_positive_int(env, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
            auth_required=env.get("AUTH_REQUIRED", "").strip().lower() == "true",
            max_jobs_per_key=_positive_int(env, "MAX_JOBS_PER_KEY", DEFAULT_MAX_JOBS_PER_KEY),
            state_machine_arn=env.get("STATE_MACHINE_ARN", ""),
            map_concurrency=_positive_int(env, "MAP_CONCURRENCY", DEFAULT_MAP_CONCURRENCY),
            max_files_per_job=_positive_int(
                env, "MAX_FILES_PER_JOB", DEFAULT_MAX_FILES_PER_JOB, MAX_FILES_PER_JOB_LIMIT
            ),
            fan_out_bytes=_positive_int(env, "FAN_OUT_BYTES", None),
            range_bytes=_positive_int(env, "RANGE_BYTES", None),
        )


@functools.cache
def get_job_settings() -> JobSettings:
    """The settings of this execution environment, read from the environment on first use.

    Tests that change the environment call ``get_job_settings.cache_clear()``.

    Raises:
        ValueError: as :class:`JobSettings` does.
    """
    return JobSettings.from_env()


@overload
def _positive_int(
    env: dict[str, str] | os._Environ[str], name: str, default: int, most: int | None = None
) -> int: ...
@overload
def _positive_int(
    env: dict[str, str] | os._Environ[str], name: str, default: None, most: int | None = None
) -> int | None: ...
def _positive_int(
    env: dict[str, str] | os._Environ[str], name: str, default: int | None, most: int | None = None
) -> int | None:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    if most is not None and value > most:
        raise ValueError(f"{name} must be at most {most}, not {value}")
    return value
