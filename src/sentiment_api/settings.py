"""Deployment settings, parsed from the environment once, through :func:`get_settings`."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any

from sentiment_api.engines import ENGINE_NAMES

DEFAULT_MAX_TEXT_LENGTH = 5_000
"""Default cap on ``text``, in Unicode code points: Amazon Comprehend's and Azure AI Language's
per-document limits are of this order (5,000 bytes and 5,120 characters)."""

MAX_TEXT_LENGTH_LIMIT = 50_000
"""Highest cap a deployment may set: analysis is quadratic on runs of punctuation (docs/api.md,
"Limits")."""

DEFAULT_MAX_BATCH_SIZE = 25
"""Default cap on the texts of one ``POST /analyse/batch``: Comprehend's BatchDetectSentiment
takes 25 documents."""

MAX_BATCH_SIZE_LIMIT = 100
"""Highest batch cap a deployment may set."""

BATCH_WORK_LIMIT = 100 * 5_000**2
"""Bound on ``max_batch_size * max_text_length**2``: 100 texts of 5,000 code points, 25 of
10,000, or 1 of 50,000. The worst text (all punctuation, every option on) takes time quadratic
in its length, so this bounds a batch's time; docs/api.md ("Limits") gives the figures measured
with ``make bench`` that keep it inside the function's timeout."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What a deployment may tune. Each field comes from one environment variable.

    A plain dataclass, not a pydantic model: the API's cold start imports pydantic only for
    requests that need the router (see ``handlers/api.py``).

    Attributes:
        max_text_length: longest accepted text, in Unicode code points, 1 to 50,000
            (env ``MAX_TEXT_LENGTH``).
        max_batch_size: most texts in one batch request, 1 to 100 (env ``MAX_BATCH_SIZE``),
            and at most ``BATCH_WORK_LIMIT / max_text_length**2``.
        neutral_threshold: default of the request option of that name, 0 to 1: a score with
            ``|score| <= neutral_threshold`` is neutral; None (env ``NEUTRAL_THRESHOLD`` unset
            or empty): each engine's own rule (the most probable class where the engine has
            probabilities, else only an exact 0 is neutral).
        cors_allow_origin: the one origin browsers may call the HTTP functions from, e.g.
            ``https://app.example.com`` (scheme, host and optional port; no path), ``*`` for
            any, or ``""`` for no CORS headers at all (env ``CORS_ALLOW_ORIGIN``; see
            :mod:`sentiment_api.http.cors`).
        engine: default of the request option ``engine``, one of
            :data:`~sentiment_api.engines.ENGINE_NAMES` (env ``ENGINE``; the template's
            ``Engine`` parameter).
        language_check: identify each text's language and refuse one confidently not
            English (env ``LANGUAGE_CHECK`` ``refuse``, the default), or neither (``off``: the
            identifier is not loaded at init, results carry no ``language``; only the
            Comprehend-compatible endpoint's language operations load it, when asked).
        base_path: the custom domain's base path mapping the API is served under, without
            slashes at either end (``"sentiment"``, ``"v1/sentiment"``), or ``""`` for none
            (env ``BASE_PATH``, the template's ``BasePath``): a request to
            ``/<base_path>/analyse`` is routed as ``/analyse``
            (:func:`sentiment_api.http.proxy.strip_base_path`).

    Raises:
        ValueError: when a value is out of range or not a number; the function then fails at
            init, which is where a misconfiguration should show.
    """

    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    neutral_threshold: float | None = None
    cors_allow_origin: str = ""
    engine: str = "textblob"
    language_check: bool = True
    base_path: str = ""

    def __post_init__(self) -> None:
        for name, value, limit in (
            ("MAX_TEXT_LENGTH", self.max_text_length, MAX_TEXT_LENGTH_LIMIT),
            ("MAX_BATCH_SIZE", self.max_batch_size, MAX_BATCH_SIZE_LIMIT),
        ):
            if type(value) is not int or not 1 <= value <= limit:
                raise ValueError(f"{name} must be an integer from 1 to {limit}, not {value!r}")
        if self.max_batch_size * self.max_text_length**2 > BATCH_WORK_LIMIT:
            raise ValueError(
                f"MAX_BATCH_SIZE x MAX_TEXT_LENGTH squared must be at most {BATCH_WORK_LIMIT:,} "
                "(a batch of worst-case texts must finish within the timeout), not "
                f"{self.max_batch_size} x {self.max_text_length}^2"
            )
        threshold = self.neutral_threshold
        if threshold is not None:
            if type(threshold) not in (int, float) or not 0 <= threshold <= 1:
                raise ValueError(
                    f"NEUTRAL_THRESHOLD must be a number from 0 to 1, not {threshold!r}"
                )
            object.__setattr__(self, "neutral_threshold", float(threshold))  # echoed as a float
        origin = self.cors_allow_origin
        if origin not in ("", "*") and not _ORIGIN.fullmatch(origin):
            raise ValueError(
                "CORS_ALLOW_ORIGIN must be empty, * or an origin such as "
                f"https://app.example.com (no path, no trailing slash), not {origin!r}"
            )
        if self.base_path and not _BASE_PATH.fullmatch(self.base_path):
            raise ValueError(
                "BASE_PATH must be empty or path segments of letters, digits, '.', '_', '-' "
                f"and '~' joined by '/' (no slash at either end), not {self.base_path!r}"
            )
        if self.engine not in ENGINE_NAMES:
            raise ValueError(
                f"ENGINE must be one of {', '.join(ENGINE_NAMES)}, not {self.engine!r}"
            )

    @property
    def max_body_length(self) -> int:
        """Longest ``POST /analyse`` body accepted before parsing, in characters of the raw body.

        Room for ``max_text_length`` code points at the worst JSON escaping (12 characters,
        a ``\\uXXXX`` surrogate pair, per code point) plus 1 KiB of other fields, then base64's
        4/3 expansion. Anything longer cannot be a valid request.
        """
        return _base64_length(12 * self.max_text_length + 1024)

    @property
    def max_batch_body_length(self) -> int:
        """Longest ``POST /analyse/batch`` body, in characters of the raw body: the rule of
        :attr:`max_body_length` for ``max_batch_size`` texts (plus 6 characters of separators
        each)."""
        return _base64_length((12 * self.max_text_length + 6) * self.max_batch_size + 1024)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``); unset ones keep defaults.

        Raises:
            ValueError: as the class does.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # int or float, by field; the class checks each
        for field, name in (
            ("max_text_length", "MAX_TEXT_LENGTH"),
            ("max_batch_size", "MAX_BATCH_SIZE"),
        ):
            raw = env.get(name)
            if raw:
                try:
                    values[field] = int(raw, 10)
                except ValueError:
                    raise ValueError(f"{name} must be an integer, not {raw!r}") from None
        raw = env.get("NEUTRAL_THRESHOLD")
        if raw:
            try:
                threshold = float(raw)
            except ValueError:
                raise ValueError(f"NEUTRAL_THRESHOLD must be a number, not {raw!r}") from None
            values["neutral_threshold"] = threshold
        values["cors_allow_origin"] = env.get("CORS_ALLOW_ORIGIN", "").strip()
        values["base_path"] = env.get("BASE_PATH", "").strip()
        raw = env.get("ENGINE")
        if raw:
            values["engine"] = raw
        raw = env.get("LANGUAGE_CHECK", "").strip()
        if raw not in ("", "refuse", "off"):
            raise ValueError(f"LANGUAGE_CHECK must be refuse or off, not {raw!r}")
        values["language_check"] = raw != "off"
        return cls(**values)


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
"""A serialised origin (RFC 6454, section 6.1) as browsers send it: scheme, host, port."""


_BASE_PATH = re.compile(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*")
"""A base path mapping as API Gateway takes one: segments of URL-safe characters."""


def _base64_length(length: int) -> int:
    """The most characters ``length`` characters of UTF-8-safe text take once base64-encoded."""
    return length * 4 // 3 + 4


@functools.cache
def get_settings() -> Settings:
    """The deployment's settings, read from ``os.environ`` on the first call and kept.

    Every module reads settings through this one accessor; tests change the environment and
    call ``get_settings.cache_clear()``.

    Raises:
        ValueError: as :class:`Settings` does (the first call, at a function's init).
    """
    return Settings.from_env()
