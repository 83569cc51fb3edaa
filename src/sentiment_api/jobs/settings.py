"""The job functions' deployment settings, each from one environment variable the template
sets, read once per execution environment through :func:`get_job_settings`."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

DEFAULT_MAX_UPLOAD_BYTES = 100_000_000
"""Default cap on a job's file, in bytes (100 MB; the template's ``MaxUploadBytes``)."""


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What a deployment sets for the jobs.

    Attributes:
        bucket: the job bucket's name (env ``JOB_BUCKET``; the jobs API's only).
        job_timeout_s: the sentiment job function's timeout, in seconds (env
            ``JOB_TIMEOUT_SECONDS``, default 900): a job ``IN_PROGRESS`` for longer (plus a
            minute) has died without a word.
        max_upload_bytes: the largest file ``POST /jobs`` accepts, in bytes (env
            ``MAX_UPLOAD_BYTES``, default :data:`DEFAULT_MAX_UPLOAD_BYTES`).
        auth_required: the API requires an API key (env ``AUTH_REQUIRED`` is ``"true"``,
            any case); then a request without a key id sees no job.

    Raises:
        ValueError: a number is not a positive integer; the function then fails at init. (The
            analysis settings, the defaults of a job's options, are
            :func:`sentiment_api.settings.get_settings`'s.)
    """

    bucket: str = ""
    job_timeout_s: int = 900
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    auth_required: bool = False

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
        )


@functools.cache
def get_job_settings() -> JobSettings:
    """The settings of this execution environment, read from the environment on first use.

    Tests that change the environment call ``get_job_settings.cache_clear()``.

    Raises:
        ValueError: as :class:`JobSettings` does.
    """
    return JobSettings.from_env()


def _positive_int(env: dict[str, str] | os._Environ[str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value
